//! Layouts of every protocol version, bounded decoding, and round trips.

use super::*;
use crate::encode::{write_compact_size, Decode, DecodeErrorKind, Encode, Reader};
use crate::hash::{BlockHash, Hash256};
use crate::test_support::shared_file;
use crate::tx::NetInfo;
use crate::wire::vector_tests::assert_every_prefix_fails;

const CURRENT: u32 = 70240;
/// Every protocol version with its own layout, and the oldest and newest.
const VERSIONS: [u32; 8] = [70220, 70224, 70225, 70227, 70228, 70229, 70230, 70240];

fn testnet_diff() -> MnListDiff {
    let bytes = shared_file("vectors/masternode/mnlistdiff-testnet-0-1296600.bin");
    MnListDiff::decode_versioned(&bytes, CURRENT).expect("testnet diff decodes")
}

/// A small diff of real parts: three entries (one Evo), two quorums, one ChainLock entry.
fn small_diff() -> MnListDiff {
    let mut d = testnet_diff();
    let evo = d.mn_list.iter().position(|e| e.is_evo()).expect("an Evo entry");
    d.mn_list = vec![d.mn_list[0].clone(), d.mn_list[1].clone(), d.mn_list[evo].clone()];
    d.new_quorums.truncate(2);
    d.quorums_cl_sigs.truncate(1);
    d.quorums_cl_sigs[0].quorum_indexes = vec![0, 1];
    d.deleted_mns = vec![Hash256::from_byte_array([5; 32])];
    d.deleted_quorums =
        vec![QuorumId { llmq_type: 4, quorum_hash: Hash256::from_byte_array([6; 32]) }];
    d
}

/// The diff as a peer of protocol `p` would describe it: no entry versions below 70228
/// (entries read as version 1), no type fields below 70227, no ChainLock sigs below 70230.
fn as_seen_at(mut d: MnListDiff, p: u32) -> MnListDiff {
    if p < BLS_SCHEME_PROTO_VERSION {
        d.version = 1;
    }
    for e in &mut d.mn_list {
        if p < SMNLE_VERSIONED_PROTO_VERSION {
            e.version = 1;
        }
        if p < DMN_TYPE_PROTO_VERSION || e.version < 2 {
            e.mn_type = MN_TYPE_REGULAR;
            e.platform_http_port = 0;
            e.platform_node_id = [0; 20];
        }
    }
    if p < MNLISTDIFF_CHAINLOCKS_PROTO_VERSION {
        d.quorums_cl_sigs.clear();
    }
    d
}

#[test]
fn every_protocol_layout_round_trips() {
    for p in VERSIONS {
        let d = as_seen_at(small_diff(), p);
        let raw = d.to_bytes_versioned(p);
        assert_eq!(MnListDiff::decode_versioned(&raw, p).expect("decodes"), d, "protocol {p}");
    }
}

#[test]
fn the_diff_version_field_moves_with_the_protocol() {
    let mut d = small_diff();
    d.version = 0x0b0a;
    let at = |p| d.to_bytes_versioned(p);
    assert_eq!(&at(70229)[..2], &[0x0a, 0x0b]);
    assert_eq!(&at(70229)[2..34], d.base_block_hash.as_bytes());
    let mut prefix = d.base_block_hash.to_bytes();
    prefix.extend(d.block_hash.to_bytes());
    prefix.extend(d.cb_tx_merkle_tree.to_bytes());
    prefix.extend(d.cb_tx.to_bytes());
    for p in [70225, 70228] {
        let raw = at(p);
        assert_eq!(&raw[..prefix.len()], prefix.as_slice());
        assert_eq!(&raw[prefix.len()..prefix.len() + 2], &[0x0a, 0x0b], "protocol {p}");
    }
    let raw = at(70224);
    assert_eq!(&raw[..prefix.len()], prefix.as_slice());
    assert_eq!(raw[prefix.len()], 1, "deletedMNs count follows the coinbase directly");
    assert_eq!(at(70229).len() + 96 + 1 + 1 + 2 * 2, at(70230).len());
}

#[test]
fn entries_hash_with_type_fields_whatever_the_protocol() {
    let d = small_diff();
    let evo = d.mn_list.iter().find(|e| e.is_evo()).unwrap();
    assert_eq!(evo.version, 2);
    let mut old = Vec::new();
    evo.encode_versioned(&mut old, 70226);
    let mut new = Vec::new();
    evo.encode_versioned(&mut new, CURRENT);
    assert_eq!(new.len(), 2 + old.len() + 2 + 2 + 20);
    assert_eq!(evo.hash_serialization(), new[2..].to_vec());
}

#[test]
fn a_version_3_evo_entry_carries_ext_net_info_and_no_http_port() {
    let mut e = small_diff().mn_list.into_iter().find(|e| e.is_evo()).unwrap();
    e.version = 3;
    e.platform_http_port = 0;
    // ExtNetInfo version 1 with one CORE_P2P entry: an ADDRv2 IPv4 service.
    e.net_info = NetInfo::Extended(vec![1, 1, 0, 1, 1, 1, 4, 10, 0, 0, 1, 0x27, 0x09]);
    let mut raw = Vec::new();
    e.encode_versioned(&mut raw, CURRENT);
    let back = SmlEntry::decode_versioned(&mut Reader::new(&raw), CURRENT).expect("decodes");
    assert_eq!(back, e);
    let fixed = 2 + 32 + 32 + 13 + 48 + 20 + 1 + 2 + 20;
    assert_eq!(raw.len(), fixed);
}

#[test]
fn commitments_carry_a_quorum_index_only_in_versions_2_and_4() {
    let base = small_diff().new_quorums[0].clone();
    for version in 1..=4u16 {
        let mut q = base.clone();
        q.version = version;
        q.quorum_index = if version % 2 == 0 { 7 } else { 0 };
        let raw = q.to_bytes();
        let indexed = version == 2 || version == 4;
        assert_eq!(
            raw.len(),
            base.to_bytes().len() - if base.is_indexed() { 2 } else { 0 }
                + if indexed { 2 } else { 0 }
        );
        assert_eq!(FinalCommitment::from_bytes(&raw).unwrap(), q);
        assert_eq!(q.is_legacy_bls(), version <= 2);
    }
}

#[test]
fn bit_sets_refuse_bits_past_their_length() {
    assert_eq!(BitSet::from_bytes(&[3, 0b0000_0111]).unwrap().count_ones(), 3);
    let err = BitSet::from_bytes(&[3, 0b0000_1111]).unwrap_err();
    assert!(matches!(err.kind, DecodeErrorKind::Invalid(_)));
}

#[test]
fn every_prefix_of_a_diff_fails() {
    let raw = small_diff().to_bytes_versioned(CURRENT);
    for len in 0..raw.len() {
        assert!(MnListDiff::decode_versioned(&raw[..len], CURRENT).is_err(), "prefix {len}");
    }
    let mut longer = raw.clone();
    longer.push(0);
    let err = MnListDiff::decode_versioned(&longer, CURRENT).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TrailingBytes { count: 1 });
}

#[test]
fn counts_beyond_the_bytes_present_are_rejected_before_allocating() {
    let d = small_diff();
    // Everything up to and including deletedMNs, then a huge mnList count.
    let mut raw = Vec::new();
    d.version.encode(&mut raw);
    d.base_block_hash.encode(&mut raw);
    d.block_hash.encode(&mut raw);
    d.cb_tx_merkle_tree.encode(&mut raw);
    d.cb_tx.encode(&mut raw);
    write_compact_size(&mut raw, 0);
    let mut entries = raw.clone();
    write_compact_size(&mut entries, 0x01ff_ffff);
    let err = MnListDiff::decode_versioned(&entries, CURRENT).unwrap_err();
    assert_eq!(err.field, "mn_list");
    assert!(matches!(err.kind, DecodeErrorKind::UnexpectedEnd { .. }));
    let mut sigs = raw;
    for _ in 0..3 {
        write_compact_size(&mut sigs, 0);
    }
    write_compact_size(&mut sigs, 0x01ff_ffff);
    let err = MnListDiff::decode_versioned(&sigs, CURRENT).unwrap_err();
    assert_eq!(err.field, "quorums_cl_sigs");
    assert!(matches!(err.kind, DecodeErrorKind::UnexpectedEnd { .. }));
    let mut bits = Vec::new();
    write_compact_size(&mut bits, 0x01ff_ffff);
    assert!(matches!(
        BitSet::from_bytes(&bits).unwrap_err().kind,
        DecodeErrorKind::UnexpectedEnd { .. }
    ));
}

fn snapshot(mode: i32) -> QuorumSnapshot {
    QuorumSnapshot {
        skip_list_mode: mode,
        active_quorum_members: BitSet { len: 10, bytes: vec![0xff, 0x02] },
        skip_list: vec![1, -2, 3],
    }
}

fn qrinfo(extra: bool) -> QrInfo {
    let d = small_diff();
    QrInfo {
        snapshot_h_c: snapshot(0),
        snapshot_h_2c: snapshot(1),
        snapshot_h_3c: snapshot(2),
        diff_tip: d.clone(),
        diff_h: d.clone(),
        diff_h_c: d.clone(),
        diff_h_2c: d.clone(),
        diff_h_3c: d.clone(),
        extra_share: extra.then(|| (snapshot(3), d.clone())),
        last_commitment_per_index: d.new_quorums.clone(),
        quorum_snapshot_list: vec![snapshot(0)],
        mn_list_diff_list: vec![d],
    }
}

#[test]
fn qrinfo_round_trips_with_and_without_the_extra_share() {
    for extra in [false, true] {
        let q = qrinfo(extra);
        let raw = q.to_bytes_versioned(CURRENT);
        assert_eq!(QrInfo::decode_versioned(&raw, CURRENT).unwrap(), q);
        let old = QrInfo { extra_share: q.extra_share.clone(), ..q.clone() };
        let mut old = old;
        for d in [
            &mut old.diff_tip,
            &mut old.diff_h,
            &mut old.diff_h_c,
            &mut old.diff_h_2c,
            &mut old.diff_h_3c,
        ] {
            *d = as_seen_at(d.clone(), 70229);
        }
        if let Some((_, d)) = &mut old.extra_share {
            *d = as_seen_at(d.clone(), 70229);
        }
        old.mn_list_diff_list =
            old.mn_list_diff_list.into_iter().map(|d| as_seen_at(d, 70229)).collect();
        let raw = old.to_bytes_versioned(70229);
        assert_eq!(QrInfo::decode_versioned(&raw, 70229).unwrap(), old);
    }
}

#[test]
fn qrinfo_prefixes_and_huge_diff_counts_fail() {
    let raw = qrinfo(true).to_bytes_versioned(CURRENT);
    for len in (0..raw.len()).step_by(97) {
        assert!(QrInfo::decode_versioned(&raw[..len], CURRENT).is_err(), "prefix {len}");
    }
    assert!(QrInfo::decode_versioned(&raw[..raw.len() - 1], CURRENT).is_err());
    let q = qrinfo(false);
    let full = q.to_bytes_versioned(CURRENT);
    let tail = {
        let mut t = Vec::new();
        write_compact_size(&mut t, 1);
        q.mn_list_diff_list[0].encode_versioned(&mut t, CURRENT);
        t.len()
    };
    let mut raw = full[..full.len() - tail].to_vec();
    write_compact_size(&mut raw, 0x01ff_ffff);
    let err = QrInfo::decode_versioned(&raw, CURRENT).unwrap_err();
    assert_eq!(err.field, "mn_list_diff_list");
    assert!(matches!(err.kind, DecodeErrorKind::UnexpectedEnd { .. }));
}

#[test]
fn requests_round_trip_and_fail_on_every_prefix() {
    let g = GetMnListDiff {
        base_block_hash: BlockHash::ZERO,
        block_hash: BlockHash::from_byte_array([1; 32]),
    };
    let raw = g.to_bytes();
    assert_eq!(raw.len(), 64);
    assert_eq!(GetMnListDiff::from_bytes(&raw).unwrap(), g);
    assert_every_prefix_fails::<GetMnListDiff>(&raw);
    let q = GetQrInfo {
        base_block_hashes: vec![BlockHash::from_byte_array([2; 32]); 3],
        block_request_hash: BlockHash::from_byte_array([3; 32]),
        extra_share: true,
    };
    let raw = q.to_bytes();
    assert_eq!(raw.len(), 1 + 96 + 32 + 1);
    assert_eq!(GetQrInfo::from_bytes(&raw).unwrap(), q);
    assert_every_prefix_fails::<GetQrInfo>(&raw);
    let mut huge = Vec::new();
    write_compact_size(&mut huge, MAX_QRINFO_BASE_HASHES as u64 + 1);
    assert!(matches!(
        GetQrInfo::from_bytes(&huge).unwrap_err().kind,
        DecodeErrorKind::TooLarge { .. }
    ));
}
