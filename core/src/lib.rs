//! # dashlite
//!
//! A Dash SPV light-client SDK. dashlite connects to a few Dash peers, syncs compressed
//! headers (headers2) and validates them fully (X11 proof of work, DarkGravityWave,
//! checkpoints, reorgs), loads a BIP37 bloom filter built from the wallet's watch list and
//! keeps it in step with every peer's copy, downloads filtered blocks and proves every
//! relevant transaction against its block's merkle root.
//!
//! The modules, from the bottom layer up:
//!
//! * [`encode`]: consensus encoding and bounded decoding, exactly as Dash Core serializes.
//! * [`hash`]: SHA256d, HASH160, X11 and the typed 32-byte hashes (`Txid`, `BlockHash`, ...).
//! * [`network`]: the parameters of mainnet, testnet, devnets and regtest, with their
//!   checkpoints.
//! * [`wire`]: every P2P message as plain data, the envelope and a streaming frame decoder.
//! * [`tx`]: transactions with their DIP2 special payloads.
//! * [`bloom`]: BIP37 filters as Dash Core applies them, per-peer mirrors and the filter policy.
//! * [`chain`]: proof of work, DarkGravityWave, checkpoints, the header tree, partial merkle
//!   trees.
//! * [`wallet`]: the watch list, BIP32 accounts with gap-limit lookahead, UTXOs, balance and
//!   the transaction history.
//! * [`spork`]: sporks verified against the network's spork key, and the spork service.
//! * [`masternode`]: masternode lists and LLMQ quorums as an SPV client checks them.
//! * [`governance`]: governance objects and votes, their verification, tallies and sync.
//! * [`p2p`]: the sans-IO peer protocol: handshake, liveness, misbehaviour and bans, the
//!   address book and the connection manager.
//! * [`sync`]: header sync, filtered-block download, broadcast and InstantSend locks, with
//!   every peer's filter kept in step.
//! * [`machine`]: the one sans-IO protocol state machine composing all of the above, with one
//!   ordered outbox.
//! * [`store`]: the `Store` trait, and its SQLite and in-memory stores.
//! * [`node`]: the async-std driver of the state machine: sockets and timers only.
//! * [`client`]: the public API: `ClientBuilder`, `Client` and its events.
//!
//! ```
//! use dashlite::wire::{FrameDecoder, Message};
//! use dashlite::Network;
//!
//! // A `ping` framed for mainnet, as a peer would send it.
//! let frame = hex::decode(
//!     "bf0c6bbd70696e6700000000000000000800000008533f6b0100000000000000",
//! )?;
//! let mut decoder = FrameDecoder::new(Network::Mainnet.params().magic);
//! decoder.feed(&frame);
//! let frame = decoder.next_frame()?.expect("a whole frame");
//! match Message::from_frame(&frame)? {
//!     Message::Ping(ping) => assert_eq!(ping.nonce, 1),
//!     other => panic!("unexpected {other}"),
//! }
//!
//! // Every block hash is X11 of the 80-byte header.
//! let genesis = Network::Mainnet.params().genesis_header();
//! assert_eq!(
//!     genesis.block_hash().to_string(),
//!     "00000ffd590b1485b3caadc19b22e6379c733355108f107a430458cdf3407ab6"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod bloom;
pub mod chain;
pub mod client;
pub mod encode;
pub mod governance;
pub mod hash;
pub mod machine;
pub mod masternode;
pub mod network;
pub mod node;
pub mod p2p;
#[cfg(feature = "serde")]
#[doc(hidden)]
pub mod serde_hex;
pub mod spork;
pub mod store;
pub mod sync;
#[cfg(test)]
mod test_support;
pub mod tx;
pub mod wallet;
pub mod wire;

pub use network::Network;
