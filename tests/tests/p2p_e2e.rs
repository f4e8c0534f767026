//! dashlite's protocol state machine on its real driver ([`MachineClient`]) against testkit
//! nodes over loopback TCP: the handshake, refusals, every malicious mode the testkit has, and
//! what the client does about each — the score (Dash Core's), the disconnect, the ban — and
//! that sync carries on with the honest peers.
//!
//! The sync engine detects the faults itself. Where a test needs one peer to be asked first
//! (the sync peer, the block peer), the client starts with that peer alone and the honest
//! peers are added once it is ready.
//!
//! Time is real: the timers a test waits for are shortened through the connection timeouts or
//! the sync configuration; every wait is bounded by [`GUARD`], which only stops a broken test
//! from hanging (nothing asserts on durations).

use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dashlite::chain::merkle::PartialMerkleTree;
use dashlite::machine::Event;
use dashlite::network::Network;
use dashlite::p2p::{
    AddrBook, AddrSource, DisconnectReason, Endpoint, MasternodeData, Misbehavior, Oversize,
    PeerId, Time, Timeouts, SECOND,
};
use dashlite::sync::SyncEvent;
use dashlite::wallet::{Address, WatchList};
use dashlite::wire::{Command as WireCommand, FrameError, MerkleBlock, Message, SendDsq};
use dashlite_testkit::chain::COIN;
use dashlite_testkit::harness::{MachineClient, MachineConfig, GUARD};
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::node::{NODE_BLOOM, NODE_HEADERS_COMPRESSED, NODE_NETWORK};
use dashlite_testkit::{Disconnect, Forgery, Mode, NodeConfig, SharedChain, TestNode};

fn now_ms() -> Time {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as Time)
}

fn alice() -> TestKey {
    TestKey::from_seed("alice")
}

fn watching_alice() -> WatchList {
    let mut watch = WatchList::new(Network::Regtest);
    watch.add_address(Address::p2pkh(alice().key_id(), Network::Regtest)).expect("address");
    watch
}

/// Short timers for tests that wait for a timeout; everything else stays at the defaults.
fn short(f: impl FnOnce(&mut Timeouts)) -> Timeouts {
    let mut t = Timeouts { connect: 2 * SECOND, ..Timeouts::default() };
    f(&mut t);
    t
}

/// An address book holding `addrs` as DNS-seed results (so the client uses discovery: it
/// sends `getaddr` and dials what it learns, unlike with configured peers).
fn seeded_book(addrs: &[SocketAddr]) -> AddrBook {
    let mut book = AddrBook::default();
    for a in addrs {
        book.add(Endpoint::ip(*a), 0, now_ms() / 1000, AddrSource::Dns, now_ms());
    }
    book
}

/// A loopback address nobody listens on (connections are refused at once).
fn closed_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("local address")
}

fn is_synced_at(height: u32) -> impl Fn(&Event) -> bool {
    move |e| matches!(e, Event::Sync(SyncEvent::Synced { height: h }) if *h == height)
}

// ---------------------------------------------------------------------------------------------
// One malicious node and two honest ones sharing a chain.
// ---------------------------------------------------------------------------------------------

struct Scenario {
    chain: SharedChain,
    evil: TestNode,
    honest: Vec<TestNode>,
    client: MachineClient,
}

impl Scenario {
    /// The client dials the malicious node alone; [`Scenario::add_honest`] adds the others.
    fn alone(chain: SharedChain, mode: Mode, config: impl FnOnce(&mut MachineConfig)) -> Self {
        let evil = TestNode::start_with(&chain, NodeConfig::default().with_mode(mode))
            .expect("malicious node");
        let honest = dashlite_testkit::start_nodes(&chain, 2);
        let mut c = MachineConfig::new(&[evil.addr()]);
        c.target = 3;
        config(&mut c);
        let client = MachineClient::start(c);
        Scenario { chain, evil, honest, client }
    }

    /// The client dials all three nodes at once.
    fn together(chain: SharedChain, mode: Mode, config: impl FnOnce(&mut MachineConfig)) -> Self {
        let evil = TestNode::start_with(&chain, NodeConfig::default().with_mode(mode))
            .expect("malicious node");
        let honest = dashlite_testkit::start_nodes(&chain, 2);
        let mut c = MachineConfig::new(&[evil.addr(), honest[0].addr(), honest[1].addr()]);
        config(&mut c);
        let client = MachineClient::start(c);
        Scenario { chain, evil, honest, client }
    }

    fn add_honest(&mut self) {
        for addr in self.honest.iter().map(TestNode::addr) {
            self.client.with(move |m| m.add_peer(addr, now_ms()));
        }
    }

    fn evil_peer(&mut self) -> PeerId {
        let addr = self.evil.addr();
        self.client.wait_ready(addr).0
    }

    /// The malicious peer's first disconnect.
    fn evil_dropped(&mut self) -> DisconnectReason {
        let addr = self.evil.addr();
        self.client.wait_gone(addr)
    }

    /// Whether the client bans the malicious node's address (and not the honest ones', which
    /// share its IP).
    fn evil_banned(&self) -> bool {
        let honest: Vec<SocketAddr> = self.honest.iter().map(TestNode::addr).collect();
        let evil = self.evil.addr();
        self.client.with(move |m| {
            let now = now_ms();
            let bans = m.peers().bans();
            for h in honest {
                assert!(!bans.is_banned_addr(h, now), "an honest loopback peer was banned");
            }
            bans.is_banned_addr(evil, now)
        })
    }

    /// The end every scenario checks: the malicious node saw the client hang up; the honest
    /// peers are connected and were never dropped; the client synced the whole chain.
    fn carries_on_with_the_honest_peers(&mut self) {
        assert!(
            self.evil.wait_for(GUARD, |ev| ev.iter().any(|e| matches!(
                e,
                dashlite_testkit::NodeEvent::Disconnected { reason: Disconnect::PeerClosed, .. }
            ))),
            "the malicious node saw the client close the connection"
        );
        self.syncs_with_the_honest_peers();
    }

    /// The honest peers are connected, were never dropped, and the client synced the chain.
    fn syncs_with_the_honest_peers(&mut self) {
        for h in &self.honest {
            self.client.wait_ready(h.addr());
        }
        let height = self.chain.height();
        self.client.first("Synced at the tip", is_synced_at(height));
        assert_eq!(self.client.with(|m| m.tree().tip().height), height);
        for h in &self.honest {
            assert!(self.client.disconnects_of(h.addr()).is_empty(), "honest peer dropped");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Handshake.
// ---------------------------------------------------------------------------------------------

#[test]
fn handshake_messages_reach_the_testkit_in_dash_core_order() {
    let chain = SharedChain::with_blocks(5);
    let compressed = TestNode::start(&chain);
    let plain = TestNode::start_with(
        &chain,
        NodeConfig::default().with_services(NODE_NETWORK | NODE_BLOOM),
    )
    .expect("node");
    // Discovery (no configured peers), so the handshake ends with getaddr.
    let mut config = MachineConfig::new(&[]);
    config.target = 2;
    config.watch = watching_alice();
    config.address_book = Some(seeded_book(&[compressed.addr(), plain.addr()]));
    let mut client = MachineClient::start(config);
    let filter = client.with(|m| m.sync().filter_load());
    for node in [&compressed, &plain] {
        let (_, info) = client.wait_ready(node.addr());
        assert_eq!(info.headers2, node.addr() == compressed.addr());
    }
    for (node, announce) in [(&compressed, "sendheaders2"), (&plain, "sendheaders")] {
        assert!(node.wait_for(GUARD, |ev| {
            ev.iter().any(|e| {
                matches!(e, dashlite_testkit::NodeEvent::Received { message: Message::GetAddr, .. })
            })
        }));
        let received = node.received(0);
        let commands: Vec<&str> = received.iter().map(Message::command_name).collect();
        assert_eq!(
            commands[..6],
            ["version", "sendaddrv2", "verack", "senddsq", announce, "filterload"],
            "{commands:?}"
        );
        assert!(commands.contains(&"getaddr"), "{commands:?}");
        assert_eq!(received[3], Message::SendDsq(SendDsq(false)));
        assert_eq!(received[5], Message::FilterLoad(filter.clone()));
        let Message::Version(v) = &received[0] else { unreachable!() };
        assert_eq!((v.services, v.relay), (0, false));
        assert!(v.user_agent_lossy().starts_with("/dashlite:"));
    }
    client.stop();
}

#[test]
fn peers_below_70221_or_without_bloom_are_refused() {
    let chain = SharedChain::with_blocks(5);
    let old =
        TestNode::start_with(&chain, NodeConfig::default().with_version(70220)).expect("node");
    let no_bloom = TestNode::start_with(
        &chain,
        NodeConfig::default().with_services(NODE_NETWORK | NODE_HEADERS_COMPRESSED),
    )
    .expect("node");
    let mut client = MachineClient::start(MachineConfig::new(&[old.addr(), no_bloom.addr()]));
    assert_eq!(client.wait_gone(old.addr()), DisconnectReason::ProtocolTooOld(70220));
    assert_eq!(
        client.wait_gone(no_bloom.addr()),
        DisconnectReason::NoBloom(NODE_NETWORK | NODE_HEADERS_COMPRESSED)
    );
    for node in [&old, &no_bloom] {
        assert!(node.wait_for(GUARD, |ev| ev
            .iter()
            .any(|e| matches!(e, dashlite_testkit::NodeEvent::Disconnected { .. }))));
        // Refused at its version: ours was the only message it got, no verack, no filter.
        assert_eq!(node.commands(0), ["version"]);
    }
    client.drain();
    assert!(!client.seen.iter().any(|e| matches!(e, Event::PeerConnected { .. })));
    // Refusal is not misbehaviour: nothing is banned.
    assert!(client.stop().peers().bans().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Headers.
// ---------------------------------------------------------------------------------------------

/// Header faults the sync engine finds in its sync peer's answer: one round, score 100.
fn invalid_headers_are_scored_100_dropped_and_banned(mode: Mode) {
    let mut s = Scenario::alone(SharedChain::with_blocks(30), mode, |_| {});
    let evil = s.evil_peer();
    assert_eq!(s.evil_dropped(), DisconnectReason::Misbehaving(100));
    assert!(
        matches!(s.client.misbehaviour_of(evil)[..], [(Misbehavior::InvalidHeader(_), 100)]),
        "{:?}",
        s.client.misbehaviour_of(evil)
    );
    assert!(s.evil_banned());
    s.add_honest();
    s.carries_on_with_the_honest_peers();
}

#[test]
fn headers_with_invalid_proof_of_work_end_in_score_100_and_a_ban() {
    invalid_headers_are_scored_100_dropped_and_banned(Mode::InvalidPow { from_height: 20 });
}

#[test]
fn headers_with_wrong_nbits_end_in_score_100_and_a_ban() {
    invalid_headers_are_scored_100_dropped_and_banned(Mode::WrongBits { from_height: 20 });
}

/// A reply longer than an announcement whose first header has an unknown parent is scored as
/// a missing parent (10, Dash Core's `Unconnected`), and the sync peer is asked again: the
/// tenth reply reaches 100.
#[test]
fn unconnecting_header_batches_add_10_each_until_the_peer_is_dropped() {
    let mut s = Scenario::alone(SharedChain::with_blocks(20), Mode::HeadersNotConnecting, |_| {});
    let evil = s.evil_peer();
    assert_eq!(s.evil_dropped(), DisconnectReason::Misbehaving(100));
    let penalties = s.client.misbehaviour_of(evil);
    let scores: Vec<u32> = penalties.iter().map(|(_, t)| *t).collect();
    assert_eq!(scores, (1..=10).map(|i| i * 10).collect::<Vec<_>>());
    assert!(penalties.iter().all(|(w, _)| matches!(w, Misbehavior::InvalidHeader(_))));
    assert!(s.evil_banned());
    s.add_honest();
    s.carries_on_with_the_honest_peers();
}

/// Changed on purpose: announcement-sized unconnecting batches (at most 8 headers) follow
/// Dash Core's `HandleFewUnconnectingHeaders` — each is counted and answered with a
/// `getheaders`, and only every tenth in a row scores (20) — where the old p2p layer added 10
/// for each. The peer that never connects is dropped at the fiftieth.
#[test]
fn unconnecting_announcements_score_20_every_tenth_until_the_peer_is_dropped() {
    let mut s = Scenario::alone(SharedChain::with_blocks(5), Mode::HeadersNotConnecting, |_| {});
    let evil = s.evil_peer();
    assert_eq!(s.evil_dropped(), DisconnectReason::Misbehaving(100));
    let penalties = s.client.misbehaviour_of(evil);
    let expected: Vec<(Misbehavior, u32)> =
        (1..=5).map(|i| (Misbehavior::UnconnectingHeaders { count: 10 * i }, 20 * i)).collect();
    assert_eq!(penalties, expected);
    assert!(s.evil.count("getheaders2") >= 50, "asked again after each batch");
    assert!(s.evil_banned());
    s.add_honest();
    s.carries_on_with_the_honest_peers();
}

#[test]
fn headers2_above_8000_are_oversized_and_the_fifth_drops_the_peer() {
    // The reply does not decode (8,001 entries): no answer reaches the sync engine, which asks
    // again when its (shortened) header timeout runs out.
    let mut s = Scenario::alone(SharedChain::with_blocks(10), Mode::OversizedHeaders, |c| {
        c.sync = |s| s.headers_timeout = SECOND / 2;
    });
    let evil = s.evil_peer();
    assert_eq!(s.evil_dropped(), DisconnectReason::Misbehaving(100));
    let penalties = s.client.misbehaviour_of(evil);
    let scores: Vec<u32> = penalties.iter().map(|(_, t)| *t).collect();
    assert_eq!(scores, [20, 40, 60, 80, 100]);
    assert!(penalties.iter().all(|(w, _)| *w == Misbehavior::Oversized(Oversize::Headers2)));
    assert!(s.evil_banned());
    s.add_honest();
    s.carries_on_with_the_honest_peers();
}

/// Dash Core does not score a start height; neither does dashlite. One peer's claim never
/// becomes the network height the client reports: that needs two peers to agree. The liar
/// joins two honest peers after they synced the client, and a new block is announced.
#[test]
fn a_lying_start_height_is_not_believed_from_one_peer() {
    let chain = SharedChain::with_blocks(20);
    let evil = TestNode::start_with(
        &chain,
        NodeConfig::default().with_mode(Mode::LyingStartHeight(1_000_000)),
    )
    .expect("malicious node");
    let honest = dashlite_testkit::start_nodes(&chain, 2);
    let mut c = MachineConfig::new(&[honest[0].addr(), honest[1].addr()]);
    c.target = 3;
    let client = MachineClient::start(c);
    let mut s = Scenario { chain, evil, honest, client };
    s.syncs_with_the_honest_peers();
    let addr = s.evil.addr();
    s.client.with(move |m| m.add_peer(addr, now_ms()));
    let (evil, info) = s.client.wait_ready(addr);
    assert_eq!(info.start_height, 1_000_000);
    s.honest[0].mine(1);
    let headers = s.client.wait("the new header", |e| {
        matches!(e, Event::Sync(SyncEvent::Headers { height: 21, .. }))
    });
    let Event::Sync(SyncEvent::Headers { network_height, .. }) = headers else { unreachable!() };
    assert_eq!(network_height, 21);
    s.client.drain();
    let claimed: Vec<u32> = s
        .client
        .seen
        .iter()
        .filter_map(|e| match e {
            Event::Sync(SyncEvent::Headers { network_height, .. }) => Some(*network_height),
            _ => None,
        })
        .collect();
    assert!(claimed.iter().all(|h| *h <= 21), "{claimed:?}");
    assert!(s.client.misbehaviour_of(evil).is_empty());
    assert!(s.client.disconnects_of(addr).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Filtered blocks and unsolicited data.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_forged_merkle_block_is_scored_100_and_the_payment_found_through_the_honest_peers() {
    for forgery in [Forgery::WrongRoot, Forgery::ExtraHash, Forgery::DuplicatedLeaf] {
        let chain = SharedChain::with_blocks(5);
        let paid = chain.send(&alice().p2pkh(), 2 * COIN);
        chain.send(&TestKey::from_seed("bob").p2pkh(), COIN);
        chain.mine(1);
        let mut s = Scenario::alone(chain, Mode::ForgedMerkleBlock(forgery), |c| {
            c.watch = watching_alice();
        });
        let evil = s.evil_peer();
        assert_eq!(s.evil_dropped(), DisconnectReason::Misbehaving(100), "{forgery:?}");
        assert_eq!(
            s.client.misbehaviour_of(evil),
            [(Misbehavior::BadMerkleBlock, 100)],
            "{forgery:?}"
        );
        assert!(s.evil_banned());
        s.add_honest();
        s.carries_on_with_the_honest_peers();
        let found = s.client.with(move |m| {
            m.wallet().transaction(&paid.txid()).and_then(|w| w.status.block()).map(|b| b.height)
        });
        assert_eq!(found, Some(6), "{forgery:?}");
    }
}

#[test]
fn unsolicited_mnlistdiff_is_scored_100() {
    let mnlistdiff = Message::Unknown {
        command: WireCommand::new("mnlistdiff").expect("command"),
        payload: vec![0; 8],
    };
    let mut s =
        Scenario::alone(SharedChain::with_blocks(5), Mode::Unsolicited(vec![mnlistdiff]), |_| {});
    let evil = s.evil_peer();
    assert_eq!(s.evil_dropped(), DisconnectReason::Misbehaving(100));
    assert_eq!(
        s.client.misbehaviour_of(evil),
        [(Misbehavior::UnsolicitedMasternodeData(MasternodeData::ListDiff), 100)]
    );
    assert!(s.evil_banned());
    s.add_honest();
    s.carries_on_with_the_honest_peers();
}

/// Changed on purpose: a `merkleblock` nobody asked this peer for (or asked for so long ago
/// that its request was dealt to another peer) is not used and costs the peer nothing — a
/// late answer looks exactly like it, and Dash Core scores neither. The old p2p layer scored
/// each 10.
#[test]
fn unsolicited_merkle_blocks_are_ignored_not_scored() {
    let chain = SharedChain::with_blocks(12);
    let unasked: Vec<Message> = (1..=10)
        .map(|h| {
            let block = chain.read().block(h).expect("block");
            let txids: Vec<_> = block.transactions.iter().map(|t| t.txid()).collect();
            let tree = PartialMerkleTree::from_txids(&txids, &vec![false; txids.len()]);
            Message::MerkleBlock(MerkleBlock::new(block.header, tree))
        })
        .collect();
    let mut s = Scenario::alone(chain, Mode::Unsolicited(unasked), |_| {});
    let evil = s.evil_peer();
    s.add_honest();
    s.syncs_with_the_honest_peers();
    assert!(s.client.misbehaviour_of(evil).is_empty());
    assert!(s.client.disconnects_of(s.evil.addr()).is_empty());
    assert!(!s.evil_banned());
}

// ---------------------------------------------------------------------------------------------
// Addresses.
// ---------------------------------------------------------------------------------------------

#[test]
fn oversized_addr_messages_are_scored_20_each_and_the_fifth_drops_the_peer() {
    let mut s = Scenario::alone(
        SharedChain::with_blocks(5),
        Mode::AddrFlood { per_message: 1001, messages: 5 },
        |_| {},
    );
    let evil = s.evil_peer();
    assert_eq!(s.evil_dropped(), DisconnectReason::Misbehaving(100));
    let penalties = s.client.misbehaviour_of(evil);
    assert_eq!(penalties.iter().map(|(_, t)| *t).collect::<Vec<_>>(), [20, 40, 60, 80, 100]);
    assert!(penalties.iter().all(|(w, _)| matches!(
        w,
        Misbehavior::Oversized(Oversize::Addr) | Misbehavior::Oversized(Oversize::AddrV2)
    )));
    assert!(s.evil_banned());
    s.add_honest();
    s.carries_on_with_the_honest_peers();
}

#[test]
fn an_addr_flood_within_the_limits_is_rate_limited_not_scored() {
    let mut s = Scenario::together(
        SharedChain::with_blocks(5),
        Mode::AddrFlood { per_message: 1000, messages: 3 },
        |_| {},
    );
    let evil = s.evil_peer();
    // 3,000 addresses arrive at once; the token bucket (1,000, +0.1/s) admits about 1,000.
    let deadline = Instant::now() + GUARD;
    let gossip = loop {
        let gossip = s.client.with(|m| {
            m.peers().address_book().iter().filter(|e| e.source == AddrSource::Gossip).count()
        });
        if gossip >= 1000 || Instant::now() > deadline {
            break gossip;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!((1000..1010).contains(&gossip), "{gossip} gossiped addresses kept");
    assert!(s.client.misbehaviour_of(evil).is_empty());
    assert!(s.client.disconnects_of(s.evil.addr()).is_empty());
}

#[test]
fn the_address_book_fills_from_addr_and_addrv2_and_survives_a_restart() {
    let chain = SharedChain::with_blocks(5);
    // `old` speaks protocol 70222: no sendaddrv2 either way, it answers getaddr with `addr`;
    // `new` answers with `addrv2`. Each also lists an address only it knows.
    let only_in_addr = closed_port();
    let only_in_addrv2 = closed_port();
    let mut old = TestNode::start_with(
        &chain,
        NodeConfig { addresses: vec![only_in_addr], ..NodeConfig::default().with_version(70222) },
    )
    .expect("node");
    let mut new = TestNode::start_with(
        &chain,
        NodeConfig { addresses: vec![only_in_addrv2], ..NodeConfig::default() },
    )
    .expect("node");
    let third = TestNode::start(&chain);

    let mut config = MachineConfig::new(&[]);
    config.target = 2;
    config.address_book = Some(seeded_book(&[old.addr(), new.addr()]));
    let mut client = MachineClient::start(config.clone());
    client.wait_ready(old.addr());
    client.wait_ready(new.addr());
    for node in [&old, &new] {
        assert!(node.wait_for(GUARD, |ev| ev.iter().any(|e| matches!(
            e,
            dashlite_testkit::NodeEvent::Received { message: Message::GetAddr, .. }
        ))));
    }
    assert!(!old.commands(0).contains(&"sendaddrv2".to_owned()));
    let wanted = [only_in_addr, only_in_addrv2, third.addr()];
    let deadline = Instant::now() + GUARD;
    loop {
        let sources: Vec<Option<AddrSource>> = client.with(move |m| {
            let book = m.peers().address_book();
            wanted.iter().map(|a| book.get(&Endpoint::ip(*a)).map(|e| e.source)).collect()
        });
        if sources.iter().all(Option::is_some) {
            assert!(sources.iter().all(|s| *s == Some(AddrSource::Gossip)), "{sources:?}");
            break;
        }
        assert!(Instant::now() < deadline, "gossip not in the book: {sources:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let stored = client.stop().into_parts().address_book;

    // Restart from the stored book alone, with the two seeded nodes gone: the client can only
    // reach the third node, which it knows from gossip.
    old.stop();
    new.stop();
    assert_eq!(stored.get(&Endpoint::ip(old.addr())).map(|e| e.successes), Some(1));
    assert!(stored.get(&Endpoint::ip(third.addr())).is_some());
    let restored = AddrBook::from_bytes(&stored.to_bytes(), 100).expect("book round-trips");
    config.address_book = Some(restored);
    config.target = 1;
    let mut client = MachineClient::start(config);
    client.wait_ready(third.addr());
    // (The client is ready once it has the testkit's verack, which may be before the testkit
    // has read ours.)
    assert!(third.wait_for(GUARD, |ev| ev.iter().any(|e| matches!(
        e,
        dashlite_testkit::NodeEvent::Received { message: Message::Verack, .. }
    ))));
    assert_eq!(third.commands(0)[..3], ["version", "sendaddrv2", "verack"]);
    client.stop();
}

// ---------------------------------------------------------------------------------------------
// Transport faults.
// ---------------------------------------------------------------------------------------------

/// The v1 envelope's faults need a v1 connection.
fn v1(c: &mut MachineConfig) {
    c.v2 = dashlite::p2p::V2Policy::Never;
}

#[test]
fn a_peer_framing_with_the_wrong_magic_is_dropped() {
    let mut s =
        Scenario::together(SharedChain::with_blocks(5), Mode::WrongMagic { command: None }, v1);
    let reason = s.evil_dropped();
    assert!(matches!(reason, DisconnectReason::Frame(FrameError::BadMagic { .. })), "{reason:?}");
    s.carries_on_with_the_honest_peers();
}

#[test]
fn a_peer_declaring_an_oversized_payload_is_dropped() {
    let mut s = Scenario::together(
        SharedChain::with_blocks(5),
        Mode::OversizedLength { command: None },
        v1,
    );
    let reason = s.evil_dropped();
    assert!(matches!(reason, DisconnectReason::Frame(FrameError::Oversized { .. })), "{reason:?}");
    s.carries_on_with_the_honest_peers();
}

#[test]
fn a_peer_whose_checksums_are_all_wrong_never_completes_the_handshake() {
    // Dash Core drops a frame with a bad checksum without penalty; every frame of this peer
    // is dropped, so its handshake times out.
    let mut s =
        Scenario::together(SharedChain::with_blocks(5), Mode::BadChecksum { command: None }, |c| {
            v1(c);
            c.timeouts = short(|t| t.handshake = 2 * SECOND);
        });
    assert_eq!(s.evil_dropped(), DisconnectReason::HandshakeTimeout);
    s.carries_on_with_the_honest_peers();
}

#[test]
fn a_slowloris_peer_is_dropped_as_stalled_while_requests_wait() {
    // The sync engine asks it for headers at once; the answer trickles at ~100 bytes/s. On
    // v1, so that the handshake is a few hundred bytes (a v2 responder's garbage alone may be
    // 4,095 bytes, 40 s at this rate).
    let mut s = Scenario::alone(
        SharedChain::with_blocks(30),
        Mode::Slowloris { chunk: 1, pause: Duration::from_millis(10) },
        |c| {
            v1(c);
            c.timeouts = short(|t| t.stall = 2 * SECOND);
        },
    );
    s.evil_peer();
    assert_eq!(s.evil_dropped(), DisconnectReason::Stalled);
    s.add_honest();
    s.carries_on_with_the_honest_peers();
}

// ---------------------------------------------------------------------------------------------
// Liveness and replacement.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_peer_that_never_answers_pings_times_out() {
    let chain = SharedChain::with_blocks(5);
    let mute = TestNode::start_with(
        &chain,
        NodeConfig::default().with_mode(Mode::Stall { command: Some("ping".into()) }),
    )
    .expect("node");
    let mut config = MachineConfig::new(&[mute.addr()]);
    config.timeouts = short(|t| t.pong = 2 * SECOND);
    let mut client = MachineClient::start(config);
    client.wait_ready(mute.addr());
    assert_eq!(client.wait_gone(mute.addr()), DisconnectReason::PingTimeout);
    let pings = mute.commands(0).iter().filter(|c| *c == "ping").count();
    assert_eq!(pings, 1, "the one ping at the handshake's end went unanswered");
    client.stop();
}

#[test]
fn a_stalled_peer_is_replaced_by_another_address() {
    let chain = SharedChain::with_blocks(10);
    let staller = TestNode::start_with(
        &chain,
        NodeConfig::default().with_mode(Mode::Stall { command: Some("getheaders2".into()) }),
    )
    .expect("node");
    let honest = TestNode::start(&chain);
    let mut config = MachineConfig::new(&[staller.addr()]);
    config.timeouts = short(|t| t.stall = SECOND);
    let mut client = MachineClient::start(config);
    client.wait_ready(staller.addr());
    // A second address becomes known while the client is at its target of one peer.
    let addr = honest.addr();
    client.with(move |m| m.add_peer(addr, now_ms()));
    assert_eq!(client.wait_gone(staller.addr()), DisconnectReason::Stalled);
    // Should the client dial the staller again, it stalls again; the honest address takes
    // over and the chain is synced from it.
    client.wait_ready(honest.addr());
    client.first("Synced at the tip", is_synced_at(10));
    assert!(client.disconnects_of(honest.addr()).is_empty());
    client.stop();
}

/// A block peer that takes our `getdata` and never answers it delivers nothing while requests
/// wait: the connection's stall detection drops it (no score: slowness is not a lie), and the
/// blocks come from the honest peers.
#[test]
fn a_peer_that_never_answers_its_getdata_is_timed_out_and_dropped() {
    let chain = SharedChain::with_blocks(10);
    let paid = chain.send(&alice().p2pkh(), 2 * COIN);
    chain.mine(1);
    let mut s = Scenario::alone(chain, Mode::Stall { command: Some("getdata".into()) }, |c| {
        c.watch = watching_alice();
        c.timeouts = short(|t| t.stall = 2 * SECOND);
    });
    let evil = s.evil_peer();
    assert_eq!(s.evil_dropped(), DisconnectReason::Stalled);
    assert!(s.evil.count("getdata") >= 1, "the block peer was asked");
    assert!(s.client.misbehaviour_of(evil).is_empty());
    assert!(!s.evil_banned());
    s.add_honest();
    s.syncs_with_the_honest_peers();
    let found = s.client.with(move |m| m.wallet().transaction(&paid.txid()).is_some());
    assert!(found);
}
