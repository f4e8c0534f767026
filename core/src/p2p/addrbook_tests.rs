//! The address book: bounds, eviction, diversity, gossip rules, seeds, persistence.

use super::addrbook::*;
use super::misbehavior::BanList;
use super::*;
use crate::network::Network;
use crate::wire::{Addr, AddrEntry, AddrV2, AddrV2Entry, Bip155Addr, NetAddress};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::collections::HashSet;

const NOW: Time = 1_700_000_000_000;
const NOW_S: u64 = NOW / 1000;

fn ep(s: &str) -> Endpoint {
    Endpoint::ip(s.parse().unwrap())
}

#[test]
fn book_never_grows_past_its_bound_and_evicts_the_stalest_gossip_first() {
    let mut book = AddrBook::new(3);
    book.add(ep("1.1.0.1:9999"), 0, NOW_S, AddrSource::Manual, NOW);
    book.add(ep("2.2.0.1:9999"), 0, NOW_S - 100, AddrSource::Gossip, NOW);
    book.add(ep("3.3.0.1:9999"), 0, NOW_S - 10, AddrSource::Gossip, NOW);
    assert!(book.add(ep("4.4.0.1:9999"), 0, NOW_S, AddrSource::Gossip, NOW));
    assert_eq!(book.len(), 3);
    assert!(book.get(&ep("2.2.0.1:9999")).is_none(), "the stalest gossip entry goes");
    assert!(book.get(&ep("1.1.0.1:9999")).is_some(), "configured peers stay");
    for i in 0..100u32 {
        let a = std::net::SocketAddr::from(([5, (i % 250) as u8, 0, 1], 9999));
        book.add(Endpoint::ip(a), 0, NOW_S, AddrSource::Gossip, NOW);
        assert!(book.len() <= 3);
    }
}

#[test]
fn terrible_addresses_are_evicted_before_fresh_ones() {
    let mut book = AddrBook::new(2);
    book.add(ep("1.1.0.1:9999"), 0, NOW_S, AddrSource::Gossip, NOW);
    book.add(ep("2.2.0.1:9999"), 0, NOW_S - 1, AddrSource::Gossip, NOW);
    for _ in 0..3 {
        book.record_attempt(&ep("1.1.0.1:9999"), NOW - 2 * MINUTE);
        book.record_failure(&ep("1.1.0.1:9999"));
    }
    assert!(book.get(&ep("1.1.0.1:9999")).unwrap().is_terrible(NOW));
    book.add(ep("3.3.0.1:9999"), 0, NOW_S, AddrSource::Gossip, NOW);
    assert!(book.get(&ep("1.1.0.1:9999")).is_none());
    assert!(book.get(&ep("2.2.0.1:9999")).is_some());
}

#[test]
fn selection_takes_one_address_per_network_group() {
    let mut book = AddrBook::default();
    for i in 1..=5 {
        book.add(ep(&format!("203.0.{i}.7:9999")), 0, NOW_S, AddrSource::Gossip, NOW);
    }
    book.add(ep("198.51.100.9:9999"), 0, NOW_S, AddrSource::Gossip, NOW);
    let mut rng = StdRng::seed_from_u64(1);
    let mut connected = HashSet::new();
    let mut groups = HashSet::new();
    let bans = BanList::new();
    while let Some(e) = book.select(NOW, &connected, &groups, &bans, false, &mut rng) {
        connected.insert(e);
        groups.insert(e.group());
    }
    assert_eq!(connected.len(), 2, "one /16 each: {connected:?}");
    assert_eq!(
        NetGroup::of("2001:db8:1:2::1".parse().unwrap()),
        NetGroup::of("2001:db8:ffff::1".parse().unwrap())
    );
    assert_ne!(
        NetGroup::of("127.0.0.1".parse().unwrap()),
        NetGroup::of("127.0.0.2".parse().unwrap())
    );
}

#[test]
fn nodes_on_one_loopback_address_are_all_selected_despite_sharing_a_group() {
    let mut book = AddrBook::default();
    for port in [19001, 19002, 19003] {
        book.add(ep(&format!("127.0.0.1:{port}")), 0, NOW_S, AddrSource::Gossip, NOW);
    }
    let mut rng = StdRng::seed_from_u64(3);
    let mut connected = HashSet::new();
    let mut groups = HashSet::new();
    let bans = BanList::new();
    while let Some(e) = book.select(NOW, &connected, &groups, &bans, false, &mut rng) {
        connected.insert(e);
        groups.insert(e.group());
    }
    assert_eq!(connected.len(), 3);
}

#[test]
fn banned_and_backed_off_addresses_are_not_selected() {
    let mut book = AddrBook::default();
    book.add(ep("203.0.113.1:9999"), 0, NOW_S, AddrSource::Gossip, NOW);
    book.add(ep("198.51.100.1:9999"), 0, NOW_S, AddrSource::Gossip, NOW);
    let mut bans = BanList::new();
    bans.ban("203.0.113.1".parse().unwrap(), NOW);
    book.record_attempt(&ep("198.51.100.1:9999"), NOW);
    book.record_failure(&ep("198.51.100.1:9999"));
    let mut rng = StdRng::seed_from_u64(1);
    let none = HashSet::new();
    assert_eq!(book.select(NOW + 1, &none, &HashSet::new(), &bans, false, &mut rng), None);
    let retry = book.get(&ep("198.51.100.1:9999")).unwrap().next_retry();
    assert_eq!(retry, NOW + RETRY_BASE);
    assert_eq!(
        book.select(retry, &none, &HashSet::new(), &bans, false, &mut rng),
        Some(ep("198.51.100.1:9999"))
    );
}

#[test]
fn gossip_keeps_ip_and_tor_v3_with_dash_core_time_rule() {
    let mut book = AddrBook::default();
    let v1 = Addr {
        entries: vec![
            AddrEntry {
                time: NOW_S as u32 - 60,
                address: NetAddress::from_socket_addr("203.0.113.5:9999".parse().unwrap(), 5),
            },
            AddrEntry {
                time: NOW_S as u32 + 3600,
                address: NetAddress::from_socket_addr("198.51.100.5:9999".parse().unwrap(), 5),
            },
            AddrEntry {
                time: NOW_S as u32,
                address: NetAddress::from_socket_addr("0.0.0.0:9999".parse().unwrap(), 5),
            },
        ],
    };
    assert_eq!(book.add_addr(&v1, NOW), 2);
    assert_eq!(book.get(&ep("203.0.113.5:9999")).unwrap().last_seen, NOW_S - 60);
    assert_eq!(
        book.get(&ep("198.51.100.5:9999")).unwrap().last_seen,
        NOW_S - 5 * 24 * 3600,
        "future times become 5 days ago"
    );
    let v2 = AddrV2 {
        entries: vec![
            AddrV2Entry {
                time: NOW_S as u32,
                services: 5,
                addr: Bip155Addr::TorV3([7; 32]),
                port: 9999,
            },
            AddrV2Entry {
                time: NOW_S as u32,
                services: 5,
                addr: Bip155Addr::Ipv4([192, 0, 2, 1]),
                port: 9999,
            },
            AddrV2Entry {
                time: NOW_S as u32,
                services: 5,
                addr: Bip155Addr::I2p([1; 32]),
                port: 0,
            },
            AddrV2Entry {
                time: NOW_S as u32,
                services: 5,
                addr: Bip155Addr::Unknown { network_id: 9, bytes: vec![1] },
                port: 1,
            },
        ],
    };
    assert_eq!(book.add_addrv2(&v2, NOW), 2);
    assert!(book.get(&Endpoint::TorV3 { key: [7; 32], port: 9999 }).is_some());
    assert_eq!(book.dialable(), 3);
}

#[test]
fn mainnet_fixed_seeds_load_with_tor_kept_but_never_dialled() {
    let mut book = AddrBook::default();
    let params = Network::Mainnet.params();
    let lines = params.fixed_seed_lines().count();
    let onions = params.fixed_seed_lines().filter(|l| l.contains(".onion")).count();
    assert!(onions > 0 && lines > onions);
    assert_eq!(book.add_fixed_seeds(params, NOW), lines);
    assert_eq!(book.dialable(), lines - onions);
    let mut rng = StdRng::seed_from_u64(3);
    let (mut connected, mut groups) = (HashSet::new(), HashSet::new());
    let bans = BanList::new();
    while let Some(e) = book.select(NOW, &connected, &groups, &bans, false, &mut rng) {
        assert!(matches!(e, Endpoint::Ip(_)));
        connected.insert(e);
        groups.insert(e.group());
    }
    assert!(connected.len() > 10);
}

#[test]
fn address_book_survives_a_restart_byte_for_byte() {
    let mut book = AddrBook::default();
    book.add(ep("203.0.113.5:9999"), 1029, NOW_S - 5, AddrSource::Gossip, NOW);
    book.add(ep("[2a01:4f8::1]:9999"), 5, NOW_S, AddrSource::Dns, NOW);
    book.add(Endpoint::TorV3 { key: [9; 32], port: 9999 }, 5, NOW_S, AddrSource::Gossip, NOW);
    book.add(ep("127.0.0.1:19899"), 0, NOW_S, AddrSource::Manual, NOW);
    book.record_attempt(&ep("203.0.113.5:9999"), NOW);
    book.record_success(&ep("203.0.113.5:9999"), 1029, NOW);
    book.record_failure(&ep("[2a01:4f8::1]:9999"));
    let bytes = book.to_bytes();
    let back = AddrBook::from_bytes(&bytes, MAX_ADDRESSES).unwrap();
    assert_eq!(back, book);
    assert_eq!(back.to_bytes(), bytes);
    for cut in 0..bytes.len() {
        assert!(AddrBook::from_bytes(&bytes[..cut], MAX_ADDRESSES).is_err(), "prefix {cut}");
    }
    // A smaller bound on reload keeps the book within it.
    assert_eq!(AddrBook::from_bytes(&bytes, 2).unwrap().len(), 2);
}

#[test]
fn the_same_seed_selects_the_same_addresses_whatever_the_map_order() {
    // Every book's hash map has its own random iteration order; the choices must not.
    let picks = |seed: u64| {
        let mut book = AddrBook::new(100);
        for i in 1..=8u8 {
            book.add(ep(&format!("10.{i}.0.1:9999")), 0, NOW_S, AddrSource::Manual, NOW);
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let none = HashSet::new();
        (0..16)
            .map(|_| book.select(NOW, &none, &HashSet::new(), &BanList::new(), true, &mut rng))
            .collect::<Vec<_>>()
    };
    for seed in 0..8 {
        let first = picks(seed);
        for _ in 0..8 {
            assert_eq!(picks(seed), first, "seed {seed}");
        }
    }
}
