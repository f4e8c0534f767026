//! JH-512 on 64-byte input with NEON: each 128-bit word of the bitsliced state is one
//! `uint64x2_t` (high half in lane 0), so one S-box call covers two of the portable code's
//! four column groups, the linear layer works on whole words, the bit swaps of W_0..W_4 are
//! 64-bit lane shifts and those of W_5 and W_6 are `rev64` and `ext`. `bic` gives the
//! S-box's and-not in one instruction. Same function as [`crate::hash::x11::jh::digest64`].

use core::arch::aarch64::*;

use crate::hash::x11::jh::{C, IV};

#[target_feature(enable = "neon")]
#[inline]
unsafe fn pair(hi: u64, lo: u64) -> uint64x2_t {
    vcombine_u64(vcreate_u64(hi), vcreate_u64(lo))
}

/// The S-box layer (S0 or S1 per bit of `c`) on four words.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn sbox(x: [uint64x2_t; 4], c: uint64x2_t) -> [uint64x2_t; 4] {
    let [mut x0, mut x1, mut x2, mut x3] = x;
    x3 = vreinterpretq_u64_u8(vmvnq_u8(vreinterpretq_u8_u64(x3)));
    x0 = veorq_u64(x0, vbicq_u64(c, x2));
    let t = veorq_u64(c, vandq_u64(x0, x1));
    x0 = veorq_u64(x0, vandq_u64(x2, x3));
    x3 = veorq_u64(x3, vbicq_u64(x2, x1));
    x1 = veorq_u64(x1, vandq_u64(x0, x2));
    x2 = veorq_u64(x2, vbicq_u64(x0, x3));
    x0 = veorq_u64(x0, vorrq_u64(x1, x3));
    x3 = veorq_u64(x3, vandq_u64(x1, x2));
    x1 = veorq_u64(x1, vandq_u64(t, x0));
    x2 = veorq_u64(x2, t);
    [x0, x1, x2, x3]
}

/// One round: S-boxes with the round constants, then the linear layer L.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn sl(w: &mut [uint64x2_t; 8], c: &[u64; 4]) {
    let [a0, a1, a2, a3] = sbox([w[0], w[2], w[4], w[6]], pair(c[0], c[1]));
    let [b0, b1, b2, b3] = sbox([w[1], w[3], w[5], w[7]], pair(c[2], c[3]));
    let x4 = veorq_u64(b0, a1);
    let x5 = veorq_u64(b1, a2);
    let x6 = veorq_u64(b2, veorq_u64(a3, a0));
    let x7 = veorq_u64(b3, a0);
    let x0 = veorq_u64(a0, x5);
    let x1 = veorq_u64(a1, x6);
    let x2 = veorq_u64(a2, veorq_u64(x7, x4));
    let x3 = veorq_u64(a3, x4);
    *w = [x0, x4, x1, x5, x2, x6, x3, x7];
}

/// W_n (n < 5) on the odd words: swap adjacent groups of `N` bits (`mask` selects the low
/// group of each pair).
macro_rules! swap_bits {
    ($w:ident, $n:literal, $mask:literal) => {{
        let m = vdupq_n_u64($mask);
        for i in [1, 3, 5, 7] {
            let x = $w[i];
            $w[i] =
                vorrq_u64(vshlq_n_u64::<$n>(vandq_u64(x, m)), vandq_u64(vshrq_n_u64::<$n>(x), m));
        }
    }};
}

/// The compression F8 with the 64-byte block `m` (eight words).
#[target_feature(enable = "neon")]
#[inline]
unsafe fn compress(w: &mut [uint64x2_t; 8], m: &[uint64x2_t; 4]) {
    for i in 0..4 {
        w[i] = veorq_u64(w[i], m[i]);
    }
    for group in &C {
        sl(w, &group[0]);
        swap_bits!(w, 1, 0x5555_5555_5555_5555);
        sl(w, &group[1]);
        swap_bits!(w, 2, 0x3333_3333_3333_3333);
        sl(w, &group[2]);
        swap_bits!(w, 4, 0x0F0F_0F0F_0F0F_0F0F);
        sl(w, &group[3]);
        swap_bits!(w, 8, 0x00FF_00FF_00FF_00FF);
        sl(w, &group[4]);
        swap_bits!(w, 16, 0x0000_FFFF_0000_FFFF);
        sl(w, &group[5]);
        for i in [1, 3, 5, 7] {
            w[i] = vreinterpretq_u64_u32(vrev64q_u32(vreinterpretq_u32_u64(w[i])));
        }
        sl(w, &group[6]);
        for i in [1, 3, 5, 7] {
            w[i] = vextq_u64::<1>(w[i], w[i]);
        }
    }
    for i in 0..4 {
        w[4 + i] = veorq_u64(w[4 + i], m[i]);
    }
}

#[target_feature(enable = "neon")]
unsafe fn digest64_neon(data: &[u8; 64]) -> [u8; 64] {
    let mut w = [vdupq_n_u64(0); 8];
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
    let zero = vdupq_n_u64(0);
    let pad = [pair(0x80 << 56, 0), zero, zero, pair(0, 0x200)];
    compress(&mut w, &pad);
    let mut out = [0u8; 64];
    for i in 0..4 {
        out[16 * i..16 * i + 8].copy_from_slice(&vgetq_lane_u64::<0>(w[4 + i]).to_be_bytes());
        out[16 * i + 8..16 * i + 16].copy_from_slice(&vgetq_lane_u64::<1>(w[4 + i]).to_be_bytes());
    }
    out
}

/// JH-512 of 64 bytes with NEON. Installed only when `neon` is detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after
    // `is_aarch64_feature_detected!("neon")` returned true; the function only computes on
    // registers and its own arrays.
    unsafe { digest64_neon(data) }
}
