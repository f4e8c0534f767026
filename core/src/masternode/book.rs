//! [`QuorumBook`]: the active quorum sets of the LLMQ types that sign ChainLocks and
//! InstantSend locks, by block height, as verified masternode lists give them; and which
//! quorum signs a request at a height (`SelectQuorumForSigning`, MASTERNODES.md §5).
//!
//! ## What is kept
//! A ChainLock for height `h` is checked against the set at `h − 8`
//! ([`SIGN_HEIGHT_OFFSET`]); an InstantSend lock whose cycle starts at `c` against the set at
//! its sign height (`c + dkgInterval − 1`, or the tip within the current cycle) or one
//! `dkgInterval` below it. The book keeps every list fed within [`QuorumBook::span`] blocks
//! below the newest one (`2 × dkgInterval + 8` of the InstantSend type: 584 blocks on mainnet
//! and testnet), at most [`MAX_BOOK_LISTS`] of them; commitments shared by consecutive lists
//! are stored once.
//!
//! ## Heights between lists
//! The list sync may feed lists every block or every few blocks. A height with no list of
//! its own is answered only when the lists just below and just above it hold the same set of
//! the type: the active set (§2.3) is the newest commitments by mined height (per index for
//! rotated types), so a commitment mined in between would still differ in the list above.
//! Otherwise the answer is unknown, and the lock waits for more lists.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::list::MasternodeList;
use super::llmq::{llmq_params, LlmqParams};
use super::signing::{select_quorum, SIGN_HEIGHT_OFFSET};
use crate::hash::{BlockHash, Hash256};
use crate::wire::FinalCommitment;
use crate::Network;

/// Most lists the book holds, however often they are fed (client bound).
pub const MAX_BOOK_LISTS: usize = 1_024;

/// The LLMQ type that signs ChainLocks on `network` (`llmqTypeChainLocks`).
pub fn chainlock_llmq_type(network: Network) -> u8 {
    match network {
        Network::Mainnet => 2,
        Network::Testnet => 1,
        Network::Devnet => 101,
        Network::Regtest => 100,
    }
}

/// The LLMQ type that signs InstantSend locks on `network` (`llmqTypeDIP0024InstantSend`).
pub fn instantsend_llmq_type(network: Network) -> u8 {
    match network {
        Network::Mainnet | Network::Testnet => 5,
        Network::Devnet => 105,
        Network::Regtest => 103,
    }
}

fn params_of(llmq_type: u8) -> &'static LlmqParams {
    // Both functions above name types of `LLMQ_TYPES`.
    llmq_params(llmq_type).unwrap_or(&super::llmq::LLMQ_TYPES[0])
}

#[derive(Debug, Clone)]
struct Snapshot {
    block_hash: BlockHash,
    /// The commitments of the ChainLocks and InstantSend types, in the list's order.
    quorums: Vec<Arc<FinalCommitment>>,
}

/// Which quorum would sign a request, as far as the book can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection<'a> {
    /// This quorum.
    Quorum(&'a FinalCommitment),
    /// The pool is known and no quorum of it signs the request (none of the index a rotated
    /// type asks for, or no quorum of the type at all).
    NoQuorum,
    /// The book has no list that gives the pool at that height.
    Unknown,
}

/// The quorum sets by height (see the module docs).
#[derive(Debug, Clone)]
pub struct QuorumBook {
    network: Network,
    chainlocks: &'static LlmqParams,
    instantsend: &'static LlmqParams,
    lists: BTreeMap<u32, Snapshot>,
}

impl QuorumBook {
    /// An empty book for `network`.
    pub fn new(network: Network) -> Self {
        QuorumBook {
            network,
            chainlocks: params_of(chainlock_llmq_type(network)),
            instantsend: params_of(instantsend_llmq_type(network)),
            lists: BTreeMap::new(),
        }
    }

    /// The network.
    pub fn network(&self) -> Network {
        self.network
    }

    /// The parameters of the ChainLocks type.
    pub fn chainlock_params(&self) -> &'static LlmqParams {
        self.chainlocks
    }

    /// The parameters of the InstantSend type.
    pub fn instantsend_params(&self) -> &'static LlmqParams {
        self.instantsend
    }

    /// How far below the newest list lists are kept: `2 × dkgInterval + 8` of the
    /// InstantSend type.
    pub fn span(&self) -> u32 {
        2 * self.instantsend.dkg_interval + SIGN_HEIGHT_OFFSET
    }

    /// Records the verified list at `height` (block `block_hash`), replacing one at the same
    /// height, and forgets lists that fell out of the span.
    pub fn insert(&mut self, height: u32, block_hash: BlockHash, list: &MasternodeList) {
        let types = [self.chainlocks.id, self.instantsend.id];
        let neighbours: Vec<Arc<FinalCommitment>> = self
            .lists
            .range(..height)
            .next_back()
            .into_iter()
            .chain(self.lists.range(height..).next())
            .flat_map(|(_, s)| s.quorums.iter().cloned())
            .collect();
        let quorums = list
            .quorums
            .values()
            .filter(|q| types.contains(&q.llmq_type))
            .map(|q| {
                neighbours
                    .iter()
                    .find(|n| n.as_ref() == q)
                    .cloned()
                    .unwrap_or_else(|| Arc::new(q.clone()))
            })
            .collect();
        self.lists.insert(height, Snapshot { block_hash, quorums });
        let newest = self.lists.keys().next_back().copied().unwrap_or(height);
        let floor = newest.saturating_sub(self.span());
        self.lists.retain(|&h, _| h >= floor);
        while self.lists.len() > MAX_BOOK_LISTS {
            self.lists.pop_first();
        }
    }

    /// Forgets the lists at `height` and above (their blocks left the best chain).
    pub fn disconnect_from(&mut self, height: u32) {
        self.lists.split_off(&height);
    }

    /// The height of the newest list.
    pub fn newest(&self) -> Option<u32> {
        self.lists.keys().next_back().copied()
    }

    /// How many lists are held.
    pub fn len(&self) -> usize {
        self.lists.len()
    }

    /// Whether no list is held.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// The block of the list held at exactly `height`.
    pub fn block_at(&self, height: u32) -> Option<BlockHash> {
        self.lists.get(&height).map(|s| s.block_hash)
    }

    /// The active quorums of `llmq_type` at `height`: from the list at that height, or from
    /// the lists around it when both hold the same set (see the module docs). `None` when the
    /// book cannot tell.
    pub fn pool_at(&self, llmq_type: u8, height: u32) -> Option<Vec<&FinalCommitment>> {
        fn of_type(s: &Snapshot, llmq_type: u8) -> Vec<&FinalCommitment> {
            s.quorums.iter().map(|q| q.as_ref()).filter(|q| q.llmq_type == llmq_type).collect()
        }
        if let Some(s) = self.lists.get(&height) {
            return Some(of_type(s, llmq_type));
        }
        let (_, below) = self.lists.range(..height).next_back()?;
        let (_, above) = self.lists.range(height..).next()?;
        let (b, a) = (of_type(below, llmq_type), of_type(above, llmq_type));
        let ids = |v: &[&FinalCommitment]| -> Vec<(u8, Hash256)> {
            v.iter().map(|q| (q.llmq_type, q.quorum_hash)).collect()
        };
        (ids(&b) == ids(&a)).then_some(b)
    }

    /// `SelectQuorumForSigning(params, id, signHeight, signOffset)`: the quorum that signs
    /// request `id` from the pool at `sign_height − sign_offset`.
    pub fn select(
        &self,
        params: &LlmqParams,
        id: &Hash256,
        sign_height: u32,
        sign_offset: u32,
    ) -> Selection<'_> {
        let Some(start) = sign_height.checked_sub(sign_offset) else {
            return Selection::NoQuorum;
        };
        match self.pool_at(params.id, start) {
            None => Selection::Unknown,
            Some(pool) => match select_quorum(params, pool, id) {
                Some(q) => Selection::Quorum(q),
                None => Selection::NoQuorum,
            },
        }
    }

    /// A quorum of `llmq_type` with hash `quorum_hash` in any list held (Dash Core's
    /// `GetQuorum(type, hash)`, used for non-rotated InstantSend types).
    pub fn quorum_by_hash(&self, llmq_type: u8, quorum_hash: &Hash256) -> Option<&FinalCommitment> {
        self.lists
            .values()
            .rev()
            .flat_map(|s| s.quorums.iter())
            .map(|q| q.as_ref())
            .find(|q| q.llmq_type == llmq_type && q.quorum_hash == *quorum_hash)
    }
}

#[cfg(test)]
#[path = "book_tests.rs"]
mod tests;
