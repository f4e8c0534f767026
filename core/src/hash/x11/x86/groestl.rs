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
/// + x7) with xk = row r + k.
#[target_feature(enable = "aes,ssse3")]
#[inline]
unsafe fn sub_shift_mix(x: &mut [__m128i; 8], mask: &[[u8; 16]; 8]) {
    let zero = _mm_setzero_si128();
    let mut s = [zero; 8];
    for i in 0..8 {
        s[i] = _mm_aesenclast_si128(_mm_shuffle_epi8(x[i], load(&mask[i])), zero);
    }
    // Sums over rows r + k with shared pairs: t[r] = s[r] + s[r + 1].
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
        x[r] = _mm_xor_si128(xtime(_mm_xor_si128(a2, xtime(b4))), c1);
    }
}

/// The permutations P (on `p`) and Q (on `q`), interleaved.
#[target_feature(enable = "aes,ssse3")]
#[inline]
unsafe fn perm_pq(p: &mut [__m128i; 8], q: &mut [__m128i; 8]) {
    let cols = _mm_set_epi8(
        -16, -32, -48, -64, -80, -96, -112, -128, 0x70, 0x60, 0x50, 0x40, 0x30, 0x20, 0x10, 0,
    );
    let ones = _mm_set1_epi8(-1);
    for r in 0..14 {
        let rc = _mm_xor_si128(cols, _mm_set1_epi8(r));
        p[0] = _mm_xor_si128(p[0], rc);
        for row in q.iter_mut().take(7) {
            *row = _mm_xor_si128(*row, ones);
        }
        q[7] = _mm_xor_si128(q[7], _mm_xor_si128(rc, ones));
        sub_shift_mix(p, &MASK_P);
        sub_shift_mix(q, &MASK_Q);
    }
}

/// The permutation P alone.
#[target_feature(enable = "aes,ssse3")]
#[inline]
unsafe fn perm_p(p: &mut [__m128i; 8]) {
    let cols = _mm_set_epi8(
        -16, -32, -48, -64, -80, -96, -112, -128, 0x70, 0x60, 0x50, 0x40, 0x30, 0x20, 0x10, 0,
    );
    for r in 0..14 {
        p[0] = _mm_xor_si128(p[0], _mm_xor_si128(cols, _mm_set1_epi8(r)));
        sub_shift_mix(p, &MASK_P);
    }
}

#[target_feature(enable = "aes,ssse3")]
unsafe fn digest64_aesni(data: &[u8; 64]) -> [u8; 64] {
    // The padded block in rows: byte 8j + i of the block is row i, column j.
    let mut rows = [[0u8; 16]; 8];
    for (j, col) in data.chunks_exact(8).enumerate() {
        for (i, &b) in col.iter().enumerate() {
            rows[i][j] = b;
        }
    }
    rows[0][8] = 0x80; // block byte 64
    rows[7][15] = 1; // block byte 127: one block
    let zero = _mm_setzero_si128();
    let mut m = [zero; 8];
    for (mi, row) in m.iter_mut().zip(&rows) {
        *mi = load(row);
    }
    // IV: 512 as the big-endian last column (rows 6 and 7 of column 15: 0x02, 0x00).
    let mut h = [zero; 8];
    h[6] = _mm_set_epi8(2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    let mut p = [zero; 8];
    for i in 0..8 {
        p[i] = _mm_xor_si128(h[i], m[i]);
    }
    let mut q = m;
    perm_pq(&mut p, &mut q);
    for i in 0..8 {
        h[i] = _mm_xor_si128(h[i], _mm_xor_si128(p[i], q[i]));
    }
    let mut f = h;
    perm_p(&mut f);
    let mut out_rows = [[0u8; 16]; 8];
    for i in 0..8 {
        // SAFETY (caller's): a 16-byte store into a 16-byte array.
        _mm_storeu_si128(out_rows[i].as_mut_ptr().cast(), _mm_xor_si128(f[i], h[i]));
    }
    // The digest is columns 8..16.
    let mut out = [0u8; 64];
    for (j, col) in out.chunks_exact_mut(8).enumerate() {
        for (i, b) in col.iter_mut().enumerate() {
            *b = out_rows[i][8 + j];
        }
    }
    out
}

/// Grøstl-512 of 64 bytes with AES-NI. Installed only when `aes` and `ssse3` are detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after `is_x86_feature_detected!`
    // confirmed `aes` and `ssse3`; every load and store stays inside its array.
    unsafe { digest64_aesni(data) }
}
