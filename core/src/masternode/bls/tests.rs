//! Dash Core's and dashpay/bls-signatures' BLS vectors (`shared/vectors/masternode/`).

use super::*;
use crate::test_support::{hex_bytes, vectors};
use serde_json::Value;

fn arr<const N: usize>(v: &Value) -> [u8; N] {
    hex_bytes(v).try_into().expect("vector length")
}

fn dashcore() -> Value {
    vectors("masternode/dashcore-tests.json")
}

/// `sk · g1` through blst's own key derivation (signing is not part of the client).
fn public_key_of(secret_be: &[u8; 32]) -> PublicKey {
    let sk = blst::min_pk::SecretKey::from_bytes(secret_be).expect("valid secret key");
    PublicKey::from_bytes(&sk.sk_to_pk().compress(), Encoding::Basic).expect("valid key")
}

#[test]
fn fixed_key_vectors_verify_in_their_scheme_only() {
    let v = dashcore();
    let cases = v["DERIVED.bls_fixed_key_vectors"]["cases"].as_array().expect("cases");
    assert!(cases.len() >= 3);
    for case in cases {
        let sk: [u8; 32] = arr(&case["secret_key"]);
        let msg: [u8; 32] = arr(&case["message_internal"]);
        let pk_basic: [u8; 48] = arr(&case["public_key_basic"]);
        let pk_legacy: [u8; 48] = arr(&case["public_key_legacy"]);
        let key = public_key_of(&sk);
        assert_eq!(key.to_bytes(Encoding::Basic), pk_basic);
        assert_eq!(key.to_bytes(Encoding::Legacy), pk_legacy);
        assert_eq!(PublicKey::from_bytes(&pk_legacy, Encoding::Legacy).unwrap(), key);
        let sig_basic: [u8; 96] = arr(&case["signature_basic"]);
        let sig_legacy: [u8; 96] = arr(&case["signature_legacy"]);
        let basic = Signature::from_bytes(&sig_basic, Encoding::Basic).unwrap();
        assert!(basic.verify(&key, &msg, Scheme::Basic));
        assert!(!basic.verify(&key, &msg, Scheme::Legacy));
        let legacy = Signature::from_bytes(&sig_legacy, Encoding::Legacy).unwrap();
        assert_eq!(legacy.to_bytes(Encoding::Legacy), sig_legacy);
        assert!(legacy.verify(&key, &msg, Scheme::Legacy), "legacy signature of {case}");
        assert!(!legacy.verify(&key, &msg, Scheme::Basic));
        let mut other = msg;
        other[31] ^= 1;
        assert!(!basic.verify(&key, &other, Scheme::Basic));
        assert!(!legacy.verify(&key, &other, Scheme::Legacy));
    }
}

#[test]
fn bls_signatures_legacy_threshold_vector_verifies() {
    let v = dashcore();
    let t = &v["bls-signatures.legacy_scheme"];
    let msg: [u8; 32] = arr(&t["message_internal"]);
    let pk = arr(&t["threshold_public_key_legacy"]);
    let sig = arr(&t["threshold_signature_legacy"]);
    assert!(verify_bytes(&pk, &msg, &sig, Encoding::Legacy, Scheme::Legacy));
    assert!(!verify_bytes(&pk, &msg, &sig, Encoding::Legacy, Scheme::Basic));
    assert_eq!(g1_legacy_to_basic(&pk).unwrap(), arr(&t["threshold_public_key_basic_encoding"]));
    assert_eq!(g2_legacy_to_basic(&sig).unwrap(), arr(&t["threshold_signature_basic_encoding"]));
    assert_eq!(g2_basic_to_legacy(&arr(&t["threshold_signature_basic_encoding"])), sig);
}

#[test]
fn bls_signatures_legacy_share_signatures_verify_under_their_secret_keys() {
    let v = dashcore();
    let t = &v["bls-signatures.legacy_scheme"];
    let msg: [u8; 32] = arr(&t["message_internal"]);
    let shares = t["shares"].as_array().expect("shares");
    assert!(shares.len() >= 10);
    for share in shares {
        let key = public_key_of(&arr(&share["secret_key"]));
        let sig =
            Signature::from_bytes(&arr(&share["expected_signature_legacy"]), Encoding::Legacy)
                .expect("share signature decodes");
        assert!(sig.verify(&key, &msg, Scheme::Legacy), "share {}", share["id"]);
    }
}

#[test]
fn malformed_points_are_refused_with_a_reason() {
    let mut inf = [0u8; 48];
    inf[0] = 0xc0;
    assert_eq!(PublicKey::from_bytes(&inf, Encoding::Basic), Err(BlsError::Infinity));
    assert_eq!(PublicKey::from_bytes(&inf, Encoding::Legacy), Err(BlsError::Infinity));
    assert_eq!(PublicKey::from_bytes(&[0u8; 48], Encoding::Basic), Err(BlsError::Malformed));
    // x = p is not a canonical field element.
    let p = hex::decode(concat!(
        "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f624",
        "1eabfffeb153ffffb9feffffffffaaab"
    ))
    .unwrap();
    let mut key = [0u8; 48];
    key.copy_from_slice(&p);
    key[0] |= 0x80;
    assert_eq!(PublicKey::from_bytes(&key, Encoding::Basic), Err(BlsError::Malformed));
    let mut bad_legacy = [0u8; 48];
    bad_legacy[0] = 0x20;
    assert_eq!(PublicKey::from_bytes(&bad_legacy, Encoding::Legacy), Err(BlsError::Malformed));
    let mut sig_inf = [0u8; 96];
    sig_inf[0] = 0xc0;
    assert_eq!(Signature::from_bytes(&sig_inf, Encoding::Basic), Err(BlsError::Infinity));
}
