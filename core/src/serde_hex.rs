//! Serialization helpers for the `serde` feature: byte strings as lowercase hex, addresses
//! and user agents as text.

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

/// Serializes optional bytes as a hex string or `null`.
pub fn opt_bytes<S: serde::Serializer>(value: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => s.serialize_some(&hex::encode(v)),
        None => s.serialize_none(),
    }
}

/// Serializes 16 address bytes as an IP address (IPv4-mapped addresses as IPv4).
pub fn ipv6<S: serde::Serializer>(value: &[u8; 16], s: S) -> Result<S::Ok, S::Error> {
    let v6 = std::net::Ipv6Addr::from(*value);
    match v6.to_ipv4_mapped() {
        Some(v4) => s.collect_str(&v4),
        None => s.collect_str(&v6),
    }
}

/// Serializes bytes as text, invalid UTF-8 replaced.
pub fn text<S: serde::Serializer>(value: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(value))
}
