//! dashlite's protocol [`StateMachine`] on its real async driver ([`dashlite::node`]) over
//! loopback TCP, every event it reports kept for the test: what an end-to-end test against
//! testkit nodes (or real Dash Core) reads when it needs more than the public client API shows
//! (misbehaviour scores, disconnect reasons, the machine's own state).
//!
//! ```no_run
//! use dashlite::machine::Event;
//! use dashlite_testkit::harness::{MachineClient, MachineConfig};
//! use dashlite_testkit::{SharedChain, TestNode};
//!
//! let chain = SharedChain::with_blocks(20);
//! let node = TestNode::start(&chain);
//! let mut client = MachineClient::start(MachineConfig::new(&[node.addr()]));
//! client.wait("synced", |e| matches!(e, Event::Sync(dashlite::sync::SyncEvent::Synced { .. })));
//! let machine = client.stop();
//! assert_eq!(machine.tree().tip().height, 20);
//! ```

use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_std::task::{self, JoinHandle};
use dashlite::chain::MemoryHeaderStore;
use dashlite::governance::GovernanceService;
use dashlite::machine::{Event, Parts, StateMachine};
use dashlite::network::Network;
use dashlite::node::{self, Host, NodeHandle};
use dashlite::p2p::{
    AddrBook, DisconnectReason, Misbehavior, PeerId, PeerInfo, Time, Timeouts, V2Policy,
};
use dashlite::sync::{start_header, SyncConfig, SyncEngine};
use dashlite::wallet::{Wallet, WatchList};

/// The machine a [`MachineClient`] runs.
pub type Machine = StateMachine<MemoryHeaderStore>;

/// How long [`MachineClient::wait`] waits before failing the test.
pub const GUARD: Duration = Duration::from_secs(20);

/// How a [`MachineClient`] is set up: regtest, in memory, syncing from genesis.
#[derive(Debug, Clone)]
pub struct MachineConfig {
    /// Peers to dial (only these, unless empty: then the address book is used).
    pub peers: Vec<SocketAddr>,
    /// How many peers to keep.
    pub target: usize,
    /// Connection timers.
    pub timeouts: Timeouts,
    /// What the wallet watches.
    pub watch: WatchList,
    /// A restored address book (discovery dials from it when `peers` is empty).
    pub address_book: Option<AddrBook>,
    /// Seed of every random choice.
    pub seed: u64,
    /// Changes to the sync configuration.
    pub sync: fn(&mut SyncConfig),
    /// Whether governance objects are synced (once headers are).
    pub governance: bool,
    /// When the client speaks v2 (default: as the client does, with every peer that may).
    pub v2: V2Policy,
}

impl MachineConfig {
    /// Dial exactly `peers`, keep all of them, watch nothing.
    pub fn new(peers: &[SocketAddr]) -> MachineConfig {
        MachineConfig {
            peers: peers.to_vec(),
            target: peers.len().max(1),
            timeouts: Timeouts::default(),
            watch: WatchList::new(Network::Regtest),
            address_book: None,
            seed: 0xe2e,
            sync: |_| {},
            v2: V2Policy::default(),
            governance: false,
        }
    }
}

struct Recorder {
    machine: Machine,
    events: mpsc::Sender<Event>,
}

impl Host for Recorder {
    type Store = MemoryHeaderStore;
    type Stop = ();

    fn machine(&mut self) -> &mut Machine {
        &mut self.machine
    }

    fn on_step(&mut self, events: Vec<Event>, _: Time) -> Result<(), ()> {
        for e in events {
            let _ = self.events.send(e);
        }
        Ok(())
    }

    fn on_stopped(&mut self, events: Vec<Event>, _: Option<()>, now: Time) {
        let _ = self.on_step(events, now);
    }
}

/// A running machine and every event it reported (see the module docs).
pub struct MachineClient {
    handle: NodeHandle<Recorder>,
    task: JoinHandle<Recorder>,
    events: mpsc::Receiver<Event>,
    /// Every event read so far, in order.
    pub seen: Vec<Event>,
}

fn now_ms() -> Time {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as Time)
}

impl MachineClient {
    /// Builds the machine and starts it on the driver.
    pub fn start(config: MachineConfig) -> MachineClient {
        let params = Network::Regtest.params();
        let mut sync_config = SyncConfig::new(params, 0);
        sync_config.seed = config.seed;
        (config.sync)(&mut sync_config);
        let sync = SyncEngine::new(
            sync_config,
            MemoryHeaderStore::new(),
            start_header(params, 0, &[]),
            Wallet::new(config.watch),
        )
        .expect("sync engine");
        let mut p2p = dashlite::p2p::Config::new(Network::Regtest);
        p2p.manual_peers = config.peers;
        p2p.target_outbound = config.target;
        p2p.timeouts = config.timeouts;
        p2p.v2 = config.v2;
        let mut parts = Parts::new(p2p, sync, config.seed);
        if let Some(book) = config.address_book {
            parts.address_book = book;
        }
        if config.governance {
            parts.governance = Some(GovernanceService::new(Network::Regtest));
        }
        let machine = StateMachine::new(parts, now_ms());
        let (tx, rx) = mpsc::channel();
        let connect = Duration::from_millis(config.timeouts.connect);
        let (handle, task) = node::start(Recorder { machine, events: tx }, connect);
        MachineClient { handle, task, events: rx, seen: Vec::new() }
    }

    /// Reads events until one satisfies `want`; panics after [`GUARD`].
    pub fn wait(&mut self, what: &str, want: impl Fn(&Event) -> bool) -> Event {
        let deadline = Instant::now() + GUARD;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(e) => {
                    self.seen.push(e.clone());
                    if want(&e) {
                        return e;
                    }
                }
                Err(_) => panic!("no {what} within {GUARD:?}; events: {:#?}", self.seen),
            }
        }
    }

    /// Reads whatever events are already queued.
    pub fn drain(&mut self) {
        while let Ok(e) = self.events.try_recv() {
            self.seen.push(e);
        }
    }

    /// The first event ever (already read or still to come) that satisfies `want`.
    pub fn first(&mut self, what: &str, want: impl Fn(&Event) -> bool) -> Event {
        self.drain();
        match self.seen.iter().find(|e| want(e)) {
            Some(e) => e.clone(),
            None => self.wait(what, want),
        }
    }

    /// The first connection to `addr` whose handshake completed, and what the peer said.
    pub fn wait_ready(&mut self, addr: SocketAddr) -> (PeerId, PeerInfo) {
        let ready = |e: &Event| matches!(e, Event::PeerConnected { info, .. } if info.addr == addr);
        match self.first("PeerConnected", ready) {
            Event::PeerConnected { peer, info } => (peer, info),
            _ => unreachable!(),
        }
    }

    /// Why the first connection to `addr` ended.
    pub fn wait_gone(&mut self, addr: SocketAddr) -> DisconnectReason {
        let gone = |e: &Event| matches!(e, Event::PeerDisconnected { addr: a, .. } if *a == addr);
        match self.first("PeerDisconnected", gone) {
            Event::PeerDisconnected { reason, .. } => reason,
            _ => unreachable!(),
        }
    }

    /// Every reason a connection to `addr` ended for, so far.
    pub fn disconnects_of(&mut self, addr: SocketAddr) -> Vec<DisconnectReason> {
        self.drain();
        self.seen
            .iter()
            .filter_map(|e| match e {
                Event::PeerDisconnected { addr: a, reason, .. } if *a == addr => {
                    Some(reason.clone())
                }
                _ => None,
            })
            .collect()
    }

    /// Every penalty `peer` got so far, with its score after it.
    pub fn misbehaviour_of(&mut self, peer: PeerId) -> Vec<(Misbehavior, u32)> {
        self.drain();
        self.seen
            .iter()
            .filter_map(|e| match e {
                Event::Misbehaved { peer: p, what, score } if *p == peer => {
                    Some((what.clone(), *score))
                }
                _ => None,
            })
            .collect()
    }

    /// Runs `f` on the machine inside the driver's task.
    pub fn with<R: Send + 'static>(&self, f: impl FnOnce(&mut Machine) -> R + Send + 'static) -> R {
        task::block_on(self.handle.call(move |h| f(&mut h.machine))).expect("machine running")
    }

    /// Closes every connection and gives the machine back.
    pub fn stop(self) -> Machine {
        task::block_on(async {
            self.handle.stop().await;
            self.task.await.machine
        })
    }
}
