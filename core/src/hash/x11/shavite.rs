//! SHAvite-3-512, the ninth stage of X11, exactly as sphlib 3.0 (`sph_shavite512`, the code
//! Dash Core links) computes it.
//!
//! The compression function is a 14-round Feistel network over four 128-bit quarters of the
//! 512-bit chaining value; each round applies the keyed function F (four AES rounds) to two
//! quarters. The 1024-bit message block is expanded into the 14 × 32 round-key words by a
//! schedule that alternates AES-based nonlinear steps and linear steps, with the 128-bit bit
//! counter mixed in at four fixed places. Words are little-endian throughout.
//!
//! Padding (sphlib `shavite_big_close`): a `0x80` byte, zeros up to byte 110 of the last
//! block, the 128-bit message length in bits (little-endian) and the 16-bit digest size 512.
//! The last block is compressed with the bit counter set to the message length, except when
//! it holds no message byte (then the counter is zero).

use super::aes::aes_round_nokey;

/// Initial chaining value of SHAvite-3-512 (sphlib `IV512`).
const IV: [u32; 16] = [
    0x72FCCDD8, 0x79CA4727, 0x128A077B, 0x40D55AEC, 0xD1901A06, 0x430AE307, 0xB29F5CD1, 0xDF07FBFC,
    0x8E45D73D, 0x681AB538, 0xBDE86578, 0xDD577E47, 0xE275EADE, 0x502D9FCD, 0xB9357178, 0x022A4B9A,
];

/// Message block size in bytes.
const BLOCK: usize = 128;

/// Offset of the 128-bit length field in the last block.
const LEN_AT: usize = 110;

/// SHAvite-3-512 digest of `data` (any length).
pub fn digest(data: &[u8]) -> [u8; 64] {
    let mut h = IV;
    let mut blocks = data.chunks_exact(BLOCK);
    let mut bits: u128 = 0;
    for block in &mut blocks {
        bits = bits.wrapping_add(1024);
        let block: &[u8; BLOCK] = block.try_into().expect("chunks_exact yields full blocks");
        compress(&mut h, block, counter(bits));
    }
    let rest = blocks.remainder();
    bits = bits.wrapping_add(rest.len() as u128 * 8);

    let mut buf = [0u8; BLOCK];
    buf[..rest.len()].copy_from_slice(rest);
    buf[rest.len()] = 0x80;
    let last_counter = if rest.is_empty() {
        0
    } else if rest.len() < LEN_AT {
        bits
    } else {
        // No room for the length: this block carries the tail, the next one only the length.
        compress(&mut h, &buf, counter(bits));
        buf = [0u8; BLOCK];
        0
    };
    finish_block(&mut buf, bits);
    compress(&mut h, &buf, counter(last_counter));
    output(&h)
}

/// SHAvite-3-512 digest of exactly 64 bytes (X11's stage input); equal to [`digest`] on it.
pub fn digest64(data: &[u8; 64]) -> [u8; 64] {
    let mut buf = [0u8; BLOCK];
    buf[..64].copy_from_slice(data);
    buf[64] = 0x80;
    finish_block(&mut buf, 512);
    let mut h = IV;
    compress(&mut h, &buf, counter(512));
    output(&h)
}

/// Writes the bit length and the digest size (512, 16-bit little-endian) at the end of the
/// last block.
fn finish_block(buf: &mut [u8; BLOCK], bits: u128) {
    buf[LEN_AT..LEN_AT + 16].copy_from_slice(&bits.to_le_bytes());
    buf[126..128].copy_from_slice(&512u16.to_le_bytes());
}

/// The 128-bit bit counter as four little-endian words (sphlib `count0..count3`).
fn counter(bits: u128) -> [u32; 4] {
    [bits as u32, (bits >> 32) as u32, (bits >> 64) as u32, (bits >> 96) as u32]
}

fn output(h: &[u32; 16]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    out
}

#[inline(always)]
fn xor4(a: [u32; 4], b: [u32; 4]) -> [u32; 4] {
    [a[0] ^ b[0], a[1] ^ b[1], a[2] ^ b[2], a[3] ^ b[3]]
}

#[inline(always)]
fn group(rk: &[u32; 32], g: usize) -> [u32; 4] {
    [rk[4 * g], rk[4 * g + 1], rk[4 * g + 2], rk[4 * g + 3]]
}

/// The round function F: four AES rounds keyed by 16 consecutive round-key words starting at
/// `rk[at]`, applied to the 128-bit quarter `x`.
#[inline(always)]
fn f(x: [u32; 4], rk: &[u32; 32], at: usize) -> [u32; 4] {
    let g = at / 4;
    let mut x = aes_round_nokey(xor4(x, group(rk, g)));
    x = aes_round_nokey(xor4(x, group(rk, g + 1)));
    x = aes_round_nokey(xor4(x, group(rk, g + 2)));
    aes_round_nokey(xor4(x, group(rk, g + 3)))
}

/// Nonlinear key-schedule step, in place: each 4-word group becomes AES(group rotated by one
/// word) XOR the group before it (already updated). The counter words `inject` are XORed into
/// group `at` as soon as it is computed (`at == 8` means none).
#[inline(always)]
fn expand_nonlinear(rk: &mut [u32; 32], at: usize, inject: [u32; 4]) {
    for g in 0..8 {
        let w = group(rk, g);
        let x = aes_round_nokey([w[1], w[2], w[3], w[0]]);
        let mut y = xor4(x, group(rk, (g + 7) % 8));
        if g == at {
            y = xor4(y, inject);
        }
        rk[4 * g..4 * g + 4].copy_from_slice(&y);
    }
}

/// Linear key-schedule step, in place: `rk'[j] = rk[j] ^ rk'[j - 7]` (wrapping to the old words
/// for `j < 7`).
#[inline(always)]
fn expand_linear(rk: &mut [u32; 32]) {
    for j in 0..32 {
        rk[j] ^= rk[(j + 25) % 32];
    }
}

/// The SHAvite-3-512 compression function C512 (sphlib `c512`).
fn compress(h: &mut [u32; 16], block: &[u8; BLOCK], cnt: [u32; 4]) {
    let mut rk = [0u32; 32];
    for (w, b) in rk.iter_mut().zip(block.chunks_exact(4)) {
        *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
    let [c0, c1, c2, c3] = cnt;
    let mut p: [[u32; 4]; 4] = [group_of(h, 0), group_of(h, 1), group_of(h, 2), group_of(h, 3)];
    for r in 0..14 {
        match r {
            0 => {}
            1 => expand_nonlinear(&mut rk, 0, [c0, c1, c2, !c3]),
            5 => expand_nonlinear(&mut rk, 1, [c3, c2, c1, !c0]),
            9 => expand_nonlinear(&mut rk, 7, [c2, c3, c0, !c1]),
            13 => expand_nonlinear(&mut rk, 6, [c1, c0, c3, !c2]),
            3 | 7 | 11 => expand_nonlinear(&mut rk, 8, [0; 4]),
            _ => expand_linear(&mut rk),
        }
        p[0] = xor4(p[0], f(p[1], &rk, 0));
        p[2] = xor4(p[2], f(p[3], &rk, 16));
        p = [p[3], p[0], p[1], p[2]];
    }
    for (q, quarter) in p.iter().enumerate() {
        for (i, w) in quarter.iter().enumerate() {
            h[4 * q + i] ^= w;
        }
    }
}

#[inline(always)]
fn group_of(h: &[u32; 16], q: usize) -> [u32; 4] {
    [h[4 * q], h[4 * q + 1], h[4 * q + 2], h[4 * q + 3]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::x11::vectors;

    #[test]
    fn digest_matches_sphlib_on_inputs_of_many_lengths() {
        vectors::check_algorithm("shavite512", digest);
    }

    #[test]
    fn digest_and_digest64_match_x11_stage_8_in_every_chain() {
        vectors::check_stage(8, digest);
        vectors::check_digest64("shavite512", 8, digest, digest64);
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
