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

use super::aes::{aes_round, aes_round_const, aes_round_nokey};

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
///
/// A 64-byte message is one block whose chaining half (the IV), padding and trailer are fixed
/// and whose counter is 512, so 12 of the 16 words of the first round are constants
/// (precomputed at compile time); the last round only computes the two columns the digest
/// needs.
pub fn digest64(data: &[u8; 64]) -> [u8; 64] {
    let mut m = [[0u32; 4]; 4];
    for (w, b) in m.iter_mut().flatten().zip(data.chunks_exact(4)) {
        *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
    let mut s = FIRST_ROUND_64;
    for i in 0..4 {
        s[8 + i] = sub_word(m[i], 512 + 8 + i as u128);
    }
    let mut w = shift_mix(&s);
    for r in 1..9 {
        w = big_round(&w, 512 + 16 * r);
    }
    // Round 9: only output columns 0 and 2 (words 0..4 and 8..12) reach the digest.
    let k = 512 + 16 * 9;
    let c0 = mix_column(
        sub_word(w[0], k),
        sub_word(w[5], k + 5),
        sub_word(w[10], k + 10),
        sub_word(w[15], k + 15),
    );
    let c2 = mix_column(
        sub_word(w[8], k + 8),
        sub_word(w[13], k + 13),
        sub_word(w[2], k + 2),
        sub_word(w[7], k + 7),
    );
    let mut out = [0u8; 64];
    for u in 0..4 {
        for i in 0..4 {
            let word = IV[u][i] ^ m[u][i] ^ c0[u][i] ^ c2[u][i];
            out[16 * u + 4 * i..16 * u + 4 * i + 4].copy_from_slice(&word.to_le_bytes());
        }
    }
    out
}

/// The first-round SubWords outputs for a 64-byte message: words 0..8 (the IV) and 12..16
/// (padding and trailer) are constant; words 8..12 (the message) are filled in at run time.
const FIRST_ROUND_64: [Word; 16] = {
    // Bytes 64..128 of the only block: padding byte, zeros, size 512 (16-bit LE) at 110,
    // bit length 512 (128-bit LE) at 112.
    let mut tail = [0u8; 64];
    tail[0] = 0x80;
    tail[SIZE_AT + 1 - 64] = 0x02;
    tail[SIZE_AT + 3 - 64] = 0x02;
    let mut s = [[0u32; 4]; 16];
    let mut n = 0;
    while n < 16 {
        let mut w = [0u32; 4];
        if n < 8 {
            w = IV[n];
        } else if n >= 12 {
            let mut i = 0;
            while i < 4 {
                let b = 16 * (n - 12) + 4 * i;
                w[i] = u32::from_le_bytes([tail[b], tail[b + 1], tail[b + 2], tail[b + 3]]);
                i += 1;
            }
        }
        if n < 8 || n >= 12 {
            s[n] = aes_round_const(aes_round_const(w, [512 + n as u32, 0, 0, 0]), [0; 4]);
        }
        n += 1;
    }
    s
};

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
    // `hi - (hi >> 7)` turns each set top bit into 0x7f in its own byte (no borrow crosses a
    // byte), and 0x7f & 0x1b = 0x1b: the reduction term without a multiply.
    let hi = x & 0x8080_8080;
    ((x & 0x7f7f_7f7f) << 1) ^ ((hi - (hi >> 7)) & 0x1b1b_1b1b)
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

/// SubWords on one word: two AES rounds, the first keyed by the counter `k`.
#[inline(always)]
fn sub_word(w: Word, k: u128) -> Word {
    aes_round_nokey(aes_round(w, key(k)))
}

/// The word that ShiftRows brings to column `c`, row `r` (row r rotates left by r).
const fn src(c: usize, r: usize) -> usize {
    4 * ((c + r) % 4) + r
}

/// ShiftRows then MixColumns on the SubWords outputs `s`.
#[inline(always)]
fn shift_mix(s: &[Word; 16]) -> [Word; 16] {
    let mut w = [[0u32; 4]; 16];
    for c in 0..4 {
        let col = mix_column(s[src(c, 0)], s[src(c, 1)], s[src(c, 2)], s[src(c, 3)]);
        w[4 * c..4 * c + 4].copy_from_slice(&col);
    }
    w
}

/// One ECHO round (SubWords, ShiftRows, MixColumns) with counter `k` for word 0.
#[inline(always)]
fn big_round(w: &[Word; 16], k: u128) -> [Word; 16] {
    let mut s = [[0u32; 4]; 16];
    for n in 0..16 {
        s[n] = sub_word(w[n], k.wrapping_add(n as u128));
    }
    shift_mix(&s)
}

/// The ECHO-512 compression function (sphlib `echo_big_compress`).
fn compress(v: &mut [Word; 8], block: &[u8; BLOCK], counter: u128) {
    let mut m = [[0u32; 4]; 8];
    for (w, b) in m.iter_mut().flatten().zip(block.chunks_exact(4)) {
        *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
    let mut w = [[0u32; 4]; 16];
    w[..8].copy_from_slice(v);
    w[8..].copy_from_slice(&m);
    for r in 0..10 {
        w = big_round(&w, counter.wrapping_add(16 * r));
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
    use crate::hash::x11::vectors;

    #[test]
    fn digest_matches_sphlib_on_inputs_of_many_lengths() {
        vectors::check_algorithm("echo512", digest);
    }

    #[test]
    fn digest_and_digest64_match_x11_stage_10_in_every_chain() {
        vectors::check_stage(10, digest);
        vectors::check_digest64("echo512", 10, digest, digest64);
    }

    #[test]
    fn xtime_doubles_every_byte_in_gf256() {
        for b in 0..=255u8 {
            let slow = (b << 1) ^ if b & 0x80 != 0 { 0x1b } else { 0 };
            let x = u32::from_le_bytes([b, b ^ 0x80, !b, b.rotate_left(3)]);
            let expected: Vec<u8> = x
                .to_le_bytes()
                .iter()
                .map(|&c| (c << 1) ^ if c & 0x80 != 0 { 0x1b } else { 0 })
                .collect();
            assert_eq!(xtime(x).to_le_bytes().to_vec(), expected);
            assert_eq!(xtime(b as u32) as u8, slow);
        }
    }

    #[test]
    fn digest64_equals_digest_on_64_bytes() {
        vectors::check_digest64_on_patterns(digest, digest64);
    }

    #[test]
    fn padding_boundaries_give_distinct_digests() {
        // Lengths around the 110-byte trailer and the 128-byte block must not collide.
        vectors::check_distinct_lengths(digest, &[0, 109, 110, 111, 127, 128, 129, 237, 238, 256]);
    }
}
