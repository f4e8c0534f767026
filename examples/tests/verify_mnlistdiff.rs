//! `dashlite verify-mnlistdiff` on the shared mainnet and testnet diffs, run as a user runs it.

use std::process::{Command, Output};

use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/masternode");

fn dashlite(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dashlite")).args(args).output().expect("dashlite runs")
}

fn vector_file(name: &str) -> String {
    let path = format!("{DIR}/{name}");
    assert!(std::path::Path::new(&path).exists(), "shared test vectors missing: {path}");
    path
}

fn payloads() -> Vec<Value> {
    let path = vector_file("vectors.json");
    let v: Value = serde_json::from_slice(&std::fs::read(&path).expect("vectors.json"))
        .expect("vectors.json is JSON");
    v["payloads"].as_array().expect("payloads").clone()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

#[test]
fn every_shared_diff_prints_its_recorded_counts_and_roots() {
    for p in payloads() {
        let file = p["file"].as_str().unwrap();
        let mut args = vec!["verify-mnlistdiff".to_owned(), vector_file(file)];
        args.extend(["--network".to_owned(), p["network"].as_str().unwrap().to_owned()]);
        if let Some(base) = p["applies_on_top_of"].as_str() {
            args.extend(["--base".to_owned(), vector_file(base)]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = dashlite(&args);
        assert!(out.status.success(), "{file}: {}", String::from_utf8_lossy(&out.stderr));
        let got = json_of(&out);
        assert_eq!(got["valid"], true);
        for key in ["height", "total_transactions", "block_merkle_root_from_pmt", "computed"] {
            assert_eq!(got[key], p[key], "{file}: {key}");
        }
        for key in ["list_at_target", "active_quorums_at_target"] {
            assert_eq!(got[key], p[key], "{file}: {key}");
        }
        for key in
            ["version", "height", "merkleRootMNList", "merkleRootQuorums", "creditPoolBalance"]
        {
            assert_eq!(got["cbtx"][key], p["cbtx"][key], "{file}: cbtx {key}");
        }
        for key in ["deletedMNs", "mnList", "deletedQuorums", "newQuorums"] {
            assert_eq!(got["diff"][key], p["diff"][key], "{file}: diff {key}");
        }
        assert_eq!(got["quorumSig"]["checked"], p["quorumSig"]["checked"]);
        assert_eq!(got["quorumSig"]["failed"], Value::Array(vec![]));
    }
}

#[test]
fn a_stored_reserialization_exits_1_naming_the_list_root() {
    let out = dashlite(&[
        "verify-mnlistdiff",
        &vector_file("as-stored/mnlistdiff-testnet-0-1296600.bin"),
        "--network",
        "testnet",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out)["reason"], "merkle_root_mn_list_mismatch");
    assert!(String::from_utf8_lossy(&out.stderr).contains("merkleRootMNList"));
}

#[test]
fn a_diff_without_its_base_exits_1_with_base_mismatch() {
    let out =
        dashlite(&["verify-mnlistdiff", &vector_file("mnlistdiff-mainnet-2227096-2241332.bin")]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out)["reason"], "base_mismatch");
}

#[test]
fn unreadable_or_malformed_input_exits_2() {
    let out = dashlite(&["verify-mnlistdiff", "/nonexistent/diff.bin"]);
    assert_eq!(out.status.code(), Some(2));
    let dir = std::env::temp_dir().join(format!("dashlite-mnld-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let truncated = dir.join("truncated.bin");
    let raw = std::fs::read(vector_file("mnlistdiff-testnet-0-1296600.bin")).unwrap();
    std::fs::write(&truncated, &raw[..raw.len() - 10]).unwrap();
    let out = dashlite(&["verify-mnlistdiff", truncated.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a protocol-70240 mnlistdiff"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
