//! The testkit's own masternode list: deterministic masternodes (proRegTx hashes, voting key
//! ids and confirmations from a seed; BLS operator keys and addresses from the masternode's
//! index) and LLMQ quorums whose BLS secret the testkit keeps ([`TestQuorum`], the same in
//! every schedule, so keys are generated once per process), changing over the chain: registrations, PoSe bans and revivals,
//! removals, quorums mined and retired. A [`Chain`] given a [`TestMasternodes`] commits to
//! the list at every block in its coinbase's CbTx (`merkleRootMNList`, `merkleRootQuorums`),
//! and [`mnlistdiff`] answers `getmnlistd` from it as Dash Core's `BuildSimplifiedMNListDiff`
//! does, honestly or with one of the [`MnListMode`] faults.
//!
//! The schedule, for masternode `k` (at most [`MAX_MASTERNODES`]) and height `h`:
//! registered at `1 + 3k`; every fifth (`k % 5 == 4`) removed 40 blocks later; PoSe-banned
//! while `((h + 7k) / 10) % 6 == 0`; every seventh an Evo node. Quorum `q` of type
//! [`QUORUM_TYPE`] is mined at `4 + 6q` and active for 12 blocks, so two are active at a time
//! and one rotates every 6 blocks. A block on a branch other than 0 (a reorg's) also lists a
//! masternode named by the branch tag, so both sides of a reorg have different lists.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use dashlite::encode::Encode;
use dashlite::hash::{hash160, sha256d, BlockHash, Hash256, Txid};
use dashlite::masternode::{merkle_root_mn_list, merkle_root_quorums, MasternodeList};
use dashlite::tx::{CoinbasePayload, NetInfo, SpecialPayload, Transaction};
use dashlite::wire::{
    BitSet, FinalCommitment, MnListDiff, PartialMerkleTree, QuorumId, SmlEntry, MN_TYPE_EVO,
    MN_TYPE_REGULAR,
};

use crate::chain::Chain;

/// The most masternodes a schedule registers.
pub const MAX_MASTERNODES: u64 = 48;
/// The LLMQ type of the quorums (`llmq_test`, regtest's ChainLocks and InstantSend type).
pub const QUORUM_TYPE: u8 = 100;
/// Blocks between two quorums.
pub const QUORUM_INTERVAL: u32 = 6;
/// Blocks a quorum stays active.
pub const QUORUM_LIFETIME: u32 = 12;
/// Members of a test quorum (`llmq_test`: 3).
const QUORUM_SIZE: usize = 3;

/// A quorum of the testkit list: its final commitment and the BLS secret key behind
/// `quorum_public_key` (big-endian scalar), so the testkit can sign as the quorum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestQuorum {
    /// The commitment mined in the chain.
    pub commitment: FinalCommitment,
    /// The quorum's threshold secret key.
    pub secret: [u8; 32],
    /// The height it is mined at (active from there for [`QUORUM_LIFETIME`] blocks).
    pub mined_at: u32,
}

/// One masternode of the schedule, with its operator's BLS secret key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestMasternode {
    /// Its entry while valid.
    pub entry: SmlEntry,
    /// The operator's BLS secret key (big-endian scalar).
    pub operator_secret: [u8; 32],
    /// The height it is registered at.
    pub registered_at: u32,
    /// The height it is removed at, if ever.
    pub removed_at: Option<u32>,
}

/// A deterministic masternode list schedule. See the module documentation.
#[derive(Debug)]
pub struct TestMasternodes {
    seed: u64,
    nodes: Mutex<BTreeMap<u64, Arc<TestMasternode>>>,
    roots: Mutex<HashMap<(u32, u32), (Hash256, Hash256)>>,
    chainlocks: Mutex<HashMap<(u32, BlockHash), [u8; 96]>>,
}

fn derive(seed: u64, what: &str, index: u64) -> [u8; 32] {
    let mut buf = Vec::with_capacity(48);
    buf.extend_from_slice(b"dashlite-testkit masternodes");
    buf.extend_from_slice(&seed.to_le_bytes());
    buf.extend_from_slice(what.as_bytes());
    buf.extend_from_slice(&index.to_le_bytes());
    sha256d(&buf)
}

/// A BLS key pair from 32 bytes of seed material: (secret big-endian, basic-encoded public key).
pub fn bls_keypair(ikm: &[u8; 32]) -> ([u8; 32], [u8; 48]) {
    let sk = blst::min_pk::SecretKey::key_gen(ikm, &[]).expect("32 bytes of key material");
    (sk.to_bytes(), sk.sk_to_pk().compress())
}

/// Signs `message` with `secret` in Dash's basic scheme (`BasicSchemeMPL`).
pub fn bls_sign(secret: &[u8; 32], message: &[u8; 32]) -> [u8; 96] {
    let sk = blst::min_pk::SecretKey::from_bytes(secret).expect("a valid secret key");
    sk.sign(message, dashlite::masternode::bls::BASIC_DST, &[]).compress()
}

fn bitset_all(n: usize) -> BitSet {
    let mut bytes = vec![0u8; n.div_ceil(8)];
    for i in 0..n {
        bytes[i / 8] |= 1 << (i % 8);
    }
    BitSet { len: n, bytes }
}

/// The operator key pair of masternode `k` (the same in every schedule, computed once per
/// process: key generation dominates the cost of a schedule).
type KeyPair = ([u8; 32], [u8; 48]);

fn operator_keys(k: u64) -> KeyPair {
    static KEYS: OnceLock<Mutex<BTreeMap<u64, KeyPair>>> = OnceLock::new();
    let mut keys = KEYS.get_or_init(Mutex::default).lock().expect("operator key cache");
    *keys.entry(k).or_insert_with(|| bls_keypair(&derive(0, "operator", k)))
}

fn make_quorum(q: u32) -> TestQuorum {
    let (secret, quorum_public_key) = bls_keypair(&derive(0, "quorum key", q.into()));
    let mut commitment = FinalCommitment {
        version: 3,
        llmq_type: QUORUM_TYPE,
        quorum_hash: Hash256::from_byte_array(derive(0, "quorum", q.into())),
        quorum_index: 0,
        signers: bitset_all(QUORUM_SIZE),
        valid_members: bitset_all(QUORUM_SIZE),
        quorum_public_key,
        quorum_vvec_hash: Hash256::from_byte_array(derive(0, "vvec", q.into())),
        quorum_sig: [0; 96],
        members_sig: [0; 96],
    };
    commitment.quorum_sig = bls_sign(&secret, &commitment.commitment_hash().to_byte_array());
    TestQuorum { commitment, secret, mined_at: 4 + QUORUM_INTERVAL * q }
}

impl TestMasternodes {
    /// The schedule of `seed`.
    pub fn new(seed: u64) -> Arc<TestMasternodes> {
        Arc::new(TestMasternodes {
            seed,
            nodes: Mutex::new(BTreeMap::new()),
            roots: Mutex::new(HashMap::new()),
            chainlocks: Mutex::new(HashMap::new()),
        })
    }

    /// Masternode `k` of the schedule.
    pub fn masternode(&self, k: u64) -> Arc<TestMasternode> {
        let mut nodes = self.nodes.lock().expect("masternode cache");
        nodes.entry(k).or_insert_with(|| Arc::new(self.make_masternode(k))).clone()
    }

    fn make_masternode(&self, k: u64) -> TestMasternode {
        let (operator_secret, operator_key) = operator_keys(k);
        let evo = k % 7 == 6;
        let registered_at = u32::try_from(1 + 3 * k).unwrap_or(u32::MAX);
        let ip = std::net::Ipv4Addr::new(10, 1, (k >> 8) as u8, k as u8).to_ipv6_mapped().octets();
        let entry = SmlEntry {
            version: 2,
            pro_reg_tx_hash: Hash256::from_byte_array(derive(self.seed, "protx", k)),
            confirmed_hash: BlockHash::from_byte_array(derive(self.seed, "confirmed", k)),
            net_info: NetInfo::Legacy { ip, port: 19899 },
            operator_key,
            voting_key_id: hash160(&derive(self.seed, "voting", k)),
            is_valid: true,
            mn_type: if evo { MN_TYPE_EVO } else { MN_TYPE_REGULAR },
            platform_http_port: if evo { 3000 } else { 0 },
            platform_node_id: if evo {
                hash160(&derive(self.seed, "platform", k))
            } else {
                [0; 20]
            },
        };
        TestMasternode {
            entry,
            operator_secret,
            registered_at,
            removed_at: (k % 5 == 4).then_some(registered_at.saturating_add(40)),
        }
    }

    /// Quorum `q` of the schedule (mined at `4 + 6q`). Quorums are the same in every
    /// schedule (their keys and signatures are computed once per process).
    pub fn quorum(&self, q: u32) -> Arc<TestQuorum> {
        static QUORUMS: OnceLock<Mutex<BTreeMap<u32, Arc<TestQuorum>>>> = OnceLock::new();
        let mut quorums = QUORUMS.get_or_init(Mutex::default).lock().expect("quorum cache");
        quorums.entry(q).or_insert_with(|| Arc::new(make_quorum(q))).clone()
    }

    /// The quorums active at `height`, oldest first.
    pub fn active_quorums(&self, height: u32) -> Vec<Arc<TestQuorum>> {
        let newest = height.checked_sub(4).map(|h| h / QUORUM_INTERVAL);
        let Some(newest) = newest else { return Vec::new() };
        let oldest = newest.saturating_sub(QUORUM_LIFETIME / QUORUM_INTERVAL);
        (oldest..=newest)
            .map(|q| self.quorum(q))
            .filter(|q| q.mined_at <= height && height < q.mined_at + QUORUM_LIFETIME)
            .collect()
    }

    /// The list at the block of `height` on branch `tag` (its `block_hash` left zero: the
    /// coinbase that commits to it is part of the block).
    pub fn list_at(&self, height: u32, tag: u32) -> MasternodeList {
        let mut list = MasternodeList::default();
        let registered = (u64::from(height.saturating_sub(1)) / 3 + 1).min(MAX_MASTERNODES);
        for k in 0..registered {
            let node = self.masternode(k);
            if node.registered_at > height || node.removed_at.is_some_and(|r| height >= r) {
                continue;
            }
            let mut entry = node.entry.clone();
            entry.is_valid = ((u64::from(height) + 7 * k) / 10) % 6 != 0;
            list.entries.insert(entry.pro_reg_tx_hash, entry);
        }
        if tag != 0 && height > 0 {
            let mut entry = self.masternode(MAX_MASTERNODES + u64::from(tag)).entry.clone();
            entry.pro_reg_tx_hash =
                Hash256::from_byte_array(derive(self.seed, "branch", u64::from(tag)));
            list.entries.insert(entry.pro_reg_tx_hash, entry);
        }
        for q in self.active_quorums(height) {
            let c = &q.commitment;
            list.quorums
                .insert(QuorumId { llmq_type: c.llmq_type, quorum_hash: c.quorum_hash }, c.clone());
        }
        list
    }

    /// The version-3 CbTx payload of block `height` whose parent is `parent`, committing to
    /// `roots`, with the best ChainLock `mode` says (`Off` is treated as `Honest`).
    pub fn cbtx_v3(
        &self,
        height: u32,
        parent: BlockHash,
        roots: (Hash256, Hash256),
        mode: BestChainLockMode,
    ) -> CoinbasePayload {
        let locked = height.saturating_sub(1);
        let signed = if mode == BestChainLockMode::Forged {
            BlockHash::from_byte_array(derive(self.seed, "forged chainlock", locked.into()))
        } else {
            parent
        };
        self.cbtx_v3_locking(height, (locked, signed), roots)
    }

    /// The version-3 CbTx payload of block `height` naming block `locked.0` as ChainLocked
    /// with the signature of the quorum Dash Core selects over block hash `locked.1`; null
    /// (and `bestCLHeightDiff` 0) when that quorum's pool is empty.
    pub fn cbtx_v3_locking(
        &self,
        height: u32,
        (locked, signed): (u32, BlockHash),
        (mn_root, quorum_root): (Hash256, Hash256),
    ) -> CoinbasePayload {
        let signature = self.chainlock_signature(locked, signed);
        let diff = height.saturating_sub(1).saturating_sub(locked);
        CoinbasePayload {
            version: 3,
            height: height as i32,
            merkle_root_mn_list: mn_root,
            merkle_root_quorums: quorum_root,
            best_cl_height_diff: if signature.is_some() { diff } else { 0 },
            best_cl_signature: signature.unwrap_or([0; 96]),
            credit_pool_balance: 0,
        }
    }

    /// The ChainLock signature of block `block_hash` at `height` by the quorum Dash Core
    /// selects from the active set at `height − 8`; `None` when that set is empty.
    pub fn chainlock_signature(&self, height: u32, block_hash: BlockHash) -> Option<[u8; 96]> {
        use dashlite::masternode::{
            chainlock_request_id, llmq_params, select_quorum, sign_hash, SIGN_HEIGHT_OFFSET,
        };
        let key = (height, block_hash);
        if let Some(sig) = self.chainlocks.lock().expect("chainlock cache").get(&key) {
            return Some(*sig);
        }
        let start = height.checked_sub(SIGN_HEIGHT_OFFSET)?;
        let pool = self.active_quorums(start);
        let params = llmq_params(QUORUM_TYPE)?;
        let id = chainlock_request_id(i32::try_from(height).ok()?);
        let chosen = select_quorum(params, pool.iter().map(|q| &q.commitment), &id)?;
        let quorum = pool.iter().find(|q| q.commitment.quorum_hash == chosen.quorum_hash)?;
        let msg = sign_hash(QUORUM_TYPE, &chosen.quorum_hash, &id, &block_hash.to_byte_array());
        let sig = bls_sign(&quorum.secret, &msg.to_byte_array());
        self.chainlocks.lock().expect("chainlock cache").insert(key, sig);
        Some(sig)
    }

    /// `(merkleRootMNList, merkleRootQuorums)` of the list at `height` on branch `tag`.
    pub fn roots_at(&self, height: u32, tag: u32) -> (Hash256, Hash256) {
        if let Some(r) = self.roots.lock().expect("root cache").get(&(height, tag)) {
            return *r;
        }
        let list = self.list_at(height, tag);
        let roots = (merkle_root_mn_list(&list), merkle_root_quorums(&list));
        self.roots.lock().expect("root cache").insert((height, tag), roots);
        roots
    }
}

/// How blocks mined with a schedule fill their CbTx's best ChainLock
/// ([`crate::chain::Chain::set_best_chainlocks`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BestChainLockMode {
    /// CbTx version 2: no best ChainLock.
    #[default]
    Off,
    /// CbTx version 3 locking the parent block (`bestCLHeightDiff` 0), signed by the quorum
    /// Dash Core selects for it (the pool at the parent's height − 8); null while that pool
    /// is empty.
    Honest,
    /// As `Honest`, but signed over another block: a CbTx Dash Core refuses
    /// (`bad-cbtx-invalid-clsig`).
    Forged,
    /// Locking the block this many below the parent (`bestCLHeightDiff` = n), honestly
    /// signed: a CbTx Dash Core refuses after one that locked a newer block
    /// (`bad-cbtx-older-clsig`). Null while that block's pool is empty.
    Older(u32),
}

/// How a peer answers `getmnlistd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MnListMode {
    /// As Dash Core.
    #[default]
    Honest,
    /// Never answers.
    Silent,
    /// One masternode's validity flipped: `merkleRootMNList` no longer matches.
    WrongListRoot,
    /// One quorum dropped from the diff: `merkleRootQuorums` no longer matches.
    WrongQuorumRoot,
    /// The merkle tree proves another transaction than the coinbase.
    CoinbaseNotProven,
    /// The diff starts from another block than the one asked for.
    WrongBase,
}

/// The list of `chain` at `height` (with the block's hash), as the chain commits to it.
pub fn chain_list(chain: &Chain, height: u32) -> Option<MasternodeList> {
    let hash = chain.hash_at(height)?;
    let mut list = chain.masternode_list_at(height)?;
    list.block_hash = hash;
    Some(list)
}

/// The `mnlistdiff` answering `getmnlistd(base, target)` on `chain` as `mode` says; `None`
/// where Dash Core sends nothing (unknown blocks, base above the target, a silent peer).
pub fn mnlistdiff(
    chain: &Chain,
    base: &BlockHash,
    target: &BlockHash,
    mode: MnListMode,
) -> Option<MnListDiff> {
    if mode == MnListMode::Silent {
        return None;
    }
    let target_height = chain.height_of(target)?;
    let genesis = chain.hash_at(0)?;
    let base_list = if *base == BlockHash::ZERO || *base == genesis {
        MasternodeList::default()
    } else {
        let h = chain.height_of(base)?;
        if h > target_height {
            return None;
        }
        chain_list(chain, h)?
    };
    let mut list = chain_list(chain, target_height)?;
    let txs = chain.transactions(target_height)?;
    let txids: Vec<Txid> = txs.iter().map(Transaction::txid).collect();
    let mut cb_tx = txs[0].clone();
    let matches = [true];
    match mode {
        MnListMode::WrongListRoot => {
            if let Some(e) = list.entries.values_mut().next() {
                e.is_valid = !e.is_valid;
            }
        }
        MnListMode::CoinbaseNotProven => {
            // A coinbase committing to another list, with the tree proving the block's own.
            if let Ok(SpecialPayload::Coinbase(mut p)) = cb_tx.special_payload() {
                p.merkle_root_mn_list = Hash256::from_byte_array([0x77; 32]);
                cb_tx.extra_payload = Some(p.to_bytes());
            }
        }
        _ => {}
    }
    let mut diff = diff_between(&base_list, &list, *base, *target);
    if mode == MnListMode::WrongQuorumRoot {
        // A quorum the chain never mined.
        let mut forged = TestMasternodes::new(u64::MAX).quorum(0).commitment.clone();
        forged.quorum_hash = Hash256::from_byte_array([0x51; 32]);
        diff.new_quorums.push(forged);
    }
    if mode == MnListMode::WrongBase {
        diff.base_block_hash = chain.hash_at(target_height.saturating_sub(1))?;
        if diff.base_block_hash == *base {
            diff.base_block_hash = BlockHash::from_byte_array([0x42; 32]);
        }
    }
    diff.cb_tx_merkle_tree = PartialMerkleTree::from_txids(&txids, &matches);
    diff.cb_tx = cb_tx;
    Some(diff)
}

/// The diff from `base` to `target` (`BuildSimplifiedDiff`, `BuildQuorumsDiff`): new and
/// changed entries, deleted proRegTx hashes, deleted and new quorums in (type, hash) order.
/// The coinbase and its tree are left empty.
pub fn diff_between(
    base: &MasternodeList,
    target: &MasternodeList,
    base_hash: BlockHash,
    target_hash: BlockHash,
) -> MnListDiff {
    MnListDiff {
        version: 1,
        base_block_hash: base_hash,
        block_hash: target_hash,
        cb_tx_merkle_tree: PartialMerkleTree::from_txids(&[], &[]),
        cb_tx: crate::chain::coinbase(0, 0, None),
        deleted_mns: base
            .entries
            .keys()
            .filter(|k| !target.entries.contains_key(k))
            .copied()
            .collect(),
        mn_list: target
            .entries
            .values()
            .filter(|e| base.entries.get(&e.pro_reg_tx_hash) != Some(e))
            .cloned()
            .collect(),
        deleted_quorums: base
            .quorums
            .keys()
            .filter(|q| !target.quorums.contains_key(q))
            .copied()
            .collect(),
        new_quorums: target
            .quorums
            .iter()
            .filter(|(id, _)| !base.quorums.contains_key(id))
            .map(|(_, q)| q.clone())
            .collect(),
        quorums_cl_sigs: Vec::new(),
    }
}

/// The reply to a `getmnlistd` payload (as it arrives, an unknown-command message) on
/// `chain`, encoded for the negotiated `protocol_version`; `None` when Dash Core would not
/// answer (undecodable request, unknown blocks) or `mode` is silent.
pub fn answer_getmnlistd(
    chain: &Chain,
    payload: &[u8],
    mode: MnListMode,
    protocol_version: u32,
) -> Option<dashlite::wire::Message> {
    use dashlite::encode::Decode;
    let ask = dashlite::wire::GetMnListDiff::from_bytes(payload).ok()?;
    let diff = mnlistdiff(chain, &ask.base_block_hash, &ask.block_hash, mode)?;
    Some(dashlite::wire::Message::Unknown {
        command: dashlite::wire::Command::new("mnlistdiff").ok()?,
        payload: diff.to_bytes_versioned(protocol_version),
    })
}
