//! Header-chain validation benchmarks: `cargo bench -p dashlite --bench chain`.
//!
//! Full validation (X11, proof of work, links, DarkGravityWave, median time, version, chain
//! work, store writes) of the 5,000 real mainnet headers in `shared/data/headers/`, from a
//! trusted window of the first 24: hashing on one thread and on two side by side, plus the
//! tree alone on headers whose hashes are already known (the `headers2` path).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use dashlite::chain::{
    hash_headers_parallel, trusted_headers, HeaderTree, MemoryHeaderStore, TreeConfig, U256,
};
use dashlite::wire::{BlockHeader, HashedHeader};
use dashlite::Network;

const FILE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/headers/mainnet-1737084.bin");
const FIRST_HEIGHT: u32 = 1_737_084;
/// Headers per `headers` message from a peer.
const BATCH: usize = 2000;

fn load() -> Vec<BlockHeader> {
    let raw = std::fs::read(FILE).unwrap_or_else(|e| panic!("shared data missing: {FILE}: {e}"));
    raw.chunks_exact(80).map(|c| BlockHeader::from_array(c.try_into().unwrap())).collect()
}

fn tree(trusted: &[HashedHeader]) -> HeaderTree<MemoryHeaderStore> {
    let params = Network::Mainnet.params();
    let pairs: Vec<_> = trusted.iter().map(|h| (h.header, h.hash)).collect();
    let start = trusted_headers(FIRST_HEIGHT, U256::ZERO, &pairs);
    HeaderTree::new(params, TreeConfig::for_network(params), MemoryHeaderStore::new(), &start)
        .unwrap()
}

fn mainnet_validation(c: &mut Criterion) {
    let headers = load();
    let hashed = hash_headers_parallel(&headers, 2);
    let (trusted, rest) = hashed.split_at(24);
    let raw = &headers[24..];
    let now = u64::from(headers.last().unwrap().time);
    let mut g = c.benchmark_group("mainnet_5000_headers");
    g.throughput(Throughput::Elements(raw.len() as u64));
    g.sample_size(10);
    for threads in [1, 2] {
        g.bench_function(format!("full_validation_{threads}_thread"), |b| {
            b.iter_batched(
                || tree(trusted),
                |mut t| {
                    for batch in raw.chunks(BATCH) {
                        let out = t.accept_raw_headers_on(batch, threads, now);
                        assert!(out.error.is_none());
                    }
                    black_box(t.tip().hash)
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.bench_function("tree_only_hashes_known", |b| {
        b.iter_batched(
            || tree(trusted),
            |mut t| {
                for batch in rest.chunks(BATCH) {
                    assert!(t.accept_hashed(batch, now).error.is_none());
                }
                black_box(t.tip().hash)
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("x11_only_1_thread", |b| {
        b.iter(|| black_box(hash_headers_parallel(black_box(raw), 1).len()))
    });
    g.finish();
}

criterion_group!(benches, mainnet_validation);
criterion_main!(benches);
