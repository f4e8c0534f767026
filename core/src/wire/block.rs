//! The `block` payload: a full block (`CBlock`).

use crate::encode::{write_vec, Decode, DecodeError, Encode, Reader};
use crate::tx::Transaction;
use crate::wire::BlockHeader;

/// The `block` payload: a header and every transaction of the block, coinbase first.
/// The count is checked against the bytes present before anything is allocated, and the
/// envelope's 3 MiB limit bounds the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Block {
    /// The header.
    pub header: BlockHeader,
    /// The transactions, coinbase first.
    pub transactions: Vec<Transaction>,
}

impl Encode for Block {
    fn encode(&self, out: &mut Vec<u8>) {
        self.header.encode(out);
        write_vec(out, &self.transactions);
    }
}

impl Decode for Block {
    const MIN_ENCODED_LEN: usize = 81;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Block {
            header: r.read("header")?,
            transactions: r.read_vec("transactions", usize::MAX)?,
        })
    }
}
