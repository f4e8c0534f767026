//! Every Dash P2P message as plain data: one struct per payload with its consensus encoding,
//! grouped by family, and the envelope that frames them.

mod address;
mod control;
mod governance;
mod header;
mod llmq;
mod masternode;
mod spork;
#[cfg(test)]
mod vector_tests;

pub use address::{
    onion_v3_from_key, onion_v3_to_key, Addr, AddrEntry, AddrV2, AddrV2Entry, Bip155Addr,
    NetAddress, OnionError, MAX_ADDRV2_SIZE, MAX_ADDR_ENTRIES,
};
pub use control::{
    FilterAdd, FilterLoad, Ping, Pong, SendCmpct, SendDsq, Version, VersionExtent,
    MAX_BLOOM_FILTER_SIZE, MAX_HASH_FUNCS, MAX_SCRIPT_ELEMENT_SIZE, MAX_SUBVERSION_LENGTH,
};
pub use governance::{
    GovObject, GovObjectType, GovObjectVote, GovSync, VoteOutcome, VoteSignal,
    MAX_GOVERNANCE_DATA_SIZE, MAX_GOVERNANCE_SIGNATURE_SIZE,
};
pub use header::BlockHeader;
pub use llmq::{ClSig, IsDLock, MAX_ISDLOCK_INPUTS};
pub use masternode::{MnAuth, SyncItem, SyncStatusCount};
pub use spork::{
    signed_message_hash, Spork, SporkId, MAX_SPORK_SIGNATURE_SIZE, MESSAGE_MAGIC,
    SPORK_DEFAULT_VALUE,
};
