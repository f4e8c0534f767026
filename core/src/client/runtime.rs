//! The running client: one task that feeds the node's events and a clock tick to the sync
//! engine, passes its commands to the node, commits every step to the store and then
//! publishes the step's events. The `filterload` each new peer gets in its handshake comes
//! from a [`SharedFilter`] kept equal to the engine's filter.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_std::channel::{unbounded, Receiver, Sender};
use async_std::task::{self, JoinHandle};
use futures::{select, FutureExt};

use crate::node::{self, NodeError, NodeEvents, NodeHandle};
use crate::p2p::{DisconnectReason, Event, FilterSource, PeerId, PeerInfo, Time};
use crate::store::PeerRecords;
use crate::sync::SyncEvent;
use crate::wire::FilterLoad;

use super::event::{ClientEvent, Subscribers, SyncStatus};
use super::parts::Parts;

/// How often the engine's timeouts are checked.
pub const TICK: Duration = Duration::from_millis(250);
/// Progress events are coalesced to at most one per this interval.
pub const PROGRESS_INTERVAL: Time = 200;

#[derive(Debug, Default)]
struct SharedState {
    current: Option<FilterLoad>,
    given: HashMap<PeerId, FilterLoad>,
}

/// The current filter, shared between the runtime and the node's handshakes; it remembers
/// what each peer was given.
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedFilter(Arc<Mutex<SharedState>>);

impl SharedFilter {
    fn lock(&self) -> std::sync::MutexGuard<'_, SharedState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, load: FilterLoad) {
        self.lock().current = Some(load);
    }

    fn take_given(&self, peer: PeerId) -> Option<FilterLoad> {
        self.lock().given.remove(&peer)
    }
}

impl FilterSource for SharedFilter {
    fn filter_for(&mut self, peer: PeerId, _: &PeerInfo) -> Option<FilterLoad> {
        let mut s = self.lock();
        let load = s.current.clone()?;
        s.given.insert(peer, load.clone());
        Some(load)
    }
}

/// A job run on the client's parts inside the task.
pub(crate) type Job = Box<dyn FnOnce(&mut Parts) + Send>;

pub(crate) enum Control {
    Run(Job),
    Stop,
}

/// The shared, cheap view of the sync status.
pub(crate) type StatusCell = Arc<Mutex<SyncStatus>>;

pub(crate) fn set_status(cell: &StatusCell, status: SyncStatus) {
    *cell.lock().unwrap_or_else(|e| e.into_inner()) = status;
}

pub(crate) fn now_ms() -> Time {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as Time
}

/// A started runtime: its control channel and its task, which gives the parts back.
pub(crate) type Running = (Sender<Control>, JoinHandle<Box<Parts>>);

/// Starts the node and the task; the task gives the parts back when it ends.
pub(crate) fn start(
    mut parts: Box<Parts>,
    subscribers: Subscribers,
    status: StatusCell,
) -> Result<Running, (Box<Parts>, NodeError)> {
    let shared = SharedFilter::default();
    shared.set(parts.engine.filter_load());
    let (node, events) = match node::start(parts.node.clone(), Box::new(shared.clone())) {
        Ok(n) => n,
        Err(e) => return Err((parts, e)),
    };
    parts.status.running = true;
    parts.status.peers = 0;
    set_status(&status, parts.status);
    let (control_tx, control_rx) = unbounded();
    let run = Runtime {
        parts,
        node,
        shared,
        subscribers,
        status,
        ready: BTreeMap::new(),
        governance_started: false,
    };
    Ok((control_tx, task::spawn(run.run(events, control_rx))))
}

struct Runtime {
    parts: Box<Parts>,
    node: NodeHandle,
    shared: SharedFilter,
    subscribers: Subscribers,
    status: StatusCell,
    ready: BTreeMap<PeerId, SocketAddr>,
    /// Whether this run started its governance round (once, at the first `Synced`).
    governance_started: bool,
}

impl Runtime {
    async fn run(mut self, mut node_events: NodeEvents, control: Receiver<Control>) -> Box<Parts> {
        let mut generation = self.parts.engine.filter_generation();
        let mut last_tick = now_ms();
        let mut last_progress: Time = 0;
        // Progress not yet reported (reported at the latest one tick later).
        let mut progress_pending = false;
        let error = loop {
            let mut out = Vec::new();
            let mut stop = false;
            select! {
                ev = node_events.next().fuse() => match ev {
                    Some(ev) => self.on_node_event(ev, &mut out),
                    None => break Some("the node stopped".to_owned()),
                },
                c = control.recv().fuse() => match c {
                    Ok(Control::Run(job)) => job(&mut self.parts),
                    Ok(Control::Stop) | Err(_) => stop = true,
                },
                _ = task::sleep(TICK).fuse() => {}
            }
            if stop {
                break None;
            }
            let now = now_ms();
            if now.saturating_sub(last_tick) >= TICK.as_millis() as Time {
                last_tick = now;
                self.parts.engine.on_tick(now);
                self.parts.sporks.on_tick(now);
                if let Some(g) = self.parts.governance.as_mut() {
                    g.on_tick(now);
                }
            }
            let engine = &mut self.parts.engine;
            if engine.filter_generation() != generation {
                generation = engine.filter_generation();
                self.shared.set(engine.filter_load());
            }
            let mut commands = engine.drain_commands();
            let events = engine.drain_events();
            self.parts.note(&events);
            progress_pending |= self.map_events(events, now, &mut out);
            commands.extend(self.parts.sporks.drain_commands());
            out.extend(self.parts.sporks.drain_events().into_iter().map(ClientEvent::Spork));
            if let Some(g) = self.parts.governance.as_mut() {
                commands.extend(g.drain_commands());
                out.extend(g.drain_events().into_iter().map(ClientEvent::Governance));
            }
            if let Err(e) = self.parts.commit() {
                break Some(e.to_string());
            }
            if progress_pending && now.saturating_sub(last_progress) >= PROGRESS_INTERVAL {
                last_progress = now;
                progress_pending = false;
                out.push(ClientEvent::Progress(self.parts.status));
            }
            set_status(&self.status, self.parts.status);
            let mut node_gone = false;
            for c in commands {
                if self.node.command(c).await.is_err() {
                    node_gone = true;
                    break;
                }
            }
            self.subscribers.publish(&out).await;
            if node_gone {
                break Some("the node stopped".to_owned());
            }
        };
        self.shutdown(error).await
    }

    async fn shutdown(mut self, error: Option<String>) -> Box<Parts> {
        if let Ok(snapshot) = self.node.shutdown().await {
            self.parts.note_peers(PeerRecords {
                address_book: snapshot.address_book,
                bans: snapshot.bans,
            });
        }
        // The engine forgets the peers (a restart gets new connections).
        for (peer, addr) in std::mem::take(&mut self.ready) {
            let gone = Event::PeerDisconnected { peer, addr, reason: DisconnectReason::Shutdown };
            self.parts.sporks.on_peer_gone(peer);
            if let Some(g) = self.parts.governance.as_mut() {
                g.on_peer_gone(peer);
            }
            self.parts.engine.on_event(gone, None, now_ms());
        }
        self.parts.engine.drain_commands();
        self.parts.sporks.drain_commands();
        if let Some(g) = self.parts.governance.as_mut() {
            g.drain_commands();
        }
        let events = self.parts.engine.drain_events();
        self.parts.note(&events);
        let error = match self.parts.commit() {
            Ok(()) => error,
            Err(e) => error.or(Some(e.to_string())),
        };
        self.parts.status.running = false;
        self.parts.status.peers = 0;
        set_status(&self.status, self.parts.status);
        self.subscribers.publish(&[ClientEvent::Stopped { error }]).await;
        self.parts
    }

    fn on_node_event(&mut self, ev: Event, out: &mut Vec<ClientEvent>) {
        let loaded = match &ev {
            Event::PeerReady { peer, info, .. } => {
                self.ready.insert(*peer, info.addr);
                out.push(ClientEvent::PeerConnected {
                    peer: *peer,
                    addr: info.addr,
                    user_agent: info.user_agent.clone(),
                });
                self.shared.take_given(*peer)
            }
            Event::PeerDisconnected { peer, addr, .. } => {
                if self.ready.remove(peer).is_some() {
                    out.push(ClientEvent::PeerDisconnected { peer: *peer, addr: *addr });
                }
                None
            }
            _ => None,
        };
        self.parts.status.peers = self.ready.len();
        let now = now_ms();
        let parts = &mut *self.parts;
        match &ev {
            Event::PeerReady { peer, info, .. } => {
                parts.sporks.on_peer_ready(*peer, info, now);
                if let Some(g) = parts.governance.as_mut() {
                    g.on_peer_ready(*peer, info, now);
                }
            }
            Event::PeerDisconnected { peer, .. } => {
                parts.sporks.on_peer_gone(*peer);
                if let Some(g) = parts.governance.as_mut() {
                    g.on_peer_gone(*peer);
                }
            }
            Event::Message { peer, message } => {
                parts.sporks.on_message(*peer, message, now);
                if let Some(g) = parts.governance.as_mut() {
                    g.on_message(*peer, message, now);
                }
            }
            _ => {}
        }
        parts.engine.on_event(ev, loaded, now);
    }

    /// Maps sync events to client events; returns whether sync progressed.
    fn map_events(
        &mut self,
        events: Vec<SyncEvent>,
        now: Time,
        out: &mut Vec<ClientEvent>,
    ) -> bool {
        let mut progressed = false;
        let status = &mut self.parts.status;
        let governance = &mut self.parts.governance;
        let governance_started = &mut self.governance_started;
        for e in events {
            match e {
                SyncEvent::Headers { height, network_height } => {
                    status.header_height = height;
                    status.network_height = status.network_height.max(network_height);
                    status.synced = false;
                    progressed = true;
                }
                SyncEvent::Blocks { height, tip } => {
                    status.block_height = height;
                    status.header_height = tip;
                    progressed = true;
                }
                SyncEvent::Synced { height } => {
                    // Dash Core answers governance sync only once headers are synced; a new
                    // round starts no sooner than its rate limit allows.
                    if let Some(g) = governance.as_mut().filter(|_| !*governance_started) {
                        *governance_started = true;
                        g.start(now);
                    }
                    status.synced = true;
                    status.header_height = height;
                    status.block_height = height;
                    status.network_height = status.network_height.max(height);
                    out.push(ClientEvent::Progress(*status));
                    out.push(ClientEvent::Synced { height });
                }
                SyncEvent::Wallet(w) => out.push(ClientEvent::Wallet(w)),
                SyncEvent::Broadcast { txid, outcome } => {
                    out.push(ClientEvent::Broadcast { txid, outcome })
                }
                SyncEvent::InstantLock { txid, .. } => out.push(ClientEvent::InstantLock { txid }),
                SyncEvent::Reorg { fork_height, disconnected, connected } => {
                    out.push(ClientEvent::Reorg { fork_height, disconnected, connected })
                }
            }
        }
        progressed
    }
}
