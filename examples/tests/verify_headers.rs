//! `dashlite x11` and `dashlite verify-headers` run as a user runs them, on the real header
//! files in `shared/data/headers/` and on tampered copies.

use dashlite::chain::block_work;
use dashlite::chain::U256;
use dashlite::wire::BlockHeader;
use dashlite::Network;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MAINNET: (&str, u32) = ("mainnet-1737084.bin", 1_737_084);
const TESTNET: (&str, u32) = ("testnet-942249.bin", 942_249);

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/../../shared/data/headers/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("shared test data missing: {path}: {e}"))
}

fn dashlite(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dashlite")).args(args).output().expect("run dashlite")
}

fn json_line(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    serde_json::from_str(text.trim()).expect("JSON")
}

/// A file in a fresh temporary directory of this test.
fn temp_file(test: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dashlite-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("headers.bin");
    std::fs::write(&path, bytes).expect("write temp file");
    path
}

fn verify(path: &Path, net: &str, height: u32) -> Output {
    dashlite(&[
        "verify-headers",
        path.to_str().unwrap(),
        "--network",
        net,
        "--height",
        &height.to_string(),
    ])
}

fn real_path(name: &str) -> PathBuf {
    let path =
        PathBuf::from(format!("{}/../../shared/data/headers/{name}", env!("CARGO_MANIFEST_DIR")));
    assert!(path.exists(), "shared test data missing: {}", path.display());
    path
}

#[test]
fn x11_of_a_genesis_header_prints_its_block_hash() {
    let genesis = Network::Mainnet.params().genesis_header();
    let out = dashlite(&["x11", &hex::encode(genesis.to_array())]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "00000ffd590b1485b3caadc19b22e6379c733355108f107a430458cdf3407ab6"
    );
    // Any length of input.
    let out = dashlite(&["x11", ""]);
    assert!(out.status.success());
    assert_eq!(out.stdout.len(), 65);
    let out = dashlite(&["x11", "abc"]);
    assert_eq!(out.status.code(), Some(2), "odd hex is a usage error");
}

#[test]
fn both_real_files_verify_with_one_json_summary() {
    for ((name, height), net) in [(MAINNET, "mainnet"), (TESTNET, "testnet")] {
        let out = verify(&real_path(name), net, height);
        assert_eq!(out.status.code(), Some(0), "{net}: {}", String::from_utf8_lossy(&out.stderr));
        let v = json_line(&out);
        let headers: Vec<BlockHeader> = data(name)
            .chunks_exact(80)
            .map(|c| BlockHeader::from_array(c.try_into().unwrap()))
            .collect();
        assert_eq!(v["count"], 5000);
        assert_eq!(v["first_height"], height);
        assert_eq!(v["last_height"], height + 4999);
        // A header's hash is what the next header names as its parent.
        assert_eq!(v["first_hash"], headers[1].prev_blockhash.to_string());
        assert_eq!(v["last_hash"], headers[4999].block_hash().to_string());
        let work = headers.iter().fold(U256::ZERO, |w, h| w.wrapping_add(block_work(h.bits)));
        assert_eq!(v["total_work"], work.to_string());
        assert_eq!(v["difficulty_checked_from"], height + 24);
    }
}

/// Verifies the mainnet file with header `index` edited; returns (exit code, report).
fn tampered(test: &str, index: usize, edit: impl Fn(&mut BlockHeader)) -> (Option<i32>, Value) {
    let mut bytes = data(MAINNET.0);
    let at = index * 80;
    let mut header = BlockHeader::from_array(bytes[at..at + 80].try_into().unwrap());
    edit(&mut header);
    bytes[at..at + 80].copy_from_slice(&header.to_array());
    let out = verify(&temp_file(test, &bytes), "mainnet", MAINNET.1);
    (out.status.code(), json_line(&out))
}

#[test]
fn a_flipped_bit_fails_with_the_height_and_the_rule() {
    type Edit = fn(&mut BlockHeader);
    let cases: [(&str, usize, Edit, &str); 6] = [
        ("nonce-early", 5, |h| h.nonce ^= 1, "high-hash"),
        ("nonce", 1000, |h| h.nonce ^= 1 << 7, "high-hash"),
        ("nbits", 2000, |h| h.bits ^= 1, "high-hash"),
        ("nbits-range", 2500, |h| h.bits ^= 1 << 29, "bad-target"),
        ("time", 3000, |h| h.time ^= 1, "high-hash"),
        ("last", 4999, |h| h.nonce ^= 1 << 31, "high-hash"),
    ];
    for (test, index, edit, rule) in cases {
        let (code, v) = tampered(test, index, edit);
        assert_eq!(code, Some(1), "{test}: {v}");
        assert_eq!(v["height"], MAINNET.1 + index as u32, "{test}: {v}");
        assert_eq!(v["rule"], rule, "{test}: {v}");
    }
    // A header that names another parent breaks the chain there.
    let (code, v) = tampered("prev", 700, |h| {
        let mut b = h.prev_blockhash.to_byte_array();
        b[0] ^= 1;
        h.prev_blockhash = dashlite::hash::BlockHash::from_byte_array(b);
    });
    assert_eq!(
        (code, &v["height"], &v["rule"]),
        (Some(1), &(MAINNET.1 + 700).into(), &"non-continuous".into()),
        "{v}"
    );
}

#[test]
fn two_headers_swapped_break_the_links() {
    let mut bytes = data(MAINNET.0);
    let (a, b) = (40 * 80, 41 * 80);
    let first: Vec<u8> = bytes[a..b].to_vec();
    bytes.copy_within(b..b + 80, a);
    bytes[b..b + 80].copy_from_slice(&first);
    let out = verify(&temp_file("swap", &bytes), "mainnet", MAINNET.1);
    assert_eq!(out.status.code(), Some(1));
    let v = json_line(&out);
    assert_eq!((&v["height"], &v["rule"]), (&(MAINNET.1 + 40).into(), &"non-continuous".into()));
}

#[test]
fn bad_input_is_a_usage_error() {
    let bytes = data(MAINNET.0);
    let missing = std::env::temp_dir().join("dashlite-no-such-file.bin");
    assert_eq!(verify(&missing, "mainnet", 1).status.code(), Some(2));
    let cut = temp_file("cut", &bytes[..80 * 10 + 79]);
    let out = verify(&cut, "mainnet", MAINNET.1);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("multiple of 80"), "{out:?}");
    let empty = temp_file("empty", &[]);
    assert_eq!(verify(&empty, "mainnet", MAINNET.1).status.code(), Some(2));
    let whole = real_path(MAINNET.0);
    assert_eq!(verify(&whole, "moonnet", MAINNET.1).status.code(), Some(2));
    assert_eq!(verify(&whole, "mainnet", u32::MAX).status.code(), Some(2), "heights overflow");
}
