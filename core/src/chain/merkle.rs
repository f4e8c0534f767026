//! Merkle trees of transaction ids: the plain root of a txid list, and partial merkle trees
//! (`merkleblock`, BIP37) built and verified exactly as Dash Core's `src/merkleblock.cpp`.
//!
//! Every node hash is SHA256d of the two children; a layer of odd width pairs its last hash
//! with itself. Extraction applies every rule of `CPartialMerkleTree::ExtractMatches` and
//! names the one broken in [`MerkleError`]; the caller compares the computed root with the
//! header's merkle root (or uses [`MerkleBlock::matched_txids`], which does).

use crate::hash::{sha256d_pair, Hash256, Txid};
use crate::wire::{MerkleBlock, MAX_PMT_TRANSACTIONS};

pub use crate::wire::PartialMerkleTree;

/// Why a partial merkle tree is invalid; each variant is one rule of Dash Core's
/// `ExtractMatches` (which returns a null root for all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// `nTransactions == 0`.
    #[error("the tree claims no transactions")]
    NoTransactions,
    /// `nTransactions > MaxBlockSize() / 60` (33,333).
    #[error("{0} transactions exceed the limit of 33333")]
    TooManyTransactions(u32),
    /// More hashes than transactions.
    #[error("{hashes} hashes for {transactions} transactions")]
    MoreHashesThanTransactions {
        /// Hashes carried.
        hashes: usize,
        /// Transactions claimed.
        transactions: u32,
    },
    /// Fewer flag bits than hashes (every hash consumes a bit).
    #[error("{bits} flag bits for {hashes} hashes")]
    FewerFlagBitsThanHashes {
        /// Flag bits carried (8 per flag byte).
        bits: usize,
        /// Hashes carried.
        hashes: usize,
    },
    /// The traversal needed another flag bit and none was left.
    #[error("the traversal ran out of flag bits")]
    FlagBitsExhausted,
    /// The traversal needed another hash and none was left.
    #[error("the traversal ran out of hashes")]
    HashesExhausted,
    /// A node's real right child hashes the same as its left child (CVE-2012-2459: a tree
    /// with duplicated transactions would prove the same root as the honest one).
    #[error("identical sibling hashes at height {height}, position {position}")]
    IdenticalSiblings {
        /// Height of the children (0 = leaves).
        height: u32,
        /// Position of the left child in its layer.
        position: u32,
    },
    /// Whole flag bytes were left unused: `ceil(bits used / 8) != flag bytes`.
    #[error("{used_bits} flag bits used but {flag_bytes} flag bytes sent")]
    UnusedFlagBytes {
        /// Flag bits the traversal consumed.
        used_bits: usize,
        /// Flag bytes carried.
        flag_bytes: usize,
    },
    /// Hashes were left unused: `hashes used != hashes carried`.
    #[error("{used} of {total} hashes used")]
    UnusedHashes {
        /// Hashes the traversal consumed.
        used: usize,
        /// Hashes carried.
        total: usize,
    },
    /// The tree is well formed but its root differs from the header's merkle root.
    #[error("computed merkle root {computed} differs from the header's {header}")]
    RootMismatch {
        /// The root the tree proves.
        computed: Hash256,
        /// The header's `hashMerkleRoot`.
        header: Hash256,
    },
}

/// A matched transaction: its index in the block and its txid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MatchedTxid {
    /// Position in the block (0 = coinbase).
    pub index: u32,
    /// The transaction id.
    pub txid: Txid,
}

/// What a valid partial merkle tree proves: its root and the matched leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedMatches {
    /// The merkle root computed from the tree; compare it with the header's merkle root.
    pub root: Hash256,
    /// The matched transactions in depth-first order, which is ascending index order.
    pub matches: Vec<MatchedTxid>,
}

/// The width of layer `height` of the tree over `n` leaves: `(n + 2^height - 1) >> height`.
fn tree_width(n: u32, height: u32) -> u32 {
    ((u64::from(n) + (1u64 << height) - 1) >> height) as u32
}

/// The height of the tree over `n` leaves: the smallest height of width ≤ 1.
fn tree_height(n: u32) -> u32 {
    let mut height = 0;
    while tree_width(n, height) > 1 {
        height += 1;
    }
    height
}

struct Extractor<'a> {
    total: u32,
    hashes: &'a [Hash256],
    flags: &'a [u8],
    bits_used: usize,
    hashes_used: usize,
    matches: Vec<MatchedTxid>,
}

impl Extractor<'_> {
    fn next_bit(&mut self) -> Result<bool, MerkleError> {
        let i = self.bits_used;
        let byte = self.flags.get(i / 8).ok_or(MerkleError::FlagBitsExhausted)?;
        self.bits_used += 1;
        Ok(byte >> (i % 8) & 1 == 1)
    }

    fn next_hash(&mut self) -> Result<Hash256, MerkleError> {
        let hash = *self.hashes.get(self.hashes_used).ok_or(MerkleError::HashesExhausted)?;
        self.hashes_used += 1;
        Ok(hash)
    }

    /// `TraverseAndExtract`: depth-first, one flag bit per visited node.
    fn traverse(&mut self, height: u32, pos: u32) -> Result<Hash256, MerkleError> {
        let parent_of_match = self.next_bit()?;
        if height == 0 || !parent_of_match {
            let hash = self.next_hash()?;
            if height == 0 && parent_of_match {
                let txid = Txid::from_byte_array(hash.to_byte_array());
                self.matches.push(MatchedTxid { index: pos, txid });
            }
            return Ok(hash);
        }
        let left = self.traverse(height - 1, pos * 2)?;
        let right = if pos * 2 + 1 < tree_width(self.total, height - 1) {
            let right = self.traverse(height - 1, pos * 2 + 1)?;
            if right == left {
                return Err(MerkleError::IdenticalSiblings {
                    height: height - 1,
                    position: pos * 2,
                });
            }
            right
        } else {
            left
        };
        Ok(Hash256::from_byte_array(sha256d_pair(left.as_bytes(), right.as_bytes())))
    }
}

/// Extracts the matched txids of a partial merkle tree and computes its root, applying every
/// rule of Dash Core's `CPartialMerkleTree::ExtractMatches` (flags packed LSB first).
pub fn extract_matches(
    total_transactions: u32,
    hashes: &[Hash256],
    flags: &[u8],
) -> Result<ExtractedMatches, MerkleError> {
    if total_transactions == 0 {
        return Err(MerkleError::NoTransactions);
    }
    if total_transactions > MAX_PMT_TRANSACTIONS {
        return Err(MerkleError::TooManyTransactions(total_transactions));
    }
    if hashes.len() > total_transactions as usize {
        return Err(MerkleError::MoreHashesThanTransactions {
            hashes: hashes.len(),
            transactions: total_transactions,
        });
    }
    let bits = flags.len().saturating_mul(8);
    if bits < hashes.len() {
        return Err(MerkleError::FewerFlagBitsThanHashes { bits, hashes: hashes.len() });
    }
    let mut ex = Extractor {
        total: total_transactions,
        hashes,
        flags,
        bits_used: 0,
        hashes_used: 0,
        matches: Vec::new(),
    };
    let root = ex.traverse(tree_height(total_transactions), 0)?;
    if ex.bits_used.div_ceil(8) != flags.len() {
        return Err(MerkleError::UnusedFlagBytes {
            used_bits: ex.bits_used,
            flag_bytes: flags.len(),
        });
    }
    if ex.hashes_used != hashes.len() {
        return Err(MerkleError::UnusedHashes { used: ex.hashes_used, total: hashes.len() });
    }
    Ok(ExtractedMatches { root, matches: ex.matches })
}

impl PartialMerkleTree {
    /// Builds the tree proving the txids whose `matches` entry is true (`CPartialMerkleTree(
    /// vTxid, vMatch)`); a missing `matches` entry counts as false. An empty `txids` gives a
    /// tree of 0 transactions, which extraction rejects.
    pub fn from_txids(txids: &[Txid], matches: &[bool]) -> Self {
        let total = u32::try_from(txids.len()).unwrap_or(u32::MAX);
        if txids.is_empty() {
            return PartialMerkleTree::default();
        }
        let layers = merkle_layers(txids);
        let mut builder =
            Builder { total, layers: &layers, matches, bits: Vec::new(), hashes: Vec::new() };
        builder.build(tree_height(total), 0);
        let mut flags = vec![0u8; builder.bits.len().div_ceil(8)];
        for (i, bit) in builder.bits.iter().enumerate() {
            flags[i / 8] |= u8::from(*bit) << (i % 8);
        }
        PartialMerkleTree { total_transactions: total, hashes: builder.hashes, flags }
    }

    /// The flag bits, unpacked (8 per flag byte, padding included).
    pub fn bits(&self) -> impl Iterator<Item = bool> + '_ {
        self.flags.iter().flat_map(|b| (0..8).map(move |i| b >> i & 1 == 1))
    }

    /// Extracts the matched txids and the root; see [`extract_matches`].
    pub fn extract_matches(&self) -> Result<ExtractedMatches, MerkleError> {
        extract_matches(self.total_transactions, &self.hashes, &self.flags)
    }
}

impl MerkleBlock {
    /// Extracts the matched txids and the root; see [`extract_matches`].
    pub fn extract_matches(&self) -> Result<ExtractedMatches, MerkleError> {
        extract_matches(self.total_transactions, &self.hashes, &self.flags)
    }

    /// The matched txids, after checking that the tree is valid and proves the header's
    /// merkle root.
    pub fn matched_txids(&self) -> Result<Vec<MatchedTxid>, MerkleError> {
        let extracted = self.extract_matches()?;
        if extracted.root != self.header.merkle_root {
            return Err(MerkleError::RootMismatch {
                computed: extracted.root,
                header: self.header.merkle_root,
            });
        }
        Ok(extracted.matches)
    }
}

struct Builder<'a> {
    total: u32,
    layers: &'a [Vec<Hash256>],
    matches: &'a [bool],
    bits: Vec<bool>,
    hashes: Vec<Hash256>,
}

impl Builder<'_> {
    /// `TraverseAndBuild`.
    fn build(&mut self, height: u32, pos: u32) {
        let start = (pos as usize) << height;
        let end = ((pos as usize + 1) << height).min(self.total as usize);
        let parent_of_match = (start..end).any(|i| self.matches.get(i).copied().unwrap_or(false));
        self.bits.push(parent_of_match);
        if height == 0 || !parent_of_match {
            self.hashes.push(self.layers[height as usize][pos as usize]);
        } else {
            self.build(height - 1, pos * 2);
            if pos * 2 + 1 < tree_width(self.total, height - 1) {
                self.build(height - 1, pos * 2 + 1);
            }
        }
    }
}

/// Every layer of the merkle tree over `txids` (non-empty), leaves first, root last.
fn merkle_layers(txids: &[Txid]) -> Vec<Vec<Hash256>> {
    let leaves: Vec<Hash256> =
        txids.iter().map(|t| Hash256::from_byte_array(t.to_byte_array())).collect();
    let mut layers = vec![leaves];
    while let Some(layer) = layers.last().filter(|l| l.len() > 1) {
        let next = layer
            .chunks(2)
            .map(|pair| {
                let right = pair.get(1).unwrap_or(&pair[0]);
                Hash256::from_byte_array(sha256d_pair(pair[0].as_bytes(), right.as_bytes()))
            })
            .collect();
        layers.push(next);
    }
    layers
}

/// The merkle root of a list of txids (a block's `hashMerkleRoot`); a layer of odd width
/// pairs its last hash with itself. The root of an empty list is all-zero, as in Dash Core.
pub fn merkle_root(txids: &[Txid]) -> Hash256 {
    if txids.is_empty() {
        return Hash256::ZERO;
    }
    let mut layer: Vec<[u8; 32]> = txids.iter().map(|t| t.to_byte_array()).collect();
    while layer.len() > 1 {
        layer = layer
            .chunks(2)
            .map(|pair| sha256d_pair(&pair[0], pair.get(1).unwrap_or(&pair[0])))
            .collect();
    }
    Hash256::from_byte_array(layer[0])
}

#[cfg(test)]
#[path = "merkle_tests.rs"]
mod tests;
