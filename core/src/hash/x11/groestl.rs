//! Grøstl-512 (final-round SHA-3 candidate, tweaked version), X11 stage 3
//! (`sph_groestl512` in Dash Core's `src/crypto/sph_groestl.c`).
//!
//! The 1024-bit state is an 8x16 byte matrix stored column by column, `x[j][i]` being row i
//! of column j, so that byte 8j + i of a block is `x[j][i]`. The compression is
//! h' = P(h ^ m) ^ Q(m) ^ h over 128-byte blocks; the message is padded with 0x80, zeros and
//! the 64-bit big-endian count of blocks (padding included); the digest is the last 64 bytes
//! of P(h) ^ h.
//!
//! A round (AddRoundConstant, SubBytes, ShiftBytes, MixBytes) is computed per output column
//! as the XOR of eight lookups `T[i][S-box input of row i]` (little-endian column words), the
//! tables being built at compile time from the AES S-box and the circulant matrix
//! B = circ(2, 2, 3, 4, 5, 3, 5, 7). The round constants are folded into the lookup indices.

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
/// Output row r (bits 8r..8r+8) gets B[r][i] * S(v) = c[(i - r) mod 8] * S(v) with
/// c = (2, 2, 3, 4, 5, 3, 5, 7), so `T[i]` is `T[0]` rotated left by 8i bits.
static T: [[u64; 256]; 8] = {
    const C: [u8; 8] = [2, 2, 3, 4, 5, 3, 5, 7];
    let mut t = [[0u64; 256]; 8];
    let mut v = 0;
    while v < 256 {
        let s = SBOX[v];
        let mut w = 0u64;
        let mut r = 0;
        while r < 8 {
            w |= (gf_mul(C[(8 - r) % 8], s) as u64) << (8 * r);
            r += 1;
        }
        let mut i = 0;
        while i < 8 {
            t[i][v] = w.rotate_left(8 * i as u32);
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

/// The state: 16 columns of 8 bytes (rows 0 to 7).
type State = [[u8; 8]; 16];

/// One output column of AddRoundConstant, SubBytes, ShiftBytes and MixBytes as a word: row i
/// is read from input column j + shift[i] and XORed with the round constant byte
/// `$k(column, row)`.
macro_rules! column {
    ($x:ident, $shift:ident, $k:ident, $j:literal) => {
        T[0][($x[($j + $shift[0]) & 15][0] ^ $k(($j + $shift[0]) & 15, 0)) as usize]
            ^ T[1][($x[($j + $shift[1]) & 15][1] ^ $k(($j + $shift[1]) & 15, 1)) as usize]
            ^ T[2][($x[($j + $shift[2]) & 15][2] ^ $k(($j + $shift[2]) & 15, 2)) as usize]
            ^ T[3][($x[($j + $shift[3]) & 15][3] ^ $k(($j + $shift[3]) & 15, 3)) as usize]
            ^ T[4][($x[($j + $shift[4]) & 15][4] ^ $k(($j + $shift[4]) & 15, 4)) as usize]
            ^ T[5][($x[($j + $shift[5]) & 15][5] ^ $k(($j + $shift[5]) & 15, 5)) as usize]
            ^ T[6][($x[($j + $shift[6]) & 15][6] ^ $k(($j + $shift[6]) & 15, 6)) as usize]
            ^ T[7][($x[($j + $shift[7]) & 15][7] ^ $k(($j + $shift[7]) & 15, 7)) as usize]
    };
}

/// One round of P (`Q == false`) or Q (`Q == true`), all sixteen columns written out so that
/// every index is a constant. P's constant is (j << 4) ^ r in row 0 of column j. Q's
/// complements every byte and adds (j << 4) ^ r in row 7: its state is kept complemented
/// (input and output of this function), which leaves only the row-7 byte to add here.
///
/// Not inlined on purpose: with the state behind a pointer the compiler reads each S-box
/// input with one byte load instead of extracting all bytes of a word early and spilling.
#[inline(never)]
fn round<const Q: bool>(x: &State, r: u8) -> State {
    let k = |j: usize, i: usize| -> u8 {
        let c = ((j as u8) << 4) ^ r;
        match (Q, i) {
            (false, 0) | (true, 7) => c,
            _ => 0,
        }
    };
    let s = if Q { &SHIFT_Q } else { &SHIFT_P };
    let out = [
        column!(x, s, k, 0),
        column!(x, s, k, 1),
        column!(x, s, k, 2),
        column!(x, s, k, 3),
        column!(x, s, k, 4),
        column!(x, s, k, 5),
        column!(x, s, k, 6),
        column!(x, s, k, 7),
        column!(x, s, k, 8),
        column!(x, s, k, 9),
        column!(x, s, k, 10),
        column!(x, s, k, 11),
        column!(x, s, k, 12),
        column!(x, s, k, 13),
        column!(x, s, k, 14),
        column!(x, s, k, 15),
    ];
    out.map(|w| if Q { !w } else { w }.to_le_bytes())
}

/// The complement of every byte.
#[inline(always)]
fn not(a: &State) -> State {
    a.map(|c| (!u64::from_le_bytes(c)).to_le_bytes())
}

/// `a ^ b`, column by column.
#[inline(always)]
fn xor(a: &State, b: &State) -> State {
    let mut out = [[0u8; 8]; 16];
    for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b)) {
        *o = (u64::from_le_bytes(*x) ^ u64::from_le_bytes(*y)).to_le_bytes();
    }
    out
}

/// h' = P(h ^ m) ^ Q(m) ^ h.
#[inline(always)]
fn compress(h: &mut State, m: &State) {
    // P and Q are independent: run their rounds side by side.
    let (mut p, mut q) = (xor(h, m), not(m));
    for r in 0..14 {
        p = round::<false>(&p, r);
        q = round::<true>(&q, r);
    }
    *h = xor(h, &xor(&p, &not(&q)));
}

/// The output transformation: the last 64 bytes of P(h) ^ h.
#[inline(always)]
fn finish(h: &State) -> [u8; 64] {
    let mut p = *h;
    for r in 0..14 {
        p = round::<false>(&p, r);
    }
    let p = xor(&p, h);
    let mut out = [0u8; 64];
    for (o, c) in out.chunks_exact_mut(8).zip(&p[8..]) {
        o.copy_from_slice(c);
    }
    out
}

/// A 128-byte block as a state.
fn load(block: &[u8]) -> State {
    let mut m = [[0u8; 8]; 16];
    for (c, b) in m.iter_mut().zip(block.chunks_exact(8)) {
        c.copy_from_slice(b);
    }
    m
}

/// The initial chain value: the output length in bits (512) in the last word.
const IV: State = {
    let mut h = [[0u8; 8]; 16];
    h[15][6] = 0x02;
    h
};

/// Grøstl-512 of `data`.
pub fn digest(data: &[u8]) -> [u8; 64] {
    let mut h = IV;
    let mut blocks = data.chunks_exact(128);
    let mut count: u64 = 0;
    for block in &mut blocks {
        compress(&mut h, &load(block));
        count = count.wrapping_add(1);
    }
    let rest = blocks.remainder();
    let mut buf = [0u8; 128];
    buf[..rest.len()].copy_from_slice(rest);
    buf[rest.len()] = 0x80;
    if rest.len() < 120 {
        count = count.wrapping_add(1);
    } else {
        compress(&mut h, &load(&buf));
        buf = [0u8; 128];
        count = count.wrapping_add(2);
    }
    buf[120..].copy_from_slice(&count.to_be_bytes());
    compress(&mut h, &load(&buf));
    finish(&h)
}

/// Grøstl-512 of exactly 64 bytes (one padded block); equals `digest(data)`.
pub fn digest64(data: &[u8; 64]) -> [u8; 64] {
    let mut buf = [0u8; 128];
    buf[..64].copy_from_slice(data);
    buf[64] = 0x80;
    buf[127] = 1;
    let mut h = IV;
    compress(&mut h, &load(&buf));
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
