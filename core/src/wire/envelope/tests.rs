use super::*;
use crate::network::Network;
use crate::test_support::vectors;
use proptest::prelude::*;

fn network(name: &str) -> Network {
    name.parse().expect("network name")
}

#[test]
fn every_envelope_vector_frames_byte_exact_and_decodes_back() {
    let v = vectors("envelope.json");
    for f in v["frames"].as_array().unwrap() {
        let magic = network(f["network"].as_str().unwrap()).params().magic;
        let command = Command::new(f["command"].as_str().unwrap()).unwrap();
        let payload = hex::decode(f["payload_hex"].as_str().unwrap()).unwrap();
        let frame = encode_frame(magic, command, &payload);
        assert_eq!(hex::encode(&frame), f["frame_hex"], "{command}");
        assert_eq!(hex::encode(checksum(&payload)), f["checksum_hex"], "{command}");
        let mut d = FrameDecoder::new(magic);
        d.feed(&frame);
        let got = d.next_frame().unwrap().unwrap();
        assert_eq!(got, Frame { command, payload });
        assert_eq!(d.next_frame().unwrap(), None);
        assert_eq!(d.buffered(), 0);
    }
}

#[test]
fn the_recorded_dashd_session_cuts_into_its_frames_a_byte_at_a_time() {
    let v = vectors("dashd-regtest-session.json");
    let magic = Network::Regtest.params().magic;
    let frames = v["frames"].as_array().unwrap();
    let mut stream = Vec::new();
    for f in frames {
        stream.extend(hex::decode(f["frame"].as_str().unwrap()).unwrap());
    }
    let mut d = FrameDecoder::new(magic);
    let mut got = Vec::new();
    for b in &stream {
        d.feed(std::slice::from_ref(b));
        while let Some(frame) = d.next_frame().unwrap() {
            got.push(frame.command.as_str().to_owned());
        }
    }
    let want: Vec<&str> = frames.iter().map(|f| f["command"].as_str().unwrap()).collect();
    assert_eq!(got, want);
    assert!(d.buffered() == 0);
}

#[test]
fn wrong_magic_is_fatal_as_soon_as_the_first_byte_differs() {
    let mut d = FrameDecoder::new(Network::Mainnet.params().magic);
    d.feed(&[0xbf, 0x0c, 0x00]);
    let err = d.next_frame().unwrap_err();
    assert!(err.is_fatal());
    assert!(matches!(err, FrameError::BadMagic { .. }));
    // Later bytes change nothing.
    d.feed(&encode_frame(Network::Mainnet.params().magic, Command::new("verack").unwrap(), &[]));
    assert_eq!(d.next_frame().unwrap_err(), err);
}

#[test]
fn testnet_frame_on_a_mainnet_stream_is_rejected() {
    let frame =
        encode_frame(Network::Testnet.params().magic, Command::new("ping").unwrap(), &[0; 8]);
    let mut d = FrameDecoder::new(Network::Mainnet.params().magic);
    d.feed(&frame);
    assert!(matches!(d.next_frame(), Err(FrameError::BadMagic { .. })));
}

#[test]
fn length_over_3_mib_is_fatal_before_the_payload_arrives() {
    let magic = Network::Mainnet.params().magic;
    let mut header = Vec::new();
    header.extend_from_slice(&magic);
    header.extend_from_slice(&Command::new("block").unwrap().to_wire());
    header.extend_from_slice(&((MAX_PAYLOAD_LEN as u32) + 1).to_le_bytes());
    header.extend_from_slice(&[0; 4]);
    let mut d = FrameDecoder::new(magic);
    d.feed(&header);
    let err = d.next_frame().unwrap_err();
    assert_eq!(err, FrameError::Oversized { length: MAX_PAYLOAD_LEN as u32 + 1 });
    assert!(err.is_fatal());
    assert_eq!(d.buffered(), 0, "a failed stream holds no memory");
}

#[test]
fn exactly_3_mib_is_accepted() {
    let magic = Network::Regtest.params().magic;
    let payload = vec![7u8; MAX_PAYLOAD_LEN];
    let mut d = FrameDecoder::new(magic);
    d.feed(&encode_frame(magic, Command::new("block").unwrap(), &payload));
    assert_eq!(d.next_frame().unwrap().unwrap().payload.len(), MAX_PAYLOAD_LEN);
}

#[test]
fn bad_checksum_drops_only_that_message() {
    let magic = Network::Mainnet.params().magic;
    let mut bad = encode_frame(magic, Command::new("ping").unwrap(), &[1; 8]);
    bad[20] ^= 1;
    let good = encode_frame(magic, Command::new("pong").unwrap(), &[2; 8]);
    let mut d = FrameDecoder::new(magic);
    d.feed(&bad);
    d.feed(&good);
    let err = d.next_frame().unwrap_err();
    assert!(matches!(&err, FrameError::BadChecksum { command, .. } if command == "ping"));
    assert!(!err.is_fatal());
    assert_eq!(d.next_frame().unwrap().unwrap().command.as_str(), "pong");
}

#[test]
fn invalid_command_bytes_drop_only_that_message() {
    let magic = Network::Mainnet.params().magic;
    for wire in
        [*b"ver\0ack\0\0\0\0\0", *b"verack\x01\0\0\0\0\0", [0u8; 12], *b"\x7fbad\0\0\0\0\0\0\0\0"]
    {
        let mut frame = encode_frame(magic, Command::new("x").unwrap(), &[]);
        frame[4..16].copy_from_slice(&wire);
        let mut d = FrameDecoder::new(magic);
        d.feed(&frame);
        d.feed(&encode_frame(magic, Command::new("verack").unwrap(), &[]));
        let err = d.next_frame().unwrap_err();
        assert_eq!(err, FrameError::BadCommand(wire));
        assert!(!err.is_fatal());
        assert_eq!(d.next_frame().unwrap().unwrap().command.as_str(), "verack");
    }
}

#[test]
fn command_names_follow_dash_core_rules() {
    assert_eq!(Command::new("sendheaders2").unwrap().as_str(), "sendheaders2");
    assert!(Command::new("").is_err());
    assert!(Command::new("thirteen_char").is_err());
    assert!(Command::new("tab\there").is_err());
    assert_eq!(Command::from_wire(*b"mnauth\0\0\0\0\0\0").unwrap().as_str(), "mnauth");
    assert_eq!(Command::from_wire(*b"123456789012").unwrap().as_str(), "123456789012");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_and_memory_follows_the_input(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..32),
        magic_first in any::<bool>(),
    ) {
        let magic = Network::Mainnet.params().magic;
        let mut d = FrameDecoder::new(magic);
        let mut fed = 0usize;
        if magic_first {
            d.feed(&magic);
            fed += 4;
        }
        for chunk in &chunks {
            d.feed(chunk);
            fed += chunk.len();
            loop {
                match d.next_frame() {
                    Ok(Some(frame)) => prop_assert!(frame.payload.len() <= fed),
                    Ok(None) => break,
                    Err(e) if e.is_fatal() => break,
                    Err(_) => {}
                }
            }
            prop_assert!(d.buffered() <= fed);
            prop_assert!(d.buf.capacity() <= 2 * fed + 64);
        }
    }

    #[test]
    fn any_payload_round_trips_through_any_chunking(
        payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..8),
        chunk in 1usize..50,
    ) {
        let magic = Network::Testnet.params().magic;
        let command = Command::new("tx").unwrap();
        let stream: Vec<u8> =
            payloads.iter().flat_map(|p| encode_frame(magic, command, p)).collect();
        let mut d = FrameDecoder::new(magic);
        let mut got = Vec::new();
        for c in stream.chunks(chunk) {
            d.feed(c);
            while let Some(f) = d.next_frame().unwrap() {
                got.push(f.payload);
            }
        }
        prop_assert_eq!(got, payloads);
    }
}
