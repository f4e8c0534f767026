//! `getqrinfo` and `qrinfo` (DIP-0024 quorum rotation info; `CGetQuorumRotationInfo`,
//! `CQuorumRotationInfo`, `CQuorumSnapshot`, `src/llmq/snapshot.h`).

use super::commitment::{BitSet, FinalCommitment};
use super::diff::MnListDiff;
use super::versioned::read_bounded_count;
use crate::encode::{write_compact_size, write_vec, Decode, DecodeError, Encode, Reader};
use crate::hash::BlockHash;

/// Most base hashes a `getqrinfo` may carry. Dash Core reads the vector without a limit of
/// its own, bounded only by the 3 MiB message size; this is the number of hashes that fit.
pub const MAX_QRINFO_BASE_HASHES: usize = 3 * 1024 * 1024 / 32;

/// `getqrinfo`: asks for the rotation info of the quorums at `block_request_hash`, with diffs
/// based on the blocks whose lists the requester already has (empty: from genesis).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GetQrInfo {
    /// Blocks whose lists the requester has.
    pub base_block_hashes: Vec<BlockHash>,
    /// The block the info is wanted for.
    pub block_request_hash: BlockHash,
    /// Whether to include the cycle `H − 4C` too.
    pub extra_share: bool,
}

impl Encode for GetQrInfo {
    fn encode(&self, out: &mut Vec<u8>) {
        write_vec(out, &self.base_block_hashes);
        self.block_request_hash.encode(out);
        self.extra_share.encode(out);
    }
}

impl Decode for GetQrInfo {
    const MIN_ENCODED_LEN: usize = 1 + 32 + 1;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(GetQrInfo {
            base_block_hashes: r.read_vec("base_block_hashes", MAX_QRINFO_BASE_HASHES)?,
            block_request_hash: r.read("block_request_hash")?,
            extra_share: r.read("extra_share")?,
        })
    }
}

/// A quorum snapshot (`CQuorumSnapshot`): which masternodes a rotation cycle skipped.
///
/// Wire: `mnSkipListMode i32 | activeQuorumMembers DYNBITSET | CompactSize k | k × i32`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct QuorumSnapshot {
    /// 0 no skipping, 1 skip the listed, 2 keep only the listed, 3 all skipped.
    pub skip_list_mode: i32,
    /// Which members of the cycle's list were active quorum members.
    pub active_quorum_members: BitSet,
    /// The skip list.
    pub skip_list: Vec<i32>,
}

impl Encode for QuorumSnapshot {
    fn encode(&self, out: &mut Vec<u8>) {
        self.skip_list_mode.encode(out);
        self.active_quorum_members.encode(out);
        write_vec(out, &self.skip_list);
    }
}

impl Decode for QuorumSnapshot {
    const MIN_ENCODED_LEN: usize = 4 + 1 + 1;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(QuorumSnapshot {
            skip_list_mode: r.read("skip_list_mode")?,
            active_quorum_members: r.read("active_quorum_members")?,
            skip_list: r.read_vec("skip_list", usize::MAX)?,
        })
    }
}

/// `qrinfo`: the snapshots and list diffs a client needs to follow rotated quorums.
///
/// Wire: `snapshot(H−C) | snapshot(H−2C) | snapshot(H−3C) | diff tip | diff H | diff H−C |
/// diff H−2C | diff H−3C | extraShare u8 | [extraShare] snapshot(H−4C) | diff H−4C |
/// lastCommitmentPerIndex | quorumSnapshotList | mnListDiffList`, every diff in the
/// `mnlistdiff` layout of the negotiated version.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct QrInfo {
    /// Snapshot of the cycle `H − C`.
    pub snapshot_h_c: QuorumSnapshot,
    /// Snapshot of the cycle `H − 2C`.
    pub snapshot_h_2c: QuorumSnapshot,
    /// Snapshot of the cycle `H − 3C`.
    pub snapshot_h_3c: QuorumSnapshot,
    /// Diff to the requested block.
    pub diff_tip: MnListDiff,
    /// Diff to the work block `H`.
    pub diff_h: MnListDiff,
    /// Diff to `H − C`.
    pub diff_h_c: MnListDiff,
    /// Diff to `H − 2C`.
    pub diff_h_2c: MnListDiff,
    /// Diff to `H − 3C`.
    pub diff_h_3c: MnListDiff,
    /// With `extraShare`: snapshot of `H − 4C` and the diff to it.
    pub extra_share: Option<(QuorumSnapshot, MnListDiff)>,
    /// The newest commitment per quorum index at the requested block.
    pub last_commitment_per_index: Vec<FinalCommitment>,
    /// Snapshots of further cycles those quorums need.
    pub quorum_snapshot_list: Vec<QuorumSnapshot>,
    /// Diffs to further cycles those quorums need.
    pub mn_list_diff_list: Vec<MnListDiff>,
}

/// Smallest `mnlistdiff`: 64 hash bytes, a 6-byte tree, a 10-byte transaction, 4 counts.
const MIN_DIFF_LEN: usize = 64 + 6 + 10 + 4;

impl QrInfo {
    /// Decodes a whole `qrinfo` payload in the layout of `protocol_version`; trailing bytes
    /// are an error.
    pub fn decode_versioned(bytes: &[u8], protocol_version: u32) -> Result<Self, DecodeError> {
        let p = protocol_version;
        let mut r = Reader::new(bytes);
        let r = &mut r;
        let diff = |r: &mut Reader<'_>, field| {
            MnListDiff::read_versioned(r, p).map_err(|e: DecodeError| e.within(field))
        };
        let snapshot_h_c = r.read("snapshot_h_c")?;
        let snapshot_h_2c = r.read("snapshot_h_2c")?;
        let snapshot_h_3c = r.read("snapshot_h_3c")?;
        let diff_tip = diff(r, "diff_tip")?;
        let diff_h = diff(r, "diff_h")?;
        let diff_h_c = diff(r, "diff_h_c")?;
        let diff_h_2c = diff(r, "diff_h_2c")?;
        let diff_h_3c = diff(r, "diff_h_3c")?;
        let extra_share = if r.read::<bool>("extra_share")? {
            Some((r.read("snapshot_h_4c")?, diff(r, "diff_h_4c")?))
        } else {
            None
        };
        let last_commitment_per_index = r.read_vec("last_commitment_per_index", usize::MAX)?;
        let quorum_snapshot_list = r.read_vec("quorum_snapshot_list", usize::MAX)?;
        let n = read_bounded_count(r, "mn_list_diff_list", MIN_DIFF_LEN)?;
        let mut mn_list_diff_list = Vec::with_capacity(n);
        for _ in 0..n {
            mn_list_diff_list.push(diff(r, "mn_list_diff_list")?);
        }
        r.finish()?;
        Ok(QrInfo {
            snapshot_h_c,
            snapshot_h_2c,
            snapshot_h_3c,
            diff_tip,
            diff_h,
            diff_h_c,
            diff_h_2c,
            diff_h_3c,
            extra_share,
            last_commitment_per_index,
            quorum_snapshot_list,
            mn_list_diff_list,
        })
    }

    /// The payload serialized in the layout of `protocol_version`.
    pub fn to_bytes_versioned(&self, protocol_version: u32) -> Vec<u8> {
        let p = protocol_version;
        let mut out = Vec::new();
        self.snapshot_h_c.encode(&mut out);
        self.snapshot_h_2c.encode(&mut out);
        self.snapshot_h_3c.encode(&mut out);
        for d in [&self.diff_tip, &self.diff_h, &self.diff_h_c, &self.diff_h_2c, &self.diff_h_3c] {
            d.encode_versioned(&mut out, p);
        }
        self.extra_share.is_some().encode(&mut out);
        if let Some((snapshot, d)) = &self.extra_share {
            snapshot.encode(&mut out);
            d.encode_versioned(&mut out, p);
        }
        write_vec(&mut out, &self.last_commitment_per_index);
        write_vec(&mut out, &self.quorum_snapshot_list);
        write_compact_size(&mut out, self.mn_list_diff_list.len() as u64);
        for d in &self.mn_list_diff_list {
            d.encode_versioned(&mut out, p);
        }
        out
    }
}
