//! [`ClientError`]: what the client API reports.

use crate::chain::StoreError;
use crate::sync::SyncError;
use crate::wallet::{AccountError, WatchError};

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The store could not be opened, read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The sync engine could not start (stored header chain, filter).
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
    /// `start` on a running client.
    #[error("the client is already running")]
    AlreadyRunning,
    /// A call that needs a running client.
    #[error("the client is not running")]
    NotRunning,
    /// The client stopped while the call was waiting (see the last event).
    #[error("the client stopped")]
    Stopped,
    /// The raw transaction does not decode.
    #[error("transaction does not decode: {0}")]
    BadTransaction(#[from] crate::encode::DecodeError),
}
