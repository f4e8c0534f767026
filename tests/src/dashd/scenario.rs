//! Chains built on real nodes for the end-to-end tests, the truth about them read back from
//! the node, and the checks every test makes of the nodes' logs.

use std::collections::BTreeMap;

use super::{Dashd, Wallet};

/// The fee a full spend pays (duffs): above the node's minimum relay fee of 1,000 duffs per
/// kB for a one-in one-out P2PKH spend of 191 bytes.
pub const SPEND_FEE: u64 = 10_000;

/// Where a transaction is on the node's best chain, and what it does to the watched wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxTruth {
    /// Height of its block.
    pub height: u32,
    /// Its block's hash (RPC hex).
    pub block: String,
    /// What it pays the watched wallet, less what it spends of it (duffs).
    pub net: i64,
}

/// The truth about the watched wallet's transactions, txid (RPC hex) → where they are.
pub type Truth = BTreeMap<String, TxTruth>;

/// Reads where each of `txids` is on `node`'s best chain, with the wallet's net amounts;
/// panics naming a transaction that is not confirmed.
pub fn truth(node: &Dashd, txids: &[(String, i64)]) -> Truth {
    txids
        .iter()
        .map(|(txid, net)| {
            let (height, block) = node
                .tx_block(txid)
                .unwrap_or_else(|| panic!("{txid} is not on the node's best chain"));
            (txid.clone(), TxTruth { height, block, net: *net })
        })
        .collect()
}

/// A mining wallet on `nodes[0]` with mature coins: 101 blocks (regtest coinbase maturity is
/// 100) plus `extra`. Its address.
pub fn mature_miner<'a>(node: &'a Dashd, extra: u32) -> (Wallet<'a>, String) {
    let miner = node.wallet("miner");
    let addr = miner.new_address();
    node.mine(101 + extra, &addr);
    (miner, addr)
}

/// `payments` 1 DASH payments, one every 5 blocks, to a fresh address of the node wallet
/// `watched`, each spent in full (no change) `spend_after` blocks after it was mined, then
/// three more blocks. Returns the address and the ten transactions with
/// their net amounts (+1 DASH, then -1 DASH).
pub fn paid_and_spent(
    node: &Dashd,
    payments: u32,
    spend_after: u32,
) -> (String, Vec<(String, i64)>) {
    const COIN: u64 = 100_000_000;
    let (miner, sink) = mature_miner(node, 0);
    let watched = node.wallet("watched");
    let address = watched.new_address();
    let mut txs = Vec::new();
    let mut pending: BTreeMap<u32, (String, u32, u64)> = BTreeMap::new();
    let last_spend = 5 * (payments - 1) + spend_after;
    for step in 0..=last_spend + 3 {
        if step % 5 == 0 && step / 5 < payments {
            let txid = miner.send(&address, COIN);
            let (vout, value) = watched.output_to(&txid, &address);
            txs.push((txid.clone(), COIN as i64));
            pending.insert(step + spend_after, (txid, vout, value));
        }
        if let Some((txid, vout, value)) = pending.remove(&step) {
            let spend = watched.spend_all(&txid, vout, value, SPEND_FEE, &sink);
            txs.push((spend, -(value as i64)));
        }
        node.mine(1, &sink);
    }
    (address, txs)
}

/// The user agent prefix of dashlite's connections.
pub const DASHLITE_AGENT: &str = "/dashlite:";

/// Checks each node's `debug.log`: dashlite connected to it; each of its connections was
/// accepted as a v2 (BIP324) peer, or v1 where the node has v2 off, the node received `sendaddrv2`, a
/// one-byte `senddsq`, `sendheaders2` and `filterload` on it, and
/// recorded no misbehaviour, penalty, discouragement or ban against any of them. Panics
/// with the offending lines.
pub fn check_dashlite_connections(nodes: &[Dashd]) {
    for (i, node) in nodes.iter().enumerate() {
        let log = node.log();
        let ours = log.peers_with_agent(DASHLITE_AGENT);
        assert!(
            !ours.is_empty(),
            "node {i}: no dashlite connection in debug.log; {}",
            log.tail(30)
        );
        let bad = log.misbehaviour(&ours);
        let banned = node.rpc(&["listbanned"]);
        assert_eq!(banned, serde_json::json!([]), "node {i} banned someone");
        assert!(
            bad.is_empty(),
            "node {i} recorded misbehaviour against dashlite (peers {ours:?}):\n{}",
            bad.join("\n")
        );
        for &peer in &ours {
            let p = log.peer(peer);
            let missing: Vec<&str> = ["sendaddrv2", "senddsq", "sendheaders2", "filterload"]
                .into_iter()
                .filter(|c| p.received(c).is_empty())
                .collect();
            // A connection the client dropped before its handshake finished sends nothing.
            if missing.len() == 4 && p.received("verack").is_empty() {
                continue;
            }
            assert!(
                missing.is_empty(),
                "node {i} peer={peer}: never received {missing:?}; its lines:\n{}",
                p.lines.join("\n")
            );
            assert_eq!(p.received("senddsq"), vec![1], "node {i} peer={peer}: senddsq is one bool");
            let v2_off = node.rpc(&["getnetworkinfo"])["localservicesnames"]
                .as_array()
                .is_some_and(|s| !s.iter().any(|n| n == "P2P_V2"));
            let expected = if v2_off {
                "New inbound v1 peer connected"
            } else {
                "New inbound v2 peer connected"
            };
            assert!(
                !p.mentioning(expected).is_empty(),
                "node {i} peer={peer}: not accepted as {expected:?}:\n{}",
                p.lines.join("\n")
            );
            let rejected: Vec<&String> = p
                .mentioning("filterload")
                .into_iter()
                .filter(|l| !l.contains("received: filterload"))
                .collect();
            assert!(rejected.is_empty(), "node {i} peer={peer}: filterload trouble: {rejected:?}");
        }
    }
}
