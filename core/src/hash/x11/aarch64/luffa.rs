//! Luffa-512 on 64-byte input with NEON. Same function as
//! [`crate::hash::x11::luffa::digest64`], with chains 0..4 transposed: register `k` holds word
//! `k` of chains 0 to 3 in its four lanes, so the eight rounds of `P5` are lane-wise
//! SubCrumb/MixWord on eight registers for four chains at once, the tweak is a per-lane
//! variable shift and the message injection's chain-to-chain XORs are `ext` lane rotations.
//! Chain 4 runs beside them in general-purpose registers (the portable round), which a
//! phone core issues in parallel with the vector work.

use core::arch::aarch64::*;

use crate::hash::x11::luffa::{round1, RC0, RC4, V_INIT};

/// Word `k` of chains 0..4, one register per word.
type St = [uint32x4_t; 8];

/// Multiplication by 2 (sphlib `M2`) of eight words.
macro_rules! m2 {
    ($s:expr, $xor:path) => {{
        let s = $s;
        let t = s[7];
        [t, $xor(s[0], t), s[1], $xor(s[2], t), $xor(s[3], t), s[4], s[5], s[6]]
    }};
}

#[inline(always)]
fn xor32(a: u32, b: u32) -> u32 {
    a ^ b
}

#[target_feature(enable = "neon")]
#[inline]
unsafe fn m2v(s: &St) -> St {
    m2!(*s, veorq_u32)
}

#[inline(always)]
fn m2s(s: &[u32; 8]) -> [u32; 8] {
    m2!(*s, xor32)
}

#[target_feature(enable = "neon")]
#[inline]
unsafe fn xor8(a: &St, b: &St) -> St {
    core::array::from_fn(|k| veorq_u32(a[k], b[k]))
}

/// The XOR of the four lanes of `x`, in every lane.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn sum4(x: uint32x4_t) -> uint32x4_t {
    let x = veorq_u32(x, vextq_u32::<2>(x, x));
    veorq_u32(x, vrev64q_u32(x))
}

/// Every lane of `x` rotated left by `L` (`R` = 32 - `L`).
macro_rules! rotl {
    ($x:expr, $l:literal, $r:literal) => {{
        let x = $x;
        vsriq_n_u32::<$r>(vshlq_n_u32::<$l>(x), x)
    }};
}

/// Message injection `MI5` (the portable `State::inject`) of eight words `m`, `None` for a
/// blank block.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn inject(v: &mut St, c4: &mut [u32; 8], m: Option<&[u32; 8]>) {
    // a = M2(v0 ^ v1 ^ v2 ^ v3 ^ v4), in every lane.
    let sum: St = core::array::from_fn(|k| veorq_u32(sum4(v[k]), vdupq_n_u32(c4[k])));
    let a = m2v(&sum);
    let v0 = xor8(v, &a);
    let w4: [u32; 8] = core::array::from_fn(|k| c4[k] ^ vgetq_lane_u32::<0>(a[k]));
    // t_j = M2(v_j) ^ v_(j + 1): lanes (1, 2, 3, chain 4).
    let next: St =
        core::array::from_fn(|k| vsetq_lane_u32::<3>(w4[k], vextq_u32::<1>(v0[k], v0[k])));
    let t = xor8(&m2v(&v0), &next);
    let first: [u32; 8] = core::array::from_fn(|k| vgetq_lane_u32::<0>(v0[k]));
    let m2w4 = m2s(&w4);
    let t4: [u32; 8] = core::array::from_fn(|k| m2w4[k] ^ first[k]);
    // u_j = M2(t_j) ^ t_(j - 1): lanes (chain 4, 0, 1, 2).
    let prev: St = core::array::from_fn(|k| vsetq_lane_u32::<0>(t4[k], vextq_u32::<3>(t[k], t[k])));
    *v = xor8(&m2v(&t), &prev);
    let m2t4 = m2s(&t4);
    *c4 = core::array::from_fn(|k| m2t4[k] ^ vgetq_lane_u32::<3>(t[k]));
    if let Some(m) = m {
        // Chain j receives M2^j(m).
        let m1 = m2s(m);
        let m2_ = m2s(&m1);
        let m3 = m2s(&m2_);
        let m4 = m2s(&m3);
        for k in 0..8 {
            let lanes = [m[k], m1[k], m2_[k], m3[k]];
            v[k] = veorq_u32(v[k], vld1q_u32(lanes.as_ptr()));
            c4[k] ^= m4[k];
        }
    }
}

/// The 4-bit S-box, bitsliced (sphlib `SUB_CRUMB`).
#[target_feature(enable = "neon")]
#[inline]
unsafe fn sub_crumb(
    a0: &mut uint32x4_t,
    a1: &mut uint32x4_t,
    a2: &mut uint32x4_t,
    a3: &mut uint32x4_t,
) {
    let tmp = *a0;
    *a0 = vorrq_u32(*a0, *a1);
    *a2 = veorq_u32(*a2, *a3);
    *a1 = vmvnq_u32(*a1);
    *a0 = veorq_u32(*a0, *a3);
    *a3 = vandq_u32(*a3, tmp);
    *a1 = veorq_u32(*a1, *a3);
    *a3 = veorq_u32(*a3, *a2);
    *a2 = vandq_u32(*a2, *a0);
    *a0 = vmvnq_u32(*a0);
    *a2 = veorq_u32(*a2, *a1);
    *a1 = vorrq_u32(*a1, *a3);
    let tmp = veorq_u32(tmp, *a1);
    *a3 = veorq_u32(*a3, *a2);
    *a2 = vandq_u32(*a2, *a1);
    *a1 = veorq_u32(*a1, *a0);
    *a0 = tmp;
}

/// The word-mixing step (sphlib `MIX_WORD`).
#[target_feature(enable = "neon")]
#[inline]
unsafe fn mix_word(u: &mut uint32x4_t, v: &mut uint32x4_t) {
    *v = veorq_u32(*v, *u);
    *u = veorq_u32(rotl!(*u, 2, 30), *v);
    *v = veorq_u32(rotl!(*v, 14, 18), *u);
    *u = veorq_u32(rotl!(*u, 10, 22), *v);
    *v = rotl!(*v, 1, 31);
}

/// The permutation `P5` on all chains: tweak, then eight rounds.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn permute(v: &mut St, c4: &mut [u32; 8]) {
    // Chain j's words 4..8 rotate left by j (a shift by -32 gives zero).
    let left = vld1q_s32([0, 1, 2, 3].as_ptr());
    let right = vld1q_s32([-32, -31, -30, -29].as_ptr());
    for k in 4..8 {
        v[k] = vorrq_u32(vshlq_u32(v[k], left), vshlq_u32(v[k], right));
        c4[k] = c4[k].rotate_left(4);
    }
    let [mut x0, mut x1, mut x2, mut x3, mut x4, mut x5, mut x6, mut x7] = *v;
    for r in 0..8 {
        sub_crumb(&mut x0, &mut x1, &mut x2, &mut x3);
        sub_crumb(&mut x5, &mut x6, &mut x7, &mut x4);
        mix_word(&mut x0, &mut x4);
        mix_word(&mut x1, &mut x5);
        mix_word(&mut x2, &mut x6);
        mix_word(&mut x3, &mut x7);
        x0 = veorq_u32(x0, vld1q_u32(RC0[r].as_ptr()));
        x4 = veorq_u32(x4, vld1q_u32(RC4[r].as_ptr()));
        round1(c4, RC0[r][4], RC4[r][4]);
    }
    *v = [x0, x1, x2, x3, x4, x5, x6, x7];
}

/// The XOR of the five chains as 32 big-endian bytes.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn output(v: &St, c4: &[u32; 8], out: &mut [u8]) {
    for (k, c) in out.chunks_exact_mut(4).enumerate() {
        let w = vgetq_lane_u32::<0>(sum4(v[k])) ^ c4[k];
        c.copy_from_slice(&w.to_be_bytes());
    }
}

#[target_feature(enable = "neon")]
unsafe fn digest64_neon(data: &[u8; 64]) -> [u8; 64] {
    let mut v: St = core::array::from_fn(|k| {
        let lanes = [V_INIT[0][k], V_INIT[1][k], V_INIT[2][k], V_INIT[3][k]];
        vld1q_u32(lanes.as_ptr())
    });
    let mut c4 = V_INIT[4];
    for block in data.chunks_exact(32) {
        let m: [u32; 8] = core::array::from_fn(|k| {
            u32::from_be_bytes([block[4 * k], block[4 * k + 1], block[4 * k + 2], block[4 * k + 3]])
        });
        inject(&mut v, &mut c4, Some(&m));
        permute(&mut v, &mut c4);
    }
    // The padding block (0x80 then zeros), then two blank rounds giving 32 bytes each.
    inject(&mut v, &mut c4, Some(&[0x8000_0000, 0, 0, 0, 0, 0, 0, 0]));
    permute(&mut v, &mut c4);
    let mut out = [0u8; 64];
    inject(&mut v, &mut c4, None);
    permute(&mut v, &mut c4);
    output(&v, &c4, &mut out[..32]);
    inject(&mut v, &mut c4, None);
    permute(&mut v, &mut c4);
    output(&v, &c4, &mut out[32..]);
    out
}

/// Luffa-512 of 64 bytes with NEON. Installed only when `neon` is detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after
    // `is_aarch64_feature_detected!("neon")` returned true; every load reads a whole table row
    // or local array of four words.
    unsafe { digest64_neon(data) }
}
