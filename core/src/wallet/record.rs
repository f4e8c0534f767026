//! The wallet's records as plain data: what a store persists and what queries return.

use crate::hash::{BlockHash, Txid};
use crate::tx::{OutPoint, Script, Transaction};

use super::watch::Owner;

/// The block a transaction was proven in. The caller builds one only after verifying the
/// transaction against the block's merkle root (a `merkleblock`'s partial merkle tree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockRef {
    /// The block's height.
    pub height: u32,
    /// The block's hash.
    pub hash: BlockHash,
    /// The block header's timestamp (nTime), if the caller has it.
    pub time: Option<u32>,
}

/// Where a wallet transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxStatus {
    /// Seen (mempool, a peer's relay, our own broadcast) but in no block we know of.
    Unconfirmed,
    /// Proven in a block of the best chain.
    Confirmed(BlockRef),
    /// Double-spent: another transaction spending one of the same outputs won (a block
    /// always wins; among unconfirmed ones, the one seen first). It counts for nothing.
    Conflicted {
        /// The transaction that won the conflict.
        by: Txid,
    },
    /// Unconfirmed for too long (see [`super::UNCONFIRMED_EXPIRY_BLOCKS`]): no peer keeps it
    /// any more, so it counts for nothing — unless it shows up in a block after all.
    Expired,
    /// A coinbase whose block left the best chain, or a transaction spending (directly or
    /// through others) an output of one. A coinbase exists only in its own block and is
    /// never relayed, so neither can be valid again unless that block returns to the best
    /// chain. It counts for nothing; a block holding it brings it back. Dash Core's wallet
    /// marks these abandoned (`blockDisconnected`, since Bitcoin Core 25).
    Abandoned,
}

impl TxStatus {
    /// The block, if confirmed.
    pub fn block(&self) -> Option<&BlockRef> {
        match self {
            TxStatus::Confirmed(b) => Some(b),
            _ => None,
        }
    }

    /// Whether the transaction counts (confirmed or unconfirmed; not conflicted, expired or
    /// abandoned).
    pub fn is_active(&self) -> bool {
        matches!(self, TxStatus::Confirmed(_) | TxStatus::Unconfirmed)
    }
}

/// An output of a wallet transaction that pays a watch item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OwnedOutput {
    /// The output's index.
    pub vout: u32,
    /// Its value in duffs.
    pub value: i64,
    /// The watch item it pays.
    pub owner: Owner,
}

/// A transaction the wallet keeps: relevant because it pays a watch item, spends a wallet
/// output or spends a watched outpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletTx {
    /// Its id.
    pub txid: Txid,
    /// The transaction.
    pub tx: Transaction,
    /// Confirmed, unconfirmed or conflicted.
    pub status: TxStatus,
    /// The order in which the wallet first saw it (0, 1, 2, …): decides conflicts between
    /// unconfirmed transactions and orders listings, without a clock.
    pub seen: u64,
    /// While unconfirmed: the wallet's tip when the transaction last became unconfirmed
    /// (first seen, or its block left the best chain); its expiry counts from here. 0 in
    /// every other status.
    pub unconfirmed_since: u32,
    /// Its outputs that pay watch items.
    pub owned_outputs: Vec<OwnedOutput>,
    /// Watched outpoints it spends.
    pub spent_watched: Vec<OutPoint>,
}

/// A wallet output no confirmed transaction spends (see [`super::Wallet::utxos`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Utxo {
    /// The output.
    pub outpoint: OutPoint,
    /// Its value in duffs.
    pub value: i64,
    /// Its script.
    pub script_pubkey: Script,
    /// The watch item it pays.
    pub owner: Owner,
    /// The height of the block that created it, `None` while unconfirmed.
    pub height: Option<u32>,
    /// Whether it was created by a coinbase transaction (spendable only after 100
    /// confirmations, `COINBASE_MATURITY`).
    pub is_coinbase: bool,
    /// The unconfirmed transaction spending it, if any: the output still counts in the
    /// balance (in [`Balance::confirmed`] when its own transaction is confirmed, and in
    /// [`Balance::unconfirmed_outgoing`]) but is not spendable again.
    pub pending_spend: Option<Txid>,
}

/// The wallet's balance in duffs.
///
/// `confirmed` is what the best chain says the wallet owns. `unconfirmed_incoming` is the
/// value of wallet outputs created by unconfirmed transactions, `unconfirmed_outgoing` the
/// value of wallet outputs spent by unconfirmed transactions; [`Balance::total`] is
/// `confirmed + unconfirmed_incoming - unconfirmed_outgoing`, the sum of all unspent wallet
/// outputs. Conflicted transactions count for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Balance {
    /// Outputs created by confirmed transactions and not spent by a confirmed one.
    pub confirmed: i64,
    /// Outputs created by unconfirmed transactions (and not spent by a confirmed one).
    pub unconfirmed_incoming: i64,
    /// Outputs spent by unconfirmed transactions.
    pub unconfirmed_outgoing: i64,
}

impl Balance {
    /// `confirmed + unconfirmed_incoming - unconfirmed_outgoing`.
    pub fn total(&self) -> i64 {
        self.confirmed + self.unconfirmed_incoming - self.unconfirmed_outgoing
    }
}
