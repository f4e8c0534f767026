//! ECHO-512 on 64-byte input with AES-NI: each 128-bit word of the state is one `__m128i`,
//! so a SubWords step is two `aesenc` (the first keyed by the counter), and the bytewise
//! MixColumns is SSE2 arithmetic on whole words. Same function as
//! [`crate::hash::x11::echo::digest64`].

use core::arch::x86_64::*;

/// Multiplies every byte by 2 in GF(2^8) (AES polynomial).
#[target_feature(enable = "aes")]
#[inline]
unsafe fn xtime(x: __m128i) -> __m128i {
    let top = _mm_cmpgt_epi8(_mm_setzero_si128(), x);
    _mm_xor_si128(_mm_add_epi8(x, x), _mm_and_si128(top, _mm_set1_epi8(0x1b)))
}

/// AES MixColumns on one column of four 128-bit words, bytewise.
#[target_feature(enable = "aes")]
#[inline]
unsafe fn mix_column(a: __m128i, b: __m128i, c: __m128i, d: __m128i) -> [__m128i; 4] {
    let ab = _mm_xor_si128(a, b);
    let bc = _mm_xor_si128(b, c);
    let cd = _mm_xor_si128(c, d);
    let abx = xtime(ab);
    let bcx = xtime(bc);
    let cdx = xtime(cd);
    [
        _mm_xor_si128(_mm_xor_si128(abx, bc), d),
        _mm_xor_si128(_mm_xor_si128(bcx, a), cd),
        _mm_xor_si128(_mm_xor_si128(cdx, ab), d),
        _mm_xor_si128(_mm_xor_si128(abx, bcx), _mm_xor_si128(_mm_xor_si128(cdx, ab), c)),
    ]
}

/// SubWords on one word: two AES rounds, the first keyed by the counter `k`.
#[target_feature(enable = "aes")]
#[inline]
unsafe fn sub_word(w: __m128i, k: u64) -> __m128i {
    let key = _mm_set_epi64x(0, k as i64);
    _mm_aesenc_si128(_mm_aesenc_si128(w, key), _mm_setzero_si128())
}

/// The word that ShiftRows brings to column `c`, row `r`.
const fn src(c: usize, r: usize) -> usize {
    4 * ((c + r) % 4) + r
}

#[target_feature(enable = "aes")]
unsafe fn digest64_aesni(data: &[u8; 64]) -> [u8; 64] {
    let iv = _mm_set_epi32(0, 0, 0, 512);
    let mut m = [_mm_setzero_si128(); 4];
    for (i, w) in m.iter_mut().enumerate() {
        // SAFETY (caller's): bytes 16i..16i + 16 lie inside the 64-byte array.
        *w = _mm_loadu_si128(data.as_ptr().add(16 * i).cast());
    }
    let mut w = [iv; 16];
    w[8..12].copy_from_slice(&m);
    // Padding byte, zeros, the digest size 512 at bytes 110..112 and the bit length 512 at
    // bytes 112..128 of the block (little-endian).
    w[12] = _mm_set_epi32(0, 0, 0, 0x80);
    w[13] = _mm_setzero_si128();
    w[14] = _mm_set_epi32(0x0200_0000, 0, 0, 0);
    w[15] = _mm_set_epi32(0, 0, 0, 0x0200);
    for r in 0..9u64 {
        let k = 512 + 16 * r;
        let mut s = [_mm_setzero_si128(); 16];
        for (n, sn) in s.iter_mut().enumerate() {
            *sn = sub_word(w[n], k + n as u64);
        }
        for c in 0..4 {
            let col = mix_column(s[src(c, 0)], s[src(c, 1)], s[src(c, 2)], s[src(c, 3)]);
            w[4 * c..4 * c + 4].copy_from_slice(&col);
        }
    }
    // Round 9: only columns 0 and 2 (words 0..4 and 8..12) reach the digest.
    let k = 512 + 16 * 9;
    let mut s = [_mm_setzero_si128(); 8];
    for r in 0..4 {
        s[r] = sub_word(w[src(0, r)], k + src(0, r) as u64);
        s[4 + r] = sub_word(w[src(2, r)], k + src(2, r) as u64);
    }
    let c0 = mix_column(s[0], s[1], s[2], s[3]);
    let c2 = mix_column(s[4], s[5], s[6], s[7]);
    let mut out = [0u8; 64];
    for u in 0..4 {
        let v = _mm_xor_si128(_mm_xor_si128(iv, m[u]), _mm_xor_si128(c0[u], c2[u]));
        // SAFETY (caller's): bytes 16u..16u + 16 lie inside the 64-byte array.
        _mm_storeu_si128(out.as_mut_ptr().add(16 * u).cast(), v);
    }
    out
}

/// ECHO-512 of 64 bytes with AES-NI. Installed only when `aes` is detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after
    // `is_x86_feature_detected!("aes")` returned true; the loads and stores stay inside the
    // 64-byte arrays.
    unsafe { digest64_aesni(data) }
}
