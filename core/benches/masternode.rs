//! Masternode-list and BLS benchmarks: `cargo bench -p dashlite --bench masternode`.
//!
//! With `MNLIST_APPLY_ONCE=1` the binary instead decodes and verifies the full mainnet list
//! from genesis (the 0 → 2,227,096 diff) once and exits, so that `/usr/bin/time -v` of the
//! bench binary gives the time and peak memory of that one step.

use criterion::{black_box, criterion_group, Criterion, Throughput};
use dashlite::masternode::bls::{PublicKey, Signature};
use dashlite::masternode::{commitment_bls, verify_diff, MasternodeList};
use dashlite::wire::MnListDiff;
use dashlite::Network;

const PROTOCOL: u32 = 70240;

fn shared(name: &str) -> Vec<u8> {
    let path = format!("{}/../../shared/vectors/masternode/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("shared test vectors missing: {path}: {e}"))
}

fn genesis() -> MasternodeList {
    MasternodeList::genesis(Network::Mainnet.params().genesis_header().block_hash())
}

fn full_list(raw: &[u8]) -> MasternodeList {
    let diff = MnListDiff::decode_versioned(raw, PROTOCOL).expect("decodes");
    verify_diff(&genesis(), &diff, None).expect("verifies").list
}

fn apply(c: &mut Criterion) {
    let full = shared("mnlistdiff-mainnet-0-2227096.bin");
    let step = shared("mnlistdiff-mainnet-2227096-2241332.bin");
    let base = full_list(&full);
    let mut g = c.benchmark_group("mnlistdiff");
    g.sample_size(20);
    g.bench_function("decode_full_mainnet_0_2227096", |b| {
        b.iter(|| MnListDiff::decode_versioned(black_box(&full), PROTOCOL).unwrap())
    });
    g.bench_function("decode_and_verify_full_mainnet_0_2227096", |b| {
        b.iter(|| full_list(black_box(&full)))
    });
    g.bench_function("decode_and_verify_14236_blocks_2227096_2241332", |b| {
        b.iter(|| {
            let diff = MnListDiff::decode_versioned(black_box(&step), PROTOCOL).unwrap();
            verify_diff(&base, &diff, None).unwrap()
        })
    });
    g.finish();
}

fn bls(c: &mut Criterion) {
    let diff = MnListDiff::decode_versioned(&shared("mnlistdiff-mainnet-0-2227096.bin"), PROTOCOL)
        .expect("decodes");
    let mut g = c.benchmark_group("bls_verify");
    g.throughput(Throughput::Elements(1));
    for (name, legacy) in [("basic_quorum_sig", false), ("legacy_quorum_sig", true)] {
        let q = diff.new_quorums.iter().find(|q| q.is_legacy_bls() == legacy).expect("quorum");
        let (encoding, scheme) = commitment_bls(q);
        let key = PublicKey::from_bytes(&q.quorum_public_key, encoding).unwrap();
        let sig = Signature::from_bytes(&q.quorum_sig, encoding).unwrap();
        let msg = q.commitment_hash().to_byte_array();
        assert!(sig.verify(&key, &msg, scheme));
        g.bench_function(name, |b| b.iter(|| sig.verify(&key, black_box(&msg), scheme)));
        g.bench_function(format!("{name}_with_decoding"), |b| {
            b.iter(|| {
                let key = PublicKey::from_bytes(black_box(&q.quorum_public_key), encoding).unwrap();
                let sig = Signature::from_bytes(black_box(&q.quorum_sig), encoding).unwrap();
                sig.verify(&key, &msg, scheme)
            })
        });
    }
    let q = &diff.new_quorums[0];
    g.bench_function("decode_signature_subgroup_check", |b| {
        b.iter(|| Signature::from_bytes(black_box(&q.quorum_sig), commitment_bls(q).0).unwrap())
    });
    g.finish();
}

criterion_group!(benches, apply, bls);

fn main() {
    if std::env::var_os("MNLIST_APPLY_ONCE").is_some() {
        let list = full_list(&shared("mnlistdiff-mainnet-0-2227096.bin"));
        println!("{} masternodes, {} quorums", list.entries.len(), list.quorums.len());
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
