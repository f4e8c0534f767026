//! `dashlite sporks` and `dashlite governance` end to end against a testkit node serving
//! signed sporks, a proposal and votes; state kept in a data directory between runs.

use std::path::PathBuf;
use std::process::Command;

use dashlite::wire::{SporkId, VoteOutcome};
use dashlite_testkit::governance::{capture_proposal, sample_votes};
use dashlite_testkit::{NodeConfig, SharedChain, TestNode};

fn run(args: &[&str], node: &TestNode, dir: &PathBuf) -> (i32, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dashlite"))
        .args(args)
        .args(["--network", "regtest", "--json", "--peer", &node.addr().to_string()])
        .arg("--data-dir")
        .arg(dir)
        .output()
        .expect("run dashlite");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_str(stdout.lines().last().unwrap_or("null"))
        .unwrap_or_else(|e| panic!("{args:?}: {e}\nstdout:\n{stdout}\nstderr:\n{stderr}"));
    (out.status.code().unwrap_or(-1), doc, stderr)
}

#[test]
fn sporks_and_governance_from_a_node_are_verified_listed_and_kept() {
    let proposal = capture_proposal();
    let hash = proposal.hash();
    let mut votes = sample_votes(hash, 3);
    votes[2].outcome = VoteOutcome::Abstain;
    let chain = SharedChain::with_blocks(10);
    let config = NodeConfig {
        sporks: vec![(SporkId::InstantSendEnabled, 0), (SporkId::QuorumDkgEnabled, 4_070_908_800)],
        governance: vec![proposal],
        votes,
        ..NodeConfig::default()
    };
    let node = TestNode::start_with(&chain, config).expect("node");
    let dir = std::env::temp_dir().join(format!("dashlite-netinfo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let (code, doc, err) = run(&["sporks", "--timeout", "20"], &node, &dir);
    assert_eq!(code, 0, "{err}");
    let sporks = doc["sporks"].as_array().expect("sporks");
    let heard: Vec<_> = sporks.iter().filter(|s| s["from_network"] == true).collect();
    assert_eq!(heard.len(), 2, "{doc}");
    let is = heard.iter().find(|s| s["id"] == 10001).expect("spork 2");
    assert_eq!((is["value"].as_i64(), is["active"].as_bool()), (Some(0), Some(true)));
    // Verified, and by the network's spork key (regtest has one).
    assert_eq!(is["signature_verified"], true, "{doc}");
    let regtest_key = dashlite::Network::Regtest.params().spork_addresses[0];
    assert_eq!(is["signed_by"], serde_json::json!([regtest_key]), "{doc}");
    let default = sporks.iter().find(|s| s["from_network"] == false).expect("a default");
    assert_eq!(
        (&default["signature_verified"], &default["signed_by"]),
        (&serde_json::json!(false), &serde_json::json!([]))
    );
    let dkg = heard
        .iter()
        .find(|s| s["name"].as_str().is_some_and(|n| n.contains("QUORUM_DKG")))
        .expect("spork 17");
    assert_eq!(dkg["active"], false, "a value in the future is not active");

    let (code, doc, err) = run(&["governance", "list", "--timeout", "60"], &node, &dir);
    assert_eq!(code, 0, "{err}");
    let list = doc["proposals"].as_array().expect("proposals");
    assert_eq!(list.len(), 1, "{doc}");
    assert_eq!(list[0]["name"], "capture-proposal-7");
    assert_eq!(list[0]["payment_amount_duffs"], 42 * 100_000_000i64);
    // The testkit's votes carry placeholder signatures and no masternode list reaches the
    // client: held, unverified, not counted.
    assert_eq!(list[0]["vote_status"]["unverified"], 3, "{doc}");
    assert_eq!(list[0]["funding"]["yes"], 0);
    assert_eq!(list[0]["funding"]["abstain"], 0);
    assert!(list[0]["counted"].as_str().is_some_and(|c| c.starts_with("verified votes only")));

    // Again: the full sync is not repeated (Dash Core would score it); the data is kept.
    let (code, doc, err) =
        run(&["governance", "show", &hash.to_string(), "--timeout", "10"], &node, &dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["votes"].as_array().map(Vec::len), Some(3), "{doc}");
    assert_eq!(doc["votes"][0]["signature"], "unverified");
    assert_eq!(doc["votes"][0]["counted"], false);
    assert_eq!(
        doc["vote_status"],
        serde_json::json!({"verified": 0, "unverified": 3, "invalid": 0})
    );
    let full_syncs = node
        .peers()
        .into_iter()
        .flat_map(|p| node.received(p))
        .filter(|m| {
            matches!(m, dashlite::wire::Message::GovSync(g) if g.prop_hash == dashlite::hash::Hash256::ZERO)
        })
        .count();
    assert_eq!(full_syncs, 1);
    let _ = std::fs::remove_dir_all(&dir);
}
