//! [`SyncEngine`]: header sync, filtered-block download and filter upkeep in one sans-IO
//! state machine. Inputs are the node's [`Event`]s (with the `filterload` each new peer was
//! given) and the time; outputs are [`Command`]s for the node and [`SyncEvent`]s.

use std::collections::{BTreeMap, HashSet};

use crate::bloom::{BlockSample, BloomError, TxDelivery};
use crate::chain::{ChainError, HeaderStore, HeaderTree, StoredHeader, TipChange, TreeConfig};
use crate::hash::{BlockHash, Hash256};
use crate::p2p::{Command, Event, Misbehavior, PeerId, PeerInfo, Time};
use crate::tx::Transaction;
use crate::wallet::{BlockRef, TxChange, Wallet};
use crate::wire::{FilterLoad, GetData, InvType, Inventory, MerkleBlock, Message};

use super::blocks::{Assembly, BlockDownload, CompletedBlock, Request};
use super::filters::Filters;
use super::headers::{self, HeaderSync};
use super::{SyncConfig, SyncEvent, MAX_GETDATA_BATCH};

/// Dash Core sends every matched transaction right after its `merkleblock`
/// (`ProcessGetBlockData`): a peer that starts another block first withheld one.
pub const SCORE_WITHHELD_TXS: u32 = 100;
/// Most unconnecting announcements answered with `getheaders` per peer before they count as
/// misbehaviour (Dash Core `MAX_NUM_UNCONNECTING_HEADERS_MSGS` is 10).
pub const MAX_UNCONNECTING: u32 = 10;

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The header tree could not open its store.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The wallet's filter could not be built.
    #[error(transparent)]
    Bloom(#[from] BloomError),
}

#[derive(Debug, Clone)]
struct PeerState {
    headers2: bool,
    start_height: u32,
    unconnecting: u32,
    mempool_sent: bool,
    dropped: bool,
}

/// The sync engine (see the module docs).
#[derive(Debug)]
pub struct SyncEngine<S: HeaderStore> {
    config: SyncConfig,
    tree: HeaderTree<S>,
    start_height: u32,
    wallet: Wallet,
    filters: Filters,
    headers: HeaderSync,
    blocks: BlockDownload,
    peers: BTreeMap<PeerId, PeerState>,
    requested_txs: HashSet<crate::hash::Txid>,
    commands: Vec<Command>,
    events: Vec<SyncEvent>,
    synced_at: Option<u32>,
    now: Time,
}

impl<S: HeaderStore> SyncEngine<S> {
    /// An engine over `store` (given `start` if empty), feeding `wallet`.
    pub fn new(
        config: SyncConfig,
        store: S,
        start: StoredHeader,
        wallet: Wallet,
    ) -> Result<Self, SyncError> {
        let tree = HeaderTree::new(
            config.params,
            TreeConfig::for_network(config.params),
            store,
            &[start],
        )?;
        let start_height = tree.header_at(start.height)?.map_or(tree.tip().height, |s| s.height);
        let filters = Filters::new(&wallet.filter_elements(), config.seed)?;
        let first = config.birthday_height.max(start_height + 1).max(wallet.tip() + 1);
        let mut blocks = BlockDownload::new(first);
        blocks.queue(first, tree.tip().height);
        Ok(SyncEngine {
            config,
            tree,
            start_height,
            wallet,
            filters,
            headers: HeaderSync::default(),
            blocks,
            peers: BTreeMap::new(),
            requested_txs: HashSet::new(),
            commands: Vec::new(),
            events: Vec::new(),
            synced_at: None,
            now: 0,
        })
    }

    /// The wallet.
    pub fn wallet(&self) -> &Wallet {
        &self.wallet
    }

    /// The header tree.
    pub fn tree(&self) -> &HeaderTree<S> {
        &self.tree
    }

    /// The store behind the header tree (see [`HeaderTree::store_mut`]).
    pub fn store_mut(&mut self) -> &mut S {
        self.tree.store_mut()
    }

    /// The filters.
    pub fn filters(&self) -> &Filters {
        &self.filters
    }

    /// The `filterload` new peers should get.
    pub fn filter_load(&self) -> FilterLoad {
        self.filters.filter_load()
    }

    /// Changes whenever [`Self::filter_load`] does.
    pub fn filter_generation(&self) -> u64 {
        self.filters.generation()
    }

    /// The height up to which the wallet has seen every block.
    pub fn blocks_height(&self) -> u32 {
        self.blocks.next_deliver.saturating_sub(1)
    }

    /// Whether headers and blocks are complete.
    pub fn is_synced(&self) -> bool {
        self.synced_at.is_some()
    }

    /// Commands for the node, in order.
    pub fn drain_commands(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.commands)
    }

    /// Events for the layer above, in order.
    pub fn drain_events(&mut self) -> Vec<SyncEvent> {
        std::mem::take(&mut self.events)
    }

    fn send(&mut self, peer: PeerId, message: Message) {
        self.commands.push(Command::Send { peer, message });
    }

    fn punish(&mut self, peer: PeerId, what: Misbehavior) {
        if what.score() >= crate::p2p::misbehavior::DISCOURAGEMENT_THRESHOLD {
            if let Some(p) = self.peers.get_mut(&peer) {
                p.dropped = true;
            }
            self.forget_peer(peer);
        }
        self.commands.push(Command::Misbehaving { peer, what });
    }

    /// One event of the node. `loaded` is the `filterload` a [`Event::PeerReady`] peer got.
    pub fn on_event(&mut self, event: Event, loaded: Option<FilterLoad>, now: Time) {
        self.now = now;
        match event {
            Event::PeerReady { peer, info, .. } => self.on_peer_ready(peer, &info, loaded),
            Event::PeerDisconnected { peer, .. } => {
                self.forget_peer(peer);
                self.peers.remove(&peer);
            }
            Event::Message { peer, message } => self.on_message(peer, message),
            Event::SyncPeer(Some(peer)) if !self.peer_usable(self.headers.sync_peer) => {
                self.headers.sync_peer = Some(peer);
            }
            _ => {}
        }
        self.step();
    }

    /// The time passed: timeouts.
    pub fn on_tick(&mut self, now: Time) {
        self.now = now;
        if let Some(peer) = self.headers.timed_out(now, self.config.headers_timeout) {
            self.headers.in_flight = None;
            self.switch_sync_peer(peer);
        }
        let timeout = self.config.block_timeout;
        let slow: Vec<PeerId> = self
            .blocks
            .peers
            .iter()
            .filter(|(_, p)| {
                (!p.in_flight.is_empty() || p.assembly.is_some())
                    && now.saturating_sub(p.last_progress) > timeout
            })
            .map(|(&id, _)| id)
            .collect();
        for peer in slow {
            if let Some(p) = self.blocks.peers.get_mut(&peer) {
                let reqs: Vec<Request> =
                    p.in_flight.drain(..).chain(p.assembly.take().map(|a| a.request)).collect();
                p.last_progress = now;
                self.blocks.requeue(reqs);
            }
            self.commands.push(Command::ClearRequests(peer));
            if self.headers.sync_peer == Some(peer) {
                self.switch_sync_peer(peer);
            }
        }
        self.step();
    }

    fn peer_usable(&self, peer: Option<PeerId>) -> bool {
        peer.and_then(|p| self.peers.get(&p)).is_some_and(|p| !p.dropped)
    }

    fn switch_sync_peer(&mut self, from: PeerId) {
        let next =
            self.peers.iter().filter(|(&id, p)| id != from && !p.dropped).map(|(&id, _)| id).next();
        self.headers.sync_peer = next.or(Some(from).filter(|p| self.peer_usable(Some(*p))));
    }

    fn on_peer_ready(&mut self, peer: PeerId, info: &PeerInfo, loaded: Option<FilterLoad>) {
        self.peers.insert(
            peer,
            PeerState {
                headers2: info.headers2,
                start_height: info.start_height.max(0) as u32,
                unconnecting: 0,
                mempool_sent: false,
                dropped: false,
            },
        );
        if let Some(m) = self.filters.on_peer_ready(peer, loaded) {
            self.send(peer, m);
        }
        self.blocks.add_peer(peer, self.now);
        if !self.peer_usable(self.headers.sync_peer) {
            // A new sync peer (first connection, or after every peer was lost): ask it what
            // it has, even if the last one said we were caught up.
            self.headers.sync_peer = Some(peer);
            self.headers.caught_up = false;
        }
    }

    fn forget_peer(&mut self, peer: PeerId) {
        self.blocks.remove_peer(peer);
        self.filters.remove_peer(peer);
        if self.headers.is_awaited_from(peer) {
            self.headers.in_flight = None;
        }
        if self.headers.sync_peer == Some(peer) {
            self.switch_sync_peer(peer);
            if self.headers.sync_peer == Some(peer) {
                self.headers.sync_peer = None;
            }
        }
    }

    fn on_message(&mut self, peer: PeerId, message: Message) {
        if !self.peer_usable(Some(peer)) {
            return;
        }
        match message {
            Message::Headers2(h2) => {
                let full = headers::is_full(h2.headers.len(), true);
                match h2.decompress(|h| h.block_hash()) {
                    Ok(hs) => {
                        let hs: Vec<_> = hs.into_iter().map(|h| (h.header, h.hash)).collect();
                        self.on_headers(peer, hs, full);
                    }
                    Err(_) => self.punish(
                        peer,
                        Misbehavior::Other { what: "undecodable headers2", score: 100 },
                    ),
                }
            }
            Message::Headers(h) => {
                let full = headers::is_full(h.headers.len(), false);
                let hs = h.headers.iter().map(|h| (*h, h.block_hash())).collect();
                self.on_headers(peer, hs, full);
            }
            Message::MerkleBlock(mb) => self.on_merkleblock(peer, mb),
            Message::Tx(tx) => self.on_tx(peer, tx),
            Message::Inv(inv) => {
                let mut want = Vec::new();
                let mut block = false;
                for item in inv.inventory {
                    match item.inv_type {
                        InvType::Tx => {
                            let txid =
                                crate::hash::Txid::from_byte_array(item.hash.to_byte_array());
                            self.filters.on_announced(peer, txid);
                            if self.requested_txs.len() < 50_000 && self.requested_txs.insert(txid)
                            {
                                want.push(item);
                            } else {
                                // Already asked elsewhere: still fetch it so this peer's mirror
                                // learns its update.
                                want.push(item);
                            }
                        }
                        InvType::Block => block = true,
                        _ => {}
                    }
                }
                if !want.is_empty() {
                    self.send(peer, Message::GetData(GetData::new(want)));
                }
                if block {
                    self.request_headers(peer);
                }
            }
            Message::NotFound(nf) => {
                for item in nf.inventory.iter().filter(|i| i.inv_type == InvType::Tx) {
                    let txid = crate::hash::Txid::from_byte_array(item.hash.to_byte_array());
                    self.filters.on_not_found(peer, txid);
                }
            }
            _ => {}
        }
    }

    fn request_headers(&mut self, peer: PeerId) {
        let Some(state) = self.peers.get(&peer) else { return };
        let h2 = state.headers2;
        let Ok(locator) = headers::locator(&self.tree, self.start_height) else { return };
        self.send(peer, headers::request(locator, h2));
        if self.headers.sync_peer == Some(peer) || self.headers.in_flight.is_none() {
            self.headers.sent(peer, self.now);
        }
    }

    fn on_headers(
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
        let out = self.tree.accept_headers(&hs, self.now / 1000);
        if let Some(change) = out.tip_change {
            self.on_tip_change(change);
        }
        let tip = self.tree.tip().height;
        if out.accepted > 0 {
            self.commands.push(Command::HeadersProven { peer, height: tip });
            self.commands.push(Command::SetHeight(tip));
            let network_height = self.peers.values().map(|p| p.start_height).max().unwrap_or(0);
            self.events
                .push(SyncEvent::Headers { height: tip, network_height: network_height.max(tip) });
        }
        match out.error {
            None => {
                if full {
                    self.request_headers(peer);
                } else if awaited || self.headers.sync_peer == Some(peer) {
                    self.headers.caught_up = true;
                }
            }
            Some(ChainError::Invalid(crate::chain::ValidationError::Unconnected { .. }))
                if out.accepted == 0 =>
            {
                let Some(state) = self.peers.get_mut(&peer) else { return };
                state.unconnecting += 1;
                if state.unconnecting > MAX_UNCONNECTING {
                    self.punish(
                        peer,
                        Misbehavior::Other { what: "unconnecting headers", score: 20 },
                    );
                } else {
                    self.request_headers(peer);
                }
            }
            Some(ChainError::Invalid(v)) => {
                if v.misbehavior_score() > 0 {
                    self.punish(peer, Misbehavior::InvalidHeader(v));
                }
                if awaited {
                    self.switch_sync_peer(peer);
                }
            }
            Some(_) => {}
        }
    }

    fn on_tip_change(&mut self, change: TipChange) {
        let tip = self.tree.tip().height;
        if change.is_reorg() {
            let lowest = change.disconnected.iter().map(|d| d.0).min().unwrap_or(tip);
            let fork_height = lowest.saturating_sub(1);
            self.events.push(SyncEvent::Reorg {
                fork_height,
                disconnected: change.disconnected.clone(),
                connected: change.connected.clone(),
            });
            if lowest < self.blocks.next_deliver {
                for e in self.wallet.disconnect_blocks(lowest) {
                    self.events.push(SyncEvent::Wallet(e));
                }
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

    fn on_merkleblock(&mut self, peer: PeerId, mb: MerkleBlock) {
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

    fn on_tx(&mut self, peer: PeerId, tx: Transaction) {
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

    fn apply_change(&mut self, change: TxChange) -> Option<u32> {
        self.events.extend(change.events.into_iter().map(SyncEvent::Wallet));
        if change.new_filter_elements.is_empty() {
            return None;
        }
        let update = self.filters.watch(&change.new_filter_elements, change.rescan_from_height);
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
    fn deliver(&mut self) {
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

    fn process_block(&mut self, block: &CompletedBlock) -> Option<u32> {
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

    /// Fills every peer's request window.
    fn fill_requests(&mut self) {
        let limit = self.blocks.limit(self.config.reorder_window);
        let window = self.config.blocks_in_flight;
        let peers: Vec<PeerId> = self
            .blocks
            .peers
            .iter()
            .filter(|(id, p)| p.in_flight.len() <= window / 2 && self.peer_usable(Some(**id)))
            .map(|(id, _)| *id)
            .collect();
        for peer in peers {
            if self.filters.peer(peer).is_none() {
                continue;
            }
            let Some(p) = self.blocks.peers.get(&peer) else { continue };
            let room = (window - p.in_flight.len()).min(MAX_GETDATA_BATCH);
            let heights = self.blocks.take(room, limit);
            if heights.is_empty() {
                break;
            }
            let epoch = self.blocks.epoch;
            let mut reqs = Vec::with_capacity(heights.len());
            for h in heights {
                if let Ok(Some(s)) = self.tree.header_at(h) {
                    reqs.push(Request { height: h, hash: s.hash, epoch });
                }
            }
            if reqs.is_empty() {
                continue;
            }
            let inv = reqs
                .iter()
                .map(|r| {
                    Inventory::new(
                        InvType::FilteredBlock,
                        Hash256::from_byte_array(r.hash.to_byte_array()),
                    )
                })
                .collect();
            if let Some(p) = self.blocks.peers.get_mut(&peer) {
                if p.in_flight.is_empty() {
                    p.last_progress = self.now;
                }
                p.in_flight.extend(reqs);
            }
            self.send(peer, Message::GetData(GetData::new(inv)));
        }
    }

    /// After every input: ask for headers, deliver blocks, refill windows, report sync.
    fn step(&mut self) {
        if self.headers.in_flight.is_none() && !self.headers.caught_up {
            if let Some(peer) = self.headers.sync_peer.filter(|p| self.peer_usable(Some(*p))) {
                self.request_headers(peer);
            }
        }
        self.deliver();
        self.fill_requests();
        let tip = self.tree.tip().height;
        let done = self.headers.caught_up
            && self.headers.in_flight.is_none()
            && self.blocks.next_deliver > tip;
        if done && self.synced_at != Some(tip) && self.blocks.pending.is_empty() {
            self.synced_at = Some(tip);
            self.events.push(SyncEvent::Synced { height: tip });
        }
        if self.synced_at.is_some() {
            let unsent: Vec<PeerId> = self
                .peers
                .iter()
                .filter(|(_, p)| !p.mempool_sent && !p.dropped)
                .map(|(id, _)| *id)
                .collect();
            for peer in unsent {
                if let Some(p) = self.peers.get_mut(&peer) {
                    p.mempool_sent = true;
                }
                self.send(peer, Message::Mempool);
            }
        }
    }
}
