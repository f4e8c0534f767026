//! Tests over whole frames and documents: the recorded Dash Core regtest session, the
//! envelope vectors, and every annotated hexdump of the spec documents for the control,
//! address, spork, masternode, governance and LLMQ payloads. Also the shared test helpers.

use super::*;
use crate::encode::{Decode, DecodeErrorKind, Encode, Reader};
use crate::hash::{sha256d, Hash256, Txid};
pub(crate) use crate::test_support::vectors;
use crate::tx::OutPoint;

/// Every strict prefix of `raw` fails to decode (and never panics).
pub(crate) fn assert_every_prefix_fails<T: Decode + std::fmt::Debug>(raw: &[u8]) {
    for end in 0..raw.len() {
        if let Ok(v) = T::from_bytes(&raw[..end]) {
            panic!("prefix of {end}/{} bytes decoded: {v:?}", raw.len());
        }
    }
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).expect("hex")
}

/// Splits a v1 frame into command and payload, checking length and checksum (test-only:
/// the envelope itself belongs to the integrator).
fn frame_payload(frame_hex: &str) -> (String, Vec<u8>) {
    let frame = unhex(frame_hex);
    assert!(frame.len() >= 24, "frame shorter than its header");
    let command: String =
        frame[4..16].iter().take_while(|&&b| b != 0).map(|&b| char::from(b)).collect();
    let len = u32::from_le_bytes(frame[16..20].try_into().unwrap()) as usize;
    let payload = frame[24..].to_vec();
    assert_eq!(payload.len(), len, "{command}: length field");
    assert_eq!(&sha256d(&payload)[..4], &frame[20..24], "{command}: checksum");
    (command, payload)
}

/// Decodes, re-encodes byte for byte, and checks every prefix fails.
fn round_trip<T: Decode + Encode + std::fmt::Debug>(payload: &[u8]) -> T {
    let v = T::from_bytes(payload).unwrap_or_else(|e| panic!("{e}: {}", hex::encode(payload)));
    assert_eq!(v.to_bytes(), payload, "re-encoding {v:?}");
    assert_every_prefix_fails::<T>(payload);
    v
}

/// A `version` re-encodes exactly; prefixes either fail or (at a group boundary) re-encode
/// exactly to themselves.
fn round_trip_version(payload: &[u8]) -> Version {
    let v = Version::from_bytes(payload).unwrap();
    assert_eq!(v.to_bytes(), payload);
    for end in 0..payload.len() {
        if let Ok(short) = Version::from_bytes(&payload[..end]) {
            assert!(short.extent < v.extent);
            assert_eq!(short.to_bytes(), &payload[..end]);
        }
    }
    v
}

const EMPTY_PAYLOAD_COMMANDS: [&str; 8] = [
    "verack",
    "sendaddrv2",
    "getaddr",
    "filterclear",
    "sendheaders",
    "sendheaders2",
    "getsporks",
    "mempool",
];

#[test]
fn regtest_session_payloads_decode_and_re_encode_exactly() {
    let s = vectors("dashd-regtest-session.json");
    let gov = &s["governance_object"];
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    let mut pings = Vec::new();
    let mut pongs = Vec::new();
    for f in s["frames"].as_array().unwrap() {
        let (command, payload) = frame_payload(f["frame"].as_str().unwrap());
        assert_eq!(command, f["command"]);
        let outbound = f["dir"] == "out";
        *seen.entry(command.clone()).or_default() += 1;
        match command.as_str() {
            c if EMPTY_PAYLOAD_COMMANDS.contains(&c) => assert!(payload.is_empty(), "{c}"),
            "version" => {
                let v = round_trip_version(&payload);
                assert_eq!(v.version, 70240);
                assert_eq!(v.extent, VersionExtent::Masternode);
                assert!(!v.masternode);
                if outbound {
                    // "SPV version: services 0, relay 0, zero mnauth challenge".
                    assert_eq!(v.services, 0);
                    assert!(!v.relay);
                    assert!(v.mnauth_challenge.is_zero());
                } else {
                    // NETWORK | BLOOM | NETWORK_LIMITED | HEADERS_COMPRESSED | P2P_V2.
                    assert_eq!(v.services, 1 | 4 | 1024 | 2048 | 4096);
                    assert!(v.user_agent_lossy().starts_with("/Dash Core:23.1.2"));
                    assert!(v.relay);
                    assert!(v.start_height >= 0);
                    // Dash Core always sends a random challenge.
                    assert!(!v.mnauth_challenge.is_zero());
                }
            }
            "senddsq" => {
                // We send false (no CoinJoin), Dash Core sends true.
                let d: SendDsq = round_trip(&payload);
                assert_eq!(d.0, !outbound);
            }
            "sendcmpct" => {
                let c: SendCmpct = round_trip(&payload);
                assert_eq!(c, SendCmpct { announce: false, version: 1 });
            }
            "ping" => pings.push(round_trip::<Ping>(&payload).nonce),
            "pong" => pongs.push(round_trip::<Pong>(&payload).nonce),
            "filterload" => {
                let f: FilterLoad = round_trip(&payload);
                assert_eq!(f.flags, 1, "BLOOM_UPDATE_ALL");
                assert!(f.hash_funcs > 0 && f.hash_funcs <= MAX_HASH_FUNCS);
                assert!(f.data.iter().any(|&b| b != 0));
            }
            "spork" => {
                let sp: Spork = round_trip(&payload);
                // "SPORK_2 (10001) was set to 0 by the regtest spork key".
                assert_eq!(sp.spork_id, SporkId::InstantSendEnabled);
                assert_eq!(sp.value, 0);
                assert_eq!(sp.signature.len(), 65);
                // Compact signature header 27 + recid + 4 (compressed key): 31..=34.
                assert!((31..=34).contains(&sp.signature[0]));
                // The signer recovered from this signature must be s["spork_address"];
                // that needs secp256k1 recovery, which comes with signature verification.
            }
            "govsync" => {
                let g: GovSync = round_trip(&payload);
                if outbound {
                    assert_eq!(g, GovSync::default(), "all objects, empty filter");
                } else {
                    // Dash Core asks us for the votes of the proposal it created, with a
                    // bloom filter of the vote hashes it already has.
                    assert_eq!(g.prop_hash.to_string(), gov["hash"]);
                    assert!(!g.filter.data.is_empty());
                }
            }
            "ssc" => {
                let c: SyncStatusCount = round_trip(&payload);
                assert_eq!((c.item, c.count), (SyncItem::GovObj, 1));
            }
            "govobj" => {
                let o: GovObject = round_trip(&payload);
                assert_eq!(o.hash().to_string(), gov["hash"]);
                assert_eq!(o.collateral_hash.to_string(), gov["collateral_txid"]);
                assert_eq!(o.object_type, GovObjectType::Proposal);
                assert!(o.signature.is_empty() && o.masternode_outpoint.is_null());
                let data: serde_json::Value = serde_json::from_slice(&o.data).unwrap();
                assert_eq!(data, gov["data_json"]);
            }
            _ => *seen.get_mut(&command).unwrap() -= 1,
        }
    }
    assert_eq!(pings.len(), 2);
    assert_eq!(pings.len(), pongs.len());
    assert!(pings.iter().all(|p| pongs.contains(p)), "every ping answered with its nonce");
    for c in ["version", "senddsq", "sendcmpct", "filterload", "spork", "govsync", "ssc", "govobj"]
    {
        assert!(seen.get(c).copied().unwrap_or(0) > 0, "session has no {c}");
    }
}

#[test]
fn envelope_vector_payloads_decode_and_re_encode_exactly() {
    let v = vectors("envelope.json");
    let mut checked = 0;
    for f in v["frames"].as_array().unwrap() {
        let (command, payload) = frame_payload(f["frame_hex"].as_str().unwrap());
        assert_eq!(command, f["command"]);
        assert_eq!(hex::encode(&payload), f["payload_hex"]);
        match command.as_str() {
            c if EMPTY_PAYLOAD_COMMANDS.contains(&c) => assert!(payload.is_empty()),
            "ping" => assert_eq!(round_trip::<Ping>(&payload).nonce, 0x0123_4567_89ab_cdef),
            "senddsq" => assert_eq!(round_trip::<SendDsq>(&payload).0, payload == [1]),
            "filterload" => {
                let f: FilterLoad = round_trip(&payload);
                // bloom_tests.cpp bloom_create_insert_serialize.
                assert_eq!(
                    (f.data, f.hash_funcs, f.tweak, f.flags),
                    (vec![0x61, 0x4e, 0x9b], 5, 0, 1)
                );
            }
            "filteradd" => assert_eq!(round_trip::<FilterAdd>(&payload).element.len(), 20),
            "ssc" => {
                let c: SyncStatusCount = round_trip(&payload);
                assert_eq!((c.item, c.count), (SyncItem::GovObj, 123));
            }
            "govsync" => assert_eq!(round_trip::<GovSync>(&payload), GovSync::default()),
            _ => continue,
        }
        checked += 1;
    }
    assert_eq!(checked, 12);
}

// ---- Annotated hexdumps of control-messages.txt -------------------------------------------

#[test]
fn doc_version_hexdump_decodes_to_what_its_bytes_say() {
    let head = "46120100 0500000000000000 9c10ad5c00000000
        0100000000000000 00000000000000000000ffffc61b6409 270f
        0500000000000000 00000000000000000000ffffcb0071c0 270f
        128035cbc97953f8";
    let agent = "2f4461736820436f72653a302e31322e312e352f";
    let tail = "851f0b00 01 5dbb5d1baade6a9afa34db708f72c0dd b5bd82b3656493484556689640a91357";
    // The annotation is inconsistent with itself: its length byte is 0x12 (18, as the
    // annotation says) but 20 user-agent bytes follow ("/Dash Core:0.12.1.5/", not the
    // annotated "/Dash Core:0.14.0/"), and the "start height" bytes 851f0b00 are 728965,
    // not the annotated 76944. Read literally, the length 18 wins: the user agent is cut
    // after "0.12.1.", the start height is made of "5/" + 851f, the relay flag is 0x0b, the
    // challenge is shifted by two bytes, its last byte becomes the masternode flag and one
    // byte is left over.
    let literal = unhex(&format!("{head} 12 {agent} {tail}"));
    let v = Version::from_bytes(&literal).unwrap();
    assert_eq!(v.version, 70214);
    assert_eq!(v.services, 5, "NODE_NETWORK | NODE_BLOOM");
    assert_eq!(v.timestamp, 1_554_845_852);
    assert_eq!(v.addr_recv.services, 1);
    assert_eq!(v.addr_recv.socket_addr(), Some("198.27.100.9:9999".parse().unwrap()));
    assert_eq!(v.addr_from.services, 5);
    assert_eq!(v.addr_from.socket_addr(), Some("203.0.113.192:9999".parse().unwrap()));
    assert_eq!(v.nonce, 0xf853_79c9_cb35_8012);
    assert_eq!(v.user_agent, b"/Dash Core:0.12.1.");
    assert_eq!(v.start_height, i32::from_le_bytes(*b"5/\x85\x1f"));
    assert!(v.relay, "0x0b is true");
    let real_challenge = unhex(&tail[tail.len() - 65..]);
    assert_eq!(v.mnauth_challenge.as_bytes()[..2], [0x00, 0x01]);
    assert_eq!(v.mnauth_challenge.as_bytes()[2..], real_challenge[..30]);
    assert!(v.masternode, "0x13 is true");
    assert_eq!(v.trailing, vec![0x57]);
    // Re-encoding is exact except that the two non-canonical bool bytes (relay 0x0b,
    // masternode 0x13) are written back as 0x01.
    let mut again = v.to_bytes();
    assert_eq!(again.len(), literal.len());
    for (at, byte) in [(literal.len() - 35, 0x0b), (literal.len() - 2, 0x13)] {
        assert_eq!((literal[at], again[at]), (byte, 0x01));
        again[at] = byte;
    }
    assert_eq!(again, literal);

    // With the length byte the 20 bytes need (0x14), everything lines up: the message stops
    // after the challenge (no masternode flag), as a v0.14-era node sent it.
    let fixed = unhex(&format!("{head} 14 {agent} {tail}"));
    let v = round_trip_version(&fixed);
    assert_eq!(v.user_agent_lossy(), "/Dash Core:0.12.1.5/");
    assert_eq!(v.start_height, 728_965);
    assert!(v.relay);
    assert_eq!(
        hex::encode(v.mnauth_challenge.as_bytes()),
        "5dbb5d1baade6a9afa34db708f72c0ddb5bd82b3656493484556689640a91357"
    );
    assert_eq!(v.extent, VersionExtent::MnAuthChallenge);
    assert!(!v.masternode);
}

#[test]
fn doc_addr_hexdump_entry_decodes() {
    // The dump claims 1000 entries and shows one ("999 more addresses omitted"): as a whole
    // payload it is truncated and refused before anything is allocated.
    let entry = unhex("d91f4854 0100000000000000 00000000000000000000ffffc0000233 208d");
    let whole = [unhex("fde803"), entry.clone()].concat();
    assert!(matches!(
        Addr::from_bytes(&whole).unwrap_err().kind,
        DecodeErrorKind::UnexpectedEnd { .. }
    ));
    let e: AddrEntry = round_trip(&entry);
    assert_eq!(e.time, 1_414_012_889);
    assert_eq!(e.address.services, 1);
    assert_eq!(e.address.socket_addr(), Some("192.0.2.51:8333".parse().unwrap()));
    // The same entry as a one-entry addr message.
    let one: Addr = round_trip(&[vec![1], entry].concat());
    assert_eq!(one.entries, vec![e]);
}

#[test]
fn doc_addrv2_hexdump_decodes() {
    let a: AddrV2 = round_trip(&unhex("01 1a2a8961 fd0504 01 04 2d20ed4c 4a37"));
    let e = &a.entries[0];
    assert_eq!(e.time, 1_636_379_162);
    assert_eq!(e.services, 0b100_0000_0101, "network, bloom, network_limited");
    assert_eq!(e.addr, Bip155Addr::Ipv4([45, 32, 237, 76]));
    assert_eq!(e.socket_addr(), Some("45.32.237.76:18999".parse().unwrap()));
}

#[test]
fn doc_filter_ping_sendcmpct_senddsq_hexdumps_decode() {
    let f: FilterAdd =
        round_trip(&unhex("20 fdacf9b3eb077412e7a968d2e4f11b9a 9dee312d666187ed77ee7d26af16cb0b"));
    assert_eq!(f.element.len(), 32);
    let l: FilterLoad = round_trip(&unhex("02 b50f 0b000000 00000000 00"));
    assert_eq!((l.data, l.hash_funcs, l.tweak, l.flags), (vec![0xb5, 0x0f], 11, 0, 0));
    assert_eq!(round_trip::<Ping>(&unhex("0094102111e2af4d")).nonce, 0x4daf_e211_2110_9400);
    let c: SendCmpct = round_trip(&unhex("01 0100000000000000"));
    assert_eq!(c, SendCmpct { announce: true, version: 1 });
    assert!(round_trip::<SendDsq>(&[1]).0);
}

#[test]
fn doc_spork_hexdump_decodes() {
    let raw = unhex(
        "11270000 0000000000000000 2478da5900000000 41
        1b6762d3e70890b5cfaed5d1fd72121c d32020c827a89f8128a00acd210f4ea4
        1b36c26c3767f8a24f48663e189865ed 403ed1e850cdb4207cdd466419d9d183 45",
    );
    let s: Spork = round_trip(&raw);
    assert_eq!(s.spork_id, SporkId::InstantSendEnabled);
    assert_eq!(s.value, 0);
    assert_eq!(s.time_signed, 1_507_489_828, "2017-10-08 19:10:28 UTC");
    assert_eq!(s.signature.len(), 65);
    assert_eq!(s.signature_message(), "1000101507489828");
}

// ---- masternode-messages.md ---------------------------------------------------------------

#[test]
fn doc_ssc_and_mnauth_hexdumps_decode() {
    let c: SyncStatusCount = round_trip(&unhex("02000000 bf110000"));
    // Item 2 (MASTERNODE_SYNC_LIST) is retired: kept as an unnamed id.
    assert_eq!((c.item, c.count), (SyncItem::Other(2), 4543));
    let m: MnAuth = round_trip(&unhex(
        "63cd3bf06404d78f80163afeb4b13e18 7dc1c1d04997ef04f1a2ecb3166dd004
        12f2706bc75e9cb14a9ebf1d93d177d5 f266ad2eddc49ad463810cb976a3e4bb
        abffc96819c5030fd5a7601af9c8ee50 0feb066b38a48af1a31b7242bd814bab
        91e2a887f963904f33af851ddc9167d5 66d6d3bd6c07e99091edd8867d0dd56e",
    ));
    assert_eq!(hex::encode(&m.pro_reg_tx_hash.as_bytes()[..4]), "63cd3bf0");
    assert_eq!(m.signature[95], 0x6e);
}

// ---- governance-messages.md ---------------------------------------------------------------

const DOC_BLS_SIG: &str = "06516fa3b38d29fca6194e5d2c929666 d59d2d105bbbc30a1e5d144e708a610a
    2e0ab3c759988b13ff098ab3dbd4e01d 129827ef1e1996c211d6d5ecd5199f60
    cf028b1cdb2f7240e33981b16d1270e9 d289fca20905fd453620238a505582fa";

/// Checks a govobj dump whose data the document truncated: the head fields, the length
/// prefix as the bytes give it, and, rebuilt with `data_len` bytes of data, the tail fields.
fn check_doc_govobj(head: &str, data_prefix: &str, data_len: usize, tail: &str) -> GovObject {
    let head = unhex(head);
    let mut r = Reader::new(&head);
    let _: (Hash256, i32, i64, Txid) =
        (r.read("p").unwrap(), r.read("r").unwrap(), r.read("t").unwrap(), r.read("c").unwrap());
    assert!(r.is_empty());
    let literal = [head.clone(), unhex(data_prefix)].concat();
    assert!(GovObject::from_bytes(&literal).is_err(), "the dump's data is truncated");
    let mut raw = head;
    crate::encode::write_bytes(&mut raw, &vec![b'5'; data_len]);
    raw.extend(unhex(tail));
    round_trip(&raw)
}

#[test]
fn doc_govobj_proposal_hexdump_decodes() {
    // The annotation gives "3e02" as the data length 574, but a CompactSize of 574 is
    // fd3e02; the bytes 3e 02 read as length 62 followed by data starting with 0x02. The
    // data itself is truncated in the document, so the object is rebuilt with 574 bytes.
    let prefix = "3e02";
    assert_eq!(Reader::new(&unhex(prefix)).read_compact_size().unwrap(), 62);
    let o = check_doc_govobj(
        "0000000000000000000000000000000000000000000000000000000000000000
         01000000 c8dfd65900000000
         633611d2f3e7481325242f200c7f3485 e3a9b4b6301e7f7d18d87d8231f3880b",
        prefix,
        574,
        "01000000 0000000000000000000000000000000000000000000000000000000000000000 ffffffff 00",
    );
    assert_eq!(o.parent_hash, Hash256::ZERO);
    assert_eq!(o.revision, 1);
    // Bytes say 1507254216 = 2017-10-06 01:43:36 UTC; the annotation's ":31" is off by 5 s.
    assert_eq!(o.time, 1_507_254_216);
    assert_eq!(hex::encode(&o.collateral_hash.as_bytes()[..2]), "6336");
    assert_eq!(o.object_type, GovObjectType::Proposal);
    // Annotated "index number: 0", but the bytes are ffffffff: the null outpoint.
    assert_eq!(o.masternode_outpoint, OutPoint::NULL);
    assert!(o.signature.is_empty());
}

#[test]
fn doc_govobj_trigger_hexdump_decodes() {
    // The annotation shows "ae11" as the length 4526 and then repeats it inside the data
    // line as "fdae11": fd ae 11 is the real CompactSize of 4526.
    let prefix = "fdae11356235623";
    assert_eq!(Reader::new(&unhex("fdae11")).read_compact_size().unwrap(), 4526);
    let o = check_doc_govobj(
        "0000000000000000000000000000000000000000000000000000000000000000
         01000000 911ea85900000000
         0000000000000000000000000000000000000000000000000000000000000000",
        &prefix[..14],
        4526,
        &format!(
            "02000000 ffefbe4959085907bcd2ba29e357a441 fa7b6e26e25896d8127332bba2419e97
             00000000 60 {DOC_BLS_SIG}"
        ),
    );
    assert_eq!(o.time, 1_504_190_097, "2017-08-31 14:34:57 UTC");
    assert_eq!(o.collateral_hash, Txid::ZERO);
    assert_eq!(o.object_type, GovObjectType::Trigger);
    assert_eq!(o.masternode_outpoint.vout, 0);
    assert_eq!(hex::encode(&o.masternode_outpoint.txid.as_bytes()[..4]), "ffefbe49");
    assert_eq!(o.signature.len(), 96);
}

#[test]
fn doc_govobjvote_hexdump_decodes() {
    let raw = unhex(&format!(
        "9425afd65ccce1d655d4dd461b8523b8 2577a8009c25604c65f3e78ea71d65df 01000000
         bc1bb26088161ff07dc09d873faa5573 9a2fd53121d315b2942f3b9db36cb475
         01000000 03000000 ec3d235c00000000 60 {DOC_BLS_SIG}"
    ));
    let v: GovObjectVote = round_trip(&raw);
    assert_eq!(v.masternode_outpoint.vout, 1);
    // Annotated "VOTE_OUTCOME_NONE (1)": 1 is VOTE_OUTCOME_YES (NONE is 0).
    assert_eq!(v.outcome, VoteOutcome::Yes);
    assert_eq!(v.signal, VoteSignal::Delete);
    assert_eq!(v.time, 1_545_813_484, "2018-12-26 08:38:04 UTC");
    assert_eq!(v.signature.len(), 96);
}

#[test]
fn doc_govsync_hexdump_decodes() {
    let g: GovSync = round_trip(&unhex(
        "2e46ea5418e097a3dbcccbee3cf2a911 6fb94ba635153f276dcb2123efcb73ff 00000000000000000000",
    ));
    assert_eq!(hex::encode(&g.prop_hash.as_bytes()[..4]), "2e46ea54");
    assert_eq!(g.filter, FilterLoad::default(), "empty filter: size 0, 0 funcs, tweak 0, flags 0");
}

/// Decoding arbitrary bytes never panics, and whatever decodes re-encodes to the same bytes
/// (these payloads have no bool fields, whose non-canonical bytes would be normalised).
fn decode_is_exact_or_an_error<T: Decode + Encode>(bytes: &[u8]) {
    if let Ok(v) = T::from_bytes(bytes) {
        assert_eq!(v.to_bytes(), bytes);
    }
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_decode_exactly_or_fail(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
        decode_is_exact_or_an_error::<Addr>(&bytes);
        decode_is_exact_or_an_error::<AddrV2>(&bytes);
        decode_is_exact_or_an_error::<Bip155Addr>(&bytes);
        decode_is_exact_or_an_error::<Spork>(&bytes);
        decode_is_exact_or_an_error::<GovObject>(&bytes);
        decode_is_exact_or_an_error::<GovObjectVote>(&bytes);
        decode_is_exact_or_an_error::<GovSync>(&bytes);
        decode_is_exact_or_an_error::<FilterLoad>(&bytes);
        decode_is_exact_or_an_error::<FilterAdd>(&bytes);
        decode_is_exact_or_an_error::<IsDLock>(&bytes);
        decode_is_exact_or_an_error::<ClSig>(&bytes);
        decode_is_exact_or_an_error::<MnAuth>(&bytes);
        decode_is_exact_or_an_error::<SyncStatusCount>(&bytes);
        decode_is_exact_or_an_error::<Ping>(&bytes);
        let _ = Version::from_bytes(&bytes);
    }

    #[test]
    fn addrv2_entries_round_trip(
        time in proptest::prelude::any::<u32>(),
        services in proptest::prelude::any::<u64>(),
        id in proptest::prelude::any::<u8>(),
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
        port in proptest::prelude::any::<u16>(),
    ) {
        let mut raw = time.to_le_bytes().to_vec();
        crate::encode::write_compact_size(&mut raw, services);
        raw.push(id);
        crate::encode::write_bytes(&mut raw, &body);
        raw.extend_from_slice(&port.to_be_bytes());
        let fixed_len = match id { 1 => Some(4), 2 | 6 => Some(16), 4 | 5 => Some(32), _ => None };
        match (AddrV2Entry::from_bytes(&raw), fixed_len) {
            (Ok(e), Some(n)) => { proptest::prop_assert_eq!(body.len(), n); proptest::prop_assert_eq!(e.to_bytes(), raw); }
            (Ok(e), None) => proptest::prop_assert_eq!(e.to_bytes(), raw),
            (Err(_), Some(n)) => proptest::prop_assert_ne!(body.len(), n),
            (Err(e), None) => proptest::prop_assert!(false, "unknown id refused: {}", e),
        }
    }
}
