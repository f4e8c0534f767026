//! The client end to end: [`Client`] (node driver, sync engine, wallet, store) against testkit
//! nodes over loopback, with a wallet watching an xpub-derived account.

use std::collections::BTreeMap;
use std::time::Duration;

use async_std::future::timeout;
use dashlite::chain::{block_work, U256};
use dashlite::client::{
    Birthday, Client, ClientBuilder, ClientEvent, EventStream, StopReason, WatchItem,
};
use dashlite::hash::Txid;
use dashlite::network::{CheckpointRecord, Network};
use dashlite::tx::Script;
use dashlite::wallet::{Address, GapLimits, TxStatus, WalletEvent, WalletTx};
use dashlite_testkit::chain::COIN;
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::wallet::{account, key_script};
use dashlite_testkit::{
    start_nodes, Chain, Disconnect, Forgery, Mode, NodeConfig, NodeEvent, SharedChain, TestNode,
};

const WAIT: Duration = Duration::from_secs(60);

fn key_hash(index: u32) -> Vec<u8> {
    let key = account().derive_path(&[0, index]).expect("derive");
    dashlite::hash::hash160(&key.public_key_bytes()).to_vec()
}

struct Built {
    chain: SharedChain,
    /// Wallet payments: txid → height.
    payments: BTreeMap<Txid, u32>,
}

/// 101 mature blocks, then ~200 blocks with unrelated traffic in most and payments to keys 0
/// and 5 (inside the initial window) and 24 (beyond it, inside the window after key 5).
fn build_chain() -> Built {
    let mut chain = Chain::with_blocks(101);
    let bob = TestKey::from_seed("bob").p2pkh();
    let carol = TestKey::from_seed("carol").p2pkh();
    let mut payments = BTreeMap::new();
    for i in 0..200u32 {
        if i % 3 == 0 {
            chain.send(&bob, COIN);
        }
        if i % 7 == 0 {
            chain.send(&carol, 2 * COIN);
        }
        let paid = match i {
            20 => Some(chain.send(&key_script(0), 3 * COIN)),
            60 => Some(chain.send(&key_script(5), 4 * COIN)),
            150 => Some(chain.send(&key_script(24), 5 * COIN)),
            _ => None,
        };
        chain.mine(1);
        if let Some(tx) = paid {
            payments.insert(tx.txid(), chain.height());
        }
    }
    Built { chain: SharedChain::new(chain), payments }
}

/// A client on `nodes` watching the account, `window` filtered blocks in flight per peer.
fn client(nodes: &[&TestNode], window: usize) -> Client {
    let mut b = ClientBuilder::new(Network::Regtest)
        .watch(WatchItem::Account { xpub: account(), gaps: GapLimits::default() })
        .max_peers(nodes.len())
        .blocks_in_flight(window)
        .seed(7);
    for n in nodes {
        b = b.peer(n.addr());
    }
    b.build().expect("client")
}

/// Reads events until `done` says so; returns everything read.
async fn wait_until(
    events: &mut EventStream,
    mut done: impl FnMut(&ClientEvent) -> bool,
) -> Vec<ClientEvent> {
    let mut seen = Vec::new();
    let r = timeout(WAIT, async {
        while let Some(e) = events.next().await {
            let stop = done(&e);
            seen.push(e);
            if stop {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(
        r,
        Ok(true),
        "sync did not get there; events: {:?}",
        seen.iter().rev().take(10).collect::<Vec<_>>()
    );
    seen
}

fn confirmed(txs: &[WalletTx]) -> BTreeMap<Txid, u32> {
    txs.iter().filter_map(|w| w.status.block().map(|b| (w.txid, b.height))).collect()
}

fn synced_to(tip: u32) -> impl FnMut(&ClientEvent) -> bool {
    move |e| matches!(e, ClientEvent::Synced { height } if *height == tip)
}

#[test]
fn sync_finds_every_payment_including_a_lookahead_key_and_nothing_else() {
    let built = build_chain();
    let nodes = start_nodes(&built.chain, 3);
    let tip = built.chain.height();
    async_std::task::block_on(async {
        let client = client(&nodes.iter().collect::<Vec<_>>(), 400);
        let mut events = client.events();
        client.start().await.expect("start");
        let seen = wait_until(&mut events, synced_to(tip)).await;
        client.stop().await.expect("stop");
        let txs = client.transactions().await.expect("transactions");
        assert_eq!(confirmed(&txs), built.payments);
        assert_eq!(txs.len(), built.payments.len());
        assert_eq!(client.balance().await.expect("balance").total(), 12 * COIN);
        let status = client.sync_status();
        assert_eq!((status.header_height, status.block_height), (tip, tip));
        assert!(status.synced && !status.running);
        // Key 24 was outside the first filter: it went out as filteradd, then a rescan.
        assert!(nodes.iter().map(|n| n.count("filteradd")).sum::<usize>() > 0);
        let wallet = client.wallet().await.expect("wallet");
        assert!(wallet.filter_elements().iter().any(|e| e.to_bytes() == key_hash(24)));
        // Events: peers connected, progress, each payment as a wallet event.
        // The sync may end before the slowest of the three handshakes does.
        let connected = seen.iter().filter(|e| matches!(e, ClientEvent::PeerConnected { .. }));
        assert!((1..=3).contains(&connected.count()));
        assert!(seen.iter().any(|e| matches!(e, ClientEvent::Progress(_))));
        for txid in built.payments.keys() {
            assert!(
                seen.iter().any(|e| matches!(e, ClientEvent::Wallet(WalletEvent::NewTransaction { txid: t, .. }) if t == txid)),
                "no event for {txid}"
            );
        }
    });
}

#[test]
fn a_reorg_moves_a_payment_back_to_unconfirmed_and_the_new_branch_confirms_it() {
    let built = build_chain();
    let nodes = start_nodes(&built.chain, 2);
    async_std::task::block_on(async {
        let client = client(&nodes.iter().collect::<Vec<_>>(), 400);
        let mut events = client.events();
        client.start().await.expect("start");
        let tip = built.chain.height();
        wait_until(&mut events, synced_to(tip)).await;
        // A fresh payment, mined, then reorganised away and mined again on the new branch.
        let tx = built.chain.send(&key_script(1), 7 * COIN);
        built.chain.mine(1);
        nodes[0].announce();
        let txid = tx.txid();
        wait_until(&mut events, |e| {
            matches!(e, ClientEvent::Wallet(WalletEvent::NewTransaction { txid: t, status: TxStatus::Confirmed(_), .. }) if *t == txid)
        })
        .await;
        let reorg = built.chain.reorg(1);
        assert!(reorg.returned_to_mempool.contains(&txid));
        nodes[0].announce();
        let seen = wait_until(
            &mut events,
            |e| matches!(e, ClientEvent::Wallet(WalletEvent::Reorged { txid: t, .. }) if *t == txid),
        )
        .await;
        assert!(seen.iter().any(|e| matches!(e, ClientEvent::Reorg { .. })));
        let wallet = client.wallet().await.expect("wallet");
        assert_eq!(wallet.transaction(&txid).map(|w| w.status), Some(TxStatus::Unconfirmed));
        built.chain.mine(1);
        nodes[1].announce();
        wait_until(&mut events, |e| {
            matches!(e, ClientEvent::Wallet(WalletEvent::Confirmed { txid: t, .. }) if *t == txid)
        })
        .await;
        client.stop().await.expect("stop");
        let wallet = client.wallet().await.expect("wallet");
        let status = wallet.transaction(&txid).map(|w| w.status);
        let height = built.chain.height();
        assert!(matches!(status, Some(TxStatus::Confirmed(b)) if b.height == height), "{status:?}");
    });
}

#[test]
fn a_forging_node_among_honest_ones_changes_nothing() {
    let built = build_chain();
    let mut nodes = start_nodes(&built.chain, 2);
    let forger = TestNode::start_with(
        &built.chain,
        NodeConfig::default().with_mode(Mode::ForgedMerkleBlock(Forgery::WrongRoot)),
    )
    .expect("forger");
    let liar = TestNode::start_with(
        &built.chain,
        NodeConfig::default().with_mode(Mode::InvalidPow { from_height: 150 }),
    )
    .expect("liar");
    nodes.push(forger);
    nodes.push(liar);
    let tip = built.chain.height();
    async_std::task::block_on(async {
        let client = client(&nodes.iter().collect::<Vec<_>>(), 16);
        let mut events = client.events();
        client.start().await.expect("start");
        wait_until(&mut events, synced_to(tip)).await;
        client.stop().await.expect("stop");
        let txs = client.transactions().await.expect("transactions");
        assert_eq!(confirmed(&txs), built.payments);
        assert_eq!(txs.len(), built.payments.len());
        assert_eq!(client.sync_status().header_height, tip);
    });
}

#[test]
fn a_callback_subscription_delivers_until_closed_and_a_stopped_client_restarts() {
    let built = build_chain();
    let nodes = start_nodes(&built.chain, 1);
    let tip = built.chain.height();
    async_std::task::block_on(async {
        let client = client(&nodes.iter().collect::<Vec<_>>(), 400);
        let (tx, rx) = async_std::channel::unbounded();
        let subscription = client.subscribe(move |e| {
            let _ = tx.try_send(e);
        });
        client.start().await.expect("start");
        assert!(matches!(client.start().await, Err(dashlite::client::ClientError::AlreadyRunning)));
        let got = timeout(WAIT, async {
            while let Ok(e) = rx.recv().await {
                if matches!(e, ClientEvent::Synced { height } if height == tip) {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(got, Ok(true));
        subscription.close();
        assert!(!subscription.is_open());
        client.stop().await.expect("stop");
        // Nothing after close: the Stopped event of `stop` did not arrive.
        while let Ok(e) = rx.try_recv() {
            assert!(!matches!(e, ClientEvent::Stopped { .. }), "delivered after close: {e:?}");
        }
        // The same client starts again and follows a new block.
        let mut events = client.events();
        client.start().await.expect("restart");
        let paid = built.chain.send(&key_script(2), COIN);
        built.chain.mine(1);
        nodes[0].announce();
        wait_until(&mut events, |e| {
            matches!(e, ClientEvent::Wallet(WalletEvent::NewTransaction { txid, .. }) if *txid == paid.txid())
        })
        .await;
        client.stop().await.expect("stop");
        let seen = wait_until(&mut events, |e| {
            matches!(e, ClientEvent::Stopped { reason: StopReason::Requested })
        })
        .await;
        assert!(!seen.is_empty());
    });
}

#[test]
fn the_client_verifies_sporks_and_syncs_governance_once_synced() {
    use dashlite::governance::GovernanceEvent;
    use dashlite::spork::SporkEvent;
    use dashlite::wire::{SporkId, VoteOutcome};
    use dashlite_testkit::governance::{capture_proposal, sample_votes};

    let proposal = capture_proposal();
    let hash = proposal.hash();
    let mut votes = sample_votes(hash, 4);
    votes[3].outcome = VoteOutcome::No;
    let chain = SharedChain::with_blocks(20);
    let config = NodeConfig {
        sporks: vec![(SporkId::InstantSendEnabled, 0), (SporkId::ChainLocksEnabled, 0)],
        governance: vec![proposal],
        votes,
        ..NodeConfig::default()
    };
    let node = TestNode::start_with(&chain, config).expect("node");
    async_std::task::block_on(async {
        let client = ClientBuilder::new(Network::Regtest)
            .peer(node.addr())
            .max_peers(1)
            .governance(true)
            .build()
            .expect("client");
        let mut events = client.events();
        client.start().await.expect("start");
        let seen = wait_until(&mut events, |e| {
            matches!(e, ClientEvent::Governance(GovernanceEvent::Done(_)))
        })
        .await;
        let synced = seen.iter().position(|e| matches!(e, ClientEvent::Synced { .. }));
        let asked = seen.iter().position(|e| {
            matches!(e, ClientEvent::Governance(GovernanceEvent::FullSyncRequested { .. }))
        });
        assert!(synced.is_some() && asked > synced, "governance sync before the chain was synced");
        assert!(seen.iter().any(|e| matches!(e, ClientEvent::Spork(SporkEvent::Changed { .. }))));
        assert!(client.is_spork_active(SporkId::InstantSendEnabled).await.expect("spork"));
        assert!(!client.is_spork_active(SporkId::SuperblocksEnabled).await.expect("spork"));
        let sporks = client.sporks().await.expect("sporks");
        let heard: Vec<_> = sporks.iter().filter(|s| s.from_network).map(|s| s.spork_id).collect();
        assert_eq!(heard, vec![SporkId::InstantSendEnabled, SporkId::ChainLocksEnabled]);
        let proposals = client.proposals().await.expect("proposals");
        assert_eq!(proposals.len(), 1);
        // No masternode list reaches this client: every vote is held, none is counted.
        assert_eq!((proposals[0].funding.yes, proposals[0].funding.no), (0, 0));
        assert_eq!(proposals[0].votes.unverified, 4);
        let detail = client.proposal(hash).await.expect("proposal").expect("known");
        assert_eq!(detail.votes.len(), 4);
        assert!(detail.votes.iter().all(|v| !v.counted));
        client.stop().await.expect("stop");
        let govsyncs: Vec<_> = node
            .peers()
            .into_iter()
            .flat_map(|p| node.received(p))
            .filter_map(|m| match m {
                dashlite::wire::Message::GovSync(gs) => Some(gs.prop_hash),
                _ => None,
            })
            .collect();
        assert_eq!(
            govsyncs,
            vec![dashlite::hash::Hash256::ZERO, hash],
            "one full sync, one vote sync"
        );
    });
}

#[test]
fn mempool_payments_are_found_after_sync_and_a_broadcast_is_served_to_peers() {
    use dashlite::encode::Encode;
    use dashlite::tx::{tx_type, OutPoint, Transaction, TxIn, TxOut};
    let built = build_chain();
    // A payment waiting in the nodes' mempool before the client connects.
    let waiting = built.chain.send(&key_script(3), 6 * COIN);
    let nodes = start_nodes(&built.chain, 2);
    let tip = built.chain.height();
    async_std::task::block_on(async {
        let client = client(&nodes.iter().collect::<Vec<_>>(), 400);
        let mut events = client.events();
        client.start().await.expect("start");
        wait_until(&mut events, |e| {
            matches!(e, ClientEvent::Wallet(WalletEvent::NewTransaction { txid, status: TxStatus::Unconfirmed, .. }) if *txid == waiting.txid())
        })
        .await;
        assert!(nodes.iter().map(|n| n.count("mempool")).sum::<usize>() >= 1);
        assert_eq!(client.sync_status().header_height, tip);
        let balance = client.balance().await.expect("balance");
        assert_eq!(balance.unconfirmed_incoming, 6 * COIN);

        // Spend that payment: the wallet sees it at once, peers are told and fetch it.
        let spend = Transaction {
            version: 2,
            tx_type: tx_type::NORMAL,
            inputs: vec![TxIn {
                previous_output: OutPoint::new(
                    waiting.txid(),
                    waiting
                        .outputs
                        .iter()
                        .position(|o| o.script_pubkey == key_script(3))
                        .expect("output") as u32,
                ),
                script_sig: Script::new(vec![0x51]),
                sequence: u32::MAX,
            }],
            outputs: vec![TxOut { value: COIN, script_pubkey: TestKey::from_seed("dave").p2pkh() }],
            lock_time: 0,
            extra_payload: None,
        };
        let txid = client.broadcast(&spend.to_bytes()).await.expect("broadcast");
        assert_eq!(txid, spend.txid());
        let wallet = client.wallet().await.expect("wallet");
        assert_eq!(wallet.transaction(&txid).map(|w| w.status), Some(TxStatus::Unconfirmed));
        assert_eq!(client.balance().await.expect("balance").unconfirmed_outgoing, 6 * COIN);
        // At least one node was told (inv) and asked for it (getdata answered with the tx).
        let deadline = std::time::Instant::now() + WAIT;
        while nodes.iter().all(|n| n.count("tx") == 0) && std::time::Instant::now() < deadline {
            async_std::task::sleep(Duration::from_millis(20)).await;
        }
        assert!(nodes.iter().any(|n| n.count("tx") > 0), "no node fetched the broadcast");
        assert!(matches!(
            client.broadcast(&[0u8; 3]).await,
            Err(dashlite::client::ClientError::BadTransaction(_))
        ));
        client.stop().await.expect("stop");
        assert!(matches!(
            client.broadcast(&spend.to_bytes()).await,
            Err(dashlite::client::ClientError::NotRunning)
        ));
    });
}

/// The checkpoint record of `chain`'s block at `height` (regtest: every record is usable).
fn record(chain: &Chain, height: u32) -> CheckpointRecord {
    let header = chain.header(height).expect("height on the chain");
    let chain_work = (0..=height)
        .map(|h| block_work(chain.header(h).expect("header").bits))
        .fold(U256::ZERO, |sum, w| sum.wrapping_add(w));
    CheckpointRecord { height, hash: header.block_hash(), chain_work, header }
}

/// Mines up to `height - 1`, then a block at `height` holding a payment of `value` to
/// `script`; returns the payment's txid.
fn pay_at(chain: &mut Chain, height: u32, script: &Script, value: i64) -> Txid {
    chain.mine(height - 1 - chain.height());
    let txid = chain.send(script, value).txid();
    chain.mine(1);
    assert_eq!(chain.height(), height);
    txid
}

/// Starts `client`, waits until it is synced to `tip`, stops it and returns its transactions.
async fn sync_and_stop(client: &Client, tip: u32) -> Vec<WalletTx> {
    let mut events = client.events();
    client.start().await.expect("start");
    wait_until(&mut events, synced_to(tip)).await;
    client.stop().await.expect("stop");
    client.transactions().await.expect("transactions")
}

#[test]
fn a_birthday_at_a_checkpoint_height_fetches_that_block() {
    let mut chain = Chain::with_blocks(101);
    let paid = pay_at(&mut chain, 120, &key_script(0), 2 * COIN);
    chain.mine(10);
    let records = vec![record(&chain, 110), record(&chain, 120)];
    let tip = chain.height();
    let shared = SharedChain::new(chain);
    let node = TestNode::start(&shared);
    async_std::task::block_on(async {
        let client = ClientBuilder::new(Network::Regtest)
            .watch(WatchItem::Account { xpub: account(), gaps: GapLimits::default() })
            .checkpoints(records)
            .birthday(Birthday::Height(120))
            .peer(node.addr())
            .seed(3)
            .build()
            .expect("client");
        let txs = sync_and_stop(&client, tip).await;
        assert_eq!(confirmed(&txs), BTreeMap::from([(paid, 120)]));
        assert_eq!(client.balance().await.expect("balance").total(), 2 * COIN);
    });
}

#[test]
fn an_earlier_birthday_on_reopen_restarts_the_headers_and_finds_older_payments() {
    let dave = TestKey::from_seed("dave");
    let dave_address = Address::parse(&dave.address(Network::Regtest), Network::Regtest).unwrap();
    let mut chain = Chain::with_blocks(101);
    let to_dave = pay_at(&mut chain, 113, &dave.p2pkh(), COIN);
    let to_key0 = pay_at(&mut chain, 115, &key_script(0), 2 * COIN);
    let to_key1 = pay_at(&mut chain, 160, &key_script(1), 3 * COIN);
    chain.mine(5);
    let records = vec![record(&chain, 110), record(&chain, 140)];
    let tip = chain.height();
    let shared = SharedChain::new(chain);
    let node = TestNode::start(&shared);
    let dir = std::env::temp_dir().join(format!("dashlite-birthday-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let open = |birthday: u32, items: Vec<WatchItem>| {
        let mut b = ClientBuilder::new(Network::Regtest)
            .data_dir(&dir)
            .checkpoints(records.clone())
            .birthday(Birthday::Height(birthday))
            .peer(node.addr())
            .seed(5);
        for item in items {
            b = b.watch(item);
        }
        b.build().expect("client")
    };
    let xpub = || WatchItem::Account { xpub: account(), gaps: GapLimits::default() };
    async_std::task::block_on(async {
        // Headers start at the record at 140: only the payment at 160 is seen.
        let first = open(145, vec![xpub()]);
        let txs = sync_and_stop(&first, tip).await;
        assert_eq!(confirmed(&txs), BTreeMap::from([(to_key1, 160)]));
        drop(first);
        // Reopened with a birthday below the stored chain and a new address: headers start
        // again at the record at 110 and every block from 112 is scanned, for every item.
        let second = open(112, vec![xpub(), WatchItem::Address(dave_address)]);
        let txs = sync_and_stop(&second, tip).await;
        let want = BTreeMap::from([(to_dave, 113), (to_key0, 115), (to_key1, 160)]);
        assert_eq!(confirmed(&txs), want);
        assert_eq!(txs.len(), 3);
        assert_eq!(second.balance().await.expect("balance").total(), 6 * COIN);
        let status = second.sync_status();
        assert_eq!((status.header_height, status.block_height), (tip, tip));
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// Dropping a running client stops it before the drop returns: the Stopped event is already
/// published, the node sees the connection closed, and a client reopened on the same data
/// directory starts from the committed tip with the payments it found.
#[test]
fn dropping_a_running_client_stops_it_and_a_reopened_one_resumes_from_the_committed_tip() {
    let built = build_chain();
    let node = TestNode::start(&built.chain);
    let tip = built.chain.height();
    let dir = std::env::temp_dir().join(format!("dashlite-drop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let open = || {
        ClientBuilder::new(Network::Regtest)
            .data_dir(&dir)
            .watch(WatchItem::Account { xpub: account(), gaps: GapLimits::default() })
            .peer(node.addr())
            .max_peers(1)
            .seed(9)
            .build()
            .expect("client")
    };

    let client = open();
    let mut events = client.events();
    async_std::task::block_on(async {
        client.start().await.expect("start");
        wait_until(&mut events, synced_to(tip)).await;
    });
    drop(client);
    let mut after = Vec::new();
    while let Some(e) = events.try_next() {
        after.push(e);
    }
    assert!(
        after.iter().any(|e| matches!(e, ClientEvent::Stopped { reason: StopReason::Requested })),
        "no Stopped published when the drop returned: {after:?}"
    );
    let peer = node.peers()[0];
    let closed = node.wait_for(WAIT, |events| {
        events.iter().any(|e| {
            matches!(e, NodeEvent::Disconnected { peer: p, reason: Disconnect::PeerClosed } if *p == peer)
        })
    });
    assert!(closed, "the node never saw the client close: {:?}", node.disconnect_reason(peer));

    let reopened = open();
    let status = reopened.sync_status();
    assert_eq!((status.header_height, status.block_height), (tip, tip));
    async_std::task::block_on(async {
        let txs = reopened.transactions().await.expect("transactions");
        assert_eq!(confirmed(&txs), built.payments);
        let mut events = reopened.events();
        reopened.start().await.expect("restart");
        wait_until(&mut events, synced_to(tip)).await;
        reopened.stop().await.expect("stop");
    });
    drop(reopened);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Publishing never waits for a reader: a stream nobody reads fills up to its capacity, the
/// sync goes on regardless, and once the stream is read again it is told how many events it
/// missed ([`ClientEvent::Lagged`]); the client's queries give the state it missed.
#[test]
fn a_subscriber_that_never_reads_does_not_hold_up_the_sync_and_is_told_it_lagged() {
    let mut chain = Chain::with_blocks(101);
    for _ in 0..300 {
        chain.send(&key_script(0), COIN);
        chain.mine(1);
    }
    let chain = SharedChain::new(chain);
    let tip = chain.height();
    let nodes = start_nodes(&chain, 1);
    async_std::task::block_on(async {
        let client = client(&[&nodes[0]], 400);
        let mut idle = client.events();
        client.start().await.expect("start");
        // Far more than the stream's capacity is published (each payment is a new
        // transaction and six confirmation changes) while nobody reads it.
        let synced = timeout(WAIT, async {
            loop {
                let s = client.sync_status();
                if s.synced && s.block_height == tip {
                    break;
                }
                async_std::task::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        assert!(synced.is_ok(), "the sync waited for a reader: {:?}", client.sync_status());
        // What was queued comes first; the marker follows as soon as the stream has room
        // again and something is published (a new block, should nothing else be).
        let mut held = 0;
        let missed = loop {
            let e = match idle.try_next() {
                Some(e) => e,
                None => {
                    nodes[0].mine(1);
                    timeout(WAIT, idle.next()).await.expect("an event").expect("open")
                }
            };
            match e {
                ClientEvent::Lagged { missed } => break missed,
                _ => held += 1,
            }
        };
        assert_eq!(held, dashlite::client::EVENT_STREAM_CAPACITY);
        assert!(missed > 0);
        // The state is all there.
        let txs = client.transactions().await.expect("transactions");
        assert_eq!(txs.len(), 300);
        assert_eq!(client.balance().await.expect("balance").total(), 300 * COIN);
        client.stop().await.expect("stop");
    });
}
