//! BIP324's forward-secure ciphers: FSChaCha20 for the 3-byte packet lengths and
//! FSChaCha20Poly1305 for the packets, both rekeyed every [`REKEY_INTERVAL`] messages.

use chacha20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
use chacha20::ChaCha20;
use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};

/// Messages encrypted under one key before the key is replaced.
pub const REKEY_INTERVAL: u64 = 224;
/// The Poly1305 tag after every packet.
pub const TAG_LEN: usize = 16;

/// The authentication tag did not match: the bytes were not sent by the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadTag;

/// FSChaCha20: one ChaCha20 keystream per key, its bytes used in order by successive chunks;
/// after every [`REKEY_INTERVAL`] chunks the next 32 keystream bytes become the key.
pub struct FsChaCha20 {
    key: [u8; 32],
    stream: ChaCha20,
    chunks: u64,
}

impl FsChaCha20 {
    /// A cipher starting from `key`.
    pub fn new(key: [u8; 32]) -> Self {
        FsChaCha20 { stream: Self::stream(&key, 0), key, chunks: 0 }
    }

    fn stream(key: &[u8; 32], epoch: u64) -> ChaCha20 {
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&epoch.to_le_bytes());
        ChaCha20::new(key.into(), &nonce.into())
    }

    /// Encrypts or decrypts one chunk in place.
    pub fn crypt(&mut self, chunk: &mut [u8]) {
        self.stream.apply_keystream(chunk);
        self.chunks += 1;
        if self.chunks % REKEY_INTERVAL == 0 {
            let mut key = [0u8; 32];
            self.stream.apply_keystream(&mut key);
            self.key = key;
            self.stream = Self::stream(&self.key, self.chunks / REKEY_INTERVAL);
        }
    }
}

/// FSChaCha20Poly1305: the RFC 8439 AEAD with a nonce made of the packet's index within the
/// current key and the number of keys used before; after every [`REKEY_INTERVAL`] packets
/// the key is replaced by keystream of a nonce no packet uses.
pub struct FsChaCha20Poly1305 {
    key: [u8; 32],
    aead: ChaCha20Poly1305,
    packets: u64,
}

impl FsChaCha20Poly1305 {
    /// A cipher starting from `key`.
    pub fn new(key: [u8; 32]) -> Self {
        FsChaCha20Poly1305 { aead: ChaCha20Poly1305::new(&key.into()), key, packets: 0 }
    }

    fn nonce(&self) -> [u8; 12] {
        let mut nonce = [0u8; 12];
        nonce[..4].copy_from_slice(&((self.packets % REKEY_INTERVAL) as u32).to_le_bytes());
        nonce[4..].copy_from_slice(&(self.packets / REKEY_INTERVAL).to_le_bytes());
        nonce
    }

    /// Encrypts `buf` in place; returns its tag.
    pub fn encrypt(&mut self, aad: &[u8], buf: &mut [u8]) -> [u8; TAG_LEN] {
        let nonce = self.nonce();
        // Encryption fails only for plaintexts above 256 GiB.
        let tag = self
            .aead
            .encrypt_in_place_detached(Nonce::from_slice(&nonce), aad, buf)
            .map(Into::into)
            .unwrap_or([0; TAG_LEN]);
        self.advance(nonce);
        tag
    }

    /// Checks `tag` and decrypts `buf` in place. A packet that fails leaves the cipher where
    /// it was (the connection is then unusable anyway).
    pub fn decrypt(
        &mut self,
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), BadTag> {
        let nonce = self.nonce();
        self.aead
            .decrypt_in_place_detached(Nonce::from_slice(&nonce), aad, buf, Tag::from_slice(tag))
            .map_err(|_| BadTag)?;
        self.advance(nonce);
        Ok(())
    }

    fn advance(&mut self, nonce: [u8; 12]) {
        self.packets += 1;
        if self.packets % REKEY_INTERVAL == 0 {
            // The first 32 bytes the AEAD would encrypt under nonce 0xffffffff || epoch: the
            // ChaCha20 keystream from block 1.
            let mut rekey_nonce = nonce;
            rekey_nonce[..4].copy_from_slice(&[0xff; 4]);
            let mut stream = ChaCha20::new((&self.key).into(), &rekey_nonce.into());
            stream.seek(64u64);
            let mut key = [0u8; 32];
            stream.apply_keystream(&mut key);
            self.key = key;
            self.aead = ChaCha20Poly1305::new(&key.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8439_aead_vector() {
        // RFC 8439 2.8.2.
        let key: [u8; 32] =
            hex::decode("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
                .unwrap()
                .try_into()
                .unwrap();
        let nonce = hex::decode("070000004041424344454647").unwrap();
        let aad = hex::decode("50515253c0c1c2c3c4c5c6c7").unwrap();
        let mut text = b"Ladies and Gentlemen of the class of '99: If I could offer you only one \
tip for the future, sunscreen would be it."
            .to_vec();
        let tag = ChaCha20Poly1305::new(&key.into())
            .encrypt_in_place_detached(Nonce::from_slice(&nonce), &aad, &mut text)
            .unwrap();
        assert_eq!(hex::encode(tag), "1ae10b594f09e26a7e902ecbd0600691");
        assert_eq!(hex::encode(&text[..16]), "d31a8d34648e60db7b86afbc53ef7ec2");
    }

    #[test]
    fn both_ends_stay_in_step_across_rekeys() {
        let mut a = FsChaCha20Poly1305::new([7; 32]);
        let mut b = FsChaCha20Poly1305::new([7; 32]);
        let mut la = FsChaCha20::new([9; 32]);
        let mut lb = FsChaCha20::new([9; 32]);
        for i in 0..3 * REKEY_INTERVAL as u32 {
            let mut buf = i.to_le_bytes().to_vec();
            let tag = a.encrypt(b"aad", &mut buf);
            b.decrypt(b"aad", &mut buf, &tag).unwrap();
            assert_eq!(buf, i.to_le_bytes());
            let mut len = i.to_le_bytes();
            la.crypt(&mut len[..3]);
            lb.crypt(&mut len[..3]);
            assert_eq!(len, i.to_le_bytes());
        }
        let mut buf = [1u8; 4];
        let mut tag = a.encrypt(b"", &mut buf);
        tag[0] ^= 1;
        assert_eq!(b.decrypt(b"", &mut buf, &tag), Err(BadTag));
    }
}
