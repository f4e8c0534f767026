//! Checking a `mnlistdiff` against its block (MASTERNODES.md §3): the coinbase proven through
//! the partial merkle tree, the diff applied to its base list, and both merkle roots matched
//! with the CbTx.

use super::list::{ApplyError, MasternodeList};
use super::roots::{merkle_root_mn_list, merkle_root_quorums};
use crate::chain::merkle::MerkleError;
use crate::hash::{BlockHash, Hash256, Txid};
use crate::tx::{tx_type, CoinbasePayload, PayloadError, SpecialPayload};
use crate::wire::{BlockHeader, MnListDiff};

/// Why a diff was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    /// The coinbase merkle tree is malformed.
    #[error("coinbase merkle tree: {0}")]
    MerkleTree(#[from] MerkleError),
    /// The tree does not match exactly the transaction at index 0.
    #[error("the merkle tree matches transactions {matched:?}, not just the coinbase")]
    CoinbaseNotMatched {
        /// The indexes the tree matches.
        matched: Vec<u32>,
    },
    /// The tree proves another transaction than the diff's coinbase.
    #[error("the merkle tree proves {proven}, the coinbase is {actual}")]
    CoinbaseTxidMismatch {
        /// The txid the tree proves at index 0.
        proven: Txid,
        /// The txid of the diff's `cbTx`.
        actual: Txid,
    },
    /// `cbTx` is not a coinbase transaction of type 5.
    #[error("cbTx is not a coinbase transaction with a CbTx payload")]
    NotACoinbase,
    /// The CbTx payload does not parse.
    #[error("CbTx payload: {0}")]
    CbTxPayload(#[from] PayloadError),
    /// The diff is for another block than the one given.
    #[error("the diff is for block {diff}, expected {expected}")]
    BlockHashMismatch {
        /// The diff's block hash.
        diff: BlockHash,
        /// The block it was checked against.
        expected: BlockHash,
    },
    /// The tree's root is not the block's merkle root.
    #[error("the merkle tree proves root {proven}, the header has {header}")]
    BlockMerkleRootMismatch {
        /// The root the tree proves.
        proven: Hash256,
        /// The header's merkle root.
        header: Hash256,
    },
    /// The CbTx height is not the block's height.
    #[error("CbTx height {cbtx}, block height {block}")]
    HeightMismatch {
        /// The CbTx `nHeight`.
        cbtx: i32,
        /// The block's height.
        block: u32,
    },
    /// The diff does not apply to the base list.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// The recomputed masternode-list root differs from the CbTx.
    #[error("merkleRootMNList: computed {computed}, CbTx has {cbtx}")]
    MnListRootMismatch {
        /// The root of the list after the diff.
        computed: Hash256,
        /// The CbTx `merkleRootMNList`.
        cbtx: Hash256,
    },
    /// The recomputed quorum root differs from the CbTx.
    #[error("merkleRootQuorums: computed {computed}, CbTx has {cbtx}")]
    QuorumsRootMismatch {
        /// The root of the quorum set after the diff.
        computed: Hash256,
        /// The CbTx `merkleRootQuorums`.
        cbtx: Hash256,
    },
}

/// What a diff's coinbase merkle tree proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoinbaseProof {
    /// The merkle root the tree proves; it must be the block header's.
    pub merkle_root: Hash256,
    /// The block's transaction count.
    pub total_transactions: u32,
    /// The coinbase's txid.
    pub txid: Txid,
    /// The CbTx payload.
    pub cbtx: CoinbasePayload,
}

/// Proves the diff's coinbase through its partial merkle tree: the tree is valid and matches
/// exactly index 0, whose txid is the coinbase's, and the coinbase is a type-5 transaction with
/// a well-formed CbTx payload. The caller compares [`CoinbaseProof::merkle_root`] with the
/// header (as [`verify_diff`] does).
pub fn prove_coinbase(diff: &MnListDiff) -> Result<CoinbaseProof, DiffError> {
    let tree = &diff.cb_tx_merkle_tree;
    let extracted = tree.extract_matches()?;
    let proven = match extracted.matches.as_slice() {
        [only] if only.index == 0 => only.txid,
        other => {
            return Err(DiffError::CoinbaseNotMatched {
                matched: other.iter().map(|m| m.index).collect(),
            })
        }
    };
    let actual = diff.cb_tx.txid();
    if proven != actual {
        return Err(DiffError::CoinbaseTxidMismatch { proven, actual });
    }
    if !diff.cb_tx.is_coinbase() || diff.cb_tx.tx_type != tx_type::COINBASE {
        return Err(DiffError::NotACoinbase);
    }
    let SpecialPayload::Coinbase(cbtx) = diff.cb_tx.special_payload()? else {
        return Err(DiffError::NotACoinbase);
    };
    Ok(CoinbaseProof {
        merkle_root: extracted.root,
        total_transactions: tree.total_transactions,
        txid: actual,
        cbtx,
    })
}

/// A diff that passed [`verify_diff`]: the list at its block and what proved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDiff {
    /// The masternode list and quorum set at the diff's block.
    pub list: MasternodeList,
    /// The coinbase proof.
    pub coinbase: CoinbaseProof,
    /// The recomputed `merkleRootMNList` (equal to the CbTx's).
    pub merkle_root_mn_list: Hash256,
    /// The recomputed `merkleRootQuorums` (equal to the CbTx's when its version is ≥ 2).
    pub merkle_root_quorums: Hash256,
}

/// Verifies `diff` and returns the list it leads to (MASTERNODES.md §3).
///
/// `block` is the diff's block as the validated header chain knows it, with its height: the
/// diff must be for that block, its tree must prove the header's merkle root and the CbTx
/// height must be the block's. With `None` only the diff's internal consistency is checked
/// (coinbase proof, application, roots): enough to examine a stored diff, not to trust one
/// from a peer. The quorum root is checked from CbTx version 2 on (version 1 has none).
pub fn verify_diff(
    base: &MasternodeList,
    diff: &MnListDiff,
    block: Option<(&BlockHeader, u32)>,
) -> Result<VerifiedDiff, DiffError> {
    let coinbase = prove_coinbase(diff)?;
    if let Some((header, height)) = block {
        let expected = header.block_hash();
        if diff.block_hash != expected {
            return Err(DiffError::BlockHashMismatch { diff: diff.block_hash, expected });
        }
        if coinbase.merkle_root != header.merkle_root {
            return Err(DiffError::BlockMerkleRootMismatch {
                proven: coinbase.merkle_root,
                header: header.merkle_root,
            });
        }
        if i64::from(coinbase.cbtx.height) != i64::from(height) {
            return Err(DiffError::HeightMismatch { cbtx: coinbase.cbtx.height, block: height });
        }
    }
    let list = base.apply(diff)?;
    let mn_root = merkle_root_mn_list(&list);
    if mn_root != coinbase.cbtx.merkle_root_mn_list {
        return Err(DiffError::MnListRootMismatch {
            computed: mn_root,
            cbtx: coinbase.cbtx.merkle_root_mn_list,
        });
    }
    let quorum_root = merkle_root_quorums(&list);
    if coinbase.cbtx.version >= 2 && quorum_root != coinbase.cbtx.merkle_root_quorums {
        return Err(DiffError::QuorumsRootMismatch {
            computed: quorum_root,
            cbtx: coinbase.cbtx.merkle_root_quorums,
        });
    }
    Ok(VerifiedDiff {
        list,
        coinbase,
        merkle_root_mn_list: mn_root,
        merkle_root_quorums: quorum_root,
    })
}
