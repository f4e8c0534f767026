//! The LLMQ final commitment (`CFinalCommitment`, `src/llmq/commitment.h`) and the
//! dynamic bit set it carries.

use crate::encode::{write_compact_size, Decode, DecodeError, Encode, Reader};
use crate::hash::{sha256d, Hash256};

/// A dynamic bit set (`DYNBITSET`): `CompactSize nbits | ceil(nbits / 8) bytes`, bit `i` in
/// byte `i / 8` at position `i % 8`. The unused high bits of the last byte must be zero
/// (`ReadFixedBitSet`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BitSet {
    /// The number of bits.
    pub len: usize,
    /// The packed bits, `ceil(len / 8)` bytes.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub bytes: Vec<u8>,
}

impl BitSet {
    /// Bit `i` (false past the end).
    pub fn get(&self, i: usize) -> bool {
        i < self.len && self.bytes[i / 8] >> (i % 8) & 1 == 1
    }

    /// How many bits are set.
    pub fn count_ones(&self) -> usize {
        self.bytes.iter().map(|b| b.count_ones() as usize).sum()
    }
}

impl Encode for BitSet {
    fn encode(&self, out: &mut Vec<u8>) {
        write_compact_size(out, self.len as u64);
        out.extend_from_slice(&self.bytes);
    }
}

impl Decode for BitSet {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let len = r.read_compact_size()? as usize;
        let bytes = r.take(len.div_ceil(8))?.to_vec();
        if len % 8 != 0 && bytes[len / 8] >> (len % 8) != 0 {
            return Err(DecodeError::invalid("bits", "bits set past the end of the bit set"));
        }
        Ok(BitSet { len, bytes })
    }
}

/// A quorum's final commitment: the result of its DKG, mined in a block and listed in
/// `mnlistdiff`.
///
/// Wire: `nVersion u16 | llmqType u8 | quorumHash 32 | [nVersion 2 or 4] quorumIndex i16 |
/// signers | validMembers | quorumPublicKey 48 | quorumVvecHash 32 | quorumSig 96 |
/// membersSig 96`. Versions 1 and 2 use legacy BLS (key, signatures and scheme), 3 and 4
/// basic; 2 and 4 belong to rotated (DIP-0024) quorums.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FinalCommitment {
    /// Commitment version (1–4).
    pub version: u16,
    /// The LLMQ type.
    pub llmq_type: u8,
    /// Hash of the quorum's base block.
    pub quorum_hash: Hash256,
    /// Versions 2 and 4: the quorum's index in its rotation cycle (0 otherwise).
    pub quorum_index: i16,
    /// Members that signed the commitment.
    pub signers: BitSet,
    /// Members that completed the DKG.
    pub valid_members: BitSet,
    /// The quorum's threshold public key.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub quorum_public_key: [u8; 48],
    /// Hash of the quorum's verification vector.
    pub quorum_vvec_hash: Hash256,
    /// The quorum's threshold signature of the commitment hash.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub quorum_sig: [u8; 96],
    /// The aggregate of the signers' signatures of the commitment hash.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub members_sig: [u8; 96],
}

impl FinalCommitment {
    /// Whether the version carries a quorum index (rotated quorums).
    pub fn is_indexed(&self) -> bool {
        version_is_indexed(self.version)
    }

    /// Whether key and signatures are legacy BLS (versions 1 and 2).
    pub fn is_legacy_bls(&self) -> bool {
        self.version == 1 || self.version == 2
    }

    /// Whether this is a null commitment (no valid member: the DKG failed).
    pub fn is_null(&self) -> bool {
        self.signers.count_ones() == 0 && self.valid_members.count_ones() == 0
    }

    /// SHA256d of the serialized commitment: a leaf of `merkleRootQuorums`.
    pub fn hash(&self) -> Hash256 {
        Hash256::from_byte_array(sha256d(&self.to_bytes()))
    }

    /// The message `quorumSig` and `membersSig` sign (`BuildCommitmentHash`):
    /// `SHA256d(llmqType | quorumHash | validMembers | quorumPublicKey | quorumVvecHash)`.
    pub fn commitment_hash(&self) -> Hash256 {
        let mut buf = Vec::with_capacity(1 + 32 + 9 + self.valid_members.bytes.len() + 48 + 32);
        self.llmq_type.encode(&mut buf);
        self.quorum_hash.encode(&mut buf);
        self.valid_members.encode(&mut buf);
        self.quorum_public_key.encode(&mut buf);
        self.quorum_vvec_hash.encode(&mut buf);
        Hash256::from_byte_array(sha256d(&buf))
    }
}

fn version_is_indexed(version: u16) -> bool {
    version == 2 || version == 4
}

impl Encode for FinalCommitment {
    fn encode(&self, out: &mut Vec<u8>) {
        self.version.encode(out);
        self.llmq_type.encode(out);
        self.quorum_hash.encode(out);
        if self.is_indexed() {
            self.quorum_index.encode(out);
        }
        self.signers.encode(out);
        self.valid_members.encode(out);
        self.quorum_public_key.encode(out);
        self.quorum_vvec_hash.encode(out);
        self.quorum_sig.encode(out);
        self.members_sig.encode(out);
    }
}

impl Decode for FinalCommitment {
    const MIN_ENCODED_LEN: usize = 2 + 1 + 32 + 1 + 1 + 48 + 32 + 96 + 96;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let version: u16 = r.read("version")?;
        let llmq_type = r.read("llmq_type")?;
        let quorum_hash = r.read("quorum_hash")?;
        let quorum_index = if version_is_indexed(version) { r.read("quorum_index")? } else { 0 };
        Ok(FinalCommitment {
            version,
            llmq_type,
            quorum_hash,
            quorum_index,
            signers: r.read("signers")?,
            valid_members: r.read("valid_members")?,
            quorum_public_key: r.read("quorum_public_key")?,
            quorum_vvec_hash: r.read("quorum_vvec_hash")?,
            quorum_sig: r.read("quorum_sig")?,
            members_sig: r.read("members_sig")?,
        })
    }
}
