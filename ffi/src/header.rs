//! Block hashes of raw headers, computed off the caller's thread: the async function of the
//! bindings. Its future waits on a channel that a worker thread completes, so the foreign
//! executor (Kotlin coroutines, Swift concurrency, Python asyncio) really suspends and is
//! woken from another thread; no Rust async runtime is involved.

use std::sync::Arc;

use dashlite::wire::BlockHeader;

use crate::hashes::BlockHash;

/// Why a block hash could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum HeaderError {
    /// A block header is exactly 80 bytes.
    #[error("a block header is 80 bytes, not {length}")]
    BadLength {
        /// The length given.
        length: u64,
    },
    /// The worker thread could not be started or did not answer.
    #[error("the hashing thread failed: {reason}")]
    Worker {
        /// What the system said.
        reason: String,
    },
}

/// The block hash (X11 of the 80-byte header) of a serialized block header,
/// computed on a worker thread.
#[uniffi::export]
pub async fn block_hash(header: Vec<u8>) -> Result<Arc<BlockHash>, HeaderError> {
    let header: [u8; 80] = header
        .as_slice()
        .try_into()
        .map_err(|_| HeaderError::BadLength { length: header.len() as u64 })?;
    let (tx, rx) = futures::channel::oneshot::channel();
    std::thread::Builder::new()
        .name("dashlite-x11".into())
        .spawn(move || {
            // The receiver is gone only when the caller cancelled: nothing to do then.
            let _ = tx.send(BlockHeader::from_array(&header).block_hash());
        })
        .map_err(|e| HeaderError::Worker { reason: e.to_string() })?;
    let hash = rx.await.map_err(|_| HeaderError::Worker { reason: "no result".into() })?;
    Ok(BlockHash::of(hash))
}
