//! HMAC-SHA256 (RFC 2104) and the 32-byte HKDF-SHA256 (RFC 5869) BIP324 derives its keys with.

use sha2::{Digest, Sha256};

const BLOCK: usize = 64;

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac_sha256(key: &[u8], data: &[&[u8]]) -> [u8; 32] {
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    for d in data {
        inner.update(d);
    }
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// HKDF-SHA256 with a 32-byte output: `extract` once, then `expand32` per label.
#[derive(Clone)]
pub struct Hkdf32 {
    prk: [u8; 32],
}

impl Hkdf32 {
    /// HKDF-Extract(salt, ikm).
    pub fn extract(salt: &[u8], ikm: &[u8]) -> Self {
        Hkdf32 { prk: hmac_sha256(salt, &[ikm]) }
    }

    /// HKDF-Expand(prk, info, 32): one HMAC block, T(1).
    pub fn expand32(&self, info: &[u8]) -> [u8; 32] {
        hmac_sha256(&self.prk, &[info, &[1]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case_2_and_rfc5869_case_1() {
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // RFC 5869 A.1, first 32 bytes of the 42-byte output.
        let ikm = [0x0bu8; 22];
        let salt = hex::decode("000102030405060708090a0b0c").unwrap();
        let info = hex::decode("f0f1f2f3f4f5f6f7f8f9").unwrap();
        let okm = Hkdf32::extract(&salt, &ikm).expand32(&info);
        assert_eq!(
            hex::encode(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
        );
    }

    #[test]
    fn keys_longer_than_a_block_are_hashed_first() {
        // RFC 4231 case 6.
        let key = [0xaau8; 131];
        let mac = hmac_sha256(&key, &[b"Test Using Larger Than Block-Size Key - Hash Key First"]);
        assert_eq!(
            hex::encode(mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
