//! The FFI client from Rust, as the bindings use it: build on a testkit node, pull events and
//! receive them through a listener, sync, query, typed errors, stop. Futures are driven by
//! `futures::executor::block_on` — no async-std or tokio executor on the caller's side, as
//! with Kotlin, Swift and Python.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Fixture;
use dashlite_ffi::{
    Birthday, ClientBuilder, ClientError, Event, EventListener, MasternodeType, Network,
    SyncOutcome, TxStatus,
};
use futures::executor::block_on;

#[derive(Default)]
struct Collect(Mutex<Vec<Event>>);

impl EventListener for Collect {
    fn on_event(&self, event: Event) {
        self.0.lock().unwrap().push(event);
    }
}

impl Collect {
    fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }
}

#[test]
fn client_syncs_the_fixture_with_both_event_apis() {
    let fx = Fixture::start();
    let client = fx.builder().seed(7).build().expect("build");
    let listener = Arc::new(Collect::default());
    let subscription = client.subscribe(listener.clone());
    // The pull stream starts at the first next_event: a thread waits in it before start.
    let puller = {
        let client = client.clone();
        let tip = fx.tip;
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            while let Some(e) = block_on(client.next_event()) {
                let done = matches!(e, Event::Synced { height } if height == tip);
                seen.push(e);
                if done {
                    break;
                }
            }
            seen
        })
    };
    // Let the puller make its stream (no assertion depends on this delay: a late stream
    // would only miss the first events, which the listener also checks).
    std::thread::sleep(Duration::from_millis(200));
    block_on(client.start()).expect("start");
    assert_eq!(block_on(client.start()), Err(ClientError::AlreadyRunning));
    let pulled = puller.join().expect("puller");
    assert!(pulled.iter().any(|e| matches!(e, Event::PeerConnected { .. })), "{pulled:?}");
    let new_txs: Vec<&Event> =
        pulled.iter().filter(|e| matches!(e, Event::NewTransaction { .. })).collect();
    assert_eq!(new_txs.len(), fx.txids.len(), "{pulled:?}");

    let balance = block_on(client.balance()).expect("balance");
    assert_eq!((balance.total, balance.confirmed), (fx.balance, fx.balance));
    let txs = block_on(client.transactions()).expect("transactions");
    let mut txids: Vec<String> = txs.iter().map(|t| t.txid.to_string()).collect();
    let mut want = fx.txids.clone();
    txids.sort();
    want.sort();
    assert_eq!(txids, want);
    for t in &txs {
        assert!(t.net_amount > 0);
        assert_eq!(t.transaction.txid(), t.txid);
        let TxStatus::Confirmed { height, .. } = t.status else { panic!("{t:?}") };
        assert_eq!(t.confirmations, fx.tip - height + 1);
    }
    let utxos = block_on(client.utxos()).expect("utxos");
    assert_eq!(utxos.iter().map(|u| u.value).sum::<i64>(), fx.balance);
    assert!(utxos.iter().all(|u| u.address.as_deref().is_some_and(|a| a.starts_with('y'))));
    let status = client.sync_status();
    assert!(status.synced && status.running && status.peers == 1, "{status:?}");
    assert_eq!((status.header_height, status.block_height), (fx.tip, fx.tip));
    let sporks = block_on(client.sporks()).expect("sporks");
    assert!(sporks.iter().any(|s| s.name == "SPORK_2_INSTANTSEND_ENABLED" && s.id == 10001));
    assert_eq!(block_on(client.proposals()), Ok(vec![]));
    assert_eq!(block_on(client.governance_progress()), Ok(None));

    // Watch items at run time, and a broadcast of a spend of a wallet output.
    let regtest_address = "yWKAgManMv2s3gghLzqWJngNe6xE6gdG3g".to_string();
    assert_eq!(block_on(client.add_watch(regtest_address.clone(), None)), Ok(true));
    assert_eq!(block_on(client.add_watch(regtest_address, None)), Ok(false));
    assert!(matches!(
        block_on(client.add_watch("nonsense".into(), None)),
        Err(ClientError::WatchItem { .. })
    ));
    assert!(matches!(
        block_on(client.broadcast(vec![1, 2, 3])),
        Err(ClientError::BadTransaction { .. })
    ));
    let sent = block_on(client.broadcast(fx.spend.clone())).expect("broadcast");
    assert_eq!(sent.to_string(), fx.spend_txid);
    let balance = block_on(client.balance()).expect("balance");
    assert_eq!(balance.unconfirmed_outgoing, fx.spend_value);
    assert_eq!(balance.total, fx.balance - fx.spend_value);
    let txs = block_on(client.transactions()).expect("transactions");
    let spend = txs.iter().find(|t| t.txid == sent).expect("the spend in the wallet");
    assert_eq!((spend.net_amount, &spend.status), (-fx.spend_value, &TxStatus::Unconfirmed));

    block_on(client.stop()).expect("stop");
    assert_eq!(block_on(client.stop()), Err(ClientError::NotRunning));
    assert_eq!(block_on(client.broadcast(fx.spend.clone())), Err(ClientError::NotRunning));
    // The listener saw the same sync (delivered on its own task: wait for the Stopped).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !listener.events().iter().any(|e| matches!(e, Event::Stopped { .. })) {
        assert!(std::time::Instant::now() < deadline, "listener got no Stopped");
        std::thread::sleep(Duration::from_millis(20));
    }
    let heard = listener.events();
    assert!(heard.iter().any(|e| matches!(e, Event::Synced { height } if *height == fx.tip)));
    let mut heard_txids: Vec<String> = heard
        .iter()
        .filter_map(|e| match e {
            Event::NewTransaction { txid, .. } => Some(txid.to_string()),
            _ => None,
        })
        .collect();
    let mut want = [fx.txids.clone(), vec![fx.spend_txid.clone()]].concat();
    heard_txids.sort();
    want.sort();
    assert_eq!(heard_txids, want);
    assert!(subscription.is_open());
    subscription.cancel();
    assert!(!subscription.is_open());
    // Cancelled: a restart reports nothing to the listener.
    let before = listener.events().len();
    block_on(client.start()).expect("restart");
    block_on(client.stop()).expect("stop again");
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(listener.events().len(), before);
}

#[test]
fn bad_settings_are_typed_errors() {
    let b = || ClientBuilder::new(Network::Regtest);
    assert!(matches!(
        b().watch("not an address".into()).build(),
        Err(ClientError::WatchItem { item, network: Network::Regtest }) if item == "not an address"
    ));
    // A mainnet address on regtest.
    assert!(matches!(
        b().watch("XsJg3pJaoyKEf5jMYTb5wGf3TKp9W3KX5a".into()).build(),
        Err(ClientError::WatchItem { .. })
    ));
    assert!(matches!(
        b().max_peers(0).build(),
        Err(ClientError::InvalidSetting { setting, .. }) if setting == "max_peers"
    ));
    assert!(matches!(
        b().false_positive_rate(1.5).build(),
        Err(ClientError::InvalidSetting { setting, .. }) if setting == "false_positive_rate"
    ));
    assert!(matches!(
        b().peer("300.1.1.1:x".into()).build(),
        Err(ClientError::InvalidSetting { setting, .. }) if setting == "peer"
    ));
    assert!(matches!(
        ClientBuilder::new(Network::Mainnet).birthday(Birthday::Height { height: 1000 }).build(),
        Err(ClientError::BirthdayTooEarly { birthday: 1000, network: Network::Mainnet, .. })
    ));
    let client = b().build().expect("defaults build");
    assert_eq!(block_on(client.stop()), Err(ClientError::NotRunning));
    assert!(!client.sync_status().running);
    assert_eq!(block_on(client.balance()).expect("balance").total, 0);
}

#[test]
fn a_setter_returns_a_new_builder_and_leaves_the_old_one_unchanged() {
    let base = ClientBuilder::new(Network::Regtest).max_peers(2);
    let broken = base.max_peers(0);
    let bad_peer = base.peer("not a peer".into());
    assert!(matches!(
        broken.build(),
        Err(ClientError::InvalidSetting { setting, .. }) if setting == "max_peers"
    ));
    assert!(matches!(
        bad_peer.build(),
        Err(ClientError::InvalidSetting { setting, .. }) if setting == "peer"
    ));
    // The template still builds, as often as asked.
    base.build().expect("the template is unchanged");
    base.build().expect("and builds again");
    assert!(!Arc::ptr_eq(&base, &base.governance(true)));
}

#[test]
fn a_named_peer_is_resolved_by_start_and_an_unresolvable_one_fails_there() {
    // Build never touches DNS: a name that cannot resolve builds.
    let client = ClientBuilder::new(Network::Regtest)
        .peer("no-such-host.invalid".into())
        .build()
        .expect("a named peer builds without resolving");
    assert!(matches!(
        block_on(client.start()),
        Err(ClientError::PeerUnresolved { host, .. }) if host == "no-such-host.invalid"
    ));
    assert!(!client.sync_status().running);

    // Beside a usable peer it is skipped; a name that resolves is connected to.
    let fx = Fixture::start();
    let port = fx.node.addr().port();
    let client = ClientBuilder::new(Network::Regtest)
        .peer("no-such-host.invalid".into())
        .peer(format!("localhost:{port}"))
        .watch(fx.tpub.clone())
        .max_peers(1)
        .build()
        .expect("build");
    let listener = Arc::new(Collect::default());
    let _subscription = client.subscribe(listener.clone());
    block_on(client.start()).expect("start with one resolvable peer");
    wait_for(&listener, |e| matches!(e, Event::Synced { height } if *height == fx.tip));
    block_on(client.stop()).expect("stop");
}

/// Waits (bounded, as a guard against a hang) until `listener` has an event `done` accepts.
fn wait_for(listener: &Collect, done: impl Fn(&Event) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !listener.events().iter().any(&done) {
        assert!(std::time::Instant::now() < deadline, "no such event: {:?}", listener.events());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Blocks in every `on_event` until the gate opens, then records the event.
struct Blocked {
    gate: Arc<(Mutex<bool>, std::sync::Condvar)>,
    seen: Collect,
}

impl EventListener for Blocked {
    fn on_event(&self, event: Event) {
        let (open, cv) = &*self.gate;
        let mut open = open.lock().unwrap();
        while !*open {
            open = cv.wait(open).unwrap();
        }
        drop(open);
        // And slow after that.
        std::thread::sleep(Duration::from_millis(2));
        self.seen.on_event(event);
    }
}

#[test]
fn listeners_that_block_hold_up_neither_the_sync_nor_each_other() {
    let fx = Fixture::start();
    let client = fx.builder().build().expect("build");
    let gate = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    // More blocked listeners than the machine has cores (and than async-std has threads).
    let blocked: Vec<Arc<Blocked>> = (0..8)
        .map(|_| Arc::new(Blocked { gate: gate.clone(), seen: Collect::default() }))
        .collect();
    let subscriptions: Vec<_> = blocked.iter().map(|b| client.subscribe(b.clone())).collect();
    let fast = Arc::new(Collect::default());
    let _fast_subscription = client.subscribe(fast.clone());
    block_on(client.start()).expect("start");
    wait_for(&fast, |e| matches!(e, Event::Synced { height } if *height == fx.tip));
    assert!(blocked.iter().all(|b| b.seen.events().is_empty()));
    assert_eq!(block_on(client.balance()).expect("balance").total, fx.balance);
    block_on(client.stop()).expect("stop");
    wait_for(&fast, |e| matches!(e, Event::Stopped { .. }));

    *gate.0.lock().unwrap() = true;
    gate.1.notify_all();
    let everything = fast.events();
    assert!(!everything.iter().any(|e| matches!(e, Event::Lagged { .. })), "{everything:?}");
    for b in &blocked {
        wait_for(&b.seen, |e| matches!(e, Event::Stopped { .. }));
        assert_eq!(b.seen.events(), everything, "same events, same order");
    }
    assert!(subscriptions.iter().all(|s| s.is_open()));
}

#[test]
fn releasing_a_running_client_stops_it() {
    let fx = Fixture::start();
    let client = fx.builder().build().expect("build");
    let listener = Arc::new(Collect::default());
    let _subscription = client.subscribe(listener.clone());
    block_on(client.start()).expect("start");
    wait_for(&listener, |e| matches!(e, Event::Synced { height } if *height == fx.tip));
    drop(client);
    wait_for(&listener, |e| matches!(e, Event::Stopped { error: None }));
}

#[test]
fn a_sync_slice_ends_synced_and_leaves_the_client_stopped() {
    let fx = Fixture::start();
    let client = fx.builder().seed(9).build().expect("build");
    let outcome = block_on(client.sync_for(Duration::from_secs(120))).expect("slice");
    assert_eq!(outcome, SyncOutcome::Synced { height: fx.tip });
    assert!(!client.sync_status().running);
    assert_eq!(block_on(client.balance()).expect("balance").total, fx.balance);
}

#[test]
fn peer_addresses_parse_as_core_parses_them() {
    let fx = Fixture::start();
    let port = fx.node.addr().port();
    // The forms the CLI accepts: a bracketed IPv6 without a port, an IP and port, a host.
    for peer in ["[::1]".to_string(), format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let built = ClientBuilder::new(Network::Regtest).peer(peer.clone()).build();
        assert!(built.is_ok(), "{peer}: {:?}", built.err());
    }
    for bad in ["host:0", "[::1", "exa mple.org"] {
        assert!(
            matches!(
                ClientBuilder::new(Network::Regtest).peer(bad.into()).build(),
                Err(ClientError::InvalidSetting { setting, .. }) if setting == "peer"
            ),
            "{bad}"
        );
    }
}

#[test]
fn the_masternode_list_and_quorums_are_the_testkits_own() {
    let fx = Fixture::start();
    let client = fx.builder().regtest_dip3_height(common::DIP3_HEIGHT).build().expect("build");
    assert_eq!(block_on(client.masternode_list()), Ok(None));
    assert_eq!(block_on(client.quorums()), Ok(vec![]));
    let events = {
        let client = client.clone();
        let tip = fx.tip;
        std::thread::spawn(move || {
            while let Some(e) = block_on(client.next_event()) {
                if let Event::MasternodeListUpdated { height, .. } = &e {
                    if *height == tip {
                        return Some(e);
                    }
                }
            }
            None
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    block_on(client.start()).expect("start");
    let updated = events.join().expect("event reader").expect("a list at the tip");
    let want = &fx.masternodes;
    let Event::MasternodeListUpdated { block_hash, masternodes, valid, quorums, .. } = updated
    else {
        unreachable!()
    };
    assert_eq!(block_hash.inner(), want.block_hash);
    assert_eq!(masternodes as usize, want.masternodes.len());
    assert_eq!((valid as usize, quorums as usize), (want.valid, want.quorums.len()));

    let list = block_on(client.masternode_list()).expect("query").expect("a list");
    assert_eq!((list.height, list.block_hash.inner()), (fx.tip, want.block_hash));
    assert_eq!(list.entry_count as usize, want.masternodes.len());
    assert_eq!(list.valid_count as usize, want.valid);
    assert!(list.valid_count < list.entry_count && list.entry_count > 30, "{list:?}");
    let got: Vec<String> = list
        .entries
        .iter()
        .map(|m| {
            format!(
                "{}|{}|{}|{}|{}|{}",
                m.pro_reg_tx_hash,
                m.service.clone().unwrap_or_default(),
                m.operator_public_key,
                m.voting_key_id,
                match m.kind {
                    MasternodeType::Evo => "evo",
                    MasternodeType::Regular => "regular",
                },
                m.valid
            )
        })
        .collect();
    assert_eq!(got, fx.masternode_entries());
    assert!(list.entries.iter().any(|m| m.kind == MasternodeType::Evo));

    let quorums = block_on(client.quorums()).expect("quorums");
    let got: Vec<String> = quorums
        .iter()
        .map(|q| format!("{}|{}|{}|{}", q.type_name, q.quorum_hash, q.quorum_index, q.public_key))
        .collect();
    assert_eq!(got, fx.quorum_entries());
    assert_eq!(quorums.len(), 2);
    assert!(quorums.iter().all(|q| q.verified && q.llmq_type == 100), "{quorums:?}");
    block_on(client.stop()).expect("stop");
    // The list outlives the run.
    assert_eq!(block_on(client.masternode_list()).expect("query"), Some(list));
}

#[test]
fn the_dip3_height_is_a_regtest_only_setting() {
    assert!(matches!(
        ClientBuilder::new(Network::Testnet).regtest_dip3_height(10).build(),
        Err(ClientError::InvalidSetting { setting, .. }) if setting == "regtest_dip3_height"
    ));
    ClientBuilder::new(Network::Regtest)
        .regtest_dip3_height(10)
        .masternodes(false)
        .build()
        .expect("builds");
}
