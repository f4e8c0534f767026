//! The header chain (PROTOCOL.md §5): 256-bit targets and chain work, proof of work,
//! DarkGravityWave and the other difficulty rules, the contextual header checks, checkpoints,
//! a bounded header tree that follows the most-work chain over a [`HeaderStore`], and partial
//! merkle trees (PROTOCOL.md §4).

pub mod batch;
pub mod checkpoints;
pub mod context;
pub mod dgw;
pub mod error;
pub mod merkle;
pub mod pow;
pub mod start;
pub mod store;
pub mod tree;
pub mod uint;

#[cfg(test)]
mod attack_tests;
#[cfg(test)]
mod data_tests;
#[cfg(test)]
mod engine_attack_tests;
#[cfg(test)]
mod start_tests;
#[cfg(test)]
mod testdata;

pub use batch::{decompress_headers2, default_threads, hash_headers_parallel};
pub use checkpoints::Checkpoints;
pub use dgw::{next_work_required, BlockSummary, ChainHistory, NextWorkError};
pub use error::{ChainError, ValidationError};
pub use pow::{block_work, check_proof_of_work};
pub use start::{is_usable_start, trusted_start, MAX_PIN_DISTANCE};
pub use store::{ChainUpdate, HeaderStore, MemoryHeaderStore, StoreError, StoredHeader};
pub use tree::{
    trusted_headers, AcceptOutcome, ChainLockApplied, HeaderSource, HeaderTree, Invalidated,
    TipChange, TreeConfig,
};
pub use uint::U256;
