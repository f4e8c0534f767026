//! BIP32 test vectors 1 and 2 (bip-0032.mediawiki, "Test Vectors"): every step derivable
//! from an extended public key, plus parsing failures.

use super::*;

const V1_M: &str = "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8";
const V1_M_0H: &str = "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw";
const V1_M_0H_1: &str = "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ";
const V1_M_0H_1_2H: &str = "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5";
const V1_M_0H_1_2H_2: &str = "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV";
const V1_M_0H_1_2H_2_1E9: &str = "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy";

const V2_M: &str = "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB";
const V2_M_0: &str = "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH";
const V2_M_0_MH: &str = "xpub6ASAVgeehLbnwdqV6UKMHVzgqAG8Gr6riv3Fxxpj8ksbH9ebxaEyBLZ85ySDhKiLDBrQSARLq1uNRts8RuJiHjaDMBU4Zn9h8LZNnBC5y4a";
const V2_M_0_MH_1: &str = "xpub6DF8uhdarytz3FWdA8TvFSvvAh8dP3283MY7p2V4SeE2wyWmG5mg5EwVvmdMVCQcoNJxGoWaU9DCWh89LojfZ537wTfunKau47EL2dhHKon";
const V2_M_0_MH_1_MH: &str = "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL";
const V2_M_0_MH_1_MH_2: &str = "xpub6FnCn6nSzZAw5Tw7cgR9bi15UV96gLZhjDstkXXxvCLsUXBGXPdSnLFbdpq8p9HmGsApME5hQTZ3emM2rnY5agb9rXpVGyy3bdW6EEgAtqt";

fn xpub(s: &str) -> ExtendedPubKey {
    ExtendedPubKey::parse(s, Network::Mainnet).expect("test vector parses")
}

/// Every (parent, index, child) step of vectors 1 and 2 with a non-hardened index.
const PUBLIC_STEPS: [(&str, u32, &str); 6] = [
    (V1_M_0H, 1, V1_M_0H_1),
    (V1_M_0H_1_2H, 2, V1_M_0H_1_2H_2),
    (V1_M_0H_1_2H_2, 1_000_000_000, V1_M_0H_1_2H_2_1E9),
    (V2_M, 0, V2_M_0),
    (V2_M_0_MH, 1, V2_M_0_MH_1),
    (V2_M_0_MH_1_MH, 2, V2_M_0_MH_1_MH_2),
];

#[test]
fn ckdpub_matches_every_public_step_of_bip32_vectors_1_and_2() {
    for (parent, index, child) in PUBLIC_STEPS {
        let derived = xpub(parent).derive_child(index).unwrap();
        assert_eq!(derived.to_string(), child, "{parent} / {index}");
        assert_eq!(derived, xpub(child));
    }
}

#[test]
fn derive_path_chains_public_steps() {
    let derived = xpub(V1_M_0H_1_2H).derive_path(&[2, 1_000_000_000]).unwrap();
    assert_eq!(derived.to_string(), V1_M_0H_1_2H_2_1E9);
    assert_eq!(derived.depth, 5);
    assert_eq!(xpub(V1_M_0H_1_2H).derive_path(&[]).unwrap(), xpub(V1_M_0H_1_2H));
}

#[test]
fn every_vector_key_round_trips_through_its_string() {
    for s in [
        V1_M,
        V1_M_0H,
        V1_M_0H_1,
        V1_M_0H_1_2H,
        V1_M_0H_1_2H_2,
        V1_M_0H_1_2H_2_1E9,
        V2_M,
        V2_M_0,
        V2_M_0_MH,
        V2_M_0_MH_1,
        V2_M_0_MH_1_MH,
        V2_M_0_MH_1_MH_2,
    ] {
        assert_eq!(xpub(s).to_string(), s);
    }
}

#[test]
fn children_carry_their_parents_fingerprint_across_hardened_steps() {
    // Hardened steps cannot be derived publicly, but the child still names its parent.
    for (parent, child) in [
        (V1_M, V1_M_0H),
        (V1_M_0H, V1_M_0H_1),
        (V1_M_0H_1, V1_M_0H_1_2H),
        (V2_M_0, V2_M_0_MH),
        (V2_M_0_MH_1, V2_M_0_MH_1_MH),
    ] {
        assert_eq!(xpub(child).parent_fingerprint, xpub(parent).fingerprint());
    }
    // Vector 1's master key has fingerprint 3442193e (printed in the BIP's key ids).
    assert_eq!(hex::encode(xpub(V1_M).fingerprint()), "3442193e");
    assert_eq!(xpub(V1_M_0H).child_number, HARDENED);
    assert_eq!(xpub(V2_M_0_MH).child_number, HARDENED + 2_147_483_647);
}

#[test]
fn hardened_child_from_a_public_key_is_a_typed_error() {
    assert_eq!(xpub(V1_M).derive_child(HARDENED), Err(Bip32Error::HardenedDerivation(HARDENED)));
    assert_eq!(
        xpub(V1_M_0H_1).derive_path(&[HARDENED + 2]),
        Err(Bip32Error::HardenedDerivation(HARDENED + 2))
    );
}

fn encode(bytes: &[u8]) -> String {
    bs58::encode(bytes).with_check().into_string()
}

#[test]
fn tpub_is_for_test_networks_and_xpub_for_mainnet() {
    let mut bytes = xpub(V2_M).to_bytes();
    bytes[..4].copy_from_slice(&XPUB_VERSION_TESTNET);
    let tpub = encode(&bytes);
    assert!(tpub.starts_with("tpub"));
    for network in [Network::Testnet, Network::Devnet, Network::Regtest] {
        let key = ExtendedPubKey::parse(&tpub, network).unwrap();
        assert_eq!(key.to_string(), tpub);
        assert_eq!(key.public_key, xpub(V2_M).public_key);
    }
    assert_eq!(
        ExtendedPubKey::parse(&tpub, Network::Mainnet),
        Err(Bip32Error::WrongNetwork { expected: Network::Mainnet, version: XPUB_VERSION_TESTNET })
    );
    assert!(matches!(
        ExtendedPubKey::parse(V2_M, Network::Testnet),
        Err(Bip32Error::WrongNetwork { .. })
    ));
}

#[test]
fn malformed_extended_keys_are_rejected_with_their_reason() {
    let good = xpub(V1_M_0H).to_bytes();
    let with = |edit: &dyn Fn(&mut [u8; 78])| {
        let mut b = good;
        edit(&mut b);
        ExtendedPubKey::parse(&encode(&b), Network::Mainnet)
    };
    assert_eq!(
        with(&|b| b[..4].copy_from_slice(&[0x04, 0x88, 0xAD, 0xE4])),
        Err(Bip32Error::PrivateKey)
    );
    assert_eq!(
        with(&|b| b[..4].copy_from_slice(&[1, 2, 3, 4])),
        Err(Bip32Error::UnknownVersion([1, 2, 3, 4]))
    );
    assert_eq!(with(&|b| b[45] = 0x04), Err(Bip32Error::InvalidPublicKey));
    // x = 5 is not the x coordinate of any secp256k1 point (5³ + 7 = 132 is not a square).
    assert_eq!(
        with(&|b| {
            b[46..78].fill(0);
            b[77] = 5;
        }),
        Err(Bip32Error::InvalidPublicKey)
    );
    assert_eq!(with(&|b| b[4] = 0), Err(Bip32Error::InvalidMaster));

    let mut s = V1_M_0H.to_string();
    s.replace_range(20..21, if &s[20..21] == "a" { "b" } else { "a" });
    assert_eq!(ExtendedPubKey::parse(&s, Network::Mainnet), Err(Bip32Error::BadChecksum));
    assert_eq!(
        ExtendedPubKey::parse(&encode(&good[..77]), Network::Mainnet),
        Err(Bip32Error::BadLength(77))
    );
    assert_eq!(ExtendedPubKey::parse("xpub0OIl", Network::Mainnet), Err(Bip32Error::Base58));
    assert!(matches!(
        ExtendedPubKey::parse(&"x".repeat(500), Network::Mainnet),
        Err(Bip32Error::TooLong(500))
    ));
}

#[test]
fn hmac_sha512_matches_rfc4231_case_with_a_32_byte_key() {
    // RFC 4231 test case 2 uses a 4-byte key "Jefe"; zero-padding it to 32 bytes gives the
    // same HMAC (keys shorter than the block are zero-padded anyway).
    let mut key = [0u8; 32];
    key[..4].copy_from_slice(b"Jefe");
    let mac = hmac_sha512(&key, b"what do ya want for nothing?");
    assert_eq!(
        hex::encode(mac),
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
    );
}
