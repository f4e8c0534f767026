//! Blocks found invalid for what they contain, not for their header (Dash Core's
//! `BLOCK_FAILED_VALID` and, for their descendants, `BLOCK_FAILED_CHILD`): a light client
//! learns this from proofs about a block's transactions, such as a CbTx proven in a verified
//! masternode list diff that breaks a best-ChainLock rule.
//!
//! [`HeaderTree::invalidate`] drops the block and every descendant held in memory and
//! remembers them as invalid: the header sent again is refused as
//! [`ValidationError::KnownInvalid`] ("duplicate", `BLOCK_CACHED_INVALID`), a child as
//! [`ValidationError::InvalidPrev`] ("bad-prevblk"). When the block was on the best chain,
//! the best chain becomes the most-work branch left (at least the block's parent), as Dash
//! Core's `InvalidChainFound` / `ActivateBestChain` would pick.

use super::*;

/// What [`HeaderTree::invalidate`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invalidated {
    /// The best chain's change, when the block was on it.
    pub tip_change: Option<TipChange>,
    /// The sources that sent the dropped headers (each once, lowest first).
    pub sources: Vec<HeaderSource>,
}

impl<S: HeaderStore> HeaderTree<S> {
    /// Marks the block `hash` and its descendants invalid (see the module docs). `None` when
    /// the block is not held in memory, is the trusted start or below it, or is final under
    /// the ChainLock applied (a verified ChainLock outranks the proof: nothing changes).
    pub fn invalidate(&mut self, hash: &BlockHash) -> Result<Option<Invalidated>, ChainError> {
        let Some(block) = self.entries.get(hash).copied() else { return Ok(None) };
        let on_best = self.on_best_chain(&block);
        if block.stored.height <= self.best_base && on_best {
            return Ok(None);
        }
        if on_best && self.chain_lock.is_some_and(|(h, _)| block.stored.height <= h) {
            return Ok(None);
        }
        let old_best: Vec<(u32, BlockHash)> =
            self.best.iter().map(|e| (e.stored.height, e.stored.hash)).collect();
        let dropped: Vec<Entry> = self
            .entries
            .values()
            .filter(|e| e.stored.height >= block.stored.height && self.descends_from(e, &block))
            .copied()
            .collect();
        let mut sources: Vec<HeaderSource> = dropped.iter().map(|e| e.source).collect();
        sources.sort_unstable();
        sources.dedup();
        self.remember(block.stored.hash, true);
        for e in &dropped {
            self.entries.remove(&e.stored.hash);
            self.remember(e.stored.hash, true);
        }
        let mut out = Invalidated { tip_change: None, sources };
        if !on_best {
            self.refresh_agreement();
            return Ok(Some(out));
        }
        let keep = (block.stored.height - self.best_base) as usize;
        self.best.truncate(keep);
        let tip = self.tip();
        let best = self
            .entries
            .values()
            .filter(|e| e.stored.chain_work > tip.chain_work)
            .max_by_key(|e| e.stored.chain_work)
            .copied();
        if let Some(best) = best {
            self.make_best(best);
        }
        let change = self.write_change(&old_best);
        if change.is_err() {
            self.reload()?;
        }
        self.refresh_agreement();
        out.tip_change = change?;
        Ok(Some(out))
    }

    /// Writes the best chain to the store as a change from `old_best` (the best chain's
    /// (height, hash) from `best_base` before the change) and prunes memory.
    fn write_change(
        &mut self,
        old_best: &[(u32, BlockHash)],
    ) -> Result<Option<TipChange>, ChainError> {
        let shared = old_best
            .iter()
            .zip(self.best.iter())
            .take_while(|(old, new)| old.1 == new.stored.hash)
            .count();
        if shared == 0 {
            return Err(ChainError::Inconsistent);
        }
        let fork_height = old_best[shared - 1].0;
        let change = TipChange {
            disconnected: old_best[shared..].iter().rev().copied().collect(),
            connected: self
                .best
                .iter()
                .skip(shared)
                .map(|e| (e.stored.height, e.stored.hash))
                .collect(),
        };
        if change.disconnected.is_empty() && change.connected.is_empty() {
            return Ok(None);
        }
        let connect = self.best.iter().skip(shared).map(|e| e.stored).collect();
        self.store.apply(&ChainUpdate { keep_up_to: Some(fork_height), connect })?;
        self.stored_tip = self.tip().hash;
        self.prune();
        Ok(Some(change))
    }
}
