use super::*;
use crate::encode::{Decode, Encode};
use crate::hash::sha256d;
use crate::test_support::vectors;

fn hex_bytes(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn txid_display(v: &serde_json::Value) -> Txid {
    v.as_str().unwrap().parse().unwrap()
}

fn indices(v: &serde_json::Value) -> Vec<u32> {
    v.as_array().unwrap().iter().map(|i| i.as_u64().unwrap() as u32).collect()
}

fn expected_matches(v: &serde_json::Value) -> Vec<MatchedTxid> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| MatchedTxid {
            index: m["index"].as_u64().unwrap() as u32,
            txid: txid_display(&m["txid_display"]),
        })
        .collect()
}

fn bit_string(tree: &PartialMerkleTree, n: usize) -> String {
    tree.bits().take(n).map(|b| if b { '1' } else { '0' }).collect()
}

#[test]
fn merkle_root_of_block_13b8a_matches_its_header() {
    let v = vectors("merkleblock.json");
    let block = &v["block13b8a"];
    let txids: Vec<Txid> =
        block["txids_display"].as_array().unwrap().iter().map(txid_display).collect();
    let want: Hash256 = block["merkle_root_display"].as_str().unwrap().parse().unwrap();
    assert_eq!(merkle_root(&txids), want);
    let header =
        crate::wire::BlockHeader::from_bytes(&hex_bytes(&block["block_hex"])[..80]).unwrap();
    assert_eq!(header.merkle_root, want);
}

#[test]
fn merkleblock_vectors_build_parse_reencode_and_extract_as_dash_core() {
    let v = vectors("merkleblock.json");
    let txids: Vec<Txid> =
        v["block13b8a"]["txids_display"].as_array().unwrap().iter().map(txid_display).collect();
    let mut seen = 0;
    for case in v["cases"].as_array().unwrap() {
        let Some(matched) = case.get("matched_indices") else { continue };
        let name = case["name"].as_str().unwrap();
        let derived = &case["derived"];
        let mut matches = vec![false; txids.len()];
        for i in indices(matched) {
            matches[i as usize] = true;
        }

        let built = PartialMerkleTree::from_txids(&txids, &matches);
        let pmt_bytes = hex_bytes(&derived["pmt_hex"]);
        assert_eq!(hex::encode(built.to_bytes()), hex::encode(&pmt_bytes), "{name}");
        let bits = derived["bits"].as_str().unwrap();
        assert_eq!(bit_string(&built, bits.len()), bits, "{name}");
        assert_eq!(built.hashes.len() as u64, derived["n_hashes"].as_u64().unwrap());

        let parsed = PartialMerkleTree::from_bytes(&pmt_bytes).unwrap();
        assert_eq!(parsed, built);
        assert_eq!(parsed.to_bytes(), pmt_bytes);

        let payload = hex_bytes(&derived["merkleblock_payload_hex"]);
        let mb = MerkleBlock::from_bytes(&payload).unwrap();
        assert_eq!(mb.to_bytes(), payload, "{name}");
        assert_eq!(mb.total_transactions as u64, derived["nTransactions"].as_u64().unwrap());
        let (_, tree) = mb.clone().into_parts();
        assert_eq!(tree, parsed);

        let want = &case["expected_ExtractMatches"];
        let root: Hash256 = want["merkle_root_display"].as_str().unwrap().parse().unwrap();
        let extracted = mb.extract_matches().unwrap();
        assert_eq!(extracted.root, root, "{name}");
        assert_eq!(extracted.matches, expected_matches(&want["matches"]), "{name}");
        assert_eq!(mb.matched_txids().unwrap(), extracted.matches);
        seen += 1;
    }
    assert_eq!(seen, 4);
}

#[test]
fn duplicated_txids_are_rejected_as_identical_siblings() {
    let v = vectors("merkleblock.json");
    let case = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "pmt_malleability")
        .expect("case present");
    let txids: Vec<Txid> = case["vTxid_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Txid::from_byte_array(hex_bytes(h).try_into().unwrap()))
        .collect();
    let matches: Vec<bool> =
        case["vMatch"].as_array().unwrap().iter().map(|b| b.as_bool().unwrap()).collect();
    let built = PartialMerkleTree::from_txids(&txids, &matches);
    let pmt_bytes = hex_bytes(&case["derived"]["pmt_hex"]);
    assert_eq!(hex::encode(built.to_bytes()), hex::encode(&pmt_bytes));
    let parsed = PartialMerkleTree::from_bytes(&pmt_bytes).unwrap();
    // Leaves 8, 9 (= 9, 10) and 10, 11 (= 9, 10 again): the subtrees at height 1,
    // positions 4 and 5, hash the same.
    assert_eq!(
        parsed.extract_matches().unwrap_err(),
        MerkleError::IdenticalSiblings { height: 1, position: 4 }
    );
}

#[test]
fn invalid_merkleblock_examples_fail_with_the_rule_they_break() {
    let v = vectors("merkleblock.json");
    let examples = v["invalid_examples"].as_array().unwrap();
    let mut errors = Vec::new();
    for ex in examples {
        let bytes = hex_bytes(&ex["pmt_hex"]);
        let tree = PartialMerkleTree::from_bytes(&bytes).unwrap();
        assert_eq!(tree.to_bytes(), bytes);
        errors.push(tree.extract_matches().unwrap_err());
    }
    assert_eq!(
        errors,
        [MerkleError::UnusedHashes { used: 5, total: 6 }, MerkleError::NoTransactions]
    );
}

fn synthetic_txids(n: u32) -> Vec<Txid> {
    (0..n).map(|i| Txid::from_byte_array(sha256d(&i.to_le_bytes()))).collect()
}

#[test]
fn built_trees_prove_their_matches_for_every_size_and_pattern() {
    for n in 1..=70u32 {
        let txids = synthetic_txids(n);
        for pattern in 0..6u32 {
            let matches: Vec<bool> = (0..n)
                .map(|i| match pattern {
                    0 => false,
                    1 => true,
                    2 => i == n - 1,
                    3 => i % 3 == 1,
                    4 => i == 0,
                    _ => (i * 7 + n) % 5 == 0,
                })
                .collect();
            let tree = PartialMerkleTree::from_txids(&txids, &matches);
            let extracted =
                tree.extract_matches().unwrap_or_else(|e| panic!("n={n} p={pattern}: {e}"));
            assert_eq!(extracted.root, merkle_root(&txids), "n={n} pattern={pattern}");
            let want: Vec<MatchedTxid> = (0..n)
                .filter(|&i| matches[i as usize])
                .map(|i| MatchedTxid { index: i, txid: txids[i as usize] })
                .collect();
            assert_eq!(extracted.matches, want, "n={n} pattern={pattern}");
            let reparsed = PartialMerkleTree::from_bytes(&tree.to_bytes()).unwrap();
            assert_eq!(reparsed, tree);
        }
    }
}

#[test]
fn merkle_root_duplicates_the_last_hash_of_odd_layers() {
    let t = synthetic_txids(3);
    let h = |a: &[u8; 32], b: &[u8; 32]| sha256d_pair(a, b);
    let left = h(t[0].as_bytes(), t[1].as_bytes());
    let right = h(t[2].as_bytes(), t[2].as_bytes());
    assert_eq!(merkle_root(&t).to_byte_array(), h(&left, &right));
    assert_eq!(merkle_root(&t[..1]).to_byte_array(), t[0].to_byte_array());
    assert_eq!(merkle_root(&[]), Hash256::ZERO);
}

#[test]
fn every_structural_rule_is_enforced() {
    let txids = synthetic_txids(9);
    let mut matches = vec![false; 9];
    matches[1] = true;
    matches[8] = true;
    let good = PartialMerkleTree::from_txids(&txids, &matches);
    assert!(good.extract_matches().is_ok());

    let too_many = PartialMerkleTree { total_transactions: 33_334, ..good.clone() };
    assert_eq!(too_many.extract_matches().unwrap_err(), MerkleError::TooManyTransactions(33_334));
    let at_limit = PartialMerkleTree { total_transactions: 33_333, ..good.clone() };
    assert!(!matches!(at_limit.extract_matches(), Err(MerkleError::TooManyTransactions(_))));

    let few_tx = PartialMerkleTree { total_transactions: 4, ..good.clone() };
    assert_eq!(
        few_tx.extract_matches().unwrap_err(),
        MerkleError::MoreHashesThanTransactions { hashes: 5, transactions: 4 }
    );

    let many_hashes = PartialMerkleTree {
        total_transactions: 9,
        hashes: vec![Hash256::ZERO; 9],
        flags: vec![0xff],
    };
    assert_eq!(
        many_hashes.extract_matches().unwrap_err(),
        MerkleError::FewerFlagBitsThanHashes { bits: 8, hashes: 9 }
    );

    // All-ones flags of one byte: the traversal descends and wants a ninth bit.
    let short_bits = PartialMerkleTree { flags: vec![0xff], ..good.clone() };
    assert_eq!(short_bits.extract_matches().unwrap_err(), MerkleError::FlagBitsExhausted);

    let mut short_hashes = good.clone();
    short_hashes.hashes.pop();
    assert_eq!(short_hashes.extract_matches().unwrap_err(), MerkleError::HashesExhausted);

    let mut extra_byte = good.clone();
    extra_byte.flags.push(0);
    assert_eq!(
        extra_byte.extract_matches().unwrap_err(),
        MerkleError::UnusedFlagBytes { used_bits: 12, flag_bytes: 3 }
    );

    let mut extra_hash = good.clone();
    extra_hash.hashes.push(Hash256::ZERO);
    assert_eq!(
        extra_hash.extract_matches().unwrap_err(),
        MerkleError::UnusedHashes { used: 5, total: 6 }
    );

    let empty = PartialMerkleTree::from_txids(&[], &[]);
    assert_eq!(empty.extract_matches().unwrap_err(), MerkleError::NoTransactions);
}

#[test]
fn merkle_block_with_another_root_is_a_root_mismatch() {
    let txids = synthetic_txids(5);
    let tree = PartialMerkleTree::from_txids(&txids, &[false, false, true]);
    let header = crate::wire::BlockHeader::from_bytes(&[0; 80]).unwrap();
    let mb = MerkleBlock::new(header, tree.clone());
    assert_eq!(
        mb.matched_txids().unwrap_err(),
        MerkleError::RootMismatch { computed: merkle_root(&txids), header: Hash256::ZERO }
    );
    let header = crate::wire::BlockHeader { merkle_root: merkle_root(&txids), ..header };
    let mb = MerkleBlock::new(header, tree);
    assert_eq!(mb.matched_txids().unwrap(), [MatchedTxid { index: 2, txid: txids[2] }]);
}

#[test]
fn bloom_vector_merkle_blocks_parse_and_prove_their_matches() {
    let v = vectors("bloom.json");
    let mut checked = 0;
    for case in v["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        if !name.starts_with("merkle_block_") {
            continue;
        }
        let mut blocks = Vec::new();
        if let Some(steps) = case.get("steps") {
            for step in steps.as_array().unwrap() {
                let payload = hex_bytes(&step["derived"]["merkleblock_payload_hex"]);
                if let Some(literal) = step.get("expected_merkleblock_payload_hex") {
                    assert_eq!(hex_bytes(literal), payload, "{name}: Dash Core's literal bytes");
                }
                blocks.push((payload, expected_matches(&step["expected_vMatchedTxn"])));
            }
        } else {
            let derived = &case["derived"];
            let payload = hex_bytes(&derived["merkleblock_payload_hex"]);
            let want: Vec<u32> = indices(&derived["matched_indices"]);
            let mb = MerkleBlock::from_bytes(&payload).unwrap();
            let got: Vec<u32> = mb.matched_txids().unwrap().iter().map(|m| m.index).collect();
            assert_eq!(got, want, "{name}");
            assert_eq!(mb.to_bytes(), payload);
            checked += 1;
        }
        for (payload, want) in blocks {
            let mb = MerkleBlock::from_bytes(&payload).unwrap();
            assert_eq!(mb.to_bytes(), payload, "{name}");
            if let Some(hex) = case.get("header_hex") {
                assert_eq!(mb.header.to_bytes(), hex_bytes(hex));
            }
            assert_eq!(mb.matched_txids().unwrap(), want, "{name}");
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} merkle blocks checked");
}
