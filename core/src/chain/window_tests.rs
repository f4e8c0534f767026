//! The embedded checkpoint windows against the real header files of `shared/data/headers`:
//! they are the real headers, and a chain started at their record checks every rule from
//! the first header after it.

use super::testdata::{shared_file, HeaderFile};
use super::*;
use crate::chain::store::MemoryHeaderStore;
use crate::network::{Network, CHECKPOINT_WINDOW};

fn shared_csv(name: &str) -> Vec<CheckpointRecord> {
    let text = shared_file(&format!("data/checkpoints/{name}"));
    parse_checkpoint_csv(std::str::from_utf8(&text).expect("UTF-8 CSV")).expect("valid CSV")
}

/// (network, real header file, shared checkpoint CSV, the embedded record with a window).
fn cases() -> [(Network, HeaderFile, &'static str, u32); 2] {
    [
        (Network::Mainnet, HeaderFile::mainnet(), "mainnet.csv", 1_741_824),
        (Network::Testnet, HeaderFile::testnet(), "testnet.csv", 946_944),
    ]
}

#[test]
fn embedded_checkpoint_windows_are_the_real_headers_before_their_record() {
    for (net, file, shared, height) in cases() {
        let params = net.params();
        let records = params.checkpoint_records();
        let with_window: Vec<u32> = records
            .iter()
            .map(|r| r.height)
            .filter(|&h| !params.checkpoint_window(h).is_empty())
            .collect();
        assert_eq!(with_window, vec![height], "{net}: records with a window");
        let window = params.checkpoint_window(height);
        assert_eq!(window.len(), CHECKPOINT_WINDOW as usize);
        let offset = (height - CHECKPOINT_WINDOW - file.first_height) as usize;
        assert_eq!(
            window,
            file.headers[offset..offset + window.len()],
            "{net}: not the real headers"
        );
        // The record is the real block, and so is the shared CSV's row for it.
        let record = *records.iter().find(|r| r.height == height).expect("record");
        assert_eq!(record.header, file.headers[offset + window.len()], "{net} record header");
        let row = shared_csv(shared).into_iter().find(|r| r.height == height).expect("CSV row");
        assert_eq!(row, record, "{net}: embedded record differs from the shared CSV");
        // Linked by hash to the record, with chain work counted back from it: the work of
        // the window's first block equals the shared CSV's 576 blocks earlier plus the real
        // headers between.
        let start = start_headers(params, record.into());
        assert_eq!(start.len(), window.len() + 1);
        assert_eq!(start.last().map(|s| s.hash), Some(record.hash));
        let earlier = shared_csv(shared)
            .into_iter()
            .find(|r| r.height == height - 576)
            .expect("CSV row 576 blocks earlier");
        let from = (earlier.height + 1 - file.first_height) as usize;
        let work = file.headers[from..=offset]
            .iter()
            .fold(earlier.chain_work, |w, h| w.wrapping_add(block_work(h.bits)));
        assert_eq!(start[0].chain_work, work, "{net}: chain work of the window's first block");
        assert_eq!(start[0].height, height - CHECKPOINT_WINDOW);
    }
}

#[test]
fn a_window_that_does_not_link_to_the_record_is_not_used() {
    let params = Network::Mainnet.params();
    let record = *params.checkpoint_records().iter().find(|r| r.height == 1_741_824).unwrap();
    let mut other: StoredHeader = record.into();
    other.header.prev_blockhash = crate::hash::BlockHash::ZERO;
    assert_eq!(start_headers(params, other), vec![other]);
    let before: StoredHeader = params.checkpoint_records()[0].into();
    assert_eq!(start_headers(params, before), vec![before], "no window for this record");
}

#[test]
fn a_chain_from_a_record_with_a_window_checks_difficulty_from_the_first_header() {
    for (net, file, _, height) in cases() {
        let params = net.params();
        let record = *params.checkpoint_records().iter().find(|r| r.height == height).unwrap();
        let mut tree = HeaderTree::new(
            params,
            TreeConfig::for_network(params),
            MemoryHeaderStore::new(),
            &[record.into()],
        )
        .unwrap();
        assert_eq!(tree.store().len(), CHECKPOINT_WINDOW as usize + 1);
        let pairs = file.with_hashes();
        let from = (height + 1 - file.first_height) as usize;
        let out = tree.accept_headers(&pairs[from..], u64::from(u32::MAX));
        assert!(out.error.is_none(), "{net}: {:?}", out.error);
        assert_eq!(out.accepted, pairs.len() - from);
        assert_eq!(out.unchecked, 0, "{net}: every nBits and median time was checked");
        // Real chains from 2022 and 2024 are far below today's minimum chain work.
        assert!(!tree.has_minimum_work(), "{net}");
    }
}
