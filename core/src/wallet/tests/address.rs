//! Addresses against the shared vectors, round trips and every parse failure.

use super::*;
use crate::wallet::{AddressError, AddressPayload};

fn hash20(hex_str: &str) -> [u8; 20] {
    hex::decode(hex_str).unwrap().try_into().unwrap()
}

fn network_named(name: &str) -> Network {
    name.parse().unwrap()
}

#[test]
fn spork_addresses_decode_to_their_key_ids_on_every_network() {
    let v = vectors("network.json");
    let networks = v["networks"].as_object().unwrap();
    assert_eq!(networks.len(), 4);
    for (name, n) in networks {
        let network = network_named(name);
        for spork in n["spork_addresses"].as_array().unwrap() {
            let s = spork["address"].as_str().unwrap();
            let addr = Address::parse(s, network).unwrap();
            assert_eq!(
                addr.payload,
                AddressPayload::PubkeyHash(hash20(spork["keyID_hash160_hex"].as_str().unwrap()))
            );
            assert_eq!(addr.to_string(), s);
            assert_eq!(addr.version() as u64, n["base58_pubkey_prefix"].as_u64().unwrap());
        }
    }
}

#[test]
fn session_watched_address_is_the_watched_hash160_and_its_script() {
    let v = vectors("dashd-regtest-session.json");
    let s = v["watched_address"].as_str().unwrap();
    let hash = hash20(v["watched_hash160"].as_str().unwrap());
    let addr = Address::parse(s, Network::Regtest).unwrap();
    assert_eq!(addr, Address::p2pkh(hash, Network::Regtest));
    assert_eq!(Address::p2pkh(hash, Network::Regtest).to_string(), s);
    let script = addr.script_pubkey();
    assert_eq!(hex::encode(script.as_bytes()), format!("76a914{}88ac", hex::encode(hash)));
    assert_eq!(Address::from_script(&script, Network::Regtest), Some(addr));
    // The session's spork address is regtest's.
    let spork = v["spork_address"].as_str().unwrap();
    assert_eq!(Address::parse(spork, Network::Regtest).unwrap().to_string(), spork);
}

#[test]
fn governance_payment_address_round_trips_as_a_regtest_p2pkh() {
    let v = vectors("dashd-regtest-session.json");
    let s = v["governance_object"]["data_json"]["payment_address"].as_str().unwrap();
    let addr = Address::parse(s, Network::Regtest).unwrap();
    assert!(matches!(addr.payload, AddressPayload::PubkeyHash(_)));
    assert_eq!(addr.to_string(), s);
    assert_eq!(Address::from_script(&addr.script_pubkey(), Network::Regtest), Some(addr));
}

#[test]
fn p2sh_addresses_round_trip_with_each_networks_prefix() {
    for network in Network::ALL {
        let addr = Address::p2sh([0xab; 20], network);
        let s = addr.to_string();
        assert_eq!(Address::parse(&s, network), Ok(addr));
        let script = addr.script_pubkey();
        assert_eq!(hex::encode(script.as_bytes()), format!("a914{}87", "ab".repeat(20)));
        assert_eq!(Address::from_script(&script, network), Some(addr));
    }
    // Mainnet P2SH addresses start with '7', test networks' with '8'.
    assert!(Address::p2sh([0; 20], Network::Mainnet).to_string().starts_with('7'));
    assert!(Address::p2sh([0; 20], Network::Testnet).to_string().starts_with('8'));
}

#[test]
fn other_scripts_have_no_address() {
    let p2pk = Script::new([vec![33], vec![2; 33], vec![0xac]].concat());
    assert_eq!(Address::from_script(&p2pk, Network::Mainnet), None);
    assert_eq!(Address::from_script(&Script::new(vec![0x6a]), Network::Mainnet), None);
}

#[test]
fn parse_errors_say_what_is_wrong() {
    let mainnet = "Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wh";
    assert_eq!(
        Address::parse(mainnet, Network::Testnet),
        Err(AddressError::WrongNetwork {
            expected: Network::Testnet,
            actual: Network::Mainnet,
            version: 76
        })
    );
    assert!(matches!(
        Address::parse("yj949n1UH6fDhw6HtVE5VMj2iSTaSWBMcW", Network::Mainnet),
        Err(AddressError::WrongNetwork { expected: Network::Mainnet, version: 140, .. })
    ));
    // Change one character: the checksum no longer matches.
    let bad = mainnet.replace("J34wh", "J34wi");
    assert_eq!(Address::parse(&bad, Network::Mainnet), Err(AddressError::BadChecksum));
    // Bitcoin's version 0 is no Dash prefix.
    let btc = bs58::encode([[0u8].as_slice(), &[7; 20]].concat()).with_check().into_string();
    assert_eq!(Address::parse(&btc, Network::Mainnet), Err(AddressError::UnknownVersion(0)));
    let short = bs58::encode([76u8; 10]).with_check().into_string();
    assert_eq!(Address::parse(&short, Network::Mainnet), Err(AddressError::BadLength(14)));
    assert_eq!(
        Address::parse("X0", Network::Mainnet),
        Err(AddressError::InvalidCharacter { character: '0', index: 1 })
    );
    assert_eq!(Address::parse(&"X".repeat(65), Network::Mainnet), Err(AddressError::TooLong(65)));
}
