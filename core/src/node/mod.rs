//! The async-std driver: runs the protocol [`StateMachine`] in one task and only does I/O
//! (DESIGN.md principle 1). Per connection a reader task cuts the byte stream into frames with
//! [`FrameDecoder`](crate::wire::FrameDecoder) (v1) or a
//! [`V2Receiver`](crate::wire::v2::V2Receiver) (BIP324) and decodes messages, and a writer
//! task drains a bounded queue of messages and frames or encrypts them; connects and DNS
//! lookups run in their own tasks with timeouts.
//!
//! The machine belongs to a [`Host`] (the client): after every step — an input, the machine's
//! outputs executed — the host gets the step's events, to commit and publish them. Jobs run on
//! the host inside the task through a [`NodeHandle`].

mod connection;

use crate::chain::HeaderStore;
use crate::machine::{Event, Output, StateMachine};
use crate::p2p::{PeerId, Time, Transport};
use crate::wire::{FrameError, Message, MessageError};
use async_std::channel::{bounded, unbounded, Receiver, Sender};
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
/// How long a DNS seed lookup may take.
pub const DNS_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest the node task sleeps without checking its timers.
pub const MAX_SLEEP: Duration = Duration::from_secs(30);

/// What owns the machine and acts on its events.
pub trait Host: Send + 'static {
    /// The machine's header store.
    type Store: HeaderStore + Send;
    /// Why the host stops the driver.
    type Stop: Send + 'static;

    /// The machine.
    fn machine(&mut self) -> &mut StateMachine<Self::Store>;

    /// After a step, with its events (the step's I/O is already queued). An error stops the
    /// driver: every connection is closed and [`Host::on_stopped`] follows.
    fn on_step(&mut self, events: Vec<Event>, now: Time) -> Result<(), Self::Stop>;

    /// The driver stopped (asked to, or because [`Host::on_step`] failed); the events of the
    /// shutdown (peers disconnected) are given, the connections are closed.
    fn on_stopped(&mut self, events: Vec<Event>, stop: Option<Self::Stop>, now: Time);
}

/// A job run on the host inside the driver's task.
pub type Job<H> = Box<dyn FnOnce(&mut H) + Send>;

enum Control<H> {
    Run(Job<H>),
    Stop,
}

/// Commands for a running driver. Cloning gives another handle to the same driver.
pub struct NodeHandle<H> {
    control: Sender<Control<H>>,
}

impl<H> Clone for NodeHandle<H> {
    fn clone(&self) -> Self {
        NodeHandle { control: self.control.clone() }
    }
}

impl<H> std::fmt::Debug for NodeHandle<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeHandle").field("running", &!self.control.is_closed()).finish()
    }
}

/// The driver has stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the node has stopped")]
pub struct Stopped;

impl<H: Host> NodeHandle<H> {
    /// Runs `job` on the host inside the driver's task (between two steps); the outputs it
    /// causes are executed and its events go to [`Host::on_step`]. Queued without bound:
    /// this never waits on peers.
    pub async fn run(&self, job: impl FnOnce(&mut H) + Send + 'static) -> Result<(), Stopped> {
        self.control.send(Control::Run(Box::new(job))).await.map_err(|_| Stopped)
    }

    /// Runs `f` on the host and returns its result.
    pub async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut H) -> R + Send + 'static,
    ) -> Result<R, Stopped> {
        let (tx, rx) = bounded(1);
        self.run(move |h| {
            let _ = tx.try_send(f(h));
        })
        .await?;
        rx.recv().await.map_err(|_| Stopped)
    }

    /// Asks the driver to close every connection and stop. The task's handle gives the host
    /// back.
    pub async fn stop(&self) {
        let _ = self.control.send(Control::Stop).await;
    }

    /// [`NodeHandle::stop`] from synchronous code: the control queue has no bound, so
    /// asking never waits.
    pub fn request_stop(&self) {
        let _ = self.control.try_send(Control::Stop);
    }
}

/// Starts the driver on `host`: returns its handle and the task, which gives the host back
/// when it ends. `connect_timeout` bounds each TCP connect.
pub fn start<H: Host>(host: H, connect_timeout: Duration) -> (NodeHandle<H>, JoinHandle<H>) {
    let (control_tx, control_rx) = unbounded();
    let (inputs_tx, inputs_rx) = bounded(INPUT_QUEUE);
    let mut host = host;
    let magic = host.machine().sync().config().params.magic;
    let driver = Driver {
        host,
        clock: Clock::new(),
        magic,
        connect_timeout,
        connections: HashMap::new(),
        connecting: HashMap::new(),
        inputs: inputs_tx,
    };
    let task = task::spawn(driver.run(inputs_rx, control_rx));
    (NodeHandle { control: control_tx }, task)
}

/// A seed from the operating system's random number generator.
pub fn os_seed() -> u64 {
    use rand::TryRngCore;
    rand::rngs::OsRng.try_next_u64().unwrap_or_else(|_| {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos();
        (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
    })
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
}

/// What connections and helper tasks report to the node task.
enum Input {
    Connected { peer: PeerId, stream: TcpStream, transport: Transport },
    ConnectFailed { peer: PeerId },
    Bytes { peer: PeerId, n: usize },
    Message { peer: PeerId, message: Message },
    DecodeError { peer: PeerId, error: MessageError },
    FrameError { peer: PeerId, error: FrameError },
    Closed { peer: PeerId },
    V2Refused { peer: PeerId },
    Resolved { host: String, addrs: Vec<SocketAddr> },
}

struct Driver<H: Host> {
    host: H,
    clock: Clock,
    magic: [u8; 4],
    connect_timeout: Duration,
    connections: HashMap<PeerId, Connection>,
    connecting: HashMap<PeerId, JoinHandle<()>>,
    inputs: Sender<Input>,
}

impl<H: Host> Driver<H> {
    async fn run(mut self, mut inputs: Receiver<Input>, mut control: Receiver<Control<H>>) -> H {
        let now = self.clock.now();
        self.host.machine().on_tick(now);
        let stop = loop {
            let now = self.clock.now();
            if now >= self.host.machine().next_deadline() {
                self.host.machine().on_tick(now);
            }
            let events = self.execute().await;
            if let Err(stop) = self.host.on_step(events, self.clock.now()) {
                break Some(stop);
            }
            let wait = self.host.machine().next_deadline().saturating_sub(self.clock.now());
            let sleep = Duration::from_millis(wait).min(MAX_SLEEP);
            select! {
                input = inputs.next() => {
                    if let Some(input) = input {
                        self.on_input(input).await;
                    }
                }
                ctl = control.next() => match ctl {
                    Some(Control::Run(job)) => job(&mut self.host),
                    Some(Control::Stop) | None => break None,
                },
                _ = task::sleep(sleep).fuse() => {}
            }
        };
        self.shutdown(stop).await;
        self.host
    }

    async fn on_input(&mut self, input: Input) {
        let now = self.clock.now();
        match input {
            Input::Connected { peer, stream, transport } => {
                self.connecting.remove(&peer);
                let m = self.host.machine();
                if m.peers().peer(peer).is_none() {
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                    return;
                }
                let conn =
                    Connection::open(peer, stream, self.magic, transport, self.inputs.clone());
                self.connections.insert(peer, conn);
                m.on_connected(peer, now);
            }
            Input::ConnectFailed { peer } => {
                self.connecting.remove(&peer);
                self.host.machine().on_connect_failed(peer, now);
            }
            Input::Bytes { peer, n } => self.host.machine().on_bytes(peer, n, now),
            Input::Message { peer, message } => self.host.machine().on_message(peer, message, now),
            Input::DecodeError { peer, error } => {
                self.host.machine().on_decode_error(peer, error, now)
            }
            Input::FrameError { peer, error } => {
                self.host.machine().on_frame_error(peer, error, now)
            }
            Input::Closed { peer } => {
                if let Some(conn) = self.connections.remove(&peer) {
                    conn.close().await;
                }
                self.host.machine().on_disconnected(peer, now);
            }
            Input::V2Refused { peer } => {
                if let Some(conn) = self.connections.remove(&peer) {
                    conn.close().await;
                }
                self.host.machine().on_v2_refused(peer, now);
            }
            Input::Resolved { host, addrs } => self.host.machine().on_resolved(&host, addrs, now),
        }
    }

    /// Executes the machine's I/O until there is none; returns its events.
    async fn execute(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        loop {
            let outputs: Vec<Output> = self.host.machine().drain_outputs().collect();
            if outputs.is_empty() {
                return events;
            }
            for output in outputs {
                match output {
                    Output::Connect { peer, addr, transport } => {
                        self.connect(peer, addr, transport)
                    }
                    Output::Send { peer, message } => {
                        let Some(conn) = self.connections.get(&peer) else { continue };
                        if !conn.send(message) {
                            let now = self.clock.now();
                            self.host.machine().on_send_queue_full(peer, now);
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
                    Output::Event(event) => events.push(event),
                }
            }
        }
    }

    fn connect(&mut self, peer: PeerId, addr: SocketAddr, transport: Transport) {
        let inputs = self.inputs.clone();
        let timeout = self.connect_timeout;
        let task = task::spawn(async move {
            let input = match async_std::io::timeout(timeout, TcpStream::connect(addr)).await {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    Input::Connected { peer, stream, transport }
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

    async fn shutdown(&mut self, stop: Option<H::Stop>) {
        let now = self.clock.now();
        self.host.machine().shutdown(now);
        let events = self.execute().await;
        for (_, task) in self.connecting.drain() {
            task.cancel().await;
        }
        for (_, conn) in self.connections.drain() {
            conn.close().await;
        }
        self.host.on_stopped(events, stop, self.clock.now());
    }
}

#[cfg(test)]
mod tests;
