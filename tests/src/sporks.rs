//! Sporks signed the way Dash Core's spork key holders sign them (`src/spork.cpp
//! CSporkMessage::Sign`): a 65-byte compact recoverable ECDSA signature over the network's
//! spork hash (message-magic signing of `"<id><value><time>"` on regtest, PROTOCOL.md §7.4).

use crate::keys::{decode_wif, KeyError};
use dashlite::network::Network;
use dashlite::wire::{Spork, SporkId};
use secp256k1::{Message, Secp256k1, SecretKey};

/// The regtest spork private key, published in a comment of Dash Core's `chainparams.cpp`
/// (`CRegTestParams`); its address is `yj949n1UH6fDhw6HtVE5VMj2iSTaSWBMcW`.
pub const REGTEST_SPORK_WIF: &str = "cP4EKFyJsHT39LDqgdcB43Y3YXjNyjb5Fuas1GQSeAtjnZWmZEQK";

/// The regtest spork key.
pub fn regtest_spork_key() -> Result<SecretKey, KeyError> {
    decode_wif(REGTEST_SPORK_WIF, Network::Regtest).map(|(key, _)| key)
}

/// A spork signed with `key` for `network` (compressed-key recovery header `31 + recid`).
pub fn sign_spork(
    id: SporkId,
    value: i64,
    time_signed: i64,
    key: &SecretKey,
    network: Network,
) -> Spork {
    let mut spork = Spork { spork_id: id, value, time_signed, signature: Vec::new() };
    let digest = spork.signature_hash(network).to_byte_array();
    let sig = Secp256k1::signing_only().sign_ecdsa_recoverable(Message::from_digest(digest), key);
    let (recid, compact) = sig.serialize_compact();
    spork.signature.push(27 + 4 + i32::from(recid) as u8);
    spork.signature.extend_from_slice(&compact);
    spork
}
