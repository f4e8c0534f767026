//! SHAvite-3-512 on 64-byte input with AES-NI: the state quarters and the 128-bit round-key
//! groups are `__m128i`; the AES rounds of F and of the nonlinear key schedule are `aesenc`,
//! the word rotations `pshufd`, the linear key schedule `palignr`. Same function as
//! [`crate::hash::x11::shavite::digest64`].

use core::arch::x86_64::*;

/// SHAvite-3-512 initial chaining value (sphlib `IV512`), four words per quarter.
const IV: [[u32; 4]; 4] = [
    [0x72FCCDD8, 0x79CA4727, 0x128A077B, 0x40D55AEC],
    [0xD1901A06, 0x430AE307, 0xB29F5CD1, 0xDF07FBFC],
    [0x8E45D73D, 0x681AB538, 0xBDE86578, 0xDD577E47],
    [0xE275EADE, 0x502D9FCD, 0xB9357178, 0x022A4B9A],
];

#[target_feature(enable = "aes,ssse3")]
#[inline]
unsafe fn set(w: [u32; 4]) -> __m128i {
    _mm_set_epi32(w[3] as i32, w[2] as i32, w[1] as i32, w[0] as i32)
}

/// The round function F: four AES rounds, each preceded by the XOR of a key group.
#[target_feature(enable = "aes,ssse3")]
#[inline]
unsafe fn f(x: __m128i, k: &[__m128i; 8], at: usize) -> __m128i {
    let zero = _mm_setzero_si128();
    let x = _mm_aesenc_si128(_mm_xor_si128(x, k[at]), k[at + 1]);
    let x = _mm_aesenc_si128(x, k[at + 2]);
    let x = _mm_aesenc_si128(x, k[at + 3]);
    _mm_aesenc_si128(x, zero)
}

/// Nonlinear key-schedule step: group g becomes AES(group rotated by one word) XOR the
/// (updated) group before it; `inject` is XORed into group `at` (`at == 8`: none).
#[target_feature(enable = "aes,ssse3")]
#[inline]
unsafe fn expand_nonlinear(k: &mut [__m128i; 8], at: usize, inject: __m128i) {
    let zero = _mm_setzero_si128();
    for g in 0..8 {
        let x = _mm_aesenc_si128(_mm_shuffle_epi32(k[g], 0x39), zero);
        let mut y = _mm_xor_si128(x, k[(g + 7) % 8]);
        if g == at {
            y = _mm_xor_si128(y, inject);
        }
        k[g] = y;
    }
}

/// Linear key-schedule step: word j gets word j - 7 (already updated) XORed in.
#[target_feature(enable = "aes,ssse3")]
#[inline]
unsafe fn expand_linear(k: &mut [__m128i; 8]) {
    for g in 0..8 {
        // Words 4g - 7 .. 4g - 3: the top three of group g - 2 and the first of group g - 1.
        let t = _mm_alignr_epi8(k[(g + 7) % 8], k[(g + 6) % 8], 4);
        k[g] = _mm_xor_si128(k[g], t);
    }
}

#[target_feature(enable = "aes,ssse3")]
unsafe fn digest64_aesni(data: &[u8; 64]) -> [u8; 64] {
    let zero = _mm_setzero_si128();
    let mut k = [zero; 8];
    for (g, kg) in k.iter_mut().take(4).enumerate() {
        // SAFETY (caller's): bytes 16g..16g + 16 lie inside the 64-byte array.
        *kg = _mm_loadu_si128(data.as_ptr().add(16 * g).cast());
    }
    // Padding byte, zeros, the bit length 512 at bytes 110..126 and the digest size 512 at
    // bytes 126..128 (little-endian).
    k[4] = _mm_set_epi32(0, 0, 0, 0x80);
    k[6] = _mm_set_epi32(0x0200_0000, 0, 0, 0);
    k[7] = _mm_set_epi32(0x0200_0000, 0, 0, 0);
    // The bit counter is 512: sphlib injects (c0, c1, c2, !c3) and its rotations.
    let c = [512u32, 0, 0, 0];
    let inject = [
        set([c[0], c[1], c[2], !c[3]]),
        set([c[3], c[2], c[1], !c[0]]),
        set([c[2], c[3], c[0], !c[1]]),
        set([c[1], c[0], c[3], !c[2]]),
    ];
    let h = [set(IV[0]), set(IV[1]), set(IV[2]), set(IV[3])];
    let mut p = h;
    for r in 0..14 {
        match r {
            0 => {}
            1 => expand_nonlinear(&mut k, 0, inject[0]),
            5 => expand_nonlinear(&mut k, 1, inject[1]),
            9 => expand_nonlinear(&mut k, 7, inject[2]),
            13 => expand_nonlinear(&mut k, 6, inject[3]),
            3 | 7 | 11 => expand_nonlinear(&mut k, 8, zero),
            _ => expand_linear(&mut k),
        }
        p[0] = _mm_xor_si128(p[0], f(p[1], &k, 0));
        p[2] = _mm_xor_si128(p[2], f(p[3], &k, 4));
        p = [p[3], p[0], p[1], p[2]];
    }
    let mut out = [0u8; 64];
    for q in 0..4 {
        // SAFETY (caller's): bytes 16q..16q + 16 lie inside the 64-byte array.
        _mm_storeu_si128(out.as_mut_ptr().add(16 * q).cast(), _mm_xor_si128(h[q], p[q]));
    }
    out
}

/// SHAvite-3-512 of 64 bytes with AES-NI. Installed only when `aes` and `ssse3` are
/// detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after `is_x86_feature_detected!`
    // confirmed `aes` and `ssse3`; the loads and stores stay inside the 64-byte arrays.
    unsafe { digest64_aesni(data) }
}
