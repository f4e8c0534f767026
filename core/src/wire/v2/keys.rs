//! The BIP324 key exchange: an ElligatorSwift-encoded ephemeral key each way, x-only ECDH
//! hashed with both encodings, and HKDF-SHA256 over it for the session's keys.

use super::hkdf::Hkdf32;
use secp256k1::ellswift::{ElligatorSwift, Party};
use secp256k1::SecretKey;

/// The size of an ElligatorSwift-encoded public key.
pub const ELLSWIFT_LEN: usize = 64;
/// The size of a garbage terminator.
pub const TERMINATOR_LEN: usize = 16;

/// Which end of the connection: the one that connected, or the one that accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We opened the connection.
    Initiator,
    /// We accepted it.
    Responder,
}

/// Everything the two ends derive from their shared secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKeys {
    /// Identifies the session (both ends compute the same).
    pub session_id: [u8; 32],
    /// The initiator's length-cipher key.
    pub initiator_l: [u8; 32],
    /// The initiator's packet-cipher key.
    pub initiator_p: [u8; 32],
    /// The responder's length-cipher key.
    pub responder_l: [u8; 32],
    /// The responder's packet-cipher key.
    pub responder_p: [u8; 32],
    /// The initiator's garbage terminator.
    pub initiator_terminator: [u8; TERMINATOR_LEN],
    /// The responder's garbage terminator.
    pub responder_terminator: [u8; TERMINATOR_LEN],
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionKeys").field("session_id", &hex::encode(self.session_id)).finish()
    }
}

/// The BIP324 shared secret: `tagged_hash("bip324_ellswift_xonly_ecdh", ell_initiator ||
/// ell_responder || x(ours * theirs))`.
pub fn shared_secret(
    secret: &SecretKey,
    ours: &[u8; ELLSWIFT_LEN],
    theirs: &[u8; ELLSWIFT_LEN],
    role: Role,
) -> [u8; 32] {
    let (a, b, party) = match role {
        Role::Initiator => (ours, theirs, Party::Initiator),
        Role::Responder => (theirs, ours, Party::Responder),
    };
    let a = ElligatorSwift::from_array(*a);
    let b = ElligatorSwift::from_array(*b);
    ElligatorSwift::shared_secret(a, b, *secret, party, None).to_secret_bytes()
}

impl SessionKeys {
    /// The keys of a session on the network with `magic` (the salt is
    /// `"bitcoin_v2_shared_secret" || magic`, as in Dash Core).
    pub fn derive(shared_secret: &[u8; 32], magic: [u8; 4]) -> Self {
        let mut salt = b"bitcoin_v2_shared_secret".to_vec();
        salt.extend_from_slice(&magic);
        let hkdf = Hkdf32::extract(&salt, shared_secret);
        let terminators = hkdf.expand32(b"garbage_terminators");
        let mut initiator_terminator = [0u8; TERMINATOR_LEN];
        let mut responder_terminator = [0u8; TERMINATOR_LEN];
        initiator_terminator.copy_from_slice(&terminators[..TERMINATOR_LEN]);
        responder_terminator.copy_from_slice(&terminators[TERMINATOR_LEN..]);
        SessionKeys {
            session_id: hkdf.expand32(b"session_id"),
            initiator_l: hkdf.expand32(b"initiator_L"),
            initiator_p: hkdf.expand32(b"initiator_P"),
            responder_l: hkdf.expand32(b"responder_L"),
            responder_p: hkdf.expand32(b"responder_P"),
            initiator_terminator,
            responder_terminator,
        }
    }
}
