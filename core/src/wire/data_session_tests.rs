//! The data-family frames of a real Dash Core v23.1.2 regtest session
//! (`vectors/dashd-regtest-session.json`): every payload decodes and re-encodes byte-exact,
//! and the compressed headers decode to the block hashes Dash Core reported.

use super::*;
use crate::encode::{Decode, Encode};
use crate::hash::{sha256d, BlockHash, Txid};
use std::collections::HashMap;

fn session() -> serde_json::Value {
    let path =
        format!("{}/../../shared/vectors/dashd-regtest-session.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("shared test vectors missing: {path}: {e}"));
    serde_json::from_str(&text).expect("vector file is JSON")
}

/// Splits a v1 frame into its command and payload, checking magic, length and checksum.
fn payload_of(frame_hex: &str) -> (String, Vec<u8>) {
    let frame = hex::decode(frame_hex).unwrap();
    assert_eq!(frame[..4], [0xfc, 0xc1, 0xb7, 0xdc], "regtest magic");
    let command: String =
        frame[4..16].iter().take_while(|&&b| b != 0).map(|&b| char::from(b)).collect();
    let len = u32::from_le_bytes(frame[16..20].try_into().unwrap()) as usize;
    let payload = frame[24..].to_vec();
    assert_eq!(payload.len(), len, "{command}");
    assert_eq!(frame[20..24], sha256d(&payload)[..4], "{command} checksum");
    (command, payload)
}

fn frames(v: &serde_json::Value, command: &str) -> Vec<(String, Vec<u8>)> {
    v["frames"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["command"] == command)
        .map(|f| {
            let (cmd, payload) = payload_of(f["frame"].as_str().unwrap());
            assert_eq!(cmd, command);
            (f["dir"].as_str().unwrap().to_owned(), payload)
        })
        .collect()
}

fn round_trip<T: Decode + Encode>(payload: &[u8]) -> T {
    let value = T::from_bytes(payload).unwrap();
    assert_eq!(hex::encode(value.to_bytes()), hex::encode(payload));
    value
}

/// The session's block hashes by height (0 = regtest genesis).
fn block_hashes(v: &serde_json::Value) -> Vec<BlockHash> {
    v["block_hashes_display"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().parse().unwrap())
        .collect()
}

/// X11 stand-in from the data: the hash of the block whose parent is `prev_blockhash`.
fn hasher_from_chain(hashes: &[BlockHash]) -> impl FnMut(&BlockHeader) -> BlockHash {
    let next: HashMap<BlockHash, BlockHash> = hashes.windows(2).map(|w| (w[0], w[1])).collect();
    move |h: &BlockHeader| *next.get(&h.prev_blockhash).expect("header on the session chain")
}

#[test]
fn dash_core_getheaders2_reply_decodes_to_its_block_hashes() {
    let v = session();
    let hashes = block_hashes(&v);
    assert_eq!(hashes.len(), 234);

    let requests = frames(&v, "getheaders2");
    assert_eq!(requests.len(), 1);
    let req: GetHeaders2 = round_trip(&requests[0].1);
    assert_eq!(req.version, 70240);
    assert_eq!(req.locator_hashes, [hashes[0]]);
    assert_eq!(req.hash_stop, BlockHash::ZERO);

    let replies = frames(&v, "headers2");
    assert_eq!(replies.len(), 2);
    let reply: Headers2 = round_trip(&replies[0].1);
    assert_eq!(reply.headers.len(), 232);
    let small = reply.headers[1..].iter().filter(|e| e.encoded_len() == 39).count();
    assert!(small >= 225, "most of Dash Core's entries are 39 bytes, got {small}");
    let mut calls = 0;
    let mut hasher = hasher_from_chain(&hashes);
    let decoded = reply
        .decompress(|h| {
            calls += 1;
            hasher(h)
        })
        .unwrap();
    assert_eq!(calls, 232);
    let got: Vec<BlockHash> = decoded.iter().map(|h| h.hash).collect();
    assert_eq!(got, hashes[1..=232]);
    assert_eq!(decoded[0].header.prev_blockhash, hashes[0]);
    for pair in decoded.windows(2) {
        assert_eq!(pair[1].header.prev_blockhash, pair[0].hash);
    }
    // Dash Core's reply path: re-encoding the decoded headers gives its exact bytes.
    let headers: Vec<BlockHeader> = decoded.iter().map(|h| h.header).collect();
    let ours = Headers2::compress(&headers, CompressionPath::GetHeaders2Reply);
    assert_eq!(hex::encode(ours.to_bytes()), hex::encode(&replies[0].1));

    // The new-block announcement: one full header on top of block 232.
    let announce: Headers2 = round_trip(&replies[1].1);
    let decoded = announce.decompress(hasher_from_chain(&hashes)).unwrap();
    assert_eq!(decoded.len(), 1);
    assert_eq!(decoded[0].hash, hashes[233]);
    let ours = Headers2::compress(&[decoded[0].header], CompressionPath::Announcement);
    assert_eq!(ours.to_bytes(), replies[1].1);
}

#[test]
fn dash_core_headers_reply_round_trips_and_links() {
    let v = session();
    let hashes = block_hashes(&v);
    let requests = frames(&v, "getheaders");
    assert_eq!(requests.len(), 1);
    let req: GetHeaders = round_trip(&requests[0].1);
    assert_eq!(req.locator_hashes, [hashes[200]]);

    let replies = frames(&v, "headers");
    assert_eq!(replies.len(), 1);
    let reply: Headers = round_trip(&replies[0].1);
    assert_eq!(reply.headers.len(), 32);
    let mut hasher = hasher_from_chain(&hashes);
    for (i, header) in reply.headers.iter().enumerate() {
        assert_eq!(header.prev_blockhash, hashes[200 + i]);
        assert_eq!(hasher(header), hashes[201 + i]);
    }
}

#[test]
fn dash_core_inventory_frames_round_trip() {
    let v = session();
    let hashes = block_hashes(&v);
    let mut types = Vec::new();
    for (_, payload) in frames(&v, "inv") {
        let inv: Inv = round_trip(&payload);
        types.extend(inv.inventory.iter().map(|i| i.inv_type()));
    }
    let mut requested = Vec::new();
    for (dir, payload) in frames(&v, "getdata") {
        assert_eq!(dir, "out");
        let getdata: GetData = round_trip(&payload);
        requested.extend(getdata.inventory);
    }
    assert_eq!(types, [InvType::GovernanceObject, InvType::Tx]);
    let filtered: Vec<BlockHash> = requested
        .iter()
        .filter_map(|i| match i {
            Inventory::FilteredBlock(h) => Some(*h),
            _ => None,
        })
        .collect();
    let height = |h: &BlockHash| hashes.iter().position(|x| x == h).expect("known block");
    let heights: Vec<usize> = filtered.iter().map(height).collect();
    assert_eq!(heights, [221, 231, 232, 233]);
    let live: Txid = v["live_payment_txid"].as_str().unwrap().parse().unwrap();
    assert!(requested.contains(&Inventory::Tx(live)));

    for (_, payload) in frames(&v, "mempool") {
        assert!(payload.is_empty());
    }
}

#[test]
fn dash_core_merkleblocks_round_trip_and_prove_the_payments() {
    let v = session();
    let hashes = block_hashes(&v);
    let mut hasher = hasher_from_chain(&hashes);
    let mut matched: HashMap<usize, Vec<Txid>> = HashMap::new();
    let blocks = frames(&v, "merkleblock");
    assert_eq!(blocks.len(), 4);
    for (_, payload) in blocks {
        let mb: MerkleBlock = round_trip(&payload);
        let hash = hasher(&mb.header);
        let height = hashes.iter().position(|h| *h == hash).unwrap();
        let txids = crate::chain::merkle::PartialMerkleTree {
            total_transactions: mb.total_transactions,
            hashes: mb.hashes.clone(),
            flags: mb.flags.clone(),
        }
        .extract_matches()
        .unwrap();
        assert_eq!(txids.root, mb.header.merkle_root);
        matched.insert(height, mb.matched_txids().unwrap().iter().map(|m| m.txid).collect());
    }
    let payments: Vec<Txid> = v["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["txid"].as_str().unwrap().parse().unwrap())
        .collect();
    let at_221 = &matched[&221];
    for p in &payments {
        assert!(at_221.contains(p), "payment {p} proven in block 221");
    }
    let live: Txid = v["live_payment_txid"].as_str().unwrap().parse().unwrap();
    assert!(matched[&233].contains(&live));
}
