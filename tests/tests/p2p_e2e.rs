//! dashlite's node driver (`dashlite::node`, the p2p state machines behind it) against testkit
//! nodes over loopback TCP (issue 6, "Tests").
//!
//! Every test runs the real driver on real sockets, so time is real: the timers a test needs
//! are shortened through `p2p::Config::timeouts` (a second or two), and every wait is bounded by
//! [`GUARD`], which only stops a broken test from hanging (nothing asserts on durations). The
//! state machines' virtual-time tests are in `core/src/p2p/*_tests.rs`.
//!
//! Where detection belongs to the header/block sync layer (not written yet), the test plays
//! that layer itself — see [`StandInSync`] — and checks what the p2p layer does with the
//! report: score, disconnect, ban, and carrying on with the honest peers.

mod common;

use async_std::task;
use common::regtest_tree;
use dashlite::bloom::BloomFilter;
use dashlite::chain::merkle::PartialMerkleTree;
use dashlite::chain::ChainError;
use dashlite::hash::{BlockHash, Hash256};
use dashlite::network::Network;
use dashlite::node::{self, NodeConfig as ClientConfig, NodeHandle as ClientHandle, PeerSnapshot};
use dashlite::p2p::{
    self, AddrBook, AddrSource, BanList, Command, DisconnectReason, Endpoint, FilterSource,
    Misbehavior, NoFilter, PeerId, Timeouts, SECOND,
};
use dashlite::wire::{
    Command as WireCommand, FilterLoad, FrameError, GetData, GetHeaders2, InvType, Inventory,
    MerkleBlock, Message, SendDsq,
};
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::node::{NODE_BLOOM, NODE_HEADERS_COMPRESSED, NODE_NETWORK};
use dashlite_testkit::{Disconnect, Forgery, Mode, NodeConfig, NodeHandle, SharedChain};
use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The longest a test waits for something that should happen within a few seconds.
const GUARD: Duration = Duration::from_secs(20);

type P2pEvent = p2p::Event;

// ---------------------------------------------------------------------------------------------
// The client: dashlite's node, its events drained into a channel so tests read them blocking.
// ---------------------------------------------------------------------------------------------

struct Client {
    handle: ClientHandle,
    rx: mpsc::Receiver<P2pEvent>,
    /// Every event read so far, in order.
    seen: Vec<P2pEvent>,
}

impl Client {
    fn start(config: ClientConfig, filters: Box<dyn FilterSource>) -> Client {
        let (handle, mut events) = node::start(config, filters).expect("dashlite node starts");
        let (tx, rx) = mpsc::channel();
        // Drains the bounded event queue at once so the node never waits on the test.
        task::spawn(async move {
            while let Some(e) = events.next().await {
                if tx.send(e).is_err() {
                    break;
                }
            }
        });
        Client { handle, rx, seen: Vec::new() }
    }

    /// Reads events until one satisfies `want`; panics after [`GUARD`].
    fn wait(&mut self, what: &str, want: impl Fn(&P2pEvent) -> bool) -> P2pEvent {
        let deadline = Instant::now() + GUARD;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(e) => {
                    self.seen.push(e.clone());
                    if want(&e) {
                        return e;
                    }
                }
                Err(_) => panic!("no {what} within {GUARD:?}; events: {:#?}", self.seen),
            }
        }
    }

    /// Reads whatever events are already queued.
    fn drain(&mut self) {
        while let Ok(e) = self.rx.try_recv() {
            self.seen.push(e);
        }
    }

    /// The first event ever (already read or still to come) that satisfies `want`.
    fn first(&mut self, what: &str, want: impl Fn(&P2pEvent) -> bool) -> P2pEvent {
        self.drain();
        match self.seen.iter().find(|e| want(e)) {
            Some(e) => e.clone(),
            None => self.wait(what, want),
        }
    }

    /// The first connection to `addr` whose handshake completed.
    fn wait_ready(&mut self, addr: SocketAddr) -> PeerId {
        let ready =
            |e: &P2pEvent| matches!(e, P2pEvent::PeerReady { info, .. } if info.addr == addr);
        match self.first("PeerReady", ready) {
            P2pEvent::PeerReady { peer, .. } => peer,
            _ => unreachable!(),
        }
    }

    /// Why the first connection to `addr` ended.
    fn wait_gone(&mut self, addr: SocketAddr) -> DisconnectReason {
        let gone =
            |e: &P2pEvent| matches!(e, P2pEvent::PeerDisconnected { addr: a, .. } if *a == addr);
        match self.first("PeerDisconnected", gone) {
            P2pEvent::PeerDisconnected { reason, .. } => reason,
            _ => unreachable!(),
        }
    }

    /// The peers whose handshake completed and which have not disconnected since.
    fn connected(&mut self) -> HashMap<PeerId, SocketAddr> {
        self.drain();
        let mut up = HashMap::new();
        for e in &self.seen {
            match e {
                P2pEvent::PeerReady { peer, info, .. } => {
                    up.insert(*peer, info.addr);
                }
                P2pEvent::PeerDisconnected { peer, .. } => {
                    up.remove(peer);
                }
                _ => {}
            }
        }
        up
    }

    fn disconnects_of(&mut self, addr: SocketAddr) -> Vec<DisconnectReason> {
        self.drain();
        self.seen
            .iter()
            .filter_map(|e| match e {
                P2pEvent::PeerDisconnected { addr: a, reason, .. } if *a == addr => {
                    Some(reason.clone())
                }
                _ => None,
            })
            .collect()
    }

    fn misbehaviour_of(&mut self, peer: PeerId) -> Vec<(Misbehavior, u32)> {
        self.drain();
        self.seen
            .iter()
            .filter_map(|e| match e {
                P2pEvent::Misbehaved { peer: p, what, score } if *p == peer => {
                    Some((what.clone(), *score))
                }
                _ => None,
            })
            .collect()
    }

    fn last_sync_peer(&mut self) -> Option<PeerId> {
        self.drain();
        self.seen.iter().rev().find_map(|e| match e {
            P2pEvent::SyncPeer(p) => Some(*p),
            _ => None,
        })?
    }

    fn command(&self, c: Command) {
        task::block_on(self.handle.command(c)).expect("node running");
    }

    fn send(&self, peer: PeerId, message: Message) {
        task::block_on(self.handle.send(peer, message)).expect("node running");
    }

    fn snapshot(&self) -> PeerSnapshot {
        task::block_on(self.handle.snapshot()).expect("node running")
    }

    fn shutdown(self) -> PeerSnapshot {
        task::block_on(self.handle.shutdown()).expect("shutdown")
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

/// A regtest client configuration with `timeouts`, a fixed seed, and either manual peers or
/// (when `manual` is empty) discovery.
fn client_config(manual: &[SocketAddr], target: usize, timeouts: Timeouts) -> ClientConfig {
    let mut c = ClientConfig::new(Network::Regtest);
    c.p2p.manual_peers = manual.to_vec();
    c.p2p.target_outbound = target;
    c.p2p.timeouts = timeouts;
    c.seed = Some(0xe2e);
    c
}

/// An address book holding `addrs` as DNS-seed results (so the client uses discovery: it
/// sends `getaddr` and dials what it learns, unlike with manual peers).
fn seeded_book(addrs: &[SocketAddr]) -> Vec<u8> {
    let mut book = AddrBook::default();
    for a in addrs {
        book.add(Endpoint::ip(*a), 0, now_ms() / 1000, AddrSource::Dns, now_ms());
    }
    book.to_bytes()
}

/// Short timers for tests that wait for a timeout; everything else stays at Dash Core's values.
fn short(f: impl FnOnce(&mut Timeouts)) -> Timeouts {
    let mut t = Timeouts { connect: 2 * SECOND, ..Timeouts::default() };
    f(&mut t);
    t
}

/// A `filterload` matching alice's key.
fn alice_filter() -> FilterLoad {
    let mut f = BloomFilter::new(10, 0.0001, 77, 1).unwrap();
    f.insert(TestKey::from_seed("alice").key_id());
    let (data, hash_funcs, tweak, flags) = f.into_parts();
    FilterLoad { data, hash_funcs, tweak, flags }
}

/// A loopback address nobody listens on (connections are refused at once).
fn closed_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

// ---------------------------------------------------------------------------------------------
// The stand-in for the sync layer.
// ---------------------------------------------------------------------------------------------

/// What the header/block sync layer (being written in parallel) will do, done by the test:
/// request headers with `getheaders2`, validate them with `chain::HeaderTree`, and report
/// `Command::Misbehaving` (the `ValidationError`'s own score) or `Command::HeadersProven`;
/// check filtered blocks' merkle proofs and report `BadMerkleBlock`; report data it never asked
/// for as `Unsolicited`. Everything after the report — scoring, disconnecting, banning,
/// choosing another sync peer — is the p2p layer's and is what the tests check.
struct StandInSync {
    genesis: BlockHash,
}

/// How one round of the stand-in ended.
#[derive(Debug, PartialEq)]
enum Round {
    /// Every header validated up to this height (reported as proven).
    Proven(u32),
    /// A header failed validation and was reported; the peer's score after it.
    Reported(u32),
    /// The p2p layer itself penalised the answer (it did not decode: oversized).
    PenalisedByP2p(u32),
    /// The peer went away.
    Gone(DisconnectReason),
}

/// Reports `what` as the sync layer will, and returns the score the p2p layer gave the peer
/// for it (its `Misbehaved` event).
fn report(client: &mut Client, peer: PeerId, what: Misbehavior) -> u32 {
    client.command(Command::Misbehaving { peer, what: what.clone() });
    let scored = client.wait(
        "Misbehaved",
        |e| matches!(e, P2pEvent::Misbehaved { peer: p, what: w, .. } if *p == peer && *w == what),
    );
    let P2pEvent::Misbehaved { score, .. } = scored else { unreachable!() };
    score
}

impl StandInSync {
    fn new(chain: &SharedChain) -> StandInSync {
        StandInSync { genesis: chain.read().hash_at(0).unwrap() }
    }

    /// Asks `peer` for headers from genesis and handles the answer as the sync layer will.
    fn headers_round(&self, client: &mut Client, peer: PeerId) -> Round {
        let request = GetHeaders2::new(70240, vec![self.genesis], BlockHash::ZERO);
        client.send(peer, Message::GetHeaders2(request));
        let answer = client.wait("headers2 answer", |e| match e {
            P2pEvent::Message { peer: p, message: Message::Headers2(_) } => *p == peer,
            P2pEvent::Misbehaved { peer: p, .. } | P2pEvent::PeerDisconnected { peer: p, .. } => {
                *p == peer
            }
            _ => false,
        });
        let h2 = match answer {
            P2pEvent::Message { message: Message::Headers2(h2), .. } => h2,
            P2pEvent::Misbehaved { score, .. } => return Round::PenalisedByP2p(score),
            P2pEvent::PeerDisconnected { reason, .. } => return Round::Gone(reason),
            _ => unreachable!(),
        };
        // Sync layer: decompress (X11 hashes) and validate against a header tree.
        let headers = match h2.decompress(|h| h.block_hash()) {
            Ok(h) => h.into_iter().map(|h| (h.header, h.header.block_hash())).collect::<Vec<_>>(),
            Err(_) => {
                let what = Misbehavior::Other { what: "undecompressable headers2", score: 100 };
                return Round::Reported(report(client, peer, what));
            }
        };
        let mut tree = regtest_tree();
        let out = tree.accept_headers(&headers, common::NOW);
        match out.error {
            Some(ChainError::Invalid(e)) => {
                Round::Reported(report(client, peer, Misbehavior::InvalidHeader(e)))
            }
            Some(other) => panic!("header store failure: {other}"),
            None => {
                let height = tree.tip().height;
                client.command(Command::HeadersProven { peer, height });
                Round::Proven(height)
            }
        }
    }

    /// Asks `peer` for the filtered block at `hash` and checks its proof as the sync layer
    /// will; returns whether it was good (bad ones are reported).
    fn merkle_block_round(&self, client: &mut Client, peer: PeerId, hash: BlockHash) -> bool {
        let item =
            Inventory::new(InvType::FilteredBlock, Hash256::from_byte_array(hash.to_byte_array()));
        client.send(peer, Message::GetData(GetData::new(vec![item])));
        let answer = client.wait("merkleblock", |e| {
            matches!(e, P2pEvent::Message { peer: p, message: Message::MerkleBlock(_) } if *p == peer)
        });
        let P2pEvent::Message { message: Message::MerkleBlock(mb), .. } = answer else {
            unreachable!()
        };
        if mb.matched_txids().is_ok() {
            return true;
        }
        assert_eq!(report(client, peer, Misbehavior::BadMerkleBlock), 100);
        false
    }
}

// ---------------------------------------------------------------------------------------------
// One malicious node and two honest ones sharing a chain.
// ---------------------------------------------------------------------------------------------

struct Scenario {
    chain: SharedChain,
    evil: NodeHandle,
    honest: Vec<NodeHandle>,
    client: Client,
    sync: StandInSync,
}

impl Scenario {
    fn start(
        chain: SharedChain,
        mode: Mode,
        timeouts: Timeouts,
        filters: Box<dyn FilterSource>,
    ) -> Scenario {
        let evil = NodeHandle::start_with(&chain, NodeConfig::default().with_mode(mode)).unwrap();
        let honest = dashlite_testkit::start_nodes(&chain, 2);
        let manual = [evil.addr(), honest[0].addr(), honest[1].addr()];
        let client = Client::start(client_config(&manual, 3, timeouts), filters);
        let sync = StandInSync::new(&chain);
        let mut s = Scenario { chain, evil, honest, client, sync };
        for i in 0..2 {
            let addr = s.honest[i].addr();
            s.client.wait_ready(addr);
        }
        s
    }

    fn evil_peer(&mut self) -> PeerId {
        let addr = self.evil.addr();
        self.client.wait_ready(addr)
    }

    /// The malicious peer's first disconnect.
    fn evil_dropped(&mut self) -> DisconnectReason {
        let addr = self.evil.addr();
        self.client.wait_gone(addr)
    }

    /// The end every scenario checks: the testkit saw the client hang up on the malicious
    /// node; the honest peers are still connected, sync from them goes on (their headers are
    /// proven) and the sync peer is one of them.
    fn carries_on_with_the_honest_peers(&mut self) {
        assert!(
            self.evil.wait_for(GUARD, |ev| ev.iter().any(|e| matches!(
                e,
                dashlite_testkit::Event::Disconnected { reason: Disconnect::PeerClosed, .. }
            ))),
            "the malicious node saw the client close the connection"
        );
        let height = self.chain.height();
        let connected = self.client.connected();
        let mut honest_ids = Vec::new();
        for h in &self.honest {
            assert!(self.client.disconnects_of(h.addr()).is_empty(), "honest peer dropped");
            let id = connected
                .iter()
                .find_map(|(id, a)| (*a == h.addr()).then_some(*id))
                .expect("honest peer connected");
            honest_ids.push(id);
        }
        for id in &honest_ids {
            assert_eq!(self.sync.headers_round(&mut self.client, *id), Round::Proven(height));
        }
        let sync_peer = self.client.last_sync_peer().expect("a sync peer");
        assert!(honest_ids.contains(&sync_peer), "sync peer {sync_peer} is honest");
        for h in &self.honest {
            assert!(self.client.disconnects_of(h.addr()).is_empty(), "honest peer dropped");
        }
    }

    /// Whether the client's ban list holds the malicious node's address (and not the honest
    /// ones', which share its IP).
    fn evil_banned(&self) -> bool {
        let bans = BanList::from_bytes(&self.client.snapshot().bans).unwrap();
        for h in &self.honest {
            assert!(!bans.is_banned_addr(h.addr(), now_ms()), "an honest loopback peer was banned");
        }
        bans.is_banned_addr(self.evil.addr(), now_ms())
    }
}

// ---------------------------------------------------------------------------------------------
// Handshake.
// ---------------------------------------------------------------------------------------------

#[test]
fn handshake_messages_reach_the_testkit_in_dash_core_order() {
    let chain = SharedChain::with_blocks(5);
    let compressed = NodeHandle::start(&chain);
    let plain = NodeHandle::start_with(
        &chain,
        NodeConfig::default().with_services(NODE_NETWORK | NODE_BLOOM),
    )
    .unwrap();
    let filter = alice_filter();
    // Discovery (not manual peers), so the handshake ends with getaddr.
    let mut config = client_config(&[], 2, Timeouts::default());
    config.address_book = Some(seeded_book(&[compressed.addr(), plain.addr()]));
    let mut client = Client::start(config, Box::new(filter.clone()));
    for node in [&compressed, &plain] {
        let P2pEvent::PeerReady { filter_loaded, info, .. } = client.first(
            "PeerReady",
            |e| matches!(e, P2pEvent::PeerReady { info, .. } if info.addr == node.addr()),
        ) else {
            unreachable!()
        };
        assert!(filter_loaded);
        assert_eq!(info.headers2, node.addr() == compressed.addr());
    }
    for (node, announce) in [(&compressed, "sendheaders2"), (&plain, "sendheaders")] {
        assert!(node.wait_for(GUARD, |ev| {
            ev.iter().any(|e| {
                matches!(e, dashlite_testkit::Event::Received { message: Message::GetAddr, .. })
            })
        }));
        let received = node.received(0);
        let commands: Vec<&str> = received.iter().map(Message::command_name).collect();
        assert_eq!(
            commands[..7],
            ["version", "sendaddrv2", "verack", "senddsq", announce, "filterload", "getaddr"],
            "{commands:?}"
        );
        assert_eq!(received[3], Message::SendDsq(SendDsq(false)));
        assert_eq!(received[5], Message::FilterLoad(filter.clone()));
        let Message::Version(v) = &received[0] else { unreachable!() };
        assert_eq!((v.services, v.relay), (0, false));
        assert!(v.user_agent_lossy().starts_with("/dashlite:"));
    }
    client.shutdown();
}

#[test]
fn peers_below_70221_or_without_bloom_are_refused() {
    let chain = SharedChain::with_blocks(5);
    let old = NodeHandle::start_with(&chain, NodeConfig::default().with_version(70220)).unwrap();
    let no_bloom = NodeHandle::start_with(
        &chain,
        NodeConfig::default().with_services(NODE_NETWORK | NODE_HEADERS_COMPRESSED),
    )
    .unwrap();
    let mut client = Client::start(
        client_config(&[old.addr(), no_bloom.addr()], 2, Timeouts::default()),
        Box::new(alice_filter()),
    );
    assert_eq!(client.wait_gone(old.addr()), DisconnectReason::ProtocolTooOld(70220));
    assert_eq!(
        client.wait_gone(no_bloom.addr()),
        DisconnectReason::NoBloom(NODE_NETWORK | NODE_HEADERS_COMPRESSED)
    );
    for node in [&old, &no_bloom] {
        assert!(node.wait_for(GUARD, |ev| ev
            .iter()
            .any(|e| matches!(e, dashlite_testkit::Event::Disconnected { .. }))));
        // Refused at its version: ours was the only message it got, no verack, no filter.
        assert_eq!(node.commands(0), ["version"]);
    }
    client.drain();
    assert!(!client.seen.iter().any(|e| matches!(e, P2pEvent::PeerReady { .. })));
    // Refusal is not misbehaviour: nothing is banned.
    assert!(BanList::from_bytes(&client.shutdown().bans).unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Malicious modes: one malicious node, two honest ones, one chain.
// ---------------------------------------------------------------------------------------------

/// Header faults the sync layer finds (stand-in) and the p2p layer punishes: one round, 100.
fn invalid_headers_are_reported_scored_dropped_and_banned(mode: Mode) {
    let mut s = Scenario::start(
        SharedChain::with_blocks(30),
        mode,
        Timeouts::default(),
        Box::new(NoFilter),
    );
    let evil = s.evil_peer();
    // Stand-in sync layer: validate, report with the ValidationError's score.
    assert_eq!(s.sync.headers_round(&mut s.client, evil), Round::Reported(100));
    // p2p: score 100, disconnect, ban.
    assert_eq!(s.evil_dropped(), DisconnectReason::Misbehaving(100));
    assert!(matches!(s.client.misbehaviour_of(evil)[..], [(Misbehavior::InvalidHeader(_), 100)]));
    assert!(s.evil_banned());
    s.carries_on_with_the_honest_peers();
}

#[test]
fn headers_with_invalid_proof_of_work_end_in_score_100_and_a_ban() {
    invalid_headers_are_reported_scored_dropped_and_banned(Mode::InvalidPow { from_height: 20 });
}

#[test]
fn headers_with_wrong_nbits_end_in_score_100_and_a_ban() {
    invalid_headers_are_reported_scored_dropped_and_banned(Mode::WrongBits { from_height: 20 });
}

#[test]
fn unconnecting_headers_add_10_per_batch_until_the_peer_is_dropped() {
    let mut s = Scenario::start(
        SharedChain::with_blocks(20),
        Mode::HeadersNotConnecting,
        Timeouts::default(),
        Box::new(NoFilter),
    );
    let evil = s.evil_peer();
    // Stand-in sync layer: each unconnecting batch is `Unconnected`, score 10.
    for i in 1..=9 {
        assert_eq!(s.sync.headers_round(&mut s.client, evil), Round::Reported(10 * i));
    }
    assert!(s.client.disconnects_of(s.evil.addr()).is_empty(), "still connected at 90");
    assert_eq!(s.sync.headers_round(&mut s.client, evil), Round::Reported(100));
    // p2p: the tenth reaches 100.
    assert_eq!(s.evil_dropped(), DisconnectReason::Misbehaving(100));
    let scores: Vec<u32> = s.client.misbehaviour_of(evil).iter().map(|(_, t)| *t).collect();
    assert_eq!(scores, (1..=10).map(|i| i * 10).collect::<Vec<_>>());
    assert!(s.evil_banned());
    s.carries_on_with_the_honest_peers();
}

#[test]
fn headers2_above_8000_are_oversized_and_the_fifth_drops_the_peer() {
    let mut s = Scenario::start(
        SharedChain::with_blocks(10),
        Mode::OversizedHeaders,
        Timeouts::default(),
        Box::new(NoFilter),
    );
    let evil = s.evil_peer();
    // The stand-in only asks; the answer does not decode and p2p scores it (20 each).
    for i in 1..=5 {
        assert_eq!(s.sync.headers_round(&mut s.client, evil), Round::PenalisedByP2p(20 * i));
    }
    assert_eq!(s.evil_dropped(), DisconnectReason::Misbehaving(100));
    assert!(s
        .client
        .misbehaviour_of(evil)
        .iter()
        .all(|(w, _)| *w == Misbehavior::Oversized { command: "headers2".into() }));
    assert!(s.evil_banned());
    s.carries_on_with_the_honest_peers();
}

#[test]
fn a_forged_merkle_block_is_reported_and_the_peer_dropped() {
    for forgery in [Forgery::WrongRoot, Forgery::ExtraHash, Forgery::DuplicatedLeaf] {
        let chain = SharedChain::with_blocks(5);
        chain.send(&TestKey::from_seed("alice").p2pkh(), 2 * dashlite_testkit::chain::COIN);
        chain.send(&TestKey::from_seed("bob").p2pkh(), dashlite_testkit::chain::COIN);
        chain.mine(1);
        let tip = chain.tip();
        let mut s = Scenario::start(
            chain,
            Mode::ForgedMerkleBlock(forgery),
            Timeouts::default(),
            Box::new(alice_filter()),
        );
        let evil = s.evil_peer();
        let honest =
            s.client.connected().into_iter().find(|(_, a)| *a == s.honest[0].addr()).unwrap().0;
        // Stand-in sync layer: the honest proof checks, the forged one is reported.
        assert!(s.sync.merkle_block_round(&mut s.client, honest, tip));
        assert!(!s.sync.merkle_block_round(&mut s.client, evil, tip), "{forgery:?}");
        assert_eq!(s.evil_dropped(), DisconnectReason::Misbehaving(100), "{forgery:?}");
        assert!(s.evil_banned());
        s.carries_on_with_the_honest_peers();
    }
}

#[test]
fn unsolicited_mnlistdiff_is_scored_100_by_the_p2p_layer() {
    let mnlistdiff =
        Message::Unknown { command: WireCommand::new("mnlistdiff").unwrap(), payload: vec![0; 8] };
    let mut s = Scenario::start(
        SharedChain::with_blocks(5),
        Mode::Unsolicited(vec![mnlistdiff]),
        Timeouts::default(),
        Box::new(NoFilter),
    );
    // Entirely p2p: nothing asked for masternode list data.
    assert_eq!(s.evil_dropped(), DisconnectReason::Misbehaving(100));
    assert!(s.evil_banned());
    s.carries_on_with_the_honest_peers();
}

#[test]
fn unsolicited_merkle_blocks_are_reported_and_the_tenth_drops_the_peer() {
    let chain = SharedChain::with_blocks(12);
    let unasked: Vec<Message> = (1..=10)
        .map(|h| {
            let block = chain.read().block(h).unwrap();
            let txids: Vec<_> = block.transactions.iter().map(|t| t.txid()).collect();
            let tree = PartialMerkleTree::from_txids(&txids, &vec![false; txids.len()]);
            Message::MerkleBlock(MerkleBlock::new(block.header, tree))
        })
        .collect();
    let mut s =
        Scenario::start(chain, Mode::Unsolicited(unasked), Timeouts::default(), Box::new(NoFilter));
    let evil = s.evil_peer();
    // Stand-in sync layer: it never asked for a merkle block from this peer; each arriving one
    // is reported as unsolicited (10 each).
    let unasked = |e: &P2pEvent| matches!(e, P2pEvent::Message { peer, message: Message::MerkleBlock(_) } if *peer == evil);
    for i in 1..=10 {
        s.client.drain();
        if s.client.seen.iter().filter(|e| unasked(e)).count() < i {
            s.client.wait("unsolicited merkleblock", unasked);
        }
        let what = Misbehavior::Unsolicited { command: "merkleblock".into() };
        assert_eq!(report(&mut s.client, evil, what), 10 * i as u32);
    }
    assert_eq!(s.evil_dropped(), DisconnectReason::Misbehaving(100));
    assert!(s.evil_banned());
    s.carries_on_with_the_honest_peers();
}

#[test]
fn oversized_addr_messages_are_scored_20_each_and_the_fifth_drops_the_peer() {
    let mut s = Scenario::start(
        SharedChain::with_blocks(5),
        Mode::AddrFlood { per_message: 1001, messages: 5 },
        Timeouts::default(),
        Box::new(NoFilter),
    );
    // Entirely p2p: 1,001 entries do not decode (limit 1,000), "oversized" 20 each.
    assert_eq!(s.evil_dropped(), DisconnectReason::Misbehaving(100));
    assert!(s.evil_banned());
    s.carries_on_with_the_honest_peers();
}

#[test]
fn an_addr_flood_within_the_limits_is_rate_limited_not_scored() {
    let mut s = Scenario::start(
        SharedChain::with_blocks(5),
        Mode::AddrFlood { per_message: 1000, messages: 3 },
        Timeouts::default(),
        Box::new(NoFilter),
    );
    let evil = s.evil_peer();
    // 3,000 addresses arrive at once; the token bucket (1,000, +0.1/s) admits about 1,000.
    let sent = Instant::now();
    let mut book = AddrBook::default();
    while Instant::now() < sent + GUARD {
        book = AddrBook::from_bytes(&s.client.snapshot().address_book, 10_000).unwrap();
        if book.len() >= 1000 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let gossip = book.iter().filter(|e| e.source == AddrSource::Gossip).count();
    assert!((1000..1010).contains(&gossip), "{gossip} gossiped addresses kept");
    assert!(s.client.misbehaviour_of(evil).is_empty());
    assert!(s.client.disconnects_of(s.evil.addr()).is_empty());
}

#[test]
fn a_lying_start_height_is_not_believed_from_one_peer() {
    let mut s = Scenario::start(
        SharedChain::with_blocks(20),
        Mode::LyingStartHeight(1_000_000),
        Timeouts::default(),
        Box::new(NoFilter),
    );
    let evil = s.evil_peer();
    let evil_ready = s.client.seen.iter().find_map(|e| match e {
        P2pEvent::PeerReady { peer, info, .. } if *peer == evil => Some(info.start_height),
        _ => None,
    });
    assert_eq!(evil_ready, Some(1_000_000));
    // p2p: the best height is what two peers agree on, never one peer's claim.
    s.client.drain();
    let best: Vec<u32> = s
        .client
        .seen
        .iter()
        .filter_map(|e| match e {
            P2pEvent::BestHeight(h) => Some(*h),
            _ => None,
        })
        .collect();
    assert_eq!(best.last(), Some(&20), "{best:?}");
    assert!(best.iter().all(|h| *h <= 20));
    // Stand-in sync layer: the liar's headers prove only the real height, and the believed
    // height stays there. (Dash Core does not score a start height; neither does dashlite.)
    assert_eq!(s.sync.headers_round(&mut s.client, evil), Round::Proven(20));
    s.client.drain();
    assert!(!s.client.seen.iter().any(|e| matches!(e, P2pEvent::BestHeight(h) if *h > 20)));
}

// Transport faults: entirely p2p/driver.

#[test]
fn a_peer_framing_with_the_wrong_magic_is_dropped() {
    let mut s = Scenario::start(
        SharedChain::with_blocks(5),
        Mode::WrongMagic { command: None },
        Timeouts::default(),
        Box::new(NoFilter),
    );
    let reason = s.evil_dropped();
    assert!(matches!(reason, DisconnectReason::Frame(FrameError::BadMagic { .. })), "{reason:?}");
    s.carries_on_with_the_honest_peers();
}

#[test]
fn a_peer_declaring_an_oversized_payload_is_dropped() {
    let mut s = Scenario::start(
        SharedChain::with_blocks(5),
        Mode::OversizedLength { command: None },
        Timeouts::default(),
        Box::new(NoFilter),
    );
    let reason = s.evil_dropped();
    assert!(matches!(reason, DisconnectReason::Frame(FrameError::Oversized { .. })), "{reason:?}");
    s.carries_on_with_the_honest_peers();
}

#[test]
fn a_peer_whose_checksums_are_all_wrong_never_completes_the_handshake() {
    // Dash Core drops a frame with a bad checksum without penalty; every frame of this peer
    // is dropped, so its handshake times out.
    let mut s = Scenario::start(
        SharedChain::with_blocks(5),
        Mode::BadChecksum { command: None },
        short(|t| t.handshake = 2 * SECOND),
        Box::new(NoFilter),
    );
    assert_eq!(s.evil_dropped(), DisconnectReason::HandshakeTimeout);
    s.carries_on_with_the_honest_peers();
}

#[test]
fn a_slowloris_peer_is_dropped_as_stalled_while_requests_wait() {
    let mut s = Scenario::start(
        SharedChain::with_blocks(30),
        Mode::Slowloris { chunk: 1, pause: Duration::from_millis(10) },
        short(|t| t.stall = 2 * SECOND),
        Box::new(NoFilter),
    );
    let evil = s.evil_peer();
    // Stand-in sync layer asks for headers; the answer trickles at ~100 bytes/s.
    let request = GetHeaders2::new(70240, vec![s.sync.genesis], BlockHash::ZERO);
    s.client.send(evil, Message::GetHeaders2(request));
    assert_eq!(s.evil_dropped(), DisconnectReason::Stalled);
    s.carries_on_with_the_honest_peers();
}

// ---------------------------------------------------------------------------------------------
// Liveness and replacement.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_peer_that_never_answers_pings_times_out() {
    let chain = SharedChain::with_blocks(5);
    let mute = NodeHandle::start_with(
        &chain,
        NodeConfig::default().with_mode(Mode::Stall { command: Some("ping".into()) }),
    )
    .unwrap();
    let mut client = Client::start(
        client_config(&[mute.addr()], 1, short(|t| t.pong = 2 * SECOND)),
        Box::new(NoFilter),
    );
    client.wait_ready(mute.addr());
    assert_eq!(client.wait_gone(mute.addr()), DisconnectReason::PingTimeout);
    let pings = mute.commands(0).iter().filter(|c| *c == "ping").count();
    assert_eq!(pings, 1, "the one ping at the handshake's end went unanswered");
    client.shutdown();
}

#[test]
fn a_stalled_peer_is_replaced_by_another_address() {
    let chain = SharedChain::with_blocks(10);
    let staller = NodeHandle::start_with(
        &chain,
        NodeConfig::default().with_mode(Mode::Stall { command: Some("getheaders2".into()) }),
    )
    .unwrap();
    let honest = NodeHandle::start(&chain);
    let mut client = Client::start(
        client_config(&[staller.addr()], 1, short(|t| t.stall = SECOND)),
        Box::new(NoFilter),
    );
    let sync = StandInSync::new(&chain);
    let request =
        || Message::GetHeaders2(GetHeaders2::new(70240, vec![sync.genesis], BlockHash::ZERO));
    let stalled = client.wait_ready(staller.addr());
    // A second address becomes known while the manager is at its target of one peer.
    client.command(Command::AddPeer(honest.addr()));
    client.send(stalled, request());
    assert_eq!(client.wait_gone(staller.addr()), DisconnectReason::Stalled);
    // The manager dials again. Should it pick the staller again (its backoff is short), the
    // stand-in asks it again and it stalls again; the honest address must take over.
    let replacement = loop {
        let P2pEvent::PeerReady { peer, info, .. } =
            client.wait("PeerReady", |e| matches!(e, P2pEvent::PeerReady { .. }))
        else {
            unreachable!()
        };
        if info.addr == honest.addr() {
            break peer;
        }
        client.send(peer, request());
    };
    assert_eq!(sync.headers_round(&mut client, replacement), Round::Proven(10));
    assert_eq!(client.last_sync_peer(), Some(replacement));
    client.shutdown();
}

// ---------------------------------------------------------------------------------------------
// Address book.
// ---------------------------------------------------------------------------------------------

#[test]
fn the_address_book_fills_from_addr_and_addrv2_and_survives_a_restart() {
    let chain = SharedChain::with_blocks(5);
    // `old` speaks protocol 70222: no sendaddrv2 either way, it answers getaddr with `addr`;
    // `new` answers with `addrv2`. Each also lists an address only it knows.
    let only_in_addr = closed_port();
    let only_in_addrv2 = closed_port();
    let mut old = NodeHandle::start_with(
        &chain,
        NodeConfig { addresses: vec![only_in_addr], ..NodeConfig::default().with_version(70222) },
    )
    .unwrap();
    let mut new = NodeHandle::start_with(
        &chain,
        NodeConfig { addresses: vec![only_in_addrv2], ..NodeConfig::default() },
    )
    .unwrap();
    let third = NodeHandle::start(&chain);

    let mut config = client_config(&[], 2, Timeouts::default());
    config.address_book = Some(seeded_book(&[old.addr(), new.addr()]));
    let mut client = Client::start(config.clone(), Box::new(NoFilter));
    client.wait_ready(old.addr());
    client.wait_ready(new.addr());
    for node in [&old, &new] {
        assert!(node.wait_for(GUARD, |ev| ev.iter().any(|e| matches!(
            e,
            dashlite_testkit::Event::Received { message: Message::GetAddr, .. }
        ))));
    }
    assert!(!old.commands(0).contains(&"sendaddrv2".to_owned()));
    let deadline = Instant::now() + GUARD;
    let book = loop {
        let book = AddrBook::from_bytes(&client.snapshot().address_book, 100).unwrap();
        let has = |a: SocketAddr| book.get(&Endpoint::ip(a)).is_some();
        if has(only_in_addr) && has(only_in_addrv2) && has(third.addr()) {
            break book;
        }
        assert!(Instant::now() < deadline, "gossip not in the book: {book:?}");
        std::thread::sleep(Duration::from_millis(50));
    };
    for a in [only_in_addr, only_in_addrv2, third.addr()] {
        assert_eq!(book.get(&Endpoint::ip(a)).unwrap().source, AddrSource::Gossip);
    }
    let stored = client.shutdown();

    // Restart from the stored book alone, with the two seeded nodes gone: the client can only
    // reach the third node, which it knows from gossip.
    old.stop();
    new.stop();
    let restored = AddrBook::from_bytes(&stored.address_book, 100).unwrap();
    assert_eq!(restored.get(&Endpoint::ip(old.addr())).unwrap().successes, 1);
    assert!(restored.get(&Endpoint::ip(third.addr())).is_some());
    config.address_book = Some(stored.address_book);
    config.p2p.target_outbound = 1;
    let mut client = Client::start(config, Box::new(NoFilter));
    client.wait_ready(third.addr());
    // (The client is ready once it has the testkit's verack, which may be before the testkit
    // has read ours.)
    assert!(third.wait_for(GUARD, |ev| ev
        .iter()
        .any(|e| matches!(e, dashlite_testkit::Event::Received { message: Message::Verack, .. }))));
    assert_eq!(third.commands(0)[..3], ["version", "sendaddrv2", "verack"]);
    client.shutdown();
}
