//! The best ChainLock a CbTx carries (`bestCLHeightDiff`, `bestCLSignature`, CbTx version 3;
//! Dash Core's `CheckCbTxBestChainlock` in `evo/specialtxman.cpp`; MASTERNODES.md §1.5, §5.3).
//!
//! The CbTx of block `h` names the block at `h − bestCLHeightDiff − 1` as ChainLocked and
//! carries the quorum's signature for it, verified exactly as a `clsig` for that block
//! ([`check_chainlock`]). Dash Core refuses the block (`bad-cbtx-…`) when:
//! * the signature is null and `bestCLHeightDiff ≠ 0` (`bad-cbtx-cldiff`);
//! * the previous block's CbTx (or any earlier one) carried a non-null signature and this one
//!   is null (`bad-cbtx-null-clsig`), or names an older block than the previous one did
//!   (`bestCLHeightDiff > previous + 1`, `bad-cbtx-older-clsig`);
//! * a non-null signature does not verify (`bad-cbtx-invalid-clsig`).
//!
//! "Null" is Dash Core's `!CBLSSignature::IsValid()`: all zero bytes, or bytes that do not
//! decode as a point of the prime-order subgroup. The point at infinity decodes, so it is
//! not null, and it verifies nothing.
//!
//! ## What a light client checks
//! It sees the CbTx only of the blocks its diffs end at, not of every block. Each rule Dash
//! Core applies between consecutive blocks is transitive (once non-null, never null again;
//! the locked height never decreases), so the null and regression rules are checked against
//! the CbTx of the previous diff accepted on the same best chain, whatever the blocks in
//! between: a violation there is a violation somewhere in between. That state
//! ([`PreviousBestChainLock`]) is kept with each accepted list and stored with it in the same
//! record, so a client restarted on its store checks the next diff as it would have without
//! the restart. With no such diff (the first one, or after a reorg below every kept list)
//! only the rules internal to one CbTx apply. A locked height below the header chain (a
//! checkpoint start) cannot be checked and is ignored.

use super::bls::{BlsError, Encoding, Signature};
use super::book::QuorumBook;
use super::lockcheck::{check_chainlock, LockVerdict};
use crate::hash::BlockHash;
use crate::tx::CoinbasePayload;
use crate::wire::ClSig;

/// The first CbTx version with a best ChainLock (`CLSIG_AND_BALANCE`).
pub const CBTX_VERSION_BEST_CHAINLOCK: u16 = 3;

/// Why a CbTx's best ChainLock makes its block invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BestChainLockError {
    /// A null signature with a non-zero height difference (`bad-cbtx-cldiff`).
    #[error("null best ChainLock with bestCLHeightDiff {0}")]
    NullWithHeightDiff(u32),
    /// The difference reaches below genesis.
    #[error("bestCLHeightDiff {diff} at height {height} names no block")]
    NoSuchBlock {
        /// The CbTx's `bestCLHeightDiff`.
        diff: u32,
        /// The block's height.
        height: u32,
    },
    /// Null after an earlier block's CbTx carried a ChainLock (`bad-cbtx-null-clsig`).
    #[error("null best ChainLock after one for block {0}")]
    BecameNull(u32),
    /// An older block than an earlier CbTx named (`bad-cbtx-older-clsig`).
    #[error("best ChainLock for block {locked}, older than the earlier one for {previous}")]
    Older {
        /// The height this CbTx names.
        locked: u32,
        /// The height the earlier one named.
        previous: u32,
    },
    /// The signature does not verify (`bad-cbtx-invalid-clsig`).
    #[error("best ChainLock for block {height} does not verify: {reason}")]
    BadSignature {
        /// The locked height.
        height: u32,
        /// What failed.
        reason: String,
    },
}

/// The best ChainLock of a CbTx after the checks a light client can make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BestChainLock {
    /// A CbTx before version 3: no field.
    Absent,
    /// A null signature (allowed: no ChainLock known to the miner yet).
    Null,
    /// Verified against the quorum Dash Core selects.
    Verified(ClSig),
    /// The quorum set that decides it is not in the book yet.
    Undecided(ClSig),
    /// The locked block is below the header chain held: nothing can be checked.
    Unknown,
}

impl BestChainLock {
    /// The locked height this CbTx commits to for the next CbTx's regression check: `None`
    /// for a null one, `Some(None)` when nothing is known (no field, unknown block).
    fn locked_height(&self) -> Option<Option<u32>> {
        match self {
            BestChainLock::Absent | BestChainLock::Unknown => None,
            BestChainLock::Null => Some(None),
            BestChainLock::Verified(c) | BestChainLock::Undecided(c) => {
                Some(u32::try_from(c.height).ok())
            }
        }
    }
}

/// The state a previous accepted CbTx leaves for the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreviousBestChainLock {
    /// The height of that CbTx's block.
    pub height: u32,
    /// That block.
    pub block_hash: BlockHash,
    /// The height its ChainLock named; `None` when it was null.
    pub locked: Option<u32>,
}

impl PreviousBestChainLock {
    /// What `lock` (the CbTx of block `block_hash` at `height`) leaves for the next one, if
    /// anything is known of it.
    pub fn after(height: u32, block_hash: BlockHash, lock: &BestChainLock) -> Option<Self> {
        lock.locked_height().map(|locked| PreviousBestChainLock { height, block_hash, locked })
    }
}

/// Whether Dash Core would hold the signature bytes as null (`!IsValid()`).
pub fn is_null_signature(signature: &[u8; 96]) -> bool {
    signature.iter().all(|b| *b == 0)
        || matches!(
            Signature::from_bytes(signature, Encoding::Basic),
            Err(BlsError::Malformed | BlsError::NotInSubgroup)
        )
}

/// Checks the best ChainLock of `cbtx`, the CbTx of the block at `height`. `locked_block`
/// gives the best chain's block at a height (the diff's block being on the best chain, it
/// is the ancestor); `previous` is what the previous accepted CbTx on this chain left (see
/// the module docs); `book` holds the quorum sets.
pub fn check_best_chainlock(
    cbtx: &CoinbasePayload,
    height: u32,
    previous: Option<&PreviousBestChainLock>,
    book: &QuorumBook,
    locked_block: impl FnOnce(u32) -> Option<BlockHash>,
) -> Result<BestChainLock, BestChainLockError> {
    if cbtx.version < CBTX_VERSION_BEST_CHAINLOCK {
        return Ok(BestChainLock::Absent);
    }
    let diff = cbtx.best_cl_height_diff;
    let previous = previous.filter(|p| p.height < height).and_then(|p| p.locked);
    if is_null_signature(&cbtx.best_cl_signature) {
        if diff != 0 {
            return Err(BestChainLockError::NullWithHeightDiff(diff));
        }
        if let Some(previous) = previous {
            return Err(BestChainLockError::BecameNull(previous));
        }
        return Ok(BestChainLock::Null);
    }
    let locked = height
        .checked_sub(diff)
        .and_then(|h| h.checked_sub(1))
        .ok_or(BestChainLockError::NoSuchBlock { diff, height })?;
    if let Some(previous) = previous.filter(|p| locked < *p) {
        return Err(BestChainLockError::Older { locked, previous });
    }
    let Some(block_hash) = locked_block(locked) else {
        return Ok(BestChainLock::Unknown);
    };
    let Ok(clsig_height) = i32::try_from(locked) else {
        return Ok(BestChainLock::Unknown);
    };
    let clsig = ClSig { height: clsig_height, block_hash, signature: cbtx.best_cl_signature };
    match check_chainlock(book, &clsig) {
        LockVerdict::Verified { .. } => Ok(BestChainLock::Verified(clsig)),
        LockVerdict::Undecided => Ok(BestChainLock::Undecided(clsig)),
        LockVerdict::Invalid(e) => {
            Err(BestChainLockError::BadSignature { height: locked, reason: e.to_string() })
        }
    }
}

#[cfg(test)]
#[path = "bestcl_tests.rs"]
mod tests;
