//! `dashlite masternodes list` end to end against a testkit node whose chain commits to the
//! testkit's masternode schedule from block 1: the printed list equals the testkit's own list
//! at the tip entry by entry; a node that never answers `getmnlistd` ends in exit status 1;
//! bad input is exit status 2.

use std::path::{Path, PathBuf};
use std::process::Output;

use dashlite::masternode::verify_quorum_signature;
use dashlite_testkit::masternodes::{chain_list, MnListMode, TestMasternodes};
use dashlite_testkit::Mode;
use dashlite_testkit::{Chain, SharedChain, TestNode};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join(format!("dashlite-masternodes-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// A regtest chain of `blocks` blocks committing to the list of schedule `seed`.
fn masternode_chain(seed: u64, blocks: u32) -> Chain {
    let mut chain = Chain::regtest();
    chain.set_masternodes(TestMasternodes::new(seed));
    chain.mine(blocks);
    chain
}

/// `dashlite masternodes list --json` against `node` with DIP3 from block 1.
fn list(node: &TestNode, dir: &Path, timeout: &str) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_dashlite"))
        .args(["masternodes", "list", "--network", "regtest", "--json", "--dip3-height", "1"])
        .args(["--timeout", timeout, "--max-peers", "1", "--peer", &node.addr().to_string()])
        .arg("--data-dir")
        .arg(dir)
        .output()
        .expect("run dashlite masternodes list")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_printed_list_is_the_testkits_list_at_the_tip() {
    let chain = masternode_chain(7, 60);
    let tip = chain.height();
    let expected = chain_list(&chain, tip).expect("the testkit's list at the tip");
    let node = TestNode::start(&SharedChain::new(chain));
    let dir = temp_dir("tip");

    let out = list(&node, &dir, "120");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "masternodes list failed ({:?}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(!stderr.contains("did not reach"), "the run waited out its timeout:\n{stderr}");
    let doc: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{stdout}"));

    assert_eq!(doc["network"], "regtest");
    assert_eq!(doc["height"], tip);
    assert_eq!(doc["blockHash"], expected.block_hash.to_string());
    assert_eq!(doc["total"], expected.entries.len());
    assert_eq!(doc["valid"], expected.valid_count());
    // The schedule at this height has banned masternodes and Evo nodes: both states show.
    assert!(expected.valid_count() < expected.entries.len());

    let printed = doc["masternodes"].as_array().expect("a masternodes array");
    assert_eq!(printed.len(), expected.entries.len());
    for (p, e) in printed.iter().zip(expected.entries.values()) {
        let [a, b, c, d] = match e.net_info {
            dashlite::tx::NetInfo::Legacy { ip, .. } => [ip[12], ip[13], ip[14], ip[15]],
            _ => panic!("the schedule registers legacy addresses"),
        };
        let evo = e.mn_type == dashlite::wire::MN_TYPE_EVO;
        assert_eq!(p["proRegTxHash"], e.pro_reg_tx_hash.to_string(), "{p}");
        assert_eq!(p["service"], format!("{a}.{b}.{c}.{d}:19899"), "{p}");
        assert_eq!(p["type"], if evo { "evo" } else { "regular" }, "{p}");
        assert_eq!(p["valid"], e.is_valid, "{p}");
        assert_eq!(p["operatorKey"], hex(&e.operator_key), "{p}");
        assert_eq!(p["votingKeyId"], hex(&e.voting_key_id), "{p}");
    }
    assert!(printed.iter().any(|p| p["type"] == "evo"), "no Evo node in {printed:?}");

    let quorums = doc["quorums"].as_array().expect("a quorums array");
    assert_eq!(quorums.len(), expected.quorums.len());
    assert!(!quorums.is_empty());
    for (p, (id, q)) in quorums.iter().zip(&expected.quorums) {
        assert_eq!(p["type"], id.llmq_type, "{p}");
        assert_eq!(p["hash"], id.quorum_hash.to_string(), "{p}");
        assert_eq!(p["index"], q.quorum_index, "{p}");
        assert_eq!(p["verified"], verify_quorum_signature(q), "{p}");
        assert_eq!(p["verified"], true, "{p}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn no_list_before_the_timeout_is_exit_status_1() {
    let chain = SharedChain::new(masternode_chain(7, 20));
    let node = TestNode::start(&chain);
    node.set_mode(Mode::MasternodeList(MnListMode::Silent));
    let dir = temp_dir("silent");

    let out = list(&node, &dir, "3");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(stderr.contains("no verified masternode list within 3 s"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_exit_status_2() {
    let dir = temp_dir("bad-input");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_dashlite"))
            .args(["masternodes", "list", "--data-dir"])
            .arg(&dir)
            .args(args)
            .output()
            .expect("run dashlite masternodes list")
    };
    let not_a_number = run(&["--timeout", "soon"]);
    assert_eq!(not_a_number.status.code(), Some(2));
    let bad_peer = run(&["--network", "regtest", "--peer", "no such host:port"]);
    assert_eq!(bad_peer.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad_peer.stderr));
    // A DIP3 height is a regtest parameter.
    let wrong_network =
        run(&["--network", "testnet", "--dip3-height", "1", "--peer", "127.0.0.1:1"]);
    let stderr = String::from_utf8_lossy(&wrong_network.stderr);
    assert_eq!(wrong_network.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("regtest_dip3_height"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
