//! [`SyncEngine`]: header sync, filtered-block download and filter upkeep in one sans-IO
//! state machine. Inputs are the node's [`Event`]s (with the `filterload` each new peer was
//! given) and the time; outputs are [`Command`]s for the node and [`SyncEvent`]s.

use std::collections::{BTreeMap, HashSet};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::bloom::{BlockSample, BloomError, TxDelivery};
use crate::chain::{ChainError, HeaderStore, HeaderTree, StoredHeader, TipChange, TreeConfig};
use crate::hash::{BlockHash, Hash256, Txid};
use crate::p2p::{Command, Event, Misbehavior, PeerId, PeerInfo, Time};
use crate::store::Progress;
use crate::tx::Transaction;
use crate::wallet::{BlockRef, FilterElement, TxChange, Wallet, WalletEvent, WatchList};
use crate::wire::{
    FilterLoad, GetData, Inv, InvType, Inventory, IsDLock, MerkleBlock, Message, NotFound,
};

use super::blocks::{Assembly, BlockDownload, CompletedBlock, Request};
use super::filters::Filters;
use super::headers::{self, HeaderSync};
use super::relay::{BroadcastOutcome, Broadcasts, InstantLocks};
use super::{SyncConfig, SyncEvent, MAX_GETDATA_BATCH, REQUEST_BATCH};

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
    broadcasts: Broadcasts,
    locks: InstantLocks,
    rng: StdRng,
    commands: Vec<Command>,
    events: Vec<SyncEvent>,
    synced_at: Option<u32>,
    now: Time,
}

impl<S: HeaderStore> SyncEngine<S> {
    /// An engine over `store` (given `start` if empty), feeding `wallet`; blocks are fetched
    /// after the wallet's tip. Same as [`Self::resume`] without a progress.
    pub fn new(
        config: SyncConfig,
        store: S,
        start: StoredHeader,
        wallet: Wallet,
    ) -> Result<Self, SyncError> {
        Self::resume(config, store, start, wallet, None)
    }

    /// An engine over restored state: `store` (given `start` if empty) and `wallet`, which
    /// has processed every filtered block up to `progress`.
    ///
    /// * `progress` on the store's best chain: blocks are fetched from the next height on.
    /// * `progress` off the best chain (the process stopped after a reorg reached the store
    ///   but before the wallet did): a reorg. The wallet's blocks are disconnected from the
    ///   lowest height at which a confirmed wallet transaction's block is not the best
    ///   chain's (looking no deeper than the tree's maximum fork depth below `progress`),
    ///   and blocks are fetched again from there or from the deepest height the reorg could
    ///   have started at, whichever is lower. The wallet's events are queued
    ///   ([`Self::drain_events`]).
    /// * no `progress`: as [`Self::new`] (after the wallet's tip).
    pub fn resume(
        config: SyncConfig,
        store: S,
        start: StoredHeader,
        mut wallet: Wallet,
        progress: Option<Progress>,
    ) -> Result<Self, SyncError> {
        let tree_config = TreeConfig::for_network(config.params);
        let max_reorg = tree_config.max_fork_depth;
        let tree = HeaderTree::new(config.params, tree_config, store, &[start])?;
        let start_height = tree.header_at(start.height)?.map_or(tree.tip().height, |s| s.height);
        let mut events = Vec::new();
        let processed = match progress {
            None => wallet.tip(),
            Some(p) if tree.header_at(p.height)?.is_some_and(|s| s.hash == p.hash) => p.height,
            Some(p) => {
                // The last block both branches share is at least this high.
                let floor = p.height.saturating_sub(max_reorg);
                let mut stale = None::<u32>;
                for b in wallet.transactions().iter().filter_map(|w| w.status.block()) {
                    if b.height >= floor
                        && tree.header_at(b.height)?.map(|s| s.hash) != Some(b.hash)
                    {
                        stale = Some(stale.map_or(b.height, |s| s.min(b.height)));
                    }
                }
                if let Some(h) = stale {
                    events.extend(wallet.disconnect_blocks(h).into_iter().map(SyncEvent::Wallet));
                }
                stale.map_or(floor, |h| h.saturating_sub(1).min(floor))
            }
        };
        let filters =
            Filters::new(&wallet.filter_elements(), config.seed, config.false_positive_rate)?;
        let first = config.birthday_height.max(start_height + 1).max(processed.saturating_add(1));
        let mut blocks = BlockDownload::new(first);
        blocks.queue(first, tree.tip().height);
        let rng = StdRng::seed_from_u64(config.seed ^ 0x6272_6f61_6463_6173);
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
            broadcasts: Broadcasts::default(),
            locks: InstantLocks::default(),
            rng,
            commands: Vec::new(),
            events,
            synced_at: None,
            now: 0,
        })
    }

    /// The last block handed to the wallet (every filtered block up to it is processed), on
    /// the best chain: what a store records as the wallet's [`Progress`]. A rescan or a reorg
    /// moves it back. `None` while its header is not known.
    pub fn progress(&self) -> Option<Progress> {
        let height = self.blocks.next_deliver.checked_sub(1)?;
        let stored = self.tree.header_at(height).ok().flatten()?;
        Some(Progress { height, hash: stored.hash })
    }

    /// Changes the wallet's watch list at run time through `edit` (e.g.
    /// `|w| w.add_address(addr)`) and returns what `edit` returned. The filter elements it
    /// added go to every peer as `filteradd` (or a reload) exactly as for a lookahead
    /// extension. Every block handed to the wallet afterwards was filtered with them: blocks
    /// requested before are requested again; with `rescan_from`, blocks from that height on
    /// (not below the birthday) are fetched again too.
    pub fn update_watch_list<R>(
        &mut self,
        rescan_from: Option<u32>,
        edit: impl FnOnce(&mut WatchList) -> R,
    ) -> R {
        let before: HashSet<FilterElement> = self.wallet.filter_elements().into_iter().collect();
        let out = edit(self.wallet.watch_list_mut());
        let added: Vec<FilterElement> =
            self.wallet.filter_elements().into_iter().filter(|e| !before.contains(e)).collect();
        if added.is_empty() && rescan_from.is_none() {
            return out;
        }
        let mut from = self.apply_filter_elements(&added, rescan_from);
        if let Some(r) = rescan_from {
            from = Some(from.map_or(r, |f| f.min(r)));
        }
        let next = self.blocks.next_deliver;
        if !added.is_empty() && (self.blocks.in_flight() > 0 || !self.blocks.buffer.is_empty()) {
            from = Some(from.map_or(next, |f| f.min(next)));
        }
        if let Some(f) = from {
            self.rescan(f);
        }
        self.step();
        out
    }

    /// Broadcasts a signed transaction: the wallet gets it as unconfirmed (if it is
    /// relevant), about half of the ready peers (at least one) get an `inv`, and a `getdata`
    /// for it is answered with the `tx`. [`SyncEvent::Broadcast`] reports the outcome (see
    /// [`super::relay`]); the timeout runs from the time of the engine's last input. Peers
    /// that connect while it is pending are announced to while fewer than half hold it.
    pub fn broadcast(&mut self, tx: Transaction) -> Txid {
        let txid = tx.txid();
        if let Some(change) = self.wallet.process_transaction(&tx, None) {
            if let Some(from) = self.apply_change(change) {
                self.rescan(from);
            }
        }
        let deadline = self.now.saturating_add(self.config.broadcast_timeout);
        if self.broadcasts.start(tx, deadline) {
            let mut ready = self.ready_peers();
            ready.shuffle(&mut self.rng);
            self.announce(&txid, &ready);
        }
        self.step();
        txid
    }

    /// The peers a pending broadcast was announced to (empty once it ended).
    pub fn broadcast_peers(&self, txid: &Txid) -> Vec<PeerId> {
        self.broadcasts.announced_to(txid)
    }

    fn ready_peers(&self) -> Vec<PeerId> {
        self.peers.iter().filter(|(_, p)| !p.dropped).map(|(&id, _)| id).collect()
    }

    fn announce(&mut self, txid: &Txid, ready: &[PeerId]) {
        for peer in self.broadcasts.announce(txid, ready) {
            let item = Inventory::new(InvType::Tx, Hash256::from_byte_array(txid.to_byte_array()));
            self.send(peer, Message::Inv(Inv::new(vec![item])));
        }
    }

    /// Fetches blocks again from `from` (not below the birthday).
    fn rescan(&mut self, from: u32) {
        let tip = self.tree.tip().height;
        self.blocks.restart_from(from.max(self.config.birthday_height), tip);
        self.synced_at = None;
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
                p.timed_out = true;
                self.blocks.requeue(reqs);
            }
            self.commands.push(Command::ClearRequests(peer));
            if self.headers.sync_peer == Some(peer) {
                self.switch_sync_peer(peer);
            }
        }
        for txid in self.broadcasts.timed_out(now) {
            self.events.push(SyncEvent::Broadcast { txid, outcome: BroadcastOutcome::TimedOut });
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
        // Pending broadcasts: the new peer first, so that it gets the announcement if one is
        // due (the peers holding it may have left).
        let mut others: Vec<PeerId> =
            self.ready_peers().into_iter().filter(|&p| p != peer).collect();
        others.shuffle(&mut self.rng);
        let ready: Vec<PeerId> = std::iter::once(peer).chain(others).collect();
        for txid in self.broadcasts.txids() {
            self.announce(&txid, &ready);
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
                for item in inv.inventory {
                    match item.inv_type {
                        InvType::Tx => {
                            let txid =
                                crate::hash::Txid::from_byte_array(item.hash.to_byte_array());
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
                        InvType::Isdlock if self.locks.want(item.hash) => want.push(item),
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
            Message::GetData(gd) => self.on_getdata(peer, gd),
            Message::IsDLock(lock) => self.on_lock(lock),
            Message::NotFound(nf) => {
                for item in nf.inventory.iter().filter(|i| i.inv_type == InvType::Tx) {
                    let txid = crate::hash::Txid::from_byte_array(item.hash.to_byte_array());
                    self.filters.on_not_found(peer, txid);
                }
            }
            _ => {}
        }
    }

    /// Serves our pending broadcasts; other transactions are `notfound`.
    fn on_getdata(&mut self, peer: PeerId, gd: GetData) {
        let mut missing = Vec::new();
        for item in gd.inventory.into_iter().filter(|i| i.inv_type == InvType::Tx) {
            let txid = Txid::from_byte_array(item.hash.to_byte_array());
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

    fn on_lock(&mut self, lock: IsDLock) {
        let known = self.wallet.transaction(&lock.txid).is_some();
        if let Some(lock) = self.locks.on_lock(lock, known) {
            self.events.push(SyncEvent::InstantLock { txid: lock.txid, lock });
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
    fn apply_filter_elements(
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

    /// Deals the pending heights over the peers with room in their window, in batches of
    /// [`REQUEST_BATCH`] round-robin, so that every ready peer gets a share.
    fn fill_requests(&mut self) {
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
