//! Scenarios from a seed: a random chain paying to and spending from watched addresses and
//! an xpub account (address reuse, keys used out of order, payments beyond the gap window,
//! spends in the very next block, chained spends inside one block, coinbase payments (spent
//! only once mature, as consensus demands), relays through the mempool, reorgs to a longer
//! fork during the download), served by one to four peers with their own latency, lag and
//! faults. A seed builds the same scenario in any process, whatever was built before.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use dashlite::p2p::{Time, SECOND};
use dashlite::tx::{tx_type, OutPoint, Script, Transaction, TxIn, TxOut};
use dashlite::wallet::GapLimits;

use super::rng::SimRng;
use super::scenario::{PeerPlan, Scenario, Stall, WatchSpec};
use crate::chain::{BlockSpec, Chain, COIN};
use crate::keys::TestKey;

/// Dash Core's `COINBASE_MATURITY`: a coinbase output may be spent only by a block at least
/// this many blocks above the coinbase's own (`Consensus::CheckTxInputs`).
pub const COINBASE_MATURITY: u32 = 100;

/// A watched output the generator may spend.
#[derive(Debug, Clone)]
struct Coin {
    outpoint: OutPoint,
    value: i64,
    script: Script,
    height: u32,
}

/// Who a watched script belongs to, for signing.
#[derive(Debug, Clone, Copy)]
enum Owner {
    Key(usize),
    Account,
}

struct Builder {
    rng: SimRng,
    chain: Chain,
    spec: WatchSpec,
    versions: Vec<(Time, Arc<Chain>)>,
    t: Time,
    targets: HashMap<Script, Owner>,
    account_scripts: HashMap<(u32, u32), Script>,
    highest: [Option<u32>; 2],
    pending: HashSet<OutPoint>,
    fork_floor: u32,
    /// Reorgs so far: numbers each new branch's tag, so a seed builds the same chains in
    /// any process, whatever ran before.
    reorgs: u32,
}

/// A seed's scenario.
pub fn generate(seed: u64) -> Scenario {
    let mut rng = SimRng::new(seed);
    let peers = peers(&mut rng.fork());
    let mut wrng = rng.fork();
    let keys =
        (0..1 + wrng.index(3)).map(|k| TestKey::from_seed(&format!("sim key {k}"))).collect();
    let account = wrng.chance(80).then(|| {
        let gaps =
            GapLimits { external: wrng.range(2, 8) as u32, internal: wrng.range(1, 5) as u32 };
        (crate::wallet::account(), gaps)
    });
    let spec = WatchSpec { keys, account };
    let mut chain = Chain::regtest();
    // Every block commits to the testkit's masternode list of this seed; the client's list
    // at the end must equal the one at the final tip.
    chain.set_masternodes(crate::masternodes::TestMasternodes::new(seed));
    // The chain's own coinbases fund the payments (oldest first): past maturity, as
    // consensus requires, and below every fork point.
    let premine = COINBASE_MATURITY + rng.range(3, 10) as u32;
    chain.mine(premine);
    let mut b = Builder {
        rng: rng.fork(),
        versions: vec![(0, Arc::new(chain.clone()))],
        chain,
        targets: HashMap::new(),
        account_scripts: HashMap::new(),
        highest: [None; 2],
        pending: HashSet::new(),
        fork_floor: premine,
        reorgs: 0,
        t: 0,
        spec: spec.clone(),
    };
    for (i, k) in spec.keys.iter().enumerate() {
        b.targets.insert(k.p2pkh(), Owner::Key(i));
    }
    let steps = b.rng.range(8, 30);
    let mut reorgs = 0;
    for _ in 0..steps {
        let roll = b.rng.range(0, 100);
        if roll < 25 {
            b.relay();
            b.mine();
        } else if roll < 33 && reorgs < 2 && b.chain.height() > b.fork_floor + 1 {
            reorgs += 1;
            b.reorg();
        } else {
            b.mine();
        }
    }
    b.finish();
    Scenario { seed, peers, versions: b.versions, watch: spec }
}

fn peers(rng: &mut SimRng) -> Vec<PeerPlan> {
    let n = if rng.chance(10) { 1 } else { 2 + rng.index(3) };
    (0..n)
        .map(|i| {
            let mut p = PeerPlan::prompt(i as u8 + 1);
            p.headers2 = rng.chance(70);
            p.latency = if rng.chance(20) { rng.range(500, 6_000) } else { rng.range(5, 150) };
            p.jitter = rng.range(0, p.latency + 1);
            p.lag = rng.range(0, 3_000);
            if i > 0 && rng.chance(20) {
                p.join_at = Some(rng.range(SECOND, 30 * SECOND));
            }
            if rng.chance(20) {
                let from = rng.range(0, 20 * SECOND);
                let until = from + rng.range(5 * SECOND, 40 * SECOND);
                p.stall = Some(Stall { from, until, late: rng.chance(50) });
            }
            if rng.chance(15) {
                let down = rng.range(SECOND, 40 * SECOND);
                p.outage = Some((down, down + rng.range(SECOND, 30 * SECOND)));
            }
            p
        })
        .collect()
}

impl Builder {
    fn snapshot(&mut self) {
        self.t += self.rng.range(300, 8_000);
        self.versions.push((self.t, Arc::new(self.chain.clone())));
    }

    fn account_script(&mut self, chain: u32, index: u32) -> Option<Script> {
        if let Some(s) = self.account_scripts.get(&(chain, index)) {
            return Some(s.clone());
        }
        let s = self.spec.key_script(chain, index)?;
        self.account_scripts.insert((chain, index), s.clone());
        self.targets.insert(s.clone(), Owner::Account);
        Some(s)
    }

    /// A watched script: an address (reused), or an account key near, inside or just beyond
    /// the window of the highest index paid so far, in any order.
    fn watched_script(&mut self, change: bool) -> Script {
        let gaps = self.spec.account.as_ref().map(|(_, g)| *g);
        match gaps {
            Some(g) if !self.rng.chance(30) || self.spec.keys.is_empty() => {
                let chain = u32::from(change || self.rng.chance(20));
                let gap = if chain == 0 { g.external } else { g.internal };
                let next = self.highest[chain as usize].map_or(0, |h| h + 1);
                let index = self.rng.range(0, u64::from(next + gap + 3)) as u32;
                let h = &mut self.highest[chain as usize];
                *h = Some(h.map_or(index, |x| x.max(index)));
                self.account_script(chain, index).expect("an account key")
            }
            _ => {
                let k = self.rng.index(self.spec.keys.len());
                self.spec.keys[k].p2pkh()
            }
        }
    }

    fn foreign(&mut self) -> Script {
        let mut h = [0u8; 20];
        h[..8].copy_from_slice(&self.rng.next_u64().to_le_bytes());
        crate::keys::p2pkh(&h)
    }

    fn value(&mut self) -> i64 {
        self.rng.range(1, 1_000) as i64 * COIN / 100
    }

    /// Watched outputs unspent on the current chain and by the mempool that the next block
    /// may spend (a coinbase's only once mature).
    fn coins(&self) -> Vec<Coin> {
        let mut coins: Vec<Coin> = Vec::new();
        let next = self.chain.height() + 1;
        for h in 1..=self.chain.height() {
            let Some(txs) = self.chain.transactions(h) else { continue };
            for tx in txs.iter() {
                coins.retain(|c| !tx.inputs.iter().any(|i| i.previous_output == c.outpoint));
                if tx.is_coinbase() && next - h < COINBASE_MATURITY {
                    continue;
                }
                for (vout, o) in tx.outputs.iter().enumerate() {
                    if self.targets.contains_key(&o.script_pubkey) {
                        coins.push(Coin {
                            outpoint: OutPoint::new(tx.txid(), vout as u32),
                            value: o.value,
                            script: o.script_pubkey.clone(),
                            height: h,
                        });
                    }
                }
            }
        }
        coins.retain(|c| !self.pending.contains(&c.outpoint));
        coins
    }

    /// A payment from the chain's miner to 1–2 watched scripts (into the mempool).
    fn payment(&mut self) {
        let n = 1 + self.rng.index(2);
        let mut outputs = Vec::new();
        for _ in 0..n {
            let script = self.watched_script(false);
            let value = self.value();
            outputs.push(TxOut { value, script_pubkey: script });
        }
        if self.rng.chance(30) {
            let value = self.value();
            let script = self.foreign();
            outputs.push(TxOut { value, script_pubkey: script });
        }
        self.chain.send_many(outputs);
    }

    /// A spend of 1–2 watched coins: in full, or partly with change back to a watched script.
    /// Signed (and so relayable) when every input is an address key's.
    fn spend(&mut self, coins: &mut Vec<Coin>, recent_first: bool) -> Option<(Transaction, bool)> {
        if coins.is_empty() {
            return None;
        }
        let mut inputs = Vec::new();
        for _ in 0..1 + self.rng.index(2) {
            if coins.is_empty() {
                break;
            }
            let i = if recent_first { coins.len() - 1 } else { self.rng.index(coins.len()) };
            inputs.push(coins.remove(i));
        }
        let total: i64 = inputs.iter().map(|c| c.value).sum();
        let fee = if self.rng.chance(50) { 0 } else { 1_000 };
        let mut outputs = Vec::new();
        if self.rng.chance(50) && total > 2 * COIN / 100 {
            let out = total / 2;
            let script = self.foreign();
            outputs.push(TxOut { value: out, script_pubkey: script });
            let change = self.watched_script(true);
            outputs.push(TxOut { value: total - out - fee, script_pubkey: change });
        } else {
            let script = self.foreign();
            outputs.push(TxOut { value: total - fee, script_pubkey: script });
        }
        let mut tx = Transaction {
            version: 2,
            tx_type: tx_type::NORMAL,
            inputs: inputs
                .iter()
                .map(|c| TxIn {
                    previous_output: c.outpoint,
                    script_sig: Script::new(vec![0x51]),
                    sequence: u32::MAX,
                })
                .collect(),
            outputs,
            lock_time: 0,
            extra_payload: None,
        };
        let owners: Vec<Owner> = inputs
            .iter()
            .map(|c| self.targets.get(&c.script).copied().unwrap_or(Owner::Account))
            .collect();
        let signed = owners.iter().all(|o| matches!(o, Owner::Key(_)));
        if signed {
            for (i, (o, c)) in owners.iter().zip(&inputs).enumerate() {
                if let Owner::Key(k) = o {
                    self.spec.keys[*k].sign_input(&mut tx, i, &c.script);
                }
            }
        }
        Some((tx, signed))
    }

    /// Transactions relayed through the mempool before the block that mines them.
    fn relay(&mut self) {
        let mut coins = self.coins();
        for _ in 0..1 + self.rng.index(2) {
            if self.rng.chance(50) {
                self.payment();
            } else if let Some((tx, true)) = self.spend(&mut coins, false) {
                self.pending.extend(tx.inputs.iter().map(|i| i.previous_output));
                self.chain.add_to_mempool(tx);
            }
        }
        self.snapshot();
    }

    /// A block's contents (payments, spends, a coinbase payment), as a spec.
    fn block_spec(&mut self) -> BlockSpec {
        let mut spec = BlockSpec::default();
        for _ in 0..self.rng.index(3) {
            self.payment();
        }
        let mut coins = self.coins();
        let tip = self.chain.height();
        let next_block = self.rng.chance(40);
        if next_block {
            coins.retain(|c| c.height == tip);
        }
        for _ in 0..self.rng.index(3) {
            if let Some((tx, _)) = self.spend(&mut coins, next_block) {
                spec = spec.tx(tx);
            }
        }
        if self.rng.chance(10) {
            let script = self.watched_script(false);
            let value = self.value();
            spec = spec.pay(script, value);
        }
        spec
    }

    fn mine(&mut self) {
        let spec = self.block_spec();
        self.chain.mine_block(spec);
        self.pending.clear();
        self.snapshot();
    }

    /// The network switches to a longer fork from 1–3 blocks back: the first new block mines
    /// what the old blocks held (and whatever the mempool has), new payments and spends too.
    fn reorg(&mut self) {
        let depth = (1 + self.rng.index(3) as u32).min(self.chain.height() - self.fork_floor);
        let fork_height = self.chain.height() - depth;
        self.fork_floor = fork_height;
        let mut specs = vec![BlockSpec::default()];
        for _ in 0..depth + self.rng.range(0, 2) as u32 {
            specs.push(BlockSpec::empty());
        }
        self.reorgs += 1;
        let tag = crate::chain::BRANCH_TAGS_FROM + self.reorgs;
        self.chain.reorg_with_tag(depth, specs, tag);
        self.pending.clear();
        self.snapshot();
    }

    /// A last block mines whatever is still in the mempool.
    fn finish(&mut self) {
        self.chain.mine_block(BlockSpec::default());
        self.snapshot();
    }
}

/// Two peers; a watched address is paid 5 DASH by the coinbase of block 6 and 1 DASH by a
/// normal transaction in the same block, then the network reorganises onto a longer fork
/// from block 5 whose first block mines the normal payment again. The coinbase can never
/// come back: the wallet must end with it abandoned and 1 DASH confirmed.
pub fn coinbase_of_a_reorged_block(seed: u64) -> Scenario {
    let key = TestKey::from_seed("sim key 0");
    let spec = WatchSpec { keys: vec![key], account: None };
    let mut chain = Chain::with_blocks(5);
    let mut versions = vec![(0, Arc::new(chain.clone()))];
    chain.send(&key.p2pkh(), COIN);
    chain.mine_block(BlockSpec::default().pay(key.p2pkh(), 5 * COIN));
    versions.push((10 * SECOND, Arc::new(chain.clone())));
    chain.reorg_with(1, vec![BlockSpec::default(), BlockSpec::empty()]);
    versions.push((40 * SECOND, Arc::new(chain.clone())));
    let peers = (1..=2).map(PeerPlan::prompt).collect();
    Scenario { seed, peers, versions, watch: spec }
}

/// Two peers; an account with an external gap limit of 2. The coinbase of block 6 pays
/// external key 1, which opens keys 2 and 3; a reorg from block 5 takes that block away, and
/// a later block pays key 3. The final chain alone never opens key 3's window, but the wallet
/// saw key 1 used and keeps its window: it finds the payment.
pub fn reorged_coinbase_opens_a_window(seed: u64) -> Scenario {
    let gaps = GapLimits { external: 2, internal: 1 };
    let spec = WatchSpec { keys: Vec::new(), account: Some((crate::wallet::account(), gaps)) };
    let key = |i| spec.key_script(0, i).expect("an account key");
    let mut chain = Chain::with_blocks(5);
    let mut versions = vec![(0, Arc::new(chain.clone()))];
    chain.mine_block(BlockSpec::default().pay(key(1), 5 * COIN));
    versions.push((10 * SECOND, Arc::new(chain.clone())));
    chain.reorg_with(1, vec![BlockSpec::default(), BlockSpec::empty()]);
    versions.push((40 * SECOND, Arc::new(chain.clone())));
    chain.send(&key(3), COIN);
    chain.mine_block(BlockSpec::default());
    versions.push((60 * SECOND, Arc::new(chain.clone())));
    let peers = (1..=2).map(PeerPlan::prompt).collect();
    Scenario { seed, peers, versions, watch: spec }
}

/// Three peers; one watched address paid 1 DASH five times (blocks 5, 7, 9, 11, 13), each
/// payment spent in full, without change, 20 blocks later. The wallet must end with the ten
/// transactions and a balance of 0, whichever peer served which block.
pub fn five_payments_spent_in_full(seed: u64) -> Scenario {
    let key = TestKey::from_seed("sim key 0");
    let spec = WatchSpec { keys: vec![key], account: None };
    let mut chain = Chain::with_blocks(4);
    let mut payments: Vec<(u32, Transaction)> = Vec::new();
    let mut versions = vec![(0, Arc::new(chain.clone()))];
    let mut t = 0;
    for _ in 0..40 {
        let height = chain.height() + 1;
        let mut block = BlockSpec::default();
        if payments.len() < 5 && height % 2 == 1 {
            let tx = chain.send(&key.p2pkh(), COIN);
            payments.push((height, tx));
        }
        for (paid_at, tx) in &payments {
            if paid_at + 20 == height {
                let vout = tx.outputs.iter().position(|o| o.script_pubkey == key.p2pkh());
                let vout = vout.expect("the payment's output") as u32;
                let mut spend = Transaction {
                    version: 2,
                    tx_type: tx_type::NORMAL,
                    inputs: vec![TxIn {
                        previous_output: OutPoint::new(tx.txid(), vout),
                        script_sig: Script::default(),
                        sequence: u32::MAX,
                    }],
                    outputs: vec![TxOut {
                        value: COIN,
                        script_pubkey: crate::keys::p2pkh(&[0xaa; 20]),
                    }],
                    lock_time: 0,
                    extra_payload: None,
                };
                key.sign_input(&mut spend, 0, &key.p2pkh());
                block = block.tx(spend);
            }
        }
        chain.mine_block(block);
        t += 150;
        versions.push((t, Arc::new(chain.clone())));
    }
    let peers = (1..=3)
        .map(|i| {
            let mut p = PeerPlan::prompt(i);
            p.latency = 10 * u64::from(i);
            p.lag = 40 * u64::from(i);
            p
        })
        .collect();
    Scenario { seed, peers, versions, watch: spec }
}
