//! ChainLock state: the best verified `clsig`, whether the header tree holds its block yet,
//! and the `clsig`s that cannot be decided yet.
//!
//! Dash Core keeps only the best ChainLock (`bestChainLock`) and ignores any at or below its
//! height; a ChainLock for a block whose header is not known yet is kept and enforced when
//! the header arrives (`bestChainLockWithKnownBlock`). A `clsig` whose quorum set (the list
//! at `height − 8`) is not known yet waits, bounded, and is checked again when lists arrive.

use std::collections::HashSet;

use crate::hash::Hash256;
use crate::p2p::PeerId;
use crate::wire::ClSig;

/// Undecided `clsig`s kept (the highest; client rule).
pub const MAX_PENDING_CHAINLOCKS: usize = 16;
/// `MSG_CLSIG` hashes remembered as already fetched (the set is cleared when full).
pub const MAX_REQUESTED_CHAINLOCKS: usize = 1_000;

/// See the module docs.
#[derive(Debug, Clone, Default)]
pub struct ChainLocks {
    best: Option<ClSig>,
    /// Whether the best one's block is in the header tree and enforced there.
    applied: bool,
    undecided: Vec<(PeerId, ClSig)>,
    requested: HashSet<Hash256>,
}

impl ChainLocks {
    /// Whether an announced `clsig` should be fetched.
    pub fn want(&mut self, hash: Hash256) -> bool {
        if self.requested.len() >= MAX_REQUESTED_CHAINLOCKS {
            self.requested.clear();
        }
        self.requested.insert(hash)
    }

    /// The best verified ChainLock.
    pub fn best(&self) -> Option<&ClSig> {
        self.best.as_ref()
    }

    /// Whether a `clsig` at `height` could still matter: above the best verified one.
    pub fn is_newer(&self, height: i32) -> bool {
        self.best.as_ref().is_none_or(|b| height > b.height)
    }

    /// A verified ChainLock, newer than the best: it becomes the best, not yet applied.
    /// Undecided ones at or below it are dropped.
    pub fn set_best(&mut self, clsig: ClSig) {
        self.undecided.retain(|(_, c)| c.height > clsig.height);
        self.best = Some(clsig);
        self.applied = false;
    }

    /// The best ChainLock's block is enforced by the header tree.
    pub fn mark_applied(&mut self) {
        self.applied = true;
    }

    /// The best ChainLock if its block is not enforced yet.
    pub fn unapplied(&self) -> Option<&ClSig> {
        self.best.as_ref().filter(|_| !self.applied)
    }

    /// Keeps a `clsig` that cannot be decided yet (the lowest goes beyond
    /// [`MAX_PENDING_CHAINLOCKS`]).
    pub fn add_undecided(&mut self, peer: PeerId, clsig: ClSig) {
        if self.undecided.iter().any(|(_, c)| *c == clsig) {
            return;
        }
        self.undecided.push((peer, clsig));
        self.undecided.sort_by_key(|(_, c)| std::cmp::Reverse(c.height));
        self.undecided.truncate(MAX_PENDING_CHAINLOCKS);
    }

    /// Takes the undecided `clsig`s, highest first, to check them again.
    pub fn take_undecided(&mut self) -> Vec<(PeerId, ClSig)> {
        std::mem::take(&mut self.undecided)
    }

    /// How many `clsig`s wait for their quorum set.
    pub fn undecided(&self) -> usize {
        self.undecided.len()
    }
}
