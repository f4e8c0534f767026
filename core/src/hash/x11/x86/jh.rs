//! JH-512 on 64-byte input with SSE2: each 128-bit word of the bitsliced state is one
//! `__m128i` (high half in lane 0), so one S-box call covers two of the portable code's four
//! column groups, the linear layer works on whole words and the bit swaps of W_0..W_5 are
//! 64-bit lane shifts. Same function as [`crate::hash::x11::jh::digest64`].

use core::arch::x86_64::*;

use crate::hash::x11::jh::{C, IV};

#[target_feature(enable = "sse2")]
#[inline]
unsafe fn pair(hi: u64, lo: u64) -> __m128i {
    _mm_set_epi64x(lo as i64, hi as i64)
}

/// The S-box layer (S0 or S1 per bit of `c`) on four words.
#[target_feature(enable = "sse2")]
#[inline]
unsafe fn sbox(x: [__m128i; 4], c: __m128i) -> [__m128i; 4] {
    let [mut x0, mut x1, mut x2, mut x3] = x;
    x3 = _mm_xor_si128(x3, _mm_set1_epi8(-1));
    x0 = _mm_xor_si128(x0, _mm_andnot_si128(x2, c));
    let t = _mm_xor_si128(c, _mm_and_si128(x0, x1));
    x0 = _mm_xor_si128(x0, _mm_and_si128(x2, x3));
    x3 = _mm_xor_si128(x3, _mm_andnot_si128(x1, x2));
    x1 = _mm_xor_si128(x1, _mm_and_si128(x0, x2));
    x2 = _mm_xor_si128(x2, _mm_andnot_si128(x3, x0));
    x0 = _mm_xor_si128(x0, _mm_or_si128(x1, x3));
    x3 = _mm_xor_si128(x3, _mm_and_si128(x1, x2));
    x1 = _mm_xor_si128(x1, _mm_and_si128(t, x0));
    x2 = _mm_xor_si128(x2, t);
    [x0, x1, x2, x3]
}

/// One round: S-boxes with the round constants, then the linear layer L.
#[target_feature(enable = "sse2")]
#[inline]
unsafe fn sl(w: &mut [__m128i; 8], c: &[u64; 4]) {
    let [a0, a1, a2, a3] = sbox([w[0], w[2], w[4], w[6]], pair(c[0], c[1]));
    let [b0, b1, b2, b3] = sbox([w[1], w[3], w[5], w[7]], pair(c[2], c[3]));
    let x4 = _mm_xor_si128(b0, a1);
    let x5 = _mm_xor_si128(b1, a2);
    let x6 = _mm_xor_si128(b2, _mm_xor_si128(a3, a0));
    let x7 = _mm_xor_si128(b3, a0);
    let x0 = _mm_xor_si128(a0, x5);
    let x1 = _mm_xor_si128(a1, x6);
    let x2 = _mm_xor_si128(a2, _mm_xor_si128(x7, x4));
    let x3 = _mm_xor_si128(a3, x4);
    *w = [x0, x4, x1, x5, x2, x6, x3, x7];
}

/// W_n (n < 6) on the odd words: swap adjacent groups of `N` bits.
#[target_feature(enable = "sse2")]
#[inline]
unsafe fn swap_bits<const N: i32>(w: &mut [__m128i; 8], mask: u64) {
    let m = _mm_set1_epi64x(mask as i64);
    for i in [1, 3, 5, 7] {
        let x = w[i];
        w[i] = _mm_or_si128(
            _mm_slli_epi64::<N>(_mm_and_si128(x, m)),
            _mm_and_si128(_mm_srli_epi64::<N>(x), m),
        );
    }
}

/// The compression F8 with the 64-byte block `m` (eight words).
#[target_feature(enable = "sse2")]
#[inline]
unsafe fn compress(w: &mut [__m128i; 8], m: &[__m128i; 4]) {
    for i in 0..4 {
        w[i] = _mm_xor_si128(w[i], m[i]);
    }
    for group in &C {
        sl(w, &group[0]);
        swap_bits::<1>(w, 0x5555_5555_5555_5555);
        sl(w, &group[1]);
        swap_bits::<2>(w, 0x3333_3333_3333_3333);
        sl(w, &group[2]);
        swap_bits::<4>(w, 0x0F0F_0F0F_0F0F_0F0F);
        sl(w, &group[3]);
        swap_bits::<8>(w, 0x00FF_00FF_00FF_00FF);
        sl(w, &group[4]);
        swap_bits::<16>(w, 0x0000_FFFF_0000_FFFF);
        sl(w, &group[5]);
        swap_bits::<32>(w, 0x0000_0000_FFFF_FFFF);
        sl(w, &group[6]);
        for i in [1, 3, 5, 7] {
            w[i] = _mm_shuffle_epi32::<0x4E>(w[i]);
        }
    }
    for i in 0..4 {
        w[4 + i] = _mm_xor_si128(w[4 + i], m[i]);
    }
}

#[target_feature(enable = "sse2")]
unsafe fn digest64_sse2(data: &[u8; 64]) -> [u8; 64] {
    let mut w = [_mm_setzero_si128(); 8];
    for (i, wi) in w.iter_mut().enumerate() {
        *wi = pair(IV[2 * i], IV[2 * i + 1]);
    }
    let word = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&data[8 * i..8 * i + 8]);
        u64::from_be_bytes(b)
    };
    let m = [
        pair(word(0), word(1)),
        pair(word(2), word(3)),
        pair(word(4), word(5)),
        pair(word(6), word(7)),
    ];
    compress(&mut w, &m);
    // Padding block: 0x80, zeros, the bit length 512 (128-bit big-endian).
    let zero = _mm_setzero_si128();
    let pad = [pair(0x80 << 56, 0), zero, zero, pair(0, 0x200)];
    compress(&mut w, &pad);
    let mut out = [0u8; 64];
    for i in 0..4 {
        let mut lanes = [0u64; 2];
        // SAFETY (caller's): a 16-byte store into a 16-byte array.
        _mm_storeu_si128(lanes.as_mut_ptr().cast(), w[4 + i]);
        out[16 * i..16 * i + 8].copy_from_slice(&lanes[0].to_be_bytes());
        out[16 * i + 8..16 * i + 16].copy_from_slice(&lanes[1].to_be_bytes());
    }
    out
}

/// JH-512 of 64 bytes with SSE2 (part of every x86_64 CPU).
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: SSE2 is part of the x86_64 baseline, so the target feature is always present;
    // every store stays inside its array.
    unsafe { digest64_sse2(data) }
}
