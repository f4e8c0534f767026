//! [`SyncEngine`]: header sync, filtered-block download and filter upkeep in one sans-IO
//! state machine, one part of [`crate::machine::StateMachine`]. Inputs are peers becoming ready
//! or gone, their messages and the time; outputs are [`PeerCommand`]s and [`SyncEvent`]s.

use std::collections::{BTreeMap, HashSet};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::bloom::{BlockSample, BloomError};
use crate::chain::{
    trusted_start, ChainError, HeaderSource, HeaderStore, HeaderTree, StoredHeader, TipChange,
    TreeConfig,
};
use crate::hash::{BlockHash, Txid};
use crate::masternode::QuorumBook;
use crate::p2p::{
    services, FilterSource, Misbehavior, Oversize, PeerCommand, PeerId, PeerInfo, Time,
};
use crate::store::Progress;
use crate::tx::Transaction;
use crate::wallet::{BlockRef, FilterElement, TxChange, Wallet, WalletEvent, WatchList};
use crate::wire::{FilterLoad, GetData, Inv, Inventory, IsDLock, MerkleBlock, Message, NotFound};

use super::blocks::{Assembly, BlockDownload, CompletedBlock, Request};
use super::chainlocks::ChainLocks;
use super::filters::Filters;
use super::headers::{self, HeaderSync, MAX_BLOCKS_TO_ANNOUNCE};
use super::relay::{BroadcastOutcome, Broadcasts, InstantLocks, TxRequests};
use super::{SyncConfig, SyncEvent, MAX_GETDATA_BATCH};

mod agreement;
mod delivery;
mod locks;
mod messages;

pub use agreement::{Origin, MAX_ORIGINS};

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
    /// The protocol version both sides speak (`min(ours, theirs)`).
    version: i32,
    start_height: u32,
    /// Unconnecting headers announcements since headers from this peer last connected.
    unconnecting: u32,
    mempool_sent: bool,
    dropped: bool,
    /// NODE_NETWORK_LIMITED without NODE_NETWORK: it serves the last blocks only.
    pruned: bool,
    /// Who it is to the header tree: one source per [`Origin`].
    source: HeaderSource,
    /// Whether it was asked to confirm our tip ([`SyncEngine::ask_for_confirmations`]).
    confirm_asked: bool,
}

/// How deep a pruned peer is asked for blocks: Dash Core's `NODE_NETWORK_LIMITED_MIN_BLOCKS`
/// (288), which such a peer keeps at least; asking it for older ones gets us disconnected.
pub const PRUNED_PEER_DEPTH: u32 = 288;

/// How many peers must claim a start height before it is believed as the network's height
/// (client rule: a single peer's `version` can claim any height).
pub const MIN_AGREEING_PEERS: usize = 2;

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
    tx_requests: TxRequests,
    /// The block being handed to the wallet: its height, who served it and its request's
    /// place in that peer's order.
    delivering: Option<(u32, PeerId, u64)>,
    broadcasts: Broadcasts,
    locks: InstantLocks,
    chainlocks: ChainLocks,
    book: QuorumBook,
    rng: StdRng,
    commands: Vec<PeerCommand>,
    events: Vec<SyncEvent>,
    synced_at: Option<u32>,
    now: Time,
    origins: agreement::Origins,
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
    ///
    /// A `start` below the first stored header (the wallet's birthday moved earlier than the
    /// checkpoint the store began at) restarts the stored chain at `start`, and every block
    /// from the birthday is fetched again; the wallet keeps its transactions.
    pub fn resume(
        config: SyncConfig,
        mut store: S,
        start: StoredHeader,
        mut wallet: Wallet,
        progress: Option<Progress>,
    ) -> Result<Self, SyncError> {
        // The stored chain is contiguous from its first header to its tip: a start height
        // within it but absent lies below the first header.
        let restart = match store.tip().map_err(ChainError::from)? {
            Some(tip) if start.height <= tip.height => {
                store.get_by_height(start.height).map_err(ChainError::from)?.is_none()
            }
            _ => false,
        };
        let tree_config = TreeConfig::for_network(config.params);
        if restart {
            tree_config.checkpoints.check(start.height, &start.hash).map_err(ChainError::from)?;
            // Refused if the headers after it could not have their difficulty checked.
            trusted_start(config.params, &tree_config.checkpoints, &[start])?;
            store.restart(start).map_err(ChainError::from)?;
        }
        let max_reorg = tree_config.max_fork_depth;
        let tree = HeaderTree::new(config.params, tree_config, store, &[start])?;
        let start_height = tree.header_at(start.height)?.map_or(tree.tip().height, |s| s.height);
        let mut events = Vec::new();
        let processed = match progress {
            _ if restart => start_height,
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
        let filters = Filters::new(&wallet.filter_elements(), &config)?;
        let first = config.birthday_height.max(start_height + 1).max(processed.saturating_add(1));
        let mut blocks = BlockDownload::new(first);
        blocks.queue(first, tree.tip().height);
        let rng = StdRng::seed_from_u64(config.seed ^ 0x6272_6f61_6463_6173);
        let book = QuorumBook::new(config.params.network);
        Ok(SyncEngine {
            config,
            tree,
            start_height,
            wallet,
            filters,
            headers: HeaderSync::default(),
            blocks,
            peers: BTreeMap::new(),
            tx_requests: TxRequests::default(),
            delivering: None,
            broadcasts: Broadcasts::default(),
            locks: InstantLocks::default(),
            chainlocks: ChainLocks::default(),
            book,
            rng,
            commands: Vec::new(),
            events,
            synced_at: None,
            now: 0,
            origins: agreement::Origins::default(),
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
    /// relevant and spends no input a verified InstantSend lock of another holds), about half
    /// of the ready peers (at least one) get an `inv`, and a `getdata` for it is answered with
    /// the `tx`. [`SyncEvent::Broadcast`] reports the outcome; the timeout runs from the time
    /// of the engine's last input. Peers that connect while it is pending are announced to
    /// while fewer than half hold it.
    pub fn broadcast(&mut self, tx: Transaction) -> Txid {
        let txid = tx.txid();
        let refused = self.lock_conflict(&tx).is_some();
        if let Some(change) = self.wallet.process_transaction(&tx, None).filter(|_| !refused) {
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
            let item = Inventory::Tx(*txid);
            self.send(peer, Message::Inv(Inv::new(vec![item])));
        }
    }

    /// Fetches blocks again from `from` (not below the birthday).
    fn rescan(&mut self, from: u32) {
        let tip = self.tree.tip().height;
        self.blocks.restart_from(from.max(self.config.birthday_height), tip);
        self.synced_at = None;
    }

    /// How the engine syncs.
    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    /// The wallet.
    pub fn wallet(&self) -> &Wallet {
        &self.wallet
    }

    /// The header tree.
    pub fn tree(&self) -> &HeaderTree<S> {
        &self.tree
    }

    /// The store behind the header tree, the engine being done with.
    pub fn into_store(self) -> S {
        self.tree.into_store()
    }

    /// The store behind the header tree (see [`HeaderTree::store_mut`]).
    pub fn store_mut(&mut self) -> &mut S {
        self.tree.store_mut()
    }

    /// The filters.
    pub fn filters(&self) -> &Filters {
        &self.filters
    }

    /// The `filterload` new peers get.
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
    pub fn drain_commands(&mut self) -> Vec<PeerCommand> {
        std::mem::take(&mut self.commands)
    }

    /// Events for the layer above, in order.
    pub fn drain_events(&mut self) -> Vec<SyncEvent> {
        std::mem::take(&mut self.events)
    }

    fn send(&mut self, peer: PeerId, message: Message) {
        if matches!(message, Message::FilterLoad(_)) {
            if let Some(p) = self.blocks.peers.get_mut(&peer) {
                p.loaded_at_seq = p.next_seq;
            }
        }
        self.commands.push(PeerCommand::Send { peer, message });
    }

    fn punish(&mut self, peer: PeerId, what: Misbehavior) {
        if what.score() >= crate::p2p::misbehavior::DISCOURAGEMENT_THRESHOLD {
            if let Some(p) = self.peers.get_mut(&peer) {
                p.dropped = true;
                // A peer found misbehaving vouches for nothing.
                let source = p.source;
                self.tree.withdraw(source);
            }
            self.forget_peer(peer);
        }
        self.commands.push(PeerCommand::Misbehaving { peer, what });
    }

    /// `peer` finished its handshake; [`FilterSource::filter_for`] gave it our filter.
    pub fn on_peer_ready(&mut self, peer: PeerId, info: &PeerInfo, now: Time) {
        self.now = now;
        self.add_peer(peer, info);
        self.step();
    }

    /// `peer` is gone.
    pub fn on_peer_gone(&mut self, peer: PeerId, now: Time) {
        self.now = now;
        self.forget_peer(peer);
        self.peers.remove(&peer);
        self.step();
    }

    /// A message from a ready peer.
    pub fn on_message(&mut self, peer: PeerId, message: Message, now: Time) {
        self.now = now;
        self.dispatch(peer, message);
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
                p.in_flight
                    .iter()
                    .chain(p.assembly.as_ref().map(|a| &a.request))
                    .any(|r| !r.reassigned && !r.stale)
                    && now.saturating_sub(p.last_progress) > timeout
            })
            .map(|(&id, _)| id)
            .collect();
        for peer in slow {
            // Its requests go to other peers; its late answers are still used. The
            // connection's own stall detection drops it if it delivers nothing at all.
            self.blocks.reassign(peer, now);
            if self.headers.sync_peer == Some(peer) {
                self.switch_sync_peer(peer);
            }
        }
        for (peer, txid) in self.tx_requests.expire(now) {
            self.filters.on_not_found(peer, txid);
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

    fn add_peer(&mut self, peer: PeerId, info: &PeerInfo) {
        let source = self.source_of(info.addr);
        self.peers.insert(
            peer,
            PeerState {
                headers2: info.headers2,
                version: info.version.min(crate::network::PROTOCOL_VERSION),
                pruned: info.services & services::NODE_NETWORK == 0
                    && info.services & services::NODE_NETWORK_LIMITED != 0,
                start_height: info.start_height.max(0) as u32,
                unconnecting: 0,
                mempool_sent: false,
                dropped: false,
                source,
                confirm_asked: false,
            },
        );
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
        self.tx_requests.forget_peer(peer);
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

    /// After every input: ask for headers, deliver blocks, refill windows, report sync.
    fn step(&mut self) {
        if self.headers.in_flight.is_none() && !self.headers.caught_up {
            if let Some(peer) = self.headers.sync_peer.filter(|p| self.peer_usable(Some(*p))) {
                self.request_headers(peer);
            }
        }
        self.ask_for_confirmations();
        self.deliver();
        self.fill_requests();
        let tip = self.tree.tip().height;
        let done = self.headers.caught_up
            && self.tree.has_minimum_work()
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

/// The filter a handshake ends with is the engine's current one, and the peer's mirror
/// starts from it.
impl<S: HeaderStore> FilterSource for SyncEngine<S> {
    fn filter_for(&mut self, peer: PeerId, _: &PeerInfo) -> Option<FilterLoad> {
        Some(self.filters.give(peer))
    }
}
