//! The governance service: a sans-IO state machine the client drives next to the sync engine
//! (Dash Core's client side of `CGovernanceManager`, `src/governance/governance.cpp`).
//!
//! A sync round starts when the client calls [`GovernanceService::start`] (once headers are
//! synced: Dash Core ignores `govsync` until it is synced itself):
//! 1. ONE peer is asked for every object (`govsync`, zero hash, empty filter) if
//!    [`GovernanceSync`]'s rate limit allows its address; otherwise the round waits
//!    ([`GovernanceEvent::FullSyncDeferred`]) and works on the objects already held.
//! 2. The peer answers `ssc(10, n)` and an `inv` of its objects (type 17); those not held are
//!    fetched with `getdata`. The object step ends when `n` objects were announced and none is
//!    still being fetched (or nothing moved for [`FULL_SYNC_TIMEOUT`]).
//! 3. Per object, a vote sync (`govsync` with its hash and a bloom filter of the votes held),
//!    at most [`MAX_VOTE_SYNCS_IN_FLIGHT`] awaiting their `ssc(11, n)`; announced votes
//!    (type 18) are fetched with `getdata`.
//! 4. When every object's votes were asked and answered (the `ssc(11)` counts and the vote
//!    invs after them, which Dash Core sends second) and nothing is being fetched, the round
//!    is [`GovernanceEvent::Done`]. While the full sync is deferred, step 3 runs on the
//!    objects held and its end is [`GovernanceEvent::HeldVotesSynced`].
//!
//! Objects and votes arrive only as answers to our `getdata` (Dash Core drops unrequested
//! ones too, `AcceptMessage`).
//!
//! Signatures are checked against the masternode list each verified list brings
//! ([`GovernanceService::on_masternode_list`], see [`super::verify`] and [`super::signers`]):
//! until the first list, every trigger and vote is [`Unverified`] and nothing is counted;
//! each list re-decides the held votes. A vote or trigger that fails is held as [`Invalid`]
//! (so it is not fetched again), never counted, and its sender is scored as Dash Core scores
//! it ([`Misbehavior::InvalidGovernanceVote`],
//! [`Misbehavior::InvalidGovernanceObject`]) once a list is held.
//!
//! [`Unverified`]: super::SignatureStatus::Unverified
//! [`Invalid`]: super::SignatureStatus::Invalid

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::IpAddr;

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

use super::report::{
    detail, summary, GovernanceChanges, GovernanceEvent, GovernanceProgress, ProposalDetail,
    ProposalSummary,
};
use super::signers::Signers;
use super::state::GovernanceState;
use super::sync::GovernanceSync;
use crate::hash::Hash256;
use crate::masternode::MasternodeList;
use crate::network::Network;
use crate::p2p::{Misbehavior, PeerCommand, PeerId, PeerInfo, Time, SECOND};
use crate::store::GovernanceRecords;
use crate::tx::{OutPoint, Transaction};
use crate::wire::{GovObject, GovObjectVote, InvType, Inventory, Message};

mod inbound;

/// Vote syncs sent to the peer and not yet answered by their `ssc(11, n)` (client bound).
pub const MAX_VOTE_SYNCS_IN_FLIGHT: usize = 4;
/// Objects and votes asked for with `getdata` and not yet received (client bound; entries
/// announced beyond it are not asked for, a later announcement or vote sync brings them).
pub const MAX_GOVERNANCE_FETCHES: usize = 50_000;
/// Most governance objects held (client bound: mainnet has a few hundred; a peer announcing
/// more cannot make the client grow without limit).
pub const MAX_GOVERNANCE_OBJECTS: usize = 20_000;
/// Most votes held (client bound: about 3,500 masternodes voting on the live proposals stay
/// well below it).
pub const MAX_GOVERNANCE_VOTES: usize = 500_000;
/// How long a `getdata` entry or a vote sync is waited for (client rule).
pub const GOVERNANCE_REQUEST_TIMEOUT: Time = 60 * SECOND;
/// How long the object step of a full sync may go without progress (no `ssc`, no object)
/// before it is ended (after an `ssc`) or handed to another peer (before one).
pub const FULL_SYNC_TIMEOUT: Time = 60 * SECOND;
/// Most collaterals learned from ProRegTxs (client bound: one per masternode, about 3,500
/// on mainnet).
pub const MAX_LEARNED_COLLATERALS: usize = 50_000;

#[derive(Debug, Clone, Copy, Default)]
struct VoteInvs {
    expected: u64,
    seen: u64,
    last_progress: Time,
}

impl VoteInvs {
    fn complete(&self, now: Time) -> bool {
        self.seen >= self.expected || now >= self.last_progress.saturating_add(FULL_SYNC_TIMEOUT)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FullSync {
    /// Not asked yet (no peer, or every ready peer rate-limited). `reported`: the deferral
    /// last reported; `held_votes_synced`: [`GovernanceEvent::HeldVotesSynced`] was reported
    /// and no vote sync was sent since.
    Pending { reported: Option<i64>, held_votes_synced: bool },
    /// Asked of `peer`; `count` from its `ssc(10)`, `announced` object invs seen since.
    Asked { peer: PeerId, count: Option<u64>, announced: u64, last_progress: Time },
    /// The object step is over.
    Done,
}

/// Governance objects and votes synced from peers. See the module documentation.
#[derive(Debug, Clone)]
pub struct GovernanceService {
    network: Network,
    state: GovernanceState,
    sync: GovernanceSync,
    peers: BTreeMap<PeerId, IpAddr>,
    started: bool,
    round: Option<FullSync>,
    vote_peer: Option<PeerId>,
    /// Vote syncs sent to `vote_peer`, oldest first, awaiting their `ssc(11)`.
    vote_syncs: VecDeque<(Hash256, Time)>,
    /// Votes `vote_peer` announced by `ssc(11)` and vote invs seen from it since: Dash Core
    /// sends the `ssc` before the `inv`, so a round is not over until the invs are in.
    vote_invs: VoteInvs,
    fetching: HashMap<Inventory, (PeerId, Time)>,
    progress: GovernanceProgress,
    progress_changed: bool,
    votes_changed: BTreeSet<Hash256>,
    new_objects: Vec<GovObject>,
    new_votes: Vec<GovObjectVote>,
    times_changed: bool,
    /// Collateral outpoints learned from ProRegTxs, by ProRegTx hash: kept across lists.
    collaterals: HashMap<Hash256, OutPoint>,
    /// Draws the `govsync` filter tweaks.
    rng: StdRng,
    commands: Vec<PeerCommand>,
    events: Vec<GovernanceEvent>,
}

impl GovernanceService {
    /// A service holding nothing, for `network`; `govsync` filter tweaks come from the
    /// operating system's random number generator.
    pub fn new(network: Network) -> Self {
        GovernanceService {
            network,
            state: GovernanceState::new(),
            sync: GovernanceSync::new(network),
            peers: BTreeMap::new(),
            started: false,
            round: None,
            vote_peer: None,
            vote_syncs: VecDeque::new(),
            vote_invs: VoteInvs::default(),
            fetching: HashMap::new(),
            progress: GovernanceProgress::default(),
            progress_changed: false,
            votes_changed: BTreeSet::new(),
            new_objects: Vec::new(),
            new_votes: Vec::new(),
            times_changed: false,
            collaterals: HashMap::new(),
            rng: StdRng::from_os_rng(),
            commands: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Draws the `govsync` filter tweaks from `seed` instead of the operating system's
    /// random number generator, for reproducible runs.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.rng = StdRng::seed_from_u64(seed);
        self
    }

    /// A service holding the stored objects, votes and full-sync times
    /// (`ClientState::governance`).
    pub fn restore(network: Network, records: GovernanceRecords) -> Self {
        let mut service = GovernanceService::new(network);
        service.state = GovernanceState::restore(records.objects, records.votes);
        service.sync.restore_full_sync_times(records.full_sync_times);
        service
    }

    /// The network.
    pub fn network(&self) -> Network {
        self.network
    }

    /// A verified masternode list arrived (the one at the chain tip): every held trigger and
    /// vote is decided again with its keys (verdicts whose masternode, key and object are
    /// unchanged are kept), and the tallies recounted. Reports
    /// [`GovernanceEvent::VotesChanged`] for each object whose counted votes changed.
    pub fn on_masternode_list(&mut self, list: &MasternodeList, now: Time) {
        let mut signers = Signers::new(self.network, list);
        for (pro_reg_tx_hash, collateral) in &self.collaterals {
            signers.learn_collateral(*pro_reg_tx_hash, *collateral);
        }
        let changed = self.state.set_signers(signers, seconds(now));
        self.votes_changed.extend(changed);
    }

    /// Learns a masternode's collateral outpoint from its ProRegTx (a transaction the wallet
    /// or a merkle block brought): votes and triggers naming that collateral become
    /// decidable. Returns whether `tx` was a ProRegTx.
    pub fn learn_pro_reg_tx(&mut self, tx: &Transaction, now: Time) -> bool {
        let Some((pro_reg_tx_hash, collateral)) = super::signers::pro_reg_collateral(tx) else {
            return false;
        };
        if self.collaterals.get(&pro_reg_tx_hash) == Some(&collateral) {
            return true;
        }
        if self.collaterals.len() >= MAX_LEARNED_COLLATERALS
            && !self.collaterals.contains_key(&pro_reg_tx_hash)
        {
            return true;
        }
        self.collaterals.insert(pro_reg_tx_hash, collateral);
        if let Some(mut signers) = self.state.signers().cloned() {
            signers.learn_collateral(pro_reg_tx_hash, collateral);
            let changed = self.state.set_signers(signers, seconds(now));
            self.votes_changed.extend(changed);
        }
        true
    }

    /// Whether a verified masternode list is held (signatures can be decided).
    pub fn has_masternode_list(&self) -> bool {
        self.state.signers().is_some()
    }

    fn punish(&mut self, peer: PeerId, what: Misbehavior) {
        // Dash Core scores governance faults only once it is synced itself.
        if self.has_masternode_list() {
            self.commands.push(PeerCommand::Misbehaving { peer, what });
        }
    }

    /// Starts a sync round (the client calls it once headers are synced; calling it while a
    /// round runs does nothing, after one finished starts another, still rate-limited).
    pub fn start(&mut self, now: Time) {
        self.started = true;
        if self.round.is_none() {
            self.round = Some(FullSync::Pending { reported: None, held_votes_synced: false });
            self.progress = GovernanceProgress::default();
            self.progress_changed = true;
        }
        self.advance(now);
    }

    /// Whether a round is running.
    pub fn is_syncing(&self) -> bool {
        self.round.is_some()
    }

    /// A peer finished its handshake.
    pub fn on_peer_ready(&mut self, peer: PeerId, info: &PeerInfo, now: Time) {
        self.peers.insert(peer, info.addr.ip());
        self.advance(now);
    }

    /// A peer is gone: its requests are dropped; if it was the full-sync peer before the
    /// object step ended, another peer is asked on the next tick (if the rate limit allows).
    pub fn on_peer_gone(&mut self, peer: PeerId) {
        self.peers.remove(&peer);
        let sync = &mut self.sync;
        self.fetching.retain(|item, (p, _)| {
            let keep = *p != peer;
            if !keep {
                sync.on_received(item);
            }
            keep
        });
        if self.vote_peer == Some(peer) {
            self.vote_peer = None;
            self.vote_syncs.clear();
            self.vote_invs = VoteInvs::default();
        }
        if let Some(FullSync::Asked { peer: p, .. }) = self.round {
            if p == peer {
                self.round = Some(FullSync::Pending { reported: None, held_votes_synced: false });
            }
        }
    }

    /// Time passes: unanswered requests expire, a rate-limited full sync is retried.
    pub fn on_tick(&mut self, now: Time) {
        let expired = |at: &Time| now >= at.saturating_add(GOVERNANCE_REQUEST_TIMEOUT);
        let sync = &mut self.sync;
        self.fetching.retain(|item, (_, at)| {
            let keep = !expired(at);
            if !keep {
                sync.on_received(item);
            }
            keep
        });
        while self.vote_syncs.front().is_some_and(|(_, at)| expired(at)) {
            self.vote_syncs.pop_front();
        }
        self.advance(now);
    }

    fn advance(&mut self, now: Time) {
        let now_s = seconds(now);
        let Some(mut full) = self.round else { return };
        match &mut full {
            FullSync::Pending { reported, .. } => {
                let allowed = self
                    .peers
                    .iter()
                    .find(|(_, ip)| self.sync.full_sync_not_before(**ip) <= now_s)
                    .map(|(p, ip)| (*p, *ip));
                if let Some((peer, ip)) = allowed {
                    if let Ok(request) = self.sync.full_sync(ip, now_s) {
                        self.times_changed = true;
                        let message = Message::GovSync(request);
                        self.commands.push(PeerCommand::Send { peer, message });
                        self.events.push(GovernanceEvent::FullSyncRequested { peer });
                        full =
                            FullSync::Asked { peer, count: None, announced: 0, last_progress: now };
                    }
                } else if let Some(not_before) =
                    self.peers.values().map(|ip| self.sync.full_sync_not_before(*ip)).min()
                {
                    if *reported != Some(not_before) {
                        *reported = Some(not_before);
                        self.events.push(GovernanceEvent::FullSyncDeferred { not_before });
                    }
                }
            }
            FullSync::Asked { peer, count, announced, last_progress } => {
                let peer = *peer;
                let fetching_objects = self.fetching.iter().any(|(item, (p, _))| {
                    *p == peer && item.inv_type() == InvType::GovernanceObject
                });
                let complete = count.is_some_and(|n| *announced >= n) && !fetching_objects;
                let stuck = now >= last_progress.saturating_add(FULL_SYNC_TIMEOUT);
                if complete || (stuck && count.is_some()) {
                    full = FullSync::Done;
                    if self.vote_peer.is_none() {
                        self.vote_peer = Some(peer);
                        self.vote_invs = VoteInvs::default();
                    }
                } else if stuck {
                    log::info!("{peer}: no answer to the full governance sync");
                    full = FullSync::Pending { reported: None, held_votes_synced: false };
                }
            }
            FullSync::Done => {}
        }
        self.round = Some(full);
        if matches!(full, FullSync::Asked { .. }) {
            return;
        }
        if !self.vote_peer.is_some_and(|p| self.peers.contains_key(&p)) {
            self.vote_peer = self.peers.keys().next().copied();
            self.vote_syncs.clear();
            self.vote_invs = VoteInvs::default();
        }
        let Some(peer) = self.vote_peer else { return };
        let ip = self.peers[&peer];
        let room = MAX_VOTE_SYNCS_IN_FLIGHT.saturating_sub(self.vote_syncs.len());
        let rng = &mut self.rng;
        let syncs = self.sync.next_vote_syncs(&self.state, ip, now_s, room, || rng.next_u32());
        let none_due = syncs.is_empty();
        for request in syncs {
            self.vote_syncs.push_back((request.prop_hash, now));
            self.progress.vote_syncs_sent += 1;
            self.progress_changed = true;
            self.commands.push(PeerCommand::Send { peer, message: Message::GovSync(request) });
        }
        let votes_synced = none_due
            && self.vote_syncs.is_empty()
            && self.fetching.is_empty()
            && self.vote_invs.complete(now);
        match &mut full {
            FullSync::Done if votes_synced => {
                self.round = None;
                self.events.push(GovernanceEvent::Done(self.progress));
            }
            FullSync::Pending { reported: Some(_), held_votes_synced } => {
                if !none_due {
                    *held_votes_synced = false;
                } else if votes_synced && !*held_votes_synced {
                    *held_votes_synced = true;
                    self.events.push(GovernanceEvent::HeldVotesSynced(self.progress));
                }
                self.round = Some(full);
            }
            _ => {}
        }
    }

    /// The commands for the node (`Send`), in order.
    pub fn drain_commands(&mut self) -> Vec<PeerCommand> {
        std::mem::take(&mut self.commands)
    }

    /// The events since the last call: in order, then one [`GovernanceEvent::VotesChanged`]
    /// per object whose votes changed and one [`GovernanceEvent::Progress`] if the counts
    /// moved (a `Done` already carries them).
    pub fn drain_events(&mut self) -> Vec<GovernanceEvent> {
        let mut events = std::mem::take(&mut self.events);
        let done = events.iter().any(|e| matches!(e, GovernanceEvent::Done(_)));
        let changed = std::mem::take(&mut self.votes_changed);
        events.extend(changed.into_iter().map(|object| GovernanceEvent::VotesChanged { object }));
        if std::mem::take(&mut self.progress_changed) && !done {
            events.push(GovernanceEvent::Progress(self.progress));
        }
        events
    }

    /// What to persist since the last call.
    pub fn take_changes(&mut self) -> GovernanceChanges {
        GovernanceChanges {
            objects: std::mem::take(&mut self.new_objects),
            votes: std::mem::take(&mut self.new_votes),
            full_sync_times: std::mem::take(&mut self.times_changed)
                .then(|| self.sync.full_sync_times()),
        }
    }

    /// The current round's counts (or the last round's).
    pub fn progress(&self) -> GovernanceProgress {
        self.progress
    }

    /// Every proposal with its tallies, sorted by hash.
    pub fn proposals(&self) -> Vec<ProposalSummary> {
        self.state.proposals().into_iter().map(|o| summary(&self.state, o)).collect()
    }

    /// One proposal (or any object) with every vote held on it.
    pub fn proposal(&self, hash: &Hash256) -> Option<ProposalDetail> {
        detail(&self.state, hash)
    }

    /// Everything held.
    pub fn state(&self) -> &GovernanceState {
        &self.state
    }

    /// The first time (Unix seconds) a full sync may be asked of `ip`.
    pub fn full_sync_not_before(&self, ip: IpAddr) -> i64 {
        self.sync.full_sync_not_before(ip)
    }

    /// `getdata` entries in flight and vote syncs awaiting their answer.
    pub fn requests_in_flight(&self) -> (usize, usize) {
        (self.fetching.len(), self.vote_syncs.len())
    }
}

/// [`Time`] in Unix seconds.
fn seconds(now: Time) -> i64 {
    i64::try_from(now / SECOND).unwrap_or(i64::MAX)
}
