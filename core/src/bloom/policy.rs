//! The filter policy: which elements go into our filter, how big it is, and when new watch
//! items go out as `filteradd` rather than a fresh `filterload`.
//!
//! ## Elements per watch item
//! * P2PKH address: its 20-byte pubkey hash (the push of `OP_DUP OP_HASH160 <20> ...`).
//! * P2SH address: its 20-byte script hash.
//! * A raw script: each non-empty push, as `CheckScript` tests them (a script without pushes
//!   cannot be matched by BIP37 at all).
//! * An unspent watched output: its 36-byte outpoint, which matches the spending input.
//! * A pay-to-pubkey key: the public key. Keys are *not* added for P2PKH items: our spends are
//!   matched by their outpoints, and a key would also match every scriptSig we sign, adding
//!   matches but no information.
//!
//! ## False-positive rate: [`DEFAULT_FALSE_POSITIVE_RATE`] = 0.0005
//! The rate is per element tested. A typical 2-in/2-out P2PKH transaction makes about 9
//! tests (txid, 2 output pushes, 2 prevouts, 2×2 scriptSig pushes), a CoinJoin mix many more,
//! so about 0.5% of all transactions match by chance. On mainnet (tens of transactions per
//! block, ~210,000 blocks a year) that is some 10,000–20,000 decoy transactions a year, a few
//! hundred per real transaction of a typical wallet, for roughly 10–15 MB of extra download
//! (a ~300-byte transaction plus its merkle branch each).
//! * Lower leaks the wallet: at bitcoinj's 0.00001 a year of sync brings a few hundred decoys,
//!   about as many as a busy wallet's own transactions, so a peer can tell ours apart.
//! * Higher wastes bandwidth: 0.001 (breadwallet's "good anonymity") doubles the above; 0.01
//!   matches ~10% of all transactions.
//! * 0.0005 is what Dash's own mobile wallets have shipped (DashSync's and breadwallet's
//!   `BLOOM_DEFAULT_FALSEPOSITIVE_RATE`, dashj's `DEFAULT_BLOOM_FILTER_FP_RATE`). It also keeps
//!   the false-positive estimator ([`super::estimator`]) fed: at ~0.5% per transaction it sees
//!   a decoy every few blocks, enough to notice drift within a few hundred blocks.
//!
//! ## Update flags: `BLOOM_UPDATE_ALL` by default
//! With ALL the peer inserts the outpoint of every output it matches, so a spend of a payment
//! to us is matched even in the same block or in blocks already requested, before we could
//! send its outpoint; with P2PUBKEY_ONLY it inserts only for P2PK and bare multisig outputs
//! (which modern wallets do not use), so such spends would be missed until our `filteradd`
//! arrives, and every received payment would force re-requesting blocks. ALL's cost is that
//! chance matches also insert outpoints and the peer's filter fills beyond our design; the
//! [`super::mirror`] knows that fill exactly and [`FilterPolicy::peer_needs_reload`] reloads a
//! peer before its rate drifts. `update` in [`PolicyConfig`] selects NONE or P2PUBKEY_ONLY
//! instead (for example for a wallet that only watches and re-requests anyway).
//!
//! ## Reload instead of `filteradd`
//! The filter is sized for the watch list plus headroom (the gap-limit lookahead grows it; each
//! received payment adds an outpoint). New elements go out as `filteradd` until either the
//! headroom is used up or the predicted rate `(1 - (1-fill)·e^{-k·a/m})^k` after the `a`
//! additions, over our copy and the fullest peer copy (their BLOOM_UPDATE insertions count),
//! exceeds [`PolicyConfig::reload_multiple`] × the rate the filter was designed for; then, or
//! when an element is over 520 bytes (which `filteradd` cannot carry), a fresh `filterload`
//! is built. A reload resets every peer's copy, so it also answers a drifted peer.
//!
//! The same tweak (drawn once from the injected RNG) is kept across reloads and peers, as
//! bitcoinj does: different tweaks over the same elements let peers intersect the filters.

use std::collections::{BTreeSet, HashSet};

use rand::RngCore;

use super::mirror::FilterMirror;
use super::{BloomError, BloomFilter, BloomUpdate, BLOOM_UPDATE_ALL, BLOOM_UPDATE_NONE};
use super::{BLOOM_UPDATE_P2PUBKEY_ONLY, MAX_BLOOM_FILTER_SIZE};
use crate::tx::{OutPoint, Script};
use crate::wire::{FilterAdd, FilterLoad, MAX_SCRIPT_ELEMENT_SIZE};

/// The default false-positive rate per element tested (see the module docs for the numbers).
pub const DEFAULT_FALSE_POSITIVE_RATE: f64 = 0.0005;
/// Headroom over the current element count, as a fraction of it.
pub const DEFAULT_HEADROOM_RATIO: f64 = 0.5;
/// Headroom at least this many elements: two BIP44 chains of a 20-address lookahead step
/// plus a few dozen new outpoints fit without a reload.
pub const DEFAULT_MIN_HEADROOM: u32 = 100;
/// Reload when the predicted rate reaches this multiple of the target.
pub const DEFAULT_RELOAD_MULTIPLE: f64 = 2.0;
/// The most elements a filter is sized for: Dash Core gives a filter of `n` elements
/// `floor(floor(288,000 / n) · ln 2)` hash functions, which is 0 (a filter that contains
/// everything) beyond 144,000 elements. A larger watch list gets an overfull filter instead.
pub const MAX_CAPACITY: u32 = (MAX_BLOOM_FILTER_SIZE as u32 * 8) / 2;
/// Element tests Dash Core makes for an ordinary unmatched transaction (txid, two output
/// pushes, two prevouts, two scriptSigs of two pushes): converts the per-element rate into a
/// per-transaction one for the estimator.
pub const DEFAULT_TESTS_PER_TX: f64 = 9.0;

/// How the policy builds and maintains the filter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolicyConfig {
    /// Target false-positive rate per element tested, in (0, 1).
    pub false_positive_rate: f64,
    /// The update mode sent in `nFlags`.
    pub update: BloomUpdate,
    /// Headroom over the element count, as a fraction of it.
    pub headroom_ratio: f64,
    /// Headroom of at least this many elements.
    pub min_headroom: u32,
    /// Reload once the predicted rate reaches this multiple of the target.
    pub reload_multiple: f64,
    /// Element tests per unmatched transaction, for the per-transaction rate.
    pub tests_per_tx: f64,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            false_positive_rate: DEFAULT_FALSE_POSITIVE_RATE,
            update: BloomUpdate::All,
            headroom_ratio: DEFAULT_HEADROOM_RATIO,
            min_headroom: DEFAULT_MIN_HEADROOM,
            reload_multiple: DEFAULT_RELOAD_MULTIPLE,
            tests_per_tx: DEFAULT_TESTS_PER_TX,
        }
    }
}

impl PolicyConfig {
    /// The `nFlags` byte for [`PolicyConfig::update`].
    pub fn flags(&self) -> u8 {
        match self.update {
            BloomUpdate::None => BLOOM_UPDATE_NONE,
            BloomUpdate::All => BLOOM_UPDATE_ALL,
            BloomUpdate::P2PubkeyOnly => BLOOM_UPDATE_P2PUBKEY_ONLY,
        }
    }
}

/// Something the wallet wants to see transactions for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FilterTarget {
    /// A P2PKH address: the 20-byte hash160 of its public key.
    PubkeyHash([u8; 20]),
    /// A P2SH address: the 20-byte hash160 of its redeem script.
    ScriptHash([u8; 20]),
    /// Any output script, watched through its non-empty pushes.
    Script(Script),
    /// An unspent output we own: matches the transaction that spends it.
    OutPoint(OutPoint),
    /// A public key paid to directly (pay-to-pubkey, `<key> OP_CHECKSIG`).
    P2pkPubkey(Vec<u8>),
}

impl FilterTarget {
    /// The item for an output script: P2PKH and P2SH by their hash, P2PK by its key,
    /// anything else by its pushes.
    pub fn from_script_pubkey(script: &Script) -> FilterTarget {
        if let Some(h) = script.p2pkh_hash() {
            FilterTarget::PubkeyHash(h)
        } else if let Some(h) = script.p2sh_hash() {
            FilterTarget::ScriptHash(h)
        } else if let Some(key) = script.p2pk_pubkey() {
            FilterTarget::P2pkPubkey(key.to_vec())
        } else {
            FilterTarget::Script(script.clone())
        }
    }

    /// The filter elements for this item (empty for a script without pushes).
    pub fn elements(&self) -> Vec<Vec<u8>> {
        match self {
            FilterTarget::PubkeyHash(h) | FilterTarget::ScriptHash(h) => vec![h.to_vec()],
            FilterTarget::Script(s) => s.pushes().map(<[u8]>::to_vec).collect(),
            FilterTarget::OutPoint(o) => vec![o.to_array().to_vec()],
            FilterTarget::P2pkPubkey(k) if k.is_empty() => vec![],
            FilterTarget::P2pkPubkey(k) => vec![k.clone()],
        }
    }
}

/// What to send to every peer (and record in each peer's [`FilterMirror`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterAction {
    /// Nothing: every element is already in the filter.
    None,
    /// `filteradd` messages, in order; each element is at most 520 bytes.
    Add(Vec<FilterAdd>),
    /// A fresh `filterload`.
    Reload(FilterLoad),
}

/// Why the policy chose a `filterload` over `filteradd`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReloadReason {
    /// An element over 520 bytes, which `filteradd` cannot carry.
    ElementTooLarge(usize),
    /// More additions than the headroom the filter was sized with.
    HeadroomExhausted,
    /// The predicted false-positive rate after the additions is too high.
    FalsePositiveRate(f64),
    /// Asked for (or a peer's copy drifted).
    Requested,
}

/// The policy's answer to new watch items.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchUpdate {
    /// What to send to every peer.
    pub action: FilterAction,
    /// Why it is a reload, if it is.
    pub reload_reason: Option<ReloadReason>,
    /// Re-request filtered blocks from this height on (the caller's `rescan_from`) when the
    /// filter changed: blocks already received were filtered without the new elements.
    pub rescan_from: Option<u32>,
}

/// Builds our filter from the watch list and keeps it current (see the module docs).
#[derive(Debug, Clone)]
pub struct FilterPolicy {
    config: PolicyConfig,
    tweak: u32,
    items: HashSet<FilterTarget>,
    /// Elements inserted into `filter` (the last load plus the additions since).
    in_filter: BTreeSet<Vec<u8>>,
    /// Our copy: the last `filterload` plus our `filteradd`s, without any peer's updates.
    filter: BloomFilter,
    /// The element count the filter was sized for.
    capacity: u32,
    additions_since_load: u32,
}

impl FilterPolicy {
    /// A policy with a tweak drawn from `rng` and a filter over `items`.
    pub fn new<R: RngCore + ?Sized>(
        config: PolicyConfig,
        items: impl IntoIterator<Item = FilterTarget>,
        rng: &mut R,
    ) -> Result<FilterPolicy, BloomError> {
        if !(config.false_positive_rate > 0.0 && config.false_positive_rate < 1.0) {
            return Err(BloomError::BadFalsePositiveRate);
        }
        let mut policy = FilterPolicy {
            config,
            tweak: rng.next_u32(),
            items: items.into_iter().collect(),
            in_filter: BTreeSet::new(),
            filter: BloomFilter::new(1, config.false_positive_rate, 0, 0)?,
            capacity: 1,
            additions_since_load: 0,
        };
        policy.rebuild()?;
        Ok(policy)
    }

    /// The configuration.
    pub fn config(&self) -> &PolicyConfig {
        &self.config
    }

    /// Our filter: what a newly connected peer gets as `filterload`.
    pub fn filter(&self) -> &BloomFilter {
        &self.filter
    }

    /// The `filterload` for a newly connected peer (or a peer whose copy drifted).
    pub fn filter_load(&self) -> FilterLoad {
        FilterLoad::from(&self.filter)
    }

    /// The element count the current filter was sized for.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// The watch items.
    pub fn items(&self) -> impl Iterator<Item = &FilterTarget> {
        self.items.iter()
    }

    /// The expected share of unrelated transactions a peer holding `filter` matches by
    /// chance: `1 - (1 - fill^k)^tests_per_tx`. This is the baseline for
    /// [`super::estimator::FpEstimator`].
    pub fn expected_tx_false_positive_rate(&self, filter: &BloomFilter) -> f64 {
        1.0 - (1.0 - filter.false_positive_rate()).powf(self.config.tests_per_tx)
    }

    /// Adds watch items. New elements become `filteradd`s (to send to every peer and record in
    /// every mirror) unless a reload is better; `rescan_from` is passed through when the filter
    /// changed: for a lookahead extension it is the height of the block in which the wallet saw
    /// the lookahead key used, since later blocks were filtered without the new keys.
    ///
    /// `peers` are the mirrors of the peers' copies: with `BLOOM_UPDATE_ALL` they hold more
    /// than ours, and the predicted rate is taken over the fullest of them.
    pub fn watch<'a>(
        &mut self,
        items: impl IntoIterator<Item = FilterTarget>,
        rescan_from: Option<u32>,
        peers: impl IntoIterator<Item = &'a FilterMirror>,
    ) -> WatchUpdate {
        let mut new_elements: Vec<Vec<u8>> = Vec::new();
        for item in items {
            for element in item.elements() {
                if !self.in_filter.contains(&element) && !new_elements.contains(&element) {
                    new_elements.push(element);
                }
            }
            self.items.insert(item);
        }
        if new_elements.is_empty() {
            return WatchUpdate {
                action: FilterAction::None,
                reload_reason: None,
                rescan_from: None,
            };
        }
        let peer_filters = peers.into_iter().filter_map(FilterMirror::filter);
        if let Some(reason) = self.reload_reason(&new_elements, peer_filters) {
            return WatchUpdate {
                action: FilterAction::Reload(self.reload()),
                reload_reason: Some(reason),
                rescan_from,
            };
        }
        let adds = new_elements
            .into_iter()
            .map(|element| {
                self.filter.insert(&element);
                self.in_filter.insert(element.clone());
                self.additions_since_load += 1;
                FilterAdd { element }
            })
            .collect();
        WatchUpdate { action: FilterAction::Add(adds), reload_reason: None, rescan_from }
    }

    /// Stops watching items (a spent outpoint, a removed address). A Bloom filter cannot
    /// forget: they leave the filter at the next reload.
    pub fn forget(&mut self, items: impl IntoIterator<Item = FilterTarget>) {
        for item in items {
            self.items.remove(&item);
        }
    }

    /// Rebuilds the filter from the watch list (same tweak, fresh headroom) and returns the
    /// `filterload` for every peer.
    pub fn reload(&mut self) -> FilterLoad {
        // The policy's rate is validated in `new` and the capacity is ≥ 1, so this cannot
        // fail; keep the old filter if it somehow did.
        let _ = self.rebuild();
        self.filter_load()
    }

    /// Whether a peer's copy (its mirror, grown by the peer's own BLOOM_UPDATE insertions)
    /// has drifted past [`PolicyConfig::reload_multiple`] × the target: send it
    /// [`FilterPolicy::filter_load`] again.
    pub fn peer_needs_reload(&self, mirror: &FilterMirror) -> bool {
        mirror.filter().is_some_and(|f| {
            !f.is_match_all()
                && f.false_positive_rate()
                    > self.config.reload_multiple * self.design_false_positive_rate()
        })
    }

    /// The rate the current filter was designed for, at its full capacity: the configured
    /// one, or higher where Dash Core's 36,000-byte limit capped the size. Reload thresholds
    /// are multiples of it.
    pub fn design_false_positive_rate(&self) -> f64 {
        let fresh = BloomFilter::from_parts(
            vec![0; self.filter.data().len()],
            self.filter.hash_funcs(),
            0,
            0,
        );
        let designed = fresh.map_or(1.0, |f| f.false_positive_rate_after(u64::from(self.capacity)));
        designed.max(self.config.false_positive_rate)
    }

    fn reload_reason<'a>(
        &self,
        new_elements: &[Vec<u8>],
        peers: impl Iterator<Item = &'a BloomFilter>,
    ) -> Option<ReloadReason> {
        if let Some(e) = new_elements.iter().find(|e| e.len() > MAX_SCRIPT_ELEMENT_SIZE) {
            return Some(ReloadReason::ElementTooLarge(e.len()));
        }
        let headroom =
            self.capacity.saturating_sub(self.in_filter.len() as u32 - self.additions_since_load);
        let additions = self.additions_since_load as u64 + new_elements.len() as u64;
        if additions > u64::from(headroom) {
            return Some(ReloadReason::HeadroomExhausted);
        }
        let added = new_elements.len() as u64;
        let predicted = peers
            .filter(|f| !f.is_match_all())
            .map(|f| f.false_positive_rate_after(added))
            .fold(self.filter.false_positive_rate_after(added), f64::max);
        if predicted > self.config.reload_multiple * self.design_false_positive_rate() {
            return Some(ReloadReason::FalsePositiveRate(predicted));
        }
        None
    }

    fn rebuild(&mut self) -> Result<(), BloomError> {
        let elements: BTreeSet<Vec<u8>> = self.items.iter().flat_map(|i| i.elements()).collect();
        let n = elements.len() as f64;
        let headroom = (n * self.config.headroom_ratio).max(f64::from(self.config.min_headroom));
        let capacity = ((n + headroom).ceil() as u64).clamp(1, u64::from(MAX_CAPACITY)) as u32;
        let mut filter = BloomFilter::new(
            capacity,
            self.config.false_positive_rate,
            self.tweak,
            self.config.flags(),
        )?;
        for e in &elements {
            filter.insert(e);
        }
        self.filter = filter;
        self.capacity = capacity;
        self.in_filter = elements;
        self.additions_since_load = 0;
        Ok(())
    }
}
