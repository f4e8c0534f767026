//! The `merkleblock` payload and the partial merkle tree it carries (`src/merkleblock.h`
//! `CMerkleBlock`, `CPartialMerkleTree`). Extraction and verification of the matched
//! transactions live in [`crate::chain::merkle`].

use crate::encode::{write_bytes, write_vec, Decode, DecodeError, Encode, Reader};
use crate::hash::Hash256;
use crate::wire::BlockHeader;

/// The most transactions a partial merkle tree may claim: `MaxBlockSize() / 60` =
/// 2,000,000 / 60 (Dash Core's bound on `nTransactions` in `ExtractMatches`).
pub const MAX_PMT_TRANSACTIONS: u32 = 2_000_000 / 60;

/// The most hashes a partial merkle tree may carry. Dash Core's extraction fails when there
/// are more hashes than transactions, so more than [`MAX_PMT_TRANSACTIONS`] can never be valid
/// and we refuse to decode them.
pub const MAX_PMT_HASHES: usize = MAX_PMT_TRANSACTIONS as usize;

/// The number of nodes of the merkle tree over `n` transactions (every layer's width).
pub const fn tree_node_count(n: u32) -> u64 {
    let mut total = 0u64;
    let mut height = 0u32;
    loop {
        // (n + 2^height - 1) >> height, in u64 so it cannot overflow.
        let width = (n as u64 + (1u64 << height) - 1) >> height;
        total += width;
        if width <= 1 {
            return total;
        }
        height += 1;
    }
}

/// The most flag bytes a partial merkle tree may carry: one bit per tree node of the largest
/// tree, rounded up. Extraction fails unless every flag byte but padding is used, so longer
/// flag vectors can never be valid and we refuse to decode them.
pub const MAX_PMT_FLAG_BYTES: usize = tree_node_count(MAX_PMT_TRANSACTIONS).div_ceil(8) as usize;

/// A partial merkle tree (`CPartialMerkleTree`): the transaction count, the hashes of the
/// pruned subtrees and matched leaves in depth-first order, and the flag bits of the
/// traversal packed least-significant bit first.
///
/// Wire: `nTransactions u32 | CompactSize n | n × hash | CompactSize m | m flag bytes`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PartialMerkleTree {
    /// The number of transactions in the block.
    pub total_transactions: u32,
    /// Node hashes (SHA256d tree), depth-first; at most [`MAX_PMT_HASHES`].
    pub hashes: Vec<Hash256>,
    /// The flag bits, packed LSB first (bit `i` is `flags[i / 8] >> (i % 8) & 1`); at most
    /// [`MAX_PMT_FLAG_BYTES`].
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub flags: Vec<u8>,
}

fn encode_tree(out: &mut Vec<u8>, total: u32, hashes: &[Hash256], flags: &[u8]) {
    total.encode(out);
    write_vec(out, hashes);
    write_bytes(out, flags);
}

fn decode_tree(r: &mut Reader<'_>) -> Result<(u32, Vec<Hash256>, Vec<u8>), DecodeError> {
    let total = r.read("total_transactions")?;
    let hashes = r.read_vec("hashes", MAX_PMT_HASHES)?;
    let flags = r.read_byte_vec("flags", MAX_PMT_FLAG_BYTES)?;
    Ok((total, hashes, flags))
}

impl Encode for PartialMerkleTree {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_tree(out, self.total_transactions, &self.hashes, &self.flags);
    }
}

impl Decode for PartialMerkleTree {
    const MIN_ENCODED_LEN: usize = 4 + 1 + 1;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (total_transactions, hashes, flags) = decode_tree(r)?;
        Ok(PartialMerkleTree { total_transactions, hashes, flags })
    }
}

/// The `merkleblock` payload (`CMerkleBlock`): a block header and the partial merkle tree of
/// the transactions matching the peer's copy of our bloom filter. The matched transactions
/// follow as separate `tx` messages.
///
/// Wire: `header 80 | nTransactions u32 | CompactSize n | n × hash | CompactSize m | m bytes`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MerkleBlock {
    /// The block's header.
    pub header: BlockHeader,
    /// The number of transactions in the block.
    pub total_transactions: u32,
    /// The partial tree's node hashes, depth-first; at most [`MAX_PMT_HASHES`].
    pub hashes: Vec<Hash256>,
    /// The partial tree's flag bits, packed LSB first; at most [`MAX_PMT_FLAG_BYTES`].
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub flags: Vec<u8>,
}

impl MerkleBlock {
    /// A merkle block from a header and a partial merkle tree.
    pub fn new(header: BlockHeader, tree: PartialMerkleTree) -> Self {
        MerkleBlock {
            header,
            total_transactions: tree.total_transactions,
            hashes: tree.hashes,
            flags: tree.flags,
        }
    }

    /// Splits into the header and the partial merkle tree.
    pub fn into_parts(self) -> (BlockHeader, PartialMerkleTree) {
        let tree = PartialMerkleTree {
            total_transactions: self.total_transactions,
            hashes: self.hashes,
            flags: self.flags,
        };
        (self.header, tree)
    }
}

impl Encode for MerkleBlock {
    fn encode(&self, out: &mut Vec<u8>) {
        self.header.encode(out);
        encode_tree(out, self.total_transactions, &self.hashes, &self.flags);
    }
}

impl Decode for MerkleBlock {
    const MIN_ENCODED_LEN: usize = 80 + 4 + 1 + 1;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let header = r.read("header")?;
        let (total_transactions, hashes, flags) = decode_tree(r)?;
        Ok(MerkleBlock { header, total_transactions, hashes, flags })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{write_compact_size, DecodeErrorKind};

    #[test]
    fn largest_tree_sizes_follow_from_33333_transactions() {
        assert_eq!(MAX_PMT_TRANSACTIONS, 33_333);
        assert_eq!(tree_node_count(1), 1);
        assert_eq!(tree_node_count(2), 3);
        assert_eq!(tree_node_count(3), 6); // 3 + 2 + 1
        assert_eq!(tree_node_count(9), 9 + 5 + 3 + 2 + 1);
        assert_eq!(tree_node_count(u32::MAX), tree_node_count(u32::MAX));
        assert_eq!(MAX_PMT_FLAG_BYTES, 8335);
    }

    #[test]
    fn flag_bytes_above_the_largest_tree_are_rejected() {
        let mut bytes = 1u32.to_le_bytes().to_vec();
        bytes.push(0);
        write_compact_size(&mut bytes, MAX_PMT_FLAG_BYTES as u64 + 1);
        bytes.resize(bytes.len() + MAX_PMT_FLAG_BYTES + 1, 0);
        let err = PartialMerkleTree::from_bytes(&bytes).unwrap_err();
        assert_eq!(err.field, "flags");
        assert!(matches!(err.kind, DecodeErrorKind::TooLarge { .. }));
    }

    #[test]
    fn hash_count_beyond_the_bytes_present_is_rejected_before_allocating() {
        let mut bytes = [0u8; 80].to_vec();
        bytes.extend_from_slice(&9u32.to_le_bytes());
        write_compact_size(&mut bytes, MAX_PMT_HASHES as u64);
        bytes.extend_from_slice(&[0; 33]);
        let err = MerkleBlock::from_bytes(&bytes).unwrap_err();
        assert_eq!(err.field, "hashes");
        assert!(matches!(err.kind, DecodeErrorKind::UnexpectedEnd { .. }));
        let mut too_many = [0u8; 84].to_vec();
        write_compact_size(&mut too_many, MAX_PMT_HASHES as u64 + 1);
        let err = MerkleBlock::from_bytes(&too_many).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::TooLarge { .. }));
    }
}
