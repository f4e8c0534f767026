//! The quorum book: exact and inferred pools, retention, reorgs, selection.

use super::*;
use crate::masternode::{chainlock_request_id, quorum_score};
use crate::wire::{BitSet, QuorumId};

fn commitment(llmq_type: u8, tag: u8, index: i16) -> FinalCommitment {
    FinalCommitment {
        version: if index > 0 { 4 } else { 3 },
        llmq_type,
        quorum_hash: Hash256::from_byte_array([tag; 32]),
        quorum_index: index,
        signers: BitSet { len: 0, bytes: Vec::new() },
        valid_members: BitSet { len: 0, bytes: Vec::new() },
        quorum_public_key: [tag; 48],
        quorum_vvec_hash: Hash256::ZERO,
        quorum_sig: [0; 96],
        members_sig: [0; 96],
    }
}

fn list(tags: &[u8]) -> MasternodeList {
    let mut l = MasternodeList::default();
    for &t in tags {
        let c = commitment(100, t, 0);
        l.quorums.insert(QuorumId { llmq_type: 100, quorum_hash: c.quorum_hash }, c);
    }
    // A quorum of a type that signs neither kind of lock is not kept.
    let other = commitment(106, 0xee, 0);
    l.quorums.insert(QuorumId { llmq_type: 106, quorum_hash: other.quorum_hash }, other);
    l
}

fn hashes(pool: Option<Vec<&FinalCommitment>>) -> Option<Vec<u8>> {
    pool.map(|p| p.iter().map(|q| q.quorum_hash.as_bytes()[0]).collect())
}

fn block(h: u32) -> BlockHash {
    let mut b = [0u8; 32];
    b[..4].copy_from_slice(&h.to_le_bytes());
    BlockHash::from_byte_array(b)
}

#[test]
fn pools_are_exact_or_inferred_only_between_equal_sets() {
    let mut book = QuorumBook::new(Network::Regtest);
    book.insert(100, block(100), &list(&[1, 2]));
    book.insert(110, block(110), &list(&[1, 2]));
    book.insert(120, block(120), &list(&[2, 3]));
    assert_eq!(hashes(book.pool_at(100, 100)), Some(vec![1, 2]));
    assert_eq!(hashes(book.pool_at(100, 105)), Some(vec![1, 2]), "same set both sides");
    assert_eq!(hashes(book.pool_at(100, 115)), None, "a commitment was mined in between");
    assert_eq!(hashes(book.pool_at(100, 120)), Some(vec![2, 3]));
    assert_eq!(hashes(book.pool_at(100, 121)), None, "above the newest list");
    assert_eq!(hashes(book.pool_at(100, 99)), None, "below the oldest list");
    assert_eq!(hashes(book.pool_at(106, 100)), Some(vec![]), "other types are not kept");
}

#[test]
fn lists_beyond_the_span_are_forgotten_and_a_reorg_drops_lists_above_it() {
    let mut book = QuorumBook::new(Network::Regtest);
    assert_eq!(book.span(), 2 * 24 + 8);
    for h in 0..=700 {
        book.insert(h, block(h), &list(&[1, 2]));
    }
    assert_eq!(book.len(), book.span() as usize + 1);
    assert_eq!(book.block_at(700 - book.span()), Some(block(700 - book.span())));
    assert_eq!(book.block_at(700 - book.span() - 1), None);
    book.disconnect_from(690);
    assert_eq!(book.newest(), Some(689));
    // Mainnet keeps 2 × 288 + 8 heights, at most MAX_BOOK_LISTS lists.
    let main = QuorumBook::new(Network::Mainnet);
    assert_eq!(main.span(), 584);
    assert!((main.span() as usize) < MAX_BOOK_LISTS);
}

#[test]
fn selection_is_the_smallest_score_in_the_pool_at_the_offset() {
    let mut book = QuorumBook::new(Network::Regtest);
    book.insert(50, block(50), &list(&[1, 2, 3]));
    let params = book.chainlock_params();
    assert_eq!(params.id, 100);
    let id = chainlock_request_id(58);
    let best = [1u8, 2, 3]
        .into_iter()
        .min_by_key(|&t| quorum_score(100, &Hash256::from_byte_array([t; 32]), &id))
        .unwrap();
    match book.select(params, &id, 58, SIGN_HEIGHT_OFFSET) {
        Selection::Quorum(q) => assert_eq!(q.quorum_hash.as_bytes()[0], best),
        other => panic!("{other:?}"),
    }
    assert_eq!(book.select(params, &id, 59, SIGN_HEIGHT_OFFSET), Selection::Unknown);
    assert_eq!(book.select(params, &id, 5, SIGN_HEIGHT_OFFSET), Selection::NoQuorum);
}
