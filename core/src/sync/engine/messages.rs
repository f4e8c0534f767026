//! Peer messages: headers, inventory, `getdata` for our broadcasts, locks, and
//! what a new best chain means for the block download.

use super::*;

impl<S: HeaderStore> SyncEngine<S> {
    pub(super) fn dispatch(&mut self, peer: PeerId, message: Message) {
        if !self.peer_usable(Some(peer)) {
            return;
        }
        match message {
            Message::Headers2(h2) => {
                let version = self.peers.get(&peer).map_or(0, |p| p.version);
                let limit = headers::limit(true, version);
                if h2.headers.len() > limit {
                    self.punish(peer, Misbehavior::Oversized(Oversize::Headers2));
                    return;
                }
                let full = h2.headers.len() == limit;
                match h2.decompress(|h| h.block_hash()) {
                    Ok(hs) => {
                        let hs: Vec<_> = hs.into_iter().map(|h| (h.header, h.hash)).collect();
                        self.on_headers(peer, hs, full);
                    }
                    Err(_) => self.punish(peer, Misbehavior::Headers2Undecodable),
                }
            }
            Message::Headers(h) => {
                let full = h.headers.len() == headers::limit(false, 0);
                // Plain headers carry every prev hash: X11 runs on every core.
                let threads = crate::chain::default_threads();
                let hs = crate::chain::hash_headers_parallel(&h.headers, threads)
                    .into_iter()
                    .map(|h| (h.header, h.hash))
                    .collect();
                self.on_headers(peer, hs, full);
            }
            Message::MerkleBlock(mb) => self.on_merkleblock(peer, mb),
            Message::Tx(tx) => self.on_tx(peer, tx),
            Message::Inv(inv) => {
                let mut want = Vec::new();
                let mut block = false;
                let mut known = None;
                for item in inv.inventory {
                    match item {
                        Inventory::Tx(txid) => {
                            self.filters.on_announced(peer, txid);
                            if let Some(tx) = self.broadcasts.tx(&txid).cloned() {
                                // Ours: no need to fetch it, the mirror learns from our copy.
                                self.filters.on_tx(peer, &tx);
                                if self.broadcasts.on_announced(peer, &txid) {
                                    self.events.push(SyncEvent::Broadcast {
                                        txid,
                                        outcome: BroadcastOutcome::Propagated,
                                    });
                                }
                                continue;
                            }
                            // Fetched from every peer that announces it, even if another peer
                            // sent it already: this peer's mirror must learn its update.
                            if self.tx_requests.ask(peer, txid, self.now) {
                                want.push(item);
                            } else {
                                self.filters.on_not_found(peer, txid);
                            }
                        }
                        // A block we hold: the peer confirms it. One we do not: ask for it.
                        Inventory::Block(hash) => match self.tree.header_by_hash(&hash) {
                            Ok(Some(_)) => known = Some(hash),
                            _ => block = true,
                        },
                        Inventory::Isdlock(hash) if self.locks.want(hash) => want.push(item),
                        Inventory::Clsig(hash) if self.chainlocks.want(hash) => want.push(item),
                        _ => {}
                    }
                }
                if !want.is_empty() {
                    self.send(peer, Message::GetData(GetData::new(want)));
                }
                // One claim per source: only the last block it announced counts.
                if let Some(hash) = known {
                    self.tree.confirm(self.source(peer), &hash);
                }
                if block {
                    self.request_headers(peer);
                }
            }
            Message::GetData(gd) => self.on_getdata(peer, gd),
            Message::IsDLock(lock) => self.on_lock(peer, lock),
            Message::ClSig(clsig) => self.on_clsig(peer, clsig),
            Message::NotFound(nf) => {
                for item in &nf.inventory {
                    let Inventory::Tx(txid) = *item else { continue };
                    self.tx_requests.not_found(peer, &txid);
                    self.filters.on_not_found(peer, txid);
                }
            }
            _ => {}
        }
    }

    /// Serves our pending broadcasts; other transactions are `notfound`.
    pub(super) fn on_getdata(&mut self, peer: PeerId, gd: GetData) {
        let mut missing = Vec::new();
        for item in gd.inventory {
            let Inventory::Tx(txid) = item else { continue };
            match self.broadcasts.tx(&txid) {
                Some(tx) => {
                    let tx = tx.clone();
                    self.send(peer, Message::Tx(tx));
                }
                None => missing.push(item),
            }
        }
        if !missing.is_empty() {
            self.send(peer, Message::NotFound(NotFound::new(missing)));
        }
    }

    /// `peer`'s header source (that of its origin).
    pub(super) fn source(&self, peer: PeerId) -> crate::chain::HeaderSource {
        self.peers.get(&peer).map_or(0, |p| p.source)
    }

    pub(super) fn request_headers(&mut self, peer: PeerId) {
        let Some(state) = self.peers.get(&peer) else { return };
        let h2 = state.headers2;
        let Ok(locator) = headers::locator(&self.tree, self.start_height) else { return };
        self.send(peer, headers::request(locator, h2));
        if self.headers.sync_peer == Some(peer) || self.headers.in_flight.is_none() {
            self.headers.sent(peer, self.now);
        }
    }

    pub(super) fn on_headers(
        &mut self,
        peer: PeerId,
        hs: Vec<(crate::wire::BlockHeader, BlockHash)>,
        full: bool,
    ) {
        let awaited = self.headers.is_awaited_from(peer);
        if awaited {
            self.headers.in_flight = None;
        }
        if hs.is_empty() {
            if awaited {
                self.headers.caught_up = true;
            }
            return;
        }
        let out = self.tree.accept_headers_from(self.source(peer), &hs, self.now / 1000);
        if let Some(change) = out.tip_change {
            self.on_tip_change(change);
        }
        self.apply_chain_lock(true);
        let tip = self.tree.tip().height;
        if out.accepted > 0 {
            let network_height = self.agreed_start_height();
            self.events
                .push(SyncEvent::Headers { height: tip, network_height: network_height.max(tip) });
        }
        match out.error {
            None => {
                if let Some(state) = self.peers.get_mut(&peer) {
                    state.unconnecting = 0;
                }
                if full {
                    self.request_headers(peer);
                } else if awaited || self.headers.sync_peer == Some(peer) {
                    self.headers.caught_up = true;
                }
            }
            // Dash Core (`HandleFewUnconnectingHeaders`): a short batch whose first header's
            // parent is unknown is a new-block announcement we are behind on: ask the peer
            // for headers, and count it; every tenth in a row scores 20. A long batch that
            // does not connect is scored as a missing parent (10).
            Some(ChainError::Invalid(v @ crate::chain::ValidationError::Unconnected { .. }))
                if out.accepted == 0 =>
            {
                if hs.len() > MAX_BLOCKS_TO_ANNOUNCE {
                    self.punish(peer, Misbehavior::InvalidHeader(v));
                    return;
                }
                let Some(state) = self.peers.get_mut(&peer) else { return };
                state.unconnecting += 1;
                let what = Misbehavior::UnconnectingHeaders { count: state.unconnecting };
                if what.score() > 0 {
                    self.punish(peer, what);
                }
                if self.peer_usable(Some(peer)) {
                    self.request_headers(peer);
                }
            }
            // A peer on a branch that conflicts with our ChainLock: asking another peer for
            // the same headers would only bring the same branch; the next announcement asks.
            Some(ChainError::Invalid(
                v @ crate::chain::ValidationError::ConflictsWithChainLock { .. },
            )) => {
                self.punish(peer, Misbehavior::InvalidHeader(v));
                if awaited {
                    self.headers.caught_up = true;
                }
            }
            Some(ChainError::Invalid(v)) => {
                if v.misbehavior_score() > 0 {
                    self.punish(peer, Misbehavior::InvalidHeader(v));
                }
                if awaited {
                    self.switch_sync_peer(peer);
                    // No other peer to ask: wait for an announcement rather than ask the
                    // same peer for the same headers at once (e.g. a header too far in the
                    // future for our clock).
                    if self.headers.sync_peer == Some(peer) {
                        self.headers.caught_up = true;
                    }
                }
            }
            Some(_) => {}
        }
    }

    /// The best height at least [`MIN_AGREEING_PEERS`] ready peers claim in their `version`:
    /// one peer's start height is a claim anyone can make up, so it never alone sets the
    /// height the network is believed to have.
    pub(super) fn agreed_start_height(&self) -> u32 {
        let mut claims: Vec<u32> =
            self.peers.values().filter(|p| !p.dropped).map(|p| p.start_height).collect();
        claims.sort_unstable_by(|a, b| b.cmp(a));
        claims.get(MIN_AGREEING_PEERS - 1).copied().unwrap_or(0)
    }

    /// The block `block_hash` is proven invalid by what it contains: the CbTx of a verified
    /// masternode list diff from `prover` breaks a best-ChainLock rule, so Dash Core refuses
    /// the block (`bad-cbtx-…`) and never follows it. It and its descendants leave the header
    /// tree ([`crate::chain::HeaderTree::invalidate`]), the best chain falls back to the
    /// most-work branch left, and every other peer whose headers named them is scored
    /// [`Misbehavior::InvalidBlock`] (`prover` is scored by the list sync). Headers are asked
    /// again, so that a valid branch another peer holds is found. A block final under the
    /// applied ChainLock, or no longer held, changes nothing.
    pub fn on_invalid_block(&mut self, prover: PeerId, block_hash: BlockHash, now: Time) {
        self.now = now;
        let invalidated = match self.tree.invalidate(&block_hash) {
            Ok(Some(i)) => i,
            Ok(None) => return,
            Err(e) => {
                log::warn!("invalidating {block_hash}: {e}");
                return;
            }
        };
        log::info!("block {block_hash} is invalid: it and its descendants are dropped");
        if let Some(change) = invalidated.tip_change {
            self.on_tip_change(change);
            let tip = self.tree.tip().height;
            let network_height = self.agreed_start_height().max(tip);
            self.events.push(SyncEvent::Headers { height: tip, network_height });
        }
        let senders: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|(id, p)| {
                **id != prover && !p.dropped && invalidated.sources.contains(&p.source)
            })
            .map(|(id, _)| *id)
            .collect();
        for peer in senders {
            self.punish(peer, Misbehavior::InvalidBlock);
        }
        if !self.peer_usable(self.headers.sync_peer) {
            self.switch_sync_peer(prover);
        }
        self.headers.caught_up = false;
        self.step();
    }

    pub(super) fn on_tip_change(&mut self, change: TipChange) {
        let tip = self.tree.tip().height;
        if change.is_reorg() {
            let lowest = change.disconnected.iter().map(|d| d.0).min().unwrap_or(tip);
            let fork_height = lowest.saturating_sub(1);
            self.events.push(SyncEvent::Reorg {
                fork_height,
                disconnected: change.disconnected.clone(),
                connected: change.connected.clone(),
            });
            // Not only when `lowest < next_deliver`: a rescan started by the block just
            // delivered (a lookahead extension) puts `next_deliver` back to that block's
            // height while the wallet keeps its transactions. The wallet disconnects only
            // what it holds at or above `lowest`, so this is a no-op below its blocks.
            self.book.disconnect_from(lowest);
            for e in self.wallet.disconnect_blocks(lowest) {
                self.events.push(SyncEvent::Wallet(e));
            }
            let from = lowest.max(self.config.birthday_height);
            self.blocks.restart_from(from, tip);
        } else if let (Some(first), Some(last)) =
            (change.connected.first(), change.connected.last())
        {
            self.blocks.queue(first.0.max(self.config.birthday_height), last.0);
        }
        self.synced_at = None;
    }
}
