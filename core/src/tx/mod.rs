//! Transactions, including DIP2 special-transaction payloads.

mod outpoint;

pub use outpoint::OutPoint;
