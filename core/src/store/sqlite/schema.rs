//! The schema and its versions: `PRAGMA user_version` is the number of [`MIGRATIONS`] applied
//! to the file, `PRAGMA application_id` marks it as dashlite's and the `meta` table records
//! its network. Opening checks all three before writing anything; the missing migrations then
//! run in order, in one transaction.

use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use crate::network::Network;

use super::SqliteStoreError;

/// `PRAGMA application_id` of dashlite stores: "DSLT".
pub(super) const APPLICATION_ID: i32 = 0x4453_4c54;

/// The first 16 bytes of every SQLite 3 database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The schema migrations: entry `i` takes a database from version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[V1, V2, V3, V4];

/// Version 1: every table.
const V1: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE headers (
    height INTEGER PRIMARY KEY,
    hash BLOB NOT NULL UNIQUE,
    header BLOB NOT NULL,
    chain_work BLOB NOT NULL
);
CREATE TABLE watch (id INTEGER PRIMARY KEY CHECK (id = 1), network TEXT NOT NULL);
CREATE TABLE watch_addresses (address TEXT PRIMARY KEY);
CREATE TABLE watch_scripts (script BLOB PRIMARY KEY);
CREATE TABLE watch_outpoints (outpoint BLOB PRIMARY KEY);
CREATE TABLE watch_accounts (
    xpub TEXT PRIMARY KEY,
    external_gap INTEGER NOT NULL,
    internal_gap INTEGER NOT NULL,
    external_used INTEGER,
    internal_used INTEGER
);
CREATE TABLE wallet_txs (
    txid BLOB PRIMARY KEY,
    tx BLOB NOT NULL,
    status BLOB NOT NULL,
    seen INTEGER NOT NULL,
    owned_outputs BLOB NOT NULL,
    spent_watched BLOB NOT NULL
);
CREATE TABLE progress (id INTEGER PRIMARY KEY CHECK (id = 1), height INTEGER NOT NULL,
    hash BLOB NOT NULL);
CREATE TABLE peers (id INTEGER PRIMARY KEY CHECK (id = 1), address_book BLOB NOT NULL,
    bans BLOB NOT NULL);
CREATE TABLE filter (id INTEGER PRIMARY KEY CHECK (id = 1), filter BLOB NOT NULL);
CREATE TABLE sporks (seq INTEGER PRIMARY KEY, spork BLOB NOT NULL);
CREATE TABLE gov_objects (hash BLOB PRIMARY KEY, object BLOB NOT NULL);
CREATE TABLE gov_votes (hash BLOB PRIMARY KEY, vote BLOB NOT NULL);
CREATE TABLE gov_full_sync_times (seq INTEGER PRIMARY KEY, peer TEXT NOT NULL,
    time INTEGER NOT NULL);
CREATE TABLE instant_locks (txid BLOB PRIMARY KEY, lock BLOB NOT NULL);
";

/// Version 2: the best verified ChainLock; InstantSend locks are stored only once verified,
/// so the unverified ones version 1 recorded go.
const V2: &str = "
CREATE TABLE chain_lock (id INTEGER PRIMARY KEY CHECK (id = 1), clsig BLOB NOT NULL);
DELETE FROM instant_locks;
";

/// Version 3: the kept masternode lists ([`crate::masternode::MasternodeSnapshot::to_bytes`]).
const V3: &str = "
CREATE TABLE masternode_lists (block_hash BLOB PRIMARY KEY, height INTEGER NOT NULL,
    list BLOB NOT NULL);
";

/// Version 4: beside each list, the best ChainLock state its CbTx left
/// ([`crate::masternode::MasternodeSnapshot::best_chainlock_bytes`]; NULL when none is known,
/// as for every list version 3 stored).
const V4: &str = "
ALTER TABLE masternode_lists ADD COLUMN best_chainlock BLOB;
";

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SqliteStoreError + '_ {
    move |source| SqliteStoreError::Io { path: path.to_owned(), source }
}

/// Refuses an existing non-empty file that does not start with the SQLite header, before
/// SQLite opens it (SQLite treats an empty file as an empty database).
pub(super) fn check_file(path: &Path) -> Result<(), SqliteStoreError> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(path)(e)),
    };
    let mut head = Vec::with_capacity(16);
    file.by_ref().take(16).read_to_end(&mut head).map_err(io(path))?;
    if head.is_empty() || head == SQLITE_MAGIC {
        Ok(())
    } else {
        Err(SqliteStoreError::NotADatabase(path.to_owned()))
    }
}

/// The schema version of the open database.
pub(super) fn user_version(conn: &Connection) -> Result<u32, SqliteStoreError> {
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    // user_version is a signed 32-bit field; a negative one is no version of ours.
    Ok(u32::try_from(v).unwrap_or(u32::MAX))
}

/// Checks, without writing, that the database is a dashlite store of `network` whose
/// version `migrations` can reach. Returns its version.
pub(super) fn check(
    conn: &Connection,
    path: &Path,
    network: Network,
    migrations: &[&str],
) -> Result<u32, SqliteStoreError> {
    let version = user_version(conn)?;
    let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if version == 0 {
        // A fresh file; anything already in it belongs to someone else.
        let objects: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if objects > 0 || (app_id != 0 && app_id != APPLICATION_ID) {
            return Err(SqliteStoreError::ForeignDatabase(path.to_owned()));
        }
        return Ok(0);
    }
    if app_id != APPLICATION_ID {
        return Err(SqliteStoreError::ForeignDatabase(path.to_owned()));
    }
    let known = migrations.len() as u32;
    if version > known {
        return Err(SqliteStoreError::NewerSchema { found: version, known });
    }
    let stored: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'network'", [], |r| r.get(0))
        .optional()?;
    match stored {
        Some(name) if name == network.name() => Ok(version),
        Some(found) => Err(SqliteStoreError::WrongNetwork { expected: network, found }),
        None => Err(SqliteStoreError::WrongNetwork { expected: network, found: String::new() }),
    }
}

/// Runs the migrations the database lacks and records the new version, all in one
/// transaction: on any error the file keeps its version. A fresh database (version 0) also
/// gets the application id and its network. The version is read again inside the
/// transaction, so a process that migrated the file meanwhile is not repeated.
pub(super) fn migrate(
    conn: &Connection,
    network: Network,
    migrations: &[&str],
) -> Result<(), SqliteStoreError> {
    let to = migrations.len() as u32;
    if user_version(conn)? >= to {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| {
        let from = user_version(conn)?.min(to);
        for m in &migrations[from as usize..] {
            conn.execute_batch(m)?;
        }
        if from == 0 {
            conn.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))?;
            conn.execute("INSERT INTO meta (key, value) VALUES ('network', ?1)", [network.name()])?;
        }
        conn.execute_batch(&format!("PRAGMA user_version = {to}"))?;
        conn.execute_batch("COMMIT")?;
        Ok::<(), SqliteStoreError>(())
    })();
    if result.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    result
}
