//! The CbTx best ChainLock (version 3) as the client checks it: a ChainLock learned only
//! from the CbTx of the list's diffs is reported and enforced; a null one is accepted; a
//! forged one makes the diff a forgery (peer scored 100, asked elsewhere). And on restart
//! the kept lists decide locks at once, without any diff.

mod common;

use std::sync::Arc;

use dashlite::chain::MemoryHeaderStore;
use dashlite::machine::{Parts, StateMachine};
use dashlite::masternode::{
    check_chainlock, LockVerdict, MasternodeEvent, MasternodeSnapshot, MasternodeSync, QuorumBook,
};
use dashlite::network::{Network, PROTOCOL_VERSION};
use dashlite::p2p::{Misbehavior, PeerCommand, PeerId, SECOND};
use dashlite::store::{Batch, SqliteStore, Store};
use dashlite::sync::{start_header, SyncConfig, SyncEngine};
use dashlite::wallet::{Wallet, WatchList};
use dashlite::wire::ClSig;
use dashlite_testkit::chain::{BlockSpec, Chain, BRANCH_TAGS_FROM};
use dashlite_testkit::masternodes::{
    chain_list, mnlistdiff, BestChainLockMode, MnListMode, TestMasternodes,
};
use dashlite_testkit::sim::scenario::{PeerPlan, Scenario, WatchSpec};
use dashlite_testkit::sim::{self, masternode_list_difference, ready_peer_info};

fn chain(seed: u64, mode: BestChainLockMode, blocks: u32) -> Chain {
    let mut chain = Chain::regtest();
    chain.set_masternodes(TestMasternodes::new(seed));
    chain.set_best_chainlocks(mode);
    chain.mine(blocks);
    chain
}

fn scenario(seed: u64, versions: Vec<(u64, Arc<Chain>)>, peers: u8) -> Scenario {
    Scenario {
        seed,
        peers: (1..=peers).map(PeerPlan::prompt).collect(),
        versions,
        watch: WatchSpec { keys: Vec::new(), account: None },
    }
}

#[test]
fn a_chainlock_only_in_the_cbtx_is_reported_and_no_reorg_below_it_is_followed() {
    let mut chain = chain(11, BestChainLockMode::Honest, 40);
    let mut versions = vec![(0, Arc::new(chain.clone()))];
    chain.mine(1);
    let locked = chain.clone();
    versions.push((60 * SECOND, Arc::new(locked.clone())));
    // A longer branch from block 38: it replaces the ChainLocked block 40.
    let specs = vec![BlockSpec::empty(); 4];
    chain.reorg_with_tag(3, specs, BRANCH_TAGS_FROM + 91);
    versions.push((120 * SECOND, Arc::new(chain)));
    let s = scenario(11, versions, 2);
    let outcome = sim::run(&s);
    // The branch's headers are refused as conflicting with the lock (the engine's usual
    // score for them); nothing else is held against a peer.
    assert!(!outcome.penalties.is_empty());
    assert!(
        outcome
            .penalties
            .iter()
            .all(|p| p.contains("ConflictsWithChainLock") && p.contains("locked_height: 40")),
        "{:?}",
        outcome.penalties
    );
    // No `clsig` is ever sent in the simulator: the lock comes from the CbTx of block 41.
    let block40 = locked.hash_at(40).unwrap();
    assert!(outcome.chain_locked.contains(&(40, block40)), "{:?}", outcome.chain_locked);
    let best = outcome.machine.sync().best_chain_lock().expect("a best ChainLock");
    assert!(best.height >= 40);
    let tree = outcome.machine.tree();
    assert_eq!(tree.header_at(40).unwrap().map(|h| h.hash), Some(block40), "reorged below");
    assert_eq!(tree.tip().hash, locked.tip(), "the longer branch is refused");
    assert!(!outcome.converged);
    // Reported once per lock: never the same height twice.
    let mut heights: Vec<u32> = outcome.chain_locked.iter().map(|(h, _)| *h).collect();
    heights.dedup();
    assert_eq!(heights.len(), outcome.chain_locked.len(), "{:?}", outcome.chain_locked);
}

#[test]
fn null_best_chainlocks_before_any_quorum_are_accepted() {
    // Blocks up to 12 carry a null signature (no quorum active at their parent's height −
    // 8); later ones are signed. The list syncs with no penalty either way.
    for blocks in [12, 30] {
        let s = scenario(12, vec![(0, Arc::new(chain(12, BestChainLockMode::Honest, blocks)))], 2);
        let report = sim::check(&s).unwrap_or_else(|f| panic!("{blocks} blocks: {f}"));
        assert_eq!(report.height, blocks);
    }
}

/// A service holding the list at 40 of `chain`, with the quorum book a machine would have
/// (lists at 32 and 40), asked by two peers for the diff to 41; peer 1 answers. Returns the
/// service's events and commands and the next request's peer.
fn answer_diff_to_41(chain: &Chain) -> (MasternodeSync, Vec<MasternodeEvent>, Vec<PeerCommand>) {
    let mut tree = common::regtest_tree();
    common::accept(&mut tree, &chain.headers()[1..]);
    assert_eq!(tree.tip().height, 41);
    let mut book = QuorumBook::new(Network::Regtest);
    for h in [32, 40] {
        let list = chain_list(chain, h).unwrap();
        book.insert(h, list.block_hash, &list);
    }
    let at40 = MasternodeSnapshot::new(40, chain_list(chain, 40).unwrap());
    let mut service = MasternodeSync::restore(1, [at40.clone()]);
    service.start();
    service.on_peer_ready(PeerId(1), &ready_peer_info());
    service.on_peer_ready(PeerId(2), &ready_peer_info());
    service.drive(&tree, 0);
    let (peer, base, target) = service.request_in_flight().expect("a request");
    assert_eq!((peer, base, target), (PeerId(1), at40.list.block_hash, chain.tip()));
    service.drain_commands();
    let diff = mnlistdiff(chain, &base, &target, MnListMode::Honest).unwrap();
    service.on_diff(PeerId(1), &diff.to_bytes_versioned(PROTOCOL_VERSION as u32), &tree, &book, 0);
    let events = service.drain_events();
    let commands = service.drain_commands();
    service.drive(&tree, SECOND);
    (service, events, commands)
}

#[test]
fn a_forged_best_chainlock_makes_the_diff_a_forgery_and_the_next_peer_is_asked() {
    let mut honest = chain(13, BestChainLockMode::Honest, 40);
    let mut forged = honest.clone();
    honest.mine(1);
    forged.set_best_chainlocks(BestChainLockMode::Forged);
    forged.mine(1);

    // The honest block 41: its CbTx locks 40 with a signature that verifies.
    let (mut service, events, commands) = answer_diff_to_41(&honest);
    assert!(matches!(events[..], [MasternodeEvent::Updated { height: 41, .. }]), "{events:?}");
    assert!(commands.is_empty(), "{commands:?}");
    let locks = service.drain_chain_locks();
    assert_eq!(locks.len(), 1);
    assert!(locks[0].verified);
    assert_eq!(
        (locks[0].clsig.height, locks[0].clsig.block_hash),
        (40, honest.hash_at(40).unwrap())
    );

    // The same block with a forged signature: refused, scored 100, asked of peer 2.
    let (mut service, events, commands) = answer_diff_to_41(&forged);
    match &events[..] {
        [MasternodeEvent::Rejected { peer: PeerId(1), reason }] => {
            assert!(reason.contains("best ChainLock for block 40 does not verify"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(
        commands.iter().any(|c| matches!(
            c,
            PeerCommand::Misbehaving {
                peer: PeerId(1),
                what: Misbehavior::InvalidMasternodeListDiff
            }
        )),
        "{commands:?}"
    );
    assert_eq!(Misbehavior::InvalidMasternodeListDiff.score(), 100);
    assert_eq!(service.current().map(|s| s.height), Some(40), "the forged list was kept");
    assert!(service.drain_chain_locks().is_empty());
    assert_eq!(service.request_in_flight().map(|r| r.0), Some(PeerId(2)));
}

#[test]
fn after_a_restart_the_kept_lists_verify_a_chainlock_with_no_diff_asked() {
    // A chain without best ChainLocks: the `clsig` below is the only lock.
    let mut c = chain(14, BestChainLockMode::Off, 40);
    let first = Arc::new(c.clone());
    c.mine(1);
    let s = scenario(14, vec![(0, first), (60 * SECOND, Arc::new(c.clone()))], 1);
    let outcome = sim::run(&s);
    assert!(outcome.converged);
    assert_eq!(masternode_list_difference(&outcome.machine, &c), None);
    let kept: Vec<_> = outcome.machine.masternodes().unwrap().snapshots().cloned().collect();
    assert!(kept.iter().any(|k| k.height == 32), "the list at 40 − 8 is kept");

    let dir = std::env::temp_dir().join(format!("dashlite-cbtx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("restart.db");
    let _ = std::fs::remove_file(&path);
    SqliteStore::open(&path, Network::Regtest)
        .unwrap()
        .commit(&Batch { masternode_lists: kept.clone(), ..Batch::default() })
        .unwrap();
    let state = SqliteStore::open(&path, Network::Regtest).unwrap().load().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(state.masternode_lists.len(), kept.len());

    // A new machine over the same headers, with the restored list sync and no peer at all.
    let params = Network::Regtest.params();
    let store: MemoryHeaderStore = outcome.machine.tree().store().clone();
    let sync = SyncEngine::new(
        SyncConfig::new(params, 0),
        store,
        start_header(params, 0, &[]),
        Wallet::new(WatchList::new(Network::Regtest)),
    )
    .unwrap();
    let mut parts = Parts::new(dashlite::p2p::Config::new(Network::Regtest), sync, 1);
    parts.masternodes = Some(MasternodeSync::restore(1, state.masternode_lists));
    let machine = StateMachine::new(parts, 0);
    let book = machine.sync().quorum_book();
    assert_eq!(book.len(), kept.len(), "every kept list is in the quorum book");

    let block40 = c.hash_at(40).unwrap();
    let signature = c.masternodes().unwrap().chainlock_signature(40, block40).unwrap();
    let clsig = ClSig { height: 40, block_hash: block40, signature };
    assert!(matches!(check_chainlock(book, &clsig), LockVerdict::Verified { .. }));
    let mut bad = clsig;
    bad.block_hash = c.hash_at(39).unwrap();
    assert!(matches!(check_chainlock(book, &bad), LockVerdict::Invalid(_)));
}
