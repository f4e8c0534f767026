//! Transactions, including DIP2 special-transaction payloads (`src/primitives/transaction.h`,
//! `src/evo/*`).
//!
//! The 32-bit version field of a Dash transaction is `nVersion (int16) | nType (uint16) << 16`.
//! A transaction is *special* when `nVersion >= 3 && nType != 0` (nVersion compared as a
//! signed 16-bit number); it then carries `vExtraPayload` (CompactSize + bytes) after
//! nLockTime, whose layout depends on the type (see [`SpecialPayload`]).

mod netinfo;
mod outpoint;
mod payload;
mod protx;
mod script;
mod sighash;

#[cfg(test)]
mod tests;

pub use netinfo::NetInfo;
pub use outpoint::OutPoint;
pub use payload::{
    AssetLockPayload, AssetUnlockPayload, CoinbasePayload, MnhfSignalPayload, PayloadError,
    QuorumCommitmentPayload, SpecialPayload,
};
pub use protx::{ProRegTx, ProUpRegTx, ProUpRevTx, ProUpServTx, MN_TYPE_EVO, MN_TYPE_REGULAR};
pub use script::{opcodes, Instruction, Instructions, Script, MAX_SCRIPT_DECODE_SIZE};
pub use sighash::{
    signature_hash, verify_input, SignatureError, SIGHASH_ALL, SIGHASH_ANYONECANPAY, SIGHASH_NONE,
    SIGHASH_SINGLE,
};

use crate::encode::{write_bytes, write_vec, Decode, DecodeError, Encode, Reader};
use crate::hash::{sha256d, Txid};

/// `CTransaction::SPECIAL_VERSION`: the lowest nVersion that can carry a special payload.
pub const SPECIAL_VERSION: i16 = 3;

/// Dash Core's `MAX_TX_EXTRA_PAYLOAD` (`src/consensus/consensus.h`). Dash Core deserializes
/// any payload length and then rejects a longer one in `CheckTransaction`
/// ("bad-txns-payload-oversize", a consensus failure), so no transaction carrying more can be
/// in a block or a mempool; we reject it while decoding.
pub const MAX_TX_EXTRA_PAYLOAD: usize = 10_000;

/// `MAX_LEGACY_BLOCK_SIZE`: `CheckTransaction` rejects larger transactions
/// ("bad-txns-oversize"). Used to cap input and output counts.
pub const MAX_TX_SIZE: usize = 1_000_000;

/// Special transaction types (`TxType` in `src/primitives/transaction.h`).
pub mod tx_type {
    /// An ordinary transaction.
    pub const NORMAL: u16 = 0;
    /// ProRegTx: masternode registration.
    pub const PROVIDER_REGISTER: u16 = 1;
    /// ProUpServTx: masternode service update.
    pub const PROVIDER_UPDATE_SERVICE: u16 = 2;
    /// ProUpRegTx: masternode registrar update.
    pub const PROVIDER_UPDATE_REGISTRAR: u16 = 3;
    /// ProUpRevTx: masternode revocation.
    pub const PROVIDER_UPDATE_REVOKE: u16 = 4;
    /// CbTx: coinbase payload.
    pub const COINBASE: u16 = 5;
    /// Quorum final commitment.
    pub const QUORUM_COMMITMENT: u16 = 6;
    /// MNHF (hard-fork) signal.
    pub const MNHF_SIGNAL: u16 = 7;
    /// Asset lock (credit pool deposit).
    pub const ASSET_LOCK: u16 = 8;
    /// Asset unlock (credit pool withdrawal).
    pub const ASSET_UNLOCK: u16 = 9;
}

/// A transaction input (`CTxIn`): `prevout 36 | scriptSig | nSequence u32`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TxIn {
    /// The output being spent (null for a coinbase).
    pub previous_output: OutPoint,
    /// The unlocking script (coinbase data for a coinbase).
    pub script_sig: Script,
    /// nSequence.
    pub sequence: u32,
}

/// A transaction output (`CTxOut`): `nValue i64 | scriptPubKey`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TxOut {
    /// Amount in duffs (1 DASH = 100,000,000 duffs).
    pub value: i64,
    /// The locking script.
    pub script_pubkey: Script,
}

/// A Dash transaction (`CTransaction`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Transaction {
    /// nVersion: the low 16 bits of the 32-bit version field. Dash Core holds it as an
    /// `int16_t`; see [`Transaction::signed_version`].
    pub version: u16,
    /// nType: the high 16 bits of the version field ([`tx_type`]).
    pub tx_type: u16,
    /// Inputs.
    pub inputs: Vec<TxIn>,
    /// Outputs.
    pub outputs: Vec<TxOut>,
    /// nLockTime.
    pub lock_time: u32,
    /// vExtraPayload. Decoding sets it (possibly to an empty vector) exactly when the
    /// transaction is special; encoding writes it exactly when the transaction is special,
    /// `None` then counting as empty — as Dash Core's serializer does.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::opt_bytes"))]
    pub extra_payload: Option<Vec<u8>>,
}

impl Transaction {
    /// nVersion as Dash Core sees it: a signed 16-bit number.
    pub fn signed_version(&self) -> i16 {
        self.version as i16
    }

    /// The 32-bit version field exactly as Dash Core *serializes* it:
    /// `int32(nVersion) | nType << 16`, where the int16 nVersion is sign-extended first. For a
    /// negative nVersion the high half therefore becomes 0xffff whatever nType was decoded, so
    /// such a transaction re-serializes (and hashes) differently from the bytes it was read
    /// from — Dash Core's txid is the hash of the re-serialization, and so is ours.
    pub fn version_field(&self) -> u32 {
        (i32::from(self.signed_version()) as u32) | (u32::from(self.tx_type) << 16)
    }

    /// `IsSpecialTxVersion`: nVersion >= 3 (signed).
    pub fn is_special_version(&self) -> bool {
        self.signed_version() >= SPECIAL_VERSION
    }

    /// `HasExtraPayloadField`: nVersion >= 3 and nType != 0.
    pub fn is_special(&self) -> bool {
        self.is_special_version() && self.tx_type != tx_type::NORMAL
    }

    /// The transaction id: SHA256d of the serialization (computed on every call).
    pub fn txid(&self) -> Txid {
        Txid::from_byte_array(sha256d(&self.to_bytes()))
    }

    /// Whether this is a coinbase: exactly one input, spending the null outpoint.
    pub fn is_coinbase(&self) -> bool {
        self.inputs.len() == 1 && self.inputs[0].previous_output.is_null()
    }

    /// The typed special payload, parsed from [`Transaction::extra_payload`] by type.
    /// Parsing follows Dash Core's `GetTxPayload`: the payload must be consumed completely.
    pub fn special_payload(&self) -> Result<SpecialPayload, PayloadError> {
        if !self.is_special() {
            return Err(PayloadError::NotSpecial);
        }
        SpecialPayload::parse(self.tx_type, self.extra_payload.as_deref().unwrap_or(&[]))
    }
}

impl Encode for TxIn {
    fn encode(&self, out: &mut Vec<u8>) {
        self.previous_output.encode(out);
        self.script_sig.encode(out);
        self.sequence.encode(out);
    }
}

impl Decode for TxIn {
    const MIN_ENCODED_LEN: usize = 36 + 1 + 4;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(TxIn {
            previous_output: r.read("prevout")?,
            script_sig: r.read("script_sig")?,
            sequence: r.read("sequence")?,
        })
    }
}

impl Encode for TxOut {
    fn encode(&self, out: &mut Vec<u8>) {
        self.value.encode(out);
        self.script_pubkey.encode(out);
    }
}

impl Decode for TxOut {
    const MIN_ENCODED_LEN: usize = 8 + 1;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(TxOut { value: r.read("value")?, script_pubkey: r.read("script_pubkey")? })
    }
}

impl Encode for Transaction {
    fn encode(&self, out: &mut Vec<u8>) {
        self.version_field().encode(out);
        write_vec(out, &self.inputs);
        write_vec(out, &self.outputs);
        self.lock_time.encode(out);
        if self.is_special() {
            write_bytes(out, self.extra_payload.as_deref().unwrap_or(&[]));
        }
    }
}

impl Decode for Transaction {
    const MIN_ENCODED_LEN: usize = 4 + 1 + 1 + 4;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let field: u32 = r.read("version")?;
        let mut tx = Transaction {
            version: field as u16,
            tx_type: (field >> 16) as u16,
            inputs: r.read_vec("inputs", MAX_TX_SIZE / TxIn::MIN_ENCODED_LEN)?,
            outputs: r.read_vec("outputs", MAX_TX_SIZE / TxOut::MIN_ENCODED_LEN)?,
            lock_time: r.read("lock_time")?,
            extra_payload: None,
        };
        if tx.is_special() {
            tx.extra_payload = Some(r.read_byte_vec("extra_payload", MAX_TX_EXTRA_PAYLOAD)?);
        }
        Ok(tx)
    }
}
