//! The chain builder: real regtest blocks that core's chain module accepts, correct merkle
//! roots, the transaction kinds tests need, reorgs, forks, the header cache, spork signing
//! and the served governance object.

mod common;

use common::*;
use dashlite::bloom::BloomFilter;
use dashlite::chain::merkle::{merkle_root, PartialMerkleTree};
use dashlite::encode::{Decode, Encode};
use dashlite::hash::{hash160, Txid};
use dashlite::network::Network;
use dashlite::tx::{SpecialPayload, Transaction, TxOut};
use dashlite::wire::{CompressionPath, Headers2, MerkleBlock, SporkId};
use dashlite_testkit::cache::{cache_path, cached_chain};
use dashlite_testkit::chain::{
    coinbase, genesis_coinbase, miner_key, BlockSpec, Chain, COIN, REGTEST_BITS,
};
use dashlite_testkit::governance::capture_proposal;
use dashlite_testkit::keys::{self, TestKey};
use dashlite_testkit::sporks::{regtest_spork_key, sign_spork};
use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::{Message as SecpMessage, Secp256k1};

#[test]
fn genesis_coinbase_hashes_to_the_regtest_merkle_root() {
    let genesis = Network::Regtest.params().genesis_header();
    assert_eq!(genesis_coinbase().txid().to_byte_array(), genesis.merkle_root.to_byte_array());
    let chain = Chain::regtest();
    assert_eq!(
        chain.tip().to_string(),
        "000008ca1832a4baf228eb1553c03d3a2c8e02399550dd6ea8d65cec3ef23d2e"
    );
    assert_eq!(chain.block(0).unwrap().transactions, vec![genesis_coinbase()]);
}

#[test]
fn a_built_chain_validates_with_core_header_tree() {
    let mut chain = Chain::with_blocks(150);
    let alice = TestKey::from_seed("alice");
    chain.send(&alice.p2pkh(), 3 * COIN);
    chain.mine(1);
    chain.mine_block(BlockSpec::default().version(0x2000_0004));
    chain.mine(30);
    let mut tree = regtest_tree();
    let out = accept(&mut tree, &chain.headers()[1..]);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.accepted, chain.height() as usize);
    assert_eq!(out.unchecked, 0, "every difficulty and median-time rule was checked");
    assert_eq!(tree.tip().hash, chain.tip());
    assert!(chain.headers().iter().all(|h| h.bits == REGTEST_BITS));
    assert!(chain.headers().windows(2).all(|w| w[1].time > w[0].time));
}

#[test]
fn every_block_commits_to_its_transactions() {
    let mut chain = Chain::with_blocks(5);
    let (a, b) = (TestKey::from_seed("a"), TestKey::from_seed("b"));
    chain.send(&a.p2pkh(), COIN);
    chain.send(&keys::p2sh(&hash160(b"redeem script")), 2 * COIN);
    chain.send(&keys::multisig(1, &[&a.pubkey, &b.pubkey]), 3 * COIN);
    chain.send(&b.p2pk(), 4 * COIN);
    chain.mine(1);
    chain.mine_to(2, &a.p2pkh());
    for h in 0..=chain.height() {
        let block = chain.block(h).unwrap();
        let txids: Vec<Txid> = block.transactions.iter().map(Transaction::txid).collect();
        assert_eq!(merkle_root(&txids), block.header.merkle_root, "height {h}");
        let raw = block.to_bytes();
        assert_eq!(
            dashlite::wire::Block::from_bytes(&raw).unwrap(),
            block,
            "height {h} round-trips"
        );
    }
    assert_eq!(chain.block(6).unwrap().transactions.len(), 5);
    let paid = chain.block(7).unwrap().transactions[0].clone();
    assert_eq!(paid.outputs[0].script_pubkey, a.p2pkh());
}

#[test]
fn coinbases_are_dip4_cbtx_with_the_height() {
    let cb = coinbase(1234, 0, None);
    assert!(cb.is_coinbase());
    match cb.special_payload().unwrap() {
        SpecialPayload::Coinbase(p) => assert_eq!(p.height, 1234),
        other => panic!("{other:?}"),
    }
    assert_eq!(cb.outputs[0].script_pubkey, miner_key().p2pkh());
    assert_ne!(coinbase(1234, 1, None).txid(), cb.txid(), "branch tags make coinbases differ");
}

#[test]
fn spends_of_earlier_outputs_reference_them() {
    let mut chain = Chain::with_blocks(3);
    let alice = TestKey::from_seed("alice");
    let pay = chain.send(&alice.p2pkh(), 7 * COIN);
    chain.mine(1);
    let out = dashlite::tx::OutPoint::new(pay.txid(), 0);
    let spend =
        chain.spend(&[out], vec![TxOut { value: 6 * COIN, script_pubkey: keys::op_return(b"x") }]);
    assert_eq!(chain.mempool(), std::slice::from_ref(&spend));
    chain.mine(1);
    assert_eq!(chain.block(chain.height()).unwrap().transactions[1], spend);
    assert!(chain.mempool().is_empty());
}

#[test]
fn a_pro_reg_tx_is_a_dip2_special_transaction_a_filter_matches() {
    let mut chain = Chain::with_blocks(3);
    let (owner, voting) = (TestKey::from_seed("owner"), TestKey::from_seed("voting"));
    let payout = TestKey::from_seed("payout").p2pkh();
    let tx =
        chain.register_masternode(&owner, &voting, &payout, "127.0.0.1:19899".parse().unwrap());
    assert!(tx.is_special());
    let SpecialPayload::ProRegTx(p) = tx.special_payload().unwrap() else {
        panic!("not a ProRegTx")
    };
    assert_eq!(
        (p.key_id_owner, p.key_id_voting, p.script_payout.clone()),
        (owner.key_id(), voting.key_id(), payout)
    );
    assert!(tx.inputs.len() >= 3, "1,000 DASH needs three 500 DASH coinbases");
    let decoded = Transaction::from_bytes(&tx.to_bytes()).unwrap();
    assert_eq!(decoded, tx);
    let mut filter = BloomFilter::new(1, 0.0001, 7, 1).unwrap();
    filter.insert(voting.key_id());
    assert!(filter.is_relevant_and_update(&tx), "keyIDVoting matches");
    assert!(filter.contains(tx.txid()), "BLOOM_UPDATE_ALL inserted the proTxHash");
}

#[test]
fn a_reorg_replaces_blocks_with_a_longer_branch_core_switches_to() {
    let mut chain = Chain::with_blocks(20);
    let alice = TestKey::from_seed("alice");
    let pay = chain.send(&alice.p2pkh(), COIN);
    chain.mine(2);
    let mut tree = regtest_tree();
    assert!(accept(&mut tree, &chain.headers()[1..]).error.is_none());
    let old_tip = chain.tip();
    let reorg = chain.reorg(3);
    assert_eq!(reorg.fork_height, 19);
    assert_eq!(reorg.disconnected.len(), 3);
    assert_eq!(reorg.connected.len(), 4);
    assert_eq!(reorg.returned_to_mempool, vec![pay.txid()]);
    assert_eq!(chain.mempool_tx(&pay.txid()), Some(&pay));
    assert!(chain.height_of(&old_tip).is_none());
    assert!(chain.block_by_hash(&old_tip).is_some(), "stale blocks can still be served");
    let out = accept(&mut tree, &chain.headers()[20..]);
    assert!(out.error.is_none(), "{:?}", out.error);
    let change = out.tip_change.expect("tip changed");
    assert!(change.is_reorg());
    assert_eq!(tree.tip().hash, chain.tip());
}

#[test]
fn a_fork_shares_the_prefix_and_then_differs() {
    let chain = Chain::with_blocks(10);
    let mut fork = chain.fork_at(6);
    fork.mine(2);
    assert_eq!(fork.hash_at(6), chain.hash_at(6));
    assert_ne!(fork.hash_at(7), chain.hash_at(7));
    let mut tree = regtest_tree();
    assert!(accept(&mut tree, &chain.headers()[1..]).error.is_none());
    let out = accept(&mut tree, &fork.headers()[7..]);
    assert!(out.error.is_none());
    assert_eq!(tree.tip().hash, chain.tip(), "the shorter fork has less work");
}

#[test]
fn chains_built_the_same_way_are_identical() {
    assert_eq!(Chain::with_blocks(12).tip(), Chain::with_blocks(12).tip());
}

#[test]
fn the_header_cache_round_trips_and_rebuilds_a_damaged_file() {
    let dir = std::env::temp_dir().join(format!("dashlite-testkit-test-{}", std::process::id()));
    let built = cached_chain(&dir, 40).unwrap();
    let path = cache_path(&dir, 40);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 40 * 80);
    let read = cached_chain(&dir, 40).unwrap();
    assert_eq!(read.headers(), built.headers());
    assert_eq!(read.tip(), Chain::with_blocks(40).tip());
    assert_eq!(read.block(17), Chain::with_blocks(40).block(17), "bodies are rebuilt");
    assert_eq!(read.height_of(&built.hash_at(33).unwrap()), Some(33));
    std::fs::write(&path, b"garbage").unwrap();
    assert_eq!(cached_chain(&dir, 40).unwrap().tip(), built.tip());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn merkleblocks_of_built_blocks_verify() {
    let mut chain = Chain::with_blocks(2);
    let alice = TestKey::from_seed("alice");
    for i in 0..6 {
        chain.send(&TestKey::from_seed(&format!("other{i}")).p2pkh(), COIN);
    }
    let pay = chain.send(&alice.p2pkh(), 2 * COIN);
    chain.mine(1);
    let block = chain.block(chain.height()).unwrap();
    let txids: Vec<Txid> = block.transactions.iter().map(Transaction::txid).collect();
    let matches: Vec<bool> = txids.iter().map(|t| *t == pay.txid()).collect();
    let mb = MerkleBlock::new(block.header, PartialMerkleTree::from_txids(&txids, &matches));
    let found = mb.matched_txids().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].txid, pay.txid());
}

#[test]
fn headers2_of_a_built_chain_decode_to_the_same_headers() {
    let mut chain = Chain::with_blocks(30);
    chain.mine_block(BlockSpec::default().version(0x2000_0008));
    chain.mine(5);
    for path in [CompressionPath::GetHeaders2Reply, CompressionPath::Announcement] {
        let h2 = Headers2::compress(&chain.headers()[1..], path);
        let raw = h2.to_bytes();
        assert!(raw.len() < 80 * 36, "compressed: {} bytes", raw.len());
        let back = Headers2::from_bytes(&raw).unwrap();
        assert_eq!(decompress(&back), chain.headers()[1..].to_vec());
    }
}

#[test]
fn keys_and_addresses_match_the_vectors() {
    let net = vectors("network.json");
    let reg = &net["networks"]["regtest"]["spork_private_key_public_in_source"];
    let key = regtest_spork_key().unwrap();
    assert_eq!(hex::encode(TestKey::from_secret(key).pubkey), reg["pubkey_hex"].as_str().unwrap());
    let session = vectors("dashd-regtest-session.json");
    let addr = session["watched_address"].as_str().unwrap();
    let script = keys::address_script(addr, Network::Regtest).unwrap();
    assert_eq!(
        hex::encode(script.p2pkh_hash().unwrap()),
        session["watched_hash160"].as_str().unwrap()
    );
    let hash: [u8; 20] = script.p2pkh_hash().unwrap();
    assert_eq!(keys::p2pkh_address(&hash, Network::Regtest), addr);
    assert!(keys::address_script("yja4ogCanD6HsEp2nw1KjjhFVBbZvhPz7j", Network::Regtest).is_err());
}

#[test]
fn sporks_are_signed_by_the_regtest_spork_key() {
    let key = regtest_spork_key().unwrap();
    let spork = sign_spork(SporkId::InstantSendEnabled, 0, 1_700_000_000, &key, Network::Regtest);
    let sig = &spork.signature;
    assert_eq!(sig.len(), 65);
    let recid = RecoveryId::try_from(i32::from(sig[0]) - 31).unwrap();
    let rsig = RecoverableSignature::from_compact(&sig[1..], recid).unwrap();
    let digest = spork.signature_hash(Network::Regtest).to_byte_array();
    let pubkey = Secp256k1::new().recover_ecdsa(SecpMessage::from_digest(digest), &rsig).unwrap();
    assert_eq!(hash160(&pubkey.serialize()), Network::Regtest.params().spork_key_ids[0]);
    // Same key, message and RFC6979 nonces as the derived vector: the same bytes.
    let v = vectors("spork.json");
    for case in v["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["network"].as_str().unwrap().starts_with("regtest"))
    {
        let raw = hex::decode(case["payload_hex"].as_str().unwrap()).unwrap();
        let expected = dashlite::wire::Spork::from_bytes(&raw).unwrap();
        let ours = sign_spork(
            expected.spork_id,
            expected.value,
            expected.time_signed,
            &key,
            Network::Regtest,
        );
        assert_eq!(ours, expected, "{}", case["name"]);
    }
}

#[test]
fn the_served_proposal_is_the_one_dash_core_sent() {
    let session = vectors("dashd-regtest-session.json");
    let obj = capture_proposal();
    assert_eq!(obj.hash().to_string(), session["governance_object"]["hash"].as_str().unwrap());
}
