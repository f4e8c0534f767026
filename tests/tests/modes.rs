//! Every malicious mode, shown doing what it says to a bare client over TCP.

mod common;

use common::*;
use dashlite::bloom::BloomFilter;
use dashlite::chain::merkle::MerkleError;
use dashlite::chain::pow::check_proof_of_work;
use dashlite::chain::{ChainError, ValidationError};
use dashlite::encode::DecodeErrorKind;
use dashlite::hash::Hash256;
use dashlite::network::Network;
use dashlite::wire::{
    FilterLoad, FrameError, GetData, GetHeaders, Headers, InvType, Inventory, MerkleBlock, Message,
    Ping,
};
use dashlite_testkit::chain::{BlockSpec, COIN};
use dashlite_testkit::client::ClientError;
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::node::WRONG_BITS;
use dashlite_testkit::{Forgery, Mode, NodeConfig, NodeEvent, RawClient, SharedChain, TestNode};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn evil(chain: &SharedChain, mode: Mode) -> TestNode {
    TestNode::start_with(chain, NodeConfig::default().with_mode(mode)).unwrap()
}

fn genesis_locator(chain: &SharedChain) -> Vec<dashlite::hash::BlockHash> {
    vec![chain.read().hash_at(0).unwrap()]
}

fn alice_filter() -> (TestKey, BloomFilter) {
    let alice = TestKey::from_seed("alice");
    let mut f = BloomFilter::new(10, 0.0001, 77, 1).unwrap();
    f.insert(alice.key_id());
    (alice, f)
}

fn load(c: &mut RawClient, f: &BloomFilter) {
    let (data, hash_funcs, tweak, flags) = f.clone().into_parts();
    c.send(&Message::FilterLoad(FilterLoad { data, hash_funcs, tweak, flags })).unwrap();
}

/// A chain whose tip block holds the coinbase, a payment to alice and one to bob (3 txs).
fn chain_with_payment() -> (SharedChain, TestKey) {
    let chain = SharedChain::with_blocks(5);
    let alice = TestKey::from_seed("alice");
    chain.send(&alice.p2pkh(), 2 * COIN);
    chain.send(&TestKey::from_seed("bob").p2pkh(), COIN);
    chain.mine(1);
    assert_eq!(chain.read().transactions(6).unwrap().len(), 3);
    (chain, alice)
}

fn get_filtered_tip(c: &mut RawClient, chain: &SharedChain) -> MerkleBlock {
    let tip = Hash256::from_byte_array(chain.tip().to_byte_array());
    c.send(&Message::GetData(GetData::new(vec![Inventory::new(InvType::FilteredBlock, tip)])))
        .unwrap();
    let Message::MerkleBlock(mb) = c.recv_until("merkleblock").unwrap().0 else { unreachable!() };
    mb
}

/// Everything before the pong to a fresh ping.
fn until_pong(c: &mut RawClient, nonce: u64) -> Vec<Message> {
    c.send(&Message::Ping(Ping { nonce })).unwrap();
    loop {
        let (m, before) = c.recv_until("pong").unwrap();
        if matches!(m, Message::Pong(p) if p.nonce == nonce) {
            return before;
        }
    }
}

#[test]
fn invalid_pow_serves_headers_failing_proof_of_work_from_the_given_height() {
    let chain = SharedChain::with_blocks(20);
    let node = evil(&chain, Mode::InvalidPow { from_height: 15 });
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    let headers = getheaders2(&mut c, genesis_locator(&chain));
    assert_eq!(headers.len(), 20);
    assert_eq!(headers[..14], chain.read().headers()[1..15]);
    let pow = &Network::Regtest.params().pow;
    for h in &headers[14..] {
        assert!(check_proof_of_work(&h.block_hash(), h.bits, pow, None).is_err());
    }
    let mut tree = regtest_tree();
    let out = accept(&mut tree, &headers);
    assert_eq!(out.accepted, 14);
    assert!(
        matches!(out.error, Some(ChainError::Invalid(ValidationError::BadProofOfWork { .. }))),
        "{:?}",
        out.error
    );
}

#[test]
fn wrong_bits_serves_headers_with_a_difficulty_regtest_never_asks_for() {
    let chain = SharedChain::with_blocks(20);
    let node = evil(&chain, Mode::WrongBits { from_height: 10 });
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    let headers = getheaders2(&mut c, genesis_locator(&chain));
    assert!(headers[9..].iter().all(|h| h.bits == WRONG_BITS));
    assert!(
        headers[9..].windows(2).all(|w| w[1].prev_blockhash == w[0].block_hash()),
        "still a chain"
    );
    let mut tree = regtest_tree();
    let out = accept(&mut tree, &headers);
    assert_eq!(out.accepted, 9);
    assert!(
        matches!(out.error, Some(ChainError::Invalid(ValidationError::BadDifficulty { .. }))),
        "{:?}",
        out.error
    );
}

#[test]
fn headers_not_connecting_have_an_unknown_parent() {
    let chain = SharedChain::with_blocks(20);
    let node = evil(&chain, Mode::HeadersNotConnecting);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    let headers = getheaders2(&mut c, genesis_locator(&chain));
    assert_eq!(headers.len(), 20);
    assert!(chain.read().height_of(&headers[0].prev_blockhash).is_none());
    let pow = &Network::Regtest.params().pow;
    assert!(headers
        .iter()
        .all(|h| check_proof_of_work(&h.block_hash(), h.bits, pow, None).is_ok()));
    let mut tree = regtest_tree();
    let out = accept(&mut tree, &headers);
    assert_eq!(out.accepted, 0);
    assert!(out.error.is_some());
}

#[test]
fn oversized_headers_send_one_header_above_the_limit() {
    let chain = SharedChain::with_blocks(30);
    let node = evil(&chain, Mode::OversizedHeaders);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::GetHeaders2(dashlite::wire::GetHeaders2::new(
        70240,
        genesis_locator(&chain),
        Default::default(),
    )))
    .unwrap();
    let frame = loop {
        let f = c.recv_frame().unwrap();
        if f.command.as_str() == "headers2" {
            break f;
        }
    };
    assert_eq!(&frame.payload[..3], &[0xfd, 0x41, 0x1f], "CompactSize 8,001");
    let err = Message::from_frame(&frame).unwrap_err();
    assert!(matches!(err.source.kind, DecodeErrorKind::TooLarge { got: 8_001, max: 8_000 }));
    c.send(&Message::GetHeaders(GetHeaders::new(
        70240,
        genesis_locator(&chain),
        Default::default(),
    )))
    .unwrap();
    let frame = loop {
        let f = c.recv_frame().unwrap();
        if f.command.as_str() == "headers" {
            break f;
        }
    };
    assert_eq!(&frame.payload[..3], &[0xfd, 0xd1, 0x07], "CompactSize 2,001");
}

#[test]
fn a_merkleblock_forged_with_a_wrong_root_does_not_match_its_header() {
    let (chain, _) = chain_with_payment();
    let node = evil(&chain, Mode::ForgedMerkleBlock(Forgery::WrongRoot));
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    load(&mut c, &alice_filter().1);
    let mb = get_filtered_tip(&mut c, &chain);
    assert!(mb.extract_matches().is_ok());
    assert!(matches!(mb.matched_txids(), Err(MerkleError::RootMismatch { .. })));
}

#[test]
fn a_merkleblock_forged_with_an_extra_hash_fails_extraction() {
    let (chain, _) = chain_with_payment();
    let node = evil(&chain, Mode::ForgedMerkleBlock(Forgery::ExtraHash));
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    load(&mut c, &alice_filter().1);
    let mb = get_filtered_tip(&mut c, &chain);
    assert!(mb.extract_matches().is_err());
}

#[test]
fn a_merkleblock_with_a_duplicated_leaf_keeps_the_root_but_fails_extraction() {
    let (chain, _) = chain_with_payment();
    let node = evil(&chain, Mode::ForgedMerkleBlock(Forgery::DuplicatedLeaf));
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    load(&mut c, &alice_filter().1);
    let mb = get_filtered_tip(&mut c, &chain);
    assert_eq!(mb.total_transactions, 4, "three transactions plus the duplicate");
    assert!(
        matches!(mb.extract_matches(), Err(MerkleError::IdenticalSiblings { .. })),
        "{:?}",
        mb.extract_matches()
    );
}

#[test]
fn withheld_matched_transactions_never_follow_the_merkleblock() {
    let (chain, _) = chain_with_payment();
    let node = evil(&chain, Mode::WithholdMatchedTxs);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    load(&mut c, &alice_filter().1);
    let mb = get_filtered_tip(&mut c, &chain);
    assert_eq!(mb.matched_txids().unwrap().len(), 1);
    let between = until_pong(&mut c, 11);
    assert!(between.iter().all(|m| m.command_name() != "tx"), "{between:?}");
}

#[test]
fn unmatched_tx_mode_sends_transactions_the_filter_does_not_match() {
    let (chain, _) = chain_with_payment();
    let node = evil(&chain, Mode::UnmatchedTx);
    let (_, filter) = alice_filter();
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    load(&mut c, &filter);
    let mb = get_filtered_tip(&mut c, &chain);
    let matched = mb.matched_txids().unwrap();
    let Message::Tx(first) = c.recv().unwrap() else { panic!("matched tx") };
    assert_eq!(first.txid(), matched[0].txid);
    let Message::Tx(extra) = c.recv().unwrap() else { panic!("extra tx") };
    assert!(!matched.iter().any(|m| m.txid == extra.txid()));
    assert!(!filter.clone().is_relevant_and_update(&extra));
    // Relay ignores the filter too.
    let other = node.send(&TestKey::from_seed("zed").p2pkh(), COIN);
    let Message::Inv(inv) = c.recv_until("inv").unwrap().0 else { unreachable!() };
    assert_eq!(inv.inventory[0], Inventory::Tx(other.txid()));
}

#[test]
fn unsolicited_messages_arrive_right_after_the_handshake() {
    let chain = SharedChain::with_blocks(3);
    let bogus = Message::Headers(Headers::new(vec![chain.read().header(2).unwrap()]));
    let node = evil(&chain, Mode::Unsolicited(vec![bogus.clone()]));
    let mut c = RawClient::connect(node.addr()).unwrap();
    c.handshake(SPV_SERVICES).unwrap();
    let (m, _) = c.recv_until("headers").unwrap();
    assert_eq!(m, bogus);
}

#[test]
fn bad_checksum_frames_are_dropped_by_the_reader_but_the_stream_goes_on() {
    let chain = SharedChain::with_blocks(3);
    let node = evil(&chain, Mode::BadChecksum { command: Some("sendcmpct".into()) });
    let mut c = RawClient::connect(node.addr()).unwrap();
    c.handshake(SPV_SERVICES).unwrap();
    assert_eq!(c.recv().unwrap(), Message::SendHeaders2);
    assert!(matches!(c.recv(), Err(ClientError::Frame(FrameError::BadChecksum { .. }))));
    assert_eq!(c.recv().unwrap().command_name(), "senddsq");
}

#[test]
fn wrong_magic_breaks_the_stream() {
    let chain = SharedChain::with_blocks(3);
    let node = evil(&chain, Mode::WrongMagic { command: Some("verack".into()) });
    let mut c = RawClient::connect(node.addr()).unwrap();
    c.send(&Message::Version(dashlite_testkit::client::spv_version(SPV_SERVICES, 0))).unwrap();
    assert_eq!(c.recv().unwrap().command_name(), "version");
    assert_eq!(c.recv().unwrap(), Message::SendAddrV2);
    assert!(matches!(c.recv(), Err(ClientError::Frame(FrameError::BadMagic { .. }))));
}

#[test]
fn oversized_length_declares_more_than_3_mib() {
    let chain = SharedChain::with_blocks(3);
    let node = evil(&chain, Mode::OversizedLength { command: Some("sendaddrv2".into()) });
    let mut c = RawClient::connect(node.addr()).unwrap();
    c.send(&Message::Version(dashlite_testkit::client::spv_version(SPV_SERVICES, 0))).unwrap();
    assert_eq!(c.recv().unwrap().command_name(), "version");
    assert!(matches!(
        c.recv(),
        Err(ClientError::Frame(FrameError::Oversized { length: 3_145_729 }))
    ));
}

#[test]
fn slowloris_trickles_bytes() {
    let chain = SharedChain::with_blocks(3);
    let node = evil(&chain, Mode::Slowloris { chunk: 1, pause: Duration::from_millis(200) });
    let mut s = TcpStream::connect(node.addr()).unwrap();
    let version = Message::Version(dashlite_testkit::client::spv_version(SPV_SERVICES, 0));
    s.write_all(&version.to_frame(Network::Regtest.params().magic)).unwrap();
    let mut buf = [0u8; 256];
    let n = s.read(&mut buf).unwrap();
    assert!((1..24).contains(&n), "a frame header arrives piecemeal, got {n} bytes at once");
    assert_eq!(buf[0], Network::Regtest.params().magic[0]);
}

#[test]
fn a_stalled_request_is_never_answered_while_pings_are() {
    let chain = SharedChain::with_blocks(3);
    let node = evil(&chain, Mode::Stall { command: Some("getheaders2".into()) });
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::GetHeaders2(dashlite::wire::GetHeaders2::new(
        70240,
        genesis_locator(&chain),
        Default::default(),
    )))
    .unwrap();
    let before = until_pong(&mut c, 4);
    assert!(before.iter().all(|m| m.command_name() != "headers2"), "{before:?}");
    assert_eq!(node.count("getheaders2"), 1, "it was received");
}

#[test]
fn a_full_stall_answers_nothing_after_the_handshake() {
    let chain = SharedChain::with_blocks(3);
    let node = evil(&chain, Mode::Stall { command: None });
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::Ping(Ping { nonce: 1 })).unwrap();
    assert!(node.wait_for(WAIT, |e| e
        .iter()
        .any(|e| matches!(e, NodeEvent::Received { message: Message::Ping(_), .. }))));
    c.set_timeout(Duration::from_secs(1));
    assert!(matches!(c.recv(), Err(ClientError::Timeout)));
}

#[test]
fn a_lower_work_fork_shares_a_prefix_and_loses_to_the_real_chain() {
    let chain = SharedChain::with_blocks(30);
    let node = evil(&chain, Mode::LowerWorkFork { depth: 5 });
    let mut c = RawClient::connect(node.addr()).unwrap();
    let got = c.handshake(SPV_SERVICES).unwrap();
    let Message::Version(v) = &got[0] else { unreachable!() };
    assert_eq!(v.start_height, 29);
    let mut c2 = spv_client(node.addr(), SPV_SERVICES);
    let fork = getheaders2(&mut c2, genesis_locator(&chain));
    assert_eq!(fork.len(), 29);
    assert_eq!(fork[..25], chain.read().headers()[1..26]);
    assert_ne!(fork[25], chain.read().headers()[26]);
    let mut tree = regtest_tree();
    assert!(accept(&mut tree, &fork).error.is_none());
    assert!(accept(&mut tree, &chain.read().headers()[26..]).error.is_none());
    assert_eq!(tree.tip().hash, chain.tip(), "the honest chain has more work");
}

#[test]
fn a_lying_start_height_is_advertised() {
    let chain = SharedChain::with_blocks(3);
    let node = evil(&chain, Mode::LyingStartHeight(1_000_000));
    let mut c = RawClient::connect(node.addr()).unwrap();
    let got = c.handshake(SPV_SERVICES).unwrap();
    let Message::Version(v) = &got[0] else { unreachable!() };
    assert_eq!(v.start_height, 1_000_000);
    assert_eq!(
        getheaders2(&mut spv_client(node.addr(), SPV_SERVICES), genesis_locator(&chain)).len(),
        3
    );
}

#[test]
fn an_addr_flood_sends_oversized_address_messages() {
    let chain = SharedChain::with_blocks(1);
    let node = evil(&chain, Mode::AddrFlood { per_message: 1_001, messages: 2 });
    let mut c = RawClient::connect(node.addr()).unwrap();
    c.handshake(SPV_SERVICES).unwrap();
    let mut floods = 0;
    while floods < 2 {
        let f = c.recv_frame().unwrap();
        if f.command.as_str() == "addrv2" {
            assert_eq!(&f.payload[..3], &[0xfd, 0xe9, 0x03], "CompactSize 1,001");
            assert!(matches!(
                Message::from_frame(&f).unwrap_err().source.kind,
                DecodeErrorKind::TooLarge { .. }
            ));
            floods += 1;
        }
    }
}

#[test]
fn modes_can_be_switched_on_and_off_while_running() {
    let chain = SharedChain::with_blocks(10);
    let node = TestNode::start(&chain);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    node.set_mode(Mode::InvalidPow { from_height: 1 });
    let bad = getheaders2(&mut c, genesis_locator(&chain));
    assert_ne!(bad[0], chain.read().header(1).unwrap());
    node.clear_modes();
    let good = getheaders2(&mut c, genesis_locator(&chain));
    assert_eq!(good[..], chain.read().headers()[1..]);
    // A reorg of a tampered chain is tampered again from the same height.
    node.set_mode(Mode::WrongBits { from_height: 12 });
    chain.mine_block(BlockSpec::empty());
    chain.mine(2);
    let headers = getheaders2(&mut c, vec![chain.read().hash_at(10).unwrap()]);
    assert_eq!(headers[0], chain.read().header(11).unwrap());
    assert!(headers[1..].iter().all(|h| h.bits == WRONG_BITS));
}
