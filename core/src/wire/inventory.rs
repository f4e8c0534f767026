//! Inventory vectors and the `inv`, `getdata` and `notfound` payloads (`src/protocol.h`
//! `CInv`, `GetDataMsg`).

use crate::encode::{write_vec, Decode, DecodeError, Encode, Reader};
use crate::hash::Hash256;

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

/// One inventory entry (`CInv`): a type and a 32-byte hash, 36 bytes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Inventory {
    /// What the hash identifies.
    pub inv_type: InvType,
    /// The object's hash (txid, block hash, spork hash, …) in wire order.
    pub hash: Hash256,
}

impl Inventory {
    /// The size of a serialized entry.
    pub const SIZE: usize = 36;

    /// An entry of `inv_type` for `hash`.
    pub const fn new(inv_type: InvType, hash: Hash256) -> Self {
        Inventory { inv_type, hash }
    }
}

impl Encode for Inventory {
    fn encode(&self, out: &mut Vec<u8>) {
        self.inv_type.encode(out);
        self.hash.encode(out);
    }
}

impl Decode for Inventory {
    const MIN_ENCODED_LEN: usize = Inventory::SIZE;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Inventory { inv_type: r.read("inv_type")?, hash: r.read("hash")? })
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
            assert_eq!(entry.inv_type, InvType::Unknown(n));
            assert_eq!(entry.to_bytes(), raw);
        }
    }

    #[test]
    fn inv_payload_round_trips() {
        let inv = Inv::new(vec![
            Inventory::new(InvType::Tx, Hash256::from_byte_array([1; 32])),
            Inventory::new(InvType::Isdlock, Hash256::from_byte_array([2; 32])),
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
