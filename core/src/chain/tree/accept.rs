//! The accept path of the header tree: a batch of headers checked in order against every
//! rule (proof of work, checkpoints, contextual checks, fork bounds), unconnected headers and
//! fork sources accounted, the best chain moved and the store updated once per batch.

use super::agreement::Claim;
use super::{
    AcceptOutcome, BranchHistory, Entry, HeaderSource, HeaderTree, HISTORY_WINDOW,
    MAX_FORK_SOURCES, MAX_REMEMBERED_INVALID, MAX_UNPROVEN_FORK_DEPTH,
};
use crate::chain::batch::{default_threads, hash_headers_parallel};
use crate::chain::context::{check_contextual, Skipped};
use crate::chain::error::{ChainError, ValidationError};
use crate::chain::pow::{block_work, check_proof_of_work};
use crate::chain::store::{HeaderStore, StoredHeader};
use crate::hash::BlockHash;
use crate::wire::{BlockHeader, HashedHeader};

impl<S: HeaderStore> HeaderTree<S> {
    /// Validates and adds headers in order, stopping at the first failure; the store is
    /// updated once at the end. `now` is the current time (seconds since the Unix epoch).
    pub fn accept_headers(
        &mut self,
        headers: &[(BlockHeader, BlockHash)],
        now: u64,
    ) -> AcceptOutcome {
        self.accept_headers_from(0, headers, now)
    }

    /// [`accept_headers`](Self::accept_headers) for headers sent by `source` (a peer), whose
    /// fork headers count against its own budget
    /// ([`TreeConfig::max_fork_headers`](super::TreeConfig::max_fork_headers)).
    pub fn accept_headers_from(
        &mut self,
        source: HeaderSource,
        headers: &[(BlockHeader, BlockHash)],
        now: u64,
    ) -> AcceptOutcome {
        self.accept_iter(source, headers.iter().map(|(h, hash)| (h, hash)), now)
    }

    /// [`accept_headers`](Self::accept_headers) for headers that come with their hashes from
    /// [`Headers2::decompress`](crate::wire::Headers2::decompress) (or
    /// [`hash_headers_parallel`]): nothing is hashed
    /// again.
    pub fn accept_hashed(&mut self, headers: &[HashedHeader], now: u64) -> AcceptOutcome {
        self.accept_hashed_from(0, headers, now)
    }

    /// [`accept_hashed`](Self::accept_hashed) for headers sent by `source` (see
    /// [`accept_headers_from`](Self::accept_headers_from)).
    pub fn accept_hashed_from(
        &mut self,
        source: HeaderSource,
        headers: &[HashedHeader],
        now: u64,
    ) -> AcceptOutcome {
        self.accept_iter(source, headers.iter().map(|h| (&h.header, &h.hash)), now)
    }

    /// Validates an uncompressed `headers` batch: X11 of every header on
    /// [`default_threads`] threads, then the rules in order as
    /// [`accept_headers`](Self::accept_headers).
    pub fn accept_raw_headers(&mut self, headers: &[BlockHeader], now: u64) -> AcceptOutcome {
        self.accept_raw_headers_on(headers, default_threads(), now)
    }

    /// [`accept_raw_headers`](Self::accept_raw_headers) hashing on at most `threads` threads.
    pub fn accept_raw_headers_on(
        &mut self,
        headers: &[BlockHeader],
        threads: usize,
        now: u64,
    ) -> AcceptOutcome {
        let hashed = hash_headers_parallel(headers, threads);
        self.accept_hashed(&hashed, now)
    }

    fn accept_iter<'h>(
        &mut self,
        source: HeaderSource,
        headers: impl Iterator<Item = (&'h BlockHeader, &'h BlockHash)>,
        now: u64,
    ) -> AcceptOutcome {
        let mut out = AcceptOutcome::default();
        let old_tip = self.tip().hash;
        let mut prev: Option<&BlockHash> = None;
        let mut last_ok = None;
        for (i, (header, hash)) in headers.enumerate() {
            if prev.is_some_and(|p| header.prev_blockhash != *p) {
                out.error = Some(ValidationError::NonContinuous { index: i }.into());
                break;
            }
            prev = Some(hash);
            match self.accept_one(source, header, hash, now) {
                Ok(skipped) => {
                    out.accepted += 1;
                    last_ok = Some(*hash);
                    if skipped.difficulty || skipped.median_time {
                        out.unchecked += 1;
                    }
                }
                Err(e) => {
                    if let ChainError::Invalid(v) = &e {
                        if v.is_permanent() {
                            self.remember_invalid(*hash);
                        }
                    }
                    out.error = Some(e);
                    break;
                }
            }
        }
        match self.flush(old_tip) {
            Ok(change) => out.tip_change = change,
            Err(e) => {
                // Memory ran ahead of the store: fall back to what the store holds.
                out.tip_change = None;
                out.error = Some(e);
                if let Err(e) = self.reload() {
                    out.error = Some(e);
                }
            }
        }
        if let Some(hash) = last_ok {
            if let Some(height) = self.known_height(&hash) {
                self.record_claim(source, Claim { hash, height });
            }
        }
        self.refresh_agreement();
        out
    }

    fn remember_invalid(&mut self, hash: BlockHash) {
        self.remember(hash, false);
    }

    /// Remembers `hash` as invalid; `by_content` when its block, not its header, was found
    /// invalid.
    pub(super) fn remember(&mut self, hash: BlockHash, by_content: bool) {
        if let Some(flag) = self.invalid.get_mut(&hash) {
            *flag |= by_content;
        } else {
            self.invalid.insert(hash, by_content);
            self.invalid_order.push_back(hash);
            if self.invalid_order.len() > MAX_REMEMBERED_INVALID {
                if let Some(old) = self.invalid_order.pop_front() {
                    self.invalid.remove(&old);
                }
            }
        }
    }

    fn accept_one(
        &mut self,
        source: HeaderSource,
        header: &BlockHeader,
        hash: &BlockHash,
        now: u64,
    ) -> Result<Skipped, ChainError> {
        if self.entries.contains_key(hash) {
            return Ok(Skipped::default());
        }
        if self.invalid.get(hash) == Some(&true) {
            return Err(ValidationError::KnownInvalid { hash: *hash }.into());
        }
        let mut parent = self.entries.get(&header.prev_blockhash).copied();
        if parent.is_none() && self.max_depth() > self.config.max_fork_depth {
            parent = self.deepen_to(&header.prev_blockhash)?;
        }
        let height = parent.map(|p| p.stored.height + 1);
        // CheckBlockHeader comes before the parent is looked at.
        check_proof_of_work(hash, header.bits, &self.params.pow, height)?;
        let tip = self.tip();
        let last_checkpoint = self.config.checkpoints.last_at_or_below(tip.height);
        let Some(parent) = parent else {
            return self.unconnected(header, hash, last_checkpoint.map(|c| c.0));
        };
        let height = parent.stored.height + 1;
        self.config.checkpoints.check(height, hash)?;
        if let Some((checkpoint, _)) = last_checkpoint.filter(|&(h, _)| height < h) {
            return Err(ValidationError::ForkBelowCheckpoint { height, checkpoint }.into());
        }
        let fork = self
            .fork_point(parent)
            .ok_or(ValidationError::Unconnected { hash: *hash, prev: header.prev_blockhash })?;
        let max_depth = self.max_depth();
        if tip.height - fork.stored.height > max_depth {
            return Err(ValidationError::ForkTooDeep {
                height,
                fork_height: fork.stored.height,
                max_depth,
            }
            .into());
        }
        if let Some((locked_height, _)) = self.chain_lock.filter(|&(h, _)| fork.stored.height < h) {
            return Err(ValidationError::ConflictsWithChainLock {
                height,
                fork_height: fork.stored.height,
                locked_height,
            }
            .into());
        }
        let extends_tip = parent.stored.hash == tip.hash;
        if !extends_tip && self.fork_budget_used(source) {
            return Err(ValidationError::TooManyForkHeaders { height }.into());
        }
        let pinned = self.pinned.is_some_and(|(start, pin)| height > start && height <= pin);
        let skipped = check_contextual(
            self.params,
            header,
            &BranchHistory { tree: self, last: parent },
            now,
            pinned,
        )?;
        let stored = StoredHeader {
            header: *header,
            hash: *hash,
            height,
            chain_work: parent.stored.chain_work.wrapping_add(block_work(header.bits)),
        };
        let walk_bits = self.walk_bits(&stored, parent.walk_bits);
        let entry = Entry { stored, walk_bits, source };
        self.entries.insert(*hash, entry);
        if stored.chain_work > tip.chain_work {
            self.make_best(entry);
        }
        Ok(skipped)
    }

    /// The error for a header whose parent is not in memory.
    fn unconnected(
        &self,
        header: &BlockHeader,
        hash: &BlockHash,
        last_checkpoint: Option<u32>,
    ) -> Result<Skipped, ChainError> {
        if self.invalid.contains_key(&header.prev_blockhash) {
            return Err(
                ValidationError::InvalidPrev { hash: *hash, prev: header.prev_blockhash }.into()
            );
        }
        if self.store.get_by_hash(hash)?.is_some() {
            return Ok(Skipped::default()); // an old best-chain header we already have
        }
        let Some(parent) = self.store.get_by_hash(&header.prev_blockhash)? else {
            return Err(
                ValidationError::Unconnected { hash: *hash, prev: header.prev_blockhash }.into()
            );
        };
        // The parent is on the best chain below the in-memory window: a deep fork.
        let height = parent.height + 1;
        if let Some(checkpoint) = last_checkpoint.filter(|&h| height < h) {
            return Err(ValidationError::ForkBelowCheckpoint { height, checkpoint }.into());
        }
        if let Some((locked_height, _)) = self.chain_lock.filter(|&(h, _)| parent.height < h) {
            return Err(ValidationError::ConflictsWithChainLock {
                height,
                fork_height: parent.height,
                locked_height,
            }
            .into());
        }
        Err(ValidationError::ForkTooDeep {
            height,
            fork_height: parent.height,
            max_depth: self.max_depth(),
        }
        .into())
    }

    /// How deep a fork may leave the best chain now. A fork point below the agreed height
    /// of a proven chain must lie within `max_fork_depth` of the tip; one at or above it (or
    /// anywhere on an unproven chain) within [`MAX_UNPROVEN_FORK_DEPTH`]. So the depth is
    /// `tip - agreed`, but at least `max_fork_depth` and at most the unproven limit.
    pub(super) fn max_depth(&self) -> u32 {
        let limit = MAX_UNPROVEN_FORK_DEPTH.max(self.config.max_fork_depth);
        let protected_below = if self.is_proven() { self.agreed } else { 0 };
        self.tip().height.saturating_sub(protected_below).clamp(self.config.max_fork_depth, limit)
    }

    /// Whether `source` may add no more fork headers: it holds `max_fork_headers` of them,
    /// or all sources together hold [`MAX_FORK_SOURCES`] times that.
    fn fork_budget_used(&self, source: HeaderSource) -> bool {
        let limit = self.config.max_fork_headers;
        let forks = self.entries.len() - self.best.len();
        if forks < limit {
            return false;
        }
        if forks >= limit.saturating_mul(MAX_FORK_SOURCES) {
            return true;
        }
        let own = self
            .entries
            .values()
            .filter(|e| e.source == source && !self.on_best_chain(e))
            .take(limit)
            .count();
        own >= limit
    }

    /// Brings the stored best-chain header `hash` and up to [`HISTORY_WINDOW`] headers below
    /// it back into memory, so that a deep fork from it can be validated. `None` if the store
    /// does not hold it, or it lies deeper than [`Self::max_depth`].
    fn deepen_to(&mut self, hash: &BlockHash) -> Result<Option<Entry>, ChainError> {
        let Some(parent) = self.store.get_by_hash(hash)? else { return Ok(None) };
        if parent.height >= self.best_base
            || self.tip().height - parent.height > self.max_depth()
            || self.store.get_by_height(parent.height)?.map(|s| s.hash) != Some(parent.hash)
        {
            return Ok(None);
        }
        let from = parent.height.saturating_sub(HISTORY_WINDOW);
        let mut loaded = Vec::with_capacity((self.best_base - from) as usize);
        for height in from..self.best_base {
            match self.store.get_by_height(height)? {
                Some(s) => loaded.push(s),
                None if loaded.is_empty() => continue, // below the trusted start
                None => return Err(ChainError::Inconsistent),
            }
        }
        let Some(first) = loaded.first() else { return Ok(None) };
        self.best_base = first.height;
        let mut walk = None;
        let mut entries = Vec::with_capacity(loaded.len());
        for s in loaded {
            walk = self.walk_bits(&s, walk);
            entries.push(Entry { stored: s, walk_bits: walk, source: 0 });
        }
        for e in entries.into_iter().rev() {
            self.entries.insert(e.stored.hash, e);
            self.best.push_front(e);
        }
        Ok(self.entries.get(hash).copied())
    }
}
