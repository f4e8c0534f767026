//! The node: listens on an ephemeral loopback port, a thread per connection, and answers like
//! Dash Core v23.1.2 (PROTOCOL.md): handshake, headers/headers2, bloom filters and filtered
//! blocks, transactions and the mempool, addresses, sporks, governance, announcements; it
//! scores and disconnects a client that breaks the rules, and can be told to misbehave.
//!
//! ```no_run
//! use dashlite_testkit::{TestNode, SharedChain};
//! let chain = SharedChain::with_blocks(200);
//! let node = TestNode::start(&chain);
//! // … connect a client to node.addr() …
//! node.mine(1); // every connected client is told about the new block
//! ```

mod conn;
mod mode;
pub(crate) mod serve;
mod transport;

pub use mode::{Forgery, Mode, Modes, WRONG_BITS};
pub use transport::NodeTransport;

use crate::chain::{Chain, Reorg};
use crate::governance::{capture_proposal, sample_votes};
use crate::shared::SharedChain;
use crate::sporks::{regtest_spork_key, sign_spork};
use dashlite::hash::BlockHash;
use dashlite::network::{Network, PROTOCOL_VERSION};
use dashlite::tx::{Script, Transaction};
use dashlite::wire::{FrameError, GovObject, GovObjectVote, Message, Spork, SporkId};
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// `NODE_NETWORK`: serves the full chain.
pub const NODE_NETWORK: u64 = 1;
/// `NODE_BLOOM`: accepts BIP37 filters.
pub const NODE_BLOOM: u64 = 1 << 2;
/// `NODE_HEADERS_COMPRESSED`: speaks headers2 (DIP-0025).
pub const NODE_HEADERS_COMPRESSED: u64 = 1 << 11;

/// Identifies one connection to a node (counted from 0 per node).
pub type ConnId = usize;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// How a node is set up. `NodeConfig::default()` is an honest regtest node like Dash Core
/// v23.1.2 with NODE_NETWORK | NODE_BLOOM | NODE_HEADERS_COMPRESSED.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// The network (magic, spork signing scheme). Regtest.
    pub network: Network,
    /// Service bits advertised in `version`.
    pub services: u64,
    /// Protocol version advertised (70240).
    pub version: i32,
    /// The user agent (subversion) advertised.
    pub user_agent: String,
    /// TCP port on 127.0.0.1; 0 for an ephemeral one.
    pub port: u16,
    /// Extra addresses `getaddr` answers with (besides the other nodes serving the chain).
    pub addresses: Vec<SocketAddr>,
    /// Sporks served (signed with the regtest spork key at start).
    pub sporks: Vec<(SporkId, i64)>,
    /// nTimeSigned of the sporks.
    pub spork_time: i64,
    /// Governance objects served.
    pub governance: Vec<GovObject>,
    /// Governance votes served.
    pub votes: Vec<GovObjectVote>,
    /// How often the node pings a connected client (Dash Core: 2 minutes).
    pub ping_interval: Duration,
    /// Misbehaviours switched on.
    pub modes: Vec<Mode>,
    /// Whether received messages are kept as [`NodeEvent::Received`] (turn off for long
    /// benchmarks; connections, scores and disconnects are always recorded).
    pub record_messages: bool,
    /// What inbound connections speak (v2 with v1 detection, as Dash Core v23 by default).
    pub transport: NodeTransport,
}

impl Default for NodeConfig {
    fn default() -> Self {
        let proposal = capture_proposal();
        let votes = sample_votes(proposal.hash(), 2);
        NodeConfig {
            network: Network::Regtest,
            services: NODE_NETWORK | NODE_BLOOM | NODE_HEADERS_COMPRESSED,
            version: PROTOCOL_VERSION,
            user_agent: "/Dash Core:23.1.2/dashlite-testkit/".into(),
            port: 0,
            addresses: Vec::new(),
            sporks: vec![(SporkId::InstantSendEnabled, 0)],
            spork_time: 1_700_000_000,
            governance: vec![proposal],
            votes,
            ping_interval: Duration::from_secs(120),
            modes: Vec::new(),
            record_messages: true,
            transport: NodeTransport::V2,
        }
    }
}

impl NodeConfig {
    /// Adds a misbehaviour.
    pub fn with_mode(mut self, mode: Mode) -> NodeConfig {
        self.modes.push(mode);
        self
    }

    /// Sets the advertised service bits.
    pub fn with_services(mut self, services: u64) -> NodeConfig {
        self.services = services;
        self
    }

    /// Sets what inbound connections speak.
    pub fn with_transport(mut self, transport: NodeTransport) -> NodeConfig {
        self.transport = transport;
        self
    }

    /// Sets the advertised protocol version.
    pub fn with_version(mut self, version: i32) -> NodeConfig {
        self.version = version;
        self
    }
}

/// Why a node closed a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disconnect {
    /// The client closed it (or the socket failed).
    PeerClosed,
    /// The misbehaviour score reached 100 (Dash Core's DISCOURAGEMENT_THRESHOLD).
    Misbehaving,
    /// A rule Dash Core enforces with an immediate disconnect.
    Protocol(&'static str),
    /// A transport error (wrong magic, oversized length).
    Transport(FrameError),
    /// The node was stopped.
    Stopped,
}

/// What happened on a node, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeEvent {
    /// A client connected.
    Connected {
        /// The connection.
        peer: ConnId,
        /// The client's address.
        addr: SocketAddr,
    },
    /// A message from a client, decoded.
    Received {
        /// The connection.
        peer: ConnId,
        /// The message.
        message: Message,
    },
    /// A frame the node dropped or could not decode.
    Rejected {
        /// The connection.
        peer: ConnId,
        /// The frame's command (empty if unreadable).
        command: String,
        /// Why, for people.
        why: String,
    },
    /// The node scored the client (Dash Core's `Misbehaving`).
    Misbehaving {
        /// The connection.
        peer: ConnId,
        /// Points added.
        score: u32,
        /// The total so far.
        total: u32,
        /// The rule broken.
        reason: &'static str,
    },
    /// The connection ended.
    Disconnected {
        /// The connection.
        peer: ConnId,
        /// Why.
        reason: Disconnect,
    },
}

impl NodeEvent {
    /// The connection the event belongs to.
    pub fn peer(&self) -> ConnId {
        match self {
            NodeEvent::Connected { peer, .. }
            | NodeEvent::Received { peer, .. }
            | NodeEvent::Rejected { peer, .. }
            | NodeEvent::Misbehaving { peer, .. }
            | NodeEvent::Disconnected { peer, .. } => *peer,
        }
    }
}

/// A connection's slot, shared between its thread and the handle.
#[derive(Debug)]
struct PeerSlot {
    id: ConnId,
    stream: TcpStream,
    outbox: Mutex<Vec<Vec<u8>>>,
    /// Messages to send, framed by the connection (v1 with modes, or v2).
    messages: Mutex<Vec<Message>>,
    force_announce: AtomicBool,
    open: AtomicBool,
}

#[derive(Debug)]
struct ForkView {
    generation: u64,
    depth: u32,
    chain: Arc<Chain>,
}

#[derive(Debug)]
struct NodeShared {
    chain: SharedChain,
    config: Mutex<NodeConfig>,
    modes: Mutex<Modes>,
    sporks: Vec<Spork>,
    addr: Mutex<SocketAddr>,
    stop: AtomicBool,
    events: Mutex<Vec<NodeEvent>>,
    events_changed: Condvar,
    peers: Mutex<Vec<Arc<PeerSlot>>>,
    next_peer: AtomicUsize,
    fork_view: Mutex<Option<ForkView>>,
    tamper_cache: Mutex<serve::TamperCache>,
    bytes_sent: AtomicU64,
    v2_sessions: AtomicU64,
}

impl NodeShared {
    fn push_event(&self, event: NodeEvent) {
        lock(&self.events).push(event);
        self.events_changed.notify_all();
    }

    fn modes(&self) -> Modes {
        lock(&self.modes).clone()
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// A running node and the handle to drive it. Dropping it stops the node.
#[derive(Debug)]
pub struct TestNode {
    shared: Arc<NodeShared>,
    accept: Option<JoinHandle<()>>,
}

/// Starts `n` honest nodes serving `chain`.
pub fn start_nodes(chain: &SharedChain, n: usize) -> Vec<TestNode> {
    (0..n).map(|_| TestNode::start(chain)).collect()
}

impl TestNode {
    /// Starts an honest node serving `chain` on an ephemeral port. Panics if it cannot
    /// listen (a test cannot go on then).
    pub fn start(chain: &SharedChain) -> TestNode {
        TestNode::start_with(chain, NodeConfig::default())
            .expect("testkit node: cannot listen on 127.0.0.1")
    }

    /// Starts a node set up as `config` says.
    pub fn start_with(chain: &SharedChain, config: NodeConfig) -> io::Result<TestNode> {
        let key =
            regtest_spork_key().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let sporks = config
            .sporks
            .iter()
            .map(|&(id, value)| sign_spork(id, value, config.spork_time, &key, config.network))
            .collect();
        let shared = Arc::new(NodeShared {
            chain: chain.clone(),
            modes: Mutex::new(Modes(config.modes.clone())),
            config: Mutex::new(config),
            sporks,
            addr: Mutex::new(SocketAddr::from(([127, 0, 0, 1], 0))),
            stop: AtomicBool::new(false),
            events: Mutex::new(Vec::new()),
            events_changed: Condvar::new(),
            peers: Mutex::new(Vec::new()),
            next_peer: AtomicUsize::new(0),
            fork_view: Mutex::new(None),
            tamper_cache: Mutex::new(serve::TamperCache::default()),
            bytes_sent: AtomicU64::new(0),
            v2_sessions: AtomicU64::new(0),
        });
        let mut node = TestNode { shared, accept: None };
        let port = lock(&node.shared.config).port;
        node.listen(port)?;
        Ok(node)
    }

    fn listen(&mut self, port: u16) -> io::Result<()> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        *lock(&self.shared.addr) = addr;
        self.shared.stop.store(false, Ordering::SeqCst);
        self.shared.chain.register_node(addr);
        let shared = self.shared.clone();
        self.accept = Some(std::thread::spawn(move || accept_loop(listener, shared)));
        Ok(())
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        *lock(&self.shared.addr)
    }

    /// Bytes this node has written to its clients (frames, headers included), since it started.
    pub fn bytes_sent(&self) -> u64 {
        self.shared.bytes_sent.load(Ordering::Relaxed)
    }

    /// How many connections reached a BIP324 session (the client's key received, ours sent).
    pub fn v2_sessions(&self) -> u64 {
        self.shared.v2_sessions.load(Ordering::Relaxed)
    }

    /// The chain this node serves.
    pub fn chain(&self) -> &SharedChain {
        &self.shared.chain
    }

    /// Mines `n` blocks on the shared chain (every node serving it announces them).
    pub fn mine(&self, n: u32) -> Vec<BlockHash> {
        self.shared.chain.mine(n)
    }

    /// Mines `n` blocks whose coinbases pay `script`.
    pub fn mine_to(&self, n: u32, script: &Script) -> Vec<BlockHash> {
        self.shared.chain.mine_to(n, script)
    }

    /// Pays `value` to `script` in a new mempool transaction, announced to every client
    /// whose filter matches it.
    pub fn send(&self, script: &Script, value: i64) -> Transaction {
        self.shared.chain.send(script, value)
    }

    /// Replaces the last `depth` blocks with a longer branch; announced like new blocks.
    pub fn reorg(&self, depth: u32) -> Reorg {
        self.shared.chain.reorg(depth)
    }

    /// Announces the tip again to every connected client (headers2, headers or inv, as each
    /// prefers), even if it was announced before.
    pub fn announce(&self) {
        for p in lock(&self.shared.peers).iter() {
            p.force_announce.store(true, Ordering::SeqCst);
        }
    }

    /// Switches a misbehaviour on.
    pub fn set_mode(&self, mode: Mode) {
        lock(&self.shared.modes).0.push(mode);
    }

    /// Switches every misbehaviour off.
    pub fn clear_modes(&self) {
        lock(&self.shared.modes).0.clear();
    }

    /// The misbehaviours switched on.
    pub fn modes(&self) -> Modes {
        self.shared.modes()
    }

    /// Sends `message` to every connected client (on v1, modes apply to its frame).
    pub fn send_to_all(&self, message: &Message) {
        for p in lock(&self.shared.peers).iter() {
            lock(&p.messages).push(message.clone());
        }
    }

    /// Writes raw bytes to every connected client (as they are, whatever the transport).
    pub fn send_raw_to_all(&self, bytes: &[u8]) {
        for p in lock(&self.shared.peers).iter() {
            lock(&p.outbox).push(bytes.to_vec());
        }
    }

    /// Everything that happened so far.
    pub fn events(&self) -> Vec<NodeEvent> {
        lock(&self.shared.events).clone()
    }

    /// Every message received from `peer`, in order.
    pub fn received(&self, peer: ConnId) -> Vec<Message> {
        lock(&self.shared.events)
            .iter()
            .filter_map(|e| match e {
                NodeEvent::Received { peer: p, message } if *p == peer => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    /// The commands received from `peer`, in order.
    pub fn commands(&self, peer: ConnId) -> Vec<String> {
        self.received(peer).iter().map(|m| m.command_name().to_owned()).collect()
    }

    /// How many `command` messages all clients sent.
    pub fn count(&self, command: &str) -> usize {
        lock(&self.shared.events)
            .iter()
            .filter(|e| matches!(e, NodeEvent::Received { message, .. } if message.command_name() == command))
            .count()
    }

    /// The connections seen so far (ids in connection order).
    pub fn peers(&self) -> Vec<ConnId> {
        lock(&self.shared.events)
            .iter()
            .filter_map(|e| match e {
                NodeEvent::Connected { peer, .. } => Some(*peer),
                _ => None,
            })
            .collect()
    }

    /// The total misbehaviour score of `peer`.
    pub fn score(&self, peer: ConnId) -> u32 {
        lock(&self.shared.events)
            .iter()
            .filter_map(|e| match e {
                NodeEvent::Misbehaving { peer: p, total, .. } if *p == peer => Some(*total),
                _ => None,
            })
            .next_back()
            .unwrap_or(0)
    }

    /// Why `peer` was disconnected, if it was.
    pub fn disconnect_reason(&self, peer: ConnId) -> Option<Disconnect> {
        lock(&self.shared.events).iter().find_map(|e| match e {
            NodeEvent::Disconnected { peer: p, reason } if *p == peer => Some(reason.clone()),
            _ => None,
        })
    }

    /// Waits until `done` holds for the events, or `timeout` passes; returns whether it held.
    pub fn wait_for(&self, timeout: Duration, done: impl Fn(&[NodeEvent]) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut events = lock(&self.shared.events);
        loop {
            if done(&events) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            events = match self.shared.events_changed.wait_timeout(events, deadline - now) {
                Ok((guard, _)) => guard,
                Err(e) => e.into_inner().0,
            };
        }
    }

    /// Waits for the first `command` message from any client; returns it.
    pub fn wait_for_message(&self, command: &str, timeout: Duration) -> Option<Message> {
        let found = |events: &[NodeEvent]| {
            events.iter().find_map(|e| match e {
                NodeEvent::Received { message, .. } if message.command_name() == command => {
                    Some(message.clone())
                }
                _ => None,
            })
        };
        if self.wait_for(timeout, |events| found(events).is_some()) {
            found(&lock(&self.shared.events))
        } else {
            None
        }
    }

    /// Stops listening and closes every connection (the chain stays).
    pub fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Shut the sockets first so a thread blocked writing to a client that does not read
        // returns at once.
        let peers: Vec<_> = lock(&self.shared.peers).drain(..).collect();
        for p in peers {
            let _ = p.stream.shutdown(Shutdown::Both);
        }
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        self.shared.chain.unregister_node(self.addr());
    }

    /// Whether the node is listening.
    pub fn is_running(&self) -> bool {
        self.accept.is_some()
    }

    /// Stops (if running) and listens again on the same port.
    pub fn restart(&mut self) -> io::Result<()> {
        let port = self.addr().port();
        self.stop();
        self.listen(port)
    }

    /// Stops (if running) and listens again on a new ephemeral port.
    pub fn restart_on_new_port(&mut self) -> io::Result<()> {
        self.stop();
        self.listen(0)
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.stop();
    }
}

/// How often idle threads look at the stop flag, the chain and their outbox.
const TICK: Duration = Duration::from_millis(10);

fn accept_loop(listener: TcpListener, shared: Arc<NodeShared>) {
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    while !shared.stopping() {
        match listener.accept() {
            Ok((stream, addr)) => {
                let id = shared.next_peer.fetch_add(1, Ordering::SeqCst);
                let Ok(clone) = stream.try_clone() else { continue };
                let slot = Arc::new(PeerSlot {
                    id,
                    stream: clone,
                    outbox: Mutex::new(Vec::new()),
                    messages: Mutex::new(Vec::new()),
                    force_announce: AtomicBool::new(false),
                    open: AtomicBool::new(true),
                });
                lock(&shared.peers).push(slot.clone());
                shared.push_event(NodeEvent::Connected { peer: id, addr });
                let shared = shared.clone();
                threads.push(std::thread::spawn(move || conn::run(stream, slot, shared)));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(TICK),
            Err(_) => std::thread::sleep(TICK),
        }
        threads.retain(|t| !t.is_finished());
    }
    for t in threads {
        let _ = t.join();
    }
}
