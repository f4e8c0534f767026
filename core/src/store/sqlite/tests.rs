//! SqliteStore tests: the same behaviour as MemoryStore through commit → reopen → load,
//! crash semantics, and the refusals on open.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use proptest::prelude::*;

use super::*;
use crate::chain::store::BrokenUpdate;
use crate::chain::{MemoryHeaderStore, U256};
use crate::hash::{sha256d, Hash256, Txid};
use crate::store::{InstantLockRecord, MemoryStore, PeerRecords, Progress};
use crate::tx::{OutPoint, Script, Transaction, TxIn, TxOut};
use crate::wallet::{
    Address, BlockRef, ChainKind, ExtendedPubKey, GapLimits, KeyPath, OwnedOutput, Owner, TxStatus,
    WalletTx, WatchList,
};
use crate::wire::{
    BlockHeader, ClSig, FilterLoad, GovObject, GovObjectType, GovObjectVote, IsDLock, Spork,
    SporkId, VoteOutcome, VoteSignal,
};

/// A mainnet BIP44 account key (m/44'/5'/0'), the one of the wallet tests.
const ACCOUNT_XPUB: &str = "xpub6DRhaBX1cn2rRtbpphQTSLYcR3ABXzQeEYoT44MjbwTanhw1ePtNcYTZNeHyrJMsMGTbig4iFMSvht7RviohzFxkpjURgHDThygLqbZ1tib";

/// A fresh directory under the system temp dir, removed on drop.
pub(super) struct TempDir(PathBuf);

impl TempDir {
    pub(super) fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "dashlite-sqlite-{tag}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub(super) fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A header linked to `prev` (or starting a chain), with a distinct hash per (height, tag).
pub(super) fn link(prev: Option<&StoredHeader>, height: u32, tag: u32) -> StoredHeader {
    let header = BlockHeader {
        version: 4,
        prev_blockhash: prev.map(|p| p.hash).unwrap_or_default(),
        merkle_root: Default::default(),
        time: height,
        bits: 0x207f_ffff,
        nonce: tag,
    };
    let mut seed = [0u8; 8];
    seed[..4].copy_from_slice(&height.to_le_bytes());
    seed[4..].copy_from_slice(&tag.to_le_bytes());
    let hash = BlockHash::from_byte_array(sha256d(&seed));
    StoredHeader { header, hash, height, chain_work: U256::from_u64(u64::from(height) * 3 + 1) }
}

/// `n` headers continuing `prev` on branch `tag`.
fn chain(prev: Option<&StoredHeader>, start: u32, n: u32, tag: u32) -> Vec<StoredHeader> {
    let mut out: Vec<StoredHeader> = Vec::new();
    for i in 0..n {
        let h = link(out.last().or(prev), start + i, tag);
        out.push(h);
    }
    out
}

fn all_headers(s: &impl HeaderStore) -> Vec<StoredHeader> {
    let Some(tip) = s.tip().unwrap() else { return Vec::new() };
    let mut out = Vec::new();
    let mut h = tip.height;
    while let Some(x) = s.get_by_height(h).unwrap() {
        assert_eq!(s.get_by_hash(&x.hash).unwrap(), Some(x));
        out.push(x);
        match h.checked_sub(1) {
            Some(p) => h = p,
            None => break,
        }
    }
    out
}

/// Applies `update` to both stores and checks they agree on the outcome and the contents.
fn apply_both(m: &mut MemoryHeaderStore, s: &mut SqliteStore, update: &ChainUpdate) -> bool {
    let rm = m.apply(update);
    let rs = s.apply(update);
    assert_eq!(rm.is_ok(), rs.is_ok(), "outcomes differ on {update:?}: {rm:?} {rs:?}");
    if let (Err(a), Err(b)) = (&rm, &rs) {
        let a = a.0.downcast_ref::<BrokenUpdate>().unwrap();
        assert_eq!(Some(a), b.0.downcast_ref::<BrokenUpdate>());
    }
    assert_eq!(m.tip().unwrap(), s.tip().unwrap());
    assert_eq!(all_headers(m), all_headers(s));
    assert_eq!(m.len() as u64, s.header_count().unwrap());
    rm.is_ok()
}

#[test]
fn headers_apply_reorg_and_refusal_match_the_memory_store() {
    let dir = TempDir::new("headers");
    let mut s = SqliteStore::open(dir.file("h.db"), Network::Regtest).unwrap();
    let mut m = MemoryHeaderStore::new();
    let a = chain(None, 10, 5, 0);
    assert!(apply_both(&mut m, &mut s, &ChainUpdate { keep_up_to: None, connect: a.clone() }));
    // Continuing the tip without keep_up_to.
    let a2 = chain(Some(&a[4]), 15, 3, 0);
    assert!(apply_both(&mut m, &mut s, &ChainUpdate { keep_up_to: None, connect: a2.clone() }));
    // A reorg from height 12.
    let b = chain(Some(&a[2]), 13, 7, 1);
    assert!(apply_both(&mut m, &mut s, &ChainUpdate { keep_up_to: Some(12), connect: b.clone() }));
    assert_eq!(s.get_by_hash(&a2[0].hash).unwrap(), None);
    // Refusals: unknown kept height, a gap, a wrong parent, a header not continuing the tip.
    let refused = [
        ChainUpdate { keep_up_to: Some(100), connect: vec![] },
        ChainUpdate { keep_up_to: Some(9), connect: vec![] },
        ChainUpdate { keep_up_to: Some(14), connect: vec![link(Some(&b[1]), 16, 2)] },
        ChainUpdate { keep_up_to: Some(14), connect: vec![link(Some(&a[0]), 15, 2)] },
        ChainUpdate { keep_up_to: None, connect: vec![link(Some(&b[0]), 20, 2)] },
        ChainUpdate { keep_up_to: None, connect: chain(Some(&b[6]), 20, 3, 3)[1..].to_vec() },
    ];
    for u in &refused {
        assert!(!apply_both(&mut m, &mut s, u));
    }
    // Dropping the top without connecting anything, then emptying nothing.
    assert!(apply_both(&mut m, &mut s, &ChainUpdate { keep_up_to: Some(16), connect: vec![] }));
    assert!(apply_both(&mut m, &mut s, &ChainUpdate::default()));
    assert_eq!(s.tip().unwrap().unwrap().height, 16);
}

#[test]
fn an_empty_store_starts_at_any_height() {
    let dir = TempDir::new("start");
    let mut s = SqliteStore::open(dir.file("h.db"), Network::Regtest).unwrap();
    let mut m = MemoryHeaderStore::new();
    assert_eq!(s.tip().unwrap(), None);
    let c = chain(None, 2_000_000, 3, 9);
    assert!(apply_both(&mut m, &mut s, &ChainUpdate { keep_up_to: None, connect: c }));
}

#[test]
fn a_restart_replaces_the_chain_by_an_earlier_start_and_survives_a_reopen() {
    let dir = TempDir::new("restart");
    let path = dir.file("h.db");
    let mut s = SqliteStore::open(&path, Network::Regtest).unwrap();
    let mut m = MemoryHeaderStore::new();
    let a = chain(None, 100, 20, 0);
    assert!(apply_both(&mut m, &mut s, &ChainUpdate { keep_up_to: None, connect: a.clone() }));
    let start = chain(None, 40, 1, 4)[0];
    m.restart(start).unwrap();
    s.restart(start).unwrap();
    assert_eq!(all_headers(&m), all_headers(&s));
    assert_eq!(s.tip().unwrap(), Some(start));
    assert_eq!(s.get_by_hash(&a[0].hash).unwrap(), None);
    // The new chain grows from the start as any other.
    let next = chain(Some(&start), 41, 3, 4);
    assert!(apply_both(&mut m, &mut s, &ChainUpdate { keep_up_to: None, connect: next }));
    s.commit(&Batch::default()).unwrap();
    drop(s);
    let s = SqliteStore::open(&path, Network::Regtest).unwrap();
    assert_eq!(all_headers(&m), all_headers(&s));
    assert_eq!(s.tip().unwrap().map(|t| t.height), Some(43));
}

#[derive(Debug, Clone)]
enum Op {
    /// Keep up to `tip - back` (saturating), then connect `n` headers on a new branch.
    Reorg {
        back: u32,
        n: u32,
    },
    /// Connect `n` headers to the tip without `keep_up_to`.
    Extend {
        n: u32,
    },
    /// An update whose header `bad` (of `n`) does not link.
    Broken {
        back: u32,
        n: u32,
        bad: u32,
    },
    /// Commit, or drop and reopen (losing pending changes in both stores' view).
    Commit,
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u32..6, 0u32..6).prop_map(|(back, n)| Op::Reorg { back, n }),
        (0u32..6).prop_map(|n| Op::Extend { n }),
        (0u32..4, 1u32..4, 0u32..4).prop_map(|(back, n, bad)| Op::Broken { back, n, bad: bad % n }),
        Just(Op::Commit),
        Just(Op::Reopen),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random update sequences: the SQLite store agrees with the memory store after every
    /// step; a reopen without commit goes back to the committed memory store.
    #[test]
    fn random_update_sequences_match_the_memory_store(ops in proptest::collection::vec(op(), 1..24)) {
        let dir = TempDir::new("prop");
        let path = dir.file("p.db");
        let mut s = SqliteStore::open(&path, Network::Regtest).unwrap();
        let mut m = MemoryHeaderStore::new();
        let mut committed = m.clone();
        let mut branch = 0u32;
        for op in ops {
            branch += 1;
            let tip = m.tip().unwrap();
            let keep = |back: u32| tip.map(|t| t.height.saturating_sub(back).max(100));
            match op {
                Op::Reorg { back, n } => {
                    let keep_up_to = keep(back);
                    let base = keep_up_to.and_then(|h| m.get_by_height(h).unwrap());
                    let start = base.map_or(100, |b| b.height + 1);
                    let connect = chain(base.as_ref(), start, n, branch);
                    apply_both(&mut m, &mut s, &ChainUpdate { keep_up_to, connect });
                }
                Op::Extend { n } => {
                    let start = tip.map_or(100, |t| t.height + 1);
                    let connect = chain(tip.as_ref(), start, n, branch);
                    apply_both(&mut m, &mut s, &ChainUpdate { keep_up_to: None, connect });
                }
                Op::Broken { back, n, bad } => {
                    let keep_up_to = keep(back);
                    let base = keep_up_to.and_then(|h| m.get_by_height(h).unwrap());
                    let start = base.map_or(100, |b| b.height + 1);
                    let mut connect = chain(base.as_ref(), start, n, branch);
                    connect[bad as usize].header.prev_blockhash = BlockHash::from_byte_array([0xee; 32]);
                    // Nothing links to a fresh chain's first header: only a non-empty base
                    // can refuse the first one.
                    let ok = apply_both(&mut m, &mut s, &ChainUpdate { keep_up_to, connect });
                    prop_assert!(!ok || (bad == 0 && base.is_none()));
                }
                Op::Commit => {
                    s.commit(&Batch::default()).unwrap();
                    prop_assert!(!s.has_pending_changes());
                    committed = m.clone();
                }
                Op::Reopen => {
                    drop(s);
                    s = SqliteStore::open(&path, Network::Regtest).unwrap();
                    m = committed.clone();
                    prop_assert_eq!(all_headers(&m), all_headers(&s));
                }
            }
        }
    }
}

#[test]
fn committed_headers_persist_and_uncommitted_ones_vanish_on_drop() {
    let dir = TempDir::new("crash");
    let path = dir.file("c.db");
    let a = chain(None, 0, 2_000, 0);
    let b = chain(Some(&a[1_999]), 2_000, 10, 0);
    {
        let mut s = SqliteStore::open(&path, Network::Regtest).unwrap();
        s.apply(&ChainUpdate { keep_up_to: None, connect: a.clone() }).unwrap();
        assert!(s.has_pending_changes());
        s.commit(&Batch::default()).unwrap();
        assert!(!s.has_pending_changes());
        s.apply(&ChainUpdate { keep_up_to: None, connect: b.clone() }).unwrap();
        // Reads see the pending writes.
        assert_eq!(s.tip().unwrap(), Some(b[9]));
        assert_eq!(s.get_by_hash(&b[3].hash).unwrap(), Some(b[3]));
        // Dropped without commit: a killed process.
    }
    let s = SqliteStore::open(&path, Network::Regtest).unwrap();
    assert_eq!(s.tip().unwrap(), Some(a[1_999]));
    assert_eq!(s.get_by_hash(&b[0].hash).unwrap(), None);
    assert_eq!(s.get_by_height(1_234).unwrap(), Some(a[1_234]));
    assert_eq!(s.header_count().unwrap(), 2_000);
}

#[test]
fn a_refused_update_keeps_the_pending_ones() {
    let dir = TempDir::new("refused");
    let path = dir.file("r.db");
    let a = chain(None, 0, 5, 0);
    {
        let mut s = SqliteStore::open(&path, Network::Testnet).unwrap();
        s.apply(&ChainUpdate { keep_up_to: None, connect: a.clone() }).unwrap();
        let err = s
            .apply(&ChainUpdate { keep_up_to: Some(2), connect: vec![link(Some(&a[0]), 3, 1)] })
            .unwrap_err();
        assert_eq!(err.0.downcast_ref::<BrokenUpdate>(), Some(&BrokenUpdate { height: 3 }));
        // A hash already stored breaks the unique index mid-write: undone as a whole.
        let dup = StoredHeader { hash: a[0].hash, ..link(Some(&a[4]), 6, 1) };
        let update =
            ChainUpdate { keep_up_to: Some(3), connect: vec![link(Some(&a[3]), 4, 1), dup] };
        let mut fixed = update.connect.clone();
        fixed[1].header.prev_blockhash = fixed[0].hash;
        fixed[1].height = 5;
        let update = ChainUpdate { connect: fixed, ..update };
        assert!(s.apply(&update).is_err());
        assert_eq!(s.tip().unwrap(), Some(a[4]));
        s.commit(&Batch::default()).unwrap();
    }
    let s = SqliteStore::open(&path, Network::Testnet).unwrap();
    assert_eq!(s.tip().unwrap(), Some(a[4]));
    assert_eq!(s.header_count().unwrap(), 5);
}

fn xpub() -> ExtendedPubKey {
    ExtendedPubKey::parse(ACCOUNT_XPUB, Network::Mainnet).unwrap()
}

fn watch_list() -> WatchList {
    let mut w = WatchList::new(Network::Mainnet);
    w.add_account(xpub(), GapLimits { external: 7, internal: 3 }).unwrap();
    let id = w.accounts().next().unwrap().id();
    // Used keys move each chain's window.
    w.mark_used(&KeyPath { account: id, chain: ChainKind::External, index: 4 }, Some(10));
    w.mark_used(&KeyPath { account: id, chain: ChainKind::Internal, index: 1 }, None);
    w.add_address(Address::parse("Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wh", Network::Mainnet).unwrap())
        .unwrap();
    w.add_address(Address::p2sh([0x42; 20], Network::Mainnet)).unwrap();
    w.add_script(Script::new(vec![0x21; 3]));
    w.add_script(Script::new(vec![0x6a, 0x01, 0x02]));
    w.add_outpoint(OutPoint::new(Txid::from_byte_array([3; 32]), 7));
    w
}

/// Everything observable of a watch list (it has no `PartialEq`).
fn watch_summary(w: &WatchList) -> impl PartialEq + std::fmt::Debug {
    let accounts: Vec<_> = w
        .accounts()
        .map(|a| {
            let chains: Vec<_> = [ChainKind::External, ChainKind::Internal]
                .into_iter()
                .map(|k| {
                    let c = a.chain(k);
                    (c.gap_limit(), c.last_used(), c.keys().to_vec())
                })
                .collect();
            (a.id(), *a.xpub(), chains)
        })
        .collect();
    (
        w.network(),
        w.addresses().copied().collect::<Vec<_>>(),
        w.scripts().cloned().collect::<Vec<_>>(),
        w.outpoints().copied().collect::<Vec<_>>(),
        accounts,
        w.filter_elements(),
    )
}

fn transaction(tag: u8) -> Transaction {
    Transaction {
        version: 2,
        tx_type: 0,
        inputs: vec![TxIn {
            previous_output: OutPoint::new(Txid::from_byte_array([tag; 32]), 1),
            script_sig: Script::new(vec![0x51]),
            sequence: u32::MAX,
        }],
        outputs: vec![
            TxOut {
                value: 5_000,
                script_pubkey: Address::p2pkh([tag; 20], Network::Mainnet).script_pubkey(),
            },
            TxOut { value: 7, script_pubkey: Script::new(vec![0x6a]) },
        ],
        lock_time: u32::from(tag),
        extra_payload: None,
    }
}

fn wallet_tx(tag: u8, status: TxStatus) -> WalletTx {
    let tx = transaction(tag);
    let owner = match tag % 3 {
        0 => Owner::Key(KeyPath {
            account: crate::wallet::AccountId(xpub().identifier()),
            chain: ChainKind::External,
            index: 4,
        }),
        1 => Owner::Address(Address::p2pkh([tag; 20], Network::Mainnet)),
        _ => Owner::Script(Script::new(vec![0x6a])),
    };
    WalletTx {
        txid: tx.txid(),
        tx,
        status,
        seen: u64::from(tag) + (1 << 63),
        owned_outputs: vec![OwnedOutput { vout: 0, value: 5_000, owner }],
        spent_watched: vec![OutPoint::new(Txid::from_byte_array([tag; 32]), 1)],
        unconfirmed_since: if status == TxStatus::Unconfirmed { u32::from(tag) * 7 } else { 0 },
    }
}

fn statuses() -> Vec<TxStatus> {
    let hash = BlockHash::from_byte_array([8; 32]);
    vec![
        TxStatus::Unconfirmed,
        TxStatus::Confirmed(BlockRef { height: 10, hash, time: None }),
        TxStatus::Confirmed(BlockRef { height: 11, hash, time: Some(1_700_000_000) }),
        TxStatus::Conflicted { by: Txid::from_byte_array([9; 32]) },
        TxStatus::Expired,
        TxStatus::Abandoned,
    ]
}

fn spork(id: SporkId, value: i64) -> Spork {
    Spork { spork_id: id, value, time_signed: 1_600_000_000, signature: vec![0x1f; 65] }
}

fn gov_object(tag: u8) -> GovObject {
    GovObject {
        parent_hash: Hash256::ZERO,
        revision: 1,
        time: 1_650_000_000 + i64::from(tag),
        collateral_hash: Txid::from_byte_array([tag; 32]),
        data: format!("{{\"name\":\"p{tag}\"}}").into_bytes(),
        object_type: GovObjectType::Proposal,
        masternode_outpoint: OutPoint::NULL,
        signature: Vec::new(),
    }
}

fn vote(tag: u8, outcome: VoteOutcome) -> GovObjectVote {
    GovObjectVote {
        masternode_outpoint: OutPoint::new(Txid::from_byte_array([tag; 32]), 0),
        parent_hash: gov_object(1).hash(),
        outcome,
        signal: VoteSignal::Funding,
        time: 1_650_000_100,
        signature: vec![tag; 96],
    }
}

fn lock(tag: u8) -> InstantLockRecord {
    let txid = Txid::from_byte_array([tag; 32]);
    InstantLockRecord {
        txid,
        lock: IsDLock {
            version: 1,
            inputs: vec![OutPoint::new(Txid::from_byte_array([tag ^ 1; 32]), 2)],
            txid,
            cycle_hash: BlockHash::from_byte_array([tag; 32]),
            signature: [tag; 96],
        },
    }
}

fn full_batch() -> Batch {
    Batch {
        watch: Some(watch_list()),
        wallet_txs: statuses()
            .into_iter()
            .enumerate()
            .map(|(i, s)| wallet_tx(i as u8, s))
            .collect(),
        progress: Some(Progress { height: 77, hash: BlockHash::from_byte_array([7; 32]) }),
        peers: Some(PeerRecords { address_book: vec![1, 2, 3], bans: vec![] }),
        filter: Some(FilterLoad { data: vec![0xab; 100], hash_funcs: 11, tweak: 5, flags: 2 }),
        sporks: Some(vec![
            spork(SporkId::ChainLocksEnabled, 0),
            spork(SporkId::Unknown(10_099), 4),
        ]),
        gov_objects: vec![gov_object(1), gov_object(2)],
        gov_votes: vec![vote(1, VoteOutcome::Yes), vote(2, VoteOutcome::No)],
        gov_full_sync_times: Some(vec![
            ("203.0.113.5".parse::<IpAddr>().unwrap(), 1_700_000_000),
            ("2001:db8::1".parse::<IpAddr>().unwrap(), -5),
        ]),
        instant_locks: vec![lock(4), lock(1)],
        chain_lock: Some(ClSig {
            height: 76,
            block_hash: BlockHash::from_byte_array([8; 32]),
            signature: [9; 96],
        }),
        masternode_lists: vec![
            {
                let mut m = crate::masternode::codec_sample(12, 2);
                m.best_chainlock = Some(crate::masternode::PreviousBestChainLock {
                    height: 10,
                    block_hash: BlockHash::from_byte_array([4; 32]),
                    locked: Some(9),
                });
                m
            },
            crate::masternode::codec_sample(11, 1),
        ],
        masternode_lists_removed: vec![BlockHash::from_byte_array([9; 32])],
    }
}

/// The two stores' states are the same (watch lists compared by their contents).
fn assert_same_state(a: &ClientState, b: &ClientState) {
    assert_eq!(a.watch.as_ref().map(watch_summary), b.watch.as_ref().map(watch_summary));
    assert_eq!(a.wallet_txs, b.wallet_txs);
    assert_eq!(a.progress, b.progress);
    assert_eq!(a.peers, b.peers);
    assert_eq!(a.filter, b.filter);
    assert_eq!(a.sporks, b.sporks);
    assert_eq!(a.governance, b.governance);
    assert_eq!(a.instant_locks, b.instant_locks);
    assert_eq!(a.chain_lock, b.chain_lock);
    assert_eq!(a.masternode_lists, b.masternode_lists);
}

#[test]
fn every_record_round_trips_through_commit_reopen_and_load() {
    let dir = TempDir::new("records");
    let path = dir.file("r.db");
    let batch = full_batch();
    let mut memory = MemoryStore::new();
    memory.commit(&batch).unwrap();
    {
        let mut s = SqliteStore::open(&path, Network::Mainnet).unwrap();
        assert!(s.load().unwrap().watch.is_none());
        s.commit(&batch).unwrap();
        // Before and after reopening.
        assert_same_state(&s.load().unwrap(), &memory.load().unwrap());
    }
    let s = SqliteStore::open(&path, Network::Mainnet).unwrap();
    let loaded = s.load().unwrap();
    assert_same_state(&loaded, &memory.load().unwrap());
    // Each status made it, and the used indexes restored the same windows.
    let got: Vec<TxStatus> = loaded.wallet_txs.iter().map(|t| t.status).collect();
    for status in statuses() {
        assert!(got.contains(&status), "{status:?}");
    }
    let w = loaded.watch.unwrap();
    let account = w.accounts().next().unwrap();
    assert_eq!(account.chain(ChainKind::External).last_used(), Some(4));
    assert_eq!(account.chain(ChainKind::External).keys().len(), 12);
    assert_eq!(account.chain(ChainKind::Internal).keys().len(), 5);
    assert_eq!(loaded.instant_locks[0].txid, Txid::from_byte_array([1; 32]), "sorted by txid");
    let heights: Vec<u32> = loaded.masternode_lists.iter().map(|m| m.height).collect();
    assert_eq!(heights, [11, 12], "masternode lists by height");
}

#[test]
fn masternode_lists_are_upserted_and_removed_by_block() {
    let dir = TempDir::new("mnlists");
    let path = dir.file("m.db");
    let mut memory = MemoryStore::new();
    let mut s = SqliteStore::open(&path, Network::Mainnet).unwrap();
    let a = crate::masternode::codec_sample(10, 1);
    let b = crate::masternode::codec_sample(11, 2);
    let first = Batch { masternode_lists: vec![a.clone(), b.clone()], ..Batch::default() };
    let second = Batch {
        masternode_lists_removed: vec![a.list.block_hash],
        masternode_lists: vec![crate::masternode::codec_sample(12, 3)],
        ..Batch::default()
    };
    for batch in [&first, &second] {
        s.commit(batch).unwrap();
        memory.commit(batch).unwrap();
    }
    drop(s);
    let loaded = SqliteStore::open(&path, Network::Mainnet).unwrap().load().unwrap();
    assert_same_state(&loaded, &memory.load().unwrap());
    let heights: Vec<u32> = loaded.masternode_lists.iter().map(|m| m.height).collect();
    assert_eq!(heights, [11, 12]);
    assert_eq!(loaded.masternode_lists[0], b);
}

#[test]
fn later_batches_upsert_and_replace_like_the_memory_store() {
    let dir = TempDir::new("upsert");
    let path = dir.file("u.db");
    let mut memory = MemoryStore::new();
    let mut s = SqliteStore::open(&path, Network::Mainnet).unwrap();
    let first = full_batch();
    let hash = BlockHash::from_byte_array([6; 32]);
    let mut watch = watch_list();
    watch.add_outpoint(OutPoint::new(Txid::from_byte_array([5; 32]), 0));
    let second = Batch {
        watch: Some(watch),
        // A status change of a stored transaction and a new one.
        wallet_txs: vec![
            wallet_tx(0, TxStatus::Confirmed(BlockRef { height: 90, hash, time: Some(3) })),
            wallet_tx(9, TxStatus::Unconfirmed),
        ],
        sporks: Some(vec![spork(SporkId::QuorumPose, 1)]),
        gov_objects: vec![gov_object(3)],
        gov_votes: vec![vote(1, VoteOutcome::Yes)],
        gov_full_sync_times: Some(Vec::new()),
        instant_locks: vec![InstantLockRecord { txid: lock(4).txid, lock: lock(5).lock }],
        chain_lock: Some(ClSig { height: 90, block_hash: hash, signature: [3; 96] }),
        ..Batch::default()
    };
    for b in [&first, &second, &Batch::default()] {
        memory.commit(b).unwrap();
        s.commit(b).unwrap();
    }
    drop(s);
    let s = SqliteStore::open(&path, Network::Mainnet).unwrap();
    let (got, want) = (s.load().unwrap(), memory.load().unwrap());
    assert_same_state(&got, &want);
    assert_eq!(got.wallet_txs.len(), statuses().len() + 1);
    assert_eq!(got.sporks.len(), 1);
    assert!(got.governance.full_sync_times.is_empty());
    assert_eq!(got.progress, first.progress, "an absent option keeps the stored value");
}

#[test]
fn a_commit_writes_the_batch_and_the_headers_together() {
    let dir = TempDir::new("together");
    let path = dir.file("t.db");
    let a = chain(None, 0, 3, 0);
    {
        let mut s = SqliteStore::open(&path, Network::Regtest).unwrap();
        s.apply(&ChainUpdate { keep_up_to: None, connect: a.clone() }).unwrap();
        let p = Progress { height: 2, hash: a[2].hash };
        s.commit(&Batch { progress: Some(p), ..Batch::default() }).unwrap();
        // The next step's header change is lost with the process, its progress never written.
        s.apply(&ChainUpdate { keep_up_to: Some(1), connect: vec![] }).unwrap();
        assert_eq!(s.tip().unwrap(), Some(a[1]));
    }
    let s = SqliteStore::open(&path, Network::Regtest).unwrap();
    assert_eq!(s.load().unwrap().progress, Some(Progress { height: 2, hash: a[2].hash }));
    assert_eq!(s.tip().unwrap(), Some(a[2]));
}

fn sqlite_error(e: StoreError) -> SqliteStoreError {
    match e.0.downcast::<SqliteStoreError>() {
        Ok(e) => *e,
        Err(other) => panic!("not a SqliteStoreError: {other}"),
    }
}

fn raw(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let dir = TempDir::new("newer");
    let path = dir.file("n.db");
    let mut s = SqliteStore::open(&path, Network::Testnet).unwrap();
    s.apply(&ChainUpdate { keep_up_to: None, connect: chain(None, 0, 3, 0) }).unwrap();
    s.commit(&Batch::default()).unwrap();
    drop(s);
    let next = schema::MIGRATIONS.len() + 1;
    raw(&path).execute_batch(&format!("PRAGMA user_version = {next}")).unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = sqlite_error(SqliteStore::open(&path, Network::Testnet).unwrap_err());
    assert!(
        matches!(err, SqliteStoreError::NewerSchema { found, known } if found as usize == next && known as usize == next - 1),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn another_network_is_refused_and_left_untouched() {
    let dir = TempDir::new("network");
    let path = dir.file("w.db");
    drop(SqliteStore::open(&path, Network::Testnet).unwrap());
    let before = std::fs::read(&path).unwrap();
    let err = sqlite_error(SqliteStore::open(&path, Network::Mainnet).unwrap_err());
    assert!(
        matches!(&err, SqliteStoreError::WrongNetwork { expected: Network::Mainnet, found } if found == "testnet"),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(SqliteStore::open(&path, Network::Testnet).is_ok());
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_untouched() {
    let dir = TempDir::new("garbage");
    let path = dir.file("g.db");
    let garbage: Vec<u8> = (0..5000u32).map(|i| (i * 7 + 3) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let err = sqlite_error(SqliteStore::open(&path, Network::Mainnet).unwrap_err());
    assert!(matches!(err, SqliteStoreError::NotADatabase(ref p) if p == &path), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

#[test]
fn another_applications_database_is_refused_and_left_untouched() {
    let dir = TempDir::new("foreign");
    let path = dir.file("f.db");
    raw(&path)
        .execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('x');")
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = sqlite_error(SqliteStore::open(&path, Network::Mainnet).unwrap_err());
    assert!(matches!(err, SqliteStoreError::ForeignDatabase(_)), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn open_creates_missing_directories_and_accepts_an_empty_file() {
    let dir = TempDir::new("create");
    let path = dir.file("a/b/store.db");
    let s = SqliteStore::open(&path, Network::Devnet).unwrap();
    assert!(path.exists());
    assert_eq!((s.network(), s.path()), (Network::Devnet, path.as_path()));
    let mode: String = s.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(schema::user_version(&s.conn).unwrap() as usize, schema::MIGRATIONS.len());
    // An empty file is a database at version 0: migrated.
    let empty = dir.file("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let s = SqliteStore::open(&empty, Network::Devnet).unwrap();
    assert_eq!(schema::user_version(&s.conn).unwrap() as usize, schema::MIGRATIONS.len());
}

#[test]
fn migrations_run_in_order_in_one_transaction() {
    let dir = TempDir::new("migrate");
    let path = dir.file("m.db");
    let mut s = SqliteStore::open_with(&path, Network::Regtest, &schema::MIGRATIONS[..1]).unwrap();
    s.apply(&ChainUpdate { keep_up_to: None, connect: chain(None, 0, 4, 0) }).unwrap();
    s.commit(&Batch::default()).unwrap();
    drop(s);
    // A failing second migration leaves the file at version 1, without its first statement.
    let failing = [schema::MIGRATIONS[0], "CREATE TABLE v2 (x); INSERT INTO missing VALUES (1);"];
    assert!(SqliteStore::open_with(&path, Network::Regtest, &failing).is_err());
    let c = raw(&path);
    assert_eq!(schema::user_version(&c).unwrap(), 1);
    let v2: i64 = c
        .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'v2'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v2, 0);
    drop(c);
    // A working one runs once, keeps the data, and is not repeated on the next open.
    let working = [schema::MIGRATIONS[0], "CREATE TABLE v2 (x); INSERT INTO v2 VALUES (1);"];
    let s = SqliteStore::open_with(&path, Network::Regtest, &working).unwrap();
    assert_eq!(schema::user_version(&s.conn).unwrap(), 2);
    assert_eq!(s.header_count().unwrap(), 4);
    drop(s);
    let s = SqliteStore::open_with(&path, Network::Regtest, &working).unwrap();
    let rows: i64 = s.conn.query_row("SELECT count(*) FROM v2", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 1);
    drop(s);
    // Code that knows only version 1.
    let only_v1 = &schema::MIGRATIONS[..1];
    let err = SqliteStore::open_with(&path, Network::Regtest, only_v1).unwrap_err();
    assert!(matches!(err, SqliteStoreError::NewerSchema { found: 2, known: 1 }), "{err}");
    // A fresh file runs every migration in one go.
    let fresh = SqliteStore::open_with(&dir.file("fresh.db"), Network::Regtest, &working).unwrap();
    assert_eq!(schema::user_version(&fresh.conn).unwrap(), 2);
}

#[test]
fn damaged_values_are_errors_not_panics() {
    let dir = TempDir::new("damaged");
    let path = dir.file("d.db");
    let mut s = SqliteStore::open(&path, Network::Mainnet).unwrap();
    s.apply(&ChainUpdate { keep_up_to: None, connect: chain(None, 0, 3, 0) }).unwrap();
    s.commit(&full_batch()).unwrap();
    let damage: [(&str, &str); 8] = [
        ("UPDATE headers SET header = x'00' WHERE height = 1", "header"),
        ("UPDATE masternode_lists SET best_chainlock = x'01'", "masternode_lists"),
        ("UPDATE wallet_txs SET status = x'07'", "wallet_txs"),
        ("UPDATE wallet_txs SET tx = x'0100'", "wallet_txs"),
        ("UPDATE watch_accounts SET external_used = 4000000000", "watch_accounts"),
        ("UPDATE watch_addresses SET address = 'nope' WHERE rowid = (SELECT min(rowid) FROM watch_addresses)", "watch_addresses"),
        ("UPDATE filter SET filter = 42", "filter"),
        ("UPDATE gov_full_sync_times SET peer = '1.2.3'", "gov_full_sync_times"),
    ];
    for (sql, record) in damage {
        s.conn.execute_batch("BEGIN").unwrap();
        s.conn.execute_batch(sql).unwrap();
        let err = if record == "header" {
            s.get_by_height(1).unwrap_err()
        } else {
            s.load().unwrap_err()
        };
        let err = sqlite_error(err);
        assert!(
            matches!(err, SqliteStoreError::Corrupt { record: r, .. } if r == record),
            "{sql}: {err}"
        );
        s.conn.execute_batch("ROLLBACK").unwrap();
    }
    assert!(s.load().is_ok());
    assert!(s.get_by_height(1).unwrap().is_some());
}

#[test]
fn lists_stored_before_version_4_load_with_no_best_chainlock_state() {
    let dir = TempDir::new("v3lists");
    let path = dir.file("v3.db");
    let mut m = crate::masternode::codec_sample(12, 2);
    {
        let mut s =
            SqliteStore::open_with(&path, Network::Regtest, &schema::MIGRATIONS[..3]).unwrap();
        s.conn
            .execute(
                "INSERT INTO masternode_lists (block_hash, height, list) VALUES (?1, ?2, ?3)",
                rusqlite::params![&m.list.block_hash.as_bytes()[..], m.height, m.to_bytes()],
            )
            .unwrap();
        s.commit(&Batch::default()).unwrap();
    }
    let mut s = SqliteStore::open(&path, Network::Regtest).unwrap();
    assert_eq!(schema::user_version(&s.conn).unwrap(), 4);
    assert_eq!(s.load().unwrap().masternode_lists, [m.clone()]);
    // Written again with a state, the same row carries it.
    m.best_chainlock = Some(crate::masternode::PreviousBestChainLock {
        height: 12,
        block_hash: m.list.block_hash,
        locked: None,
    });
    s.commit(&Batch { masternode_lists: vec![m.clone()], ..Batch::default() }).unwrap();
    drop(s);
    let loaded = SqliteStore::open(&path, Network::Regtest).unwrap().load().unwrap();
    assert_eq!(loaded.masternode_lists, [m]);
}
