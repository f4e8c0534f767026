//! A per-peer mirror: exactly the filter one peer holds.
//!
//! A Dash Core peer changes its copy of our filter in four ways, and [`FilterMirror`] replays
//! each of them, in the order the peer made them:
//!
//! * **`filterload`** replaces the filter, **`filteradd`** inserts one element,
//!   **`filterclear`** removes the filter (Dash Core then relays everything, unfiltered). These
//!   are ours: report them when they are sent ([`FilterMirror::on_sent`]).
//! * **Filtered blocks.** `CMerkleBlock(block, filter)` runs `IsRelevantAndUpdate` over every
//!   transaction of the block, in block order, skipping the types that cannot match
//!   ([`is_matchable_in_merkle_block`](super::is_matchable_in_merkle_block)). Only matching
//!   transactions can update the filter, and Dash Core sends a `tx` for every one of them
//!   right after the `merkleblock`, in block order: replaying those exact transactions, in that
//!   order, reproduces the peer's updates ([`FilterMirror::on_merkleblock`], then
//!   [`FilterMirror::on_tx`]).
//! * **Relayed transactions.** Dash Core runs `IsRelevantAndUpdate` when it *decides to
//!   announce* a transaction to a bloom peer (the `inv` trickle; also `RelayInvFiltered` for
//!   InstantSend locks, whose related transaction is tested). So a transaction announced by
//!   `inv` has already updated the peer's filter before we have even seen it.
//!
//! ## What the caller must do for relayed transactions
//! Report every announced txid ([`FilterMirror::on_tx_announced`]) when the `inv` arrives, then
//! **fetch every announced transaction** (`getdata`) and report it ([`FilterMirror::on_tx`]).
//! The mirror keeps the announcement's place in the peer's order: later updates (a
//! `merkleblock`'s transactions, our own `filteradd`) wait behind it, so they are applied in
//! exactly the peer's order even though the transaction arrives later. For an InstantSend lock
//! announced to us, report its related txid as announced once the lock is known.
//!
//! If an announced transaction cannot be had (`notfound`: it left the peer's mempool; or the
//! caller gives up), report [`FilterMirror::on_tx_not_found`]. The peer did apply its update;
//! we cannot, so from then on the mirror may be a **subset** of the peer's filter (missing the
//! outpoints that transaction inserted). [`FilterMirror::is_exact`] says so, and
//! [`FilterMirror::missed_txids`] lists what was lost; the next `filterload` makes the mirror
//! exact again. A subset mirror only under-estimates the peer's fill; it never makes us miss a
//! transaction (matching is the peer's job).
//!
//! ## Races with our own messages
//! The peer applies our `filteradd`/`filterload` when it reads them, while messages it sent
//! before that may still be on their way to us. The mirror applies our message after every
//! update already reported, which is exact unless a transaction the peer matched *in that
//! window* has an output matching only the new element. Dash Core processes a peer's messages
//! in order, so a `merkleblock` requested *after* our message was sent is always filtered with
//! it; the sync loop should re-request (not trust) blocks it asked for before a `filterload`.

use std::collections::VecDeque;

use super::{BloomError, BloomFilter};
use crate::chain::merkle::{MatchedTxid, MerkleError};
use crate::encode::Encode;
use crate::hash::Txid;
use crate::tx::Transaction;
use crate::wire::{FilterAdd, FilterLoad, MerkleBlock, MAX_SCRIPT_ELEMENT_SIZE};

/// What the filter policy sends to every peer, and each peer's [`FilterMirror`] records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterAction {
    /// Nothing: every element is already in the filter.
    None,
    /// `filteradd` messages, in order; each element is at most 520 bytes.
    Add(Vec<FilterAdd>),
    /// A fresh `filterload`.
    Reload(FilterLoad),
}

/// The most updates the mirror holds back behind an unfetched announcement. Beyond it the
/// oldest outstanding announcement is given up as not found (the mirror becomes a possible
/// subset), so memory stays bounded when a peer never answers a `getdata`.
pub const MAX_PENDING_UPDATES: usize = 10_000;
/// The most bytes of transactions the mirror holds back behind an unfetched announcement
/// (client bound, as [`MAX_PENDING_UPDATES`]: a peer announcing a transaction it never sends
/// while a stream of large transactions follows costs at most this much memory).
pub const MAX_PENDING_BYTES: usize = 2 * 1024 * 1024;

/// How many lost txids [`FilterMirror::missed_txids`] keeps (the count is exact).
pub const MAX_MISSED_TXIDS_KEPT: usize = 64;

/// How a transaction reached the peer's filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxSource {
    /// Matched while the peer built a `merkleblock` for us.
    Block,
    /// Announced to us by `inv` (the peer tested it before announcing).
    Relayed,
}

/// What [`FilterMirror::on_tx`] made of a received transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxDelivery {
    /// It was expected (after a `merkleblock`, or announced) and its update is recorded.
    Expected(TxSource),
    /// Nobody announced it and no `merkleblock` listed it: it did not update the peer's filter
    /// and is ignored by the mirror.
    Unexpected,
}

/// Misuse of the filter messages that Dash Core punishes, caught before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MirrorError {
    /// `filteradd` while no filter is loaded (Dash Core: misbehaving 100).
    #[error("filteradd while the peer has no filter loaded")]
    NoFilterLoaded,
    /// `filteradd` element over `MAX_SCRIPT_ELEMENT_SIZE` (Dash Core: misbehaving 100).
    #[error("filteradd element of {0} bytes exceeds 520")]
    ElementTooLarge(usize),
    /// A `filterload` beyond Dash Core's limits (misbehaving 100).
    #[error("filterload: {0}")]
    Filter(BloomError),
}

#[derive(Debug, Clone)]
enum Update {
    Load(BloomFilter),
    Add(Vec<u8>),
    Clear,
    Tx { txid: Txid, source: TxSource, tx: Option<Transaction> },
}

/// The filter one peer holds, kept by replaying its updates in its order (see the module
/// docs for what the caller must report).
#[derive(Debug, Clone, Default)]
pub struct FilterMirror {
    /// The peer's filter after every update applied so far (`None`: no filter loaded).
    applied: Option<BloomFilter>,
    /// Updates that wait behind an announced transaction not yet received.
    pending: VecDeque<Update>,
    /// Serialized size of the transactions held in `pending`.
    pending_bytes: usize,
    /// Whether the peer has a filter once every pending update is applied.
    loaded_at_tail: bool,
    missed: Vec<Txid>,
    missed_since_load: u64,
    disagreements: u64,
}

impl FilterMirror {
    /// A peer with no filter loaded.
    pub fn new() -> FilterMirror {
        FilterMirror::default()
    }

    /// The peer's filter as far as its updates are known (`None`: no filter loaded). While
    /// [`pending`](Self::pending) is non-zero, later updates are still held back.
    pub fn filter(&self) -> Option<&BloomFilter> {
        self.applied.as_ref()
    }

    /// Updates held back behind an announced transaction not yet received.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Whether the mirror equals the peer's filter: false once an announced transaction was
    /// lost since the last `filterload` (the mirror may then lack what it inserted).
    pub fn is_exact(&self) -> bool {
        self.missed_since_load == 0
    }

    /// Announced transactions that could not be fetched since the last `filterload` (the first
    /// [`MAX_MISSED_TXIDS_KEPT`]).
    pub fn missed_txids(&self) -> &[Txid] {
        &self.missed
    }

    /// How many transactions the peer sent as matching that the mirror's filter did not match
    /// when replaying them: either the mirror is out of step or the peer does not filter
    /// honestly (it may be padding our data or probing us).
    pub fn disagreements(&self) -> u64 {
        self.disagreements
    }

    /// Records an action sent to this peer (`filteradd`s in order, or a `filterload`).
    pub fn on_sent(&mut self, action: &FilterAction) -> Result<(), MirrorError> {
        match action {
            FilterAction::None => Ok(()),
            FilterAction::Add(adds) => {
                adds.iter().try_for_each(|a| self.on_filteradd_sent(&a.element))
            }
            FilterAction::Reload(load) => {
                self.on_filterload_sent(BloomFilter::try_from(load).map_err(MirrorError::Filter)?);
                Ok(())
            }
        }
    }

    /// We sent `filterload`: the peer replaces its filter.
    pub fn on_filterload_sent(&mut self, filter: BloomFilter) {
        self.loaded_at_tail = true;
        self.push(Update::Load(filter));
    }

    /// We sent `filteradd`: the peer inserts the element. Refuses what Dash Core would punish
    /// (no filter loaded, an element over 520 bytes): such a message must not be sent.
    pub fn on_filteradd_sent(&mut self, element: &[u8]) -> Result<(), MirrorError> {
        if element.len() > MAX_SCRIPT_ELEMENT_SIZE {
            return Err(MirrorError::ElementTooLarge(element.len()));
        }
        if !self.loaded_at_tail {
            return Err(MirrorError::NoFilterLoaded);
        }
        self.push(Update::Add(element.to_vec()));
        Ok(())
    }

    /// We sent `filterclear`: the peer drops its filter.
    pub fn on_filterclear_sent(&mut self) {
        self.loaded_at_tail = false;
        self.push(Update::Clear);
    }

    /// A valid `merkleblock` arrived: its matched transactions (returned, in block order)
    /// follow as `tx` messages and each updated the peer's filter.
    pub fn on_merkleblock(&mut self, block: &MerkleBlock) -> Result<Vec<MatchedTxid>, MerkleError> {
        let matches = block.matched_txids()?;
        self.expect_block_txs(matches.iter().map(|m| m.txid));
        Ok(matches)
    }

    /// The matched txids of a `merkleblock` already verified by the caller, in block order.
    pub fn expect_block_txs(&mut self, txids: impl IntoIterator<Item = Txid>) {
        if !self.loaded_at_tail {
            return; // Dash Core serves no merkleblock without a filter.
        }
        for txid in txids {
            self.push(Update::Tx { txid, source: TxSource::Block, tx: None });
        }
    }

    /// An `inv` announced this transaction: the peer's filter was updated with it. Fetch it.
    /// Without a filter the peer relays everything and updates nothing, so this is a no-op.
    pub fn on_tx_announced(&mut self, txid: Txid) {
        if self.loaded_at_tail {
            self.push(Update::Tx { txid, source: TxSource::Relayed, tx: None });
        }
    }

    /// A `tx` arrived: it fills the earliest waiting slot with its txid, and every update
    /// that can now be applied is applied.
    pub fn on_tx(&mut self, tx: &Transaction) -> TxDelivery {
        let txid = tx.txid();
        let Some(i) = self
            .pending
            .iter()
            .position(|u| matches!(u, Update::Tx { txid: t, tx: None, .. } if *t == txid))
        else {
            return TxDelivery::Unexpected;
        };
        let mut held = 0;
        let source = match &mut self.pending[i] {
            Update::Tx { source, tx: slot, .. } => {
                if i > 0 {
                    held = tx.to_bytes().len();
                    *slot = Some(tx.clone());
                }
                *source
            }
            _ => unreachable!("position() found a transaction slot"),
        };
        if i == 0 {
            self.pending.pop_front();
            self.apply_tx(tx);
            self.drain();
        } else {
            self.pending_bytes += held;
            self.enforce_bounds();
        }
        TxDelivery::Expected(source)
    }

    /// An announced transaction cannot be fetched (`notfound`): its update is lost and the
    /// mirror becomes a possible subset of the peer's filter. Returns whether it was waited
    /// for.
    pub fn on_tx_not_found(&mut self, txid: Txid) -> bool {
        let found = self.pending.iter().position(|u| {
            matches!(u, Update::Tx { txid: t, tx: None, source: TxSource::Relayed } if *t == txid)
        });
        match found {
            Some(i) => {
                self.pending.remove(i);
                self.record_missed(txid);
                self.drain();
                true
            }
            None => false,
        }
    }

    fn push(&mut self, update: Update) {
        self.pending.push_back(update);
        self.enforce_bounds();
        self.drain();
    }

    /// Gives up the oldest transactions still waited for while more than
    /// [`MAX_PENDING_UPDATES`] updates or [`MAX_PENDING_BYTES`] bytes are held back.
    fn enforce_bounds(&mut self) {
        while self.pending.len() > MAX_PENDING_UPDATES || self.pending_bytes > MAX_PENDING_BYTES {
            let Some(i) =
                self.pending.iter().position(|u| matches!(u, Update::Tx { tx: None, .. }))
            else {
                break;
            };
            if let Some(Update::Tx { txid, .. }) = self.pending.remove(i) {
                self.record_missed(txid);
            }
            self.drain();
        }
    }

    fn record_missed(&mut self, txid: Txid) {
        self.missed_since_load += 1;
        if self.missed.len() < MAX_MISSED_TXIDS_KEPT {
            self.missed.push(txid);
        }
    }

    /// Applies every update at the front that is ready.
    fn drain(&mut self) {
        while let Some(front) = self.pending.front() {
            if matches!(front, Update::Tx { tx: None, .. }) {
                return;
            }
            match self.pending.pop_front() {
                Some(Update::Load(filter)) => {
                    self.applied = Some(filter);
                    self.missed.clear();
                    self.missed_since_load = 0;
                }
                Some(Update::Add(element)) => {
                    if let Some(f) = &mut self.applied {
                        f.insert(&element);
                    }
                }
                Some(Update::Clear) => self.applied = None,
                Some(Update::Tx { tx: Some(tx), .. }) => {
                    self.pending_bytes = self.pending_bytes.saturating_sub(tx.to_bytes().len());
                    self.apply_tx(&tx);
                }
                Some(Update::Tx { tx: None, .. }) | None => return,
            }
        }
    }

    fn apply_tx(&mut self, tx: &Transaction) {
        if let Some(f) = &mut self.applied {
            if !f.is_relevant_and_update(tx) {
                self.disagreements += 1;
            }
        }
    }
}
