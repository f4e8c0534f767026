//! The `headers` payload: uncompressed block headers, the reply to `getheaders`.

use crate::encode::{write_compact_size, Decode, DecodeError, DecodeErrorKind, Encode, Reader};
use crate::wire::BlockHeader;

/// The most headers a `headers` message may carry (`MAX_HEADERS_RESULTS`); Dash Core gives
/// misbehaving 20 for more, and we refuse to decode them.
pub const MAX_HEADERS_RESULTS: usize = 2_000;

/// The `headers` payload: `CompactSize n | n × (80-byte header | CompactSize tx count)`.
///
/// The tx count after each header is always 0 from Dash Core; like Dash Core we read and
/// ignore whatever (canonical, ≤ `MAX_SIZE`) value is there, and we always write 0.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Headers {
    /// The headers, in chain order, at most [`MAX_HEADERS_RESULTS`].
    pub headers: Vec<BlockHeader>,
}

impl Headers {
    /// A payload carrying `headers`.
    pub fn new(headers: Vec<BlockHeader>) -> Self {
        Headers { headers }
    }
}

impl Encode for Headers {
    fn encode(&self, out: &mut Vec<u8>) {
        write_compact_size(out, self.headers.len() as u64);
        out.reserve(self.headers.len() * (BlockHeader::SIZE + 1));
        for header in &self.headers {
            header.encode(out);
            out.push(0);
        }
    }
}

impl Decode for Headers {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.read_count("headers", MAX_HEADERS_RESULTS)?;
        let needed = n * (BlockHeader::SIZE + 1);
        if needed > r.remaining() {
            return Err(DecodeError::in_field(
                "headers",
                DecodeErrorKind::UnexpectedEnd { needed, remaining: r.remaining() },
            ));
        }
        let mut headers = Vec::with_capacity(n);
        for _ in 0..n {
            headers.push(r.read("header")?);
            r.read_compact_size().map_err(|e| e.within("tx_count"))?;
        }
        Ok(Headers { headers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(n: u8) -> BlockHeader {
        let raw: Vec<u8> = (0..80).map(|i| i ^ n).collect();
        BlockHeader::from_bytes(&raw).unwrap()
    }

    #[test]
    fn headers_are_followed_by_a_zero_tx_count() {
        let msg = Headers::new(vec![header(1), header(2)]);
        let bytes = msg.to_bytes();
        assert_eq!(bytes.len(), 1 + 2 * 81);
        assert_eq!(bytes[81], 0);
        assert_eq!(bytes[162], 0);
        assert_eq!(Headers::from_bytes(&bytes).unwrap(), msg);
    }

    #[test]
    fn any_tx_count_is_read_and_dropped() {
        let mut bytes = vec![1];
        bytes.extend_from_slice(&header(3).to_array());
        bytes.extend_from_slice(&[0xfd, 0x00, 0x01]);
        let msg = Headers::from_bytes(&bytes).unwrap();
        assert_eq!(msg.headers, vec![header(3)]);
        // Non-canonical counts are rejected, as by ReadCompactSize.
        let mut bad = vec![1];
        bad.extend_from_slice(&header(3).to_array());
        bad.extend_from_slice(&[0xfd, 0x01, 0x00]);
        assert_eq!(Headers::from_bytes(&bad).unwrap_err().field, "tx_count");
    }

    #[test]
    fn more_than_2000_headers_are_rejected() {
        let mut bytes = Vec::new();
        write_compact_size(&mut bytes, 2001);
        bytes.resize(bytes.len() + 2001 * 81, 0);
        let err = Headers::from_bytes(&bytes).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TooLarge { got: 2001, max: 2000 });
        let full = Headers::new(vec![header(0); 2000]);
        assert_eq!(Headers::from_bytes(&full.to_bytes()).unwrap().headers.len(), 2000);
    }

    #[test]
    fn header_count_beyond_the_bytes_present_is_rejected_before_allocating() {
        let mut bytes = Vec::new();
        write_compact_size(&mut bytes, 2000);
        bytes.extend_from_slice(&[0; 81]);
        let err = Headers::from_bytes(&bytes).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::UnexpectedEnd { needed: 2000 * 81, remaining: 81 });
    }
}
