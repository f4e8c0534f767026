//! A reference to a transaction output.

use crate::encode::{Decode, DecodeError, Encode, Reader};
use crate::hash::Txid;
use std::fmt;

/// A transaction output reference (`COutPoint`): txid and output index, 36 bytes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct OutPoint {
    /// The transaction holding the output.
    pub txid: Txid,
    /// The output's index in that transaction.
    pub vout: u32,
}

impl OutPoint {
    /// The null outpoint of a coinbase input (zero hash, index 0xffffffff).
    pub const NULL: OutPoint = OutPoint { txid: Txid::ZERO, vout: u32::MAX };

    /// An outpoint for output `vout` of `txid`.
    pub const fn new(txid: Txid, vout: u32) -> Self {
        OutPoint { txid, vout }
    }

    /// The 36-byte serialization, as a bloom filter tests and inserts it.
    pub fn to_array(&self) -> [u8; 36] {
        let mut out = [0u8; 36];
        out[..32].copy_from_slice(self.txid.as_bytes());
        out[32..].copy_from_slice(&self.vout.to_le_bytes());
        out
    }

    /// Whether this is the null outpoint.
    pub fn is_null(&self) -> bool {
        *self == OutPoint::NULL
    }
}

impl fmt::Display for OutPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.txid, self.vout)
    }
}

impl Encode for OutPoint {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_array());
    }
}

impl Decode for OutPoint {
    const MIN_ENCODED_LEN: usize = 36;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(OutPoint { txid: r.read("txid")?, vout: r.read("vout")? })
    }
}
