//! Masternode lists and LLMQ quorums as an SPV client checks them (`src/evo/`, `src/llmq/`).
//!
//! A `mnlistdiff` ([`crate::wire::MnListDiff`]) is trusted only after
//! [`verify_diff`]: its coinbase is proven in the block through the partial merkle tree, the
//! diff is applied to the list at its base block, and the resulting list's and quorum set's
//! merkle roots, recomputed exactly as Dash Core computes them, equal the ones the CbTx
//! commits to. [`bls`] verifies Dash's BLS12-381 signatures in both the legacy and the basic
//! scheme. [`QuorumBook`] keeps the quorum sets by height that [`check_chainlock`] and
//! [`check_islock`] select signers from. [`MasternodeSync`] is the part of the state machine that keeps the
//! list at the tip of the header chain with such diffs.

mod bestcl;
pub mod bls;
mod book;
mod codec;
mod commitment;
mod list;
mod llmq;
mod lockcheck;
mod roots;
mod signing;
mod summary;
mod sync;
mod verify;

#[cfg(test)]
mod sync_tests;

#[cfg(test)]
mod vector_tests;

pub use bestcl::{
    check_best_chainlock, is_null_signature, BestChainLock, BestChainLockError,
    PreviousBestChainLock, CBTX_VERSION_BEST_CHAINLOCK,
};
pub use book::{chainlock_llmq_type, instantsend_llmq_type, QuorumBook, Selection, MAX_BOOK_LISTS};
#[cfg(test)]
pub(crate) use codec::tests::sample as codec_sample;

pub use commitment::{commitment_bls, verify_quorum_signature};
pub use list::{ApplyError, MasternodeList};
pub use llmq::{llmq_params, LlmqParams, LLMQ_TYPES};
pub use lockcheck::{check_chainlock, check_islock, islock_sign_height, LockVerdict};
pub use roots::{merkle_root_mn_list, merkle_root_quorums};
pub use signing::{
    chainlock_request_id, islock_request_id, quorum_score, rotated_quorum_index, scheme_at_height,
    select_quorum, sign_hash, verify_chainlock, LockError, SIGN_HEIGHT_OFFSET,
};
pub use summary::{MasternodeInfo, MasternodeListSummary, QuorumInfo};
pub use sync::{
    CoinbaseChainLock, InvalidBlock, MasternodeChanges, MasternodeEvent, MasternodeSnapshot,
    MasternodeSync, MAX_RETRY_BACKOFF, MNLISTDIFF_TIMEOUT, RETRY_BACKOFF, SNAPSHOTS_KEPT,
};
pub use verify::{prove_coinbase, verify_diff, CoinbaseProof, DiffError, VerifiedDiff};
