use super::*;
use crate::chain::testdata::vectors;
use crate::network::Network;

fn network(name: &str) -> Network {
    name.parse().unwrap_or_else(|_| panic!("unknown network {name}"))
}

fn bits(v: &serde_json::Value) -> u32 {
    let s = v.as_str().expect("nBits string");
    u32::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex nBits")
}

#[test]
fn every_dgw_vector_gives_the_expected_nbits() {
    let v = vectors("dgw.json");
    let cases = v["cases"].as_array().expect("cases");
    assert!(cases.len() >= 11);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let pow = network(case["network_params"].as_str().unwrap()).params().pow;
        let blocks: Vec<BlockSummary> = case["prev_blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| BlockSummary {
                height: b["height"].as_u64().unwrap() as u32,
                time: b["nTime"].as_u64().unwrap() as u32,
                bits: bits(&b["nBits"]),
            })
            .collect();
        let history = SliceHistory::new(&blocks).expect("consecutive blocks");
        let new_time = case["new_block_time"].as_u64().unwrap() as u32;
        let got = next_work_required(&pow, &history, new_time).unwrap();
        assert_eq!(got, bits(&case["expected_nBits"]), "{name}: got {got:#010x}");
    }
}

fn regular_chain(first: u32, n: u32, bits: u32, spacing: u32) -> Vec<BlockSummary> {
    (0..n)
        .map(|i| BlockSummary { height: first + i, time: 1_000_000 + i * spacing, bits })
        .collect()
}

#[test]
fn dgw_needs_24_blocks_of_history_or_says_which_is_missing() {
    let pow = Network::Mainnet.params().pow;
    let blocks = regular_chain(100_000, 23, 0x1b10_0000, 150);
    let h = SliceHistory::new(&blocks).unwrap();
    assert_eq!(
        next_work_required(&pow, &h, 2_000_000),
        Err(NextWorkError::InsufficientHistory { height: 100_023, needed: 99_999 })
    );
    let blocks = regular_chain(100_000, 24, 0x1b10_0000, 150);
    let h = SliceHistory::new(&blocks).unwrap();
    // 23 intervals of exactly one spacing: 3450 s / 3600 s of the average target.
    let want = U256::from_compact(0x1b10_0000).value.wrapping_mul_u32(3450).checked_div_u64(3600);
    assert_eq!(next_work_required(&pow, &h, 2_000_000), Ok(want.unwrap().to_compact()));
}

#[test]
fn dgw_clamps_the_timespan_to_a_third_and_three_times() {
    let pow = Network::Mainnet.params().pow;
    let target = U256::from_compact(0x1b10_0000).value;
    let fast = regular_chain(100_000, 24, 0x1b10_0000, 1);
    let slow = regular_chain(100_000, 24, 0x1b10_0000, 10_000);
    let f = next_work_required(&pow, &SliceHistory::new(&fast).unwrap(), 0).unwrap();
    let s = next_work_required(&pow, &SliceHistory::new(&slow).unwrap(), 0).unwrap();
    assert_eq!(f, target.checked_div_u64(3).unwrap().to_compact());
    assert_eq!(s, target.wrapping_mul_u32(3).to_compact());
}

#[test]
fn dgw_below_height_24_and_easy_results_give_pow_limit() {
    let pow = Network::Testnet.params().pow;
    let mut blocks = regular_chain(5000, 24, 0x1e0f_fff0, 400);
    for b in &mut blocks {
        b.time = 1_000_000 + (b.height - 5000) * 140; // fast enough: no min-difficulty rule
    }
    let h = SliceHistory::new(&blocks).unwrap();
    // Average near powLimit, spacing slower than target: capped at powLimit.
    let slow: Vec<_> = blocks.iter().map(|b| BlockSummary { time: b.time * 2, ..*b }).collect();
    let hs = SliceHistory::new(&slow).unwrap();
    assert_eq!(next_work_required(&pow, &hs, hs.last().time + 10), Ok(0x1e0f_ffff));
    assert_ne!(next_work_required(&pow, &h, h.last().time + 10), Ok(0x1e0f_ffff));
    let regtest = Network::Regtest.params().pow;
    let low = regular_chain(0, 5, 0x207f_ffff, 150);
    assert_eq!(dark_gravity_wave(&regtest, &SliceHistory::new(&low).unwrap()), Ok(0x207f_ffff));
}

#[test]
fn min_difficulty_rules_apply_after_ten_minutes_and_two_hours_on_testnet_only() {
    let blocks = regular_chain(900_000, 24, 0x1c00_8000, 150);
    let h = SliceHistory::new(&blocks).unwrap();
    let last = h.last().time;
    let testnet = Network::Testnet.params().pow;
    let mainnet = Network::Mainnet.params().pow;
    let x10 = U256::from_compact(0x1c00_8000).value.wrapping_mul_u32(10).to_compact();
    assert_eq!(next_work_required(&testnet, &h, last + 601), Ok(x10));
    assert_eq!(next_work_required(&testnet, &h, last + 7200), Ok(x10));
    assert_eq!(next_work_required(&testnet, &h, last + 7201), Ok(0x1e0f_ffff));
    let dgw = dark_gravity_wave(&testnet, &h).unwrap();
    assert_eq!(next_work_required(&testnet, &h, last + 600), Ok(dgw));
    assert_eq!(next_work_required(&mainnet, &h, last + 7201), Ok(dgw));
}

#[test]
fn regtest_never_retargets() {
    let pow = Network::Regtest.params().pow;
    // Below the KGW height (Bitcoin-style branch), on and off the 576 boundary, and above.
    for first in [0, 575 - 23, 1152 - 24, 40_000] {
        let blocks = regular_chain(first, 24, 0x207f_ffff, 1);
        let h = SliceHistory::new(&blocks).unwrap();
        assert_eq!(next_work_required(&pow, &h, h.last().time + 1), Ok(0x207f_ffff), "{first}");
    }
}

#[test]
fn bitcoin_style_retarget_scales_by_the_576_block_timespan() {
    // Devnet below its DGW/KGW height 4001: Bitcoin-style retarget at 576, 1152, ...
    let pow = Network::Devnet.params().pow;
    let blocks = regular_chain(0, 576, 0x1f00_ffff, 75); // twice as fast as 150 s
    let h = SliceHistory::new(&blocks).unwrap();
    let want = U256::from_compact(0x1f00_ffff)
        .value
        .wrapping_mul_u32(575 * 75)
        .checked_div_u64(86_400)
        .unwrap()
        .to_compact();
    assert_eq!(next_work_required(&pow, &h, h.last().time + 1), Ok(want));
    // Off the boundary: the last block that is not a min-difficulty block.
    let mut blocks = regular_chain(576, 10, 0x207f_ffff, 75);
    blocks[0].bits = 0x1f00_7fff;
    let h = SliceHistory::new(&blocks).unwrap();
    assert_eq!(next_work_required(&pow, &h, h.last().time + 300), Ok(0x1f00_7fff));
    assert_eq!(next_work_required(&pow, &h, h.last().time + 301), Ok(0x207f_ffff));
    // The walk cannot finish inside a history that starts mid-interval.
    let h = SliceHistory::new(&blocks[1..]).unwrap();
    assert!(matches!(
        next_work_required(&pow, &h, h.last().time + 1),
        Err(NextWorkError::InsufficientHistory { .. })
    ));
}

#[test]
fn kimoto_gravity_well_heights_are_reported_unsupported() {
    let pow = Network::Mainnet.params().pow;
    let blocks = regular_chain(20_000, 24, 0x1c00_8000, 150);
    let h = SliceHistory::new(&blocks).unwrap();
    assert_eq!(
        next_work_required(&pow, &h, h.last().time + 150),
        Err(NextWorkError::Unsupported { height: 20_024 })
    );
}

#[test]
fn legacy_tolerance_accepts_within_half_the_difficulty() {
    assert!(within_legacy_tolerance(0x1c00_8000, 0x1c00_8000));
    assert!(within_legacy_tolerance(0x1c00_6000, 0x1c00_8000)); // 4/3 the difficulty
    assert!(!within_legacy_tolerance(0x1c00_2000, 0x1c00_8000)); // 4x the difficulty
    assert!((bits_to_difficulty(0x1d00_ffff) - 1.0).abs() < 1e-12);
}

#[test]
fn slice_history_requires_consecutive_heights() {
    let mut blocks = regular_chain(10, 3, 0x207f_ffff, 1);
    assert!(SliceHistory::new(&blocks).is_some());
    blocks[2].height = 13;
    assert!(SliceHistory::new(&blocks).is_none());
    assert!(SliceHistory::new(&[]).is_none());
}
