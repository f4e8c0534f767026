//! Transaction relay state: our own broadcasts until they propagate or time out, and the
//! InstantSend locks received for transactions the wallet knows or may learn.
//!
//! ## Broadcasts
//! A transaction is announced (`inv MSG_TX`) to about half of the ready peers, at least one;
//! a peer that asks (`getdata`) is served the `tx`. It has *propagated* when a peer it was
//! not announced to announces it back: that peer heard it from the network. Dash Core sends
//! no `reject` any more (PROTOCOL.md §7.2: BIP61 is gone), so a transaction the network
//! refuses simply never comes back and times out. While it is pending, peers that connect
//! are announced to as long as fewer than half of the ready peers hold the announcement.
//!
//! Bloom-filtering peers only announce transactions that match their filter (PROTOCOL.md
//! §3.4); the wallet's own transactions match (they spend wallet outpoints, which the filter
//! holds, or pay its keys).
//!
//! ## InstantSend locks
//! `isdlock` messages arrive unasked after the transactions of a filtered block and after an
//! `inv MSG_ISDLOCK` we fetch; Dash Core announces a lock to a bloom peer only when the
//! locked transaction matches its filter (`RelayInvFiltered`, PROTOCOL.md §3.4). A lock is
//! verified against the masternode lists' quorums before anything else; one whose quorum no
//! list gives yet waits, bounded, and is checked again when lists arrive. A verified lock is
//! reported once per transaction the wallet knows; verified locks of unknown transactions
//! wait in a bounded buffer (the transaction may arrive later, or its block may still be in
//! the reorder buffer). The inputs of verified locks are held: another transaction spending
//! one is refused.
//!
//! ## Requested transactions
//! [`TxRequests`]: the transactions asked of each peer. Only a requested `tx` (or one that
//! follows its `merkleblock`) is ever taken.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use crate::hash::{Hash256, Txid};
use crate::p2p::{PeerId, Time, SECOND};
use crate::tx::{OutPoint, Transaction};
use crate::wire::IsDLock;

/// Undecided locks kept, and verified locks of unknown transactions kept (each; oldest
/// dropped first; client rule).
pub const MAX_PENDING_LOCKS: usize = 1_000;
/// `MSG_ISDLOCK` hashes remembered as already fetched (the set is cleared when full).
pub const MAX_REQUESTED_LOCKS: usize = 10_000;

/// How a broadcast ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BroadcastOutcome {
    /// A peer we had not announced it to announced it to us.
    Propagated,
    /// No such announcement within [`super::SyncConfig::broadcast_timeout`]. The transaction
    /// stays in the wallet as unconfirmed.
    TimedOut,
}

#[derive(Debug, Clone)]
struct Pending {
    tx: Transaction,
    /// Peers we sent the `inv` to (still connected or not).
    announced: BTreeSet<PeerId>,
    deadline: Time,
}

/// Our pending broadcasts (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct Broadcasts {
    pending: BTreeMap<Txid, Pending>,
}

impl Broadcasts {
    /// Starts broadcasting `tx` until `deadline`. Returns `false` if it is already pending.
    pub fn start(&mut self, tx: Transaction, deadline: Time) -> bool {
        let txid = tx.txid();
        if self.pending.contains_key(&txid) {
            return false;
        }
        self.pending.insert(txid, Pending { tx, announced: BTreeSet::new(), deadline });
        true
    }

    /// A pending transaction, to serve a `getdata`.
    pub fn tx(&self, txid: &Txid) -> Option<&Transaction> {
        self.pending.get(txid).map(|p| &p.tx)
    }

    /// The peers `txid` was announced to.
    pub fn announced_to(&self, txid: &Txid) -> Vec<PeerId> {
        self.pending.get(txid).map(|p| p.announced.iter().copied().collect()).unwrap_or_default()
    }

    /// Which of the `ready` peers (in the order given: shuffle them first) should now get an
    /// `inv` for `txid` so that about half of them, at least one, hold it; they are recorded
    /// as announced.
    pub fn announce(&mut self, txid: &Txid, ready: &[PeerId]) -> Vec<PeerId> {
        let Some(p) = self.pending.get_mut(txid) else { return Vec::new() };
        let holding = ready.iter().filter(|r| p.announced.contains(r)).count();
        let want = ready.len().div_ceil(2).max(1);
        let chosen: Vec<PeerId> = ready
            .iter()
            .filter(|r| !p.announced.contains(r))
            .take(want.saturating_sub(holding))
            .copied()
            .collect();
        p.announced.extend(chosen.iter().copied());
        chosen
    }

    /// The pending txids.
    pub fn txids(&self) -> Vec<Txid> {
        self.pending.keys().copied().collect()
    }

    /// `peer` announced `txid`: if it is ours and `peer` did not get it from us, it
    /// propagated (and is no longer pending).
    pub fn on_announced(&mut self, peer: PeerId, txid: &Txid) -> bool {
        match self.pending.get(txid) {
            Some(p) if !p.announced.contains(&peer) => {
                self.pending.remove(txid);
                true
            }
            _ => false,
        }
    }

    /// The broadcasts whose deadline passed at `now` (no longer pending).
    pub fn timed_out(&mut self, now: Time) -> Vec<Txid> {
        let expired: Vec<Txid> =
            self.pending.iter().filter(|(_, p)| now >= p.deadline).map(|(t, _)| *t).collect();
        for t in &expired {
            self.pending.remove(t);
        }
        expired
    }
}

/// InstantSend locks: those not decided yet, the verified ones waiting for their
/// transaction, and the inputs every verified lock kept holds.
#[derive(Debug, Clone, Default)]
pub struct InstantLocks {
    /// Locks whose quorum no list gives yet, with the peer that sent each.
    undecided: VecDeque<(PeerId, IsDLock)>,
    /// Verified locks of transactions the wallet does not know (yet).
    waiting: VecDeque<IsDLock>,
    /// Verified locks reported for wallet transactions.
    reported: HashSet<Txid>,
    /// Outpoint → the txid whose verified lock holds it (waiting or reported locks).
    locked_inputs: HashMap<OutPoint, Txid>,
    requested: HashSet<Hash256>,
}

impl InstantLocks {
    /// Whether an announced lock should be fetched (not asked for before).
    pub fn want(&mut self, hash: Hash256) -> bool {
        if self.requested.len() >= MAX_REQUESTED_LOCKS {
            self.requested.clear();
        }
        self.requested.insert(hash)
    }

    /// Whether a lock of `txid` is already held (undecided, waiting or reported).
    pub fn holds(&self, txid: &Txid) -> bool {
        self.reported.contains(txid)
            || self.waiting.iter().any(|l| l.txid == *txid)
            || self.undecided.iter().any(|(_, l)| l.txid == *txid)
    }

    /// Keeps a lock that cannot be decided yet (the oldest goes when
    /// [`MAX_PENDING_LOCKS`] are kept).
    pub fn add_undecided(&mut self, peer: PeerId, lock: IsDLock) {
        if self.undecided.iter().any(|(_, l)| l.txid == lock.txid) {
            return;
        }
        if self.undecided.len() >= MAX_PENDING_LOCKS {
            self.undecided.pop_front();
        }
        self.undecided.push_back((peer, lock));
    }

    /// Takes every undecided lock, to check them again.
    pub fn take_undecided(&mut self) -> Vec<(PeerId, IsDLock)> {
        self.undecided.drain(..).collect()
    }

    /// Locks not decided yet.
    pub fn undecided(&self) -> usize {
        self.undecided.len()
    }

    /// A verified lock. Returns it when it should be reported now (`known`: the wallet has
    /// its transaction); otherwise it waits for the transaction (the oldest waiting lock goes
    /// when [`MAX_PENDING_LOCKS`] wait).
    pub fn on_verified(&mut self, lock: IsDLock, known: bool) -> Option<IsDLock> {
        if self.reported.contains(&lock.txid) || self.waiting.iter().any(|l| l.txid == lock.txid) {
            return None;
        }
        for input in &lock.inputs {
            self.locked_inputs.insert(*input, lock.txid);
        }
        if known {
            self.reported.insert(lock.txid);
            return Some(lock);
        }
        if self.waiting.len() >= MAX_PENDING_LOCKS {
            if let Some(old) = self.waiting.pop_front() {
                self.release(&old);
            }
        }
        self.waiting.push_back(lock);
        None
    }

    fn release(&mut self, lock: &IsDLock) {
        for input in &lock.inputs {
            if self.locked_inputs.get(input) == Some(&lock.txid) {
                self.locked_inputs.remove(input);
            }
        }
    }

    /// The wallet learned `txid`: its waiting verified lock, if any, to report now.
    pub fn on_tx_known(&mut self, txid: &Txid) -> Option<IsDLock> {
        let pos = self.waiting.iter().position(|l| l.txid == *txid)?;
        let lock = self.waiting.remove(pos)?;
        self.reported.insert(lock.txid);
        Some(lock)
    }

    /// A verified lock restored from the store (its transaction is in the wallet).
    pub fn restore(&mut self, lock: &IsDLock) {
        for input in &lock.inputs {
            self.locked_inputs.insert(*input, lock.txid);
        }
        self.reported.insert(lock.txid);
    }

    /// The transaction whose verified lock holds `outpoint`, if any.
    pub fn locked_by(&self, outpoint: &OutPoint) -> Option<Txid> {
        self.locked_inputs.get(outpoint).copied()
    }

    /// The lock `txid` lost to a transaction confirmed in a block (a ChainLock overrides an
    /// InstantSend lock): its inputs are free again.
    pub fn drop_lock(&mut self, txid: &Txid) {
        self.locked_inputs.retain(|_, t| t != txid);
        self.waiting.retain(|l| l.txid != *txid);
    }
}

/// Most transactions asked for and not yet answered (client bound).
pub const MAX_TX_REQUESTS: usize = 50_000;
/// How long a peer may take to answer our `getdata` for a transaction before the request is
/// forgotten (client rule; a peer that answers nothing is dropped by the connection's stall
/// detection anyway).
pub const TX_REQUEST_TIMEOUT: Time = 2 * 60 * SECOND;

/// The transactions we asked each peer for: only their answers are taken as unconfirmed
/// transactions (a `tx` nobody asked for is ignored, whoever sends it).
#[derive(Debug, Clone, Default)]
pub struct TxRequests {
    asked: HashMap<(PeerId, Txid), Time>,
}

impl TxRequests {
    /// Records that `peer` was asked for `txid` at `now`; false when the bound is reached
    /// (the request is not sent then).
    pub fn ask(&mut self, peer: PeerId, txid: Txid, now: Time) -> bool {
        if self.asked.len() >= MAX_TX_REQUESTS && !self.asked.contains_key(&(peer, txid)) {
            return false;
        }
        self.asked.insert((peer, txid), now);
        true
    }

    /// `peer` sent `txid`: whether we had asked it (the request is done either way).
    pub fn answered(&mut self, peer: PeerId, txid: &Txid) -> bool {
        self.asked.remove(&(peer, *txid)).is_some()
    }

    /// `peer` cannot serve `txid`.
    pub fn not_found(&mut self, peer: PeerId, txid: &Txid) {
        self.asked.remove(&(peer, *txid));
    }

    /// `peer` is gone.
    pub fn forget_peer(&mut self, peer: PeerId) {
        self.asked.retain(|(p, _), _| *p != peer);
    }

    /// Forgets requests older than [`TX_REQUEST_TIMEOUT`]; returns them.
    pub fn expire(&mut self, now: Time) -> Vec<(PeerId, Txid)> {
        let mut gone = Vec::new();
        self.asked.retain(|&(p, t), at| {
            let keep = now.saturating_sub(*at) < TX_REQUEST_TIMEOUT;
            if !keep {
                gone.push((p, t));
            }
            keep
        });
        gone
    }
}
