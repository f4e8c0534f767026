//! The mainnet-scale sync benchmark: dashlite's sync engine against
//! testkit nodes on loopback, the nodes in a process of their own (`testkit-serve`), so the
//! figures are the client's alone.
//!
//! 1. Headers: a fresh client syncs and validates every header from genesis (headers/s,
//!    wall time, memory).
//! 2. Blocks: a fresh client with a watch-only account whose birthday is the first of the
//!    last `--blocks` blocks starts from a trusted header just below it (as from a
//!    checkpoint) and downloads those filtered blocks from every node (blocks/s, bytes per
//!    block on the wire); the wallet must end with exactly the chain's payments to it.
//!
//! ```text
//! cargo build --release -p dashlite-testkit --bin testkit-serve --example sync_scale
//! /usr/bin/time -v target/release/examples/sync_scale [--headers 2500000] [--blocks 100000]
//!     [--nodes 3] [--payment-every 100] [--keys 40] [--fill 2] [--in-flight 400]
//!     [--cache-dir DIR] [--serve PATH] [--store sqlite|memory]
//! ```
//!
//! The server's chain headers are cached on disk (`testkit-serve` says where); the first run
//! at full scale mines them (about a minute). The process exits non-zero if a sync fails or
//! the wallet is wrong. `/usr/bin/time -v` reports this process's peak RSS only: the server
//! is never waited for, so its memory is not counted as a child's.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use async_std::future::timeout;
use dashlite::client::{Birthday, Client, ClientBuilder, ClientEvent, WatchItem};
use dashlite::hash::{BlockHash, Txid};
use dashlite::network::{CheckpointRecord, Network};
use dashlite::wallet::GapLimits;
use dashlite_testkit::scale::account;

/// The stores the bench can run on (`--store`).
const STORES: &str = "sqlite (a fresh SQLite data directory per phase), memory (in memory)";

/// No progress for this long fails the run.
const STALL: Duration = Duration::from_secs(120);

#[derive(Debug)]
struct Args {
    serve_args: Vec<String>,
    nodes: usize,
    in_flight: usize,
    serve: Option<PathBuf>,
    store: String,
}

fn parse_args() -> Args {
    let mut args = Args {
        serve_args: Vec::new(),
        nodes: 3,
        in_flight: 400,
        serve: None,
        store: "sqlite".to_string(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| fail(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--headers" | "--blocks" | "--payment-every" | "--keys" | "--fill" | "--cache-dir" => {
                args.serve_args.extend([flag, value]);
            }
            "--nodes" => args.nodes = value.parse().unwrap_or_else(|_| fail("bad --nodes")),
            "--in-flight" => {
                args.in_flight = value.parse().unwrap_or_else(|_| fail("bad --in-flight"))
            }
            "--serve" => args.serve = Some(PathBuf::from(value)),
            "--store" => args.store = value,
            _ => fail(&format!("unknown argument {flag}")),
        }
    }
    args.serve_args.extend(["--nodes".to_string(), args.nodes.to_string()]);
    args
}

fn fail(why: &str) -> ! {
    eprintln!("sync_scale: FAILED: {why}");
    std::process::exit(1)
}

/// A field of /proc/self/status in KiB (VmRSS, VmHWM).
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix(field)?
                    .strip_prefix(':')?
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The server process and what it said about its chain.
struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    nodes: Vec<SocketAddr>,
    tip: u32,
    tip_hash: BlockHash,
    birthday: u32,
    /// txid → (height, value).
    payments: BTreeMap<Txid, (u32, i64)>,
}

fn serve_binary(arg: Option<PathBuf>) -> PathBuf {
    if let Some(p) = arg {
        return p;
    }
    let exe = std::env::current_exe().unwrap_or_else(|e| fail(&format!("current_exe: {e}")));
    // target/<profile>/examples/sync_scale → target/<profile>/testkit-serve
    let found =
        exe.ancestors().skip(1).take(2).map(|d| d.join("testkit-serve")).find(|p| p.exists());
    found.unwrap_or_else(|| {
        fail(
            "testkit-serve not found next to this binary: build it with `cargo build --release \
             -p dashlite-testkit --bin testkit-serve --example sync_scale` or pass --serve PATH",
        )
    })
}

impl Server {
    fn start(binary: &PathBuf, args: &[String]) -> Server {
        let mut child = Command::new(binary)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| fail(&format!("cannot start {}: {e}", binary.display())));
        let stdin = child.stdin.take().unwrap_or_else(|| fail("no server stdin"));
        let stdout =
            BufReader::new(child.stdout.take().unwrap_or_else(|| fail("no server stdout")));
        let mut server = Server {
            child,
            stdin,
            stdout,
            nodes: Vec::new(),
            tip: 0,
            tip_hash: BlockHash::ZERO,
            birthday: 0,
            payments: BTreeMap::new(),
        };
        loop {
            let line = server.line();
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["built", secs] => println!("server: chain ready in {secs} s"),
                ["node", addr] => server.nodes.push(parse_word(addr, &line)),
                ["tip", h, hash] => {
                    server.tip = parse_word(h, &line);
                    server.tip_hash = parse_word(hash, &line);
                }
                ["birthday", h] => server.birthday = parse_word(h, &line),
                ["payment", txid, h, _key, value] => {
                    server.payments.insert(
                        parse_word(txid, &line),
                        (parse_word(h, &line), parse_word(value, &line)),
                    );
                }
                ["ready"] => break,
                _ => fail(&format!("server said: {line}")),
            }
        }
        server
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(n) if n > 0 => line.trim_end().to_string(),
            _ => fail("the server exited (see its output above)"),
        }
    }

    fn ask(&mut self, command: &str) -> u64 {
        if writeln!(self.stdin, "{command}").and_then(|_| self.stdin.flush()).is_err() {
            fail("the server is gone");
        }
        let line = self.line();
        line.strip_prefix(command)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| fail(&format!("server said: {line}")))
    }
}

fn parse_word<T: std::str::FromStr>(word: &str, line: &str) -> T {
    word.parse().unwrap_or_else(|_| fail(&format!("server said: {line}")))
}

/// What one sync run measured.
struct Run {
    client: Client,
    secs: f64,
    /// Seconds from the start to the first filtered block handed to the wallet.
    first_block_secs: Option<f64>,
}

/// A client of the bench: the nodes, the store, `--in-flight`.
fn builder(args: &Args, nodes: &[SocketAddr], watch: bool) -> ClientBuilder {
    let mut b = ClientBuilder::new(Network::Regtest)
        .max_peers(nodes.len())
        .blocks_in_flight(args.in_flight)
        .seed(7);
    for n in nodes {
        b = b.peer(*n);
    }
    if watch {
        b = b.watch(WatchItem::Account { xpub: account(), gaps: GapLimits::default() });
    }
    b
}

/// Runs `client` against the nodes until it reports `Synced` at `tip`, printing progress.
fn sync(label: &str, client: Client, tip: u32) -> Run {
    let start = Instant::now();
    let mut events = client.events();
    let mut first_block_secs = None;
    let mut next_report = Instant::now() + Duration::from_secs(10);
    let (mut headers, mut blocks) = (0u32, None::<u32>);
    async_std::task::block_on(async {
        client.start().await.unwrap_or_else(|e| fail(&format!("{label}: start: {e}")));
        loop {
            let event = match timeout(STALL, events.next()).await {
                Ok(Some(e)) => e,
                Ok(None) => fail(&format!("{label}: the client stopped")),
                Err(_) => fail(&format!(
                    "{label}: no event for {STALL:?} (headers {headers}, blocks {blocks:?})"
                )),
            };
            match event {
                ClientEvent::Progress(st) => {
                    headers = st.header_height;
                    if blocks.is_some_and(|b| st.block_height > b) {
                        first_block_secs.get_or_insert(start.elapsed().as_secs_f64());
                    }
                    blocks = Some(st.block_height);
                }
                ClientEvent::Synced { height } if height == tip => break,
                ClientEvent::Reorg { .. } => fail(&format!("{label}: unexpected reorg")),
                ClientEvent::Stopped { reason } => fail(&format!("{label}: stopped: {reason}")),
                _ => {}
            }
            if Instant::now() >= next_report {
                next_report += Duration::from_secs(10);
                println!(
                    "  {label}: {:>6.1} s  headers {headers:>8}  blocks {:>8}  rss {:>7.1} MiB",
                    start.elapsed().as_secs_f64(),
                    blocks.unwrap_or(0),
                    mib(status_kib("VmRSS"))
                );
            }
        }
        let secs = start.elapsed().as_secs_f64();
        client.stop().await.unwrap_or_else(|e| fail(&format!("{label}: stop: {e}")));
        Run { client, secs, first_block_secs }
    })
}

fn main() {
    let args = parse_args();
    let binary = serve_binary(args.serve.clone());
    println!("server: {} {}", binary.display(), args.serve_args.join(" "));
    let mut server = Server::start(&binary, &args.serve_args);
    let (tip, birthday) = (server.tip, server.birthday);
    let blocks = tip - birthday + 1;
    println!(
        "chain: {tip} headers, {blocks} filtered blocks from {birthday}, {} wallet payments, {} nodes",
        server.payments.len(),
        server.nodes.len()
    );
    match args.store.as_str() {
        "memory" => bench(&args, &mut server, |b, _| b),
        "sqlite" => {
            let base = std::env::temp_dir().join(format!("dashlite-scale-{}", std::process::id()));
            bench(&args, &mut server, |b, phase| {
                let dir = base.join(phase);
                let _ = std::fs::remove_dir_all(&dir);
                b.data_dir(dir)
            });
            let _ = std::fs::remove_dir_all(&base);
        }
        other => fail(&format!("unknown store {other}: one of {STORES}")),
    }
    let server_peak = server.ask("rss");
    println!(
        "client: VmHWM {:.1} MiB (peak RSS of this process, store {}); server peak {:.1} MiB",
        mib(status_kib("VmHWM")),
        args.store,
        mib(server_peak)
    );
    // Not waited for: the server exits when its stdin closes, and is not our child in
    // /usr/bin/time's accounting.
    drop(server.stdin);
    std::mem::forget(server.child);
}

/// Both phases on clients `store(builder, phase)` gives a store.
fn bench(args: &Args, server: &mut Server, store: impl Fn(ClientBuilder, &str) -> ClientBuilder) {
    let (tip, birthday) = (server.tip, server.birthday);
    let blocks = tip - birthday + 1;

    // 1. Headers from genesis, no blocks (the birthday is past the tip).
    let bytes_before = server.ask("bytes");
    let b = builder(args, &server.nodes, false).birthday(Birthday::Height(tip + 1));
    let client = store(b, "headers").build().unwrap_or_else(|e| fail(&format!("client: {e}")));
    let run = sync("headers", client, tip);
    let header_bytes = server.ask("bytes") - bytes_before;
    let header = |height| {
        async_std::task::block_on(run.client.header_at(height)).ok().flatten().unwrap_or_else(
            || fail(&format!("headers: the client has no header at height {height}")),
        )
    };
    if header(tip).hash != server.tip_hash {
        fail("headers: the client's tip is not the server's");
    }
    let c = header(birthday - 1);
    let checkpoint = CheckpointRecord {
        height: c.height,
        hash: c.hash,
        chain_work: c.chain_work,
        header: c.header,
    };
    let headers_secs = run.secs;
    let rss_after_headers = status_kib("VmRSS");
    let hwm_after_headers = status_kib("VmHWM");
    drop(run);
    println!(
        "headers: {tip} in {headers_secs:.1} s = {:.0} headers/s, {:.1} bytes/header on the wire; \
         rss {:.1} MiB, peak {:.1} MiB",
        f64::from(tip) / headers_secs,
        header_bytes as f64 / f64::from(tip),
        mib(rss_after_headers),
        mib(hwm_after_headers)
    );

    // 2. Filtered blocks from the birthday, starting from a trusted header below it.
    let bytes_before = server.ask("bytes");
    let b = builder(args, &server.nodes, true)
        .birthday(Birthday::Height(birthday))
        .checkpoints(vec![checkpoint]);
    let client = store(b, "blocks").build().unwrap_or_else(|e| fail(&format!("client: {e}")));
    let run = sync("blocks", client, tip);
    let block_bytes = server.ask("bytes") - bytes_before;
    let wallet = async_std::task::block_on(run.client.wallet())
        .unwrap_or_else(|e| fail(&format!("blocks: wallet: {e}")));
    let found: BTreeMap<Txid, (u32, i64)> = wallet
        .transactions()
        .into_iter()
        .map(|w| {
            let height = w.status.block().map_or(0, |b| b.height);
            (w.txid, (height, wallet.net_amount(&w.txid).unwrap_or(0)))
        })
        .collect();
    if found != server.payments {
        let missing = server.payments.keys().filter(|t| !found.contains_key(t)).count();
        let extra = found.keys().filter(|t| !server.payments.contains_key(t)).count();
        fail(&format!(
            "blocks: the wallet is wrong: {} transactions, {missing} payments missing, {extra} \
             extra or differing in height/amount",
            found.len()
        ));
    }
    let total: i64 = server.payments.values().map(|(_, v)| v).sum();
    if wallet.balance().total() != total {
        fail(&format!("blocks: balance {} != {total}", wallet.balance().total()));
    }
    // Headers from the checkpoint up came over the same connections: count them at the
    // rate measured in phase 1.
    let headers_part = header_bytes as f64 / f64::from(tip) * f64::from(blocks);
    let download = run.secs - run.first_block_secs.unwrap_or(0.0);
    println!(
        "blocks: {blocks} in {:.1} s = {:.0} blocks/s ({:.0} blocks/s from the first block, \
         {download:.1} s); {:.0} bytes/block on the wire ({:.0} without the headers); wallet \
         found all {} payments, balance {total}",
        run.secs,
        f64::from(blocks) / run.secs,
        f64::from(blocks) / download,
        block_bytes as f64 / f64::from(blocks),
        (block_bytes as f64 - headers_part) / f64::from(blocks),
        server.payments.len()
    );
}
