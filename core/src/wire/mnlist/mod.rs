//! Masternode-list and quorum messages (`src/evo/smldiff.h`, `src/evo/simplifiedmns.h`,
//! `src/llmq/commitment.h`, `src/llmq/snapshot.h`): `getmnlistd`/`mnlistdiff`,
//! `getqrinfo`/`qrinfo`, the simplified masternode list entry and the quorum final
//! commitment.
//!
//! Their layouts depend on the negotiated protocol version, so these payloads are decoded with
//! [`MnListDiff::decode_versioned`] / [`QrInfo::decode_versioned`] rather than through
//! [`crate::wire::Message`]; the request messages have a single layout and are ordinary
//! messages.

mod commitment;
mod diff;
mod entry;
mod qrinfo;
mod versioned;

#[cfg(test)]
mod tests;

pub use commitment::{BitSet, FinalCommitment};
pub use diff::{GetMnListDiff, MnListDiff, QuorumClSig, QuorumId};
pub use entry::{SmlEntry, MN_TYPE_EVO, MN_TYPE_REGULAR};
pub use qrinfo::{GetQrInfo, QrInfo, QuorumSnapshot, MAX_QRINFO_BASE_HASHES};
pub use versioned::{
    BLS_SCHEME_PROTO_VERSION, DMN_TYPE_PROTO_VERSION, MNLISTDIFF_CHAINLOCKS_PROTO_VERSION,
    MNLISTDIFF_VERSION_ORDER, SMNLE_VERSIONED_PROTO_VERSION,
};
