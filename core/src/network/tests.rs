use super::*;
use crate::encode::Encode;
use crate::test_support::vectors;

fn vector_name(n: Network) -> &'static str {
    match n {
        Network::Mainnet => "mainnet",
        Network::Testnet => "testnet",
        Network::Devnet => "devnet",
        Network::Regtest => "regtest",
    }
}

#[test]
fn parameters_match_dash_core_chainparams() {
    let v = vectors("network.json");
    for n in Network::ALL {
        let p = n.params();
        let want = &v["networks"][vector_name(n)];
        assert_eq!(hex::encode(p.magic), want["pchMessageStart_hex"], "{n} magic");
        assert_eq!(u64::from(p.default_port), want["default_p2p_port"], "{n} port");
        assert_eq!(u64::from(p.pow.target_spacing), want["nPowTargetSpacing"]);
        assert_eq!(u64::from(p.pow.target_timespan), want["nPowTargetTimespan"]);
        assert_eq!(p.pow.allow_min_difficulty_blocks, want["fPowAllowMinDifficultyBlocks"]);
        assert_eq!(p.pow.no_retargeting, want["fPowNoRetargeting"]);
        assert_eq!(u64::from(p.pow.kgw_height), want["nPowKGWHeight"]);
        assert_eq!(u64::from(p.pow.dgw_height), want["nPowDGWHeight"]);
        assert_eq!(u64::from(p.bip34_height), want["BIP34Height"]);
        assert_eq!(u64::from(p.bip65_height), want["BIP65Height"]);
        assert_eq!(u64::from(p.bip66_height), want["BIP66Height"]);
        assert_eq!(u64::from(p.dip3_height), want["DIP0003Height"], "{n} DIP3");
        assert_eq!(u64::from(p.pubkey_address_prefix), want["base58_pubkey_prefix"]);
        assert_eq!(u64::from(p.script_address_prefix), want["base58_script_prefix"]);
        assert_eq!(u64::from(p.secret_key_prefix), want["base58_secret_prefix"]);
        assert_eq!(u64::from(p.bip44_coin_type), want["bip44_coin_type"]);
        let sporks = want["spork_addresses"].as_array().unwrap();
        assert_eq!(p.spork_addresses.len(), sporks.len());
        for (i, s) in sporks.iter().enumerate() {
            assert_eq!(p.spork_addresses[i], s["address"]);
            assert_eq!(hex::encode(p.spork_key_ids[i]), s["keyID_hash160_hex"]);
        }
        let seeds: Vec<String> = want["dns_seeds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().trim_end_matches('.').to_owned())
            .filter(|s| !s.ends_with(".invalid"))
            .collect();
        assert_eq!(p.dns_seeds, seeds.iter().map(String::as_str).collect::<Vec<_>>(), "{n}");
        assert_eq!(Network::from_magic(p.magic), Some(n));
        assert_eq!(n.name().parse::<Network>().unwrap(), n);
    }
}

#[test]
fn pow_limits_match_the_vector_pow_limit() {
    let v = vectors("network.json");
    for n in Network::ALL {
        let limit = v["networks"][vector_name(n)]["powLimit"].as_str().unwrap();
        // The compact form's mantissa and exponent describe the same leading bytes.
        let bits = n.params().pow.limit_bits;
        let exp = (bits >> 24) as usize;
        let mantissa = bits & 0x00ff_ffff;
        let mut be = [0u8; 32];
        let m = mantissa.to_be_bytes();
        be[32 - exp..32 - exp + 3].copy_from_slice(&m[1..]);
        let shown = hex::encode(be);
        let significant = shown.trim_end_matches('0');
        assert!(limit.starts_with(significant), "{n}: {limit} vs {shown}");
    }
}

#[test]
fn minimum_chain_work_matches() {
    let v = vectors("checkpoints.json");
    assert_eq!(
        hex::encode(Network::Mainnet.params().minimum_chain_work),
        v["mainnet_nMinimumChainWork"]["value_hex"]
    );
    assert_eq!(
        hex::encode(Network::Testnet.params().minimum_chain_work),
        v["testnet_nMinimumChainWork"]["value_hex"]
    );
}

#[test]
fn checkpoints_match_chainparams() {
    let v = vectors("checkpoints.json");
    for (n, list) in [(Network::Mainnet, "mainnet"), (Network::Testnet, "testnet")] {
        let want = v[list].as_array().unwrap();
        let got = n.params().checkpoints;
        assert_eq!(got.len(), want.len());
        for ((h, hash), w) in got.iter().zip(want) {
            assert_eq!(u64::from(*h), w["height"]);
            assert_eq!(*hash, w["hash_display"]);
        }
        assert!(got.windows(2).all(|w| w[0].0 < w[1].0));
    }
}

#[test]
fn genesis_headers_serialize_to_the_vector_bytes() {
    let v = vectors("genesis.json");
    for (n, key) in [
        (Network::Mainnet, "mainnet"),
        (Network::Testnet, "testnet"),
        (Network::Regtest, "regtest"),
        (Network::Devnet, "devnet_base"),
    ] {
        let header = n.params().genesis_header();
        assert_eq!(hex::encode(header.to_bytes()), v["networks"][key]["header_hex"], "{n}");
    }
}

#[test]
fn fixed_seeds_are_the_shared_seed_lists() {
    assert_eq!(Network::Mainnet.params().fixed_seed_lines().count(), 347);
    assert_eq!(Network::Testnet.params().fixed_seed_lines().count(), 14);
    assert!(Network::Mainnet.params().fixed_seed_lines().all(|l| l.contains(':')));
    assert_eq!(Network::Regtest.params().fixed_seed_lines().count(), 0);
}

#[test]
fn embedded_checkpoint_records_parse_and_agree_with_the_hard_coded_checkpoints() {
    for n in [Network::Mainnet, Network::Testnet] {
        let records = n.params().checkpoint_records();
        assert!(records.len() > 100, "{n}: {} records", records.len());
        for r in &records {
            assert_eq!(r.header.block_hash(), r.hash, "{n} record {}", r.height);
            crate::chain::check_proof_of_work(&r.hash, r.header.bits, &n.params().pow, None)
                .unwrap_or_else(|e| panic!("{n} record {}: {e}", r.height));
        }
        for &(height, hash) in n.params().checkpoints {
            if let Some(r) = records.iter().find(|r| r.height == height) {
                assert_eq!(r.hash.to_string(), hash, "{n} checkpoint {height}");
            }
        }
        assert!(records.windows(2).all(|w| w[0].height < w[1].height));
        // In pairs: every 9,216th block and the newest, each with the record 576 before it.
        for pair in records.chunks(2) {
            assert_eq!(pair.len(), 2, "{n}");
            assert_eq!(pair[0].height + 576, pair[1].height, "{n}");
            assert!(pair[1].chain_work > pair[0].chain_work, "{n}");
        }
    }
    assert!(Network::Regtest.params().checkpoint_records().is_empty());
}
