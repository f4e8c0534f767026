//! The public API: a [`ClientBuilder`] configures and opens a [`Client`];
//! the client syncs headers and filtered blocks from a few peers, keeps a watch-only wallet
//! and its store up to date, and reports what happens as [`ClientEvent`]s.
//!
//! ```no_run
//! use dashlite::client::{Birthday, ClientBuilder, ClientEvent, WatchItem};
//! use dashlite::Network;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let xpub = "tpubDDxd8NQNdBpXcdHHSTGGPJ6Hv5kTEQ55L4q6CdyYhSNtfNvUXCxL4g2UTGY3z2cazZqaCHhRtCBhnYB1w4UgMyyDT8K2kWtB9kAvpjYqR8b";
//! let client = ClientBuilder::new(Network::Testnet)
//!     .data_dir("/var/lib/my-wallet/dashlite")
//!     .watch(WatchItem::parse(xpub, Network::Testnet)?)
//!     .birthday(Birthday::Height(1_100_000))
//!     .build()?;
//! let mut events = client.events();
//! client.start().await?;
//! while let Some(event) = events.next().await {
//!     match event {
//!         ClientEvent::Synced { height } => {
//!             println!("synced to {height}: {:?}", client.balance().await?);
//!             break;
//!         }
//!         ClientEvent::Wallet(change) => println!("{change:?}"),
//!         _ => {}
//!     }
//! }
//! client.stop().await?;
//! # Ok(())
//! # }
//! ```
//!
//! A callback instead of a stream: [`Client::subscribe`]`(|event| ...)` returns a
//! [`Subscription`] that delivers until it is closed or dropped.

mod background;
mod builder;
mod error;
mod event;
mod runtime;
mod session;
#[cfg(test)]
mod tests;

pub use background::SyncOutcome;
pub use builder::{
    resolve_start, Birthday, ClientBuilder, ParseWatchItemError, WatchItem, BIRTHDAY_MARGIN_SECS,
    DEFAULT_MAX_PEERS, STORE_FILE,
};
pub use error::{BuildError, ClientError, StopReason};
pub use event::{ClientEvent, EventStream, Subscription, SyncStatus, EVENT_STREAM_CAPACITY};
pub use session::{ClientMachine, Session, PROGRESS_INTERVAL};

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use async_std::task::JoinHandle;

use crate::chain::StoredHeader;
use crate::encode::Decode;
use crate::governance::{GovernanceProgress, ProposalDetail, ProposalSummary};
use crate::hash::{Hash256, Txid};
use crate::masternode::MasternodeListSummary;
use crate::node::NodeHandle;
use crate::spork::{SporkId, SporkStatus};
use crate::store::Store;
use crate::tx::Transaction;
use crate::wallet::{Balance, HistoryEntry, Utxo, Wallet, WalletTx};
use crate::Network;

use event::Subscribers;
use runtime::{Runtime, StatusCell};

enum Inner {
    Stopped(Box<Session>),
    Running {
        handle: NodeHandle<Runtime>,
        task: JoinHandle<Runtime>,
    },
    /// Between states (a start or stop in progress).
    Busy,
}

/// A Dash SPV client (see the module docs). Cheap queries work whether it runs or not;
/// every method takes `&self`, so share it behind an `Arc`. Dropping a running client stops
/// it (see its `Drop`).
pub struct Client {
    network: Network,
    inner: Mutex<Inner>,
    subscribers: Subscribers,
    status: StatusCell,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("network", &self.network)
            .field("status", &self.sync_status())
            .finish()
    }
}

impl Drop for Client {
    /// Stops a running client as [`Client::stop`] does: every connection is closed, the store
    /// committed, and [`ClientEvent::Stopped`] published. Outside an async task the drop waits
    /// for that, so a client reopened on the same data directory resumes where this one
    /// stopped. Inside a task it does not block the executor the client runs on: the stop
    /// then finishes in the background, and `stop().await` before dropping is the way to
    /// wait for it.
    fn drop(&mut self) {
        let inner = self.inner.get_mut().unwrap_or_else(|e| e.into_inner());
        let Inner::Running { handle, task } = std::mem::replace(inner, Inner::Busy) else {
            return;
        };
        handle.request_stop();
        drop(handle);
        if async_std::task::try_current().is_none() {
            async_std::task::block_on(task);
        }
    }
}

impl Client {
    /// Opens a client on `store` as `builder` says.
    fn open(builder: ClientBuilder, store: Box<dyn Store>) -> Result<Client, BuildError> {
        let session = Session::open(&builder, store, runtime::now_ms())?;
        let status = Arc::new(Mutex::new(session.status()));
        Ok(Client {
            network: builder.network,
            inner: Mutex::new(Inner::Stopped(Box::new(session))),
            subscribers: Subscribers::default(),
            status,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The network.
    pub fn network(&self) -> Network {
        self.network
    }

    /// Connects to peers and syncs until [`Client::stop`].
    pub async fn start(&self) -> Result<(), ClientError> {
        let mut inner = self.lock();
        match std::mem::replace(&mut *inner, Inner::Busy) {
            Inner::Stopped(session) => {
                let (handle, task) =
                    runtime::start(session, self.subscribers.clone(), self.status.clone());
                *inner = Inner::Running { handle, task };
                Ok(())
            }
            other => {
                *inner = other;
                Err(ClientError::AlreadyRunning)
            }
        }
    }

    /// Disconnects, commits everything and stops. Also collects a client that stopped on
    /// its own (a store failure: see [`ClientEvent::Stopped`]).
    pub async fn stop(&self) -> Result<(), ClientError> {
        let (handle, task) = {
            let mut inner = self.lock();
            match std::mem::replace(&mut *inner, Inner::Busy) {
                Inner::Running { handle, task } => (handle, task),
                other => {
                    *inner = other;
                    return Err(ClientError::NotRunning);
                }
            }
        };
        handle.stop().await;
        let runtime = task.await;
        *self.lock() = Inner::Stopped(runtime.session);
        Ok(())
    }

    /// Runs `f` on the client's session: inside the running task, or here when stopped (then
    /// committing what it changed).
    async fn with<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> R + Send + 'static,
    ) -> Result<R, ClientError> {
        let handle = {
            let mut inner = self.lock();
            match &mut *inner {
                Inner::Stopped(session) => {
                    let r = f(session);
                    let events: Vec<_> = session
                        .machine_mut()
                        .drain_outputs()
                        .filter_map(crate::machine::Output::into_event)
                        .collect();
                    session.on_step(events, runtime::now_ms())?;
                    return Ok(r);
                }
                Inner::Running { handle, .. } => handle.clone(),
                Inner::Busy => return Err(ClientError::Stopped),
            }
        };
        handle.call(move |rt| f(&mut rt.session)).await.map_err(|_| ClientError::Stopped)
    }

    /// Where sync stands.
    pub fn sync_status(&self) -> SyncStatus {
        *self.status.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The wallet's balance.
    pub async fn balance(&self) -> Result<Balance, ClientError> {
        self.with(|s| s.machine().wallet().balance()).await
    }

    /// The wallet's transactions in the order first seen.
    pub async fn transactions(&self) -> Result<Vec<WalletTx>, ClientError> {
        self.with(|s| {
            let mut txs: Vec<WalletTx> =
                s.machine().wallet().transactions().into_iter().cloned().collect();
            txs.sort_by_key(|t| t.seen);
            txs
        })
        .await
    }

    /// The wallet's history: every transaction with its amount, fee where known, status and
    /// confirmations, in the order first seen.
    pub async fn history(&self) -> Result<Vec<HistoryEntry>, ClientError> {
        self.with(|s| s.machine().wallet().history()).await
    }

    /// The wallet outputs no confirmed transaction spends, as [`crate::wallet::Wallet::utxos`]:
    /// the ones an unconfirmed transaction spends say so in `pending_spend`.
    pub async fn utxos(&self) -> Result<Vec<Utxo>, ClientError> {
        self.with(|s| s.machine().wallet().utxos()).await
    }

    /// A copy of the whole wallet (watch list, transactions, tip).
    pub async fn wallet(&self) -> Result<Wallet, ClientError> {
        self.with(|s| s.machine().wallet().clone()).await
    }

    /// The best-chain header at `height`, if the client has it.
    pub async fn header_at(&self, height: u32) -> Result<Option<StoredHeader>, ClientError> {
        self.with(move |s| s.machine().tree().header_at(height)).await?.map_err(|e| match e {
            crate::chain::ChainError::Store(s) => ClientError::Store(s),
            other => ClientError::Sync(other.into()),
        })
    }

    /// Watches `item` from now on: its filter elements go to every peer (`filteradd`), and
    /// with `rescan_from` the blocks from that height are fetched again for it. Returns
    /// whether it was new.
    pub async fn add_watch(
        &self,
        item: WatchItem,
        rescan_from: Option<u32>,
    ) -> Result<bool, ClientError> {
        self.with(move |s| {
            let now = runtime::now_ms();
            let added = s.machine_mut().update_watch_list(
                rescan_from,
                |w| item.add_to::<ClientError>(w),
                now,
            )?;
            if added {
                s.note_watch();
            }
            Ok(added)
        })
        .await?
    }

    /// Connects to `addr` as if given to [`ClientBuilder::peer`], running or not: from now on
    /// only configured peers are used (no discovery). For peers known by name, resolved
    /// when the client starts rather than when it is built.
    pub async fn add_peer(&self, addr: SocketAddr) -> Result<(), ClientError> {
        self.with(move |s| s.machine_mut().add_peer(addr, runtime::now_ms())).await
    }

    /// Broadcasts a signed transaction: it enters the wallet as unconfirmed if it is the
    /// wallet's, is announced to about half the peers and served to those who ask; the
    /// outcome comes as [`ClientEvent::Broadcast`]. Needs a running client.
    pub async fn broadcast(&self, raw: &[u8]) -> Result<Txid, ClientError> {
        let tx = Transaction::from_bytes(raw)?;
        if !self.sync_status().running {
            return Err(ClientError::NotRunning);
        }
        self.with(move |s| s.machine_mut().broadcast(tx, runtime::now_ms())).await
    }

    /// The newest verified masternode list: its block, every masternode and every active
    /// quorum (`None` until the first list is verified, or when disabled with
    /// [`ClientBuilder::masternodes`]).
    pub async fn masternode_list(&self) -> Result<Option<MasternodeListSummary>, ClientError> {
        self.with(|s| s.machine().masternode_list().map(|(h, l)| MasternodeListSummary::of(h, l)))
            .await
    }

    /// Every spork held (verified), with its value and whether it is active now.
    pub async fn sporks(&self) -> Result<Vec<SporkStatus>, ClientError> {
        self.with(|s| s.machine().sporks().status(runtime::now_ms())).await
    }

    /// Whether spork `id` is active now (a spork never heard of is off, as in Dash Core).
    pub async fn is_spork_active(&self, id: SporkId) -> Result<bool, ClientError> {
        self.with(move |s| s.machine().sporks().is_active(id, runtime::now_ms())).await
    }

    /// Governance proposals with their vote tallies (empty unless governance sync is
    /// enabled). Tallies count verified votes only: votes and triggers are checked with the
    /// keys of the verified masternode lists the machine is given
    /// ([`crate::machine::StateMachine::on_masternode_list`]) and stay unverified, uncounted,
    /// until one is (see [`crate::governance`]).
    pub async fn proposals(&self) -> Result<Vec<ProposalSummary>, ClientError> {
        self.with(|s| s.machine().governance().map(|g| g.proposals()).unwrap_or_default()).await
    }

    /// One governance object with its votes.
    pub async fn proposal(&self, hash: Hash256) -> Result<Option<ProposalDetail>, ClientError> {
        self.with(move |s| s.machine().governance().and_then(|g| g.proposal(&hash))).await
    }

    /// The counts of the current (or last) governance sync round.
    pub async fn governance_progress(&self) -> Result<Option<GovernanceProgress>, ClientError> {
        self.with(|s| s.machine().governance().map(|g| g.progress())).await
    }

    /// The client's events from now on, as an async stream.
    pub fn events(&self) -> EventStream {
        self.subscribers.stream()
    }

    /// Calls `callback` with each event from now on, on a task of its own, until the
    /// returned [`Subscription`] is closed or dropped.
    pub fn subscribe(&self, callback: impl FnMut(ClientEvent) + Send + 'static) -> Subscription {
        Subscription::spawn(self.subscribers.stream(), callback)
    }
}
