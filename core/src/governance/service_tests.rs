//! The governance service driven with messages: the shared vectors' proposals, votes on
//! them, and a stand-in peer that answers `govsync`/`getdata` the way Dash Core does
//! (`ssc` then `inv`; votes whose hash is in the request's filter are left out).

use super::test_keys::{list_of, TestMasternode};
use super::tests::{vector_objects, vote};
use super::*;
use crate::bloom::BloomFilter;
use crate::hash::Hash256;
use crate::network::Network;
use crate::p2p::{Misbehavior, PeerCommand, PeerId, PeerInfo, SECOND};
use crate::store::{Batch, GovernanceRecords};
use crate::wire::{
    GetData, GovObject, GovObjectVote, GovSync, Inv, InvType, Inventory, Message, NotFound,
    SyncItem, SyncStatusCount, VoteOutcome, VoteSignal,
};

const NOW: u64 = 1_721_400_000 * SECOND;
const A: PeerId = PeerId(1);
const B: PeerId = PeerId(2);

fn info(ip: [u8; 4]) -> PeerInfo {
    PeerInfo {
        addr: (ip, 19899).into(),
        version: 70240,
        services: 5,
        user_agent: "/Dash Core:23.1.2/".into(),
        start_height: 0,
        headers2: true,
        wants_addrv2: false,
    }
}

/// What a Dash Core peer holds and how it answers.
struct StandInPeer {
    objects: Vec<GovObject>,
    votes: Vec<GovObjectVote>,
    full_syncs: u32,
}

/// Penalties the service gave while [`pump`] ran.
type Punished = Vec<(PeerId, Misbehavior)>;

impl StandInPeer {
    fn answer(&mut self, message: &Message) -> Vec<Message> {
        match message {
            Message::GovSync(gs) if gs.prop_hash == Hash256::ZERO => {
                self.full_syncs += 1;
                let inv: Vec<Inventory> = self
                    .objects
                    .iter()
                    .map(|o| Inventory::new(InvType::GovernanceObject, o.hash()))
                    .collect();
                let ssc = SyncStatusCount { item: SyncItem::GovObj, count: inv.len() as i32 };
                vec![Message::SyncStatusCount(ssc), Message::Inv(Inv::new(inv))]
            }
            Message::GovSync(gs) => {
                let f = &gs.filter;
                let filter =
                    BloomFilter::from_parts(f.data.clone(), f.hash_funcs, f.tweak, f.flags)
                        .unwrap();
                let inv: Vec<Inventory> = self
                    .votes
                    .iter()
                    .filter(|v| v.parent_hash == gs.prop_hash && !filter.contains(v.hash()))
                    .map(|v| Inventory::new(InvType::GovernanceObjectVote, v.hash()))
                    .collect();
                let ssc = SyncStatusCount { item: SyncItem::GovObjVote, count: inv.len() as i32 };
                let mut out = vec![Message::SyncStatusCount(ssc)];
                if !inv.is_empty() {
                    out.push(Message::Inv(Inv::new(inv)));
                }
                out
            }
            Message::GetData(gd) => gd
                .inventory
                .iter()
                .map(|i| {
                    let o = self.objects.iter().find(|o| o.hash() == i.hash());
                    let v = self.votes.iter().find(|v| v.hash() == i.hash());
                    match (o, v) {
                        (Some(o), _) => Message::GovObject(o.clone()),
                        (_, Some(v)) => Message::GovObjectVote(v.clone()),
                        _ => Message::NotFound(NotFound::new(vec![*i])),
                    }
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Runs the service against `peer` (as peer `A`) until nothing more is sent; returns every
/// message the service sent and every event.
fn pump(
    s: &mut GovernanceService,
    peer: &mut StandInPeer,
    now: u64,
) -> (Vec<Message>, Vec<GovernanceEvent>) {
    pump_scored(s, peer, now, &mut Vec::new())
}

/// [`pump`], recording the penalties.
fn pump_scored(
    s: &mut GovernanceService,
    peer: &mut StandInPeer,
    now: u64,
    punished: &mut Punished,
) -> (Vec<Message>, Vec<GovernanceEvent>) {
    let (mut sent, mut events) = (Vec::new(), Vec::new());
    for _ in 0..1000 {
        let commands = s.drain_commands();
        events.extend(s.drain_events());
        if commands.is_empty() {
            return (sent, events);
        }
        for c in commands {
            if let PeerCommand::Misbehaving { peer, what } = c {
                punished.push((peer, what));
                continue;
            }
            let PeerCommand::Send { peer: to, message } = c else { panic!("{c:?}") };
            assert_eq!(to, A);
            for answer in peer.answer(&message) {
                s.on_message(A, &answer, now);
            }
            sent.push(message);
        }
    }
    panic!("the service never went quiet");
}

fn proposals() -> Vec<GovObject> {
    vector_objects().into_iter().map(|(_, o)| o).collect()
}

/// Masternodes 1 to 3 regular, 4 Evo.
fn masternodes() -> Vec<TestMasternode> {
    (1..=4).map(|i| TestMasternode::new(i, i == 4)).collect()
}

fn the_list() -> crate::masternode::MasternodeList {
    let mns = masternodes();
    list_of(&mns.iter().collect::<Vec<_>>())
}

/// Votes signed by [`masternodes`] (funding with the voting key, delete with the operator's).
fn votes_on(objects: &[GovObject]) -> Vec<GovObjectVote> {
    let (p0, p1) = (objects[0].hash(), objects[1].hash());
    let mns = masternodes();
    let funding = |i: usize, p, outcome, time| {
        mns[i].sign_voting(mns[i].vote(p, VoteSignal::Funding, outcome, time), Network::Regtest)
    };
    vec![
        funding(0, p0, VoteOutcome::Yes, 1_721_300_000),
        funding(1, p0, VoteOutcome::Yes, 1_721_300_000),
        funding(2, p0, VoteOutcome::No, 1_721_300_000),
        funding(3, p0, VoteOutcome::Abstain, 1_721_300_000),
        mns[0].sign_operator(mns[0].vote(p0, VoteSignal::Delete, VoteOutcome::No, 1_721_300_000)),
        // Masternode 3 changes its mind later: only the newer vote counts.
        funding(2, p0, VoteOutcome::Yes, 1_721_300_500),
        funding(0, p1, VoteOutcome::No, 1_721_300_000),
    ]
}

fn commands_named(sent: &[Message], name: &str) -> usize {
    sent.iter().filter(|m| m.command_name() == name).count()
}

#[test]
fn nothing_is_asked_before_start() {
    let mut s = GovernanceService::new(Network::Regtest);
    s.on_peer_ready(A, &info([10, 0, 0, 1]), NOW);
    let objects = proposals();
    let inv = Inv::new(vec![Inventory::new(InvType::GovernanceObject, objects[0].hash())]);
    s.on_message(A, &Message::Inv(inv), NOW);
    assert!(s.drain_commands().is_empty());
    assert!(!s.is_syncing());
}

#[test]
fn full_sync_fetches_objects_then_votes_with_tallies_and_progress() {
    let objects = proposals();
    let votes = votes_on(&objects);
    let mut peer = StandInPeer { objects: objects.clone(), votes: votes.clone(), full_syncs: 0 };
    let mut s = GovernanceService::new(Network::Regtest);
    s.on_peer_ready(A, &info([10, 0, 0, 1]), NOW);
    s.start(NOW);
    let first = s.drain_commands();
    assert_eq!(
        first,
        [PeerCommand::Send { peer: A, message: Message::GovSync(GovSync::default()) }],
        "one full sync: zero hash, empty filter"
    );
    for answer in peer.answer(&Message::GovSync(GovSync::default())) {
        s.on_message(A, &answer, NOW);
    }
    let (sent, events) = pump(&mut s, &mut peer, NOW);
    assert_eq!(peer.full_syncs, 1);
    // Vote syncs: one per object, each with a non-empty filter, never more than the bound
    // in flight (the stand-in answers at once, so the bound is not reached here).
    let vote_syncs: Vec<&GovSync> = sent
        .iter()
        .filter_map(|m| match m {
            Message::GovSync(gs) => Some(gs),
            _ => None,
        })
        .collect();
    assert_eq!(vote_syncs.len(), objects.len());
    assert!(vote_syncs
        .iter()
        .all(|gs| gs.prop_hash != Hash256::ZERO && !gs.filter.data.is_empty()));

    let added = events.iter().filter(|e| matches!(e, GovernanceEvent::ObjectAdded { .. })).count();
    assert_eq!(added, 3);
    let done = events.iter().find_map(|e| match e {
        GovernanceEvent::Done(p) => Some(*p),
        _ => None,
    });
    let progress = done.expect("the round is done");
    assert_eq!(progress.objects_announced, 3);
    assert_eq!(progress.objects_received, 3);
    assert_eq!(progress.votes_announced, votes.len() as u64);
    assert_eq!(progress.votes_received, votes.len() as u64);
    assert_eq!((progress.vote_syncs_sent, progress.vote_syncs_answered), (3, 3));
    assert!(!s.is_syncing());

    // No masternode list yet: every vote held, none decided, nothing counted.
    assert!(!events.iter().any(|e| matches!(e, GovernanceEvent::VotesChanged { .. })));
    let detail = s.proposal(&objects[0].hash()).unwrap();
    assert_eq!(detail.votes.len(), 6);
    assert!(detail.votes.iter().all(|v| v.signature == SignatureStatus::Unverified && !v.counted));
    assert_eq!(s.proposals()[0].funding, Tally::default());

    // The list arrives: the held votes are checked, and both objects' tallies change.
    s.on_masternode_list(&the_list(), NOW);
    let changed: Vec<Hash256> = s
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            GovernanceEvent::VotesChanged { object } => Some(object),
            _ => None,
        })
        .collect();
    let mut want = vec![objects[0].hash(), objects[1].hash()];
    want.sort();
    assert_eq!(changed, want);
    assert!(s.drain_commands().is_empty(), "nothing to punish");

    // Funding on the first proposal: yes 3 (1, 2 and 3's newer vote), abstain 4 (Evo).
    let list = s.proposals();
    assert_eq!(list.len(), 3);
    let first = list.iter().find(|p| p.hash == objects[0].hash()).unwrap();
    assert_eq!(first.funding, Tally { yes: 3, no: 0, abstain: 4 });
    assert_eq!(first.tallies[&VoteSignal::Delete], Tally { yes: 0, no: 1, abstain: 0 });
    assert!(first.object.data.proposal().is_some(), "old-format JSON decoded");
    let detail = s.proposal(&objects[0].hash()).unwrap();
    assert_eq!(detail.votes.iter().filter(|v| v.counted).count(), 5);
    assert!(detail.votes.iter().all(|v| v.signature == SignatureStatus::Verified));
    let second = list.iter().find(|p| p.hash == objects[1].hash()).unwrap();
    assert_eq!(second.funding, Tally { yes: 0, no: 1, abstain: 0 });

    // Everything is handed out for storage once, with the full-sync time.
    let changes = s.take_changes();
    assert_eq!((changes.objects.len(), changes.votes.len()), (3, votes.len()));
    let times = changes.full_sync_times.clone().expect("the full sync is recorded");
    assert_eq!(times, [("10.0.0.1".parse().unwrap(), (NOW / SECOND) as i64)]);
    assert!(s.take_changes().is_empty());
    let mut batch = Batch::default();
    changes.clone().apply_to(&mut batch);
    assert_eq!(batch.gov_objects.len(), 3);
    assert_eq!(batch.gov_full_sync_times, Some(times.clone()));

    // A restored service holds the same and does not ask the same address early.
    let records = GovernanceRecords {
        objects: changes.objects,
        votes: changes.votes,
        full_sync_times: times,
    };
    let mut back = GovernanceService::restore(Network::Regtest, records);
    back.on_masternode_list(&the_list(), NOW);
    assert_eq!(back.proposals(), s.proposals());
    back.drain_events();
    back.on_peer_ready(A, &info([10, 0, 0, 1]), NOW + 60 * SECOND);
    back.start(NOW + 60 * SECOND);
    let deferred = back.drain_events();
    assert!(
        deferred.iter().any(|e| matches!(e, GovernanceEvent::FullSyncDeferred { not_before }
            if *not_before == (NOW / SECOND) as i64 + 5 * 60 + 60)),
        "{deferred:?}"
    );
    assert!(!deferred.iter().any(|e| matches!(e, GovernanceEvent::HeldVotesSynced(_))));
    let (sent, events) = pump(&mut back, &mut peer, NOW + 60 * SECOND);
    assert_eq!(peer.full_syncs, 1, "no second full sync within the window");
    // The held objects' votes are still refreshed, and nothing new is fetched.
    assert_eq!(commands_named(&sent, "govsync"), 3);
    assert_eq!(commands_named(&sent, "getdata"), 0);
    // Once they are answered the deferred round says so, once, and goes on waiting.
    let synced: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            GovernanceEvent::HeldVotesSynced(p) => Some(*p),
            _ => None,
        })
        .collect();
    assert_eq!(synced.len(), 1, "{events:?}");
    assert_eq!((synced[0].vote_syncs_sent, synced[0].vote_syncs_answered), (3, 3));
    assert!(!events.iter().any(|e| matches!(e, GovernanceEvent::Done(_))));
    assert!(back.is_syncing());
    back.on_tick(NOW + 61 * SECOND);
    assert!(back.drain_events().iter().all(|e| !matches!(e, GovernanceEvent::HeldVotesSynced(_))));
}

#[test]
fn a_second_round_within_the_window_sends_no_full_sync_until_it_passes() {
    let objects = proposals();
    let mut peer = StandInPeer { objects: objects.clone(), votes: Vec::new(), full_syncs: 0 };
    let mut s = GovernanceService::new(Network::Regtest);
    s.on_peer_ready(A, &info([10, 0, 0, 1]), NOW);
    s.start(NOW);
    for answer in peer.answer(&Message::GovSync(GovSync::default())) {
        s.on_message(A, &answer, NOW);
    }
    pump(&mut s, &mut peer, NOW);
    assert!(!s.is_syncing());
    // Another peer at the same address: still inside the window.
    s.on_peer_ready(B, &info([10, 0, 0, 1]), NOW);
    let later = NOW + 60 * SECOND;
    s.start(later);
    assert!(s.drain_commands().iter().all(|c| !matches!(c,
        PeerCommand::Send { message: Message::GovSync(gs), .. } if gs.prop_hash == Hash256::ZERO)));
    // Once window + margin has passed, the tick asks again.
    let allowed = NOW + (5 * 60 + 60) * SECOND;
    s.on_tick(allowed - SECOND);
    assert!(!s.drain_commands().iter().any(|c| matches!(c,
        PeerCommand::Send { message: Message::GovSync(gs), .. } if gs.prop_hash == Hash256::ZERO)));
    s.on_tick(allowed);
    assert!(s.drain_commands().iter().any(|c| matches!(c,
        PeerCommand::Send { message: Message::GovSync(gs), .. } if gs.prop_hash == Hash256::ZERO)));
}

#[test]
fn vote_syncs_in_flight_are_bounded_and_answered_in_order() {
    // Ten objects (the vector object with different times).
    let base = proposals().remove(2);
    let objects: Vec<GovObject> =
        (0..10).map(|i| GovObject { time: base.time + i, ..base.clone() }).collect();
    let mut s = GovernanceService::new(Network::Regtest);
    s.on_peer_ready(A, &info([10, 0, 0, 1]), NOW);
    s.start(NOW);
    s.drain_commands();
    let inv: Vec<Inventory> =
        objects.iter().map(|o| Inventory::new(InvType::GovernanceObject, o.hash())).collect();
    s.on_message(
        A,
        &Message::SyncStatusCount(SyncStatusCount { item: SyncItem::GovObj, count: 10 }),
        NOW,
    );
    s.on_message(A, &Message::Inv(Inv::new(inv.clone())), NOW);
    assert_eq!(
        s.drain_commands(),
        [PeerCommand::Send { peer: A, message: Message::GetData(GetData::new(inv)) }]
    );
    for o in &objects {
        s.on_message(A, &Message::GovObject(o.clone()), NOW);
    }
    let syncs = s.drain_commands();
    assert_eq!(syncs.len(), MAX_VOTE_SYNCS_IN_FLIGHT);
    assert_eq!(s.requests_in_flight(), (0, MAX_VOTE_SYNCS_IN_FLIGHT));
    let empty = SyncStatusCount { item: SyncItem::GovObjVote, count: 0 };
    s.on_message(A, &Message::SyncStatusCount(empty), NOW);
    assert_eq!(s.drain_commands().len(), 1, "one answer frees one slot");
    // Unanswered vote syncs expire and free their slots.
    s.on_tick(NOW + GOVERNANCE_REQUEST_TIMEOUT);
    assert_eq!(s.drain_commands().len(), MAX_VOTE_SYNCS_IN_FLIGHT);
}

#[test]
fn unrequested_objects_and_votes_are_dropped() {
    let objects = proposals();
    let mut s = GovernanceService::new(Network::Regtest);
    s.on_peer_ready(A, &info([10, 0, 0, 1]), NOW);
    s.start(NOW);
    s.on_message(A, &Message::GovObject(objects[0].clone()), NOW);
    let v = vote(1, objects[0].hash(), VoteSignal::Funding, VoteOutcome::Yes, 1_721_300_000);
    s.on_message(A, &Message::GovObjectVote(v), NOW);
    assert_eq!(s.state().counts(), (0, 0));
    assert!(s.take_changes().objects.is_empty());
}

#[test]
fn bad_json_proposal_is_kept_raw_and_flagged() {
    let mut obj = proposals().remove(2);
    obj.data = b"{\"name\": \"broken\"".to_vec();
    let mut peer = StandInPeer { objects: vec![obj.clone()], votes: Vec::new(), full_syncs: 0 };
    let mut s = GovernanceService::new(Network::Regtest);
    s.on_peer_ready(A, &info([10, 0, 0, 1]), NOW);
    s.start(NOW);
    let (_, events) = pump(&mut s, &mut peer, NOW);
    assert!(events.contains(&GovernanceEvent::ObjectAdded {
        hash: obj.hash(),
        object_type: obj.object_type,
        invalid_data: true,
    }));
    let p = &s.proposals()[0];
    assert!(p.object.data.is_invalid());
    assert_eq!(p.object.object.data, obj.data);
}

#[test]
fn votes_too_far_in_the_future_are_dropped() {
    let objects = proposals();
    let now_s = (NOW / SECOND) as i64;
    let ok = vote(1, objects[0].hash(), VoteSignal::Funding, VoteOutcome::Yes, now_s + 3600);
    let bad = vote(2, objects[0].hash(), VoteSignal::Funding, VoteOutcome::Yes, now_s + 3601);
    let mut peer = StandInPeer {
        objects: vec![objects[0].clone()],
        votes: vec![ok.clone(), bad.clone()],
        full_syncs: 0,
    };
    let mut s = GovernanceService::new(Network::Regtest);
    s.on_peer_ready(A, &info([10, 0, 0, 1]), NOW);
    s.start(NOW);
    pump(&mut s, &mut peer, NOW);
    assert!(s.state().has_vote(&ok.hash()));
    assert!(!s.state().has_vote(&bad.hash()));
}

#[test]
fn a_full_sync_peer_that_leaves_is_replaced_by_another_address() {
    let mut s = GovernanceService::new(Network::Regtest);
    s.on_peer_ready(A, &info([10, 0, 0, 1]), NOW);
    s.on_peer_ready(B, &info([10, 0, 0, 2]), NOW);
    s.start(NOW);
    let full = Message::GovSync(GovSync::default());
    assert_eq!(s.drain_commands(), [PeerCommand::Send { peer: A, message: full.clone() }]);
    s.on_peer_gone(A);
    s.on_tick(NOW + SECOND);
    assert_eq!(s.drain_commands(), [PeerCommand::Send { peer: B, message: full }]);
    // The ssc of a peer not asked is not counted.
    s.on_message(
        A,
        &Message::SyncStatusCount(SyncStatusCount { item: SyncItem::GovObj, count: 9 }),
        NOW,
    );
    assert_eq!(s.progress().objects_announced, 0);
}

#[test]
fn the_round_waits_for_the_vote_invs_that_follow_their_ssc() {
    let objects = proposals();
    let mut s = GovernanceService::new(Network::Regtest);
    s.on_peer_ready(A, &info([10, 0, 0, 1]), NOW);
    s.start(NOW);
    let one = vec![Inventory::new(InvType::GovernanceObject, objects[0].hash())];
    s.on_message(
        A,
        &Message::SyncStatusCount(SyncStatusCount { item: SyncItem::GovObj, count: 1 }),
        NOW,
    );
    s.on_message(A, &Message::Inv(Inv::new(one)), NOW);
    s.on_message(A, &Message::GovObject(objects[0].clone()), NOW);
    s.drain_commands();
    s.drain_events();
    // The vote sync's answer: `ssc(11, 1)` first, the inv after it.
    let ssc = SyncStatusCount { item: SyncItem::GovObjVote, count: 1 };
    s.on_message(A, &Message::SyncStatusCount(ssc), NOW);
    assert!(s.is_syncing(), "not done before the announced vote's inv");
    let v = vote(1, objects[0].hash(), VoteSignal::Funding, VoteOutcome::Yes, 1_721_300_000);
    let inv = vec![Inventory::new(InvType::GovernanceObjectVote, v.hash())];
    s.on_message(A, &Message::Inv(Inv::new(inv.clone())), NOW);
    assert_eq!(
        s.drain_commands(),
        [PeerCommand::Send { peer: A, message: Message::GetData(GetData::new(inv)) }]
    );
    assert!(s.is_syncing());
    s.on_message(A, &Message::GovObjectVote(v), NOW);
    assert!(!s.is_syncing());
    let events = s.drain_events();
    assert!(events.iter().any(|e| matches!(e, GovernanceEvent::Done(p) if p.votes_received == 1)));
}

#[test]
fn a_vote_inv_that_never_comes_ends_the_round_after_the_timeout() {
    let objects = proposals();
    let mut s = GovernanceService::new(Network::Regtest);
    s.on_peer_ready(A, &info([10, 0, 0, 1]), NOW);
    s.start(NOW);
    let one = vec![Inventory::new(InvType::GovernanceObject, objects[0].hash())];
    s.on_message(
        A,
        &Message::SyncStatusCount(SyncStatusCount { item: SyncItem::GovObj, count: 1 }),
        NOW,
    );
    s.on_message(A, &Message::Inv(Inv::new(one)), NOW);
    s.on_message(A, &Message::GovObject(objects[0].clone()), NOW);
    let ssc = SyncStatusCount { item: SyncItem::GovObjVote, count: 3 };
    s.on_message(A, &Message::SyncStatusCount(ssc), NOW);
    s.on_tick(NOW + FULL_SYNC_TIMEOUT - 1);
    assert!(s.is_syncing());
    s.on_tick(NOW + FULL_SYNC_TIMEOUT);
    assert!(!s.is_syncing());
}

#[test]
fn objects_beyond_the_cap_are_not_fetched() {
    let base = proposals().remove(0);
    let asked_for = |s: &mut GovernanceService, item: Inventory| {
        s.on_message(A, &Message::Inv(Inv::new(vec![item])), NOW);
        s.drain_commands().iter().any(|c| {
            matches!(c, PeerCommand::Send { message: Message::GetData(g), .. } if g.inventory.contains(&item))
        })
    };
    let fresh = GovObject { time: base.time + 1, ..base.clone() };
    let item = Inventory::new(InvType::GovernanceObject, fresh.hash());
    // Below the cap an announced object is fetched.
    let mut s = GovernanceService::new(Network::Regtest);
    s.on_peer_ready(A, &info([10, 0, 0, 1]), NOW);
    s.start(NOW);
    s.drain_commands();
    assert!(asked_for(&mut s, item));
    // At the cap it is not, and an object delivered anyway is not kept.
    let held: Vec<GovObject> = (0..MAX_GOVERNANCE_OBJECTS as i64)
        .map(|i| GovObject { time: base.time + 10 + i, ..base.clone() })
        .collect();
    let records = GovernanceRecords { objects: held, ..GovernanceRecords::default() };
    let mut s = GovernanceService::restore(Network::Regtest, records);
    assert_eq!(s.state().counts().0, MAX_GOVERNANCE_OBJECTS);
    s.on_peer_ready(A, &info([10, 0, 0, 1]), NOW);
    s.start(NOW);
    s.drain_commands();
    assert!(!asked_for(&mut s, item));
    s.on_message(A, &Message::GovObject(fresh), NOW);
    assert_eq!(s.state().counts().0, MAX_GOVERNANCE_OBJECTS);
}

#[test]
fn an_invalid_vote_is_held_uncounted_and_scored_only_once_a_list_is_held() {
    let objects = proposals();
    let p = objects[0].hash();
    let mns = masternodes();
    let good = mns[0].sign_voting(
        mns[0].vote(p, VoteSignal::Funding, VoteOutcome::Yes, 1_721_300_000),
        Network::Regtest,
    );
    // Masternode 2's collateral, signed with masternode 1's key.
    let mut forged = mns[1].vote(p, VoteSignal::Funding, VoteOutcome::No, 1_721_300_000);
    forged.signature = good.signature.clone();
    for with_list in [false, true] {
        let mut peer = StandInPeer {
            objects: vec![objects[0].clone()],
            votes: vec![good.clone(), forged.clone()],
            full_syncs: 0,
        };
        let mut s = GovernanceService::new(Network::Regtest);
        if with_list {
            s.on_masternode_list(&the_list(), NOW);
        }
        s.on_peer_ready(A, &info([10, 0, 0, 1]), NOW);
        s.start(NOW);
        let mut punished = Vec::new();
        pump_scored(&mut s, &mut peer, NOW, &mut punished);
        if !with_list {
            assert!(punished.is_empty(), "Dash Core scores governance only once synced");
            s.on_masternode_list(&the_list(), NOW);
            assert!(s.drain_commands().is_empty(), "a re-check scores nobody");
        } else {
            assert_eq!(punished, [(A, Misbehavior::InvalidGovernanceVote)]);
            assert_eq!(Misbehavior::InvalidGovernanceVote.score(), 20);
        }
        let status = |v: &GovObjectVote| s.state().vote_status(&v.hash());
        assert_eq!(status(&good), Some(SignatureStatus::Verified));
        assert_eq!(status(&forged), Some(SignatureStatus::Invalid));
        assert_eq!(s.proposals()[0].hash, p);
        let tally = s.proposal(&p).unwrap().summary.funding;
        assert_eq!(tally, Tally { yes: 1, no: 0, abstain: 0 });
    }
}
