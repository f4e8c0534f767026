//! ECHO-512, the eleventh and last stage of X11, exactly as sphlib 3.0 (`sph_echo512`, the
//! code Dash Core links) computes it. The first 32 bytes of its digest are the X11 hash.
//!
//! The state is a 4 × 4 matrix of 128-bit words: eight words of chaining value followed by the
//! eight words of a 1024-bit message block. Each of the 10 rounds applies two AES rounds to
//! every word (the first keyed by a 128-bit counter that starts at the block's bit counter and
//! increases by one per word), then ShiftRows and MixColumns on the matrix of words (the AES
//! operations lifted to 128-bit words, bytewise). The chaining value becomes itself XOR the
//! message XOR both halves of the final state. Words are little-endian throughout.
//!
//! Padding (sphlib `echo_big_close`): a `0x80` byte, zeros up to byte 110 of the last block,
//! the 16-bit digest size 512 and the 128-bit message length in bits (little-endian). The last
//! block is compressed with the counter set to the message length, except when it holds no
//! message byte (then the counter is zero).

use super::aes::{aes_round, aes_round_nokey};

/// Message block size in bytes.
const BLOCK: usize = 128;

/// Offset of the 16-bit digest size in the last block; the 128-bit length follows it.
const SIZE_AT: usize = 110;

/// A 128-bit word of the ECHO state as four little-endian 32-bit words.
type Word = [u32; 4];

/// Initial chaining value: every 128-bit word holds the digest size in bits.
const IV: [Word; 8] = [[512, 0, 0, 0]; 8];

/// ECHO-512 digest of `data` (any length).
pub fn digest(data: &[u8]) -> [u8; 64] {
    let mut v = IV;
    let mut blocks = data.chunks_exact(BLOCK);
    let mut bits: u128 = 0;
    for block in &mut blocks {
        bits = bits.wrapping_add(1024);
        let block: &[u8; BLOCK] = block.try_into().expect("chunks_exact yields full blocks");
        compress(&mut v, block, bits);
    }
    let rest = blocks.remainder();
    bits = bits.wrapping_add(rest.len() as u128 * 8);

    let mut buf = [0u8; BLOCK];
    buf[..rest.len()].copy_from_slice(rest);
    buf[rest.len()] = 0x80;
    let last_counter = if rest.is_empty() {
        0
    } else if rest.len() < SIZE_AT {
        bits
    } else {
        // No room for the trailer: this block carries the tail, the next one only the trailer.
        compress(&mut v, &buf, bits);
        buf = [0u8; BLOCK];
        0
    };
    finish_block(&mut buf, bits);
    compress(&mut v, &buf, last_counter);
    output(&v)
}

/// ECHO-512 digest of exactly 64 bytes (X11's stage input); equal to [`digest`] on it.
pub fn digest64(data: &[u8; 64]) -> [u8; 64] {
    let mut buf = [0u8; BLOCK];
    buf[..64].copy_from_slice(data);
    buf[64] = 0x80;
    finish_block(&mut buf, 512);
    let mut v = IV;
    compress(&mut v, &buf, 512);
    output(&v)
}

/// Writes the digest size (512, 16-bit little-endian) and the bit length at the end of the
/// last block.
fn finish_block(buf: &mut [u8; BLOCK], bits: u128) {
    buf[SIZE_AT..SIZE_AT + 2].copy_from_slice(&512u16.to_le_bytes());
    buf[SIZE_AT + 2..BLOCK].copy_from_slice(&bits.to_le_bytes());
}

fn output(v: &[Word; 8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (chunk, word) in out.chunks_exact_mut(4).zip(v.iter().flatten()) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    out
}

/// Multiplies each of the four bytes of `x` by 2 in GF(2^8).
#[inline(always)]
fn xtime(x: u32) -> u32 {
    let hi = (x >> 7) & 0x0101_0101;
    ((x & 0x7f7f_7f7f) << 1) ^ (hi << 4) ^ (hi << 3) ^ (hi << 1) ^ hi
}

/// AES MixColumns on one column of four 128-bit words, bytewise.
#[inline(always)]
fn mix_column(a: Word, b: Word, c: Word, d: Word) -> [Word; 4] {
    let mut out = [[0u32; 4]; 4];
    for n in 0..4 {
        let ab = a[n] ^ b[n];
        let bc = b[n] ^ c[n];
        let cd = c[n] ^ d[n];
        let abx = xtime(ab);
        let bcx = xtime(bc);
        let cdx = xtime(cd);
        out[0][n] = abx ^ bc ^ d[n];
        out[1][n] = bcx ^ a[n] ^ cd;
        out[2][n] = cdx ^ ab ^ d[n];
        out[3][n] = abx ^ bcx ^ cdx ^ ab ^ c[n];
    }
    out
}

/// The counter as an AES round key (four little-endian words).
#[inline(always)]
fn key(k: u128) -> Word {
    [k as u32, (k >> 32) as u32, (k >> 64) as u32, (k >> 96) as u32]
}

/// Where ShiftRows moves word `n` (column `n / 4`, row `n % 4`): row r rotates left by r.
const SHIFTED: [usize; 16] = {
    let mut to = [0usize; 16];
    let mut n = 0;
    while n < 16 {
        let (col, row) = (n / 4, n % 4);
        to[n] = 4 * ((col + 4 - row) % 4) + row;
        n += 1;
    }
    to
};

/// The ECHO-512 compression function (sphlib `echo_big_compress`).
fn compress(v: &mut [Word; 8], block: &[u8; BLOCK], counter: u128) {
    let mut m = [[0u32; 4]; 8];
    for (w, b) in m.iter_mut().flatten().zip(block.chunks_exact(4)) {
        *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
    let mut w = [[0u32; 4]; 16];
    w[..8].copy_from_slice(v);
    w[8..].copy_from_slice(&m);
    let mut k = counter;
    for _ in 0..10 {
        // SubWords (two AES rounds per word) with ShiftRows folded into the stores.
        let mut t = [[0u32; 4]; 16];
        for n in 0..16 {
            t[SHIFTED[n]] = aes_round_nokey(aes_round(w[n], key(k)));
            k = k.wrapping_add(1);
        }
        for c in 0..4 {
            let col = mix_column(t[4 * c], t[4 * c + 1], t[4 * c + 2], t[4 * c + 3]);
            w[4 * c..4 * c + 4].copy_from_slice(&col);
        }
    }
    for u in 0..8 {
        for i in 0..4 {
            v[u][i] ^= m[u][i] ^ w[u][i] ^ w[u + 8][i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vectors() -> serde_json::Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/x11-stages.json");
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("shared test vectors missing: {path}: {e}"));
        serde_json::from_str(&text).expect("vector file is JSON")
    }

    fn bytes(v: &serde_json::Value) -> Vec<u8> {
        hex::decode(v.as_str().expect("hex string")).expect("valid hex")
    }

    #[test]
    fn digest_matches_sphlib_for_every_length() {
        let v = vectors();
        let cases = v["algorithms"]["echo512"].as_array().expect("echo512 vectors");
        assert!(cases.len() >= 10);
        for case in cases {
            let input = bytes(&case["input"]);
            let expected = bytes(&case["digest"]);
            assert_eq!(digest(&input).to_vec(), expected, "input length {}", input.len());
        }
    }

    #[test]
    fn digest_matches_x11_stage_10_in_every_chain() {
        let v = vectors();
        let chains = v["x11"].as_array().expect("x11 chains");
        assert_eq!(chains.len(), 64);
        for chain in chains {
            let stages = chain["stages"].as_array().expect("stages");
            let input: [u8; 64] = bytes(&stages[9]).try_into().expect("64-byte stage");
            let expected = bytes(&stages[10]);
            assert_eq!(digest(&input).to_vec(), expected);
            assert_eq!(digest64(&input).to_vec(), expected);
        }
    }

    #[test]
    fn digest64_equals_digest_on_64_bytes() {
        for seed in 0u8..32 {
            let input: [u8; 64] =
                core::array::from_fn(|i| (i as u8).wrapping_mul(seed).wrapping_add(seed));
            assert_eq!(digest64(&input), digest(&input));
        }
    }

    #[test]
    fn padding_boundaries_give_distinct_digests() {
        // Lengths around the 110-byte trailer and the 128-byte block must not collide.
        let data = [0u8; 300];
        let lens = [0, 109, 110, 111, 127, 128, 129, 237, 238, 256];
        let digests: Vec<_> = lens.iter().map(|&n| digest(&data[..n])).collect();
        for i in 0..digests.len() {
            for j in i + 1..digests.len() {
                assert_ne!(digests[i], digests[j], "lengths {} and {}", lens[i], lens[j]);
            }
        }
    }
}
