//! CubeHash-512 on 64-byte input with NEON. Same function as
//! [`crate::hash::x11::cubehash::digest64`].
//!
//! The 32 state words are eight `uint32x4_t` in natural order: `a` holds words 0..16, `b`
//! words 16..32. The round's swaps then cost: `i ^ 8` and `i ^ 4` nothing (register
//! renaming), `i ^ 2` one `ext` and `i ^ 1` one `rev64`; a rotation is a shift and a
//! shift-right-insert.

use core::arch::aarch64::*;

use crate::hash::x11::cubehash::IV512;

/// Every word of `x` rotated left by `L` (`R` = 32 - `L`).
macro_rules! rotl {
    ($x:expr, $l:literal, $r:literal) => {{
        let x = $x;
        vsriq_n_u32::<$r>(vshlq_n_u32::<$l>(x), x)
    }};
}

/// `n` CubeHash rounds on `a` (words 0..16) and `b` (words 16..32).
#[target_feature(enable = "neon")]
#[inline]
unsafe fn rounds(a: &mut [uint32x4_t; 4], b: &mut [uint32x4_t; 4], n: usize) {
    for _ in 0..n {
        // x[16 + i] += x[i]; x[i] <<<= 7
        let mut r = [vdupq_n_u32(0); 4];
        for k in 0..4 {
            b[k] = vaddq_u32(b[k], a[k]);
            r[k] = rotl!(a[k], 7, 25);
        }
        // swap x[i] and x[i ^ 8] (the register pairs); x[i] ^= x[16 + i]
        let t = [
            veorq_u32(r[2], b[0]),
            veorq_u32(r[3], b[1]),
            veorq_u32(r[0], b[2]),
            veorq_u32(r[1], b[3]),
        ];
        // swap x[16 + i] and x[16 + (i ^ 2)] (the halves); x[16 + i] += x[i]; x[i] <<<= 11
        for k in 0..4 {
            b[k] = vaddq_u32(vextq_u32::<2>(b[k], b[k]), t[k]);
            r[k] = rotl!(t[k], 11, 21);
        }
        // swap x[i] and x[i ^ 4] (neighbouring registers); x[i] ^= x[16 + i]
        *a = [
            veorq_u32(r[1], b[0]),
            veorq_u32(r[0], b[1]),
            veorq_u32(r[3], b[2]),
            veorq_u32(r[2], b[3]),
        ];
        // swap x[16 + i] and x[16 + (i ^ 1)] (neighbouring words)
        for k in 0..4 {
            b[k] = vrev64q_u32(b[k]);
        }
    }
}

#[target_feature(enable = "neon")]
unsafe fn digest64_neon(data: &[u8; 64]) -> [u8; 64] {
    let iv = |g: usize| vld1q_u32(IV512[4 * g..4 * g + 4].as_ptr());
    let mut a = [iv(0), iv(1), iv(2), iv(3)];
    let mut b = [iv(4), iv(5), iv(6), iv(7)];
    for half in 0..2 {
        for k in 0..2 {
            // SAFETY (caller's): bytes 32 half + 16 k..+16 lie inside the 64-byte array.
            let m = vreinterpretq_u32_u8(vld1q_u8(data.as_ptr().add(32 * half + 16 * k)));
            a[k] = veorq_u32(a[k], m);
        }
        rounds(&mut a, &mut b, 16);
    }
    // The padding block (0x80 then zeros) in word 0, then the final constant in word 31.
    a[0] = veorq_u32(a[0], vsetq_lane_u32::<0>(0x80, vdupq_n_u32(0)));
    rounds(&mut a, &mut b, 16);
    b[3] = veorq_u32(b[3], vsetq_lane_u32::<3>(1, vdupq_n_u32(0)));
    rounds(&mut a, &mut b, 160);
    let mut out = [0u8; 64];
    for k in 0..4 {
        // SAFETY (caller's): bytes 16k..16k + 16 lie inside the 64-byte array.
        vst1q_u8(out.as_mut_ptr().add(16 * k), vreinterpretq_u8_u32(a[k]));
    }
    out
}

/// CubeHash-512 of 64 bytes with NEON. Installed only when `neon` is detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after
    // `is_aarch64_feature_detected!("neon")` returned true; every load and store stays
    // inside its array.
    unsafe { digest64_neon(data) }
}
