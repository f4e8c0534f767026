//! `dashlite sync --until-synced` against three real Dash Core v23.1.2 regtest nodes
//! (`../shared/tools/dashcore`): five payments to one address, each spent in full twenty
//! blocks later; the JSON it prints equals what the nodes say. Fails when the binaries are
//! missing.

use std::process::Command;

use dashlite_testkit::dashd::scenario::{
    check_dashlite_connections, paid_and_spent, truth, Truth, TxTruth,
};
use dashlite_testkit::dashd::{temp_dir, Dashd};
use serde_json::Value;

#[test]
fn cli_syncs_ten_transactions_from_three_dash_core_nodes() {
    let nodes = Dashd::start_many(3);
    Dashd::connect_all(&nodes);
    let (address, txs) = paid_and_spent(&nodes[0], 5, 20);
    let tip = Dashd::wait_same_tip(&nodes);
    let expected = truth(&nodes[0], &txs);

    let dir = temp_dir("dashlite-cli-data");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dashlite"));
    cmd.args(["sync", "--network", "regtest", "--json", "--until-synced", "--timeout", "60"]);
    cmd.arg("--data-dir").arg(&dir).args(["--watch", &address, "--max-peers", "3"]);
    for n in &nodes {
        cmd.args(["--peer", &n.p2p_addr().to_string()]);
    }
    let out = cmd.output().expect("run dashlite");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "dashlite sync failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().last().expect("a JSON line");
    let doc: Value = serde_json::from_str(last).expect("JSON wallet");
    assert_eq!(doc["tip"], tip);
    assert_eq!(doc["balance"]["total"], 0);
    let list = doc["transactions"].as_array().expect("transactions");
    assert_eq!(list.len(), 10);
    let got: Truth = list
        .iter()
        .map(|t| {
            let at = TxTruth {
                height: t["height"].as_u64().expect("confirmed") as u32,
                block: t["block_hash"].as_str().expect("block hash").to_owned(),
                net: t["net_amount"].as_i64().expect("net amount"),
            };
            (t["txid"].as_str().expect("txid").to_owned(), at)
        })
        .collect();
    assert_eq!(got, expected);
    check_dashlite_connections(&nodes);
}
