//! CubeHash-512 on 64-byte input with AVX2, and with AVX2 plus the AVX-512VL rotate. Same function as
//! [`crate::hash::x11::cubehash::digest64`].
//!
//! The 32 state words are four `__m256i`: `a` holds words 0..16, `b` words 16..32. Inside
//! each half, bit 3 of the word index picks the register, bit 0 the 128-bit lane and bits 2
//! and 1 the dword inside the lane, so a register holds its eight words in the order
//! `0 2 4 6 1 3 5 7` (plus 8 for the second register). The round's swaps then cost: `i ^ 8`
//! nothing (register renaming), `i ^ 4` and `i ^ 2` one in-lane shuffle each, and `i ^ 1`
//! a lane swap of `b` (3 cycles), which runs while `a` is being rotated and so stays off the
//! round's critical path (a lane swap of `a`, the natural layout, sits on it). Measured
//! 1.07 -> 0.93 us with AVX2, 0.67-0.71 us with the single-instruction AVX-512VL rotate.

use core::arch::x86_64::*;

use crate::hash::x11::cubehash::IV512;

/// Dword gather order taking eight words in natural order to the register layout.
const TO_LAYOUT: [i32; 8] = [0, 2, 4, 6, 1, 3, 5, 7];
/// Dword gather order taking a register back to natural word order.
const FROM_LAYOUT: [i32; 8] = [0, 4, 1, 5, 2, 6, 3, 7];

/// One CubeHash round on `a` (words 0..16) and `b` (words 16..32); `$rotl!(x, n)` rotates
/// every dword of `x` left by `n`.
macro_rules! round {
    ($a:ident, $b:ident, $rotl:ident) => {{
        // x[16 + i] += x[i]; x[i] <<<= 7
        let b0 = _mm256_add_epi32($b[0], $a[0]);
        let b1 = _mm256_add_epi32($b[1], $a[1]);
        let r0 = $rotl!($a[0], 7);
        let r1 = $rotl!($a[1], 7);
        // swap x[i] and x[i ^ 8] (the registers); x[i] ^= x[16 + i]
        let a0 = _mm256_xor_si256(r1, b0);
        let a1 = _mm256_xor_si256(r0, b1);
        // swap x[16 + i] and x[16 + (i ^ 2)] (dword pairs); x[16 + i] += x[i]; x[i] <<<= 11
        let b0 = _mm256_add_epi32(_mm256_shuffle_epi32(b0, 0xB1), a0);
        let b1 = _mm256_add_epi32(_mm256_shuffle_epi32(b1, 0xB1), a1);
        let r0 = $rotl!(a0, 11);
        let r1 = $rotl!(a1, 11);
        // swap x[i] and x[i ^ 4] (qwords in a lane); x[i] ^= x[16 + i]
        $a[0] = _mm256_xor_si256(_mm256_shuffle_epi32(r0, 0x4E), b0);
        $a[1] = _mm256_xor_si256(_mm256_shuffle_epi32(r1, 0x4E), b1);
        // swap x[16 + i] and x[16 + (i ^ 1)] (the lanes)
        $b[0] = _mm256_permute2x128_si256(b0, b0, 0x01);
        $b[1] = _mm256_permute2x128_si256(b1, b1, 0x01);
    }};
}

/// The whole 64-byte CubeHash-512 computation, with `$rounds` the function running `n`
/// rounds on the laid-out state.
macro_rules! digest64_body {
    ($data:ident, $rounds:ident) => {{
        let to = _mm256_loadu_si256(TO_LAYOUT.as_ptr().cast());
        let from = _mm256_loadu_si256(FROM_LAYOUT.as_ptr().cast());
        // SAFETY (caller's): IV512 holds 32 words, four unaligned 256-bit loads.
        let iv = IV512.as_ptr().cast::<__m256i>();
        let lay = |p: *const __m256i| load_laid_out(p, to);
        let mut a = [lay(iv), lay(iv.add(1))];
        let mut b = [lay(iv.add(2)), lay(iv.add(3))];
        for half in 0..2 {
            // SAFETY (caller's): bytes 32 half..32 half + 32 lie inside the 64-byte array.
            let m = lay($data.as_ptr().add(32 * half).cast());
            a[0] = _mm256_xor_si256(a[0], m);
            $rounds(&mut a, &mut b, 16);
        }
        // The padding block (0x80 then zeros) in word 0, then the final constant in word 31
        // (register 1 of `b`, lane 1, dword 3).
        a[0] = _mm256_xor_si256(a[0], _mm256_set_epi32(0, 0, 0, 0, 0, 0, 0, 0x80));
        $rounds(&mut a, &mut b, 16);
        b[1] = _mm256_xor_si256(b[1], _mm256_set_epi32(1, 0, 0, 0, 0, 0, 0, 0));
        $rounds(&mut a, &mut b, 160);
        let mut out = [0u8; 64];
        // SAFETY (caller's): two 32-byte stores inside the 64-byte array.
        _mm256_storeu_si256(out.as_mut_ptr().cast(), _mm256_permutevar8x32_epi32(a[0], from));
        _mm256_storeu_si256(
            out.as_mut_ptr().add(32).cast(),
            _mm256_permutevar8x32_epi32(a[1], from),
        );
        out
    }};
}

/// Loads eight words from `p` and gathers them into the register layout with `to`.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn load_laid_out(p: *const __m256i, to: __m256i) -> __m256i {
    // SAFETY (caller's): `p` points to 32 readable bytes.
    _mm256_permutevar8x32_epi32(_mm256_loadu_si256(p), to)
}

macro_rules! rotl_avx2 {
    ($x:expr, $n:literal) => {{
        let x = $x;
        _mm256_or_si256(_mm256_slli_epi32(x, $n), _mm256_srli_epi32(x, 32 - $n))
    }};
}

/// `vprold`, the AVX-512VL rotate of every dword of a `__m256i`, written as inline assembly
/// because its intrinsic (`_mm256_rol_epi32`) and the `avx512vl` target feature need Rust
/// 1.89, above the workspace `rust-version`; with a 1.89 minimum this becomes
/// `_mm256_rol_epi32`. Only reached from [`digest64_vl`], which is installed only when
/// `avx512f` and `avx512vl` are detected.
macro_rules! rotl_vprold {
    ($x:expr, $n:literal) => {{
        let x: __m256i = $x;
        let r: __m256i;
        // SAFETY: register-only instruction (no memory, stack or flags); the caller's
        // guarantee that the CPU has AVX-512VL makes it executable.
        core::arch::asm!(
            concat!("vprold {r}, {x}, ", $n),
            r = lateout(ymm_reg) r,
            x = in(ymm_reg) x,
            options(pure, nomem, nostack, preserves_flags),
        );
        r
    }};
}

#[target_feature(enable = "avx2")]
#[inline]
unsafe fn rounds_avx2(a: &mut [__m256i; 2], b: &mut [__m256i; 2], n: usize) {
    for _ in 0..n {
        round!(a, b, rotl_avx2);
    }
}

#[target_feature(enable = "avx2")]
unsafe fn digest64_avx2(data: &[u8; 64]) -> [u8; 64] {
    digest64_body!(data, rounds_avx2)
}

#[target_feature(enable = "avx2")]
#[inline]
unsafe fn rounds_vl(a: &mut [__m256i; 2], b: &mut [__m256i; 2], n: usize) {
    for _ in 0..n {
        round!(a, b, rotl_vprold);
    }
}

#[target_feature(enable = "avx2")]
unsafe fn digest64_vl_inner(data: &[u8; 64]) -> [u8; 64] {
    digest64_body!(data, rounds_vl)
}

/// CubeHash-512 of 64 bytes with AVX2. Installed only when `avx2` is detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after
    // `is_x86_feature_detected!("avx2")` returned true; every load and store stays inside
    // its array.
    unsafe { digest64_avx2(data) }
}

/// CubeHash-512 of 64 bytes with AVX2 and the AVX-512VL 256-bit rotate. Installed only when
/// `avx2`, `avx512f` and `avx512vl` are detected.
pub(super) fn digest64_vl(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after `is_x86_feature_detected!`
    // returned true for `avx2`, `avx512f` and `avx512vl`; every load and store stays inside
    // its array.
    unsafe { digest64_vl_inner(data) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::x11::{cubehash, vectors};
    use proptest::prelude::*;

    fn has_vl() -> bool {
        is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512vl")
    }

    #[test]
    fn avx2_cubehash_matches_sphlib_on_every_64_byte_vector() {
        if is_x86_feature_detected!("avx2") {
            vectors::check_digest64("cubehash512", 7, cubehash::digest, digest64);
            vectors::check_digest64_on_patterns(cubehash::digest, digest64);
        }
    }

    #[test]
    fn avx512vl_cubehash_matches_sphlib_on_every_64_byte_vector() {
        if has_vl() {
            vectors::check_digest64("cubehash512", 7, cubehash::digest, digest64_vl);
            vectors::check_digest64_on_patterns(cubehash::digest, digest64_vl);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn accelerated_cubehash_equals_portable_on_random_64_bytes(
            lo in prop::array::uniform32(any::<u8>()),
            hi in prop::array::uniform32(any::<u8>()),
        ) {
            let mut input = [0u8; 64];
            input[..32].copy_from_slice(&lo);
            input[32..].copy_from_slice(&hi);
            let want = cubehash::digest64(&input);
            if is_x86_feature_detected!("avx2") {
                prop_assert_eq!(digest64(&input), want);
            }
            if has_vl() {
                prop_assert_eq!(digest64_vl(&input), want);
            }
        }
    }
}
