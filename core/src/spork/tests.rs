//! Spork verification against the shared vectors (`vectors/spork.json`), the recorded
//! regtest session and sporks signed here with the published regtest spork key.

use super::*;
use crate::encode::{Decode, Encode};
use crate::hash::sha256d;
use crate::network::Network;
use crate::test_support::{hex_bytes, vectors};
use crate::wallet::Address;
use secp256k1::{Secp256k1, SecretKey};

const NOW: i64 = 1_700_000_000;

pub(super) fn vector_sporks() -> Vec<(serde_json::Value, Spork)> {
    let v = vectors("spork.json");
    v["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .map(|case| (case.clone(), Spork::from_bytes(&hex_bytes(&case["payload_hex"])).unwrap()))
        .collect()
}

fn address_hash(address: &str, network: Network) -> KeyId {
    *Address::parse(address, network).expect("vector address").payload.hash()
}

/// Standard base64 (the encoding of Dash Core's message signatures).
fn base64(s: &str) -> Vec<u8> {
    let table = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = table.iter().position(|&t| t == c).expect("base64 digit") as u32;
        bits = bits << 6 | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

/// The regtest spork key published in Dash Core's chainparams (the vectors' WIF).
fn regtest_key() -> SecretKey {
    let wif = vectors("spork.json")["vectors"][1]["signing_key_wif"].as_str().unwrap().to_owned();
    let raw = bs58::decode(wif).with_check(None).into_vec().unwrap();
    assert_eq!((raw[0], raw.len(), raw[33]), (0xef, 34, 1), "compressed testnet WIF");
    SecretKey::from_byte_array(raw[1..33].try_into().unwrap()).unwrap()
}

/// A spork signed with the regtest key in the message-magic scheme (compressed key).
pub(super) fn signed(id: SporkId, value: i64, time_signed: i64) -> Spork {
    let mut spork = Spork { spork_id: id, value, time_signed, signature: Vec::new() };
    let hash = spork.signature_hash(Network::Regtest).to_byte_array();
    let sig = Secp256k1::new()
        .sign_ecdsa_recoverable(secp256k1::Message::from_digest(hash), &regtest_key());
    let (recid, rs) = sig.serialize_compact();
    spork.signature.push(27 + i32::from(recid) as u8 + 4);
    spork.signature.extend_from_slice(&rs);
    spork
}

fn regtest() -> SporkManager {
    SporkManager::new(Network::Regtest.params())
}

#[test]
fn real_testnet_spork_recovers_to_the_testnet_spork_key() {
    let (case, spork) = &vector_sporks()[0];
    assert_eq!(case["network"], "testnet");
    let hash = spork.signature_hash(Network::Testnet);
    assert_eq!(hex::encode(hash.as_bytes()), case["signature_hash_raw_hex"]);
    let key = recover_compact(&hash, &spork.signature).unwrap();
    assert_eq!(hex::encode(&key), case["recovered_pubkey_hex"]);
    let params = Network::Testnet.params();
    let signer = verify_spork(spork, params, spork.time_signed).unwrap();
    assert_eq!(signer, address_hash(case["expected_signer"].as_str().unwrap(), Network::Testnet));
    assert_eq!(Address::p2pkh(signer, Network::Testnet).to_string(), case["recovered_address"]);
    // The same message checked with the mainnet scheme recovers some other key.
    let mainnet_signer = spork_signer(spork, Network::Mainnet);
    assert_ne!(mainnet_signer, Ok(signer));
}

#[test]
fn derived_regtest_sporks_recover_to_the_regtest_spork_key() {
    let params = Network::Regtest.params();
    for (case, spork) in &vector_sporks()[1..] {
        let name = case["name"].as_str().unwrap();
        let signer = verify_spork(spork, params, NOW).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = address_hash(case["expected_signer"].as_str().unwrap(), Network::Regtest);
        assert_eq!(signer, expected, "{name}");
        assert_eq!(params.spork_key_ids, [expected]);
        // A regtest spork is no spork on testnet (other scheme) nor on mainnet (other key).
        let err = verify_spork(spork, Network::Mainnet.params(), NOW).unwrap_err();
        assert_eq!(err, SporkError::UnknownSigner { key_id: expected });
        assert!(verify_spork(spork, Network::Testnet.params(), NOW).is_err());
    }
}

#[test]
fn dash_core_message_sign_and_verify_vectors() {
    let v = vectors("spork.json");
    for case in v["message_signing_vectors_from_dash_core"].as_array().unwrap() {
        let test = case["test"].as_str().unwrap();
        let sig = base64(case["signature_base64"].as_str().unwrap());
        assert_eq!(sig.len(), COMPACT_SIGNATURE_SIZE, "{test}");
        let hash = signed_message_hash(case["message"].as_str().unwrap().as_bytes());
        let want = address_hash(case["address"].as_str().unwrap(), Network::Mainnet);
        let got = recover_key_id(&hash, &sig);
        match case.get("result").and_then(|r| r.as_str()) {
            None | Some("OK") => assert_eq!(got, Ok(want), "{test}"),
            Some("ERR_NOT_SIGNED") => assert!(matches!(got, Ok(k) if k != want), "{test}"),
            Some("ERR_PUBKEY_NOT_RECOVERED") => assert_eq!(got, Err(SporkError::NotRecovered)),
            Some(other) => panic!("unexpected result {other}"),
        }
    }
}

fn signed_message_hash(message: &[u8]) -> Hash256 {
    crate::wire::signed_message_hash(message)
}

#[test]
fn recorded_session_spork_recovers_to_the_regtest_spork_address() {
    let v = vectors("dashd-regtest-session.json");
    let frame = v["frames"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["command"] == "spork" && f["dir"] == "in")
        .expect("a spork frame");
    let raw = hex_bytes(&frame["frame"]);
    let payload = &raw[24..];
    assert_eq!(raw[20..24], sha256d(payload)[..4]);
    let spork = Spork::from_bytes(payload).unwrap();
    assert_eq!(spork.spork_id, SporkId::InstantSendEnabled);
    assert_eq!(spork.value, 0, "the session note: SPORK_2 set to 0");
    let params = Network::Regtest.params();
    let signer = verify_spork(&spork, params, spork.time_signed).unwrap();
    assert_eq!(Address::p2pkh(signer, Network::Regtest).to_string(), v["spork_address"]);

    let mut sporks = regtest();
    let outcome = sporks.process(spork.clone(), spork.time_signed).unwrap();
    let changed = SporkChanged {
        spork_id: SporkId::InstantSendEnabled,
        previous: Some(SPORK_DEFAULT_VALUE),
        value: 0,
    };
    assert_eq!(outcome, SporkOutcome::Accepted { signer, changed: Some(changed) });
    assert!(sporks.is_active(SporkId::InstantSendEnabled, spork.time_signed));
    assert!(!sporks.is_active(SporkId::ChainLocksEnabled, spork.time_signed));
    assert!(sporks.has_inv(&spork.inv_hash()));
}

#[test]
fn tampered_value_time_or_signature_is_refused_with_score_100() {
    let params = Network::Regtest.params();
    let (_, good) = vector_sporks().remove(1);
    verify_spork(&good, params, NOW).unwrap();
    let mut value = good.clone();
    value.value += 1;
    let mut time = good.clone();
    time.time_signed -= 1;
    let mut sig = good.clone();
    sig.signature[40] ^= 1;
    for bad in [value, time, sig] {
        let err = regtest().process(bad, NOW).unwrap_err();
        assert!(matches!(err, SporkError::UnknownSigner { .. } | SporkError::NotRecovered));
        assert_eq!(err.misbehaviour_score(), 100);
    }
    let mut short = good.clone();
    short.signature.pop();
    assert_eq!(verify_spork(&short, params, NOW), Err(SporkError::BadSignatureLength { len: 64 }));
    let mut zero = good.clone();
    zero.signature = vec![0; 65];
    assert_eq!(verify_spork(&zero, params, NOW), Err(SporkError::NotRecovered));
}

#[test]
fn sporks_signed_more_than_two_hours_ahead_are_refused() {
    let spork = signed(SporkId::QuorumDkgEnabled, 0, NOW + MAX_SPORK_FUTURE_SECONDS);
    assert!(regtest().process(spork.clone(), NOW).is_ok(), "exactly 2 h ahead is allowed");
    let late = signed(SporkId::QuorumDkgEnabled, 0, NOW + MAX_SPORK_FUTURE_SECONDS + 1);
    let err = regtest().process(late.clone(), NOW).unwrap_err();
    assert_eq!(
        err,
        SporkError::FutureTime {
            time_signed: NOW + MAX_SPORK_FUTURE_SECONDS + 1,
            adjusted_now: NOW
        }
    );
    assert_eq!(err.misbehaviour_score(), 100);
    // Checked before the signature, as Dash Core does: a forged future spork scores the same.
    let mut forged = late;
    forged.signature = vec![0; 65];
    assert!(matches!(regtest().process(forged, NOW), Err(SporkError::FutureTime { .. })));
}

#[test]
fn newer_time_from_the_same_signer_replaces_equal_or_older_is_ignored() {
    let id = SporkId::ChainLocksEnabled;
    let mut sporks = regtest();
    assert_eq!(sporks.value(id), Some(SPORK_DEFAULT_VALUE));
    assert!(!sporks.is_active(id, NOW));

    let first = sporks.process(signed(id, 0, NOW - 100), NOW).unwrap();
    let SporkOutcome::Accepted { changed, .. } = first else { panic!("{first:?}") };
    assert_eq!(
        changed,
        Some(SporkChanged { spork_id: id, previous: Some(SPORK_DEFAULT_VALUE), value: 0 })
    );
    assert!(sporks.is_active(id, NOW));

    // Older and equal times are ignored, whatever their value.
    assert_eq!(sporks.process(signed(id, 5, NOW - 101), NOW), Ok(SporkOutcome::Ignored));
    assert_eq!(sporks.process(signed(id, 5, NOW - 100), NOW), Ok(SporkOutcome::Ignored));
    assert_eq!(sporks.value(id), Some(0));

    // A newer one replaces; value NOW + 10 is not active yet at NOW.
    let newer = sporks.process(signed(id, NOW + 10, NOW - 50), NOW).unwrap();
    let SporkOutcome::Accepted { changed, .. } = newer else { panic!("{newer:?}") };
    assert_eq!(changed, Some(SporkChanged { spork_id: id, previous: Some(0), value: NOW + 10 }));
    assert!(!sporks.is_active(id, NOW));
    assert!(sporks.is_active(id, NOW + 11));
    assert_eq!(sporks.messages(id).count(), 1);

    // A newer message with the same value is accepted without a change event.
    let same = sporks.process(signed(id, NOW + 10, NOW - 40), NOW).unwrap();
    assert!(matches!(same, SporkOutcome::Accepted { changed: None, .. }));
    // The exact message again is ignored.
    let again = signed(id, NOW + 10, NOW - 40);
    assert_eq!(sporks.process(again, NOW), Ok(SporkOutcome::Ignored));
}

#[test]
fn unknown_ids_are_kept_and_have_no_default() {
    let id = SporkId::Unknown(10023);
    let mut sporks = regtest();
    assert_eq!(sporks.value(id), None);
    assert!(!sporks.is_active(id, NOW));
    assert!(!sporks.ids().contains(&id));
    sporks.process(signed(id, 7, NOW), NOW).unwrap();
    assert_eq!(sporks.value(id), Some(7));
    assert!(sporks.is_active(id, NOW));
    assert!(sporks.ids().contains(&id));
    let status = sporks.status(NOW);
    assert_eq!(status.len(), SporkId::KNOWN.len() + 1);
    assert!(status.iter().any(|s| s.spork_id == id && s.active && s.from_network));
    assert!(status.iter().all(|s| s.spork_id == id || (!s.active && !s.from_network)));
}

#[test]
fn snapshot_restores_verified_sporks_and_drops_forged_ones() {
    let mut sporks = regtest();
    sporks.process(signed(SporkId::InstantSendEnabled, 0, NOW), NOW).unwrap();
    sporks.process(signed(SporkId::QuorumPose, 1, NOW), NOW).unwrap();
    let mut snapshot = sporks.snapshot();
    assert_eq!(snapshot.len(), 2);
    // Persisted as wire bytes and read back.
    let bytes: Vec<Vec<u8>> = snapshot.iter().map(Encode::to_bytes).collect();
    let decoded: Vec<Spork> = bytes.iter().map(|b| Spork::from_bytes(b).unwrap()).collect();
    assert_eq!(decoded, snapshot);
    let mut forged = snapshot[0].clone();
    forged.value = 99;
    snapshot.push(forged);
    let restored = SporkManager::restore(Network::Regtest.params(), snapshot);
    assert_eq!(restored.snapshot(), sporks.snapshot());
    assert_eq!(restored.value(SporkId::InstantSendEnabled), Some(0));
    assert_eq!(restored.value(SporkId::QuorumPose), Some(1));
}
