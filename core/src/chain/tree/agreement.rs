//! Which part of the best chain other peers agree with.
//!
//! Every source confirms the header it last delivered ([`HeaderTree::accept_headers_from`],
//! known headers included) or announced ([`HeaderTree::confirm`]): its *claim*. A claim
//! confirms the best chain up to the last block it shares with it, its *agreement*: the
//! claim's own height when the claimed header is on the best chain, its fork point when it
//! is on another branch, nothing when the header is no longer known. The *agreed height* is
//! the highest height at least [`MIN_CONFIRMING_SOURCES`] distinct sources agree with; it is
//! recomputed after every change, so after a reorganisation the claims on the blocks taken
//! off confirm only up to the fork point.
//!
//! The fork depth limit ([`TreeConfig::max_fork_depth`]) protects only the agreed part of
//! the best chain: a fork point at or above the agreed height may lie as deep as
//! [`MAX_UNPROVEN_FORK_DEPTH`]. One source cannot confirm twice: it has one claim, which its
//! next delivery replaces. What a source is (a connection, an address, a network group) is
//! the caller's choice; the sync engine gives every connection to one origin the same one.

use super::*;

/// Distinct sources whose claims must agree with a height of the best chain before forks
/// below it are held to [`TreeConfig::max_fork_depth`].
pub const MIN_CONFIRMING_SOURCES: usize = 2;
/// Claims kept; a new source beyond them replaces the claim that agrees least.
pub const MAX_CLAIMS: usize = 64;

/// The header a source last delivered or announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Claim {
    pub(super) hash: BlockHash,
    pub(super) height: u32,
}

impl<S: HeaderStore> HeaderTree<S> {
    /// Records that `source` announced the known header `hash` (an `inv`, or a header it
    /// resent): it confirms the chain up to it. `false` if the header is not known.
    pub fn confirm(&mut self, source: HeaderSource, hash: &BlockHash) -> bool {
        let Some(height) = self.known_height(hash) else { return false };
        self.record_claim(source, Claim { hash: *hash, height });
        self.refresh_agreement();
        true
    }

    /// Forgets what `source` confirmed (a peer found misbehaving).
    pub fn withdraw(&mut self, source: HeaderSource) {
        if self.claims.remove(&source).is_some() {
            self.refresh_agreement();
        }
    }

    /// The highest best-chain height that at least [`MIN_CONFIRMING_SOURCES`] distinct
    /// sources agree with (0 while fewer do). Forks whose fork point is below it are held to
    /// [`TreeConfig::max_fork_depth`] once the chain has the minimum work and every
    /// checkpoint.
    pub fn agreed_height(&self) -> u32 {
        self.agreed
    }

    /// The best-chain height up to which `source` agrees (`None`: it claimed nothing).
    pub fn agreement_of(&self, source: HeaderSource) -> Option<u32> {
        self.claims.get(&source).map(|c| self.agreement(c))
    }

    pub(super) fn known_height(&self, hash: &BlockHash) -> Option<u32> {
        match self.entries.get(hash) {
            Some(e) => Some(e.stored.height),
            None => self.store.get_by_hash(hash).ok().flatten().map(|s| s.height),
        }
    }

    pub(super) fn record_claim(&mut self, source: HeaderSource, claim: Claim) {
        if !self.claims.contains_key(&source) && self.claims.len() >= MAX_CLAIMS {
            let least = self.claims.iter().min_by_key(|(_, c)| self.agreement(c)).map(|(&s, _)| s);
            if let Some(s) = least {
                self.claims.remove(&s);
            }
        }
        self.claims.insert(source, claim);
    }

    /// The last best-chain height `claim` shares with the best chain (0 if unknown).
    fn agreement(&self, claim: &Claim) -> u32 {
        if let Some(e) = self.entries.get(&claim.hash) {
            return self.fork_point(*e).map_or(0, |f| f.stored.height);
        }
        let below_window = claim.height < self.best_base;
        let stored = || self.store.get_by_height(claim.height).ok().flatten();
        if below_window && stored().is_some_and(|s| s.hash == claim.hash) {
            claim.height
        } else {
            0
        }
    }

    /// Recomputes [`Self::agreed_height`] from the claims and the current best chain.
    pub(super) fn refresh_agreement(&mut self) {
        let mut heights: Vec<u32> = self.claims.values().map(|c| self.agreement(c)).collect();
        heights.sort_unstable_by(|a, b| b.cmp(a));
        self.agreed = heights.get(MIN_CONFIRMING_SOURCES - 1).copied().unwrap_or(0);
    }
}
