//! Headers that conflict with a ChainLock are scored as Dash Core scores them
//! (`MaybePunishNodeForBlock`: `BLOCK_CHAINLOCK`, 10 points, for "bad-chainlock" and
//! "bad-prevblk-chainlock" alike), whether the lock is old or arrived moments ago, when the
//! peer could not know it yet: Dash Core makes no such distinction. A branch received before
//! the lock costs nothing when the lock arrives (`EnforceBestChainLock` scores no one).

mod common;

use dashlite::chain::{ChainError, ValidationError};
use dashlite::p2p::Misbehavior;
use dashlite_testkit::chain::{BlockSpec, Chain, BRANCH_TAGS_FROM};

fn conflict(error: &Option<ChainError>) -> &ValidationError {
    match error {
        Some(ChainError::Invalid(v @ ValidationError::ConflictsWithChainLock { .. })) => v,
        other => panic!("no ChainLock conflict: {other:?}"),
    }
}

/// Blocks 1–30, and a branch from block 26 of three blocks (less work).
fn chains() -> (Chain, Chain) {
    let main = Chain::with_blocks(30);
    let mut branch = Chain::with_blocks(26);
    assert_eq!(branch.tip(), main.hash_at(26).unwrap());
    branch.reorg_with_tag(0, vec![BlockSpec::empty(); 3], BRANCH_TAGS_FROM + 5);
    (main, branch)
}

#[test]
fn a_branch_known_before_the_lock_costs_nothing_and_its_next_header_scores_10() {
    let (main, mut branch) = chains();
    let mut tree = common::regtest_tree();
    assert!(common::accept(&mut tree, &main.headers()[1..]).error.is_none());
    assert!(common::accept(&mut tree, &branch.headers()[27..]).error.is_none());
    let applied = tree.apply_chain_lock(28, &main.hash_at(28).unwrap()).unwrap();
    assert!(matches!(applied, dashlite::chain::ChainLockApplied::Applied(None)), "{applied:?}");
    // The branch's next block ("bad-prevblk-chainlock" in Dash Core): 10.
    branch.mine(1);
    let out = common::accept(&mut tree, &branch.headers()[30..]);
    let v = conflict(&out.error);
    assert_eq!(Misbehavior::InvalidHeader(v.clone()).score(), 10);
    assert_eq!(tree.tip().hash, main.tip());
}

#[test]
fn a_branch_sent_right_after_the_lock_scores_10_every_time_never_as_invalid() {
    let (main, branch) = chains();
    let mut tree = common::regtest_tree();
    common::accept(&mut tree, &main.headers()[1..]);
    tree.apply_chain_lock(28, &main.hash_at(28).unwrap()).unwrap();
    // The peer sends its branch just after the lock reached us ("bad-chainlock").
    for _ in 0..3 {
        let out = common::accept(&mut tree, &branch.headers()[27..]);
        let v = conflict(&out.error);
        assert_eq!(v.misbehavior_score(), 10);
        assert!(!v.is_permanent(), "the branch is not invalid, only conflicting");
    }
    // A later header on it, alone: its parent was never kept (Dash Core keeps it marked
    // conflicting and scores 10 again; here its parent is unknown, also 10).
    let out = common::accept(&mut tree, &branch.headers()[29..]);
    assert!(
        matches!(out.error, Some(ChainError::Invalid(ValidationError::Unconnected { .. }))),
        "{:?}",
        out.error
    );
    assert_eq!(out.error.as_ref().unwrap().misbehavior_score(), 10);
    assert_eq!(tree.tip().hash, main.tip());
}
