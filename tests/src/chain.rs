//! A real regtest chain: the regtest genesis block, then blocks mined with X11 at 0x207fffff,
//! each with a coinbase (a DIP4 CbTx) and any transactions; correct merkle roots; a mempool;
//! a small wallet that funds payments from the chain's own coinbases; reorgs and forks.
//!
//! Memory stays small for long chains: a block that only has the default coinbase keeps no
//! body (the coinbase is rebuilt from the height and a branch tag when served), and the hash
//! index is keyed by 8 bytes of the hash. Block hashes are never stored: the hash of block
//! `h` is the `prev_blockhash` of block `h + 1` (the tip's is kept separately).

use crate::keys::{push_data, push_int, TestKey};
use crate::masternodes::{BestChainLockMode, TestMasternodes};
use crate::mining::{mine_header, HeaderSpec};
use dashlite::chain::merkle::merkle_root;
use dashlite::encode::Encode;
use dashlite::hash::{sha256d, BlockHash, Hash256, Txid};
use dashlite::network::Network;
use dashlite::tx::{
    tx_type, CoinbasePayload, NetInfo, OutPoint, ProRegTx, Script, Transaction, TxIn, TxOut,
    MN_TYPE_REGULAR,
};
use dashlite::wire::{Block, BlockHeader};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

/// Regtest's (and every regtest block's) nBits: powLimit `7fffff…` (`chainparams.cpp`).
pub const REGTEST_BITS: u32 = 0x207f_ffff;
/// The block version the builder uses (BIP9 top bits, as Dash Core's regtest miner).
pub const BLOCK_VERSION: i32 = 0x2000_0000;
/// Seconds between blocks (`nPowTargetSpacing`).
pub const BLOCK_SPACING: u32 = 150;
/// One DASH in duffs.
pub const COIN: i64 = 100_000_000;
/// What each default coinbase pays (regtest's early subsidy).
pub const BLOCK_REWARD: i64 = 500 * COIN;
/// The fee the builder's wallet leaves in every transaction it funds.
pub const FEE: i64 = 10_000;
/// A masternode collateral (1,000 DASH).
pub const MASTERNODE_COLLATERAL: i64 = 1_000 * COIN;

/// Branch tags for forks and reorgs: unique in the process, so replacement blocks differ
/// from the blocks they replace. Tag 0 is the initial branch of every chain, which keeps
/// freshly built chains (and the on-disk header cache) deterministic.
static NEXT_TAG: AtomicU32 = AtomicU32::new(1);

/// The first branch tag [`Chain::reorg_with_tag`] callers may choose: the process-wide
/// counter behind [`Chain::reorg_with`] never gets this far.
pub const BRANCH_TAGS_FROM: u32 = 0x8000_0000;

fn fresh_tag() -> u32 {
    NEXT_TAG.fetch_add(1, Ordering::Relaxed)
}

/// The key the chain's coinbases pay by default and whose coins fund [`Chain::send`].
pub fn miner_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::from_seed("dashlite-testkit miner"))
}

/// The regtest genesis coinbase (`CreateGenesisBlock` in `chainparams.cpp`): the "Wired
/// 09/Jan/2014" timestamp message and a P2PK output, 50 DASH.
pub fn genesis_coinbase() -> Transaction {
    let mut sig = Vec::new();
    push_int(&mut sig, 486_604_799);
    push_data(&mut sig, &[4]); // CScriptNum(4): a data push, not OP_4
    push_data(
        &mut sig,
        b"Wired 09/Jan/2014 The Grand Experiment Goes Live: Overstock.com Is Now Accepting Bitcoins",
    );
    let pubkey = [
        0x04, 0x01, 0x84, 0x71, 0x0f, 0xa6, 0x89, 0xad, 0x50, 0x23, 0x69, 0x0c, 0x80, 0xf3, 0xa4,
        0x9c, 0x8f, 0x13, 0xf8, 0xd4, 0x5b, 0x8c, 0x85, 0x7f, 0xbc, 0xbc, 0x8b, 0xc4, 0xa8, 0xe4,
        0xd3, 0xeb, 0x4b, 0x10, 0xf4, 0xd4, 0x60, 0x4f, 0xa0, 0x8d, 0xce, 0x60, 0x1a, 0xaf, 0x0f,
        0x47, 0x02, 0x16, 0xfe, 0x1b, 0x51, 0x85, 0x0b, 0x4a, 0xcf, 0x21, 0xb1, 0x79, 0xc4, 0x50,
        0x70, 0xac, 0x7b, 0x03, 0xa9,
    ];
    Transaction {
        version: 1,
        tx_type: 0,
        inputs: vec![TxIn {
            previous_output: OutPoint::NULL,
            script_sig: Script::new(sig),
            sequence: u32::MAX,
        }],
        outputs: vec![TxOut { value: 50 * COIN, script_pubkey: crate::keys::p2pk(&pubkey) }],
        lock_time: 0,
        extra_payload: None,
    }
}

/// The coinbase of block `height` on branch `tag`: a version-3 CbTx (DIP4, payload version 2)
/// with the BIP34 height and the tag in its scriptSig, paying `outputs` (by default
/// [`BLOCK_REWARD`] to the [`miner_key`]).
pub fn coinbase(height: u32, tag: u32, outputs: Option<Vec<TxOut>>) -> Transaction {
    coinbase_committing(height, tag, outputs, (Hash256::ZERO, Hash256::ZERO))
}

/// [`coinbase`] whose CbTx commits to `(merkleRootMNList, merkleRootQuorums)`.
pub fn coinbase_committing(
    height: u32,
    tag: u32,
    outputs: Option<Vec<TxOut>>,
    (mn_root, quorum_root): (Hash256, Hash256),
) -> Transaction {
    let payload = CoinbasePayload {
        version: 2,
        height: height as i32,
        merkle_root_mn_list: mn_root,
        merkle_root_quorums: quorum_root,
        best_cl_height_diff: 0,
        best_cl_signature: [0; 96],
        credit_pool_balance: 0,
    };
    coinbase_with_payload(height, tag, outputs, &payload)
}

/// [`coinbase`] carrying `payload` as its CbTx.
pub fn coinbase_with_payload(
    height: u32,
    tag: u32,
    outputs: Option<Vec<TxOut>>,
    payload: &CoinbasePayload,
) -> Transaction {
    let mut sig = Vec::new();
    push_int(&mut sig, i64::from(height));
    push_data(&mut sig, &tag.to_le_bytes());
    Transaction {
        version: 3,
        tx_type: tx_type::COINBASE,
        inputs: vec![TxIn {
            previous_output: OutPoint::NULL,
            script_sig: Script::new(sig),
            sequence: u32::MAX,
        }],
        outputs: outputs.unwrap_or_else(|| {
            vec![TxOut { value: BLOCK_REWARD, script_pubkey: miner_key().p2pkh() }]
        }),
        lock_time: 0,
        extra_payload: Some(payload.to_bytes()),
    }
}

/// A placeholder scriptSig for the builder's spends: a DER-shaped dummy signature and the
/// miner's public key. Nobody checks scripts here (an SPV client cannot), but the pushes look
/// like a real P2PKH spend, so a bloom filter holding the miner key matches them.
fn dummy_script_sig() -> Script {
    let mut s = Vec::new();
    let mut sig = vec![0x30, 0x44, 0x02, 0x20];
    sig.extend_from_slice(&[0x11; 32]);
    sig.extend_from_slice(&[0x02, 0x20]);
    sig.extend_from_slice(&[0x22; 32]);
    sig.push(0x01); // SIGHASH_ALL
    push_data(&mut s, &sig);
    push_data(&mut s, &miner_key().pubkey);
    Script::new(s)
}

/// What goes into one block. `BlockSpec::default()` is a block with the default coinbase
/// and every mempool transaction.
#[derive(Debug, Clone, Default)]
pub struct BlockSpec {
    /// Coinbase outputs; empty means [`BLOCK_REWARD`] to the [`miner_key`].
    pub coinbase_outputs: Vec<TxOut>,
    /// Transactions after the coinbase (and after the mempool's, if included).
    pub transactions: Vec<Transaction>,
    /// Leave the mempool alone instead of mining it.
    pub exclude_mempool: bool,
    /// nTime; default: the previous block's + the chain's spacing.
    pub time: Option<u32>,
    /// nVersion; default [`BLOCK_VERSION`].
    pub version: Option<i32>,
}

impl BlockSpec {
    /// A block with only a coinbase (the mempool stays as it is).
    pub fn empty() -> BlockSpec {
        BlockSpec { exclude_mempool: true, ..BlockSpec::default() }
    }

    /// Adds a coinbase output paying `value` to `script`.
    pub fn pay(mut self, script: Script, value: i64) -> BlockSpec {
        self.coinbase_outputs.push(TxOut { value, script_pubkey: script });
        self
    }

    /// Adds a transaction.
    pub fn tx(mut self, tx: Transaction) -> BlockSpec {
        self.transactions.push(tx);
        self
    }

    /// Sets nVersion.
    pub fn version(mut self, version: i32) -> BlockSpec {
        self.version = Some(version);
        self
    }

    /// Sets nTime.
    pub fn time(mut self, time: u32) -> BlockSpec {
        self.time = Some(time);
        self
    }
}

/// What [`Chain::reorg`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reorg {
    /// The last block both branches share.
    pub fork_height: u32,
    /// The blocks taken off the active chain, lowest first.
    pub disconnected: Vec<BlockHash>,
    /// The blocks of the new branch, lowest first.
    pub connected: Vec<BlockHash>,
    /// Transactions of the disconnected blocks put back into the mempool.
    pub returned_to_mempool: Vec<Txid>,
}

/// Coins the builder's wallet may spend: coinbases paying the [`miner_key`] (oldest first)
/// and the change of its own transactions.
#[derive(Debug, Clone, Default)]
struct Wallet {
    next_coinbase: u32,
    coins: Vec<(OutPoint, i64)>,
}

/// A regtest block chain with a mempool. See the module docs.
#[derive(Debug, Clone)]
pub struct Chain {
    headers: Vec<BlockHeader>,
    tip_hash: BlockHash,
    index: HashMap<u64, u32>,
    tags: Vec<u32>,
    bodies: HashMap<u32, Arc<Vec<Transaction>>>,
    stale: HashMap<BlockHash, Arc<Block>>,
    mempool: Vec<Transaction>,
    wallet: Wallet,
    tag: u32,
    spacing: u32,
    masternodes: Option<Arc<TestMasternodes>>,
    best_chainlocks: BestChainLockMode,
}

fn index_key(hash: &BlockHash) -> u64 {
    let b = hash.as_bytes();
    u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

impl Default for Chain {
    fn default() -> Self {
        Chain::regtest()
    }
}

impl Chain {
    /// The regtest genesis block alone.
    pub fn regtest() -> Chain {
        let genesis = Network::Regtest.params().genesis_header();
        let hash = genesis.block_hash();
        let mut chain = Chain {
            headers: vec![genesis],
            tip_hash: hash,
            index: HashMap::new(),
            tags: vec![0],
            bodies: HashMap::new(),
            stale: HashMap::new(),
            mempool: Vec::new(),
            wallet: Wallet { next_coinbase: 1, coins: Vec::new() },
            tag: 0,
            spacing: BLOCK_SPACING,
            masternodes: None,
            best_chainlocks: BestChainLockMode::Off,
        };
        chain.index.insert(index_key(&hash), 0);
        chain.bodies.insert(0, Arc::new(vec![genesis_coinbase()]));
        chain
    }

    /// Genesis plus `n` default blocks.
    pub fn with_blocks(n: u32) -> Chain {
        let mut chain = Chain::regtest();
        chain.mine(n);
        chain
    }

    /// The chain of default blocks on branch 0 whose headers are `headers` (index = height,
    /// `headers[0]` the regtest genesis), e.g. as read back from the header cache. The vector
    /// becomes the chain's own (no copy). Only genesis and the link to it are checked (and the
    /// tip is hashed once); the blocks' bodies are rebuilt on demand like any default block.
    pub fn from_default_headers(headers: Vec<BlockHeader>) -> Option<Chain> {
        let mut chain = Chain::regtest();
        if headers.first() != chain.headers.first()
            || headers.get(1).is_some_and(|h| h.prev_blockhash != chain.tip_hash)
        {
            return None;
        }
        let n = headers.len() - 1;
        chain.headers = headers;
        chain.tags = vec![0; n + 1];
        chain.index.reserve(n);
        for h in 1..=n {
            // Block h - 1's hash is the prev hash of block h.
            chain.index.insert(index_key(&chain.headers[h].prev_blockhash), h as u32 - 1);
        }
        chain.tip_hash = chain.headers[n].block_hash();
        chain.index.insert(index_key(&chain.tip_hash), n as u32);
        Some(chain)
    }

    /// Makes room for `n` more blocks at once (long chains: growing the header vector by
    /// doubling would briefly hold twice the headers).
    pub fn reserve(&mut self, n: u32) {
        self.headers.reserve_exact(n as usize);
        self.tags.reserve_exact(n as usize);
        self.index.reserve(n as usize);
    }

    /// Blocks mined from now on commit to `masternodes`' list in their CbTx (blocks without
    /// a schedule commit to the empty list: both roots zero). Set it before mining.
    pub fn set_masternodes(&mut self, masternodes: Arc<TestMasternodes>) {
        self.masternodes = Some(masternodes);
    }

    /// How blocks mined from now on fill their CbTx's best ChainLock (with a schedule only;
    /// default [`BestChainLockMode::Off`]: CbTx version 2). A ChainLock makes its block
    /// final, so a chain that is reorganised below the newest block's parent must not have
    /// it.
    pub fn set_best_chainlocks(&mut self, mode: BestChainLockMode) {
        self.best_chainlocks = mode;
    }

    /// The chain's masternode schedule, if it has one.
    pub fn masternodes(&self) -> Option<&Arc<TestMasternodes>> {
        self.masternodes.as_ref()
    }

    /// The masternode list the block at `height` commits to (its `block_hash` left zero;
    /// empty without a schedule).
    pub fn masternode_list_at(&self, height: u32) -> Option<dashlite::masternode::MasternodeList> {
        let tag = *self.tags.get(height as usize)?;
        Some(match &self.masternodes {
            Some(m) if height > 0 => m.list_at(height, tag),
            _ => dashlite::masternode::MasternodeList::default(),
        })
    }

    fn coinbase_on(&self, height: u32, tag: u32, outputs: Option<Vec<TxOut>>) -> Transaction {
        let roots = self.masternodes.as_ref().map(|m| m.roots_at(height, tag));
        coinbase_committing(height, tag, outputs, roots.unwrap_or((Hash256::ZERO, Hash256::ZERO)))
    }

    /// Changes the spacing between default block times (default [`BLOCK_SPACING`]).
    pub fn set_spacing(&mut self, seconds: u32) {
        self.spacing = seconds;
    }

    /// The tip's height.
    pub fn height(&self) -> u32 {
        (self.headers.len() - 1) as u32
    }

    /// The tip's hash.
    pub fn tip(&self) -> BlockHash {
        self.tip_hash
    }

    /// The tip's header.
    pub fn tip_header(&self) -> BlockHeader {
        self.headers[self.headers.len() - 1]
    }

    /// The active chain's header at `height`.
    pub fn header(&self, height: u32) -> Option<BlockHeader> {
        self.headers.get(height as usize).copied()
    }

    /// All active-chain headers, index = height.
    pub fn headers(&self) -> &[BlockHeader] {
        &self.headers
    }

    /// The active chain's block hash at `height`.
    pub fn hash_at(&self, height: u32) -> Option<BlockHash> {
        let h = height as usize;
        if h + 1 < self.headers.len() {
            Some(self.headers[h + 1].prev_blockhash)
        } else if h + 1 == self.headers.len() {
            Some(self.tip_hash)
        } else {
            None
        }
    }

    /// Where the branch of `hash` meets the active chain: its own height if on it, else the
    /// height of its last active ancestor (following blocks a reorg took off); `None` if the
    /// block is unknown.
    pub fn branch_point(&self, hash: &BlockHash) -> Option<u32> {
        let mut hash = *hash;
        for _ in 0..10_000 {
            if let Some(h) = self.height_of(&hash) {
                return Some(h);
            }
            hash = self.block_by_hash(&hash)?.header.prev_blockhash;
        }
        None
    }

    /// The height of `hash` if it is on the active chain.
    pub fn height_of(&self, hash: &BlockHash) -> Option<u32> {
        let h = *self.index.get(&index_key(hash))?;
        (self.hash_at(h) == Some(*hash)).then_some(h)
    }

    /// The height after which a `getheaders` locator says to start: the first locator hash on
    /// the active chain, else genesis (`FindForkInGlobalIndex`).
    pub fn locate(&self, locator: &[BlockHash]) -> u32 {
        locator.iter().find_map(|h| self.height_of(h)).unwrap_or(0)
    }

    /// The transactions of the active block at `height`.
    pub fn transactions(&self, height: u32) -> Option<Arc<Vec<Transaction>>> {
        if height > self.height() {
            return None;
        }
        Some(match self.bodies.get(&height) {
            Some(body) => body.clone(),
            None => Arc::new(vec![self.coinbase_on(height, self.tags[height as usize], None)]),
        })
    }

    /// The active block at `height`.
    pub fn block(&self, height: u32) -> Option<Block> {
        Some(Block {
            header: self.header(height)?,
            transactions: self.transactions(height)?.to_vec(),
        })
    }

    /// A block by hash: on the active chain, or one a reorg took off it.
    pub fn block_by_hash(&self, hash: &BlockHash) -> Option<Block> {
        match self.height_of(hash) {
            Some(h) => self.block(h),
            None => self.stale.get(hash).map(|b| (**b).clone()),
        }
    }

    /// The transactions waiting to be mined, in arrival order.
    pub fn mempool(&self) -> &[Transaction] {
        &self.mempool
    }

    /// A mempool transaction by id.
    pub fn mempool_tx(&self, txid: &Txid) -> Option<&Transaction> {
        self.mempool.iter().find(|tx| tx.txid() == *txid)
    }

    /// Adds a transaction to the mempool (nothing is validated).
    pub fn add_to_mempool(&mut self, tx: Transaction) -> Txid {
        let txid = tx.txid();
        if self.mempool_tx(&txid).is_none() {
            self.mempool.push(tx);
        }
        txid
    }

    /// Mines `n` default blocks (the first one takes the mempool). Returns their hashes.
    pub fn mine(&mut self, n: u32) -> Vec<BlockHash> {
        self.headers.reserve(n as usize);
        self.tags.reserve(n as usize);
        (0..n).map(|_| self.mine_block(BlockSpec::default())).collect()
    }

    /// Mines `n` blocks whose coinbase pays [`BLOCK_REWARD`] to `script`.
    pub fn mine_to(&mut self, n: u32, script: &Script) -> Vec<BlockHash> {
        (0..n)
            .map(|_| self.mine_block(BlockSpec::default().pay(script.clone(), BLOCK_REWARD)))
            .collect()
    }

    /// Mines one block as `spec` says. Returns its hash.
    pub fn mine_block(&mut self, spec: BlockSpec) -> BlockHash {
        let tag = self.tag;
        self.mine_on_branch(spec, tag)
    }

    fn mine_on_branch(&mut self, spec: BlockSpec, tag: u32) -> BlockHash {
        let height = self.height() + 1;
        let prev = self.tip_header();
        let default_coinbase = spec.coinbase_outputs.is_empty();
        let outputs = (!default_coinbase).then_some(spec.coinbase_outputs);
        let with_chainlock =
            self.masternodes.is_some() && self.best_chainlocks != BestChainLockMode::Off;
        let cb = match &self.masternodes {
            Some(m) if with_chainlock => {
                let roots = m.roots_at(height, tag);
                let payload = match self.best_chainlocks {
                    BestChainLockMode::Older(n) => {
                        let locked = height.saturating_sub(1).saturating_sub(n);
                        let hash = self.hash_at(locked).unwrap_or(self.tip_hash);
                        m.cbtx_v3_locking(height, (locked, hash), roots)
                    }
                    mode => m.cbtx_v3(height, self.tip_hash, roots, mode),
                };
                coinbase_with_payload(height, tag, outputs, &payload)
            }
            _ => self.coinbase_on(height, tag, outputs),
        };
        let mut txs = vec![cb];
        if !spec.exclude_mempool {
            txs.append(&mut self.mempool);
        }
        txs.extend(spec.transactions);
        let txids: Vec<Txid> = txs.iter().map(Transaction::txid).collect();
        let (header, hash) = mine_header(HeaderSpec {
            version: spec.version.unwrap_or(BLOCK_VERSION),
            prev_blockhash: self.tip_hash,
            merkle_root: merkle_root(&txids),
            time: spec.time.unwrap_or(prev.time.wrapping_add(self.spacing)),
            bits: REGTEST_BITS,
        });
        self.mempool.retain(|tx| !txids.contains(&tx.txid()));
        if txs.len() > 1 || !default_coinbase || with_chainlock {
            self.bodies.insert(height, Arc::new(txs));
        }
        self.headers.push(header);
        self.tags.push(tag);
        self.tip_hash = hash;
        self.index.insert(index_key(&hash), height);
        hash
    }

    /// Takes coins worth at least `amount` from the wallet (mining a block first if it has
    /// none). Returns the inputs and their total.
    fn take_coins(&mut self, amount: i64) -> (Vec<OutPoint>, i64) {
        let mut inputs = Vec::new();
        let mut total = 0;
        while total < amount {
            if let Some((outpoint, value)) = self.wallet.coins.pop() {
                inputs.push(outpoint);
                total += value;
                continue;
            }
            let h = self.wallet.next_coinbase;
            if h > self.height() {
                self.mine_block(BlockSpec::empty());
                continue;
            }
            self.wallet.next_coinbase += 1;
            let Some(txs) = self.transactions(h) else { continue };
            let cb = &txs[0];
            if let Some(out) = cb.outputs.first() {
                if out.script_pubkey == miner_key().p2pkh() {
                    inputs.push(OutPoint::new(cb.txid(), 0));
                    total += out.value;
                }
            }
        }
        (inputs, total)
    }

    fn funded_tx(
        &mut self,
        tx_type: u16,
        mut outputs: Vec<TxOut>,
        payload: impl FnOnce(&[OutPoint]) -> Option<Vec<u8>>,
    ) -> Transaction {
        let amount: i64 = outputs.iter().map(|o| o.value).sum();
        let (inputs, total) = self.take_coins(amount + FEE);
        let change = total - amount - FEE;
        let change_index = outputs.len() as u32;
        if change > 0 {
            outputs.push(TxOut { value: change, script_pubkey: miner_key().p2pkh() });
        }
        let extra_payload = payload(&inputs);
        let tx = Transaction {
            version: if extra_payload.is_some() { 3 } else { 2 },
            tx_type,
            inputs: inputs
                .into_iter()
                .map(|previous_output| TxIn {
                    previous_output,
                    script_sig: dummy_script_sig(),
                    sequence: u32::MAX,
                })
                .collect(),
            outputs,
            lock_time: 0,
            extra_payload,
        };
        if change > 0 {
            self.wallet.coins.push((OutPoint::new(tx.txid(), change_index), change));
        }
        tx
    }

    /// Pays `value` to `script` from the wallet: the transaction goes into the mempool.
    pub fn send(&mut self, script: &Script, value: i64) -> Transaction {
        self.send_many(vec![TxOut { value, script_pubkey: script.clone() }])
    }

    /// Pays several outputs in one transaction (into the mempool).
    pub fn send_many(&mut self, outputs: Vec<TxOut>) -> Transaction {
        let tx = self.funded_tx(tx_type::NORMAL, outputs, |_| None);
        self.mempool.push(tx.clone());
        tx
    }

    /// Spends the given outpoints (any earlier outputs) into `outputs` (into the mempool).
    /// The scriptSigs are placeholders; values are not checked.
    pub fn spend(&mut self, inputs: &[OutPoint], outputs: Vec<TxOut>) -> Transaction {
        let tx = Transaction {
            version: 2,
            tx_type: tx_type::NORMAL,
            inputs: inputs
                .iter()
                .map(|&previous_output| TxIn {
                    previous_output,
                    script_sig: dummy_script_sig(),
                    sequence: u32::MAX,
                })
                .collect(),
            outputs,
            lock_time: 0,
            extra_payload: None,
        };
        self.mempool.push(tx.clone());
        tx
    }

    /// Spends output `vout` of `funding`, paid to `key`, in full to `to` (no fee, no change),
    /// signed with `key` as a real wallet signs (into the mempool).
    pub fn spend_signed(
        &mut self,
        funding: &Transaction,
        vout: u32,
        key: &crate::keys::TestKey,
        to: &Script,
    ) -> Transaction {
        let spent = funding.outputs[vout as usize].clone();
        let mut tx = Transaction {
            version: 2,
            tx_type: tx_type::NORMAL,
            inputs: vec![TxIn {
                previous_output: OutPoint::new(funding.txid(), vout),
                script_sig: Script::default(),
                sequence: u32::MAX,
            }],
            outputs: vec![TxOut { value: spent.value, script_pubkey: to.clone() }],
            lock_time: 0,
            extra_payload: None,
        };
        key.sign_input(&mut tx, 0, &spent.script_pubkey);
        self.mempool.push(tx.clone());
        tx
    }

    /// A DIP2 ProRegTx (type 1, payload version 2) registering a regular masternode whose
    /// 1,000 DASH collateral is output 0 of the same transaction (so the payload signature is
    /// empty, as Dash Core requires), funded by the wallet; into the mempool.
    pub fn register_masternode(
        &mut self,
        owner: &TestKey,
        voting: &TestKey,
        payout: &Script,
        service: std::net::SocketAddrV4,
    ) -> Transaction {
        let collateral = vec![TxOut { value: MASTERNODE_COLLATERAL, script_pubkey: owner.p2pkh() }];
        let mut ip = [0u8; 16];
        ip[10] = 0xff;
        ip[11] = 0xff;
        ip[12..].copy_from_slice(&service.ip().octets());
        let (key_id_owner, key_id_voting) = (owner.key_id(), voting.key_id());
        let tx = self.funded_tx(tx_type::PROVIDER_REGISTER, collateral, |inputs| {
            // CalcTxInputsHash: SHA256d of the serialized prevouts.
            let mut buf = Vec::new();
            for i in inputs {
                i.encode(&mut buf);
            }
            let p = ProRegTx {
                version: 2,
                mn_type: MN_TYPE_REGULAR,
                mode: 0,
                collateral_outpoint: OutPoint::new(Txid::ZERO, 0),
                net_info: NetInfo::Legacy { ip, port: service.port() },
                key_id_owner,
                pubkey_operator: [0x8b; 48],
                key_id_voting,
                operator_reward: 0,
                script_payout: payout.clone(),
                inputs_hash: Hash256::from_byte_array(sha256d(&buf)),
                platform_node_id: [0; 20],
                platform_p2p_port: 0,
                platform_http_port: 0,
                signature: Vec::new(),
            };
            Some(p.to_bytes())
        });
        self.mempool.push(tx.clone());
        tx
    }

    /// Replaces the last `depth` blocks with `depth + 1` coinbase-only blocks of a new branch
    /// (more work, so it wins). The replaced blocks' other transactions go back to the
    /// mempool, as Dash Core does; they are not in the new branch.
    pub fn reorg(&mut self, depth: u32) -> Reorg {
        self.reorg_with(depth, vec![BlockSpec::empty(); depth as usize + 1])
    }

    /// Replaces the last `depth` blocks with the blocks `specs` describe (there must be more of
    /// them than `depth`, so the new branch has more work).
    pub fn reorg_with(&mut self, depth: u32, specs: Vec<BlockSpec>) -> Reorg {
        self.reorg_with_tag(depth, specs, fresh_tag())
    }

    /// [`Chain::reorg_with`] with the new branch's tag given (its coinbases carry it), so the
    /// branch is the same whatever other chains the process built before. Tags from
    /// [`BRANCH_TAGS_FROM`] up are never handed out otherwise; a chain must not reuse one.
    pub fn reorg_with_tag(&mut self, depth: u32, specs: Vec<BlockSpec>, tag: u32) -> Reorg {
        assert!(depth <= self.height(), "cannot reorg below genesis");
        assert!(specs.len() > depth as usize, "the new branch needs more blocks than it replaces");
        let fork_height = self.height() - depth;
        let mut disconnected = Vec::new();
        let mut returned = Vec::new();
        let mut gone_coinbases = Vec::new();
        for h in fork_height + 1..=self.height() {
            let (Some(block), Some(hash)) = (self.block(h), self.hash_at(h)) else { continue };
            gone_coinbases.push(block.transactions[0].txid());
            returned.extend(block.transactions.iter().skip(1).cloned());
            disconnected.push(hash);
            self.stale.insert(hash, Arc::new(block));
        }
        let new_tip = self.hash_at(fork_height).unwrap_or(self.tip_hash);
        for hash in &disconnected {
            self.index.remove(&index_key(hash));
        }
        self.headers.truncate(fork_height as usize + 1);
        self.tags.truncate(fork_height as usize + 1);
        self.bodies.retain(|&h, _| h <= fork_height);
        self.tip_hash = new_tip;
        let returned_ids: Vec<Txid> = returned.iter().map(Transaction::txid).collect();
        returned.append(&mut self.mempool);
        self.mempool = returned;
        self.drop_invalid_spends(fork_height, gone_coinbases);
        self.tag = tag;
        let connected = specs.into_iter().map(|s| self.mine_on_branch(s, tag)).collect();
        Reorg { fork_height, disconnected, connected, returned_to_mempool: returned_ids }
    }

    /// After a reorg to `fork_height`: drops mempool transactions spending coinbases that no
    /// longer exist (and what spends those), and the wallet coins they created.
    fn drop_invalid_spends(&mut self, fork_height: u32, mut gone: Vec<Txid>) {
        let mut kept = Vec::new();
        for tx in std::mem::take(&mut self.mempool) {
            if tx.inputs.iter().any(|i| gone.contains(&i.previous_output.txid)) {
                gone.push(tx.txid());
            } else {
                kept.push(tx);
            }
        }
        self.mempool = kept;
        self.wallet.coins.retain(|(o, _)| !gone.contains(&o.txid));
        self.wallet.next_coinbase = self.wallet.next_coinbase.min(fork_height + 1);
    }

    /// An independent copy of this chain cut back to `height`, on a new branch: blocks mined
    /// on it differ from this chain's. The copy's mempool is empty.
    pub fn fork_at(&self, height: u32) -> Chain {
        assert!(height <= self.height(), "fork point above the tip");
        let mut fork = Chain {
            headers: self.headers[..=height as usize].to_vec(),
            tip_hash: self.hash_at(height).unwrap_or(self.tip_hash),
            index: HashMap::new(),
            tags: self.tags[..=height as usize].to_vec(),
            bodies: self
                .bodies
                .iter()
                .filter(|(&h, _)| h <= height)
                .map(|(&h, b)| (h, b.clone()))
                .collect(),
            stale: HashMap::new(),
            mempool: Vec::new(),
            wallet: Wallet {
                next_coinbase: self.wallet.next_coinbase.min(height + 1),
                coins: Vec::new(),
            },
            tag: fresh_tag(),
            spacing: self.spacing,
            masternodes: self.masternodes.clone(),
            best_chainlocks: self.best_chainlocks,
        };
        fork.index.reserve(fork.headers.len());
        for h in 0..=height {
            if let Some(hash) = fork.hash_at(h) {
                fork.index.insert(index_key(&hash), h);
            }
        }
        fork
    }
}
