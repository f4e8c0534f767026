//! Every payload of `shared/vectors/masternode/vectors.json` gives exactly its recorded
//! values, and tampered copies fail with the right reason.

use std::collections::BTreeMap;

use super::bls::verify_bytes;
use super::*;
use crate::hash::{BlockHash, Hash256};
use crate::test_support::{shared_file, vectors};
use crate::wire::{BlockHeader, MnListDiff};
use crate::Network;
use serde_json::Value;

const PROTOCOL: u32 = 70240;

fn payloads() -> Vec<Value> {
    let v = vectors("masternode/vectors.json");
    v["payloads"].as_array().expect("payloads").clone()
}

fn payload(file: &str) -> Value {
    payloads().into_iter().find(|p| p["file"] == file).expect("payload listed")
}

fn diff_file(file: &str) -> MnListDiff {
    let bytes = shared_file(&format!("vectors/masternode/{file}"));
    MnListDiff::decode_versioned(&bytes, PROTOCOL).expect("payload decodes")
}

fn hash(v: &Value) -> Hash256 {
    v.as_str().expect("hash string").parse().expect("display hex")
}

fn network_of(p: &Value) -> Network {
    p["network"].as_str().expect("network").parse().expect("known network")
}

fn genesis_list(network: Network) -> MasternodeList {
    MasternodeList::genesis(network.params().genesis_header().block_hash())
}

/// The list a payload applies to: genesis, or the list its `applies_on_top_of` leads to.
fn base_for(p: &Value) -> MasternodeList {
    match p["applies_on_top_of"].as_str() {
        None => genesis_list(network_of(p)),
        Some(file) => {
            let below = payload(file);
            verify_diff(&base_for(&below), &diff_file(file), None).expect("base verifies").list
        }
    }
}

fn count_by<'a>(items: impl Iterator<Item = &'a str>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for item in items {
        *out.entry(item.to_owned()).or_insert(0) += 1;
    }
    out
}

fn json_counts(v: &Value) -> BTreeMap<String, u64> {
    v.as_object()
        .expect("counts")
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().expect("count")))
        .collect()
}

fn type_name(id: u8) -> &'static str {
    llmq_params(id).map_or("unknown", |p| p.name)
}

fn entry_counts<'a>(entries: impl Iterator<Item = &'a crate::wire::SmlEntry> + Clone) -> Value {
    let n = |f: &dyn Fn(&crate::wire::SmlEntry) -> bool| entries.clone().filter(|e| f(e)).count();
    let versions = count_by(entries.clone().map(|e| match e.version {
        1 => "1",
        2 => "2",
        _ => "3",
    }));
    serde_json::json!({
        "total": n(&|_| true),
        "valid": n(&|e| e.is_valid),
        "regular": n(&|e| !e.is_evo()),
        "evo": n(&|e| e.is_evo()),
        "valid_regular": n(&|e| e.is_valid && !e.is_evo()),
        "valid_evo": n(&|e| e.is_valid && e.is_evo()),
        "by_version": versions,
    })
}

#[test]
fn every_payload_decodes_and_reencodes_byte_exact() {
    for p in payloads() {
        let file = p["file"].as_str().unwrap();
        let bytes = shared_file(&format!("vectors/masternode/{file}"));
        assert_eq!(bytes.len() as u64, p["bytes"].as_u64().unwrap(), "{file}");
        let diff = MnListDiff::decode_versioned(&bytes, PROTOCOL).expect(file);
        assert_eq!(diff.to_bytes_versioned(PROTOCOL), bytes, "{file}");
        assert_eq!(u64::from(diff.version), p["diff_version"].as_u64().unwrap());
        assert_eq!(diff.base_block_hash, hash(&p["base_block_hash"]).to_byte_array().into());
        assert_eq!(diff.block_hash, hash(&p["block_hash"]).to_byte_array().into());
    }
}

#[test]
fn every_payload_gives_its_recorded_counts_roots_and_cbtx() {
    for p in payloads() {
        let file = p["file"].as_str().unwrap();
        let diff = diff_file(file);
        let d = &p["diff"];
        assert_eq!(diff.deleted_mns.len() as u64, d["deletedMNs"].as_u64().unwrap(), "{file}");
        assert_eq!(entry_counts(diff.mn_list.iter()), d["mnList"], "{file}");
        assert_eq!(diff.deleted_quorums.len() as u64, d["deletedQuorums"].as_u64().unwrap());
        let new_types = count_by(diff.new_quorums.iter().map(|q| type_name(q.llmq_type)));
        assert_eq!(new_types, json_counts(&d["newQuorums"]), "{file}");
        let versions: Vec<String> =
            diff.new_quorums.iter().map(|q| q.version.to_string()).collect();
        assert_eq!(
            count_by(versions.iter().map(String::as_str)),
            json_counts(&d["newQuorumVersions"])
        );

        let verified = verify_diff(&base_for(&p), &diff, None).expect(file);
        let cb = &verified.coinbase;
        assert_eq!(u64::from(cb.total_transactions), p["total_transactions"].as_u64().unwrap());
        assert_eq!(cb.merkle_root, hash(&p["block_merkle_root_from_pmt"]), "{file}");
        let c = &p["cbtx"];
        assert_eq!(u64::from(cb.cbtx.version), c["version"].as_u64().unwrap());
        assert_eq!(i64::from(cb.cbtx.height), c["height"].as_i64().unwrap());
        assert_eq!(i64::from(cb.cbtx.height), p["height"].as_i64().unwrap());
        assert_eq!(cb.cbtx.merkle_root_mn_list, hash(&c["merkleRootMNList"]));
        assert_eq!(cb.cbtx.merkle_root_quorums, hash(&c["merkleRootQuorums"]));
        assert_eq!(u64::from(cb.cbtx.best_cl_height_diff), c["bestCLHeightDiff"].as_u64().unwrap());
        assert_eq!(hex::encode(cb.cbtx.best_cl_signature), c["bestCLSignature"].as_str().unwrap());
        assert_eq!(cb.cbtx.credit_pool_balance, c["creditPoolBalance"].as_i64().unwrap());
        assert_eq!(verified.merkle_root_mn_list, hash(&p["computed"]["merkleRootMNList"]));
        assert_eq!(verified.merkle_root_quorums, hash(&p["computed"]["merkleRootQuorums"]));

        assert_eq!(entry_counts(verified.list.entries.values()), p["list_at_target"], "{file}");
        let active = count_by(verified.list.quorums.values().map(|q| type_name(q.llmq_type)));
        assert_eq!(active, json_counts(&p["active_quorums_at_target"]), "{file}");

        let s = &p["quorumsCLSigs_summary"];
        assert_eq!(diff.quorums_cl_sigs.len() as u64, s["entries"].as_u64().unwrap());
        let null = diff.quorums_cl_sigs.iter().filter(|q| q.signature == [0; 96]).count();
        assert_eq!(null as u64, s["null"].as_u64().unwrap(), "{file}");
    }
}

#[test]
fn quorums_cl_sigs_name_the_recorded_quorums() {
    for p in payloads() {
        let diff = diff_file(p["file"].as_str().unwrap());
        for (entry, expected) in
            diff.quorums_cl_sigs.iter().zip(p["quorumsCLSigs"].as_array().unwrap())
        {
            assert_eq!(hex::encode(entry.signature), expected["signature"].as_str().unwrap());
            let named: Vec<String> = entry
                .quorum_indexes
                .iter()
                .map(|&i| {
                    let q = &diff.new_quorums[usize::from(i)];
                    format!("{}:{}:{}", type_name(q.llmq_type), q.quorum_hash, q.quorum_index)
                })
                .collect();
            let expected: Vec<&str> = expected["quorums"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| q.as_str().unwrap())
                .collect();
            assert_eq!(named, expected);
        }
    }
}

#[test]
fn every_quorum_sig_verifies_over_its_commitment_hash() {
    for p in payloads() {
        let diff = diff_file(p["file"].as_str().unwrap());
        let mut checked = 0;
        for q in &diff.new_quorums {
            assert!(verify_quorum_signature(q));
            let (encoding, scheme) = commitment_bls(q);
            let msg = q.commitment_hash().to_byte_array();
            assert!(
                verify_bytes(&q.quorum_public_key, &msg, &q.quorum_sig, encoding, scheme),
                "quorumSig of {}:{}",
                q.llmq_type,
                q.quorum_hash
            );
            let mut wrong = msg;
            wrong[0] ^= 1;
            assert!(!verify_bytes(&q.quorum_public_key, &wrong, &q.quorum_sig, encoding, scheme));
            checked += 1;
        }
        assert_eq!(checked, p["quorumSig"]["checked"].as_u64().unwrap());
    }
}

#[test]
fn as_stored_reserializations_fail_the_list_root() {
    for file in ["mnlistdiff-mainnet-0-2227096.bin", "mnlistdiff-testnet-0-1296600.bin"] {
        let p = payload(file);
        let bytes = shared_file(&format!("vectors/masternode/as-stored/{file}"));
        let diff = MnListDiff::decode_versioned(&bytes, PROTOCOL).expect("decodes");
        let err = verify_diff(&base_for(&p), &diff, None).unwrap_err();
        assert!(matches!(err, DiffError::MnListRootMismatch { .. }), "{file}: {err}");
    }
}

#[test]
fn a_changed_entry_fails_the_list_root() {
    let p = payload("mnlistdiff-mainnet-0-2221605.bin");
    let mut diff = diff_file("mnlistdiff-mainnet-0-2221605.bin");
    diff.mn_list[100].is_valid = !diff.mn_list[100].is_valid;
    let err = verify_diff(&base_for(&p), &diff, None).unwrap_err();
    assert!(matches!(err, DiffError::MnListRootMismatch { .. }), "{err}");
}

#[test]
fn a_missing_or_changed_quorum_fails_the_quorum_root() {
    let p = payload("mnlistdiff-mainnet-0-2221605.bin");
    let base = base_for(&p);
    let mut diff = diff_file("mnlistdiff-mainnet-0-2221605.bin");
    diff.new_quorums.pop();
    let err = verify_diff(&base, &diff, None).unwrap_err();
    assert!(matches!(err, DiffError::QuorumsRootMismatch { .. }), "{err}");
    let mut diff = diff_file("mnlistdiff-mainnet-0-2221605.bin");
    diff.new_quorums[3].quorum_public_key[47] ^= 1;
    let err = verify_diff(&base, &diff, None).unwrap_err();
    assert!(matches!(err, DiffError::QuorumsRootMismatch { .. }), "{err}");
}

#[test]
fn a_changed_coinbase_is_not_proven_by_the_tree() {
    let p = payload("mnlistdiff-testnet-0-1296600.bin");
    let mut diff = diff_file("mnlistdiff-testnet-0-1296600.bin");
    diff.cb_tx.lock_time ^= 1;
    let err = verify_diff(&base_for(&p), &diff, None).unwrap_err();
    assert!(matches!(err, DiffError::CoinbaseTxidMismatch { .. }), "{err}");
}

#[test]
fn a_tree_that_matches_another_transaction_is_refused() {
    let p = payload("mnlistdiff-testnet-0-1296600.bin");
    let mut diff = diff_file("mnlistdiff-testnet-0-1296600.bin");
    let leaves: Vec<crate::hash::Txid> =
        (1..=3u8).map(|i| crate::hash::Txid::from_byte_array([i; 32])).collect();
    diff.cb_tx_merkle_tree = crate::wire::PartialMerkleTree::from_txids(&leaves, &[false, true]);
    let err = verify_diff(&base_for(&p), &diff, None).unwrap_err();
    assert_eq!(err, DiffError::CoinbaseNotMatched { matched: vec![1] });
}

#[test]
fn a_header_with_another_merkle_root_or_height_is_refused() {
    let p = payload("mnlistdiff-testnet-0-1296600.bin");
    let diff = diff_file("mnlistdiff-testnet-0-1296600.bin");
    let base = base_for(&p);
    let header = BlockHeader {
        version: 0x2000_0000,
        prev_blockhash: BlockHash::ZERO,
        merkle_root: hash(&p["block_merkle_root_from_pmt"]),
        time: 0,
        bits: 0,
        nonce: 0,
    };
    // The header is not the diff's block: refused before anything else.
    let err = verify_diff(&base, &diff, Some((&header, 1_296_600))).unwrap_err();
    assert!(matches!(err, DiffError::BlockHashMismatch { .. }), "{err}");
    let mut diff = diff;
    diff.block_hash = header.block_hash();
    let verified = verify_diff(&base, &diff, Some((&header, 1_296_600))).expect("anchored");
    assert_eq!(verified.coinbase.merkle_root, header.merkle_root);
    let err = verify_diff(&base, &diff, Some((&header, 1_296_601))).unwrap_err();
    assert_eq!(err, DiffError::HeightMismatch { cbtx: 1_296_600, block: 1_296_601 });
    let mut other = header;
    other.merkle_root = Hash256::from_byte_array([7; 32]);
    diff.block_hash = other.block_hash();
    let err = verify_diff(&base, &diff, Some((&other, 1_296_600))).unwrap_err();
    assert!(matches!(err, DiffError::BlockMerkleRootMismatch { .. }), "{err}");
}

#[test]
fn a_diff_applied_to_the_wrong_base_is_refused() {
    let on_top = diff_file("mnlistdiff-mainnet-2227096-2241332.bin");
    let err = verify_diff(&genesis_list(Network::Mainnet), &on_top, None).unwrap_err();
    assert!(matches!(err, DiffError::Apply(ApplyError::BaseMismatch { .. })), "{err}");
    let p = payload("mnlistdiff-mainnet-2227096-2241332.bin");
    let base = base_for(&p);
    let mut diff = on_top.clone();
    diff.deleted_mns.push(Hash256::from_byte_array([9; 32]));
    let err = verify_diff(&base, &diff, None).unwrap_err();
    assert!(matches!(err, DiffError::Apply(ApplyError::UnknownDeletedMasternode(_))), "{err}");
    let mut diff = on_top.clone();
    diff.new_quorums.push(diff.new_quorums[0].clone());
    let err = verify_diff(&base, &diff, None).unwrap_err();
    assert!(matches!(err, DiffError::Apply(ApplyError::DuplicateQuorum(_))), "{err}");
    let mut diff = on_top;
    diff.deleted_quorums[0].quorum_hash = Hash256::from_byte_array([9; 32]);
    let err = verify_diff(&base, &diff, None).unwrap_err();
    assert!(matches!(err, DiffError::Apply(ApplyError::UnknownDeletedQuorum(_))), "{err}");
}

#[test]
fn dash_core_simplifiedmns_merkle_root_vector() {
    use crate::tx::NetInfo;
    use crate::wire::SmlEntry;
    let v = vectors("masternode/dashcore-tests.json");
    let t = &v["evo_simplifiedmns_tests.simplifiedmns_merkleroots"];
    let mut list = MasternodeList::default();
    for e in t["entries"].as_array().unwrap() {
        let i = e["proRegTxHash"].as_str().unwrap();
        let mut ip = [0u8; 16];
        ip[10] = 0xff;
        ip[11] = 0xff;
        let n: u8 = u8::from_str_radix(&i[62..], 16).unwrap();
        ip[15] = n;
        let entry = SmlEntry {
            version: 1,
            pro_reg_tx_hash: i.parse().unwrap(),
            confirmed_hash: e["confirmedHash"].as_str().unwrap().parse().unwrap(),
            net_info: NetInfo::Legacy { ip, port: u16::from(n) },
            operator_key: crate::test_support::hex_bytes(&e["pubKeyOperator_legacy"])
                .try_into()
                .unwrap(),
            voting_key_id: crate::test_support::hex_bytes(&e["keyIDVoting_internal"])
                .try_into()
                .unwrap(),
            is_valid: e["isValid"].as_bool().unwrap(),
            mn_type: 0,
            platform_http_port: 0,
            platform_node_id: [0; 20],
        };
        assert_eq!(
            hex::encode(entry.hash_serialization()),
            e["hash_serialization"].as_str().unwrap()
        );
        assert_eq!(entry.hash(), hash(&e["expected_hash"]));
        list.entries.insert(entry.pro_reg_tx_hash, entry);
    }
    assert_eq!(list.entries.len(), 15);
    assert_eq!(merkle_root_mn_list(&list), hash(&t["expected_merkleRoot"]));
}

#[test]
fn every_verified_list_round_trips_through_the_stored_form() {
    for p in payloads() {
        let file = p["file"].as_str().unwrap();
        let list = verify_diff(&base_for(&p), &diff_file(file), None).expect(file).list;
        let snapshot = MasternodeSnapshot::new(7, list);
        let bytes = snapshot.to_bytes();
        let back = MasternodeSnapshot::from_bytes(&bytes).expect(file);
        assert_eq!(back, snapshot, "{file}");
        assert_eq!(merkle_root_mn_list(&back.list), merkle_root_mn_list(&snapshot.list));
        // Every truncation is an error, never a shorter list.
        for cut in [1, bytes.len() / 2, bytes.len() - 1] {
            assert!(MasternodeSnapshot::from_bytes(&bytes[..cut]).is_err(), "{file} cut {cut}");
        }
    }
}
