//! SQLite store benchmarks: `cargo bench -p dashlite --bench store`.
//!
//! * `sqlite_headers/apply_2000_and_commit`: one sync step of a headers sync, a 2,000-header
//!   [`ChainUpdate`] continuing the chain plus its commit, on a file store that keeps growing
//!   over the run (throughput in headers).
//! * `sqlite_commit/typical_batch`: one commit of a step's records without headers (progress,
//!   the watch list with one account, two wallet transactions, the filter).
//!
//! `DASHLITE_BENCH_FILL=2500000 cargo bench -p dashlite --bench store` first fills a fresh
//! file with that many headers (2,000 per step, one commit each) and prints the time, the
//! rate, the file size and the peak resident memory.

use std::path::PathBuf;
use std::time::Instant;

use criterion::{black_box, BatchSize, Criterion, Throughput};
use dashlite::chain::{ChainUpdate, HeaderStore, StoredHeader, U256};
use dashlite::hash::{sha256d, BlockHash, Txid};
use dashlite::store::{Batch, Progress, SqliteStore, Store};
use dashlite::tx::{OutPoint, Script, Transaction, TxIn, TxOut};
use dashlite::wallet::{
    Address, BlockRef, ExtendedPubKey, GapLimits, OwnedOutput, Owner, TxStatus, WalletTx, WatchList,
};
use dashlite::wire::{BlockHeader, FilterLoad};
use dashlite::Network;

/// Headers per step (a `headers` message).
const STEP: u32 = 2000;
const ACCOUNT_XPUB: &str = "xpub6DRhaBX1cn2rRtbpphQTSLYcR3ABXzQeEYoT44MjbwTanhw1ePtNcYTZNeHyrJMsMGTbig4iFMSvht7RviohzFxkpjURgHDThygLqbZ1tib";

/// A fresh directory for one benchmark, removed at the end.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("dashlite-bench-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Makes linked headers with hashes spread like real ones (SHA256d of the height).
struct Chain {
    tip: Option<StoredHeader>,
    next: u32,
}

impl Chain {
    fn step(&mut self, n: u32) -> ChainUpdate {
        let mut connect = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let height = self.next;
            let header = BlockHeader {
                version: 0x2000_0000,
                prev_blockhash: self.tip.map(|t| t.hash).unwrap_or_default(),
                merkle_root: Default::default(),
                time: 1_400_000_000 + height * 150,
                bits: 0x1b0f_ffff,
                nonce: height,
            };
            let hash = BlockHash::from_byte_array(sha256d(&height.to_le_bytes()));
            let work = U256::from_u64(u64::from(height) << 20);
            let s = StoredHeader { header, hash, height, chain_work: work };
            connect.push(s);
            self.tip = Some(s);
            self.next += 1;
        }
        ChainUpdate { keep_up_to: None, connect }
    }
}

fn header_steps(c: &mut Criterion) {
    let dir = Dir::new("headers");
    let mut store = SqliteStore::open(dir.0.join("h.db"), Network::Mainnet).unwrap();
    let mut chain = Chain { tip: None, next: 0 };
    let mut g = c.benchmark_group("sqlite_headers");
    g.throughput(Throughput::Elements(u64::from(STEP)));
    g.bench_function("apply_2000_and_commit", |b| {
        b.iter_batched(
            || chain.step(STEP),
            |update| {
                store.apply(&update).unwrap();
                store.commit(&Batch::default()).unwrap();
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
    eprintln!("sqlite_headers: store held {} headers at the end", store.header_count().unwrap());
}

fn transaction(tag: u8) -> Transaction {
    Transaction {
        version: 2,
        tx_type: 0,
        inputs: vec![TxIn {
            previous_output: OutPoint::new(Txid::from_byte_array([tag; 32]), 0),
            script_sig: Script::new(vec![0x47; 107]),
            sequence: u32::MAX,
        }],
        outputs: (0..2)
            .map(|i| TxOut {
                value: 100_000 * (i + 1),
                script_pubkey: Address::p2pkh([tag ^ i as u8; 20], Network::Mainnet)
                    .script_pubkey(),
            })
            .collect(),
        lock_time: 0,
        extra_payload: None,
    }
}

fn typical_batch() -> Batch {
    let mut watch = WatchList::new(Network::Mainnet);
    let xpub = ExtendedPubKey::parse(ACCOUNT_XPUB, Network::Mainnet).unwrap();
    watch.add_account(xpub, GapLimits::default()).unwrap();
    for i in 0..5u8 {
        watch.add_address(Address::p2pkh([i; 20], Network::Mainnet)).unwrap();
    }
    let hash = BlockHash::from_byte_array([9; 32]);
    let wallet_txs = (1..=2u8)
        .map(|tag| {
            let tx = transaction(tag);
            let owner = Owner::Address(Address::p2pkh([tag; 20], Network::Mainnet));
            WalletTx {
                txid: tx.txid(),
                tx,
                status: TxStatus::Confirmed(BlockRef { height: 1000, hash, time: Some(5) }),
                seen: u64::from(tag),
                owned_outputs: vec![OwnedOutput { vout: 0, value: 100_000, owner }],
                spent_watched: Vec::new(),
                unconfirmed_since: 0,
            }
        })
        .collect();
    Batch {
        watch: Some(watch),
        wallet_txs,
        progress: Some(Progress { height: 1000, hash }),
        filter: Some(FilterLoad { data: vec![0x5a; 4096], hash_funcs: 11, tweak: 7, flags: 2 }),
        ..Batch::default()
    }
}

fn batch_commit(c: &mut Criterion) {
    let dir = Dir::new("batch");
    let mut store = SqliteStore::open(dir.0.join("b.db"), Network::Mainnet).unwrap();
    let batch = typical_batch();
    let mut g = c.benchmark_group("sqlite_commit");
    g.bench_function("typical_batch", |b| b.iter(|| store.commit(black_box(&batch)).unwrap()));
    g.finish();
}

/// Peak resident memory of the process (Linux), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn fill(total: u32) {
    let dir = Dir::new("fill");
    let path = dir.0.join("fill.db");
    let mut store = SqliteStore::open(&path, Network::Mainnet).unwrap();
    let mut chain = Chain { tip: None, next: 0 };
    let start = Instant::now();
    let mut last = Instant::now();
    while chain.next < total {
        let update = chain.step(STEP.min(total - chain.next));
        store.apply(&update).unwrap();
        store.commit(&Batch::default()).unwrap();
        if chain.next % 500_000 == 0 {
            let secs = last.elapsed().as_secs_f64();
            eprintln!(
                "fill: {} headers, last 500k at {:.0} headers/s",
                chain.next,
                500_000.0 / secs
            );
            last = Instant::now();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let size: u64 = ["fill.db", "fill.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.0.join(f)).ok())
        .map(|m| m.len())
        .sum();
    eprintln!(
        "fill: {total} headers in {secs:.1} s = {:.0} headers/s; file {:.1} MiB; peak RSS {} KiB",
        f64::from(total) / secs,
        size as f64 / (1 << 20) as f64,
        peak_rss_kib().map_or("?".into(), |k| k.to_string())
    );
    let t = Instant::now();
    let tip = store.tip().unwrap().unwrap();
    let mid = store.get_by_hash(&BlockHash::from_byte_array(sha256d(&(total / 2).to_le_bytes())));
    assert_eq!(tip.height, total - 1);
    assert_eq!(mid.unwrap().unwrap().height, total / 2);
    eprintln!("fill: tip + lookup by hash {:?}", t.elapsed());
}

fn main() {
    if let Some(n) = std::env::var("DASHLITE_BENCH_FILL").ok().and_then(|v| v.parse().ok()) {
        fill(n);
    }
    let mut c = Criterion::default().configure_from_args();
    header_steps(&mut c);
    batch_commit(&mut c);
    c.final_summary();
}
