//! BIP324's published vectors (`core/testdata/bip324/`).

use super::keys::{shared_secret, Role, SessionKeys};
use super::stream::{Received, V2Handshake, V2Receiver};
use super::V2Error;
use secp256k1::ellswift::{ElligatorSwift, ElligatorSwiftSharedSecret, Party};
use secp256k1::{PublicKey, SecretKey};
use std::collections::HashMap;

/// Bitcoin mainnet's magic, which the vectors were made with.
const VECTOR_MAGIC: [u8; 4] = [0xf9, 0xbe, 0xb4, 0xd9];

fn csv(name: &str) -> Vec<HashMap<String, String>> {
    let path = format!("{}/testdata/bip324/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("BIP324 vector file {path} is missing: {e}"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header line").split(',').collect();
    let rows: Vec<_> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            header.iter().map(|h| h.to_string()).zip(l.split(',').map(str::to_owned)).collect()
        })
        .collect();
    assert!(!rows.is_empty(), "{path} has no rows");
    rows
}

fn bytes(row: &HashMap<String, String>, col: &str) -> Vec<u8> {
    hex::decode(&row[col]).unwrap_or_else(|_| panic!("{col} is hex"))
}

fn arr<const N: usize>(row: &HashMap<String, String>, col: &str) -> [u8; N] {
    bytes(row, col).try_into().unwrap_or_else(|_| panic!("{col} has {N} bytes"))
}

fn x_of(ellswift: [u8; 64]) -> [u8; 32] {
    PublicKey::from_ellswift(ElligatorSwift::from_array(ellswift)).x_only_public_key().0.serialize()
}

#[test]
fn ellswift_decoding_vectors() {
    let rows = csv("ellswift_decode_test_vectors.csv");
    for row in &rows {
        assert_eq!(hex::encode(x_of(arr(row, "ellswift"))), row["x"], "{}", row["comment"]);
    }
    assert_eq!(rows.len(), 76);
}

#[test]
fn packet_encoding_vectors_key_derivation_and_ciphertexts() {
    let rows = csv("packet_encoding_test_vectors.csv");
    for (n, row) in rows.iter().enumerate() {
        let role = if row["in_initiating"] == "1" { Role::Initiator } else { Role::Responder };
        let secret = SecretKey::from_byte_array(arr(row, "in_priv_ours")).unwrap();
        let ours: [u8; 64] = arr(row, "in_ellswift_ours");
        let theirs: [u8; 64] = arr(row, "in_ellswift_theirs");
        assert_eq!(hex::encode(x_of(ours)), row["mid_x_ours"], "row {n}");
        assert_eq!(hex::encode(x_of(theirs)), row["mid_x_theirs"], "row {n}");

        let party = if role == Role::Initiator { Party::Initiator } else { Party::Responder };
        let (a, b) = if role == Role::Initiator { (ours, theirs) } else { (theirs, ours) };
        let mut x_shared = [0u8; 32];
        ElligatorSwift::shared_secret_with_hasher(
            ElligatorSwift::from_array(a),
            ElligatorSwift::from_array(b),
            secret,
            party,
            |x, _, _| {
                x_shared = x;
                ElligatorSwiftSharedSecret::from_secret_bytes(x)
            },
        );
        assert_eq!(hex::encode(x_shared), row["mid_x_shared"], "row {n}");
        let shared = shared_secret(&secret, &ours, &theirs, role);
        assert_eq!(hex::encode(shared), row["mid_shared_secret"], "row {n}");

        let keys = SessionKeys::derive(&shared, VECTOR_MAGIC);
        assert_eq!(hex::encode(keys.initiator_l), row["mid_initiator_l"], "row {n}");
        assert_eq!(hex::encode(keys.initiator_p), row["mid_initiator_p"], "row {n}");
        assert_eq!(hex::encode(keys.responder_l), row["mid_responder_l"], "row {n}");
        assert_eq!(hex::encode(keys.responder_p), row["mid_responder_p"], "row {n}");
        let (send_t, recv_t) = match role {
            Role::Initiator => (keys.initiator_terminator, keys.responder_terminator),
            Role::Responder => (keys.responder_terminator, keys.initiator_terminator),
        };
        assert_eq!(hex::encode(send_t), row["mid_send_garbage_terminator"], "row {n}");
        assert_eq!(hex::encode(recv_t), row["mid_recv_garbage_terminator"], "row {n}");
        assert_eq!(hex::encode(keys.session_id), row["out_session_id"], "row {n}");

        let handshake = V2Handshake::from_parts(role, VECTOR_MAGIC, secret, ours, Vec::new());
        let (mut sender, _) = handshake.complete(&theirs);
        assert_eq!(sender.session_id(), keys.session_id);
        let idx: usize = row["in_idx"].parse().unwrap();
        let mut dummies = Vec::new();
        for _ in 0..idx {
            sender.packet_into(&mut dummies, &[], false, &[], &[]);
        }
        let contents = bytes(row, "in_contents").repeat(row["in_multiply"].parse().unwrap());
        let aad = bytes(row, "in_aad");
        let ignore = row["in_ignore"] == "1";
        let mut packet = Vec::new();
        sender.packet_into(&mut packet, &aad, ignore, &[], &contents);
        if !row["out_ciphertext"].is_empty() {
            assert_eq!(hex::encode(&packet), row["out_ciphertext"], "row {n}");
        }
        if !row["out_ciphertext_endswith"].is_empty() {
            assert!(hex::encode(&packet).ends_with(&row["out_ciphertext_endswith"]), "row {n}");
        }

        // The peer's receiver, given the same keys, takes the dummies and the packet back.
        let mut rx = V2Receiver::for_peer_of(role, &keys, aad.clone());
        rx.feed(&dummies);
        assert!(idx == 0 || aad.is_empty(), "row {n}: aad on the first packet only");
        for _ in 0..idx {
            assert_eq!(rx.poll().unwrap_err(), V2Error::Empty, "row {n}");
        }
        rx.feed(&packet);
        let got = rx.poll();
        if contents.len() > super::MAX_CONTENTS_LEN {
            assert!(matches!(got, Err(V2Error::Oversized { .. })), "row {n}: {got:?}");
        } else if ignore {
            assert!(matches!(got, Ok(None)), "row {n}: a decoy yields nothing: {got:?}");
            assert_eq!(rx.buffered(), 0, "row {n}");
        } else {
            match got {
                Ok(Some(Received::Frame(f))) => assert_eq!(f.payload, contents[1..], "row {n}"),
                Err(e) => assert!(!e.is_fatal(), "row {n}: {e}"),
                other => panic!("row {n}: {other:?}"),
            }
            assert_eq!(rx.buffered(), 0, "row {n}");
        }
    }
    assert_eq!(rows.len(), 7);
}
