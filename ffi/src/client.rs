//! The SPV client: [`ClientBuilder`] configures it, [`Client`] syncs, keeps the watch-only
//! wallet and reports [`Event`]s (pulled with `next_event()` or pushed to an
//! [`EventListener`]). Errors are [`ClientError`].
//!
//! Core's client runs on async-std; its futures are `Send` and wake from async-std's
//! threads, so the foreign executors (Kotlin coroutines, Swift concurrency, Python asyncio)
//! poll them through uniffi directly: no Rust runtime is started by the caller.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use dashlite::client::{self, EventStream, WatchItem};
use dashlite::network::PeerAddr;

use crate::events::{Event, EventListener, Subscription};
use crate::hashes::Txid;
use crate::masternodes::{self, MasternodeList, Quorum};
use crate::network::Network;
use crate::records::{
    utxo, Balance, GovernanceProgress, Proposal, Spork, SyncStatus, Utxo, WalletTransaction,
};

/// Why a client call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum ClientError {
    /// The store could not be opened, read or written.
    #[error("store: {reason}")]
    Store {
        /// What failed.
        reason: String,
    },
    /// The sync engine could not start (stored header chain, filter).
    #[error("sync: {reason}")]
    Sync {
        /// What failed.
        reason: String,
    },
    /// A watch item string is neither an address nor an extended public key of the network.
    #[error("{item:?} is neither a {network} address nor a {network} extended public key")]
    WatchItem {
        /// The string given.
        item: String,
        /// The client's network.
        network: Network,
    },
    /// A watch item does not fit the wallet (another network, not a BIP44 account key, gap
    /// limits out of range).
    #[error("cannot watch this item: {reason}")]
    Watch {
        /// Why.
        reason: String,
    },
    /// The stored address book or ban list does not decode.
    #[error("stored peers: {reason}")]
    StoredPeers {
        /// What failed.
        reason: String,
    },
    /// The birthday is before the first block this client can validate from.
    #[error("birthday height {birthday} is before height {earliest}, the first this client syncs from on {network}")]
    BirthdayTooEarly {
        /// The birthday height asked for (0 for a time birthday).
        birthday: u32,
        /// The earliest birthday height possible.
        earliest: u32,
        /// The network.
        network: Network,
    },
    /// A builder setting is out of range or does not parse.
    #[error("invalid setting {setting}: {reason}")]
    InvalidSetting {
        /// The setting (`peer`, `max_peers`, `false_positive_rate`, …).
        setting: String,
        /// Why.
        reason: String,
    },
    /// `start` on a running client.
    #[error("the client is already running")]
    AlreadyRunning,
    /// A call that needs a running client.
    #[error("the client is not running")]
    NotRunning,
    /// The client stopped (or was starting or stopping) while the call waited.
    #[error("the client stopped")]
    Stopped,
    /// The raw transaction does not decode.
    #[error("transaction does not decode: {reason}")]
    BadTransaction {
        /// Why.
        reason: String,
    },
    /// `start`: no configured peer is usable, because the peer named `host` does not
    /// resolve (nor does any other named peer, and none was given by address).
    #[error("peer {host:?} does not resolve: {reason}")]
    PeerUnresolved {
        /// The host name given to the builder.
        host: String,
        /// Why.
        reason: String,
    },
}

impl From<client::BuildError> for ClientError {
    fn from(e: client::BuildError) -> Self {
        use client::BuildError as E;
        match e {
            E::Store(e) => ClientError::Store { reason: e.to_string() },
            E::Sync(e) => ClientError::Sync { reason: e.to_string() },
            E::Watch(e) => ClientError::Watch { reason: e.to_string() },
            E::Account(e) => ClientError::Watch { reason: e.to_string() },
            E::StoredPeers(e) => ClientError::StoredPeers { reason: e.to_string() },
            E::BirthdayTooEarly { birthday, earliest, network } => {
                ClientError::BirthdayTooEarly { birthday, earliest, network: network.into() }
            }
            E::InvalidSetting { setting, reason } => {
                ClientError::InvalidSetting { setting: setting.into(), reason: reason.into() }
            }
        }
    }
}

impl From<client::ClientError> for ClientError {
    fn from(e: client::ClientError) -> Self {
        use client::ClientError as E;
        match e {
            E::Store(e) => ClientError::Store { reason: e.to_string() },
            E::Sync(e) => ClientError::Sync { reason: e.to_string() },
            E::Watch(e) => ClientError::Watch { reason: e.to_string() },
            E::Account(e) => ClientError::Watch { reason: e.to_string() },
            E::AlreadyRunning => ClientError::AlreadyRunning,
            E::NotRunning => ClientError::NotRunning,
            E::Stopped => ClientError::Stopped,
            E::BadTransaction(e) => ClientError::BadTransaction { reason: e.to_string() },
        }
    }
}

/// From when the wallet can have been paid: blocks before it are not downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Birthday {
    /// From this block height.
    Height {
        /// The height.
        height: u32,
    },
    /// From this unix time (seconds): sync starts at the last checkpoint at least two hours
    /// older.
    Time {
        /// Seconds since 1970.
        unix_seconds: u64,
    },
}

impl From<Birthday> for client::Birthday {
    fn from(b: Birthday) -> Self {
        match b {
            Birthday::Height { height } => client::Birthday::Height(height),
            Birthday::Time { unix_seconds } => client::Birthday::Time(unix_seconds),
        }
    }
}

#[derive(Debug, Clone)]
struct Config {
    network: Network,
    data_dir: Option<String>,
    peers: Vec<String>,
    watch: Vec<String>,
    birthday: Option<Birthday>,
    false_positive_rate: Option<f64>,
    filter_reloads_only: bool,
    max_peers: Option<u32>,
    checkpoints_csv: Option<String>,
    seed: Option<u64>,
    blocks_in_flight: Option<u32>,
    governance: bool,
    masternodes: bool,
    regtest_dip3_height: Option<u32>,
    v2_transport: V2Transport,
}

/// When to speak the BIP324 encrypted transport (core's [`dashlite::p2p::V2Policy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum V2Transport {
    /// Never: every connection is v1, in clear.
    Never,
    /// With every peer that may offer it; v1 with the others.
    Prefer,
    /// Only v2: peers without it are dropped.
    Require,
}

impl From<V2Transport> for dashlite::p2p::V2Policy {
    fn from(p: V2Transport) -> Self {
        match p {
            V2Transport::Never => dashlite::p2p::V2Policy::Never,
            V2Transport::Prefer => dashlite::p2p::V2Policy::Prefer,
            V2Transport::Require => dashlite::p2p::V2Policy::Require,
        }
    }
}

fn invalid(setting: &str, reason: impl ToString) -> ClientError {
    ClientError::InvalidSetting { setting: setting.into(), reason: reason.to_string() }
}

impl Config {
    /// Core's builder; every string is parsed here, so the setters never fail. Peers given
    /// by name are checked for syntax only: [`Client::start`] resolves them.
    fn core(&self) -> Result<client::ClientBuilder, ClientError> {
        let network = self.network.into();
        let mut b = client::ClientBuilder::new(network);
        if let Some(dir) = &self.data_dir {
            b = b.data_dir(dir);
        }
        for peer in &self.peers {
            if let PeerAddr::Ip(addr) = parse_peer(peer, network)? {
                b = b.peer(addr);
            }
        }
        for item in &self.watch {
            let item = WatchItem::parse(item, network)
                .map_err(|e| ClientError::WatchItem { item: e.input, network: self.network })?;
            b = b.watch(item);
        }
        if let Some(birthday) = self.birthday {
            b = b.birthday(birthday.into());
        }
        if let Some(rate) = self.false_positive_rate {
            b = b.false_positive_rate(rate);
        }
        if self.filter_reloads_only {
            b = b.filter_updates(dashlite::bloom::FilterUpdates::Reload);
        }
        if let Some(n) = self.max_peers {
            b = b.max_peers(n as usize);
        }
        if let Some(csv) = &self.checkpoints_csv {
            let records = dashlite::network::parse_checkpoint_csv(csv)
                .map_err(|e| invalid("checkpoints", e))?;
            b = b.checkpoints(records);
        }
        if let Some(seed) = self.seed {
            b = b.seed(seed);
        }
        if let Some(n) = self.blocks_in_flight {
            b = b.blocks_in_flight(n as usize);
        }
        if let Some(height) = self.regtest_dip3_height {
            b = b.regtest_dip3_height(height);
        }
        Ok(b.governance(self.governance)
            .masternodes(self.masternodes)
            .v2_transport(self.v2_transport.into()))
    }
}

/// `ip:port`, `[ipv6]:port`, a bare IP, `host:port` or a bare host (the network's port), as
/// core's [`PeerAddr`] parses it. Never resolves: a host is resolved by [`Client::start`].
fn parse_peer(text: &str, network: dashlite::Network) -> Result<PeerAddr, ClientError> {
    PeerAddr::parse(text, network).map_err(|e| invalid("peer", e))
}

/// Resolves `host:port` on a thread of its own (the system resolver blocks), so the
/// caller's executor is never blocked.
async fn resolve(host: String, port: u16) -> Result<Vec<SocketAddr>, String> {
    let (tx, rx) = futures::channel::oneshot::channel();
    std::thread::Builder::new()
        .name("dashlite-resolve".into())
        .spawn(move || {
            let result = (host.as_str(), port)
                .to_socket_addrs()
                .map(Iterator::collect::<Vec<_>>)
                .map_err(|e| e.to_string());
            let _ = tx.send(result);
        })
        .map_err(|e| format!("no resolver thread: {e}"))?;
    match rx.await {
        Ok(Ok(addrs)) if addrs.is_empty() => Err("no address".into()),
        Ok(result) => result,
        Err(_) => Err("the resolver thread ended without an answer".into()),
    }
}

/// Configures and opens a [`Client`]. Every setter returns a new builder and leaves the one
/// it was called on unchanged, so a builder can be shared and reused as a template; calls
/// chain. Nothing is checked until [`ClientBuilder::build`], which reports the first bad
/// setting as a typed [`ClientError`]. A builder can build several clients.
#[derive(Debug, uniffi::Object)]
pub struct ClientBuilder(Config);

impl ClientBuilder {
    fn with(&self, f: impl FnOnce(&mut Config)) -> Arc<Self> {
        let mut config = self.0.clone();
        f(&mut config);
        Arc::new(ClientBuilder(config))
    }
}

#[uniffi::export]
impl ClientBuilder {
    /// A client of `network`: in memory, peers from DNS seeds, 3 peers, birthday now (the
    /// newest checkpoint; genesis on regtest and devnets).
    #[uniffi::constructor]
    pub fn new(network: Network) -> Arc<Self> {
        Arc::new(ClientBuilder(Config {
            network,
            data_dir: None,
            peers: Vec::new(),
            watch: Vec::new(),
            birthday: None,
            false_positive_rate: None,
            filter_reloads_only: false,
            max_peers: None,
            checkpoints_csv: None,
            seed: None,
            blocks_in_flight: None,
            governance: false,
            masternodes: true,
            regtest_dip3_height: None,
            v2_transport: V2Transport::Prefer,
        }))
    }

    /// Keep the client's state in this folder (created if missing). Without it nothing
    /// outlives the client.
    pub fn data_dir(&self, path: String) -> Arc<Self> {
        self.with(|c| c.data_dir = Some(path))
    }

    /// Connect to this peer (`ip:port`, `host:port`, or without a port for the network's
    /// default); repeatable. With any peer given, only these are used.
    pub fn peer(&self, address: String) -> Arc<Self> {
        self.with(|c| c.peers.push(address))
    }

    /// Watch an address or a BIP44 account key (`m/44'/coin'/account'`, xpub on mainnet,
    /// tpub on testnet, regtest and devnets); repeatable.
    pub fn watch(&self, item: String) -> Arc<Self> {
        self.with(|c| c.watch.push(item))
    }

    /// The wallet's birthday: blocks before it are not downloaded.
    pub fn birthday(&self, birthday: Birthday) -> Arc<Self> {
        self.with(|c| c.birthday = Some(birthday))
    }

    /// The bloom filter's false-positive rate (between 0 and 1, default 0.0005): higher
    /// hides the wallet better and costs more bandwidth.
    pub fn false_positive_rate(&self, rate: f64) -> Arc<Self> {
        self.with(|c| c.false_positive_rate = Some(rate))
    }

    /// Send a rebuilt filter instead of `filteradd` for new addresses and received outputs
    /// (default off). A `filteradd` tells a peer the element exactly; a reload hides it among
    /// the filter's decoys, for a full filter (up to 36,000 bytes) to every peer per change.
    pub fn filter_reloads_only(&self, enabled: bool) -> Arc<Self> {
        self.with(|c| c.filter_reloads_only = enabled)
    }

    /// When to use the BIP324 encrypted transport (default `Prefer`).
    pub fn v2_transport(&self, policy: V2Transport) -> Arc<Self> {
        self.with(|c| c.v2_transport = policy)
    }

    /// How many peers to keep connected (at least 1, default 3).
    pub fn max_peers(&self, count: u32) -> Arc<Self> {
        self.with(|c| c.max_peers = Some(count))
    }

    /// Checkpoints to start from instead of the embedded ones, as CSV text
    /// (`height,hash,header hex,chain work` per line).
    pub fn checkpoints_csv(&self, csv: String) -> Arc<Self> {
        self.with(|c| c.checkpoints_csv = Some(csv))
    }

    /// Seeds the client's random choices, for reproducible runs.
    pub fn seed(&self, seed: u64) -> Arc<Self> {
        self.with(|c| c.seed = Some(seed))
    }

    /// Filtered blocks requested from one peer at a time (at least 1).
    pub fn blocks_in_flight(&self, count: u32) -> Arc<Self> {
        self.with(|c| c.blocks_in_flight = Some(count))
    }

    /// Also sync governance objects and votes once synced (off by default).
    pub fn governance(&self, enabled: bool) -> Arc<Self> {
        self.with(|c| c.governance = enabled)
    }

    /// Follow the masternode list (on by default): once headers are synced and the tip has
    /// reached DIP3 activation, the list is synced from the peers with `mnlistdiff`s, each
    /// proven by its block's coinbase, then kept at the tip one diff per block
    /// ([`Client::masternode_list`]). Its quorums verify ChainLocks and InstantSend locks;
    /// off, no lock is ever verified.
    pub fn masternodes(&self, enabled: bool) -> Arc<Self> {
        self.with(|c| c.masternodes = enabled)
    }

    /// Regtest only: the DIP3 activation height of the node's chain, as set with Dash Core's
    /// `-dip3params=<height>:<enforcement>` (default 432). No list is asked for a lower
    /// block. `build()` refuses it on other networks.
    pub fn regtest_dip3_height(&self, height: u32) -> Arc<Self> {
        self.with(|c| c.regtest_dip3_height = Some(height))
    }

    /// Opens the store and the wallet. Nothing touches the network: peers given by name are
    /// resolved by [`Client::start`], so this never waits for DNS. The client does not
    /// connect until started.
    pub fn build(&self) -> Result<Arc<Client>, ClientError> {
        let inner = self.0.core()?.build()?;
        let network = self.0.network.into();
        let mut hosts = Vec::new();
        let mut by_address = false;
        for peer in &self.0.peers {
            match parse_peer(peer, network)? {
                PeerAddr::Host { host, port } => hosts.push((host, port)),
                PeerAddr::Ip(_) => by_address = true,
            }
        }
        let inner = Arc::new(inner);
        Ok(Arc::new(Client { inner, hosts, by_address, events: futures::lock::Mutex::new(None) }))
    }
}

/// How a [`Client::sync_for`] slice ended.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SyncOutcome {
    /// Headers and filtered blocks are complete up to the tip at `height`.
    Synced {
        /// The tip.
        height: u32,
    },
    /// The slice ran out first; everything up to `height` is saved and the next slice
    /// resumes from there.
    DeadlineReached {
        /// The height up to which every filtered block was processed.
        height: u32,
    },
    /// The client stopped on its own (its store failed) before either.
    Stopped {
        /// Why.
        reason: String,
    },
}

impl From<client::SyncOutcome> for SyncOutcome {
    fn from(o: client::SyncOutcome) -> Self {
        match o {
            client::SyncOutcome::Synced { height } => SyncOutcome::Synced { height },
            client::SyncOutcome::DeadlineReached { height } => {
                SyncOutcome::DeadlineReached { height }
            }
            client::SyncOutcome::Stopped(reason) => {
                SyncOutcome::Stopped { reason: reason.to_string() }
            }
        }
    }
}

/// A Dash SPV client. Queries work whether it runs or not; every call is thread-safe.
///
/// Releasing it (Kotlin `close()`/`use {}`, a Swift `deinit`, Python `del`) stops a running
/// client: on a thread of its own, which disconnects, saves everything and sends
/// [`Event::Stopped`] to the subscriptions.
#[derive(Debug, uniffi::Object)]
pub struct Client {
    inner: Arc<client::Client>,
    /// Peers given by name, resolved at every start.
    hosts: Vec<(String, u16)>,
    /// Whether a peer was given by address.
    by_address: bool,
    /// The stream `next_event` reads, made by its first call.
    events: futures::lock::Mutex<Option<EventStream>>,
}

impl Drop for Client {
    fn drop(&mut self) {
        if !self.inner.sync_status().running {
            return;
        }
        let inner = self.inner.clone();
        let stop = move || {
            let _ = futures::executor::block_on(inner.stop());
        };
        if let Err(e) = std::thread::Builder::new().name("dashlite-stop".into()).spawn(stop) {
            log::error!("no thread to stop the released client: {e}");
        }
    }
}

#[uniffi::export]
impl Client {
    /// The client's network.
    pub fn network(&self) -> Network {
        self.inner.network().into()
    }

    /// Connects to peers and syncs until [`Client::stop`]. Returns once started.
    ///
    /// Peers given to the builder by name are resolved first, off the caller's thread. One
    /// that does not resolve is skipped (logged) while another configured peer is usable;
    /// when none is, this fails with [`ClientError::PeerUnresolved`] and nothing starts.
    pub async fn start(&self) -> Result<(), ClientError> {
        if self.inner.sync_status().running {
            return Err(ClientError::AlreadyRunning);
        }
        let mut usable = self.by_address;
        let mut first_failure = None;
        for (host, port) in &self.hosts {
            match resolve(host.clone(), *port).await {
                Ok(addrs) => {
                    for addr in addrs {
                        self.inner.add_peer(addr).await?;
                    }
                    usable = true;
                }
                Err(reason) => {
                    log::warn!("peer {host}:{port} does not resolve ({reason}): skipped");
                    first_failure.get_or_insert((host.clone(), reason));
                }
            }
        }
        if let (false, Some((host, reason))) = (usable, first_failure) {
            return Err(ClientError::PeerUnresolved { host, reason });
        }
        Ok(self.inner.start().await?)
    }

    /// Disconnects, saves everything and stops (also after the client stopped on its own:
    /// see [`Event::Stopped`]).
    pub async fn stop(&self) -> Result<(), ClientError> {
        Ok(self.inner.stop().await?)
    }

    /// Syncs until synced or until `time` has passed, for a background task's time slice
    /// (an iOS `BGAppRefreshTask`, an Android `WorkManager` job): starts the client if it is
    /// not running and stops it again at the end with everything saved, so the next call
    /// resumes where this one ended. A client that was already running is left running.
    pub async fn sync_for(&self, time: std::time::Duration) -> Result<SyncOutcome, ClientError> {
        Ok(self.inner.sync_for(time).await?.into())
    }

    /// The next event, waiting for one; `None` once the client is gone.
    ///
    /// The stream starts at the first call, so start reading before [`Client::start`] to
    /// see every event (Kotlin: `launch(start = CoroutineStart.UNDISPATCHED)`, Python: a
    /// task that ran once). Events wait for the reader: once 1024 are queued the client
    /// waits, so a client whose events were ever pulled should keep being read.
    pub async fn next_event(&self) -> Option<Event> {
        let mut events = self.events.lock().await;
        let stream = events.get_or_insert_with(|| self.inner.events());
        let event = stream.next().await?;
        Some(Event::from_core(event, self.inner.network()))
    }

    /// Delivers every event from now on to `listener` until the returned [`Subscription`]
    /// is cancelled or dropped: in order, on a thread of its own (see [`EventListener`] for
    /// what happens when the listener is slower than the events).
    pub fn subscribe(&self, listener: Arc<dyn EventListener>) -> Arc<Subscription> {
        Arc::new(Subscription::deliver(self.inner.events(), self.inner.network(), listener))
    }

    /// Where sync stands.
    pub fn sync_status(&self) -> SyncStatus {
        self.inner.sync_status().into()
    }

    /// The wallet's balance.
    pub async fn balance(&self) -> Result<Balance, ClientError> {
        Ok(self.inner.balance().await?.into())
    }

    /// The wallet's transactions in the order first seen.
    pub async fn transactions(&self) -> Result<Vec<WalletTransaction>, ClientError> {
        Ok(self.inner.history().await?.into_iter().map(WalletTransaction::from).collect())
    }

    /// The wallet outputs no confirmed transaction spends; those an unconfirmed transaction
    /// spends name it in `pending_spend` (still in the balance, not spendable again).
    pub async fn utxos(&self) -> Result<Vec<Utxo>, ClientError> {
        let network = self.inner.network();
        Ok(self.inner.utxos().await?.into_iter().map(|u| utxo(u, network)).collect())
    }

    /// Watches an address or account key (as [`ClientBuilder::watch`]) from now on, running
    /// or not. With `rescan_from`, blocks from that height are fetched again for it (for
    /// an item that may have been paid before). Returns whether it was new.
    pub async fn add_watch(
        &self,
        item: String,
        rescan_from: Option<u32>,
    ) -> Result<bool, ClientError> {
        let network = self.inner.network();
        let parsed = WatchItem::parse(&item, network)
            .map_err(|e| ClientError::WatchItem { item: e.input, network: network.into() })?;
        Ok(self.inner.add_watch(parsed, rescan_from).await?)
    }

    /// Broadcasts a signed transaction to the peers and returns its txid. A
    /// wallet transaction enters the wallet as unconfirmed at once; the outcome follows as
    /// [`Event::Broadcast`]. Needs a running client.
    pub async fn broadcast(&self, raw: Vec<u8>) -> Result<Arc<Txid>, ClientError> {
        Ok(Txid::of(self.inner.broadcast(&raw).await?))
    }

    /// The newest verified masternode list (`None` before the first one is verified, or
    /// when the builder turned `masternodes` off).
    pub async fn masternode_list(&self) -> Result<Option<MasternodeList>, ClientError> {
        Ok(self.inner.masternode_list().await?.as_ref().map(MasternodeList::from))
    }

    /// The active LLMQ quorums of the newest verified list (empty before the first one),
    /// each with whether its commitment signature verifies (checked off the caller's
    /// thread).
    pub async fn quorums(&self) -> Result<Vec<Quorum>, ClientError> {
        match self.inner.masternode_list().await? {
            Some(summary) => Ok(masternodes::quorums(summary).await),
            None => Ok(Vec::new()),
        }
    }

    /// Every spork held (the known ones always), with its value and whether it is active.
    pub async fn sporks(&self) -> Result<Vec<Spork>, ClientError> {
        Ok(self.inner.sporks().await?.into_iter().map(Spork::from).collect())
    }

    /// Whether the spork with wire id `id` (10001 …) is active now; an unknown spork is off.
    pub async fn is_spork_active(&self, id: i32) -> Result<bool, ClientError> {
        Ok(self.inner.is_spork_active(dashlite::spork::SporkId::from_i32(id)).await?)
    }

    /// Governance proposals with their tallies (empty unless the builder enabled
    /// governance). Tallies count verified votes only (weighted, Evo masternodes 4).
    pub async fn proposals(&self) -> Result<Vec<Proposal>, ClientError> {
        Ok(self.inner.proposals().await?.into_iter().map(Proposal::from).collect())
    }

    /// The counts of the current (or last) governance sync round; `None` unless governance
    /// is enabled.
    pub async fn governance_progress(&self) -> Result<Option<GovernanceProgress>, ClientError> {
        Ok(self.inner.governance_progress().await?.map(GovernanceProgress::from))
    }
}
