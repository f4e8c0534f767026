//! [`SqliteStoreError`]: why the SQLite store failed. It reaches callers wrapped in a
//! [`StoreError`]; `downcast_ref::<SqliteStoreError>()` on its source recovers it.

use std::path::PathBuf;

use crate::encode::DecodeError;
use crate::network::Network;

use super::StoreError;

/// A failure of [`super::SqliteStore`].
///
/// The refusals on open ([`NotADatabase`](Self::NotADatabase),
/// [`ForeignDatabase`](Self::ForeignDatabase), [`NewerSchema`](Self::NewerSchema),
/// [`WrongNetwork`](Self::WrongNetwork)) are raised before anything is written: the file is
/// left exactly as it was.
#[derive(Debug, thiserror::Error)]
pub enum SqliteStoreError {
    /// SQLite reported an error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The directory of the database could not be created, or the file not read.
    #[error("{path}: {source}")]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The file exists but does not start with the SQLite header.
    #[error("{0} is not a SQLite database")]
    NotADatabase(PathBuf),
    /// A SQLite database of another application (other application id, or tables without
    /// our schema version).
    #[error("{0} is a SQLite database of another application")]
    ForeignDatabase(PathBuf),
    /// The database was written by a newer dashlite whose schema this code does not know.
    #[error("database schema version {found} is newer than this dashlite supports ({known})")]
    NewerSchema {
        /// `PRAGMA user_version` of the file.
        found: u32,
        /// The newest version this code knows.
        known: u32,
    },
    /// The database belongs to another network.
    #[error("database is for {found}, not {expected}")]
    WrongNetwork {
        /// The network the caller opened it for.
        expected: Network,
        /// The network recorded in its `meta` table (as stored).
        found: String,
    },
    /// A stored value does not decode: the file was damaged or edited.
    #[error("corrupt {record} in the database: {source}")]
    Corrupt {
        /// The table or record kind.
        record: &'static str,
        /// What is wrong with it.
        #[source]
        source: DecodeError,
    },
}

impl SqliteStoreError {
    /// A corrupt stored value of `record`.
    pub(super) fn corrupt(record: &'static str, source: DecodeError) -> SqliteStoreError {
        SqliteStoreError::Corrupt { record, source }
    }
}

impl From<SqliteStoreError> for StoreError {
    fn from(e: SqliteStoreError) -> StoreError {
        StoreError::new(e)
    }
}
