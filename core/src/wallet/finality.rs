//! How final a wallet transaction is: InstantSend locks and ChainLocks on top of its status.
//!
//! Both kinds of lock reach the wallet only after their BLS signature verified against the
//! quorum Dash Core selects ([`crate::masternode`]). A ChainLock at height `h` makes every
//! block up to `h` of the best chain final (the header tree refuses to disconnect it), so a
//! transaction confirmed at or below `h` is ChainLocked. An InstantSend lock says the
//! network will not let the transaction's inputs be spent by another; a block confirming a
//! conflicting transaction still wins in the wallet (it is proven by the chain; Dash Core
//! nodes accept such a block only when a ChainLock covers it, and a ChainLock overrides an
//! InstantSend lock).

use crate::hash::Txid;

use super::record::TxStatus;
use super::state::Wallet;

/// How final an active wallet transaction is, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TxFinality {
    /// In no block, without a verified InstantSend lock.
    Unconfirmed,
    /// In no block yet, with a verified InstantSend lock.
    InstantLocked,
    /// In a block of the best chain above the best ChainLock.
    Confirmed,
    /// In a block at or below the best verified ChainLock.
    ChainLocked,
}

impl Wallet {
    /// How final `txid` is; `None` when the wallet does not know it or it counts for nothing
    /// (conflicted, expired, abandoned).
    pub fn finality(&self, txid: &Txid) -> Option<TxFinality> {
        let wtx = self.transaction(txid)?;
        Some(match wtx.status {
            TxStatus::Confirmed(b) if self.chain_locked.is_some_and(|h| b.height <= h) => {
                TxFinality::ChainLocked
            }
            TxStatus::Confirmed(_) => TxFinality::Confirmed,
            TxStatus::Unconfirmed if self.instant_locked.contains(txid) => {
                TxFinality::InstantLocked
            }
            TxStatus::Unconfirmed => TxFinality::Unconfirmed,
            TxStatus::Conflicted { .. } | TxStatus::Expired | TxStatus::Abandoned => return None,
        })
    }

    /// Records a verified InstantSend lock of `txid` (known to the wallet or not yet).
    /// Returns whether it is new.
    pub fn set_instant_locked(&mut self, txid: Txid) -> bool {
        self.instant_locked.insert(txid)
    }

    /// Whether `txid` has a verified InstantSend lock.
    pub fn is_instant_locked(&self, txid: &Txid) -> bool {
        self.instant_locked.contains(txid)
    }

    /// The verified InstantSend locks recorded, by txid.
    pub fn instant_locked(&self) -> impl Iterator<Item = &Txid> {
        self.instant_locked.iter()
    }

    /// Records the best verified ChainLock's height (only a higher one replaces it).
    pub fn set_chain_locked(&mut self, height: u32) {
        self.chain_locked = Some(self.chain_locked.map_or(height, |h| h.max(height)));
    }

    /// The height of the best verified ChainLock, if any.
    pub fn chain_locked_height(&self) -> Option<u32> {
        self.chain_locked
    }
}
