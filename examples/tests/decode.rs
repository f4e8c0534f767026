//! `dashlite decode` end to end: every message type decodes; bad input exits 2 with a reason.

use dashlite::wire::envelope::encode_frame;
use dashlite::wire::{Command, KNOWN_COMMANDS};
use dashlite::Network;
use serde_json::Value;
use std::process::Command as Process;

fn vectors(name: &str) -> Value {
    let path = format!("{}/../../shared/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("shared test vectors missing: {path}: {e}"));
    serde_json::from_str(&text).expect("vector file is JSON")
}

fn decode(args: &[&str]) -> (i32, String, String) {
    let out = Process::new(env!("CARGO_BIN_EXE_dashlite"))
        .arg("decode")
        .args(args)
        .output()
        .expect("run dashlite");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn decode_ok(args: &[&str]) -> Value {
    let (code, stdout, stderr) = decode(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    serde_json::from_str(&stdout).expect("JSON on stdout")
}

/// A valid payload for every command dashlite interprets: real ones from the vectors where
/// they exist, otherwise built from the wire layout.
fn sample_payloads() -> Vec<(&'static str, String)> {
    let session = vectors("dashd-regtest-session.json");
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for name in KNOWN_COMMANDS {
        let from_session = session["frames"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["command"] == *name)
            .map(|f| f["frame"].as_str().unwrap()[48..].to_owned());
        if let Some(p) = from_session {
            out.push((name, p));
        }
    }
    let envelope = vectors("envelope.json");
    for f in envelope["frames"].as_array().unwrap() {
        let name = KNOWN_COMMANDS.iter().find(|c| f["command"] == **c).unwrap();
        out.push((name, f["payload_hex"].as_str().unwrap().to_owned()));
    }
    let addrv2 = vectors("addrv2.json");
    out.push(("addr", addrv2["caddress_vector_v1"]["vector_hex"].as_str().unwrap().to_owned()));
    out.push(("addrv2", addrv2["caddress_vector_v2"]["vector_hex"].as_str().unwrap().to_owned()));
    let genesis = vectors("genesis.json");
    out.push((
        "block",
        genesis["networks"]["mainnet"]["full_block_hex"].as_str().unwrap().to_owned(),
    ));
    let gov = vectors("governance.json");
    out.push((
        "govobjvote",
        gov["govobjvote_vectors"][0]["wire_payload_hex_with_empty_sig"]
            .as_str()
            .unwrap()
            .to_owned(),
    ));
    let hash = "11".repeat(32);
    let sig = "22".repeat(96);
    out.push(("getblocks", format!("60120100{}{hash}{}", "01", "00".repeat(32))));
    out.push(("notfound", format!("0101000000{hash}")));
    out.push(("mnauth", format!("{hash}{sig}")));
    out.push(("clsig", format!("e8030000{hash}{sig}")));
    out.push(("isdlock", format!("0101{hash}00000000{hash}{hash}{sig}")));
    out
}

#[test]
fn every_message_type_decodes_framed_and_bare() {
    let samples = sample_payloads();
    for name in KNOWN_COMMANDS {
        let (_, payload) = samples
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no sample payload for {name}"));
        let bytes = hex::decode(payload).unwrap();
        let frame =
            encode_frame(Network::Testnet.params().magic, Command::new(name).unwrap(), &bytes);
        let framed = decode_ok(&[&hex::encode(&frame)]);
        assert_eq!(framed["command"], *name);
        assert_eq!(framed["network"], "testnet");
        let bare = decode_ok(&["--command", name, payload]);
        assert_eq!(bare["payload"], framed["payload"], "{name}");
    }
}

#[test]
fn headers2_from_dash_core_shows_every_block_hash() {
    let session = vectors("dashd-regtest-session.json");
    let frame =
        session["frames"].as_array().unwrap().iter().find(|f| f["command"] == "headers2").unwrap()
            ["frame"]
            .as_str()
            .unwrap()
            .to_owned();
    let out = decode_ok(&[&frame]);
    let headers = out["payload"]["headers"].as_array().unwrap();
    assert_eq!(headers.len(), 232);
    let want = session["block_hashes_display"].as_array().unwrap();
    for (i, h) in headers.iter().enumerate() {
        assert_eq!(h["block_hash"], want[i + 1], "header {i}");
    }
}

#[test]
fn merkleblock_and_headers_show_block_hashes() {
    let session = vectors("dashd-regtest-session.json");
    for command in ["merkleblock", "headers"] {
        let frame =
            session["frames"].as_array().unwrap().iter().find(|f| f["command"] == command).unwrap()
                ["frame"]
                .as_str()
                .unwrap()
                .to_owned();
        let text = serde_json::to_string(&decode_ok(&[&frame])).unwrap();
        assert!(text.contains("\"block_hash\""), "{command}: {text}");
    }
}

#[test]
fn inventory_entries_show_their_type_and_display_hash_whatever_the_type() {
    // A tx entry, a filtered-block entry and a type Dash Core does not define (99).
    let wire: String = ["01000000", "03000000", "63000000"]
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{t}{}{:02x}", "00".repeat(31), i + 1))
        .collect();
    let out = decode_ok(&["--command", "getdata", &format!("03{wire}")]);
    let entries = out["payload"]["inventory"].as_array().unwrap();
    let shown: Vec<(Value, Value)> =
        entries.iter().map(|e| (e["inv_type"].clone(), e["hash"].clone())).collect();
    let hash = |b: u8| Value::from(format!("{:02x}{}", b, "00".repeat(31)));
    assert_eq!(
        shown,
        [
            (Value::from("Tx"), hash(1)),
            (Value::from("FilteredBlock"), hash(2)),
            (serde_json::json!({ "Unknown": 99 }), hash(3)),
        ]
    );
}

#[test]
fn stdin_is_read_when_no_hex_is_given() {
    use std::io::Write;
    let mut child = Process::new(env!("CARGO_BIN_EXE_dashlite"))
        .args(["decode", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"bf0c6bbd76657261636b000000000000000000005df6e0e2\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["command"], "verack");
    assert_eq!(v["network"], "mainnet");
}

fn assert_rejected(args: &[&str], reason: &str) {
    let (code, stdout, stderr) = decode(args);
    assert_eq!(code, 2, "{args:?} should exit 2, stderr: {stderr}");
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(reason), "{args:?}: {stderr:?} should mention {reason:?}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn bad_input_exits_2_with_a_one_line_reason_naming_the_field() {
    let verack = "bf0c6bbd76657261636b000000000000000000005df6e0e2";
    let ping = encode_frame(
        Network::Mainnet.params().magic,
        Command::new("ping").unwrap(),
        &[1, 2, 3, 4, 5, 6, 7, 8],
    );
    let ping = hex::encode(ping);
    assert_rejected(&["abc"], "hex: odd number of digits");
    assert_rejected(&["zz"], "hex:");
    assert_rejected(&["bf0c"], "magic: truncated");
    assert_rejected(&["bf0c6bbd7665"], "header: truncated");
    assert_rejected(&[&ping[..ping.len() - 2]], "payload: truncated");
    assert_rejected(&[&format!("{verack}00")], "trailing bytes");
    assert_rejected(&["0102030476657261636b000000000000000000005df6e0e2"], "magic: 01020304");
    let mut bad_sum = verack.to_owned();
    bad_sum.replace_range(40..42, "00");
    assert_rejected(&[&bad_sum], "checksum");
    // Length 0x00300001 > 3 MiB.
    assert_rejected(
        &["bf0c6bbd626c6f636b0000000000000001003000aabbccdd"],
        "length: 3145729 exceeds",
    );
    assert_rejected(&["--network", "testnet", verack], "mainnet's, not testnet's");
    assert_rejected(&["--command", "ping", "0102"], "ping: nonce: truncated");
    assert_rejected(&["--command", "verack", "00"], "verack: 1 trailing bytes");
    assert_rejected(
        &["--command", "inv", "fe00000100"],
        "inv: inventory: 65536 exceeds the limit of 50000",
    );
    assert_rejected(&["--command", "way_too_long_command", ""], "command:");
}

#[test]
fn unknown_commands_are_shown_raw() {
    let out = decode_ok(&["--command", "qsigshare", "0102"]);
    assert_eq!(out["payload"]["payload"], "0102");
}

/// One readable form for every address type, the one Dash Core's `ToStringAddr` prints: an
/// `addrv2` entry of each network Dash Core accepts, built from the BIP155 vectors, shows the
/// address the vector names.
#[test]
fn addrv2_addresses_of_every_network_print_as_dash_core_writes_them() {
    let addrv2 = vectors("addrv2.json");
    let mut entries = Vec::new();
    for v in addrv2["cnetaddr_unserialize_v2"].as_array().unwrap() {
        let result = v["result"].as_str().unwrap();
        let Some(rest) = result.strip_prefix("valid ") else { continue };
        let shown = rest.rsplit(' ').next().unwrap().to_owned();
        entries.push((v["hex"].as_str().unwrap().to_owned(), shown));
    }
    assert!(entries.len() >= 5, "IPv4, IPv6, Tor v3, I2P and CJDNS vectors: {entries:?}");
    // count, then per entry: time, services (CompactSize), the address, port 9999 big-endian.
    let mut payload = format!("{:02x}", entries.len());
    for (addr, _) in &entries {
        payload.push_str(&format!("61bc6649{:02x}{addr}270f", 1u8));
    }
    let out = decode_ok(&["--command", "addrv2", &payload]);
    let got: Vec<&str> = out["payload"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["addr"].as_str().expect("the address is a string"))
        .collect();
    let want: Vec<&str> = entries.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(got, want);
    assert!(
        want.iter().any(|s| s.ends_with(".onion")) && want.iter().any(|s| s.ends_with(".b32.i2p"))
    );
}
