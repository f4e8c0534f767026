//! Grøstl-512 on 64-byte input with AES-NI (the "groestl-intr-aes" idea): the 8 × 16 byte
//! state is held as eight `__m128i` rows, so MixBytes is GF(2^8) arithmetic on whole
//! registers, and SubBytes with the row rotation of ShiftBytes is one `pshufb` (which also
//! undoes AES's own ShiftRows) followed by `aesenclast` with a zero key. P and Q of the
//! compression run interleaved. Same function as [`crate::hash::x11::groestl::digest64`].

use core::arch::x86_64::*;

/// Row shifts of P (row i of output column j reads input column j + shift\[i\]).
const SHIFT_P: [usize; 8] = [0, 1, 2, 3, 4, 5, 6, 11];
/// Row shifts of Q.
const SHIFT_Q: [usize; 8] = [1, 3, 5, 11, 0, 2, 4, 6];

/// `pshufb` masks: for row i, the byte order whose AES ShiftRows is the row rotated left by
/// `shift[i]` bytes, so that `aesenclast(pshufb(row, mask), 0)` = SubBytes(rotated row).
const fn masks(shift: [usize; 8]) -> [[u8; 16]; 8] {
    let mut m = [[0u8; 16]; 8];
    let mut i = 0;
    while i < 8 {
        let mut t = 0;
        while t < 16 {
            // ShiftRows moves byte 4((c + r) % 4) + r to 4c + r; its inverse sends position
            // t = 4c' + r back to 4((c' - r) % 4) + r.
            let (c, r) = (t / 4, t % 4);
            let b = 4 * ((c + 4 - r) % 4) + r;
            m[i][t] = ((b + shift[i]) % 16) as u8;
            t += 1;
        }
        i += 1;
    }
    m
}

const MASK_P: [[u8; 16]; 8] = masks(SHIFT_P);
const MASK_Q: [[u8; 16]; 8] = masks(SHIFT_Q);

/// Multiplies every byte by 2 in GF(2^8).
#[target_feature(enable = "aes,ssse3")]
#[inline]
unsafe fn xtime(x: __m128i) -> __m128i {
    let top = _mm_cmpgt_epi8(_mm_setzero_si128(), x);
    _mm_xor_si128(_mm_add_epi8(x, x), _mm_and_si128(top, _mm_set1_epi8(0x1b)))
}

#[target_feature(enable = "aes,ssse3")]
#[inline]
unsafe fn load(b: &[u8; 16]) -> __m128i {
    // SAFETY (caller's): a 16-byte array.
    _mm_loadu_si128(b.as_ptr().cast())
}

/// SubBytes and ShiftBytes (through `mask`), then MixBytes with B = circ(2, 2, 3, 4, 5, 3, 5,
/// 7): output row r = 2·(x0 + x1 + x2 + x5 + x7) + 4·(x3 + x4 + x6 + x7) + (x2 + x4 + x5 + x6
/// + x7) with xk = row r + k. A macro, so that it is inlined into each permutation's loop.
macro_rules! sub_shift_mix {
    ($x:expr, $mask:expr) => {{
        let zero = _mm_setzero_si128();
        let mut s = [zero; 8];
        for i in 0..8 {
            s[i] = _mm_aesenclast_si128(_mm_shuffle_epi8($x[i], $mask[i]), zero);
        }
        // Sums over rows r + k share the pairs t[r] = s[r] + s[r + 1].
        let mut t = [zero; 8];
        for r in 0..8 {
            t[r] = _mm_xor_si128(s[r], s[(r + 1) % 8]);
        }
        for r in 0..8 {
            let g = |k: usize| s[(r + k) % 8];
            let tt = |k: usize| t[(r + k) % 8];
            // x3 + x4 + x6 + x7
            let b4 = _mm_xor_si128(tt(3), tt(6));
            // x2 + x4 + x5 + x6 + x7 = x2 + (x4 + x5) + (x6 + x7)
            let c1 = _mm_xor_si128(g(2), _mm_xor_si128(tt(4), tt(6)));
            // x0 + x1 + x2 + x5 + x7 = (x0 + x1) + c1 + x4 + x6
            let a2 = _mm_xor_si128(_mm_xor_si128(tt(0), c1), _mm_xor_si128(g(4), g(6)));
            $x[r] = _mm_xor_si128(xtime(_mm_xor_si128(a2, xtime(b4))), c1);
        }
    }};
}

/// Row 0 of the round constant of P for round 0: byte j is j << 4.
#[target_feature(enable = "aes,ssse3")]
#[inline]
unsafe fn columns() -> __m128i {
    _mm_set_epi8(
        -16, -32, -48, -64, -80, -96, -112, -128, 0x70, 0x60, 0x50, 0x40, 0x30, 0x20, 0x10, 0,
    )
}

#[target_feature(enable = "aes,ssse3")]
#[inline]
unsafe fn masks_of(m: &[[u8; 16]; 8]) -> [__m128i; 8] {
    let mut r = [_mm_setzero_si128(); 8];
    for i in 0..8 {
        r[i] = load(&m[i]);
    }
    r
}

/// The permutation P: round constant (j << 4) ^ r in row 0 of column j.
#[target_feature(enable = "aes,ssse3")]
unsafe fn perm_p(p: &mut [__m128i; 8]) {
    let cols = columns();
    let mask = masks_of(&MASK_P);
    for r in 0..14 {
        p[0] = _mm_xor_si128(p[0], _mm_xor_si128(cols, _mm_set1_epi8(r)));
        sub_shift_mix!(p, mask);
    }
}

/// The permutation Q: all bytes complemented, round constant (j << 4) ^ r in row 7.
#[target_feature(enable = "aes,ssse3")]
unsafe fn perm_q(q: &mut [__m128i; 8]) {
    let cols = columns();
    let mask = masks_of(&MASK_Q);
    let ones = _mm_set1_epi8(-1);
    for r in 0..14 {
        for row in q.iter_mut().take(7) {
            *row = _mm_xor_si128(*row, ones);
        }
        q[7] = _mm_xor_si128(q[7], _mm_xor_si128(_mm_xor_si128(cols, _mm_set1_epi8(r)), ones));
        sub_shift_mix!(q, mask);
    }
}

/// Transposes eight registers of eight 16-bit words.
#[target_feature(enable = "aes,ssse3")]
#[inline]
unsafe fn transpose16(x: [__m128i; 8]) -> [__m128i; 8] {
    let a0 = _mm_unpacklo_epi16(x[0], x[1]);
    let a1 = _mm_unpackhi_epi16(x[0], x[1]);
    let a2 = _mm_unpacklo_epi16(x[2], x[3]);
    let a3 = _mm_unpackhi_epi16(x[2], x[3]);
    let a4 = _mm_unpacklo_epi16(x[4], x[5]);
    let a5 = _mm_unpackhi_epi16(x[4], x[5]);
    let a6 = _mm_unpacklo_epi16(x[6], x[7]);
    let a7 = _mm_unpackhi_epi16(x[6], x[7]);
    let b0 = _mm_unpacklo_epi32(a0, a2);
    let b1 = _mm_unpackhi_epi32(a0, a2);
    let b2 = _mm_unpacklo_epi32(a1, a3);
    let b3 = _mm_unpackhi_epi32(a1, a3);
    let b4 = _mm_unpacklo_epi32(a4, a6);
    let b5 = _mm_unpackhi_epi32(a4, a6);
    let b6 = _mm_unpacklo_epi32(a5, a7);
    let b7 = _mm_unpackhi_epi32(a5, a7);
    [
        _mm_unpacklo_epi64(b0, b4),
        _mm_unpackhi_epi64(b0, b4),
        _mm_unpacklo_epi64(b1, b5),
        _mm_unpackhi_epi64(b1, b5),
        _mm_unpacklo_epi64(b2, b6),
        _mm_unpackhi_epi64(b2, b6),
        _mm_unpacklo_epi64(b3, b7),
        _mm_unpackhi_epi64(b3, b7),
    ]
}

/// Interleaves the bytes of the two columns in a register (byte 8c + i: column c, row i) into
/// 16-bit words (word i: row i of both columns).
const TO_ROW_PAIRS: [u8; 16] = [0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15];
/// The inverse of [`TO_ROW_PAIRS`].
const FROM_ROW_PAIRS: [u8; 16] = [0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15];

#[target_feature(enable = "aes,ssse3")]
unsafe fn digest64_aesni(data: &[u8; 64]) -> [u8; 64] {
    let zero = _mm_setzero_si128();
    // The padded block, two columns per register, then as rows.
    let to_pairs = load(&TO_ROW_PAIRS);
    let mut x = [zero; 8];
    for k in 0..4 {
        // SAFETY (caller's): bytes 16k..16k + 16 lie inside the 64-byte array.
        x[k] = _mm_loadu_si128(data.as_ptr().add(16 * k).cast());
    }
    x[4] = _mm_set_epi32(0, 0, 0, 0x80); // block byte 64
    x[7] = _mm_set_epi8(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0); // byte 127: one block
    for xk in x.iter_mut() {
        *xk = _mm_shuffle_epi8(*xk, to_pairs);
    }
    let m = transpose16(x);
    // IV: 512 as the big-endian last column (rows 6 and 7 of column 15: 0x02, 0x00).
    let mut h = [zero; 8];
    h[6] = _mm_set_epi8(2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    let mut p = [zero; 8];
    for i in 0..8 {
        p[i] = _mm_xor_si128(h[i], m[i]);
    }
    let mut q = m;
    perm_p(&mut p);
    perm_q(&mut q);
    for i in 0..8 {
        h[i] = _mm_xor_si128(h[i], _mm_xor_si128(p[i], q[i]));
    }
    let mut f = h;
    perm_p(&mut f);
    for i in 0..8 {
        f[i] = _mm_xor_si128(f[i], h[i]);
    }
    // Back to column order; the digest is columns 8..16 (registers 4..8).
    let cols = transpose16(f);
    let from_pairs = load(&FROM_ROW_PAIRS);
    let mut out = [0u8; 64];
    for k in 0..4 {
        // SAFETY (caller's): bytes 16k..16k + 16 lie inside the 64-byte array.
        _mm_storeu_si128(
            out.as_mut_ptr().add(16 * k).cast(),
            _mm_shuffle_epi8(cols[4 + k], from_pairs),
        );
    }
    out
}

/// Grøstl-512 of 64 bytes with AES-NI. Installed only when `aes` and `ssse3` are detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after `is_x86_feature_detected!`
    // confirmed `aes` and `ssse3`; every load and store stays inside its array.
    unsafe { digest64_aesni(data) }
}
