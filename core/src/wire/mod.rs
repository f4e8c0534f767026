//! Every Dash P2P message as plain data: one struct per payload with its consensus encoding,
//! grouped by family, and the envelope that frames them.

pub mod envelope;
mod header;
mod headers;
mod headers2;
mod inventory;
mod locator;
mod merkleblock;

pub use envelope::{Command, Frame, FrameDecoder, FrameError};
pub use header::BlockHeader;
pub use headers::{Headers, MAX_HEADERS_RESULTS};
pub use headers2::{
    CompressedHeader, CompressedTime, CompressedVersion, CompressionPath, Decompressor,
    HashedHeader, Headers2, Headers2Error, MAX_HEADERS_COMPRESSED_RESULT, MAX_VERSION_CACHE,
};
pub use inventory::{GetData, Inv, InvType, Inventory, Mempool, NotFound, MAX_INV_SZ};
pub use locator::{GetBlocks, GetHeaders, GetHeaders2, MAX_LOCATOR_SZ};
pub use merkleblock::{
    tree_node_count, MerkleBlock, PartialMerkleTree, MAX_PMT_FLAG_BYTES, MAX_PMT_HASHES,
    MAX_PMT_TRANSACTIONS,
};

#[cfg(test)]
mod data_session_tests;
