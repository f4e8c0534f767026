//! Verifying a `spork` before it is believed (`CSporkManager::ProcessSpork`,
//! `CSporkMessage::GetSignerKeyID`, `CPubKey::RecoverCompact` in Dash Core).

use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::{Message, Secp256k1};
use thiserror::Error;

use crate::hash::{hash160, Hash256};
use crate::network::{Network, Params};
use crate::wire::Spork;

/// How far past the adjusted time a spork may be signed (`ProcessSpork`: 2 hours).
pub const MAX_SPORK_FUTURE_SECONDS: i64 = 2 * 60 * 60;

/// The size of a compact recoverable ECDSA signature: a header byte, r and s.
pub const COMPACT_SIGNATURE_SIZE: usize = 65;

/// The misbehaviour score Dash Core gives a peer for a spork it refuses (both a bad signer
/// and a future signing time score 100, `DISCOURAGEMENT_THRESHOLD`).
pub const SPORK_MISBEHAVIOUR_SCORE: u32 = 100;

/// The hash160 of a public key (Dash Core's `CKeyID`).
pub type KeyId = [u8; 20];

/// Why a spork was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SporkError {
    /// `nTimeSigned` is more than [`MAX_SPORK_FUTURE_SECONDS`] after the adjusted time.
    #[error("spork signed at {time_signed}, more than 2 h after the adjusted time {adjusted_now}")]
    FutureTime {
        /// The spork's `nTimeSigned`.
        time_signed: i64,
        /// The adjusted time it was checked against.
        adjusted_now: i64,
    },
    /// The signature is not 65 bytes.
    #[error("spork signature is {len} bytes, a compact signature has 65")]
    BadSignatureLength {
        /// Its length.
        len: usize,
    },
    /// No public key can be recovered from the signature (r or s out of range, no point).
    #[error("no public key recovers from the spork signature")]
    NotRecovered,
    /// The recovered key is not one of the network's spork keys (a forged or tampered spork:
    /// any change to id, value or time recovers a different key).
    #[error("spork signer {} is not a spork key", hex::encode(.key_id))]
    UnknownSigner {
        /// The hash160 of the recovered key.
        key_id: KeyId,
    },
}

impl SporkError {
    /// The misbehaviour score Dash Core gives the peer that sent the spork: 100 for every
    /// refusal (a bad signature, an unknown signer and a future time alike).
    pub fn misbehaviour_score(&self) -> u32 {
        SPORK_MISBEHAVIOUR_SCORE
    }
}

/// Recovers the public key that made a compact signature over `hash` and returns it
/// serialized as the header asks (33 bytes compressed, 65 uncompressed).
///
/// As Dash Core's `CPubKey::RecoverCompact`, the header byte is read as
/// `recid = (h - 27) & 3`, `compressed = (h - 27) & 4` without a range check; `hash` is fed
/// to secp256k1 in its raw (wire) byte order.
pub fn recover_compact(hash: &Hash256, signature: &[u8]) -> Result<Vec<u8>, SporkError> {
    if signature.len() != COMPACT_SIGNATURE_SIZE {
        return Err(SporkError::BadSignatureLength { len: signature.len() });
    }
    let header = i32::from(signature[0]) - 27;
    let recid = RecoveryId::try_from(header & 3).map_err(|_| SporkError::NotRecovered)?;
    let compressed = header & 4 != 0;
    let sig = RecoverableSignature::from_compact(&signature[1..], recid)
        .map_err(|_| SporkError::NotRecovered)?;
    let secp = Secp256k1::verification_only();
    let key = secp
        .recover_ecdsa(Message::from_digest(hash.to_byte_array()), &sig)
        .map_err(|_| SporkError::NotRecovered)?;
    Ok(if compressed { key.serialize().to_vec() } else { key.serialize_uncompressed().to_vec() })
}

/// The key id (hash160 of the recovered public key) of whoever signed `hash`.
pub fn recover_key_id(hash: &Hash256, signature: &[u8]) -> Result<KeyId, SporkError> {
    recover_compact(hash, signature).map(|key| hash160(&key))
}

/// The key id that signed `spork` on `network` (`CSporkMessage::GetSignerKeyID`): the
/// signature hash differs by network, see [`Spork::signature_hash`].
pub fn spork_signer(spork: &Spork, network: Network) -> Result<KeyId, SporkError> {
    recover_key_id(&spork.signature_hash(network), &spork.signature)
}

/// Checks a spork the way `CSporkManager::ProcessSpork` does, in its order: the signing time
/// against `adjusted_now` first, then the signer against `params.spork_key_ids`. Returns the
/// signer's key id.
pub fn verify_spork(
    spork: &Spork,
    params: &Params,
    adjusted_now: i64,
) -> Result<KeyId, SporkError> {
    if spork.time_signed > adjusted_now.saturating_add(MAX_SPORK_FUTURE_SECONDS) {
        return Err(SporkError::FutureTime { time_signed: spork.time_signed, adjusted_now });
    }
    verify_spork_signature(spork, params)
}

/// The signature half of [`verify_spork`], without the time check (for sporks loaded back
/// from storage, which Dash Core also re-checks only by signer).
pub fn verify_spork_signature(spork: &Spork, params: &Params) -> Result<KeyId, SporkError> {
    let key_id = spork_signer(spork, params.network)?;
    if params.spork_key_ids.contains(&key_id) {
        Ok(key_id)
    } else {
        Err(SporkError::UnknownSigner { key_id })
    }
}
