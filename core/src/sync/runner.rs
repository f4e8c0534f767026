//! Runs a [`SyncEngine`] against the async-std node driver: node events and a tick go in,
//! commands go to the node, sync events come out. The filter each new peer gets in its
//! handshake comes from a [`SharedFilter`] the runner keeps equal to the engine's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_std::channel::{bounded, unbounded, Receiver, Sender};
use async_std::task::{self, JoinHandle};
use futures::{select, FutureExt};

use crate::chain::HeaderStore;
use crate::node::{self, NodeConfig, NodeError};
use crate::p2p::{Event, FilterSource, PeerId, PeerInfo, Time};
use crate::wallet::Wallet;
use crate::wire::FilterLoad;

use super::{SyncEngine, SyncEvent};

/// How often the engine's timeouts are checked.
pub const TICK: Duration = Duration::from_millis(250);
/// Sync events waiting for the layer above (the runner waits when full).
pub const EVENT_QUEUE: usize = 4096;

#[derive(Debug, Default)]
struct Shared {
    current: Option<FilterLoad>,
    given: HashMap<PeerId, FilterLoad>,
}

/// The current filter, shared between the engine's runner and the node's handshakes; it
/// remembers what each peer was given.
#[derive(Debug, Clone, Default)]
pub struct SharedFilter(Arc<Mutex<Shared>>);

impl SharedFilter {
    /// A shared filter holding `load`.
    pub fn new(load: FilterLoad) -> SharedFilter {
        let s = SharedFilter::default();
        s.set(load);
        s
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the filter new peers get.
    pub fn set(&self, load: FilterLoad) {
        self.lock().current = Some(load);
    }

    /// What `peer` was given in its handshake (taken: asked once per peer).
    pub fn take_given(&self, peer: PeerId) -> Option<FilterLoad> {
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

enum Control<S: HeaderStore> {
    Wallet(Sender<Wallet>),
    Stop(Sender<SyncEngine<S>>),
}

/// Controls a running sync.
pub struct SyncHandle<S: HeaderStore> {
    control: Sender<Control<S>>,
    task: Option<JoinHandle<()>>,
}

/// The sync events, in order.
#[derive(Debug)]
pub struct SyncEvents {
    events: Receiver<SyncEvent>,
}

impl SyncEvents {
    /// The next event; `None` once the sync stopped.
    pub async fn next(&mut self) -> Option<SyncEvent> {
        self.events.recv().await.ok()
    }
}

impl<S: HeaderStore + Send + 'static> SyncHandle<S> {
    /// A copy of the wallet as it is now.
    pub async fn wallet(&self) -> Option<Wallet> {
        let (tx, rx) = bounded(1);
        self.control.send(Control::Wallet(tx)).await.ok()?;
        rx.recv().await.ok()
    }

    /// Stops the node and gives the engine back.
    pub async fn stop(mut self) -> Option<SyncEngine<S>> {
        let (tx, rx) = bounded(1);
        self.control.send(Control::Stop(tx)).await.ok()?;
        let engine = rx.recv().await.ok();
        if let Some(t) = self.task.take() {
            t.await;
        }
        engine
    }
}

fn now_ms() -> Time {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as Time
}

/// Starts the node with `config` and runs `engine` on it.
pub fn start<S: HeaderStore + Send + 'static>(
    engine: SyncEngine<S>,
    config: NodeConfig,
) -> Result<(SyncHandle<S>, SyncEvents), NodeError> {
    let shared = SharedFilter::new(engine.filter_load());
    let (node, node_events) = node::start(config, Box::new(shared.clone()))?;
    let (control_tx, control_rx) = unbounded();
    let (events_tx, events_rx) = bounded(EVENT_QUEUE);
    let task = task::spawn(run(engine, node, node_events, shared, control_rx, events_tx));
    Ok((SyncHandle { control: control_tx, task: Some(task) }, SyncEvents { events: events_rx }))
}

async fn run<S: HeaderStore + Send + 'static>(
    mut engine: SyncEngine<S>,
    node: node::NodeHandle,
    mut node_events: node::NodeEvents,
    shared: SharedFilter,
    control: Receiver<Control<S>>,
    events: Sender<SyncEvent>,
) {
    let mut generation = engine.filter_generation();
    let mut last_tick = now_ms();
    loop {
        select! {
            ev = node_events.next().fuse() => {
                let Some(ev) = ev else { break };
                let loaded = match &ev {
                    Event::PeerReady { peer, .. } => shared.take_given(*peer),
                    _ => None,
                };
                engine.on_event(ev, loaded, now_ms());
            }
            c = control.recv().fuse() => match c {
                Ok(Control::Wallet(reply)) => {
                    let _ = reply.try_send(engine.wallet().clone());
                }
                Ok(Control::Stop(reply)) => {
                    let _ = node.shutdown().await;
                    let _ = reply.try_send(engine);
                    return;
                }
                Err(_) => break,
            },
            _ = task::sleep(TICK).fuse() => {}
        }
        let now = now_ms();
        if now.saturating_sub(last_tick) >= TICK.as_millis() as Time {
            last_tick = now;
            engine.on_tick(now);
        }
        if engine.filter_generation() != generation {
            generation = engine.filter_generation();
            shared.set(engine.filter_load());
        }
        for c in engine.drain_commands() {
            if node.command(c).await.is_err() {
                return;
            }
        }
        for e in engine.drain_events() {
            let _ = events.send(e).await;
        }
    }
    let _ = node.shutdown().await;
}
