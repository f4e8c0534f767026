//! A bounded reader over a byte slice.

use super::{Decode, DecodeError, DecodeErrorKind, MAX_SIZE};

/// Reads consensus-encoded values from a byte slice. Every read checks the bytes left first;
/// nothing is ever read past the end, and nothing is allocated for bytes that are not there.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, positioned at its start.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// How many bytes have been read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The bytes not read yet, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// Fails with [`DecodeErrorKind::TrailingBytes`] unless every byte has been read.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(DecodeError::new(DecodeErrorKind::TrailingBytes { count })),
        }
    }

    /// Reads a value and names `field` in any error it returns.
    pub fn read<T: Decode>(&mut self, field: &'static str) -> Result<T, DecodeError> {
        T::decode(self).map_err(|e| e.within(field))
    }

    /// Reads a value only if bytes remain (Dash Core's optional trailing fields).
    pub fn read_optional<T: Decode>(
        &mut self,
        field: &'static str,
    ) -> Result<Option<T>, DecodeError> {
        if self.is_empty() {
            Ok(None)
        } else {
            self.read(field).map(Some)
        }
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let remaining = self.remaining();
        if n > remaining {
            return Err(DecodeError::new(DecodeErrorKind::UnexpectedEnd { needed: n, remaining }));
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// Takes every byte left.
    pub fn take_rest(&mut self) -> &'a [u8] {
        let out = &self.buf[self.pos..];
        self.pos = self.buf.len();
        out
    }

    /// Reads a fixed-size array.
    pub fn read_array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// Reads one byte.
    pub fn read_u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.read_array::<1>()?[0])
    }

    /// Reads a CompactSize of any value, rejecting non-canonical encodings.
    pub fn read_compact_size_unbounded(&mut self) -> Result<u64, DecodeError> {
        let first = self.read_u8()?;
        let (value, min) = match first {
            0xfd => (u64::from(u16::from_le_bytes(self.read_array()?)), 0xfd),
            0xfe => (u64::from(u32::from_le_bytes(self.read_array()?)), 0x1_0000),
            0xff => (u64::from_le_bytes(self.read_array()?), 0x1_0000_0000),
            n => return Ok(u64::from(n)),
        };
        if value < min {
            return Err(DecodeError::new(DecodeErrorKind::NonCanonicalCompactSize));
        }
        Ok(value)
    }

    /// Reads a CompactSize used as a length or count: canonical and at most [`MAX_SIZE`],
    /// as Dash Core's `ReadCompactSize(range_check = true)`.
    pub fn read_compact_size(&mut self) -> Result<u64, DecodeError> {
        let n = self.read_compact_size_unbounded()?;
        if n > MAX_SIZE {
            return Err(DecodeError::new(DecodeErrorKind::TooLarge { got: n, max: MAX_SIZE }));
        }
        Ok(n)
    }

    /// Reads a CompactSize count that must be at most `max`.
    pub fn read_count(&mut self, field: &'static str, max: usize) -> Result<usize, DecodeError> {
        let n = self.read_compact_size().map_err(|e| e.within(field))?;
        if n > max as u64 {
            return Err(DecodeError::in_field(
                field,
                DecodeErrorKind::TooLarge { got: n, max: max as u64 },
            ));
        }
        Ok(n as usize)
    }

    /// Reads a length-prefixed byte string of at most `max` bytes.
    pub fn read_bytes(&mut self, field: &'static str, max: usize) -> Result<&'a [u8], DecodeError> {
        let n = self.read_count(field, max)?;
        self.take(n).map_err(|e| e.within(field))
    }

    /// Reads a length-prefixed byte string of at most `max` bytes into a new vector.
    pub fn read_byte_vec(
        &mut self,
        field: &'static str,
        max: usize,
    ) -> Result<Vec<u8>, DecodeError> {
        self.read_bytes(field, max).map(<[u8]>::to_vec)
    }

    /// Reads a CompactSize count (at most `max`) and that many values. The count is checked
    /// against the remaining bytes (`count × T::MIN_ENCODED_LEN`) before anything is
    /// allocated.
    pub fn read_vec<T: Decode>(
        &mut self,
        field: &'static str,
        max: usize,
    ) -> Result<Vec<T>, DecodeError> {
        let n = self.read_count(field, max)?;
        let needed = n.saturating_mul(T::MIN_ENCODED_LEN.max(1));
        if needed > self.remaining() {
            return Err(DecodeError::in_field(
                field,
                DecodeErrorKind::UnexpectedEnd { needed, remaining: self.remaining() },
            ));
        }
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.read(field)?);
        }
        Ok(out)
    }
}
