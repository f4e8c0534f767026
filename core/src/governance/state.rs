//! Governance objects and votes as held by the client, store-agnostic
//! (`CGovernanceManager`, `CGovernanceObject::ProcessVote` in Dash Core).
//!
//! Every vote is held (so that it is not fetched again), each with its [`SignatureStatus`];
//! only [`SignatureStatus::Verified`] votes are counted. A vote can be decided once the
//! masternode list is known ([`GovernanceState::set_signers`]) and the object voted on is
//! held (its type decides the key); until then it is `Unverified`. Each new list re-decides
//! every vote whose masternode, key or object changed, and keeps the other verdicts.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::data::ObjectData;
use super::signers::{Signer, Signers};
use super::verify::{check_vote_fields, verify_trigger, verify_vote_signature, VoteError, VoteKey};
use crate::hash::Hash256;
use crate::wire::{GovObject, GovObjectType, GovObjectVote, VoteOutcome, VoteSignal};

/// Whether a signature has been checked (see [`super::verify`] for the rules, and
/// [`super::signers`] for which masternodes a light client can tell).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureStatus {
    /// Nothing to check (a proposal, authorised by its collateral transaction instead, which
    /// a light client cannot look up: Dash Core finds it through its transaction index).
    NotSigned,
    /// Signed, not decidable yet: no verified masternode list, the object voted on is not
    /// held, or the masternode cannot be found by its collateral outpoint. Never counted.
    Unverified,
    /// The signature verifies with the masternode's key in the current list.
    Verified,
    /// The signature (or a field Dash Core checks with it) is invalid. Never counted.
    Invalid,
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

/// Yes / no / abstain counts of one signal on one object: the newest verified vote of each
/// masternode, weighted as Dash Core weighs them (`CountMatchingVotes`: Evo masternodes 4,
/// regular ones 1). Unverified and invalid votes are not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Weight of `VOTE_OUTCOME_YES` votes.
    pub yes: u32,
    /// Weight of `VOTE_OUTCOME_NO` votes.
    pub no: u32,
    /// Weight of `VOTE_OUTCOME_ABSTAIN` votes.
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
        /// Its signature's status (a trigger's operator signature).
        signature: SignatureStatus,
    },
    /// Already held.
    Known,
}

/// What [`GovernanceState::add_vote`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteAdded {
    /// A verified vote, the first of its masternode on this object and signal: counted.
    New,
    /// A verified vote newer than its masternode's counted one on this object and signal,
    /// which it replaced.
    Replaced {
        /// The replaced vote's hash.
        previous: Hash256,
    },
    /// A verified vote, but its masternode has a newer one on this object and signal; held
    /// (so it is not fetched again), not counted.
    Obsolete,
    /// Held, not decidable yet (see [`SignatureStatus::Unverified`]).
    Unverified,
    /// Held as invalid, never counted.
    Invalid(VoteError),
    /// This exact vote is already held.
    Known,
}

/// What a verdict was reached with: it stands while these are unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Checked {
    masternode: Hash256,
    key: KeyUsed,
    weight: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyUsed {
    Voting([u8; 20]),
    Operator([u8; 48]),
}

#[derive(Debug, Clone)]
struct HeldVote {
    vote: GovObjectVote,
    status: SignatureStatus,
    checked: Option<Checked>,
}

/// The counted vote of one masternode on one object and signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Current {
    hash: Hash256,
    time: i64,
    outcome: VoteOutcome,
    weight: u32,
}

impl Current {
    /// Dash Core keeps the newest vote; of two with the same time the one with the greater
    /// outcome (`ProcessVote`: "same timestamp for the different outcome"). The hash breaks
    /// the last tie so that the result never depends on arrival order.
    fn rank(&self) -> (i64, i32, [u8; 32]) {
        (self.time, self.outcome.to_i32(), self.hash.to_byte_array())
    }
}

/// (object, masternode's ProRegTx hash, signal).
type VoterKey = (Hash256, Hash256, VoteSignal);

/// Governance objects by hash and votes by hash, with tallies of the verified votes. Votes
/// on objects not (yet) held are kept; they are decided once the object arrives.
#[derive(Debug, Clone, Default)]
pub struct GovernanceState {
    objects: HashMap<Hash256, StoredObject>,
    votes: HashMap<Hash256, HeldVote>,
    current: HashMap<VoterKey, Current>,
    by_object: HashMap<Hash256, HashSet<Hash256>>,
    signers: Option<Signers>,
}

impl GovernanceState {
    /// An empty state without a masternode list.
    pub fn new() -> Self {
        Self::default()
    }

    /// The masternodes signatures are checked against, once a list was given.
    pub fn signers(&self) -> Option<&Signers> {
        self.signers.as_ref()
    }

    /// Checks every held signature against `signers` (a newly verified masternode list, or
    /// new collaterals learned) at `adjusted_now` (Unix seconds), re-verifying only those
    /// whose masternode, key or object changed, and recounts. Returns the objects whose
    /// counted votes changed.
    pub fn set_signers(&mut self, signers: Signers, adjusted_now: i64) -> BTreeSet<Hash256> {
        self.signers = Some(signers);
        for hash in self.objects.keys().copied().collect::<Vec<_>>() {
            self.check_object(&hash);
        }
        let verdicts: Vec<(Hash256, SignatureStatus, Option<Checked>)> = self
            .votes
            .iter()
            .map(|(h, held)| {
                let (status, checked, _) = self.check_vote(held, adjusted_now);
                (*h, status, checked)
            })
            .collect();
        for (h, status, checked) in verdicts {
            if let Some(held) = self.votes.get_mut(&h) {
                held.status = status;
                held.checked = checked;
            }
        }
        self.recount()
    }

    fn check_object(&mut self, hash: &Hash256) {
        let Some(stored) = self.objects.get(hash) else { return };
        let status = object_status(&stored.object, self.signers.as_ref());
        if let Some(stored) = self.objects.get_mut(hash) {
            stored.signature = status;
        }
    }

    /// The verdict on `held` now; an earlier verdict reached with the same masternode, key
    /// and weight is kept without verifying again.
    fn check_vote(
        &self,
        held: &HeldVote,
        adjusted_now: i64,
    ) -> (SignatureStatus, Option<Checked>, Option<VoteError>) {
        let vote = &held.vote;
        if let Err(e) = check_vote_fields(vote, adjusted_now) {
            return (SignatureStatus::Invalid, None, Some(e));
        }
        let unverified = (SignatureStatus::Unverified, None, None);
        let Some(signers) = &self.signers else { return unverified };
        let Some(object) = self.objects.get(&vote.parent_hash) else { return unverified };
        let Some((signer, _)) = signers.resolve(&vote.masternode_outpoint) else {
            return unverified;
        };
        let key = VoteKey::for_vote(object.object.object_type, vote.signal);
        let checked = Checked {
            masternode: signer.pro_reg_tx_hash,
            key: key_used(signer, key),
            weight: signer.weight,
        };
        let decided = matches!(held.status, SignatureStatus::Verified | SignatureStatus::Invalid);
        if decided && held.checked == Some(checked) {
            return (held.status, held.checked, None);
        }
        if verify_vote_signature(vote, signer, key, signers.network()) {
            (SignatureStatus::Verified, Some(checked), None)
        } else {
            (SignatureStatus::Invalid, Some(checked), Some(VoteError::BadSignature(key)))
        }
    }

    /// Rebuilds the counted votes from the verified ones; returns the objects whose counted
    /// votes changed.
    fn recount(&mut self) -> BTreeSet<Hash256> {
        let mut current: HashMap<VoterKey, Current> = HashMap::new();
        for (hash, held) in &self.votes {
            let (SignatureStatus::Verified, Some(checked)) = (held.status, held.checked) else {
                continue;
            };
            let v = &held.vote;
            let candidate =
                Current { hash: *hash, time: v.time, outcome: v.outcome, weight: checked.weight };
            let key = (v.parent_hash, checked.masternode, v.signal);
            match current.get(&key) {
                Some(c) if c.rank() >= candidate.rank() => {}
                _ => {
                    current.insert(key, candidate);
                }
            }
        }
        let mut changed = BTreeSet::new();
        for (key, c) in &current {
            if self.current.get(key) != Some(c) {
                changed.insert(key.0);
            }
        }
        for key in self.current.keys() {
            if !current.contains_key(key) {
                changed.insert(key.0);
            }
        }
        self.current = current;
        changed
    }

    /// Adds an object (its data decoded, a trigger's signature checked if a list is known)
    /// and decides the votes held on it.
    pub fn add_object(&mut self, object: GovObject, adjusted_now: i64) -> ObjectAdded {
        let hash = object.hash();
        if self.objects.contains_key(&hash) {
            return ObjectAdded::Known;
        }
        let data = ObjectData::decode(object.object_type, &object.data);
        let invalid_data = data.is_invalid();
        let signature = object_status(&object, self.signers.as_ref());
        self.objects.insert(hash, StoredObject { hash, object, data, signature });
        let held: Vec<Hash256> = self.vote_hashes(&hash).copied().collect();
        if self.signers.is_some() && !held.is_empty() {
            for h in held {
                let verdict = self.votes.get(&h).map(|v| self.check_vote(v, adjusted_now));
                if let (Some((status, checked, _)), Some(v)) = (verdict, self.votes.get_mut(&h)) {
                    v.status = status;
                    v.checked = checked;
                }
            }
            self.recount();
        }
        ObjectAdded::New { hash, invalid_data, signature }
    }

    /// Adds a vote and decides it if it can (see the module documentation). Of a
    /// masternode's verified votes on an object and signal, the newest is counted.
    pub fn add_vote(&mut self, vote: GovObjectVote, adjusted_now: i64) -> VoteAdded {
        let hash = vote.hash();
        if self.votes.contains_key(&hash) {
            return VoteAdded::Known;
        }
        let mut held = HeldVote { vote, status: SignatureStatus::Unverified, checked: None };
        let (status, checked, error) = self.check_vote(&held, adjusted_now);
        held.status = status;
        held.checked = checked;
        let v = &held.vote;
        let (parent, signal, time, outcome) = (v.parent_hash, v.signal, v.time, v.outcome);
        self.by_object.entry(parent).or_default().insert(hash);
        self.votes.insert(hash, held);
        match (status, checked) {
            (SignatureStatus::Verified, Some(checked)) => {
                let new = Current { hash, time, outcome, weight: checked.weight };
                let key = (parent, checked.masternode, signal);
                match self.current.get(&key).copied() {
                    None => {
                        self.current.insert(key, new);
                        VoteAdded::New
                    }
                    Some(old) if old.rank() < new.rank() => {
                        self.current.insert(key, new);
                        VoteAdded::Replaced { previous: old.hash }
                    }
                    Some(_) => VoteAdded::Obsolete,
                }
            }
            (SignatureStatus::Invalid, _) => {
                VoteAdded::Invalid(error.unwrap_or(VoteError::BadSignature(VoteKey::Operator)))
            }
            _ => VoteAdded::Unverified,
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

    /// Whether the vote is held (whatever its status).
    pub fn has_vote(&self, hash: &Hash256) -> bool {
        self.votes.contains_key(hash)
    }

    /// The vote with this hash.
    pub fn vote(&self, hash: &Hash256) -> Option<&GovObjectVote> {
        self.votes.get(hash).map(|h| &h.vote)
    }

    /// The signature status of a held vote.
    pub fn vote_status(&self, hash: &Hash256) -> Option<SignatureStatus> {
        self.votes.get(hash).map(|h| h.status)
    }

    /// Whether a held vote is counted (the newest verified vote of its masternode on its
    /// object and signal).
    pub fn is_counted(&self, hash: &Hash256) -> bool {
        let Some(held) = self.votes.get(hash) else { return false };
        let Some(checked) = held.checked.filter(|_| held.status == SignatureStatus::Verified)
        else {
            return false;
        };
        let key = (held.vote.parent_hash, checked.masternode, held.vote.signal);
        self.current.get(&key).is_some_and(|c| c.hash == *hash)
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

    /// The hashes of every vote held on an object (whatever its status): what a vote sync's
    /// bloom filter must contain.
    pub fn vote_hashes(&self, object: &Hash256) -> impl Iterator<Item = &Hash256> {
        self.by_object.get(object).into_iter().flatten()
    }

    /// The counted votes on an object, by signal then time.
    pub fn current_votes(&self, object: &Hash256) -> Vec<&GovObjectVote> {
        let mut votes: Vec<&GovObjectVote> = self
            .vote_hashes(object)
            .filter(|h| self.is_counted(h))
            .filter_map(|h| self.vote(h))
            .collect();
        votes.sort_by_key(|v| (v.signal.to_i32(), v.time));
        votes
    }

    /// The weighted tally of one signal on an object (counted votes only).
    pub fn tally(&self, object: &Hash256, signal: VoteSignal) -> Tally {
        let mut tally = Tally::default();
        for c in self.current.iter().filter(|((o, _, s), _)| o == object && *s == signal) {
            let weight = c.1.weight;
            match c.1.outcome {
                VoteOutcome::Yes => tally.yes += weight,
                VoteOutcome::No => tally.no += weight,
                VoteOutcome::Abstain => tally.abstain += weight,
                _ => {}
            }
        }
        tally
    }

    /// Tallies of every signal with a counted vote on an object.
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
        let mut votes: Vec<GovObjectVote> = self.votes.values().map(|h| h.vote.clone()).collect();
        votes.sort_by_key(|v| (v.time, v.hash().to_byte_array()));
        (objects, votes)
    }

    /// A state rebuilt from a snapshot (or from any store's objects and votes): every
    /// signature unverified until [`GovernanceState::set_signers`].
    pub fn restore(objects: Vec<GovObject>, votes: Vec<GovObjectVote>) -> Self {
        let mut state = GovernanceState::new();
        for o in objects {
            state.add_object(o, i64::MAX);
        }
        for v in votes {
            state.add_vote(v, i64::MAX);
        }
        state
    }

    /// How many objects and votes are held.
    pub fn counts(&self) -> (usize, usize) {
        (self.objects.len(), self.votes.len())
    }
}

fn key_used(signer: &Signer, key: VoteKey) -> KeyUsed {
    match key {
        VoteKey::Voting => KeyUsed::Voting(signer.voting_key_id),
        VoteKey::Operator => KeyUsed::Operator(signer.operator_key),
    }
}

/// A proposal is authorised by its collateral, not signed; a trigger by its masternode's
/// operator (`IsValidLocally`), decidable once its masternode is found.
fn object_status(object: &GovObject, signers: Option<&Signers>) -> SignatureStatus {
    match object.object_type {
        GovObjectType::Proposal => SignatureStatus::NotSigned,
        GovObjectType::Trigger => {
            match signers.and_then(|s| s.resolve(&object.masternode_outpoint)) {
                Some((signer, _)) if verify_trigger(object, signer) => SignatureStatus::Verified,
                Some(_) => SignatureStatus::Invalid,
                None => SignatureStatus::Unverified,
            }
        }
        _ if object.signature.is_empty() && object.masternode_outpoint.is_null() => {
            SignatureStatus::NotSigned
        }
        _ => SignatureStatus::Unverified,
    }
}
