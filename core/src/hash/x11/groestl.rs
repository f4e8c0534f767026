//! Grøstl-512 (final-round SHA-3 candidate, tweaked version), X11 stage 3
//! (`sph_groestl512` in Dash Core's `src/crypto/sph_groestl.c`).
//!
//! The 1024-bit state is an 8x16 byte matrix; column j is the big-endian word `x[j]` (row 0 in
//! the top byte). The compression is h' = P(h ^ m) ^ Q(m) ^ h over 128-byte blocks; the
//! message is padded with 0x80, zeros and the 64-bit big-endian count of blocks (padding
//! included); the digest is the last 64 bytes of P(h) ^ h.
//!
//! A round (AddRoundConstant, SubBytes, ShiftBytes, MixBytes) is computed per output column
//! as the XOR of eight lookups `T[i][S-box input of row i]`, the tables being built at compile
//! time from the AES S-box and the circulant matrix B = circ(2, 2, 3, 4, 5, 3, 5, 7).

/// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (as in AES).
const fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let carry = a & 0x80;
        a <<= 1;
        if carry != 0 {
            a ^= 0x1B;
        }
        b >>= 1;
    }
    p
}

/// The AES S-box: the multiplicative inverse (via powers of the generator 3) followed by the
/// affine map with constant 0x63.
const SBOX: [u8; 256] = {
    let mut exp = [0u8; 256];
    let mut log = [0u8; 256];
    let mut x = 1u8;
    let mut i = 0;
    while i < 255 {
        exp[i] = x;
        log[x as usize] = i as u8;
        x = gf_mul(x, 3);
        i += 1;
    }
    let mut s = [0u8; 256];
    let mut v = 0;
    while v < 256 {
        let inv = if v == 0 { 0 } else { exp[(255 - log[v] as usize) % 255] };
        s[v] = inv
            ^ inv.rotate_left(1)
            ^ inv.rotate_left(2)
            ^ inv.rotate_left(3)
            ^ inv.rotate_left(4)
            ^ 0x63;
        v += 1;
    }
    s
};

/// `T[i][v]`: the contribution of S-box input v in row i to an output column of MixBytes.
/// Output row r gets B[r][i] * S(v) = c[(i - r) mod 8] * S(v) with c = (2, 2, 3, 4, 5, 3, 5, 7),
/// so `T[i]` is `T[0]` rotated right by 8i bits.
static T: [[u64; 256]; 8] = {
    const C: [u8; 8] = [2, 2, 3, 4, 5, 3, 5, 7];
    let mut t = [[0u64; 256]; 8];
    let mut v = 0;
    while v < 256 {
        let s = SBOX[v];
        let mut w = 0u64;
        let mut r = 0;
        while r < 8 {
            w |= (gf_mul(C[(8 - r) % 8], s) as u64) << (56 - 8 * r);
            r += 1;
        }
        let mut i = 0;
        while i < 8 {
            t[i][v] = w.rotate_right(8 * i as u32);
            i += 1;
        }
        v += 1;
    }
    t
};

/// Row shifts of P (row i of output column j reads input column j + shift[i]).
const SHIFT_P: [usize; 8] = [0, 1, 2, 3, 4, 5, 6, 11];
/// Row shifts of Q.
const SHIFT_Q: [usize; 8] = [1, 3, 5, 11, 0, 2, 4, 6];

/// SubBytes, ShiftBytes and MixBytes of one round with the given row shifts.
#[inline(always)]
fn mix(x: &[u64; 16], shift: &[usize; 8]) -> [u64; 16] {
    let mut out = [0u64; 16];
    for (j, o) in out.iter_mut().enumerate() {
        *o = T[0][(x[(j + shift[0]) & 15] >> 56) as u8 as usize]
            ^ T[1][(x[(j + shift[1]) & 15] >> 48) as u8 as usize]
            ^ T[2][(x[(j + shift[2]) & 15] >> 40) as u8 as usize]
            ^ T[3][(x[(j + shift[3]) & 15] >> 32) as u8 as usize]
            ^ T[4][(x[(j + shift[4]) & 15] >> 24) as u8 as usize]
            ^ T[5][(x[(j + shift[5]) & 15] >> 16) as u8 as usize]
            ^ T[6][(x[(j + shift[6]) & 15] >> 8) as u8 as usize]
            ^ T[7][x[(j + shift[7]) & 15] as u8 as usize];
    }
    out
}

/// The permutation P: round constant (j << 4) ^ r in row 0 of column j.
#[inline(always)]
fn perm_p(mut x: [u64; 16]) -> [u64; 16] {
    for r in 0..14u64 {
        for (j, w) in x.iter_mut().enumerate() {
            *w ^= ((j as u64) << 60) ^ (r << 56);
        }
        x = mix(&x, &SHIFT_P);
    }
    x
}

/// The permutation Q: all bytes complemented, round constant (j << 4) ^ r in row 7.
#[inline(always)]
fn perm_q(mut x: [u64; 16]) -> [u64; 16] {
    for r in 0..14u64 {
        for (j, w) in x.iter_mut().enumerate() {
            *w ^= !(((j as u64) << 4) ^ r);
        }
        x = mix(&x, &SHIFT_Q);
    }
    x
}

/// h' = P(h ^ m) ^ Q(m) ^ h.
#[inline(always)]
fn compress(h: &mut [u64; 16], block: &[u8; 128]) {
    let mut m = [0u64; 16];
    for (w, b) in m.iter_mut().zip(block.chunks_exact(8)) {
        *w = u64::from_be_bytes(b.try_into().expect("8 bytes"));
    }
    let mut hm = [0u64; 16];
    for (o, (a, b)) in hm.iter_mut().zip(h.iter().zip(&m)) {
        *o = a ^ b;
    }
    let p = perm_p(hm);
    let q = perm_q(m);
    for (x, (a, b)) in h.iter_mut().zip(p.iter().zip(&q)) {
        *x ^= a ^ b;
    }
}

/// The output transformation: the last 64 bytes of P(h) ^ h.
fn finish(h: &[u64; 16]) -> [u8; 64] {
    let p = perm_p(*h);
    let mut out = [0u8; 64];
    for (o, (a, b)) in out.chunks_exact_mut(8).zip(p[8..].iter().zip(&h[8..])) {
        o.copy_from_slice(&(a ^ b).to_be_bytes());
    }
    out
}

/// The initial chain value: the output length in bits (512) in the last word.
const IV: [u64; 16] = {
    let mut h = [0u64; 16];
    h[15] = 512;
    h
};

/// Grøstl-512 of `data`.
pub fn digest(data: &[u8]) -> [u8; 64] {
    let mut h = IV;
    let mut blocks = data.chunks_exact(128);
    let mut count: u64 = 0;
    for block in &mut blocks {
        compress(&mut h, block.try_into().expect("128 bytes"));
        count = count.wrapping_add(1);
    }
    let rest = blocks.remainder();
    let mut buf = [0u8; 128];
    buf[..rest.len()].copy_from_slice(rest);
    buf[rest.len()] = 0x80;
    if rest.len() < 120 {
        count = count.wrapping_add(1);
    } else {
        compress(&mut h, &buf);
        buf = [0u8; 128];
        count = count.wrapping_add(2);
    }
    buf[120..].copy_from_slice(&count.to_be_bytes());
    compress(&mut h, &buf);
    finish(&h)
}

/// Grøstl-512 of exactly 64 bytes (one padded block); equals `digest(data)`.
pub fn digest64(data: &[u8; 64]) -> [u8; 64] {
    let mut buf = [0u8; 128];
    buf[..64].copy_from_slice(data);
    buf[64] = 0x80;
    buf[127] = 1;
    let mut h = IV;
    compress(&mut h, &buf);
    finish(&h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::x11::vectors;

    #[test]
    fn sbox_is_the_aes_sbox() {
        assert_eq!(SBOX[0x00], 0x63);
        assert_eq!(SBOX[0x01], 0x7C);
        assert_eq!(SBOX[0x53], 0xED);
        assert_eq!(SBOX[0xFF], 0x16);
    }

    #[test]
    fn digest_matches_sphlib_for_inputs_of_every_length() {
        vectors::check_algorithm("groestl512", digest);
    }

    #[test]
    fn digest_matches_x11_stage_3_on_every_input() {
        vectors::check_stage(2, digest);
    }

    #[test]
    fn digest64_equals_digest_on_64_byte_input() {
        vectors::check_digest64("groestl512", 2, digest, digest64);
    }
}
