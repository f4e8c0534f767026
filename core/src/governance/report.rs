//! What the governance service reports: events, the counts of a sync round, the changes to
//! persist, and proposals with their tallies and votes.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::state::{GovernanceState, SignatureStatus, StoredObject, Tally};
use crate::hash::Hash256;
use crate::p2p::PeerId;
use crate::store::Batch;
use crate::wire::{GovObject, GovObjectType, GovObjectVote, VoteSignal};

/// Counts of a sync round: what the peers announced (`ssc`) against what arrived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GovernanceProgress {
    /// Objects the full-sync peer announced (`ssc(10, n)`).
    pub objects_announced: u64,
    /// New objects received.
    pub objects_received: u64,
    /// Votes announced by vote syncs (sum of `ssc(11, n)`).
    pub votes_announced: u64,
    /// New votes received (counted or not).
    pub votes_received: u64,
    /// Vote syncs sent.
    pub vote_syncs_sent: u32,
    /// Vote syncs answered.
    pub vote_syncs_answered: u32,
}

/// What the governance service reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GovernanceEvent {
    /// The full sync (every object) was asked of `peer`.
    FullSyncRequested {
        /// The peer.
        peer: PeerId,
    },
    /// No ready peer may be asked for a full sync before `not_before` (Unix seconds): Dash
    /// Core scores a repeat within its window. Held objects' votes are still synced.
    FullSyncDeferred {
        /// The first time one of the ready peers may be asked.
        not_before: i64,
    },
    /// The round's counts changed (reported at most once per [`super::GovernanceService::drain_events`]).
    Progress(GovernanceProgress),
    /// A new object was stored (a proposal or a trigger); `invalid_data` when its data did
    /// not decode (kept raw and flagged).
    ObjectAdded {
        /// Its hash.
        hash: Hash256,
        /// Its type.
        object_type: GovObjectType,
        /// Whether its data failed to decode.
        invalid_data: bool,
    },
    /// The counted votes of an object changed (its tallies may have).
    VotesChanged {
        /// The object.
        object: Hash256,
    },
    /// The round finished: every object's votes were asked and answered.
    Done(GovernanceProgress),
    /// While the full sync is deferred ([`GovernanceEvent::FullSyncDeferred`]), the votes of
    /// every object held were asked and answered: what is held is as current as the rate
    /// limit allows. The round goes on and asks for the full sync once allowed (then ends
    /// with [`GovernanceEvent::Done`]).
    HeldVotesSynced(GovernanceProgress),
}

/// What to persist since the last [`super::GovernanceService::take_changes`], shaped for
/// [`crate::store::Batch`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GovernanceChanges {
    /// New objects (`Batch::gov_objects`).
    pub objects: Vec<GovObject>,
    /// New votes, counted or superseded (`Batch::gov_votes`).
    pub votes: Vec<GovObjectVote>,
    /// Every full-sync time, when one changed (`Batch::gov_full_sync_times`).
    pub full_sync_times: Option<Vec<(IpAddr, i64)>>,
}

impl GovernanceChanges {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.votes.is_empty() && self.full_sync_times.is_none()
    }

    /// Moves the changes into `batch` (appending objects and votes, replacing the times).
    pub fn apply_to(self, batch: &mut Batch) {
        batch.gov_objects.extend(self.objects);
        batch.gov_votes.extend(self.votes);
        if self.full_sync_times.is_some() {
            batch.gov_full_sync_times = self.full_sync_times;
        }
    }
}

/// A proposal with its tallies: weighted (Evo masternodes 4, regular 1), counting only the
/// newest verified vote of each masternode per signal.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalSummary {
    /// Its hash (inventory type 17).
    pub hash: Hash256,
    /// The object, its decoded data (or the decode error, raw bytes kept) and signature status.
    pub object: StoredObject,
    /// The funding tally (`VOTE_SIGNAL_FUNDING`).
    pub funding: Tally,
    /// The tally of every signal with a counted vote.
    pub tallies: BTreeMap<VoteSignal, Tally>,
    /// The votes held on it by signature status: only verified ones can count.
    pub votes: VoteStatusCounts,
}

/// How many votes held on an object are in each [`SignatureStatus`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VoteStatusCounts {
    /// Verified (counted if the newest of their masternode and signal).
    pub verified: u32,
    /// Not decidable yet (no list, or the masternode cannot be found by its collateral).
    pub unverified: u32,
    /// Invalid, never counted.
    pub invalid: u32,
}

/// A vote as held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteRecord {
    /// Its hash (inventory type 18).
    pub hash: Hash256,
    /// The vote.
    pub vote: GovObjectVote,
    /// Whether it counts: verified, and the newest verified vote of its masternode on this
    /// object and signal.
    pub counted: bool,
    /// Whether its signature was checked, and how it fared.
    pub signature: SignatureStatus,
}

/// A proposal with every vote held on it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalDetail {
    /// The proposal and its tallies.
    pub summary: ProposalSummary,
    /// Its votes, oldest first.
    pub votes: Vec<VoteRecord>,
}

/// `object` with its tallies.
pub(super) fn summary(state: &GovernanceState, object: &StoredObject) -> ProposalSummary {
    let tallies: BTreeMap<VoteSignal, Tally> = state
        .tallies(&object.hash)
        .into_iter()
        .map(|(s, t)| (VoteSignal::from_i32(s), t))
        .collect();
    let mut votes = VoteStatusCounts::default();
    for status in state.vote_hashes(&object.hash).filter_map(|h| state.vote_status(h)) {
        match status {
            SignatureStatus::Verified => votes.verified += 1,
            SignatureStatus::Invalid => votes.invalid += 1,
            _ => votes.unverified += 1,
        }
    }
    ProposalSummary {
        hash: object.hash,
        object: object.clone(),
        funding: tallies.get(&VoteSignal::Funding).copied().unwrap_or_default(),
        tallies,
        votes,
    }
}

/// The object `hash` with every vote held on it, oldest first.
pub(super) fn detail(state: &GovernanceState, hash: &Hash256) -> Option<ProposalDetail> {
    let object = state.object(hash)?;
    let mut votes: Vec<VoteRecord> = state
        .vote_hashes(hash)
        .filter_map(|h| Some((*h, state.vote(h)?, state.vote_status(h)?)))
        .map(|(h, vote, signature)| VoteRecord {
            hash: h,
            vote: vote.clone(),
            counted: state.is_counted(&h),
            signature,
        })
        .collect();
    votes.sort_by_key(|v| (v.vote.time, v.hash.to_byte_array()));
    Some(ProposalDetail { summary: summary(state, object), votes })
}
