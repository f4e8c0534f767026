//! [`SqliteStore`]: a [`Store`] in one SQLite file.
//!
//! ## Durability
//! Header changes ([`HeaderStore::apply`]) and the client's records ([`Store::commit`]) go
//! into one SQLite transaction, opened by the first write after a commit and committed by
//! the next [`Store::commit`]: headers become durable at the next commit, together with the
//! batch of the same sync step. Reads (the header getters, [`Store::load`]) see the pending
//! writes. Dropping the store, or killing the process, before the commit loses the pending
//! changes and nothing else. The journal is a WAL with `synchronous=NORMAL`: a committed step
//! survives a killed process; a power cut may lose the last steps, never corrupt the file.
//!
//! ## Files
//! [`SqliteStore::open`] creates the file (and its directory) if missing. It refuses, with a
//! [`SqliteStoreError`] inside the [`StoreError`] and without writing anything, a file that
//! is not SQLite, a SQLite database of another application, one of another network and one
//! written by a newer schema; an older schema is migrated in one transaction (see
//! `schema.rs` for the tables).
//!
//! Memory: the page cache is bounded to 4 MiB (`CACHE_KIB`) and the statement cache to a few
//! prepared statements, whatever the number of headers.

mod codec;
mod error;
mod headers;
mod schema;
mod state;
#[cfg(test)]
mod tests;

pub use error::SqliteStoreError;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::chain::{ChainUpdate, HeaderStore, StoreError, StoredHeader};
use crate::hash::BlockHash;
use crate::network::Network;

use super::{Batch, ClientState, Store};

/// The page cache of the connection, in KiB (SQLite's `cache_size` when negative).
const CACHE_KIB: u32 = 4096;
/// How long a write waits for another connection's lock before failing (`busy_timeout`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Pages the WAL may hold before a commit checkpoints it into the database
/// (`wal_autocheckpoint`, SQLite's default is 1,000). Headers are indexed by a random hash,
/// so every 2,000-header step dirties about 2,000 index pages: checkpointing every 64 MiB
/// rather than every 4 MiB writes each page back once for several steps and syncs the file
/// less often (1.4x to 1.7x faster to fill a store, measured with the `store` bench). Only
/// disk space: the WAL index in shared memory is 8 bytes per page.
const WAL_AUTOCHECKPOINT_PAGES: u32 = 16_384;
/// The WAL file is truncated to this size after a checkpoint (`journal_size_limit`).
const WAL_SIZE_LIMIT: u64 = 64 << 20;

/// A [`Store`] in a SQLite file. See the module docs for durability and errors.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    network: Network,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens the store at `path` for `network`, creating the file and its directory if
    /// missing and migrating an older schema.
    pub fn open(path: impl AsRef<Path>, network: Network) -> Result<SqliteStore, StoreError> {
        Self::open_with(path.as_ref(), network, schema::MIGRATIONS).map_err(StoreError::from)
    }

    /// [`SqliteStore::open`] with a given list of migrations (tests use longer lists).
    fn open_with(
        path: &Path,
        network: Network,
        migrations: &[&str],
    ) -> Result<SqliteStore, SqliteStoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| SqliteStoreError::Io { path: dir.to_owned(), source })?;
        }
        schema::check_file(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(16);
        // Connection settings only: nothing is written to the file yet.
        conn.execute_batch(&format!("PRAGMA cache_size = -{CACHE_KIB}"))?;
        schema::check(&conn, path, network, migrations)?;
        // The file is ours (or new): from here on we may write.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            log::warn!("{}: journal mode {mode}, not WAL", path.display());
        }
        conn.execute_batch(&format!(
            "PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}; \
             PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES};"
        ))?;
        schema::migrate(&conn, network, migrations)?;
        // Another process may have created the file meanwhile: check what it wrote.
        schema::check(&conn, path, network, migrations)?;
        Ok(SqliteStore { conn, network, path: path.to_owned() })
    }

    /// The network the store belongs to.
    pub fn network(&self) -> Network {
        self.network
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many headers are stored (pending ones included).
    pub fn header_count(&self) -> Result<u64, StoreError> {
        Ok(headers::count(&self.conn)?)
    }

    /// Whether changes wait for the next [`Store::commit`] (an open transaction).
    pub fn has_pending_changes(&self) -> bool {
        !self.conn.is_autocommit()
    }

    /// Opens the step's transaction if none is open.
    fn begin(&self) -> Result<(), SqliteStoreError> {
        if self.conn.is_autocommit() {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
        }
        Ok(())
    }

    /// Runs `f` inside the step's transaction, under a savepoint: when `f` fails, what it
    /// wrote is undone and the earlier pending changes stay.
    fn in_savepoint<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, SqliteStoreError>,
    ) -> Result<T, SqliteStoreError> {
        self.begin()?;
        self.conn.execute_batch("SAVEPOINT step")?;
        match f(&self.conn) {
            Ok(v) => {
                self.conn.execute_batch("RELEASE step")?;
                Ok(v)
            }
            Err(e) => {
                if !self.conn.is_autocommit() {
                    let _ = self.conn.execute_batch("ROLLBACK TO step; RELEASE step");
                }
                Err(e)
            }
        }
    }
}

impl Drop for SqliteStore {
    /// Pending changes are abandoned, as a killed process would abandon them.
    fn drop(&mut self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

impl HeaderStore for SqliteStore {
    fn tip(&self) -> Result<Option<StoredHeader>, StoreError> {
        Ok(headers::tip(&self.conn)?)
    }

    fn get_by_height(&self, height: u32) -> Result<Option<StoredHeader>, StoreError> {
        Ok(headers::by_height(&self.conn, height)?)
    }

    fn get_by_hash(&self, hash: &BlockHash) -> Result<Option<StoredHeader>, StoreError> {
        Ok(headers::by_hash(&self.conn, hash)?)
    }

    /// Checks the update against the stored chain (the rule of
    /// [`crate::chain::MemoryHeaderStore`]: refused with a
    /// [`crate::chain::store::BrokenUpdate`] inside the error), then writes it into the
    /// pending transaction; it becomes durable at the next [`Store::commit`].
    fn apply(&mut self, update: &ChainUpdate) -> Result<(), StoreError> {
        // The write lock is taken before the check, so nothing changes in between.
        self.begin()?;
        if let Err(broken) = headers::check(&self.conn, update)? {
            return Err(StoreError::new(broken));
        }
        if update.keep_up_to.is_none() && update.connect.is_empty() {
            return Ok(());
        }
        Ok(self.in_savepoint(|conn| headers::write(conn, update))?)
    }

    /// Written into the pending transaction, durable at the next [`Store::commit`].
    fn restart(&mut self, start: StoredHeader) -> Result<(), StoreError> {
        self.begin()?;
        Ok(self.in_savepoint(|conn| headers::restart(conn, &start))?)
    }
}

impl Store for SqliteStore {
    fn load(&self) -> Result<ClientState, StoreError> {
        Ok(state::read(&self.conn)?)
    }

    fn commit(&mut self, batch: &Batch) -> Result<(), StoreError> {
        if batch.is_empty() && self.conn.is_autocommit() {
            return Ok(());
        }
        self.in_savepoint(|conn| state::write(conn, batch))?;
        self.conn.execute_batch("COMMIT").map_err(SqliteStoreError::from)?;
        Ok(())
    }
}
