//! What the client API reports: [`BuildError`] (opening a client), [`ClientError`] (calls on
//! an open client) and [`StopReason`] (why a running client stopped).

use std::sync::Arc;

use crate::chain::StoreError;
use crate::sync::SyncError;
use crate::wallet::{AccountError, WatchError};

/// Why [`super::ClientBuilder::build`] could not open a client.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The store could not be opened or read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored header chain or filter state does not let the sync engine resume.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// A watch item does not fit the network or the watch list.
    #[error(transparent)]
    Watch(#[from] WatchError),
    /// An account key is not a BIP44 account key or its gap limits are out of range.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// The stored address book or ban list does not decode.
    #[error("stored peers: {0}")]
    StoredPeers(crate::encode::DecodeError),
    /// The birthday is before the first block this client can validate from.
    #[error("birthday height {birthday} is before height {earliest}, the first this client syncs from on {network}")]
    BirthdayTooEarly {
        /// The requested birthday height.
        birthday: u32,
        /// The earliest supported birthday height.
        earliest: u32,
        /// The network.
        network: crate::Network,
    },
    /// A builder setting is out of range.
    #[error("invalid setting {setting}: {reason}")]
    InvalidSetting {
        /// The setting.
        setting: &'static str,
        /// Why.
        reason: &'static str,
    },
}

/// Why a call on an open client failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored header chain could not be read back.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// A watch item does not fit the network or the watch list.
    #[error(transparent)]
    Watch(#[from] WatchError),
    /// An account key is not a BIP44 account key or its gap limits are out of range.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// `start` on a running client.
    #[error("the client is already running")]
    AlreadyRunning,
    /// A call that needs a running client.
    #[error("the client is not running")]
    NotRunning,
    /// The client stopped while the call was waiting (see [`StopReason`]).
    #[error("the client stopped")]
    Stopped,
    /// The raw transaction does not decode.
    #[error("transaction does not decode: {0}")]
    BadTransaction(#[from] crate::encode::DecodeError),
}

/// Why a running client stopped ([`super::ClientEvent::Stopped`]).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StopReason {
    /// [`super::Client::stop`] was called (or [`super::Client::sync_for`] ended its slice):
    /// everything was committed.
    #[error("stopped as asked")]
    Requested,
    /// The store failed to commit a step (or the final commit): what was committed before
    /// is intact, the rest is fetched again on the next start.
    #[error("the store failed: {0}")]
    StoreFailed(Arc<StoreError>),
}

impl StopReason {
    /// Whether the client stopped because it was asked to.
    pub fn is_requested(&self) -> bool {
        matches!(self, StopReason::Requested)
    }
}

/// Two reasons are equal when they are the same kind and say the same thing (store errors
/// are compared by their message: the error itself is not comparable).
impl PartialEq for StopReason {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (StopReason::Requested, StopReason::Requested) => true,
            (StopReason::StoreFailed(a), StopReason::StoreFailed(b)) => {
                Arc::ptr_eq(a, b) || a.to_string() == b.to_string()
            }
            _ => false,
        }
    }
}

impl Eq for StopReason {}
