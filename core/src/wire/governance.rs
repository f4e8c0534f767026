//! Governance payloads: `govobj`, `govobjvote` and `govsync` with the hashes Dash Core
//! computes for them (`src/governance/common.{h,cpp}`, `object.cpp`, `vote.{h,cpp}`).

use super::control::FilterLoad;
use super::spork::signed_message_hash;
use crate::encode::{write_bytes, Decode, DecodeError, Encode, Reader};
use crate::hash::{sha256d, Hash256, Txid};
use crate::tx::OutPoint;

/// Largest `vchData` we accept. Dash Core dropped its own limit
/// (`MAX_GOVERNANCE_OBJECT_DATA_SIZE`, 16 KiB, removed in dashpay/dash#2298); proposals are
/// held to 512 bytes by validation, triggers (superblock payment lists) to nothing but the
/// 3 MiB message size. We cap at that message size so no object Dash Core relays is refused.
pub const MAX_GOVERNANCE_DATA_SIZE: usize = 3 * 1024 * 1024;

/// Largest governance object or vote signature we accept. Dash Core reads `vchSig` as an
/// unbounded vector but only verifies 96-byte BLS signatures (operator) or 65-byte compact
/// ECDSA signatures (voting key), so nothing longer can be valid.
pub const MAX_GOVERNANCE_SIGNATURE_SIZE: usize = 96;

macro_rules! int_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $value:expr),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            /// A value Dash Core does not define, kept as received.
            Other(i32),
        }

        impl $name {
            /// The value from its wire form.
            pub fn from_i32(v: i32) -> Self {
                match v {
                    $($value => $name::$variant,)*
                    other => $name::Other(other),
                }
            }

            /// The wire form.
            pub fn to_i32(self) -> i32 {
                match self {
                    $($name::$variant => $value,)*
                    $name::Other(v) => v,
                }
            }
        }

        impl Encode for $name {
            fn encode(&self, out: &mut Vec<u8>) {
                self.to_i32().encode(out);
            }
        }

        impl Decode for $name {
            const MIN_ENCODED_LEN: usize = 4;
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                i32::decode(r).map($name::from_i32)
            }
        }
    };
}

int_enum!(
    /// A governance object's type (`GovernanceObject`).
    GovObjectType {
        /// 0 `UNKNOWN`.
        Unknown = 0,
        /// 1 `PROPOSAL`: a budget proposal, paid for by a collateral transaction.
        Proposal = 1,
        /// 2 `TRIGGER`: a superblock trigger, signed by a masternode operator.
        Trigger = 2,
    }
);

int_enum!(
    /// How a masternode voted (`vote_outcome_enum_t`).
    VoteOutcome {
        /// 0 `VOTE_OUTCOME_NONE`.
        None = 0,
        /// 1 `VOTE_OUTCOME_YES`.
        Yes = 1,
        /// 2 `VOTE_OUTCOME_NO`.
        No = 2,
        /// 3 `VOTE_OUTCOME_ABSTAIN`.
        Abstain = 3,
    }
);

int_enum!(
    /// What a vote is about (`vote_signal_enum_t`).
    VoteSignal {
        /// 0 `VOTE_SIGNAL_NONE`.
        None = 0,
        /// 1 `VOTE_SIGNAL_FUNDING`.
        Funding = 1,
        /// 2 `VOTE_SIGNAL_VALID`.
        Valid = 2,
        /// 3 `VOTE_SIGNAL_DELETE`.
        Delete = 3,
        /// 4 `VOTE_SIGNAL_ENDORSED`.
        Endorsed = 4,
    }
);

/// The `govobj` payload (`Governance::Object`): a proposal or a trigger.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GovObject {
    /// Parent object (zero for a root object).
    pub parent_hash: Hash256,
    /// Revision (`revision`, int32).
    pub revision: i32,
    /// Creation time, seconds since the Unix epoch (int64).
    pub time: i64,
    /// The proposal's collateral transaction (zero for triggers).
    pub collateral_hash: Txid,
    /// The object's data: JSON text for current objects; at most
    /// [`MAX_GOVERNANCE_DATA_SIZE`].
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub data: Vec<u8>,
    /// Proposal or trigger.
    pub object_type: GovObjectType,
    /// The signing masternode's collateral (null for proposals).
    pub masternode_outpoint: OutPoint,
    /// The operator's BLS signature (empty for proposals).
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub signature: Vec<u8>,
}

impl GovObject {
    /// The object hash (inventory type 17, `Object::GetHash`). It does not follow the wire
    /// layout: SHA256d of parent, revision, time, the data as length-prefixed lowercase hex
    /// text, the outpoint followed by `0x00 ffffffff` (an old `CTxIn`'s empty script and
    /// sequence) and the length-prefixed signature. Collateral and type are not hashed.
    pub fn hash(&self) -> Hash256 {
        let mut buf = Vec::with_capacity(128 + 2 * self.data.len() + self.signature.len());
        self.parent_hash.encode(&mut buf);
        self.revision.encode(&mut buf);
        self.time.encode(&mut buf);
        write_bytes(&mut buf, hex::encode(&self.data).as_bytes());
        self.masternode_outpoint.encode(&mut buf);
        buf.push(0);
        buf.extend_from_slice(&[0xff; 4]);
        write_bytes(&mut buf, &self.signature);
        Hash256::from_byte_array(sha256d(&buf))
    }

    /// The hash the operator signs (`GetSignatureHash`): SHA256d of the wire serialization
    /// without the signature.
    pub fn signature_hash(&self) -> Hash256 {
        let mut buf = Vec::with_capacity(150 + self.data.len());
        self.encode_unsigned(&mut buf);
        Hash256::from_byte_array(sha256d(&buf))
    }

    fn encode_unsigned(&self, out: &mut Vec<u8>) {
        self.parent_hash.encode(out);
        self.revision.encode(out);
        self.time.encode(out);
        self.collateral_hash.encode(out);
        write_bytes(out, &self.data);
        self.object_type.encode(out);
        self.masternode_outpoint.encode(out);
    }
}

impl Encode for GovObject {
    fn encode(&self, out: &mut Vec<u8>) {
        self.encode_unsigned(out);
        write_bytes(out, &self.signature);
    }
}

impl Decode for GovObject {
    const MIN_ENCODED_LEN: usize = 118;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(GovObject {
            parent_hash: r.read("parent_hash")?,
            revision: r.read("revision")?,
            time: r.read("time")?,
            collateral_hash: r.read("collateral_hash")?,
            data: r.read_byte_vec("data", MAX_GOVERNANCE_DATA_SIZE)?,
            object_type: r.read("object_type")?,
            masternode_outpoint: r.read("masternode_outpoint")?,
            signature: r.read_byte_vec("signature", MAX_GOVERNANCE_SIGNATURE_SIZE)?,
        })
    }
}

/// The `govobjvote` payload (`CGovernanceVote`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GovObjectVote {
    /// The voting masternode's collateral.
    pub masternode_outpoint: OutPoint,
    /// The object voted on.
    pub parent_hash: Hash256,
    /// Yes, no or abstain.
    pub outcome: VoteOutcome,
    /// Funding, valid, delete or endorsed.
    pub signal: VoteSignal,
    /// When the vote was cast (int64).
    pub time: i64,
    /// BLS operator signature or compact ECDSA voting-key signature.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub signature: Vec<u8>,
}

impl GovObjectVote {
    /// The vote hash (inventory type 18): SHA256d of outpoint, `0x00 ffffffff`, parent,
    /// **signal, then outcome** (the reverse of the wire order) and time; no signature.
    pub fn hash(&self) -> Hash256 {
        let mut buf = Vec::with_capacity(89);
        self.masternode_outpoint.encode(&mut buf);
        buf.push(0);
        buf.extend_from_slice(&[0xff; 4]);
        self.parent_hash.encode(&mut buf);
        self.signal.encode(&mut buf);
        self.outcome.encode(&mut buf);
        self.time.encode(&mut buf);
        Hash256::from_byte_array(sha256d(&buf))
    }

    /// The hash signed by the operator's BLS key, and by the voting key on testnet:
    /// SHA256d of the wire serialization without the signature.
    pub fn signature_hash(&self) -> Hash256 {
        let mut buf = Vec::with_capacity(84);
        self.encode_unsigned(&mut buf);
        Hash256::from_byte_array(sha256d(&buf))
    }

    /// The text the voting key signs on mainnet, devnets and regtest
    /// (`GetSignatureString`): `<txid>-<n>|<parent>|<signal>|<outcome>|<time>`, hashes in
    /// display order.
    pub fn signature_string(&self) -> String {
        format!(
            "{}-{}|{}|{}|{}|{}",
            self.masternode_outpoint.txid,
            self.masternode_outpoint.vout,
            self.parent_hash,
            self.signal.to_i32(),
            self.outcome.to_i32(),
            self.time
        )
    }

    /// The message-signing hash of [`GovObjectVote::signature_string`].
    pub fn signature_message_hash(&self) -> Hash256 {
        signed_message_hash(self.signature_string().as_bytes())
    }

    fn encode_unsigned(&self, out: &mut Vec<u8>) {
        self.masternode_outpoint.encode(out);
        self.parent_hash.encode(out);
        self.outcome.encode(out);
        self.signal.encode(out);
        self.time.encode(out);
    }
}

impl Encode for GovObjectVote {
    fn encode(&self, out: &mut Vec<u8>) {
        self.encode_unsigned(out);
        write_bytes(out, &self.signature);
    }
}

impl Decode for GovObjectVote {
    const MIN_ENCODED_LEN: usize = 85;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(GovObjectVote {
            masternode_outpoint: r.read("masternode_outpoint")?,
            parent_hash: r.read("parent_hash")?,
            outcome: r.read("outcome")?,
            signal: r.read("signal")?,
            time: r.read("time")?,
            signature: r.read_byte_vec("signature", MAX_GOVERNANCE_SIGNATURE_SIZE)?,
        })
    }
}

/// The `govsync` payload: a zero `prop_hash` asks for every object; otherwise it asks for
/// the votes on that object whose hashes are not in `filter` (an empty filter matches
/// everything, so it yields no votes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GovSync {
    /// The object whose votes are wanted, or zero for all objects (`nProp`).
    pub prop_hash: Hash256,
    /// Vote hashes already known (a serialized `CBloomFilter`).
    pub filter: FilterLoad,
}

impl Encode for GovSync {
    fn encode(&self, out: &mut Vec<u8>) {
        self.prop_hash.encode(out);
        self.filter.encode(out);
    }
}

impl Decode for GovSync {
    const MIN_ENCODED_LEN: usize = 42;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(GovSync { prop_hash: r.read("prop_hash")?, filter: r.read("filter")? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::write_compact_size;
    use crate::wire::vector_tests::{assert_every_prefix_fails, vectors};

    fn unhex(s: &serde_json::Value) -> Vec<u8> {
        hex::decode(s.as_str().expect("hex string")).expect("vector hex")
    }

    #[test]
    fn govobj_vectors_decode_re_encode_and_hash() {
        let v = vectors("governance.json");
        for case in v["govobj_vectors"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let Some(payload) = case.get("govobj_payload_hex") else { continue };
            let raw = unhex(payload);
            let obj = GovObject::from_bytes(&raw).unwrap();
            assert_eq!(obj.to_bytes(), raw, "{name}");
            assert_every_prefix_fails::<GovObject>(&raw);
            let p = &case["parsed"];
            assert_eq!(i64::from(obj.revision), p["revision"]);
            assert_eq!(obj.time, p["time"]);
            assert_eq!(obj.collateral_hash.to_string(), p["collateralHash_display"]);
            assert_eq!(i64::from(obj.object_type.to_i32()), p["type"]);
            assert_eq!(obj.object_type, GovObjectType::Proposal);
            assert_eq!(obj.data, p["vchData_utf8"].as_str().unwrap().as_bytes());
            assert!(obj.masternode_outpoint.is_null() && obj.signature.is_empty());
            assert_eq!(hex::encode(obj.hash().as_bytes()), case["expected_hash_raw_hex"]);
            assert_eq!(obj.hash().to_string(), case["hash_display"]);
            assert_eq!(obj.signature_hash().to_string(), case["derived_signature_hash_display"]);
        }
    }

    #[test]
    fn govobj_hash_preimage_matches_the_prepare_vector() {
        let v = vectors("governance.json");
        let case = &v["govobj_vectors"][2];
        let f = &case["fields"];
        let obj = GovObject {
            parent_hash: Hash256::ZERO,
            revision: f["revision"].as_i64().unwrap() as i32,
            time: f["time"].as_i64().unwrap(),
            // Not hashed: any collateral and type give the same hash.
            collateral_hash: Txid::from_byte_array([0xab; 32]),
            data: unhex(&f["vchData_hex"]),
            object_type: GovObjectType::Other(77),
            masternode_outpoint: OutPoint::NULL,
            signature: Vec::new(),
        };
        assert_eq!(sha256d(&unhex(&case["hash_preimage_hex"])), obj.hash().to_byte_array());
        assert_eq!(obj.hash().to_string(), case["expected_hash_display"]);
        assert_eq!(hex::encode(obj.hash().as_bytes()), case["hash_raw_hex"]);
    }

    #[test]
    fn vote_vectors_hash_with_signal_before_outcome() {
        let v = vectors("governance.json");
        for case in v["govobjvote_vectors"].as_array().unwrap() {
            let raw = unhex(&case["wire_payload_hex_with_empty_sig"]);
            let vote = GovObjectVote::from_bytes(&raw).unwrap();
            assert_eq!(vote.to_bytes(), raw);
            assert_every_prefix_fails::<GovObjectVote>(&raw);
            let mn = &case["masternodeOutpoint"];
            assert_eq!(vote.masternode_outpoint.txid.to_string(), mn["hash_display"]);
            assert_eq!(u64::from(vote.masternode_outpoint.vout), mn["n"]);
            assert_eq!(vote.parent_hash.to_string(), case["nParentHash_display"]);
            assert_eq!(i64::from(vote.signal.to_i32()), case["nVoteSignal"]);
            assert_eq!(i64::from(vote.outcome.to_i32()), case["nVoteOutcome"]);
            assert_eq!(vote.time, case["nTime"]);
            assert_eq!(hex::encode(vote.hash().as_bytes()), case["vote_hash_raw_hex"]);
            assert_eq!(vote.hash().to_string(), case["vote_hash_display"]);
            assert_eq!(
                vote.signature_hash().to_string(),
                case["signature_hash_display (BLS operator / testnet ECDSA)"]
            );
            assert_eq!(
                vote.signature_string(),
                case["GetSignatureString (mainnet ECDSA voting key)"]
            );
            assert_eq!(
                vote.signature_message_hash(),
                signed_message_hash(vote.signature_string().as_bytes())
            );
        }
        // The two vectors differ in signal and outcome; swapping them changes the hash.
        let raw = unhex(&v["govobjvote_vectors"][1]["wire_payload_hex_with_empty_sig"]);
        let mut vote = GovObjectVote::from_bytes(&raw).unwrap();
        assert_eq!((vote.signal, vote.outcome), (VoteSignal::Delete, VoteOutcome::No));
        let h = vote.hash();
        (vote.signal, vote.outcome) = (VoteSignal::from_i32(2), VoteOutcome::from_i32(3));
        assert_ne!(vote.hash(), h);
    }

    #[test]
    fn govsync_full_request_has_zero_hash_and_empty_filter() {
        let v = vectors("governance.json");
        let raw = unhex(&v["govsync"]["full_sync_request_payload_hex"]);
        let sync = GovSync::from_bytes(&raw).unwrap();
        assert_eq!(sync, GovSync::default());
        assert_eq!(sync.to_bytes(), raw);
        assert_every_prefix_fails::<GovSync>(&raw);
    }

    #[test]
    fn unknown_enum_values_are_kept() {
        for x in [-1, 5, 1000, i32::MIN] {
            assert_eq!(VoteSignal::from_i32(x).to_i32(), x);
            assert_eq!(VoteOutcome::from_i32(x).to_i32(), x);
            assert_eq!(GovObjectType::from_i32(x + 3).to_i32(), x + 3);
        }
        assert_eq!(VoteSignal::from_i32(4), VoteSignal::Endorsed);
        assert_eq!(VoteOutcome::from_i32(3), VoteOutcome::Abstain);
        assert_eq!(GovObjectType::from_i32(2), GovObjectType::Trigger);
    }

    #[test]
    fn signatures_longer_than_96_bytes_are_refused_before_reading_them() {
        let mut raw = GovObjectVote::from_bytes(&unhex(
            &vectors("governance.json")["govobjvote_vectors"][0]["wire_payload_hex_with_empty_sig"],
        ))
        .unwrap()
        .to_bytes();
        raw.pop();
        write_compact_size(&mut raw, 97);
        let err = GovObjectVote::from_bytes(&raw).unwrap_err();
        assert_eq!(err.field, "signature");
    }
}
