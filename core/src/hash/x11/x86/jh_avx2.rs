//! JH-512 on 64-byte input with AVX2: the SSE2 path's eight 128-bit words in four
//! `__m256i` (`[w0 | w1]`, `[w2 | w3]`, `[w4 | w5]`, `[w6 | w7]`), so one S-box call covers
//! all four column groups with the round's four constants in one load, the bit swaps of the
//! odd words act on the high halves only (byte shuffles for 8, 16 and 32 bits) and the linear
//! layer moves words between halves with 128-bit broadcasts. Same function as
//! [`crate::hash::x11::jh::digest64`].

use core::arch::x86_64::*;

use crate::hash::x11::jh::{C, IV};

/// Loads four 64-bit words (the high then low half of two 128-bit words).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn load4(w: &[u64]) -> __m256i {
    debug_assert!(w.len() >= 4);
    // SAFETY (caller's): `w` holds at least the four words read.
    _mm256_loadu_si256(w.as_ptr().cast())
}

/// The S-box layer (S0 or S1 per bit of `c`) on four registers.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn sbox(x: [__m256i; 4], c: __m256i) -> [__m256i; 4] {
    let [mut x0, mut x1, mut x2, mut x3] = x;
    x3 = _mm256_xor_si256(x3, _mm256_set1_epi8(-1));
    x0 = _mm256_xor_si256(x0, _mm256_andnot_si256(x2, c));
    let t = _mm256_xor_si256(c, _mm256_and_si256(x0, x1));
    x0 = _mm256_xor_si256(x0, _mm256_and_si256(x2, x3));
    x3 = _mm256_xor_si256(x3, _mm256_andnot_si256(x1, x2));
    x1 = _mm256_xor_si256(x1, _mm256_and_si256(x0, x2));
    x2 = _mm256_xor_si256(x2, _mm256_andnot_si256(x3, x0));
    x0 = _mm256_xor_si256(x0, _mm256_or_si256(x1, x3));
    x3 = _mm256_xor_si256(x3, _mm256_and_si256(x1, x2));
    x1 = _mm256_xor_si256(x1, _mm256_and_si256(t, x0));
    x2 = _mm256_xor_si256(x2, t);
    [x0, x1, x2, x3]
}

/// The low 128 bits of `x` in both halves.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn lo2(x: __m256i) -> __m256i {
    _mm256_permute4x64_epi64::<0x44>(x)
}

/// The high 128 bits of `x` in both halves.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn hi2(x: __m256i) -> __m256i {
    _mm256_permute4x64_epi64::<0xEE>(x)
}

/// One round: S-boxes with the round constants, then the linear layer L. With `a_i`, `b_i`
/// the low and high halves of `y[i]`, L gives `x4..x7 = b0 ^ a1, b1 ^ a2, b2 ^ a3 ^ a0,
/// b3 ^ a0` (the high halves) and `x0..x3 = a0 ^ x5, a1 ^ x6, a2 ^ x7 ^ x4, a3 ^ x4`.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn sl(y: &mut [__m256i; 4], c: &[u64; 4]) {
    let [y0, y1, y2, y3] = sbox(*y, load4(c));
    let a0 = lo2(y0);
    let h0 = _mm256_xor_si256(y0, lo2(y1));
    let h1 = _mm256_xor_si256(y1, lo2(y2));
    let h2 = _mm256_xor_si256(_mm256_xor_si256(y2, lo2(y3)), a0);
    let h3 = _mm256_xor_si256(y3, a0);
    let (x4, x5, x6, x7) = (hi2(h0), hi2(h1), hi2(h2), hi2(h3));
    let l0 = _mm256_xor_si256(y0, x5);
    let l1 = _mm256_xor_si256(y1, x6);
    let l2 = _mm256_xor_si256(_mm256_xor_si256(y2, x7), x4);
    let l3 = _mm256_xor_si256(y3, x4);
    *y = [
        _mm256_blend_epi32::<0xF0>(l0, h0),
        _mm256_blend_epi32::<0xF0>(l1, h1),
        _mm256_blend_epi32::<0xF0>(l2, h2),
        _mm256_blend_epi32::<0xF0>(l3, h3),
    ];
}

/// W_n (n < 3) on the odd words (the high halves): swap adjacent groups of `N` bits.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn swap_bits<const N: i32>(y: &mut [__m256i; 4], mask: u64) {
    let m = _mm256_set1_epi64x(mask as i64);
    for x in y.iter_mut() {
        let s = _mm256_or_si256(
            _mm256_slli_epi64::<N>(_mm256_and_si256(*x, m)),
            _mm256_and_si256(_mm256_srli_epi64::<N>(*x), m),
        );
        *x = _mm256_blend_epi32::<0xF0>(*x, s);
    }
}

/// A byte permutation of the odd words (the high halves), the low halves unchanged.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn shuffle_hi(y: &mut [__m256i; 4], ctl: __m256i) {
    for x in y.iter_mut() {
        *x = _mm256_shuffle_epi8(*x, ctl);
    }
}

/// The compression F8 with the 64-byte block `m` (the two halves of the block).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn compress(y: &mut [__m256i; 4], m: [__m256i; 2]) {
    y[0] = _mm256_xor_si256(y[0], m[0]);
    y[1] = _mm256_xor_si256(y[1], m[1]);
    #[rustfmt::skip]
    let (s8, s16, s32) = (
        _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                         1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14),
        _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                         2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13),
        _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                         4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11),
    );
    for group in &C {
        sl(y, &group[0]);
        swap_bits::<1>(y, 0x5555_5555_5555_5555);
        sl(y, &group[1]);
        swap_bits::<2>(y, 0x3333_3333_3333_3333);
        sl(y, &group[2]);
        swap_bits::<4>(y, 0x0F0F_0F0F_0F0F_0F0F);
        sl(y, &group[3]);
        shuffle_hi(y, s8);
        sl(y, &group[4]);
        shuffle_hi(y, s16);
        sl(y, &group[5]);
        shuffle_hi(y, s32);
        sl(y, &group[6]);
        // Swap the two 64-bit halves of each odd word.
        for x in y.iter_mut() {
            *x = _mm256_permute4x64_epi64::<0xB4>(*x);
        }
    }
    y[2] = _mm256_xor_si256(y[2], m[0]);
    y[3] = _mm256_xor_si256(y[3], m[1]);
}

#[target_feature(enable = "avx2")]
unsafe fn digest64_avx2(data: &[u8; 64]) -> [u8; 64] {
    let mut y: [__m256i; 4] = core::array::from_fn(|i| load4(&IV[4 * i..]));
    let words: [u64; 8] = core::array::from_fn(|i| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&data[8 * i..8 * i + 8]);
        u64::from_be_bytes(b)
    });
    compress(&mut y, [load4(&words[..4]), load4(&words[4..])]);
    // Padding block: 0x80, zeros, the bit length 512 (128-bit big-endian).
    let pad = [_mm256_setr_epi64x(i64::MIN, 0, 0, 0), _mm256_setr_epi64x(0, 0, 0, 0x200)];
    compress(&mut y, pad);
    let mut lanes = [0u64; 8];
    // SAFETY (caller's): two 32-byte stores into the 64-byte array.
    _mm256_storeu_si256(lanes.as_mut_ptr().cast(), y[2]);
    _mm256_storeu_si256(lanes.as_mut_ptr().add(4).cast(), y[3]);
    let mut out = [0u8; 64];
    for (c, w) in out.chunks_exact_mut(8).zip(lanes) {
        c.copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// JH-512 of 64 bytes with AVX2. Installed only when `avx2` is detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after
    // `is_x86_feature_detected!("avx2")` returned true; every load and store stays inside
    // its array.
    unsafe { digest64_avx2(data) }
}
