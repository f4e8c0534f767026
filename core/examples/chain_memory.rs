//! Memory and speed of the header tree over a long chain:
//!
//! ```text
//! cargo run --release -p dashlite --example chain_memory -- [COUNT] [--store file|memory] [--threads N]
//! ```
//!
//! Builds (once; cached under `target/chain_memory/`) a regtest chain of COUNT headers
//! (default 2,500,000) from the real regtest genesis, mined with X11 at regtest's 0x207fffff
//! (about two tries per header, 150 s apart), then feeds it in batches of 2,000 through a
//! [`HeaderTree`] with every rule checked, hashing each batch in parallel, and prints
//! headers per second and the process's resident memory (VmRSS, and the peak VmHWM from
//! `/proc/self/status`) as it goes.
//!
//! `--store file` (the default) keeps the best chain in a file of fixed-size records, so the
//! resident memory is the tree's own (its window of recent headers) plus one batch;
//! `--store memory` uses [`MemoryHeaderStore`], whose own memory grows with the chain.

use dashlite::chain::{
    check_proof_of_work, hash_headers_parallel, trusted_headers, ChainUpdate, HeaderStore,
    HeaderTree, MemoryHeaderStore, StoreError, StoredHeader, TreeConfig, U256,
};
use dashlite::hash::BlockHash;
use dashlite::wire::BlockHeader;
use dashlite::Network;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const BATCH: usize = 2000;
const SPACING: u32 = 150;
const REGTEST_BITS: u32 = 0x207f_ffff;

fn main() {
    let mut count = 2_500_000usize;
    let mut store_kind = "file".to_owned();
    let mut threads = 2usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--store" => store_kind = args.next().expect("--store file|memory"),
            "--threads" => threads = args.next().and_then(|t| t.parse().ok()).expect("--threads N"),
            n => count = n.replace('_', "").parse().expect("COUNT"),
        }
    }
    let dir = target_dir().join("chain_memory");
    std::fs::create_dir_all(&dir).expect("create target/chain_memory");
    let chain = dir.join(format!("regtest-{count}.bin"));
    if !chain.exists() {
        build_chain(&chain, count);
    }
    println!("chain: {} ({count} headers after genesis)", chain.display());
    println!("before feeding: {}", memory());
    match store_kind.as_str() {
        "file" => {
            let path = dir.join("store.bin");
            feed(&chain, FileStore::create(&path).expect("store file"), threads);
        }
        "memory" => feed(&chain, MemoryHeaderStore::new(), threads),
        other => panic!("unknown store {other}"),
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// Mines `count` headers on the regtest genesis and writes them, 80 bytes each.
fn build_chain(path: &Path, count: usize) {
    let start = Instant::now();
    let genesis = Network::Regtest.params().genesis_header();
    let pow = &Network::Regtest.params().pow;
    let tmp = path.with_extension("partial");
    let mut out = BufWriter::new(File::create(&tmp).expect("create chain file"));
    let (mut prev, mut time) = (genesis.block_hash(), genesis.time);
    let mut tries = 0u64;
    for i in 0..count {
        time += SPACING;
        let mut h = BlockHeader {
            version: 4,
            prev_blockhash: prev,
            merkle_root: dashlite::hash::Hash256::from_byte_array([(i % 251) as u8; 32]),
            time,
            bits: REGTEST_BITS,
            nonce: 0,
        };
        loop {
            tries += 1;
            let hash = h.block_hash();
            if check_proof_of_work(&hash, REGTEST_BITS, pow, None).is_ok() {
                prev = hash;
                break;
            }
            h.nonce += 1;
        }
        out.write_all(&h.to_array()).expect("write chain");
        if (i + 1) % 500_000 == 0 {
            eprintln!("  mined {} headers in {:.0?}", i + 1, start.elapsed());
        }
    }
    out.flush().expect("flush chain");
    drop(out);
    std::fs::rename(&tmp, path).expect("rename chain file");
    println!(
        "built {count} headers with {tries} X11 tries ({:.2} per header) in {:.1?}",
        tries as f64 / count as f64,
        start.elapsed()
    );
}

fn feed<S: HeaderStore>(chain: &Path, store: S, threads: usize) {
    let params = Network::Regtest.params();
    let genesis = params.genesis_header();
    let trusted = trusted_headers(0, U256::ZERO, &[(genesis, genesis.block_hash())]);
    let mut tree = HeaderTree::new(params, TreeConfig::for_network(params), store, &trusted)
        .expect("open tree");
    let mut reader = BufReader::new(File::open(chain).expect("open chain"));
    let mut buf = vec![0u8; BATCH * 80];
    let mut headers = Vec::with_capacity(BATCH);
    let now = u64::from(u32::MAX);
    let (mut hashing, mut checking) = (Duration::ZERO, Duration::ZERO);
    let start = Instant::now();
    let mut done = 0usize;
    let mut next_report = 250_000;
    loop {
        let n = read_full(&mut reader, &mut buf);
        if n == 0 {
            break;
        }
        headers.clear();
        headers.extend(
            buf[..n].chunks_exact(80).map(|c| BlockHeader::from_array(c.try_into().unwrap())),
        );
        let t0 = Instant::now();
        let hashed = hash_headers_parallel(&headers, threads);
        let t1 = Instant::now();
        let out = tree.accept_hashed(&hashed, now);
        checking += t1.elapsed();
        hashing += t1 - t0;
        assert!(out.error.is_none(), "height {}: {:?}", done + out.accepted + 1, out.error);
        done += headers.len();
        if done >= next_report {
            println!(
                "  {done:>9} headers  {:>8.0} headers/s  in memory {:>4}  {}",
                done as f64 / start.elapsed().as_secs_f64(),
                tree.in_memory(),
                memory()
            );
            next_report += 250_000;
        }
    }
    let total = start.elapsed();
    let tip = tree.tip();
    println!("tip: height {} hash {} chain work {}", tip.height, tip.hash, tip.chain_work);
    println!(
        "{done} headers in {total:.1?}: {:.0} headers/s with X11 on {threads} thread(s); \
         X11 {:.2} µs/header (wall), the rest of validation {:.2} µs/header",
        done as f64 / total.as_secs_f64(),
        hashing.as_secs_f64() * 1e6 / done as f64,
        checking.as_secs_f64() * 1e6 / done as f64
    );
    println!("after feeding: {}", memory());
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]).expect("read chain") {
            0 => break,
            k => n += k,
        }
    }
    n - n % 80
}

/// VmRSS and VmHWM of this process.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| format!("{:.1} MiB", kb as f64 / 1024.0))
            .unwrap_or_else(|| "?".into())
    };
    format!("VmRSS {} VmHWM {}", field("VmRSS:"), field("VmHWM:"))
}

/// A best-chain store in a file of fixed 148-byte records (header, hash, chain work), record
/// `i` at height `base + i`. Only the tip is kept in memory. Lookup by hash scans the file
/// from the top (the tree asks for it only for headers outside its window). Not crash-safe:
/// a benchmark stand-in for the SQLite store.
struct FileStore {
    file: File,
    base: u32,
    len: u32,
    tip: Option<StoredHeader>,
}

const RECORD: usize = 80 + 32 + 32;

impl FileStore {
    fn create(path: &Path) -> std::io::Result<FileStore> {
        let file =
            OpenOptions::new().read(true).write(true).create(true).truncate(true).open(path)?;
        Ok(FileStore { file, base: 0, len: 0, tip: None })
    }

    fn read(&self, height: u32) -> std::io::Result<Option<StoredHeader>> {
        let Some(i) = height.checked_sub(self.base).filter(|&i| i < self.len) else {
            return Ok(None);
        };
        let mut rec = [0u8; RECORD];
        self.file.read_exact_at(&mut rec, u64::from(i) * RECORD as u64)?;
        Ok(Some(decode(&rec, height)))
    }
}

fn encode(s: &StoredHeader, rec: &mut Vec<u8>) {
    rec.extend_from_slice(&s.header.to_array());
    rec.extend_from_slice(s.hash.as_bytes());
    rec.extend_from_slice(&s.chain_work.to_le_bytes());
}

fn decode(rec: &[u8; RECORD], height: u32) -> StoredHeader {
    StoredHeader {
        header: BlockHeader::from_array(rec[..80].try_into().unwrap()),
        hash: BlockHash::from_byte_array(rec[80..112].try_into().unwrap()),
        height,
        chain_work: U256::from_le_bytes(rec[112..].try_into().unwrap()),
    }
}

impl HeaderStore for FileStore {
    fn tip(&self) -> Result<Option<StoredHeader>, StoreError> {
        Ok(self.tip)
    }

    fn get_by_height(&self, height: u32) -> Result<Option<StoredHeader>, StoreError> {
        self.read(height).map_err(StoreError::new)
    }

    fn get_by_hash(&self, hash: &BlockHash) -> Result<Option<StoredHeader>, StoreError> {
        for i in (0..self.len).rev() {
            if let Some(s) = self.read(self.base + i).map_err(StoreError::new)? {
                if s.hash == *hash {
                    return Ok(Some(s));
                }
            }
        }
        Ok(None)
    }

    fn apply(&mut self, update: &ChainUpdate) -> Result<(), StoreError> {
        if self.len == 0 {
            if let Some(first) = update.connect.first() {
                self.base = first.height;
            }
        }
        if let Some(keep) = update.keep_up_to {
            self.len = (keep + 1).saturating_sub(self.base).min(self.len);
        }
        let mut bytes = Vec::with_capacity(update.connect.len() * RECORD);
        for s in &update.connect {
            encode(s, &mut bytes);
        }
        let at = u64::from(self.len) * RECORD as u64;
        self.file.seek(SeekFrom::Start(at)).map_err(StoreError::new)?;
        self.file.write_all(&bytes).map_err(StoreError::new)?;
        self.len += update.connect.len() as u32;
        self.tip = match update.connect.last() {
            Some(s) => Some(*s),
            None => self.read(self.base + self.len - 1).map_err(StoreError::new)?,
        };
        Ok(())
    }

    fn restart(&mut self, start: StoredHeader) -> Result<(), StoreError> {
        self.len = 0;
        self.tip = None;
        self.apply(&ChainUpdate { keep_up_to: None, connect: vec![start] })
    }
}
