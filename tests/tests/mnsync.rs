//! Masternode list sync in the simulator: the machine's list equals the testkit's own list at
//! the tip, from zero, through new blocks one diff at a time, several at once and a reorg;
//! every malicious `mnlistdiff` mode ends with the honest list from another peer and the bad
//! peer scored; a silent peer is retried elsewhere; a restart resumes from the stored list.

use std::sync::Arc;

use dashlite::masternode::{MasternodeSync, SNAPSHOTS_KEPT};
use dashlite::network::Network;
use dashlite::p2p::{PeerId, SECOND};
use dashlite::store::{Batch, SqliteStore, Store};
use dashlite_testkit::chain::{BlockSpec, Chain, BRANCH_TAGS_FROM};
use dashlite_testkit::masternodes::{chain_list, MnListMode, TestMasternodes};
use dashlite_testkit::sim::scenario::{PeerPlan, Scenario, WatchSpec};
use dashlite_testkit::sim::{self, masternode_list_difference, ready_peer_info};

/// A chain of 40 blocks committing to the list of `seed`, then one block, then three at
/// once, then a reorg two blocks deep onto three new blocks.
fn versions(seed: u64) -> Vec<(u64, Arc<Chain>)> {
    let mut chain = Chain::regtest();
    chain.set_masternodes(TestMasternodes::new(seed));
    chain.mine(40);
    let mut versions = vec![(0, Arc::new(chain.clone()))];
    chain.mine(1);
    versions.push((60 * SECOND, Arc::new(chain.clone())));
    chain.mine(3);
    versions.push((120 * SECOND, Arc::new(chain.clone())));
    let specs = vec![BlockSpec::empty(), BlockSpec::empty(), BlockSpec::empty()];
    chain.reorg_with_tag(2, specs, BRANCH_TAGS_FROM + 77);
    versions.push((180 * SECOND, Arc::new(chain)));
    versions
}

fn scenario(seed: u64, modes: &[MnListMode]) -> Scenario {
    let peers = modes
        .iter()
        .enumerate()
        .map(|(i, mode)| PeerPlan { mnlist: *mode, ..PeerPlan::prompt(i as u8 + 1) })
        .collect();
    Scenario {
        seed,
        peers,
        versions: versions(seed),
        watch: WatchSpec { keys: Vec::new(), account: None },
    }
}

#[test]
fn the_list_follows_the_chain_from_zero_through_new_blocks_and_a_reorg() {
    let s = scenario(1, &[MnListMode::Honest, MnListMode::Honest]);
    let report = sim::check(&s).unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(report.height, 45);
    // The final list has real content: masternodes, banned ones, quorums, the branch's own.
    let list = chain_list(s.final_chain(), 45).unwrap();
    assert!(list.entries.len() > 10 && list.valid_count() < list.entries.len());
    assert_eq!(list.quorums.len(), 2);
}

#[test]
fn the_list_equals_the_testkits_list_for_many_seeds() {
    for seed in 0..40 {
        let modes = [MnListMode::Honest, MnListMode::Honest, MnListMode::Honest];
        if let Err(f) = sim::check(&scenario(seed, &modes)) {
            panic!("{f}");
        }
    }
}

fn bad_peer_then_honest(mode: MnListMode) {
    let s = scenario(3, &[mode, MnListMode::Honest]);
    let outcome = sim::run(&s);
    assert!(outcome.converged, "{mode:?}: did not converge");
    let diff = masternode_list_difference(&outcome.machine, s.final_chain());
    assert_eq!(diff, None, "{mode:?}");
    match mode {
        MnListMode::Silent => assert!(outcome.penalties.is_empty(), "{:?}", outcome.penalties),
        _ => {
            assert_eq!(outcome.penalties.len(), 1, "{mode:?}: {:?}", outcome.penalties);
            let p = &outcome.penalties[0];
            assert!(p.contains("InvalidMasternodeListDiff") && p.contains("score 100"), "{p}");
        }
    }
}

#[test]
fn a_wrong_list_root_is_scored_and_the_list_comes_from_another_peer() {
    bad_peer_then_honest(MnListMode::WrongListRoot);
}

#[test]
fn a_wrong_quorum_root_is_scored_and_the_list_comes_from_another_peer() {
    bad_peer_then_honest(MnListMode::WrongQuorumRoot);
}

#[test]
fn an_unproven_coinbase_is_scored_and_the_list_comes_from_another_peer() {
    bad_peer_then_honest(MnListMode::CoinbaseNotProven);
}

#[test]
fn a_diff_from_another_base_is_scored_and_the_list_comes_from_another_peer() {
    bad_peer_then_honest(MnListMode::WrongBase);
}

#[test]
fn a_silent_peer_times_out_and_the_list_comes_from_another_peer() {
    bad_peer_then_honest(MnListMode::Silent);
}

#[test]
fn only_bad_peers_leave_no_list() {
    let s = scenario(4, &[MnListMode::WrongListRoot, MnListMode::CoinbaseNotProven]);
    let outcome = sim::run(&s);
    let service = outcome.machine.masternodes().expect("masternode sync on");
    assert_eq!(service.current(), None, "a forged list was accepted");
    assert_eq!(outcome.penalties.len(), 2, "{:?}", outcome.penalties);
}

#[test]
fn a_restart_resumes_from_the_stored_list_without_a_full_diff() {
    let s = scenario(5, &[MnListMode::Honest]);
    let outcome = sim::run(&s);
    assert!(outcome.converged);
    let mut machine = outcome.machine;
    let tree_tip = machine.tree().tip();
    let changes = machine.masternodes_mut().expect("masternode sync on").take_changes();
    assert!(changes.put.len() <= SNAPSHOTS_KEPT);
    // Store every kept list but the newest in SQLite, as if the client stopped one block
    // before the tip; open it again and restore.
    let dir = std::env::temp_dir().join(format!("dashlite-mnsync-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("restart.db");
    let _ = std::fs::remove_file(&path);
    let kept: Vec<_> = machine.masternodes().unwrap().snapshots().cloned().collect();
    let (newest, older) = kept.split_last().expect("lists were kept");
    assert_eq!(newest.list.block_hash, tree_tip.hash);
    {
        let mut store = SqliteStore::open(&path, Network::Regtest).unwrap();
        let batch = Batch { masternode_lists: older.to_vec(), ..Batch::default() };
        store.commit(&batch).unwrap();
    }
    let state = SqliteStore::open(&path, Network::Regtest).unwrap().load().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(state.masternode_lists, older);
    let mut restored = MasternodeSync::restore(1, state.masternode_lists);
    let stored = restored.current().cloned().expect("a stored list");
    restored.start();
    let info = ready_peer_info();
    restored.on_peer_ready(PeerId(1), &info);
    restored.drive(machine.tree(), 0);
    let (peer, base, target) = restored.request_in_flight().expect("a getmnlistd");
    assert_eq!(peer, PeerId(1));
    assert_eq!(base, stored.list.block_hash, "the base is the stored list's block, not zero");
    assert_eq!(target, tree_tip.hash);
}

#[test]
fn the_first_list_is_asked_at_the_chainlock_signing_height_then_the_tip() {
    // One chain of 40 blocks: the first diff goes to block 32 (the quorum set a ChainLock
    // for block 40 is signed by), then one to the tip; the quorum book holds both.
    let mut s = scenario(5, &[MnListMode::Honest]);
    s.versions.truncate(1);
    let outcome = sim::run(&s);
    assert!(outcome.converged, "did not converge");
    let tip = outcome.machine.tree().tip().height;
    assert_eq!(tip, 40);
    let book = outcome.machine.sync().quorum_book();
    let chain = s.final_chain();
    for height in [tip - 8, tip] {
        assert_eq!(
            book.block_at(height).map(|h| h.to_string()),
            chain.hash_at(height).map(|h| h.to_string()),
            "no list at {height} in the quorum book"
        );
    }
    assert_eq!(book.len(), 2, "lists at exactly the signing height and the tip");
}

#[test]
fn no_list_is_asked_below_dip3_activation_and_the_first_is_never_below_it() {
    // The 45-block chain the sim synced: a fresh service is driven against its header tree
    // with the activation height below, at and above the tip.
    let s = scenario(6, &[MnListMode::Honest]);
    let outcome = sim::run(&s);
    assert!(outcome.converged, "did not converge");
    let tree = outcome.machine.tree();
    let tip = tree.tip();
    assert_eq!(tip.height, 45);
    let info = ready_peer_info();
    let first_target = |activation: u32| {
        let mut service = MasternodeSync::new(activation);
        assert_eq!(service.activation_height(), activation);
        service.start();
        service.on_peer_ready(PeerId(1), &info);
        service.drive(tree, 0);
        let request = service.request_in_flight();
        assert_eq!(service.drain_commands().len(), usize::from(request.is_some()));
        request.map(|(_, base, target)| {
            assert_eq!(base.to_string(), "0".repeat(64), "the first diff is from zero");
            target
        })
    };
    let signing = tree.header_at(tip.height - 8).unwrap().unwrap();
    assert_eq!(first_target(1), Some(signing.hash), "DIP3 long active: the signing height");
    assert_eq!(first_target(tip.height - 8), Some(signing.hash));
    assert_eq!(first_target(tip.height - 7), Some(tip.hash), "no list below activation");
    assert_eq!(first_target(tip.height), Some(tip.hash));
    assert_eq!(first_target(tip.height + 1), None, "the tip is below activation");
    assert_eq!(first_target(Network::Mainnet.params().dip3_height), None);
}
