//! `getmnlistd` and `mnlistdiff` (`CGetSimplifiedMNListDiff`, `CSimplifiedMNListDiff`,
//! `src/evo/smldiff.h`).

use super::commitment::FinalCommitment;
use super::entry::{SmlEntry, MIN_ENTRY_LEN};
use super::versioned::{
    read_bounded_count, BLS_SCHEME_PROTO_VERSION, MNLISTDIFF_CHAINLOCKS_PROTO_VERSION,
    MNLISTDIFF_VERSION_ORDER,
};
use crate::encode::{write_compact_size, Decode, DecodeError, Encode, Reader};
use crate::hash::{BlockHash, Hash256};
use crate::tx::Transaction;
use crate::wire::PartialMerkleTree;

/// `getmnlistd`: asks for the difference between the masternode lists at two blocks. An
/// all-zero base means "from genesis".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GetMnListDiff {
    /// The block whose list the diff starts from.
    pub base_block_hash: BlockHash,
    /// The block whose list the diff leads to.
    pub block_hash: BlockHash,
}

impl Encode for GetMnListDiff {
    fn encode(&self, out: &mut Vec<u8>) {
        self.base_block_hash.encode(out);
        self.block_hash.encode(out);
    }
}

impl Decode for GetMnListDiff {
    const MIN_ENCODED_LEN: usize = 64;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(GetMnListDiff {
            base_block_hash: r.read("base_block_hash")?,
            block_hash: r.read("block_hash")?,
        })
    }
}

/// A quorum's identity in a diff: its LLMQ type and base block hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct QuorumId {
    /// The LLMQ type.
    pub llmq_type: u8,
    /// Hash of the quorum's base block.
    pub quorum_hash: Hash256,
}

impl Encode for QuorumId {
    fn encode(&self, out: &mut Vec<u8>) {
        self.llmq_type.encode(out);
        self.quorum_hash.encode(out);
    }
}

impl Decode for QuorumId {
    const MIN_ENCODED_LEN: usize = 33;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(QuorumId { llmq_type: r.read("llmq_type")?, quorum_hash: r.read("quorum_hash")? })
    }
}

/// One `quorumsCLSigs` entry: a coinbase ChainLock signature and the indexes (into
/// `newQuorums`) of the quorums whose member selection used it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct QuorumClSig {
    /// The signature (96 zero bytes when the work block's CbTx had none).
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub signature: [u8; 96],
    /// Indexes into the diff's `new_quorums`.
    pub quorum_indexes: Vec<u16>,
}

/// `mnlistdiff`: the masternode list and active quorums at `block_hash`, as a difference from
/// the list at `base_block_hash`, with the block's coinbase and its merkle proof.
///
/// Wire (`p` = negotiated version): `[p ≥ 70229] nVersion u16 | baseBlockHash | blockHash |
/// cbTxMerkleTree | cbTx | [70225 ≤ p < 70229] nVersion u16 | deletedMNs | mnList |
/// deletedQuorums | newQuorums | [p ≥ 70230] quorumsCLSigs`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MnListDiff {
    /// Diff format version (1; 1 also when the layout carries none).
    pub version: u16,
    /// The base block, echoed as requested (zero stays zero).
    pub base_block_hash: BlockHash,
    /// The block whose list this is.
    pub block_hash: BlockHash,
    /// Partial merkle tree proving the coinbase (index 0) in the block.
    pub cb_tx_merkle_tree: PartialMerkleTree,
    /// The block's coinbase transaction, carrying the CbTx payload.
    pub cb_tx: Transaction,
    /// proRegTx hashes of masternodes gone since the base.
    pub deleted_mns: Vec<Hash256>,
    /// Masternodes new or changed since the base.
    pub mn_list: Vec<SmlEntry>,
    /// Quorums no longer active.
    pub deleted_quorums: Vec<QuorumId>,
    /// Quorums newly active.
    pub new_quorums: Vec<FinalCommitment>,
    /// Coinbase ChainLock signatures used by the new quorums (protocol ≥ 70230).
    pub quorums_cl_sigs: Vec<QuorumClSig>,
}

impl MnListDiff {
    /// Decodes a whole `mnlistdiff` payload in the layout of `protocol_version`; trailing bytes
    /// are an error.
    pub fn decode_versioned(bytes: &[u8], protocol_version: u32) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let diff = Self::read_versioned(&mut r, protocol_version)?;
        r.finish()?;
        Ok(diff)
    }

    /// Reads one `mnlistdiff` in the layout of `protocol_version` (as embedded in `qrinfo`).
    pub fn read_versioned(r: &mut Reader<'_>, protocol_version: u32) -> Result<Self, DecodeError> {
        let p = protocol_version;
        let mut version = 1;
        if p >= MNLISTDIFF_VERSION_ORDER {
            version = r.read("version")?;
        }
        let base_block_hash = r.read("base_block_hash")?;
        let block_hash = r.read("block_hash")?;
        let cb_tx_merkle_tree = r.read("cb_tx_merkle_tree")?;
        let cb_tx = r.read("cb_tx")?;
        if (BLS_SCHEME_PROTO_VERSION..MNLISTDIFF_VERSION_ORDER).contains(&p) {
            version = r.read("version")?;
        }
        let deleted_mns = r.read_vec("deleted_mns", usize::MAX)?;
        let n = read_bounded_count(r, "mn_list", MIN_ENTRY_LEN)?;
        let mut mn_list = Vec::with_capacity(n);
        for _ in 0..n {
            mn_list.push(SmlEntry::decode_versioned(r, p).map_err(|e| e.within("mn_list"))?);
        }
        let deleted_quorums = r.read_vec("deleted_quorums", usize::MAX)?;
        let new_quorums = r.read_vec("new_quorums", usize::MAX)?;
        let mut quorums_cl_sigs = Vec::new();
        if p >= MNLISTDIFF_CHAINLOCKS_PROTO_VERSION {
            let n = read_bounded_count(r, "quorums_cl_sigs", 96 + 1)?;
            quorums_cl_sigs.reserve_exact(n);
            for _ in 0..n {
                quorums_cl_sigs.push(QuorumClSig {
                    signature: r.read("quorums_cl_sigs")?,
                    quorum_indexes: r.read_vec("quorums_cl_sigs", usize::MAX)?,
                });
            }
        }
        Ok(MnListDiff {
            version,
            base_block_hash,
            block_hash,
            cb_tx_merkle_tree,
            cb_tx,
            deleted_mns,
            mn_list,
            deleted_quorums,
            new_quorums,
            quorums_cl_sigs,
        })
    }

    /// Writes the diff in the layout of `protocol_version`.
    pub fn encode_versioned(&self, out: &mut Vec<u8>, protocol_version: u32) {
        let p = protocol_version;
        if p >= MNLISTDIFF_VERSION_ORDER {
            self.version.encode(out);
        }
        self.base_block_hash.encode(out);
        self.block_hash.encode(out);
        self.cb_tx_merkle_tree.encode(out);
        self.cb_tx.encode(out);
        if (BLS_SCHEME_PROTO_VERSION..MNLISTDIFF_VERSION_ORDER).contains(&p) {
            self.version.encode(out);
        }
        crate::encode::write_vec(out, &self.deleted_mns);
        write_compact_size(out, self.mn_list.len() as u64);
        for entry in &self.mn_list {
            entry.encode_versioned(out, p);
        }
        crate::encode::write_vec(out, &self.deleted_quorums);
        crate::encode::write_vec(out, &self.new_quorums);
        if p >= MNLISTDIFF_CHAINLOCKS_PROTO_VERSION {
            write_compact_size(out, self.quorums_cl_sigs.len() as u64);
            for sig in &self.quorums_cl_sigs {
                sig.signature.encode(out);
                crate::encode::write_vec(out, &sig.quorum_indexes);
            }
        }
    }

    /// The diff serialized in the layout of `protocol_version`.
    pub fn to_bytes_versioned(&self, protocol_version: u32) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_versioned(&mut out, protocol_version);
        out
    }
}
