//! Request ids, sign hashes, quorum selection and ChainLock verification against the vectors.

use super::*;
use crate::encode::Decode;
use crate::hash::{BlockHash, Txid};
use crate::masternode::llmq_params;
use crate::test_support::{hex_bytes, vectors};
use crate::wire::{IsDLock, QuorumId};
use serde_json::Value;

fn hash(v: &Value) -> Hash256 {
    v.as_str().expect("hash").parse().expect("display hex")
}

fn internal(v: &Value) -> Hash256 {
    Hash256::from_byte_array(hex_bytes(v).try_into().expect("32 bytes"))
}

fn outpoint(s: &str) -> OutPoint {
    let (txid, n) = s.split_once(':').expect("txid:n");
    OutPoint::new(txid.parse::<Txid>().expect("txid"), n.parse().expect("index"))
}

fn messages(kind: &str) -> Vec<Value> {
    let v = vectors("masternode/vectors.json");
    v["messages"].as_array().unwrap().iter().filter(|m| m["message"] == kind).cloned().collect()
}

#[test]
fn islock_request_ids_match_dash_core() {
    let v = vectors("masternode/dashcore-tests.json");
    let cases = v["evo_islock_tests.getrequestid"]["cases"].as_array().unwrap();
    for case in cases {
        let inputs: Vec<OutPoint> = case["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| outpoint(i.as_str().unwrap()))
            .collect();
        assert_eq!(islock_request_id(&inputs), hash(&case["requestId"]));
    }
}

#[test]
fn isdlock_vectors_give_their_request_ids_sign_hashes_and_rotation_index() {
    let locks = messages("isdlock");
    assert_eq!(locks.len(), 2);
    for m in locks {
        let lock = IsDLock::from_bytes(&hex_bytes(&m["hex"])).expect("isdlock decodes");
        let id = islock_request_id(&lock.inputs);
        assert_eq!(id, internal(&m["requestId_internal"]));
        assert_eq!(id, hash(&m["requestId"]));
        let quorum = m.get("quorumHash").or(m.get("expected_quorumHash")).unwrap();
        let sh = sign_hash(5, &hash(quorum), &id, lock.txid.as_bytes());
        assert_eq!(sh, hash(&m["computed_signHash"]));
        if let Some(expected) = m.get("expected_signHash") {
            assert_eq!(sh, hash(expected));
        }
        if let Some(expected) = m.get("expected_signHash_internal") {
            assert_eq!(sh, internal(expected));
        }
        let index = rotated_quorum_index(&id, 32);
        assert_eq!(u64::from(index), m["rotation_quorum_index_if_32_active"].as_u64().unwrap());
    }
}

#[test]
fn clsig_vectors_give_their_request_ids() {
    let locks = messages("clsig");
    assert_eq!(locks.len(), 2);
    for m in locks {
        let clsig = ClSig::from_bytes(&hex_bytes(&m["hex"])).expect("clsig decodes");
        assert_eq!(i64::from(clsig.height), m["height"].as_i64().unwrap());
        assert_eq!(chainlock_request_id(clsig.height), internal(&m["expected_requestId_internal"]));
        assert_eq!(chainlock_request_id(clsig.height), hash(&m["requestId"]));
    }
}

fn chainlock_case(c: &Value) -> (ClSig, MasternodeList) {
    let clsig = ClSig::from_bytes(&hex_bytes(&c["clsig_hex"])).expect("clsig decodes");
    assert_eq!(clsig.block_hash, c["blockHash"].as_str().unwrap().parse::<BlockHash>().unwrap());
    let mut list = MasternodeList::default();
    for q in c["active_quorums_at_signing_height"].as_array().unwrap() {
        let commitment = FinalCommitment::from_bytes(&hex_bytes(&q["commitment_hex"])).unwrap();
        assert_eq!(commitment.quorum_hash, hash(&q["quorumHash"]));
        let id = QuorumId { llmq_type: commitment.llmq_type, quorum_hash: commitment.quorum_hash };
        let score = quorum_score(
            commitment.llmq_type,
            &commitment.quorum_hash,
            &chainlock_request_id(clsig.height),
        );
        assert_eq!(score, internal(&q["score_internal"]));
        list.quorums.insert(id, commitment);
    }
    (clsig, list)
}

#[test]
fn mainnet_chainlocks_verify_with_the_quorum_dash_core_selects() {
    let v = vectors("masternode/vectors.json");
    let params = llmq_params(2).unwrap();
    for c in v["chainlocks"].as_array().unwrap() {
        let (clsig, list) = chainlock_case(c);
        assert_eq!(i64::from(clsig.height) - 8, c["signing_height"].as_i64().unwrap());
        let scheme = scheme_at_height(Network::Mainnet, clsig.height as u32);
        let signer = verify_chainlock(&clsig, params, &list, scheme).expect("verifies");
        assert_eq!(signer.quorum_hash, hash(&c["selected_quorum"]));
        assert_ne!(
            signer.quorum_hash,
            hash(&c["selected_quorum_if_scores_compared_in_display_order_WRONG"])
        );
        let id = chainlock_request_id(clsig.height);
        assert_eq!(
            sign_hash(2, &signer.quorum_hash, &id, clsig.block_hash.as_bytes()),
            hash(&c["signHash"])
        );
    }
}

#[test]
fn a_chainlock_for_another_block_or_without_a_quorum_is_refused() {
    let v = vectors("masternode/vectors.json");
    let params = llmq_params(2).unwrap();
    let (clsig, list) = chainlock_case(&v["chainlocks"][0]);
    let mut other = clsig;
    other.block_hash = BlockHash::from_byte_array([1; 32]);
    let err = verify_chainlock(&other, params, &list, Scheme::Basic).unwrap_err();
    assert_eq!(err, LockError::BadSignature(hash(&v["chainlocks"][0]["selected_quorum"])));
    assert!(verify_chainlock(&clsig, params, &list, Scheme::Legacy).is_err());
    let empty = MasternodeList::default();
    assert_eq!(
        verify_chainlock(&clsig, params, &empty, Scheme::Basic),
        Err(LockError::NoQuorum(2))
    );
}

#[test]
fn rotated_selection_takes_bits_58_to_62_for_32_quorums() {
    let mut id = [0u8; 32];
    id[31] = 0b0111_1100; // bits 58..62 of the u64 = 0b11111
    assert_eq!(rotated_quorum_index(&Hash256::from_byte_array(id), 32), 31);
    id[31] = 0b1000_0000; // only the top bit: not part of the index
    assert_eq!(rotated_quorum_index(&Hash256::from_byte_array(id), 32), 0);
    id[31] = 0b0000_0100;
    assert_eq!(rotated_quorum_index(&Hash256::from_byte_array(id), 32), 1);
}
