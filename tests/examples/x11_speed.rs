//! X11 speed on this machine: `cargo run --release -p dashlite-testkit --example x11_speed`.
use dashlite::network::Network;
use std::time::Instant;
fn main() {
    let mut h = Network::Regtest.params().genesis_header();
    let n = 20_000u32;
    let start = Instant::now();
    let mut acc = 0u8;
    for i in 0..n {
        h.nonce = i;
        acc ^= h.block_hash().as_bytes()[0];
    }
    let t = start.elapsed().as_secs_f64();
    println!("{:.2} µs per X11 ({acc})", t * 1e6 / f64::from(n));
    let start = Instant::now();
    for i in 0..n {
        std::hint::black_box(dashlite_testkit::chain::coinbase(i, 0, None).txid());
    }
    println!("{:.2} µs per coinbase+txid", start.elapsed().as_secs_f64() * 1e6 / f64::from(n));
}
