//! `dashlite replay` over the real session recorded with Dash Core finds exactly the wallet's
//! payments, each proven in its block.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dashlite"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("run dashlite");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn replay_of_the_dashd_session_proves_every_payment() {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/dashd-regtest-session.json");
    assert!(std::path::Path::new(path).exists(), "shared test vectors missing: {path}");
    let (code, out, err) = run(&["replay", path]);
    assert_eq!(code, 0, "{err}");
    let session: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for p in session["payments"].as_array().unwrap() {
        let txid = p["txid"].as_str().unwrap();
        let line = out
            .lines()
            .find(|l| l.contains(txid))
            .unwrap_or_else(|| panic!("{txid} missing:\n{out}"));
        assert!(line.contains("block 221"), "{line}");
    }
    let live = session["live_payment_txid"].as_str().unwrap();
    assert!(out.lines().any(|l| l.contains(live) && l.contains("block 233")), "{out}");
    assert!(
        out.contains(
            "tip 0ea9e5a5e147b1a508a06b5245d53c768b89f0d7ead33fada287f31d12c3d7a8 at height 233"
        ),
        "{out}"
    );
    assert!(out.contains("Wallet: 4 payments, balance 9.87500000 DASH"), "{out}");
}

#[test]
fn a_missing_session_file_is_a_clear_error() {
    let (code, _, err) = run(&["replay", "/nonexistent/session.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("session: /nonexistent/session.json"), "{err}");
}
