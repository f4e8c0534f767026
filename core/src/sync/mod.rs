//! The sync engine: header sync, filtered-block download overlapped with
//! it, and the bloom filters kept in step with the wallet, as one sans-IO state machine
//! ([`SyncEngine`]); [`crate::client`] runs it on the [`crate::node`] driver.
//!
//! * `headers`: locators and the header request state (one sync peer, timeouts).
//! * `blocks`: which filtered blocks to fetch from whom (a window per peer), the
//!   `merkleblock` + `tx` assembly per peer and the height-ordered reorder buffer.
//! * `filters`: the [`FilterPolicy`](crate::bloom::FilterPolicy), one
//!   [`FilterMirror`](crate::bloom::FilterMirror) and one
//!   [`FpEstimator`](crate::bloom::FpEstimator) per peer.
//! * `relay`: our transaction broadcasts and the InstantSend locks received.
//! * `chainlocks`: the best verified ChainLock and the undecided ones.
//! * `engine`: [`SyncEngine`]: inputs are the node's events and the time; outputs are
//!   [`PeerCommand`]s for the node and [`SyncEvent`]s for the layer above.
//!
//! Every transaction the wallet is given is either proven by a partial merkle tree against a
//! header of the best chain, or handed over explicitly as unconfirmed.

pub(crate) mod blocks;
pub(crate) mod chainlocks;
pub(crate) mod engine;
pub(crate) mod filters;
pub(crate) mod headers;
pub(crate) mod relay;

use crate::bloom::FilterUpdates;
use crate::chain::{trusted_headers, StoredHeader, U256};
use crate::hash::{BlockHash, Txid};
use crate::network::{CheckpointRecord, Params};
use crate::p2p::{Time, SECOND};
use crate::wallet::WalletEvent;
use crate::wire::{ClSig, FilterLoad, IsDLock};

pub use crate::p2p::PeerCommand;
pub use engine::{
    Origin, SyncEngine, SyncError, MAX_ORIGINS, MIN_AGREEING_PEERS, PRUNED_PEER_DEPTH,
};
pub use relay::BroadcastOutcome;

/// How long the sync peer may take to answer a header request before another peer is asked
/// (client rule).
pub const DEFAULT_HEADERS_TIMEOUT: Time = 20 * SECOND;
/// How long a peer may take to deliver the next filtered block it owes before its requests
/// go to other peers (client rule).
pub const DEFAULT_BLOCK_TIMEOUT: Time = 20 * SECOND;
/// Most filtered blocks in flight to the block peer (client rule). Dash Core serves a peer's
/// `getdata` entries back to back, one per pass of its message loop, and stops reading
/// from a peer while it still has data queued for it: a node that runs out of requests
/// idles until the next `getdata` is read, and on a busy node that wake-up can take a
/// socket-loop timeout. Enough requests in flight keep it from ever running out.
pub const DEFAULT_BLOCKS_IN_FLIGHT: usize = 2_000;
/// Most bytes of filtered blocks (`merkleblock`s and their matched `tx`s, estimated from
/// the peer's recent blocks) in flight to the block peer: Dash Core's `DEFAULT_MAXSENDBUFFER`
/// (1,000 KB), beyond which it stops serving `getdata` until its send buffer drains, so
/// requests beyond it only wait in its queue.
pub const DEFAULT_BYTES_IN_FLIGHT: usize = 1_000_000;
/// Fewest filtered blocks in flight to the block peer however large its blocks are.
pub const MIN_BLOCKS_IN_FLIGHT: usize = 16;
/// Most entries in one `getdata` (client rule, well below Dash Core's `MAX_INV_SZ` 50,000).
pub const MAX_GETDATA_BATCH: usize = 1_000;
/// How long a broadcast transaction may take to be announced back by a peer we did not
/// announce it to (client rule: Dash Core trickles `inv`s to inbound peers every few seconds,
/// so a minute allows for several hops).
pub const DEFAULT_BROADCAST_TIMEOUT: Time = 60 * SECOND;
/// Most blocks fetched beyond the next one the wallet needs: bounds the reorder buffer.
pub const DEFAULT_REORDER_WINDOW: u32 = 2_000;

/// How the engine syncs.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// The network's parameters.
    pub params: &'static Params,
    /// Filtered blocks are fetched from this height on (the wallet's birthday).
    pub birthday_height: u32,
    /// See [`DEFAULT_HEADERS_TIMEOUT`].
    pub headers_timeout: Time,
    /// See [`DEFAULT_BLOCK_TIMEOUT`].
    pub block_timeout: Time,
    /// See [`DEFAULT_BLOCKS_IN_FLIGHT`].
    pub blocks_in_flight: usize,
    /// See [`DEFAULT_BYTES_IN_FLIGHT`].
    pub bytes_in_flight: usize,
    /// See [`DEFAULT_REORDER_WINDOW`].
    pub reorder_window: u32,
    /// Seed of the choice of peers a broadcast is announced to.
    pub seed: u64,
    /// Seed of the filter's tweak and decoy bits, for reproducible runs; `None` (the default)
    /// draws them from the operating system's random number generator, so no two installs
    /// send the same filter.
    pub filter_seed: Option<u64>,
    /// `filteradd` or reloads for new watch items (see [`crate::bloom::policy`]).
    pub filter_updates: FilterUpdates,
    /// The filter peers were last sent, from the store: its tweak and layout are kept, so a
    /// restart does not hand peers a second, independent filter.
    pub stored_filter: Option<FilterLoad>,
    /// See [`DEFAULT_BROADCAST_TIMEOUT`].
    pub broadcast_timeout: Time,
    /// The filter's target false-positive rate.
    pub false_positive_rate: f64,
}

impl SyncConfig {
    /// Defaults for `params`, syncing blocks from `birthday_height`.
    pub fn new(params: &'static Params, birthday_height: u32) -> SyncConfig {
        SyncConfig {
            params,
            birthday_height,
            headers_timeout: DEFAULT_HEADERS_TIMEOUT,
            block_timeout: DEFAULT_BLOCK_TIMEOUT,
            blocks_in_flight: DEFAULT_BLOCKS_IN_FLIGHT,
            bytes_in_flight: DEFAULT_BYTES_IN_FLIGHT,
            reorder_window: DEFAULT_REORDER_WINDOW,
            seed: 0,
            filter_seed: None,
            filter_updates: FilterUpdates::Add,
            stored_filter: None,
            false_positive_rate: crate::bloom::policy::DEFAULT_FALSE_POSITIVE_RATE,
            broadcast_timeout: DEFAULT_BROADCAST_TIMEOUT,
        }
    }
}

/// Where header sync starts: the last checkpoint record a chain may start from
/// ([`crate::chain::is_usable_start`]: one a checkpoint pins) at or below the birthday height, or genesis when there
/// is none (regtest, or a birthday before the first record).
pub fn start_header(
    params: &'static Params,
    birthday_height: u32,
    records: &[CheckpointRecord],
) -> StoredHeader {
    records
        .iter()
        .filter(|r| r.height <= birthday_height)
        .filter(|r| crate::chain::is_usable_start(params, &StoredHeader::from(**r)))
        .max_by_key(|r| r.height)
        .map(|r| StoredHeader::from(*r))
        .unwrap_or_else(|| {
            let header = params.genesis_header();
            trusted_headers(0, U256::ZERO, &[(header, header.block_hash())])[0]
        })
}

/// What the engine reports to the layer above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncEvent {
    /// The header chain grew: its tip, and the best height peers claim.
    Headers {
        /// Best header height.
        height: u32,
        /// Height claimed by the network (at least `height`).
        network_height: u32,
    },
    /// Filtered blocks were handed to the wallet up to `height`.
    Blocks {
        /// Last block processed.
        height: u32,
        /// Best header height.
        tip: u32,
    },
    /// The wallet changed.
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
    /// Headers and filtered blocks are complete up to `height`.
    Synced {
        /// The tip.
        height: u32,
    },
    /// A transaction given to [`SyncEngine::broadcast`] propagated or timed out.
    Broadcast {
        /// The transaction.
        txid: Txid,
        /// How it ended.
        outcome: BroadcastOutcome,
    },
    /// A wallet transaction has an InstantSend lock (`isdlock`) whose BLS signature verified
    /// with the quorum Dash Core selects. Reported once per transaction, never before the
    /// lock verifies.
    InstantLocked {
        /// The locked transaction.
        txid: Txid,
        /// The lock.
        lock: IsDLock,
    },
    /// A ChainLock (`clsig`) verified and its block is on the best chain, now final: the
    /// header tree refuses any reorganisation that would disconnect it.
    ChainLocked {
        /// The locked block's height.
        height: u32,
        /// The locked block.
        block_hash: BlockHash,
        /// The `clsig`.
        clsig: ClSig,
    },
}
