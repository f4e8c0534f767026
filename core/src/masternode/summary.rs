//! What the client API shows of a masternode list: plain records, no wire types.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use super::list::MasternodeList;
use crate::hash::{BlockHash, Hash256};
use crate::tx::NetInfo;
use crate::wire::{SmlEntry, MN_TYPE_EVO};

/// One masternode of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasternodeInfo {
    /// The proRegTx hash (its identity).
    pub pro_reg_tx_hash: Hash256,
    /// Its core P2P address (`None`: none registered, or an extended address record).
    pub address: Option<SocketAddr>,
    /// Not PoSe-banned.
    pub valid: bool,
    /// An Evo (platform) masternode rather than a regular one.
    pub evo: bool,
    /// The entry version (1 legacy BLS, 2 basic BLS, 3 extended addresses).
    pub version: u16,
    /// The BLS operator public key, as serialized in the entry.
    pub operator_key: [u8; 48],
    /// hash160 of the voting key.
    pub voting_key_id: [u8; 20],
    /// The block hash that confirmed the registration (zero while unconfirmed).
    pub confirmed_hash: BlockHash,
}

/// One active quorum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuorumInfo {
    /// The LLMQ type.
    pub llmq_type: u8,
    /// The quorum's base block hash.
    pub quorum_hash: Hash256,
    /// The index in its rotation cycle (0 for non-rotated types).
    pub quorum_index: i16,
    /// The quorum's threshold public key.
    pub public_key: [u8; 48],
    /// Whether its `quorumSig` verifies against `public_key`
    /// ([`super::verify_quorum_signature`]; `membersSig` is not checked).
    pub verified: bool,
}

/// A masternode list at a block, for the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasternodeListSummary {
    /// The block's height.
    pub height: u32,
    /// The block.
    pub block_hash: BlockHash,
    /// How many masternodes are valid.
    pub valid: usize,
    /// Every masternode, by proRegTx hash.
    pub masternodes: Vec<MasternodeInfo>,
    /// Every active quorum, by type and hash.
    pub quorums: Vec<QuorumInfo>,
}

impl MasternodeListSummary {
    /// The summary of `list` at `height`.
    pub fn of(height: u32, list: &MasternodeList) -> Self {
        MasternodeListSummary {
            height,
            block_hash: list.block_hash,
            valid: list.valid_count(),
            masternodes: list.entries.values().map(MasternodeInfo::of).collect(),
            quorums: list
                .quorums
                .values()
                .map(|q| QuorumInfo {
                    llmq_type: q.llmq_type,
                    quorum_hash: q.quorum_hash,
                    quorum_index: q.quorum_index,
                    public_key: q.quorum_public_key,
                    verified: super::verify_quorum_signature(q),
                })
                .collect(),
        }
    }
}

impl MasternodeInfo {
    /// The record of one entry.
    pub fn of(e: &SmlEntry) -> Self {
        MasternodeInfo {
            pro_reg_tx_hash: e.pro_reg_tx_hash,
            address: socket_addr(&e.net_info),
            valid: e.is_valid,
            evo: e.mn_type == MN_TYPE_EVO,
            version: e.version,
            operator_key: e.operator_key,
            voting_key_id: e.voting_key_id,
            confirmed_hash: e.confirmed_hash,
        }
    }
}

/// A legacy `CService` as a socket address; IPv4-mapped addresses become IPv4, and the
/// all-zero "no address" is `None`.
fn socket_addr(net: &NetInfo) -> Option<SocketAddr> {
    match net {
        NetInfo::Legacy { ip, port } => {
            if ip.iter().all(|b| *b == 0) && *port == 0 {
                return None;
            }
            let v6 = Ipv6Addr::from(*ip);
            let ip = v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4);
            Some(SocketAddr::new(ip, *port))
        }
        NetInfo::Extended(_) => None,
    }
}
