//! The honest node, driven by a bare client over loopback TCP: the handshake, headers and
//! headers2, filtered blocks, announcements, mempool, addresses, sporks, governance, the
//! rules it enforces on clients, several nodes on one chain, stop and restart.

mod common;

use common::*;
use dashlite::bloom::BloomFilter;
use dashlite::encode::Encode;
use dashlite::hash::{BlockHash, Hash256};
use dashlite::wire::{
    FilterAdd, FilterLoad, GetData, GetHeaders, GovSync, Inv, InvType, Inventory, Message, Ping,
    SyncItem,
};
use dashlite_testkit::chain::{BlockSpec, COIN};
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::node::{Disconnect, NodeTransport, NODE_NETWORK};
use dashlite_testkit::{start_nodes, NodeConfig, NodeEvent, RawClient, SharedChain, TestNode};

fn filter_for(key: &TestKey) -> FilterLoad {
    let mut f = BloomFilter::new(10, 0.0001, 0x1234, 1).unwrap();
    f.insert(key.key_id());
    let (data, hash_funcs, tweak, flags) = f.into_parts();
    FilterLoad { data, hash_funcs, tweak, flags }
}

fn inv_of(inv_type: InvType, hash: [u8; 32]) -> Inventory {
    Inventory::new(inv_type, Hash256::from_byte_array(hash))
}

/// Sends a ping and returns everything the node sent before the pong: "no reply" checks.
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
fn the_handshake_follows_dash_core_order() {
    let chain = SharedChain::with_blocks(3);
    let node = TestNode::start(&chain);
    let mut c = RawClient::connect(node.addr()).unwrap();
    let got = c.handshake(SPV_SERVICES).unwrap();
    let names: Vec<&str> = got.iter().map(Message::command_name).collect();
    assert_eq!(names, ["version", "sendaddrv2", "verack"]);
    let Message::Version(v) = &got[0] else { unreachable!() };
    assert_eq!(v.version, 70240);
    assert_eq!(v.services, NODE_SERVICES);
    assert_eq!(v.start_height, 3);
    let after: Vec<String> = (0..4).map(|_| c.recv().unwrap().command_name().to_owned()).collect();
    assert_eq!(after, ["sendheaders2", "sendcmpct", "senddsq", "ping"]);
    // The node recorded what the client sent, in order.
    assert!(node.wait_for(WAIT, |e| e
        .iter()
        .filter(|e| matches!(e, NodeEvent::Received { .. }))
        .count()
        >= 3));
    assert_eq!(node.commands(node.peers()[0]), ["version", "sendaddrv2", "verack"]);
}

#[test]
fn a_client_without_headers2_support_is_asked_for_sendheaders() {
    let node = TestNode::start(&SharedChain::with_blocks(1));
    let mut c = RawClient::connect(node.addr()).unwrap();
    c.handshake(0).unwrap();
    assert_eq!(c.recv().unwrap(), Message::SendHeaders);
    let Message::SendDsq(dsq) = c.recv_until("senddsq").unwrap().0 else { unreachable!() };
    assert!(dsq.0);
}

#[test]
fn headers2_sync_downloads_a_chain_core_accepts_8000_at_a_time() {
    let chain = SharedChain::with_blocks(8_050);
    let node = TestNode::start(&chain);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    let mut tree = regtest_tree();
    let first = getheaders2(&mut c, vec![tree.tip().hash]);
    assert_eq!(first.len(), 8_000);
    assert!(accept(&mut tree, &first).error.is_none());
    let second = getheaders2(&mut c, vec![tree.tip().hash]);
    assert_eq!(second.len(), 50);
    assert!(accept(&mut tree, &second).error.is_none());
    assert_eq!(tree.tip().hash, chain.tip());
    assert!(getheaders2(&mut c, vec![tree.tip().hash]).is_empty(), "at the tip: an empty headers2");
}

#[test]
fn getheaders_answers_2000_uncompressed_headers_from_the_locator() {
    let chain = SharedChain::with_blocks(2_100);
    let node = TestNode::start(&chain);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    let at_100 = chain.read().hash_at(100).unwrap();
    c.send(&Message::GetHeaders(GetHeaders::new(
        70240,
        vec![BlockHash::from_byte_array([9; 32]), at_100],
        BlockHash::ZERO,
    )))
    .unwrap();
    let Message::Headers(h) = c.recv_until("headers").unwrap().0 else { unreachable!() };
    assert_eq!(h.headers.len(), 2_000);
    assert_eq!(h.headers[0], chain.read().header(101).unwrap());
    // hashStop ends the reply early.
    let stop = chain.read().hash_at(105).unwrap();
    c.send(&Message::GetHeaders(GetHeaders::new(70240, vec![at_100], stop))).unwrap();
    let Message::Headers(h) = c.recv_until("headers").unwrap().0 else { unreachable!() };
    assert_eq!(h.headers.len(), 5);
}

#[test]
fn filtered_blocks_are_a_verifiable_merkleblock_then_the_matched_txs() {
    let chain = SharedChain::with_blocks(10);
    let alice = TestKey::from_seed("alice");
    let pay = {
        let mut w = chain.write();
        for i in 0..4 {
            w.send(&TestKey::from_seed(&format!("x{i}")).p2pkh(), COIN);
        }
        let pay = w.send(&alice.p2pkh(), 2 * COIN);
        w.mine(1);
        pay
    };
    let node = TestNode::start(&chain);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::FilterLoad(filter_for(&alice))).unwrap();
    let tip = chain.tip();
    c.send(&Message::GetData(GetData::new(vec![inv_of(
        InvType::FilteredBlock,
        tip.to_byte_array(),
    )])))
    .unwrap();
    let Message::MerkleBlock(mb) = c.recv_until("merkleblock").unwrap().0 else { unreachable!() };
    assert_eq!(mb.header.block_hash(), tip);
    let matched = mb.matched_txids().expect("proof verifies against the header");
    assert_eq!(matched.iter().map(|m| m.txid).collect::<Vec<_>>(), vec![pay.txid()]);
    assert_eq!(c.recv().unwrap(), Message::Tx(pay.clone()));
    // The filter was updated (BLOOM_UPDATE_ALL): a spend of the payment now matches.
    let spend = chain.write().spend(&[dashlite::tx::OutPoint::new(pay.txid(), 0)], vec![]);
    let Message::Inv(inv) = c.recv_until("inv").unwrap().0 else { unreachable!() };
    assert_eq!(inv.inventory, vec![inv_of(InvType::Tx, spend.txid().to_byte_array())]);
}

#[test]
fn without_a_filter_a_filtered_block_request_gets_no_reply() {
    let chain = SharedChain::with_blocks(5);
    let node = TestNode::start(&chain);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::GetData(GetData::new(vec![inv_of(
        InvType::FilteredBlock,
        chain.tip().to_byte_array(),
    )])))
    .unwrap();
    c.send(&Message::GetData(GetData::new(vec![inv_of(InvType::Block, [7; 32])]))).unwrap();
    let before = until_pong(&mut c, 42);
    assert!(before.is_empty(), "{before:?}");
}

#[test]
fn unknown_transactions_are_answered_with_notfound() {
    let chain = SharedChain::with_blocks(5);
    let node = TestNode::start(&chain);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    let missing = inv_of(InvType::Tx, [3; 32]);
    c.send(&Message::GetData(GetData::new(vec![missing]))).unwrap();
    let Message::NotFound(nf) = c.recv_until("notfound").unwrap().0 else { unreachable!() };
    assert_eq!(nf.inventory, vec![missing]);
}

#[test]
fn full_blocks_are_served() {
    let chain = SharedChain::with_blocks(5);
    let node = TestNode::start(&chain);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::GetData(GetData::new(vec![inv_of(
        InvType::Block,
        chain.tip().to_byte_array(),
    )])))
    .unwrap();
    let Message::Block(b) = c.recv_until("block").unwrap().0 else { unreachable!() };
    assert_eq!(b, chain.read().block(5).unwrap());
}

#[test]
fn new_blocks_are_announced_as_headers2_after_sync() {
    let chain = SharedChain::with_blocks(20);
    let node = TestNode::start(&chain);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::SendHeaders2).unwrap();
    let mut tree = regtest_tree();
    let synced = getheaders2(&mut c, vec![tree.tip().hash]);
    assert!(accept(&mut tree, &synced).error.is_none());
    node.mine(2);
    let Message::Headers2(h2) = c.recv_until("headers2").unwrap().0 else { unreachable!() };
    let headers = decompress(&h2);
    assert_eq!(headers.len(), 2);
    assert!(accept(&mut tree, &headers).error.is_none());
    assert_eq!(tree.tip().hash, chain.tip());
}

#[test]
fn a_reorg_is_announced_from_the_fork_point() {
    let chain = SharedChain::with_blocks(20);
    let node = TestNode::start(&chain);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::SendHeaders2).unwrap();
    let mut tree = regtest_tree();
    let synced = getheaders2(&mut c, vec![tree.tip().hash]);
    assert!(accept(&mut tree, &synced).error.is_none());
    let reorg = node.reorg(2);
    let Message::Headers2(h2) = c.recv_until("headers2").unwrap().0 else { unreachable!() };
    let headers = decompress(&h2);
    assert_eq!(headers.len(), 3);
    assert_eq!(headers[0].prev_blockhash, chain.read().hash_at(reorg.fork_height).unwrap());
    let out = accept(&mut tree, &headers);
    assert!(out.tip_change.unwrap().is_reorg());
}

#[test]
fn a_client_that_never_synced_gets_an_inv_of_the_tip() {
    let chain = SharedChain::with_blocks(20);
    let node = TestNode::start(&chain);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::SendHeaders2).unwrap();
    until_pong(&mut c, 1);
    let new = node.mine(1)[0];
    let Message::Inv(inv) = c.recv_until("inv").unwrap().0 else { unreachable!() };
    assert_eq!(inv.inventory, vec![inv_of(InvType::Block, new.to_byte_array())]);
}

#[test]
fn new_transactions_are_announced_only_when_the_filter_matches() {
    let chain = SharedChain::with_blocks(5);
    let node = TestNode::start(&chain);
    let alice = TestKey::from_seed("alice");
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::FilterLoad(filter_for(&alice))).unwrap();
    until_pong(&mut c, 5);
    node.send(&TestKey::from_seed("bob").p2pkh(), COIN);
    let mine = node.send(&alice.p2pkh(), COIN);
    let Message::Inv(inv) = c.recv_until("inv").unwrap().0 else { unreachable!() };
    assert_eq!(inv.inventory, vec![inv_of(InvType::Tx, mine.txid().to_byte_array())]);
    c.send(&Message::GetData(GetData::new(inv.inventory.clone()))).unwrap();
    assert_eq!(c.recv_until("tx").unwrap().0, Message::Tx(mine));
}

#[test]
fn the_mempool_request_lists_matching_transactions() {
    let chain = SharedChain::with_blocks(5);
    let alice = TestKey::from_seed("alice");
    let pay = chain.send(&alice.p2pkh(), COIN);
    chain.send(&TestKey::from_seed("bob").p2pkh(), COIN);
    let node = TestNode::start(&chain);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::FilterLoad(filter_for(&alice))).unwrap();
    c.send(&Message::Mempool).unwrap();
    let Message::Inv(inv) = c.recv_until("inv").unwrap().0 else { unreachable!() };
    assert_eq!(inv.inventory, vec![inv_of(InvType::Tx, pay.txid().to_byte_array())]);
}

#[test]
fn a_transaction_a_client_announces_is_fetched_and_relayed_by_the_other_nodes() {
    let chain = SharedChain::with_blocks(5);
    let nodes = start_nodes(&chain, 2);
    let mut sender = spv_client(nodes[0].addr(), SPV_SERVICES);
    let mut watcher = spv_client(nodes[1].addr(), SPV_SERVICES);
    watcher.send(&Message::FilterClear).unwrap(); // relay everything
    until_pong(&mut watcher, 9);
    let tx = chain.write().fork_at(5).send(&TestKey::from_seed("carol").p2pkh(), COIN);
    let txid = tx.txid();
    sender.send(&Message::Inv(Inv::new(vec![inv_of(InvType::Tx, txid.to_byte_array())]))).unwrap();
    let Message::GetData(gd) = sender.recv_until("getdata").unwrap().0 else { unreachable!() };
    assert_eq!(gd.inventory[0], Inventory::Tx(txid));
    sender.send(&Message::Tx(tx)).unwrap();
    let Message::Inv(inv) = watcher.recv_until("inv").unwrap().0 else { unreachable!() };
    assert_eq!(inv.inventory, vec![inv_of(InvType::Tx, txid.to_byte_array())]);
    assert!(chain.read().mempool_tx(&txid).is_some());
}

#[test]
fn nodes_sharing_a_chain_all_announce_a_block_mined_through_one() {
    let chain = SharedChain::with_blocks(5);
    let nodes = start_nodes(&chain, 3);
    let mut clients: Vec<RawClient> =
        nodes.iter().map(|n| spv_client(n.addr(), SPV_SERVICES)).collect();
    let new = nodes[0].mine(1)[0];
    for c in &mut clients {
        let Message::Inv(inv) = c.recv_until("inv").unwrap().0 else { unreachable!() };
        assert_eq!(inv.inventory[0], Inventory::Block(new));
    }
}

#[test]
fn getaddr_lists_the_other_nodes_once() {
    let chain = SharedChain::with_blocks(1);
    let nodes = start_nodes(&chain, 3);
    let mut c = spv_client(nodes[0].addr(), SPV_SERVICES);
    c.send(&Message::GetAddr).unwrap();
    let Message::AddrV2(a) = c.recv_until("addrv2").unwrap().0 else { unreachable!() };
    let mut got: Vec<_> = a.entries.iter().filter_map(|e| e.socket_addr()).collect();
    got.sort();
    let mut want = vec![nodes[1].addr(), nodes[2].addr()];
    want.sort();
    assert_eq!(got, want);
    c.send(&Message::GetAddr).unwrap();
    assert!(until_pong(&mut c, 3).is_empty(), "answered once per connection");
}

#[test]
fn getsporks_returns_sporks_signed_by_the_regtest_key() {
    let node = TestNode::start(&SharedChain::with_blocks(1));
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::GetSporks).unwrap();
    let Message::Spork(s) = c.recv_until("spork").unwrap().0 else { unreachable!() };
    assert_eq!(s.value, 0);
    assert_eq!(s.signature.len(), 65);
}

#[test]
fn govsync_serves_the_proposal_and_scores_a_repeat() {
    let node = TestNode::start(&SharedChain::with_blocks(1));
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::GovSync(GovSync { prop_hash: Hash256::ZERO, filter: FilterLoad::default() }))
        .unwrap();
    let Message::SyncStatusCount(ssc) = c.recv_until("ssc").unwrap().0 else { unreachable!() };
    assert_eq!((ssc.item, ssc.count), (SyncItem::GovObj, 1));
    let Message::Inv(inv) = c.recv().unwrap() else { panic!("inv after ssc") };
    assert_eq!(inv.inventory[0].inv_type(), InvType::GovernanceObject);
    c.send(&Message::GetData(GetData::new(inv.inventory.clone()))).unwrap();
    let Message::GovObject(obj) = c.recv_until("govobj").unwrap().0 else { unreachable!() };
    assert_eq!(inv.inventory[0], Inventory::GovernanceObject(obj.hash()));
    // Votes of the object: an empty filter "contains" every hash, so none.
    c.send(&Message::GovSync(GovSync { prop_hash: obj.hash(), filter: FilterLoad::default() }))
        .unwrap();
    let Message::SyncStatusCount(ssc) = c.recv_until("ssc").unwrap().0 else { unreachable!() };
    assert_eq!((ssc.item, ssc.count), (SyncItem::GovObjVote, 0));
    let empty = BloomFilter::new(10, 0.01, 0, 0).unwrap();
    let (data, hash_funcs, tweak, flags) = empty.into_parts();
    c.send(&Message::GovSync(GovSync {
        prop_hash: obj.hash(),
        filter: FilterLoad { data, hash_funcs, tweak, flags },
    }))
    .unwrap();
    let Message::SyncStatusCount(ssc) = c.recv_until("ssc").unwrap().0 else { unreachable!() };
    assert_eq!(ssc.count, 2);
    c.send(&Message::GovSync(GovSync { prop_hash: Hash256::ZERO, filter: FilterLoad::default() }))
        .unwrap();
    assert!(node.wait_for(WAIT, |e| e
        .iter()
        .any(|e| matches!(e, NodeEvent::Misbehaving { score: 20, .. }))));
}

#[test]
fn filteradd_without_a_filter_scores_100_and_disconnects() {
    let node = TestNode::start(&SharedChain::with_blocks(1));
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::FilterAdd(FilterAdd { element: vec![1; 20] })).unwrap();
    assert!(c.wait_closed(WAIT));
    let peer = node.peers()[0];
    assert!(node.wait_for(WAIT, |e| e.iter().any(|e| matches!(e, NodeEvent::Disconnected { .. }))));
    assert_eq!(node.score(peer), 100);
    assert_eq!(node.disconnect_reason(peer), Some(Disconnect::Misbehaving));
}

#[test]
fn an_oversized_filterload_scores_100() {
    let node = TestNode::start(&SharedChain::with_blocks(1));
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    let big = FilterLoad { data: vec![0xff; 36_001], hash_funcs: 5, tweak: 0, flags: 0 };
    c.send(&Message::FilterLoad(big)).unwrap();
    assert!(c.wait_closed(WAIT));
    assert_eq!(node.score(node.peers()[0]), 100);
}

#[test]
fn an_oversized_filteradd_element_scores_100() {
    let node = TestNode::start(&SharedChain::with_blocks(1));
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::FilterLoad(filter_for(&TestKey::from_seed("a")))).unwrap();
    c.send(&Message::FilterAdd(FilterAdd { element: vec![1; 521] })).unwrap();
    assert!(c.wait_closed(WAIT));
    assert_eq!(node.score(node.peers()[0]), 100);
}

#[test]
fn sendaddrv2_after_verack_disconnects() {
    let node = TestNode::start(&SharedChain::with_blocks(1));
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::SendAddrV2).unwrap();
    assert!(c.wait_closed(WAIT));
    assert!(node.wait_for(WAIT, |e| e
        .iter()
        .any(|e| matches!(e, NodeEvent::Disconnected { reason: Disconnect::Protocol(_), .. }))));
}

#[test]
fn bloom_messages_to_a_node_without_node_bloom_disconnect() {
    let chain = SharedChain::with_blocks(1);
    let node =
        TestNode::start_with(&chain, NodeConfig::default().with_services(NODE_NETWORK)).unwrap();
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    c.send(&Message::FilterLoad(filter_for(&TestKey::from_seed("a")))).unwrap();
    assert!(c.wait_closed(WAIT));
    assert_eq!(node.score(node.peers()[0]), 0, "a disconnect without a score");
}

#[test]
fn a_locator_above_101_hashes_disconnects() {
    let node = TestNode::start(&SharedChain::with_blocks(1));
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    let mut payload = Vec::new();
    70240i32.encode(&mut payload);
    dashlite::encode::write_compact_size(&mut payload, 102);
    payload.extend(std::iter::repeat_n(0u8, 102 * 32 + 32));
    let frame = dashlite::wire::envelope::encode_frame(
        dashlite::network::Network::Regtest.params().magic,
        dashlite::wire::Command::new("getheaders2").unwrap(),
        &payload,
    );
    c.send_raw(&frame).unwrap();
    assert!(c.wait_closed(WAIT));
}

#[test]
fn an_obsolete_client_version_is_disconnected() {
    let node = TestNode::start(&SharedChain::with_blocks(1));
    let mut c = RawClient::connect(node.addr()).unwrap();
    let mut v = dashlite_testkit::client::spv_version(0, 0);
    v.version = 70_220;
    c.send(&Message::Version(v)).unwrap();
    assert!(c.wait_closed(WAIT));
}

#[test]
fn messages_before_the_handshake_are_ignored() {
    // On v1: a node that speaks v2 takes any first bytes other than a v1 `version` for a v2
    // key, as Dash Core does.
    let config = NodeConfig::default().with_transport(NodeTransport::V1Only);
    let node = TestNode::start_with(&SharedChain::with_blocks(1), config).expect("node");
    let mut c = RawClient::connect(node.addr()).unwrap();
    c.send(&Message::GetAddr).unwrap();
    c.send(&Message::FilterAdd(FilterAdd { element: vec![1] })).unwrap();
    c.handshake(SPV_SERVICES).unwrap();
    let _ = until_pong(&mut c, 8);
    assert_eq!(node.score(node.peers()[0]), 0);
}

#[test]
fn stop_and_restart_on_the_same_port_serves_the_same_chain() {
    let chain = SharedChain::with_blocks(7);
    let mut node = TestNode::start(&chain);
    let addr = node.addr();
    let mut c = spv_client(addr, SPV_SERVICES);
    node.stop();
    assert!(c.wait_closed(WAIT));
    node.restart().unwrap();
    assert_eq!(node.addr(), addr);
    let mut c = spv_client(addr, SPV_SERVICES);
    assert_eq!(getheaders2(&mut c, vec![chain.read().hash_at(0).unwrap()]).len(), 7);
    node.restart_on_new_port().unwrap();
    assert_ne!(node.addr(), addr);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    assert_eq!(getheaders2(&mut c, vec![chain.read().hash_at(5).unwrap()]).len(), 2);
}

#[test]
fn explicit_announce_repeats_the_tip() {
    let chain = SharedChain::with_blocks(5);
    let node = TestNode::start(&chain);
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    until_pong(&mut c, 2);
    node.announce();
    let Message::Inv(inv) = c.recv_until("inv").unwrap().0 else { unreachable!() };
    assert_eq!(inv.inventory[0], Inventory::Block(chain.tip()));
}

#[test]
fn a_block_can_pay_given_scripts_and_carry_given_transactions() {
    let chain = SharedChain::with_blocks(3);
    let alice = TestKey::from_seed("alice");
    let tx = chain.write().fork_at(3).send(&alice.p2pk(), COIN);
    let hash = chain.mine_block(BlockSpec::empty().pay(alice.p2pkh(), 7 * COIN).tx(tx.clone()));
    let block = chain.read().block_by_hash(&hash).unwrap();
    assert_eq!(block.transactions[0].outputs[0].script_pubkey, alice.p2pkh());
    assert_eq!(block.transactions[1], tx);
}

#[test]
fn headers2_replies_are_capped_at_2000_below_protocol_70235() {
    let chain = SharedChain::with_blocks(2_050);
    let node = TestNode::start(&chain);
    let mut c = RawClient::connect(node.addr()).unwrap();
    let mut v = dashlite_testkit::client::spv_version(SPV_SERVICES, 0);
    v.version = 70_230;
    c.handshake_with(v).unwrap();
    assert_eq!(getheaders2(&mut c, vec![chain.read().hash_at(0).unwrap()]).len(), 2_000);
}

#[test]
fn new_blocks_are_announced_as_headers_to_a_sendheaders_client() {
    let chain = SharedChain::with_blocks(10);
    let node = TestNode::start(&chain);
    let mut c = spv_client(node.addr(), 0);
    c.send(&Message::SendHeaders).unwrap();
    c.send(&Message::GetHeaders(GetHeaders::new(
        70240,
        vec![chain.read().hash_at(0).unwrap()],
        BlockHash::ZERO,
    )))
    .unwrap();
    let Message::Headers(h) = c.recv_until("headers").unwrap().0 else { unreachable!() };
    assert_eq!(h.headers.len(), 10);
    let new = node.mine(1)[0];
    let Message::Headers(h) = c.recv_until("headers").unwrap().0 else { unreachable!() };
    assert_eq!(h.headers.len(), 1);
    assert_eq!(h.headers[0].block_hash(), new);
}

#[test]
fn recording_can_be_turned_off_for_benchmarks() {
    let chain = SharedChain::with_blocks(1);
    let config = NodeConfig { record_messages: false, ..NodeConfig::default() };
    let node = TestNode::start_with(&chain, config).unwrap();
    let mut c = spv_client(node.addr(), SPV_SERVICES);
    until_pong(&mut c, 1);
    assert_eq!(node.count("ping"), 0);
    assert_eq!(node.peers().len(), 1);
}
