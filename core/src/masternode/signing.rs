//! What an LLMQ signs and which quorum signs it (`src/chainlock/clsig.cpp`,
//! `src/instantsend/lock.cpp`, `src/llmq/signhash.cpp`, `src/llmq/quorumsman.cpp`;
//! MASTERNODES.md §2.5 and §5), and the check of a ChainLock against a known quorum set.

use super::bls::{verify_bytes, Scheme};
use super::commitment::commitment_bls;
use super::list::MasternodeList;
use super::llmq::LlmqParams;
use crate::encode::{write_compact_size, Encode};
use crate::hash::{sha256d, Hash256};
use crate::tx::OutPoint;
use crate::wire::{ClSig, FinalCommitment};
use crate::Network;

/// Blocks below the signing height whose quorum set signs (`SIGN_HEIGHT_OFFSET`).
pub const SIGN_HEIGHT_OFFSET: u32 = 8;

fn hash_of(bytes: &[u8]) -> Hash256 {
    Hash256::from_byte_array(sha256d(bytes))
}

fn prefixed(tag: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    write_compact_size(&mut out, tag.len() as u64);
    out.extend_from_slice(tag.as_bytes());
    out
}

/// A ChainLock's request id: `SHA256d("clsig" | nHeight)` (the string CompactSize-prefixed).
pub fn chainlock_request_id(height: i32) -> Hash256 {
    let mut buf = prefixed("clsig");
    height.encode(&mut buf);
    hash_of(&buf)
}

/// An InstantSend lock's request id: `SHA256d("islock" | CompactSize n | n × outpoint)`.
pub fn islock_request_id(inputs: &[OutPoint]) -> Hash256 {
    let mut buf = prefixed("islock");
    crate::encode::write_vec(&mut buf, inputs);
    hash_of(&buf)
}

/// `SignHash`: `SHA256d(llmqType | quorumHash | id | msgHash)`, the 32 bytes the quorum's
/// threshold signature signs. `msg_hash` is the block hash of a ChainLock, the txid of an
/// InstantSend lock.
pub fn sign_hash(
    llmq_type: u8,
    quorum_hash: &Hash256,
    id: &Hash256,
    msg_hash: &[u8; 32],
) -> Hash256 {
    let mut buf = Vec::with_capacity(97);
    buf.push(llmq_type);
    buf.extend_from_slice(quorum_hash.as_bytes());
    buf.extend_from_slice(id.as_bytes());
    buf.extend_from_slice(msg_hash);
    hash_of(&buf)
}

/// A non-rotated quorum's score for a request: `SHA256d(llmqType | quorumHash | id)`; the
/// smallest (memcmp of the internal bytes) signs.
pub fn quorum_score(llmq_type: u8, quorum_hash: &Hash256, id: &Hash256) -> Hash256 {
    let mut buf = Vec::with_capacity(65);
    buf.push(llmq_type);
    buf.extend_from_slice(quorum_hash.as_bytes());
    buf.extend_from_slice(id.as_bytes());
    hash_of(&buf)
}

/// The quorum index a rotated type uses for a request: with `n = log2(active count)`, bits
/// `64 − n − 1 …` of the little-endian u64 in bytes 24..32 of the id.
pub fn rotated_quorum_index(id: &Hash256, signing_active_quorum_count: u32) -> u32 {
    let n = signing_active_quorum_count.max(1).ilog2();
    let mut word = [0u8; 8];
    word.copy_from_slice(&id.as_bytes()[24..32]);
    let b = u64::from_le_bytes(word);
    ((b >> (64 - n - 1)) & ((1u64 << n) - 1)) as u32
}

/// `SelectQuorumForSigning` within a pool, the active quorums of `params`' type at the
/// signing height minus the offset: the smallest score for non-rotated types, the quorum
/// with the request's index for rotated ones.
pub fn select_quorum<'a>(
    params: &LlmqParams,
    pool: impl IntoIterator<Item = &'a FinalCommitment>,
    id: &Hash256,
) -> Option<&'a FinalCommitment> {
    let pool = pool.into_iter().filter(|q| q.llmq_type == params.id);
    if params.rotation {
        let index = rotated_quorum_index(id, params.signing_active_quorum_count);
        return pool.into_iter().find(|q| i64::from(q.quorum_index) == i64::from(index));
    }
    pool.min_by_key(|q| quorum_score(q.llmq_type, &q.quorum_hash, id))
}

/// The BLS scheme of signatures made at `height` on `network`: legacy before V19, basic from
/// it (mainnet 1,899,072, testnet 850,100, devnet and regtest 1).
pub fn scheme_at_height(network: Network, height: u32) -> Scheme {
    let v19 = match network {
        Network::Mainnet => 1_899_072,
        Network::Testnet => 850_100,
        _ => 1,
    };
    if height >= v19 {
        Scheme::Basic
    } else {
        Scheme::Legacy
    }
}

/// Why a ChainLock was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    /// The pool has no quorum that would sign the request.
    #[error("no quorum of type {0} would sign this request")]
    NoQuorum(u8),
    /// The chosen quorum's key does not verify the signature.
    #[error("signature does not verify with quorum {0}")]
    BadSignature(Hash256),
}

/// Verifies a `clsig` as Dash Core's `VerifyChainLock` does: `list` must be the quorum set at
/// `clsig.height − 8` ([`SIGN_HEIGHT_OFFSET`]) and `params` the network's ChainLocks type.
/// Returns the quorum that signed.
pub fn verify_chainlock<'a>(
    clsig: &ClSig,
    params: &LlmqParams,
    list: &'a MasternodeList,
    scheme: Scheme,
) -> Result<&'a FinalCommitment, LockError> {
    let id = chainlock_request_id(clsig.height);
    let quorum = select_quorum(params, list.quorums_of_type(params.id), &id)
        .ok_or(LockError::NoQuorum(params.id))?;
    let msg = sign_hash(params.id, &quorum.quorum_hash, &id, clsig.block_hash.as_bytes());
    let (encoding, _) = commitment_bls(quorum);
    if verify_bytes(&quorum.quorum_public_key, msg.as_bytes(), &clsig.signature, encoding, scheme) {
        Ok(quorum)
    } else {
        Err(LockError::BadSignature(quorum.quorum_hash))
    }
}

#[cfg(test)]
#[path = "signing_tests.rs"]
mod tests;
