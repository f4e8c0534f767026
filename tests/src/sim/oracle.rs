//! The ground truth: what the final best chain pays to and spends from the watched items,
//! computed from the blocks alone (independently of the wallet code), and its comparison
//! with what the wallet ended with.
//!
//! Account keys are discovered with BIP44's gap limit in two readings, which bound what an
//! SPV wallet can know:
//! * in chain order over the final chain (the lower bound, what the wallet must find): a key
//!   counts when its index is within the gap limit after the highest index paid in this
//!   block or an earlier one (the window a payment opens applies to its own block, so the
//!   order of payments inside one block does not matter). This is the tightest sound lower
//!   bound: a wallet is only sure to see the final chain's blocks, in chain order; whether it
//!   sees a relay or a block a reorg later took away depends on timing.
//! * BIP44 account discovery over everything the network ever showed (the upper bound):
//!   every index up to the first run of gap-limit unused ones, where a key is used when any
//!   transaction of any chain version pays it, in a block of the final chain, in a block a
//!   reorg took away, or in the mempool. Used keys stay used (a wallet never shrinks its
//!   window), so a coinbase payment in a block that left the chain may have opened a window
//!   whose keys later payments use; a key paid before a lower one opened its window may be
//!   found when the lower key was seen first in the mempool. Nothing beyond this bound can
//!   be found: every window the wallet opens comes from a transaction it was shown.
//!
//! The wallet's unspent outputs and balance must then be exactly the outputs of its own
//! transactions paying its watch items (within the upper bound) that no transaction of the
//! chain spends.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use dashlite::hash::Txid;
use dashlite::tx::{OutPoint, Script};
use dashlite::wallet::{TxStatus, Wallet};

use super::scenario::{Scenario, WatchSpec};
use crate::chain::Chain;

/// An unspent output the chain says the wallet owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TrueUtxo {
    /// The output.
    pub outpoint: OutPoint,
    /// Its value.
    pub value: i64,
    /// The height of its block.
    pub height: u32,
}

/// What the chain says the wallet holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    /// Every transaction relevant by chain-order discovery, with the height of its block: the
    /// wallet must have each.
    pub txs: BTreeMap<Txid, u32>,
    /// Every transaction relevant by whole-chain discovery, with its height: the wallet may
    /// have no other.
    pub possible: BTreeMap<Txid, u32>,
    /// The unspent outputs of [`Truth::txs`].
    pub utxos: BTreeSet<TrueUtxo>,
    /// Their sum.
    pub balance: i64,
    /// Every outpoint a transaction of the chain spends.
    pub spent: BTreeSet<OutPoint>,
    /// Every script the wallet may own: its addresses and the account keys of the upper
    /// bound.
    pub scripts: HashSet<Script>,
    /// The chain's height.
    pub height: u32,
}

/// The account's keys seen so far: the highest used index per chain and the scripts in the
/// window.
struct Discovery<'a> {
    spec: &'a WatchSpec,
    last_used: [Option<u32>; 2],
    scripts: HashMap<Script, (u32, u32)>,
    derived: [u32; 2],
}

impl<'a> Discovery<'a> {
    fn new(spec: &'a WatchSpec) -> Discovery<'a> {
        let mut d =
            Discovery { spec, last_used: [None; 2], scripts: HashMap::new(), derived: [0; 2] };
        d.derive();
        d
    }

    fn gap(&self, chain: usize) -> u32 {
        self.spec
            .account
            .as_ref()
            .map_or(0, |(_, g)| if chain == 0 { g.external } else { g.internal })
    }

    fn derive(&mut self) {
        for chain in 0..2 {
            let end = self.last_used[chain].map_or(0, |i| i + 1) + self.gap(chain);
            while self.derived[chain] < end {
                let i = self.derived[chain];
                if let Some(s) = self.spec.key_script(chain as u32, i) {
                    self.scripts.insert(s, (chain as u32, i));
                }
                self.derived[chain] += 1;
            }
        }
    }

    /// Marks the account keys `script`s pay as used; true when the window grew.
    fn mark(&mut self, scripts: &[&Script]) -> bool {
        let mut grew = false;
        for s in scripts {
            if let Some(&(chain, i)) = self.scripts.get(*s) {
                let c = chain as usize;
                if self.last_used[c].is_none_or(|u| i > u) {
                    self.last_used[c] = Some(i);
                    grew = true;
                }
            }
        }
        if grew {
            self.derive();
        }
        grew
    }
}

/// The truth of `scenario`'s final chain for what it watches.
pub fn truth(scenario: &Scenario) -> Truth {
    let (chain, spec) = (scenario.final_chain(), &scenario.watch);
    let (txs, owned) = walk(chain, spec, &mut Discovery::new(spec));
    let mut all = Discovery::new(spec);
    discover_all(&shown(scenario), &mut all);
    let (possible, _) = walk(chain, spec, &mut all);
    let mut scripts: HashSet<Script> = all.scripts.keys().cloned().collect();
    scripts.extend(spec.keys.iter().map(|k| k.p2pkh()));
    let utxos: BTreeSet<TrueUtxo> = owned
        .iter()
        .map(|(&outpoint, &(value, height))| TrueUtxo { outpoint, value, height })
        .collect();
    let balance = utxos.iter().map(|u| u.value).sum();
    let mut spent = BTreeSet::new();
    for h in 1..=chain.height() {
        for tx in chain.transactions(h).expect("a block of the chain").iter() {
            spent.extend(tx.inputs.iter().map(|i| i.previous_output));
        }
    }
    Truth { txs, possible, utxos, balance, spent, scripts, height: chain.height() }
}

/// The output scripts of every transaction any version of the chain showed: in each block
/// (of the final chain or of a branch a reorg took away) and in each mempool.
fn shown(scenario: &Scenario) -> Vec<Script> {
    let mut blocks = HashSet::new();
    let mut txids = HashSet::new();
    let mut scripts = HashSet::new();
    for (_, chain) in &scenario.versions {
        let mempool = chain.mempool().iter();
        let mined = (1..=chain.height())
            .filter(|&h| chain.hash_at(h).is_some_and(|hash| blocks.insert(hash)))
            .flat_map(|h| chain.transactions(h).expect("a block of the chain").to_vec());
        for tx in mempool.cloned().chain(mined) {
            if txids.insert(tx.txid()) {
                scripts.extend(tx.outputs.into_iter().map(|o| o.script_pubkey));
            }
        }
    }
    scripts.into_iter().collect()
}

/// BIP44 account discovery: widens `keys` until none of `scripts` pays a key of its window
/// beyond the last used index.
fn discover_all(scripts: &[Script], keys: &mut Discovery<'_>) {
    let scripts: Vec<&Script> = scripts.iter().collect();
    while keys.mark(&scripts) {}
}

type Owned = BTreeMap<OutPoint, (i64, u32)>;

/// The relevant transactions and unspent owned outputs of `chain`, discovering keys in
/// chain order from `keys` on.
fn walk(chain: &Chain, spec: &WatchSpec, keys: &mut Discovery<'_>) -> (BTreeMap<Txid, u32>, Owned) {
    let addresses: HashSet<Script> = spec.keys.iter().map(|k| k.p2pkh()).collect();
    let mut txs = BTreeMap::new();
    let mut owned = Owned::new();
    for height in 1..=chain.height() {
        let block = chain.transactions(height).expect("a block of the chain");
        // The window a payment opens applies to its whole block: scan until it stops growing.
        loop {
            let scripts: Vec<&Script> =
                block.iter().flat_map(|tx| tx.outputs.iter().map(|o| &o.script_pubkey)).collect();
            if !keys.mark(&scripts) {
                break;
            }
        }
        for tx in block.iter() {
            let txid = tx.txid();
            let mut relevant = false;
            for input in &tx.inputs {
                if owned.remove(&input.previous_output).is_some() {
                    relevant = true;
                }
            }
            for (vout, out) in tx.outputs.iter().enumerate() {
                if addresses.contains(&out.script_pubkey)
                    || keys.scripts.contains_key(&out.script_pubkey)
                {
                    owned.insert(OutPoint::new(txid, vout as u32), (out.value, height));
                    relevant = true;
                }
            }
            if relevant {
                txs.insert(txid, height);
            }
        }
    }
    (txs, owned)
}

/// Every way `wallet` differs from `truth` (empty when it matches).
pub fn differences(wallet: &Wallet, truth: &Truth) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut expected_utxos = BTreeSet::new();
    for w in wallet.transactions() {
        seen.insert(w.txid);
        match (w.status, truth.possible.get(&w.txid)) {
            (TxStatus::Confirmed(b), Some(&h)) if b.height == h => {
                for o in &w.owned_outputs {
                    let script = w.tx.outputs.get(o.vout as usize).map(|o| &o.script_pubkey);
                    if !script.is_some_and(|s| truth.scripts.contains(s)) {
                        out.push(format!("output {}:{} pays no script it may own", w.txid, o.vout));
                    }
                    let outpoint = OutPoint::new(w.txid, o.vout);
                    if !truth.spent.contains(&outpoint) {
                        expected_utxos.insert(TrueUtxo { outpoint, value: o.value, height: h });
                    }
                }
            }
            (status, Some(&h)) => out.push(format!("tx {} at height {h} is {status:?}", w.txid)),
            // Off the final chain a transaction may stay listed only as one that counts for
            // nothing: conflicted, expired, or abandoned with a coinbase a reorg took away.
            (status, None) if !status.is_active() => {}
            (status, None) => out
                .push(format!("tx {} is not the wallet's on the chain but is {status:?}", w.txid)),
        }
    }
    for (txid, h) in &truth.txs {
        if !seen.contains(txid) {
            out.push(format!("tx {txid} at height {h} is missing"));
        }
    }
    for u in &truth.utxos {
        if !expected_utxos.contains(u) {
            out.push(format!("utxo {u:?} is not among the outputs of the wallet's transactions"));
        }
    }
    let utxos: BTreeSet<TrueUtxo> = wallet
        .utxos()
        .iter()
        .map(|u| TrueUtxo {
            outpoint: u.outpoint,
            value: u.value,
            height: u.height.unwrap_or(u32::MAX),
        })
        .collect();
    for u in utxos.difference(&expected_utxos) {
        out.push(format!("utxo {u:?} should not be there"));
    }
    for u in expected_utxos.difference(&utxos) {
        out.push(format!("utxo {u:?} is missing"));
    }
    let b = wallet.balance();
    let expected: i64 = expected_utxos.iter().map(|u| u.value).sum();
    if b.confirmed != expected || b.unconfirmed_incoming != 0 || b.unconfirmed_outgoing != 0 {
        out.push(format!("balance {b:?}, the chain says {expected} confirmed"));
    }
    if wallet.tip() != truth.height {
        out.push(format!("wallet tip {} but the chain is at {}", wallet.tip(), truth.height));
    }
    out
}
