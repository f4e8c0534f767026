//! Every Dash P2P message as plain data: one struct per payload with its consensus encoding,
//! grouped by family, and the envelope that frames them.

mod address;
mod block;
mod control;
pub mod envelope;
mod governance;
mod header;
mod headers;
mod headers2;
mod inventory;
mod llmq;
mod locator;
mod masternode;
mod merkleblock;
mod message;
mod mnlist;
mod onion;
mod spork;
pub mod v2;

pub use address::{
    Addr, AddrEntry, AddrV2, AddrV2Entry, Bip155Addr, NetAddress, MAX_ADDRV2_SIZE, MAX_ADDR_ENTRIES,
};
pub use block::Block;
pub use control::{
    FilterAdd, FilterLoad, Ping, Pong, SendCmpct, SendDsq, Version, VersionExtent,
    MAX_BLOOM_FILTER_SIZE, MAX_HASH_FUNCS, MAX_SCRIPT_ELEMENT_SIZE, MAX_SUBVERSION_LENGTH,
};
pub use envelope::{Command, Frame, FrameDecoder, FrameError};
pub use governance::{
    GovObject, GovObjectType, GovObjectVote, GovSync, VoteOutcome, VoteSignal,
    MAX_GOVERNANCE_DATA_SIZE, MAX_GOVERNANCE_SIGNATURE_SIZE,
};
pub use header::BlockHeader;
pub use headers::{Headers, MAX_HEADERS_RESULTS};
pub use headers2::{
    CompressedHeader, CompressedTime, CompressedVersion, CompressionPath, Decompressor,
    HashedHeader, Headers2, Headers2Error, MAX_HEADERS_COMPRESSED_RESULT, MAX_VERSION_CACHE,
};
pub use inventory::{GetData, Inv, InvType, Inventory, NotFound, MAX_INV_SZ};
pub use llmq::{ClSig, IsDLock, MAX_ISDLOCK_INPUTS};
pub use locator::{GetBlocks, GetHeaders, GetHeaders2, MAX_LOCATOR_SZ};
pub use masternode::{MnAuth, SyncItem, SyncStatusCount};
pub use merkleblock::{
    tree_node_count, MerkleBlock, PartialMerkleTree, MAX_PMT_FLAG_BYTES, MAX_PMT_HASHES,
    MAX_PMT_TRANSACTIONS,
};
pub use message::{Message, MessageError, MessageKind, KNOWN_COMMANDS};
pub use mnlist::{
    BitSet, FinalCommitment, GetMnListDiff, GetQrInfo, MnListDiff, QrInfo, QuorumClSig, QuorumId,
    QuorumSnapshot, SmlEntry, BLS_SCHEME_PROTO_VERSION, DMN_TYPE_PROTO_VERSION,
    MAX_QRINFO_BASE_HASHES, MNLISTDIFF_CHAINLOCKS_PROTO_VERSION, MNLISTDIFF_VERSION_ORDER,
    MN_TYPE_EVO, MN_TYPE_REGULAR, SMNLE_VERSIONED_PROTO_VERSION,
};
pub use onion::{onion_v3_from_key, onion_v3_to_key, OnionError};
pub use spork::{
    signed_message_hash, Spork, SporkId, MAX_SPORK_SIGNATURE_SIZE, MESSAGE_MAGIC,
    SPORK_DEFAULT_VALUE,
};

#[cfg(test)]
mod data_session_tests;
#[cfg(test)]
mod vector_tests;
