//! Block locators: the `getheaders`, `getheaders2` and `getblocks` payloads
//! (`CBlockLocator` and `hashStop`, `src/net_processing.cpp`).

use crate::encode::{write_vec, Decode, DecodeError, Encode, Reader};
use crate::hash::BlockHash;

/// The most locator hashes Dash Core accepts (`MAX_LOCATOR_SZ`); a peer sending more is
/// disconnected, and we refuse to decode such a message.
pub const MAX_LOCATOR_SZ: usize = 101;

macro_rules! locator_payload {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        ///
        /// Wire: `version i32 | CompactSize n | n × locator hash | hash_stop`, n ≤
        /// [`MAX_LOCATOR_SZ`].
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        pub struct $name {
            /// The locator's version field (`CBlockLocator` writes the protocol version).
            pub version: i32,
            /// Hashes of blocks the sender has, newest first, thinning out exponentially
            /// towards the genesis block; at most [`MAX_LOCATOR_SZ`].
            pub locator_hashes: Vec<BlockHash>,
            /// Stop after this block; all-zero asks for as many as the reply can hold.
            pub hash_stop: BlockHash,
        }

        impl $name {
            /// A request from `locator_hashes` (newest first) up to `hash_stop`.
            pub fn new(version: i32, locator_hashes: Vec<BlockHash>, hash_stop: BlockHash) -> Self {
                $name { version, locator_hashes, hash_stop }
            }
        }

        impl Encode for $name {
            fn encode(&self, out: &mut Vec<u8>) {
                self.version.encode(out);
                write_vec(out, &self.locator_hashes);
                self.hash_stop.encode(out);
            }
        }

        impl Decode for $name {
            const MIN_ENCODED_LEN: usize = 4 + 1 + 32;
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok($name {
                    version: r.read("version")?,
                    locator_hashes: r.read_vec($field, MAX_LOCATOR_SZ)?,
                    hash_stop: r.read("hash_stop")?,
                })
            }
        }
    };
}

locator_payload!(
    /// The `getheaders` payload: asks for up to 2,000 headers (a `headers` reply) following
    /// the first locator hash found on the peer's active chain.
    GetHeaders,
    "locator_hashes"
);
locator_payload!(
    /// The `getheaders2` payload (DIP-0025), identical to `getheaders`: asks for a `headers2`
    /// reply (up to 8,000 compressed headers from protocol 70235 on). Send it only to peers
    /// advertising `NODE_HEADERS_COMPRESSED`.
    GetHeaders2,
    "locator_hashes"
);
locator_payload!(
    /// The `getblocks` payload: asks for an `inv` of up to 500 block hashes following the
    /// locator.
    GetBlocks,
    "locator_hashes"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::DecodeErrorKind;

    #[test]
    fn locator_payloads_round_trip_in_wire_layout() {
        let req = GetHeaders2::new(
            70240,
            vec![BlockHash::from_byte_array([7; 32]), BlockHash::from_byte_array([8; 32])],
            BlockHash::ZERO,
        );
        let bytes = req.to_bytes();
        assert_eq!(bytes[..4], 70240i32.to_le_bytes());
        assert_eq!(bytes[4], 2);
        assert_eq!(bytes.len(), 4 + 1 + 2 * 32 + 32);
        assert_eq!(GetHeaders2::from_bytes(&bytes).unwrap(), req);
        let same = GetHeaders::from_bytes(&bytes).unwrap();
        assert_eq!(same.locator_hashes, req.locator_hashes);
        assert_eq!(GetBlocks::from_bytes(&bytes).unwrap().hash_stop, BlockHash::ZERO);
    }

    #[test]
    fn locator_of_101_hashes_is_accepted_and_102_rejected() {
        let ok = GetHeaders::new(1, vec![BlockHash::ZERO; MAX_LOCATOR_SZ], BlockHash::ZERO);
        assert_eq!(GetHeaders::from_bytes(&ok.to_bytes()).unwrap(), ok);
        let too_many = GetHeaders::new(1, vec![BlockHash::ZERO; 102], BlockHash::ZERO);
        let err = GetHeaders::from_bytes(&too_many.to_bytes()).unwrap_err();
        assert_eq!(err.field, "locator_hashes");
        assert_eq!(err.kind, DecodeErrorKind::TooLarge { got: 102, max: 101 });
    }

    #[test]
    fn locator_claiming_more_hashes_than_present_is_rejected() {
        let mut bytes = 1i32.to_le_bytes().to_vec();
        bytes.push(100);
        bytes.extend_from_slice(&[0; 64]);
        let err = GetBlocks::from_bytes(&bytes).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::UnexpectedEnd { .. }), "{err}");
    }
}
