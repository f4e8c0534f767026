//! The v2 stream end to end: both roles, any chunking, hostile input.

use super::stream::{Received, V2Handshake, V2Receiver, V2Sender, LENGTH_LEN};
use super::{Role, V2Error, MAX_CONTENTS_LEN, MAX_GARBAGE_LEN, TERMINATOR_LEN};
use crate::wire::envelope::encode_frame;
use crate::wire::{Command, Frame};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

const MAGIC: [u8; 4] = [0xfc, 0xc1, 0xb7, 0xdc];

fn cmd(name: &str) -> Command {
    Command::new(name).unwrap()
}

/// Both ends after the handshake: (initiator sender, initiator receiver, responder sender,
/// responder receiver), the initiator's bytes not yet read by the responder and back.
struct Pair {
    i_tx: V2Sender,
    i_rx: V2Receiver,
    r_tx: V2Sender,
    r_rx: V2Receiver,
}

fn handshake(seed: u64) -> Pair {
    let mut rng = StdRng::seed_from_u64(seed);
    let i = V2Handshake::random(Role::Initiator, MAGIC, &mut rng);
    let r = V2Handshake::random(Role::Responder, MAGIC, &mut rng);
    let (i_hello, r_hello) = (i.hello(), r.hello());
    let mut i_rx = V2Receiver::new(i);
    let mut r_rx = V2Receiver::new(r);
    r_rx.feed(&i_hello);
    assert!(matches!(r_rx.poll(), Ok(Some(Received::NotV1))));
    let Ok(Some(Received::Keys(mut r_tx))) = r_rx.poll() else { panic!("responder keys") };
    i_rx.feed(&r_hello);
    let Ok(Some(Received::Keys(mut i_tx))) = i_rx.poll() else { panic!("initiator keys") };
    assert_eq!(i_tx.session_id(), r_tx.session_id());
    assert_eq!(i_rx.session_id(), Some(i_tx.session_id()));
    r_rx.feed(&i_tx.start());
    i_rx.feed(&r_tx.start());
    assert!(matches!(r_rx.poll(), Ok(Some(Received::Established))));
    assert!(matches!(i_rx.poll(), Ok(Some(Received::Established))));
    assert!(i_rx.is_established() && r_rx.is_established());
    Pair { i_tx: *i_tx, i_rx, r_tx: *r_tx, r_rx }
}

fn frames(rx: &mut V2Receiver) -> Vec<Frame> {
    let mut out = Vec::new();
    while let Some(got) = rx.poll().expect("no error") {
        match got {
            Received::Frame(f) => out.push(f),
            other => panic!("unexpected {other:?}"),
        }
    }
    out
}

#[test]
fn messages_cross_both_ways_through_many_rekeys() {
    let mut p = handshake(1);
    let mut stream = Vec::new();
    for i in 0..600u32 {
        stream.extend(
            p.i_tx.encode(cmd(if i % 2 == 0 { "ping" } else { "headers2" }), &i.to_le_bytes()),
        );
        if i % 97 == 0 {
            stream.extend(p.i_tx.decoy(i as usize));
        }
    }
    p.r_rx.feed(&stream);
    let got = frames(&mut p.r_rx);
    assert_eq!(got.len(), 600);
    for (i, f) in got.iter().enumerate() {
        assert_eq!(f.payload, (i as u32).to_le_bytes());
        assert_eq!(f.command.as_str(), if i % 2 == 0 { "ping" } else { "headers2" });
    }
    p.i_rx.feed(&p.r_tx.encode(cmd("pong"), &[9; 8]));
    assert_eq!(frames(&mut p.i_rx)[0].command.as_str(), "pong");
}

#[test]
fn short_ids_save_the_command_bytes_and_long_form_carries_the_rest() {
    let mut p = handshake(2);
    let short = p.i_tx.encode(cmd("inv"), &[]);
    let long = p.i_tx.encode(cmd("version"), &[]);
    assert_eq!(short.len(), super::PACKET_OVERHEAD + 1);
    assert_eq!(long.len(), super::PACKET_OVERHEAD + 13);
}

#[test]
fn a_v1_version_frame_sends_a_responder_to_v1() {
    let mut rng = StdRng::seed_from_u64(3);
    let r = V2Handshake::random(Role::Responder, MAGIC, &mut rng);
    let frame = encode_frame(MAGIC, cmd("version"), &[1, 2, 3]);
    let mut rx = V2Receiver::new(r);
    for b in &frame[..15] {
        rx.feed(std::slice::from_ref(b));
        assert!(matches!(rx.poll(), Ok(None)));
    }
    rx.feed(&frame[15..]);
    let Ok(Some(Received::V1(bytes))) = rx.poll() else { panic!("v1 detected") };
    assert_eq!(bytes, frame);
}

#[test]
fn an_initiator_closed_before_any_byte_reconnects_with_v1() {
    let mut rng = StdRng::seed_from_u64(4);
    let rx = V2Receiver::new(V2Handshake::random(Role::Initiator, MAGIC, &mut rng));
    assert!(rx.should_reconnect_v1());
    let mut rx = V2Receiver::new(V2Handshake::random(Role::Initiator, MAGIC, &mut rng));
    rx.feed(&[0]);
    assert!(!rx.should_reconnect_v1(), "the peer answered: not a v1-only peer");
    let rx = V2Receiver::new(V2Handshake::random(Role::Responder, MAGIC, &mut rng));
    assert!(!rx.should_reconnect_v1());
}

#[test]
fn a_flipped_bit_fails_authentication_for_good() {
    let mut p = handshake(5);
    let mut packet = p.i_tx.encode(cmd("tx"), &[7; 100]);
    packet[LENGTH_LEN + 10] ^= 0x01;
    p.r_rx.feed(&packet);
    assert_eq!(p.r_rx.poll().unwrap_err(), V2Error::BadMac);
    assert!(V2Error::BadMac.is_fatal());
    p.r_rx.feed(&p.i_tx.encode(cmd("tx"), &[7; 100]));
    assert_eq!(p.r_rx.poll().unwrap_err(), V2Error::BadMac);
    assert_eq!(p.r_rx.buffered(), 0, "a failed stream holds no memory");
}

#[test]
fn a_length_over_the_limit_is_refused_before_the_contents_arrive() {
    let mut p = handshake(6);
    let mut out = Vec::new();
    // A packet claiming one byte more than the limit; only its length is delivered.
    let body = vec![0u8; MAX_CONTENTS_LEN + 1];
    p.i_tx.packet_into(&mut out, &[], false, &[], &body);
    p.r_rx.feed(&out[..LENGTH_LEN]);
    assert_eq!(
        p.r_rx.poll().unwrap_err(),
        V2Error::Oversized { length: MAX_CONTENTS_LEN as u32 + 1 }
    );
}

#[test]
fn the_largest_message_is_accepted() {
    let mut p = handshake(7);
    let payload = vec![3u8; crate::wire::envelope::MAX_PAYLOAD_LEN];
    p.r_rx.feed(&p.i_tx.encode(cmd("version"), &payload));
    assert_eq!(frames(&mut p.r_rx)[0].payload.len(), payload.len());
}

#[test]
fn garbage_without_a_terminator_ends_the_stream_at_the_limit() {
    let mut rng = StdRng::seed_from_u64(8);
    let i = V2Handshake::random(Role::Initiator, MAGIC, &mut rng);
    let r = V2Handshake::random(Role::Responder, MAGIC, &mut rng);
    let mut rx = V2Receiver::new(i);
    rx.feed(&r.hello()[..64]);
    assert!(matches!(rx.poll(), Ok(Some(Received::Keys(_)))));
    rx.feed(&vec![0x55; MAX_GARBAGE_LEN + TERMINATOR_LEN - 1]);
    assert!(matches!(rx.poll(), Ok(None)), "the terminator may still come");
    rx.feed(&[0x55]);
    assert_eq!(rx.poll().unwrap_err(), V2Error::NoTerminator);
}

#[test]
fn unknown_ids_and_bad_commands_drop_one_message() {
    let mut p = handshake(9);
    let mut stream = Vec::new();
    p.i_tx.packet_into(&mut stream, &[], false, &[5], b"feefilter has no id in Dash");
    p.i_tx.packet_into(&mut stream, &[], false, &[0], b"short");
    let mut bad = [0u8; 13];
    bad[1..].copy_from_slice(b"ver\0sion\0\0\0\0");
    p.i_tx.packet_into(&mut stream, &[], false, &bad, &[]);
    p.i_tx.packet_into(&mut stream, &[], false, &[], &[]);
    p.i_tx.packet_into(&mut stream, &[], false, &[165], &[1]);
    p.r_rx.feed(&stream);
    assert_eq!(p.r_rx.poll().unwrap_err(), V2Error::UnknownShortId(5));
    assert_eq!(p.r_rx.poll().unwrap_err(), V2Error::Empty);
    assert!(matches!(p.r_rx.poll().unwrap_err(), V2Error::BadCommand(_)));
    assert_eq!(p.r_rx.poll().unwrap_err(), V2Error::Empty);
    let f = frames(&mut p.r_rx);
    assert_eq!((f[0].command.as_str(), &f[0].payload[..]), ("headers2", &[1u8][..]));
}

#[test]
fn decoys_before_the_version_packet_take_the_garbage_as_aad() {
    let mut rng = StdRng::seed_from_u64(10);
    let i = V2Handshake::random(Role::Initiator, MAGIC, &mut rng);
    let r = V2Handshake::random(Role::Responder, MAGIC, &mut rng);
    let (i_hello, r_hello) = (i.hello(), r.hello());
    let mut i_rx = V2Receiver::new(i);
    i_rx.feed(&r_hello);
    let Ok(Some(Received::Keys(mut i_tx))) = i_rx.poll() else { panic!("keys") };
    let mut r_rx = V2Receiver::new(r);
    r_rx.feed(&i_hello);
    r_rx.feed(&i_tx.start_with_decoys(&[0, 30]));
    r_rx.feed(&i_tx.encode(cmd("ping"), &[1; 8]));
    assert!(matches!(r_rx.poll(), Ok(Some(Received::NotV1))));
    assert!(matches!(r_rx.poll(), Ok(Some(Received::Keys(_)))));
    assert!(matches!(r_rx.poll(), Ok(Some(Received::Established))));
    assert_eq!(frames(&mut r_rx)[0].command.as_str(), "ping");
}

#[test]
fn garbage_is_bound_into_the_first_packet() {
    let mut rng = StdRng::seed_from_u64(11);
    let i = V2Handshake::random(Role::Initiator, MAGIC, &mut rng);
    let r = V2Handshake::random(Role::Responder, MAGIC, &mut rng);
    let (mut i_hello, r_hello) = (i.hello(), r.hello());
    assert!(i_hello.len() > 64, "this seed sends garbage");
    let mut i_rx = V2Receiver::new(i);
    i_rx.feed(&r_hello);
    let Ok(Some(Received::Keys(mut i_tx))) = i_rx.poll() else { panic!("keys") };
    let last = i_hello.len() - 1;
    i_hello[last] ^= 1;
    let mut r_rx = V2Receiver::new(r);
    r_rx.feed(&i_hello);
    r_rx.feed(&i_tx.start());
    assert!(matches!(r_rx.poll(), Ok(Some(Received::NotV1))));
    assert!(matches!(r_rx.poll(), Ok(Some(Received::Keys(_)))));
    assert_eq!(r_rx.poll().unwrap_err(), V2Error::BadMac, "garbage changed on the way");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_messages_round_trip_under_any_chunking(
        seed in any::<u64>(),
        payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..400), 1..12),
        chunk in 1usize..300,
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let i = V2Handshake::random(Role::Initiator, MAGIC, &mut rng);
        let r = V2Handshake::random(Role::Responder, MAGIC, &mut rng);
        let mut i_stream = i.hello();
        let r_hello = r.hello();
        let mut i_rx = V2Receiver::new(i);
        let mut r_rx = V2Receiver::new(r);
        i_rx.feed(&r_hello);
        let Ok(Some(Received::Keys(mut i_tx))) = i_rx.poll() else { panic!("keys") };
        i_stream.extend(i_tx.start());
        let names = ["inv", "version", "headers2", "tx", "mnlistdiff"];
        for (n, p) in payloads.iter().enumerate() {
            i_stream.extend(i_tx.encode(cmd(names[n % names.len()]), p));
            if n % 3 == 1 {
                i_stream.extend(i_tx.decoy(p.len() / 2));
            }
        }
        let mut got = Vec::new();
        let mut established = false;
        for piece in i_stream.chunks(chunk) {
            r_rx.feed(piece);
            while let Some(event) = r_rx.poll().expect("no error") {
                match event {
                    Received::NotV1 | Received::Keys(_) => {}
                    Received::Established => established = true,
                    Received::Frame(f) => got.push(f),
                    Received::V1(_) => panic!("not v1"),
                }
            }
            prop_assert!(r_rx.buffered() <= i_stream.len());
        }
        prop_assert!(established);
        prop_assert_eq!(got.len(), payloads.len());
        for (n, (f, p)) in got.iter().zip(&payloads).enumerate() {
            prop_assert_eq!(&f.payload, p);
            prop_assert_eq!(f.command.as_str(), names[n % names.len()]);
        }
        prop_assert_eq!(r_rx.buffered(), 0);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        seed in any::<u64>(),
        bytes in proptest::collection::vec(any::<u8>(), 0..6000),
        responder in any::<bool>(),
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let role = if responder { Role::Responder } else { Role::Initiator };
        let mut rx = V2Receiver::new(V2Handshake::random(role, MAGIC, &mut rng));
        for piece in bytes.chunks(97) {
            rx.feed(piece);
            loop {
                match rx.poll() {
                    Ok(Some(Received::V1(_))) | Ok(None) => break,
                    Ok(Some(_)) => {}
                    Err(e) if e.is_fatal() => break,
                    Err(_) => {}
                }
            }
        }
    }
}
