//! LLMQ-signed payloads an SPV client sees: ChainLocks (`clsig`,
//! `src/chainlock/clsig.h`) and deterministic InstantSend locks (`isdlock`,
//! `src/instantsend/lock.h`). BLS signatures are carried as raw 96-byte arrays.

use crate::encode::{Decode, DecodeError, Encode, Reader};
use crate::hash::{BlockHash, Txid};
use crate::tx::OutPoint;

/// Most inputs an `isdlock` may list. Dash Core reads the vector without a limit of its own,
/// bounded only by the 3 MiB message size; this cap is the number of 36-byte outpoints that
/// fit in such a message, so nothing Dash Core could send is refused.
pub const MAX_ISDLOCK_INPUTS: usize = 3 * 1024 * 1024 / 36;

/// The `clsig` payload (`ChainLockSig`): an LLMQ's BLS signature fixing a block at a height.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ClSig {
    /// The locked block's height.
    pub height: i32,
    /// The locked block's hash.
    pub block_hash: BlockHash,
    /// The recovered BLS threshold signature.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub signature: [u8; 96],
}

impl Encode for ClSig {
    fn encode(&self, out: &mut Vec<u8>) {
        self.height.encode(out);
        self.block_hash.encode(out);
        out.extend_from_slice(&self.signature);
    }
}

impl Decode for ClSig {
    const MIN_ENCODED_LEN: usize = 132;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ClSig {
            height: r.read("height")?,
            block_hash: r.read("block_hash")?,
            signature: r.read("signature")?,
        })
    }
}

/// The `isdlock` payload (`InstantSendLock`): an LLMQ's lock of a transaction's inputs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct IsDLock {
    /// Lock format version (`nVersion`, currently 1).
    pub version: u8,
    /// The locked inputs, at most [`MAX_ISDLOCK_INPUTS`].
    pub inputs: Vec<OutPoint>,
    /// The locked transaction.
    pub txid: Txid,
    /// Hash of the block starting the signing quorum's DKG cycle.
    pub cycle_hash: BlockHash,
    /// The recovered BLS threshold signature.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub signature: [u8; 96],
}

impl Encode for IsDLock {
    fn encode(&self, out: &mut Vec<u8>) {
        self.version.encode(out);
        crate::encode::write_vec(out, &self.inputs);
        self.txid.encode(out);
        self.cycle_hash.encode(out);
        out.extend_from_slice(&self.signature);
    }
}

impl Decode for IsDLock {
    const MIN_ENCODED_LEN: usize = 162;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(IsDLock {
            version: r.read("version")?,
            inputs: r.read_vec("inputs", MAX_ISDLOCK_INPUTS)?,
            txid: r.read("txid")?,
            cycle_hash: r.read("cycle_hash")?,
            signature: r.read("signature")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{write_compact_size, DecodeErrorKind};
    use crate::wire::vector_tests::assert_every_prefix_fails;

    fn sig() -> [u8; 96] {
        let mut s = [0u8; 96];
        s.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8 ^ 0x5a);
        s
    }

    #[test]
    fn clsig_layout_is_height_hash_signature() {
        let c = ClSig {
            height: 1_000_000,
            block_hash: BlockHash::from_byte_array([7; 32]),
            signature: sig(),
        };
        let raw = c.to_bytes();
        assert_eq!(raw.len(), 132);
        assert_eq!(&raw[..4], &1_000_000i32.to_le_bytes());
        assert_eq!(ClSig::from_bytes(&raw).unwrap(), c);
        assert_every_prefix_fails::<ClSig>(&raw);
    }

    #[test]
    fn isdlock_round_trips_and_fails_on_every_prefix() {
        let l = IsDLock {
            version: 1,
            inputs: vec![OutPoint::new(Txid::from_byte_array([1; 32]), 3), OutPoint::NULL],
            txid: Txid::from_byte_array([2; 32]),
            cycle_hash: BlockHash::from_byte_array([3; 32]),
            signature: sig(),
        };
        let raw = l.to_bytes();
        assert_eq!(raw.len(), 1 + 1 + 72 + 64 + 96);
        assert_eq!(IsDLock::from_bytes(&raw).unwrap(), l);
        assert_every_prefix_fails::<IsDLock>(&raw);
    }

    #[test]
    fn isdlock_input_count_is_checked_before_allocating() {
        let mut raw = vec![1];
        write_compact_size(&mut raw, MAX_ISDLOCK_INPUTS as u64 + 1);
        let err = IsDLock::from_bytes(&raw).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::TooLarge { .. }));
        let mut raw = vec![1];
        write_compact_size(&mut raw, MAX_ISDLOCK_INPUTS as u64);
        let err = IsDLock::from_bytes(&raw).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::UnexpectedEnd { .. }));
    }
}
