//! The spork service driven with messages: the shared vectors' regtest sporks and sporks
//! signed here with the published regtest spork key.

use super::tests::{signed, vector_sporks};
use super::*;
use crate::network::Network;
use crate::p2p::{Misbehavior, PeerCommand, PeerId, PeerInfo, SECOND};
use crate::wire::{GetData, Inv, InvType, Inventory, Message, NotFound};

/// 2023-11-14 in milliseconds, after every vector's signing time.
const NOW: u64 = 1_700_000_000 * SECOND + 500 * SECOND;
const A: PeerId = PeerId(1);
const B: PeerId = PeerId(2);

fn info(port: u16) -> PeerInfo {
    PeerInfo {
        addr: ([127, 0, 0, 1], port).into(),
        version: 70240,
        services: 5,
        user_agent: "/Dash Core:23.1.2/".into(),
        start_height: 0,
        headers2: true,
        wants_addrv2: false,
    }
}

fn service() -> SporkService {
    SporkService::new(Network::Regtest.params())
}

/// The two derived regtest sporks of `vectors/spork.json` (10001 = 0, 10018 = default).
fn regtest_vectors() -> Vec<Spork> {
    vector_sporks()
        .into_iter()
        .filter(|(c, _)| c["name"].as_str().unwrap().contains("regtest"))
        .map(|(_, s)| s)
        .collect()
}

#[test]
fn getsporks_goes_to_each_peer_once_after_its_handshake() {
    let mut s = service();
    s.on_peer_ready(A, &info(1), NOW);
    s.on_peer_ready(B, &info(2), NOW);
    s.on_peer_ready(A, &info(1), NOW);
    assert_eq!(
        s.drain_commands(),
        [
            PeerCommand::Send { peer: A, message: Message::GetSporks },
            PeerCommand::Send { peer: B, message: Message::GetSporks },
        ]
    );
}

#[test]
fn vector_sporks_are_verified_reported_and_persisted() {
    let mut s = service();
    let vectors = regtest_vectors();
    assert_eq!(vectors.len(), 2, "two derived regtest sporks in spork.json");
    for spork in &vectors {
        s.on_message(A, &Message::Spork(spork.clone()), NOW);
    }
    assert!(s.drain_commands().is_empty(), "valid sporks score nobody");
    let events = s.drain_events();
    // 10001 changes from the default to 0 (active); 10018 is sent at its default value,
    // which is a change from "nothing held" only in `previous`.
    assert_eq!(
        events[0],
        SporkEvent::Changed {
            id: SporkId::InstantSendEnabled,
            value: 0,
            previous: Some(SPORK_DEFAULT_VALUE),
            active: true,
            peer: A,
        }
    );
    assert_eq!(s.value(SporkId::InstantSendEnabled), Some(0));
    assert!(s.is_active(SporkId::InstantSendEnabled, NOW));
    assert!(!s.is_active(SporkId::ChainLocksEnabled, NOW));
    let status = s.status(NOW);
    let is = status.iter().find(|st| st.spork_id == SporkId::InstantSendEnabled).unwrap();
    assert!(is.active && is.from_network);
    let stored = s.take_changes().expect("the held sporks are to be stored");
    assert_eq!(stored.len(), 2);
    assert_eq!(s.take_changes(), None, "nothing new since");
    // The stored sporks restore to the same values.
    let back = SporkService::restore(Network::Regtest.params(), stored);
    assert_eq!(back.value(SporkId::InstantSendEnabled), Some(0));
    assert_eq!(back.status(NOW), s.status(NOW));
}

#[test]
fn a_spork_signed_with_another_key_scores_its_sender_100() {
    let mut s = service();
    let mut forged = signed(SporkId::ChainLocksEnabled, 0, 1_700_000_000);
    forged.value = 1; // any change recovers another key
    s.on_message(B, &Message::Spork(forged), NOW);
    let commands = s.drain_commands();
    assert_eq!(commands, [PeerCommand::Misbehaving { peer: B, what: Misbehavior::InvalidSpork }]);
    assert_eq!(Misbehavior::InvalidSpork.score(), 100);
    assert!(matches!(
        s.drain_events()[..],
        [SporkEvent::Rejected { peer: B, error: SporkError::UnknownSigner { .. } }]
    ));
    assert_eq!(s.value(SporkId::ChainLocksEnabled), Some(SPORK_DEFAULT_VALUE));
    assert_eq!(s.take_changes(), None);
}

#[test]
fn a_spork_from_the_far_future_scores_its_sender() {
    let mut s = service();
    let future = signed(SporkId::ChainLocksEnabled, 0, (NOW / SECOND) as i64 + 2 * 3600 + 1);
    s.on_message(A, &Message::Spork(future), NOW);
    assert_eq!(
        s.drain_commands(),
        [PeerCommand::Misbehaving { peer: A, what: Misbehavior::InvalidSpork }]
    );
}

#[test]
fn newer_spork_replaces_and_reports_the_previous_value() {
    let mut s = service();
    s.on_message(A, &Message::Spork(signed(SporkId::ChainLocksEnabled, 0, 1_700_000_000)), NOW);
    s.drain_events();
    s.take_changes();
    let later = signed(SporkId::ChainLocksEnabled, SPORK_DEFAULT_VALUE, 1_700_000_100);
    s.on_message(B, &Message::Spork(later.clone()), NOW);
    assert_eq!(
        s.drain_events(),
        [SporkEvent::Changed {
            id: SporkId::ChainLocksEnabled,
            value: SPORK_DEFAULT_VALUE,
            previous: Some(0),
            active: false,
            peer: B,
        }]
    );
    assert_eq!(s.take_changes(), Some(vec![later.clone()]), "one message per spork and signer");
    // The same message again changes nothing.
    s.on_message(A, &Message::Spork(later), NOW);
    assert!(s.drain_events().is_empty() && s.take_changes().is_none());
}

#[test]
fn spork_inv_is_fetched_once_and_held_ones_are_not() {
    let mut s = service();
    let held = signed(SporkId::InstantSendEnabled, 0, 1_700_000_000);
    s.on_message(A, &Message::Spork(held.clone()), NOW);
    let new = signed(SporkId::ChainLocksEnabled, 0, 1_700_000_000);
    let inv = Inv::new(vec![
        Inventory::new(InvType::Spork, held.inv_hash()),
        Inventory::new(InvType::Spork, new.inv_hash()),
        Inventory::new(InvType::Tx, new.inv_hash()),
    ]);
    s.on_message(A, &Message::Inv(inv.clone()), NOW);
    s.on_message(B, &Message::Inv(inv.clone()), NOW);
    let want = vec![Inventory::new(InvType::Spork, new.inv_hash())];
    assert_eq!(
        s.drain_commands(),
        [PeerCommand::Send { peer: A, message: Message::GetData(GetData::new(want.clone())) }]
    );
    assert_eq!(s.requests_in_flight(), 1);
    // notfound from A clears the request; B's inv then asks B.
    s.on_message(A, &Message::NotFound(NotFound::new(want.clone())), NOW);
    s.on_message(B, &Message::Inv(inv.clone()), NOW);
    assert_eq!(
        s.drain_commands(),
        [PeerCommand::Send { peer: B, message: Message::GetData(GetData::new(want.clone())) }]
    );
    s.on_message(B, &Message::Spork(new), NOW);
    assert_eq!(s.requests_in_flight(), 0);
    s.on_message(A, &Message::Inv(inv), NOW);
    assert!(s.drain_commands().is_empty(), "held now");
}

#[test]
fn unanswered_spork_requests_expire_and_go_with_their_peer() {
    let mut s = service();
    let new = signed(SporkId::ChainLocksEnabled, 0, 1_700_000_000);
    let inv = Inv::new(vec![Inventory::new(InvType::Spork, new.inv_hash())]);
    s.on_message(A, &Message::Inv(inv.clone()), NOW);
    s.on_tick(NOW + SPORK_REQUEST_TIMEOUT - 1);
    assert_eq!(s.requests_in_flight(), 1);
    s.on_tick(NOW + SPORK_REQUEST_TIMEOUT);
    assert_eq!(s.requests_in_flight(), 0);
    s.on_message(A, &Message::Inv(inv), NOW);
    assert_eq!(s.requests_in_flight(), 1);
    s.on_peer_gone(A);
    assert_eq!(s.requests_in_flight(), 0);
}

#[test]
fn other_messages_are_ignored() {
    let mut s = service();
    s.on_message(A, &Message::GetAddr, NOW);
    s.on_message(A, &Message::Verack, NOW);
    assert!(s.drain_commands().is_empty() && s.drain_events().is_empty());
}
