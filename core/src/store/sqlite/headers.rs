//! The `headers` table: the best chain by height, with a unique index on the hash. Header
//! (80 bytes, wire layout), hash (32 bytes, wire order) and chain work (32 bytes, big-endian)
//! are blobs.

use rusqlite::{params, Connection, Row};

use crate::chain::store::BrokenUpdate;
use crate::chain::{ChainUpdate, StoredHeader, U256};
use crate::encode::DecodeError;
use crate::hash::BlockHash;
use crate::wire::BlockHeader;

use super::codec::{array, u32_column};
use super::SqliteStoreError;

const COLUMNS: &str = "height, hash, header, chain_work";

fn corrupt(e: DecodeError) -> SqliteStoreError {
    SqliteStoreError::corrupt("header", e)
}

fn blob<'r>(row: &'r Row<'_>, i: usize, field: &'static str) -> Result<&'r [u8], SqliteStoreError> {
    row.get_ref(i)?.as_blob().map_err(|_| corrupt(DecodeError::invalid(field, "not a blob")))
}

fn decode_row(row: &Row<'_>) -> Result<StoredHeader, SqliteStoreError> {
    let height = u32_column("height", row.get(0)?).map_err(corrupt)?;
    let hash = BlockHash::from_byte_array(array("hash", blob(row, 1, "hash")?).map_err(corrupt)?);
    let header =
        BlockHeader::from_array(&array("header", blob(row, 2, "header")?).map_err(corrupt)?);
    let work =
        U256::from_be_bytes(array("chain_work", blob(row, 3, "chain_work")?).map_err(corrupt)?);
    Ok(StoredHeader { header, hash, height, chain_work: work })
}

fn one(
    conn: &Connection,
    sql: &str,
    param: impl rusqlite::Params,
) -> Result<Option<StoredHeader>, SqliteStoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(param)?;
    match rows.next()? {
        Some(row) => decode_row(row).map(Some),
        None => Ok(None),
    }
}

/// The highest stored header.
pub(super) fn tip(conn: &Connection) -> Result<Option<StoredHeader>, SqliteStoreError> {
    one(conn, &format!("SELECT {COLUMNS} FROM headers ORDER BY height DESC LIMIT 1"), [])
}

/// The header at `height`.
pub(super) fn by_height(
    conn: &Connection,
    height: u32,
) -> Result<Option<StoredHeader>, SqliteStoreError> {
    one(conn, &format!("SELECT {COLUMNS} FROM headers WHERE height = ?1"), [height])
}

/// The header with `hash`.
pub(super) fn by_hash(
    conn: &Connection,
    hash: &BlockHash,
) -> Result<Option<StoredHeader>, SqliteStoreError> {
    one(conn, &format!("SELECT {COLUMNS} FROM headers WHERE hash = ?1"), [&hash.as_bytes()[..]])
}

/// How many headers are stored.
pub(super) fn count(conn: &Connection) -> Result<u64, SqliteStoreError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM headers", [], |r| r.get(0))?;
    Ok(n as u64)
}

/// Whether `update` continues the stored chain: the rule of
/// [`crate::chain::MemoryHeaderStore`] (the kept header must exist; each connected header
/// has the next height and links to the previous one; an empty store may start anywhere).
pub(super) fn check(
    conn: &Connection,
    update: &ChainUpdate,
) -> Result<Result<(), BrokenUpdate>, SqliteStoreError> {
    let mut prev = match update.keep_up_to {
        Some(h) => match by_height(conn, h)? {
            Some(p) => Some((p.height, p.hash)),
            None => return Ok(Err(BrokenUpdate { height: h })),
        },
        None => tip(conn)?.map(|p| (p.height, p.hash)),
    };
    for s in &update.connect {
        if let Some((height, hash)) = prev {
            if Some(s.height) != height.checked_add(1) || s.header.prev_blockhash != hash {
                return Ok(Err(BrokenUpdate { height: s.height }));
            }
        }
        prev = Some((s.height, s.hash));
    }
    Ok(Ok(()))
}

/// Replaces the whole chain by `start`.
pub(super) fn restart(conn: &Connection, start: &StoredHeader) -> Result<(), SqliteStoreError> {
    conn.execute_batch("DELETE FROM headers")?;
    write(conn, &ChainUpdate { keep_up_to: None, connect: vec![*start] })
}

/// Writes a checked update: deletes above `keep_up_to`, inserts `connect`.
pub(super) fn write(conn: &Connection, update: &ChainUpdate) -> Result<(), SqliteStoreError> {
    if let Some(keep) = update.keep_up_to {
        conn.prepare_cached("DELETE FROM headers WHERE height > ?1")?.execute([keep])?;
    }
    let mut insert = conn.prepare_cached(
        "INSERT INTO headers (height, hash, header, chain_work) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for s in &update.connect {
        insert.execute(params![
            s.height,
            &s.hash.as_bytes()[..],
            &s.header.to_array()[..],
            &s.chain_work.to_be_bytes()[..],
        ])?;
    }
    Ok(())
}
