//! [`Session`]: the client without I/O — the protocol [`StateMachine`] over the client's
//! store, and what one step means for the store and for the application: the step's changes
//! committed in one transaction, then its events mapped to [`ClientEvent`]s. The async
//! [`super::Client`] runs a session on the [`crate::node`] driver; a simulator can drive one
//! itself with virtual time.

use std::collections::BTreeSet;

use crate::governance::GovernanceService;
use crate::hash::{BlockHash, Txid};
use crate::machine::{Event, Parts, StateMachine};
use crate::masternode::{MasternodeEvent, MasternodeSync};
use crate::p2p::{AddrBook, BanList, Time};
use crate::spork::SporkService;
use crate::store::{Batch, InstantLockRecord, PeerRecords, Progress, Store, StoreError};
use crate::sync::{SyncConfig, SyncEngine, SyncEvent};
use crate::wallet::{Wallet, WalletEvent, WatchList};
use crate::wire::{ClSig, IsDLock};

use super::builder::ClientBuilder;
use super::event::{ClientEvent, SyncStatus};
use super::BuildError;

/// The machine of a client: its header store is the client's store.
pub type ClientMachine = StateMachine<Box<dyn Store>>;

/// Progress events are coalesced to at most one per this interval.
pub const PROGRESS_INTERVAL: Time = 200;

/// Steps whose only changes are sync progress (headers, the wallet's processed height) are
/// committed at most once per this interval; any other change is committed with its step.
/// A crash loses at most this much progress, which is fetched again on restart: never a
/// transaction, a watch item or a record (client rule: one SQLite transaction per
/// filtered block costs more than verifying the block).
pub const PROGRESS_COMMIT_INTERVAL: Time = 1_000;

/// What changed since the last commit.
#[derive(Debug, Default)]
struct Pending {
    txids: BTreeSet<Txid>,
    watch: bool,
    locks: Vec<InstantLockRecord>,
    chain_lock: Option<ClSig>,
}

/// What the store holds, to know what changed.
#[derive(Debug, Default)]
struct Persisted {
    progress: Option<Progress>,
    filter_generation: Option<u64>,
    tip: Option<BlockHash>,
}

/// A client's state and its store, without I/O (see the module docs).
pub struct Session {
    machine: ClientMachine,
    status: SyncStatus,
    pending: Pending,
    persisted: Persisted,
    /// Peers with a completed handshake.
    ready: usize,
    last_progress: Time,
    progress_pending: bool,
    /// When the last commit happened.
    last_commit: Time,
    /// Commit the next step whatever it changed (the client reached the tip).
    commit_due: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("status", &self.status).finish_non_exhaustive()
    }
}

impl Session {
    /// Opens a session on `store` as `builder` says, at `now`: the stored wallet, headers,
    /// peers, sporks and governance records are restored; watch items new to a stored wallet
    /// are added and scanned for from the birthday.
    pub fn open(
        builder: &ClientBuilder,
        store: Box<dyn Store>,
        now: Time,
    ) -> Result<Session, BuildError> {
        let network = builder.network;
        let params = network.params();
        let (start, birthday_height) = builder.start()?;
        let state = store.load()?;
        let fresh = state.progress.is_none();
        let mut watch = state.watch.unwrap_or_else(|| WatchList::new(network));
        if fresh {
            for item in &builder.watch {
                item.add_to::<BuildError>(&mut watch)?;
            }
        }
        let tip = state.progress.map_or(0, |p| p.height);
        let wallet = Wallet::from_parts(watch, state.wallet_txs, tip);
        let seed = builder.seed.unwrap_or_else(crate::node::os_seed);
        let mut config = SyncConfig::new(params, birthday_height);
        config.seed = seed;
        config.filter_seed = builder.seed.map(|s| s ^ 0x6669_6c74_6572_7321);
        config.filter_updates = builder.filter_updates;
        config.stored_filter = state.filter.clone();
        config.false_positive_rate = builder.false_positive_rate;
        if let Some(n) = builder.blocks_in_flight {
            config.blocks_in_flight = n;
        }
        let mut sync = SyncEngine::resume(config, store, start, wallet, state.progress)?;
        let locks: Vec<IsDLock> = state.instant_locks.into_iter().map(|r| r.lock).collect();
        sync.restore_locks(state.chain_lock, &locks);
        let mut p2p = crate::p2p::Config::new(network);
        p2p.target_outbound = builder.max_peers;
        p2p.v2 = builder.v2;
        p2p.manual_peers = builder.peers.clone();
        let (address_book, bans) = match &state.peers {
            Some(p) => (
                AddrBook::from_bytes(&p.address_book, p2p.max_addresses)
                    .map_err(BuildError::StoredPeers)?,
                BanList::from_bytes(&p.bans).map_err(BuildError::StoredPeers)?,
            ),
            None => (AddrBook::new(p2p.max_addresses), BanList::new()),
        };
        let sporks = SporkService::restore(params, state.sporks);
        let governance = builder.governance.then(|| {
            let service = GovernanceService::restore(network, state.governance);
            match builder.seed {
                Some(seed) => service.with_seed(seed ^ 0x676f_7673_796e_6321),
                None => service,
            }
        });
        let dip3_height = builder.regtest_dip3_height.unwrap_or(params.dip3_height);
        let parts = Parts {
            p2p,
            address_book,
            bans,
            sync,
            sporks,
            governance,
            masternodes: builder.masternodes.then(|| {
                MasternodeSync::restore(dip3_height, state.masternode_lists.iter().cloned())
            }),
            seed: seed.rotate_left(17) ^ 0x636f_6e6e,
        };
        let machine = StateMachine::new(parts, now);
        let mut session = Session::new(machine, state.progress);
        // Items new to a stored wallet: into the filter, and blocks from the birthday again.
        let mut added = false;
        if !fresh {
            for item in &builder.watch {
                let mut probe = session.machine.wallet().watch_list().clone();
                if item.add_to::<BuildError>(&mut probe)? {
                    session.machine.update_watch_list(
                        Some(birthday_height),
                        |w| item.add_to::<BuildError>(w),
                        now,
                    )?;
                    added = true;
                }
            }
        }
        if added || fresh {
            session.pending.watch = true;
        }
        let events: Vec<Event> = session
            .machine
            .drain_outputs()
            .filter_map(crate::machine::Output::into_event)
            .collect();
        session.note(&events);
        session.commit()?;
        Ok(session)
    }

    fn new(machine: ClientMachine, progress: Option<Progress>) -> Session {
        let tip = machine.tree().tip();
        let status = SyncStatus {
            header_height: tip.height,
            block_height: machine.sync().blocks_height(),
            network_height: tip.height,
            ..SyncStatus::default()
        };
        Session {
            machine,
            status,
            pending: Pending::default(),
            persisted: Persisted { progress, filter_generation: None, tip: None },
            ready: 0,
            last_progress: 0,
            progress_pending: false,
            last_commit: 0,
            commit_due: false,
        }
    }

    /// The machine.
    pub fn machine(&self) -> &ClientMachine {
        &self.machine
    }

    /// The machine, to give it inputs. After every input, pass the events it produced to
    /// [`Self::on_step`].
    pub fn machine_mut(&mut self) -> &mut ClientMachine {
        &mut self.machine
    }

    /// Where sync stands.
    pub fn status(&self) -> SyncStatus {
        self.status
    }

    /// Marks the session running or stopped (for [`SyncStatus::running`]).
    pub fn set_running(&mut self, running: bool) {
        self.status.running = running;
        if !running {
            self.ready = 0;
            self.status.peers = 0;
        }
    }

    /// One step's events: the step is committed to the store in one transaction, then the
    /// events for the application are returned (progress coalesced to one per
    /// [`PROGRESS_INTERVAL`], at the latest one step later). A step that changed only the
    /// sync progress is committed with a later one, at most one second
    /// after the last commit; reaching the tip is committed at once.
    pub fn on_step(
        &mut self,
        events: Vec<Event>,
        now: Time,
    ) -> Result<Vec<ClientEvent>, StoreError> {
        self.note(&events);
        let mut out = Vec::new();
        for e in events {
            self.map_event(e, &mut out);
        }
        let progress_due = now.saturating_sub(self.last_commit) >= PROGRESS_COMMIT_INTERVAL;
        let due = std::mem::take(&mut self.commit_due);
        if self.commit_inner(None, progress_due || due)? {
            self.last_commit = now;
        }
        if self.progress_pending && now.saturating_sub(self.last_progress) >= PROGRESS_INTERVAL {
            self.last_progress = now;
            self.progress_pending = false;
            out.push(ClientEvent::Progress(self.status));
        }
        Ok(out)
    }

    /// The address book and ban list, to store.
    pub fn peer_records(&self) -> PeerRecords {
        let peers = self.machine.peers();
        PeerRecords { address_book: peers.address_book().to_bytes(), bans: peers.bans().to_bytes() }
    }

    /// The watch list changed (an item was added).
    pub(crate) fn note_watch(&mut self) {
        self.pending.watch = true;
    }

    /// Notes what `events` changed, for the next commit.
    fn note(&mut self, events: &[Event]) {
        for e in events {
            let Event::Sync(e) = e else { continue };
            match e {
                SyncEvent::InstantLocked { txid, lock } => {
                    self.pending.locks.push(InstantLockRecord { txid: *txid, lock: lock.clone() })
                }
                SyncEvent::ChainLocked { clsig, .. } => self.pending.chain_lock = Some(*clsig),
                _ => {}
            }
            let SyncEvent::Wallet(w) = e else { continue };
            match w {
                WalletEvent::NewTransaction { txid, .. }
                | WalletEvent::Confirmed { txid, .. }
                | WalletEvent::Reorged { txid, .. }
                | WalletEvent::Expired { txid }
                | WalletEvent::Abandoned { txid } => {
                    self.pending.txids.insert(*txid);
                }
                WalletEvent::Conflicted { txid, by } => {
                    self.pending.txids.insert(*txid);
                    self.pending.txids.insert(*by);
                }
                WalletEvent::KeysDerived(_) => self.pending.watch = true,
                WalletEvent::ConfirmationChanged { .. } => {}
            }
        }
    }

    /// Commits what changed since the last commit (and the header changes the store holds)
    /// in one transaction. Does nothing when nothing changed.
    pub fn commit(&mut self) -> Result<(), StoreError> {
        self.commit_with(None)
    }

    /// [`Self::commit`], storing the peers too.
    pub fn commit_with(&mut self, peers: Option<PeerRecords>) -> Result<(), StoreError> {
        self.commit_inner(peers, true).map(|_| ())
    }

    /// Commits what changed; sync progress alone only when `progress_too`. Whether it
    /// committed.
    fn commit_inner(
        &mut self,
        peers: Option<PeerRecords>,
        progress_too: bool,
    ) -> Result<bool, StoreError> {
        let sync = self.machine.sync();
        let progress = sync.progress().filter(|p| Some(*p) != self.persisted.progress);
        let generation = sync.filter_generation();
        let filter =
            (self.persisted.filter_generation != Some(generation)).then(|| sync.filter_load());
        let tip = sync.tree().tip().hash;
        let wallet = sync.wallet();
        let mut batch = Batch {
            watch: self.pending.watch.then(|| wallet.watch_list().clone()),
            wallet_txs: self
                .pending
                .txids
                .iter()
                .filter_map(|t| wallet.transaction(t).cloned())
                .collect(),
            progress,
            peers,
            filter,
            sporks: self.machine.sporks_mut().take_changes(),
            instant_locks: std::mem::take(&mut self.pending.locks),
            chain_lock: self.pending.chain_lock.take(),
            ..Batch::default()
        };
        if let Some(g) = self.machine.governance_mut() {
            g.take_changes().apply_to(&mut batch);
        }
        if let Some(m) = self.machine.masternodes_mut() {
            let changes = m.take_changes();
            batch.masternode_lists = changes.put;
            batch.masternode_lists_removed = changes.removed;
        }
        // Whether anything but the progress changed.
        let progress_only = {
            let p = batch.progress.take();
            let rest_empty = batch.is_empty();
            batch.progress = p;
            rest_empty
        };
        if progress_only && !progress_too {
            return Ok(false);
        }
        if batch.is_empty() && self.persisted.tip == Some(tip) {
            return Ok(false);
        }
        self.machine.sync_mut().store_mut().commit(&batch)?;
        self.pending = Pending::default();
        if progress.is_some() {
            self.persisted.progress = progress;
        }
        self.persisted.filter_generation = Some(generation);
        self.persisted.tip = Some(tip);
        Ok(true)
    }

    /// Gives the store back (the session's uncommitted changes are dropped, as a crash would).
    pub fn into_store(self) -> Box<dyn Store> {
        self.machine.into_parts().sync.into_store()
    }

    fn map_event(&mut self, event: Event, out: &mut Vec<ClientEvent>) {
        let status = &mut self.status;
        match event {
            Event::PeerConnected { peer, info } => {
                self.ready += 1;
                status.peers = self.ready;
                out.push(ClientEvent::PeerConnected {
                    peer,
                    addr: info.addr,
                    user_agent: info.user_agent,
                });
            }
            Event::PeerDisconnected { peer, addr, was_ready: true, .. } => {
                self.ready = self.ready.saturating_sub(1);
                status.peers = self.ready;
                out.push(ClientEvent::PeerDisconnected { peer, addr });
            }
            Event::PeerDisconnected { .. } | Event::Misbehaved { .. } => {}
            Event::Spork(e) => out.push(ClientEvent::Spork(e)),
            Event::Governance(e) => out.push(ClientEvent::Governance(e)),
            Event::Masternodes(MasternodeEvent::Updated {
                height,
                block_hash,
                masternodes,
                valid,
                quorums,
            }) => {
                self.commit_due = true;
                out.push(ClientEvent::MasternodeListUpdated {
                    height,
                    block_hash,
                    masternodes,
                    valid,
                    quorums,
                });
            }
            Event::Masternodes(_) => {}
            Event::Sync(e) => match e {
                SyncEvent::Headers { height, network_height } => {
                    status.header_height = height;
                    status.network_height = status.network_height.max(network_height);
                    status.synced = false;
                    self.progress_pending = true;
                }
                SyncEvent::Blocks { height, tip } => {
                    status.block_height = height;
                    status.header_height = tip;
                    self.progress_pending = true;
                }
                SyncEvent::Synced { height } => {
                    self.commit_due = true;
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
                SyncEvent::InstantLocked { txid, .. } => {
                    out.push(ClientEvent::InstantLocked { txid })
                }
                SyncEvent::ChainLocked { height, block_hash, .. } => {
                    out.push(ClientEvent::ChainLocked { height, block_hash })
                }
                SyncEvent::Reorg { fork_height, disconnected, connected } => {
                    out.push(ClientEvent::Reorg { fork_height, disconnected, connected })
                }
            },
        }
    }
}
