//! Replays Dash Core's side of a recorded regtest session
//! (`shared/vectors/dashd-regtest-session.json`) into our peer machine: what we send in the
//! handshake must be what the recording client sent, byte for byte (our `version` aside).

use super::handshake::HandshakeConfig;
use super::peer::{Peer, Step};
use super::*;
use crate::network::Network;
use crate::wire::FrameDecoder;

fn session() -> serde_json::Value {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/dashd-regtest-session.json");
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("shared test vector missing: {path}: {e}"));
    serde_json::from_str(&text).expect("vector file is JSON")
}

/// Every frame of the session as (direction, raw frame, decoded message).
pub(super) fn session_raw() -> Vec<(String, Vec<u8>, Message)> {
    let magic = Network::Regtest.params().magic;
    session()["frames"]
        .as_array()
        .expect("frames")
        .iter()
        .map(|f| {
            let raw = hex::decode(f["frame"].as_str().expect("frame hex")).expect("hex");
            let mut d = FrameDecoder::new(magic);
            d.feed(&raw);
            let frame = d.next_frame().expect("valid frame").expect("complete frame");
            let msg = Message::from_frame(&frame).expect("decodes");
            (f["dir"].as_str().expect("dir").to_owned(), raw, msg)
        })
        .collect()
}

/// Every frame of the session as (direction, decoded message).
pub(super) fn session_frames() -> Vec<(String, Message)> {
    session_raw().into_iter().map(|(d, _, m)| (d, m)).collect()
}

#[test]
fn replaying_dash_core_gives_the_recorded_handshake_and_pong() {
    let magic = Network::Regtest.params().magic;
    let frames = session_raw();
    // The recording client loaded its filter later and asked for addresses later; the rest
    // of its handshake is ours.
    let cfg = HandshakeConfig {
        network: Network::Regtest,
        devnet_name: None,
        require_bloom: true,
        request_addresses: false,
    };
    let mut out = Vec::new();
    let mut peer = Peer::new(PeerId(1), "127.0.0.1:19899".parse().unwrap(), 1, 1_700_000_000_000);
    peer.on_connected(&cfg, 0, 1_700_000_000_000, &mut out);
    let mut ready = None;
    // Dash Core's frames up to and including its first ping.
    let last_in =
        frames.iter().position(|(d, _, m)| d == "in" && m.command_name() == "ping").unwrap();
    for (dir, _, msg) in &frames[..=last_in] {
        if dir == "in" {
            let step =
                peer.on_message(&cfg, msg.clone(), &mut NoFilter, 1_700_000_000_000, &mut out);
            if let Ok(Step::Ready { info, .. }) = step {
                ready = Some(info);
            } else {
                assert!(matches!(step, Ok(Step::Consumed) | Ok(Step::Forward(_))), "{step:?}");
            }
        }
    }
    let ours: Vec<Message> = out
        .into_iter()
        .map(|o| match o {
            Output::Send { message, .. } => message,
            other => panic!("{other:?}"),
        })
        .collect();
    let recorded: Vec<&(String, Vec<u8>, Message)> = frames[..=last_in + 1]
        .iter()
        .filter(|(d, _, m)| d == "out" && !matches!(m, Message::GetHeaders2(_)))
        .collect();
    let names: Vec<&str> = ours.iter().map(|m| m.command_name()).collect();
    let want: Vec<&str> = recorded.iter().map(|(_, _, m)| m.command_name()).collect();
    assert_eq!(names, want);
    assert_eq!(names, ["version", "sendaddrv2", "verack", "senddsq", "sendheaders2", "pong"]);
    for (m, (_, raw, _)) in ours.iter().zip(&recorded).skip(1) {
        assert_eq!(&m.to_frame(magic), raw, "{} differs from the recording", m.command_name());
    }
    let (Message::Version(ours_v), Message::Version(theirs)) = (&ours[0], &recorded[0].2) else {
        unreachable!()
    };
    assert_eq!(
        (ours_v.version, ours_v.services, ours_v.relay, ours_v.mnauth_challenge, ours_v.masternode),
        (theirs.version, theirs.services, theirs.relay, theirs.mnauth_challenge, theirs.masternode)
    );
    let info = ready.expect("handshake completed");
    assert!(info.headers2 && info.wants_addrv2);
    assert_eq!(info.user_agent, "/Dash Core:23.1.2/");
    assert!(peer.is_ready());
}
