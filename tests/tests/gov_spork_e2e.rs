//! The spork and governance services end to end, as parts of dashlite's protocol state
//! machine ([`MachineClient`]) against a testkit node serving signed sporks, a recorded
//! proposal and votes on it. The machine itself routes the node's messages to both services
//! and starts the governance round once headers are synced.
//!
//! Time is real; every wait is bounded by [`GUARD`], which only stops a broken test from
//! hanging (nothing asserts on durations).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dashlite::governance::{GovernanceEvent, SignatureStatus, Tally};
use dashlite::hash::Hash256;
use dashlite::machine::Event;
use dashlite::network::Network;
use dashlite::p2p::{DisconnectReason, Misbehavior, Time};
use dashlite::spork::{SporkError, SporkEvent, SPORK_DEFAULT_VALUE};
use dashlite::wire::{Message, SporkId, VoteOutcome, VoteSignal};
use dashlite_testkit::governance::{capture_proposal, TestVoters};
use dashlite_testkit::harness::{MachineClient, MachineConfig, GUARD};
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::sporks::sign_spork;
use dashlite_testkit::{NodeConfig, SharedChain, TestNode};

fn now_ms() -> Time {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as Time)
}

/// Full (zero-hash) `govsync` requests the node received.
fn full_syncs(node: &TestNode) -> usize {
    node.peers()
        .into_iter()
        .flat_map(|p| node.received(p))
        .filter(|m| matches!(m, Message::GovSync(gs) if gs.prop_hash == Hash256::ZERO))
        .count()
}

fn spork_changed(id: SporkId) -> impl Fn(&Event) -> bool {
    move |e| matches!(e, Event::Spork(SporkEvent::Changed { id: i, value: 0, active: true, .. }) if *i == id)
}

#[test]
fn sporks_and_governance_sync_from_a_live_node() {
    let proposal = capture_proposal();
    let h = proposal.hash();
    // Five masternodes vote on funding, signed with their voting keys: three yes, one no,
    // one abstain.
    let voters = TestVoters::new(5);
    let outcomes = [VoteOutcome::Yes, VoteOutcome::Yes, VoteOutcome::Yes, VoteOutcome::No];
    let votes: Vec<_> = (0..5)
        .map(|i| {
            let outcome = outcomes.get(i).copied().unwrap_or(VoteOutcome::Abstain);
            voters.funding_vote(i, h, outcome, 1_795_000_000 + i as i64)
        })
        .collect();
    let chain = SharedChain::with_blocks(5);
    let config = NodeConfig {
        sporks: vec![(SporkId::InstantSendEnabled, 0), (SporkId::ChainLocksEnabled, 0)],
        governance: vec![proposal.clone()],
        votes: votes.clone(),
        ..NodeConfig::default()
    };
    let node = TestNode::start_with(&chain, config).expect("testkit node");
    let mut machine_config = MachineConfig::new(&[node.addr()]);
    machine_config.governance = true;
    let mut client = MachineClient::start(machine_config);
    let (peer, _) = client.wait_ready(node.addr());

    // Sporks: asked after the handshake, verified against the regtest spork key, reported.
    for id in [SporkId::InstantSendEnabled, SporkId::ChainLocksEnabled] {
        client.first("the spork", spork_changed(id));
    }
    assert!(node.count("getsporks") >= 1);
    let stored = client.with(|m| {
        let now = now_ms();
        for id in [SporkId::InstantSendEnabled, SporkId::ChainLocksEnabled] {
            assert!(m.sporks().is_active(id, now), "{id:?}");
        }
        m.sporks_mut().take_changes()
    });
    assert_eq!(stored.map(|s| s.len()), Some(2), "sporks to persist");

    // Governance, started once headers are synced: one full sync, the proposal, then its
    // votes; done.
    let done = client.first("the governance round", |e| {
        matches!(e, Event::Governance(GovernanceEvent::Done(_)))
    });
    let position = |want: fn(&Event) -> bool| client.seen.iter().position(want);
    let synced = position(|e| matches!(e, Event::Sync(dashlite::sync::SyncEvent::Synced { .. })));
    let asked =
        position(|e| matches!(e, Event::Governance(GovernanceEvent::FullSyncRequested { .. })));
    assert!(synced.is_some() && asked.is_some() && synced < asked, "governance after sync");
    assert_eq!(full_syncs(&node), 1);
    let Event::Governance(GovernanceEvent::Done(progress)) = done else { unreachable!() };
    assert_eq!((progress.objects_announced, progress.objects_received), (1, 1));
    assert_eq!((progress.votes_announced, progress.votes_received), (5, 5));
    let (list, detail, changes) = client.with(move |m| {
        let g = m.governance_mut().expect("governance enabled");
        (g.proposals(), g.proposal(&h), g.take_changes())
    });
    assert_eq!(list.len(), 1);
    let p = &list[0];
    assert_eq!(p.hash, h);
    let data = p.object.data.proposal().expect("the recorded proposal decodes");
    assert_eq!(data.name, "capture-proposal-7");
    assert_eq!(data.payment_amount_duffs, 42 * 100_000_000);
    // No masternode list yet: the votes are held, unverified, and not counted.
    assert_eq!(p.funding, Tally::default());
    assert_eq!(p.votes.unverified, 5);
    let detail = detail.expect("held");
    assert_eq!(detail.votes.len(), 5);
    assert!(detail.votes.iter().all(|v| !v.counted && v.signature == SignatureStatus::Unverified));
    // The verified list arrives: the held votes are checked with its voting keys and counted.
    let tip = client.with(|m| m.tree().tip().hash);
    let (p, detail) = client.with(move |m| {
        m.on_masternode_list(5, tip, &voters.list(tip), now_ms());
        let g = m.governance().expect("governance enabled");
        (g.proposals().remove(0), g.proposal(&h).expect("held"))
    });
    assert_eq!(p.funding, Tally { yes: 3, no: 1, abstain: 1 });
    assert_eq!(p.tallies.len(), 1);
    assert_eq!(p.tallies[&VoteSignal::Funding], p.funding);
    assert!(detail.votes.iter().all(|v| v.counted && v.signature == SignatureStatus::Verified));
    assert!(client.seen.iter().all(|e| !matches!(e, Event::Misbehaved { .. })));
    assert_eq!((changes.objects.len(), changes.votes.len()), (1, 5));
    assert!(changes.full_sync_times.is_some());

    // A second round within Dash Core's window: no second full sync, no penalty.
    client.with(|m| m.governance_mut().expect("governance enabled").start(now_ms()));
    client.wait("the deferral", |e| {
        matches!(e, Event::Governance(GovernanceEvent::FullSyncDeferred { .. }))
    });
    // Whatever the node does with a repeated request, it has had time to do it once a ping
    // round trip after the deferral has completed.
    let pongs = node.count("pong");
    let deadline = Instant::now() + GUARD;
    node.send_to_all(&Message::Ping(dashlite::wire::Ping { nonce: 7 }));
    while node.count("pong") == pongs {
        assert!(Instant::now() < deadline, "no pong");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(full_syncs(&node), 1, "the rate limit held");
    assert_eq!(node.score(node.peers()[0]), 0, "the node never scored us");

    // A spork signed with another key scores the peer 100: it is disconnected.
    let stranger = TestKey::from_seed("not the spork key");
    let time = (now_ms() / 1000) as i64 - 10;
    let forged =
        sign_spork(SporkId::ChainLocksEnabled, 1, time, &stranger.secret, Network::Regtest);
    node.send_to_all(&Message::Spork(forged));
    assert_eq!(client.wait_gone(node.addr()), DisconnectReason::Misbehaving(100));
    assert_eq!(client.misbehaviour_of(peer), [(Misbehavior::InvalidSpork, 100)]);
    assert!(client.seen.iter().any(|e| matches!(
        e,
        Event::Spork(SporkEvent::Rejected { peer: p, error: SporkError::UnknownSigner { .. } })
            if *p == peer
    )));
    let value = client.with(|m| m.sporks().value(SporkId::ChainLocksEnabled));
    assert_eq!(value, Some(0), "still the signed value");
    assert_ne!(value, Some(SPORK_DEFAULT_VALUE));
    client.stop();
}
