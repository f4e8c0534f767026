use super::*;
use crate::network::Network;
use crate::test_support::vectors;
use proptest::prelude::*;

#[test]
fn every_known_command_name_is_a_valid_command() {
    for name in KNOWN_COMMANDS {
        assert_eq!(Command::new(name).unwrap().as_str(), *name);
    }
    assert_eq!(KNOWN_COMMANDS.len(), 36);
}

#[test]
fn every_frame_of_the_dashd_session_decodes_and_reencodes_byte_exact() {
    let v = vectors("dashd-regtest-session.json");
    let magic = Network::Regtest.params().magic;
    let mut decoder = FrameDecoder::new(magic);
    for f in v["frames"].as_array().unwrap() {
        let bytes = hex::decode(f["frame"].as_str().unwrap()).unwrap();
        decoder.feed(&bytes);
        let frame = decoder.next_frame().unwrap().unwrap();
        let msg = Message::from_frame(&frame).unwrap();
        assert!(!matches!(msg, Message::Unknown { .. }), "{} is known", frame.command);
        assert_eq!(msg.command_name(), f["command"].as_str().unwrap());
        assert_eq!(msg.to_frame(magic), bytes, "{}", frame.command);
    }
}

#[test]
fn every_envelope_vector_decodes_to_its_message_and_back() {
    let v = vectors("envelope.json");
    for f in v["frames"].as_array().unwrap() {
        let net: Network = f["network"].as_str().unwrap().parse().unwrap();
        let bytes = hex::decode(f["frame_hex"].as_str().unwrap()).unwrap();
        let mut d = FrameDecoder::new(net.params().magic);
        d.feed(&bytes);
        let msg = Message::from_frame(&d.next_frame().unwrap().unwrap()).unwrap();
        assert!(!matches!(msg, Message::Unknown { .. }));
        assert_eq!(msg.to_frame(net.params().magic), bytes);
    }
}

#[test]
fn unknown_commands_are_kept_raw() {
    let command = Command::new("qsigshare").unwrap();
    let msg = Message::decode(command, &[1, 2, 3]).unwrap();
    assert_eq!(msg, Message::Unknown { command, payload: vec![1, 2, 3] });
    assert_eq!(msg.command(), command);
    assert_eq!(msg.payload_bytes(), vec![1, 2, 3]);
}

#[test]
fn an_empty_message_with_a_payload_is_an_error_naming_the_command() {
    let err = Message::decode(Command::new("verack").unwrap(), &[0]).unwrap_err();
    assert_eq!(err.command.as_str(), "verack");
    assert_eq!(err.to_string(), "verack: 1 trailing bytes");
}

#[test]
fn a_truncated_payload_names_the_field() {
    let err = Message::decode(Command::new("ping").unwrap(), &[1, 2]).unwrap_err();
    assert!(err.to_string().starts_with("ping: "), "{err}");
    assert!(err.to_string().contains("truncated"), "{err}");
}

proptest! {
    #[test]
    fn arbitrary_payloads_never_panic_and_what_decodes_round_trips(
        which in 0..KNOWN_COMMANDS.len(),
        payload in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        let command = Command::new(KNOWN_COMMANDS[which]).unwrap();
        if let Ok(msg) = Message::decode(command, &payload) {
            let again = Message::decode(command, &msg.payload_bytes()).unwrap();
            prop_assert_eq!(again, msg);
        }
    }
}
