//! CubeHash-512 on 64-byte input with AVX2: the 32 state words are four `__m256i` (words
//! 0..8, 8..16, 16..24, 24..32); the round's word swaps become register renaming, in-lane
//! shuffles and one 128-bit lane swap. Same function as
//! [`crate::hash::x11::cubehash::digest64`].

use core::arch::x86_64::*;

use crate::hash::x11::cubehash::IV512;

/// One CubeHash round on `a` (words 0..16) and `b` (words 16..32).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn round(a: &mut [__m256i; 2], b: &mut [__m256i; 2]) {
    // x[16 + i] += x[i]; x[i] <<<= 7
    b[0] = _mm256_add_epi32(b[0], a[0]);
    b[1] = _mm256_add_epi32(b[1], a[1]);
    let a0 = _mm256_or_si256(_mm256_slli_epi32(a[0], 7), _mm256_srli_epi32(a[0], 25));
    let a1 = _mm256_or_si256(_mm256_slli_epi32(a[1], 7), _mm256_srli_epi32(a[1], 25));
    // swap x[i] and x[i ^ 8]; x[i] ^= x[16 + i]
    let a0n = _mm256_xor_si256(a1, b[0]);
    let a1n = _mm256_xor_si256(a0, b[1]);
    // swap x[16 + i] and x[16 + (i ^ 2)]; x[16 + i] += x[i]; x[i] <<<= 11
    b[0] = _mm256_add_epi32(_mm256_shuffle_epi32(b[0], 0x4E), a0n);
    b[1] = _mm256_add_epi32(_mm256_shuffle_epi32(b[1], 0x4E), a1n);
    let a0 = _mm256_or_si256(_mm256_slli_epi32(a0n, 11), _mm256_srli_epi32(a0n, 21));
    let a1 = _mm256_or_si256(_mm256_slli_epi32(a1n, 11), _mm256_srli_epi32(a1n, 21));
    // swap x[i] and x[i ^ 4] (the 128-bit halves); x[i] ^= x[16 + i]
    a[0] = _mm256_xor_si256(_mm256_permute4x64_epi64(a0, 0x4E), b[0]);
    a[1] = _mm256_xor_si256(_mm256_permute4x64_epi64(a1, 0x4E), b[1]);
    // swap x[16 + i] and x[16 + (i ^ 1)]
    b[0] = _mm256_shuffle_epi32(b[0], 0xB1);
    b[1] = _mm256_shuffle_epi32(b[1], 0xB1);
}

#[target_feature(enable = "avx2")]
#[inline]
unsafe fn rounds(a: &mut [__m256i; 2], b: &mut [__m256i; 2], n: usize) {
    for _ in 0..n {
        round(a, b);
    }
}

#[target_feature(enable = "avx2")]
unsafe fn digest64_avx2(data: &[u8; 64]) -> [u8; 64] {
    let iv = IV512.as_ptr().cast::<__m256i>();
    // SAFETY (caller's): IV512 holds 32 words, four unaligned 256-bit loads.
    let mut a = [_mm256_loadu_si256(iv), _mm256_loadu_si256(iv.add(1))];
    let mut b = [_mm256_loadu_si256(iv.add(2)), _mm256_loadu_si256(iv.add(3))];
    for half in 0..2 {
        // SAFETY (caller's): bytes 32 half..32 half + 32 lie inside the 64-byte array.
        let m = _mm256_loadu_si256(data.as_ptr().add(32 * half).cast());
        a[0] = _mm256_xor_si256(a[0], m);
        rounds(&mut a, &mut b, 16);
    }
    // The padding block (0x80 then zeros), then the final constant in word 31.
    a[0] = _mm256_xor_si256(a[0], _mm256_set_epi32(0, 0, 0, 0, 0, 0, 0, 0x80));
    rounds(&mut a, &mut b, 16);
    b[1] = _mm256_xor_si256(b[1], _mm256_set_epi32(1, 0, 0, 0, 0, 0, 0, 0));
    rounds(&mut a, &mut b, 160);
    let mut out = [0u8; 64];
    // SAFETY (caller's): two 32-byte stores inside the 64-byte array.
    _mm256_storeu_si256(out.as_mut_ptr().cast(), a[0]);
    _mm256_storeu_si256(out.as_mut_ptr().add(32).cast(), a[1]);
    out
}

/// CubeHash-512 of 64 bytes with AVX2. Installed only when `avx2` is detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after
    // `is_x86_feature_detected!("avx2")` returned true; every load and store stays inside
    // its array.
    unsafe { digest64_avx2(data) }
}
