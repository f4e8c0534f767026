//! The `spork` payload and its hashes (`src/spork.{h,cpp}`, `src/util/message.cpp`).
//!
//! Only the hashes live here; recovering the signer from the signature is done elsewhere.

use crate::encode::{write_bytes, write_compact_size, Decode, DecodeError, Encode, Reader};
use crate::hash::{sha256d, Hash256};
use crate::network::Network;

/// Longest spork signature we accept. Dash Core reads `vchSig` as an unbounded vector but
/// only ever verifies it as a 65-byte compact recoverable ECDSA signature
/// (`CPubKey::RecoverCompact` refuses any other size), so nothing longer can be valid.
pub const MAX_SPORK_SIGNATURE_SIZE: usize = 65;

/// The value Dash Core gives a spork it has no message for (`4070908800`, 2099: off).
pub const SPORK_DEFAULT_VALUE: i64 = 4_070_908_800;

/// The prefix of Dash's message signing (`MESSAGE_MAGIC`).
pub const MESSAGE_MAGIC: &str = "DarkCoin Signed Message:\n";

/// A spork id (`SporkId` in `src/spork.h`); ids Dash Core does not know are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum SporkId {
    /// 10001 `SPORK_2_INSTANTSEND_ENABLED`.
    InstantSendEnabled,
    /// 10002 `SPORK_3_INSTANTSEND_BLOCK_FILTERING`.
    InstantSendBlockFiltering,
    /// 10008 `SPORK_9_SUPERBLOCKS_ENABLED`.
    SuperblocksEnabled,
    /// 10016 `SPORK_17_QUORUM_DKG_ENABLED`.
    QuorumDkgEnabled,
    /// 10018 `SPORK_19_CHAINLOCKS_ENABLED`.
    ChainLocksEnabled,
    /// 10020 `SPORK_21_QUORUM_ALL_CONNECTED`.
    QuorumAllConnected,
    /// 10022 `SPORK_23_QUORUM_POSE`.
    QuorumPose,
    /// Any other id (retired ones such as 10023 `SPORK_24_DEPRECATED` included).
    Unknown(i32),
}

impl SporkId {
    /// Every spork Dash Core currently knows.
    pub const KNOWN: [SporkId; 7] = [
        SporkId::InstantSendEnabled,
        SporkId::InstantSendBlockFiltering,
        SporkId::SuperblocksEnabled,
        SporkId::QuorumDkgEnabled,
        SporkId::ChainLocksEnabled,
        SporkId::QuorumAllConnected,
        SporkId::QuorumPose,
    ];

    /// The id from its wire value.
    pub fn from_i32(id: i32) -> Self {
        Self::KNOWN.into_iter().find(|k| k.to_i32() == id).unwrap_or(SporkId::Unknown(id))
    }

    /// The wire value.
    pub fn to_i32(self) -> i32 {
        match self {
            SporkId::InstantSendEnabled => 10001,
            SporkId::InstantSendBlockFiltering => 10002,
            SporkId::SuperblocksEnabled => 10008,
            SporkId::QuorumDkgEnabled => 10016,
            SporkId::ChainLocksEnabled => 10018,
            SporkId::QuorumAllConnected => 10020,
            SporkId::QuorumPose => 10022,
            SporkId::Unknown(id) => id,
        }
    }

    /// Dash Core's name (`SPORK_2_INSTANTSEND_ENABLED`…), `None` for unknown ids.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            SporkId::InstantSendEnabled => "SPORK_2_INSTANTSEND_ENABLED",
            SporkId::InstantSendBlockFiltering => "SPORK_3_INSTANTSEND_BLOCK_FILTERING",
            SporkId::SuperblocksEnabled => "SPORK_9_SUPERBLOCKS_ENABLED",
            SporkId::QuorumDkgEnabled => "SPORK_17_QUORUM_DKG_ENABLED",
            SporkId::ChainLocksEnabled => "SPORK_19_CHAINLOCKS_ENABLED",
            SporkId::QuorumAllConnected => "SPORK_21_QUORUM_ALL_CONNECTED",
            SporkId::QuorumPose => "SPORK_23_QUORUM_POSE",
            SporkId::Unknown(_) => return None,
        })
    }
}

impl std::fmt::Display for SporkId {
    /// Dash Core's name, or `SPORK_<id>` for an unknown id.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "SPORK_{}", self.to_i32()),
        }
    }
}

/// The `spork` payload (`CSporkMessage`): id, value, signing time and a compact signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Spork {
    /// Which spork (`nSporkID`).
    pub spork_id: SporkId,
    /// Its value; a spork is active once `value` < the adjusted time.
    pub value: i64,
    /// When the spork key signed it (`nTimeSigned`).
    pub time_signed: i64,
    /// The 65-byte compact recoverable signature (`vchSig`), see
    /// [`MAX_SPORK_SIGNATURE_SIZE`].
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub signature: Vec<u8>,
}

impl Spork {
    /// The inventory hash (`MSG_SPORK`): SHA256d of the whole serialization.
    pub fn inv_hash(&self) -> Hash256 {
        Hash256::from_byte_array(sha256d(&self.to_bytes()))
    }

    /// The testnet signature hash ("Harden Spork6" scheme):
    /// SHA256d(`nSporkID i32 | nValue i64 | nTimeSigned i64`).
    pub fn signature_hash_testnet(&self) -> Hash256 {
        let mut buf = Vec::with_capacity(20);
        self.spork_id.to_i32().encode(&mut buf);
        self.value.encode(&mut buf);
        self.time_signed.encode(&mut buf);
        Hash256::from_byte_array(sha256d(&buf))
    }

    /// The message mainnet, devnets and regtest sign: the three fields in decimal, no
    /// separators.
    pub fn signature_message(&self) -> String {
        format!("{}{}{}", self.spork_id.to_i32(), self.value, self.time_signed)
    }

    /// The hash the spork key signs on `network`: [`Spork::signature_hash_testnet`] on
    /// testnet, the message-signing hash of [`Spork::signature_message`] elsewhere.
    pub fn signature_hash(&self, network: Network) -> Hash256 {
        match network {
            Network::Testnet => self.signature_hash_testnet(),
            _ => signed_message_hash(self.signature_message().as_bytes()),
        }
    }
}

/// Dash's message-signing hash (`MessageHash`): SHA256d of the length-prefixed
/// [`MESSAGE_MAGIC`] followed by the length-prefixed message.
pub fn signed_message_hash(message: &[u8]) -> Hash256 {
    let mut buf = Vec::with_capacity(MESSAGE_MAGIC.len() + message.len() + 10);
    write_bytes(&mut buf, MESSAGE_MAGIC.as_bytes());
    write_compact_size(&mut buf, message.len() as u64);
    buf.extend_from_slice(message);
    Hash256::from_byte_array(sha256d(&buf))
}

impl Encode for Spork {
    fn encode(&self, out: &mut Vec<u8>) {
        self.spork_id.to_i32().encode(out);
        self.value.encode(out);
        self.time_signed.encode(out);
        write_bytes(out, &self.signature);
    }
}

impl Decode for Spork {
    const MIN_ENCODED_LEN: usize = 21;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Spork {
            spork_id: SporkId::from_i32(r.read("spork_id")?),
            value: r.read("value")?,
            time_signed: r.read("time_signed")?,
            signature: r.read_byte_vec("signature", MAX_SPORK_SIGNATURE_SIZE)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::DecodeErrorKind;
    use crate::wire::vector_tests::{assert_every_prefix_fails, vectors};

    #[test]
    fn spork_vectors_decode_re_encode_and_hash() {
        let v = vectors("spork.json");
        for case in v["vectors"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let raw = hex::decode(case["payload_hex"].as_str().unwrap()).unwrap();
            let spork = Spork::from_bytes(&raw).unwrap();
            assert_eq!(spork.to_bytes(), raw, "{name}");
            assert_every_prefix_fails::<Spork>(&raw);
            assert_eq!(spork.inv_hash().to_string(), case["inv_hash_display"], "{name}");
            assert_eq!(spork.signature.len(), 65);
            if case["network"] == "testnet" {
                assert_eq!(i64::from(spork.spork_id.to_i32()), case["nSporkID"]);
                assert_eq!(spork.spork_id, SporkId::InstantSendBlockFiltering);
                assert_eq!(spork.value, case["nValue"]);
                assert_eq!(spork.time_signed, case["nTimeSigned"]);
                let h = spork.signature_hash(Network::Testnet);
                assert_eq!(hex::encode(h.as_bytes()), case["signature_hash_raw_hex"]);
                assert_eq!(h.to_string(), case["signature_hash_display"]);
            } else {
                assert_eq!(spork.signature_message(), case["strMessage"], "{name}");
                assert_eq!(hex::encode(&spork.signature), case["vchSig_hex"]);
                let h = spork.signature_hash(Network::Regtest);
                assert_eq!(hex::encode(h.as_bytes()), case["message_hash_raw_hex"], "{name}");
                assert_eq!(spork.signature_hash(Network::Mainnet), h);
                assert_eq!(spork.signature_hash(Network::Devnet), h);
            }
        }
    }

    #[test]
    fn message_magic_hash_matches_dash_core_message_sign_vector() {
        let v = vectors("spork.json");
        let case = &v["message_signing_vectors_from_dash_core"][0];
        let h = signed_message_hash(case["message"].as_str().unwrap().as_bytes());
        assert_eq!(hex::encode(h.as_bytes()), case["message_hash_raw_hex"]);
    }

    #[test]
    fn spork_ids_have_dash_core_names_and_unknown_ids_are_kept() {
        let v = vectors("spork.json");
        for (name, id) in v["spork_ids"].as_object().unwrap() {
            let id = id.as_i64().unwrap();
            if name == "default_value_all" {
                assert_eq!(id, SPORK_DEFAULT_VALUE);
                continue;
            }
            let sid = SporkId::from_i32(id as i32);
            assert_eq!(i64::from(sid.to_i32()), id);
            if name.contains("DEPRECATED") {
                assert_eq!(sid, SporkId::Unknown(id as i32));
            } else {
                assert_eq!(sid.name(), Some(name.as_str()));
            }
        }
        let s =
            Spork { spork_id: SporkId::Unknown(-7), value: -1, time_signed: 0, signature: vec![] };
        assert_eq!(Spork::from_bytes(&s.to_bytes()).unwrap(), s);
        assert_eq!(s.signature_message(), "-7-10");
    }

    #[test]
    fn spork_signatures_longer_than_65_bytes_are_refused() {
        let s = Spork {
            spork_id: SporkId::InstantSendEnabled,
            value: 0,
            time_signed: 0,
            signature: vec![0; 66],
        };
        let err = Spork::from_bytes(&s.to_bytes()).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TooLarge { got: 66, max: 65 });
    }
}
