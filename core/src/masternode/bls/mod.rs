//! BLS12-381 signatures as Dash uses them (`src/bls/bls.h`, dashpay/bls-signatures):
//! minimal-pubkey-size (keys in G1, 48 bytes; signatures in G2, 96 bytes), always verified in
//! the single-key "insecure" form `e(g1, sig) == e(pk, H(msg))` over a 32-byte message.
//!
//! Two [`Encoding`]s of the same points exist (legacy before V19, basic after) and two
//! [`Scheme`]s, which differ only in the hash to G2. The pairing arithmetic is `blst`'s.

mod encoding;
mod ffi;
mod legacy_hash;

pub use encoding::{
    g1_basic_to_legacy, g1_legacy_to_basic, g2_basic_to_legacy, g2_legacy_to_basic,
};

/// The domain separation tag of the basic scheme (`BasicSchemeMPL`).
pub const BASIC_DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_";

/// How a point is serialized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Pre-V19 (relic): no compression flag, the y-sign in bit 0x80, G2 halves `c0 | c1`.
    Legacy,
    /// IETF/ZCash: flags 0x80 compressed, 0x40 infinity, 0x20 y-sign; G2 halves `c1 | c0`.
    Basic,
}

/// How a message is hashed to G2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `LegacySchemeMPL`: the Shallue–van de Woestijne map of two SHA-256-derived field
    /// elements, cofactor-cleared.
    Legacy,
    /// `BasicSchemeMPL`: hash_to_curve `BLS12381G2_XMD:SHA-256_SSWU_RO_` with [`BASIC_DST`].
    Basic,
}

/// Why bytes are not a usable key or signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlsError {
    /// The bytes do not encode a point of the curve in the given encoding.
    #[error("not a valid point encoding")]
    Malformed,
    /// The point is the identity, which verifies nothing.
    #[error("the point at infinity")]
    Infinity,
    /// The point is on the curve but outside the prime-order subgroup.
    #[error("point outside the prime-order subgroup")]
    NotInSubgroup,
}

/// A BLS public key: a G1 point of the prime-order subgroup, not the identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(ffi::G1);

/// A BLS signature: a G2 point of the prime-order subgroup, not the identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature(ffi::G2);

impl PublicKey {
    /// Parses 48 bytes in `encoding`.
    pub fn from_bytes(bytes: &[u8; 48], encoding: Encoding) -> Result<Self, BlsError> {
        let basic = match encoding {
            Encoding::Basic => *bytes,
            Encoding::Legacy => g1_legacy_to_basic(bytes).ok_or(BlsError::Malformed)?,
        };
        ffi::G1::from_basic(&basic).map(PublicKey)
    }

    /// The 48 bytes in `encoding`.
    pub fn to_bytes(&self, encoding: Encoding) -> [u8; 48] {
        let basic = self.0.to_basic();
        match encoding {
            Encoding::Basic => basic,
            Encoding::Legacy => g1_basic_to_legacy(&basic),
        }
    }
}

impl Signature {
    /// Parses 96 bytes in `encoding`.
    pub fn from_bytes(bytes: &[u8; 96], encoding: Encoding) -> Result<Self, BlsError> {
        let basic = match encoding {
            Encoding::Basic => *bytes,
            Encoding::Legacy => g2_legacy_to_basic(bytes).ok_or(BlsError::Malformed)?,
        };
        ffi::G2::from_basic(&basic).map(Signature)
    }

    /// The 96 bytes in `encoding`.
    pub fn to_bytes(&self, encoding: Encoding) -> [u8; 96] {
        let basic = self.0.to_basic();
        match encoding {
            Encoding::Basic => basic,
            Encoding::Legacy => g2_basic_to_legacy(&basic),
        }
    }

    /// Whether this signature signs `message` (32 bytes, a uint256 in internal order) under
    /// `key` in `scheme` (`CBLSSignature::VerifyInsecure`).
    pub fn verify(&self, key: &PublicKey, message: &[u8; 32], scheme: Scheme) -> bool {
        let hashed = match scheme {
            Scheme::Basic => ffi::G2::hash_basic(message, BASIC_DST),
            Scheme::Legacy => legacy_hash::hash_to_g2(message),
        };
        ffi::pairing_check(&key.0, &hashed, &self.0)
    }
}

/// Parses `key` and `signature` (both in `encoding`) and verifies `message` in `scheme`; any
/// malformed input is a failed verification.
pub fn verify_bytes(
    key: &[u8; 48],
    message: &[u8; 32],
    signature: &[u8; 96],
    encoding: Encoding,
    scheme: Scheme,
) -> bool {
    match (PublicKey::from_bytes(key, encoding), Signature::from_bytes(signature, encoding)) {
        (Ok(key), Ok(signature)) => signature.verify(&key, message, scheme),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
