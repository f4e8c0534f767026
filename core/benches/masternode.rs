//! Masternode-list, BLS and lock-verification benchmarks: `cargo bench -p dashlite --bench masternode`.
//!
//! With `MNLIST_APPLY_ONCE=1` the binary instead decodes and verifies the full mainnet list
//! from genesis (the 0 → 2,227,096 diff) once and exits, so that `/usr/bin/time -v` of the
//! bench binary gives the time and peak memory of that one step.

use criterion::{black_box, criterion_group, Criterion, Throughput};
use dashlite::encode::{Decode, Encode};
use dashlite::hash::{BlockHash, Hash256};
use dashlite::masternode::bls::BASIC_DST;
use dashlite::masternode::bls::{PublicKey, Signature};
use dashlite::masternode::{
    check_chainlock, check_islock, commitment_bls, islock_request_id, sign_hash, verify_diff,
    LockVerdict, MasternodeList, QuorumBook,
};
use dashlite::masternode::{merkle_root_mn_list, merkle_root_quorums};
use dashlite::tx::{OutPoint, SpecialPayload};
use dashlite::wire::{
    BitSet, ClSig, FinalCommitment, IsDLock, MnListDiff, PartialMerkleTree, QuorumId,
};
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
    let one = one_block_diff(&base, &step);
    g.bench_function("verify_one_block_diff_on_mainnet_list_2227096", |b| {
        b.iter(|| verify_diff(&base, black_box(&one), None).unwrap())
    });
    g.finish();
}

/// A one-block diff on top of `base` in the shape most blocks give: one masternode's state
/// changes (here its validity, as a PoSe ban does) and nothing else. Its coinbase is the real
/// mainnet CbTx of `step` with the roots of the resulting list, proven by a one-transaction
/// merkle tree, so the bench runs the whole check: coinbase proof, apply, both roots.
fn one_block_diff(base: &MasternodeList, step: &[u8]) -> MnListDiff {
    let step = MnListDiff::decode_versioned(step, PROTOCOL).expect("decodes");
    let mut entry = base.entries.values().next().expect("a masternode").clone();
    entry.is_valid = !entry.is_valid;
    let mut diff = MnListDiff {
        base_block_hash: base.block_hash,
        block_hash: BlockHash::from_byte_array([0x0b; 32]),
        deleted_mns: Vec::new(),
        mn_list: vec![entry],
        deleted_quorums: Vec::new(),
        new_quorums: Vec::new(),
        quorums_cl_sigs: Vec::new(),
        ..step
    };
    let next = base.apply(&diff).expect("applies");
    let SpecialPayload::Coinbase(mut payload) = diff.cb_tx.special_payload().expect("a CbTx")
    else {
        panic!("the step diff's coinbase carries no CbTx payload");
    };
    payload.merkle_root_mn_list = merkle_root_mn_list(&next);
    payload.merkle_root_quorums = merkle_root_quorums(&next);
    diff.cb_tx.extra_payload = Some(payload.to_bytes());
    diff.cb_tx_merkle_tree = PartialMerkleTree::from_txids(&[diff.cb_tx.txid()], &[true]);
    verify_diff(base, &diff, None).expect("the one-block diff verifies");
    diff
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

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// The first mainnet ChainLock of `vectors.json` and a book holding its signing-height set.
fn mainnet_chainlock() -> (ClSig, QuorumBook) {
    let v: serde_json::Value =
        serde_json::from_slice(&shared("vectors.json")).expect("vectors.json parses");
    let c = &v["chainlocks"][0];
    let clsig = ClSig::from_bytes(&unhex(c["clsig_hex"].as_str().unwrap())).unwrap();
    let mut list = MasternodeList::default();
    for q in c["active_quorums_at_signing_height"].as_array().unwrap() {
        let commitment =
            FinalCommitment::from_bytes(&unhex(q["commitment_hex"].as_str().unwrap())).unwrap();
        let id = QuorumId { llmq_type: commitment.llmq_type, quorum_hash: commitment.quorum_hash };
        list.quorums.insert(id, commitment);
    }
    let mut book = QuorumBook::new(Network::Mainnet);
    book.insert(clsig.height as u32 - 8, BlockHash::ZERO, &list);
    (clsig, book)
}

/// A mainnet book whose 32 rotated InstantSend quorums have blst keys, and a lock of a
/// 2-input transaction signed by the one Dash Core selects (cycle at 2,239,488, tip 2,239,500).
fn mainnet_islock() -> (IsDLock, QuorumBook, u32, u32) {
    let keys: Vec<blst::min_pk::SecretKey> =
        (0..32u8).map(|i| blst::min_pk::SecretKey::key_gen(&[i; 32], &[]).unwrap()).collect();
    let mut list = MasternodeList::default();
    for (i, k) in keys.iter().enumerate() {
        let c = FinalCommitment {
            version: 4,
            llmq_type: 5,
            quorum_hash: Hash256::from_byte_array([i as u8 + 1; 32]),
            quorum_index: i as i16,
            signers: BitSet { len: 0, bytes: Vec::new() },
            valid_members: BitSet { len: 0, bytes: Vec::new() },
            quorum_public_key: k.sk_to_pk().compress(),
            quorum_vvec_hash: Hash256::ZERO,
            quorum_sig: [0; 96],
            members_sig: [0; 96],
        };
        list.quorums.insert(QuorumId { llmq_type: 5, quorum_hash: c.quorum_hash }, c);
    }
    let (cycle, tip) = (2_239_488, 2_239_500);
    let mut book = QuorumBook::new(Network::Mainnet);
    book.insert(tip, BlockHash::ZERO, &list);
    let inputs = vec![
        OutPoint::new(dashlite::hash::Txid::from_byte_array([7; 32]), 0),
        OutPoint::new(dashlite::hash::Txid::from_byte_array([8; 32]), 3),
    ];
    let txid = dashlite::hash::Txid::from_byte_array([9; 32]);
    let id = islock_request_id(&inputs);
    let mut lock =
        IsDLock { version: 1, inputs, txid, cycle_hash: BlockHash::ZERO, signature: [0; 96] };
    let params = book.instantsend_params();
    let signer = match book.select(params, &id, tip, 0) {
        dashlite::masternode::Selection::Quorum(q) => q.quorum_index as usize,
        other => panic!("{other:?}"),
    };
    let quorum_hash = Hash256::from_byte_array([signer as u8 + 1; 32]);
    let msg = sign_hash(5, &quorum_hash, &id, &txid.to_byte_array());
    lock.signature = keys[signer].sign(msg.as_bytes(), BASIC_DST, &[]).compress();
    (lock, book, cycle, tip)
}

fn locks(c: &mut Criterion) {
    let mut g = c.benchmark_group("lock_verify");
    g.throughput(Throughput::Elements(1));
    let (clsig, book) = mainnet_chainlock();
    assert!(matches!(check_chainlock(&book, &clsig), LockVerdict::Verified { .. }));
    g.bench_function("mainnet_clsig_select_and_verify", |b| {
        b.iter(|| check_chainlock(black_box(&book), black_box(&clsig)))
    });
    let (lock, book, cycle, tip) = mainnet_islock();
    assert!(matches!(check_islock(&book, &lock, cycle, tip), LockVerdict::Verified { .. }));
    g.bench_function("isdlock_rotated_select_and_verify", |b| {
        b.iter(|| check_islock(black_box(&book), black_box(&lock), cycle, tip))
    });
    g.finish();
}

criterion_group!(benches, apply, bls, locks);

fn main() {
    if std::env::var_os("MNLIST_APPLY_ONCE").is_some() {
        let list = full_list(&shared("mnlistdiff-mainnet-0-2227096.bin"));
        println!("{} masternodes, {} quorums", list.entries.len(), list.quorums.len());
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
