//! What the wallet reports: events as data, and the outcome of processing one transaction.

use crate::hash::Txid;

use super::record::{BlockRef, TxStatus};
use super::watch::{FilterElement, LookaheadExtension};

/// Something that changed in the wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalletEvent {
    /// A transaction the wallet had not seen.
    NewTransaction {
        /// Its id.
        txid: Txid,
        /// Confirmed (proven in a block), unconfirmed, or conflicted on arrival.
        status: TxStatus,
        /// What it adds to the wallet (negative for a spend): owned outputs minus owned
        /// outputs it spends.
        net_amount: i64,
    },
    /// A known transaction was proven in a block.
    Confirmed {
        /// Its id.
        txid: Txid,
        /// The block.
        block: BlockRef,
    },
    /// The tip moved and a confirmed transaction's depth changed (reported up to
    /// [`super::Wallet::confirmation_event_depth`] confirmations).
    ConfirmationChanged {
        /// Its id.
        txid: Txid,
        /// Its confirmations now (1 = in the tip block).
        confirmations: u32,
    },
    /// A block holding the transaction left the best chain: it is unconfirmed again.
    Reorged {
        /// Its id.
        txid: Txid,
        /// The block it was in.
        from: BlockRef,
    },
    /// The transaction lost a double-spend and no longer counts.
    Conflicted {
        /// Its id.
        txid: Txid,
        /// The winner.
        by: Txid,
    },
    /// An unconfirmed transaction expired (see [`super::UNCONFIRMED_EXPIRY_BLOCKS`]).
    Expired {
        /// Its id.
        txid: Txid,
    },
    /// A transaction was abandoned ([`TxStatus::Abandoned`]): a coinbase whose block left
    /// the best chain, or a transaction spending an output of one.
    Abandoned {
        /// Its id.
        txid: Txid,
    },
    /// A payment used a derived key and its chain's lookahead grew.
    KeysDerived(LookaheadExtension),
}

/// The outcome of [`super::Wallet::process_transaction`] for a relevant transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxChange {
    /// The transaction.
    pub txid: Txid,
    /// What changed, in order.
    pub events: Vec<WalletEvent>,
    /// Elements the filter must now also contain: keys derived by a lookahead extension and
    /// the outpoints of new wallet outputs (so their spends are seen). Send them to peers as
    /// `filteradd` (or reload).
    pub new_filter_elements: Vec<FilterElement>,
    /// Set when derived keys were added because of a transaction in the block at this
    /// height: blocks from this height on that were fetched with the old filter may hold
    /// payments to the new keys and must be requested again.
    pub rescan_from_height: Option<u32>,
}
