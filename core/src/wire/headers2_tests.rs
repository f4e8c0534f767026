use super::*;
use crate::hash::sha256d;
use crate::test_support::{hex_bytes, real_headers, vectors};
use std::collections::HashMap;

fn header_from_hex(v: &serde_json::Value) -> BlockHeader {
    BlockHeader::from_bytes(&hex_bytes(v)).unwrap()
}

/// A stand-in for X11 built from real data: a lookup from the 80 header bytes to the block
/// hash. Panics on a header it does not know, and counts its calls.
struct DataHasher {
    known: HashMap<[u8; 80], BlockHash>,
    calls: usize,
}

impl DataHasher {
    fn new() -> Self {
        DataHasher { known: HashMap::new(), calls: 0 }
    }

    /// Learns every header's hash from its successor's prev hash (all but the last).
    fn from_chain(headers: &[BlockHeader]) -> Self {
        let mut h = DataHasher::new();
        for pair in headers.windows(2) {
            h.known.insert(pair[0].to_array(), pair[1].prev_blockhash);
        }
        h
    }

    fn hash(&mut self, header: &BlockHeader) -> BlockHash {
        self.calls += 1;
        *self
            .known
            .get(&header.to_array())
            .unwrap_or_else(|| panic!("hash of an unexpected header: {header:?}"))
    }
}

const PATHS: [(CompressionPath, &str); 2] = [
    (CompressionPath::Announcement, "announce_path"),
    (CompressionPath::GetHeaders2Reply, "getheaders2_reply_path"),
];

#[test]
fn compressed_header_vectors_encode_byte_exact_on_both_paths_and_decode_back() {
    let v = vectors("compressed_headers.json");
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut hasher = DataHasher::new();
        let mut input = Vec::new();
        for h in case["input_headers"].as_array().unwrap() {
            let header = header_from_hex(&h["header_hex"]);
            let hash: BlockHash = h["hash_display"].as_str().unwrap().parse().unwrap();
            hasher.known.insert(header.to_array(), hash);
            input.push((header, hash));
        }
        let headers: Vec<BlockHeader> = input.iter().map(|(h, _)| *h).collect();
        let mut encodings = Vec::new();
        for (path, key) in PATHS {
            let want = &case[key];
            let payload = hex_bytes(&want["headers2_payload_hex"]);
            assert_eq!(payload.len() as u64, want["payload_size"].as_u64().unwrap());

            let compressed = Headers2::compress(&headers, path);
            assert_eq!(hex::encode(compressed.to_bytes()), hex::encode(&payload), "{name} {key}");
            let entries = want["entries"].as_array().unwrap();
            assert_eq!(entries.len(), compressed.headers.len());
            for (i, (entry, e)) in compressed.headers.iter().zip(entries).enumerate() {
                let bitfield = u8::from_str_radix(&e["bitfield"].as_str().unwrap()[2..], 16);
                assert_eq!(entry.bitfield(), bitfield.unwrap(), "{name} {key} entry {i}");
                assert_eq!(entry.to_bytes(), hex_bytes(&e["hex"]), "{name} {key} entry {i}");
                assert_eq!(entry.encoded_len() as u64, e["size"].as_u64().unwrap());
                let offset = e["version_offset"].as_u64().unwrap();
                assert_eq!(u64::from(entry.bitfield() & 7), offset);
            }

            let decoded = Headers2::from_bytes(&payload).unwrap();
            assert_eq!(decoded, compressed, "{name} {key}");
            assert_eq!(decoded.to_bytes(), payload);
            hasher.calls = 0;
            let out = decoded.decompress(|h| hasher.hash(h)).unwrap();
            assert_eq!(hasher.calls, input.len(), "{name}: every header hashed once");
            let got: Vec<(BlockHeader, BlockHash)> =
                out.iter().map(|hh| (hh.header, hh.hash)).collect();
            assert_eq!(got, input, "{name} {key}");
            encodings.push(payload);
        }
        assert_eq!(encodings[0] == encodings[1], case["paths_identical"].as_bool().unwrap());
    }
}

#[test]
fn negative_time_offset_decodes_modulo_2_pow_32() {
    let v = vectors("compressed_headers.json");
    let case = v["decoder_only_cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "negative_time_offset_is_decodable")
        .expect("case present");
    let expected: Vec<BlockHeader> =
        case["expected_headers_hex"].as_array().unwrap().iter().map(header_from_hex).collect();
    let payload = hex_bytes(&case["headers2_payload_hex"]);
    let msg = Headers2::from_bytes(&payload).unwrap();
    assert_eq!(msg.headers[1].time, CompressedTime::Offset(-10));
    assert_eq!(msg.to_bytes(), payload);
    let mut hasher = DataHasher::from_chain(&expected);
    // The last header's hash is not in the data and nothing depends on it.
    hasher.known.insert(expected[1].to_array(), BlockHash::ZERO);
    let out = msg.decompress(|h| hasher.hash(h)).unwrap();
    let got: Vec<BlockHeader> = out.iter().map(|h| h.header).collect();
    assert_eq!(got, expected);
    assert_eq!(expected[1].time, expected[0].time - 10);
}

#[test]
fn message_whose_first_header_omits_fields_is_rejected() {
    let v = vectors("compressed_headers.json");
    let case = v["decoder_only_cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "first_header_must_be_full")
        .expect("case present");
    let payload = hex_bytes(&case["headers2_payload_hex"]);
    let err = Headers2::from_bytes(&payload).unwrap_err();
    assert_eq!(err, DecodeError::invalid("headers2", "the first header omits fields"));

    // The entry itself is well-formed; decompressing it first is the typed error.
    let entry = CompressedHeader::from_bytes(&payload[1..]).unwrap();
    assert_eq!(entry.bitfield(), 0x01);
    let msg = Headers2 { headers: vec![entry] };
    let err = msg.decompress(|_| unreachable!("nothing to hash")).unwrap_err();
    assert_eq!(err, Headers2Error::FirstHeaderNotFull { bitfield: 0x01 });
    // Each omitted field alone is enough to reject.
    let full = CompressedHeader::full(&BlockHeader::from_bytes(&[5; 80]).unwrap());
    for partial in [
        CompressedHeader { version: CompressedVersion::Recent(1), ..full },
        CompressedHeader { prev_blockhash: None, ..full },
        CompressedHeader { time: CompressedTime::Offset(0), ..full },
        CompressedHeader { bits: None, ..full },
    ] {
        let bytes = Headers2 { headers: vec![partial, full] }.to_bytes();
        assert!(Headers2::from_bytes(&bytes).is_err());
    }
    assert!(Headers2::from_bytes(&Headers2 { headers: vec![full] }.to_bytes()).is_ok());
}

fn round_trip_real_chain(file: &str) {
    let all = real_headers(file);
    assert_eq!(all.len(), 5000);
    // The last header's hash is not in the file: use the 4,999 whose hashes are known.
    let headers = &all[..all.len() - 1];
    let mut hasher = DataHasher::from_chain(&all);
    for chunk_size in [2000, MAX_HEADERS_COMPRESSED_RESULT] {
        for window in headers.chunks(chunk_size) {
            for (path, key) in PATHS {
                let msg = Headers2::compress(window, path);
                let bytes = msg.to_bytes();
                // Real headers compress to well under half their 81-byte `headers` size.
                assert!(bytes.len() < window.len() * 45, "{file} {key}: {} bytes", bytes.len());
                let decoded = Headers2::from_bytes(&bytes).unwrap();
                assert_eq!(decoded, msg);
                hasher.calls = 0;
                let out = decoded.decompress(|h| hasher.hash(h)).unwrap();
                assert_eq!(hasher.calls, window.len());
                for (i, (got, want)) in out.iter().zip(window).enumerate() {
                    assert_eq!(got.header.to_array(), want.to_array(), "{file} {key} #{i}");
                }
                for pair in out.windows(2) {
                    assert_eq!(pair[1].header.prev_blockhash, pair[0].hash, "{file} {key}");
                }
            }
        }
    }
}

#[test]
fn real_mainnet_headers_round_trip_in_messages_of_2000_and_8000() {
    round_trip_real_chain("mainnet-1737084.bin");
}

#[test]
fn real_testnet_headers_round_trip_in_messages_of_2000_and_8000() {
    round_trip_real_chain("testnet-942249.bin");
}

/// A synthetic linked chain of `n` headers; SHA256d stands in for X11.
fn synthetic_chain(n: usize) -> Vec<HashedHeader> {
    synthetic_chain_with(n, |i| 0x2000_0000 | (i % 3) as i32)
}

fn synthetic_chain_with(n: usize, version: impl Fn(u32) -> i32) -> Vec<HashedHeader> {
    let mut out: Vec<HashedHeader> = Vec::with_capacity(n);
    for i in 0..n as u32 {
        let prev = out.last().map_or(BlockHash::ZERO, |p| p.hash);
        let header = BlockHeader {
            version: version(i),
            prev_blockhash: prev,
            merkle_root: Hash256::from_byte_array(sha256d(&i.to_le_bytes())),
            time: 1_700_000_000 + i * 150,
            bits: 0x1b00_ffff - (i / 24),
            nonce: i,
        };
        out.push(HashedHeader {
            header,
            hash: BlockHash::from_byte_array(sha256d(&header.to_array())),
        });
    }
    out
}

fn sha256d_hasher(h: &BlockHeader) -> BlockHash {
    BlockHash::from_byte_array(sha256d(&h.to_array()))
}

#[test]
fn message_of_8000_headers_decodes_and_8001_is_rejected() {
    let chain = synthetic_chain(MAX_HEADERS_COMPRESSED_RESULT + 1);
    let headers: Vec<BlockHeader> = chain.iter().map(|h| h.header).collect();
    let msg = Headers2::compress(
        &headers[..MAX_HEADERS_COMPRESSED_RESULT],
        CompressionPath::GetHeaders2Reply,
    );
    let decoded = Headers2::from_bytes(&msg.to_bytes()).unwrap();
    assert_eq!(decoded.decompress(sha256d_hasher).unwrap(), chain[..MAX_HEADERS_COMPRESSED_RESULT]);

    let too_many = Headers2::compress(&headers, CompressionPath::Announcement);
    let err = Headers2::from_bytes(&too_many.to_bytes()).unwrap_err();
    assert_eq!(err.field, "headers2");
    assert_eq!(err.kind, DecodeErrorKind::TooLarge { got: 8001, max: 8000 });
}

#[test]
fn count_claiming_more_entries_than_bytes_present_is_rejected_before_allocating() {
    let one = Headers2::compress(&[synthetic_chain(1)[0].header], CompressionPath::Announcement);
    let mut bytes = Vec::new();
    write_compact_size(&mut bytes, 8000);
    bytes.extend_from_slice(&one.to_bytes()[1..]);
    let err = Headers2::from_bytes(&bytes).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::UnexpectedEnd { needed: 8000 * 39, remaining: 81 });
    // A count that fits the bytes only as minimal entries fails on the truncated entry.
    let mut bytes = vec![3];
    bytes.extend_from_slice(&one.to_bytes()[1..]);
    bytes.extend_from_slice(&[0; 39]);
    assert!(Headers2::from_bytes(&bytes).is_err());
}

#[test]
fn empty_headers2_is_valid_and_decompresses_to_nothing() {
    let msg = Headers2::from_bytes(&[0]).unwrap();
    assert!(msg.headers.is_empty());
    assert!(msg.decompress(|_| unreachable!()).unwrap().is_empty());
}

/// Entry `i > 0` of a test message: everything omitted but the version field.
fn entry(version: CompressedVersion, nonce: u32) -> CompressedHeader {
    CompressedHeader {
        version,
        prev_blockhash: None,
        merkle_root: Hash256::ZERO,
        time: CompressedTime::Offset(1),
        bits: None,
        nonce,
        unused_bits: 0,
    }
}

fn decoded_versions(entries: &[CompressedHeader]) -> Vec<i32> {
    let msg = Headers2 { headers: entries.to_vec() };
    let bytes = msg.to_bytes();
    let decoded = Headers2::from_bytes(&bytes).unwrap();
    assert_eq!(decoded, msg);
    decoded.decompress(sha256d_hasher).unwrap().iter().map(|h| h.header.version).collect()
}

#[test]
fn full_versions_are_pushed_without_deduplication() {
    use CompressedVersion::{Full, Recent};
    let first =
        CompressedHeader::full(&BlockHeader { version: 0xa, ..synthetic_chain(1)[0].header });
    // [a] -> [a, a] -> [b, a, a]; offset 3 is the second `a`, which only exists because the
    // duplicate was pushed. It moves to the front: [a, b, a]; offset 2 is then b.
    let got = decoded_versions(&[
        first,
        entry(Full(0xa), 1),
        entry(Full(0xb), 2),
        entry(Recent(3), 3),
        entry(Recent(2), 4),
    ]);
    assert_eq!(got, [0xa, 0xa, 0xb, 0xa, 0xb]);
}

#[test]
fn version_list_keeps_seven_and_an_offset_beyond_it_gives_version_zero() {
    use CompressedVersion::{Full, Recent};
    let first = CompressedHeader::full(&BlockHeader { version: 1, ..synthetic_chain(1)[0].header });
    // Offset 2 with a one-entry list leaves the version 0, as Dash Core does.
    assert_eq!(decoded_versions(&[first, entry(Recent(2), 1)]), [1, 0]);
    // Push 2..=8 after 1: the list holds [8, 7, 6, 5, 4, 3, 2]; 1 was evicted.
    let mut entries = vec![first];
    entries.extend((2..=8).map(|v| entry(Full(v), v as u32)));
    entries.push(entry(Recent(7), 100));
    entries.push(entry(Recent(1), 101));
    let got = decoded_versions(&entries);
    assert_eq!(got[8..], [2, 2]);
}

#[test]
fn time_offsets_wrap_around_modulo_2_pow_32() {
    let base = synthetic_chain(1)[0].header;
    for (start, offset, want) in
        [(5u32, -10i16, u32::MAX - 4), (u32::MAX - 1, 10, 8), (100, 0, 100)]
    {
        let first = CompressedHeader::full(&BlockHeader { time: start, ..base });
        let second = CompressedHeader {
            time: CompressedTime::Offset(offset),
            ..entry(CompressedVersion::Recent(1), 0)
        };
        let out = Headers2 { headers: vec![first, second] }.decompress(sha256d_hasher).unwrap();
        assert_eq!(out[1].header.time, want);
        assert_eq!(out[1].header.bits, base.bits, "omitted bits are the previous bits");
        assert_eq!(out[1].header.prev_blockhash, out[0].hash);
    }
}

#[test]
fn encoder_never_sends_negative_or_oversized_time_offsets() {
    let base = synthetic_chain(1)[0].header;
    let next = |time: u32| BlockHeader { time, ..base };
    for (delta_from_base, compressed) in [(0i64, true), (32767, true), (32768, false), (-1, false)]
    {
        let t = (i64::from(base.time) + delta_from_base) as u32;
        let msg = Headers2::compress(&[base, next(t)], CompressionPath::Announcement);
        let is_offset = matches!(msg.headers[1].time, CompressedTime::Offset(_));
        assert_eq!(is_offset, compressed, "delta {delta_from_base}");
    }
}

#[test]
fn unused_bitfield_bits_are_kept_and_ignored() {
    let chain = synthetic_chain(2);
    let headers = [chain[0].header, chain[1].header];
    let mut bytes = Headers2::compress(&headers, CompressionPath::Announcement).to_bytes();
    bytes[1] |= 0xc0;
    let second = 1 + 81;
    bytes[second] |= 0x40;
    let msg = Headers2::from_bytes(&bytes).unwrap();
    assert_eq!(msg.headers[0].unused_bits, 0xc0);
    assert_eq!(msg.headers[1].unused_bits, 0x40);
    assert_eq!(msg.to_bytes(), bytes);
    assert_eq!(msg.decompress(sha256d_hasher).unwrap(), chain);
}

#[test]
fn both_encoder_paths_differ_only_in_the_second_version() {
    let chain = synthetic_chain_with(3, |_| 4);
    let same_version: Vec<BlockHeader> = chain.iter().map(|h| h.header).collect();
    let a = Headers2::compress(&same_version, CompressionPath::Announcement);
    let r = Headers2::compress(&same_version, CompressionPath::GetHeaders2Reply);
    assert_eq!(a.headers[1].version, CompressedVersion::Recent(1));
    assert_eq!(r.headers[1].version, CompressedVersion::Full(4));
    assert_eq!(a.headers[2].version, CompressedVersion::Recent(1));
    assert_eq!(r.headers[2].version, CompressedVersion::Recent(1));
    for msg in [a, r] {
        assert_eq!(msg.decompress(sha256d_hasher).unwrap(), chain);
    }
}
