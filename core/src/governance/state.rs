//! Governance objects and votes as held by the client, store-agnostic
//! (`CGovernanceManager`, `CGovernanceObject::ProcessVote` in Dash Core).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::data::ObjectData;
use crate::hash::Hash256;
use crate::tx::OutPoint;
use crate::wire::{GovObject, GovObjectType, GovObjectVote, VoteOutcome, VoteSignal};

/// Whether a signature has been checked. Proposals carry none (their collateral pays for
/// them); triggers and votes are signed by masternode keys, which need the masternode list
/// and BLS: until those are wired in, they stay [`SignatureStatus::Unverified`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureStatus {
    /// Nothing to check (a proposal, authorised by its collateral transaction instead).
    NotSigned,
    /// Signed, not yet checked.
    Unverified,
}

/// A governance object with its hash and decoded data.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredObject {
    /// The object hash (inventory type 17).
    pub hash: Hash256,
    /// The object as received.
    pub object: GovObject,
    /// Its data, decoded (or flagged invalid; the raw bytes stay in `object.data`).
    pub data: ObjectData,
    /// Whether its signature was checked.
    pub signature: SignatureStatus,
}

/// Yes / no / abstain counts of one signal on one object: one vote per masternode (Dash Core
/// weighs evo masternodes 4, which needs the masternode list).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// `VOTE_OUTCOME_YES` votes.
    pub yes: u32,
    /// `VOTE_OUTCOME_NO` votes.
    pub no: u32,
    /// `VOTE_OUTCOME_ABSTAIN` votes.
    pub abstain: u32,
}

impl Tally {
    /// Yes minus no (`GetAbsoluteYesCount`).
    pub fn absolute_yes(&self) -> i64 {
        i64::from(self.yes) - i64::from(self.no)
    }
}

/// What [`GovernanceState::add_object`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectAdded {
    /// A new object; `invalid_data` when its data did not decode (kept and flagged).
    New {
        /// Its hash.
        hash: Hash256,
        /// Whether its data failed to decode.
        invalid_data: bool,
    },
    /// Already held.
    Known,
}

/// What [`GovernanceState::add_vote`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteAdded {
    /// The first vote of this masternode on this object and signal.
    New,
    /// A newer vote of the same masternode, object and signal replaced an older one.
    Replaced {
        /// The replaced vote's hash.
        previous: Hash256,
    },
    /// The masternode has a vote at least as new on this object and signal; kept as known
    /// (so it is not fetched again) but not counted.
    Obsolete,
    /// This exact vote is already held.
    Known,
}

/// The current vote of one masternode on one object and signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Current {
    hash: Hash256,
    time: i64,
    outcome: VoteOutcome,
}

type VoterKey = (Hash256, OutPoint, VoteSignal);

/// Governance objects by hash and votes by hash, with tallies. Votes on objects not (yet)
/// held are kept; they count once the object arrives.
#[derive(Debug, Clone, Default)]
pub struct GovernanceState {
    objects: HashMap<Hash256, StoredObject>,
    votes: HashMap<Hash256, GovObjectVote>,
    current: HashMap<VoterKey, Current>,
    by_object: HashMap<Hash256, HashSet<Hash256>>,
}

impl GovernanceState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an object (its data decoded, its signature marked unverified if it has one).
    pub fn add_object(&mut self, object: GovObject) -> ObjectAdded {
        let hash = object.hash();
        if self.objects.contains_key(&hash) {
            return ObjectAdded::Known;
        }
        let data = ObjectData::decode(object.object_type, &object.data);
        let invalid_data = data.is_invalid();
        let signature = if object.signature.is_empty() && object.masternode_outpoint.is_null() {
            SignatureStatus::NotSigned
        } else {
            SignatureStatus::Unverified
        };
        self.objects.insert(hash, StoredObject { hash, object, data, signature });
        ObjectAdded::New { hash, invalid_data }
    }

    /// Adds a vote: the newest vote of a masternode (by collateral outpoint) on an object and
    /// signal wins; an equal or older one is kept as known but not counted. Vote signatures
    /// are unverified (they need the masternode list and BLS).
    pub fn add_vote(&mut self, vote: GovObjectVote) -> VoteAdded {
        let hash = vote.hash();
        if self.votes.contains_key(&hash) {
            return VoteAdded::Known;
        }
        let key = (vote.parent_hash, vote.masternode_outpoint, vote.signal);
        let new = Current { hash, time: vote.time, outcome: vote.outcome };
        self.by_object.entry(vote.parent_hash).or_default().insert(hash);
        self.votes.insert(hash, vote);
        match self.current.get(&key).copied() {
            None => {
                self.current.insert(key, new);
                VoteAdded::New
            }
            Some(old) if old.time < new.time => {
                self.current.insert(key, new);
                VoteAdded::Replaced { previous: old.hash }
            }
            Some(_) => VoteAdded::Obsolete,
        }
    }

    /// The object with this hash.
    pub fn object(&self, hash: &Hash256) -> Option<&StoredObject> {
        self.objects.get(hash)
    }

    /// Whether the object is held.
    pub fn has_object(&self, hash: &Hash256) -> bool {
        self.objects.contains_key(hash)
    }

    /// Whether the vote is held (counted or obsolete).
    pub fn has_vote(&self, hash: &Hash256) -> bool {
        self.votes.contains_key(hash)
    }

    /// The vote with this hash.
    pub fn vote(&self, hash: &Hash256) -> Option<&GovObjectVote> {
        self.votes.get(hash)
    }

    /// Every object, in no particular order.
    pub fn objects(&self) -> impl Iterator<Item = &StoredObject> {
        self.objects.values()
    }

    /// The proposals, sorted by hash.
    pub fn proposals(&self) -> Vec<&StoredObject> {
        let mut list: Vec<_> = self
            .objects
            .values()
            .filter(|o| o.object.object_type == GovObjectType::Proposal)
            .collect();
        list.sort_by_key(|o| o.hash.to_byte_array());
        list
    }

    /// The hashes of every vote held on an object (counted or not): what a vote sync's
    /// bloom filter must contain.
    pub fn vote_hashes(&self, object: &Hash256) -> impl Iterator<Item = &Hash256> {
        self.by_object.get(object).into_iter().flatten()
    }

    /// The counted (newest per masternode and signal) votes on an object.
    pub fn current_votes(&self, object: &Hash256) -> Vec<&GovObjectVote> {
        let mut votes: Vec<&GovObjectVote> = self
            .vote_hashes(object)
            .filter_map(|h| self.votes.get(h))
            .filter(|v| {
                let key = (v.parent_hash, v.masternode_outpoint, v.signal);
                self.current.get(&key).is_some_and(|c| c.hash == v.hash())
            })
            .collect();
        votes.sort_by_key(|v| (v.signal.to_i32(), v.time));
        votes
    }

    /// The tally of one signal on an object.
    pub fn tally(&self, object: &Hash256, signal: VoteSignal) -> Tally {
        let mut tally = Tally::default();
        for c in self.current.iter().filter(|((o, _, s), _)| o == object && *s == signal) {
            match c.1.outcome {
                VoteOutcome::Yes => tally.yes += 1,
                VoteOutcome::No => tally.no += 1,
                VoteOutcome::Abstain => tally.abstain += 1,
                _ => {}
            }
        }
        tally
    }

    /// Tallies of every signal voted on for an object.
    pub fn tallies(&self, object: &Hash256) -> BTreeMap<i32, Tally> {
        let signals: HashSet<VoteSignal> =
            self.current.keys().filter(|(o, _, _)| o == object).map(|(_, _, s)| *s).collect();
        signals.into_iter().map(|s| (s.to_i32(), self.tally(object, s))).collect()
    }

    /// Everything held, as plain data to persist (wire-encode each item); give it back to
    /// [`GovernanceState::restore`].
    pub fn snapshot(&self) -> (Vec<GovObject>, Vec<GovObjectVote>) {
        let mut objects: Vec<GovObject> = self.objects.values().map(|o| o.object.clone()).collect();
        objects.sort_by_key(|o| o.hash().to_byte_array());
        let mut votes: Vec<GovObjectVote> = self.votes.values().cloned().collect();
        votes.sort_by_key(|v| (v.time, v.hash().to_byte_array()));
        (objects, votes)
    }

    /// A state rebuilt from a snapshot (or from any store's objects and votes).
    pub fn restore(objects: Vec<GovObject>, votes: Vec<GovObjectVote>) -> Self {
        let mut state = GovernanceState::new();
        for o in objects {
            state.add_object(o);
        }
        for v in votes {
            state.add_vote(v);
        }
        state
    }

    /// How many objects and votes are held.
    pub fn counts(&self) -> (usize, usize) {
        (self.objects.len(), self.votes.len())
    }
}
