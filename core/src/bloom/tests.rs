use super::*;
use crate::encode::Encode;
use crate::hash::{hash160, Txid};
use crate::test_support::vectors;
use crate::tx::{ProRegTx, Script, Transaction, TxIn, TxOut, MN_TYPE_REGULAR};
use proptest::prelude::*;

fn unhex(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn case(name: &str) -> serde_json::Value {
    let all = vectors("bloom.json");
    all["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no case {name}"))
}

fn filter_of(case: &serde_json::Value) -> BloomFilter {
    let f = &case["filter"];
    BloomFilter::new(
        f["nElements"].as_u64().unwrap() as u32,
        f["fpRate"].as_f64().unwrap(),
        f["nTweak"].as_u64().unwrap() as u32,
        f["nFlags"].as_u64().unwrap() as u8,
    )
    .unwrap()
}

fn tx(hex: &serde_json::Value) -> Transaction {
    Transaction::from_bytes(&unhex(hex)).unwrap()
}

/// Dash Core's `uint256S`: strips "0x", keeps the LAST 64 hex digits of an over-long string,
/// and returns the wire-order bytes (the display form is byte-reversed).
fn uint256s(s: &str) -> [u8; 32] {
    let s = s.trim_start_matches("0x");
    let s = &s[s.len().saturating_sub(64)..];
    let mut bytes: [u8; 32] = hex::decode(format!("{s:0>64}")).unwrap().try_into().unwrap();
    bytes.reverse();
    bytes
}

#[test]
fn murmur3_matches_dash_core_vectors() {
    let v = vectors("murmur3.json");
    let cases = v["vectors"].as_array().unwrap();
    assert_eq!(cases.len(), 14);
    for c in cases {
        let data = unhex(&c["data_hex"]);
        let seed = c["seed_int"].as_u64().unwrap() as u32;
        assert_eq!(u64::from(murmur3_32(seed, &data)), c["expected_int"].as_u64().unwrap(), "{c}");
    }
}

proptest! {
    #[test]
    fn murmur3_matches_the_murmur3_crate(data in proptest::collection::vec(any::<u8>(), 0..100), seed in any::<u32>()) {
        let oracle = ::murmur3::murmur3_32(&mut std::io::Cursor::new(&data), seed).unwrap();
        prop_assert_eq!(murmur3_32(seed, &data), oracle);
    }
}

#[test]
fn created_filters_serialize_like_dash_core() {
    for name in ["bloom_create_insert_serialize", "bloom_create_insert_serialize_with_tweak"] {
        let c = case(name);
        let mut f = filter_of(&c);
        assert_eq!(f.data().len() as u64, c["derived"]["vData_size_bytes"].as_u64().unwrap());
        assert_eq!(u64::from(f.hash_funcs()), c["derived"]["nHashFuncs"].as_u64().unwrap());
        for e in c["inserts_hex"].as_array().unwrap() {
            f.insert(unhex(e));
        }
        for check in c["expected_contains"].as_array().unwrap() {
            assert_eq!(
                f.contains(unhex(&check["element_hex"])),
                check["contains"],
                "{name} {check}"
            );
        }
        assert_eq!(hex::encode(f.to_bytes()), c["expected_serialized_hex"], "{name}");
        assert_eq!(BloomFilter::from_bytes(&f.to_bytes()).unwrap(), f);
    }
}

#[test]
fn key_filter_serializes_like_dash_core() {
    let c = case("bloom_create_insert_key");
    let pubkey = unhex(&c["derived"]["pubkey_hex"]);
    assert_eq!(hex::encode(hash160(&pubkey)), c["derived"]["hash160_hex"]);
    let mut f = filter_of(&c);
    f.insert(&pubkey);
    f.insert(hash160(&pubkey));
    assert_eq!(hex::encode(f.to_bytes()), c["expected_serialized_hex"]);
}

#[test]
fn bloom_match_cases() {
    let c = case("bloom_match");
    let t = tx(&c["tx_hex"]);
    let spending = tx(&c["spendingTx_hex"]);
    assert_eq!(t.txid().to_string(), c["txid_display"]);
    for sub in c["subcases"].as_array().unwrap() {
        let mut f = filter_of(&c);
        f.insert(unhex(&sub["element_hex"]));
        assert_eq!(f.is_relevant_and_update(&t), sub["expected_match"], "{}", sub["desc"]);
        if sub.get("then_same_filter_matches_spendingTx") == Some(&serde_json::Value::Bool(true)) {
            assert!(f.is_relevant_and_update(&spending), "{}", sub["desc"]);
            // Without the update, the spending transaction alone does not match.
            let mut fresh = filter_of(&c);
            fresh.insert(unhex(&sub["element_hex"]));
            assert!(!fresh.clone().is_relevant_and_update(&spending));
        }
    }
}

#[test]
fn uint256s_keeps_the_last_64_digits_as_the_dip2_vector_assumes() {
    let c = case("dip2_bloom_match + dip2_bloom_update");
    let wrong = c["match_subcases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["tx"] == "prouprevtx" && s["expected_match"] == false)
        .unwrap();
    let extended = uint256s("0x39a1339d9bf26de701345beecc5de75a690bc9533741a3dbe90f2fd88b8ed46100");
    assert_eq!(hex::encode(extended), wrong["inserts_hex"][0]);
    assert_eq!(
        Txid::from_byte_array(uint256s(
            "0x39a1339d9bf26de701345beecc5de75a690bc9533741a3dbe90f2fd88b8ed461"
        ))
        .to_string(),
        "39a1339d9bf26de701345beecc5de75a690bc9533741a3dbe90f2fd88b8ed461"
    );
}

#[test]
fn dip2_protx_cases() {
    let c = case("dip2_bloom_match + dip2_bloom_update");
    let txs = &c["transactions"];
    let get = |name: &serde_json::Value| tx(&txs[name.as_str().unwrap()]["hex"]);
    for sub in c["match_subcases"].as_array().unwrap() {
        let mut f = filter_of(&c);
        for e in sub["inserts_hex"].as_array().unwrap() {
            f.insert(unhex(e));
        }
        assert_eq!(
            f.is_relevant_and_update(&get(&sub["tx"])),
            sub["expected_match"],
            "{}",
            sub["desc"]
        );
    }
    for sub in c["update_subcases"].as_array().unwrap() {
        let mut f = filter_of(&c);
        for e in sub["inserts_hex"].as_array().unwrap() {
            f.insert(unhex(e));
        }
        for step in sub["sequence_same_filter"].as_array().unwrap() {
            assert_eq!(
                f.is_relevant_and_update(&get(&step["tx"])),
                step["expected_match"],
                "{}",
                sub["desc"]
            );
        }
    }
}

#[test]
fn protx_updates_follow_the_flags() {
    let c = case("dip2_bloom_match + dip2_bloom_update");
    let txs = &c["transactions"];
    let proreg = tx(&txs["proregtx"]["hex"]);
    let proupserv = tx(&txs["proupservtx"]["hex"]);
    let collateral = unhex(&c["update_subcases"][0]["inserts_hex"][0]);
    for (flags, updates) in [
        (BLOOM_UPDATE_NONE, false),
        (BLOOM_UPDATE_ALL, true),
        (BLOOM_UPDATE_P2PUBKEY_ONLY, false),
        (3, false),
        (0x81, true),
    ] {
        let mut f = BloomFilter::new(10, 0.000001, 0, flags).unwrap();
        f.insert(&collateral);
        assert!(f.is_relevant_and_update(&proreg));
        assert_eq!(f.contains(proreg.txid()), updates, "flags {flags:#x}");
        assert_eq!(f.is_relevant_and_update(&proupserv), updates, "flags {flags:#x}");
    }
}

/// Splits a serialized block into its transactions.
fn block_txs(block: &[u8]) -> Vec<Transaction> {
    let mut r = crate::encode::Reader::new(&block[80..]);
    let n = r.read_compact_size().unwrap();
    let txs = (0..n).map(|_| r.read::<Transaction>("tx").unwrap()).collect();
    assert!(r.is_empty());
    txs
}

/// What `CMerkleBlock(block, filter)` does to the filter: the matched indices.
fn run_block(f: &mut BloomFilter, txs: &[Transaction]) -> Vec<usize> {
    (0..txs.len())
        .filter(|&i| is_matchable_in_merkle_block(&txs[i]) && f.is_relevant_and_update(&txs[i]))
        .collect()
}

#[test]
fn merkle_block_cases_match_and_update_like_dash_core() {
    let mut steps_run = 0;
    for name in [
        "merkle_block_1",
        "merkle_block_2",
        "merkle_block_2_with_update_none",
        "merkle_block_3_and_serialize",
        "merkle_block_4",
    ] {
        let c = case(name);
        let txs = block_txs(&unhex(&c["block_hex"]));
        let mut f = filter_of(&c);
        for step in c["steps"].as_array().unwrap() {
            for e in step["inserts_hex"].as_array().unwrap() {
                f.insert(unhex(e));
            }
            let matched = run_block(&mut f, &txs);
            let expected = step["expected_vMatchedTxn"].as_array().unwrap();
            assert_eq!(matched.len(), expected.len(), "{name}");
            for (i, m) in matched.iter().zip(expected) {
                assert_eq!(*i as u64, m["index"].as_u64().unwrap(), "{name}");
                assert_eq!(txs[*i].txid().to_string(), m["txid_display"], "{name}");
            }
            assert_eq!(hex::encode(f.to_bytes()), step["derived"]["filter_after_hex"], "{name}");
            steps_run += 1;
        }
    }
    assert_eq!(steps_run, 9);
}

#[test]
fn merkle_block_4_update_modes() {
    let block = unhex(&case("merkle_block_4")["block_hex"]);
    let txs = block_txs(&block);
    for name in ["merkle_block_4_test_p2pubkey_only", "merkle_block_4_test_update_none"] {
        let c = case(name);
        let mut f = filter_of(&c);
        for e in c["inserts_hex"].as_array().unwrap() {
            f.insert(unhex(e));
        }
        let matched: Vec<u64> = run_block(&mut f, &txs).into_iter().map(|i| i as u64).collect();
        let expected: Vec<u64> = c["derived"]["matched_indices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(matched, expected, "{name}");
        for check in c["expected_filter_contains_after_CMerkleBlock"].as_array().unwrap() {
            assert_eq!(
                f.contains(unhex(&check["element_hex"])),
                check["contains"],
                "{name} {check}"
            );
        }
        assert_eq!(hex::encode(f.to_bytes()), c["derived"]["filter_after_hex"], "{name}");
    }
}

#[test]
fn an_empty_filter_matches_everything_and_ignores_inserts() {
    let mut f = BloomFilter::from_parts(vec![], 10, 0, BLOOM_UPDATE_ALL).unwrap();
    f.insert(b"anything");
    assert!(f.is_match_all() && f.data().is_empty());
    assert!(f.contains(b"other"));
    let t = tx(&case("bloom_match")["tx_hex"]);
    assert!(f.is_relevant_and_update(&t));
    assert!(f.data().is_empty());
    // fp rate 1 gives a zero-size (match-all) filter, as Dash Core's formula does.
    assert!(BloomFilter::new(5, 1.0, 0, 0).unwrap().is_match_all());
}

#[test]
fn constructor_clamps_to_the_limits_with_the_integer_division_quirk() {
    let f = BloomFilter::new(201, 1e-300, 0, 0).unwrap();
    assert_eq!((f.data().len(), f.hash_funcs()), (MAX_BLOOM_FILTER_SIZE, MAX_HASH_FUNCS));
    // 288000 bits / 1,000,000 elements = 0 by integer division: no hash functions at all,
    // so the (non-empty) filter contains everything.
    let f = BloomFilter::new(1_000_000, 0.0001, 0, 0).unwrap();
    assert_eq!((f.data().len(), f.hash_funcs()), (MAX_BLOOM_FILTER_SIZE, 0));
    assert!(f.contains(b"x"));
    // 10 elements at 1%: 95 bits -> 11 bytes; 88/10 = 8 (not 8.8) · ln2 = 5.5 -> 5 hash
    // functions, where real division would give 6.
    let f = BloomFilter::new(10, 0.01, 0, 0).unwrap();
    assert_eq!((f.data().len(), f.hash_funcs()), (11, 5));
}

#[test]
fn limits_are_typed_errors() {
    assert_eq!(BloomFilter::new(0, 0.1, 0, 0), Err(BloomError::NoElements));
    for p in [0.0, -0.5, 1.5, f64::NAN] {
        assert_eq!(BloomFilter::new(10, p, 0, 0), Err(BloomError::BadFalsePositiveRate));
    }
    assert_eq!(
        BloomFilter::from_parts(vec![0; 36_001], 1, 0, 0),
        Err(BloomError::TooLarge { size: 36_001 })
    );
    assert_eq!(
        BloomFilter::from_parts(vec![0; 10], 51, 0, 0),
        Err(BloomError::TooManyHashFuncs { count: 51 })
    );
    assert!(BloomFilter::from_parts(vec![0; 36_000], 50, 0, 0).is_ok());
    let mut big = Vec::new();
    crate::encode::write_bytes(&mut big, &[0; 36_001]);
    big.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(BloomFilter::from_bytes(&big).unwrap_err().field, "data");
    let many = BloomFilter { data: vec![1], hash_funcs: 51, tweak: 0, flags: 0 }.to_bytes();
    assert_eq!(BloomFilter::from_bytes(&many).unwrap_err().field, "hash_funcs");
    let ok = BloomFilter::from_parts(vec![1, 2], 3, 4, 0xfe).unwrap();
    assert_eq!(ok.update_mode(), BloomUpdate::P2PubkeyOnly);
    assert_eq!(
        BloomFilter::from_bytes(&ok.to_bytes()).unwrap().into_parts(),
        (vec![1, 2], 3, 4, 0xfe)
    );
}

#[test]
fn quorum_commitments_and_mnhf_signals_never_match_in_merkle_blocks() {
    let mut t = tx(&case("bloom_match")["tx_hex"]);
    for (version, tx_type, allowed) in [
        (1u16, 6u16, true),
        (3, 0, true),
        (3, 5, true),
        (3, 6, false),
        (3, 7, false),
        (3, 8, true),
        (3, 9, true),
        (3, 10, false),
    ] {
        t.version = version;
        t.tx_type = tx_type;
        assert_eq!(is_matchable_in_merkle_block(&t), allowed, "{version} {tx_type}");
    }
}

#[test]
fn asset_lock_credit_outputs_are_matched_and_updated_like_outputs() {
    let key = [0x42u8; 20];
    let p2pkh = Script::new([&[0x76, 0xa9, 0x14][..], &key, &[0x88, 0xac]].concat());
    let payload = crate::tx::AssetLockPayload {
        version: 1,
        credit_outputs: vec![
            TxOut { value: 5, script_pubkey: Script::default() },
            TxOut { value: 1, script_pubkey: p2pkh },
        ],
    };
    let t = Transaction {
        version: 3,
        tx_type: crate::tx::tx_type::ASSET_LOCK,
        inputs: vec![TxIn {
            previous_output: crate::tx::OutPoint::new(Txid::from_byte_array([1; 32]), 0),
            script_sig: Script::default(),
            sequence: 0,
        }],
        outputs: vec![TxOut { value: 6, script_pubkey: Script::new(vec![0x6a, 0]) }],
        lock_time: 0,
        extra_payload: Some(payload.to_bytes()),
    };
    let mut f = BloomFilter::new(10, 0.000001, 0, BLOOM_UPDATE_ALL).unwrap();
    f.insert(key);
    assert!(f.is_relevant_and_update(&t));
    // The credit output index (1) in the credit list, not in vout.
    assert!(f.contains_outpoint(&crate::tx::OutPoint::new(t.txid(), 1)));
    // A payload that does not parse matches nothing special.
    let mut broken = t.clone();
    broken.extra_payload.as_mut().unwrap().push(0);
    let mut f = BloomFilter::new(10, 0.000001, 0, BLOOM_UPDATE_ALL).unwrap();
    f.insert(key);
    assert!(!f.is_relevant_and_update(&broken));
}

// ---- mirror property: a peer's copy and ours stay identical ----

/// A random but relevance-rich transaction: outputs pay keys from a small pool (P2PKH, P2PK,
/// bare multisig), inputs spend outputs of earlier transactions, some are ProRegTx.
/// Outputs (kind, key index), inputs (earlier tx index, vout), whether a ProRegTx, lock time.
type TxSpec = (Vec<(u8, usize)>, Vec<(usize, u32)>, bool, u32);

fn arb_tx(n: usize) -> impl Strategy<Value = TxSpec> {
    (
        proptest::collection::vec((0u8..4, 0..n), 1..4),
        proptest::collection::vec((0usize..64, 0u32..3), 1..3),
        any::<bool>(),
        any::<u32>(),
    )
}

fn build_tx(keys: &[[u8; 33]], earlier: &[Txid], spec: &TxSpec) -> Transaction {
    let (outs, ins, protx, lock_time) = spec;
    let outputs = outs
        .iter()
        .map(|&(kind, k)| {
            let key = &keys[k];
            let bytes = match kind {
                0 => [&[0x76, 0xa9, 0x14][..], &hash160(key), &[0x88, 0xac]].concat(),
                1 => [&[33u8][..], key, &[0xac]].concat(),
                2 => [&[0x51, 33][..], key, &[0x51, 0xae]].concat(),
                _ => vec![0x6a, 0x04, 1, 2, 3, 4],
            };
            TxOut { value: 1000, script_pubkey: Script::new(bytes) }
        })
        .collect();
    let inputs = ins
        .iter()
        .map(|&(i, vout)| TxIn {
            previous_output: crate::tx::OutPoint::new(
                earlier.get(i).copied().unwrap_or(Txid::from_byte_array([i as u8; 32])),
                vout,
            ),
            script_sig: Script::new([&[33u8][..], &keys[i % keys.len()]].concat()),
            sequence: u32::MAX,
        })
        .collect();
    let mut tx = Transaction {
        version: 2,
        tx_type: 0,
        inputs,
        outputs,
        lock_time: *lock_time,
        extra_payload: None,
    };
    if *protx {
        let key = &keys[*lock_time as usize % keys.len()];
        let p = ProRegTx {
            version: 2,
            mn_type: MN_TYPE_REGULAR,
            mode: 0,
            collateral_outpoint: crate::tx::OutPoint::new(
                earlier.last().copied().unwrap_or_default(),
                0,
            ),
            net_info: crate::tx::NetInfo::EMPTY_LEGACY,
            key_id_owner: hash160(key),
            pubkey_operator: [0; 48],
            key_id_voting: [0; 20],
            operator_reward: 0,
            script_payout: Script::new(vec![0x51]),
            inputs_hash: crate::hash::Hash256::ZERO,
            platform_node_id: [0; 20],
            platform_p2p_port: 0,
            platform_http_port: 0,
            signature: vec![],
        };
        tx.version = 3;
        tx.tx_type = crate::tx::tx_type::PROVIDER_REGISTER;
        tx.extra_payload = Some(p.to_bytes());
    }
    tx
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn a_peer_copy_stays_bit_identical_for_every_flag(
        seeds in proptest::collection::vec(any::<[u8; 32]>(), 4..8),
        watched in 0usize..3,
        specs in proptest::collection::vec(arb_tx(4), 1..24),
        flags in prop_oneof![Just(0u8), Just(1u8), Just(2u8), Just(3u8)],
        elements in 5u32..50,
    ) {
        let keys: Vec<[u8; 33]> = seeds.iter().map(|s| {
            let mut k = [2u8; 33];
            k[1..].copy_from_slice(s);
            k
        }).collect();
        let mut ours = BloomFilter::new(elements, 0.001, 7, flags).unwrap();
        ours.insert(hash160(&keys[watched]));
        ours.insert(keys[watched + 1]);
        // The peer decodes our filterload payload, and our transactions from the wire.
        let mut theirs = BloomFilter::from_bytes(&ours.to_bytes()).unwrap();
        let mut earlier = Vec::new();
        for spec in &specs {
            let tx = build_tx(&keys, &earlier, spec);
            let wire = Transaction::from_bytes(&tx.to_bytes()).unwrap();
            let a = ours.is_relevant_and_update(&tx);
            let b = theirs.is_relevant_and_update(&wire);
            prop_assert_eq!(a, b);
            prop_assert_eq!(&ours, &theirs);
            earlier.push(tx.txid());
        }
        prop_assert_eq!(ours.to_bytes(), theirs.to_bytes());
    }
}
