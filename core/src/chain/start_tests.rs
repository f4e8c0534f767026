//! Starts from a single checkpoint record against the real chain data of `shared/data`: the
//! embedded records are the shared CSV's, a record is a start only where a checkpoint pins
//! the headers after it, and the real headers from such a start pass every rule, with
//! DarkGravityWave checked from the first header above the pin.

use super::testdata::{shared_records, HeaderFile};
use super::*;
use crate::chain::dgw::DGW_PAST_BLOCKS;
use crate::chain::store::MemoryHeaderStore;
use crate::network::{CheckpointRecord, Network};

/// (network, real header file, shared checkpoint CSV).
fn cases() -> [(Network, HeaderFile, &'static str); 2] {
    [
        (Network::Mainnet, HeaderFile::mainnet(), "mainnet.csv"),
        (Network::Testnet, HeaderFile::testnet(), "testnet.csv"),
    ]
}

fn open(
    net: Network,
    checkpoints: Checkpoints,
    start: &[StoredHeader],
) -> Result<HeaderTree<MemoryHeaderStore>, ChainError> {
    let params = net.params();
    let config = TreeConfig { checkpoints, ..TreeConfig::for_network(params) };
    HeaderTree::new(params, config, MemoryHeaderStore::new(), start)
}

/// The network's checkpoints and every row of its shared CSV.
fn with_shared(net: Network, rows: &[CheckpointRecord]) -> Checkpoints {
    let mut list = Checkpoints::for_network(net.params()).list().to_vec();
    list.extend(rows.iter().map(|r| (r.height, r.hash)));
    Checkpoints::new(list)
}

#[test]
fn embedded_records_are_shared_csv_rows_in_pairs_576_apart() {
    for (net, _, shared) in cases() {
        let params = net.params();
        let rows = shared_records(shared);
        let records = params.checkpoint_records();
        for r in &records {
            let row = rows.iter().find(|row| row.height == r.height).expect("a shared row");
            assert_eq!(row, r, "{net} {}: differs from the shared CSV", r.height);
        }
        let usable: Vec<u32> = records
            .iter()
            .filter(|r| is_usable_start(params, &StoredHeader::from(**r)))
            .map(|r| r.height)
            .collect();
        // The earlier record of every pair at or above DGW's first height is a start, pinned
        // by the later one (below it the older rules need the history from genesis).
        for pair in records.chunks(2).filter(|p| p[0].height >= params.pow.dgw_height) {
            assert_eq!(pair[0].height + MAX_PIN_DISTANCE, pair[1].height, "{net}");
            assert!(usable.contains(&pair[0].height), "{net} {}", pair[0].height);
        }
        // So is any other record a checkpoint pins (a hard-coded one close above it).
        let checkpoints = Checkpoints::for_network(params);
        for h in &usable {
            let (pin, _) = checkpoints.first_at_or_above(h + DGW_PAST_BLOCKS - 1).expect("a pin");
            assert!(pin - h <= MAX_PIN_DISTANCE, "{net} {h}");
        }
        let newest = records.last().expect("records").height;
        assert_eq!(usable.last(), Some(&(newest - MAX_PIN_DISTANCE)), "{net}");
    }
}

#[test]
fn a_record_is_a_start_only_where_a_checkpoint_pins_the_headers_after_it() {
    for (net, file, shared) in cases() {
        let rows = shared_records(shared);
        let end = file.first_height + file.headers.len() as u32;
        let inside: Vec<_> = rows.iter().filter(|r| r.height > file.first_height).collect();
        let start = StoredHeader::from(*inside[0]);
        let pinned = with_shared(net, &rows);
        let pin = pinned.first_at_or_above(start.height + 1).expect("a row above");
        assert_eq!(pin.0, start.height + MAX_PIN_DISTANCE, "{net}");
        assert!(pin.0 < end);
        // Without a checkpoint within 576 blocks the 23 headers after it are uncheckable.
        let bare = Checkpoints::for_network(net.params());
        assert!(bare.first_at_or_above(start.height + 1).unwrap().0 > pin.0, "{net}");
        match open(net, bare, &[start]) {
            Err(ChainError::StartNotPinned { height, headers: 1, needed: 24 })
                if height == start.height => {}
            other => panic!("{net}: {:?}", other.map(|t| t.tip())),
        }
        // A pin too close leaves some of them unpinned.
        let near = Checkpoints::new(vec![(start.height + DGW_PAST_BLOCKS - 2, start.hash)]);
        assert!(matches!(open(net, near, &[start]), Err(ChainError::StartNotPinned { .. })));
        // Pinned: the real headers pass, through the pin and on to the end of the file.
        let mut tree = open(net, pinned, &[start]).unwrap();
        let pairs = file.with_hashes();
        let from = (start.height + 1 - file.first_height) as usize;
        let out = tree.accept_headers(&pairs[from..], u64::from(u32::MAX));
        assert!(out.error.is_none(), "{net}: {:?}", out.error);
        assert_eq!(out.accepted, pairs.len() - from);
        assert_eq!(out.unchecked, MAX_PIN_DISTANCE as usize, "{net}: the headers up to the pin");
        assert_eq!(tree.header_at(pin.0).unwrap().map(|s| s.hash), Some(pin.1));
        for r in rows.iter().filter(|r| r.height > start.height && r.height < end) {
            let got = tree.header_at(r.height).unwrap().expect("stored");
            assert_eq!(got.chain_work, r.chain_work, "{net} {}: chain work", r.height);
        }
    }
}

#[test]
fn above_the_pin_difficulty_is_checked_from_the_first_header() {
    // Mainnet from the embedded pair 1,741,248 / 1,741,824: the first header above the pin,
    // with any nBits but DGW's over the 24 real headers before it, is refused.
    let params = Network::Mainnet.params();
    let file = HeaderFile::mainnet();
    let records = params.checkpoint_records();
    let start = *records.iter().find(|r| r.height == 1_741_248).expect("embedded");
    assert!(records.iter().any(|r| r.height == 1_741_824));
    let mut tree = open(Network::Mainnet, Checkpoints::for_network(params), &[start.into()])
        .expect("a pinned start");
    let pairs = file.with_hashes();
    let at = |h: u32| (h - file.first_height) as usize;
    let out = tree.accept_headers(&pairs[at(1_741_249)..=at(1_741_824)], u64::from(u32::MAX));
    assert!(out.error.is_none(), "{:?}", out.error);
    let (mut next, hash) = pairs[at(1_741_825)];
    next.bits -= 1;
    let out = tree.accept_headers(&[(next, hash)], u64::from(u32::MAX));
    match out.error {
        Some(ChainError::Invalid(ValidationError::BadDifficulty { height: 1_741_825, .. })) => {}
        other => panic!("{other:?}"),
    }
    let out = tree.accept_headers(&pairs[at(1_741_825)..], u64::from(u32::MAX));
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.unchecked, 0);
}
