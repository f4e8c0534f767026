//! Serialization helpers for the `serde` feature: byte strings as lowercase hex.

/// Serializes bytes as a lowercase hex string (`#[serde(serialize_with = "...")]`).
pub fn bytes<S: serde::Serializer, T: AsRef<[u8]>>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(value.as_ref()))
}

/// Serializes a list of byte strings as a list of hex strings.
pub fn bytes_list<S: serde::Serializer, T: AsRef<[u8]>>(
    value: &[T],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(value.iter().map(hex::encode))
}
