//! # dashlite-testkit
//!
//! A small Dash node that runs inside a test: it speaks the real P2P protocol over real TCP
//! on 127.0.0.1, serves a real regtest chain (X11 proof of work, real merkle roots, DIP2
//! transactions) and answers the way Dash Core v23.1.2 does — or, when told to, misbehaves.
//! End-to-end tests, benchmarks and `dashlite demo` run against it.
//!
//! ```no_run
//! use dashlite_testkit::{keys::TestKey, NodeConfig, TestNode, Mode, SharedChain};
//!
//! // A 200-block chain served by two honest nodes and one that lies about proof of work.
//! let chain = SharedChain::with_blocks(200);
//! let honest = dashlite_testkit::start_nodes(&chain, 2);
//! let liar = TestNode::start_with(&chain, NodeConfig::default().with_mode(Mode::InvalidPow { from_height: 150 }))
//!     .unwrap();
//!
//! // Pay a wallet key, mine it, and watch what the client sent.
//! let alice = TestKey::from_seed("alice");
//! let tx = honest[0].send(&alice.p2pkh(), 5 * dashlite_testkit::chain::COIN);
//! honest[0].mine(1);
//! assert!(honest[0].count("filterload") <= 1);
//! # let _ = (tx, liar);
//! ```
//!
//! Modules: [`chain`] (the block builder), [`mining`] (its X11 proof of work), [`cache`]
//! (long header chains on disk), [`shared`] (one chain, several nodes), [`node`] (the node,
//! its handle and its malicious [`Mode`]s), [`client`] (a bare client for hand-written protocol
//! tests), [`keys`] (addresses, scripts, test keys), [`wallet`] (the test wallet: a watch-only
//! BIP44 account the chains pay), [`harness`] (dashlite's state machine on its driver, every
//! event kept), [`sim`] (a deterministic multi-peer simulator in virtual time and its oracle),
//! [`sporks`] and [`governance`] (what the node serves), [`masternodes`] (a deterministic
//! masternode list and its quorums), [`quorum`] (LLMQ quorums that sign real `clsig` and
//! `isdlock` messages), [`scale`] (the mainnet-scale benchmark chain), [`dashd`] (real Dash
//! Core regtest nodes).
#![warn(missing_docs)]

pub mod cache;
pub mod chain;
pub mod client;
pub mod dashd;
pub mod governance;
pub mod harness;
pub mod keys;
pub mod masternodes;
pub mod mining;
pub mod node;
pub mod quorum;
pub mod scale;
pub mod shared;
pub mod sim;
pub mod sporks;
pub mod wallet;

pub use chain::{BlockSpec, Chain, Reorg};
pub use client::RawClient;
pub use node::{
    start_nodes, ConnId, Disconnect, Forgery, Mode, NodeConfig, NodeEvent, NodeTransport, TestNode,
};
pub use shared::SharedChain;
