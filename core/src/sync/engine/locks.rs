//! ChainLocks and InstantSend locks: verified against the [`QuorumBook`] the masternode lists
//! feed, kept while undecided, enforced on the header tree and reported to the wallet.

use super::*;
use crate::chain::ChainLockApplied;
use crate::masternode::{check_chainlock, check_islock, LockError, LockVerdict, MasternodeList};
use crate::wire::ClSig;

impl<S: HeaderStore> SyncEngine<S> {
    /// The verified masternode list at `height` (block `block_hash`): its quorums go into the
    /// book, and every undecided lock is checked again. A list whose block is not the best
    /// chain's at that height is ignored.
    pub fn on_masternode_list(
        &mut self,
        height: u32,
        block_hash: BlockHash,
        list: &MasternodeList,
        now: Time,
    ) {
        self.now = now;
        if self.tree.header_at(height).ok().flatten().is_some_and(|h| h.hash != block_hash) {
            return;
        }
        self.book.insert(height, block_hash, list);
        for (peer, clsig) in self.chainlocks.take_undecided() {
            self.check_clsig(peer, clsig);
        }
        for (peer, lock) in self.locks.take_undecided() {
            self.check_islock(peer, lock);
        }
        self.step();
    }

    /// The quorum sets the locks are checked against.
    pub fn quorum_book(&self) -> &QuorumBook {
        &self.book
    }

    /// The best verified ChainLock.
    pub fn best_chain_lock(&self) -> Option<&ClSig> {
        self.chainlocks.best()
    }

    /// Locks (`clsig`, `isdlock`) waiting for the list that decides them.
    pub fn undecided_locks(&self) -> (usize, usize) {
        (self.chainlocks.undecided(), self.locks.undecided())
    }

    /// Restores verified locks from the store: the best ChainLock (enforced on the header
    /// tree again as soon as its header is there) and the InstantSend locks of wallet
    /// transactions. No events are reported for them.
    pub fn restore_locks(&mut self, chain_lock: Option<ClSig>, instant: &[IsDLock]) {
        for lock in instant {
            self.locks.restore(lock);
            self.wallet.set_instant_locked(lock.txid);
        }
        if let Some(c) = chain_lock.filter(|c| c.height >= 0) {
            self.chainlocks.set_best(c);
            self.apply_chain_lock(false);
        }
    }

    /// The best ChainLock of the CbTx of a verified masternode list diff from `peer`
    /// (see [`crate::masternode::CoinbaseChainLock`]): handled exactly as a received `clsig`.
    /// `verified` when the diff's check already verified it against this engine's quorum
    /// book (it is not verified twice); otherwise it is checked, and held while undecided.
    /// A lock at or below the best one held changes nothing and reports nothing.
    pub fn on_coinbase_chain_lock(
        &mut self,
        peer: PeerId,
        clsig: ClSig,
        verified: bool,
        now: Time,
    ) {
        self.now = now;
        if !verified {
            self.check_clsig(peer, clsig);
        } else if self.chainlocks.is_newer(clsig.height) {
            self.chainlocks.set_best(clsig);
            self.apply_chain_lock(true);
        }
        self.step();
    }

    pub(super) fn on_clsig(&mut self, peer: PeerId, clsig: ClSig) {
        self.check_clsig(peer, clsig);
    }

    fn check_clsig(&mut self, peer: PeerId, clsig: ClSig) {
        if !self.chainlocks.is_newer(clsig.height) {
            return; // Dash Core: no need to process older ChainLocks
        }
        let known = self.tree.header_by_hash(&clsig.block_hash).ok().flatten();
        if known.is_some_and(|h| i64::from(h.height) != i64::from(clsig.height)) {
            self.punish(peer, Misbehavior::InvalidChainLock);
            return;
        }
        match check_chainlock(&self.book, &clsig) {
            LockVerdict::Undecided => self.chainlocks.add_undecided(peer, clsig),
            LockVerdict::Invalid(_) => self.punish(peer, Misbehavior::InvalidChainLock),
            LockVerdict::Verified { .. } => {
                self.chainlocks.set_best(clsig);
                self.apply_chain_lock(true);
            }
        }
    }

    /// Enforces the best verified ChainLock on the header tree once its header is known (a
    /// reorganisation onto its branch if needed), and tells the wallet.
    pub(super) fn apply_chain_lock(&mut self, report: bool) {
        let Some(clsig) = self.chainlocks.unapplied().cloned() else { return };
        let Ok(height) = u32::try_from(clsig.height) else { return };
        match self.tree.apply_chain_lock(height, &clsig.block_hash) {
            Ok(ChainLockApplied::Applied(change)) => {
                self.chainlocks.mark_applied();
                if let Some(change) = change {
                    self.on_tip_change(change);
                }
                self.wallet.set_chain_locked(height);
                if report {
                    let block_hash = clsig.block_hash;
                    self.events.push(SyncEvent::ChainLocked { height, block_hash, clsig });
                }
            }
            // A higher lock is enforced already, or the block is elsewhere (the signature
            // covers the height, so a header at another height was checked before).
            Ok(ChainLockApplied::NotNewer | ChainLockApplied::HeightMismatch { .. }) => {
                self.chainlocks.mark_applied();
            }
            // Waits for the header; a store failure is retried with the next headers.
            Ok(ChainLockApplied::UnknownBlock) | Err(_) => {}
        }
    }

    pub(super) fn on_lock(&mut self, peer: PeerId, lock: IsDLock) {
        if self.locks.holds(&lock.txid) {
            return;
        }
        // `PreVerifyInstantSendLock`: inputs, none twice.
        let mut inputs = HashSet::with_capacity(lock.inputs.len());
        if lock.inputs.is_empty() || !lock.inputs.iter().all(|i| inputs.insert(*i)) {
            self.punish(peer, Misbehavior::MalformedInstantLock);
            return;
        }
        self.check_islock(peer, lock);
    }

    fn check_islock(&mut self, peer: PeerId, lock: IsDLock) {
        let interval = self.book.instantsend_params().dkg_interval;
        let cycle = match self.tree.header_by_hash(&lock.cycle_hash) {
            Ok(Some(h)) => h.height,
            Ok(None) => return self.punish(peer, Misbehavior::UnknownLockCycle),
            Err(_) => return self.locks.add_undecided(peer, lock),
        };
        if cycle % interval != 0 {
            return self.punish(peer, Misbehavior::MalformedInstantLock);
        }
        match check_islock(&self.book, &lock, cycle, self.tree.tip().height) {
            LockVerdict::Undecided => self.locks.add_undecided(peer, lock),
            LockVerdict::Invalid(LockError::BadSignature(_)) => {
                self.punish(peer, Misbehavior::InvalidInstantLock)
            }
            // Dash Core drops a lock no quorum would sign without a penalty.
            LockVerdict::Invalid(LockError::NoQuorum(_)) => {}
            LockVerdict::Verified { .. } => {
                let known = self.wallet.transaction(&lock.txid).is_some();
                if let Some(lock) = self.locks.on_verified(lock, known) {
                    self.report_instant_lock(lock);
                }
            }
        }
    }

    pub(super) fn report_instant_lock(&mut self, lock: IsDLock) {
        self.wallet.set_instant_locked(lock.txid);
        self.events.push(SyncEvent::InstantLocked { txid: lock.txid, lock });
    }

    /// The verified InstantSend lock of another transaction that holds an input of `tx`.
    pub(super) fn lock_conflict(&self, tx: &Transaction) -> Option<Txid> {
        let txid = tx.txid();
        tx.inputs
            .iter()
            .find_map(|i| self.locks.locked_by(&i.previous_output).filter(|t| *t != txid))
    }
}
