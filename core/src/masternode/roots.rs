//! The two merkle roots a CbTx commits to (`src/evo/cbtx.cpp`, `src/evo/simplifiedmns.cpp`).

use super::list::MasternodeList;
use crate::chain::merkle::merkle_root;
use crate::hash::{Hash256, Txid};

fn root_of(leaves: impl Iterator<Item = Hash256>) -> Hash256 {
    let leaves: Vec<Txid> = leaves.map(|h| Txid::from_byte_array(h.to_byte_array())).collect();
    merkle_root(&leaves)
}

/// `merkleRootMNList` (`CSimplifiedMNList::CalcMerkleRoot`): the Bitcoin merkle root of the
/// entry hashes of every masternode, valid or banned, ordered by proRegTx hash (memcmp of the
/// internal bytes); all-zero for an empty list.
pub fn merkle_root_mn_list(list: &MasternodeList) -> Hash256 {
    root_of(list.entries.values().map(|e| e.hash()))
}

/// `merkleRootQuorums` (`CalcCbTxMerkleRootQuorums`): the Bitcoin merkle root of the hashes of
/// every active commitment of every LLMQ type, the hashes sorted by memcmp.
pub fn merkle_root_quorums(list: &MasternodeList) -> Hash256 {
    let mut hashes: Vec<Hash256> = list.quorums.values().map(|q| q.hash()).collect();
    hashes.sort_unstable();
    root_of(hashes.into_iter())
}
