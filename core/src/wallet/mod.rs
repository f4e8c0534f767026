//! The watch-only wallet: addresses, BIP32 account keys with a gap-limit lookahead, the
//! relevant transactions, UTXOs, balance and confirmations.
//!
//! Sans-IO and deterministic: the sync engine feeds it transactions (proven in a block or
//! explicitly unconfirmed), tip changes and disconnected blocks, and gets back events and the
//! filter elements it must add. Every record is plain data a store can persist.
//!
//! * [`address`]: base58check P2PKH/P2SH addresses.
//! * [`bip32`]: extended public keys and public derivation.
//! * [`keychain`]: BIP44 accounts, chains, the gap limit.
//! * [`watch`]: the watch list, script ownership, filter elements.
//! * [`state`]: [`Wallet`]: transactions, conflicts, UTXOs, balance, confirmations, reorgs.
//! * [`TxFinality`]: unconfirmed, InstantSend-locked, confirmed or ChainLocked.
//!
//! ```
//! use dashlite::wallet::{Address, Wallet, WatchList};
//! use dashlite::Network;
//!
//! let mut watch = WatchList::new(Network::Regtest);
//! let addr = Address::parse("yja4ogCanD6HsEp2nw1KjjhFVBbZvhPz7i", Network::Regtest).unwrap();
//! watch.add_address(addr).unwrap();
//! let wallet = Wallet::new(watch);
//! // The filter must contain the address's key hash.
//! assert_eq!(wallet.filter_elements()[0].to_bytes(), match addr.payload {
//!     dashlite::wallet::AddressPayload::PubkeyHash(h) => h.to_vec(),
//!     _ => unreachable!(),
//! });
//! assert_eq!(wallet.balance().total(), 0);
//! ```

pub mod address;
mod amount;
pub mod bip32;
mod event;
mod finality;
mod history;
pub mod keychain;
mod record;
pub mod state;
pub mod watch;

#[cfg(test)]
mod tests;

pub use address::{Address, AddressError, AddressPayload};
pub use amount::{Amount, DUFFS_PER_DASH};
pub use bip32::{Bip32Error, ExtendedPubKey};
pub use event::{TxChange, WalletEvent};
pub use finality::TxFinality;
pub use history::HistoryEntry;
pub use keychain::{Account, AccountError, AccountId, ChainKind, DerivedKey, GapLimits, KeyChain};
pub use record::{Balance, BlockRef, OwnedOutput, TxStatus, Utxo, WalletTx};
pub use state::{Wallet, DEFAULT_CONFIRMATION_EVENT_DEPTH, UNCONFIRMED_EXPIRY_BLOCKS};
pub use watch::{FilterElement, KeyPath, LookaheadExtension, Owner, WatchError, WatchList};
