//! What a node serves: the chain view (the shared chain, or a private lower-work fork), header
//! ranges for locators with the tampering modes applied, and filtered blocks built the way
//! Dash Core's `CMerkleBlock` builds them.

use super::mode::{disconnect_headers, tamper_header, Forgery, Mode};
use super::{lock, ForkView, NodeShared};
use crate::chain::Chain;
use crate::mining::{mine_header, HeaderSpec};
use dashlite::bloom::{is_matchable_in_merkle_block, BloomFilter};
use dashlite::chain::merkle::PartialMerkleTree;
use dashlite::hash::{sha256d, BlockHash, Hash256, Txid};
use dashlite::tx::Transaction;
use dashlite::wire::{Block, BlockHeader, MerkleBlock};
use std::ops::Deref;
use std::sync::{Arc, RwLockReadGuard};

/// The chain a connection sees.
pub(crate) enum View<'a> {
    Shared(RwLockReadGuard<'a, Chain>),
    Fork(Arc<Chain>),
}

impl Deref for View<'_> {
    type Target = Chain;
    fn deref(&self) -> &Chain {
        match self {
            View::Shared(g) => g,
            View::Fork(c) => c,
        }
    }
}

/// Tampered headers (InvalidPow / WrongBits) for the current chain, from a height on.
#[derive(Debug, Default)]
pub(crate) struct TamperCache {
    key: Option<(BlockHash, u32, bool)>,
    headers: Vec<(BlockHeader, BlockHash)>,
}

impl NodeShared {
    /// The chain served: the shared one, or (in [`Mode::LowerWorkFork`]) a private fork of it.
    pub(crate) fn view(&self) -> View<'_> {
        let Some(depth) = self.modes().fork_depth() else {
            return View::Shared(self.chain.read());
        };
        let generation = self.chain.generation();
        let mut cached = lock(&self.fork_view);
        if let Some(v) = cached.as_ref().filter(|v| v.generation == generation && v.depth == depth)
        {
            return View::Fork(v.chain.clone());
        }
        let mut fork = {
            let honest = self.chain.read();
            honest.fork_at(honest.height().saturating_sub(depth))
        };
        fork.mine(depth.saturating_sub(1));
        let chain = Arc::new(fork);
        *cached = Some(ForkView { generation, depth, chain: chain.clone() });
        View::Fork(chain)
    }

    /// `headers` (consecutive, starting at `first_height` of `chain`) as the modes serve them.
    pub(crate) fn tamper(
        &self,
        chain: &Chain,
        first_height: u32,
        mut headers: Vec<BlockHeader>,
    ) -> Vec<BlockHeader> {
        let modes = self.modes();
        if let (Some((from, invalid_pow)), false) = (modes.pow_tamper(), headers.is_empty()) {
            let from = from.max(1);
            let last = first_height + headers.len() as u32 - 1;
            if last >= from {
                let mut cache = lock(&self.tamper_cache);
                let key = (chain.tip(), from, invalid_pow);
                if cache.key != Some(key) {
                    cache.key = Some(key);
                    cache.headers.clear();
                }
                while from + (cache.headers.len() as u32) <= last.min(chain.height()) {
                    let h = from + cache.headers.len() as u32;
                    let parent = match cache.headers.last() {
                        Some((_, hash)) => *hash,
                        None => chain.hash_at(h - 1).unwrap_or(BlockHash::ZERO),
                    };
                    let Some(original) = chain.header(h) else { break };
                    cache.headers.push(tamper_header(&original, parent, invalid_pow));
                }
                for (i, header) in headers.iter_mut().enumerate() {
                    let h = first_height + i as u32;
                    if let Some((t, _)) =
                        h.checked_sub(from).and_then(|k| cache.headers.get(k as usize))
                    {
                        *header = *t;
                    }
                }
            }
        }
        if modes.has(&Mode::HeadersNotConnecting) && !headers.is_empty() {
            headers = disconnect_headers(&headers);
        }
        headers
    }
}

/// The reply to a `getheaders`/`getheaders2` (Dash Core `ProcessMessage` GETHEADERS): after
/// the first locator hash on the active chain (genesis if none), up to `limit` headers,
/// stopping after `stop`. An empty locator asks for the `stop` block's header alone; `None`
/// (no reply at all) when that block is unknown. Returns the first height and the headers.
pub(crate) fn headers_for(
    chain: &Chain,
    locator: &[BlockHash],
    stop: &BlockHash,
    limit: usize,
) -> Option<(u32, Vec<BlockHeader>)> {
    if locator.is_empty() {
        let h = chain.height_of(stop)?;
        return Some((h, chain.header(h).into_iter().collect()));
    }
    let first = chain.locate(locator) + 1;
    let mut out = Vec::new();
    let mut h = first;
    while h <= chain.height() && out.len() < limit {
        if let Some(header) = chain.header(h) {
            out.push(header);
        }
        if chain.hash_at(h).as_ref() == Some(stop) {
            break;
        }
        h += 1;
    }
    Some((first, out))
}

/// Made-up headers continuing `last` (for [`Mode::OversizedHeaders`] past the tip).
pub(crate) fn made_up_headers(last: &BlockHeader, n: usize) -> Vec<BlockHeader> {
    let mut out = Vec::with_capacity(n);
    let mut prev = (*last, last.block_hash());
    for i in 0..n {
        let (header, hash) = mine_header(HeaderSpec {
            version: prev.0.version,
            prev_blockhash: prev.1,
            merkle_root: Hash256::from_byte_array(sha256d(&(i as u64).to_le_bytes())),
            time: prev.0.time.wrapping_add(crate::chain::BLOCK_SPACING),
            bits: prev.0.bits,
        });
        out.push(header);
        prev = (header, hash);
    }
    out
}

/// A `merkleblock` for `block` as Dash Core builds it (`CMerkleBlock(block, filter)`): the
/// filter runs over every transaction in order (updating itself), only on the types
/// `CMerkleBlock` allows; then the partial merkle tree, forged if asked. Returns the message
/// and the indexes of the matched transactions.
pub(crate) fn filtered_block(
    block: &Block,
    filter: &mut BloomFilter,
    forgery: Option<Forgery>,
) -> (MerkleBlock, Vec<usize>) {
    let mut txids: Vec<Txid> = block.transactions.iter().map(Transaction::txid).collect();
    let mut matches: Vec<bool> = block
        .transactions
        .iter()
        .map(|tx| is_matchable_in_merkle_block(tx) && filter.is_relevant_and_update(tx))
        .collect();
    let matched: Vec<usize> =
        matches.iter().enumerate().filter(|(_, m)| **m).map(|(i, _)| i).collect();
    let mut tree = match forgery {
        Some(Forgery::WrongRoot) => {
            let mut altered = txids.clone();
            let i = matched.first().copied().unwrap_or(0);
            let mut bytes = altered[i].to_byte_array();
            bytes[0] ^= 1;
            altered[i] = Txid::from_byte_array(bytes);
            PartialMerkleTree::from_txids(&altered, &matches)
        }
        Some(Forgery::DuplicatedLeaf) => {
            if let Some(&last) = txids.last() {
                txids.push(last);
                if let Some(m) = matches.last_mut() {
                    *m = true;
                }
                matches.push(true);
            }
            PartialMerkleTree::from_txids(&txids, &matches)
        }
        _ => PartialMerkleTree::from_txids(&txids, &matches),
    };
    if forgery == Some(Forgery::ExtraHash) {
        tree.hashes.push(Hash256::from_byte_array(sha256d(b"dashlite-testkit extra hash")));
    }
    (MerkleBlock::new(block.header, tree), matched)
}
