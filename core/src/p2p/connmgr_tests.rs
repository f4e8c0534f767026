//! The connection manager with virtual time: targets, backoff, replacement, bans and
//! discovery.

use super::connmgr::*;
use super::liveness::STALL_TIMEOUT;
use super::misbehavior::BAN_DURATION;
use super::peer_tests::their_version;
use super::services::*;
use super::*;
use crate::chain::ValidationError;
use crate::encode::{DecodeError, DecodeErrorKind};
use crate::hash::BlockHash;
use crate::network::Network;
use crate::wire::{Command as Cmd, GetHeaders2, MessageError};

const T0: Time = 1_700_000_000_000;
const FULL_NODE: u64 = NODE_NETWORK | NODE_BLOOM | NODE_HEADERS_COMPRESSED;

fn manual(n: u8, target: usize) -> ConnectionManager {
    let mut cfg = Config::new(Network::Regtest);
    cfg.target_outbound = target;
    cfg.manual_peers = (1..=n).map(|i| format!("127.0.0.{i}:19899").parse().unwrap()).collect();
    ConnectionManager::new(cfg, AddrBook::default(), BanList::new(), 7, T0)
}

fn connects(m: &mut ConnectionManager) -> Vec<(PeerId, std::net::SocketAddr)> {
    m.drain_outputs()
        .filter_map(|o| match o {
            Output::Connect { peer, addr, .. } => Some((peer, addr)),
            _ => None,
        })
        .collect()
}

fn handshake(m: &mut ConnectionManager, peer: PeerId, height: i32, now: Time) {
    m.on_connected(peer, now);
    m.on_message(
        peer,
        Message::Version(their_version(70240, FULL_NODE, height)),
        &mut NoFilter,
        now,
    );
    m.on_message(peer, Message::Verack, &mut NoFilter, now);
}

fn disconnects(outputs: &[Output]) -> Vec<(PeerId, DisconnectReason)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Disconnect { peer, reason } => Some((*peer, reason.clone())),
            _ => None,
        })
        .collect()
}

fn events(outputs: &[Output]) -> Vec<Event> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Event(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn dials_configured_peers_up_to_the_target_and_no_discovery() {
    let mut m = manual(5, 3);
    m.on_tick(T0);
    let out: Vec<Output> = m.drain_outputs().collect();
    assert_eq!(out.iter().filter(|o| matches!(o, Output::Connect { .. })).count(), 3);
    assert!(!out.iter().any(|o| matches!(o, Output::Resolve { .. })));
    // Configured peers get no getaddr.
    let (id, _) = match &out[0] {
        Output::Connect { peer, addr, .. } => (*peer, *addr),
        _ => unreachable!(),
    };
    handshake(&mut m, id, 10, T0);
    let sent: Vec<String> = m
        .drain_outputs()
        .filter_map(|o| match o {
            Output::Send { message, .. } => Some(message.command_name().to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(sent, ["version", "sendaddrv2", "verack", "senddsq", "sendheaders2"]);
}

#[test]
fn failed_connections_are_retried_with_exponential_backoff() {
    let mut m = manual(1, 1);
    m.on_tick(T0);
    let mut t = T0;
    let mut delays = Vec::new();
    for _ in 0..5 {
        let [(id, _)] = connects(&mut m)[..] else { panic!("expected one connect") };
        m.on_connect_failed(id, t);
        let failed_at = t;
        loop {
            t += 500;
            m.on_tick(t);
            if m.peers().count() == 1 {
                break;
            }
        }
        delays.push(t - failed_at);
    }
    assert_eq!(delays, [2_000, 4_000, 8_000, 16_000, 32_000]);
}

#[test]
fn connect_that_never_completes_times_out_and_is_replaced() {
    let mut m = manual(2, 1);
    m.on_tick(T0);
    let [(first, _)] = connects(&mut m)[..] else { panic!() };
    m.on_tick(T0 + super::liveness::CONNECT_TIMEOUT);
    let out: Vec<Output> = m.drain_outputs().collect();
    assert_eq!(disconnects(&out), [(first, DisconnectReason::ConnectTimeout)]);
    assert!(out.iter().any(|o| matches!(o, Output::Connect { peer, .. } if *peer != first)));
}

#[test]
fn misbehaving_peer_is_dropped_banned_and_replaced() {
    let mut m = manual(3, 2);
    m.on_tick(T0);
    let c = connects(&mut m);
    for (id, _) in &c {
        handshake(&mut m, *id, 10, T0);
    }
    m.drain_outputs().for_each(drop);
    let (bad, bad_addr) = c[0];
    let invalid = ValidationError::BadDifficulty { height: 5, expected: 1, got: 2 };
    m.command(
        PeerCommand::Misbehaving { peer: bad, what: Misbehavior::InvalidHeader(invalid) },
        T0 + 1,
    );
    let out: Vec<Output> = m.drain_outputs().collect();
    assert_eq!(disconnects(&out), [(bad, DisconnectReason::Misbehaving(100))]);
    assert!(events(&out).iter().any(|e| matches!(e, Event::Misbehaved { score: 100, .. })));
    assert!(m.bans().is_banned_addr(bad_addr, T0 + 1));
    m.on_tick(T0 + 10_000);
    let next = connects(&mut m);
    assert_eq!(next.len(), 1);
    assert_ne!(next[0].1, bad_addr);
    // The ban lifts after 24 hours.
    assert!(!m.bans().is_banned_addr(bad_addr, T0 + 1 + BAN_DURATION));
}

#[test]
fn five_oversized_messages_end_the_connection() {
    let mut m = manual(1, 1);
    m.on_tick(T0);
    let [(id, _)] = connects(&mut m)[..] else { panic!() };
    handshake(&mut m, id, 10, T0);
    let err = MessageError {
        command: Cmd::new("addr").unwrap(),
        source: DecodeError::in_field(
            "addresses",
            DecodeErrorKind::TooLarge { got: 1001, max: 1000 },
        ),
    };
    for _ in 0..4 {
        m.on_decode_error(id, err.clone(), T0);
    }
    assert!(m.peer(id).is_some());
    // A malformed message that is not oversized costs nothing (Dash Core ignores it).
    let other =
        MessageError { command: Cmd::new("tx").unwrap(), source: DecodeError::invalid("x", "y") };
    m.on_decode_error(id, other, T0);
    assert!(m.peer(id).is_some());
    m.on_decode_error(id, err, T0);
    assert!(m.peer(id).is_none());
}

#[test]
fn stalled_peer_is_replaced_and_its_replacement_without_bloom_is_refused() {
    let mut m = manual(3, 1);
    m.on_tick(T0);
    let [(id, _)] = connects(&mut m)[..] else { panic!() };
    handshake(&mut m, id, 10, T0);
    m.drain_outputs().for_each(drop);
    m.on_tick(T0); // the first ping; answer it so only the stall remains
    let nonce = m
        .drain_outputs()
        .find_map(|o| match o {
            Output::Send { message: Message::Ping(p), .. } => Some(p.nonce),
            _ => None,
        })
        .expect("ping sent");
    m.on_message(id, Message::Pong(crate::wire::Pong { nonce }), &mut NoFilter, T0);
    let req = Message::GetHeaders2(GetHeaders2::new(70240, vec![BlockHash::ZERO], BlockHash::ZERO));
    m.command(PeerCommand::Send { peer: id, message: req }, T0);
    m.drain_outputs().for_each(drop);
    m.on_bytes(id, 32, T0 + 1000);
    m.on_tick(T0 + STALL_TIMEOUT);
    let out: Vec<Output> = m.drain_outputs().collect();
    assert_eq!(disconnects(&out), [(id, DisconnectReason::Stalled)]);
    let next = out.iter().find_map(|o| match o {
        Output::Connect { peer, .. } => Some(*peer),
        _ => None,
    });
    let next = next.expect("replacement dialled");
    // A peer without NODE_BLOOM is refused.
    m.on_connected(next, T0 + STALL_TIMEOUT);
    m.on_message(
        next,
        Message::Version(their_version(70240, NODE_NETWORK, 1)),
        &mut NoFilter,
        T0 + STALL_TIMEOUT,
    );
    let out: Vec<Output> = m.drain_outputs().collect();
    assert_eq!(disconnects(&out), [(next, DisconnectReason::NoBloom(NODE_NETWORK))]);
}

#[test]
fn discovery_asks_dns_seeds_then_falls_back_to_fixed_seeds() {
    let cfg = Config::new(Network::Mainnet);
    let mut m = ConnectionManager::new(cfg, AddrBook::default(), BanList::new(), 1, T0);
    m.on_tick(T0);
    let out: Vec<Output> = m.drain_outputs().collect();
    assert_eq!(out, [Output::Resolve { host: "dnsseed.dash.org".into(), port: 9999 }]);
    m.on_resolved("dnsseed.dash.org", Vec::new(), T0 + 1);
    m.on_tick(T0 + 2);
    m.on_tick(T0 + 3);
    let c = connects(&mut m);
    assert_eq!(c.len(), DEFAULT_TARGET_OUTBOUND, "dialled from the fixed seeds");
    let groups: std::collections::HashSet<_> =
        c.iter().map(|(_, a)| NetGroup::of(a.ip())).collect();
    assert_eq!(groups.len(), c.len(), "one per network group");
}

#[test]
fn addr_gossip_fills_the_book_within_the_rate_limit() {
    let mut cfg = Config::new(Network::Regtest);
    cfg.target_outbound = 1;
    cfg.manual_peers = Vec::new();
    let mut book = AddrBook::default();
    book.add(Endpoint::ip("127.0.0.1:19899".parse().unwrap()), 0, T0 / 1000, AddrSource::Dns, T0);
    let mut m = ConnectionManager::new(cfg, book, BanList::new(), 1, T0);
    m.on_tick(T0);
    let [(id, _)] = connects(&mut m)[..] else { panic!() };
    handshake(&mut m, id, 1, T0);
    let entry = |i: u32| crate::wire::AddrEntry {
        time: (T0 / 1000) as u32,
        address: crate::wire::NetAddress::from_socket_addr(
            std::net::SocketAddr::from((std::net::Ipv4Addr::from(0x0b00_0000 + i * 65536), 9999)),
            5,
        ),
    };
    let msg = crate::wire::Addr { entries: (0..1000).map(entry).collect() };
    m.on_message(id, Message::Addr(msg.clone()), &mut NoFilter, T0);
    assert_eq!(m.address_book().len(), 1001);
    // The bucket is empty now: another 1,000 an instant later are dropped (no penalty).
    let more = crate::wire::Addr { entries: (1000..2000).map(entry).collect() };
    m.on_message(id, Message::Addr(more), &mut NoFilter, T0 + 10_000);
    assert_eq!(m.address_book().len(), 1002, "0.1 address per second earned");
    assert!(m.peer(id).is_some());
}

#[test]
fn a_refused_v2_attempt_is_redialled_with_v1_unless_v2_is_required() {
    use crate::p2p::{Transport, V2Policy};
    let addr: SocketAddr = "127.0.0.1:19899".parse().unwrap();
    for (policy, redial) in [(V2Policy::Prefer, true), (V2Policy::Require, false)] {
        let mut config = Config::new(Network::Regtest);
        config.manual_peers = vec![addr];
        config.target_outbound = 1;
        config.v2 = policy;
        let mut book = AddrBook::new(100);
        book.add(Endpoint::ip(addr), 0, 0, AddrSource::Manual, 0);
        let mut m = ConnectionManager::new(config, book, BanList::new(), 1, 0);
        m.on_tick(0);
        let out: Vec<Output> = m.drain_outputs().collect();
        let Some(Output::Connect { peer, transport, .. }) =
            out.iter().find(|o| matches!(o, Output::Connect { .. })).cloned()
        else {
            panic!("dials the configured peer: {out:?}")
        };
        assert_eq!(transport, Transport::V2, "services unknown: try v2");
        m.on_connected(peer, 10);
        m.on_v2_refused(peer, 20);
        let out: Vec<Output> = m.drain_outputs().collect();
        assert!(out.iter().any(|o| matches!(
            o,
            Output::Event(Event::PeerDisconnected { reason: DisconnectReason::V2Refused, .. })
        )));
        let again: Vec<_> = out
            .iter()
            .filter_map(|o| match o {
                Output::Connect { addr: a, transport, .. } => Some((*a, *transport)),
                _ => None,
            })
            .collect();
        if redial {
            assert_eq!(again, vec![(addr, Transport::V1)], "{policy:?}");
        } else {
            assert!(again.iter().all(|&(_, t)| t == Transport::V2), "{policy:?}: {again:?}");
        }
    }
}
