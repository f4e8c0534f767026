//! Decoding errors: what went wrong and in which field.

use std::fmt;

/// Why a decode failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The input ended before the field was complete.
    UnexpectedEnd {
        /// Bytes the field needed.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A CompactSize used more bytes than its value needs.
    NonCanonicalCompactSize,
    /// A length or count is above the limit allowed for this field.
    TooLarge {
        /// The value found.
        got: u64,
        /// The largest value allowed.
        max: u64,
    },
    /// A fixed-size field had the wrong length.
    WrongLength {
        /// The length found.
        got: u64,
        /// The length required.
        expected: u64,
    },
    /// Bytes were left over after the value was complete.
    TrailingBytes {
        /// How many bytes were left.
        count: usize,
    },
    /// The value is not allowed here (the text says which rule it breaks).
    Invalid(&'static str),
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DecodeErrorKind::UnexpectedEnd { needed, remaining } => {
                write!(f, "truncated: needs {needed} bytes, {remaining} left")
            }
            DecodeErrorKind::NonCanonicalCompactSize => write!(f, "non-canonical CompactSize"),
            DecodeErrorKind::TooLarge { got, max } => write!(f, "{got} exceeds the limit of {max}"),
            DecodeErrorKind::WrongLength { got, expected } => {
                write!(f, "length {got}, expected {expected}")
            }
            DecodeErrorKind::TrailingBytes { count } => write!(f, "{count} trailing bytes"),
            DecodeErrorKind::Invalid(why) => f.write_str(why),
        }
    }
}

/// A decoding failure: the innermost named field and what was wrong with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    /// The field being read (innermost first), or `""` when no field was named.
    pub field: &'static str,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// An error of `kind` not yet attached to a field.
    pub fn new(kind: DecodeErrorKind) -> Self {
        DecodeError { field: "", kind }
    }

    /// An error of `kind` in `field`.
    pub fn in_field(field: &'static str, kind: DecodeErrorKind) -> Self {
        DecodeError { field, kind }
    }

    /// A value that breaks a rule, in `field`.
    pub fn invalid(field: &'static str, why: &'static str) -> Self {
        DecodeError { field, kind: DecodeErrorKind::Invalid(why) }
    }

    /// Names the field if no inner field was named yet.
    pub fn within(mut self, field: &'static str) -> Self {
        if self.field.is_empty() {
            self.field = field;
        }
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.field, self.kind)
        }
    }
}

impl std::error::Error for DecodeError {}
