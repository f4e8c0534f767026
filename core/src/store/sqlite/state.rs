//! Reading and writing [`ClientState`] / [`Batch`]: one table per record kind (see
//! `schema.rs`), with the semantics of [`crate::store::MemoryStore`]: lists are upserts keyed
//! by identity and read back sorted by it; `Option`s and replaced lists overwrite.

use std::net::IpAddr;
use std::str::FromStr;

use rusqlite::{params, Connection, Row};

use crate::encode::{Decode, DecodeError, Encode};
use crate::hash::{BlockHash, Txid};
use crate::network::Network;
use crate::store::{
    Batch, ClientState, InstantLockRecord, MasternodeSnapshot, PeerRecords, Progress,
};
use crate::tx::{OutPoint, Script, Transaction};
use crate::wallet::{
    Account, Address, ChainKind, ExtendedPubKey, GapLimits, TxStatus, WalletTx, WatchList,
};
use crate::wire::{ClSig, FilterLoad, GovObject, GovObjectVote, IsDLock, Spork};

use super::codec::{self, array, u32_column};
use super::SqliteStoreError;

/// The highest last-used key index read back: restoring an account derives every key up to
/// it, so a damaged value must not make loading derive billions of keys. A million used
/// keys is far beyond any wallet this client's memory budget allows.
pub(super) const MAX_STORED_KEY_INDEX: u32 = 1_000_000;

/// Reads one column of a row, naming the record in errors.
struct Cols<'r, 's> {
    row: &'r Row<'s>,
    record: &'static str,
}

impl<'r> Cols<'r, '_> {
    fn bad(&self, e: DecodeError) -> SqliteStoreError {
        SqliteStoreError::corrupt(self.record, e)
    }

    fn blob(&self, i: usize, field: &'static str) -> Result<&'r [u8], SqliteStoreError> {
        self.row
            .get_ref(i)?
            .as_blob()
            .map_err(|_| self.bad(DecodeError::invalid(field, "not a blob")))
    }

    fn opt_blob(
        &self,
        i: usize,
        field: &'static str,
    ) -> Result<Option<&'r [u8]>, SqliteStoreError> {
        self.row
            .get_ref(i)?
            .as_blob_or_null()
            .map_err(|_| self.bad(DecodeError::invalid(field, "not a blob")))
    }

    fn text(&self, i: usize, field: &'static str) -> Result<&'r str, SqliteStoreError> {
        self.row.get_ref(i)?.as_str().map_err(|_| self.bad(DecodeError::invalid(field, "not text")))
    }

    fn int(&self, i: usize, field: &'static str) -> Result<i64, SqliteStoreError> {
        self.row
            .get_ref(i)?
            .as_i64()
            .map_err(|_| self.bad(DecodeError::invalid(field, "not an integer")))
    }

    fn opt_u32(&self, i: usize, field: &'static str) -> Result<Option<u32>, SqliteStoreError> {
        match self.row.get_ref(i)?.as_i64_or_null() {
            Ok(None) => Ok(None),
            Ok(Some(v)) => u32_column(field, v).map(Some).map_err(|e| self.bad(e)),
            Err(_) => Err(self.bad(DecodeError::invalid(field, "not an integer"))),
        }
    }

    fn u32(&self, i: usize, field: &'static str) -> Result<u32, SqliteStoreError> {
        u32_column(field, self.int(i, field)?).map_err(|e| self.bad(e))
    }

    fn decode<T: Decode>(&self, i: usize, field: &'static str) -> Result<T, SqliteStoreError> {
        T::from_bytes(self.blob(i, field)?).map_err(|e| self.bad(e.within(field)))
    }

    fn hash(&self, i: usize, field: &'static str) -> Result<[u8; 32], SqliteStoreError> {
        array(field, self.blob(i, field)?).map_err(|e| self.bad(e))
    }
}

/// Runs `sql` and calls `f` on every row.
fn each(
    conn: &Connection,
    sql: &str,
    record: &'static str,
    mut f: impl FnMut(&Cols<'_, '_>) -> Result<(), SqliteStoreError>,
) -> Result<(), SqliteStoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        f(&Cols { row, record })?;
    }
    Ok(())
}

/// Reads everything but the headers.
pub(super) fn read(conn: &Connection) -> Result<ClientState, SqliteStoreError> {
    let mut s = ClientState { watch: read_watch(conn)?, ..ClientState::default() };
    each(
        conn,
        "SELECT txid, tx, status, seen, owned_outputs, spent_watched FROM wallet_txs \
         ORDER BY txid",
        "wallet_txs",
        |c| {
            let bad = |e: DecodeError| c.bad(e);
            let (status, since) = codec::decode_status(c.blob(2, "status")?).map_err(bad)?;
            s.wallet_txs.push(WalletTx {
                txid: Txid::from_byte_array(c.hash(0, "txid")?),
                tx: c.decode::<Transaction>(1, "tx")?,
                status,
                // Unconfirmed without a stored height (written before expiry): waits from
                // the stored progress, below.
                unconfirmed_since: match (status, since) {
                    (TxStatus::Unconfirmed, None) => u32::MAX,
                    (_, since) => since.unwrap_or(0),
                },
                // Stored as the i64 with the same bits.
                seen: c.int(3, "seen")? as u64,
                owned_outputs: codec::decode_owned_outputs(c.blob(4, "owned_outputs")?)
                    .map_err(bad)?,
                spent_watched: codec::decode_outpoints(c.blob(5, "spent_watched")?).map_err(bad)?,
            });
            Ok(())
        },
    )?;
    each(conn, "SELECT height, hash FROM progress", "progress", |c| {
        let hash = BlockHash::from_byte_array(c.hash(1, "hash")?);
        s.progress = Some(Progress { height: c.u32(0, "height")?, hash });
        Ok(())
    })?;
    let tip = s.progress.map_or(0, |p| p.height);
    for t in s.wallet_txs.iter_mut().filter(|t| t.unconfirmed_since == u32::MAX) {
        t.unconfirmed_since = tip;
    }
    each(conn, "SELECT address_book, bans FROM peers", "peers", |c| {
        s.peers = Some(PeerRecords {
            address_book: c.blob(0, "address_book")?.to_vec(),
            bans: c.blob(1, "bans")?.to_vec(),
        });
        Ok(())
    })?;
    each(conn, "SELECT filter FROM filter", "filter", |c| {
        s.filter = Some(c.decode::<FilterLoad>(0, "filter")?);
        Ok(())
    })?;
    each(conn, "SELECT spork FROM sporks ORDER BY seq", "sporks", |c| {
        s.sporks.push(c.decode::<Spork>(0, "spork")?);
        Ok(())
    })?;
    each(conn, "SELECT object FROM gov_objects ORDER BY hash", "gov_objects", |c| {
        s.governance.objects.push(c.decode::<GovObject>(0, "object")?);
        Ok(())
    })?;
    each(conn, "SELECT vote FROM gov_votes ORDER BY hash", "gov_votes", |c| {
        s.governance.votes.push(c.decode::<GovObjectVote>(0, "vote")?);
        Ok(())
    })?;
    each(
        conn,
        "SELECT peer, time FROM gov_full_sync_times ORDER BY seq",
        "gov_full_sync_times",
        |c| {
            let peer = IpAddr::from_str(c.text(0, "peer")?)
                .map_err(|_| c.bad(DecodeError::invalid("peer", "not an IP address")))?;
            s.governance.full_sync_times.push((peer, c.int(1, "time")?));
            Ok(())
        },
    )?;
    each(conn, "SELECT clsig FROM chain_lock", "chain_lock", |c| {
        s.chain_lock = Some(c.decode::<ClSig>(0, "clsig")?);
        Ok(())
    })?;
    each(conn, "SELECT txid, lock FROM instant_locks ORDER BY txid", "instant_locks", |c| {
        let txid = Txid::from_byte_array(c.hash(0, "txid")?);
        s.instant_locks.push(InstantLockRecord { txid, lock: c.decode::<IsDLock>(1, "lock")? });
        Ok(())
    })?;
    each(
        conn,
        "SELECT block_hash, list, best_chainlock FROM masternode_lists ORDER BY height",
        "masternode_lists",
        |c| {
            let hash = BlockHash::from_byte_array(c.hash(0, "block_hash")?);
            let mut m = MasternodeSnapshot::from_bytes(c.blob(1, "list")?)
                .map_err(|e| c.bad(e.within("list")))?;
            if m.list.block_hash != hash {
                return Err(c.bad(DecodeError::invalid("list", "not the list of its block")));
            }
            if let Some(bytes) = c.opt_blob(2, "best_chainlock")? {
                m.set_best_chainlock_bytes(bytes).map_err(|e| c.bad(e.within("best_chainlock")))?;
            }
            s.masternode_lists.push(m);
            Ok(())
        },
    )?;
    Ok(s)
}

/// Rebuilds the watch list: addresses, scripts and outpoints as added, accounts restored
/// from their key, gap limits and last used indexes (the keys are derived again).
fn read_watch(conn: &Connection) -> Result<Option<WatchList>, SqliteStoreError> {
    let mut network = None;
    each(conn, "SELECT network FROM watch", "watch", |c| {
        network = Some(
            Network::from_str(c.text(0, "network")?)
                .map_err(|_| c.bad(DecodeError::invalid("network", "unknown network")))?,
        );
        Ok(())
    })?;
    let Some(network) = network else { return Ok(None) };
    let mut w = WatchList::new(network);
    each(conn, "SELECT address FROM watch_addresses", "watch_addresses", |c| {
        let invalid =
            || c.bad(DecodeError::invalid("address", "not an address of the list's network"));
        let a = Address::parse(c.text(0, "address")?, network).map_err(|_| invalid())?;
        w.add_address(a).map_err(|_| invalid())?;
        Ok(())
    })?;
    each(conn, "SELECT script FROM watch_scripts", "watch_scripts", |c| {
        w.add_script(Script::new(c.blob(0, "script")?.to_vec()));
        Ok(())
    })?;
    each(conn, "SELECT outpoint FROM watch_outpoints", "watch_outpoints", |c| {
        w.add_outpoint(c.decode::<OutPoint>(0, "outpoint")?);
        Ok(())
    })?;
    each(
        conn,
        "SELECT xpub, external_gap, internal_gap, external_used, internal_used \
         FROM watch_accounts",
        "watch_accounts",
        |c| {
            let invalid = |why| c.bad(DecodeError::invalid("account", why));
            let xpub = ExtendedPubKey::parse(c.text(0, "xpub")?, network)
                .map_err(|_| invalid("not an extended public key of the list's network"))?;
            let gaps = GapLimits {
                external: c.u32(1, "external_gap")?,
                internal: c.u32(2, "internal_gap")?,
            };
            let used = [c.opt_u32(3, "external_used")?, c.opt_u32(4, "internal_used")?];
            if used.iter().flatten().any(|&i| i > MAX_STORED_KEY_INDEX) {
                return Err(invalid("used key index above the limit"));
            }
            let account = Account::restore(xpub, gaps, used[0], used[1])
                .map_err(|_| invalid("not a valid BIP44 account"))?;
            w.insert_account(account).map_err(|_| invalid("not of the list's network"))?;
            Ok(())
        },
    )?;
    Ok(Some(w))
}

/// Writes a batch (inside the caller's transaction).
pub(super) fn write(conn: &Connection, b: &Batch) -> Result<(), SqliteStoreError> {
    if let Some(w) = &b.watch {
        write_watch(conn, w)?;
    }
    if !b.wallet_txs.is_empty() {
        let mut stmt = conn.prepare_cached(
            "INSERT OR REPLACE INTO wallet_txs \
             (txid, tx, status, seen, owned_outputs, spent_watched) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for t in &b.wallet_txs {
            stmt.execute(params![
                &t.txid.as_bytes()[..],
                t.tx.to_bytes(),
                codec::encode_status(&t.status, t.unconfirmed_since),
                t.seen as i64,
                codec::encode_owned_outputs(&t.owned_outputs),
                codec::encode_outpoints(&t.spent_watched),
            ])?;
        }
    }
    if let Some(p) = b.progress {
        conn.prepare_cached(
            "INSERT OR REPLACE INTO progress (id, height, hash) VALUES (1, ?1, ?2)",
        )?
        .execute(params![p.height, &p.hash.as_bytes()[..]])?;
    }
    if let Some(p) = &b.peers {
        conn.prepare_cached(
            "INSERT OR REPLACE INTO peers (id, address_book, bans) VALUES (1, ?1, ?2)",
        )?
        .execute(params![p.address_book, p.bans])?;
    }
    if let Some(f) = &b.filter {
        conn.prepare_cached("INSERT OR REPLACE INTO filter (id, filter) VALUES (1, ?1)")?
            .execute([f.to_bytes()])?;
    }
    if let Some(c) = &b.chain_lock {
        conn.prepare_cached("INSERT OR REPLACE INTO chain_lock (id, clsig) VALUES (1, ?1)")?
            .execute([c.to_bytes()])?;
    }
    if let Some(sporks) = &b.sporks {
        conn.execute("DELETE FROM sporks", [])?;
        let mut stmt = conn.prepare_cached("INSERT INTO sporks (seq, spork) VALUES (?1, ?2)")?;
        for (i, s) in sporks.iter().enumerate() {
            stmt.execute(params![i as i64, s.to_bytes()])?;
        }
    }
    if !b.gov_objects.is_empty() {
        let mut stmt = conn
            .prepare_cached("INSERT OR REPLACE INTO gov_objects (hash, object) VALUES (?1, ?2)")?;
        for o in &b.gov_objects {
            stmt.execute(params![&o.hash().as_bytes()[..], o.to_bytes()])?;
        }
    }
    if !b.gov_votes.is_empty() {
        let mut stmt =
            conn.prepare_cached("INSERT OR REPLACE INTO gov_votes (hash, vote) VALUES (?1, ?2)")?;
        for v in &b.gov_votes {
            stmt.execute(params![&v.hash().as_bytes()[..], v.to_bytes()])?;
        }
    }
    if let Some(times) = &b.gov_full_sync_times {
        conn.execute("DELETE FROM gov_full_sync_times", [])?;
        let mut stmt = conn.prepare_cached(
            "INSERT INTO gov_full_sync_times (seq, peer, time) VALUES (?1, ?2, ?3)",
        )?;
        for (i, (peer, time)) in times.iter().enumerate() {
            stmt.execute(params![i as i64, peer.to_string(), time])?;
        }
    }
    if !b.instant_locks.is_empty() {
        let mut stmt = conn
            .prepare_cached("INSERT OR REPLACE INTO instant_locks (txid, lock) VALUES (?1, ?2)")?;
        for l in &b.instant_locks {
            stmt.execute(params![&l.txid.as_bytes()[..], l.lock.to_bytes()])?;
        }
    }
    if !b.masternode_lists_removed.is_empty() {
        let mut stmt = conn.prepare_cached("DELETE FROM masternode_lists WHERE block_hash = ?1")?;
        for hash in &b.masternode_lists_removed {
            stmt.execute(params![&hash.as_bytes()[..]])?;
        }
    }
    if !b.masternode_lists.is_empty() {
        let mut stmt = conn.prepare_cached(
            "INSERT OR REPLACE INTO masternode_lists (block_hash, height, list, best_chainlock) \
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        for m in &b.masternode_lists {
            let hash = &m.list.block_hash.as_bytes()[..];
            stmt.execute(params![hash, m.height, m.to_bytes(), m.best_chainlock_bytes()])?;
        }
    }
    Ok(())
}

/// Replaces the stored watch list.
fn write_watch(conn: &Connection, w: &WatchList) -> Result<(), SqliteStoreError> {
    conn.execute_batch(
        "DELETE FROM watch; DELETE FROM watch_addresses; DELETE FROM watch_scripts; \
         DELETE FROM watch_outpoints; DELETE FROM watch_accounts;",
    )?;
    conn.execute("INSERT INTO watch (id, network) VALUES (1, ?1)", [w.network().name()])?;
    let mut stmt = conn.prepare_cached("INSERT INTO watch_addresses (address) VALUES (?1)")?;
    for a in w.addresses() {
        stmt.execute([a.to_string()])?;
    }
    let mut stmt = conn.prepare_cached("INSERT INTO watch_scripts (script) VALUES (?1)")?;
    for s in w.scripts() {
        stmt.execute([s.as_bytes()])?;
    }
    let mut stmt = conn.prepare_cached("INSERT INTO watch_outpoints (outpoint) VALUES (?1)")?;
    for o in w.outpoints() {
        stmt.execute([&o.to_array()[..]])?;
    }
    let mut stmt = conn.prepare_cached(
        "INSERT INTO watch_accounts (xpub, external_gap, internal_gap, external_used, \
         internal_used) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for a in w.accounts() {
        let (ext, int) = (a.chain(ChainKind::External), a.chain(ChainKind::Internal));
        stmt.execute(params![
            a.xpub().to_string(),
            ext.gap_limit(),
            int.gap_limit(),
            ext.last_used(),
            int.last_used(),
        ])?;
    }
    Ok(())
}
