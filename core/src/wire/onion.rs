//! Tor v3 `.onion` names and the RFC 4648 base32 that BIP155 addresses are written in
//! (`src/netaddress.cpp`, `src/util/strencodings.cpp`, Tor rend-spec-v3).

use sha3::{Digest, Sha3_256};

const BASE32_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// RFC 4648 base32, lowercase, without padding.
pub(super) fn base32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in data {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32_ALPHABET[((acc >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32_ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

/// RFC 4648 base32 without padding, either case; `None` on a bad character or on
/// non-zero leftover bits.
fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = BASE32_ALPHABET.iter().position(|&a| a == c.to_ascii_lowercase())? as u32;
        acc = ((acc << 5) | v) & 0xfff;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if acc & ((1 << bits) - 1) != 0 {
        return None;
    }
    Some(out)
}

/// Why a Tor v3 `.onion` name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OnionError {
    /// The name does not end in `.onion`.
    #[error("not a .onion name")]
    MissingSuffix,
    /// The label is not base32.
    #[error("the onion label is not base32")]
    NotBase32,
    /// The label does not decode to 35 bytes (key, checksum, version).
    #[error("the onion label is not 56 base32 characters (Tor v3)")]
    WrongLength,
    /// The version byte is not 3.
    #[error("onion version {0}, expected 3")]
    WrongVersion(u8),
    /// The two checksum bytes do not match the key.
    #[error("onion checksum mismatch")]
    BadChecksum,
}

/// `SHA3-256(".onion checksum" | pubkey | 0x03)[..2]` (Tor rend-spec-v3).
fn onion_checksum(key: &[u8; 32]) -> [u8; 2] {
    let digest = Sha3_256::new()
        .chain_update(b".onion checksum")
        .chain_update(key)
        .chain_update([3u8])
        .finalize();
    [digest[0], digest[1]]
}

/// The Tor v3 name of a 32-byte ed25519 key: base32(key | checksum | 0x03) + `.onion`.
pub fn onion_v3_from_key(key: &[u8; 32]) -> String {
    let mut raw = [0u8; 35];
    raw[..32].copy_from_slice(key);
    raw[32..34].copy_from_slice(&onion_checksum(key));
    raw[34] = 3;
    format!("{}.onion", base32_encode(&raw))
}

/// The 32-byte key of a Tor v3 `.onion` name, checking version byte and checksum.
pub fn onion_v3_to_key(name: &str) -> Result<[u8; 32], OnionError> {
    let label = name.strip_suffix(".onion").ok_or(OnionError::MissingSuffix)?;
    if label.len() != 56 {
        return Err(OnionError::WrongLength);
    }
    let raw = base32_decode(label).ok_or(OnionError::NotBase32)?;
    if raw.len() != 35 {
        return Err(OnionError::WrongLength);
    }
    if raw[34] != 3 {
        return Err(OnionError::WrongVersion(raw[34]));
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&raw[..32]);
    if raw[32..34] != onion_checksum(&key) {
        return Err(OnionError::BadChecksum);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onion_names_round_trip_and_reject_corruption() {
        let key: [u8; 32] =
            hex::decode("79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f")
                .unwrap()
                .try_into()
                .unwrap();
        let name = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion";
        assert_eq!(onion_v3_from_key(&key), name);
        assert_eq!(onion_v3_to_key(name), Ok(key));
        assert_eq!(onion_v3_to_key(&name.to_uppercase().replace(".ONION", ".onion")), Ok(key));
        // One changed character in the key part breaks the checksum.
        let bad = name.replacen('p', "q", 1);
        assert_eq!(onion_v3_to_key(&bad), Err(OnionError::BadChecksum));
        assert_eq!(onion_v3_to_key("pg6mmjiyjmcrsslv.onion"), Err(OnionError::WrongLength));
        assert_eq!(onion_v3_to_key("example.com"), Err(OnionError::MissingSuffix));
        let mut not_b32 = name.to_owned();
        not_b32.replace_range(0..1, "1");
        assert_eq!(onion_v3_to_key(&not_b32), Err(OnionError::NotBase32));
        // Version byte 2 with a recomputed name: last char encodes the version.
        let mut raw = [0u8; 35];
        raw[..32].copy_from_slice(&key);
        raw[32..34].copy_from_slice(&onion_checksum(&key));
        raw[34] = 2;
        let v2 = format!("{}.onion", base32_encode(&raw));
        assert_eq!(onion_v3_to_key(&v2), Err(OnionError::WrongVersion(2)));
    }
}
