//! `dashlite demo` end to end: the binary builds a chain, serves it from testkit nodes, syncs
//! its wallet, receives a live payment and a reorg, and reports all of it.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dashlite"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("run dashlite");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const COIN: i64 = 100_000_000;

#[test]
fn demo_runs_from_the_repository_root() {
    let (code, out, err) = run(&["demo"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    // Not a terminal: no bars, but every step is told.
    for expected in [
        "headers: 5000 validated",
        "synced: 5000 filtered blocks",
        "(receive #24)  proven in block",
        "unconfirmed (relayed from the mempool)",
        "left the best chain",
        "reorg: 1 block(s) after height 5000 replaced by 2",
        "Wallet (tip 5005):",
        "balance 21.00000000 DASH (21.00000000 confirmed, 0.00000000 unconfirmed), 6 UTXOs",
        "Figures: headers ",
        "demo: ok: 6 payments found",
    ] {
        assert!(out.contains(expected), "{expected:?} missing from:\n{out}");
    }
}

#[test]
fn demo_json_reports_every_payment_the_live_payment_and_the_reorg() {
    let (code, out, err) = run(&["demo", "--json", "--blocks", "1000", "--nodes", "2"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    // The narrative goes to stderr; stdout is one JSON document.
    assert!(err.contains("demo: ok"), "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON document");
    assert_eq!(v["ok"], true);
    assert_eq!(v["nodes"], 2);
    // 1,000 blocks, the live block, its 2-block replacement, the block re-mining it and 2 more.
    assert_eq!(v["tip"], 1005);

    // Every payment the chain made is in the wallet, confirmed at its height; nothing else.
    let payments = v["payments"].as_array().unwrap();
    let txs = v["transactions"].as_array().unwrap();
    assert_eq!(payments.len(), 6);
    assert_eq!(txs.len(), payments.len());
    for p in payments {
        let tx = txs
            .iter()
            .find(|t| t["txid"] == p["txid"])
            .unwrap_or_else(|| panic!("payment {p} missing from {txs:?}"));
        assert_eq!(tx["height"], p["height"], "{p}");
        assert_eq!(tx["amount"], p["value"], "{p}");
        assert!(tx["confirmations"].as_u64().unwrap() >= 3, "{tx}");
    }
    // The payment to a key outside the first filter (receive keys 0–19) was found.
    let lookahead = payments.iter().find(|p| p["key"] == "receive #24").expect("receive #24");
    assert!(txs.iter().any(|t| t["txid"] == lookahead["txid"]));

    // The live payment: confirmed, reorganised out of block 1001 (replaced by two empty
    // blocks), confirmed again in 1003.
    let live = &v["live"];
    assert_eq!(live["seen_unconfirmed"], true);
    assert_eq!(live["confirmed_height"], 1001);
    assert_eq!(live["reorged_from_height"], 1001);
    assert_eq!(live["reconfirmed_height"], 1003);
    let live_tx = txs.iter().find(|t| t["txid"] == live["txid"]).expect("live tx");
    assert_eq!(live_tx["height"], 1003);
    assert_eq!(live_tx["confirmations"], 3);
    let reorgs = v["reorgs"].as_array().unwrap();
    assert_eq!(reorgs.len(), 1, "{reorgs:?}");
    assert_eq!(reorgs[0]["fork_height"], 1000);
    assert_eq!(reorgs[0]["disconnected"], 1);
    assert_eq!(reorgs[0]["connected"], 2);

    // 3 + 4 + 0.5 + 1.5 + 5 + 7 DASH.
    assert_eq!(v["balance"]["total"], 21 * COIN);
    assert_eq!(v["balance"]["confirmed"], 21 * COIN);
    assert_eq!(v["balance"]["unconfirmed"], 0);
    let f = &v["figures"];
    assert_eq!(f["headers"], 1000);
    assert!(f["sync_bytes_received"].as_u64().unwrap() > 80 * 1000, "{f}");
    assert!(f["bytes_received"].as_u64() >= f["sync_bytes_received"].as_u64(), "{f}");
}

#[test]
fn too_few_blocks_is_a_usage_error() {
    let (code, _, err) = run(&["demo", "--blocks", "10"]);
    assert_eq!(code, 2);
    assert!(err.contains("--blocks 10 is too few"), "{err}");
}
