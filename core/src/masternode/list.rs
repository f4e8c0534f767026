//! The simplified masternode list and active quorum set at one block, and how a diff is
//! applied to it.

use std::collections::BTreeMap;

use crate::hash::{BlockHash, Hash256};
use crate::wire::{FinalCommitment, MnListDiff, QuorumId, SmlEntry};

/// Why a diff cannot be applied to a list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// The diff starts from another block than the list's.
    #[error("diff is based on block {diff_base}, the list is at {list_block}")]
    BaseMismatch {
        /// The diff's base block.
        diff_base: BlockHash,
        /// The list's block.
        list_block: BlockHash,
    },
    /// The diff deletes a masternode the base list does not have.
    #[error("deleted masternode {0} is not in the base list")]
    UnknownDeletedMasternode(Hash256),
    /// The diff lists a masternode twice.
    #[error("masternode {0} appears twice in the diff")]
    DuplicateMasternode(Hash256),
    /// The diff deletes a quorum the base set does not have.
    #[error("deleted quorum {}:{} is not in the base set", .0.llmq_type, .0.quorum_hash)]
    UnknownDeletedQuorum(QuorumId),
    /// The diff adds a quorum that is already active (or adds it twice).
    #[error("new quorum {}:{} is already in the set", .0.llmq_type, .0.quorum_hash)]
    DuplicateQuorum(QuorumId),
}

/// The masternode list and the active quorums at a block. Entries are kept by proRegTx hash
/// and quorums by (type, hash), both in Dash Core's memcmp order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MasternodeList {
    /// The block this list belongs to (zero for the empty list before any diff).
    pub block_hash: BlockHash,
    /// Every masternode (valid and PoSe-banned), by proRegTx hash.
    pub entries: BTreeMap<Hash256, SmlEntry>,
    /// The active quorum commitments, by type and quorum hash.
    pub quorums: BTreeMap<QuorumId, FinalCommitment>,
}

impl MasternodeList {
    /// The empty list at the genesis block `genesis`: the base of a diff "from genesis"
    /// (whose base hash is either `genesis` or all-zero).
    pub fn genesis(genesis: BlockHash) -> Self {
        MasternodeList { block_hash: genesis, ..MasternodeList::default() }
    }

    /// Whether `diff` starts from this list.
    fn is_base_of(&self, diff: &MnListDiff) -> bool {
        diff.base_block_hash == self.block_hash
            || (diff.base_block_hash == BlockHash::ZERO
                && self.entries.is_empty()
                && self.quorums.is_empty())
    }

    /// The list at `diff.block_hash`: this list minus the deleted masternodes, with the
    /// listed ones inserted or replaced, and the quorum set minus the deleted plus the new
    /// quorums. Nothing is checked against the block; see [`super::verify_diff`].
    pub fn apply(&self, diff: &MnListDiff) -> Result<MasternodeList, ApplyError> {
        if !self.is_base_of(diff) {
            return Err(ApplyError::BaseMismatch {
                diff_base: diff.base_block_hash,
                list_block: self.block_hash,
            });
        }
        let mut next = self.clone();
        next.block_hash = diff.block_hash;
        for hash in &diff.deleted_mns {
            if next.entries.remove(hash).is_none() {
                return Err(ApplyError::UnknownDeletedMasternode(*hash));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for entry in &diff.mn_list {
            if !seen.insert(entry.pro_reg_tx_hash) {
                return Err(ApplyError::DuplicateMasternode(entry.pro_reg_tx_hash));
            }
            next.entries.insert(entry.pro_reg_tx_hash, entry.clone());
        }
        for id in &diff.deleted_quorums {
            if next.quorums.remove(id).is_none() {
                return Err(ApplyError::UnknownDeletedQuorum(*id));
            }
        }
        for commitment in &diff.new_quorums {
            let id =
                QuorumId { llmq_type: commitment.llmq_type, quorum_hash: commitment.quorum_hash };
            if next.quorums.insert(id, commitment.clone()).is_some() {
                return Err(ApplyError::DuplicateQuorum(id));
            }
        }
        Ok(next)
    }

    /// How many masternodes are valid (not PoSe-banned).
    pub fn valid_count(&self) -> usize {
        self.entries.values().filter(|e| e.is_valid).count()
    }

    /// The active quorums of one LLMQ type.
    pub fn quorums_of_type(&self, llmq_type: u8) -> impl Iterator<Item = &FinalCommitment> {
        self.quorums.values().filter(move |q| q.llmq_type == llmq_type)
    }
}
