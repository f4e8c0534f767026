//! Bloom filter benchmarks:
//! `cargo bench -p dashlite --bench bloom -- --warm-up-time 1 --measurement-time 3`.
//!
//! * insert / contains per element (20-byte hash160s and 36-byte outpoints);
//! * `is_relevant_and_update` over 10,000 generated transactions (P2PKH, P2SH, bare multisig,
//!   CoinJoin-shaped, ProRegTx, ProUpServTx, coinbase with CbTx, AssetLock), reported as
//!   transactions per second;
//! * the `murmur3` crate against the hand-written `murmur3_32`.

use std::io::Cursor;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dashlite::bloom::{murmur3_32, BloomFilter, BLOOM_UPDATE_ALL};
use dashlite::encode::{Decode, Encode};
use dashlite::hash::{hash160, Hash256, Txid};
use dashlite::tx::{
    tx_type, AssetLockPayload, CoinbasePayload, NetInfo, OutPoint, ProRegTx, ProUpServTx, Script,
    Transaction, TxIn, TxOut, MN_TYPE_REGULAR,
};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

fn bytes<const N: usize>(rng: &mut StdRng) -> [u8; N] {
    let mut b = [0u8; N];
    rng.fill_bytes(&mut b);
    b
}

fn pubkey(rng: &mut StdRng) -> [u8; 33] {
    let mut k = bytes::<33>(rng);
    k[0] = 2;
    k
}

fn p2pkh(rng: &mut StdRng) -> Script {
    Script::new([&[0x76, 0xa9, 0x14][..], &bytes::<20>(rng), &[0x88, 0xac]].concat())
}

fn p2sh(rng: &mut StdRng) -> Script {
    Script::new([&[0xa9, 0x14][..], &bytes::<20>(rng), &[0x87]].concat())
}

fn multisig(rng: &mut StdRng) -> Script {
    let (a, b, c) = (pubkey(rng), pubkey(rng), pubkey(rng));
    Script::new([&[0x52, 33][..], &a, &[33], &b, &[33], &c, &[0x53, 0xae]].concat())
}

fn input(rng: &mut StdRng) -> TxIn {
    let sig = bytes::<71>(rng);
    let key = pubkey(rng);
    TxIn {
        previous_output: OutPoint::new(Txid::from_byte_array(bytes(rng)), rng.random_range(0..4)),
        script_sig: Script::new([&[71u8][..], &sig, &[33], &key].concat()),
        sequence: u32::MAX,
    }
}

fn tx(rng: &mut StdRng, ins: usize, outs: Vec<Script>) -> Transaction {
    Transaction {
        version: 2,
        tx_type: 0,
        inputs: (0..ins).map(|_| input(rng)).collect(),
        outputs: outs.into_iter().map(|script_pubkey| TxOut { value: 1, script_pubkey }).collect(),
        lock_time: 0,
        extra_payload: None,
    }
}

fn special(mut t: Transaction, ty: u16, payload: Vec<u8>) -> Transaction {
    t.version = 3;
    t.tx_type = ty;
    t.extra_payload = Some(payload);
    t
}

/// A realistic mix, round-tripped through the wire format.
fn transactions(n: usize) -> Vec<Transaction> {
    let mut rng = StdRng::seed_from_u64(1);
    (0..n)
        .map(|_| {
            let r = rng.random_range(0..100);
            let t = match r {
                0..=49 => {
                    let outs = vec![p2pkh(&mut rng), p2pkh(&mut rng)];
                    tx(&mut rng, 2, outs)
                }
                50..=64 => {
                    let outs = vec![p2sh(&mut rng), p2pkh(&mut rng)];
                    tx(&mut rng, 1, outs)
                }
                65..=72 => {
                    let outs = vec![multisig(&mut rng), p2pkh(&mut rng)];
                    tx(&mut rng, 1, outs)
                }
                73..=84 => {
                    // CoinJoin-shaped: many inputs and denominated outputs.
                    let outs = (0..8).map(|_| p2pkh(&mut rng)).collect();
                    tx(&mut rng, 8, outs)
                }
                85..=88 => {
                    let outs = vec![p2pkh(&mut rng)];
                    let base = tx(&mut rng, 1, outs);
                    let p = ProRegTx {
                        version: 2,
                        mn_type: MN_TYPE_REGULAR,
                        mode: 0,
                        collateral_outpoint: OutPoint::new(
                            Txid::from_byte_array(bytes(&mut rng)),
                            0,
                        ),
                        net_info: NetInfo::EMPTY_LEGACY,
                        key_id_owner: bytes(&mut rng),
                        pubkey_operator: [0; 48],
                        key_id_voting: bytes(&mut rng),
                        operator_reward: 0,
                        script_payout: p2pkh(&mut rng),
                        inputs_hash: Hash256::ZERO,
                        platform_node_id: [0; 20],
                        platform_p2p_port: 0,
                        platform_http_port: 0,
                        signature: vec![0; 65],
                    };
                    special(base, tx_type::PROVIDER_REGISTER, p.to_bytes())
                }
                89..=92 => {
                    let base = tx(&mut rng, 1, vec![]);
                    let p = ProUpServTx {
                        version: 2,
                        mn_type: MN_TYPE_REGULAR,
                        pro_tx_hash: Txid::from_byte_array(bytes(&mut rng)),
                        net_info: NetInfo::EMPTY_LEGACY,
                        script_operator_payout: Script::default(),
                        inputs_hash: Hash256::ZERO,
                        platform_node_id: [0; 20],
                        platform_p2p_port: 0,
                        platform_http_port: 0,
                        signature: [0; 96],
                    };
                    special(base, tx_type::PROVIDER_UPDATE_SERVICE, p.to_bytes())
                }
                93..=96 => {
                    let outs = vec![p2pkh(&mut rng), p2pkh(&mut rng)];
                    let mut base = tx(&mut rng, 1, outs);
                    base.inputs[0].previous_output = OutPoint::new(Txid::ZERO, u32::MAX);
                    let p = CoinbasePayload {
                        version: 3,
                        height: 2_000_000,
                        merkle_root_mn_list: Hash256::ZERO,
                        merkle_root_quorums: Hash256::ZERO,
                        best_cl_height_diff: 0,
                        best_cl_signature: [0; 96],
                        credit_pool_balance: 0,
                    };
                    special(base, tx_type::COINBASE, p.to_bytes())
                }
                _ => {
                    let outs = vec![Script::new(vec![0x6a, 0])];
                    let base = tx(&mut rng, 1, outs);
                    let credit_outputs = vec![TxOut { value: 1, script_pubkey: p2pkh(&mut rng) }];
                    let p = AssetLockPayload { version: 1, credit_outputs };
                    special(base, tx_type::ASSET_LOCK, p.to_bytes())
                }
            };
            Transaction::from_bytes(&t.to_bytes()).expect("generated tx decodes")
        })
        .collect()
}

fn elements(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(2);
    let hashes: Vec<[u8; 20]> = (0..1024).map(|_| bytes(&mut rng)).collect();
    let outpoints: Vec<[u8; 36]> = (0..1024).map(|_| bytes(&mut rng)).collect();
    let mut g = c.benchmark_group("bloom_element");
    g.throughput(Throughput::Elements(1));
    // A wallet-sized filter: 1,000 elements at the default 0.05%.
    let mut filter = BloomFilter::new(1_000, 0.0005, 7, BLOOM_UPDATE_ALL).unwrap();
    for h in &hashes[..512] {
        filter.insert(h);
    }
    let mut i = 0usize;
    g.bench_function("insert_20", |b| {
        let mut f = filter.clone();
        b.iter(|| {
            i = (i + 1) & 1023;
            f.insert(black_box(&hashes[i]));
        })
    });
    g.bench_function("insert_36", |b| {
        let mut f = filter.clone();
        b.iter(|| {
            i = (i + 1) & 1023;
            f.insert(black_box(&outpoints[i]));
        })
    });
    g.bench_function("contains_20_hit", |b| {
        b.iter(|| {
            i = (i + 1) & 511;
            black_box(filter.contains(black_box(&hashes[i])))
        })
    });
    g.bench_function("contains_20_miss", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            black_box(filter.contains(black_box(&outpoints[i][..20])))
        })
    });
    g.bench_function("contains_36_miss", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            black_box(filter.contains(black_box(&outpoints[i])))
        })
    });
    g.finish();
}

fn relevance(c: &mut Criterion) {
    let txs = transactions(10_000);
    let mut rng = StdRng::seed_from_u64(3);
    let mut filter = BloomFilter::new(300, 0.0005, 11, BLOOM_UPDATE_ALL).unwrap();
    for _ in 0..200 {
        filter.insert(hash160(&pubkey(&mut rng)));
    }
    // Some of the mix is ours: outputs of every 100th transaction pay a watched key.
    let mut txs = txs;
    let watched = hash160(&[9; 33]);
    filter.insert(watched);
    for t in txs.iter_mut().step_by(100) {
        if let Some(o) = t.outputs.first_mut() {
            o.script_pubkey =
                Script::new([&[0x76, 0xa9, 0x14][..], &watched, &[0x88, 0xac]].concat());
        }
    }
    let mut g = c.benchmark_group("is_relevant_and_update");
    g.throughput(Throughput::Elements(txs.len() as u64));
    g.bench_function("10000_mixed_txs", |b| {
        b.iter(|| {
            let mut f = filter.clone();
            black_box(txs.iter().filter(|t| f.is_relevant_and_update(t)).count())
        })
    });
    g.finish();
}

fn murmur(c: &mut Criterion) {
    let mut g = c.benchmark_group("murmur3");
    let data = [0x5au8; 36];
    for len in [20usize, 32, 36] {
        g.throughput(Throughput::Elements(1));
        g.bench_with_input(BenchmarkId::new("crate", len), &data[..len], |b, d| {
            b.iter(|| murmur3::murmur3_32(&mut Cursor::new(black_box(d)), black_box(0xfba4_c795)))
        });
        g.bench_with_input(BenchmarkId::new("hand_written", len), &data[..len], |b, d| {
            b.iter(|| murmur3_32(black_box(0xfba4_c795), black_box(d)))
        });
    }
    g.finish();
}

criterion_group!(benches, elements, relevance, murmur);
criterion_main!(benches);
