//! Persistence: the [`Store`] trait the client writes through, the records
//! it keeps besides headers ([`ClientState`]), the changes of one sync step ([`Batch`]) and
//! [`MemoryStore`] for tests and clients that do not persist.
//!
//! ## Atomic steps
//! The header tree writes the best chain through [`HeaderStore::apply`]; the client writes
//! everything else through [`Store::commit`], once per sync step. A store may hold header
//! changes back until the next `commit` and make both durable together (the SQLite store does:
//! one transaction per step); writing them at once is also correct, because the client
//! reconciles on start: the wallet's [`Progress`] names the block it has processed up to, and a
//! progress block no longer on the stored best chain is treated as a reorg.
//!
//! Killing the process at any moment loses at most the step in progress, never part of one.

mod memory;
mod sqlite;

pub use memory::MemoryStore;
pub use sqlite::{SqliteStore, SqliteStoreError};

use std::net::IpAddr;

pub use crate::chain::{HeaderStore, StoreError};
use crate::hash::{BlockHash, Txid};
pub use crate::masternode::MasternodeSnapshot;
use crate::wallet::{WalletTx, WatchList};
use crate::wire::{ClSig, FilterLoad, GovObject, GovObjectVote, IsDLock, Spork};

/// The block the wallet has processed every filtered block up to (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Progress {
    /// Its height.
    pub height: u32,
    /// Its hash.
    pub hash: BlockHash,
}

/// The address book and ban list of the connection manager, as bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeerRecords {
    /// [`crate::p2p::AddrBook::to_bytes`].
    pub address_book: Vec<u8>,
    /// [`crate::p2p::BanList::to_bytes`].
    pub bans: Vec<u8>,
}

/// A verified InstantSend lock of a wallet transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstantLockRecord {
    /// The locked transaction.
    pub txid: Txid,
    /// The lock as received.
    pub lock: IsDLock,
}

/// Governance objects and votes as received, and when each peer was last asked for a full
/// governance sync (Dash Core bans repeated full syncs).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GovernanceRecords {
    /// Objects (proposals, triggers).
    pub objects: Vec<GovObject>,
    /// Votes on them.
    pub votes: Vec<GovObjectVote>,
    /// Peer address → unix time of the last full sync asked of it.
    pub full_sync_times: Vec<(IpAddr, i64)>,
}

/// Everything the client keeps besides headers, as read at start.
#[derive(Debug, Clone, Default)]
pub struct ClientState {
    /// The watch list (with each account's used key indexes), if one was stored.
    pub watch: Option<WatchList>,
    /// Every wallet transaction with its status.
    pub wallet_txs: Vec<WalletTx>,
    /// How far the wallet has processed blocks.
    pub progress: Option<Progress>,
    /// Peers and bans.
    pub peers: Option<PeerRecords>,
    /// The last filter loaded into peers.
    pub filter: Option<FilterLoad>,
    /// The newest spork message of each (spork, signer).
    pub sporks: Vec<Spork>,
    /// Governance objects and votes.
    pub governance: GovernanceRecords,
    /// Verified InstantSend locks of wallet transactions.
    pub instant_locks: Vec<InstantLockRecord>,
    /// The best verified ChainLock.
    pub chain_lock: Option<ClSig>,
    /// The kept masternode lists (at most [`crate::masternode::SNAPSHOTS_KEPT`] are written),
    /// by height.
    pub masternode_lists: Vec<MasternodeSnapshot>,
}

/// The changes of one sync step, written atomically by [`Store::commit`]. Lists are upserts
/// keyed by the record's identity (txid, object or vote hash); `Option`s replace the stored
/// value when `Some`.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// Replaces the watch list (it changes when items are added or keys are derived).
    pub watch: Option<WatchList>,
    /// Wallet transactions, new or changed, keyed by txid.
    pub wallet_txs: Vec<WalletTx>,
    /// Replaces the wallet's progress.
    pub progress: Option<Progress>,
    /// Replaces the peers and bans.
    pub peers: Option<PeerRecords>,
    /// Replaces the filter.
    pub filter: Option<FilterLoad>,
    /// Replaces every stored spork message.
    pub sporks: Option<Vec<Spork>>,
    /// Governance objects keyed by [`GovObject::hash`].
    pub gov_objects: Vec<GovObject>,
    /// Votes keyed by [`GovObjectVote::hash`].
    pub gov_votes: Vec<GovObjectVote>,
    /// Replaces the full-sync times.
    pub gov_full_sync_times: Option<Vec<(IpAddr, i64)>>,
    /// Verified InstantSend locks keyed by txid.
    pub instant_locks: Vec<InstantLockRecord>,
    /// Replaces the best verified ChainLock.
    pub chain_lock: Option<ClSig>,
    /// Masternode lists keyed by block hash.
    pub masternode_lists: Vec<MasternodeSnapshot>,
    /// Blocks whose masternode list is dropped (applied before `masternode_lists`).
    pub masternode_lists_removed: Vec<BlockHash>,
}

impl Batch {
    /// Whether the batch changes nothing (header changes may still be pending).
    pub fn is_empty(&self) -> bool {
        self.watch.is_none()
            && self.wallet_txs.is_empty()
            && self.progress.is_none()
            && self.peers.is_none()
            && self.filter.is_none()
            && self.sporks.is_none()
            && self.gov_objects.is_empty()
            && self.gov_votes.is_empty()
            && self.gov_full_sync_times.is_none()
            && self.instant_locks.is_empty()
            && self.chain_lock.is_none()
            && self.masternode_lists.is_empty()
            && self.masternode_lists_removed.is_empty()
    }
}

/// Where the client keeps its state: the best header chain ([`HeaderStore`]) and the rest
/// ([`ClientState`]). See the module docs for atomicity.
pub trait Store: HeaderStore + Send + 'static {
    /// Reads everything but the headers.
    fn load(&self) -> Result<ClientState, StoreError>;
    /// Writes `batch` and every header change applied since the last commit, atomically.
    fn commit(&mut self, batch: &Batch) -> Result<(), StoreError>;
}

impl<S: Store + ?Sized> Store for Box<S> {
    fn load(&self) -> Result<ClientState, StoreError> {
        (**self).load()
    }

    fn commit(&mut self, batch: &Batch) -> Result<(), StoreError> {
        (**self).commit(batch)
    }
}
