//! [`Parts`]: everything a client owns (the sync engine with the wallet and the store, the
//! node's configuration) and how one sync step is committed to the store.

use std::collections::BTreeSet;

use crate::governance::GovernanceService;
use crate::hash::Txid;
use crate::node::NodeConfig;
use crate::spork::SporkService;
use crate::store::{Batch, InstantLockRecord, PeerRecords, Progress, Store, StoreError};
use crate::sync::{SyncEngine, SyncEvent};
use crate::wallet::WalletEvent;

use super::event::SyncStatus;

/// The engine of a client: its store is the client's.
pub(crate) type Engine = SyncEngine<Box<dyn Store>>;

/// What changed since the last commit.
#[derive(Debug, Default)]
struct Pending {
    txids: BTreeSet<Txid>,
    watch: bool,
    peers: Option<PeerRecords>,
    locks: Vec<InstantLockRecord>,
}

/// What the store holds, to know what changed.
#[derive(Debug, Default)]
struct Persisted {
    progress: Option<Progress>,
    filter_generation: Option<u64>,
    tip: Option<crate::hash::BlockHash>,
}

/// A client's state, owned by the running task or, while stopped, by the client.
pub(crate) struct Parts {
    pub(crate) engine: Engine,
    pub(crate) sporks: SporkService,
    /// Governance sync, when enabled.
    pub(crate) governance: Option<GovernanceService>,
    pub(crate) node: NodeConfig,
    pub(crate) status: SyncStatus,
    pending: Pending,
    persisted: Persisted,
}

impl Parts {
    pub(crate) fn new(
        engine: Engine,
        sporks: SporkService,
        governance: Option<GovernanceService>,
        node: NodeConfig,
        progress: Option<Progress>,
    ) -> Parts {
        let tip = engine.tree().tip();
        let status = SyncStatus {
            header_height: tip.height,
            block_height: engine.blocks_height(),
            network_height: tip.height,
            ..SyncStatus::default()
        };
        Parts {
            engine,
            sporks,
            governance,
            node,
            status,
            pending: Pending::default(),
            persisted: Persisted { progress, filter_generation: None, tip: None },
        }
    }

    /// Notes what `events` changed, for the next commit.
    pub(crate) fn note(&mut self, events: &[SyncEvent]) {
        for e in events {
            if let SyncEvent::InstantLock { txid, lock } = e {
                self.pending.locks.push(InstantLockRecord { txid: *txid, lock: lock.clone() });
            }
            let SyncEvent::Wallet(w) = e else { continue };
            match w {
                WalletEvent::NewTransaction { txid, .. }
                | WalletEvent::Confirmed { txid, .. }
                | WalletEvent::Reorged { txid, .. } => {
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

    /// The watch list changed (an item was added).
    pub(crate) fn note_watch(&mut self) {
        self.pending.watch = true;
    }

    /// The node's peers, to store at the next commit.
    pub(crate) fn note_peers(&mut self, peers: PeerRecords) {
        self.node.address_book = Some(peers.address_book.clone());
        self.node.bans = Some(peers.bans.clone());
        self.pending.peers = Some(peers);
    }

    /// Where the wallet stands: the last block it processed.
    pub(crate) fn progress(&self) -> Option<Progress> {
        self.engine.progress()
    }

    /// Commits what changed since the last commit (and the header changes the store holds)
    /// in one transaction. Does nothing when nothing changed.
    pub(crate) fn commit(&mut self) -> Result<(), StoreError> {
        let progress = self.progress().filter(|p| Some(*p) != self.persisted.progress);
        let generation = self.engine.filter_generation();
        let filter = (self.persisted.filter_generation != Some(generation))
            .then(|| self.engine.filter_load());
        let tip = self.engine.tree().tip().hash;
        let wallet = self.engine.wallet();
        let mut batch = Batch {
            watch: self.pending.watch.then(|| wallet.watch_list().clone()),
            wallet_txs: self
                .pending
                .txids
                .iter()
                .filter_map(|t| wallet.transaction(t).cloned())
                .collect(),
            progress,
            peers: self.pending.peers.take(),
            filter,
            sporks: self.sporks.take_changes(),
            instant_locks: std::mem::take(&mut self.pending.locks),
            ..Batch::default()
        };
        if let Some(g) = self.governance.as_mut() {
            g.take_changes().apply_to(&mut batch);
        }
        if batch.is_empty() && self.persisted.tip == Some(tip) {
            return Ok(());
        }
        self.engine.store_mut().commit(&batch)?;
        self.pending = Pending::default();
        if progress.is_some() {
            self.persisted.progress = progress;
        }
        self.persisted.filter_generation = Some(generation);
        self.persisted.tip = Some(tip);
        Ok(())
    }
}
