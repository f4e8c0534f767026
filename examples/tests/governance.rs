//! `dashlite governance list` end to end against a testkit node serving one proposal with
//! two funding votes: the first run syncs every object, a second run on the same data
//! directory (inside the full-sync rate limit) answers from what is held once the votes of
//! the held objects are synced.

use std::path::{Path, PathBuf};
use std::process::Output;

use dashlite_testkit::{Chain, SharedChain, TestNode};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join(format!("dashlite-governance-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// `dashlite governance list --json` with a timeout far longer than a sync takes.
fn list(node: &TestNode, dir: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_dashlite"))
        .args(["governance", "list", "--network", "regtest", "--json", "--timeout", "120"])
        .args(["--max-peers", "1", "--peer", &node.addr().to_string()])
        .arg("--data-dir")
        .arg(dir)
        .output()
        .expect("run dashlite governance list")
}

/// The run succeeded without waiting out its timeout; its proposals.
fn proposals(out: &Output) -> Vec<serde_json::Value> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "governance list failed ({:?}):\n{stdout}\n{stderr}", out.status);
    assert!(
        !stderr.contains("did not finish"),
        "the run waited out its timeout instead of answering:\n{stderr}"
    );
    let doc: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{stdout}"));
    doc["proposals"].as_array().expect("a proposals array").clone()
}

#[test]
fn a_second_list_inside_the_rate_limit_answers_from_what_is_held() {
    let chain = SharedChain::new(Chain::with_blocks(20));
    let node = TestNode::start(&chain);
    let dir = temp_dir("second-run");

    let first = list(&node, &dir);
    let held = proposals(&first);
    assert_eq!(held.len(), 1, "{held:?}");
    // The node's votes name masternodes of no list the client holds: held, never counted.
    assert_eq!(held[0]["vote_status"]["unverified"], 2, "{held:?}");
    assert_eq!(held[0]["funding"]["yes"], 0, "{held:?}");

    let second = list(&node, &dir);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("full sync not allowed again"), "no deferral reported:\n{stderr}");
    assert_eq!(proposals(&second), held);
    let _ = std::fs::remove_dir_all(&dir);
}
