//! The verified masternode list and its active LLMQ quorums as foreign records: what
//! `Client.masternode_list()` and `Client.quorums()` return. Hashes are typed objects (a
//! proRegTx hash is the [`Txid`] of the registering transaction, a quorum hash the
//! [`BlockHash`] of the quorum's base block); keys are lower-case hex.

use std::sync::Arc;

use dashlite::hash;
use dashlite::masternode::{llmq_params, MasternodeInfo, MasternodeListSummary, QuorumInfo};

use crate::hashes::{BlockHash, Txid};

/// What a masternode is (`MnType` in Dash Core).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum MasternodeType {
    /// A regular masternode (1,000 DASH collateral).
    Regular,
    /// An Evo masternode (4,000 DASH collateral, also serves Dash Platform).
    Evo,
}

/// One masternode of the list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Masternode {
    /// The hash of its ProRegTx, which names it.
    pub pro_reg_tx_hash: Arc<Txid>,
    /// Its core P2P address (`ip:port`, IPv6 in brackets); `None` when none is registered or
    /// the entry carries the extended address form.
    pub service: Option<String>,
    /// The operator's BLS public key (48 bytes), hex, as serialized in the list.
    pub operator_public_key: String,
    /// The voting key id (hash160 of the voting key, 20 bytes), hex.
    pub voting_key_id: String,
    /// Regular or Evo.
    pub kind: MasternodeType,
    /// Not PoSe-banned.
    pub valid: bool,
}

impl From<&MasternodeInfo> for Masternode {
    fn from(m: &MasternodeInfo) -> Self {
        Masternode {
            pro_reg_tx_hash: Txid::of(hash::Txid::from_byte_array(
                m.pro_reg_tx_hash.to_byte_array(),
            )),
            service: m.address.map(|a| a.to_string()),
            operator_public_key: hex(&m.operator_key),
            voting_key_id: hex(&m.voting_key_id),
            kind: if m.evo { MasternodeType::Evo } else { MasternodeType::Regular },
            valid: m.valid,
        }
    }
}

/// The newest verified masternode list: the list at one block of the best chain, whose
/// coinbase proves it (`merkleRootMNList`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct MasternodeList {
    /// The block's height.
    pub height: u32,
    /// The block's hash.
    pub block_hash: Arc<BlockHash>,
    /// Masternodes in the list (valid and PoSe-banned).
    pub entry_count: u32,
    /// Masternodes not PoSe-banned.
    pub valid_count: u32,
    /// Every masternode, ordered by proRegTx hash as Dash Core orders the list (bytes in wire
    /// order).
    pub entries: Vec<Masternode>,
}

impl From<&MasternodeListSummary> for MasternodeList {
    fn from(s: &MasternodeListSummary) -> Self {
        MasternodeList {
            height: s.height,
            block_hash: BlockHash::of(s.block_hash),
            entry_count: count(s.masternodes.len()),
            valid_count: count(s.valid),
            entries: s.masternodes.iter().map(Masternode::from).collect(),
        }
    }
}

/// One active LLMQ quorum of the verified list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Quorum {
    /// Dash Core's name of its LLMQ type (`llmq_400_60`, `llmq_test`, …; `llmq_<id>` for a
    /// type Dash Core does not define).
    pub type_name: String,
    /// The LLMQ type id (`Consensus::LLMQType`).
    pub llmq_type: u8,
    /// The hash of the quorum's base block.
    pub quorum_hash: Arc<BlockHash>,
    /// Its index in the rotation cycle (0 for a type that does not rotate).
    pub quorum_index: i16,
    /// The quorum's threshold BLS public key (48 bytes), hex.
    pub public_key: String,
    /// Whether the commitment's `quorumSig` verifies with that key (the signature of the
    /// commitment hash, `CFinalCommitment::Verify`).
    pub verified: bool,
}

impl Quorum {
    /// The record of `q`, with `verified` as given.
    fn of(q: &QuorumInfo, verified: bool) -> Self {
        Quorum {
            type_name: llmq_params(q.llmq_type)
                .map_or_else(|| format!("llmq_{}", q.llmq_type), |p| p.name.to_owned()),
            llmq_type: q.llmq_type,
            quorum_hash: BlockHash::of(hash::BlockHash::from_byte_array(
                q.quorum_hash.to_byte_array(),
            )),
            quorum_index: q.quorum_index,
            public_key: hex(&q.public_key),
            verified,
        }
    }
}

/// The quorums of `summary`, each commitment's signature checked. The BLS checks run on a
/// thread of their own (a mainnet list has dozens of quorums), so the caller's executor is
/// never blocked.
pub(crate) async fn quorums(summary: MasternodeListSummary) -> Vec<Quorum> {
    let (tx, rx) = futures::channel::oneshot::channel();
    let check = move || {
        let verdicts: Vec<Quorum> =
            summary.quorums.iter().map(|q| Quorum::of(q, q.signature_verifies())).collect();
        let _ = tx.send(verdicts);
    };
    if let Err(e) = std::thread::Builder::new().name("dashlite-quorums".into()).spawn(check) {
        log::error!("no thread to check the quorum signatures: {e}");
        return Vec::new();
    }
    rx.await.unwrap_or_default()
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}
