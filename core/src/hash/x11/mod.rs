//! The X11 hash functions (sphlib 3.0 variants, 512-bit output), one module per algorithm.
//!
//! Dash Core computes a block hash as X11 of the 80-byte header: eleven 512-bit hashes in a
//! chain (blake, bmw, groestl, skein, jh, keccak, luffa, cubehash, shavite, simd, echo), each
//! over the previous one's 64-byte digest, using the sphlib C implementations
//! (`src/crypto/sph_*.c`). Every module exposes `digest` for input of any length; where it
//! pays, a specialised `digest64` for the exactly-64-byte input every stage but the first sees.

pub mod cubehash;
pub mod luffa;
pub mod simd;
