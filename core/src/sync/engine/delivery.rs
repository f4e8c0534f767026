//! Filtered blocks: `merkleblock` + `tx` assembly, delivery to the wallet in height order,
//! the filter changes a block causes, and the request windows.

use super::*;
use crate::encode::{compact_size_len, Encode};

/// Bytes of a message's envelope (magic, command, length, checksum).
const MESSAGE_HEADER_SIZE: usize = 24;

/// The block window is refilled once this fraction of it (1/n) is free.
const REFILL_FRACTION: usize = 4;

/// A `merkleblock`'s size on the wire, envelope included.
fn merkleblock_wire_size(mb: &MerkleBlock) -> usize {
    MESSAGE_HEADER_SIZE
        + 80
        + 4
        + compact_size_len(mb.hashes.len() as u64)
        + 32 * mb.hashes.len()
        + compact_size_len(mb.flags.len() as u64)
        + mb.flags.len()
}

impl<S: HeaderStore> SyncEngine<S> {
    pub(super) fn on_merkleblock(&mut self, peer: PeerId, mb: MerkleBlock) {
        let now = self.now;
        let Some(p) = self.blocks.peers.get_mut(&peer) else { return };
        // A new merkleblock while the previous block's transactions are missing.
        if let Some(a) = p.assembly.take() {
            self.blocks.requeue([a.request]);
            self.punish(peer, Misbehavior::WithheldTransactions);
            return;
        }
        // Dash Core answers in order: it should be the oldest request; else search by hash.
        let front_matches = p.in_flight.front().is_some_and(|r| {
            self.tree.header_by_hash(&r.hash).ok().flatten().is_some_and(|s| s.header == mb.header)
        });
        let pos = if front_matches {
            Some(0)
        } else {
            let hash = mb.header.block_hash();
            p.in_flight.iter().position(|r| r.hash == hash)
        };
        // Dash Core serves a peer's `getdata` entries in the order it read them and skips a
        // block it will not serve: the requests before the answered one will never be
        // answered. They must not be matched with a later answer to the same block (asked
        // again meanwhile): its place in the peer's order, which says which filter matched
        // it, is the later request's.
        let skipped: Vec<Request> = match pos {
            Some(pos) => p.in_flight.drain(..pos).collect(),
            None => Vec::new(),
        };
        let request = pos.and_then(|_| p.in_flight.pop_front());
        self.blocks.requeue(skipped);
        let Some(p) = self.blocks.peers.get_mut(&peer) else { return };
        let Some(request) = request else {
            // Not asked of this peer (or asked so long ago that it was forgotten): its
            // filter still changed as it matched the block, so the mirror follows; the block
            // itself is not used, and a late or stray answer costs the peer nothing.
            if let Ok(matched) = mb.matched_txids() {
                let txids: Vec<_> = matched.iter().map(|m| m.txid).collect();
                self.filters.on_merkleblock(peer, &txids);
            }
            return;
        };
        p.last_progress = now;
        p.timed_out = false;
        p.on_block_bytes(merkleblock_wire_size(&mb));
        // The header must be the one of our chain we asked for (equal bytes, so equal hash).
        let ours = self.tree.header_by_hash(&request.hash).ok().flatten();
        if ours.map(|s| s.header) != Some(mb.header) {
            self.blocks.requeue([request]);
            self.punish(peer, Misbehavior::BadMerkleBlock);
            return;
        }
        let matched = match mb.matched_txids() {
            Ok(m) => m,
            Err(_) => {
                self.blocks.requeue([request]);
                self.punish(peer, Misbehavior::BadMerkleBlock);
                return;
            }
        };
        let txids: Vec<_> = matched.iter().map(|m| m.txid).collect();
        self.filters.on_merkleblock(peer, &txids);
        let assembly = Assembly {
            request,
            header: mb.header,
            total_transactions: mb.total_transactions,
            matched: txids,
            txs: Default::default(),
        };
        if assembly.is_complete() {
            self.blocks.complete(assembly.finish(peer));
        } else if let Some(p) = self.blocks.peers.get_mut(&peer) {
            p.assembly = Some(assembly);
        }
    }

    pub(super) fn on_tx(&mut self, peer: PeerId, tx: Transaction) {
        self.filters.on_tx(peer, &tx);
        let txid = tx.txid();
        if let Some(p) = self.blocks.peers.get_mut(&peer) {
            if p.assembly.as_ref().is_some_and(|a| a.matched.contains(&txid)) {
                p.on_tx_bytes(MESSAGE_HEADER_SIZE + tx.to_bytes().len());
            }
            if let Some(a) = p.assembly.as_mut() {
                if a.matched.contains(&txid) {
                    a.txs.insert(txid, tx);
                    if a.is_complete() {
                        if let Some(a) = p.assembly.take() {
                            self.blocks.complete(a.finish(peer));
                        }
                    }
                    return;
                }
            }
        }
        // Not part of a block: unconfirmed, but only if we asked this peer for it. Nobody
        // else's word puts a transaction into the wallet.
        if self.tx_requests.answered(peer, &txid) {
            self.on_unconfirmed(peer, tx);
        }
    }

    /// A transaction we asked a peer for, in no block we know of. A spend of a wallet coin
    /// must carry the coin's signature: Dash Core relays no transaction with an invalid one,
    /// so a peer that sends one forged it.
    pub(super) fn on_unconfirmed(&mut self, peer: PeerId, tx: Transaction) {
        if !self.wallet.spends_are_signed(&tx) {
            self.punish(peer, Misbehavior::InvalidTransaction);
            return;
        }
        // Dash Core refuses it too ("tx-txlock-conflict", no penalty).
        if self.lock_conflict(&tx).is_some() {
            return;
        }
        if let Some(change) = self.wallet.process_transaction(&tx, None) {
            if let Some(from) = self.apply_change(change) {
                self.rescan(from);
            }
        }
    }

    pub(super) fn apply_change(&mut self, change: TxChange) -> Option<u32> {
        let mut learned = Vec::new();
        for e in change.events {
            match &e {
                WalletEvent::NewTransaction { txid, .. } => learned.push(*txid),
                // A block confirmed a conflicting spend: the chain overrides the lock.
                WalletEvent::Conflicted { txid, .. } => self.locks.drop_lock(txid),
                _ => {}
            }
            self.events.push(SyncEvent::Wallet(e));
        }
        for txid in learned {
            if let Some(lock) = self.locks.on_tx_known(&txid) {
                self.report_instant_lock(lock);
            }
        }
        self.apply_filter_elements(&change.new_filter_elements, change.rescan_from_height)
    }

    /// Sends `elements` to the peers; returns the height to fetch blocks again from.
    ///
    /// Blocks above the one being delivered (or, outside a delivery, above the wallet's
    /// height) that a peer was asked for before its filter held the elements are asked for
    /// again ([`BlockDownload::invalidate_after`]). The peer that served the block being
    /// delivered applied BLOOM_UPDATE to its own filter while matching it, so its later
    /// requests are good if its mirror held every element already; every other peer only has
    /// them from the `filteradd` sent now.
    pub(super) fn apply_filter_elements(
        &mut self,
        elements: &[FilterElement],
        rescan_from: Option<u32>,
    ) -> Option<u32> {
        if elements.is_empty() {
            return None;
        }
        let (after, served) = match self.delivering {
            Some((height, peer, seq)) => (height, Some((peer, seq))),
            None => (self.blocks.next_deliver.saturating_sub(1), None),
        };
        // Per peer, the requests matched without the elements: `seq < upto || seq >= from`.
        let lacking: BTreeMap<PeerId, (u64, u64)> = self
            .blocks
            .peers
            .iter()
            .map(|(&peer, p)| {
                let updated_itself = served
                    .filter(|&(by, _)| by == peer && self.filters.holds(peer, elements))
                    .map(|(_, seq)| seq);
                let range = match updated_itself {
                    // It added the elements while matching the block being delivered, so what
                    // it was asked after that holds them, until a `filterload` replaced that
                    // filter: what was asked after the load lacks them again (Dash Core serves
                    // a peer's `getdata`s before it reads its next message).
                    Some(seq) if seq < p.loaded_at_seq => (seq + 1, p.loaded_at_seq),
                    Some(seq) => (seq + 1, u64::MAX),
                    // The others have them only from the `filteradd` or `filterload` sent now.
                    None => (p.next_seq, u64::MAX),
                };
                (peer, range)
            })
            .collect();
        let update = self.filters.watch(elements, rescan_from);
        for (peer, m) in update.messages {
            self.send(peer, m);
        }
        self.blocks.invalidate_after(after, |peer, seq| {
            lacking.get(&peer).is_none_or(|&(upto, from)| seq < upto || seq >= from)
        });
        // A reload needs no rescan of its own: the new filter holds every element the old one
        // did, so a block asked before it lacks at most `elements`, which the thresholds above
        // judged per peer, including what a reload made a peer forget (`loaded_at_seq`).
        update.rescan_from
    }

    /// The peer filtered blocks stream from: the current one while it is usable and keeps up,
    /// else the first usable peer that has not timed out (one that can serve `lowest`, the
    /// lowest height still to ask for, if any can), else any usable one.
    pub(super) fn block_peer(&mut self, lowest: u32, pruned_floor: u32) -> Option<PeerId> {
        let candidates: Vec<(PeerId, bool, bool)> = self
            .blocks
            .peers
            .iter()
            .filter(|(id, _)| self.peer_usable(Some(**id)) && self.filters.peer(**id).is_some())
            .map(|(id, p)| {
                let pruned = self.peers.get(id).is_some_and(|s| s.pruned);
                (*id, p.timed_out, !pruned || lowest >= pruned_floor)
            })
            .collect();
        let current = self.blocks.stream.and_then(|s| candidates.iter().find(|c| c.0 == s));
        if let Some(&(id, false, true)) = current {
            return Some(id);
        }
        let choice = candidates
            .iter()
            .find(|c| !c.1 && c.2)
            .or_else(|| candidates.iter().find(|c| c.2))
            .or_else(|| candidates.first())
            .map(|c| c.0);
        self.blocks.stream = choice;
        choice
    }

    /// Hands completed blocks to the wallet in height order.
    pub(super) fn deliver(&mut self) {
        // Below the minimum chain work the headers may be a peer's invention: no block of
        // them confirms anything until the chain is proven.
        if !self.tree.has_minimum_work() {
            return;
        }
        let mut delivered = None;
        while let Some(block) = self.blocks.next_ready() {
            // Still on the best chain?
            let current = self.tree.header_at(block.height).ok().flatten().map(|s| s.hash);
            if current != Some(block.hash) {
                self.blocks.next_deliver = block.height;
                self.blocks.pending.insert(block.height);
                break;
            }
            let rescan = self.process_block(&block);
            delivered = Some(block.height);
            if let Some(from) = rescan {
                let tip = self.tree.tip().height;
                self.blocks.restart_from(from.max(self.config.birthday_height), tip);
                break;
            }
        }
        if let Some(height) = delivered {
            for e in self.wallet.set_tip(height) {
                self.events.push(SyncEvent::Wallet(e));
            }
            self.events.push(SyncEvent::Blocks { height, tip: self.tree.tip().height });
        }
    }

    pub(super) fn process_block(&mut self, block: &CompletedBlock) -> Option<u32> {
        let bref = BlockRef { height: block.height, hash: block.hash, time: Some(block.time) };
        let mut rescan: Option<u32> = None;
        let mut ours = 0;
        self.delivering = Some((block.height, block.peer, block.seq));
        for tx in &block.txs {
            let known = self.wallet.transaction(&tx.txid()).is_some();
            if let Some(change) = self.wallet.process_transaction(tx, Some(bref)) {
                if let Some(r) = self.apply_change(change) {
                    rescan = Some(rescan.map_or(r, |x| x.min(r)));
                }
            }
            if known || self.wallet.transaction(&tx.txid()).is_some() {
                ours += 1;
            }
        }
        let sample = BlockSample {
            height: block.height,
            total_transactions: block.total_transactions,
            matched: block.txs.len() as u32,
            ours,
        };
        self.delivering = None;
        let (drift, needs_reload) = self.filters.on_block(block.peer, sample);
        if drift.is_some() || needs_reload {
            if let Some((peer, m)) = self.filters.reload_peer(block.peer) {
                self.send(peer, m);
            }
        }
        if let Some(d) = drift {
            rescan = Some(rescan.map_or(d.since_height, |x| x.min(d.since_height)));
        }
        rescan
    }

    /// Deals pending heights to the block peer, up to its window.
    ///
    /// Filtered blocks stream from one peer at a time, in height order. Dash Core updates the
    /// peer's copy of our filter as it matches each block (BLOOM_UPDATE_ALL adds the outpoint
    /// of every matched output), so a spend in any later block that peer serves is matched
    /// without us sending anything: blocks dealt round-robin to several peers would be
    /// filtered without the outpoints the others' blocks created, and every payment would
    /// make the blocks other peers owe stale ([`BlockDownload::invalidate_after`] catches
    /// that, at the cost of asking again). Another peer takes over the stream when the block
    /// peer times out or leaves.
    ///
    /// A pruned peer (NODE_NETWORK_LIMITED without NODE_NETWORK) is dealt only heights within
    /// [`PRUNED_PEER_DEPTH`] of the tip: Dash Core disconnects a peer that asks it for older
    /// blocks.
    pub(super) fn fill_requests(&mut self) {
        let limit = self.blocks.limit(self.config.reorder_window);
        let tip = self.tree.tip().height;
        let pruned_floor = tip.saturating_sub(PRUNED_PEER_DEPTH - 1);
        let Some(lowest) = self.blocks.pending.range(..limit).next().copied() else { return };
        let Some(peer) = self.block_peer(lowest, pruned_floor) else { return };
        let Some(p) = self.blocks.peers.get(&peer) else { return };
        let window = p.window(self.config.blocks_in_flight, self.config.bytes_in_flight);
        let room = window.saturating_sub(p.in_flight.len());
        // Refill in batches (a quarter of the window), not one request per answer, and
        // early enough that the peer still has three quarters to serve meanwhile.
        if room == 0 || room < window.div_ceil(REFILL_FRACTION) {
            return;
        }
        let floor = if self.peers.get(&peer).is_some_and(|s| s.pruned) { pruned_floor } else { 0 };
        let heights = self.blocks.take_from(room, floor, limit);
        if heights.is_empty() {
            return;
        }
        let epoch = self.blocks.epoch;
        let Some(p) = self.blocks.peers.get_mut(&peer) else { return };
        let mut reqs = Vec::with_capacity(heights.len());
        for h in heights {
            if let Ok(Some(s)) = self.tree.header_at(h) {
                reqs.push(Request::new(h, s.hash, epoch, p.next_seq));
                p.next_seq += 1;
            }
        }
        if p.in_flight.is_empty() {
            p.last_progress = self.now;
        }
        p.in_flight.extend(reqs.iter().copied());
        for chunk in reqs.chunks(MAX_GETDATA_BATCH) {
            let inv = chunk.iter().map(|r| Inventory::FilteredBlock(r.hash)).collect();
            self.send(peer, Message::GetData(GetData::new(inv)));
        }
    }
}
