//! A block whose CbTx, proven in a verified masternode list diff, carries a forged best
//! ChainLock is invalid (Dash Core: `bad-cbtx-invalid-clsig`): the header tree drops it and
//! its descendants, the client never syncs on it, and the peers that served it are scored.

mod common;

use std::sync::Arc;

use dashlite::chain::{ChainError, HeaderStore, ValidationError};
use dashlite::p2p::SECOND;
use dashlite_testkit::chain::{BlockSpec, Chain, BRANCH_TAGS_FROM};
use dashlite_testkit::masternodes::{BestChainLockMode, TestMasternodes};
use dashlite_testkit::sim::scenario::{PeerPlan, Scenario, WatchSpec};
use dashlite_testkit::sim::{self};

fn score(e: &Option<ChainError>) -> u32 {
    e.as_ref().map_or(0, |e| e.misbehavior_score())
}

#[test]
fn an_invalidated_block_leaves_the_tree_with_its_descendants_for_the_best_branch_left() {
    let main = Chain::with_blocks(45);
    // A branch from block 41: 42', 43', 44' (less work than main's 45, more than 42).
    let mut fork = Chain::with_blocks(42);
    assert_eq!(fork.hash_at(41), main.hash_at(41));
    fork.reorg_with_tag(1, vec![BlockSpec::empty(); 3], BRANCH_TAGS_FROM + 7);
    assert_eq!(fork.height(), 44);
    let mut tree = common::regtest_tree();
    assert!(common::accept(&mut tree, &main.headers()[1..]).error.is_none());
    assert!(common::accept(&mut tree, &fork.headers()[42..]).error.is_none());
    assert_eq!(tree.tip().hash, main.tip());

    let block43 = main.hash_at(43).unwrap();
    let done = tree.invalidate(&block43).unwrap().expect("held in memory");
    let change = done.tip_change.expect("the best chain changed");
    let gone: Vec<u32> = change.disconnected.iter().map(|d| d.0).collect();
    assert_eq!(gone, [45, 44, 43, 42]);
    let came: Vec<_> = change.connected.iter().map(|c| (c.0, c.1)).collect();
    let branch: Vec<_> = (42..=44).map(|h| (h, fork.hash_at(h).unwrap())).collect();
    assert_eq!(came, branch);
    assert_eq!(tree.tip().hash, fork.tip());
    assert_eq!(tree.store().tip().unwrap().map(|s| s.hash), Some(fork.tip()), "stored too");

    // The block sent again is a known invalid one; a child of it has an invalid parent;
    // both score 100 (Dash Core: BLOCK_CACHED_INVALID from an outbound peer, bad-prevblk).
    let again = common::accept(&mut tree, &main.headers()[43..44]);
    assert!(
        matches!(
            again.error,
            Some(ChainError::Invalid(ValidationError::KnownInvalid { hash })) if hash == block43
        ),
        "{:?}",
        again.error
    );
    assert_eq!(score(&again.error), 100);
    let descendant = common::accept(&mut tree, &main.headers()[45..46]);
    assert_eq!(score(&descendant.error), 100, "{:?}", descendant.error);
    // A new child of block 43.
    let mut sibling = Chain::with_blocks(43);
    sibling.reorg_with_tag(0, vec![BlockSpec::empty()], BRANCH_TAGS_FROM + 8);
    assert_ne!(sibling.tip(), main.hash_at(44).unwrap());
    let child = common::accept(&mut tree, &sibling.headers()[44..45]);
    assert!(
        matches!(child.error, Some(ChainError::Invalid(ValidationError::InvalidPrev { .. }))),
        "{:?}",
        child.error
    );
    assert_eq!(score(&child.error), 100);
    assert_eq!(tree.tip().hash, fork.tip());
}

#[test]
fn an_invalidated_tip_falls_back_to_its_parent_and_a_chainlocked_block_is_kept() {
    let main = Chain::with_blocks(30);
    let mut tree = common::regtest_tree();
    common::accept(&mut tree, &main.headers()[1..]);
    tree.apply_chain_lock(28, &main.hash_at(28).unwrap()).unwrap();
    // Final under the ChainLock: the lock outranks the proof.
    assert_eq!(tree.invalidate(&main.hash_at(28).unwrap()).unwrap(), None);
    assert_eq!(tree.tip().height, 30);
    let done = tree.invalidate(&main.hash_at(30).unwrap()).unwrap().expect("held");
    let change = done.tip_change.expect("the tip went");
    assert_eq!(change.disconnected, [(30, main.hash_at(30).unwrap())]);
    assert!(change.connected.is_empty());
    assert_eq!(tree.tip().height, 29);
    assert_eq!(tree.store().tip().unwrap().map(|s| s.height), Some(29));
    // Unknown blocks change nothing.
    assert_eq!(tree.invalidate(&main.hash_at(30).unwrap()).unwrap(), None);
}

#[test]
fn a_header_chain_with_a_forged_cbtx_chainlock_is_not_followed() {
    for seed in [31, 32] {
        let mut chain = Chain::regtest();
        chain.set_masternodes(TestMasternodes::new(seed));
        chain.set_best_chainlocks(BestChainLockMode::Honest);
        chain.mine(40);
        let honest = chain.clone();
        chain.set_best_chainlocks(BestChainLockMode::Forged);
        chain.mine(1);
        let forged_tip = chain.clone();
        chain.set_best_chainlocks(BestChainLockMode::Honest);
        chain.mine(3);
        let s = Scenario {
            seed,
            peers: (1..=2).map(PeerPlan::prompt).collect(),
            versions: vec![
                (0, Arc::new(honest.clone())),
                (60 * SECOND, Arc::new(forged_tip.clone())),
                (120 * SECOND, Arc::new(chain.clone())),
            ],
            watch: WatchSpec { keys: Vec::new(), account: None },
        };
        let outcome = sim::run(&s);
        let tree = outcome.machine.tree();
        assert_eq!(tree.tip().hash, honest.tip(), "seed {seed}: synced on the forged block");
        assert!(!outcome.converged);
        let p = &outcome.penalties;
        assert!(p.iter().any(|p| p.contains("InvalidMasternodeListDiff")), "{p:?}");
        // Whoever served the forged block's header or what builds on it is scored 100.
        assert!(
            p.iter().all(|p| p.contains("score 100")
                && ["InvalidMasternodeListDiff", "InvalidBlock", "KnownInvalid", "InvalidPrev"]
                    .iter()
                    .any(|w| p.contains(w))),
            "seed {seed}: {p:?}"
        );
        let service = outcome.machine.masternodes().unwrap();
        assert_eq!(service.current().map(|c| c.height), Some(40));
    }
}
