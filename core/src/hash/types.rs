//! 32-byte hash values. They travel on the wire in "internal" byte order (the raw hash
//! output) and are shown byte-reversed, as Dash Core's `GetHex()` and every explorer do.

use crate::encode::{Decode, DecodeError, Encode, Reader};
use std::fmt;
use std::str::FromStr;

/// A string that is not 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a 32-byte hash is 64 hex digits: {0}")]
pub struct ParseHashError(&'static str);

macro_rules! hash_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name([u8; 32]);

        impl $name {
            /// The all-zero value.
            pub const ZERO: $name = $name([0; 32]);

            /// From the 32 bytes in wire (internal) order.
            pub const fn from_byte_array(bytes: [u8; 32]) -> Self {
                $name(bytes)
            }

            /// The 32 bytes in wire (internal) order.
            pub const fn to_byte_array(self) -> [u8; 32] {
                self.0
            }

            /// The 32 bytes in wire (internal) order, borrowed.
            pub const fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }

            /// Whether every byte is zero.
            pub fn is_zero(&self) -> bool {
                self.0 == [0; 32]
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut rev = self.0;
                rev.reverse();
                f.write_str(&hex::encode(rev))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self)
            }
        }

        impl FromStr for $name {
            type Err = ParseHashError;
            /// Parses the display (byte-reversed) hex form.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                if s.len() != 64 {
                    return Err(ParseHashError("wrong length"));
                }
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(s, &mut bytes).map_err(|_| ParseHashError("not hex"))?;
                bytes.reverse();
                Ok($name(bytes))
            }
        }

        impl From<[u8; 32]> for $name {
            fn from(bytes: [u8; 32]) -> Self {
                $name(bytes)
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl Encode for $name {
            fn encode(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.0);
            }
        }

        impl Decode for $name {
            const MIN_ENCODED_LEN: usize = 32;
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                r.read_array().map($name)
            }
        }
    };
}

hash_type!(
    /// A block hash: X11 of the 80-byte header.
    BlockHash
);
hash_type!(
    /// A transaction id: SHA256d of the transaction's serialization.
    Txid
);
hash_type!(
    /// Any other 32-byte hash or uint256 (merkle nodes, governance objects, quorum hashes).
    Hash256
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_byte_reversed_and_parses_back() {
        let mut bytes = [0u8; 32];
        bytes[0] = 0xb6;
        bytes[31] = 0x00;
        bytes[30] = 0x0f;
        let h = BlockHash::from_byte_array(bytes);
        let shown = h.to_string();
        assert!(shown.starts_with("000f"));
        assert!(shown.ends_with("b6"));
        assert_eq!(shown.parse::<BlockHash>().unwrap(), h);
    }

    #[test]
    fn bad_hex_is_a_typed_error() {
        assert!("00".parse::<Txid>().is_err());
        assert!("zz".repeat(32).parse::<Txid>().is_err());
    }
}
