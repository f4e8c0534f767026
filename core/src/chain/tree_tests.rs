//! Forks, reorgs, checkpoints and time rules on synthetic regtest chains, mined with real X11
//! to regtest's 0x207fffff target (about two tries per block).

use super::*;
use crate::chain::pow::check_proof_of_work;
use crate::chain::store::MemoryHeaderStore;
use crate::hash::Hash256;
use crate::network::Network;

const REGTEST_BITS: u32 = 0x207f_ffff;
const NOW: u64 = 2_000_000_000;

fn test_hash(h: &BlockHeader) -> BlockHash {
    h.block_hash()
}

fn meets_target(h: &BlockHeader) -> bool {
    check_proof_of_work(&test_hash(h), h.bits, &Network::Regtest.params().pow, None).is_ok()
}

/// A header on `prev` at `time`, mined; `branch` makes sibling branches differ.
fn mine_with(prev: BlockHash, time: u32, branch: u8, bits: u32) -> (BlockHeader, BlockHash) {
    let mut h = BlockHeader {
        version: 4,
        prev_blockhash: prev,
        merkle_root: Hash256::from_byte_array([branch; 32]),
        time,
        bits,
        nonce: 0,
    };
    while !meets_target(&h) {
        h.nonce += 1;
    }
    (h, test_hash(&h))
}

/// `n` headers on top of `(prev, prev_time)`, 150 s apart.
fn extend(prev: (BlockHash, u32), n: usize, branch: u8) -> Vec<(BlockHeader, BlockHash)> {
    let mut out: Vec<(BlockHeader, BlockHash)> = Vec::with_capacity(n);
    let (mut hash, mut time) = prev;
    for _ in 0..n {
        time += 150;
        let (h, hh) = mine_with(hash, time, branch, REGTEST_BITS);
        out.push((h, hh));
        hash = hh;
    }
    out
}

fn genesis() -> (BlockHeader, BlockHash) {
    let g = Network::Regtest.params().genesis_header();
    (g, test_hash(&g))
}

fn tree_with(config: TreeConfig) -> HeaderTree<MemoryHeaderStore> {
    let params = Network::Regtest.params();
    let trusted = trusted_headers(0, U256::ZERO, &[genesis()]);
    HeaderTree::new(params, config, MemoryHeaderStore::new(), &trusted).unwrap()
}

fn config(max_fork_depth: u32) -> TreeConfig {
    TreeConfig {
        max_fork_depth,
        checkpoints: Checkpoints::default(),
        max_fork_headers: 100,
        minimum_chain_work: U256::ZERO,
    }
}

fn tip_of(chain: &[(BlockHeader, BlockHash)]) -> (BlockHash, u32) {
    let (h, hash) = chain[chain.len() - 1];
    (hash, h.time)
}

/// Genesis plus `n` accepted main-chain headers (`main[i]` at height i + 1).
fn main_chain(tree: &mut HeaderTree<MemoryHeaderStore>, n: usize) -> Vec<(BlockHeader, BlockHash)> {
    let (g, gh) = genesis();
    let main = extend((gh, g.time), n, 0);
    let out = tree.accept_headers(&main, NOW);
    assert!(out.error.is_none(), "{:?}", out.error);
    main
}

fn heights(v: &[(u32, BlockHash)]) -> Vec<u32> {
    v.iter().map(|&(h, _)| h).collect()
}

fn rejected(out: AcceptOutcome) -> ValidationError {
    match out.error {
        Some(ChainError::Invalid(e)) => e,
        other => panic!("expected a rejected header, got {other:?}"),
    }
}

#[test]
fn extending_the_tip_reports_the_connected_heights() {
    let mut tree = tree_with(config(10));
    let (g, gh) = genesis();
    let main = extend((gh, g.time), 10, 0);
    let out = tree.accept_headers(&main, NOW);
    assert_eq!(out.accepted, 10);
    let change = out.tip_change.unwrap();
    assert_eq!(heights(&change.connected), (1..=10).collect::<Vec<_>>());
    assert!(change.disconnected.is_empty());
    assert_eq!(tree.tip().hash, main[9].1);
    assert_eq!(tree.store().tip().unwrap().unwrap().height, 10);
    // Known headers again: accepted, nothing changes.
    let again = tree.accept_headers(&main[5..], NOW);
    assert_eq!((again.accepted, again.tip_change.is_none()), (5, true));
}

#[test]
fn an_equal_work_fork_does_not_take_over_first_seen_wins() {
    let mut tree = tree_with(config(10));
    let main = main_chain(&mut tree, 10);
    let fork = extend(tip_of(&main[..7]), 3, 1); // heights 8..=10, same work as main
    let out = tree.accept_headers(&fork, NOW);
    assert_eq!((out.accepted, out.tip_change), (3, None));
    assert_eq!(tree.tip().hash, main[9].1);
    assert_eq!(tree.header_by_hash(&fork[2].1).unwrap().unwrap().height, 10);
    assert_eq!(tree.header_at(10).unwrap().unwrap().hash, main[9].1);
}

#[test]
fn a_fork_with_more_work_reorganises_and_reports_both_sides() {
    let mut tree = tree_with(config(10));
    let main = main_chain(&mut tree, 10);
    let fork = extend(tip_of(&main[..7]), 4, 1); // heights 8..=11
    let out = tree.accept_headers(&fork, NOW);
    let change = out.tip_change.expect("reorg");
    assert!(change.is_reorg());
    assert_eq!(change.disconnected, vec![(10, main[9].1), (9, main[8].1), (8, main[7].1)]);
    assert_eq!(heights(&change.connected), vec![8, 9, 10, 11]);
    assert_eq!(change.connected[0].1, fork[0].1);
    // The store followed atomically.
    let store = tree.store();
    assert_eq!(store.get_by_height(8).unwrap().unwrap().hash, fork[0].1);
    assert_eq!(store.get_by_hash(&main[9].1).unwrap(), None);
    assert_eq!(store.tip().unwrap().unwrap().hash, fork[3].1);
    // Work: genesis plus 11 blocks of 2 each.
    assert_eq!(tree.tip().chain_work, U256::from_u64(24));
}

#[test]
fn a_reorg_that_builds_up_over_several_batches_is_reported_once_it_wins() {
    let mut tree = tree_with(config(10));
    let main = main_chain(&mut tree, 10);
    let fork = extend(tip_of(&main[..5]), 6, 1); // heights 6..=11
    let first = tree.accept_headers(&fork[..5], NOW);
    assert!(first.tip_change.is_none());
    let second = tree.accept_headers(&fork[5..], NOW);
    let change = second.tip_change.expect("reorg");
    assert_eq!(heights(&change.disconnected), vec![10, 9, 8, 7, 6]);
    assert_eq!(heights(&change.connected), vec![6, 7, 8, 9, 10, 11]);
}

#[test]
fn a_fork_deeper_than_the_allowed_depth_is_rejected() {
    let mut tree = tree_with(config(6));
    let main = main_chain(&mut tree, 20);
    // A second source resends the tip: the chain is agreed, the limit applies.
    assert!(tree.accept_headers_from(1, &main[19..], NOW).error.is_none());
    assert_eq!(tree.agreed_height(), 20);
    let too_deep = extend(tip_of(&main[..13]), 1, 1); // forks at 13, tip 20: depth 7
    let e = rejected(tree.accept_headers(&too_deep, NOW));
    assert_eq!(e, ValidationError::ForkTooDeep { height: 14, fork_height: 13, max_depth: 6 });
    assert_eq!(e.misbehavior_score(), 0);
    let deep_enough = extend(tip_of(&main[..14]), 1, 1); // depth 6
    assert!(tree.accept_headers(&deep_enough, NOW).error.is_none());
}

#[test]
fn a_fork_below_a_checkpoint_is_rejected() {
    let (g, gh) = genesis();
    let main = extend((gh, g.time), 10, 0);
    let checkpoints = Checkpoints::new(vec![(5, main[4].1)]);
    let mut tree = tree_with(TreeConfig { checkpoints, ..config(100) });
    assert!(tree.accept_headers(&main, NOW).error.is_none());
    let below = extend(tip_of(&main[..3]), 1, 1); // height 4 < checkpoint 5
    let e = rejected(tree.accept_headers(&below, NOW));
    assert_eq!(e, ValidationError::ForkBelowCheckpoint { height: 4, checkpoint: 5 });
    assert_eq!(e.misbehavior_score(), 100);
    let at = extend(tip_of(&main[..4]), 1, 1); // height 5, another hash
    let e = rejected(tree.accept_headers(&at, NOW));
    assert!(matches!(e, ValidationError::CheckpointMismatch { height: 5, .. }), "{e:?}");
    let above = extend(tip_of(&main[..5]), 1, 1); // height 6: allowed
    assert!(tree.accept_headers(&above, NOW).error.is_none());
}

#[test]
fn a_header_at_or_before_the_median_time_past_is_too_old() {
    let mut tree = tree_with(config(10));
    let main = main_chain(&mut tree, 12);
    // Median of heights 2..=12 is height 7's time.
    let median = main[6].0.time;
    let (h, hash) = mine_with(main[11].1, median, 1, REGTEST_BITS);
    let e = rejected(tree.accept_headers(&[(h, hash)], NOW));
    assert_eq!(e, ValidationError::TimeTooOld { height: 13, time: median, median });
    let (h, hash) = mine_with(main[11].1, median + 1, 1, REGTEST_BITS);
    assert!(tree.accept_headers(&[(h, hash)], NOW).error.is_none());
}

#[test]
fn a_header_more_than_two_hours_ahead_of_the_injected_clock_is_too_new() {
    let mut tree = tree_with(config(10));
    let main = main_chain(&mut tree, 3);
    let (h, hash) = mine_with(main[2].1, main[2].0.time + 150, 1, REGTEST_BITS);
    let now = u64::from(h.time) - 7201;
    let e = rejected(tree.accept_headers(&[(h, hash)], now));
    assert_eq!(e, ValidationError::TimeTooNew { height: 4, time: h.time, now });
    // Not invalid for good: accepted once the clock has moved on.
    assert!(tree.accept_headers(&[(h, hash)], now + 1).error.is_none());
}

#[test]
fn a_flipped_nonce_changes_the_hash_and_fails_proof_of_work() {
    let mut tree = tree_with(config(10));
    let main = main_chain(&mut tree, 3);
    let (mut h, _) = mine_with(main[2].1, main[2].0.time + 150, 1, REGTEST_BITS);
    // Flip nonce bits until the re-hashed header misses the target (about every other one).
    let mut bit = 0;
    while meets_target(&BlockHeader { nonce: h.nonce ^ (1 << bit), ..h }) {
        bit += 1;
    }
    h.nonce ^= 1 << bit;
    let e = rejected(tree.accept_headers(&[(h, test_hash(&h))], NOW));
    assert!(matches!(e, ValidationError::BadProofOfWork { height: Some(4), .. }), "{e:?}");
    assert_eq!(e.misbehavior_score(), 100);
}

#[test]
fn wrong_nbits_is_bad_difficulty_and_its_children_are_invalid() {
    let mut tree = tree_with(config(10));
    let main = main_chain(&mut tree, 3);
    let (h, hash) = mine_with(main[2].1, main[2].0.time + 150, 1, 0x207f_fffe);
    let e = rejected(tree.accept_headers(&[(h, hash)], NOW));
    assert_eq!(
        e,
        ValidationError::BadDifficulty { height: 4, expected: REGTEST_BITS, got: 0x207f_fffe }
    );
    let child = extend((hash, h.time), 1, 1);
    let e = rejected(tree.accept_headers(&child, NOW));
    assert!(matches!(e, ValidationError::InvalidPrev { .. }), "{e:?}");
    assert_eq!(e.misbehavior_score(), 100);
}

#[test]
fn a_header_with_an_old_version_is_rejected() {
    let mut tree = tree_with(config(10));
    let main = main_chain(&mut tree, 2);
    let mut h = BlockHeader {
        version: 3,
        prev_blockhash: main[1].1,
        merkle_root: Hash256::ZERO,
        time: main[1].0.time + 150,
        bits: REGTEST_BITS,
        nonce: 0,
    };
    while !meets_target(&h) {
        h.nonce += 1;
    }
    let e = rejected(tree.accept_headers(&[(h, test_hash(&h))], NOW));
    assert_eq!(e, ValidationError::BadVersion { height: 3, version: 3, min: 4 });
}

#[test]
fn unknown_parents_and_broken_batches_are_scored_like_dash_core() {
    let mut tree = tree_with(config(10));
    let orphan = extend((BlockHash::from_byte_array([7; 32]), 1_500_000_000), 2, 1);
    let e = rejected(tree.accept_headers(&orphan, NOW));
    assert!(matches!(e, ValidationError::Unconnected { .. }), "{e:?}");
    assert_eq!(e.misbehavior_score(), 10);
    let (g, gh) = genesis();
    let mut chain = extend((gh, g.time), 3, 0);
    chain.swap(1, 2);
    let out = tree.accept_headers(&chain, NOW);
    assert_eq!(out.accepted, 1); // the first header is fine and stays accepted
    assert_eq!(rejected(out), ValidationError::NonContinuous { index: 1 });
    assert_eq!(tree.tip().height, 1);
}

#[test]
fn memory_stays_bounded_across_retarget_boundaries_and_the_tree_reopens_from_its_store() {
    let mut tree = tree_with(config(10));
    let (g, gh) = genesis();
    let main = extend((gh, g.time), 1300, 0); // crosses the 576 and 1152 boundaries
    for batch in main.chunks(500) {
        let out = tree.accept_headers(batch, NOW);
        assert!(out.error.is_none(), "{:?}", out.error);
        assert_eq!(out.unchecked, 0, "from genesis every rule is checked");
    }
    assert_eq!(tree.tip().height, 1300);
    assert!(tree.in_memory() <= (HISTORY_WINDOW + 10) as usize, "{}", tree.in_memory());
    assert_eq!(tree.header_at(3).unwrap().unwrap().hash, main[2].1); // from the store
    let store = tree.into_store();
    assert_eq!(store.len(), 1301);
    // Reopen: the trusted start is ignored when the store has a chain; validation goes on.
    let params = Network::Regtest.params();
    let mut reopened = HeaderTree::new(params, config(10), store, &[]).unwrap();
    assert_eq!(reopened.tip().hash, main[1299].1);
    let more = extend(tip_of(&main), 5, 0);
    let out = reopened.accept_headers(&more, NOW);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.unchecked, 0);
}

#[test]
fn an_empty_store_needs_a_trusted_start() {
    let params = Network::Regtest.params();
    let e = HeaderTree::new(params, config(10), MemoryHeaderStore::new(), &[]).unwrap_err();
    assert!(matches!(e, ChainError::NoStart));
}

#[test]
fn fork_headers_beyond_the_configured_count_are_refused_but_the_tip_still_grows() {
    let mut tree = tree_with(TreeConfig { max_fork_headers: 3, ..config(10) });
    let main = main_chain(&mut tree, 5);
    let forks: Vec<_> = (1..=4).map(|b| extend(tip_of(&main[..3]), 1, b)[0]).collect();
    let out = tree.accept_headers(&forks[..1], NOW);
    assert!(out.error.is_none());
    for f in &forks[1..3] {
        assert!(tree.accept_headers(&[*f], NOW).error.is_none());
    }
    let e = rejected(tree.accept_headers(&forks[3..], NOW));
    assert_eq!(e, ValidationError::TooManyForkHeaders { height: 4 });
    assert!(tree.accept_headers(&extend(tip_of(&main), 1, 0), NOW).error.is_none());
}

#[test]
fn a_trusted_start_that_contradicts_a_checkpoint_is_refused() {
    let params = Network::Regtest.params();
    let (g, gh) = genesis();
    let checkpoints = Checkpoints::new(vec![(0, BlockHash::from_byte_array([1; 32]))]);
    let trusted = trusted_headers(0, U256::ZERO, &[(g, gh)]);
    let cfg = TreeConfig { checkpoints, ..config(10) };
    let e = HeaderTree::new(params, cfg, MemoryHeaderStore::new(), &trusted).unwrap_err();
    assert!(matches!(
        e,
        ChainError::Invalid(ValidationError::CheckpointMismatch { height: 0, .. })
    ));
}

#[test]
fn the_synthetic_chains_start_from_the_real_regtest_genesis() {
    let (_, gh) = genesis();
    assert_eq!(gh.to_string(), "000008ca1832a4baf228eb1553c03d3a2c8e02399550dd6ea8d65cec3ef23d2e");
    // So the network's own checkpoints (genesis) accept them.
    let params = Network::Regtest.params();
    let trusted = trusted_headers(0, U256::ZERO, &[genesis()]);
    let cfg = TreeConfig::for_network(params);
    let mut tree = HeaderTree::new(params, cfg, MemoryHeaderStore::new(), &trusted).unwrap();
    let main = extend((gh, genesis().0.time), 30, 0);
    assert!(tree.accept_headers(&main, NOW).error.is_none());
}

#[test]
fn a_headers2_batch_reaches_the_tree_with_each_header_hashed_once() {
    use crate::wire::{CompressionPath, Headers2};
    use std::cell::Cell;
    let mut tree = tree_with(config(10));
    let (g, gh) = genesis();
    let main = extend((gh, g.time), 40, 0);
    let raw: Vec<BlockHeader> = main.iter().map(|&(h, _)| h).collect();
    let message = Headers2::compress(&raw, CompressionPath::GetHeaders2Reply);
    assert!(message.headers[1..].iter().all(|c| c.prev_blockhash.is_none()));
    let calls = Cell::new(0);
    let hashed = message
        .decompress(|h| {
            calls.set(calls.get() + 1);
            h.block_hash()
        })
        .unwrap();
    let out = tree.accept_hashed(&hashed, NOW);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!((out.accepted, calls.get()), (40, 40));
    assert_eq!(tree.tip().hash, main[39].1);
    // The library's own path gives the same.
    assert_eq!(crate::chain::decompress_headers2(&message).unwrap(), hashed);
}

#[test]
fn a_raw_batch_is_hashed_in_parallel_and_stops_at_the_first_bad_header() {
    let mut tree = tree_with(config(10));
    let (g, gh) = genesis();
    let main = extend((gh, g.time), 100, 0);
    let mut raw: Vec<BlockHeader> = main.iter().map(|&(h, _)| h).collect();
    // Header 61 (height 62) gets a nonce that misses the target; its child no longer links.
    let mut bad = raw[61];
    while meets_target(&bad) {
        bad.nonce = bad.nonce.wrapping_add(1);
    }
    raw[61] = bad;
    let out = tree.accept_raw_headers_on(&raw, 2, NOW);
    assert_eq!(out.accepted, 61);
    let e = rejected(out);
    assert!(matches!(e, ValidationError::BadProofOfWork { height: Some(62), .. }), "{e:?}");
    assert_eq!(tree.tip().hash, main[60].1);
    // The untouched batch goes through on one thread or two alike.
    let mut other = tree_with(config(10));
    let good: Vec<BlockHeader> = main.iter().map(|&(h, _)| h).collect();
    assert!(other.accept_raw_headers(&good, NOW).error.is_none());
    assert_eq!(other.tip().hash, main[99].1);
}

type Headers = Vec<(BlockHeader, BlockHash)>;

/// Agreement on regtest rules (minimum chain work 0): a chain of 220 from one source, and a
/// fork with more work from height 70 (150 deep).
fn agreement_setup() -> (HeaderTree<MemoryHeaderStore>, Headers, Headers) {
    let mut tree =
        tree_with(TreeConfig { max_fork_headers: 2000, ..config(DEFAULT_MAX_FORK_DEPTH) });
    let (g, gh) = genesis();
    let main = extend((gh, g.time), 220, 0);
    assert!(tree.accept_headers_from(1, &main, NOW).error.is_none());
    let fork = extend(tip_of(&main[..70]), 160, 1); // heights 71..=230
    (tree, main, fork)
}

#[test]
fn a_chain_one_source_delivered_is_replaced_by_a_heavier_fork_150_deep() {
    let (mut tree, main, fork) = agreement_setup();
    // The same source resending its tip does not make a second confirmation.
    assert!(tree.accept_headers_from(1, &main[219..], NOW).error.is_none());
    assert!(tree.confirm(1, &main[219].1));
    assert_eq!(tree.agreed_height(), 0);
    let out = tree.accept_headers_from(2, &fork, NOW);
    assert!(out.error.is_none(), "{:?}", out.error);
    let change = out.tip_change.expect("reorganised");
    assert_eq!((change.disconnected.len(), change.connected.len()), (150, 160));
    assert_eq!(tree.tip().hash, fork[159].1);
}

#[test]
fn once_a_second_source_confirmed_the_tip_the_deep_fork_is_refused() {
    let (mut tree, main, fork) = agreement_setup();
    assert!(tree.confirm(2, &main[219].1), "an announcement of the known tip");
    assert_eq!(tree.agreed_height(), 220);
    let e = rejected(tree.accept_headers_from(3, &fork, NOW));
    assert_eq!(e, ValidationError::ForkTooDeep { height: 71, fork_height: 70, max_depth: 100 });
    assert_eq!(tree.tip().hash, main[219].1);
    // Agreement up to 60 only: the fork point 70 is above it, so the fork is followed.
    let (mut tree, main, fork) = agreement_setup();
    assert!(tree.accept_headers_from(2, &main[..60], NOW).error.is_none());
    assert_eq!(tree.agreed_height(), 60);
    assert!(tree.accept_headers_from(3, &fork, NOW).error.is_none());
    assert_eq!(tree.tip().hash, fork[159].1);
    // A withdrawn confirmation no longer counts.
    let (mut tree, main, fork) = agreement_setup();
    assert!(tree.confirm(2, &main[219].1));
    tree.withdraw(2);
    assert_eq!(tree.agreed_height(), 0);
    assert!(tree.accept_headers_from(3, &fork, NOW).error.is_none());
}

#[test]
fn a_reorganisation_leaves_confirmations_of_the_old_blocks_at_the_fork_point() {
    let (mut tree, main, _) = agreement_setup();
    assert!(tree.confirm(2, &main[219].1));
    assert_eq!(tree.agreed_height(), 220);
    let reorg = extend(tip_of(&main[..217]), 5, 2); // heights 218..=222
    assert!(tree.accept_headers_from(3, &reorg, NOW).tip_change.expect("reorg").is_reorg());
    assert_eq!((tree.agreement_of(1), tree.agreement_of(2)), (Some(217), Some(217)));
    assert_eq!(tree.agreement_of(3), Some(222));
    assert_eq!(tree.agreed_height(), 217);
    assert!(tree.confirm(1, &reorg[4].1));
    assert_eq!(tree.agreed_height(), 222);
}
