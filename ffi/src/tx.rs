//! Transactions (core's [`dashlite::tx::Transaction`]): decoding, txid, inputs and outputs.

use std::sync::Arc;

use dashlite::encode::{Decode, DecodeError, Encode};
use dashlite::tx;
use dashlite::wallet;

use crate::address::Address;
use crate::hashes::Txid;
use crate::network::Network;

/// Why bytes are not a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum TransactionError {
    /// The bytes break the transaction encoding.
    #[error("malformed transaction: {field}: {reason}")]
    Malformed {
        /// The innermost field being read (may be empty).
        field: String,
        /// What was wrong with it.
        reason: String,
    },
    /// An output index past the last output.
    #[error("output {index} of a transaction with {count} outputs")]
    NoSuchOutput {
        /// The index asked for.
        index: u32,
        /// How many outputs there are.
        count: u32,
    },
}

impl From<DecodeError> for TransactionError {
    fn from(e: DecodeError) -> Self {
        TransactionError::Malformed { field: e.field.to_owned(), reason: e.kind.to_string() }
    }
}

/// A transaction input.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct TxInput {
    /// The txid of the output spent (all zeros for a coinbase).
    pub previous_txid: Arc<Txid>,
    /// The index of the output spent.
    pub previous_vout: u32,
    /// The unlocking script.
    pub script_sig: Vec<u8>,
    /// nSequence.
    pub sequence: u32,
}

/// A transaction output.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct TxOutput {
    /// Amount in duffs (1 DASH = 100,000,000 duffs).
    pub value: i64,
    /// The locking script.
    pub script_pubkey: Vec<u8>,
}

/// A decoded Dash transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Object)]
#[uniffi::export(Eq, Hash)]
pub struct Transaction(pub(crate) tx::Transaction);

impl Transaction {
    /// The core transaction.
    pub fn inner(&self) -> &tx::Transaction {
        &self.0
    }
}

#[uniffi::export]
impl Transaction {
    /// Decodes a serialized transaction (the whole of `bytes`, no trailing data).
    #[uniffi::constructor]
    pub fn decode(bytes: Vec<u8>) -> Result<Arc<Self>, TransactionError> {
        match tx::Transaction::from_bytes(&bytes) {
            Ok(t) => Ok(Arc::new(Transaction(t))),
            Err(e) => {
                log::debug!("rejected a {}-byte transaction: {e}", bytes.len());
                Err(e.into())
            }
        }
    }

    /// The serialization (what [`Transaction::decode`] reads back).
    pub fn encode(&self) -> Vec<u8> {
        self.0.to_bytes()
    }

    /// The transaction id.
    pub fn txid(&self) -> Arc<Txid> {
        Txid::of(self.0.txid())
    }

    /// nVersion.
    pub fn version(&self) -> u16 {
        self.0.version
    }

    /// nType (0 for a normal transaction; DIP2 special transactions have others).
    pub fn tx_type(&self) -> u16 {
        self.0.tx_type
    }

    /// nLockTime.
    pub fn lock_time(&self) -> u32 {
        self.0.lock_time
    }

    /// Whether this is a coinbase.
    pub fn is_coinbase(&self) -> bool {
        self.0.is_coinbase()
    }

    /// Whether this is a DIP2 special transaction (with an extra payload).
    pub fn is_special(&self) -> bool {
        self.0.is_special()
    }

    /// The inputs.
    pub fn inputs(&self) -> Vec<TxInput> {
        self.0
            .inputs
            .iter()
            .map(|i| TxInput {
                previous_txid: Txid::of(i.previous_output.txid),
                previous_vout: i.previous_output.vout,
                script_sig: i.script_sig.as_bytes().to_vec(),
                sequence: i.sequence,
            })
            .collect()
    }

    /// The outputs.
    pub fn outputs(&self) -> Vec<TxOutput> {
        self.0
            .outputs
            .iter()
            .map(|o| TxOutput {
                value: o.value,
                script_pubkey: o.script_pubkey.as_bytes().to_vec(),
            })
            .collect()
    }

    /// The address output `index` pays to on `network`, or `None` for a script that is
    /// neither P2PKH nor P2SH.
    pub fn output_address(
        &self,
        index: u32,
        network: Network,
    ) -> Result<Option<Arc<Address>>, TransactionError> {
        let count = self.0.outputs.len();
        let out = self
            .0
            .outputs
            .get(index as usize)
            .ok_or(TransactionError::NoSuchOutput { index, count: count as u32 })?;
        Ok(wallet::Address::from_script(&out.script_pubkey, network.into())
            .map(|a| Arc::new(Address::from(a))))
    }
}
