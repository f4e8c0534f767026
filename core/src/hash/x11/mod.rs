//! The X11 proof-of-work hash: eleven 512-bit hash functions from the SHA-3 competition,
//! chained in a fixed order (blake, bmw, groestl, skein, jh, keccak, luffa, cubehash,
//! shavite, simd, echo), each over the previous 64-byte digest, exactly as sphlib 3.0 (the C
//! code Dash Core links, `src/crypto/sph_*.c`) computes them. The block hash is the first 32
//! bytes of the last digest.
//!
//! Every algorithm module exposes `digest(&[u8]) -> [u8; 64]` for input of any length and,
//! where it pays, `digest64(&[u8; 64])` for the 64-byte input of the later stages.

pub mod cubehash;
pub mod echo;
pub mod luffa;
pub mod shavite;
pub mod simd;

mod aes;
