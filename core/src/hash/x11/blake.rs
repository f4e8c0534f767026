//! BLAKE-512 (final-round SHA-3 candidate, 16 rounds), X11 stage 1 (`sph_blake512` in Dash
//! Core's `src/crypto/sph_blake.c`).
//!
//! 128-byte blocks of big-endian words; the message is padded with a 1 bit, zeros, a 1 bit and
//! the 128-bit big-endian bit length. The counter of a block is the number of message bits up
//! to its end, or 0 for a block holding padding only.

/// The initial chain value (the SHA-512 IV).
const IV: [u64; 8] = [
    0x6A09E667F3BCC908,
    0xBB67AE8584CAA73B,
    0x3C6EF372FE94F82B,
    0xA54FF53A5F1D36F1,
    0x510E527FADE682D1,
    0x9B05688C2B3E6C1F,
    0x1F83D9ABFB41BD6B,
    0x5BE0CD19137E2179,
];

/// The constants c0..c15 (the first digits of pi).
const C: [u64; 16] = [
    0x243F6A8885A308D3,
    0x13198A2E03707344,
    0xA4093822299F31D0,
    0x082EFA98EC4E6C89,
    0x452821E638D01377,
    0xBE5466CF34E90C6C,
    0xC0AC29B7C97C50DD,
    0x3F84D5B5B5470917,
    0x9216D5D98979FB1B,
    0xD1310BA698DFB5AC,
    0x2FFD72DBD01ADFB7,
    0xB8E1AFED6A267E96,
    0xBA7C9045F12C7F99,
    0x24A19947B3916CF7,
    0x0801F2E2858EFC16,
    0x636920D871574E69,
];

/// The message permutations; round r uses `SIGMA[r % 10]`.
const SIGMA: [[usize; 16]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/// The G function on columns/diagonals (a, b, c, d) with its two message words.
macro_rules! g {
    ($v:ident, $a:literal, $b:literal, $c:literal, $d:literal, $x:expr, $y:expr) => {
        $v[$a] = $v[$a].wrapping_add($v[$b]).wrapping_add($x);
        $v[$d] = ($v[$d] ^ $v[$a]).rotate_right(32);
        $v[$c] = $v[$c].wrapping_add($v[$d]);
        $v[$b] = ($v[$b] ^ $v[$c]).rotate_right(25);
        $v[$a] = $v[$a].wrapping_add($v[$b]).wrapping_add($y);
        $v[$d] = ($v[$d] ^ $v[$a]).rotate_right(16);
        $v[$c] = $v[$c].wrapping_add($v[$d]);
        $v[$b] = ($v[$b] ^ $v[$c]).rotate_right(11);
    };
}

/// One round; `R` is a constant, so every index below folds to a literal.
#[inline(always)]
fn round<const R: usize>(v: &mut [u64; 16], m: &[u64; 16]) {
    let s = &SIGMA[R % 10];
    g!(v, 0, 4, 8, 12, m[s[0]] ^ C[s[1]], m[s[1]] ^ C[s[0]]);
    g!(v, 1, 5, 9, 13, m[s[2]] ^ C[s[3]], m[s[3]] ^ C[s[2]]);
    g!(v, 2, 6, 10, 14, m[s[4]] ^ C[s[5]], m[s[5]] ^ C[s[4]]);
    g!(v, 3, 7, 11, 15, m[s[6]] ^ C[s[7]], m[s[7]] ^ C[s[6]]);
    g!(v, 0, 5, 10, 15, m[s[8]] ^ C[s[9]], m[s[9]] ^ C[s[8]]);
    g!(v, 1, 6, 11, 12, m[s[10]] ^ C[s[11]], m[s[11]] ^ C[s[10]]);
    g!(v, 2, 7, 8, 13, m[s[12]] ^ C[s[13]], m[s[13]] ^ C[s[12]]);
    g!(v, 3, 4, 9, 14, m[s[14]] ^ C[s[15]], m[s[15]] ^ C[s[14]]);
}

/// Compresses one block with bit counter `t`. The high counter word is taken as 0: it only
/// matters for inputs of 2^61 bytes or more.
#[inline(always)]
fn compress(h: &mut [u64; 8], block: &[u8; 128], t: u64) {
    let mut m = [0u64; 16];
    for (w, b) in m.iter_mut().zip(block.chunks_exact(8)) {
        *w = u64::from_be_bytes(b.try_into().expect("8 bytes"));
    }
    let mut v = [0u64; 16];
    v[..8].copy_from_slice(h);
    v[8] = C[0];
    v[9] = C[1];
    v[10] = C[2];
    v[11] = C[3];
    v[12] = t ^ C[4];
    v[13] = t ^ C[5];
    v[14] = C[6];
    v[15] = C[7];
    round::<0>(&mut v, &m);
    round::<1>(&mut v, &m);
    round::<2>(&mut v, &m);
    round::<3>(&mut v, &m);
    round::<4>(&mut v, &m);
    round::<5>(&mut v, &m);
    round::<6>(&mut v, &m);
    round::<7>(&mut v, &m);
    round::<8>(&mut v, &m);
    round::<9>(&mut v, &m);
    round::<10>(&mut v, &m);
    round::<11>(&mut v, &m);
    round::<12>(&mut v, &m);
    round::<13>(&mut v, &m);
    round::<14>(&mut v, &m);
    round::<15>(&mut v, &m);
    for (i, x) in h.iter_mut().enumerate() {
        *x ^= v[i] ^ v[i + 8];
    }
}

fn output(h: &[u64; 8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (o, w) in out.chunks_exact_mut(8).zip(h) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// BLAKE-512 of `data`.
pub fn digest(data: &[u8]) -> [u8; 64] {
    let mut h = IV;
    let mut blocks = data.chunks_exact(128);
    let mut done: u64 = 0;
    for block in &mut blocks {
        done = done.wrapping_add(1024);
        compress(&mut h, block.try_into().expect("128 bytes"), done);
    }
    let rest = blocks.remainder();
    let bits = done.wrapping_add(rest.len() as u64 * 8);
    let mut buf = [0u8; 128];
    buf[..rest.len()].copy_from_slice(rest);
    buf[rest.len()] = 0x80;
    if rest.len() < 112 {
        buf[111] |= 0x01;
        buf[120..].copy_from_slice(&bits.to_be_bytes());
        compress(&mut h, &buf, if rest.is_empty() { 0 } else { bits });
    } else {
        compress(&mut h, &buf, bits);
        let mut last = [0u8; 128];
        last[111] = 0x01;
        last[120..].copy_from_slice(&bits.to_be_bytes());
        compress(&mut h, &last, 0);
    }
    output(&h)
}

/// BLAKE-512 of exactly 64 bytes (one padded block); equals `digest(data)`.
pub fn digest64(data: &[u8; 64]) -> [u8; 64] {
    let mut buf = [0u8; 128];
    buf[..64].copy_from_slice(data);
    buf[64] = 0x80;
    buf[111] = 0x01;
    buf[126] = 0x02; // 512 bits, big-endian
    let mut h = IV;
    compress(&mut h, &buf, 512);
    output(&h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::x11::vectors;

    #[test]
    fn digest_matches_sphlib_for_inputs_of_every_length() {
        vectors::check_algorithm("blake512", digest);
    }

    #[test]
    fn digest_matches_x11_stage_1_on_every_header() {
        vectors::check_stage(0, digest);
    }

    #[test]
    fn digest64_equals_digest_on_64_byte_input() {
        vectors::check_digest64("blake512", 0, digest, digest64);
    }
}
