//! `dashlite bloom build|match`, run as a user runs it.

use std::process::{Command, Output};

use dashlite::bloom::BloomFilter;
use dashlite::encode::{Decode, Encode};
use dashlite::tx::Transaction;

fn dashlite(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dashlite")).args(args).output().expect("dashlite runs")
}

fn vectors() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/bloom.json");
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("shared test vectors missing: {path}: {e}"));
    serde_json::from_str(&text).expect("bloom.json is JSON")
}

fn case(name: &str) -> serde_json::Value {
    vectors()["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no case {name} in bloom.json"))
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).expect("utf-8").trim().to_string()
}

/// Exit status 2 and one line on stderr mentioning `reason`.
fn assert_usage_error(out: &Output, reason: &str) {
    assert_eq!(out.status.code(), Some(2), "stdout: {}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(reason), "{err:?} should mention {reason:?}");
}

#[test]
fn build_reproduces_dash_core_filters_from_the_vectors() {
    for name in ["bloom_create_insert_serialize", "bloom_create_insert_serialize_with_tweak"] {
        let c = case(name);
        let elements: Vec<&str> =
            c["inserts_hex"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
        assert_eq!(c["filter"]["nElements"].as_u64(), Some(elements.len() as u64));
        assert_eq!(c["filter"]["nFlags"], 1);
        let out = dashlite(&[
            "bloom",
            "build",
            "--elements",
            &elements.join(","),
            "--false-positive-rate",
            &c["filter"]["fpRate"].to_string(),
            "--tweak",
            &c["filter"]["nTweak"].to_string(),
            "--flags",
            "all",
        ]);
        assert_eq!(stdout(&out), c["expected_serialized_hex"].as_str().unwrap(), "{name}");
    }
    let key = case("bloom_create_insert_key");
    let elements: Vec<&str> = key["derived"]["inserts_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    let out = dashlite(&[
        "bloom",
        "build",
        "--elements",
        &elements.join(","),
        "--false-positive-rate",
        "0.001",
        "--tweak",
        "0",
        "--flags",
        "all",
    ]);
    assert_eq!(stdout(&out), key["expected_serialized_hex"].as_str().unwrap());
}

#[test]
fn build_flags_select_the_update_mode() {
    for (flag, byte) in [("none", "00"), ("all", "01"), ("p2pubkey-only", "02")] {
        let out = dashlite(&["bloom", "build", "--elements", "00aa", "--flags", flag]);
        assert!(stdout(&out).ends_with(byte), "{flag}");
    }
}

#[test]
fn match_runs_is_relevant_and_update_as_dash_core() {
    let c = case("bloom_match");
    let tx_hex = c["tx_hex"].as_str().unwrap();
    let tx = Transaction::from_bytes(&hex::decode(tx_hex).unwrap()).unwrap();
    let mut matched_any = 0;
    for sub in c["subcases"].as_array().unwrap() {
        let mut filter = BloomFilter::new(10, 0.000001, 0, 1).unwrap();
        filter.insert(hex::decode(sub["element_hex"].as_str().unwrap()).unwrap());
        let out = dashlite(&[
            "bloom",
            "match",
            "--filter",
            &hex::encode(filter.to_bytes()),
            "--tx",
            tx_hex,
        ]);
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
        assert_eq!(json["matched"], sub["expected_match"], "{}", sub["desc"]);
        let expected_match = filter.is_relevant_and_update(&tx);
        assert_eq!(json["matched"], expected_match);
        assert_eq!(json["filter"], hex::encode(filter.to_bytes()), "the updated filter");
        matched_any += usize::from(expected_match);
    }
    assert!(matched_any > 0);
}

#[test]
fn match_output_feeds_the_next_match() {
    // UPDATE_ALL inserts the matched output's outpoint, so the spending tx then matches.
    let c = case("bloom_match");
    let spending = c["spendingTx_hex"].as_str().unwrap();
    let mut filter = BloomFilter::new(10, 0.000001, 0, 1).unwrap();
    filter.insert(hex::decode("04943fdd508053c75000106d3bc6e2754dbcff19").unwrap());
    let before = hex::encode(filter.to_bytes());
    let miss = dashlite(&["bloom", "match", "--filter", &before, "--tx", spending]);
    let miss: serde_json::Value = serde_json::from_str(&stdout(&miss)).unwrap();
    assert_eq!(miss["matched"], false);
    let first =
        dashlite(&["bloom", "match", "--filter", &before, "--tx", c["tx_hex"].as_str().unwrap()]);
    let first: serde_json::Value = serde_json::from_str(&stdout(&first)).unwrap();
    assert_eq!(first["matched"], true);
    assert_ne!(first["filter"], before.as_str());
    let after = first["filter"].as_str().unwrap();
    let second = dashlite(&["bloom", "match", "--filter", after, "--tx", spending]);
    let second: serde_json::Value = serde_json::from_str(&stdout(&second)).unwrap();
    assert_eq!(second["matched"], true);
}

#[test]
fn bad_input_exits_with_status_2_and_a_reason() {
    let tx_hex = case("bloom_match")["tx_hex"].as_str().unwrap().to_string();
    assert_usage_error(&dashlite(&["bloom", "build", "--elements", "00,zz"]), "element 2");
    assert_usage_error(
        &dashlite(&["bloom", "build", "--elements", "00", "--false-positive-rate", "0"]),
        "false-positive rate",
    );
    assert_usage_error(
        &dashlite(&["bloom", "build", "--elements", "00", "--false-positive-rate", "1.5"]),
        "false-positive rate",
    );
    assert_usage_error(&dashlite(&["bloom", "match", "--filter", "0g", "--tx", &tx_hex]), "filter");
    let ok_filter = hex::encode(BloomFilter::new(3, 0.01, 0, 1).unwrap().to_bytes());
    assert_usage_error(&dashlite(&["bloom", "match", "--filter", &ok_filter, "--tx", "abc"]), "tx");
    assert_usage_error(&dashlite(&["bloom", "match", "--filter", &ok_filter, "--tx", "00"]), "tx");
    assert_usage_error(
        &dashlite(&["bloom", "match", "--filter", &format!("{ok_filter}00"), "--tx", &tx_hex]),
        "filter",
    );
}

#[test]
fn over_limit_filters_are_refused() {
    let tx_hex = case("bloom_match")["tx_hex"].as_str().unwrap().to_string();
    // 36,001 bytes of vData: CompactSize fd a1 8c.
    let big = format!("fda18c{}{}", "00".repeat(36_001), "01000000000000000001");
    let out = dashlite(&["bloom", "match", "--filter", &big, "--tx", &tx_hex]);
    assert_usage_error(&out, "filter");
    assert!(String::from_utf8_lossy(&out.stderr).contains("36000"));
    // 51 hash functions.
    let many = format!("0100{}{}", "33000000", "0000000001");
    let out = dashlite(&["bloom", "match", "--filter", &many, "--tx", &tx_hex]);
    assert_usage_error(&out, "hash_funcs");
}
