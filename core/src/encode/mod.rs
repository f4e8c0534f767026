//! Consensus encoding, exactly as Dash Core serializes: little-endian integers, canonical
//! CompactSize, length-prefixed byte strings and vectors.
//!
//! Decoding reads from a byte slice through a [`Reader`] that never reads past its end and
//! never allocates more than the remaining bytes can justify: a vector whose count claims more
//! elements than the remaining bytes could hold is rejected before anything is allocated.

mod error;
mod reader;

pub use error::{DecodeError, DecodeErrorKind};
pub use reader::Reader;

/// The largest CompactSize Dash Core accepts as a length (`MAX_SIZE`, 0x02000000).
pub const MAX_SIZE: u64 = 0x0200_0000;

/// A value with a consensus serialization.
pub trait Encode {
    /// Appends the serialization of `self` to `out`.
    fn encode(&self, out: &mut Vec<u8>);

    /// The serialization as a new vector.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

/// A value that can be read from its consensus serialization.
pub trait Decode: Sized {
    /// The fewest bytes any serialization of this type takes. Vector decoding uses it to
    /// reject counts that the remaining input cannot hold before allocating.
    const MIN_ENCODED_LEN: usize = 1;

    /// Reads one value from `r`.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;

    /// Decodes `bytes` completely: trailing bytes are an error.
    fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let value = Self::decode(&mut r)?;
        r.finish()?;
        Ok(value)
    }
}

/// Appends a CompactSize (Bitcoin's variable-length integer) to `out`.
pub fn write_compact_size(out: &mut Vec<u8>, n: u64) {
    match n {
        0..=0xfc => out.push(n as u8),
        0xfd..=0xffff => {
            out.push(0xfd);
            out.extend_from_slice(&(n as u16).to_le_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(0xfe);
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        _ => {
            out.push(0xff);
            out.extend_from_slice(&n.to_le_bytes());
        }
    }
}

/// The number of bytes [`write_compact_size`] writes for `n`.
pub fn compact_size_len(n: u64) -> usize {
    match n {
        0..=0xfc => 1,
        0xfd..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    }
}

/// Appends a length-prefixed byte string.
pub fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_compact_size(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Appends a CompactSize count followed by every item.
pub fn write_vec<T: Encode>(out: &mut Vec<u8>, items: &[T]) {
    write_compact_size(out, items.len() as u64);
    for item in items {
        item.encode(out);
    }
}

macro_rules! int_codec {
    ($($t:ty, $n:expr);* $(;)?) => {$(
        impl Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
        impl Decode for $t {
            const MIN_ENCODED_LEN: usize = $n;
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok(<$t>::from_le_bytes(r.read_array::<$n>()?))
            }
        }
    )*};
}

int_codec! {
    u8, 1; i8, 1; u16, 2; i16, 2; u32, 4; i32, 4; u64, 8; i64, 8;
}

impl Encode for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

impl Decode for bool {
    /// Dash Core reads a bool as one byte and treats any non-zero value as true.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(r.read_u8()? != 0)
    }
}

impl<const N: usize> Encode for [u8; N] {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
}

impl<const N: usize> Decode for [u8; N] {
    const MIN_ENCODED_LEN: usize = N;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_array::<N>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_size_round_trips_at_every_boundary() {
        for n in [0u64, 1, 0xfc, 0xfd, 0xffff, 0x1_0000, 0xffff_ffff, 0x1_0000_0000, u64::MAX] {
            let mut out = Vec::new();
            write_compact_size(&mut out, n);
            assert_eq!(out.len(), compact_size_len(n));
            let mut r = Reader::new(&out);
            assert_eq!(r.read_compact_size_unbounded().unwrap(), n);
            assert!(r.is_empty());
        }
    }

    #[test]
    fn non_canonical_compact_sizes_are_rejected() {
        for bytes in [
            &[0xfd, 0xfc, 0x00][..],
            &[0xfe, 0xff, 0xff, 0x00, 0x00],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00],
        ] {
            let err = Reader::new(bytes).read_compact_size_unbounded().unwrap_err();
            assert_eq!(err.kind, DecodeErrorKind::NonCanonicalCompactSize, "{bytes:02x?}");
        }
    }

    #[test]
    fn compact_size_above_max_size_is_rejected_as_a_length() {
        let mut out = Vec::new();
        write_compact_size(&mut out, MAX_SIZE + 1);
        let err = Reader::new(&out).read_compact_size().unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TooLarge { got: MAX_SIZE + 1, max: MAX_SIZE });
        let mut out = Vec::new();
        write_compact_size(&mut out, MAX_SIZE);
        assert_eq!(Reader::new(&out).read_compact_size().unwrap(), MAX_SIZE);
    }

    #[test]
    fn vector_count_beyond_the_input_is_rejected_before_allocating() {
        // Claims 0x02000000 u64s with 3 bytes behind it.
        let bytes = [0xfe, 0x00, 0x00, 0x00, 0x02, 1, 2, 3];
        let err = Reader::new(&bytes).read_vec::<u64>("values", usize::MAX).unwrap_err();
        assert_eq!(err.field, "values");
        assert!(matches!(err.kind, DecodeErrorKind::UnexpectedEnd { .. }));
    }

    #[test]
    fn vector_count_above_its_cap_is_rejected() {
        let bytes = [3, 1, 2, 3];
        let err = Reader::new(&bytes).read_vec::<u8>("items", 2).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TooLarge { got: 3, max: 2 });
        assert_eq!(Reader::new(&bytes).read_vec::<u8>("items", 3).unwrap(), vec![1, 2, 3]);
    }

    #[test]
    fn trailing_bytes_are_an_error_for_from_bytes() {
        let err = u16::from_bytes(&[1, 2, 3]).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TrailingBytes { count: 1 });
        assert_eq!(u16::from_bytes(&[1, 2]).unwrap(), 0x0201);
    }

    #[test]
    fn errors_name_the_innermost_field() {
        let err = Reader::new(&[1]).read::<u32>("n_time").unwrap_err();
        assert_eq!(err.field, "n_time");
        assert_eq!(err.to_string(), "n_time: truncated: needs 4 bytes, 1 left");
    }
}
