//! dashlite against a real Dash Core v23.1.2 masternode network on regtest
//! (`dashlite_testkit::dashd::llmq`): four masternodes form a ChainLocks quorum (`llmq_test`)
//! and two rotated InstantSend quorums (`llmq_test_dip0024`); dashlite syncs the masternode
//! list from the controller, and reports the node's real ChainLock and the wallet payment's
//! real InstantSend lock only once their BLS signatures verify with the quorum its list
//! selects. Everything is checked against the node's own answers (`protx list`,
//! `quorum list`, `getbestchainlock`, `getrawtransaction`). Fails (never skips) when the
//! binaries are missing.

use std::collections::BTreeSet;
use std::time::Duration;

use async_std::future::timeout;
use dashlite::client::{Client, ClientBuilder, ClientEvent, EventStream, WatchItem};
use dashlite::masternode::MasternodeListSummary;
use dashlite::network::Network;
use dashlite::wallet::{Address, TxFinality};
use dashlite_testkit::dashd::llmq::{MasternodeNet, DIP3_HEIGHT};
use dashlite_testkit::dashd::scenario::check_dashlite_connections;
use dashlite_testkit::dashd::Dashd;

const COIN: u64 = 100_000_000;
/// How long one expected event may take (a DKG-free step: headers, a diff, a lock).
const WAIT: Duration = Duration::from_secs(120);

/// Reads events until `pick` returns something; panics naming `what` with the last events.
async fn until<T>(
    events: &mut EventStream,
    what: &str,
    mut pick: impl FnMut(&ClientEvent) -> Option<T>,
) -> T {
    let mut last = Vec::new();
    let r = timeout(WAIT, async {
        while let Some(e) = events.next().await {
            if let Some(t) = pick(&e) {
                return Some(t);
            }
            last.push(format!("{e:?}"));
            if last.len() > 12 {
                last.remove(0);
            }
        }
        None
    })
    .await;
    match r {
        Ok(Some(t)) => t,
        _ => panic!("no {what} within {WAIT:?}; last events:\n{}", last.join("\n")),
    }
}

/// The regtest quorum type ids of the names `quorum list` uses (`llmq/params.h`).
fn llmq_type_id(name: &str) -> u8 {
    match name {
        "llmq_test" => 100,
        "llmq_test_v17" => 102,
        "llmq_test_dip0024" => 103,
        "llmq_test_instantsend" => 104,
        "llmq_test_platform" => 106,
        other => panic!("quorum list names an unknown regtest type {other}"),
    }
}

/// The list dashlite holds equals the node's at the same block: every registered
/// masternode (`protx list`) and every active quorum of every type (`quorum list`).
fn assert_list_matches_node(list: &MasternodeListSummary, node: &Dashd) {
    let height = list.height.to_string();
    assert_eq!(list.block_hash.to_string(), node.block_hash(list.height), "list block");
    let protx = node.rpc(&["protx", "list", "registered", "false", &height]);
    let theirs: BTreeSet<String> = protx
        .as_array()
        .expect("protx list")
        .iter()
        .map(|h| h.as_str().expect("hash").to_owned())
        .collect();
    let ours: BTreeSet<String> =
        list.masternodes.iter().map(|m| m.pro_reg_tx_hash.to_string()).collect();
    assert_eq!(ours, theirs, "masternodes at height {height}");
    assert_eq!(list.valid, theirs.len(), "valid masternodes");

    let quorums = node.rpc(&["quorum", "list"]);
    let theirs: BTreeSet<(u8, String)> = quorums
        .as_object()
        .expect("quorum list")
        .iter()
        .flat_map(|(name, hashes)| {
            let id = llmq_type_id(name);
            hashes
                .as_array()
                .expect("hashes")
                .iter()
                .map(move |h| (id, h.as_str().expect("hash").to_owned()))
        })
        .collect();
    let ours: BTreeSet<(u8, String)> =
        list.quorums.iter().map(|q| (q.llmq_type, q.quorum_hash.to_string())).collect();
    assert_eq!(ours, theirs, "active quorums at height {height}");
}

fn client(net: &MasternodeNet, address: &str) -> Client {
    let address = Address::parse(address, Network::Regtest).expect("node address");
    ClientBuilder::new(Network::Regtest)
        .watch(WatchItem::Address(address))
        .peer(net.controller.p2p_addr())
        .peer(net.masternodes[0].node.p2p_addr())
        .max_peers(2)
        .regtest_dip3_height(DIP3_HEIGHT)
        .seed(15)
        .build()
        .expect("client")
}

#[test]
fn real_masternodes_chainlock_and_instantsend_lock_verify_against_the_synced_list() {
    let mut net = MasternodeNet::start(4);
    let formed = net.mine_quorums();
    let tip = net.wait_same_tip();
    let tip_hash = net.controller.tip();
    net.wait_chainlock(&tip_hash);

    let watched = net.controller.wallet("watched");
    let address = watched.new_address();
    let client = client(&net, &address);
    async_std::task::block_on(async {
        let mut events = client.events();
        client.start().await.expect("start");
        // The list at the tip may be verified before or after the wallet reports Synced.
        let (mut synced, mut listed) = (false, false);
        until(&mut events, "Synced and the masternode list at the tip", |e| {
            match e {
                ClientEvent::Synced { height } if *height == tip => synced = true,
                ClientEvent::MasternodeListUpdated { height, .. } if *height == tip => {
                    listed = true
                }
                _ => {}
            }
            (synced && listed).then_some(())
        })
        .await;
        let list = client.masternode_list().await.expect("list").expect("a verified list");
        assert_eq!(list.height, tip);
        assert_list_matches_node(&list, &net.controller);
        let ours: BTreeSet<String> =
            list.quorums.iter().map(|q| q.quorum_hash.to_string()).collect();
        assert!(
            ours.contains(&formed.chainlocks),
            "ChainLocks quorum {} missing",
            formed.chainlocks
        );
        for q in &formed.instantsend {
            assert!(ours.contains(q), "InstantSend quorum {q} missing");
        }

        // One new block and its ChainLock: signed by the quorum set at its height − 8,
        // which the first lists (at the old tip − 8 and the old tip) already give.
        let hash = net.mine(1).remove(0);
        let height = net.controller.height();
        net.wait_chainlock(&hash);
        let cl = until(&mut events, "ChainLocked at the tip", |e| match e {
            ClientEvent::ChainLocked { height: h, block_hash } if *h == height => {
                Some(block_hash.to_string())
            }
            _ => None,
        })
        .await;
        assert_eq!(cl, hash, "the ChainLocked block is the node's");
        assert_eq!(net.controller.rpc(&["getbestchainlock"])["height"], height);

        // A payment to the watched address: the node's InstantSend lock reaches dashlite,
        // which reports it once verified against the rotated quorum it selects.
        let miner = net.controller.wallet("miner");
        let txid = miner.send(&address, COIN);
        net.wait_instantlock(&txid);
        let locked = until(&mut events, "InstantLocked for the payment", |e| match e {
            ClientEvent::InstantLocked { txid } => Some(txid.to_string()),
            _ => None,
        })
        .await;
        assert_eq!(locked, txid);
        let wallet = client.wallet().await.expect("wallet");
        let ours = wallet.transactions().into_iter().find(|t| t.txid.to_string() == txid);
        let ours = ours.expect("the payment in the wallet");
        assert_eq!(wallet.finality(&ours.txid), Some(TxFinality::InstantLocked));

        // Mined and ChainLocked: final.
        let block = net.mine(1).remove(0);
        let block_height = net.controller.height();
        net.wait_chainlock(&block);
        until(&mut events, "ChainLocked for the payment's block", |e| {
            matches!(e, ClientEvent::ChainLocked { height, .. } if *height >= block_height)
                .then_some(())
        })
        .await;
        let wallet = client.wallet().await.expect("wallet");
        assert_eq!(wallet.finality(&ours.txid), Some(TxFinality::ChainLocked));

        let list = client.masternode_list().await.expect("list").expect("a verified list");
        assert_list_matches_node(&list, &net.controller);
        client.stop().await.expect("stop");
    });
    // Neither the controller nor the masternode dashlite used recorded any misbehaviour.
    let MasternodeNet { controller, mut masternodes, .. } = net;
    check_dashlite_connections(&[controller, masternodes.remove(0).node]);
}
