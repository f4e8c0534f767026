//! dashlite against real Dash Core v23.1.2 regtest nodes (`../shared/tools/dashcore`): the
//! wallet it syncs equals what the nodes say the chain holds, and no node records any
//! misbehaviour by it. These tests fail (never skip) when the binaries are missing.

use std::time::Duration;

use async_std::future::timeout;
use dashlite::client::{Client, ClientBuilder, ClientEvent, EventStream, WatchItem};
use dashlite::network::Network;
use dashlite::wallet::{Address, GapLimits, TxStatus, Wallet};
use dashlite_testkit::dashd::scenario::{
    check_dashlite_connections, mature_miner, paid_and_spent, truth, Truth, TxTruth,
    DASHLITE_AGENT, SPEND_FEE,
};
use dashlite_testkit::dashd::Dashd;
use dashlite_testkit::wallet::account;

const COIN: u64 = 100_000_000;
const WAIT: Duration = Duration::from_secs(60);

/// A client on every node, watching `item`, in memory.
fn client(nodes: &[Dashd], item: WatchItem) -> Client {
    let mut b = ClientBuilder::new(Network::Regtest).watch(item).max_peers(nodes.len()).seed(11);
    for n in nodes {
        b = b.peer(n.p2p_addr());
    }
    b.build().expect("client")
}

/// Reads events until the client reports it is synced to `tip`.
async fn synced_to(events: &mut EventStream, tip: u32) {
    let mut last = Vec::new();
    let r = timeout(WAIT, async {
        while let Some(e) = events.next().await {
            if matches!(e, ClientEvent::Synced { height } if height == tip) {
                return true;
            }
            last.push(e);
            if last.len() > 10 {
                last.remove(0);
            }
        }
        false
    })
    .await;
    assert_eq!(r, Ok(true), "not synced to {tip}; last events: {last:?}");
}

/// The wallet's confirmed transactions as the node's truth is written: txid → where, and
/// the net amount.
fn wallet_truth(wallet: &Wallet) -> Truth {
    wallet
        .transactions()
        .into_iter()
        .filter_map(|t| {
            let block = t.status.block()?;
            let net = wallet.net_amount(&t.txid).expect("own tx");
            let at = TxTruth { height: block.height, block: block.hash.to_string(), net };
            Some((t.txid.to_string(), at))
        })
        .collect()
}

/// Starts the client, waits until it is synced to the nodes' tip, stops it.
fn sync_once(nodes: &[Dashd], item: WatchItem) -> Wallet {
    let tip = Dashd::wait_same_tip(nodes);
    let client = client(nodes, item);
    async_std::task::block_on(async {
        let mut events = client.events();
        client.start().await.expect("start");
        synced_to(&mut events, tip).await;
        client.stop().await.expect("stop");
        client.wallet().await.expect("wallet")
    })
}

fn regtest_address(s: &str) -> WatchItem {
    WatchItem::Address(Address::parse(s, Network::Regtest).expect("node address"))
}

#[test]
fn three_nodes_five_payments_each_spent_in_full_are_all_found_at_their_heights() {
    let nodes = Dashd::start_many(3);
    Dashd::connect_all(&nodes);
    let (address, txs) = paid_and_spent(&nodes[0], 5, 20);
    Dashd::wait_same_tip(&nodes);
    let expected = truth(&nodes[0], &txs);
    assert_eq!(expected.len(), 10);

    let wallet = sync_once(&nodes, regtest_address(&address));
    assert_eq!(wallet_truth(&wallet), expected);
    assert_eq!(wallet.transactions().len(), 10);
    assert_eq!(wallet.balance().total(), 0);
    assert!(wallet.utxos().is_empty());
    check_dashlite_connections(&nodes);
}

#[test]
fn xpub_payments_beyond_the_first_filter_are_found_by_extending_it() {
    let nodes = Dashd::start_many(2);
    Dashd::connect_all(&nodes);
    let (miner, sink) = mature_miner(&nodes[0], 0);
    let gap = GapLimits::default().external;
    let key = |i: u32| {
        let k = account().derive_path(&[0, i]).expect("derive");
        Address::from_pubkey(&k.public_key_bytes(), Network::Regtest).to_string()
    };
    // Key 0, then keys past the first window, each within the window the previous one
    // opens: two of them in one block (the second must be asked for again once the first
    // extends the filter), the next in the block right after.
    let plan: [(&[u32], u32); 4] =
        [(&[0], 1), (&[gap - 5, 2 * gap - 6], 1), (&[3 * gap - 7], 3), (&[4 * gap - 8], 2)];
    let mut txs = Vec::new();
    for (n, (keys, blocks)) in plan.iter().enumerate() {
        for (j, &k) in keys.iter().enumerate() {
            let amount = COIN + (n as u64) * 1_000_000 + j as u64 * 10_000;
            txs.push((miner.send(&key(k), amount), amount as i64));
        }
        nodes[0].mine(*blocks, &sink);
    }
    Dashd::wait_same_tip(&nodes);
    let expected = truth(&nodes[0], &txs);

    let item = WatchItem::Account { xpub: account(), gaps: GapLimits::default() };
    let wallet = sync_once(&nodes, item);
    assert_eq!(wallet_truth(&wallet), expected);
    assert_eq!(wallet.transactions().len(), txs.len());
    let total: i64 = txs.iter().map(|(_, v)| v).sum();
    assert_eq!(wallet.balance().total(), total);
    // The keys past the first window reached the nodes as filteradd.
    let filteradds: usize = nodes
        .iter()
        .map(|n| {
            let log = n.log();
            let ours = log.peers_with_agent(DASHLITE_AGENT);
            ours.iter().map(|&p| log.peer(p).received("filteradd").len()).sum::<usize>()
        })
        .sum();
    assert!(filteradds > 0, "no filteradd reached any node");
    check_dashlite_connections(&nodes);
}

#[test]
fn a_reorg_by_invalidateblock_moves_one_payment_and_conflicts_a_spend() {
    let nodes = Dashd::start_many(2);
    Dashd::connect_all(&nodes);
    let node = &nodes[0];
    let (miner, sink) = mature_miner(node, 0);
    let watched = node.wallet("watched");
    let address = watched.new_address();
    // P: 2 DASH, deep. Then tx1 (1 DASH) at h1 and tx2 (P spent in full) at h1 + 1.
    let p = miner.send(&address, 2 * COIN);
    node.mine(5, &sink);
    let tx1 = miner.send(&address, COIN);
    let h1_hash = node.mine(1, &sink)[0].clone();
    let (p_vout, p_value) = watched.output_to(&p, &address);
    let tx2 = watched.spend_all(&p, p_vout, p_value, SPEND_FEE, &sink);
    node.mine(2, &sink);
    let tip = Dashd::wait_same_tip(&nodes);
    let h1 = node.block_height(&h1_hash).expect("h1 on the best chain");

    let client = client(&nodes, regtest_address(&address));
    async_std::task::block_on(async {
        let mut events = client.events();
        client.start().await.expect("start");
        synced_to(&mut events, tip).await;
        let before = client.wallet().await.expect("wallet");
        assert_eq!(
            wallet_truth(&before),
            truth(
                node,
                &[
                    (p.clone(), 2 * COIN as i64),
                    (tx1.clone(), COIN as i64),
                    (tx2.clone(), -(p_value as i64))
                ]
            )
        );

        // Every node drops h1 and what follows; the fork spends P otherwise (c), leaves
        // h1 empty and confirms tx1 two blocks later.
        for n in &nodes {
            n.invalidate(&h1_hash);
        }
        let other = miner.new_address();
        let c_raw = {
            let inputs = serde_json::json!([{ "txid": p, "vout": p_vout }]).to_string();
            let amount = dashlite_testkit::dashd::dash_amount(p_value - 2 * SPEND_FEE);
            let outputs = format!("{{\"{other}\": {amount}}}");
            let raw = node.rpc(&["createrawtransaction", &inputs, &outputs]);
            let signed = watched.rpc(&["signrawtransactionwithwallet", raw.as_str().expect("hex")]);
            signed["hex"].as_str().expect("hex").to_owned()
        };
        node.mine_block_with(&sink, &[c_raw]);
        node.mine_block_with(&sink, &[]);
        node.mine(2, &sink);
        let new_tip = Dashd::wait_same_tip(&nodes);
        assert!(new_tip > tip);
        let (tx1_height, _) = node.tx_block(&tx1).expect("tx1 confirmed on the fork");
        assert_eq!(tx1_height, h1 + 2);
        assert_eq!(node.tx_block(&tx2), None, "tx2 conflicted on the node");
        let c =
            node.rpc(&["getblock", &node.block_hash(h1)])["tx"][1].as_str().expect("c").to_owned();

        synced_to(&mut events, new_tip).await;
        // The client reports synced once the new branch is in; wait for the wallet to have
        // processed it (at most the guard).
        let mut wallet = client.wallet().await.expect("wallet");
        let deadline = std::time::Instant::now() + WAIT;
        while wallet.transaction(&c.parse().expect("txid")).is_none()
            && std::time::Instant::now() < deadline
        {
            async_std::task::sleep(Duration::from_millis(100)).await;
            wallet = client.wallet().await.expect("wallet");
        }
        client.stop().await.expect("stop");

        let tx2_status = wallet.transaction(&tx2.parse().expect("txid")).map(|t| t.status);
        assert!(matches!(tx2_status, Some(TxStatus::Conflicted { .. })), "tx2: {tx2_status:?}");
        let confirmed = wallet_truth(&wallet);
        let expected = truth(
            node,
            &[
                (p.clone(), 2 * COIN as i64),
                (tx1.clone(), COIN as i64),
                (c.clone(), -(p_value as i64)),
            ],
        );
        assert_eq!(confirmed, expected);
        assert_eq!(wallet.balance().total(), COIN as i64);
    });
    check_dashlite_connections(&nodes);
}

/// Syncs a client on `node` watching `address` and returns what the node's `getpeerinfo`
/// says of the client's connection while it is up: (transport_protocol_type, session_id),
/// and the wallet.
fn sync_and_ask_transport(node: &Dashd, address: &str) -> ((String, String), Wallet) {
    let tip = node.height();
    let client = client(std::slice::from_ref(node), regtest_address(address));
    async_std::task::block_on(async {
        let mut events = client.events();
        client.start().await.expect("start");
        synced_to(&mut events, tip).await;
        let peers = node.rpc(&["getpeerinfo"]);
        let ours: Vec<&serde_json::Value> = peers
            .as_array()
            .expect("getpeerinfo is a list")
            .iter()
            .filter(|p| p["subver"].as_str().is_some_and(|s| s.contains(DASHLITE_AGENT)))
            .collect();
        assert_eq!(ours.len(), 1, "one dashlite connection: {peers}");
        let transport = ours[0]["transport_protocol_type"].as_str().unwrap_or("").to_owned();
        let session = ours[0]["session_id"].as_str().unwrap_or("").to_owned();
        client.stop().await.expect("stop");
        ((transport, session), client.wallet().await.expect("wallet"))
    })
}

#[test]
fn a_full_sync_from_dash_core_runs_over_bip324_v2() {
    let node = Dashd::start_many(1).remove(0);
    let (address, txs) = paid_and_spent(&node, 3, 10);
    let expected = truth(&node, &txs);
    let ((transport, session), wallet) = sync_and_ask_transport(&node, &address);
    assert_eq!(transport, "v2", "Dash Core sees dashlite on the encrypted transport");
    assert_eq!(session.len(), 64, "a BIP324 session id: {session:?}");
    assert_eq!(wallet_truth(&wallet), expected);
    check_dashlite_connections(std::slice::from_ref(&node));
}

#[test]
fn a_dash_core_node_without_v2_is_synced_over_v1_after_the_fallback() {
    let node = Dashd::start_with(&["-v2transport=0"]);
    let (address, txs) = paid_and_spent(&node, 2, 10);
    let expected = truth(&node, &txs);
    let ((transport, _), wallet) = sync_and_ask_transport(&node, &address);
    assert_eq!(transport, "v1");
    assert_eq!(wallet_truth(&wallet), expected);
    check_dashlite_connections(std::slice::from_ref(&node));
}
