//! The filters: our [`FilterPolicy`] built from the wallet's filter elements, and per peer a
//! [`FilterMirror`] of the copy it holds and an [`FpEstimator`] of how it really matches.
//!
//! The mirror is fed exactly as its docs ask: the `filterload` a peer got in its handshake
//! (or later), every `filteradd`, each verified `merkleblock`'s matched txids followed by
//! the `tx` messages, announced transactions and the ones that could not be had.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::bloom::{
    BlockSample, BloomError, BloomFilter, Drift, EstimatorConfig, FilterAction, FilterMirror,
    FilterPolicy, FilterTarget, FpEstimator, PolicyConfig, TxDelivery,
};
use crate::hash::Txid;
use crate::p2p::PeerId;
use crate::tx::Transaction;
use crate::wallet::FilterElement;
use crate::wire::{FilterLoad, Message};

use super::SyncConfig;

/// The watch item that puts exactly `element`'s bytes into the filter.
pub fn filter_target(element: &FilterElement) -> FilterTarget {
    match element {
        FilterElement::PubkeyHash(h) => FilterTarget::PubkeyHash(*h),
        FilterElement::ScriptHash(h) => FilterTarget::ScriptHash(*h),
        FilterElement::OutPoint(o) => FilterTarget::OutPoint(*o),
        // A lone push is inserted as-is, like a pay-to-pubkey key.
        FilterElement::P2pkPubkey(b) | FilterElement::ScriptPush(b) => {
            FilterTarget::P2pkPubkey(b.clone())
        }
    }
}

/// One peer's filter state.
#[derive(Debug, Clone)]
pub struct PeerFilter {
    /// What the peer's filter holds.
    pub mirror: FilterMirror,
    /// How often it matches what is not ours.
    pub estimator: FpEstimator,
}

/// What a change of the watch list sends, and the rescan it asks for.
#[derive(Debug, Clone, Default)]
pub struct FilterUpdate {
    /// Messages per peer, in order.
    pub messages: Vec<(PeerId, Message)>,
    /// Fetch filtered blocks again from this height.
    pub rescan_from: Option<u32>,
}

/// The policy and the per-peer state.
#[derive(Debug, Clone)]
pub struct Filters {
    policy: FilterPolicy,
    peers: BTreeMap<PeerId, PeerFilter>,
    generation: u64,
}

impl Filters {
    /// The filter over `elements` as `config` says: its rate and update mode, its tweak and
    /// decoys from [`SyncConfig::filter_seed`] or else the operating system's random number
    /// generator, continuing from [`SyncConfig::stored_filter`] when there is one.
    pub fn new(elements: &[FilterElement], config: &SyncConfig) -> Result<Filters, BloomError> {
        let mut rng = match config.filter_seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        let policy_config = PolicyConfig {
            false_positive_rate: config.false_positive_rate,
            updates: config.filter_updates,
            ..PolicyConfig::default()
        };
        let stored = config.stored_filter.as_ref().and_then(|f| BloomFilter::try_from(f).ok());
        let policy = FilterPolicy::resume(
            policy_config,
            elements.iter().map(filter_target),
            stored.as_ref(),
            &mut rng,
        )?;
        Ok(Filters { policy, peers: BTreeMap::new(), generation: 0 })
    }

    /// The `filterload` a new peer gets.
    pub fn filter_load(&self) -> FilterLoad {
        self.policy.filter_load()
    }

    /// Bumped whenever our filter changes (the client republishes [`Self::filter_load`]).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The policy.
    pub fn policy(&self) -> &FilterPolicy {
        &self.policy
    }

    /// A peer's state.
    pub fn peer(&self, peer: PeerId) -> Option<&PeerFilter> {
        self.peers.get(&peer)
    }

    fn estimator(&self, filter: Option<&BloomFilter>) -> FpEstimator {
        let rate = filter.map_or(0.0, |f| self.policy.expected_tx_false_positive_rate(f));
        FpEstimator::new(EstimatorConfig::new(rate.max(1e-9)))
    }

    /// The `filterload` that ends `peer`'s handshake: our current filter, which its mirror
    /// starts from.
    pub fn give(&mut self, peer: PeerId) -> FilterLoad {
        let load = self.policy.filter_load();
        let mut mirror = FilterMirror::new();
        if let Ok(f) = BloomFilter::try_from(&load) {
            mirror.on_filterload_sent(f);
        }
        let estimator = self.estimator(mirror.filter());
        self.peers.insert(peer, PeerFilter { mirror, estimator });
        load
    }

    /// A peer left.
    pub fn remove_peer(&mut self, peer: PeerId) {
        self.peers.remove(&peer);
    }

    /// New elements from the wallet: `filteradd`s or a reload for every peer.
    pub fn watch(&mut self, elements: &[FilterElement], rescan_from: Option<u32>) -> FilterUpdate {
        let update = self.policy.watch(
            elements.iter().map(filter_target),
            rescan_from,
            self.peers.values().map(|p| &p.mirror),
        );
        let mut out = FilterUpdate { rescan_from: update.rescan_from, ..Default::default() };
        match update.action {
            FilterAction::None => {}
            FilterAction::Add(adds) => {
                self.generation += 1;
                for (&peer, state) in self.peers.iter_mut() {
                    for add in &adds {
                        if state.mirror.on_filteradd_sent(&add.element).is_ok() {
                            out.messages.push((peer, Message::FilterAdd(add.clone())));
                        }
                    }
                }
            }
            FilterAction::Reload(load) => {
                self.generation += 1;
                out.messages = self.reload_all(load);
            }
        }
        out
    }

    fn reload_all(&mut self, load: FilterLoad) -> Vec<(PeerId, Message)> {
        let peers: Vec<PeerId> = self.peers.keys().copied().collect();
        peers.into_iter().filter_map(|p| self.load_peer(p, load.clone())).collect()
    }

    fn load_peer(&mut self, peer: PeerId, load: FilterLoad) -> Option<(PeerId, Message)> {
        let filter = BloomFilter::try_from(&load).ok()?;
        let rate = self.policy.expected_tx_false_positive_rate(&filter).max(1e-9);
        let state = self.peers.get_mut(&peer)?;
        state.mirror.on_filterload_sent(filter);
        // The estimator goes on across the load: what it learned of this chain's baseline
        // (a fresh filter that drifts at once) is what keeps a drift from reloading forever.
        state.estimator.set_expected_rate(rate);
        Some((peer, Message::FilterLoad(load)))
    }

    /// A fresh `filterload` for one peer whose copy drifted.
    pub fn reload_peer(&mut self, peer: PeerId) -> Option<(PeerId, Message)> {
        let load = self.policy.filter_load();
        self.load_peer(peer, load)
    }

    /// Whether `peer`'s filter, as far as its mirror knows, holds every one of `elements`
    /// (a false positive of the bloom filter counts: it matches the same).
    pub fn holds(&self, peer: PeerId, elements: &[FilterElement]) -> bool {
        let Some(filter) = self.peers.get(&peer).and_then(|s| s.mirror.filter()) else {
            return false;
        };
        elements.iter().all(|e| filter_target(e).elements().iter().all(|b| filter.contains(b)))
    }

    /// A verified `merkleblock` from `peer` matched `txids` (block order).
    pub fn on_merkleblock(&mut self, peer: PeerId, txids: &[Txid]) {
        if let Some(s) = self.peers.get_mut(&peer) {
            s.mirror.expect_block_txs(txids.iter().copied());
        }
    }

    /// `peer` announced a transaction.
    pub fn on_announced(&mut self, peer: PeerId, txid: Txid) {
        if let Some(s) = self.peers.get_mut(&peer) {
            s.mirror.on_tx_announced(txid);
        }
    }

    /// `peer` sent a transaction.
    pub fn on_tx(&mut self, peer: PeerId, tx: &Transaction) -> TxDelivery {
        match self.peers.get_mut(&peer) {
            Some(s) => s.mirror.on_tx(tx),
            None => TxDelivery::Unexpected,
        }
    }

    /// `peer` could not deliver an announced transaction.
    pub fn on_not_found(&mut self, peer: PeerId, txid: Txid) {
        if let Some(s) = self.peers.get_mut(&peer) {
            s.mirror.on_tx_not_found(txid);
        }
    }

    /// A block `peer` served was processed. Returns a drift of its real rate, and whether its
    /// copy grew past what the policy tolerates (send it our filter again).
    pub fn on_block(&mut self, peer: PeerId, sample: BlockSample) -> (Option<Drift>, bool) {
        let Some(s) = self.peers.get_mut(&peer) else { return (None, false) };
        if let Some(f) = s.mirror.filter() {
            s.estimator.set_expected_rate(self.policy.expected_tx_false_positive_rate(f).max(1e-9));
        }
        let drift = s.estimator.on_block(sample);
        (drift, self.policy.peer_needs_reload(&s.mirror))
    }
}
