//! The async-std driver: executes the [`crate::p2p`] state machines' outputs over real TCP.
//! It is thin on purpose (DESIGN.md principle 1): one task owns the
//! [`ConnectionManager`] and feeds it inputs; per connection a reader task cuts the byte
//! stream into frames with [`FrameDecoder`](crate::wire::FrameDecoder) and decodes messages, and a writer task drains a
//! bounded queue of frames; connects and DNS lookups run in their own tasks with timeouts.
//!
//! The layer above talks to it through a [`NodeHandle`] (commands, snapshots, shutdown) and
//! reads [`Event`]s from [`NodeEvents`]. Events are delivered through a bounded queue: a
//! consumer that stops reading stops the node from reading peers (back-pressure down to
//! TCP), so read events concurrently with awaiting [`NodeHandle::snapshot`].

mod connection;

use crate::encode::DecodeError;
use crate::network::Network;
use crate::p2p::{
    AddrBook, BanList, Command, Config, ConnectionManager, Event, FilterSource, Output, PeerId,
    Time,
};
use crate::wire::{FrameError, Message, MessageError};
use async_std::channel::{bounded, unbounded, Receiver, Sender, TrySendError};
use async_std::net::{TcpStream, ToSocketAddrs};
use async_std::task::{self, JoinHandle};
use connection::Connection;
use futures::{select, FutureExt, StreamExt};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Frames queued for one peer before it counts as not reading (client bound).
pub const WRITE_QUEUE_FRAMES: usize = 256;
/// Inputs from connections waiting for the node task (client bound; readers wait when full).
pub const INPUT_QUEUE: usize = 256;
/// Events waiting for the layer above (client bound; the node waits when full).
pub const EVENT_QUEUE: usize = 1024;
/// How long a DNS seed lookup may take.
pub const DNS_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest the node task sleeps without checking its timers.
pub const MAX_SLEEP: Duration = Duration::from_secs(30);

/// How to run the node.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// The connection manager's configuration (network, peers, target).
    pub p2p: Config,
    /// A stored address book ([`PeerSnapshot::address_book`]).
    pub address_book: Option<Vec<u8>>,
    /// A stored ban list ([`PeerSnapshot::bans`]).
    pub bans: Option<Vec<u8>>,
    /// Seed of the random choices (nonces, addresses); `None` draws one from the clock.
    pub seed: Option<u64>,
}

impl NodeConfig {
    /// Defaults for `network`.
    pub fn new(network: Network) -> Self {
        NodeConfig { p2p: Config::new(network), address_book: None, bans: None, seed: None }
    }
}

/// What the node knows about peers, to store and pass back in [`NodeConfig`] next time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerSnapshot {
    /// [`AddrBook::to_bytes`].
    pub address_book: Vec<u8>,
    /// [`BanList::to_bytes`].
    pub bans: Vec<u8>,
}

/// Why the node could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    /// The node has stopped.
    #[error("the node has stopped")]
    Stopped,
    /// The stored address book does not decode.
    #[error("stored address book: {0}")]
    AddressBook(DecodeError),
    /// The stored ban list does not decode.
    #[error("stored ban list: {0}")]
    Bans(DecodeError),
}

enum Control {
    Command(Command),
    Snapshot(Sender<PeerSnapshot>),
    Shutdown(Sender<PeerSnapshot>),
}

/// Commands for a running node. Cloning gives another handle to the same node.
#[derive(Debug, Clone)]
pub struct NodeHandle {
    control: Sender<Control>,
    task: std::sync::Arc<async_std::sync::Mutex<Option<JoinHandle<()>>>>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Control")
    }
}

impl NodeHandle {
    /// Passes a command to the connection manager. Commands come from trusted local code and
    /// are queued without bound, so this never waits on peers.
    pub async fn command(&self, command: Command) -> Result<(), NodeError> {
        self.control.send(Control::Command(command)).await.map_err(|_| NodeError::Stopped)
    }

    /// Sends `message` to `peer`.
    pub async fn send(&self, peer: PeerId, message: Message) -> Result<(), NodeError> {
        self.command(Command::Send { peer, message }).await
    }

    /// The address book and ban list as they are now.
    pub async fn snapshot(&self) -> Result<PeerSnapshot, NodeError> {
        let (tx, rx) = bounded(1);
        self.control.send(Control::Snapshot(tx)).await.map_err(|_| NodeError::Stopped)?;
        rx.recv().await.map_err(|_| NodeError::Stopped)
    }

    /// Closes every connection, stops the node and returns what to store.
    pub async fn shutdown(&self) -> Result<PeerSnapshot, NodeError> {
        let (tx, rx) = bounded(1);
        self.control.send(Control::Shutdown(tx)).await.map_err(|_| NodeError::Stopped)?;
        let snapshot = rx.recv().await.map_err(|_| NodeError::Stopped)?;
        if let Some(task) = self.task.lock().await.take() {
            task.await;
        }
        Ok(snapshot)
    }
}

/// The node's events, in order.
#[derive(Debug)]
pub struct NodeEvents {
    events: Receiver<Event>,
}

impl NodeEvents {
    /// The next event; `None` once the node has stopped and every event was read.
    pub async fn next(&mut self) -> Option<Event> {
        self.events.recv().await.ok()
    }
}

/// Starts a node: returns its handle and its event stream. `filters` provides the
/// `filterload` of each handshake.
pub fn start(
    config: NodeConfig,
    filters: Box<dyn FilterSource>,
) -> Result<(NodeHandle, NodeEvents), NodeError> {
    let clock = Clock::new();
    let now = clock.now();
    let max = config.p2p.max_addresses;
    let book = match &config.address_book {
        Some(b) => AddrBook::from_bytes(b, max).map_err(NodeError::AddressBook)?,
        None => AddrBook::new(max),
    };
    let bans = match &config.bans {
        Some(b) => BanList::from_bytes(b).map_err(NodeError::Bans)?,
        None => BanList::new(),
    };
    let seed = config.seed.unwrap_or_else(|| clock.entropy());
    let manager = ConnectionManager::new(config.p2p.clone(), book, bans, filters, seed, now);
    let (control_tx, control_rx) = unbounded();
    let (events_tx, events_rx) = bounded(EVENT_QUEUE);
    let (inputs_tx, inputs_rx) = bounded(INPUT_QUEUE);
    let driver = Driver {
        manager,
        clock,
        magic: config.p2p.network.params().magic,
        connect_timeout: Duration::from_millis(config.p2p.timeouts.connect),
        connections: HashMap::new(),
        connecting: HashMap::new(),
        inputs: inputs_tx,
        events: events_tx,
    };
    let task = task::spawn(driver.run(inputs_rx, control_rx));
    let handle = NodeHandle {
        control: control_tx,
        task: std::sync::Arc::new(async_std::sync::Mutex::new(Some(task))),
    };
    Ok((handle, NodeEvents { events: events_rx }))
}

/// Milliseconds since the Unix epoch, monotonic: the wall clock at start plus the monotonic
/// time elapsed since.
struct Clock {
    wall_start: Time,
    start: Instant,
}

impl Clock {
    fn new() -> Self {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Clock { wall_start: wall.as_millis() as Time, start: Instant::now() }
    }

    fn now(&self) -> Time {
        self.wall_start + self.start.elapsed().as_millis() as Time
    }

    fn entropy(&self) -> u64 {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos();
        (nanos as u64) ^ (std::process::id() as u64).rotate_left(32)
    }
}

/// What connections and helper tasks report to the node task.
enum Input {
    Connected { peer: PeerId, stream: TcpStream },
    ConnectFailed { peer: PeerId },
    Bytes { peer: PeerId, n: usize },
    Message { peer: PeerId, message: Message },
    DecodeError { peer: PeerId, error: MessageError },
    FrameError { peer: PeerId, error: FrameError },
    Closed { peer: PeerId },
    Resolved { host: String, addrs: Vec<SocketAddr> },
}

struct Driver {
    manager: ConnectionManager,
    clock: Clock,
    magic: [u8; 4],
    connect_timeout: Duration,
    connections: HashMap<PeerId, Connection>,
    connecting: HashMap<PeerId, JoinHandle<()>>,
    inputs: Sender<Input>,
    events: Sender<Event>,
}

impl Driver {
    async fn run(mut self, mut inputs: Receiver<Input>, mut control: Receiver<Control>) {
        self.manager.on_tick(self.clock.now());
        loop {
            let now = self.clock.now();
            if now >= self.manager.next_deadline() {
                self.manager.on_tick(now);
            }
            self.execute(false).await;
            let wait = self.manager.next_deadline().saturating_sub(self.clock.now());
            let sleep = Duration::from_millis(wait).min(MAX_SLEEP);
            select! {
                input = inputs.next() => {
                    if let Some(input) = input {
                        self.on_input(input).await;
                    }
                }
                ctl = control.next() => match ctl {
                    Some(Control::Command(c)) => self.manager.command(c, self.clock.now()),
                    Some(Control::Snapshot(reply)) => {
                        let _ = reply.try_send(self.snapshot());
                    }
                    Some(Control::Shutdown(reply)) => {
                        self.shutdown().await;
                        let _ = reply.try_send(self.snapshot());
                        return;
                    }
                    None => {
                        self.shutdown().await;
                        return;
                    }
                },
                _ = task::sleep(sleep).fuse() => {}
            }
        }
    }

    fn snapshot(&self) -> PeerSnapshot {
        PeerSnapshot {
            address_book: self.manager.address_book().to_bytes(),
            bans: self.manager.bans().to_bytes(),
        }
    }

    async fn on_input(&mut self, input: Input) {
        let now = self.clock.now();
        let m = &mut self.manager;
        match input {
            Input::Connected { peer, stream } => {
                self.connecting.remove(&peer);
                if m.peer(peer).is_none() {
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                    return;
                }
                let conn = Connection::open(peer, stream, self.magic, self.inputs.clone());
                self.connections.insert(peer, conn);
                m.on_connected(peer, now);
            }
            Input::ConnectFailed { peer } => {
                self.connecting.remove(&peer);
                m.on_connect_failed(peer, now);
            }
            Input::Bytes { peer, n } => m.on_bytes(peer, n, now),
            Input::Message { peer, message } => m.on_message(peer, message, now),
            Input::DecodeError { peer, error } => m.on_decode_error(peer, error, now),
            Input::FrameError { peer, error } => m.on_frame_error(peer, error, now),
            Input::Closed { peer } => {
                if let Some(conn) = self.connections.remove(&peer) {
                    conn.close().await;
                }
                m.on_disconnected(peer, now);
            }
            Input::Resolved { host, addrs } => m.on_resolved(&host, addrs, now),
        }
    }

    /// Executes the manager's outputs until there are none. While shutting down, events that
    /// do not fit the queue are dropped rather than waited for.
    async fn execute(&mut self, shutting_down: bool) {
        loop {
            let outputs: Vec<Output> = self.manager.drain_outputs().collect();
            if outputs.is_empty() {
                return;
            }
            for output in outputs {
                match output {
                    Output::Connect { peer, addr } => self.connect(peer, addr),
                    Output::Send { peer, message } => {
                        let Some(conn) = self.connections.get(&peer) else { continue };
                        if let Err(TrySendError::Full(_)) = conn.send(message.to_frame(self.magic))
                        {
                            self.manager.on_send_queue_full(peer, self.clock.now());
                        }
                    }
                    Output::Disconnect { peer, .. } => {
                        if let Some(conn) = self.connections.remove(&peer) {
                            conn.close().await;
                        }
                        if let Some(connecting) = self.connecting.remove(&peer) {
                            connecting.cancel().await;
                        }
                    }
                    Output::Resolve { host, port } => self.resolve(host, port),
                    Output::Event(event) => {
                        if shutting_down {
                            let _ = self.events.try_send(event);
                        } else {
                            let _ = self.events.send(event).await;
                        }
                    }
                }
            }
        }
    }

    fn connect(&mut self, peer: PeerId, addr: SocketAddr) {
        let inputs = self.inputs.clone();
        let timeout = self.connect_timeout;
        let task = task::spawn(async move {
            let input = match async_std::io::timeout(timeout, TcpStream::connect(addr)).await {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    Input::Connected { peer, stream }
                }
                Err(_) => Input::ConnectFailed { peer },
            };
            let _ = inputs.send(input).await;
        });
        self.connecting.insert(peer, task);
    }

    fn resolve(&mut self, host: String, port: u16) {
        let inputs = self.inputs.clone();
        task::spawn(async move {
            let lookup = (host.as_str(), port).to_socket_addrs();
            let addrs = match async_std::io::timeout(DNS_TIMEOUT, lookup).await {
                Ok(addrs) => addrs.collect(),
                Err(_) => Vec::new(),
            };
            let _ = inputs.send(Input::Resolved { host, addrs }).await;
        });
    }

    async fn shutdown(&mut self) {
        self.manager.shutdown();
        self.execute(true).await;
        for (_, task) in self.connecting.drain() {
            task.cancel().await;
        }
        for (_, conn) in self.connections.drain() {
            conn.close().await;
        }
    }
}

#[cfg(test)]
mod tests;
