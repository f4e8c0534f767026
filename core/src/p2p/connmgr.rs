//! The connection manager: keeps [`Config::target_outbound`] good outbound peers, finds
//! addresses (configured peers, DNS seeds, fixed seeds, gossip), reconnects with backoff,
//! and drops and replaces peers that misbehave, stall or time out. Which peer headers are
//! synced from is the sync layer's choice ([`crate::sync`]).
//!
//! Inputs are the `on_*` methods and [`ConnectionManager::command`]; outputs accumulate in
//! one outbox drained with [`ConnectionManager::drain_outputs`].

use super::addrbook::{AddrBook, AddrSource, Endpoint, NetGroup, MAX_ADDRESSES};
use super::handshake::HandshakeConfig;
use super::liveness::Timeouts;
use super::misbehavior::{BanList, Misbehavior, Oversize};
use super::peer::{Peer, PeerInfo, Step};
use super::transport::{Transport, V2Policy};
use super::{DisconnectReason, Event, Output, PeerId, Time, MINUTE, SECOND};
use crate::encode::DecodeErrorKind;
use crate::network::{Network, Params};
use crate::wire::{FrameError, Message, MessageError, MessageKind, MAX_ADDR_ENTRIES};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::net::SocketAddr;

pub use super::peer::{FilterSource, NoFilter};

/// Default number of outbound peers (a wallet keeps 3–5).
pub const DEFAULT_TARGET_OUTBOUND: usize = 4;
/// How long to wait before asking the DNS seeds again (client rule).
pub const DNS_RETRY: Time = 10 * MINUTE;
/// How often the manager looks for addresses while below its target (client rule).
pub const MAINTAIN_INTERVAL: Time = 5 * SECOND;
/// Addresses a peer may send at once (Dash Core `MAX_ADDR_PROCESSING_TOKEN_BUCKET`, also the
/// tokens granted by our `getaddr`).
pub const ADDR_TOKEN_BUCKET: f64 = MAX_ADDR_ENTRIES as f64;
/// Address tokens a peer earns per second (Dash Core `MAX_ADDR_RATE_PER_SECOND`).
pub const ADDR_RATE_PER_SECOND: f64 = 0.1;

/// What the manager is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The network.
    pub network: Network,
    /// On a devnet, its name (`-devnet=<name>`).
    pub devnet_name: Option<String>,
    /// How many outbound peers to keep.
    pub target_outbound: usize,
    /// Peers to use instead of discovery. When set, only these are dialled, and neither DNS
    /// seeds, fixed seeds nor `getaddr` are used.
    pub manual_peers: Vec<SocketAddr>,
    /// Refuse peers without NODE_BLOOM.
    pub require_bloom: bool,
    /// Most addresses the book keeps.
    pub max_addresses: usize,
    /// Connection timers (defaults derived from Dash Core; tests shorten them).
    pub timeouts: Timeouts,
    /// When to speak BIP324 v2 (by default with every peer that may offer it).
    pub v2: V2Policy,
}

impl Config {
    /// Defaults for `network`: [`DEFAULT_TARGET_OUTBOUND`] peers found by discovery, bloom
    /// required.
    pub fn new(network: Network) -> Self {
        Config {
            network,
            devnet_name: None,
            target_outbound: DEFAULT_TARGET_OUTBOUND,
            manual_peers: Vec::new(),
            require_bloom: true,
            max_addresses: MAX_ADDRESSES,
            timeouts: Timeouts::default(),
            v2: V2Policy::default(),
        }
    }
}

/// What the layer above asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum PeerCommand {
    /// Send `message` to `peer` (dropped unless its handshake is complete).
    Send {
        /// The peer.
        peer: PeerId,
        /// The message.
        message: Message,
    },
    /// Send `message` to every ready peer.
    Broadcast(Message),
    /// `peer` did something wrong (an invalid header, a bad merkle block...).
    Misbehaving {
        /// The peer.
        peer: PeerId,
        /// What it did.
        what: Misbehavior,
    },
    /// Close the connection to `peer` (it will be replaced).
    Disconnect(PeerId),
    /// Add a configured peer.
    AddPeer(SocketAddr),
}

#[derive(Debug)]
struct Slot {
    peer: Peer,
    endpoint: Endpoint,
    transport: Transport,
    addr_tokens: f64,
    addr_tokens_at: Time,
}

#[derive(Debug, Default)]
struct Discovery {
    dns_pending: usize,
    dns_last: Option<Time>,
    fixed_added: bool,
}

/// Keeps a few good peers. See the module documentation.
#[derive(Debug)]
pub struct ConnectionManager {
    config: Config,
    handshake: HandshakeConfig,
    params: &'static Params,
    rng: StdRng,
    peers: BTreeMap<PeerId, Slot>,
    book: AddrBook,
    bans: BanList,
    outbox: Vec<Output>,
    next_id: u64,
    now: Time,
    our_height: u32,
    discovery: Discovery,
    /// Endpoints that refused a v2 attempt, dialled with v1 from then on (at most
    /// [`MAX_V1_ONLY`], the oldest forgotten first).
    v1_only: VecDeque<Endpoint>,
}

/// The most endpoints remembered as v1-only.
pub const MAX_V1_ONLY: usize = 1024;

impl ConnectionManager {
    /// A manager with an address book and ban list (fresh or restored) and a seed for its
    /// random choices (nonces, addresses).
    pub fn new(config: Config, book: AddrBook, bans: BanList, seed: u64, now: Time) -> Self {
        let handshake = HandshakeConfig {
            network: config.network,
            devnet_name: config.devnet_name.clone(),
            require_bloom: config.require_bloom,
            request_addresses: config.manual_peers.is_empty(),
        };
        let mut m = ConnectionManager {
            params: config.network.params(),
            handshake,
            rng: StdRng::seed_from_u64(seed),
            peers: BTreeMap::new(),
            book,
            bans,
            outbox: Vec::new(),
            next_id: 1,
            now,
            our_height: 0,
            discovery: Discovery::default(),
            v1_only: VecDeque::new(),
            config,
        };
        for addr in m.config.manual_peers.clone() {
            m.book.add(Endpoint::ip(addr), 0, now / 1000, AddrSource::Manual, now);
        }
        m
    }

    /// Takes every output produced so far, in order.
    pub fn drain_outputs(&mut self) -> std::vec::Drain<'_, Output> {
        self.outbox.drain(..)
    }

    /// The address book.
    pub fn address_book(&self) -> &AddrBook {
        &self.book
    }

    /// The ban list.
    pub fn bans(&self) -> &BanList {
        &self.bans
    }

    /// A seed drawn from the manager's random choices, for the manager that follows it.
    pub fn fresh_seed(&mut self) -> u64 {
        self.rng.random()
    }

    /// The address book and the ban list, the manager being done with.
    pub fn into_book_and_bans(self) -> (AddrBook, BanList) {
        (self.book, self.bans)
    }

    /// Our best header height, announced in the `version` of new connections.
    pub fn set_height(&mut self, height: u32) {
        self.our_height = height;
    }

    /// Every connection (connecting, handshaking, ready).
    pub fn peers(&self) -> impl Iterator<Item = &Peer> {
        self.peers.values().map(|s| &s.peer)
    }

    /// One connection.
    pub fn peer(&self, id: PeerId) -> Option<&Peer> {
        self.peers.get(&id).map(|s| &s.peer)
    }

    /// The connection manager's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn advance(&mut self, now: Time) {
        self.now = self.now.max(now);
    }

    /// Time passes: timeouts and pings of every peer, then new connections if below target.
    pub fn on_tick(&mut self, now: Time) {
        self.advance(now);
        let now = self.now;
        self.bans.expire(now);
        let mut dropped = Vec::new();
        for (id, slot) in self.peers.iter_mut() {
            let nonce = self.rng.random();
            if let Err(reason) = slot.peer.on_tick(now, nonce, &mut self.outbox) {
                dropped.push((*id, reason));
            }
        }
        for (id, reason) in dropped {
            self.drop_peer(id, reason, true);
        }
        self.maintain();
    }

    /// When [`ConnectionManager::on_tick`] next has work.
    pub fn next_deadline(&self) -> Time {
        let peers = self.peers.values().map(|s| s.peer.next_deadline()).min();
        let maintain = (self.peers.len() < self.config.target_outbound)
            .then(|| self.now.saturating_add(MAINTAIN_INTERVAL));
        peers.into_iter().chain(maintain).min().unwrap_or(self.now.saturating_add(MINUTE))
    }

    fn maintain(&mut self) {
        let only_manual = !self.config.manual_peers.is_empty();
        while self.peers.len() < self.config.target_outbound {
            let connected: HashSet<Endpoint> = self.peers.values().map(|s| s.endpoint).collect();
            let groups: HashSet<NetGroup> = connected.iter().map(|e| e.group()).collect();
            let choice = self.book.select(
                self.now,
                &connected,
                &groups,
                &self.bans,
                only_manual,
                &mut self.rng,
            );
            match choice {
                Some(endpoint) => self.connect(endpoint),
                None => {
                    if !only_manual {
                        self.discover();
                    }
                    break;
                }
            }
        }
    }

    fn discover(&mut self) {
        let now = self.now;
        let seeds = self.params.dns_seeds;
        let dns_due = self.discovery.dns_pending == 0
            && self.discovery.dns_last.is_none_or(|t| now >= t.saturating_add(DNS_RETRY));
        if !seeds.is_empty() && dns_due {
            self.discovery.dns_last = Some(now);
            self.discovery.dns_pending = seeds.len();
            for host in seeds {
                let port = self.params.default_port;
                self.outbox.push(Output::Resolve { host: (*host).to_owned(), port });
            }
        } else if self.discovery.dns_pending == 0 && !self.discovery.fixed_added {
            // DNS gave nothing usable (or the network has no seeds): the fixed seeds.
            self.discovery.fixed_added = true;
            self.book.add_fixed_seeds(self.params, now);
        }
    }

    fn connect(&mut self, endpoint: Endpoint) {
        let Some(addr) = endpoint.socket_addr() else { return };
        let id = PeerId(self.next_id);
        self.next_id += 1;
        self.book.record_attempt(&endpoint, self.now);
        let nonce = self.rng.random();
        let peer = Peer::with_timeouts(id, addr, nonce, self.now, self.config.timeouts);
        let services = self.book.get(&endpoint).map_or(0, |e| e.services);
        let transport = self.config.v2.transport_for(services, self.v1_only.contains(&endpoint));
        self.peers.insert(
            id,
            Slot {
                peer,
                endpoint,
                transport,
                addr_tokens: ADDR_TOKEN_BUCKET,
                addr_tokens_at: self.now,
            },
        );
        self.outbox.push(Output::Connect { peer: id, addr, transport });
    }

    /// `peer`'s v2 attempt was closed by the peer before it sent a byte (BIP324: it speaks
    /// only v1). Unless v2 is required, the same address is dialled again at once with v1,
    /// on a new connection, and v1 is used with it from then on.
    pub fn on_v2_refused(&mut self, peer: PeerId, now: Time) {
        self.advance(now);
        let Some(slot) = self.peers.get(&peer) else { return };
        if slot.transport != Transport::V2 || !self.config.v2.falls_back() {
            self.drop_peer(peer, DisconnectReason::V2Refused, false);
            self.maintain();
            return;
        }
        let endpoint = slot.endpoint;
        self.drop_peer(peer, DisconnectReason::V2Refused, false);
        if !self.v1_only.contains(&endpoint) {
            if self.v1_only.len() >= MAX_V1_ONLY {
                self.v1_only.pop_front();
            }
            self.v1_only.push_back(endpoint);
        }
        self.connect(endpoint);
    }

    /// What `peer`'s connection speaks.
    pub fn transport(&self, peer: PeerId) -> Option<Transport> {
        self.peers.get(&peer).map(|s| s.transport)
    }

    /// The policy in force.
    pub fn v2_policy(&self) -> V2Policy {
        self.config.v2
    }

    /// A DNS seed answered (an empty list when it failed).
    pub fn on_resolved(&mut self, _host: &str, addrs: Vec<SocketAddr>, now: Time) {
        self.advance(now);
        self.discovery.dns_pending = self.discovery.dns_pending.saturating_sub(1);
        for a in addrs {
            self.book.add(Endpoint::ip(a), 0, self.now / 1000, AddrSource::Dns, self.now);
        }
        self.maintain();
    }

    /// The TCP connection for `peer` opened.
    pub fn on_connected(&mut self, peer: PeerId, now: Time) {
        self.advance(now);
        if let Some(slot) = self.peers.get_mut(&peer) {
            slot.peer.on_connected(&self.handshake, self.our_height, self.now, &mut self.outbox);
        }
    }

    /// The TCP connection for `peer` could not be opened.
    pub fn on_connect_failed(&mut self, peer: PeerId, now: Time) {
        self.advance(now);
        self.drop_peer(peer, DisconnectReason::ConnectFailed, false);
    }

    /// The connection to `peer` closed (by the peer or a socket error).
    pub fn on_disconnected(&mut self, peer: PeerId, now: Time) {
        self.advance(now);
        self.drop_peer(peer, DisconnectReason::Closed, false);
    }

    /// `n` bytes arrived from `peer` (before they form a complete message).
    pub fn on_bytes(&mut self, peer: PeerId, n: usize, now: Time) {
        self.advance(now);
        if let Some(slot) = self.peers.get_mut(&peer) {
            slot.peer.on_bytes(n as u64, self.now);
        }
    }

    /// `peer`'s bounded write queue is full: it does not read what we send.
    pub fn on_send_queue_full(&mut self, peer: PeerId, now: Time) {
        self.advance(now);
        self.drop_peer(peer, DisconnectReason::SendQueueFull, true);
    }

    /// The frame decoder failed; fatal errors end the connection, others drop one message.
    pub fn on_frame_error(&mut self, peer: PeerId, error: FrameError, now: Time) {
        self.advance(now);
        if error.is_fatal() {
            self.drop_peer(peer, DisconnectReason::Frame(error), true);
        }
    }

    /// A frame's payload did not decode. Counts above the limits are Dash Core's "oversized"
    /// penalty (20); other malformed messages are ignored, as Dash Core ignores them.
    pub fn on_decode_error(&mut self, peer: PeerId, error: MessageError, now: Time) {
        self.advance(now);
        let oversize = MessageKind::of(&error.command).and_then(Oversize::of);
        if let (Some(o), DecodeErrorKind::TooLarge { .. }) = (oversize, &error.source.kind) {
            self.misbehaving(peer, Misbehavior::Oversized(o));
        }
    }

    /// A message arrived from `peer`. `filters` gives the `filterload` that ends a handshake.
    pub fn on_message(
        &mut self,
        peer: PeerId,
        message: Message,
        filters: &mut dyn FilterSource,
        now: Time,
    ) {
        self.advance(now);
        let now = self.now;
        let Some(slot) = self.peers.get_mut(&peer) else { return };
        let step = slot.peer.on_message(&self.handshake, message, filters, now, &mut self.outbox);
        match step {
            Err(reason @ DisconnectReason::WrongDevnet { .. }) => {
                self.misbehaving(peer, Misbehavior::WrongDevnet);
                self.drop_peer(peer, reason, true);
            }
            Err(reason) => self.drop_peer(peer, reason, true),
            Ok(Step::Consumed) => {}
            Ok(Step::Misbehaved(what)) => self.misbehaving(peer, what),
            Ok(Step::Ready { info, filter_loaded }) => {
                let endpoint = slot.endpoint;
                self.book.record_success(&endpoint, info.services, now);
                self.outbox.push(Output::Event(Event::PeerReady { peer, info, filter_loaded }));
            }
            Ok(Step::Forward(Message::Addr(a))) => {
                let n = Self::take_addr_tokens(slot, a.entries.len(), now);
                let a = crate::wire::Addr { entries: a.entries.into_iter().take(n).collect() };
                self.book.add_addr(&a, now);
            }
            Ok(Step::Forward(Message::AddrV2(a))) => {
                let n = Self::take_addr_tokens(slot, a.entries.len(), now);
                let a = crate::wire::AddrV2 { entries: a.entries.into_iter().take(n).collect() };
                self.book.add_addrv2(&a, now);
            }
            Ok(Step::Forward(message)) => {
                self.outbox.push(Output::Event(Event::Message { peer, message }));
            }
        }
    }

    /// Dash Core's address rate limit: a token bucket per peer; entries beyond the tokens are
    /// dropped without penalty.
    fn take_addr_tokens(slot: &mut Slot, wanted: usize, now: Time) -> usize {
        let earned = now.saturating_sub(slot.addr_tokens_at) as f64 / 1000.0 * ADDR_RATE_PER_SECOND;
        slot.addr_tokens = (slot.addr_tokens + earned).min(ADDR_TOKEN_BUCKET);
        slot.addr_tokens_at = now;
        let n = (slot.addr_tokens.floor() as usize).min(wanted);
        slot.addr_tokens -= n as f64;
        n
    }

    /// Executes a command of the layer above.
    pub fn command(&mut self, command: PeerCommand, now: Time) {
        self.advance(now);
        let now = self.now;
        match command {
            PeerCommand::Send { peer, message } => {
                if let Some(slot) = self.peers.get_mut(&peer).filter(|s| s.peer.is_ready()) {
                    slot.peer.on_sent(&message, now);
                    self.outbox.push(Output::Send { peer, message });
                }
            }
            PeerCommand::Broadcast(message) => {
                for (id, slot) in self.peers.iter_mut().filter(|(_, s)| s.peer.is_ready()) {
                    slot.peer.on_sent(&message, now);
                    self.outbox.push(Output::Send { peer: *id, message: message.clone() });
                }
            }
            PeerCommand::Misbehaving { peer, what } => self.misbehaving(peer, what),
            PeerCommand::Disconnect(peer) => {
                self.drop_peer(peer, DisconnectReason::Requested, true);
                self.maintain();
            }
            PeerCommand::AddPeer(addr) => {
                self.book.add(Endpoint::ip(addr), 0, now / 1000, AddrSource::Manual, now);
                if !self.config.manual_peers.contains(&addr) {
                    self.config.manual_peers.push(addr);
                }
                self.handshake.request_addresses = false;
                self.maintain();
            }
        }
    }

    /// Penalises `peer`; at the threshold it is dropped and its address banned.
    pub fn misbehaving(&mut self, peer: PeerId, what: Misbehavior) {
        let Some(slot) = self.peers.get_mut(&peer) else { return };
        let (score, discourage) = slot.peer.score_mut().add(&what);
        self.outbox.push(Output::Event(Event::Misbehaved { peer, what, score }));
        if discourage {
            self.drop_peer(peer, DisconnectReason::Misbehaving(score), true);
        }
    }

    /// Closes every connection (the node is stopping).
    pub fn shutdown(&mut self) {
        let ids: Vec<PeerId> = self.peers.keys().copied().collect();
        for id in ids {
            self.drop_peer(id, DisconnectReason::Shutdown, true);
        }
    }

    fn drop_peer(&mut self, peer: PeerId, reason: DisconnectReason, tell_driver: bool) {
        let Some(slot) = self.peers.remove(&peer) else { return };
        let was_ready = slot.peer.is_ready();
        if tell_driver {
            self.outbox.push(Output::Disconnect { peer, reason: reason.clone() });
        }
        let neutral = !reason.is_peer_fault() || (was_ready && reason == DisconnectReason::Closed);
        if !neutral {
            self.book.record_failure(&slot.endpoint);
        }
        if matches!(reason, DisconnectReason::Misbehaving(_)) {
            self.bans.ban_addr(slot.peer.addr(), self.now);
        }
        let addr = slot.peer.addr();
        self.outbox.push(Output::Event(Event::PeerDisconnected { peer, addr, reason, was_ready }));
    }

    /// What a ready peer told us.
    pub fn peer_info(&self, id: PeerId) -> Option<&PeerInfo> {
        self.peers.get(&id).and_then(|s| s.peer.info())
    }
}
