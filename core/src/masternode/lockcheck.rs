//! ChainLock and InstantSend lock verification against a [`QuorumBook`]
//! (`chainlock/handler.cpp VerifyChainLock`, `instantsend/net_instantsend.cpp`;
//! MASTERNODES.md §5.3, §5.4).

use super::bls::verify_bytes;
use super::book::{QuorumBook, Selection};
use super::commitment::commitment_bls;
use super::llmq::LlmqParams;
use super::signing::{
    chainlock_request_id, islock_request_id, scheme_at_height, sign_hash, LockError,
    SIGN_HEIGHT_OFFSET,
};
use crate::hash::Hash256;
use crate::wire::{ClSig, FinalCommitment, IsDLock};

/// The outcome of checking a lock against the book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockVerdict {
    /// The signature verifies with the key of the quorum Dash Core selects.
    Verified {
        /// That quorum's hash.
        quorum_hash: Hash256,
    },
    /// The book lacks the list the selection needs: check again when lists arrive.
    Undecided,
    /// The lock does not verify.
    Invalid(LockError),
}

fn check_signature(
    book: &QuorumBook,
    params: &LlmqParams,
    quorum: &FinalCommitment,
    id: &Hash256,
    msg_hash: &[u8; 32],
    sign_height: u32,
    signature: &[u8; 96],
) -> bool {
    let msg = sign_hash(params.id, &quorum.quorum_hash, id, msg_hash);
    let (encoding, _) = commitment_bls(quorum);
    let scheme = scheme_at_height(book.network(), sign_height);
    verify_bytes(&quorum.quorum_public_key, msg.as_bytes(), signature, encoding, scheme)
}

/// Checks a `clsig`: the quorum selected from the pool at `height − 8` of the network's
/// ChainLocks type must have signed `SignHash(type, quorumHash, id(height), blockHash)`.
/// A negative height names no block and is invalid.
pub fn check_chainlock(book: &QuorumBook, clsig: &ClSig) -> LockVerdict {
    let params = book.chainlock_params();
    let Ok(height) = u32::try_from(clsig.height) else {
        return LockVerdict::Invalid(LockError::NoQuorum(params.id));
    };
    let id = chainlock_request_id(clsig.height);
    match book.select(params, &id, height, SIGN_HEIGHT_OFFSET) {
        Selection::Unknown => LockVerdict::Undecided,
        Selection::NoQuorum => LockVerdict::Invalid(LockError::NoQuorum(params.id)),
        Selection::Quorum(q) => {
            let block = clsig.block_hash.to_byte_array();
            if check_signature(book, params, q, &id, &block, height, &clsig.signature) {
                LockVerdict::Verified { quorum_hash: q.quorum_hash }
            } else {
                LockVerdict::Invalid(LockError::BadSignature(q.quorum_hash))
            }
        }
    }
}

/// The height whose quorum set signs an `isdlock` whose `cycleHash` block is at
/// `cycle_height`, with the best header at `tip`: the last block of that cycle once the next
/// cycle has begun, else the tip.
pub fn islock_sign_height(params: &LlmqParams, cycle_height: u32, tip: u32) -> u32 {
    if cycle_height + params.dkg_interval < tip {
        cycle_height + params.dkg_interval - 1
    } else {
        tip
    }
}

/// Checks an `isdlock` whose `cycleHash` block is at `cycle_height` (the caller checked it
/// is a known block at a multiple of the type's `dkgInterval`), the best header being at
/// `tip`. As Dash Core: the pool at the sign height first (offset 0), then, if the signature
/// does not verify there, the pool one `dkgInterval` lower; only a failure at both is
/// invalid. A non-rotated InstantSend type uses the quorum whose hash is the cycle hash.
pub fn check_islock(book: &QuorumBook, lock: &IsDLock, cycle_height: u32, tip: u32) -> LockVerdict {
    let params = book.instantsend_params();
    let id = islock_request_id(&lock.inputs);
    let sign_height = islock_sign_height(params, cycle_height, tip);
    let txid = lock.txid.to_byte_array();
    if !params.rotation {
        let cycle = Hash256::from_byte_array(lock.cycle_hash.to_byte_array());
        return match book.quorum_by_hash(params.id, &cycle) {
            None if book.is_empty() => LockVerdict::Undecided,
            None => LockVerdict::Invalid(LockError::NoQuorum(params.id)),
            Some(q)
                if check_signature(book, params, q, &id, &txid, sign_height, &lock.signature) =>
            {
                LockVerdict::Verified { quorum_hash: q.quorum_hash }
            }
            Some(q) => LockVerdict::Invalid(LockError::BadSignature(q.quorum_hash)),
        };
    }
    let mut last = LockVerdict::Invalid(LockError::NoQuorum(params.id));
    for offset in [0, params.dkg_interval] {
        match book.select(params, &id, sign_height, offset) {
            Selection::Unknown => return LockVerdict::Undecided,
            Selection::NoQuorum => {}
            Selection::Quorum(q) => {
                if check_signature(book, params, q, &id, &txid, sign_height, &lock.signature) {
                    return LockVerdict::Verified { quorum_hash: q.quorum_hash };
                }
                last = LockVerdict::Invalid(LockError::BadSignature(q.quorum_hash));
            }
        }
    }
    last
}
