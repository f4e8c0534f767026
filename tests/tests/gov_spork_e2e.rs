//! The spork and governance services end to end, as parts of dashlite's protocol state
//! machine ([`MachineClient`]) against a testkit node serving signed sporks, a recorded
//! proposal and votes on it. The machine itself routes the node's messages to both services
//! and starts the governance round once headers are synced.
//!
//! Time is real; every wait is bounded by [`GUARD`], which only stops a broken test from
//! hanging (nothing asserts on durations).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dashlite::encode::Encode;
use dashlite::governance::{GovernanceEvent, SignatureStatus, Tally, VoteStatusCounts};
use dashlite::hash::{BlockHash, Hash256, Txid};
use dashlite::machine::Event;
use dashlite::network::Network;
use dashlite::p2p::{DisconnectReason, Misbehavior, Time};
use dashlite::spork::{SporkError, SporkEvent, SPORK_DEFAULT_VALUE};
use dashlite::tx::{
    tx_type, NetInfo, OutPoint, ProRegTx, Script, Transaction, TxIn, TxOut, MN_TYPE_REGULAR,
};
use dashlite::wire::{Message, SporkId, VoteOutcome, VoteSignal};
use dashlite_testkit::governance::{capture_proposal, voter_list, TestVoter};
use dashlite_testkit::harness::{MachineClient, MachineConfig, GUARD};
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::sporks::sign_spork;
use dashlite_testkit::{BlockSpec, NodeConfig, SharedChain, TestNode};

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
    // Four masternodes of the list vote on funding with their voting keys (the Evo one yes,
    // weight 4; then yes, no, abstain); one votes "valid" with its operator key. Two votes do
    // not count: one names a listed masternode but is signed with another's key, one comes
    // from a masternode the list does not hold.
    let voters: Vec<_> = (0..5).map(|i| TestVoter::new(i, i == 0)).collect();
    let stranger = TestVoter::new(9, false);
    let t = 1_795_000_000;
    let funding = |v: &TestVoter, outcome, time| {
        v.sign_voting(v.vote(h, VoteSignal::Funding, outcome, time), Network::Regtest)
    };
    let votes = vec![
        funding(&voters[0], VoteOutcome::Yes, t),
        funding(&voters[1], VoteOutcome::Yes, t + 1),
        funding(&voters[2], VoteOutcome::No, t + 2),
        funding(&voters[3], VoteOutcome::Abstain, t + 3),
        voters[4].sign_operator(voters[4].vote(h, VoteSignal::Valid, VoteOutcome::Yes, t + 4)),
        voters[3].sign_voting(
            voters[4].vote(h, VoteSignal::Funding, VoteOutcome::No, t + 5),
            Network::Regtest,
        ),
        funding(&stranger, VoteOutcome::No, t + 6),
    ];
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
    assert_eq!((progress.votes_announced, progress.votes_received), (7, 7));
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
    assert!(p.tallies.is_empty());
    assert_eq!(p.votes, VoteStatusCounts { verified: 0, unverified: 7, invalid: 0 });
    let detail = detail.expect("held");
    assert_eq!(detail.votes.len(), 7);
    assert!(detail.votes.iter().all(|v| !v.counted && v.signature == SignatureStatus::Unverified));

    // The verified list arrives: the held votes are checked with its keys, both kinds.
    client.drain();
    let tip = client.with(|m| m.tree().tip().hash);
    let list = voter_list(tip, &voters);
    let (p, detail) = client.with(move |m| {
        m.on_masternode_list(5, tip, &list, now_ms());
        let g = m.governance().expect("governance enabled");
        (g.proposals().remove(0), g.proposal(&h).expect("held"))
    });
    client.wait("the recount", |e| {
        matches!(e, Event::Governance(GovernanceEvent::VotesChanged { object }) if *object == h)
    });
    assert_eq!(p.funding, Tally { yes: 4 + 1, no: 1, abstain: 1 });
    assert_eq!(p.tallies.len(), 2);
    assert_eq!(p.tallies[&VoteSignal::Funding], p.funding);
    assert_eq!(p.tallies[&VoteSignal::Valid], Tally { yes: 1, no: 0, abstain: 0 });
    assert_eq!(p.votes, VoteStatusCounts { verified: 5, unverified: 1, invalid: 1 });
    let status = |i: usize| {
        let v = detail.votes.iter().find(|r| r.vote == votes[i]).expect("held");
        (v.signature, v.counted)
    };
    for i in 0..5 {
        assert_eq!(status(i), (SignatureStatus::Verified, true), "vote {i}");
    }
    assert_eq!(status(5), (SignatureStatus::Invalid, false), "signed with another key");
    assert_eq!(status(6), (SignatureStatus::Unverified, false), "not in the list");
    // Refused while unsynced, re-decided later: Dash Core scores neither.
    assert!(client.seen.iter().all(|e| !matches!(e, Event::Misbehaved { .. })));
    assert_eq!((changes.objects.len(), changes.votes.len()), (1, 7));
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

#[test]
fn a_vote_signed_with_the_wrong_key_scores_its_sender_once_the_list_is_held() {
    let proposal = capture_proposal();
    let h = proposal.hash();
    let voters: Vec<_> = (0..2).map(|i| TestVoter::new(i, false)).collect();
    let t = 1_795_000_000;
    let honest = voters[0]
        .sign_voting(voters[0].vote(h, VoteSignal::Funding, VoteOutcome::Yes, t), Network::Regtest);
    // Masternode 1's vote signed with masternode 0's voting key.
    let forged = voters[0]
        .sign_voting(voters[1].vote(h, VoteSignal::Funding, VoteOutcome::No, t), Network::Regtest);
    // An operator-signed funding vote: a proposal's funding needs the voting key.
    let wrong_kind =
        voters[1].sign_operator(voters[1].vote(h, VoteSignal::Funding, VoteOutcome::No, t + 1));
    let chain = SharedChain::with_blocks(5);
    let config = NodeConfig {
        governance: vec![proposal],
        votes: vec![honest.clone(), forged.clone(), wrong_kind.clone()],
        ..NodeConfig::default()
    };
    let node = TestNode::start_with(&chain, config).expect("testkit node");
    let mut machine_config = MachineConfig::new(&[node.addr()]);
    machine_config.governance = true;
    let mut client = MachineClient::start(machine_config);
    // The list is held before any vote arrives (the round starts once headers are synced).
    let list = voter_list(chain.tip(), &voters);
    let tip = chain.tip();
    let before = client.with(move |m| {
        m.on_masternode_list(5, tip, &list, now_ms());
        m.governance().expect("governance enabled").progress().votes_received
    });
    assert_eq!(before, 0, "the list must come first for this test");
    let (peer, _) = client.wait_ready(node.addr());
    client.first("the governance round", |e| {
        matches!(e, Event::Governance(GovernanceEvent::Done(_)))
    });
    let (p, detail) = client.with(move |m| {
        let g = m.governance().expect("governance enabled");
        (g.proposals().remove(0), g.proposal(&h).expect("held"))
    });
    assert_eq!(p.funding, Tally { yes: 1, no: 0, abstain: 0 });
    assert_eq!(p.votes, VoteStatusCounts { verified: 1, unverified: 0, invalid: 2 });
    for bad in [&forged, &wrong_kind] {
        let v = detail.votes.iter().find(|r| r.vote == *bad).expect("held, not fetched again");
        assert_eq!((v.signature, v.counted), (SignatureStatus::Invalid, false));
    }
    // 20 per invalid vote (`GOVERNANCE_EXCEPTION_PERMANENT_ERROR`): scored, still connected.
    assert_eq!(
        client.misbehaviour_of(peer),
        [(Misbehavior::InvalidGovernanceVote, 20), (Misbehavior::InvalidGovernanceVote, 40)]
    );
    assert!(client.disconnects_of(node.addr()).is_empty());
    client.stop();
}

/// A ProRegTx of `voter` naming the external collateral `collateral`, paying its owner
/// `owner` (so a wallet watching `owner` sees it), with `voter`'s txid set to its hash.
fn pro_reg_tx(voter: &mut TestVoter, collateral: OutPoint, owner: &TestKey) -> Transaction {
    let keys = voter.entry(BlockHash::ZERO);
    let payload = ProRegTx {
        version: 2,
        mn_type: MN_TYPE_REGULAR,
        mode: 0,
        collateral_outpoint: collateral,
        net_info: NetInfo::EMPTY_LEGACY,
        key_id_owner: owner.key_id(),
        pubkey_operator: keys.operator_key,
        key_id_voting: keys.voting_key_id,
        operator_reward: 0,
        script_payout: owner.p2pkh(),
        inputs_hash: Hash256::ZERO,
        platform_node_id: [0; 20],
        platform_p2p_port: 0,
        platform_http_port: 0,
        signature: Vec::new(),
    };
    let tx = Transaction {
        version: 3,
        tx_type: tx_type::PROVIDER_REGISTER,
        inputs: vec![TxIn {
            previous_output: OutPoint::new(Txid::from_byte_array([0xab; 32]), 0),
            script_sig: Script::new(Vec::new()),
            sequence: u32::MAX,
        }],
        outputs: vec![TxOut { value: 10_000, script_pubkey: owner.p2pkh() }],
        lock_time: 0,
        extra_payload: Some(payload.to_bytes()),
    };
    voter.set_pro_reg_tx_hash(Hash256::from_byte_array(tx.txid().to_byte_array()));
    tx
}

#[test]
fn an_external_collateral_resolves_once_the_wallet_saw_its_pro_reg_tx_in_a_block() {
    let proposal = capture_proposal();
    let h = proposal.hash();
    let owner = TestKey::from_seed("masternode owner");
    // Two masternodes with external collaterals; the wallet watches the first one's owner.
    let (mut mine, mut theirs) = (TestVoter::new(7, false), TestVoter::new(8, false));
    let my_collateral = OutPoint::new(Txid::from_byte_array([0xc1; 32]), 3);
    let their_collateral = OutPoint::new(Txid::from_byte_array([0xc2; 32]), 0);
    let my_pro_reg = pro_reg_tx(&mut mine, my_collateral, &owner);
    let their_pro_reg = pro_reg_tx(&mut theirs, their_collateral, &TestKey::from_seed("other"));
    let vote = |v: &TestVoter, collateral| {
        let mut vote = v.vote(h, VoteSignal::Funding, VoteOutcome::Yes, 1_795_000_000);
        vote.masternode_outpoint = collateral;
        v.sign_voting(vote, Network::Regtest)
    };
    let votes = vec![vote(&mine, my_collateral), vote(&theirs, their_collateral)];

    let chain = SharedChain::with_blocks(5);
    chain.mine_block(BlockSpec::empty().tx(my_pro_reg.clone()).tx(their_pro_reg));
    let config =
        NodeConfig { governance: vec![proposal], votes: votes.clone(), ..NodeConfig::default() };
    let node = TestNode::start_with(&chain, config).expect("testkit node");
    let mut machine_config = MachineConfig::new(&[node.addr()]);
    machine_config.governance = true;
    machine_config.watch.add_script(owner.p2pkh());
    let mut client = MachineClient::start(machine_config);
    client.first("the governance round", |e| {
        matches!(e, Event::Governance(GovernanceEvent::Done(_)))
    });
    let txid = my_pro_reg.txid();
    let seen =
        client.with(move |m| m.wallet().transaction(&txid).map(|w| w.status.block().copied()));
    assert!(seen.is_some_and(|b| b.is_some()), "the wallet holds the ProRegTx, confirmed");

    let tip = chain.tip();
    let list = voter_list(tip, &[mine, theirs]);
    let (p, detail) = client.with(move |m| {
        m.on_masternode_list(6, tip, &list, now_ms());
        let g = m.governance().expect("governance enabled");
        (g.proposals().remove(0), g.proposal(&h).expect("held"))
    });
    let status = |i: usize| {
        let v = detail.votes.iter().find(|r| r.vote == votes[i]).expect("held");
        (v.signature, v.counted)
    };
    assert_eq!(status(0), (SignatureStatus::Verified, true), "its ProRegTx was seen");
    assert_eq!(status(1), (SignatureStatus::Unverified, false), "its ProRegTx was not");
    assert_eq!(p.funding, Tally { yes: 1, no: 0, abstain: 0 });
    client.stop();
}
