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
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use dashlite::bloom::{BloomFilter, BLOOM_UPDATE_ALL};
use dashlite::hash::BlockHash;
use dashlite::network::Network;
use dashlite::wallet::Address;
use dashlite::wire::{FilterLoad, FrameDecoder, GetData, Inventory, Message};
use dashlite_testkit::client::spv_version;
use dashlite_testkit::dashd::scenario::DASHLITE_AGENT;
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

/// What the node's `getpeerinfo` showed of dashlite's connection during one run, polled
/// every [`POLL`]: its transport, and when (since the run started) the bytes of `headers`
/// and `headers2` the node sent it last grew, and when `merkleblock` bytes first and last
/// grew.
#[derive(Debug, Default)]
struct Observed {
    transports: Vec<String>,
    headers_done: Option<Duration>,
    blocks_first: Option<Duration>,
    blocks_done: Option<Duration>,
}

/// How often `getpeerinfo` is asked during a run.
const POLL: Duration = Duration::from_millis(25);

/// Polls the node's `getpeerinfo` until `stop` is set: see [`Observed`].
fn observe(node: &Dashd, started: Instant, stop: &AtomicBool) -> Observed {
    let mut seen = Observed::default();
    let (mut headers, mut blocks) = (0u64, 0u64);
    while !stop.load(Ordering::Relaxed) {
        let Ok(peers) = node.try_rpc(&["getpeerinfo"]) else { continue };
        let at = started.elapsed();
        let ours = peers
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["subver"].as_str().is_some_and(|s| s.contains(DASHLITE_AGENT)));
        for p in ours {
            if let Some(t) = p["transport_protocol_type"].as_str() {
                if !seen.transports.iter().any(|s| s == t) {
                    seen.transports.push(t.to_owned());
                }
            }
            let sent = |m: &str| p["bytessent_per_msg"][m].as_u64().unwrap_or(0);
            let h = sent("headers") + sent("headers2");
            if h > headers {
                headers = h;
                seen.headers_done = Some(at);
            }
            let b = sent("merkleblock");
            if b > blocks {
                blocks = b;
                seen.blocks_first.get_or_insert(at);
                seen.blocks_done = Some(at);
            }
        }
        std::thread::sleep(POLL);
    }
    seen
}

/// One dashlite run's figures.
struct Run {
    wall: Duration,
    rss_kib: u64,
    observed: Observed,
}

/// One dashlite sync over `transport` (`--transport v1|v2`) from a fresh data directory,
/// watched through the node's `getpeerinfo`.
fn dashlite_run(node: &Dashd, address: &str, transport: &str) -> Run {
    let dir = temp_dir("dashlite-bench-data");
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-v").arg(env!("CARGO_BIN_EXE_dashlite"));
    cmd.args(["sync", "--network", "regtest", "--json", "--until-synced", "--timeout", "300"]);
    cmd.args(["--max-peers", "1", "--peer", &node.p2p_addr().to_string(), "--watch", address]);
    cmd.args(["--transport", transport]).arg("--data-dir").arg(&dir);
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let (out, wall, observed) = std::thread::scope(|s| {
        let watcher = s.spawn(|| observe(node, started, &stop));
        let out = cmd.output().expect("run /usr/bin/time -v dashlite");
        let wall = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        (out, wall, watcher.join().expect("getpeerinfo watcher"))
    });
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "dashlite sync failed: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let doc: Value =
        serde_json::from_str(stdout.lines().last().expect("output")).expect("JSON wallet");
    assert_eq!(doc["tip"], BLOCKS, "synced to the tip");
    let found = doc["transactions"].as_array().map_or(0, Vec::len);
    assert_eq!(found as u32, PAYMENTS, "every payment found: {doc}");
    assert_eq!(
        observed.transports,
        [transport],
        "the node saw dashlite on the transport asked for ({observed:?})"
    );
    let rss_kib = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes): "))
        .and_then(|v| v.trim().parse().ok())
        .expect("peak RSS from /usr/bin/time -v");
    Run { wall, rss_kib, observed }
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

/// Medians of one transport's runs.
#[derive(Default)]
struct Figures {
    wall: Vec<f64>,
    headers_per_s: Vec<f64>,
    blocks_per_s: Vec<f64>,
    rss_mib: Vec<f64>,
}

impl Figures {
    fn add(&mut self, run: &Run) {
        let o = &run.observed;
        let headers = o.headers_done.expect("the node sent headers").as_secs_f64();
        let (first, last) = (o.blocks_first.expect("merkleblocks"), o.blocks_done.expect("sent"));
        self.wall.push(run.wall.as_secs_f64());
        self.headers_per_s.push(f64::from(BLOCKS) / headers);
        self.blocks_per_s.push(f64::from(BLOCKS) / (last - first).as_secs_f64().max(1e-3));
        self.rss_mib.push(run.rss_kib as f64 / 1024.0);
    }

    fn row(&self, name: &str) -> String {
        format!(
            "{name:<52} {:>9.3} {:>11.0} {:>10.0} {:>8.1} MiB",
            median(self.wall.clone()),
            median(self.headers_per_s.clone()),
            median(self.blocks_per_s.clone()),
            median(self.rss_mib.clone())
        )
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
    let mut bare = Vec::new();
    let (mut v1, mut v2) = (Figures::default(), Figures::default());
    for run in 0..runs {
        let b = bare_run(&node, &address, &hashes);
        bare.push(b.as_secs_f64());
        // Alternate which transport goes first, so that neither always runs on a warmer node.
        let order = if run % 2 == 0 { ["v1", "v2"] } else { ["v2", "v1"] };
        for transport in order {
            let r = dashlite_run(&node, &address, transport);
            eprintln!(
                "run {}: {transport}: {:.3} s, headers done at {:.3} s, blocks {:.3}..{:.3} s, {:.1} MiB",
                run + 1,
                r.wall.as_secs_f64(),
                r.observed.headers_done.unwrap_or_default().as_secs_f64(),
                r.observed.blocks_first.unwrap_or_default().as_secs_f64(),
                r.observed.blocks_done.unwrap_or_default().as_secs_f64(),
                r.rss_kib as f64 / 1024.0
            );
            if transport == "v1" {
                v1.add(&r)
            } else {
                v2.add(&r)
            }
        }
        eprintln!("run {}: node serving {:.3} s", run + 1, b.as_secs_f64());
    }
    let b = median(bare);
    println!("{BLOCKS} blocks, {PAYMENTS} payments, one Dash Core v23.1.2 regtest node, {runs} runs (medians)");
    println!(
        "{:<52} {:>9} {:>11} {:>10} {:>12}",
        "", "wall s", "headers/s", "blocks/s", "peak RSS"
    );
    println!(
        "{:<52} {:>9.3} {:>11} {:>10.0} {:>12}",
        "node serving every filtered block to a bare client",
        b,
        "-",
        f64::from(BLOCKS) / b,
        "-"
    );
    println!("{}", v1.row("dashlite sync --transport v1 (fresh data dir)"));
    println!("{}", v2.row("dashlite sync --transport v2 (fresh data dir)"));
    let (w1, w2) = (median(v1.wall.clone()), median(v2.wall.clone()));
    println!("{:<52} {:>9.2}x", "dashlite v1 / node", w1 / b);
    println!("{:<52} {:>9.2}x", "dashlite v2 / v1 (wall time)", w2 / w1);
}
