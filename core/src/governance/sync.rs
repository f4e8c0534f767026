//! The governance sync plan as data (`CGovernanceManager::RequestGovernanceObject`,
//! `SyncObjects`, `SyncSingleObjVotes`, `CNetFulfilledRequestManager` in Dash Core).
//!
//! 1. `govsync` with a zero hash and an empty filter: the peer answers `ssc(10, n)` and an
//!    `inv` of its objects (type 17). Dash Core remembers the request per address for its
//!    fulfilled-request window and scores a repeat within it 20, so
//!    [`GovernanceSync::full_sync`] refuses to ask one peer address again before the window
//!    (plus a margin) has passed.
//! 2. Per object, `govsync` with its hash and a bloom filter of the vote hashes already held:
//!    `ssc(11, n)` and an `inv` of the votes (type 18) not in the filter. The filter must not
//!    be empty: an empty filter "contains" everything and yields no votes.
//! 3. Announced objects and votes not held are fetched with `getdata`.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use thiserror::Error;

use super::state::GovernanceState;
use crate::bloom::{BloomFilter, BLOOM_UPDATE_ALL};
use crate::hash::Hash256;
use crate::network::Network;
use crate::wire::{FilterLoad, GovSync, Inventory, SyncItem, SyncStatusCount};

/// `GOVERNANCE_FILTER_FP_RATE`: the vote filter's false-positive rate.
pub const GOVERNANCE_FILTER_FP_RATE: f64 = 0.001;

/// Extra seconds waited beyond Dash Core's window, for clock differences.
pub const FULL_SYNC_MARGIN_SECONDS: i64 = 60;

/// How long Dash Core remembers a peer's full `govsync` (`nFulfilledRequestExpireTime`):
/// one hour on mainnet, five minutes on testnet, devnets and regtest.
pub fn fulfilled_request_window(network: Network) -> i64 {
    match network {
        Network::Mainnet => 60 * 60,
        _ => 5 * 60,
    }
}

/// Elements the vote filter is sized for (`nGovernanceFilterElements`).
pub fn governance_filter_elements(network: Network) -> u32 {
    match network {
        Network::Mainnet => 20_000,
        Network::Regtest => 100,
        _ => 500,
    }
}

/// How long one object's votes are not asked again from the same peer (Dash Core's own
/// client: `mapAskedRecently`, one hour).
pub const VOTE_SYNC_REPEAT_SECONDS: i64 = 60 * 60;

/// A full sync refused because the peer would punish it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("full governance sync from {peer} not before {not_before}")]
pub struct RateLimited {
    /// The peer address.
    pub peer: IpAddr,
    /// The first time (Unix seconds) it may be asked again.
    pub not_before: i64,
}

/// Progress of a governance sync, from the peers' `ssc` counts and what arrived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GovSyncProgress {
    /// Objects the peers announced they would send (sum of `ssc(10, n)`).
    pub objects_announced: u64,
    /// Votes the peers announced (sum of `ssc(11, n)`).
    pub votes_announced: u64,
    /// Object answers (`ssc(10)`) received.
    pub object_syncs_answered: u32,
    /// Vote answers (`ssc(11)`) received.
    pub vote_syncs_answered: u32,
}

/// The sync planner: rate limits per peer address, objects still to ask votes for,
/// requests in flight and progress.
#[derive(Debug, Clone)]
pub struct GovernanceSync {
    network: Network,
    last_full_sync: HashMap<IpAddr, i64>,
    votes_asked: HashMap<(IpAddr, Hash256), i64>,
    requested: HashSet<Inventory>,
    progress: GovSyncProgress,
}

impl GovernanceSync {
    /// A planner for `network`.
    pub fn new(network: Network) -> Self {
        GovernanceSync {
            network,
            last_full_sync: HashMap::new(),
            votes_asked: HashMap::new(),
            requested: HashSet::new(),
            progress: GovSyncProgress::default(),
        }
    }

    /// The first time a full sync may be sent to `peer` (Dash Core keys its memory by
    /// address; we key by IP alone, which is at least as strict).
    pub fn full_sync_not_before(&self, peer: IpAddr) -> i64 {
        self.last_full_sync.get(&peer).map_or(i64::MIN, |&t| {
            t + fulfilled_request_window(self.network) + FULL_SYNC_MARGIN_SECONDS
        })
    }

    /// The `govsync` for all objects (zero hash, empty filter), if `peer` may be asked at
    /// `now`; the request is recorded.
    pub fn full_sync(&mut self, peer: IpAddr, now: i64) -> Result<GovSync, RateLimited> {
        let not_before = self.full_sync_not_before(peer);
        if now < not_before {
            return Err(RateLimited { peer, not_before });
        }
        self.last_full_sync.insert(peer, now);
        Ok(GovSync::default())
    }

    /// The `govsync` for one object's votes, with a bloom filter (sized as Dash Core sizes
    /// it, `BLOOM_UPDATE_ALL`, tweak `tweak`) holding every vote hash already held.
    pub fn vote_sync(&self, state: &GovernanceState, object: Hash256, tweak: u32) -> GovSync {
        let elements = governance_filter_elements(self.network);
        let mut filter =
            BloomFilter::new(elements, GOVERNANCE_FILTER_FP_RATE, tweak, BLOOM_UPDATE_ALL)
                .expect("constant, valid filter parameters");
        for hash in state.vote_hashes(&object) {
            filter.insert(hash.as_bytes());
        }
        let (data, hash_funcs, tweak, flags) = filter.into_parts();
        GovSync { prop_hash: object, filter: FilterLoad { data, hash_funcs, tweak, flags } }
    }

    /// Up to `max` held objects whose votes have not been asked from `peer` within
    /// [`VOTE_SYNC_REPEAT_SECONDS`], each with its `govsync` (tweaks from `tweak`); they are
    /// recorded as asked at `now`.
    pub fn next_vote_syncs(
        &mut self,
        state: &GovernanceState,
        peer: IpAddr,
        now: i64,
        max: usize,
        mut tweak: impl FnMut() -> u32,
    ) -> Vec<GovSync> {
        let mut due: Vec<Hash256> = state
            .objects()
            .map(|o| o.hash)
            .filter(|h| {
                self.votes_asked
                    .get(&(peer, *h))
                    .is_none_or(|&t| now >= t + VOTE_SYNC_REPEAT_SECONDS)
            })
            .collect();
        due.sort_by_key(|h| h.to_byte_array());
        due.truncate(max);
        due.into_iter()
            .map(|h| {
                self.votes_asked.insert((peer, h), now);
                self.vote_sync(state, h, tweak())
            })
            .collect()
    }

    /// Records an `ssc` count as progress (other items are ignored).
    pub fn on_ssc(&mut self, ssc: &SyncStatusCount) {
        let count = u64::try_from(ssc.count).unwrap_or(0);
        match ssc.item {
            SyncItem::GovObj => {
                self.progress.objects_announced += count;
                self.progress.object_syncs_answered += 1;
            }
            SyncItem::GovObjVote => {
                self.progress.votes_announced += count;
                self.progress.vote_syncs_answered += 1;
            }
            _ => {}
        }
    }

    /// The entries of an `inv` to fetch with `getdata`: governance objects (17) and votes
    /// (18) neither held nor already requested. They are recorded as requested.
    pub fn on_inv(&mut self, state: &GovernanceState, inv: &[Inventory]) -> Vec<Inventory> {
        let mut wanted = Vec::new();
        for item in inv {
            let held = match item {
                Inventory::GovernanceObject(hash) => state.has_object(hash),
                Inventory::GovernanceObjectVote(hash) => state.has_vote(hash),
                _ => continue,
            };
            if !held && self.requested.insert(*item) {
                wanted.push(*item);
            }
        }
        wanted
    }

    /// Clears a request once its object or vote arrived (or the peer said `notfound`).
    pub fn on_received(&mut self, item: &Inventory) {
        self.requested.remove(item);
    }

    /// Requests in flight.
    pub fn in_flight(&self) -> usize {
        self.requested.len()
    }

    /// The progress so far.
    pub fn progress(&self) -> GovSyncProgress {
        self.progress
    }

    /// The recorded full-sync times per peer, to persist so a restart does not ask early.
    pub fn full_sync_times(&self) -> Vec<(IpAddr, i64)> {
        let mut v: Vec<_> = self.last_full_sync.iter().map(|(a, t)| (*a, *t)).collect();
        v.sort();
        v
    }

    /// Restores full-sync times saved with [`GovernanceSync::full_sync_times`].
    pub fn restore_full_sync_times(&mut self, times: impl IntoIterator<Item = (IpAddr, i64)>) {
        self.last_full_sync.extend(times);
    }
}
