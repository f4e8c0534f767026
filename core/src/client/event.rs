//! What a running client reports: [`ClientEvent`]s, read as an async [`EventStream`] or
//! delivered to a callback through a [`Subscription`].

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_std::channel::{bounded, Receiver, Sender};
use async_std::task;

use crate::governance::GovernanceEvent;
use crate::hash::{BlockHash, Txid};
use crate::p2p::PeerId;
use crate::spork::SporkEvent;
use crate::sync::BroadcastOutcome;
use crate::wallet::WalletEvent;

/// Events waiting in one [`EventStream`] before the client waits for its reader.
pub const EVENT_STREAM_CAPACITY: usize = 1024;

/// Where sync stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncStatus {
    /// Height of the best validated header.
    pub header_height: u32,
    /// Height up to which every filtered block was processed by the wallet.
    pub block_height: u32,
    /// The best height peers claim (at least `header_height`).
    pub network_height: u32,
    /// Peers with a completed handshake.
    pub peers: usize,
    /// Whether headers and blocks are complete up to the tip.
    pub synced: bool,
    /// Whether the client is running.
    pub running: bool,
}

/// Something that happened in a running client.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// Sync progressed (headers or blocks).
    Progress(SyncStatus),
    /// Headers and blocks are complete up to `height`.
    Synced {
        /// The tip.
        height: u32,
    },
    /// The wallet changed: a new transaction, a confirmation, a reorg, a conflict, derived
    /// keys.
    Wallet(WalletEvent),
    /// The best chain was reorganised.
    Reorg {
        /// The last block both branches share.
        fork_height: u32,
        /// Blocks taken off, highest first.
        disconnected: Vec<(u32, BlockHash)>,
        /// Blocks put on, lowest first.
        connected: Vec<(u32, BlockHash)>,
    },
    /// A peer completed its handshake.
    PeerConnected {
        /// The connection.
        peer: PeerId,
        /// Its address.
        addr: SocketAddr,
        /// Its user agent.
        user_agent: String,
    },
    /// A peer is gone.
    PeerDisconnected {
        /// The connection.
        peer: PeerId,
        /// Its address.
        addr: SocketAddr,
    },
    /// The outcome of [`super::Client::broadcast`].
    Broadcast {
        /// The transaction.
        txid: Txid,
        /// Propagated (a peer we did not tell announced it back) or timed out.
        outcome: BroadcastOutcome,
    },
    /// A wallet transaction has a verified InstantSend lock (its BLS signature verified with
    /// the quorum Dash Core selects; stored). Never reported for a lock that did not verify.
    InstantLocked {
        /// The locked transaction.
        txid: Txid,
    },
    /// A verified ChainLock made the block final (stored): the best chain will never
    /// disconnect it, and wallet transactions at or below it are ChainLocked.
    ChainLocked {
        /// The block's height.
        height: u32,
        /// The block's hash.
        block_hash: BlockHash,
    },
    /// A spork changed, or a peer sent a bad one (and was scored).
    Spork(SporkEvent),
    /// Governance sync progressed or an object or its votes changed (when enabled with
    /// [`super::ClientBuilder::governance`]).
    Governance(GovernanceEvent),
    /// A verified `mnlistdiff` moved the masternode list to a new block.
    MasternodeListUpdated {
        /// The block's height.
        height: u32,
        /// The block.
        block_hash: BlockHash,
        /// Masternodes in the list (valid and PoSe-banned).
        masternodes: usize,
        /// Masternodes not PoSe-banned.
        valid: usize,
        /// Active quorums.
        quorums: usize,
    },
    /// This stream's reader fell behind and `missed` events were dropped (the client never
    /// waits for a reader): the client's queries give the current state.
    Lagged {
        /// How many events were dropped.
        missed: u64,
    },
    /// The client stopped: asked to, or because its store failed.
    Stopped {
        /// Why.
        reason: super::StopReason,
    },
}

#[derive(Debug)]
struct Subscriber {
    events: Sender<ClientEvent>,
    /// Events dropped since the reader last kept up.
    missed: u64,
}

/// The client's subscribers; events go to each in order. Publishing never waits: a stream
/// whose reader lags behind by [`EVENT_STREAM_CAPACITY`] events loses the events that do not
/// fit and then gets one [`ClientEvent::Lagged`] saying how many, as soon as there is room.
#[derive(Debug, Clone, Default)]
pub(crate) struct Subscribers(Arc<Mutex<Vec<Subscriber>>>);

impl Subscribers {
    pub(crate) fn stream(&self) -> EventStream {
        let (tx, rx) = bounded(EVENT_STREAM_CAPACITY);
        self.lock().push(Subscriber { events: tx, missed: 0 });
        EventStream { events: rx }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Subscriber>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends `events` to every open stream without waiting; closed streams are dropped.
    pub(crate) fn publish(&self, events: Vec<ClientEvent>) {
        if events.is_empty() {
            return;
        }
        let mut subs = self.lock();
        subs.retain(|s| !s.events.is_closed());
        for s in subs.iter_mut() {
            for e in &events {
                if s.missed > 0 {
                    // One slot for the marker, one for the event, or the event is lost too.
                    let room = s.events.capacity().unwrap_or(usize::MAX) - s.events.len();
                    if room < 2
                        || s.events.try_send(ClientEvent::Lagged { missed: s.missed }).is_err()
                    {
                        s.missed += 1;
                        continue;
                    }
                    s.missed = 0;
                }
                if s.events.try_send(e.clone()).is_err() {
                    s.missed += 1;
                }
            }
        }
    }
}

/// The client's events in order, from the moment the stream was made. Dropping it
/// unsubscribes. A stream that is not read holds up to [`EVENT_STREAM_CAPACITY`] events; the
/// client never waits for it: what does not fit is replaced by one [`ClientEvent::Lagged`]
/// (re-read the state with the client's queries then).
#[derive(Debug)]
pub struct EventStream {
    events: Receiver<ClientEvent>,
}

impl EventStream {
    /// The next event; `None` once the client is dropped.
    pub async fn next(&mut self) -> Option<ClientEvent> {
        self.events.recv().await.ok()
    }

    /// The next event if one is waiting.
    pub fn try_next(&mut self) -> Option<ClientEvent> {
        self.events.try_recv().ok()
    }
}

impl futures::Stream for EventStream {
    type Item = ClientEvent;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<ClientEvent>> {
        std::pin::Pin::new(&mut self.events).poll_next(cx)
    }
}

/// Delivers events to a callback until closed or dropped (see
/// [`super::Client::subscribe`]). The callback runs on a task of its own, never while the
/// client holds a lock.
#[derive(Debug)]
pub struct Subscription {
    open: Arc<AtomicBool>,
    stop: Sender<()>,
}

impl Subscription {
    pub(crate) fn spawn(
        mut stream: EventStream,
        mut callback: impl FnMut(ClientEvent) + Send + 'static,
    ) -> Subscription {
        let open = Arc::new(AtomicBool::new(true));
        let (stop, stopped) = bounded::<()>(1);
        let flag = open.clone();
        task::spawn(async move {
            use futures::{select, FutureExt};
            loop {
                select! {
                    e = stream.next().fuse() => match e {
                        Some(e) if flag.load(Ordering::Acquire) => callback(e),
                        _ => break,
                    },
                    _ = stopped.recv().fuse() => break,
                }
            }
        });
        Subscription { open, stop }
    }

    /// Stops delivery: no event reaches the callback after this returns (one already being
    /// delivered finishes).
    pub fn close(&self) {
        self.open.store(false, Ordering::Release);
        let _ = self.stop.try_send(());
    }

    /// Whether events are still delivered.
    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire) && !self.stop.is_closed()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.close();
    }
}
