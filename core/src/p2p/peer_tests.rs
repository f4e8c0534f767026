//! The per-peer state machine with virtual time: handshake order, refusals, pings, stalls.

use super::handshake::HandshakeConfig;
use super::liveness::HANDSHAKE_TIMEOUT;
use super::liveness::{
    Liveness, MIN_DELIVERY_RATE, PING_INTERVAL, PONG_TIMEOUT, STALL_TIMEOUT, TIMEOUT_INTERVAL,
};
use super::peer::{Peer, Step};
use super::services::*;
use super::*;
use crate::hash::{BlockHash, Hash256};
use crate::network::Network;
use crate::wire::{
    FilterLoad, GetHeaders2, NetAddress, Ping, Pong, SendDsq, Version, VersionExtent,
};

const T0: Time = 1_700_000_000_000;
const FULL_NODE: u64 = NODE_NETWORK | NODE_BLOOM | NODE_NETWORK_LIMITED | NODE_HEADERS_COMPRESSED;

pub(super) fn their_version(version: i32, services: u64, height: i32) -> Version {
    Version {
        version,
        services,
        timestamp: (T0 / 1000) as i64,
        addr_recv: NetAddress::default(),
        addr_from: NetAddress::default(),
        nonce: 0x5eed,
        user_agent: b"/Dash Core:23.1.2/".to_vec(),
        start_height: height,
        relay: true,
        mnauth_challenge: Hash256::ZERO,
        masternode: false,
        extent: VersionExtent::Masternode,
        trailing: Vec::new(),
    }
}

fn config() -> HandshakeConfig {
    HandshakeConfig {
        network: Network::Regtest,
        devnet_name: None,
        require_bloom: true,
        request_addresses: true,
    }
}

fn filter() -> FilterLoad {
    FilterLoad { data: vec![0xaa; 8], hash_funcs: 5, tweak: 7, flags: 1 }
}

fn sent(out: &mut Vec<Output>) -> Vec<Message> {
    out.drain(..)
        .map(|o| match o {
            Output::Send { message, .. } => message,
            other => panic!("unexpected output {other:?}"),
        })
        .collect()
}

fn names(msgs: &[Message]) -> Vec<&str> {
    msgs.iter().map(|m| m.command_name()).collect()
}

/// A peer whose handshake is complete at `T0`, its outputs drained.
fn ready_peer(services: u64) -> (Peer, Vec<Output>) {
    let cfg = config();
    let mut out = Vec::new();
    let mut p = Peer::new(PeerId(1), "127.0.0.1:19899".parse().unwrap(), 99, T0);
    p.on_connected(&cfg, 0, T0, &mut out);
    let v = Message::Version(their_version(70240, services, 500));
    p.on_message(&cfg, v, &mut NoFilter, T0, &mut out).unwrap();
    p.on_message(&cfg, Message::Verack, &mut NoFilter, T0, &mut out).unwrap();
    out.clear();
    (p, out)
}

#[test]
fn handshake_goes_version_then_sendaddrv2_verack_then_senddsq_sendheaders2_filterload() {
    let cfg = config();
    let mut out = Vec::new();
    let mut filters = filter();
    let mut p = Peer::new(PeerId(1), "127.0.0.1:19899".parse().unwrap(), 99, T0);
    p.on_connected(&cfg, 1234, T0, &mut out);
    let first = sent(&mut out);
    assert_eq!(names(&first), ["version"]);
    let Message::Version(ours) = &first[0] else { unreachable!() };
    assert_eq!(ours.version, 70240);
    assert_eq!(ours.services, 0);
    assert!(!ours.relay, "relay stays off until the filter is loaded");
    assert!(ours.mnauth_challenge.is_zero());
    assert!(!ours.masternode);
    assert_eq!(ours.extent, VersionExtent::Masternode);
    assert_eq!(ours.start_height, 1234);
    assert_eq!(ours.nonce, 99);
    assert_eq!(ours.user_agent_lossy(), format!("/dashlite:{}/", env!("CARGO_PKG_VERSION")));

    let v = Message::Version(their_version(70240, FULL_NODE, 500));
    assert_eq!(p.on_message(&cfg, v, &mut filters, T0, &mut out), Ok(Step::Consumed));
    assert_eq!(names(&sent(&mut out)), ["sendaddrv2", "verack"]);

    let step = p.on_message(&cfg, Message::SendAddrV2, &mut filters, T0, &mut out).unwrap();
    assert_eq!(step, Step::Consumed);
    assert!(out.is_empty());

    let step = p.on_message(&cfg, Message::Verack, &mut filters, T0, &mut out).unwrap();
    let after = sent(&mut out);
    assert_eq!(names(&after), ["senddsq", "sendheaders2", "filterload", "getaddr"]);
    assert_eq!(after[0], Message::SendDsq(SendDsq(false)));
    assert_eq!(after[2], Message::FilterLoad(filter()));
    let Step::Ready { info, filter_loaded } = step else { panic!("not ready: {step:?}") };
    assert!(filter_loaded && info.headers2 && info.wants_addrv2);
    assert_eq!((info.version, info.start_height), (70240, 500));
    assert!(p.is_ready());
}

#[test]
fn peer_without_headers_compressed_is_sent_sendheaders() {
    let cfg = config();
    let mut out = Vec::new();
    let mut p = Peer::new(PeerId(1), "127.0.0.1:1".parse().unwrap(), 99, T0);
    p.on_connected(&cfg, 0, T0, &mut out);
    let v = Message::Version(their_version(70240, NODE_NETWORK | NODE_BLOOM, 5));
    p.on_message(&cfg, v, &mut NoFilter, T0, &mut out).unwrap();
    out.clear();
    let step = p.on_message(&cfg, Message::Verack, &mut NoFilter, T0, &mut out).unwrap();
    assert_eq!(names(&sent(&mut out)), ["senddsq", "sendheaders", "getaddr"]);
    assert!(matches!(step, Step::Ready { filter_loaded: false, .. }));
}

#[test]
fn version_below_70221_is_refused_before_anything_is_sent() {
    let cfg = config();
    let mut out = Vec::new();
    let mut p = Peer::new(PeerId(1), "127.0.0.1:1".parse().unwrap(), 99, T0);
    p.on_connected(&cfg, 0, T0, &mut out);
    out.clear();
    let v = Message::Version(their_version(70220, FULL_NODE, 5));
    let err = p.on_message(&cfg, v, &mut NoFilter, T0, &mut out).unwrap_err();
    assert_eq!(err, DisconnectReason::ProtocolTooOld(70220));
    assert!(out.is_empty());
    // 70221 is accepted, but sendaddrv2 needs a common version of 70223.
    let mut p = Peer::new(PeerId(2), "127.0.0.1:1".parse().unwrap(), 99, T0);
    p.on_connected(&cfg, 0, T0, &mut out);
    out.clear();
    let v = Message::Version(their_version(70221, FULL_NODE, 5));
    p.on_message(&cfg, v, &mut NoFilter, T0, &mut out).unwrap();
    assert_eq!(names(&sent(&mut out)), ["verack"]);
}

#[test]
fn peer_without_node_bloom_is_refused_with_its_services() {
    let cfg = config();
    let mut out = Vec::new();
    let mut p = Peer::new(PeerId(1), "127.0.0.1:1".parse().unwrap(), 99, T0);
    p.on_connected(&cfg, 0, T0, &mut out);
    let v = Message::Version(their_version(70240, NODE_NETWORK | NODE_HEADERS_COMPRESSED, 5));
    let err = p.on_message(&cfg, v, &mut NoFilter, T0, &mut out).unwrap_err();
    assert_eq!(err, DisconnectReason::NoBloom(NODE_NETWORK | NODE_HEADERS_COMPRESSED));
    assert!(err.to_string().contains("NODE_BLOOM"));
}

#[test]
fn our_own_nonce_means_we_connected_to_ourselves() {
    let cfg = config();
    let mut out = Vec::new();
    let mut p = Peer::new(PeerId(1), "127.0.0.1:1".parse().unwrap(), 0x5eed, T0);
    p.on_connected(&cfg, 0, T0, &mut out);
    let v = Message::Version(their_version(70240, FULL_NODE, 5));
    assert_eq!(
        p.on_message(&cfg, v, &mut NoFilter, T0, &mut out),
        Err(DisconnectReason::SelfConnection)
    );
}

#[test]
fn devnet_user_agents_carry_the_devnet_name_both_ways() {
    let cfg = HandshakeConfig {
        network: Network::Devnet,
        devnet_name: Some("mobile".into()),
        ..config()
    };
    assert_eq!(
        cfg.user_agent(),
        format!("/dashlite:{}(devnet.devnet-mobile)/", env!("CARGO_PKG_VERSION"))
    );
    let mut v = their_version(70240, FULL_NODE, 5);
    let err = cfg.check_peer_version(&v, 1).unwrap_err();
    assert!(
        matches!(err, DisconnectReason::WrongDevnet { ref expected, .. } if expected == "devnet.devnet-mobile")
    );
    v.user_agent = b"/Dash Core:23.1.2(devnet.devnet-mobile)/".to_vec();
    assert_eq!(cfg.check_peer_version(&v, 1), Ok(()));
    let unnamed = HandshakeConfig { network: Network::Devnet, devnet_name: None, ..config() };
    assert!(unnamed.user_agent().ends_with("(devnet.devnet)/"));
    // Off devnets there is no marker and none is required.
    assert!(!config().user_agent().contains("devnet"));
}

#[test]
fn sendaddrv2_after_verack_disconnects() {
    let (mut p, mut out) = ready_peer(FULL_NODE);
    let err = p.on_message(&config(), Message::SendAddrV2, &mut NoFilter, T0, &mut out);
    assert_eq!(err, Err(DisconnectReason::SendAddrV2AfterVerack));
}

#[test]
fn messages_before_version_are_ignored_and_never_forwarded() {
    let cfg = config();
    let mut out = Vec::new();
    let mut p = Peer::new(PeerId(1), "127.0.0.1:1".parse().unwrap(), 99, T0);
    p.on_connected(&cfg, 0, T0, &mut out);
    out.clear();
    for m in [Message::Verack, Message::Ping(Ping { nonce: 3 }), Message::GetAddr] {
        assert_eq!(p.on_message(&cfg, m, &mut NoFilter, T0, &mut out), Ok(Step::Consumed));
    }
    assert!(out.is_empty());
    assert!(!p.is_ready());
}

#[test]
fn handshake_that_does_not_finish_in_60_seconds_times_out() {
    let cfg = config();
    let mut out = Vec::new();
    let mut p = Peer::new(PeerId(1), "127.0.0.1:1".parse().unwrap(), 99, T0);
    p.on_connected(&cfg, 0, T0, &mut out);
    assert_eq!(p.next_deadline(), T0 + HANDSHAKE_TIMEOUT);
    assert_eq!(p.on_tick(T0 + HANDSHAKE_TIMEOUT - 1, 1, &mut out), Ok(()));
    assert_eq!(
        p.on_tick(T0 + HANDSHAKE_TIMEOUT, 1, &mut out),
        Err(DisconnectReason::HandshakeTimeout)
    );
}

#[test]
fn pings_every_two_minutes_and_answers_pings() {
    let (mut p, mut out) = ready_peer(FULL_NODE);
    p.on_tick(T0, 77, &mut out).unwrap();
    assert_eq!(sent(&mut out), [Message::Ping(Ping { nonce: 77 })]);
    p.on_message(&config(), Message::Pong(Pong { nonce: 77 }), &mut NoFilter, T0 + 40, &mut out)
        .unwrap();
    assert_eq!(p.liveness().unwrap().rtt(), Some(40));
    p.on_tick(T0 + PING_INTERVAL - 1, 78, &mut out).unwrap();
    assert!(out.is_empty());
    p.on_tick(T0 + PING_INTERVAL, 78, &mut out).unwrap();
    assert_eq!(sent(&mut out), [Message::Ping(Ping { nonce: 78 })]);
    let step =
        p.on_message(&config(), Message::Ping(Ping { nonce: 5 }), &mut NoFilter, T0, &mut out);
    assert_eq!(step, Ok(Step::Consumed));
    assert_eq!(sent(&mut out), [Message::Pong(Pong { nonce: 5 })]);
}

#[test]
fn unanswered_ping_times_out_after_a_minute_of_silence() {
    let (mut p, mut out) = ready_peer(FULL_NODE);
    p.on_tick(T0, 77, &mut out).unwrap();
    // A pong with the wrong nonce does not count.
    p.on_message(&config(), Message::Pong(Pong { nonce: 1 }), &mut NoFilter, T0 + 5, &mut out)
        .unwrap();
    assert_eq!(p.on_tick(T0 + PONG_TIMEOUT - 1, 1, &mut out), Ok(()));
    assert_eq!(p.on_tick(T0 + PONG_TIMEOUT, 1, &mut out), Err(DisconnectReason::PingTimeout));
}

#[test]
fn pong_stuck_behind_a_large_message_is_excused_while_bytes_arrive_but_not_forever() {
    let (mut p, mut out) = ready_peer(FULL_NODE);
    p.on_tick(T0, 77, &mut out).unwrap();
    out.clear();
    // A slow link delivering 600 B/s (above MIN_DELIVERY_RATE): every second, 600 bytes.
    let mut t = T0;
    while t < T0 + TIMEOUT_INTERVAL - SECOND {
        t += SECOND;
        p.on_bytes(600, t);
        assert_eq!(p.on_tick(t, 1, &mut out), Ok(()), "at {}s", (t - T0) / 1000);
    }
    t += SECOND;
    p.on_bytes(600, t);
    assert_eq!(p.on_tick(t, 1, &mut out), Err(DisconnectReason::PingTimeout));
}

fn getheaders2() -> Message {
    Message::GetHeaders2(GetHeaders2::new(70240, vec![BlockHash::ZERO], BlockHash::ZERO))
}

#[test]
fn request_without_any_delivery_stalls_after_the_stall_timeout() {
    let mut l = Liveness::new(T0);
    l.on_sent(&getheaders2(), T0);
    assert!(!l.is_stalled(T0 + STALL_TIMEOUT - 1));
    assert!(l.is_stalled(T0 + STALL_TIMEOUT));
    // With the first ping answered, the next thing due is the stall check.
    l.ping_due(T0, 1);
    l.on_pong(1, T0);
    assert_eq!(l.next_deadline(), T0 + STALL_TIMEOUT);
}

#[test]
fn slow_link_that_keeps_delivering_is_not_stalled_but_a_trickle_is() {
    let slow = MIN_DELIVERY_RATE; // exactly the slowest acceptable rate
    let mut l = Liveness::new(T0);
    l.on_sent(&getheaders2(), T0);
    for s in 1..=600 {
        l.on_bytes(slow, T0 + s * SECOND);
        assert!(!l.is_stalled(T0 + s * SECOND), "slow link stalled at {s}s");
    }
    // The answer completes: the window restarts and nothing is outstanding.
    l.on_received(&Message::Headers2(Default::default()), T0 + 600 * SECOND);
    assert_eq!(l.in_flight().total(), 0);
    assert!(!l.is_stalled(T0 + 3600 * SECOND));

    // A peer that only answers pings (32 bytes every 2 minutes) stalls.
    let mut l = Liveness::new(T0);
    l.on_sent(&getheaders2(), T0);
    l.on_bytes(32, T0 + 30 * SECOND);
    assert!(!l.is_stalled(T0 + STALL_TIMEOUT - 1));
    assert!(l.is_stalled(T0 + STALL_TIMEOUT));
}

#[test]
fn silence_for_twenty_minutes_is_inactivity() {
    let mut l = Liveness::new(T0);
    assert_eq!(l.check(T0 + TIMEOUT_INTERVAL - 1), Ok(()));
    assert_eq!(l.check(T0 + TIMEOUT_INTERVAL), Err(DisconnectReason::Inactive));
    l.on_bytes(1, T0 + MINUTE);
    assert_eq!(l.check(T0 + TIMEOUT_INTERVAL), Ok(()));
}

#[test]
fn getdata_items_are_answered_by_their_own_kind_or_notfound() {
    use crate::wire::{GetData, InvType, Inventory, NotFound};
    let item = |t| Inventory::new(t, Hash256::ZERO);
    let mut l = Liveness::new(T0);
    l.on_sent(
        &Message::GetData(GetData::new(vec![
            item(InvType::FilteredBlock),
            item(InvType::FilteredBlock),
            item(InvType::Tx),
        ])),
        T0,
    );
    assert_eq!((l.in_flight().blocks, l.in_flight().data), (2, 1));
    l.on_received(&Message::MerkleBlock(merkle_block()), T0 + 1);
    l.on_received(
        &Message::NotFound(NotFound::new(vec![item(InvType::FilteredBlock), item(InvType::Tx)])),
        T0 + 2,
    );
    assert_eq!(l.in_flight().total(), 0);
}

fn merkle_block() -> crate::wire::MerkleBlock {
    let frames = crate::p2p::session_tests::session_frames();
    frames
        .into_iter()
        .find_map(|(_, m)| match m {
            Message::MerkleBlock(b) => Some(b),
            _ => None,
        })
        .expect("the session has a merkleblock")
}

#[test]
fn mnlistdiff_is_penalised_unless_requested_and_then_forwarded() {
    let (mut p, mut out) = ready_peer(FULL_NODE);
    let cfg = config();
    let diff = || Message::Unknown {
        command: crate::wire::Command::new("mnlistdiff").unwrap(),
        payload: vec![1, 2, 3],
    };
    let step = p.on_message(&cfg, diff(), &mut NoFilter, T0, &mut out).unwrap();
    let unsolicited = Misbehavior::UnsolicitedMasternodeData(super::MasternodeData::ListDiff);
    assert_eq!(step, Step::Misbehaved(unsolicited.clone()));
    assert_eq!(unsolicited.score(), 100);
    let request = Message::Unknown {
        command: crate::wire::Command::new("getmnlistd").unwrap(),
        payload: vec![],
    };
    p.on_sent(&request, T0);
    let step = p.on_message(&cfg, diff(), &mut NoFilter, T0, &mut out).unwrap();
    assert_eq!(step, Step::Forward(diff()));
    // One request, one answer: a second diff is unsolicited again.
    let step = p.on_message(&cfg, diff(), &mut NoFilter, T0, &mut out).unwrap();
    assert_eq!(step, Step::Misbehaved(unsolicited));
}

#[test]
fn shortened_timeouts_apply_to_handshake_pong_and_stall() {
    let t =
        Timeouts { handshake: 2 * SECOND, pong: SECOND, stall: 3 * SECOND, ..Timeouts::default() };
    let cfg = config();
    let mut out = Vec::new();
    let mut p = Peer::with_timeouts(PeerId(1), "127.0.0.1:1".parse().unwrap(), 99, T0, t);
    p.on_connected(&cfg, 0, T0, &mut out);
    assert_eq!(p.next_deadline(), T0 + 2 * SECOND);
    assert_eq!(p.on_tick(T0 + 2 * SECOND, 1, &mut out), Err(DisconnectReason::HandshakeTimeout));
    let mut l = Liveness::with_timeouts(T0, t);
    assert!(l.ping_due(T0, 5).is_some());
    assert_eq!(l.next_deadline(), T0 + SECOND);
    assert_eq!(l.check(T0 + SECOND), Err(DisconnectReason::PingTimeout));
    l.on_pong(5, T0);
    l.on_sent(&Message::GetHeaders2(GetHeaders2::new(70240, vec![], BlockHash::ZERO)), T0);
    assert_eq!(l.next_deadline(), T0 + 3 * SECOND);
    assert_eq!(l.check(T0 + 3 * SECOND), Err(DisconnectReason::Stalled));
}

#[test]
fn senddsq_from_the_peer_is_recorded_and_consumed() {
    let cfg = config();
    let (mut p, mut out) = ready_peer(FULL_NODE);
    assert_eq!(p.dsq_preference(), None, "no senddsq yet");
    let step = p.on_message(&cfg, Message::SendDsq(SendDsq(true)), &mut NoFilter, T0, &mut out);
    assert_eq!(step, Ok(Step::Consumed));
    assert_eq!(p.dsq_preference(), Some(true));
    p.on_message(&cfg, Message::SendDsq(SendDsq(false)), &mut NoFilter, T0, &mut out).unwrap();
    assert_eq!(p.dsq_preference(), Some(false), "the last value counts");
    assert!(out.is_empty(), "nothing is sent back, no dsq is ever requested");
    assert_eq!(p.score(), 0);
}

#[test]
fn unsolicited_mnauth_is_counted_and_ignored_without_penalty() {
    use crate::hash::Txid;
    use crate::wire::MnAuth;
    let cfg = config();
    let (mut p, mut out) = ready_peer(FULL_NODE);
    let auth = MnAuth { pro_reg_tx_hash: Txid::from_byte_array([7; 32]), signature: [1; 96] };
    for n in 1..=2 {
        let step = p.on_message(&cfg, Message::MnAuth(auth), &mut NoFilter, T0, &mut out);
        assert_eq!(step, Ok(Step::Consumed), "not forwarded, not a misbehaviour");
        assert_eq!(p.ignored_mnauth(), n);
    }
    assert_eq!(p.score(), 0);
    assert!(out.is_empty());
}

#[test]
fn senddsq_and_mnauth_before_verack_are_ignored_like_dash_core() {
    use crate::hash::Txid;
    use crate::wire::MnAuth;
    let cfg = config();
    let mut out = Vec::new();
    let mut p = Peer::new(PeerId(1), "127.0.0.1:19899".parse().unwrap(), 99, T0);
    p.on_connected(&cfg, 0, T0, &mut out);
    let v = Message::Version(their_version(70240, FULL_NODE, 500));
    p.on_message(&cfg, v, &mut NoFilter, T0, &mut out).unwrap();
    let auth = MnAuth { pro_reg_tx_hash: Txid::from_byte_array([7; 32]), signature: [1; 96] };
    p.on_message(&cfg, Message::SendDsq(SendDsq(true)), &mut NoFilter, T0, &mut out).unwrap();
    p.on_message(&cfg, Message::MnAuth(auth), &mut NoFilter, T0, &mut out).unwrap();
    assert_eq!((p.dsq_preference(), p.ignored_mnauth()), (None, 0));
}
