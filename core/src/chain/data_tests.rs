//! The rules against real chain data: `shared/data/headers/*.bin` (5000 consecutive mainnet and
//! testnet headers) and `shared/data/checkpoints/*.csv` (one header every 576 blocks).
//!
//! Most tests take a header's hash from the next header's `prev_blockhash` (independent of our
//! X11); the tests that hash check that X11 gives the same.

use super::testdata::{shared_records as csv, HeaderFile};
use super::*;
use crate::chain::dgw::SliceHistory;
use crate::network::Network;

fn summaries(file: &HeaderFile) -> Vec<BlockSummary> {
    file.headers
        .iter()
        .enumerate()
        .map(|(i, h)| BlockSummary {
            height: file.first_height + i as u32,
            time: h.time,
            bits: h.bits,
        })
        .collect()
}

fn files() -> [(Network, HeaderFile, &'static str); 2] {
    [
        (
            Network::Mainnet,
            HeaderFile::mainnet(),
            "0000000000000018161427df05072842fae0bf00fb2e2b6b1e93d1650212b24b",
        ),
        (
            Network::Testnet,
            HeaderFile::testnet(),
            "000000e548340951e2229837cd4bfb1bfc629b7236aea141d0aeb9057a56a6b1",
        ),
    ]
}

#[test]
fn every_real_header_passes_proof_of_work_against_its_hash() {
    for (net, file, first_hash) in files() {
        let pairs = file.with_hashes();
        assert_eq!(pairs.len(), 4999, "{net}");
        assert_eq!(pairs[0].1.to_string(), first_hash, "{net}: first hash");
        for (i, (header, hash)) in pairs.iter().enumerate() {
            let height = file.first_height + i as u32;
            check_proof_of_work(hash, header.bits, &net.params().pow, Some(height))
                .unwrap_or_else(|e| panic!("{net} {height}: {e}"));
        }
    }
}

#[test]
fn every_real_header_from_the_25th_has_the_dark_gravity_wave_nbits() {
    for (net, file, _) in files() {
        let blocks = summaries(&file);
        let mut min_difficulty_cases = 0;
        for i in 24..blocks.len() {
            let history = SliceHistory::new(&blocks[i - 24..i]).unwrap();
            let new = blocks[i];
            let got = next_work_required(&net.params().pow, &history, new.time).unwrap();
            assert_eq!(got, new.bits, "{net} height {}", new.height);
            if new.time > blocks[i - 1].time + 600 {
                min_difficulty_cases += 1;
            }
        }
        if net == Network::Testnet {
            assert!(min_difficulty_cases > 0, "testnet file exercises the slow-block rules");
        }
    }
}

fn tree_over_file(
    net: Network,
    file: &HeaderFile,
    work_before: U256,
) -> (HeaderTree<MemoryHeaderStore>, Vec<(crate::wire::BlockHeader, crate::hash::BlockHash)>) {
    let pairs = file.with_hashes();
    let trusted = trusted_headers(file.first_height, work_before, &pairs[..24]);
    let params = net.params();
    let tree = HeaderTree::new(
        params,
        TreeConfig::for_network(params),
        MemoryHeaderStore::new(),
        &trusted,
    )
    .unwrap();
    (tree, pairs)
}

#[test]
fn the_header_tree_validates_both_real_files_from_a_trusted_24_header_window() {
    for (net, file, _) in files() {
        let (mut tree, pairs) = tree_over_file(net, &file, U256::ZERO);
        let now = u64::from(file.headers.last().unwrap().time);
        for batch in pairs[24..].chunks(2000) {
            let out = tree.accept_headers(batch, now);
            assert!(out.error.is_none(), "{net}: {:?}", out.error);
            assert_eq!(out.accepted, batch.len());
            assert_eq!(out.unchecked, 0, "{net}: 24 trusted headers cover every rule");
            let change = out.tip_change.expect("tip moved");
            assert!(!change.is_reorg());
            assert_eq!(change.connected.len(), batch.len());
        }
        let last = file.first_height + 4998;
        assert_eq!(tree.tip().height, last);
        assert_eq!(tree.store().len(), 4999);
        assert!(tree.in_memory() <= (tree::HISTORY_WINDOW + tree::DEFAULT_MAX_FORK_DEPTH) as usize);
        // Stored work is the sum of every header's 2^256/(target+1).
        let sum = pairs.iter().fold(U256::ZERO, |w, (h, _)| w.wrapping_add(block_work(h.bits)));
        assert_eq!(tree.tip().chain_work, sum);
    }
}

#[test]
fn every_checkpoint_csv_header_passes_proof_of_work_and_work_grows() {
    for (net, name, rows) in
        [(Network::Mainnet, "mainnet.csv", 3997), (Network::Testnet, "testnet.csv", 2230)]
    {
        let records = csv(name);
        assert_eq!(records.len(), rows, "{name}");
        let pow = net.params().pow;
        let min_work_per_block = block_work(pow.limit_bits);
        for r in &records {
            assert_eq!(r.header.block_hash(), r.hash, "{name} {}: X11", r.height);
            check_proof_of_work(&r.hash, r.header.bits, &pow, Some(r.height))
                .unwrap_or_else(|e| panic!("{name} {}: {e}", r.height));
        }
        for w in records.windows(2) {
            let blocks = w[1].height - w[0].height;
            let floor = w[0].chain_work.wrapping_add(min_work_per_block.wrapping_mul_u32(blocks));
            assert!(w[1].chain_work >= floor, "{name} {}: chain work too small", w[1].height);
        }
        // Hard-coded checkpoints that fall on a CSV row agree with it.
        let cps = Checkpoints::for_network(net.params());
        for r in &records {
            assert_eq!(cps.check(r.height, &r.hash), Ok(()), "{name} {}", r.height);
        }
    }
}

#[test]
fn checkpoint_csv_chain_work_matches_the_real_headers_between_rows() {
    for (net, file, _) in files() {
        let name = if net == Network::Mainnet { "mainnet.csv" } else { "testnet.csv" };
        let records = csv(name);
        let pairs = file.with_hashes();
        let end = file.first_height + pairs.len() as u32;
        let inside: Vec<_> =
            records.iter().filter(|r| r.height >= file.first_height && r.height < end).collect();
        assert!(inside.len() >= 8, "{name}: rows inside the header file");
        for r in &inside {
            let (header, hash) = pairs[(r.height - file.first_height) as usize];
            assert_eq!((header, hash), (r.header, r.hash), "{name} {}", r.height);
        }
        // Start the tree so that its chain work is absolute, and compare at every row.
        let first = inside[0];
        let idx = (first.height - file.first_height) as usize;
        let work_to_first =
            pairs[..=idx].iter().fold(U256::ZERO, |w, (h, _)| w.wrapping_add(block_work(h.bits)));
        let work_before = first.chain_work.wrapping_sub(work_to_first);
        let (mut tree, pairs) = tree_over_file(net, &file, work_before);
        let out = tree.accept_headers(&pairs[24..], u64::from(pairs[4998].0.time));
        assert!(out.error.is_none(), "{:?}", out.error);
        for r in &inside {
            let stored = tree.header_at(r.height).unwrap().expect("stored");
            assert_eq!(stored.chain_work, r.chain_work, "{name} {}", r.height);
        }
    }
}

/// Which hash a tampered header is offered with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hash {
    /// X11 of the tampered bytes: what a peer sending these bytes causes.
    Recomputed,
    /// The original header's hash. It stands for a hash that also meets the tampered header's
    /// target (as if re-mined), isolating the rule under test from proof of work.
    Stale,
}

/// Offers the mainnet header at index 100, edited, to a tree holding the 99 before it.
fn tampered_outcome(
    edit: impl Fn(&mut crate::wire::BlockHeader),
    hash: Hash,
    now_offset: u64,
) -> (ValidationError, u32) {
    let file = HeaderFile::mainnet();
    let (mut tree, pairs) = tree_over_file(Network::Mainnet, &file, U256::ZERO);
    let k = 100;
    let now = u64::from(pairs[k].0.time) + now_offset;
    let out = tree.accept_headers(&pairs[24..k], now);
    assert!(out.error.is_none());
    let (mut header, original) = pairs[k];
    assert_eq!(header.block_hash(), original, "X11 of the real header");
    edit(&mut header);
    let hash = match hash {
        Hash::Recomputed => header.block_hash(),
        Hash::Stale => original,
    };
    let out = tree.accept_headers(&[(header, hash)], now);
    assert_eq!(out.accepted, 0);
    assert_eq!(tree.tip().hash, pairs[k - 1].1);
    match out.error {
        Some(ChainError::Invalid(e)) => (e, file.first_height + k as u32),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn flip_prev_bit(h: &mut crate::wire::BlockHeader) {
    let mut b = h.prev_blockhash.to_byte_array();
    b[0] ^= 1;
    h.prev_blockhash = crate::hash::BlockHash::from_byte_array(b);
}

#[test]
fn any_flipped_bit_of_a_real_header_fails_proof_of_work_first_as_in_dash_core() {
    // CheckBlockHeader runs before the parent or any contextual rule is looked at: with the
    // hash recomputed, one flipped bit anywhere leaves a hash far above the mainnet target.
    type Edit = fn(&mut crate::wire::BlockHeader);
    let edits: [(&str, Edit); 7] = [
        ("nonce bit 0", |h| h.nonce ^= 1),
        ("nonce bit 31", |h| h.nonce ^= 1 << 31),
        ("nBits bit 0", |h| h.bits ^= 1),
        ("nBits bit 24", |h| h.bits ^= 1 << 24),
        ("time bit 0", |h| h.time ^= 1),
        ("time bit 30", |h| h.time ^= 1 << 30),
        ("prev hash bit 0", flip_prev_bit),
    ];
    for (what, edit) in edits {
        let (e, height) = tampered_outcome(edit, Hash::Recomputed, 0);
        // With an unknown parent the height is unknown too.
        let expected_height = (what != "prev hash bit 0").then_some(height);
        assert!(
            matches!(e, ValidationError::BadProofOfWork { height: h, .. } if h == expected_height),
            "{what}: {e:?}"
        );
        assert_eq!(e.misbehavior_score(), 100, "{what}");
    }
    // An nBits that is no valid target fails the range check before the hash is compared.
    let (e, height) = tampered_outcome(|h| h.bits ^= 1 << 29, Hash::Recomputed, 0);
    assert!(
        matches!(e, ValidationError::BadTarget { height: Some(h), .. } if h == height),
        "{e:?}"
    );
}

// Rule isolation: the tests below keep the original (stale) hash, so proof of work passes and
// the rule behind it is the one that fails.

#[test]
fn a_flipped_nbits_bit_breaks_the_difficulty_or_target_rule() {
    let (e, height) = tampered_outcome(|h| h.bits ^= 1, Hash::Stale, 0);
    assert!(
        matches!(e, ValidationError::BadDifficulty { height: h, got, expected } if h == height && got == expected ^ 1),
        "{e:?}"
    );
    assert_eq!(e.misbehavior_score(), 100);
    let (e, _) = tampered_outcome(|h| h.bits ^= 1 << 29, Hash::Stale, 0); // exponent 0x19 -> 0x39
    assert!(matches!(e, ValidationError::BadTarget { .. }), "{e:?}");
    let (e, _) = tampered_outcome(|h| h.bits ^= 1 << 24, Hash::Stale, 0); // 256 times harder
    assert!(matches!(e, ValidationError::BadProofOfWork { .. }), "{e:?}");
}

#[test]
fn a_flipped_time_bit_breaks_a_time_rule() {
    // Bit 30 is set in every time from 2004 to 2038: clearing it goes decades back.
    let (e, _) = tampered_outcome(|h| h.time ^= 1 << 30, Hash::Stale, 0);
    assert!(matches!(e, ValidationError::TimeTooOld { .. }), "{e:?}");
    assert_eq!(e.misbehavior_score(), 100);
    // Bit 14 is 4.5 hours: past now + 2 h if it was clear, before the median time if set.
    let original = HeaderFile::mainnet().headers[100].time;
    let (e, _) = tampered_outcome(|h| h.time ^= 1 << 14, Hash::Stale, 0);
    if original & (1 << 14) == 0 {
        assert!(matches!(e, ValidationError::TimeTooNew { .. }), "{e:?}");
    } else {
        assert!(matches!(e, ValidationError::TimeTooOld { .. }), "{e:?}");
    }
    // One second past the future limit is not the peer's fault: no penalty.
    let (e, _) = tampered_outcome(|h| h.time += 7201, Hash::Stale, 0);
    assert!(matches!(e, ValidationError::TimeTooNew { .. }), "{e:?}");
    assert_eq!(e.misbehavior_score(), 0);
}

#[test]
fn a_flipped_prev_hash_bit_leaves_the_header_unconnected() {
    let (e, _) = tampered_outcome(flip_prev_bit, Hash::Stale, 0);
    assert!(matches!(e, ValidationError::Unconnected { .. }), "{e:?}");
    assert_eq!(e.misbehavior_score(), 10);
}

#[test]
fn both_real_files_validate_from_raw_bytes_with_parallel_hashing() {
    for (net, file, _) in files() {
        let (mut tree, pairs) = tree_over_file(net, &file, U256::ZERO);
        let now = u64::from(file.headers.last().unwrap().time);
        // Every header from the 25th, the last one included: its hash is X11 of its bytes.
        let out = tree.accept_raw_headers_on(&file.headers[24..], 2, now);
        assert!(out.error.is_none(), "{net}: {:?}", out.error);
        assert_eq!(out.accepted, 4976);
        assert_eq!(tree.tip().height, file.first_height + 4999);
        assert_eq!(tree.tip().header, *file.headers.last().unwrap());
        assert_eq!(tree.header_at(file.first_height + 4998).unwrap().unwrap().hash, pairs[4998].1);
    }
}
