//! Inventory vectors and the `inv`, `getdata` and `notfound` payloads (`src/protocol.h`
//! `CInv`, `GetDataMsg`).

use crate::encode::{write_vec, Decode, DecodeError, Encode, Reader};
use crate::hash::{BlockHash, Hash256, Txid};

/// The most entries an `inv`, `getdata` or `notfound` may carry (`MAX_INV_SZ`). Dash Core
/// gives a peer that sends more misbehaving 20; we refuse to decode such a message.
pub const MAX_INV_SZ: usize = 50_000;

/// The type of an inventory entry (`GetDataMsg` in Dash Core's `src/protocol.h`).
///
/// Retired values (4, 5, 7–15, 19, 22, 27 and MSG_ISLOCK 30) and values Dash Core does not
/// define decode as [`InvType::Unknown`], which keeps the number so the entry re-encodes to
/// the same bytes; an unknown type is never a decoding error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum InvType {
    /// `MSG_TX` (1): a transaction, by txid.
    Tx,
    /// `MSG_BLOCK` (2): a full block, by block hash.
    Block,
    /// `MSG_FILTERED_BLOCK` (3): a `merkleblock` filtered through the loaded bloom filter,
    /// followed by the matching transactions. Only valid in `getdata`.
    FilteredBlock,
    /// `MSG_SPORK` (6): a spork message, by the SHA256d of its serialization.
    Spork,
    /// `MSG_DSTX` (16): a CoinJoin broadcast transaction.
    Dstx,
    /// `MSG_GOVERNANCE_OBJECT` (17): a governance object.
    GovernanceObject,
    /// `MSG_GOVERNANCE_OBJECT_VOTE` (18): a governance vote.
    GovernanceObjectVote,
    /// `MSG_CMPCT_BLOCK` (20): a compact block (BIP152). Only valid in `getdata`.
    CmpctBlock,
    /// `MSG_QUORUM_FINAL_COMMITMENT` (21): an LLMQ final commitment.
    QuorumFinalCommitment,
    /// `MSG_QUORUM_CONTRIB` (23): an LLMQ DKG contribution.
    QuorumContrib,
    /// `MSG_QUORUM_COMPLAINT` (24): an LLMQ DKG complaint.
    QuorumComplaint,
    /// `MSG_QUORUM_JUSTIFICATION` (25): an LLMQ DKG justification.
    QuorumJustification,
    /// `MSG_QUORUM_PREMATURE_COMMITMENT` (26): an LLMQ DKG premature commitment.
    QuorumPrematureCommitment,
    /// `MSG_QUORUM_RECOVERED_SIG` (28): an LLMQ recovered signature.
    QuorumRecoveredSig,
    /// `MSG_CLSIG` (29): a ChainLock signature.
    Clsig,
    /// `MSG_ISDLOCK` (31): a deterministic InstantSend lock.
    Isdlock,
    /// `MSG_DSQ` (32): a CoinJoin queue entry (announced by inv from protocol 70234 on).
    Dsq,
    /// `MSG_PLATFORM_BAN` (33): a Platform PoSe ban message.
    PlatformBan,
    /// Any other value, kept as received.
    Unknown(u32),
}

impl InvType {
    /// Every named type, in numeric order.
    pub const NAMED: [InvType; 18] = [
        InvType::Tx,
        InvType::Block,
        InvType::FilteredBlock,
        InvType::Spork,
        InvType::Dstx,
        InvType::GovernanceObject,
        InvType::GovernanceObjectVote,
        InvType::CmpctBlock,
        InvType::QuorumFinalCommitment,
        InvType::QuorumContrib,
        InvType::QuorumComplaint,
        InvType::QuorumJustification,
        InvType::QuorumPrematureCommitment,
        InvType::QuorumRecoveredSig,
        InvType::Clsig,
        InvType::Isdlock,
        InvType::Dsq,
        InvType::PlatformBan,
    ];

    /// The type for a wire value; unknown values give [`InvType::Unknown`].
    pub const fn from_u32(n: u32) -> Self {
        match n {
            1 => InvType::Tx,
            2 => InvType::Block,
            3 => InvType::FilteredBlock,
            6 => InvType::Spork,
            16 => InvType::Dstx,
            17 => InvType::GovernanceObject,
            18 => InvType::GovernanceObjectVote,
            20 => InvType::CmpctBlock,
            21 => InvType::QuorumFinalCommitment,
            23 => InvType::QuorumContrib,
            24 => InvType::QuorumComplaint,
            25 => InvType::QuorumJustification,
            26 => InvType::QuorumPrematureCommitment,
            28 => InvType::QuorumRecoveredSig,
            29 => InvType::Clsig,
            31 => InvType::Isdlock,
            32 => InvType::Dsq,
            33 => InvType::PlatformBan,
            n => InvType::Unknown(n),
        }
    }

    /// The wire value.
    pub const fn to_u32(self) -> u32 {
        match self {
            InvType::Tx => 1,
            InvType::Block => 2,
            InvType::FilteredBlock => 3,
            InvType::Spork => 6,
            InvType::Dstx => 16,
            InvType::GovernanceObject => 17,
            InvType::GovernanceObjectVote => 18,
            InvType::CmpctBlock => 20,
            InvType::QuorumFinalCommitment => 21,
            InvType::QuorumContrib => 23,
            InvType::QuorumComplaint => 24,
            InvType::QuorumJustification => 25,
            InvType::QuorumPrematureCommitment => 26,
            InvType::QuorumRecoveredSig => 28,
            InvType::Clsig => 29,
            InvType::Isdlock => 31,
            InvType::Dsq => 32,
            InvType::PlatformBan => 33,
            InvType::Unknown(n) => n,
        }
    }

    /// Dash Core's name for the type (`MSG_…`), or `None` for an unknown value.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self {
            InvType::Tx => "MSG_TX",
            InvType::Block => "MSG_BLOCK",
            InvType::FilteredBlock => "MSG_FILTERED_BLOCK",
            InvType::Spork => "MSG_SPORK",
            InvType::Dstx => "MSG_DSTX",
            InvType::GovernanceObject => "MSG_GOVERNANCE_OBJECT",
            InvType::GovernanceObjectVote => "MSG_GOVERNANCE_OBJECT_VOTE",
            InvType::CmpctBlock => "MSG_CMPCT_BLOCK",
            InvType::QuorumFinalCommitment => "MSG_QUORUM_FINAL_COMMITMENT",
            InvType::QuorumContrib => "MSG_QUORUM_CONTRIB",
            InvType::QuorumComplaint => "MSG_QUORUM_COMPLAINT",
            InvType::QuorumJustification => "MSG_QUORUM_JUSTIFICATION",
            InvType::QuorumPrematureCommitment => "MSG_QUORUM_PREMATURE_COMMITMENT",
            InvType::QuorumRecoveredSig => "MSG_QUORUM_RECOVERED_SIG",
            InvType::Clsig => "MSG_CLSIG",
            InvType::Isdlock => "MSG_ISDLOCK",
            InvType::Dsq => "MSG_DSQ",
            InvType::PlatformBan => "MSG_PLATFORM_BAN",
            InvType::Unknown(_) => return None,
        })
    }
}

impl From<u32> for InvType {
    fn from(n: u32) -> Self {
        InvType::from_u32(n)
    }
}

impl From<InvType> for u32 {
    fn from(t: InvType) -> Self {
        t.to_u32()
    }
}

impl Encode for InvType {
    fn encode(&self, out: &mut Vec<u8>) {
        self.to_u32().encode(out);
    }
}

impl Decode for InvType {
    const MIN_ENCODED_LEN: usize = 4;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        u32::decode(r).map(InvType::from_u32)
    }
}

/// One inventory entry (`CInv`): a type and a 32-byte hash, 36 bytes on the wire. The
/// types the client acts on carry their hash typed; any other type is kept as
/// [`Inventory::Other`] with its number and hash, so every entry re-encodes to the bytes it
/// was decoded from.
///
/// [`Inventory::new`] is the one constructor that picks the variant from an [`InvType`]:
/// an `Other` never holds a type that has a variant of its own when made by it or decoded.
///
/// With the `serde` feature an entry serializes as `{ "inv_type", "hash" }`, the hash in
/// display (byte-reversed) hex, whatever its variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Inventory {
    /// `MSG_TX`: a transaction.
    Tx(Txid),
    /// `MSG_BLOCK`: a full block.
    Block(BlockHash),
    /// `MSG_FILTERED_BLOCK`: a `merkleblock` and its matching transactions (`getdata` only).
    FilteredBlock(BlockHash),
    /// `MSG_CMPCT_BLOCK`: a compact block (`getdata` only).
    CmpctBlock(BlockHash),
    /// `MSG_SPORK`: a spork, by the SHA256d of its serialization.
    Spork(Hash256),
    /// `MSG_GOVERNANCE_OBJECT`: a governance object, by its hash.
    GovernanceObject(Hash256),
    /// `MSG_GOVERNANCE_OBJECT_VOTE`: a governance vote, by its hash.
    GovernanceObjectVote(Hash256),
    /// `MSG_CLSIG`: a ChainLock signature, by the SHA256d of its serialization.
    Clsig(Hash256),
    /// `MSG_ISDLOCK`: a deterministic InstantSend lock, by the SHA256d of its serialization.
    Isdlock(Hash256),
    /// Any other type, named by Dash Core or not, kept as received.
    Other {
        /// The type.
        inv_type: InvType,
        /// The hash, in wire order.
        hash: Hash256,
    },
}

impl Inventory {
    /// The size of a serialized entry.
    pub const SIZE: usize = 36;

    /// The entry of `inv_type` for `hash` (wire order), in its variant.
    pub const fn new(inv_type: InvType, hash: Hash256) -> Self {
        let h = hash.to_byte_array();
        match inv_type {
            InvType::Tx => Inventory::Tx(Txid::from_byte_array(h)),
            InvType::Block => Inventory::Block(BlockHash::from_byte_array(h)),
            InvType::FilteredBlock => Inventory::FilteredBlock(BlockHash::from_byte_array(h)),
            InvType::CmpctBlock => Inventory::CmpctBlock(BlockHash::from_byte_array(h)),
            InvType::Spork => Inventory::Spork(hash),
            InvType::GovernanceObject => Inventory::GovernanceObject(hash),
            InvType::GovernanceObjectVote => Inventory::GovernanceObjectVote(hash),
            InvType::Clsig => Inventory::Clsig(hash),
            InvType::Isdlock => Inventory::Isdlock(hash),
            inv_type => Inventory::Other { inv_type, hash },
        }
    }

    /// The entry's type.
    pub const fn inv_type(&self) -> InvType {
        match self {
            Inventory::Tx(_) => InvType::Tx,
            Inventory::Block(_) => InvType::Block,
            Inventory::FilteredBlock(_) => InvType::FilteredBlock,
            Inventory::CmpctBlock(_) => InvType::CmpctBlock,
            Inventory::Spork(_) => InvType::Spork,
            Inventory::GovernanceObject(_) => InvType::GovernanceObject,
            Inventory::GovernanceObjectVote(_) => InvType::GovernanceObjectVote,
            Inventory::Clsig(_) => InvType::Clsig,
            Inventory::Isdlock(_) => InvType::Isdlock,
            Inventory::Other { inv_type, .. } => *inv_type,
        }
    }

    /// The entry's hash as 32 bytes in wire order, whatever its type.
    pub const fn hash(&self) -> Hash256 {
        match self {
            Inventory::Tx(h) => Hash256::from_byte_array(h.to_byte_array()),
            Inventory::Block(h) | Inventory::FilteredBlock(h) | Inventory::CmpctBlock(h) => {
                Hash256::from_byte_array(h.to_byte_array())
            }
            Inventory::Spork(h)
            | Inventory::GovernanceObject(h)
            | Inventory::GovernanceObjectVote(h)
            | Inventory::Clsig(h)
            | Inventory::Isdlock(h)
            | Inventory::Other { hash: h, .. } => *h,
        }
    }

    /// The block a `Block`, `FilteredBlock` or `CmpctBlock` entry names.
    pub const fn block_hash(&self) -> Option<BlockHash> {
        match self {
            Inventory::Block(h) | Inventory::FilteredBlock(h) | Inventory::CmpctBlock(h) => {
                Some(*h)
            }
            _ => None,
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Inventory {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut entry = s.serialize_struct("Inventory", 2)?;
        entry.serialize_field("inv_type", &self.inv_type())?;
        entry.serialize_field("hash", &self.hash())?;
        entry.end()
    }
}

impl Encode for Inventory {
    fn encode(&self, out: &mut Vec<u8>) {
        self.inv_type().encode(out);
        self.hash().encode(out);
    }
}

impl Decode for Inventory {
    const MIN_ENCODED_LEN: usize = Inventory::SIZE;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let inv_type: InvType = r.read("inv_type")?;
        let hash: Hash256 = r.read("hash")?;
        Ok(Inventory::new(inv_type, hash))
    }
}

macro_rules! inventory_payload {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        pub struct $name {
            /// The entries, at most [`MAX_INV_SZ`].
            pub inventory: Vec<Inventory>,
        }

        impl $name {
            /// A payload carrying `inventory`.
            pub fn new(inventory: Vec<Inventory>) -> Self {
                $name { inventory }
            }
        }

        impl Encode for $name {
            fn encode(&self, out: &mut Vec<u8>) {
                write_vec(out, &self.inventory);
            }
        }

        impl Decode for $name {
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok($name { inventory: r.read_vec("inventory", MAX_INV_SZ)? })
            }
        }
    };
}

inventory_payload!(
    /// The `inv` payload: announces objects the sender has (`CompactSize n | n × CInv`).
    Inv
);
inventory_payload!(
    /// The `getdata` payload: requests objects by inventory (`CompactSize n | n × CInv`).
    GetData
);
inventory_payload!(
    /// The `notfound` payload: `getdata` entries the peer could not serve (never blocks in
    /// Dash Core, which does not answer for missing blocks).
    NotFound
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::DecodeErrorKind;

    #[test]
    fn every_named_type_round_trips_through_its_number() {
        let numbers: Vec<u32> = InvType::NAMED.iter().map(|t| t.to_u32()).collect();
        assert_eq!(numbers, [1, 2, 3, 6, 16, 17, 18, 20, 21, 23, 24, 25, 26, 28, 29, 31, 32, 33]);
        for t in InvType::NAMED {
            assert_eq!(InvType::from_u32(t.to_u32()), t);
            assert!(t.name().is_some_and(|n| n.starts_with("MSG_")));
            let bytes = t.to_bytes();
            assert_eq!(InvType::from_bytes(&bytes).unwrap(), t);
        }
        assert_eq!(InvType::Clsig.name(), Some("MSG_CLSIG"));
        assert_eq!(InvType::from_u32(3), InvType::FilteredBlock);
    }

    #[test]
    fn unknown_and_retired_types_are_kept_not_rejected() {
        for n in [0u32, 4, 5, 7, 15, 19, 22, 27, 30, 34, 0x4000_0001, u32::MAX] {
            let t = InvType::from_u32(n);
            assert_eq!(t, InvType::Unknown(n));
            assert_eq!(t.name(), None);
            let mut raw = n.to_le_bytes().to_vec();
            raw.extend_from_slice(&[0xab; 32]);
            let entry = Inventory::from_bytes(&raw).unwrap();
            let hash = Hash256::from_byte_array([0xab; 32]);
            assert_eq!(entry, Inventory::Other { inv_type: InvType::Unknown(n), hash });
            assert_eq!(entry.to_bytes(), raw);
        }
    }

    #[test]
    fn every_type_decodes_to_its_variant_and_re_encodes_to_the_same_bytes() {
        let mut bytes = [0u8; 32];
        bytes[0] = 0x11;
        bytes[31] = 0x22;
        let hash = Hash256::from_byte_array(bytes);
        for t in InvType::NAMED.into_iter().chain([InvType::Unknown(4), InvType::Unknown(99)]) {
            let mut raw = t.to_u32().to_le_bytes().to_vec();
            raw.extend_from_slice(&bytes);
            let entry = Inventory::from_bytes(&raw).unwrap();
            assert_eq!(entry, Inventory::new(t, hash));
            assert_eq!((entry.inv_type(), entry.hash()), (t, hash));
            assert_eq!(entry.to_bytes(), raw, "{t:?}");
            let own_variant = !matches!(entry, Inventory::Other { .. });
            let acted_on = [
                InvType::Tx,
                InvType::Block,
                InvType::FilteredBlock,
                InvType::CmpctBlock,
                InvType::Spork,
                InvType::GovernanceObject,
                InvType::GovernanceObjectVote,
                InvType::Clsig,
                InvType::Isdlock,
            ];
            assert_eq!(own_variant, acted_on.contains(&t), "{t:?}");
        }
        let block = BlockHash::from_byte_array(bytes);
        assert_eq!(Inventory::new(InvType::FilteredBlock, hash), Inventory::FilteredBlock(block));
        assert_eq!(Inventory::new(InvType::Tx, hash), Inventory::Tx(Txid::from_byte_array(bytes)));
        assert_eq!(Inventory::FilteredBlock(block).block_hash(), Some(block));
        assert_eq!(Inventory::Spork(hash).block_hash(), None);
    }

    #[test]
    fn inv_payload_round_trips() {
        let inv = Inv::new(vec![
            Inventory::Tx(Txid::from_byte_array([1; 32])),
            Inventory::Isdlock(Hash256::from_byte_array([2; 32])),
            Inventory::new(InvType::Unknown(99), Hash256::from_byte_array([3; 32])),
        ]);
        let bytes = inv.to_bytes();
        assert_eq!(bytes.len(), 1 + 3 * 36);
        assert_eq!(bytes[1..5], [1, 0, 0, 0]);
        assert_eq!(Inv::from_bytes(&bytes).unwrap(), inv);
        assert_eq!(GetData::from_bytes(&bytes).unwrap().inventory, inv.inventory);
        assert_eq!(NotFound::from_bytes(&bytes).unwrap().inventory, inv.inventory);
    }

    #[test]
    fn inventory_count_above_max_inv_sz_is_rejected() {
        let mut bytes = Vec::new();
        crate::encode::write_compact_size(&mut bytes, MAX_INV_SZ as u64 + 1);
        bytes.resize(bytes.len() + (MAX_INV_SZ + 1) * 36, 0);
        let err = GetData::from_bytes(&bytes).unwrap_err();
        assert_eq!(err.field, "inventory");
        assert_eq!(
            err.kind,
            DecodeErrorKind::TooLarge { got: MAX_INV_SZ as u64 + 1, max: MAX_INV_SZ as u64 }
        );
    }

    #[test]
    fn inventory_count_beyond_the_bytes_present_is_rejected_before_allocating() {
        // Claims 50,000 entries with one entry's bytes behind it.
        let mut bytes = Vec::new();
        crate::encode::write_compact_size(&mut bytes, MAX_INV_SZ as u64);
        bytes.extend_from_slice(&[1, 0, 0, 0]);
        bytes.extend_from_slice(&[0; 32]);
        let err = Inv::from_bytes(&bytes).unwrap_err();
        assert_eq!(err.field, "inventory");
        assert_eq!(
            err.kind,
            DecodeErrorKind::UnexpectedEnd { needed: MAX_INV_SZ * 36, remaining: 36 }
        );
    }
}
