//! DIP2 special-transaction payloads (`src/evo/providertx.h`, `cbtx.h`, `mnhftx.h`,
//! `assetlocktx.h`, `src/llmq/commitment.h`).
//!
//! Parsing mirrors Dash Core's `GetTxPayload`: deserialize the type's payload class from
//! `vExtraPayload` and fail unless every byte was consumed.

use super::protx::{ProRegTx, ProUpRegTx, ProUpRevTx, ProUpServTx};
use super::{tx_type, TxOut, MAX_TX_EXTRA_PAYLOAD};
use crate::encode::{write_vec, Decode, DecodeError, Encode, Reader};
use crate::hash::Hash256;

/// Why a special payload could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// The transaction is not special (nVersion < 3 or nType 0): it has no payload.
    #[error("not a special transaction")]
    NotSpecial,
    /// The payload does not parse as its type's class (Dash Core: `GetTxPayload` fails).
    #[error("malformed payload of special transaction type {tx_type}: {error}")]
    Malformed {
        /// The transaction type.
        tx_type: u16,
        /// What was wrong.
        error: DecodeError,
    },
}

/// A typed special payload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum SpecialPayload {
    /// Type 1.
    ProRegTx(ProRegTx),
    /// Type 2.
    ProUpServTx(ProUpServTx),
    /// Type 3.
    ProUpRegTx(ProUpRegTx),
    /// Type 4.
    ProUpRevTx(ProUpRevTx),
    /// Type 5.
    Coinbase(CoinbasePayload),
    /// Type 6.
    QuorumCommitment(QuorumCommitmentPayload),
    /// Type 7.
    MnhfSignal(MnhfSignalPayload),
    /// Type 8.
    AssetLock(AssetLockPayload),
    /// Type 9.
    AssetUnlock(AssetUnlockPayload),
    /// Any other type: the raw bytes.
    Unknown {
        /// The transaction type.
        tx_type: u16,
        /// The payload.
        #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
        data: Vec<u8>,
    },
}

impl SpecialPayload {
    /// Parses `payload` as the class of `tx_type`; the whole payload must be consumed.
    pub fn parse(tx_type: u16, payload: &[u8]) -> Result<Self, PayloadError> {
        let mut r = Reader::new(payload);
        let parsed = match tx_type {
            tx_type::PROVIDER_REGISTER => ProRegTx::decode(&mut r).map(Self::ProRegTx),
            tx_type::PROVIDER_UPDATE_SERVICE => ProUpServTx::decode(&mut r).map(Self::ProUpServTx),
            tx_type::PROVIDER_UPDATE_REGISTRAR => ProUpRegTx::decode(&mut r).map(Self::ProUpRegTx),
            tx_type::PROVIDER_UPDATE_REVOKE => ProUpRevTx::decode(&mut r).map(Self::ProUpRevTx),
            tx_type::COINBASE => CoinbasePayload::decode(&mut r).map(Self::Coinbase),
            tx_type::QUORUM_COMMITMENT => {
                QuorumCommitmentPayload::decode(&mut r).map(Self::QuorumCommitment)
            }
            tx_type::MNHF_SIGNAL => MnhfSignalPayload::decode(&mut r).map(Self::MnhfSignal),
            tx_type::ASSET_LOCK => AssetLockPayload::decode(&mut r).map(Self::AssetLock),
            tx_type::ASSET_UNLOCK => AssetUnlockPayload::decode(&mut r).map(Self::AssetUnlock),
            _ => Ok(Self::Unknown { tx_type, data: r.take_rest().to_vec() }),
        };
        parsed
            .and_then(|p| r.finish().map(|()| p))
            .map_err(|error| PayloadError::Malformed { tx_type, error })
    }

    /// The serialized payload (the bytes [`SpecialPayload::parse`] read).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Self::ProRegTx(p) => p.to_bytes(),
            Self::ProUpServTx(p) => p.to_bytes(),
            Self::ProUpRegTx(p) => p.to_bytes(),
            Self::ProUpRevTx(p) => p.to_bytes(),
            Self::Coinbase(p) => p.to_bytes(),
            Self::QuorumCommitment(p) => p.raw.clone(),
            Self::MnhfSignal(p) => p.raw.clone(),
            Self::AssetLock(p) => p.to_bytes(),
            Self::AssetUnlock(p) => p.to_bytes(),
            Self::Unknown { data, .. } => data.clone(),
        }
    }
}

/// CbTx payload (`CCbTx`): `version u16 | height i32 | merkleRootMNList 32 |
/// [v ≥ 2: merkleRootQuorums 32 | [v ≥ 3: bestCLHeightDiff CompactSize | bestCLSignature 96 |
/// creditPoolBalance i64]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CoinbasePayload {
    /// Payload version.
    pub version: u16,
    /// The block height.
    pub height: i32,
    /// Merkle root of the simplified masternode list.
    pub merkle_root_mn_list: Hash256,
    /// Version ≥ 2: merkle root of the active quorums.
    pub merkle_root_quorums: Hash256,
    /// Version ≥ 3: blocks between this block and the best ChainLocked block, minus one.
    pub best_cl_height_diff: u32,
    /// Version ≥ 3: that ChainLock's BLS signature.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub best_cl_signature: [u8; 96],
    /// Version ≥ 3: the credit pool balance in duffs.
    pub credit_pool_balance: i64,
}

impl Decode for CoinbasePayload {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut p = CoinbasePayload {
            version: r.read("version")?,
            height: r.read("height")?,
            merkle_root_mn_list: r.read("merkle_root_mn_list")?,
            merkle_root_quorums: Hash256::ZERO,
            best_cl_height_diff: 0,
            best_cl_signature: [0; 96],
            credit_pool_balance: 0,
        };
        if p.version >= 2 {
            p.merkle_root_quorums = r.read("merkle_root_quorums")?;
            if p.version >= 3 {
                // COMPACTSIZE(uint32_t): range-checked against MAX_SIZE like any length.
                // MAX_SIZE (0x02000000) fits in the u32 field.
                p.best_cl_height_diff =
                    r.read_compact_size().map_err(|e| e.within("best_cl_height_diff"))? as u32;
                p.best_cl_signature = r.read("best_cl_signature")?;
                p.credit_pool_balance = r.read("credit_pool_balance")?;
            }
        }
        Ok(p)
    }
}

impl Encode for CoinbasePayload {
    fn encode(&self, out: &mut Vec<u8>) {
        self.version.encode(out);
        self.height.encode(out);
        self.merkle_root_mn_list.encode(out);
        if self.version >= 2 {
            self.merkle_root_quorums.encode(out);
            if self.version >= 3 {
                crate::encode::write_compact_size(out, u64::from(self.best_cl_height_diff));
                self.best_cl_signature.encode(out);
                self.credit_pool_balance.encode(out);
            }
        }
    }
}

/// Quorum commitment payload (`CFinalCommitmentTxPayload`): `version u16 | height u32 |
/// commitment`; the commitment is kept in `raw` only.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct QuorumCommitmentPayload {
    /// Payload version.
    pub version: u16,
    /// The block height.
    pub height: u32,
    /// The whole payload.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub raw: Vec<u8>,
}

impl Decode for QuorumCommitmentPayload {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let all = r.rest();
        let version = r.read("version")?;
        let height = r.read("height")?;
        r.take_rest();
        Ok(QuorumCommitmentPayload { version, height, raw: all.to_vec() })
    }
}

/// MNHF signal payload (`MNHFTxPayload`): `version u8 | versionBit u8 | quorumHash 32 |
/// BLS sig 96`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MnhfSignalPayload {
    /// Payload version.
    pub version: u8,
    /// The signalled deployment bit.
    pub version_bit: u8,
    /// The signing quorum.
    pub quorum_hash: Hash256,
    /// The whole payload.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub raw: Vec<u8>,
}

impl Decode for MnhfSignalPayload {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let all = r.rest();
        let version = r.read("version")?;
        let version_bit = r.read("version_bit")?;
        let quorum_hash = r.read("quorum_hash")?;
        r.read::<[u8; 96]>("signature")?;
        Ok(MnhfSignalPayload {
            version,
            version_bit,
            quorum_hash,
            raw: all[..1 + 1 + 32 + 96].to_vec(),
        })
    }
}

/// Asset lock payload (`CAssetLockPayload`): `version u8 | vector<CTxOut> creditOutputs`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AssetLockPayload {
    /// Payload version.
    pub version: u8,
    /// The credit outputs (on Platform).
    pub credit_outputs: Vec<TxOut>,
}

impl Decode for AssetLockPayload {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(AssetLockPayload {
            version: r.read("version")?,
            credit_outputs: r
                .read_vec("credit_outputs", MAX_TX_EXTRA_PAYLOAD / TxOut::MIN_ENCODED_LEN)?,
        })
    }
}

impl Encode for AssetLockPayload {
    fn encode(&self, out: &mut Vec<u8>) {
        self.version.encode(out);
        write_vec(out, &self.credit_outputs);
    }
}

/// Asset unlock payload (`CAssetUnlockPayload`): `version u8 | index u64 | fee u32 |
/// requestedHeight u32 | quorumHash 32 | quorumSig 96`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AssetUnlockPayload {
    /// Payload version.
    pub version: u8,
    /// Withdrawal index.
    pub index: u64,
    /// Fee in duffs.
    pub fee: u32,
    /// Height at which the withdrawal was requested.
    pub requested_height: u32,
    /// The signing quorum.
    pub quorum_hash: Hash256,
    /// The quorum's BLS signature.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub quorum_signature: [u8; 96],
}

impl Decode for AssetUnlockPayload {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(AssetUnlockPayload {
            version: r.read("version")?,
            index: r.read("index")?,
            fee: r.read("fee")?,
            requested_height: r.read("requested_height")?,
            quorum_hash: r.read("quorum_hash")?,
            quorum_signature: r.read("quorum_signature")?,
        })
    }
}

impl Encode for AssetUnlockPayload {
    fn encode(&self, out: &mut Vec<u8>) {
        self.version.encode(out);
        self.index.encode(out);
        self.fee.encode(out);
        self.requested_height.encode(out);
        self.quorum_hash.encode(out);
        self.quorum_signature.encode(out);
    }
}
