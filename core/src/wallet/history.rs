//! [`HistoryEntry`]: one wallet transaction as a wallet's history list shows it.

use crate::hash::{BlockHash, Txid};
use crate::tx::Transaction;

use super::{Amount, OwnedOutput, TxFinality, TxStatus, Wallet, WalletTx};

/// A wallet transaction as a history list shows it: what it did to the balance, what it
/// cost, where it stands (see [`Wallet::history`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HistoryEntry {
    /// Its id.
    pub txid: Txid,
    /// What it adds to the wallet: owned outputs minus the wallet outputs it spends
    /// (negative for a payment out, fee included).
    pub amount: Amount,
    /// The fee, when every input spends an output of a transaction the wallet holds (always
    /// for the wallet's own spends); `None` otherwise and for coinbases.
    pub fee: Option<Amount>,
    /// Where it stands.
    pub status: TxStatus,
    /// Confirmations: 1 in the tip block, 0 unless confirmed.
    pub confirmations: u32,
    /// The order the wallet first saw it in (0, 1, 2, …).
    pub seen: u64,
    /// How final it is: unconfirmed, InstantSend-locked, confirmed or ChainLocked.
    pub finality: TxFinality,
    /// Its outputs that pay watch items.
    pub owned_outputs: Vec<OwnedOutput>,
    /// The transaction itself.
    pub tx: Transaction,
}

impl HistoryEntry {
    /// The entry for `wtx` of `wallet`.
    fn new(wallet: &Wallet, wtx: &WalletTx) -> HistoryEntry {
        HistoryEntry {
            txid: wtx.txid,
            amount: Amount::from_duffs(wallet.net_amount(&wtx.txid).unwrap_or_default()),
            fee: wallet.fee(&wtx.txid).map(Amount::from_duffs),
            status: wtx.status,
            confirmations: wallet.confirmations(&wtx.txid).unwrap_or_default(),
            seen: wtx.seen,
            finality: wallet.finality(&wtx.txid).unwrap_or(TxFinality::Unconfirmed),
            owned_outputs: wtx.owned_outputs.clone(),
            tx: wtx.tx.clone(),
        }
    }

    /// The height of its block, if confirmed.
    pub fn height(&self) -> Option<u32> {
        self.status.block().map(|b| b.height)
    }

    /// The hash of its block, if confirmed.
    pub fn block_hash(&self) -> Option<BlockHash> {
        self.status.block().map(|b| b.hash)
    }

    /// Its block's timestamp (unix seconds), if confirmed and known.
    pub fn time(&self) -> Option<u32> {
        self.status.block().and_then(|b| b.time)
    }
}

impl Wallet {
    /// Every transaction as a history entry, in the order first seen.
    pub fn history(&self) -> Vec<HistoryEntry> {
        self.transactions().into_iter().map(|w| HistoryEntry::new(self, w)).collect()
    }

    /// One transaction's history entry.
    pub fn history_entry(&self, txid: &Txid) -> Option<HistoryEntry> {
        self.transaction(txid).map(|w| HistoryEntry::new(self, w))
    }
}
