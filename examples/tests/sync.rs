//! `dashlite sync` end to end against testkit nodes: a real sync into a data directory, its
//! output, resuming, and killing the process at random moments (SIGKILL) before letting it
//! finish: the wallet must end exactly as after an uninterrupted run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use dashlite::network::Network;
use dashlite_testkit::chain::COIN;
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::node::{NodeConfig, NodeTransport};
use dashlite_testkit::wallet::{account, key_script};
use dashlite_testkit::{start_nodes, Chain, SharedChain, TestNode};

/// 101 mature blocks, then 400 with unrelated traffic and payments to keys 0, 5 and 24
/// (beyond the first filter).
fn build_chain() -> SharedChain {
    let mut chain = Chain::with_blocks(101);
    let bob = TestKey::from_seed("bob").p2pkh();
    for i in 0..400u32 {
        if i % 2 == 0 {
            chain.send(&bob, COIN);
        }
        match i {
            30 => drop(chain.send(&key_script(0), 3 * COIN)),
            200 => drop(chain.send(&key_script(5), 4 * COIN)),
            350 => drop(chain.send(&key_script(24), 5 * COIN)),
            120 => drop(chain.send(&carol().p2pkh(), 2 * COIN)),
            _ => {}
        }
        chain.mine(1);
    }
    SharedChain::new(chain)
}

/// Paid once in the chain; watched only from the second run of the resume test.
fn carol() -> TestKey {
    TestKey::from_seed("carol")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dashlite-sync-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn sync_command(nodes: &[TestNode], dir: &Path) -> Command {
    sync_command_watching(nodes, dir, &[])
}

fn sync_command_watching(nodes: &[TestNode], dir: &Path, extra: &[String]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dashlite"));
    c.args(["sync", "--network", "regtest", "--json", "--until-synced", "--timeout", "60"]);
    c.arg("--data-dir").arg(dir);
    c.args(["--watch", &account().to_string(), "--birthday", "0"]);
    for w in extra {
        c.args(["--watch", w]);
    }
    c.args(["--max-peers", &nodes.len().to_string()]);
    for n in nodes {
        c.args(["--peer", &n.addr().to_string()]);
    }
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

/// Runs a sync to the end: the wallet summary (last stdout line) as JSON.
fn sync_to_end(nodes: &[TestNode], dir: &Path) -> serde_json::Value {
    sync_to_end_watching(nodes, dir, &[])
}

fn sync_to_end_watching(nodes: &[TestNode], dir: &Path, extra: &[String]) -> serde_json::Value {
    let out = sync_command_watching(nodes, dir, extra).output().expect("run dashlite sync");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "dashlite sync failed ({:?}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().last().expect("a summary line");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("summary {last:?}: {e}"))
}

/// The parts of a summary that must not depend on how the sync went: tip, balance, and
/// the transactions by txid (the order first seen may differ).
fn essence(v: &serde_json::Value) -> (u64, serde_json::Value, BTreeMap<String, String>) {
    let txs = v["transactions"]
        .as_array()
        .expect("transactions")
        .iter()
        .map(|t| (t["txid"].as_str().expect("txid").to_owned(), t.to_string()))
        .collect();
    (v["tip"].as_u64().expect("tip"), v["balance"].clone(), txs)
}

#[test]
fn sync_finds_the_payments_and_resumes_from_its_data_directory() {
    let chain = build_chain();
    let nodes = start_nodes(&chain, 2);
    let dir = temp_dir("resume");
    let first = sync_to_end(&nodes, &dir);
    assert_eq!(first["tip"], chain.height());
    assert_eq!(first["balance"]["total"], 12 * COIN);
    assert_eq!(first["transactions"].as_array().map(Vec::len), Some(3));
    // More blocks and a payment; the second run resumes where the first stopped.
    let paid = chain.send(&key_script(1), 2 * COIN);
    chain.mine(3);
    let second = sync_to_end(&nodes, &dir);
    assert_eq!(second["tip"], chain.height());
    assert_eq!(second["balance"]["total"], 14 * COIN);
    let txs = second["transactions"].as_array().expect("transactions");
    assert_eq!(txs.len(), 4);
    assert!(txs.iter().any(|t| t["txid"] == paid.txid().to_string()));
    // A third run watches one more address, paid long ago: the stored wallet scans again
    // from the birthday and finds it, and keeps everything it had.
    let third = sync_to_end_watching(&nodes, &dir, &[carol().address(Network::Regtest)]);
    assert_eq!(third["balance"]["total"], 16 * COIN);
    assert_eq!(third["transactions"].as_array().map(Vec::len), Some(5));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn killing_the_sync_at_random_moments_loses_and_duplicates_nothing() {
    let chain = build_chain();
    let nodes = start_nodes(&chain, 2);
    let reference_dir = temp_dir("reference");
    let reference = essence(&sync_to_end(&nodes, &reference_dir));
    let _ = std::fs::remove_dir_all(&reference_dir);
    for seed in 0..20u64 {
        let dir = temp_dir(&format!("kill-{seed}"));
        // A small deterministic generator: 1–3 kills, each after 5–400 ms.
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let kills = 1 + next(3);
        for _ in 0..kills {
            let mut child = sync_command(&nodes, &dir).spawn().expect("spawn dashlite sync");
            std::thread::sleep(Duration::from_millis(5 + next(400)));
            let _ = child.kill();
            let _ = child.wait();
        }
        let got = essence(&sync_to_end(&nodes, &dir));
        assert_eq!(got, reference, "seed {seed}: the wallet differs after {kills} kill(s)");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
/// Exit status 2 is for bad input only: a watch item that does not parse. A store that cannot
/// be opened is a failure (status 1), and the store is left as it was.
fn a_bad_watch_item_exits_2_and_an_unreadable_store_exits_1_leaving_it_untouched() {
    let out = Command::new(env!("CARGO_BIN_EXE_dashlite"))
        .args(["sync", "--network", "regtest", "--watch", "not-a-key", "--peer", "127.0.0.1:1"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not-a-key"), "{err}");
    // A data directory whose store is not a database: refused, and left as it was.
    let dir = temp_dir("garbage");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let garbage = b"this is not a dashlite store".repeat(200);
    std::fs::write(dir.join("dashlite.sqlite"), &garbage).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_dashlite"))
        .args(["sync", "--network", "regtest", "--peer", "127.0.0.1:1", "--until-synced"])
        .arg("--data-dir")
        .arg(&dir)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("store"), "the reason names the store: {err}");
    assert_eq!(std::fs::read(dir.join("dashlite.sqlite")).expect("read"), garbage);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `dashlite sync --until-synced --transport <transport>` against `node`: its exit status
/// and stderr, and how many BIP324 sessions the node counted during the run.
fn sync_over(node: &TestNode, transport: &str, timeout: &str) -> (Option<i32>, String, u64) {
    let dir = temp_dir(&format!("transport-{transport}"));
    let before = node.v2_sessions();
    let out = Command::new(env!("CARGO_BIN_EXE_dashlite"))
        .args(["sync", "--network", "regtest", "--json", "--until-synced", "--timeout", timeout])
        .arg("--data-dir")
        .arg(&dir)
        .args(["--watch", &account().to_string(), "--birthday", "0", "--max-peers", "1"])
        .args(["--peer", &node.addr().to_string(), "--transport", transport])
        .output()
        .expect("run dashlite sync");
    let _ = std::fs::remove_dir_all(&dir);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), err, node.v2_sessions() - before)
}

#[test]
fn the_transport_switch_chooses_v2_or_v1_and_a_bad_value_exits_2() {
    let chain = SharedChain::new(Chain::with_blocks(120));
    let node = TestNode::start(&chain); // speaks v2, and v1 to clients that open with v1
    for (transport, sessions) in [("auto", 1), ("v2", 1), ("v1", 0)] {
        let (code, err, v2) = sync_over(&node, transport, "60");
        assert_eq!(code, Some(0), "--transport {transport}: {err}");
        assert_eq!(v2, sessions, "BIP324 sessions with --transport {transport}");
    }
    // A node without v2: auto falls back to v1, v2 never speaks to it in clear.
    let config = NodeConfig::default().with_transport(NodeTransport::V1Only);
    let v1_only = TestNode::start_with(&chain, config).expect("v1-only node");
    let (code, err, _) = sync_over(&v1_only, "auto", "60");
    assert_eq!(code, Some(0), "auto falls back to v1: {err}");
    let (code, _, _) = sync_over(&v1_only, "v2", "3");
    assert_eq!(code, Some(1), "v2 required: not synced from a v1-only node");

    let out = Command::new(env!("CARGO_BIN_EXE_dashlite"))
        .args(["sync", "--network", "regtest", "--peer", "127.0.0.1:1", "--transport", "v3"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("v3") && err.contains("auto"), "names the value and the choices: {err}");
}
