//! The 80-byte block header.

use crate::encode::{Decode, DecodeError, Encode, Reader};
use crate::hash::x11::x11;
use crate::hash::{BlockHash, Hash256};

/// A block header (`CBlockHeader`): 80 bytes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockHeader {
    /// Block version (`nVersion`).
    pub version: i32,
    /// Hash of the previous block.
    pub prev_blockhash: BlockHash,
    /// Root of the merkle tree of this block's transaction ids.
    pub merkle_root: Hash256,
    /// Block time, seconds since the Unix epoch.
    pub time: u32,
    /// The target in compact form.
    pub bits: u32,
    /// The proof-of-work nonce.
    pub nonce: u32,
}

impl BlockHeader {
    /// The size of a serialized header.
    pub const SIZE: usize = 80;

    /// The block hash: X11 of the 80-byte header. This costs about 10–20 µs; callers that
    /// need it more than once keep it.
    pub fn block_hash(&self) -> BlockHash {
        BlockHash::from_byte_array(x11(&self.to_array()))
    }

    /// The 80-byte serialization.
    pub fn to_array(&self) -> [u8; 80] {
        let mut out = [0u8; 80];
        out[0..4].copy_from_slice(&self.version.to_le_bytes());
        out[4..36].copy_from_slice(self.prev_blockhash.as_bytes());
        out[36..68].copy_from_slice(self.merkle_root.as_bytes());
        out[68..72].copy_from_slice(&self.time.to_le_bytes());
        out[72..76].copy_from_slice(&self.bits.to_le_bytes());
        out[76..80].copy_from_slice(&self.nonce.to_le_bytes());
        out
    }

    /// Parses an 80-byte serialization.
    pub fn from_array(b: &[u8; 80]) -> Self {
        let word = |i: usize| [b[i], b[i + 1], b[i + 2], b[i + 3]];
        let hash = |i: usize| {
            let mut h = [0u8; 32];
            h.copy_from_slice(&b[i..i + 32]);
            h
        };
        BlockHeader {
            version: i32::from_le_bytes(word(0)),
            prev_blockhash: BlockHash::from_byte_array(hash(4)),
            merkle_root: Hash256::from_byte_array(hash(36)),
            time: u32::from_le_bytes(word(68)),
            bits: u32::from_le_bytes(word(72)),
            nonce: u32::from_le_bytes(word(76)),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for BlockHeader {
    /// The fields, and the block hash (X11) first.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("BlockHeader", 7)?;
        st.serialize_field("block_hash", &self.block_hash())?;
        st.serialize_field("version", &self.version)?;
        st.serialize_field("prev_blockhash", &self.prev_blockhash)?;
        st.serialize_field("merkle_root", &self.merkle_root)?;
        st.serialize_field("time", &self.time)?;
        st.serialize_field("bits", &format_args!("0x{:08x}", self.bits).to_string())?;
        st.serialize_field("nonce", &self.nonce)?;
        st.end()
    }
}

impl Encode for BlockHeader {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_array());
    }
}

impl Decode for BlockHeader {
    const MIN_ENCODED_LEN: usize = 80;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(BlockHeader::from_array(&r.read_array::<80>()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Network;

    #[test]
    fn genesis_block_hashes_are_the_asserted_ones() {
        for (n, hash) in [
            (Network::Mainnet, "00000ffd590b1485b3caadc19b22e6379c733355108f107a430458cdf3407ab6"),
            (Network::Testnet, "00000bafbc94add76cb75e2ec92894837288a481e5c005f6563d91623bf8bc2c"),
            (Network::Regtest, "000008ca1832a4baf228eb1553c03d3a2c8e02399550dd6ea8d65cec3ef23d2e"),
        ] {
            assert_eq!(n.params().genesis_header().block_hash().to_string(), hash);
        }
    }

    #[test]
    fn header_round_trips_through_its_80_bytes() {
        let raw: Vec<u8> = (0u8..80).collect();
        let h = BlockHeader::from_bytes(&raw).unwrap();
        assert_eq!(h.version, i32::from_le_bytes([0, 1, 2, 3]));
        assert_eq!(h.nonce, u32::from_le_bytes([76, 77, 78, 79]));
        assert_eq!(h.to_bytes(), raw);
    }
}
