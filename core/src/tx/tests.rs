use super::*;
use crate::encode::{write_compact_size, DecodeErrorKind};
use crate::hash::sha256d_pair;
use crate::test_support::vectors;

fn unhex(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

/// Splits a serialized block into its header and its transactions' byte strings.
fn block_txs(block: &[u8]) -> Vec<Vec<u8>> {
    let mut r = Reader::new(&block[80..]);
    let n = r.read_compact_size().unwrap();
    let mut out = Vec::new();
    for _ in 0..n {
        let before = r.rest();
        let len0 = r.remaining();
        Transaction::decode(&mut r).unwrap();
        out.push(before[..len0 - r.remaining()].to_vec());
    }
    assert!(r.is_empty());
    out
}

fn merkle_root(mut layer: Vec<[u8; 32]>) -> [u8; 32] {
    while layer.len() > 1 {
        if layer.len() % 2 == 1 {
            layer.push(*layer.last().unwrap());
        }
        layer = layer.chunks(2).map(|p| sha256d_pair(&p[0], &p[1])).collect();
    }
    layer[0]
}

/// Every transaction of the vector files, with the display txid where one is listed.
fn all_vector_txs() -> Vec<(Vec<u8>, Option<String>)> {
    let mut out = Vec::new();
    let bloom = vectors("bloom.json");
    for case in bloom["cases"].as_array().unwrap() {
        if let Some(tx) = case.get("tx_hex") {
            out.push((unhex(tx), Some(case["txid_display"].as_str().unwrap().to_owned())));
            out.push((
                unhex(&case["spendingTx_hex"]),
                Some(case["spendingTx_txid_display"].as_str().unwrap().to_owned()),
            ));
        }
        if let Some(txs) = case.get("transactions") {
            for tx in txs.as_object().unwrap().values() {
                out.push((
                    unhex(&tx["hex"]),
                    Some(tx["txid_display"].as_str().unwrap().to_owned()),
                ));
            }
        }
        if let Some(block) = case.get("block_hex") {
            out.extend(block_txs(&unhex(block)).into_iter().map(|t| (t, None)));
        }
    }
    let genesis = vectors("genesis.json");
    out.push((
        unhex(&genesis["coinbase_tx_hex"]),
        Some(genesis["merkle_root_display"].as_str().unwrap().to_owned()),
    ));
    for frame in session_tx_payloads() {
        out.push((frame, None));
    }
    out
}

fn session_tx_payloads() -> Vec<Vec<u8>> {
    let session = vectors("dashd-regtest-session.json");
    session["frames"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["command"] == "tx")
        .map(|f| unhex(&f["frame"])[24..].to_vec())
        .collect()
}

#[test]
fn every_vector_transaction_round_trips_and_hashes_to_its_txid() {
    let txs = all_vector_txs();
    assert!(txs.len() > 30, "only {} transactions found", txs.len());
    for (bytes, txid) in txs {
        let tx = Transaction::from_bytes(&bytes).unwrap();
        assert_eq!(tx.to_bytes(), bytes);
        assert_eq!(tx.txid().to_byte_array(), sha256d(&bytes));
        if let Some(txid) = txid {
            assert_eq!(tx.txid().to_string(), txid);
        }
    }
}

#[test]
fn block_transactions_hash_to_their_headers_merkle_roots() {
    let bloom = vectors("bloom.json");
    let mut blocks = 0;
    for case in bloom["cases"].as_array().unwrap() {
        let Some(block) = case.get("block_hex") else { continue };
        let block = unhex(block);
        let txids: Vec<[u8; 32]> = block_txs(&block)
            .iter()
            .map(|b| Transaction::from_bytes(b).unwrap().txid().to_byte_array())
            .collect();
        assert_eq!(txids.len() as u64, case["tx_count"].as_u64().unwrap());
        assert_eq!(merkle_root(txids), block[36..68]);
        blocks += 1;
    }
    assert_eq!(blocks, 5);
}

#[test]
fn genesis_coinbase_txid_is_the_genesis_merkle_root() {
    let genesis = vectors("genesis.json");
    let tx = Transaction::from_bytes(&unhex(&genesis["coinbase_tx_hex"])).unwrap();
    assert!(tx.is_coinbase() && !tx.is_special());
    assert_eq!(tx.outputs[0].value, 50 * 100_000_000);
    assert_eq!(tx.txid().to_string(), genesis["merkle_root_display"]);
}

#[test]
fn regtest_session_tx_frames_are_the_listed_payments() {
    let session = vectors("dashd-regtest-session.json");
    let mut expected: Vec<String> = session["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["txid"].as_str().unwrap().to_owned())
        .collect();
    // The live payment arrives twice: after its inv, and again after the merkleblock of the
    // block that confirms it.
    let live = session["live_payment_txid"].as_str().unwrap().to_owned();
    expected.push(live.clone());
    expected.push(live);
    let watched = unhex(&session["watched_hash160"]);
    let mut got = Vec::new();
    for payload in session_tx_payloads() {
        let tx = Transaction::from_bytes(&payload).unwrap();
        assert_eq!(tx.to_bytes(), payload);
        // Each payment pays the watched address.
        assert!(tx
            .outputs
            .iter()
            .any(|o| o.script_pubkey.p2pkh_hash().map(|h| h.to_vec()) == Some(watched.clone())));
        got.push(tx.txid().to_string());
    }
    assert_eq!(got, expected);
}

#[test]
fn every_truncated_prefix_is_an_error() {
    for (bytes, _) in all_vector_txs() {
        for n in 0..bytes.len() {
            assert!(Transaction::from_bytes(&bytes[..n]).is_err(), "prefix {n} of {}", bytes.len());
        }
    }
}

fn dip2_tx(name: &str) -> Transaction {
    let bloom = vectors("bloom.json");
    let case = bloom["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c.get("transactions").is_some())
        .unwrap();
    Transaction::from_bytes(&unhex(&case["transactions"][name]["hex"])).unwrap()
}

#[test]
fn protx_payloads_parse_and_re_encode() {
    for name in ["proregtx", "proupservtx", "proupregtx", "prouprevtx"] {
        let tx = dip2_tx(name);
        assert!(tx.is_special());
        let payload = tx.special_payload().unwrap();
        assert_eq!(&payload.to_bytes(), tx.extra_payload.as_ref().unwrap(), "{name}");
        let payload_bytes = tx.extra_payload.clone().unwrap();
        // Every truncation of the payload is a typed error, never a panic.
        for n in 0..payload_bytes.len() {
            let err = SpecialPayload::parse(tx.tx_type, &payload_bytes[..n]).unwrap_err();
            assert!(matches!(err, PayloadError::Malformed { tx_type: t, .. } if t == tx.tx_type));
        }
        // A trailing byte makes the payload malformed (GetTxPayload requires ds.empty()).
        let mut longer = payload_bytes.clone();
        longer.push(0);
        assert!(SpecialPayload::parse(tx.tx_type, &longer).is_err());
    }
}

#[test]
fn proregtx_fields_are_the_ones_the_bloom_vectors_name() {
    let SpecialPayload::ProRegTx(p) = dip2_tx("proregtx").special_payload().unwrap() else {
        panic!("not a ProRegTx")
    };
    assert_eq!(p.version, 1);
    assert_eq!(
        hex::encode(p.collateral_outpoint.to_array()),
        "9b9054ff7839b940277b8eb8211570b2f16850ef729ee635e24d722fbc4a462301000000"
    );
    assert_eq!(hex::encode(p.key_id_owner), "891cbc8a94fa7fea64ca9994870dca0f75bbd075");
    assert_eq!(hex::encode(p.key_id_voting), "359c348a574176c210c37a25d4ffd917866fb0a3");
    assert_eq!(
        hex::encode(p.script_payout.p2pkh_hash().unwrap()),
        "e54445646929fac8b7d6c71715913af443249784"
    );
    let SpecialPayload::ProUpRevTx(rev) = dip2_tx("prouprevtx").special_payload().unwrap() else {
        panic!("not a ProUpRevTx")
    };
    assert_eq!(rev.pro_tx_hash, dip2_tx("proregtx").txid());
}

#[test]
fn negative_nversion_re_serializes_sign_extended_as_dash_core_does() {
    // nVersion 0xffff (-1), nType 5: not special; Dash Core serializes int32(-1) | 5 << 16.
    let mut bytes = hex::decode("ffff0500").unwrap();
    bytes.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let tx = Transaction::from_bytes(&bytes).unwrap();
    assert_eq!((tx.version, tx.tx_type, tx.signed_version()), (0xffff, 5, -1));
    assert!(!tx.is_special() && tx.extra_payload.is_none());
    assert_eq!(&tx.to_bytes()[..4], &[0xff, 0xff, 0xff, 0xff]);
    assert_ne!(tx.txid().to_byte_array(), sha256d(&bytes));
}

fn special_tx_bytes(version: u16, tx_type: u16, payload_len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&tx_type.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    write_compact_size(&mut out, payload_len as u64);
    out.resize(out.len() + payload_len, 0xab);
    out
}

#[test]
fn extra_payload_is_read_only_for_special_transactions_and_capped() {
    let tx = Transaction::from_bytes(&special_tx_bytes(3, 8, MAX_TX_EXTRA_PAYLOAD)).unwrap();
    assert_eq!(tx.extra_payload.as_ref().map(Vec::len), Some(MAX_TX_EXTRA_PAYLOAD));
    let err =
        Transaction::from_bytes(&special_tx_bytes(3, 8, MAX_TX_EXTRA_PAYLOAD + 1)).unwrap_err();
    assert_eq!(err.field, "extra_payload");
    assert!(matches!(err.kind, DecodeErrorKind::TooLarge { .. }));
    // Version 2 with a type, and version 3 with type 0, carry no payload field.
    for (v, t) in [(2u16, 5u16), (3, 0)] {
        let mut bytes = special_tx_bytes(v, t, 0);
        bytes.pop();
        let tx = Transaction::from_bytes(&bytes).unwrap();
        assert!(tx.extra_payload.is_none() && !tx.is_special());
        assert_eq!(tx.to_bytes(), bytes);
        assert_eq!(tx.special_payload(), Err(PayloadError::NotSpecial));
    }
    // A special transaction with an empty payload round-trips; None encodes as empty.
    let bytes = special_tx_bytes(3, 200, 0);
    let mut tx = Transaction::from_bytes(&bytes).unwrap();
    assert_eq!(tx.extra_payload, Some(vec![]));
    assert!(matches!(tx.special_payload(), Ok(SpecialPayload::Unknown { tx_type: 200, .. })));
    tx.extra_payload = None;
    assert_eq!(tx.to_bytes(), bytes);
}

#[test]
fn input_and_output_counts_beyond_the_bytes_are_rejected_before_allocating() {
    // Claims 0x02000000 inputs with a few bytes behind.
    let bytes = hex::decode("01000000fe00000002000000").unwrap();
    let err = Transaction::from_bytes(&bytes).unwrap_err();
    assert_eq!(err.field, "inputs");
    // Claims 1000 outputs (needs 9000 bytes) with 20 bytes behind.
    let bytes = hex::decode(format!("0100000000fde803{}", "00".repeat(20))).unwrap();
    let err = Transaction::from_bytes(&bytes).unwrap_err();
    assert_eq!(err.field, "outputs");
    assert!(matches!(err.kind, DecodeErrorKind::UnexpectedEnd { .. }));
}

#[test]
fn protx_with_an_unknown_version_reads_only_the_version() {
    for tx_type in 1..=4u16 {
        // Exactly the 2 version bytes: Dash Core's payload class parses with default fields.
        for version in [0u16, 4, 0xffff] {
            let payload = SpecialPayload::parse(tx_type, &version.to_le_bytes()).unwrap();
            assert_eq!(payload.to_bytes(), version.to_le_bytes());
            // Anything after it is left unread, so GetTxPayload fails.
            let mut longer = version.to_le_bytes().to_vec();
            longer.push(1);
            assert!(SpecialPayload::parse(tx_type, &longer).is_err());
        }
    }
    let SpecialPayload::ProRegTx(p) = SpecialPayload::parse(1, &[0, 0]).unwrap() else { panic!() };
    assert_eq!(p.collateral_outpoint, OutPoint::NULL);
    assert_eq!(p.key_id_owner, [0; 20]);
}

#[test]
fn asset_lock_and_unlock_payloads_round_trip() {
    let lock = AssetLockPayload {
        version: 1,
        credit_outputs: vec![
            TxOut {
                value: 1000,
                script_pubkey: Script::new(
                    hex::decode("76a914000102030405060708090a0b0c0d0e0f1011121388ac").unwrap(),
                ),
            },
            TxOut { value: 7, script_pubkey: Script::default() },
        ],
    };
    let bytes = lock.to_bytes();
    assert_eq!(SpecialPayload::parse(8, &bytes), Ok(SpecialPayload::AssetLock(lock)));
    assert!(SpecialPayload::parse(8, &bytes[..bytes.len() - 1]).is_err());
    let unlock = AssetUnlockPayload {
        version: 1,
        index: 42,
        fee: 1000,
        requested_height: 1234,
        quorum_hash: crate::hash::Hash256::from_byte_array([7; 32]),
        quorum_signature: [9; 96],
    };
    let bytes = unlock.to_bytes();
    assert_eq!(bytes.len(), 145);
    assert_eq!(SpecialPayload::parse(9, &bytes), Ok(SpecialPayload::AssetUnlock(unlock)));
}

#[test]
fn coinbase_payload_versions_have_their_fields() {
    let mut v3 = Vec::new();
    3u16.encode(&mut v3);
    100i32.encode(&mut v3);
    v3.extend_from_slice(&[1; 32]);
    v3.extend_from_slice(&[2; 32]);
    write_compact_size(&mut v3, 300);
    v3.extend_from_slice(&[3; 96]);
    5_000i64.encode(&mut v3);
    let SpecialPayload::Coinbase(cb) = SpecialPayload::parse(5, &v3).unwrap() else { panic!() };
    assert_eq!(
        (cb.version, cb.height, cb.best_cl_height_diff, cb.credit_pool_balance),
        (3, 100, 300, 5000)
    );
    assert_eq!(cb.to_bytes(), v3);
    // Version 1 stops after merkleRootMNList: the rest is trailing data.
    let mut v1 = v3.clone();
    v1[0] = 1;
    assert!(SpecialPayload::parse(5, &v1).is_err());
    assert!(SpecialPayload::parse(5, &v1[..38]).is_ok());
}
