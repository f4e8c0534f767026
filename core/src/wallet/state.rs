//! The wallet state: relevant transactions, their status, UTXOs, spends, balance and
//! confirmations, driven by the sync engine (sans-IO: no clock, no I/O, deterministic).
//!
//! ## Inputs
//! * [`Wallet::process_transaction`] with `Some(BlockRef)` for a transaction proven in a block
//!   (the caller has checked the partial merkle tree), `None` for an unconfirmed one.
//!   Transactions of a block are given in block order, blocks in chain order.
//! * [`Wallet::set_tip`] when the best chain's height changes.
//! * [`Wallet::disconnect_blocks`] when blocks leave the best chain (before the new branch's
//!   transactions are processed).
//!
//! ## Double spends
//! A transaction is *conflicted* when another one spending one of the same outputs wins:
//! * a transaction proven in a block always wins: unconfirmed rivals (and everything spending
//!   their outputs) become [`TxStatus::Conflicted`]. A *confirmed* rival can only exist if the
//!   caller skipped a `disconnect_blocks`; the newer block wins then too;
//! * between unconfirmed transactions the one seen first wins, as in Dash Core's mempool
//!   (Dash has no replace-by-fee); the later one is recorded as conflicted on arrival;
//! * a conflicted transaction that later shows up in a block wins and turns the tables;
//! * a reorg does not re-decide conflicts: transactions of disconnected blocks become
//!   unconfirmed and keep the outputs they spend.
//!
//! Conflicted transactions stay listed (the user should see a payment that failed) but count
//! for nothing in balances and UTXOs.
//!
//! ## Expiry
//! A transaction that stays unconfirmed while the chain grows by
//! [`UNCONFIRMED_EXPIRY_BLOCKS`] blocks from when it was first seen (or from when its block
//! left the best chain) *expires* ([`TxStatus::Expired`]), and so does everything spending its
//! outputs: Dash Core drops a transaction from its mempool after two weeks
//! (`DEFAULT_MEMPOOL_EXPIRY`, 336 hours), so by then no peer relays or mines it. An expired
//! transaction stays listed, counts for nothing, and comes back if a block holds it or it is
//! seen unconfirmed again (a rebroadcast). An unconfirmed spend never lowers the confirmed
//! balance: a confirmed coin it spends stays in [`Balance::confirmed`] until the spend
//! confirms (and is counted in [`Balance::unconfirmed_outgoing`] meanwhile).
//!
//! ## Abandoned coinbases
//! When a block leaves the best chain its coinbase cannot become unconfirmed like the other
//! transactions: a coinbase is valid only in its own block and is never relayed. It becomes
//! [`TxStatus::Abandoned`], and so does every wallet transaction spending from it (Dash
//! Core's mempool drops those in `removeForReorg`, and its wallet abandons them). Inputs the
//! abandoned spends took from other wallet outputs are released. Abandoned transactions stay
//! listed and count for nothing; a block holding one (the old branch winning again) brings
//! it back, while an abandoned spend only returns in a block, never from a relay.
//!
//! ## Confirmations
//! `tip - height + 1` for a transaction in the block at `height`, at least 1 (a block the
//! tip has not reached yet counts as the tip); 0 while unconfirmed. Coinbase maturity is not
//! applied to the balance ([`Utxo::is_coinbase`] tells the spender).

use std::collections::{BTreeMap, BTreeSet};

use crate::hash::Txid;
use crate::tx::{OutPoint, Transaction};

use super::event::{TxChange, WalletEvent};
use super::keychain::{AccountId, ChainKind};
use super::record::{Balance, BlockRef, OwnedOutput, TxStatus, Utxo, WalletTx};
use super::watch::{FilterElement, KeyPath, Owner, WatchList};

/// Blocks a transaction may stay unconfirmed before it expires: Dash Core's mempool expiry
/// (`DEFAULT_MEMPOOL_EXPIRY`, 336 hours) at the 2.5-minute block interval.
pub const UNCONFIRMED_EXPIRY_BLOCKS: u32 = 336 * 24;

/// Confirmation changes are reported as events up to this depth by default (6 blocks, the
/// depth Dash Core's wallet and most services treat as settled without a ChainLock).
pub const DEFAULT_CONFIRMATION_EVENT_DEPTH: u32 = 6;

/// A watch-only wallet: the watch list and everything learned about it.
#[derive(Debug, Clone)]
pub struct Wallet {
    watch: WatchList,
    txs: BTreeMap<Txid, WalletTx>,
    /// Outpoint → the active (not conflicted) transaction spending it.
    spends: BTreeMap<OutPoint, Txid>,
    /// Confirmed transactions by (height, seen): finds those whose depth a tip change or a
    /// disconnect affects without visiting the others.
    confirmed: BTreeSet<(u32, u64, Txid)>,
    tip: u32,
    next_seen: u64,
    confirmation_event_depth: u32,
}

impl Wallet {
    /// An empty wallet watching `watch`, tip at height 0.
    pub fn new(watch: WatchList) -> Wallet {
        Wallet {
            watch,
            txs: BTreeMap::new(),
            spends: BTreeMap::new(),
            confirmed: BTreeSet::new(),
            tip: 0,
            next_seen: 0,
            confirmation_event_depth: DEFAULT_CONFIRMATION_EVENT_DEPTH,
        }
    }

    /// A wallet restored from stored records (the watch list with its accounts' used
    /// indexes, the transactions with their status, the tip).
    pub fn from_parts(
        watch: WatchList,
        txs: impl IntoIterator<Item = WalletTx>,
        tip: u32,
    ) -> Wallet {
        let mut wallet = Wallet::new(watch);
        wallet.tip = tip;
        for wtx in txs {
            wallet.next_seen = wallet.next_seen.max(wtx.seen + 1);
            if wtx.status.is_active() {
                for input in wtx.tx.inputs.iter().filter(|i| !i.previous_output.is_null()) {
                    wallet.spends.insert(input.previous_output, wtx.txid);
                }
            }
            if let Some(b) = wtx.status.block() {
                wallet.confirmed.insert((b.height, wtx.seen, wtx.txid));
            }
            wallet.txs.insert(wtx.txid, wtx);
        }
        wallet
    }

    /// The watch list.
    pub fn watch_list(&self) -> &WatchList {
        &self.watch
    }

    /// The watch list, to add items at run time (each `add_*` returns the filter elements to
    /// send; blocks already fetched are not rescanned for them).
    pub fn watch_list_mut(&mut self) -> &mut WatchList {
        &mut self.watch
    }

    /// The best chain height the wallet was told about.
    pub fn tip(&self) -> u32 {
        self.tip
    }

    /// Confirmation changes are reported up to this depth.
    pub fn confirmation_event_depth(&self) -> u32 {
        self.confirmation_event_depth
    }

    /// Sets the depth up to which [`WalletEvent::ConfirmationChanged`] is reported.
    pub fn set_confirmation_event_depth(&mut self, depth: u32) {
        self.confirmation_event_depth = depth;
    }

    /// Handles a transaction: proven in `block`, or unconfirmed when `block` is `None`.
    /// Returns `None` when it is irrelevant (pays no watch item, spends no wallet output or
    /// watched outpoint) or changes nothing (already known in that state).
    pub fn process_transaction(
        &mut self,
        tx: &Transaction,
        block: Option<BlockRef>,
    ) -> Option<TxChange> {
        let txid = tx.txid();
        if self.txs.contains_key(&txid) {
            let claimed = self.claim_new_outputs(tx, txid, block.map(|b| b.height));
            return match (self.update_known(txid, block), claimed) {
                (Some(mut known), Some(claimed)) => {
                    known.events.extend(claimed.events);
                    known.new_filter_elements.extend(claimed.new_filter_elements);
                    known.rescan_from_height =
                        match (known.rescan_from_height, claimed.rescan_from_height) {
                            (Some(a), Some(b)) => Some(a.min(b)),
                            (a, b) => a.or(b),
                        };
                    Some(known)
                }
                (known, claimed) => known.or(claimed),
            };
        }
        let spends_wallet_output =
            tx.inputs.iter().any(|i| self.owned_output(&i.previous_output).is_some());
        let spent_watched: Vec<OutPoint> = tx
            .inputs
            .iter()
            .map(|i| i.previous_output)
            .filter(|o| self.watch.watches_outpoint(o))
            .collect();
        let mut change = TxChange {
            txid,
            events: Vec::new(),
            new_filter_elements: Vec::new(),
            rescan_from_height: None,
        };
        let height = block.map(|b| b.height);
        let owned_outputs = self.claim_outputs(tx, height, &mut change);
        if owned_outputs.is_empty() && !spends_wallet_output && spent_watched.is_empty() {
            return None;
        }
        let rivals = self.rivals(tx, txid);
        let mut conflict_events = Vec::new();
        let status = match block {
            Some(b) => {
                for rival in rivals {
                    self.mark_conflicted(rival, txid, &mut conflict_events);
                }
                TxStatus::Confirmed(b)
            }
            None => match rivals.into_iter().min_by_key(|r| self.txs[r].seen) {
                Some(first) => TxStatus::Conflicted { by: first },
                // Spending an output of a conflicted or abandoned transaction: it cannot
                // confirm either.
                None => self.inactive_parent(tx).unwrap_or(TxStatus::Unconfirmed),
            },
        };
        let seen = self.next_seen;
        self.next_seen += 1;
        let unconfirmed_since = if status == TxStatus::Unconfirmed { self.tip } else { 0 };
        self.txs.insert(
            txid,
            WalletTx {
                txid,
                tx: tx.clone(),
                status,
                seen,
                unconfirmed_since,
                owned_outputs,
                spent_watched,
            },
        );
        if let Some(b) = status.block() {
            self.confirmed.insert((b.height, seen, txid));
        }
        if status.is_active() {
            self.activate(txid, &mut change.new_filter_elements);
        }
        let net_amount = self.net_amount(&txid).unwrap_or(0);
        change.events.insert(0, WalletEvent::NewTransaction { txid, status, net_amount });
        change.events.extend(conflict_events);
        Some(change)
    }

    /// Sets the best chain height; reports confirmation changes of confirmed transactions
    /// (up to [`Wallet::confirmation_event_depth`]), by block height then order seen.
    ///
    /// Unconfirmed transactions that have waited [`UNCONFIRMED_EXPIRY_BLOCKS`] expire
    /// ([`WalletEvent::Expired`], after the confirmation changes).
    pub fn set_tip(&mut self, height: u32) -> Vec<WalletEvent> {
        let old = self.tip;
        self.tip = height;
        // Only blocks less than `depth` below the new tip can end up within the event depth.
        let lowest = height.saturating_add(1).saturating_sub(self.confirmation_event_depth);
        let mut events: Vec<WalletEvent> = self
            .confirmed
            .range((lowest, 0, Txid::ZERO)..)
            .filter_map(|&(h, _, txid)| {
                let (before, now) = (confirmations_at(h, old), confirmations_at(h, height));
                (before != now && now <= self.confirmation_event_depth)
                    .then_some(WalletEvent::ConfirmationChanged { txid, confirmations: now })
            })
            .collect();
        let expired: Vec<Txid> = self
            .in_seen_order()
            .filter(|w| {
                w.status == TxStatus::Unconfirmed
                    && height >= w.unconfirmed_since.saturating_add(UNCONFIRMED_EXPIRY_BLOCKS)
            })
            .map(|w| w.txid)
            .collect();
        for txid in expired {
            self.retire(txid, TxStatus::Expired, &mut events);
        }
        events
    }

    /// Blocks from `from_height` up left the best chain: their transactions become
    /// unconfirmed (reported by height, then order seen) and the tip drops below
    /// `from_height`. Their coinbases, and every wallet transaction spending from those,
    /// are then abandoned ([`WalletEvent::Abandoned`], after the reorg events): a coinbase
    /// cannot go back to the mempool, so what spends it can never confirm either.
    pub fn disconnect_blocks(&mut self, from_height: u32) -> Vec<WalletEvent> {
        let reorged: Vec<Txid> =
            self.confirmed.range((from_height, 0, Txid::ZERO)..).map(|e| e.2).collect();
        self.tip = self.tip.min(from_height.saturating_sub(1));
        let tip = self.tip;
        let mut coinbases = Vec::new();
        let mut events: Vec<WalletEvent> = reorged
            .into_iter()
            .filter_map(|txid| {
                let wtx = self.txs.get(&txid)?;
                let from = *wtx.status.block()?;
                if wtx.tx.is_coinbase() {
                    coinbases.push(txid);
                }
                self.set_status(txid, TxStatus::Unconfirmed);
                if let Some(w) = self.txs.get_mut(&txid) {
                    w.unconfirmed_since = tip;
                }
                Some(WalletEvent::Reorged { txid, from })
            })
            .collect();
        for txid in coinbases {
            self.retire(txid, TxStatus::Abandoned, &mut events);
        }
        events
    }

    /// One transaction.
    pub fn transaction(&self, txid: &Txid) -> Option<&WalletTx> {
        self.txs.get(txid)
    }

    /// Every transaction, in the order first seen.
    pub fn transactions(&self) -> Vec<&WalletTx> {
        self.in_seen_order().collect()
    }

    /// Confirmations of a transaction (0 while unconfirmed or conflicted).
    pub fn confirmations(&self, txid: &Txid) -> Option<u32> {
        let wtx = self.txs.get(txid)?;
        Some(wtx.status.block().map_or(0, |b| confirmations_at(b.height, self.tip)))
    }

    /// What a transaction adds to the wallet: its owned outputs minus the wallet outputs it
    /// spends (negative for a payment out, fee included).
    pub fn net_amount(&self, txid: &Txid) -> Option<i64> {
        let wtx = self.txs.get(txid)?;
        let received: i64 = wtx.owned_outputs.iter().map(|o| o.value).sum();
        let sent: i64 = wtx
            .tx
            .inputs
            .iter()
            .filter_map(|i| self.owned_output(&i.previous_output))
            .map(|o| o.value)
            .sum();
        Some(received - sent)
    }

    /// The fee, when every input spends an output of a transaction the wallet has (always
    /// for the wallet's own spends); `None` otherwise and for coinbases.
    pub fn fee(&self, txid: &Txid) -> Option<i64> {
        let wtx = self.txs.get(txid)?;
        if wtx.tx.is_coinbase() {
            return None;
        }
        let mut inputs = 0i64;
        for input in &wtx.tx.inputs {
            let prev = &self.txs.get(&input.previous_output.txid)?.tx;
            inputs += prev.outputs.get(input.previous_output.vout as usize)?.value;
        }
        Some(inputs - wtx.tx.outputs.iter().map(|o| o.value).sum::<i64>())
    }

    /// The active transaction spending `outpoint`, if any (confirmed or not).
    pub fn spent_by(&self, outpoint: &OutPoint) -> Option<Txid> {
        self.spends.get(outpoint).copied()
    }

    /// The wallet outputs the balance counts: outputs of active transactions that no
    /// confirmed transaction spends, in the order their transactions were seen. An
    /// unconfirmed spend does not hide an output (it may still lose to another transaction
    /// or never confirm); it is named in [`Utxo::pending_spend`]. Their sum is
    /// `confirmed + unconfirmed_incoming` of [`Wallet::balance`].
    pub fn utxos(&self) -> Vec<Utxo> {
        let mut out = Vec::new();
        for wtx in self.in_seen_order().filter(|w| w.status.is_active()) {
            for o in &wtx.owned_outputs {
                let outpoint = OutPoint::new(wtx.txid, o.vout);
                let spender = self.spends.get(&outpoint).copied();
                let confirmed_spend = spender
                    .and_then(|s| self.txs.get(&s))
                    .is_some_and(|w| w.status.block().is_some());
                if confirmed_spend {
                    continue;
                }
                let Some(txout) = wtx.tx.outputs.get(o.vout as usize) else { continue };
                out.push(Utxo {
                    outpoint,
                    value: o.value,
                    script_pubkey: txout.script_pubkey.clone(),
                    owner: o.owner.clone(),
                    height: wtx.status.block().map(|b| b.height),
                    is_coinbase: wtx.tx.is_coinbase(),
                    pending_spend: spender,
                });
            }
        }
        out
    }

    /// The outputs a new transaction may spend: [`Wallet::utxos`] without those an
    /// unconfirmed transaction already spends. Their sum is [`Balance::total`].
    pub fn spendable_utxos(&self) -> Vec<Utxo> {
        self.utxos().into_iter().filter(|u| u.pending_spend.is_none()).collect()
    }

    /// The balance (see [`Balance`]).
    pub fn balance(&self) -> Balance {
        let mut balance = Balance::default();
        for wtx in self.txs.values().filter(|w| w.status.is_active()) {
            let created_confirmed = wtx.status.block().is_some();
            for o in &wtx.owned_outputs {
                let spender = self.spends.get(&OutPoint::new(wtx.txid, o.vout));
                let spent_confirmed =
                    spender.map(|s| self.txs.get(s).is_some_and(|w| w.status.block().is_some()));
                match (created_confirmed, spent_confirmed) {
                    (_, Some(true)) => {}
                    (true, None) => balance.confirmed += o.value,
                    (true, Some(false)) => {
                        balance.confirmed += o.value;
                        balance.unconfirmed_outgoing += o.value;
                    }
                    (false, None) => balance.unconfirmed_incoming += o.value,
                    (false, Some(false)) => {
                        balance.unconfirmed_incoming += o.value;
                        balance.unconfirmed_outgoing += o.value;
                    }
                }
            }
        }
        balance
    }

    /// Every element the bloom filter must contain: the watch list's
    /// ([`WatchList::filter_elements`]) followed by the outpoints of wallet outputs not spent
    /// by a confirmed transaction (an unconfirmed spend may still lose to another).
    pub fn filter_elements(&self) -> Vec<FilterElement> {
        let mut out = self.watch.filter_elements();
        for wtx in self.in_seen_order().filter(|w| w.status.is_active()) {
            for o in &wtx.owned_outputs {
                let outpoint = OutPoint::new(wtx.txid, o.vout);
                let spent_confirmed = self
                    .spends
                    .get(&outpoint)
                    .is_some_and(|s| self.txs.get(s).is_some_and(|w| w.status.block().is_some()));
                if !spent_confirmed {
                    out.push(FilterElement::OutPoint(outpoint));
                }
            }
        }
        out
    }

    fn in_seen_order(&self) -> impl Iterator<Item = &WalletTx> {
        let mut all: Vec<&WalletTx> = self.txs.values().collect();
        all.sort_by_key(|w| w.seen);
        all.into_iter()
    }

    /// The wallet output at `outpoint`, if a wallet transaction created one there.
    /// The output `outpoint` names, if it is a wallet output.
    pub fn wallet_output(&self, outpoint: &OutPoint) -> Option<&crate::tx::TxOut> {
        self.owned_output(outpoint)?;
        self.txs.get(&outpoint.txid)?.tx.outputs.get(outpoint.vout as usize)
    }

    /// Whether every input of `tx` that spends a wallet output paying a key (P2PKH or P2PK)
    /// carries a valid signature for it. Inputs spending other scripts (P2SH, multisig) are
    /// not checked: the wallet cannot run them.
    pub fn spends_are_signed(&self, tx: &Transaction) -> bool {
        tx.inputs.iter().enumerate().all(|(i, input)| {
            match self.wallet_output(&input.previous_output) {
                Some(out)
                    if out.script_pubkey.p2pkh_hash().is_some()
                        || out.script_pubkey.p2pk_pubkey().is_some() =>
                {
                    crate::tx::verify_input(tx, i, &out.script_pubkey).is_ok()
                }
                _ => true,
            }
        })
    }

    fn owned_output(&self, outpoint: &OutPoint) -> Option<&OwnedOutput> {
        self.txs.get(&outpoint.txid)?.owned_outputs.iter().find(|o| o.vout == outpoint.vout)
    }

    /// The outputs of `tx` that pay watch items. Marks used keys, extending lookahead
    /// windows (and claiming again, since a new key may be paid by another output of the
    /// same transaction) and recording the new keys in `change`.
    fn claim_outputs(
        &mut self,
        tx: &Transaction,
        height: Option<u32>,
        change: &mut TxChange,
    ) -> Vec<OwnedOutput> {
        loop {
            let owned: Vec<OwnedOutput> = tx
                .outputs
                .iter()
                .enumerate()
                .filter_map(|(vout, out)| {
                    let owner = self.watch.owner_of(&out.script_pubkey)?;
                    Some(OwnedOutput { vout: vout as u32, value: out.value, owner })
                })
                .collect();
            let mut highest: BTreeMap<(AccountId, ChainKind), u32> = BTreeMap::new();
            for o in &owned {
                if let Owner::Key(p) = &o.owner {
                    let e = highest.entry((p.account, p.chain)).or_insert(p.index);
                    *e = (*e).max(p.index);
                }
            }
            let mut extended = false;
            for ((account, chain), index) in highest {
                let path = KeyPath { account, chain, index };
                if let Some(ext) = self.watch.mark_used(&path, height) {
                    change.new_filter_elements.extend(
                        ext.new_keys.iter().map(|k| FilterElement::PubkeyHash(k.pubkey_hash)),
                    );
                    if let Some(h) = height {
                        change.rescan_from_height =
                            Some(change.rescan_from_height.map_or(h, |r| r.min(h)));
                    }
                    change.events.push(WalletEvent::KeysDerived(ext));
                    extended = true;
                }
            }
            if !extended {
                return owned;
            }
        }
    }

    /// Active transactions other than `txid` spending an output `tx` spends.
    fn rivals(&self, tx: &Transaction, txid: Txid) -> Vec<Txid> {
        let mut out: Vec<Txid> = tx
            .inputs
            .iter()
            .filter_map(|i| self.spends.get(&i.previous_output).copied())
            .filter(|s| *s != txid)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Registers an active transaction's spends and returns its outputs' outpoints as new
    /// filter elements.
    fn activate(&mut self, txid: Txid, elements: &mut Vec<FilterElement>) {
        let Some(wtx) = self.txs.get(&txid) else { return };
        for input in &wtx.tx.inputs {
            if !input.previous_output.is_null() {
                self.spends.insert(input.previous_output, txid);
            }
        }
        elements.extend(
            wtx.owned_outputs.iter().map(|o| FilterElement::OutPoint(OutPoint::new(txid, o.vout))),
        );
    }

    /// Marks `loser` and every active transaction spending its outputs as conflicted.
    fn mark_conflicted(&mut self, loser: Txid, winner: Txid, events: &mut Vec<WalletEvent>) {
        self.retire(loser, TxStatus::Conflicted { by: winner }, events);
    }

    /// Gives `first` and every active transaction spending its outputs the inactive `status`
    /// (conflicted, expired or abandoned), reporting each.
    fn retire(&mut self, first: Txid, status: TxStatus, events: &mut Vec<WalletEvent>) {
        let mut stack = vec![first];
        while let Some(txid) = stack.pop() {
            if !self.txs.get(&txid).is_some_and(|w| w.status.is_active()) {
                continue;
            }
            self.set_status(txid, status);
            let Some(wtx) = self.txs.get(&txid) else { continue };
            events.push(match status {
                TxStatus::Conflicted { by } => WalletEvent::Conflicted { txid, by },
                TxStatus::Abandoned => WalletEvent::Abandoned { txid },
                _ => WalletEvent::Expired { txid },
            });
            for input in &wtx.tx.inputs {
                if self.spends.get(&input.previous_output) == Some(&txid) {
                    self.spends.remove(&input.previous_output);
                }
            }
            for vout in 0..wtx.tx.outputs.len() {
                if let Some(child) = self.spends.get(&OutPoint::new(txid, vout as u32)) {
                    stack.push(*child);
                }
            }
        }
    }

    /// Changes a transaction's status, keeping the height index in step.
    fn set_status(&mut self, txid: Txid, status: TxStatus) {
        let Some(wtx) = self.txs.get_mut(&txid) else { return };
        if let Some(b) = wtx.status.block() {
            self.confirmed.remove(&(b.height, wtx.seen, txid));
        }
        if let Some(b) = status.block() {
            self.confirmed.insert((b.height, wtx.seen, txid));
        }
        wtx.status = status;
        if status != TxStatus::Unconfirmed {
            wtx.unconfirmed_since = 0;
        }
    }

    /// The status a new transaction inherits from a wallet transaction it spends from that
    /// can never confirm: conflicted (by the same winner) or abandoned.
    fn inactive_parent(&self, tx: &Transaction) -> Option<TxStatus> {
        tx.inputs.iter().find_map(|i| match self.txs.get(&i.previous_output.txid)?.status {
            s @ (TxStatus::Conflicted { .. } | TxStatus::Abandoned) => Some(s),
            _ => None,
        })
    }

    /// A transaction the wallet already has, seen again (possibly in a block).
    /// A known transaction seen again (confirmed, or relayed once more): its outputs paying
    /// keys the lookahead derived since it was first seen become the wallet's too. Without
    /// this, a transaction first seen unconfirmed, before a payment in the same block opened
    /// the window of one of its outputs' keys, would keep that output unowned for good.
    fn claim_new_outputs(
        &mut self,
        tx: &Transaction,
        txid: Txid,
        height: Option<u32>,
    ) -> Option<TxChange> {
        let mut change = TxChange {
            txid,
            events: Vec::new(),
            new_filter_elements: Vec::new(),
            rescan_from_height: None,
        };
        let owned = self.claim_outputs(tx, height, &mut change);
        let wtx = self.txs.get_mut(&txid)?;
        let new: Vec<OwnedOutput> = owned
            .into_iter()
            .filter(|o| !wtx.owned_outputs.iter().any(|k| k.vout == o.vout))
            .collect();
        if new.is_empty() && change.events.is_empty() {
            return None;
        }
        if wtx.status.is_active() {
            change
                .new_filter_elements
                .extend(new.iter().map(|o| FilterElement::OutPoint(OutPoint::new(txid, o.vout))));
        }
        wtx.owned_outputs.extend(new);
        wtx.owned_outputs.sort_by_key(|o| o.vout);
        Some(change)
    }

    fn update_known(&mut self, txid: Txid, block: Option<BlockRef>) -> Option<TxChange> {
        let status = self.txs.get(&txid)?.status;
        let mut change = TxChange {
            txid,
            events: Vec::new(),
            new_filter_elements: Vec::new(),
            rescan_from_height: None,
        };
        let Some(block) = block else {
            // Seen unconfirmed again: an expired transaction was rebroadcast and comes back
            // unless something else now spends what it spends.
            let tx = self.txs.get(&txid)?.tx.clone();
            if status != TxStatus::Expired || !self.rivals(&tx, txid).is_empty() {
                return None;
            }
            self.set_status(txid, TxStatus::Unconfirmed);
            if let Some(w) = self.txs.get_mut(&txid) {
                w.unconfirmed_since = self.tip;
            }
            self.activate(txid, &mut change.new_filter_elements);
            let net_amount = self.net_amount(&txid).unwrap_or(0);
            let status = TxStatus::Unconfirmed;
            change.events.push(WalletEvent::NewTransaction { txid, status, net_amount });
            return Some(change);
        };
        match status {
            TxStatus::Confirmed(b) if b == block => return None,
            TxStatus::Confirmed(from) => change.events.push(WalletEvent::Reorged { txid, from }),
            TxStatus::Unconfirmed => {}
            TxStatus::Conflicted { .. } | TxStatus::Expired | TxStatus::Abandoned => {
                let tx = self.txs.get(&txid)?.tx.clone();
                for rival in self.rivals(&tx, txid) {
                    self.mark_conflicted(rival, txid, &mut change.events);
                }
                self.activate(txid, &mut change.new_filter_elements);
            }
        }
        self.set_status(txid, TxStatus::Confirmed(block));
        change.events.push(WalletEvent::Confirmed { txid, block });
        Some(change)
    }
}

/// Confirmations of a transaction in the block at `height` with the tip at `tip` (at
/// least 1).
fn confirmations_at(height: u32, tip: u32) -> u32 {
    tip.saturating_sub(height).saturating_add(1)
}
