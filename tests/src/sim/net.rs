//! The simulated network: the client's [`StateMachine`] and the peers exchange messages
//! through one event queue in virtual time. Nothing here reads a clock or a socket; the
//! scenario's seed fixes every latency, so a run is reproducible bit for bit.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Arc;

use dashlite::chain::MemoryHeaderStore;
use dashlite::machine::{Event, Output, Parts, StateMachine};
use dashlite::network::Network;
use dashlite::p2p::{PeerId, Time, MINUTE, SECOND};
use dashlite::sync::{start_header, SyncConfig, SyncEngine};
use dashlite::wallet::Wallet;
use dashlite::wire::Message;

use super::peer::PeerConn;
use super::rng::SimRng;
use super::scenario::Scenario;
use crate::chain::Chain;

/// The machine the simulator drives.
pub type SimMachine = StateMachine<MemoryHeaderStore>;

/// Virtual time of the start (ms since the Unix epoch; any fixed value).
pub const START: Time = 1_800_000_000_000;
/// How long after the last chain version the client has to match the final chain.
pub const SETTLE_LIMIT: Time = 30 * MINUTE;
/// How long the simulation goes on once the client has the final chain (late answers,
/// relays still under way).
pub const QUIET: Time = 5 * SECOND;

#[derive(Debug)]
enum Ev {
    /// A message reaches the client.
    ToClient(PeerId, Message),
    /// A message reaches peer `.0` on connection `.1`.
    ToPeer(usize, PeerId, Message),
    /// A connection attempt completes.
    Connected(PeerId),
    /// A connection attempt fails.
    ConnectFailed(PeerId),
    /// Peer `.0` serves chain version `.1` from now on.
    Adopt(usize, usize),
    /// Peer `.0` drops its connection and refuses new ones.
    Down(usize),
    /// Peer `.0` accepts connections again.
    Up(usize),
    /// The client is told about peer `.0`.
    Join(usize),
    /// Peer `.0`'s stall ends: what it held is answered.
    StallEnd(usize),
}

struct SimPeer {
    chain: Arc<Chain>,
    version: usize,
    conn: Option<(PeerId, PeerConn)>,
    online: bool,
    held: Vec<(PeerId, Message)>,
}

/// How a run ended.
#[derive(Debug)]
pub struct Outcome {
    /// The machine at the end.
    pub machine: SimMachine,
    /// Whether the client reached the final chain within [`SETTLE_LIMIT`].
    pub converged: bool,
    /// Penalties the client gave (honest peers deserve none).
    pub penalties: Vec<String>,
    /// The ChainLocks the client reported (`SyncEvent::ChainLocked`), in order: height and
    /// block.
    pub chain_locked: Vec<(u32, dashlite::hash::BlockHash)>,
    /// Messages delivered (both directions).
    pub messages: u64,
    /// Virtual time the run took.
    pub elapsed: Time,
    /// With `SIM_TRACE` set: every output of the machine, with its time.
    pub trace: Vec<String>,
}

/// Runs `scenario` to its end.
pub fn run(scenario: &Scenario) -> Outcome {
    Sim::new(scenario).run(scenario)
}

struct Sim {
    machine: SimMachine,
    peers: Vec<SimPeer>,
    queue: BinaryHeap<Reverse<(Time, u64)>>,
    events: HashMap<u64, Ev>,
    seq: u64,
    /// Per connection and direction (true: to the client), the last delivery time: one
    /// connection delivers in order.
    fifo: BTreeMap<(PeerId, bool), Time>,
    rng: SimRng,
    now: Time,
    penalties: Vec<String>,
    chain_locked: Vec<(u32, dashlite::hash::BlockHash)>,
    messages: u64,
    trace: Option<Vec<String>>,
}

impl Sim {
    fn new(scenario: &Scenario) -> Sim {
        let params = Network::Regtest.params();
        let mut sync_config = SyncConfig::new(params, 0);
        sync_config.seed = scenario.seed;
        sync_config.filter_seed = Some(scenario.seed);
        let sync = SyncEngine::new(
            sync_config,
            MemoryHeaderStore::new(),
            start_header(params, 0, &[]),
            Wallet::new(scenario.watch.watch_list()),
        )
        .expect("a sync engine from genesis");
        let mut p2p = dashlite::p2p::Config::new(Network::Regtest);
        p2p.manual_peers =
            scenario.peers.iter().filter(|p| p.join_at.is_none()).map(|p| p.addr).collect();
        p2p.target_outbound = scenario.peers.len();
        let mut parts = Parts::new(p2p, sync, scenario.seed);
        // The simulated chains carry a CbTx from height 1 (DIP3 active from the start, as
        // `-dip3params=1:1` makes a regtest node).
        parts.masternodes = Some(dashlite::masternode::MasternodeSync::new(1));
        let machine = StateMachine::new(parts, START);
        let first = scenario.versions[0].1.clone();
        let peers = scenario
            .peers
            .iter()
            .map(|_| SimPeer {
                chain: first.clone(),
                version: 0,
                conn: None,
                online: true,
                held: Vec::new(),
            })
            .collect();
        let mut sim = Sim {
            machine,
            peers,
            queue: BinaryHeap::new(),
            events: HashMap::new(),
            seq: 0,
            fifo: BTreeMap::new(),
            rng: SimRng::new(scenario.seed ^ 0x6e65_7477_6f72_6b00),
            now: START,
            penalties: Vec::new(),
            chain_locked: Vec::new(),
            messages: 0,
            trace: std::env::var_os("SIM_TRACE").map(|_| Vec::new()),
        };
        for (i, plan) in scenario.peers.iter().enumerate() {
            for (v, (at, _)) in scenario.versions.iter().enumerate().skip(1) {
                sim.at(START + at + plan.lag, Ev::Adopt(i, v));
            }
            if let Some(t) = plan.join_at {
                sim.at(START + t, Ev::Join(i));
            }
            if let Some((down, up)) = plan.outage {
                sim.at(START + down, Ev::Down(i));
                sim.at(START + up, Ev::Up(i));
            }
            if let Some(s) = plan.stall {
                sim.at(START + s.until, Ev::StallEnd(i));
            }
        }
        sim
    }

    fn at(&mut self, t: Time, ev: Ev) {
        self.seq += 1;
        self.queue.push(Reverse((t, self.seq)));
        self.events.insert(self.seq, ev);
    }

    /// Schedules a message on a connection: the peer's latency plus jitter, never before
    /// the connection's previous message in the same direction.
    fn send(
        &mut self,
        scenario: &Scenario,
        peer: usize,
        conn: PeerId,
        to_client: bool,
        m: Message,
    ) {
        let plan = &scenario.peers[peer];
        let delay = plan.latency + self.rng.range(0, plan.jitter + 1);
        let last = self.fifo.entry((conn, to_client)).or_insert(0);
        let t = (self.now + delay).max(*last);
        *last = t;
        let ev = if to_client { Ev::ToClient(conn, m) } else { Ev::ToPeer(peer, conn, m) };
        self.at(t, ev);
    }

    fn peer_of(&self, conn: PeerId) -> Option<usize> {
        self.peers.iter().position(|p| p.conn.as_ref().is_some_and(|(c, _)| *c == conn))
    }

    fn run(mut self, scenario: &Scenario) -> Outcome {
        let last_version = scenario.versions.last().map_or(0, |v| v.0);
        let last_lag = scenario.peers.iter().map(|p| p.lag).max().unwrap_or(0);
        let settled_after = START + last_version + last_lag;
        let limit = settled_after + SETTLE_LIMIT;
        let final_chain = scenario.final_chain();
        let (final_tip, final_height) = (final_chain.tip(), final_chain.height());
        let mut done_at = None;
        loop {
            self.route(scenario);
            if done_at.is_none()
                && self.now >= settled_after
                && self.caught_up(final_tip, final_height)
            {
                done_at = Some(self.now + QUIET);
            }
            if done_at.is_some_and(|d| self.now >= d) || self.now > limit {
                break;
            }
            let next_ev = self.queue.peek().map(|Reverse((t, _))| *t);
            let deadline = self.machine.next_deadline().max(self.now + 1);
            match next_ev {
                Some(t) if t <= deadline => {
                    let Some(Reverse((t, seq))) = self.queue.pop() else { break };
                    self.now = self.now.max(t);
                    if let Some(ev) = self.events.remove(&seq) {
                        self.handle(scenario, ev);
                    }
                }
                _ => {
                    self.now = deadline;
                    self.machine.on_tick(self.now);
                }
            }
        }
        let converged = done_at.is_some();
        Outcome {
            machine: self.machine,
            converged,
            penalties: self.penalties,
            chain_locked: self.chain_locked,
            messages: self.messages,
            elapsed: self.now - START,
            trace: self.trace.unwrap_or_default(),
        }
    }

    fn caught_up(&self, tip: dashlite::hash::BlockHash, height: u32) -> bool {
        let m = &self.machine;
        let list_at_tip = m
            .masternodes()
            .is_none_or(|s| height == 0 || s.current().is_some_and(|c| c.list.block_hash == tip));
        m.tree().tip().hash == tip
            && m.sync().blocks_height() == height
            && m.wallet().tip() == height
            && list_at_tip
    }

    fn handle(&mut self, scenario: &Scenario, ev: Ev) {
        let now = self.now;
        match ev {
            Ev::ToClient(conn, m) => {
                if self.peer_of(conn).is_some() {
                    self.messages += 1;
                    self.machine.on_message(conn, m, now);
                }
            }
            Ev::ToPeer(i, conn, m) => {
                let stalled = scenario.peers[i]
                    .stall
                    .is_some_and(|s| now >= START + s.from && now < START + s.until);
                if self.peers[i].conn.as_ref().is_none_or(|(c, _)| *c != conn) {
                    return;
                }
                self.messages += 1;
                if stalled && matches!(m, Message::GetData(_)) {
                    if scenario.peers[i].stall.is_some_and(|s| s.late) {
                        self.peers[i].held.push((conn, m));
                    }
                    return;
                }
                self.peer_receives(scenario, i, conn, m);
            }
            Ev::Connected(conn) => self.machine.on_connected(conn, now),
            Ev::ConnectFailed(conn) => self.machine.on_connect_failed(conn, now),
            Ev::Adopt(i, v) => {
                let p = &mut self.peers[i];
                if v <= p.version {
                    return;
                }
                p.version = v;
                p.chain = scenario.versions[v].1.clone();
                let chain = p.chain.clone();
                if let Some((conn, pc)) = p.conn.as_mut() {
                    let conn = *conn;
                    let out = pc.on_chain_changed(&chain);
                    for m in out {
                        self.send(scenario, i, conn, true, m);
                    }
                }
            }
            Ev::Down(i) => {
                self.peers[i].online = false;
                self.peers[i].held.clear();
                if let Some((conn, _)) = self.peers[i].conn.take() {
                    self.machine.on_disconnected(conn, now);
                }
            }
            Ev::Up(i) => self.peers[i].online = true,
            Ev::Join(i) => self.machine.add_peer(scenario.peers[i].addr, now),
            Ev::StallEnd(i) => {
                for (conn, m) in std::mem::take(&mut self.peers[i].held) {
                    if self.peers[i].conn.as_ref().is_some_and(|(c, _)| *c == conn) {
                        self.peer_receives(scenario, i, conn, m);
                    }
                }
            }
        }
    }

    fn peer_receives(&mut self, scenario: &Scenario, i: usize, conn: PeerId, m: Message) {
        let p = &mut self.peers[i];
        let chain = p.chain.clone();
        let Some((_, pc)) = p.conn.as_mut() else { return };
        for reply in pc.on_message(&chain, m) {
            self.send(scenario, i, conn, true, reply);
        }
    }

    /// Executes what the machine asked for.
    fn route(&mut self, scenario: &Scenario) {
        let outputs: Vec<Output> = self.machine.drain_outputs().collect();
        let now = self.now;
        for output in outputs {
            if let Some(t) = self.trace.as_mut() {
                let mut line = format!("{now} {output:?}");
                line.truncate(300);
                t.push(line);
            }
            match output {
                Output::Connect { peer: conn, addr, .. } => {
                    let target = scenario.peers.iter().position(|p| p.addr == addr);
                    match target.filter(|&i| self.peers[i].online && self.peers[i].conn.is_none()) {
                        Some(i) => {
                            let plan = &scenario.peers[i];
                            let pc = PeerConn::new(addr, plan.headers2).with_mnlist(plan.mnlist);
                            self.peers[i].conn = Some((conn, pc));
                            let t = now + plan.latency;
                            self.at(t, Ev::Connected(conn));
                        }
                        None => self.at(now + 100, Ev::ConnectFailed(conn)),
                    }
                }
                Output::Send { peer: conn, message } => {
                    if let Some(i) = self.peer_of(conn) {
                        self.send(scenario, i, conn, false, message);
                    }
                }
                Output::Disconnect { peer: conn, .. } => {
                    if let Some(i) = self.peer_of(conn) {
                        self.peers[i].conn = None;
                        self.peers[i].held.clear();
                    }
                }
                Output::Resolve { host, .. } => self.machine.on_resolved(&host, Vec::new(), now),
                Output::Event(Event::Misbehaved { peer, what, score }) => {
                    self.penalties.push(format!("peer {peer}: {what:?} (score {score})"));
                }
                Output::Event(Event::Sync(dashlite::sync::SyncEvent::ChainLocked {
                    height,
                    block_hash,
                    ..
                })) => self.chain_locked.push((height, block_hash)),
                Output::Event(_) => {}
            }
        }
    }
}
