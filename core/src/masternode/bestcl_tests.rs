//! The CbTx best ChainLock rules: null, height difference, regression, signature.

use super::*;
use crate::hash::Hash256;
use crate::masternode::bls::BASIC_DST;
use crate::masternode::{chainlock_request_id, sign_hash, MasternodeList};
use crate::wire::{BitSet, FinalCommitment, QuorumId};
use crate::Network;
use blst::min_pk::SecretKey;

fn block(h: u32) -> BlockHash {
    let mut b = [0u8; 32];
    b[..4].copy_from_slice(&h.to_le_bytes());
    b[31] = 0xb1;
    BlockHash::from_byte_array(b)
}

struct Quorum {
    secret: SecretKey,
    commitment: FinalCommitment,
}

fn quorum() -> Quorum {
    let secret = SecretKey::key_gen(&[7; 32], &[]).unwrap();
    let commitment = FinalCommitment {
        version: 3,
        llmq_type: 100,
        quorum_hash: Hash256::from_byte_array([0x33; 32]),
        quorum_index: 0,
        signers: BitSet { len: 3, bytes: vec![7] },
        valid_members: BitSet { len: 3, bytes: vec![7] },
        quorum_public_key: secret.sk_to_pk().compress(),
        quorum_vvec_hash: Hash256::ZERO,
        quorum_sig: [0; 96],
        members_sig: [0; 96],
    };
    Quorum { secret, commitment }
}

impl Quorum {
    fn sign(&self, height: u32) -> [u8; 96] {
        let id = chainlock_request_id(height as i32);
        let msg = sign_hash(100, &self.commitment.quorum_hash, &id, &block(height).to_byte_array());
        self.secret.sign(msg.as_bytes(), BASIC_DST, &[]).compress()
    }
}

/// A book holding the list with `q` at every height from 10 to 60.
fn book(q: &Quorum) -> QuorumBook {
    let mut list = MasternodeList::default();
    let id = QuorumId { llmq_type: 100, quorum_hash: q.commitment.quorum_hash };
    list.quorums.insert(id, q.commitment.clone());
    let mut book = QuorumBook::new(Network::Regtest);
    for h in 10..=60 {
        book.insert(h, block(h), &list);
    }
    book
}

fn cbtx(version: u16, height: u32, diff: u32, signature: [u8; 96]) -> CoinbasePayload {
    CoinbasePayload {
        version,
        height: height as i32,
        merkle_root_mn_list: Hash256::ZERO,
        merkle_root_quorums: Hash256::ZERO,
        best_cl_height_diff: diff,
        best_cl_signature: signature,
        credit_pool_balance: 0,
    }
}

fn check(
    book: &QuorumBook,
    cb: &CoinbasePayload,
    height: u32,
    previous: Option<PreviousBestChainLock>,
) -> Result<BestChainLock, BestChainLockError> {
    check_best_chainlock(cb, height, previous.as_ref(), book, |h| Some(block(h)))
}

fn previous(height: u32, locked: Option<u32>) -> Option<PreviousBestChainLock> {
    Some(PreviousBestChainLock { height, block_hash: block(height), locked })
}

#[test]
fn a_signed_best_chainlock_verifies_for_the_ancestor_at_height_minus_diff_minus_one() {
    let q = quorum();
    let book = book(&q);
    let got = check(&book, &cbtx(3, 50, 2, q.sign(47)), 50, None).unwrap();
    let BestChainLock::Verified(clsig) = got else { panic!("{got:?}") };
    assert_eq!((clsig.height, clsig.block_hash), (47, block(47)));
    // Signed for 47 but claiming 48 (diff 1): the signature covers another request.
    let err = check(&book, &cbtx(3, 50, 1, q.sign(47)), 50, None).unwrap_err();
    assert!(matches!(err, BestChainLockError::BadSignature { height: 48, .. }), "{err:?}");
}

#[test]
fn a_signature_of_another_key_is_refused_and_an_unknown_pool_is_undecided() {
    let q = quorum();
    let other = Quorum { secret: SecretKey::key_gen(&[8; 32], &[]).unwrap(), ..quorum() };
    let cb = cbtx(3, 50, 0, other.sign(49));
    let err = check(&book(&q), &cb, 50, None).unwrap_err();
    assert!(matches!(err, BestChainLockError::BadSignature { height: 49, .. }), "{err:?}");
    let empty = QuorumBook::new(Network::Regtest);
    assert!(matches!(check(&empty, &cb, 50, None), Ok(BestChainLock::Undecided(_))));
}

#[test]
fn null_signatures_are_allowed_only_with_diff_zero_and_before_any_chainlock() {
    let q = quorum();
    let book = book(&q);
    assert_eq!(check(&book, &cbtx(3, 50, 0, [0; 96]), 50, None), Ok(BestChainLock::Null));
    assert_eq!(
        check(&book, &cbtx(3, 50, 0, [0; 96]), 50, previous(40, None)),
        Ok(BestChainLock::Null)
    );
    assert_eq!(
        check(&book, &cbtx(3, 50, 3, [0; 96]), 50, None),
        Err(BestChainLockError::NullWithHeightDiff(3))
    );
    assert_eq!(
        check(&book, &cbtx(3, 50, 0, [0; 96]), 50, previous(45, Some(44))),
        Err(BestChainLockError::BecameNull(44))
    );
    // Bytes that are no point are null too (`!IsValid()`).
    let garbage = [0x12; 96];
    assert!(is_null_signature(&garbage));
    assert_eq!(check(&book, &cbtx(3, 50, 0, garbage), 50, None), Ok(BestChainLock::Null));
    // The point at infinity decodes: not null, and it verifies nothing.
    let mut infinity = [0u8; 96];
    infinity[0] = 0xc0;
    assert!(!is_null_signature(&infinity));
    assert!(check(&book, &cbtx(3, 50, 0, infinity), 50, None).is_err());
}

#[test]
fn a_best_chainlock_older_than_an_earlier_one_is_refused() {
    let q = quorum();
    let book = book(&q);
    let cb = cbtx(3, 50, 5, q.sign(44));
    assert!(matches!(
        check(&book, &cb, 50, previous(48, Some(44))),
        Ok(BestChainLock::Verified(_))
    ));
    assert_eq!(
        check(&book, &cb, 50, previous(48, Some(45))),
        Err(BestChainLockError::Older { locked: 44, previous: 45 })
    );
    // A "previous" at or above this block is another branch's or this one's: not used.
    assert!(check(&book, &cb, 50, previous(50, Some(49))).is_ok());
}

#[test]
fn old_versions_unknown_blocks_and_impossible_diffs() {
    let q = quorum();
    let book = book(&q);
    assert_eq!(check(&book, &cbtx(2, 50, 7, [1; 96]), 50, None), Ok(BestChainLock::Absent));
    let cb = cbtx(3, 50, 50, q.sign(49));
    assert_eq!(
        check(&book, &cb, 50, None),
        Err(BestChainLockError::NoSuchBlock { diff: 50, height: 50 })
    );
    let cb = cbtx(3, 50, 0, q.sign(49));
    assert_eq!(check_best_chainlock(&cb, 50, None, &book, |_| None), Ok(BestChainLock::Unknown));
}
