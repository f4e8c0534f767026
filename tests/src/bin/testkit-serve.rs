//! Serves the benchmark chain ([`dashlite_testkit::scale`]) from honest testkit nodes in a
//! process of its own, so that a client's memory can be measured apart from the servers'.
//!
//! ```text
//! testkit-serve [--headers N] [--blocks N] [--nodes N] [--payment-every N] [--keys N]
//!               [--fill N] [--port P] [--cache-dir DIR]
//! ```
//!
//! Prints, one per line: `built SECONDS`, `node ADDR` per node, `tip HEIGHT HASH`,
//! `birthday HEIGHT`, `payment TXID HEIGHT KEY VALUE` per wallet payment, then `ready`.
//! Then reads commands from stdin: `bytes` prints `bytes N` (bytes the nodes have written so
//! far); `rss` prints `rss KIB` (this process's peak); end of input stops the nodes.
//!
//! The header cache lives in `--cache-dir`, else `$DASHLITE_TESTKIT_CACHE`, else
//! `$HOME/.cache/dashlite`.

use dashlite_testkit::scale::{build, ScaleSpec};
use dashlite_testkit::{NodeConfig, SharedChain, TestNode};
use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

fn usage(why: &str) -> ExitCode {
    eprintln!("testkit-serve: {why}");
    eprintln!(
        "usage: testkit-serve [--headers N] [--blocks N] [--nodes N] [--payment-every N] \
         [--keys N] [--fill N] [--port P] [--cache-dir DIR]"
    );
    ExitCode::from(2)
}

fn cache_dir(arg: Option<PathBuf>) -> PathBuf {
    arg.or_else(|| std::env::var_os("DASHLITE_TESTKIT_CACHE").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/dashlite")))
        .unwrap_or_else(dashlite_testkit::cache::default_cache_dir)
}

/// `VmHWM` of this process in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmHWM:")?.trim().trim_end_matches("kB").trim().parse().ok()
            })
        })
        .unwrap_or(0)
}

fn main() -> ExitCode {
    let mut spec = ScaleSpec::default();
    let mut nodes = 3usize;
    let mut port = 0u16;
    let mut dir = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else { return usage(&format!("{flag} needs a value")) };
        let number = value.parse::<u32>();
        match (flag.as_str(), number) {
            ("--headers", Ok(n)) => spec.headers = n,
            ("--blocks", Ok(n)) => spec.blocks = n,
            ("--nodes", Ok(n)) => nodes = n as usize,
            ("--payment-every", Ok(n)) => spec.payment_every = n,
            ("--keys", Ok(n)) => spec.keys = n,
            ("--fill", Ok(n)) => spec.fill = n,
            ("--port", Ok(n)) => match u16::try_from(n) {
                Ok(p) => port = p,
                Err(_) => return usage("--port above 65535"),
            },
            ("--cache-dir", _) => dir = Some(PathBuf::from(value)),
            _ => return usage(&format!("bad argument {flag} {value}")),
        }
    }
    let dir = cache_dir(dir);
    let start = Instant::now();
    let (chain, payments) = match build(&spec, &dir) {
        Ok(built) => built,
        Err(e) => {
            eprintln!("testkit-serve: cannot build the chain (cache {}): {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    let (tip, tip_hash) = (chain.height(), chain.tip());
    let chain = SharedChain::new(chain);
    let mut handles = Vec::new();
    for i in 0..nodes {
        let mut config = NodeConfig { record_messages: false, ..NodeConfig::default() };
        if port != 0 {
            config.port = port + i as u16;
        }
        match TestNode::start_with(&chain, config) {
            Ok(h) => handles.push(h),
            Err(e) => {
                eprintln!("testkit-serve: cannot listen: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let mut out = io::stdout().lock();
    let mut report = || -> io::Result<()> {
        writeln!(out, "built {:.2}", start.elapsed().as_secs_f64())?;
        for h in &handles {
            writeln!(out, "node {}", h.addr())?;
        }
        writeln!(out, "tip {tip} {tip_hash}")?;
        writeln!(out, "birthday {}", spec.birthday())?;
        for p in &payments {
            writeln!(out, "payment {} {} {} {}", p.txid, p.height, p.key, p.value)?;
        }
        writeln!(out, "ready")?;
        out.flush()
    };
    if report().is_err() {
        return ExitCode::FAILURE;
    }
    drop(payments);
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let reply = match line.trim() {
            "bytes" => format!("bytes {}", handles.iter().map(TestNode::bytes_sent).sum::<u64>()),
            "rss" => format!("rss {}", peak_rss_kib()),
            other => format!("unknown {other}"),
        };
        if writeln!(out, "{reply}").and_then(|_| out.flush()).is_err() {
            break;
        }
    }
    drop(handles);
    ExitCode::SUCCESS
}
