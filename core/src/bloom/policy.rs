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
//! ## The rate a peer sees: within [configured / 4, configured × 2] at all times
//! The real rate of a filter is `fill^k` (the fraction of bits set to the power of the hash
//! count), what a peer holding it matches by chance. With `p` the configured rate:
//! * A `filterload` is built by [`super::layout`] at [`PolicyConfig::load_multiple`] (1.5) ×
//!   `p`: the smallest rung of a size ladder that holds the elements at or below it, padded
//!   with decoy bits up to it, so a one-element wallet and a ten-thousand-element wallet
//!   both start at 1.5 `p`.
//! * New elements go out as `filteradd` (raising the rate) while the rate they would give,
//!   computed exactly by inserting them into our copy and into every peer copy (their
//!   BLOOM_UPDATE insertions count), stays at or below [`PolicyConfig::reload_multiple`]
//!   (2) × `p`; past it the filter is rebuilt and reloaded, back at 1.5 `p`. A peer copy that
//!   its own insertions push past the bound gets our filter again
//!   ([`FilterPolicy::peer_needs_reload`]). An element over 520 bytes, which `filteradd`
//!   cannot carry, also forces a reload.
//! * The rate only falls at a reload, to 1.5 `p`, so it never drops below `p`.
//!
//! Dash Core's limits (36,000 bytes, 50 hash functions) cap this: at the default rate the top
//! rung holds about 20,000 elements at twice `p`. Beyond that a reload cannot lower the
//! rate, the filter holds every element without decoys and its rate rises with the wallet
//! (the reload point is then the last load's rate × 2 / 1.5, so peers' copies are still
//! reset when their insertions raise it by that much).
//!
//! ## Reloads cannot be intersected below `p`
//! The tweak (drawn once from the injected RNG, or kept from the stored filter after a
//! restart) and the hash count are kept across reloads and peers; a reload keeps the size
//! while the elements fit it and otherwise doubles it, and its decoy bits project onto the
//! set bits of the last `filterload` ([`super::layout`] has the argument). So a decoy of the
//! new filter that misses every bit of the elements added since was a decoy of the old one.
//! The additions took the rate from 1.5 `p` to 2 `p`, so they own a share `2^{1/k}/1.5^{1/k}
//! - 1` of the set bits, and a decoy of the new filter (rate 1.5 `p`) avoids them with
//! probability `(2 - (4/3)^{1/k})^k` (0.74 at `k` = 10): the decoys two successive filters
//! have in common stay at about 1.1 `p`. Loading at `p` instead would leave about 0.48 `p`.
//! Over many reloads the decoys common to *all* filters do shrink, by that factor per reload:
//! elements added later set bits no earlier filter had, so no layout can keep a wallet that
//! grew from 40 to 3,000 elements hidden in the 40-element filter's decoys (the bench
//! `bloom_privacy` prints both figures).

//! ## What `filteradd` reveals
//! A `filteradd` carries the exact element: the peer learns with certainty that the address
//! hash, key or outpoint is ours (a new lookahead address, the outpoint of a payment just
//! received), which decoys cannot hide. [`FilterUpdates::Reload`] sends a rebuilt
//! `filterload` instead: the peer then learns which bits turned on (decoy bits only ever
//! turn off), so its candidates for the new elements are the scripts matching the new filter
//! through at least one of those bits: the new elements among decoys, about `k·b/ones` of the
//! decoy rate for `b` new bits. That costs a full filter (up to 36,000 bytes) to every peer
//! for each change of the watch list, and a rebuild of the filter.

use std::collections::{BTreeSet, HashSet};

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

use super::layout;
use super::mirror::{FilterAction, FilterMirror};
use super::BLOOM_UPDATE_P2PUBKEY_ONLY;
use super::{BloomError, BloomFilter, BloomUpdate, BLOOM_UPDATE_ALL, BLOOM_UPDATE_NONE};
use crate::tx::{OutPoint, Script};
use crate::wire::{FilterAdd, FilterLoad, MAX_SCRIPT_ELEMENT_SIZE};

/// The default false-positive rate per element tested (see the module docs for the numbers).
pub const DEFAULT_FALSE_POSITIVE_RATE: f64 = 0.0005;
/// Reload when the rate would pass this multiple of the target: the upper end of the
/// band the rate is kept in.
pub const DEFAULT_RELOAD_MULTIPLE: f64 = 2.0;
/// A `filterload` is built at this multiple of the target, so that a reload's decoys in
/// common with the filter it replaces stay at the target or above (see the module docs).
pub const DEFAULT_LOAD_MULTIPLE: f64 = 1.5;
/// Element tests Dash Core makes for an ordinary unmatched transaction (txid, two output
/// pushes, two prevouts, two scriptSigs of two pushes): converts the per-element rate into a
/// per-transaction one for the estimator.
pub const DEFAULT_TESTS_PER_TX: f64 = 9.0;

/// How new watch items reach the peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FilterUpdates {
    /// `filteradd` while the rate stays in its band (the default: a few dozen bytes per
    /// element), a reload past it. Each `filteradd` tells the peer an element exactly.
    #[default]
    Add,
    /// Always a rebuilt `filterload`: no element is sent in clear, for a full filter per
    /// change of the watch list (see the module docs).
    Reload,
}

/// How the policy builds and maintains the filter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolicyConfig {
    /// Target false-positive rate per element tested, in (0, 1).
    pub false_positive_rate: f64,
    /// The update mode sent in `nFlags`.
    pub update: BloomUpdate,
    /// Reload once the rate would pass this multiple of the target (at least 1).
    pub reload_multiple: f64,
    /// Build each `filterload` at this multiple of the target (between 1 and
    /// `reload_multiple`).
    pub load_multiple: f64,
    /// `filteradd` or reloads for new watch items.
    pub updates: FilterUpdates,
    /// Element tests per unmatched transaction, for the per-transaction rate.
    pub tests_per_tx: f64,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            false_positive_rate: DEFAULT_FALSE_POSITIVE_RATE,
            update: BloomUpdate::All,
            reload_multiple: DEFAULT_RELOAD_MULTIPLE,
            load_multiple: DEFAULT_LOAD_MULTIPLE,
            updates: FilterUpdates::Add,
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

/// Why the policy chose a `filterload` over `filteradd`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReloadReason {
    /// An element over 520 bytes, which `filteradd` cannot carry.
    ElementTooLarge(usize),
    /// [`FilterUpdates::Reload`]: new elements always go out in a `filterload`.
    ReloadsOnly,
    /// The false-positive rate after the additions (on the fullest copy) would pass the
    /// reload threshold.
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
    hash_funcs: u32,
    items: HashSet<FilterTarget>,
    /// Elements inserted into `filter` (the last load plus the additions since).
    in_filter: BTreeSet<Vec<u8>>,
    /// Our copy: the last `filterload` plus our `filteradd`s, without any peer's updates.
    filter: BloomFilter,
    /// The last `filterload`, without the additions since: the filter the next reload's
    /// decoys must project onto.
    loaded: BloomFilter,
    /// Its real rate.
    load_rate: f64,
    /// Whether Dash Core's size limit kept it above its target.
    capped: bool,
    /// Draws the decoy bits.
    rng: StdRng,
}

impl FilterPolicy {
    /// A policy with a tweak drawn from `rng` and a filter over `items`.
    pub fn new<R: RngCore + ?Sized>(
        config: PolicyConfig,
        items: impl IntoIterator<Item = FilterTarget>,
        rng: &mut R,
    ) -> Result<FilterPolicy, BloomError> {
        FilterPolicy::resume(config, items, None, rng)
    }

    /// A policy continuing from `previous`, the filter peers were last sent (stored across a
    /// restart): its tweak is kept and, with the same hash count, its layout, so peers are not
    /// handed a second, independent filter. Without it, as [`FilterPolicy::new`].
    pub fn resume<R: RngCore + ?Sized>(
        config: PolicyConfig,
        items: impl IntoIterator<Item = FilterTarget>,
        previous: Option<&BloomFilter>,
        rng: &mut R,
    ) -> Result<FilterPolicy, BloomError> {
        if !(config.false_positive_rate > 0.0 && config.false_positive_rate < 1.0) {
            return Err(BloomError::BadFalsePositiveRate);
        }
        let reload_multiple = config.reload_multiple.max(1.0);
        let load_multiple = config.load_multiple.clamp(1.0, reload_multiple);
        let config = PolicyConfig { reload_multiple, load_multiple, ..config };
        let tweak = previous.map_or_else(|| rng.next_u32(), BloomFilter::tweak);
        let mut policy = FilterPolicy {
            config,
            tweak,
            hash_funcs: layout::hash_funcs_for(config.reload_multiple * config.false_positive_rate),
            items: items.into_iter().collect(),
            in_filter: BTreeSet::new(),
            filter: BloomFilter { data: Vec::new(), hash_funcs: 0, tweak, flags: 0 },
            loaded: BloomFilter { data: Vec::new(), hash_funcs: 0, tweak, flags: 0 },
            load_rate: 0.0,
            capped: false,
            rng: StdRng::seed_from_u64(rng.next_u64()),
        };
        policy.rebuild(previous);
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
    /// every mirror) unless a reload is due; `rescan_from` is passed through when the filter
    /// changed: for a lookahead extension it is the height of the block in which the wallet saw
    /// the lookahead key used, since later blocks were filtered without the new keys.
    ///
    /// `peers` are the mirrors of the peers' copies: with `BLOOM_UPDATE_ALL` they hold more
    /// than ours, and the rate after the additions is taken over the fullest of them.
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

    /// Rebuilds the filter from the watch list (same tweak and hash count, the same or a
    /// doubled size, decoys projecting onto the last `filterload`) and returns the
    /// `filterload` for every peer.
    pub fn reload(&mut self) -> FilterLoad {
        let previous = self.loaded.clone();
        self.rebuild(Some(&previous));
        self.filter_load()
    }

    /// Whether a peer's copy (its mirror, grown by the peer's own BLOOM_UPDATE insertions)
    /// has passed [`FilterPolicy::reload_threshold`]: send it [`FilterPolicy::filter_load`]
    /// again.
    pub fn peer_needs_reload(&self, mirror: &FilterMirror) -> bool {
        mirror
            .filter()
            .is_some_and(|f| !f.is_match_all() && f.false_positive_rate() > self.reload_threshold())
    }

    /// The real rate of the last `filterload`: [`PolicyConfig::load_multiple`] × the
    /// configured rate, or higher where Dash Core's 36,000-byte limit caps the size.
    pub fn load_false_positive_rate(&self) -> f64 {
        self.load_rate
    }

    /// The rate past which the filter is reloaded: [`PolicyConfig::reload_multiple`] × the
    /// configured rate, or, where the size limit kept the last load above its target, that
    /// load's rate × `reload_multiple / load_multiple`.
    pub fn reload_threshold(&self) -> f64 {
        let c = &self.config;
        let upper = c.reload_multiple * c.false_positive_rate;
        if self.capped {
            upper.max(self.load_rate * c.reload_multiple / c.load_multiple)
        } else {
            upper
        }
    }

    fn reload_reason<'a>(
        &self,
        new_elements: &[Vec<u8>],
        peers: impl Iterator<Item = &'a BloomFilter>,
    ) -> Option<ReloadReason> {
        if let Some(e) = new_elements.iter().find(|e| e.len() > MAX_SCRIPT_ELEMENT_SIZE) {
            return Some(ReloadReason::ElementTooLarge(e.len()));
        }
        if self.config.updates == FilterUpdates::Reload {
            return Some(ReloadReason::ReloadsOnly);
        }
        let after = |f: &BloomFilter| {
            let mut f = f.clone();
            new_elements.iter().for_each(|e| f.insert(e));
            f.false_positive_rate()
        };
        let rate =
            peers.filter(|f| !f.is_match_all()).map(after).fold(after(&self.filter), f64::max);
        (rate > self.reload_threshold()).then_some(ReloadReason::FalsePositiveRate(rate))
    }

    fn rebuild(&mut self, previous: Option<&BloomFilter>) {
        let elements: BTreeSet<Vec<u8>> = self.items.iter().flat_map(|i| i.elements()).collect();
        (self.filter, self.capped) = layout::build(
            &elements,
            self.config.load_multiple * self.config.false_positive_rate,
            self.hash_funcs,
            self.tweak,
            self.config.flags(),
            previous,
            &mut self.rng,
        );
        self.load_rate = self.filter.false_positive_rate();
        self.loaded = self.filter.clone();
        self.in_filter = elements;
    }
}
