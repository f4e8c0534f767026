//! Filtered blocks: `merkleblock` + `tx` assembly, delivery to the wallet in height order,
//! the filter changes a block causes, and the request windows.

use super::*;

impl<S: HeaderStore> SyncEngine<S> {
    pub(super) fn on_merkleblock(&mut self, peer: PeerId, mb: MerkleBlock) {
        let now = self.now;
        // A new merkleblock while the previous block's transactions are missing.
        if let Some(p) = self.blocks.peers.get_mut(&peer) {
            if let Some(a) = p.assembly.take() {
                self.blocks.requeue([a.request]);
                self.punish(
                    peer,
                    Misbehavior::Other {
                        what: "withheld matched transactions",
                        score: SCORE_WITHHELD_TXS,
                    },
                );
                return;
            }
        }
        let Some(p) = self.blocks.peers.get_mut(&peer) else { return };
        // Dash Core answers in order: it should be the oldest request; else search by hash.
        let pos = match p.in_flight.front() {
            Some(r)
                if self
                    .tree
                    .header_by_hash(&r.hash)
                    .ok()
                    .flatten()
                    .is_some_and(|s| s.header == mb.header) =>
            {
                Some(0)
            }
            _ => {
                let hash = mb.header.block_hash();
                p.in_flight.iter().position(|r| r.hash == hash)
            }
        };
        let Some(pos) = pos else {
            self.punish(peer, Misbehavior::Unsolicited { command: "merkleblock".into() });
            return;
        };
        let Some(request) = p.in_flight.remove(pos) else { return };
        p.last_progress = now;
        p.timed_out = false;
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
            started: now,
        };
        if assembly.is_complete() {
            self.blocks.complete(assembly.finish(peer));
        } else if let Some(p) = self.blocks.peers.get_mut(&peer) {
            p.assembly = Some(assembly);
        }
    }

    pub(super) fn on_tx(&mut self, peer: PeerId, tx: Transaction) {
        let delivery = self.filters.on_tx(peer, &tx);
        let txid = tx.txid();
        if let Some(p) = self.blocks.peers.get_mut(&peer) {
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
        // Not part of a block: explicitly unconfirmed.
        let _ = delivery == TxDelivery::Unexpected;
        self.requested_txs.remove(&txid);
        if let Some(change) = self.wallet.process_transaction(&tx, None) {
            self.apply_change(change);
        }
    }

    pub(super) fn apply_change(&mut self, change: TxChange) -> Option<u32> {
        let mut learned = Vec::new();
        for e in change.events {
            if let WalletEvent::NewTransaction { txid, .. } = &e {
                learned.push(*txid);
            }
            self.events.push(SyncEvent::Wallet(e));
        }
        for txid in learned {
            if let Some(lock) = self.locks.on_tx_known(&txid) {
                self.events.push(SyncEvent::InstantLock { txid, lock });
            }
        }
        self.apply_filter_elements(&change.new_filter_elements, change.rescan_from_height)
    }

    /// Sends `elements` to the peers; returns the height to fetch blocks again from.
    pub(super) fn apply_filter_elements(
        &mut self,
        elements: &[FilterElement],
        rescan_from: Option<u32>,
    ) -> Option<u32> {
        if elements.is_empty() {
            return None;
        }
        let update = self.filters.watch(elements, rescan_from);
        for (peer, m) in update.messages {
            self.send(peer, m);
        }
        if update.reloaded {
            // Blocks asked before a filterload were filtered with the old filter.
            Some(
                update
                    .rescan_from
                    .unwrap_or(self.blocks.next_deliver)
                    .min(self.blocks.next_deliver),
            )
        } else {
            update.rescan_from
        }
    }

    /// Hands completed blocks to the wallet in height order.
    pub(super) fn deliver(&mut self) {
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

    /// Deals the pending heights over the peers with room in their window, in batches of
    /// [`REQUEST_BATCH`] round-robin, so that every ready peer gets a share.
    pub(super) fn fill_requests(&mut self) {
        let limit = self.blocks.limit(self.config.reorder_window);
        let window = self.config.blocks_in_flight;
        let mut rooms: Vec<(PeerId, usize, bool)> = self
            .blocks
            .peers
            .iter()
            .filter(|(id, p)| {
                p.in_flight.len() <= window / 2
                    && self.peer_usable(Some(**id))
                    && self.filters.peer(**id).is_some()
            })
            .map(|(id, p)| (*id, window.saturating_sub(p.in_flight.len()), p.timed_out))
            .filter(|(_, room, _)| *room > 0)
            .collect();
        if rooms.iter().any(|(_, _, slow)| !slow) {
            rooms.retain(|(_, _, slow)| !slow);
        }
        let mut dealt: BTreeMap<PeerId, Vec<u32>> = BTreeMap::new();
        'deal: loop {
            let mut any = false;
            for (peer, room, _) in rooms.iter_mut().filter(|(_, r, _)| *r > 0) {
                let heights = self.blocks.take(REQUEST_BATCH.min(*room), limit);
                if heights.is_empty() {
                    break 'deal;
                }
                *room -= heights.len();
                dealt.entry(*peer).or_default().extend(heights);
                any = true;
            }
            if !any {
                break;
            }
        }
        let epoch = self.blocks.epoch;
        for (peer, heights) in dealt {
            let mut reqs = Vec::with_capacity(heights.len());
            for h in heights {
                if let Ok(Some(s)) = self.tree.header_at(h) {
                    reqs.push(Request { height: h, hash: s.hash, epoch });
                }
            }
            if reqs.is_empty() {
                continue;
            }
            if let Some(p) = self.blocks.peers.get_mut(&peer) {
                if p.in_flight.is_empty() {
                    p.last_progress = self.now;
                }
                p.in_flight.extend(reqs.iter().copied());
            }
            for chunk in reqs.chunks(MAX_GETDATA_BATCH) {
                let inv = chunk
                    .iter()
                    .map(|r| {
                        Inventory::new(
                            InvType::FilteredBlock,
                            Hash256::from_byte_array(r.hash.to_byte_array()),
                        )
                    })
                    .collect();
                self.send(peer, Message::GetData(GetData::new(inv)));
            }
        }
    }
}
