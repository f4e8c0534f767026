//! Typed 32-byte hashes: [`Txid`], [`BlockHash`] and a governance [`ObjectHash`]. Each is an
//! object whose text (Kotlin `toString()`, Swift `description`, Python `str()`) is the display
//! hex (byte-reversed, as Dash Core prints it), with value equality and hashing, parsed back
//! from that hex by `parse` with a typed [`HashError`]. Distinct types keep a txid from being
//! passed where a block hash belongs.

use std::sync::Arc;

use dashlite::hash;

/// Why a string is not a 32-byte hash in display hex.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum HashError {
    /// A hash is 64 hex digits.
    #[error("a 32-byte hash is 64 hex digits, not {length} characters")]
    BadLength {
        /// The string's length in bytes.
        length: u64,
    },
    /// A character that is not a hex digit.
    #[error("{text:?} is not hex")]
    NotHex {
        /// The string given.
        text: String,
    },
}

fn parse_core<H>(text: &str) -> Result<H, HashError>
where
    H: std::str::FromStr,
{
    if text.len() != 64 {
        return Err(HashError::BadLength { length: text.len() as u64 });
    }
    text.parse().map_err(|_| HashError::NotHex { text: text.to_owned() })
}

macro_rules! ffi_hash {
    ($(#[$doc:meta])* $name:ident, $core:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Object)]
        #[uniffi::export(Display, Eq, Hash)]
        pub struct $name(pub(crate) $core);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl $name {
            /// The core value.
            pub fn inner(&self) -> $core {
                self.0
            }

            /// The foreign object of a core value.
            pub fn of(value: $core) -> Arc<$name> {
                Arc::new($name(value))
            }
        }

        #[uniffi::export]
        impl $name {
            /// Parses the display hex form (64 hex digits, as Dash Core prints it).
            #[uniffi::constructor]
            pub fn parse(hex: String) -> Result<Arc<Self>, HashError> {
                parse_core(&hex).map($name::of)
            }

            /// The 32 bytes in wire (internal) order, the reverse of the text.
            pub fn bytes(&self) -> Vec<u8> {
                self.0.as_bytes().to_vec()
            }
        }
    };
}

ffi_hash!(
    /// A transaction id: SHA256d of the transaction's serialization.
    Txid,
    hash::Txid
);
ffi_hash!(
    /// A block hash: X11 of the 80-byte header.
    BlockHash,
    hash::BlockHash
);
ffi_hash!(
    /// The hash of a governance object (proposal or trigger), which names it in votes.
    ObjectHash,
    hash::Hash256
);

#[cfg(test)]
mod tests {
    use super::*;

    const GENESIS: &str = "00000ffd590b1485b3caadc19b22e6379c733355108f107a430458cdf3407ab6";

    #[test]
    fn text_round_trips_and_bytes_are_wire_order() {
        let h = BlockHash::parse(GENESIS.into()).unwrap();
        assert_eq!(h.to_string(), GENESIS);
        let bytes = h.bytes();
        assert_eq!((bytes[0], bytes[31]), (0xb6, 0x00));
        assert_eq!(*BlockHash::parse(GENESIS.into()).unwrap(), *h);
    }

    #[test]
    fn bad_text_is_a_typed_error() {
        assert_eq!(Txid::parse("00".into()).unwrap_err(), HashError::BadLength { length: 2 });
        let zz = "zz".repeat(32);
        assert_eq!(Txid::parse(zz.clone()).unwrap_err(), HashError::NotHex { text: zz });
        // 64 bytes, 32 characters: the length counts bytes, the digits are checked after.
        let accents = "é".repeat(32);
        assert_eq!(
            ObjectHash::parse(accents.clone()).unwrap_err(),
            HashError::NotHex { text: accents }
        );
    }
}
