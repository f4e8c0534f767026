//! The protocol state machine: every part of the client's peer-to-peer protocol composed into
//! one sans-IO [`StateMachine`] with one ordered outbox (DESIGN.md principle 1).
//!
//! * the connection manager ([`crate::p2p`]): connections, handshakes, liveness, addresses,
//!   misbehaviour scores and bans — the one table of scores;
//! * the sync engine ([`crate::sync`]): the sync peer, headers, filtered blocks, the bloom
//!   filters and their per-peer mirrors, broadcasts, ChainLocks and InstantSend locks
//!   (verified against the quorums of the lists given to [`StateMachine::on_masternode_list`]);
//! * the spork service ([`crate::spork`]), when enabled the governance service
//!   ([`crate::governance`]), and the masternode list sync ([`crate::masternode::MasternodeSync`]),
//!   whose every verified list goes through [`StateMachine::on_masternode_list`], and whose
//!   diffs' CbTx best ChainLocks reach the sync engine as received `clsig`s
//!   ([`SyncEngine::on_coinbase_chain_lock`]). The lists a restored service kept are
//!   replayed into the quorum book and the governance service when the machine is built.
//!
//! Inputs are the `on_*` methods and the commands ([`StateMachine::broadcast`],
//! [`StateMachine::update_watch_list`], ...), each given the time; outputs are drained with
//! [`StateMachine::drain_outputs`]: I/O for the driver ([`Output::Connect`],
//! [`Output::Send`], [`Output::Disconnect`], [`Output::Resolve`]) and [`Event`]s, in the order
//! they happened. Parts talk to each other only through the machine, inside the same call:
//! the `filterload` a handshake ends with is the sync engine's current filter, a score given
//! by the sync engine reaches the connection manager before the next input, and nothing is
//! shared between tasks.
//!
//! The async driver is [`crate::node`]; the deterministic simulator in the testkit drives the
//! same machine with virtual time.

use std::collections::VecDeque;
use std::net::SocketAddr;

use crate::chain::{HeaderStore, HeaderTree};
use crate::governance::{GovernanceEvent, GovernanceService};
use crate::hash::{BlockHash, Txid};
use crate::masternode::{MasternodeEvent, MasternodeList, MasternodeSync};
use crate::p2p::{
    AddrBook, BanList, Config as P2pConfig, ConnectionManager, DisconnectReason,
    Event as PeerEvent, Misbehavior, Output as PeerOutput, PeerCommand, PeerId, PeerInfo, Time,
};
use crate::spork::{SporkEvent, SporkService};
use crate::sync::{SyncEngine, SyncEvent};
use crate::tx::Transaction;
use crate::wallet::{TxStatus, Wallet, WalletEvent, WatchList};
use crate::wire::{FrameError, Message, MessageError};

/// How often the sync engine's and the services' timers are checked (request timeouts,
/// broadcast timeouts, governance rounds): the longest [`StateMachine::next_deadline`] lies
/// ahead.
pub const TICK: Time = 250;

/// What the machine asks the driver to do ([`Output::Connect`], [`Output::Send`],
/// [`Output::Disconnect`], [`Output::Resolve`]: the connection manager's I/O, passed through),
/// or reports ([`Output::Event`]).
pub type Output = PeerOutput<Event>;

/// What happened, for the application.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A peer completed its handshake (and was given our filter).
    PeerConnected {
        /// The connection.
        peer: PeerId,
        /// What it told us about itself.
        info: PeerInfo,
    },
    /// A peer is gone (also reported for connections whose handshake never completed).
    PeerDisconnected {
        /// The connection.
        peer: PeerId,
        /// Its address.
        addr: SocketAddr,
        /// Why.
        reason: DisconnectReason,
        /// Whether its handshake had completed ([`Event::PeerConnected`] was reported).
        was_ready: bool,
    },
    /// A peer was penalised.
    Misbehaved {
        /// The peer.
        peer: PeerId,
        /// What it did.
        what: Misbehavior,
        /// Its score after this penalty.
        score: u32,
    },
    /// Headers, filtered blocks, the wallet, broadcasts, locks.
    Sync(SyncEvent),
    /// Sporks.
    Spork(SporkEvent),
    /// Governance objects and votes.
    Governance(GovernanceEvent),
    /// The masternode list.
    Masternodes(MasternodeEvent),
}

/// The parts a machine is made of, restored or new.
#[derive(Debug)]
pub struct Parts<S: HeaderStore> {
    /// The connection manager's configuration.
    pub p2p: P2pConfig,
    /// Known addresses.
    pub address_book: AddrBook,
    /// Banned addresses.
    pub bans: BanList,
    /// The sync engine (with the wallet and the header store).
    pub sync: SyncEngine<S>,
    /// The spork service.
    pub sporks: SporkService,
    /// The governance service, when governance is synced.
    pub governance: Option<GovernanceService>,
    /// The masternode list sync, when the list is followed.
    pub masternodes: Option<MasternodeSync>,
    /// Seed of the connection manager's random choices (nonces, addresses).
    pub seed: u64,
}

impl<S: HeaderStore> Parts<S> {
    /// Parts for a first run: an empty address book and ban list, the sporks service, the
    /// masternode list sync from zero (from the network's DIP3 activation height), no
    /// governance.
    pub fn new(p2p: P2pConfig, sync: SyncEngine<S>, seed: u64) -> Self {
        let params = sync.config().params;
        Parts {
            address_book: AddrBook::new(p2p.max_addresses),
            bans: BanList::new(),
            p2p,
            sync,
            sporks: SporkService::new(params),
            governance: None,
            masternodes: Some(MasternodeSync::new(params.dip3_height)),
            seed,
        }
    }
}

/// The protocol state machine (see the module docs).
#[derive(Debug)]
pub struct StateMachine<S: HeaderStore> {
    peers: ConnectionManager,
    sync: SyncEngine<S>,
    sporks: SporkService,
    governance: Option<GovernanceService>,
    masternodes: Option<MasternodeSync>,
    /// The newest verified masternode list, as [`Self::on_masternode_list`] recorded it.
    masternode_list: Option<(u32, std::sync::Arc<MasternodeList>)>,
    /// Whether the governance round of this run was started (at the first `Synced`).
    governance_started: bool,
    outbox: VecDeque<Output>,
    now: Time,
    last_tick: Time,
}

impl<S: HeaderStore> StateMachine<S> {
    /// A machine made of `parts`, at `now`.
    pub fn new(parts: Parts<S>, now: Time) -> Self {
        let mut peers =
            ConnectionManager::new(parts.p2p, parts.address_book, parts.bans, parts.seed, now);
        peers.set_height(parts.sync.tree().tip().height);
        let mut machine = StateMachine {
            peers,
            sync: parts.sync,
            sporks: parts.sporks,
            governance: parts.governance,
            masternode_list: parts
                .masternodes
                .as_ref()
                .and_then(|m| m.current())
                .map(|s| (s.height, s.list.clone())),
            masternodes: parts.masternodes,
            governance_started: false,
            outbox: VecDeque::new(),
            now,
            last_tick: now,
        };
        machine.replay_kept_lists();
        if let Some(g) = machine.governance.as_mut() {
            for wtx in machine.sync.wallet().transactions() {
                if wtx.status.block().is_some() {
                    g.learn_pro_reg_tx(&wtx.tx, now);
                }
            }
        }
        // Events the sync engine queued while restoring (a reorg found on resume).
        machine.pump();
        machine
    }

    /// Takes every output produced so far, in order.
    pub fn drain_outputs(&mut self) -> std::collections::vec_deque::Drain<'_, Output> {
        self.outbox.drain(..)
    }

    /// When [`Self::on_tick`] next has work: the connections' timers, or [`TICK`] after the
    /// last tick.
    pub fn next_deadline(&self) -> Time {
        self.peers.next_deadline().min(self.last_tick.saturating_add(TICK))
    }

    /// A list the masternode list sync verified: recorded for [`Self::masternode_list`],
    /// given to the sync engine's quorum book (ChainLock and InstantSend checks) and to the
    /// governance service (vote and trigger signatures).
    fn record_masternode_list(&mut self, height: u32, list: &std::sync::Arc<MasternodeList>) {
        self.masternode_list = Some((height, list.clone()));
        self.sync.on_masternode_list(height, list.block_hash, list, self.now);
        if let Some(g) = self.governance.as_mut() {
            g.on_masternode_list(list, self.now);
        }
    }

    /// The lists a restored masternode list sync kept (from the store), oldest first, go into
    /// the quorum book (those still on the best chain) and the newest into the governance
    /// service: locks and votes they decide verify at once, without waiting for a diff.
    fn replay_kept_lists(&mut self) {
        let Some(m) = self.masternodes.as_ref() else { return };
        let kept: Vec<_> = m.snapshots().cloned().collect();
        for s in &kept {
            self.sync.on_masternode_list(s.height, s.list.block_hash, &s.list, self.now);
        }
        if let (Some(g), Some(newest)) = (self.governance.as_mut(), kept.last()) {
            g.on_masternode_list(&newest.list, self.now);
        }
    }

    /// The newest verified masternode list with its height.
    pub fn masternode_list(&self) -> Option<(u32, &MasternodeList)> {
        self.masternode_list.as_ref().map(|(h, l)| (*h, l.as_ref()))
    }

    fn advance(&mut self, now: Time) {
        self.now = self.now.max(now);
    }

    // --- inputs from the driver -------------------------------------------------------------

    /// Time passes: timeouts of connections, requests and broadcasts; pings; new connections.
    pub fn on_tick(&mut self, now: Time) {
        self.advance(now);
        let now = self.now;
        self.last_tick = now;
        self.peers.on_tick(now);
        self.sync.on_tick(now);
        self.sporks.on_tick(now);
        if let Some(g) = self.governance.as_mut() {
            g.on_tick(now);
        }
        if let Some(m) = self.masternodes.as_mut() {
            m.on_tick(now);
        }
        self.pump();
    }

    /// The TCP connection for `peer` opened.
    pub fn on_connected(&mut self, peer: PeerId, now: Time) {
        self.advance(now);
        self.peers.on_connected(peer, self.now);
        self.pump();
    }

    /// The TCP connection for `peer` could not be opened.
    pub fn on_connect_failed(&mut self, peer: PeerId, now: Time) {
        self.advance(now);
        self.peers.on_connect_failed(peer, self.now);
        self.pump();
    }

    /// The connection to `peer` closed (by the peer or a socket error).
    pub fn on_disconnected(&mut self, peer: PeerId, now: Time) {
        self.advance(now);
        self.peers.on_disconnected(peer, self.now);
        self.pump();
    }

    /// `peer`'s v2 connection was closed by the peer before it sent a byte: BIP324's sign of
    /// a v1-only peer, dialled again with v1 unless v2 is required.
    pub fn on_v2_refused(&mut self, peer: PeerId, now: Time) {
        self.advance(now);
        self.peers.on_v2_refused(peer, self.now);
        self.pump();
    }

    /// `n` bytes arrived from `peer` (before they form a whole message).
    pub fn on_bytes(&mut self, peer: PeerId, n: usize, now: Time) {
        self.advance(now);
        self.peers.on_bytes(peer, n, self.now);
    }

    /// A message arrived from `peer`.
    pub fn on_message(&mut self, peer: PeerId, message: Message, now: Time) {
        self.advance(now);
        self.peers.on_message(peer, message, &mut self.sync, self.now);
        self.pump();
    }

    /// A frame's payload from `peer` did not decode.
    pub fn on_decode_error(&mut self, peer: PeerId, error: MessageError, now: Time) {
        self.advance(now);
        self.peers.on_decode_error(peer, error, self.now);
        self.pump();
    }

    /// `peer`'s byte stream broke the framing rules.
    pub fn on_frame_error(&mut self, peer: PeerId, error: FrameError, now: Time) {
        self.advance(now);
        self.peers.on_frame_error(peer, error, self.now);
        self.pump();
    }

    /// `peer` does not read what we send (its bounded write queue is full).
    pub fn on_send_queue_full(&mut self, peer: PeerId, now: Time) {
        self.advance(now);
        self.peers.on_send_queue_full(peer, self.now);
        self.pump();
    }

    /// A DNS seed answered (an empty list when it failed).
    pub fn on_resolved(&mut self, host: &str, addrs: Vec<SocketAddr>, now: Time) {
        self.advance(now);
        self.peers.on_resolved(host, addrs, self.now);
        self.pump();
    }

    /// The masternode list sync verified the list at `height` (block `block_hash`): the
    /// quorums that sign ChainLocks and InstantSend locks go into the sync engine's
    /// [`crate::masternode::QuorumBook`], and every lock waiting for a list is checked again
    /// (see [`SyncEngine::on_masternode_list`]); the governance service checks the held
    /// votes and triggers with its keys (see [`GovernanceService::on_masternode_list`]).
    pub fn on_masternode_list(
        &mut self,
        height: u32,
        block_hash: BlockHash,
        list: &MasternodeList,
        now: Time,
    ) {
        self.advance(now);
        self.sync.on_masternode_list(height, block_hash, list, self.now);
        if let Some(g) = self.governance.as_mut() {
            g.on_masternode_list(list, self.now);
        }
        self.pump();
    }

    // --- commands of the application --------------------------------------------------------

    /// Broadcasts a signed transaction (see [`SyncEngine::broadcast`]).
    pub fn broadcast(&mut self, tx: Transaction, now: Time) -> Txid {
        self.advance(now);
        self.sync.on_tick(self.now);
        let txid = self.sync.broadcast(tx);
        self.pump();
        txid
    }

    /// Changes the wallet's watch list (see [`SyncEngine::update_watch_list`]).
    pub fn update_watch_list<R>(
        &mut self,
        rescan_from: Option<u32>,
        edit: impl FnOnce(&mut WatchList) -> R,
        now: Time,
    ) -> R {
        self.advance(now);
        self.sync.on_tick(self.now);
        let out = self.sync.update_watch_list(rescan_from, edit);
        self.pump();
        out
    }

    /// Connects to `addr` too (and only to configured peers from now on).
    pub fn add_peer(&mut self, addr: SocketAddr, now: Time) {
        self.advance(now);
        self.peers.command(PeerCommand::AddPeer(addr), self.now);
        self.pump();
    }

    /// Closes every connection (the driver is stopping). The sync engine and the services
    /// forget the peers, so a restarted machine starts from fresh connections.
    pub fn shutdown(&mut self, now: Time) {
        self.advance(now);
        self.peers.shutdown();
        self.pump();
    }

    // --- state --------------------------------------------------------------------------------

    /// Takes the machine apart (after [`Self::shutdown`], to build a new one later).
    pub fn into_parts(mut self) -> Parts<S> {
        let seed = self.peers.fresh_seed();
        let p2p = self.peers.config().clone();
        let (address_book, bans) = self.peers.into_book_and_bans();
        Parts {
            p2p,
            address_book,
            bans,
            sync: self.sync,
            sporks: self.sporks,
            governance: self.governance,
            masternodes: self.masternodes,
            seed,
        }
    }

    /// The sync engine.
    pub fn sync(&self) -> &SyncEngine<S> {
        &self.sync
    }

    /// The sync engine, to change it (see [`SyncEngine::store_mut`]).
    pub fn sync_mut(&mut self) -> &mut SyncEngine<S> {
        &mut self.sync
    }

    /// The wallet.
    pub fn wallet(&self) -> &Wallet {
        self.sync.wallet()
    }

    /// The header tree.
    pub fn tree(&self) -> &HeaderTree<S> {
        self.sync.tree()
    }

    /// The connection manager.
    pub fn peers(&self) -> &ConnectionManager {
        &self.peers
    }

    /// The spork service.
    pub fn sporks(&self) -> &SporkService {
        &self.sporks
    }

    /// The spork service, to take its changes for the store.
    pub fn sporks_mut(&mut self) -> &mut SporkService {
        &mut self.sporks
    }

    /// The governance service, when enabled.
    pub fn governance(&self) -> Option<&GovernanceService> {
        self.governance.as_ref()
    }

    /// The governance service, to take its changes for the store.
    pub fn governance_mut(&mut self) -> Option<&mut GovernanceService> {
        self.governance.as_mut()
    }

    /// The masternode list sync, when enabled.
    pub fn masternodes(&self) -> Option<&MasternodeSync> {
        self.masternodes.as_ref()
    }

    /// The masternode list sync, to take its changes for the store.
    pub fn masternodes_mut(&mut self) -> Option<&mut MasternodeSync> {
        self.masternodes.as_mut()
    }

    // --- routing ------------------------------------------------------------------------------

    /// Routes what the parts produced until nothing is left: the connection manager's
    /// events go to the services, their commands back to the connection manager, I/O and
    /// events into the outbox, in order.
    fn pump(&mut self) {
        loop {
            let mut progressed = false;
            let outputs: Vec<PeerOutput> = self.peers.drain_outputs().collect();
            for output in outputs {
                progressed = true;
                self.route_peer_output(output);
            }
            let mut commands = self.sync.drain_commands();
            for e in self.sync.drain_events() {
                self.on_sync_event(&e);
                self.outbox.push_back(Output::Event(Event::Sync(e)));
            }
            commands.extend(self.sporks.drain_commands());
            for e in self.sporks.drain_events() {
                self.outbox.push_back(Output::Event(Event::Spork(e)));
            }
            if let Some(g) = self.governance.as_mut() {
                commands.extend(g.drain_commands());
                let events: Vec<GovernanceEvent> = g.drain_events();
                for e in events {
                    self.outbox.push_back(Output::Event(Event::Governance(e)));
                }
            }
            if let Some(m) = self.masternodes.as_mut() {
                m.drive(self.sync.tree(), self.now);
                commands.extend(m.drain_commands());
                let events = m.drain_events();
                let verified = m.drain_verified();
                let chain_locks = m.drain_chain_locks();
                let invalid = m.drain_invalid_blocks();
                for v in verified {
                    progressed = true;
                    self.record_masternode_list(v.height, &v.list);
                }
                for b in invalid {
                    progressed = true;
                    self.sync.on_invalid_block(b.peer, b.block_hash, self.now);
                }
                // After the lists: a list just recorded may be the one that decides a lock.
                for l in chain_locks {
                    progressed = true;
                    self.sync.on_coinbase_chain_lock(l.peer, l.clsig, l.verified, self.now);
                }
                for e in events {
                    self.outbox.push_back(Output::Event(Event::Masternodes(e)));
                }
            }
            for c in commands {
                progressed = true;
                self.peers.command(c, self.now);
            }
            if !progressed {
                break;
            }
        }
        self.peers.set_height(self.sync.tree().tip().height);
    }

    fn on_sync_event(&mut self, event: &SyncEvent) {
        // Dash Core answers a governance sync only once headers are synced; one round per run.
        let headers_synced = match event {
            SyncEvent::Synced { .. } => true,
            SyncEvent::Headers { height, network_height } => height >= network_height,
            _ => false,
        };
        if headers_synced {
            if let Some(m) = self.masternodes.as_mut() {
                m.start();
            }
        }
        match event {
            SyncEvent::Synced { .. } => {
                if let Some(g) = self.governance.as_mut().filter(|_| !self.governance_started) {
                    self.governance_started = true;
                    g.start(self.now);
                }
            }
            // A ProRegTx proven in a block names its masternode's collateral: votes and
            // triggers from an external collateral become decidable. Its txid is the
            // masternode's identity in the list, so a made-up one names no listed masternode.
            SyncEvent::Wallet(
                WalletEvent::NewTransaction { txid, status: TxStatus::Confirmed(_), .. }
                | WalletEvent::Confirmed { txid, .. },
            ) => {
                if let (Some(g), Some(wtx)) =
                    (self.governance.as_mut(), self.sync.wallet().transaction(txid))
                {
                    g.learn_pro_reg_tx(&wtx.tx, self.now);
                }
            }
            _ => {}
        }
    }

    fn route_peer_output(&mut self, output: PeerOutput) {
        let now = self.now;
        let out = match output {
            PeerOutput::Connect { peer, addr, transport } => {
                Output::Connect { peer, addr, transport }
            }
            PeerOutput::Send { peer, message } => Output::Send { peer, message },
            PeerOutput::Disconnect { peer, reason } => Output::Disconnect { peer, reason },
            PeerOutput::Resolve { host, port } => Output::Resolve { host, port },
            PeerOutput::Event(PeerEvent::PeerReady { peer, info, .. }) => {
                self.sporks.on_peer_ready(peer, &info, now);
                if let Some(g) = self.governance.as_mut() {
                    g.on_peer_ready(peer, &info, now);
                }
                self.sync.on_peer_ready(peer, &info, now);
                if let Some(m) = self.masternodes.as_mut() {
                    m.on_peer_ready(peer, &info);
                }
                Output::Event(Event::PeerConnected { peer, info })
            }
            PeerOutput::Event(PeerEvent::PeerDisconnected { peer, addr, reason, was_ready }) => {
                if was_ready {
                    self.sporks.on_peer_gone(peer);
                    if let Some(g) = self.governance.as_mut() {
                        g.on_peer_gone(peer);
                    }
                    self.sync.on_peer_gone(peer, now);
                    if let Some(m) = self.masternodes.as_mut() {
                        m.on_peer_gone(peer);
                    }
                }
                Output::Event(Event::PeerDisconnected { peer, addr, reason, was_ready })
            }
            PeerOutput::Event(PeerEvent::Message { peer, message }) => {
                if let (Message::Unknown { command, payload }, Some(m)) =
                    (&message, self.masternodes.as_mut())
                {
                    if command.as_str() == "mnlistdiff" {
                        m.on_diff(peer, payload, self.sync.tree(), self.sync.quorum_book(), now);
                        return;
                    }
                }
                self.sporks.on_message(peer, &message, now);
                if let Some(g) = self.governance.as_mut() {
                    g.on_message(peer, &message, now);
                }
                self.sync.on_message(peer, message, now);
                return;
            }
            PeerOutput::Event(PeerEvent::Misbehaved { peer, what, score }) => {
                Output::Event(Event::Misbehaved { peer, what, score })
            }
        };
        self.outbox.push_back(out);
    }
}
