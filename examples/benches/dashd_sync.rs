//! `dashlite sync --until-synced` against one real Dash Core v23.1.2 regtest node with a
//! 20,000-block chain holding ten payments to the watched address, side by side with the
//! node's own time to serve the same 20,000 filtered blocks to a bare client (version/verack,
//! filterload, pipelined `getdata MSG_FILTERED_BLOCK` for every block).
//!
//! `cargo bench -p dashlite-cli --bench dashd_sync [-- --runs N]`
//!
//! The chain is mined once and kept in `$DASHLITE_CACHE/dashd-bench-20000` (else
//! `target/dashd-bench-20000`). Each dashlite run starts from a fresh data directory, under
//! `/usr/bin/time -v` for its peak RSS. Prints the medians of the runs.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use dashlite::bloom::{BloomFilter, BLOOM_UPDATE_ALL};
use dashlite::hash::BlockHash;
use dashlite::network::Network;
use dashlite::wallet::Address;
use dashlite::wire::{FilterLoad, FrameDecoder, GetData, Inventory, Message};
use dashlite_testkit::client::spv_version;
use dashlite_testkit::dashd::{temp_dir, Dashd};
use serde_json::Value;

/// Blocks in the chain.
const BLOCKS: u32 = 20_000;
/// Payments to the watched address, spread over the chain.
const PAYMENTS: u32 = 10;
/// `getdata` entries per message of the bare client.
const GETDATA_BATCH: usize = 1_000;

fn cache_dir() -> PathBuf {
    let base = match std::env::var_os("DASHLITE_CACHE") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
    };
    base.join(format!("dashd-bench-{BLOCKS}"))
}

/// The cached chain: the node on it, the watched address, every block hash from height 1.
fn chain() -> (Dashd, String, Vec<String>) {
    let dir = cache_dir();
    let done = dir.join("complete");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        let node = Dashd::start_in(&dir.join("node"), &[]);
        let started = Instant::now();
        eprintln!("mining the {BLOCKS}-block bench chain into {} (once)", dir.display());
        let miner = node.wallet("miner");
        let sink = miner.new_address();
        let address = node.wallet("watched").new_address();
        let mut hashes = node.mine(101, &sink);
        let spacing = (BLOCKS - 200) / PAYMENTS;
        let mut paid = 0;
        while (hashes.len() as u32) < BLOCKS {
            let height = hashes.len() as u32;
            let next_payment = 150 + paid * spacing;
            if paid < PAYMENTS && height >= next_payment {
                miner.send(&address, 100_000_000 + u64::from(paid));
                paid += 1;
                hashes.extend(node.mine(1, &sink));
                continue;
            }
            let until = if paid < PAYMENTS { next_payment } else { BLOCKS };
            hashes.extend(node.mine((until - height).clamp(1, 1_000), &sink));
        }
        assert_eq!(node.height(), BLOCKS);
        std::fs::write(dir.join("watched.txt"), &address).expect("write watched.txt");
        std::fs::write(dir.join("hashes.txt"), hashes.join("\n")).expect("write hashes.txt");
        std::fs::write(&done, "").expect("write complete");
        eprintln!("mined in {:.1} s", started.elapsed().as_secs_f64());
        drop(node);
    }
    let node = Dashd::start_in(&dir.join("node"), &[]);
    let read = |f: &str| {
        std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
    };
    let address = read("watched.txt").trim().to_owned();
    let hashes: Vec<String> = read("hashes.txt").lines().map(str::to_owned).collect();
    assert_eq!(hashes.len() as u32, BLOCKS);
    assert_eq!(node.height(), BLOCKS, "cached chain in {}", dir.display());
    (node, address, hashes)
}

/// One dashlite sync from a fresh data directory: wall time, peak RSS (KiB).
fn dashlite_run(node: &Dashd, address: &str) -> (Duration, u64) {
    let dir = temp_dir("dashlite-bench-data");
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-v").arg(env!("CARGO_BIN_EXE_dashlite"));
    cmd.args(["sync", "--network", "regtest", "--json", "--until-synced", "--timeout", "300"]);
    cmd.args(["--max-peers", "1", "--peer", &node.p2p_addr().to_string(), "--watch", address]);
    cmd.arg("--data-dir").arg(&dir);
    let started = Instant::now();
    let out = cmd.output().expect("run /usr/bin/time -v dashlite");
    let wall = started.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "dashlite sync failed: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let doc: Value =
        serde_json::from_str(stdout.lines().last().expect("output")).expect("JSON wallet");
    assert_eq!(doc["tip"], BLOCKS, "synced to the tip");
    let found = doc["transactions"].as_array().map_or(0, Vec::len);
    assert_eq!(found as u32, PAYMENTS, "every payment found: {doc}");
    let rss = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes): "))
        .and_then(|v| v.trim().parse().ok())
        .expect("peak RSS from /usr/bin/time -v");
    (wall, rss)
}

/// Reads frames from `stream` until `done` returns true for one; the count of frames read.
fn read_until(
    stream: &mut TcpStream,
    decoder: &mut FrameDecoder,
    mut done: impl FnMut(&str) -> bool,
) -> usize {
    let mut buf = vec![0u8; 256 * 1024];
    let mut frames = 0;
    loop {
        while let Some(frame) = decoder.next_frame().expect("frame") {
            frames += 1;
            if done(frame.command.as_str()) {
                return frames;
            }
        }
        let n = stream.read(&mut buf).expect("read");
        assert!(n > 0, "the node closed the bare client's connection");
        decoder.feed(&buf[..n]);
    }
}

/// The node serving every block filtered to a bare client: from the first `getdata` to the
/// last `merkleblock`.
fn bare_run(node: &Dashd, address: &str, hashes: &[BlockHash]) -> Duration {
    let magic = Network::Regtest.params().magic;
    let mut stream = TcpStream::connect(node.p2p_addr()).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let mut decoder = FrameDecoder::new(magic);
    let send = |s: &mut TcpStream, m: Message| s.write_all(&m.to_frame(magic)).expect("write");
    send(&mut stream, Message::Version(spv_version(0, 0)));
    read_until(&mut stream, &mut decoder, |c| c == "version");
    send(&mut stream, Message::Verack);
    read_until(&mut stream, &mut decoder, |c| c == "verack");
    let watched = Address::parse(address, Network::Regtest).expect("address");
    let mut filter = BloomFilter::new(
        1,
        dashlite::bloom::policy::DEFAULT_FALSE_POSITIVE_RATE,
        0x5eed,
        BLOOM_UPDATE_ALL,
    )
    .expect("filter");
    filter.insert(watched.payload.hash());
    send(&mut stream, Message::FilterLoad(FilterLoad::from(&filter)));

    let requests: Vec<Message> = hashes
        .chunks(GETDATA_BATCH)
        .map(|chunk| {
            let inventory = chunk.iter().map(|h| Inventory::FilteredBlock(*h)).collect();
            Message::GetData(GetData { inventory })
        })
        .collect();
    let mut writer = stream.try_clone().expect("clone");
    let started = Instant::now();
    let sender = std::thread::spawn(move || {
        for m in requests {
            writer.write_all(&m.to_frame(magic)).expect("write getdata");
        }
    });
    let mut left = hashes.len();
    read_until(&mut stream, &mut decoder, |c| {
        if c == "merkleblock" {
            left -= 1;
        }
        left == 0
    });
    let took = started.elapsed();
    sender.join().expect("getdata writer");
    took
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() {
    let mut runs = 5usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--runs" {
            runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N");
        }
    }
    let (node, address, hashes) = chain();
    let hashes: Vec<BlockHash> = hashes.iter().map(|h| h.parse().expect("block hash")).collect();
    let (mut ours, mut bare, mut rss) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        let b = bare_run(&node, &address, &hashes);
        let (t, r) = dashlite_run(&node, &address);
        eprintln!(
            "run {}: node serving {:.3} s, dashlite sync {:.3} s, {:.1} MiB",
            run + 1,
            b.as_secs_f64(),
            t.as_secs_f64(),
            r as f64 / 1024.0
        );
        bare.push(b.as_secs_f64());
        ours.push(t.as_secs_f64());
        rss.push(r as f64 / 1024.0);
    }
    let (o, b) = (median(ours), median(bare));
    println!("{BLOCKS} blocks, {PAYMENTS} payments, one Dash Core v23.1.2 regtest node, {runs} runs (medians)");
    println!("{:<52} {:>9} {:>12}", "", "wall s", "peak RSS");
    println!("{:<52} {:>9.3} {:>12}", "node serving every filtered block to a bare client", b, "-");
    println!(
        "{:<52} {:>9.3} {:>8.1} MiB",
        "dashlite sync --until-synced (fresh data dir)",
        o,
        median(rss)
    );
    println!("{:<52} {:>9.2}x", "dashlite / node", o / b);
}
