//! Times the chain builder: `cargo run --release -p dashlite-testkit --example build_chain --
//! [blocks] [--cache]`. With `--cache` the chain is read from (or written to) the header cache.

use dashlite_testkit::cache::{cache_path, cached_chain, default_cache_dir};
use dashlite_testkit::chain::Chain;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let blocks: u32 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let start = Instant::now();
    let chain = if args.iter().any(|a| a == "--cache") {
        let dir = default_cache_dir();
        println!("cache file: {}", cache_path(&dir, blocks).display());
        cached_chain(&dir, blocks).expect("cache")
    } else {
        Chain::with_blocks(blocks)
    };
    let secs = start.elapsed().as_secs_f64();
    // The builder tries nonces from 0, so each block cost nonce + 1 X11 evaluations.
    let tries: u64 = chain.headers()[1..].iter().map(|h| u64::from(h.nonce) + 1).sum();
    println!(
        "{} blocks in {:.2} s ({:.1} µs per block, {:.2} X11 per block), tip {}",
        chain.height(),
        secs,
        secs * 1e6 / f64::from(blocks.max(1)),
        tries as f64 / f64::from(blocks.max(1)),
        chain.tip()
    );
}
