//! BIP324 v2 transport, as Dash Core speaks it: an encrypted, authenticated byte stream in
//! place of the v1 envelope. Sans-IO: the types here turn bytes into messages and back, and
//! the driver ([`crate::node`]) moves the bytes.
//!
//! * [`keys`]: the ElligatorSwift key exchange and HKDF-SHA256 key derivation;
//! * [`cipher`]: FSChaCha20 (lengths) and FSChaCha20Poly1305 (packets), rekeyed every 224;
//! * [`ids`]: Dash Core's one-byte message ids;
//! * [`stream`]: the handshake, garbage, version and decoy packets, framing of messages.
//!
//! Bounds: an encrypted length above [`MAX_CONTENTS_LEN`], garbage longer than
//! [`MAX_GARBAGE_LEN`] without its terminator, or a packet that fails authentication end the
//! connection (as a fatal framing error); an unknown id or an invalid long-form command drops
//! that one message, as Dash Core does.

pub mod cipher;
mod hkdf;
pub mod ids;
pub mod keys;
pub mod stream;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod vector_tests;

pub use keys::{Role, SessionKeys, ELLSWIFT_LEN, TERMINATOR_LEN};
pub use stream::{
    Received, V2Handshake, V2Receiver, V2Sender, MAX_CONTENTS_LEN, MAX_GARBAGE_LEN, PACKET_OVERHEAD,
};

/// What went wrong on a v2 stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum V2Error {
    /// No garbage terminator within [`MAX_GARBAGE_LEN`] bytes after the peer's key. Fatal.
    #[error("v2: no garbage terminator within {MAX_GARBAGE_LEN} bytes")]
    NoTerminator,
    /// A packet's length exceeds [`MAX_CONTENTS_LEN`]. Fatal.
    #[error("v2: packet length {length} exceeds the limit of {MAX_CONTENTS_LEN}")]
    Oversized {
        /// The length decrypted.
        length: u32,
    },
    /// A packet failed authentication (or the peer derived other keys). Fatal.
    #[error("v2: packet authentication failed")]
    BadMac,
    /// The peer speaks v1 (reported to a responder, which goes on in v1). Fatal for v2.
    #[error("v2: the peer speaks v1")]
    V1Peer,
    /// A message packet without a message type; the message was dropped.
    #[error("v2: packet without a message type")]
    Empty,
    /// A short id Dash Core does not assign; the message was dropped.
    #[error("v2: unknown short message id {0}")]
    UnknownShortId(u8),
    /// A long-form command that is not valid; the message was dropped.
    #[error("v2: invalid command bytes {0:02x?}")]
    BadCommand([u8; 12]),
}

impl V2Error {
    /// Whether the connection must be closed (true) or only one message dropped (false).
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            V2Error::NoTerminator | V2Error::Oversized { .. } | V2Error::BadMac | V2Error::V1Peer
        )
    }
}
