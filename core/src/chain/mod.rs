//! The chain layer: what an SPV client proves about blocks and transactions.

pub mod merkle;
