//! The running client: its [`Session`] hosted on the [`crate::node`] driver. After every step
//! the session commits to the store, then the step's events are published; publishing never
//! waits on a reader (see [`super::event`]).

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_std::task::JoinHandle;

use crate::machine::Event;
use crate::node::{self, Host, NodeHandle};
use crate::p2p::Time;
use crate::store::{Store, StoreError};

use super::event::{ClientEvent, Subscribers, SyncStatus};
use super::session::{ClientMachine, Session};
use super::StopReason;

/// The shared, cheap view of the sync status.
pub(crate) type StatusCell = Arc<Mutex<SyncStatus>>;

pub(crate) fn set_status(cell: &StatusCell, status: SyncStatus) {
    *cell.lock().unwrap_or_else(|e| e.into_inner()) = status;
}

pub(crate) fn now_ms() -> Time {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as Time
}

/// A session on the driver, with where its events go.
pub(crate) struct Runtime {
    pub(crate) session: Box<Session>,
    subscribers: Subscribers,
    status: StatusCell,
}

impl Host for Runtime {
    type Store = Box<dyn Store>;
    type Stop = StoreError;

    fn machine(&mut self) -> &mut ClientMachine {
        self.session.machine_mut()
    }

    fn on_step(&mut self, events: Vec<Event>, now: Time) -> Result<(), StoreError> {
        let out = self.session.on_step(events, now)?;
        set_status(&self.status, self.session.status());
        self.subscribers.publish(out);
        Ok(())
    }

    fn on_stopped(&mut self, events: Vec<Event>, stop: Option<StoreError>, now: Time) {
        let mut failure = stop.map(Arc::new);
        let peers = self.session.peer_records();
        let mut out = match self.session.on_step(events, now) {
            Ok(out) => out,
            Err(e) => {
                failure.get_or_insert(Arc::new(e));
                Vec::new()
            }
        };
        if let Err(e) = self.session.commit_with(Some(peers)) {
            failure.get_or_insert(Arc::new(e));
        }
        self.session.set_running(false);
        set_status(&self.status, self.session.status());
        let reason = failure.map_or(StopReason::Requested, StopReason::StoreFailed);
        out.push(ClientEvent::Stopped { reason });
        self.subscribers.publish(out);
    }
}

/// A started runtime: its handle and its task, which gives the runtime back.
pub(crate) type Running = (NodeHandle<Runtime>, JoinHandle<Runtime>);

/// Starts the driver on `session`.
pub(crate) fn start(
    mut session: Box<Session>,
    subscribers: Subscribers,
    status: StatusCell,
) -> Running {
    session.set_running(true);
    set_status(&status, session.status());
    let connect = session.machine().peers().config().timeouts.connect;
    let runtime = Runtime { session, subscribers, status };
    node::start(runtime, Duration::from_millis(connect))
}
