//! The spork and governance services end to end: dashlite's node driver against a testkit
//! node serving signed sporks, a recorded proposal and votes on it. A small loop in the test
//! plays the client: node events go into both services, their commands back to the node.
//!
//! Time is real (the services get the wall clock); every wait is bounded by [`GUARD`], which
//! only stops a broken test from hanging (nothing asserts on durations).

use async_std::task;
use dashlite::governance::{GovernanceEvent, GovernanceService, SignatureStatus, Tally};
use dashlite::hash::Hash256;
use dashlite::network::Network;
use dashlite::node::{self, NodeConfig as ClientConfig, NodeHandle as ClientHandle};
use dashlite::p2p::{self, DisconnectReason, Misbehavior, NoFilter, PeerId};
use dashlite::spork::{SporkError, SporkEvent, SporkService, SPORK_DEFAULT_VALUE};
use dashlite::wire::{Message, SporkId, VoteOutcome, VoteSignal};
use dashlite_testkit::governance::{capture_proposal, sample_votes};
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::sporks::sign_spork;
use dashlite_testkit::{NodeConfig, NodeHandle, SharedChain};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The longest a test waits for something that should happen within a few seconds.
const GUARD: Duration = Duration::from_secs(30);
/// How often the services get a tick while nothing arrives.
const TICK: Duration = Duration::from_millis(100);

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// The client loop: the node, both services and what they reported.
struct Client {
    handle: ClientHandle,
    rx: mpsc::Receiver<p2p::Event>,
    sporks: SporkService,
    gov: GovernanceService,
    spork_events: Vec<SporkEvent>,
    gov_events: Vec<GovernanceEvent>,
    misbehaved: Vec<(PeerId, Misbehavior, u32)>,
    disconnected: Vec<(PeerId, DisconnectReason)>,
    ready: Vec<PeerId>,
}

impl Client {
    fn start(node: &NodeHandle) -> Client {
        let mut config = ClientConfig::new(Network::Regtest);
        config.p2p.manual_peers = vec![node.addr()];
        config.p2p.target_outbound = 1;
        config.seed = Some(0x90f);
        let (handle, mut events) = node::start(config, Box::new(NoFilter)).expect("node starts");
        let (tx, rx) = mpsc::channel();
        task::spawn(async move {
            while let Some(e) = events.next().await {
                if tx.send(e).is_err() {
                    break;
                }
            }
        });
        Client {
            handle,
            rx,
            sporks: SporkService::new(Network::Regtest.params()),
            gov: GovernanceService::new(Network::Regtest),
            spork_events: Vec::new(),
            gov_events: Vec::new(),
            misbehaved: Vec::new(),
            disconnected: Vec::new(),
            ready: Vec::new(),
        }
    }

    /// One node event (or a tick), then the services' commands to the node.
    fn step(&mut self) {
        let now = now_ms();
        match self.rx.recv_timeout(TICK) {
            Ok(p2p::Event::PeerReady { peer, info, .. }) => {
                self.ready.push(peer);
                self.sporks.on_peer_ready(peer, &info, now);
                self.gov.on_peer_ready(peer, &info, now);
                // The testkit node is synced: the client would start once headers are.
                if !self.gov.is_syncing() && self.gov.progress() == Default::default() {
                    self.gov.start(now);
                }
            }
            Ok(p2p::Event::Message { peer, message }) => {
                self.sporks.on_message(peer, &message, now);
                self.gov.on_message(peer, &message, now);
            }
            Ok(p2p::Event::PeerDisconnected { peer, reason, .. }) => {
                self.sporks.on_peer_gone(peer);
                self.gov.on_peer_gone(peer);
                self.disconnected.push((peer, reason));
            }
            Ok(p2p::Event::Misbehaved { peer, what, score }) => {
                self.misbehaved.push((peer, what, score))
            }
            Ok(_) => {}
            Err(_) => {
                self.sporks.on_tick(now);
                self.gov.on_tick(now);
            }
        }
        let mut commands = self.sporks.drain_commands();
        commands.extend(self.gov.drain_commands());
        for c in commands {
            task::block_on(self.handle.command(c)).expect("node running");
        }
        self.spork_events.extend(self.sporks.drain_events());
        self.gov_events.extend(self.gov.drain_events());
    }

    /// Steps until `done` holds; panics after [`GUARD`].
    fn run_until(&mut self, what: &str, done: impl Fn(&Client) -> bool) {
        let deadline = Instant::now() + GUARD;
        while !done(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            self.step();
        }
    }

    /// Steps for `d` (to show that something does NOT happen).
    fn run_for(&mut self, d: Duration) {
        let until = Instant::now() + d;
        while Instant::now() < until {
            self.step();
        }
    }
}

/// Full (zero-hash) `govsync` requests the node received.
fn full_syncs(node: &NodeHandle) -> usize {
    node.peers()
        .into_iter()
        .flat_map(|p| node.received(p))
        .filter(|m| matches!(m, Message::GovSync(gs) if gs.prop_hash == Hash256::ZERO))
        .count()
}

#[test]
fn sporks_and_governance_sync_from_a_live_node() {
    let proposal = capture_proposal();
    let h = proposal.hash();
    // Five masternodes vote on funding: three yes, one no, one abstain.
    let mut votes = sample_votes(h, 5);
    votes[3].outcome = VoteOutcome::No;
    votes[4].outcome = VoteOutcome::Abstain;
    let chain = SharedChain::with_blocks(5);
    let config = NodeConfig {
        sporks: vec![(SporkId::InstantSendEnabled, 0), (SporkId::ChainLocksEnabled, 0)],
        governance: vec![proposal.clone()],
        votes: votes.clone(),
        ..NodeConfig::default()
    };
    let node = NodeHandle::start_with(&chain, config).expect("testkit node");
    let mut client = Client::start(&node);

    // Sporks: asked after the handshake, verified against the regtest spork key, reported.
    client.run_until("both sporks", |c| c.spork_events.len() >= 2);
    assert!(node.count("getsporks") >= 1);
    for id in [SporkId::InstantSendEnabled, SporkId::ChainLocksEnabled] {
        assert!(
            client.spork_events.iter().any(
                |e| matches!(e, SporkEvent::Changed { id: i, value: 0, active: true, .. } if *i == id)
            ),
            "{id:?}: {:?}",
            client.spork_events
        );
        assert!(client.sporks.is_active(id, now_ms()));
    }
    let stored = client.sporks.take_changes().expect("sporks to persist");
    assert_eq!(stored.len(), 2);

    // Governance: one full sync, the proposal, then its votes; done.
    client.run_until("the governance round", |c| {
        c.gov_events.iter().any(|e| matches!(e, GovernanceEvent::Done(_)))
    });
    assert_eq!(full_syncs(&node), 1);
    let Some(GovernanceEvent::Done(progress)) =
        client.gov_events.iter().find(|e| matches!(e, GovernanceEvent::Done(_)))
    else {
        unreachable!()
    };
    assert_eq!((progress.objects_announced, progress.objects_received), (1, 1));
    assert_eq!((progress.votes_announced, progress.votes_received), (5, 5));
    let list = client.gov.proposals();
    assert_eq!(list.len(), 1);
    let p = &list[0];
    assert_eq!(p.hash, h);
    let data = p.object.data.proposal().expect("the recorded proposal decodes");
    assert_eq!(data.name, "capture-proposal-7");
    assert_eq!(data.payment_amount_duffs, 42 * 100_000_000);
    assert_eq!(p.funding, Tally { yes: 3, no: 1, abstain: 1 });
    assert_eq!(p.tallies.len(), 1);
    assert_eq!(p.tallies[&VoteSignal::Funding], p.funding);
    let detail = client.gov.proposal(&h).expect("held");
    assert_eq!(detail.votes.len(), 5);
    assert!(detail.votes.iter().all(|v| v.counted && v.signature == SignatureStatus::Unverified));
    let changes = client.gov.take_changes();
    assert_eq!((changes.objects.len(), changes.votes.len()), (1, 5));
    assert!(changes.full_sync_times.is_some());

    // A second round within Dash Core's window: no second full sync, no penalty.
    client.gov.start(now_ms());
    client.run_until("the deferral", |c| {
        c.gov_events.iter().any(|e| matches!(e, GovernanceEvent::FullSyncDeferred { .. }))
    });
    client.run_for(Duration::from_millis(500));
    assert_eq!(full_syncs(&node), 1, "the rate limit held");
    assert_eq!(node.score(node.peers()[0]), 0, "the node never scored us");

    // A spork signed with another key scores the peer 100: it is disconnected.
    let stranger = TestKey::from_seed("not the spork key");
    let time = (now_ms() / 1000) as i64 - 10;
    let forged =
        sign_spork(SporkId::ChainLocksEnabled, 1, time, &stranger.secret, Network::Regtest);
    node.send_to_all(&Message::Spork(forged));
    client.run_until("the penalty", |c| !c.disconnected.is_empty());
    let peer = client.ready[0];
    assert!(client.misbehaved.contains(&(peer, Misbehavior::InvalidSpork, 100)));
    assert!(client.spork_events.iter().any(|e| matches!(
        e,
        SporkEvent::Rejected { peer: p, error: SporkError::UnknownSigner { .. } } if *p == peer
    )));
    assert_eq!(client.disconnected[0], (peer, DisconnectReason::Misbehaving(100)));
    assert_eq!(client.sporks.value(SporkId::ChainLocksEnabled), Some(0), "still the signed value");
    assert_ne!(client.sporks.value(SporkId::ChainLocksEnabled), Some(SPORK_DEFAULT_VALUE));
    task::block_on(client.handle.shutdown()).ok();
}
