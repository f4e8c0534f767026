//! The header tree: validates headers against every rule of §5 and follows the most-work chain
//! (Dash Core `AcceptBlockHeader` + `FindMostWorkChain`, for headers only).
//!
//! Memory stays bounded: the tree keeps the last [`HISTORY_WINDOW`] + `max_fork_depth`
//! best-chain headers and the fork branches that could still win; everything older lives only
//! in the [`HeaderStore`], which is updated atomically once per accepted batch.
//!
//! Hashes come with the headers: [`HeaderTree::accept_headers`] and
//! [`HeaderTree::accept_hashed`] take them as computed elsewhere (the `headers2` decompressor
//! hashes every header once), [`HeaderTree::accept_raw_headers`] hashes an uncompressed batch
//! on every core first ([`crate::chain::batch`]); the rules never hash.

use crate::chain::checkpoints::Checkpoints;
use crate::chain::dgw::{retarget_interval, BlockSummary, ChainHistory};
use crate::chain::error::{ChainError, ValidationError};
use crate::chain::pow::{block_work, pow_limit};
use crate::chain::start::trusted_start;
use crate::chain::store::{ChainUpdate, HeaderStore, StoredHeader};
use crate::chain::uint::U256;
use crate::hash::BlockHash;
use crate::network::{CheckpointRecord, Params, PowParams};
use crate::wire::BlockHeader;
use std::collections::{HashMap, HashSet, VecDeque};

mod accept;
mod agreement;
mod invalidate;
use agreement::Claim;
pub use agreement::{MAX_CLAIMS, MIN_CONFIRMING_SOURCES};
pub use invalidate::Invalidated;

/// Best-chain headers always kept in memory below the tip: the Bitcoin-style retarget looks
/// 576 blocks back (DGW needs 24, the median time 11).
pub const HISTORY_WINDOW: u32 = 577;
/// Default deepest reorganisation followed (a client limit; ChainLocks make deep reorgs
/// impossible on mainnet in practice).
pub const DEFAULT_MAX_FORK_DEPTH: u32 = 100;
/// Default number of headers each source may keep on branches other than the best chain.
pub const DEFAULT_MAX_FORK_HEADERS: usize = 2000;
/// Sources whose fork headers are kept at once: the fork headers in memory are at most this
/// many times `max_fork_headers`.
pub const MAX_FORK_SOURCES: usize = 16;
/// Deepest reorganisation followed where the best chain is unproven (below the minimum chain
/// work, below a checkpoint not reached, or above the height other peers agree with): the
/// fork point's ancestors are read back from the store, this many at most.
pub const MAX_UNPROVEN_FORK_DEPTH: u32 = 50_000;
/// Who sent a batch of headers ([`HeaderTree::accept_headers_from`]): fork headers are
/// budgeted per source, and each source confirms the chain once
/// ([`HeaderTree::agreed_height`]). Give every connection to one origin the same source.
/// `0` is the local caller.
pub type HeaderSource = u64;
/// Rejected header hashes remembered, so that their descendants are scored as `InvalidPrev`.
pub const MAX_REMEMBERED_INVALID: usize = 1024;

/// Settings of a [`HeaderTree`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeConfig {
    /// A header whose branch leaves the best chain more than this many blocks below the tip
    /// is rejected with [`ValidationError::ForkTooDeep`] if it leaves it below
    /// [`HeaderTree::agreed_height`] (the part of the chain [`MIN_CONFIRMING_SOURCES`]
    /// distinct sources confirmed), once the best chain has `minimum_chain_work` and has
    /// reached every checkpoint. Elsewhere the limit is [`MAX_UNPROVEN_FORK_DEPTH`]: a chain
    /// only one peer vouches for never locks in by depth.
    pub max_fork_depth: u32,
    /// Hashes required at their heights; no fork is accepted below the highest one reached.
    pub checkpoints: Checkpoints,
    /// Most headers one source keeps off the best chain; more are refused with
    /// [`ValidationError::TooManyForkHeaders`] (bounds memory where proof of work is cheap,
    /// without letting one peer use up what honest peers need to reorganise).
    pub max_fork_headers: usize,
    /// Total chain work below which the best chain is unproven (`nMinimumChainWork`): not
    /// synced, and not defended against deep reorganisations.
    pub minimum_chain_work: U256,
}

impl TreeConfig {
    /// The network's hard-coded checkpoints and the default fork depth.
    pub fn for_network(params: &Params) -> TreeConfig {
        TreeConfig {
            max_fork_depth: DEFAULT_MAX_FORK_DEPTH,
            checkpoints: Checkpoints::for_network(params),
            max_fork_headers: DEFAULT_MAX_FORK_HEADERS,
            minimum_chain_work: U256::from_be_bytes(params.minimum_chain_work),
        }
    }
}

/// A change of the best chain: blocks taken off (from the old tip down) and put on (upwards).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TipChange {
    /// (height, hash) of the disconnected blocks, highest first; empty for an extension.
    pub disconnected: Vec<(u32, BlockHash)>,
    /// (height, hash) of the connected blocks, lowest first.
    pub connected: Vec<(u32, BlockHash)>,
}

impl TipChange {
    /// Whether blocks were disconnected (a reorganisation, not just an extension).
    pub fn is_reorg(&self) -> bool {
        !self.disconnected.is_empty()
    }
}

/// What [`HeaderTree::accept_headers`] did with a batch.
#[derive(Debug, Default)]
pub struct AcceptOutcome {
    /// Headers accepted (or already known) before the first error.
    pub accepted: usize,
    /// Accepted headers whose nBits or median-time rule was not checked: the history before
    /// them starts at the trusted start, or a checkpoint above them pins them.
    pub unchecked: usize,
    /// The net change of the best chain, if it changed.
    pub tip_change: Option<TipChange>,
    /// Why the batch stopped early.
    pub error: Option<ChainError>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    stored: StoredHeader,
    /// `GetNextWorkRequiredBTC`'s walk-back answer at this block (`None`: before our history).
    walk_bits: Option<u32>,
    /// Who sent it (charged for it while it is off the best chain).
    source: HeaderSource,
}

/// Headers with hashes, validated and arranged by chain work.
#[derive(Debug)]
pub struct HeaderTree<S: HeaderStore> {
    params: &'static Params,
    config: TreeConfig,
    store: S,
    entries: HashMap<BlockHash, Entry>,
    /// The best chain's entries by height, `best[0]` at `best_base` (copies of those in
    /// `entries`, so that the rules read ancestors without hashing).
    best: VecDeque<Entry>,
    best_base: u32,
    /// The tip the store holds.
    stored_tip: BlockHash,
    /// Headers refused as invalid for good, and whether each was found invalid for what its
    /// block contains ([`HeaderTree::invalidate`]: the header itself is refused when sent
    /// again; the others fail their own check again).
    invalid: HashMap<BlockHash, bool>,
    invalid_order: VecDeque<BlockHash>,
    /// The best verified ChainLock applied to the best chain: (height, hash).
    chain_lock: Option<(u32, BlockHash)>,
    /// A single-header start and the checkpoint that pins the headers after it: heights in
    /// `(start, pin]` are not checked by DGW ([`trusted_start`]).
    pinned: Option<(u32, u32)>,
    /// What each source last delivered or announced.
    claims: HashMap<HeaderSource, Claim>,
    /// [`Self::agreed_height`], recomputed whenever the claims or the best chain change.
    agreed: u32,
}

/// What [`HeaderTree::apply_chain_lock`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainLockApplied {
    /// The block is now final; the best chain changed to contain it if it did not.
    Applied(Option<TipChange>),
    /// No header with that hash is known (yet).
    UnknownBlock,
    /// The header with that hash is at another height.
    HeightMismatch {
        /// Its real height.
        height: u32,
    },
    /// A ChainLock at this height or above is already applied.
    NotNewer,
}

/// Stored headers for a trusted start: `headers` consecutive from `first_height`, with
/// `work_before` the chain work up to the block before the first (zero from genesis).
pub fn trusted_headers(
    first_height: u32,
    work_before: U256,
    headers: &[(BlockHeader, BlockHash)],
) -> Vec<StoredHeader> {
    let mut work = work_before;
    let mut height = first_height;
    headers
        .iter()
        .map(|&(header, hash)| {
            work = work.wrapping_add(block_work(header.bits));
            let s = StoredHeader { header, hash, height, chain_work: work };
            height += 1;
            s
        })
        .collect()
}

impl From<CheckpointRecord> for StoredHeader {
    fn from(r: CheckpointRecord) -> StoredHeader {
        StoredHeader { header: r.header, hash: r.hash, height: r.height, chain_work: r.chain_work }
    }
}

impl<S: HeaderStore> HeaderTree<S> {
    /// Opens the tree on `store`. An empty store is first given `trusted` (a checkpoint
    /// record, a window of consecutive headers ending at one, or genesis), which is only
    /// checked for linkage and against the configured checkpoints. A start the difficulty
    /// rules cannot be checked from is refused unless a configured checkpoint pins the
    /// headers after it ([`trusted_start`]: [`ChainError::StartNotPinned`]); the headers up
    /// to that checkpoint then need no DGW (give the same start when reopening a store).
    pub fn new(
        params: &'static Params,
        config: TreeConfig,
        mut store: S,
        trusted: &[StoredHeader],
    ) -> Result<Self, ChainError> {
        let empty = store.tip()?.is_none();
        // A stored chain is reopened whatever start is given; an empty store needs a good one.
        let pin = match trusted_start(params, &config.checkpoints, trusted) {
            Ok(pin) => pin,
            Err(e) if empty => return Err(e),
            Err(_) => None,
        };
        let pinned = pin.zip(trusted.last()).map(|(pin, last)| (last.height, pin));
        if empty {
            for (i, w) in trusted.windows(2).enumerate() {
                if w[1].height != w[0].height + 1 || w[1].header.prev_blockhash != w[0].hash {
                    return Err(ValidationError::NonContinuous { index: i + 1 }.into());
                }
            }
            for t in trusted {
                config.checkpoints.check(t.height, &t.hash)?;
            }
            store.apply(&ChainUpdate { keep_up_to: None, connect: trusted.to_vec() })?;
        }
        let mut tree = HeaderTree {
            params,
            config,
            store,
            entries: HashMap::new(),
            best: VecDeque::new(),
            best_base: 0,
            stored_tip: BlockHash::ZERO,
            invalid: HashMap::new(),
            invalid_order: VecDeque::new(),
            chain_lock: None,
            pinned,
            claims: HashMap::new(),
            agreed: 0,
        };
        tree.reload()?;
        Ok(tree)
    }

    /// Rebuilds the in-memory window from the store (after opening, or after a store failure).
    fn reload(&mut self) -> Result<(), ChainError> {
        let tip = self.store.tip()?.ok_or(ChainError::NoStart)?;
        let keep = HISTORY_WINDOW + self.config.max_fork_depth;
        let mut window = vec![tip];
        while (window.len() as u32) < keep {
            let Some(below) = window.last().and_then(|s| s.height.checked_sub(1)) else { break };
            match self.store.get_by_height(below)? {
                Some(s) => window.push(s),
                None => break,
            }
        }
        window.reverse();
        self.entries.clear();
        self.best.clear();
        self.best_base = window[0].height;
        let mut walk = None;
        for s in window {
            walk = self.walk_bits(&s, walk);
            let entry = Entry { stored: s, walk_bits: walk, source: 0 };
            self.entries.insert(s.hash, entry);
            self.best.push_back(entry);
        }
        self.stored_tip = tip.hash;
        Ok(())
    }

    fn walk_bits(&self, s: &StoredHeader, parent_walk: Option<u32>) -> Option<u32> {
        let pow = &self.params.pow;
        let stops = s.height == 0
            || s.height % retarget_interval(pow) == 0
            || s.header.bits != pow_limit(pow).to_compact();
        if stops {
            Some(s.header.bits)
        } else {
            parent_walk
        }
    }

    /// Whether the best chain has the network's minimum chain work
    /// ([`TreeConfig::minimum_chain_work`], Dash Core's `nMinimumChainWork`). Below it the
    /// chain is unproven: a peer may have made it up from a checkpoint, so it is not reported
    /// as synced and any fork with more work replaces it, however deep.
    pub fn has_minimum_work(&self) -> bool {
        self.tip().chain_work >= self.config.minimum_chain_work
    }

    /// Whether the best chain is proven: it has the minimum chain work and has reached
    /// every configured checkpoint. Below a checkpoint not yet reached, the headers since
    /// the start may be made up (the checkpoint refuses them only when they reach its
    /// height), so a fork with more work replaces them however deep.
    fn is_proven(&self) -> bool {
        let next = self.tip().height.saturating_add(1);
        self.has_minimum_work() && self.config.checkpoints.first_at_or_above(next).is_none()
    }

    /// The settings the tree runs with.
    pub fn config(&self) -> &TreeConfig {
        &self.config
    }

    /// The best chain's tip.
    pub fn tip(&self) -> StoredHeader {
        // `best` is never empty after `reload`.
        self.best.back().map(|e| e.stored).unwrap_or_else(|| {
            let header = self.params.genesis_header();
            StoredHeader { header, hash: BlockHash::ZERO, height: 0, chain_work: U256::ZERO }
        })
    }

    /// The best-chain header at `height`, from memory or the store.
    pub fn header_at(&self, height: u32) -> Result<Option<StoredHeader>, ChainError> {
        match self.best_at(height) {
            Some(e) => Ok(Some(e.stored)),
            None if height < self.best_base => Ok(self.store.get_by_height(height)?),
            None => Ok(None),
        }
    }

    /// A known header (best chain or a fork still in memory) by hash.
    pub fn header_by_hash(&self, hash: &BlockHash) -> Result<Option<StoredHeader>, ChainError> {
        match self.entries.get(hash) {
            Some(e) => Ok(Some(e.stored)),
            None => Ok(self.store.get_by_hash(hash)?),
        }
    }

    /// The store behind the tree.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store behind the tree, to commit what is stored beside the headers. Changing the
    /// stored headers through it would leave the tree out of step: do not.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Gives the store back (to reopen the tree on it later).
    pub fn into_store(self) -> S {
        self.store
    }

    /// Headers held in memory (best-chain window plus forks).
    pub fn in_memory(&self) -> usize {
        self.entries.len()
    }

    fn best_at(&self, height: u32) -> Option<&Entry> {
        self.best.get(height.checked_sub(self.best_base)? as usize)
    }

    fn on_best_chain(&self, e: &Entry) -> bool {
        self.best_at(e.stored.height).is_some_and(|b| b.stored.hash == e.stored.hash)
    }

    /// The last block `e`'s branch shares with the best chain.
    fn fork_point(&self, mut e: Entry) -> Option<Entry> {
        while !self.on_best_chain(&e) {
            e = *self.entries.get(&e.stored.header.prev_blockhash)?;
        }
        Some(e)
    }

    /// The ChainLocked block the best chain is held to, if any: (height, hash).
    pub fn chain_lock(&self) -> Option<(u32, BlockHash)> {
        self.chain_lock
    }

    /// Makes the block `hash` at `height` final, as Dash Core does for a verified ChainLock
    /// (`EnforceBestChainLock`): if it is off the best chain, the best chain becomes the
    /// most-work branch through it, even with less work than the current one; from then on
    /// every header whose branch leaves the best chain below `height` is refused with
    /// [`ValidationError::ConflictsWithChainLock`]. Only a higher lock replaces it.
    pub fn apply_chain_lock(
        &mut self,
        height: u32,
        hash: &BlockHash,
    ) -> Result<ChainLockApplied, ChainError> {
        if self.chain_lock.is_some_and(|(h, _)| h >= height) {
            return Ok(ChainLockApplied::NotNewer);
        }
        let Some(locked) = self.entries.get(hash).copied() else {
            let stored = self.store.get_by_hash(hash)?;
            return Ok(match stored {
                Some(s) if s.height != height => {
                    ChainLockApplied::HeightMismatch { height: s.height }
                }
                Some(s) if self.store.get_by_height(height)?.map(|b| b.hash) == Some(s.hash) => {
                    self.chain_lock = Some((height, *hash));
                    ChainLockApplied::Applied(None)
                }
                _ => ChainLockApplied::UnknownBlock,
            });
        };
        if locked.stored.height != height {
            return Ok(ChainLockApplied::HeightMismatch { height: locked.stored.height });
        }
        self.chain_lock = Some((height, *hash));
        if self.on_best_chain(&locked) {
            return Ok(ChainLockApplied::Applied(None));
        }
        let old_tip = self.tip().hash;
        let best = self
            .entries
            .values()
            .filter(|e| e.stored.height >= height && self.descends_from(e, &locked))
            .max_by_key(|e| e.stored.chain_work)
            .copied()
            .unwrap_or(locked);
        self.make_best(best);
        let flushed = self.flush(old_tip);
        if flushed.is_err() {
            self.reload()?;
        }
        self.refresh_agreement();
        flushed.map(ChainLockApplied::Applied)
    }

    /// Whether `e` is `ancestor` or one of its descendants (walking parents in memory).
    fn descends_from(&self, e: &Entry, ancestor: &Entry) -> bool {
        let mut e = *e;
        while e.stored.height > ancestor.stored.height {
            match self.entries.get(&e.stored.header.prev_blockhash) {
                Some(p) => e = *p,
                None => return false,
            }
        }
        e.stored.hash == ancestor.stored.hash
    }

    /// Makes `entry` the best tip, rewriting the best chain above its fork point.
    fn make_best(&mut self, entry: Entry) {
        if self.best.back().is_some_and(|t| t.stored.hash == entry.stored.header.prev_blockhash) {
            self.best.push_back(entry); // the common case: the tip is extended
            return;
        }
        let mut branch = Vec::new();
        let mut e = entry;
        while !self.on_best_chain(&e) {
            branch.push(e);
            match self.entries.get(&e.stored.header.prev_blockhash) {
                Some(p) => e = *p,
                None => break, // cannot happen: accept_one found the fork point
            }
        }
        let keep = (e.stored.height + 1).saturating_sub(self.best_base) as usize;
        self.best.truncate(keep);
        self.best.extend(branch.into_iter().rev());
    }

    /// Writes the best-chain change since `old_tip` to the store, prunes memory and reports it.
    fn flush(&mut self, old_tip: BlockHash) -> Result<Option<TipChange>, ChainError> {
        let new_tip = self.tip();
        if new_tip.hash == old_tip {
            return Ok(None);
        }
        let old = self.entries.get(&old_tip).copied();
        let fork = old.and_then(|o| self.fork_point(o));
        let (Some(old), Some(fork)) = (old, fork) else {
            return Err(ChainError::Inconsistent);
        };
        let mut change = TipChange::default();
        let mut e = old;
        while e.stored.hash != fork.stored.hash {
            change.disconnected.push((e.stored.height, e.stored.hash));
            match self.entries.get(&e.stored.header.prev_blockhash) {
                Some(p) => e = *p,
                None => return Err(ChainError::Inconsistent),
            }
        }
        let mut connect = Vec::with_capacity((new_tip.height - fork.stored.height) as usize);
        for height in fork.stored.height + 1..=new_tip.height {
            let s = self.best_at(height).ok_or(ChainError::Inconsistent)?.stored;
            change.connected.push((height, s.hash));
            connect.push(s);
        }
        let keep_up_to = change.is_reorg().then_some(fork.stored.height);
        self.store.apply(&ChainUpdate { keep_up_to, connect })?;
        self.stored_tip = new_tip.hash;
        self.prune();
        Ok(Some(change))
    }

    /// Drops best-chain headers below the window and forks that can no longer win: forks
    /// deeper below the tip than [`Self::max_depth`], each source's headers beyond its budget
    /// (its highest first), and what no longer connects. Best-chain headers a kept fork
    /// still needs (its fork point and the window below it) stay.
    fn prune(&mut self) {
        let tip_height = self.tip().height;
        let max_depth = self.max_depth();
        let budget = self.config.max_fork_headers;
        let mut forks: Vec<Entry> = self
            .entries
            .values()
            .filter(|e| !self.on_best_chain(e) && e.stored.height + max_depth > tip_height)
            .copied()
            .collect();
        forks.sort_by_key(|e| (e.source, e.stored.height));
        let mut kept: HashMap<BlockHash, Entry> = HashMap::new();
        let mut run = (None, 0usize);
        for e in forks {
            run = if run.0 == Some(e.source) { (run.0, run.1 + 1) } else { (Some(e.source), 1) };
            if run.1 <= budget {
                kept.insert(e.stored.hash, e);
            }
        }
        let floor = kept
            .values()
            .map(|e| e.stored.height.saturating_sub(1 + HISTORY_WINDOW))
            .min()
            .unwrap_or(u32::MAX);
        let keep = (HISTORY_WINDOW + self.config.max_fork_depth) as usize;
        while self.best.len() > keep && self.best_base < floor {
            if let Some(e) = self.best.pop_front() {
                self.entries.remove(&e.stored.hash);
                self.best_base += 1;
            }
        }
        let best_base = self.best_base;
        kept.retain(|_, e| e.stored.height > best_base);
        // Ascending heights: a fork header stays only if its parent does.
        let mut order: Vec<Entry> = kept.values().copied().collect();
        order.sort_by_key(|e| e.stored.height);
        let mut connected: HashSet<BlockHash> = HashSet::new();
        for e in order {
            let prev = &e.stored.header.prev_blockhash;
            let parent_on_best = self.entries.get(prev).is_some_and(|p| self.on_best_chain(p));
            if parent_on_best || connected.contains(prev) {
                connected.insert(e.stored.hash);
            }
        }
        let drop: Vec<BlockHash> = self
            .entries
            .values()
            .filter(|e| !self.on_best_chain(e) && !connected.contains(&e.stored.hash))
            .map(|e| e.stored.hash)
            .collect();
        for h in drop {
            self.entries.remove(&h);
        }
    }
}

/// The branch ending at `last`, as the difficulty and time rules see it.
struct BranchHistory<'a, S: HeaderStore> {
    tree: &'a HeaderTree<S>,
    last: Entry,
}

fn summary(e: &Entry) -> BlockSummary {
    BlockSummary { height: e.stored.height, time: e.stored.header.time, bits: e.stored.header.bits }
}

impl<S: HeaderStore> ChainHistory for BranchHistory<'_, S> {
    fn last(&self) -> BlockSummary {
        summary(&self.last)
    }

    fn ancestor(&self, height: u32) -> Option<BlockSummary> {
        let mut e = self.last;
        while e.stored.height > height && !self.tree.on_best_chain(&e) {
            e = *self.tree.entries.get(&e.stored.header.prev_blockhash)?;
        }
        if e.stored.height == height {
            return Some(summary(&e));
        }
        self.tree.best_at(height).map(summary)
    }

    fn last_non_min_difficulty_bits(&self, _pow: &PowParams) -> Option<u32> {
        self.last.walk_bits
    }
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
