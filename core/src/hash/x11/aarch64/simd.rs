//! SIMD-512 on 64-byte input with NEON. Same function as
//! [`crate::hash::x11::simd::digest64`], in the layout of the x86_64 AVX2 path with every
//! 256-bit register split in two:
//! - the message transform keeps each row of 16 values as four `int32x4_t`; every
//!   butterfly, reduction and twiddle product is lane-wise (the twiddle product a plain
//!   32-bit multiply), the transpose sixteen 4x4 blocks of `trn1`/`trn2`;
//! - the expanded message words pack two rows' low 16 bits with a multiply and one
//!   shift-left-insert;
//! - the compression keeps each state row (eight words) in two `uint32x4_t`, so a step is a
//!   handful of vector operations and its lane permutation `n -> n ^ P` a register swap and
//!   at most two `rev64`/`ext`.

use core::arch::aarch64::*;

use crate::hash::x11::simd::{FINAL64_W, IV512, K1_OF_LANE, PP, TWIDDLE, WB, YOFF_N};

/// One row of 16 transform values: lanes 4q..4q + 4 in register q.
type Row = [int32x4_t; 4];
/// One state row or expanded message word of eight lanes.
type Oct = [uint32x4_t; 2];

/// `(s, t) <- (s + t 2^E, s - t 2^E)` on rows `i` and `j`.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn bfly<const E: i32>(a: &mut [Row; 16], i: usize, j: usize) {
    for h in 0..4 {
        let s = a[i][h];
        let n = vshlq_n_s32::<E>(a[j][h]);
        a[i][h] = vaddq_s32(s, n);
        a[j][h] = vsubq_s32(s, n);
    }
}

/// Levels `from_h`..=8 of the 16-point transform with root 2 (as the portable
/// `levels_2_4_8`).
#[target_feature(enable = "neon")]
#[inline]
unsafe fn levels_2_4_8(a: &mut [Row; 16], from_h: usize) {
    if from_h <= 2 {
        for s in [0, 4, 8, 12] {
            bfly::<0>(a, s, s + 2);
            bfly::<4>(a, s + 1, s + 3);
        }
    }
    for s in [0, 8] {
        bfly::<0>(a, s, s + 4);
        bfly::<2>(a, s + 1, s + 5);
        bfly::<4>(a, s + 2, s + 6);
        bfly::<6>(a, s + 3, s + 7);
    }
    bfly::<0>(a, 0, 8);
    bfly::<1>(a, 1, 9);
    bfly::<2>(a, 2, 10);
    bfly::<3>(a, 3, 11);
    bfly::<4>(a, 4, 12);
    bfly::<5>(a, 5, 13);
    bfly::<6>(a, 6, 14);
    bfly::<7>(a, 7, 15);
}

/// Partial reduction modulo 257 using 256 = -1 (sphlib `REDS1`).
#[target_feature(enable = "neon")]
#[inline]
unsafe fn reds1(x: int32x4_t) -> int32x4_t {
    vsubq_s32(vandq_s32(x, vdupq_n_s32(0xFF)), vshrq_n_s32::<8>(x))
}

/// Partial reduction modulo 257 using 65536 = 1 (sphlib `REDS2`).
#[target_feature(enable = "neon")]
#[inline]
unsafe fn reds2(x: int32x4_t) -> int32x4_t {
    vaddq_s32(vandq_s32(x, vdupq_n_s32(0xFFFF)), vshrq_n_s32::<16>(x))
}

/// Loads four values `4q..4q + 4` of a 16-value table row.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn load_quarter(row: &[i32; 16], q: usize) -> int32x4_t {
    vld1q_s32(row[4 * q..4 * q + 4].as_ptr())
}

/// Transposes a 4x4 block of values.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn transpose4(r: [int32x4_t; 4]) -> [int32x4_t; 4] {
    let t0 = vreinterpretq_s64_s32(vtrn1q_s32(r[0], r[1]));
    let t1 = vreinterpretq_s64_s32(vtrn2q_s32(r[0], r[1]));
    let t2 = vreinterpretq_s64_s32(vtrn1q_s32(r[2], r[3]));
    let t3 = vreinterpretq_s64_s32(vtrn2q_s32(r[2], r[3]));
    [
        vreinterpretq_s32_s64(vtrn1q_s64(t0, t2)),
        vreinterpretq_s32_s64(vtrn1q_s64(t1, t3)),
        vreinterpretq_s32_s64(vtrn2q_s64(t0, t2)),
        vreinterpretq_s32_s64(vtrn2q_s64(t1, t3)),
    ]
}

/// The message transform of a 64-byte first block (four rows of 16 bytes, the rest zero),
/// with the ordinary-block offsets: `q[r]` lane `l` as the portable `transform::<4>`.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn transform4(x: &[Row; 4]) -> [Row; 16] {
    let zero = vdupq_n_s32(0);
    // Step 1: 16-point transforms down the columns; blocks of 4 rows hold x0, x2, x1, x3.
    let mut y = [[zero; 4]; 16];
    for u in 0..4 {
        y[u] = x[0];
        y[4 + u] = x[2];
        y[8 + u] = x[1];
        y[12 + u] = x[3];
    }
    levels_2_4_8(&mut y, 4);
    // Step 2: twiddles, rows taken in lane order. Both factors fit in 16 bits
    // (|v| <= 272, twiddles <= 256), so the 32-bit product is exact.
    let mut t = [[zero; 4]; 16];
    for lane in 0..16 {
        let k1 = K1_OF_LANE[lane];
        for h in 0..4 {
            let v = reds1(reds2(y[k1][h]));
            t[lane][h] = reds1(vmulq_s32(v, load_quarter(&TWIDDLE[k1], h)));
        }
    }
    // Transpose: z[c][h] is column c of rows 4 h..4 h + 4.
    let mut z = [[zero; 4]; 16];
    for rb in 0..4 {
        for cb in 0..4 {
            let blk: [int32x4_t; 4] = core::array::from_fn(|i| t[4 * rb + i][cb]);
            let tb = transpose4(blk);
            for k in 0..4 {
                z[4 * cb + k][rb] = tb[k];
            }
        }
    }
    // Step 3: 16-point transforms on rows in bit-reversed order.
    const REV: [usize; 16] = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
    let mut q = [[zero; 4]; 16];
    for p in 0..16 {
        q[p] = z[REV[p]];
    }
    for s in (0..16).step_by(2) {
        bfly::<0>(&mut q, s, s + 1);
    }
    levels_2_4_8(&mut q, 2);
    // Offsets, reduction and centring into -128..=128.
    for r in 0..16 {
        for h in 0..4 {
            let v = vaddq_s32(q[r][h], load_quarter(&YOFF_N[r], h));
            let v = reds1(reds1(reds2(v)));
            let neg = vshrq_n_s32::<31>(vsubq_s32(vdupq_n_s32(128), v));
            q[r][h] = vsubq_s32(v, vandq_s32(neg, vdupq_n_s32(257)));
        }
    }
    q
}

/// `INNER` on four lanes: `lo * m` in the low 16 bits, `hi * m` in the high 16 bits.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn pack(lo: int32x4_t, hi: int32x4_t, m: int32x4_t) -> uint32x4_t {
    let l = vreinterpretq_u32_s32(vmulq_s32(lo, m));
    let h = vreinterpretq_u32_s32(vmulq_s32(hi, m));
    vsliq_n_u32::<16>(l, h)
}

/// The 32 steps' message words from the transform (the portable `expand_lanes`).
#[target_feature(enable = "neon")]
#[inline]
unsafe fn expand(q: &[Row; 16]) -> [Oct; 32] {
    let m185 = vdupq_n_s32(185);
    let m233 = vdupq_n_s32(233);
    let mut w = [[vdupq_n_u32(0); 2]; 32];
    for step in 0..8 {
        let (r0, r1) = (WB[0][step], WB[1][step]);
        let (r2, r3) = (WB[2][step] - 16, WB[3][step] - 24);
        w[step] = [pack(q[r0][0], q[r0][2], m185), pack(q[r0][1], q[r0][3], m185)];
        w[8 + step] = [pack(q[r1][0], q[r1][2], m185), pack(q[r1][1], q[r1][3], m185)];
        w[16 + step] = [pack(q[r2][0], q[r2 + 8][0], m233), pack(q[r2][1], q[r2 + 8][1], m233)];
        w[24 + step] = [pack(q[r3][2], q[r3 + 8][2], m233), pack(q[r3][3], q[r3 + 8][3], m233)];
    }
    w
}

/// Every lane of `x` rotated left by `$r` (a literal).
macro_rules! rotl {
    ($x:expr, $r:literal) => {{
        let x: Oct = $x;
        [
            vsriq_n_u32::<{ 32 - $r }>(vshlq_n_u32::<$r>(x[0]), x[0]),
            vsriq_n_u32::<{ 32 - $r }>(vshlq_n_u32::<$r>(x[1]), x[1]),
        ]
    }};
}

/// Lane `n` of the result is lane `n ^ P` of `x`.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn perm<const P: usize>(x: Oct) -> Oct {
    let y = if P >= 4 { [x[1], x[0]] } else { x };
    match P % 4 {
        1 => [vrev64q_u32(y[0]), vrev64q_u32(y[1])],
        2 => [vextq_u32::<2>(y[0], y[0]), vextq_u32::<2>(y[1], y[1])],
        3 => {
            let (a, b) = (vrev64q_u32(y[0]), vrev64q_u32(y[1]));
            [vextq_u32::<2>(a, a), vextq_u32::<2>(b, b)]
        }
        _ => y,
    }
}

/// `$f` (a two-operand intrinsic) on both halves of two eight-lane values.
macro_rules! op2 {
    ($a:expr, $b:expr, $f:ident) => {{
        let (a, b): (Oct, Oct) = ($a, $b);
        [$f(a[0], b[0]), $f(a[1], b[1])]
    }};
}

/// The boolean function of a step: IF (`MAJ == false`) or MAJ.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn fun<const MAJ: bool>(a: Oct, b: Oct, c: Oct) -> Oct {
    let h = |i: usize| {
        if MAJ {
            vorrq_u32(vandq_u32(a[i], b[i]), vandq_u32(vorrq_u32(a[i], b[i]), c[i]))
        } else {
            // (b ^ c) & a ^ c: bit select of b where a is set, c elsewhere.
            vbslq_u32(a[i], b[i], c[i])
        }
    };
    [h(0), h(1)]
}

/// One step on the state rows `[A, B, C, D]` (the portable `State::step`).
macro_rules! step {
    ($st:ident, $w:expr, $r:literal, $s:literal, $p:expr, $maj:literal) => {{
        let [a, b, c, d] = $st;
        let ta = rotl!(a, $r);
        let f = fun::<$maj>(a, b, c);
        let tt = op2!(op2!(d, $w, vaddq_u32), f, vaddq_u32);
        let na = op2!(rotl!(tt, $s), perm::<{ $p }>(ta), vaddq_u32);
        $st = [na, ta, b, c];
    }};
}

macro_rules! round {
    ($st:ident, $w:ident, $i:literal, $p0:literal, $p1:literal, $p2:literal, $p3:literal) => {
        step!($st, $w[8 * $i], $p0, $p1, PP[$i % 7], false);
        step!($st, $w[8 * $i + 1], $p1, $p2, PP[($i + 1) % 7], false);
        step!($st, $w[8 * $i + 2], $p2, $p3, PP[($i + 2) % 7], false);
        step!($st, $w[8 * $i + 3], $p3, $p0, PP[($i + 3) % 7], false);
        step!($st, $w[8 * $i + 4], $p0, $p1, PP[($i + 4) % 7], true);
        step!($st, $w[8 * $i + 5], $p1, $p2, PP[($i + 5) % 7], true);
        step!($st, $w[8 * $i + 6], $p2, $p3, PP[($i + 6) % 7], true);
        step!($st, $w[8 * $i + 7], $p3, $p0, PP[($i + 7) % 7], true);
    };
}

/// Compresses one block (its words `m`, four rows) with its expanded message `w`.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn compress(h: &mut [Oct; 4], m: [Oct; 4], w: &[Oct; 32]) {
    let saved = *h;
    let mut st: [Oct; 4] = core::array::from_fn(|i| op2!(h[i], m[i], veorq_u32));
    round!(st, w, 0, 3, 23, 17, 27);
    round!(st, w, 1, 28, 19, 22, 7);
    round!(st, w, 2, 29, 9, 15, 5);
    round!(st, w, 3, 4, 13, 10, 25);
    step!(st, saved[0], 4, 13, 5, false);
    step!(st, saved[1], 13, 10, 7, false);
    step!(st, saved[2], 10, 25, 4, false);
    step!(st, saved[3], 25, 4, 1, false);
    *h = st;
}

/// Eight words at `words[at..at + 8]` as two registers.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn oct(words: &[u32], at: usize) -> Oct {
    [vld1q_u32(words[at..at + 4].as_ptr()), vld1q_u32(words[at + 4..at + 8].as_ptr())]
}

#[target_feature(enable = "neon")]
unsafe fn digest64_neon(data: &[u8; 64]) -> [u8; 64] {
    // Row j: bytes 16j..16j + 16, each widened to an i32.
    let rows: [Row; 4] = core::array::from_fn(|j| {
        let b = vld1q_u8(data[16 * j..16 * j + 16].as_ptr());
        let lo = vmovl_u8(vget_low_u8(b));
        let hi = vmovl_u8(vget_high_u8(b));
        [
            vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(lo))),
            vreinterpretq_s32_u32(vmovl_u16(vget_high_u16(lo))),
            vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(hi))),
            vreinterpretq_s32_u32(vmovl_u16(vget_high_u16(hi))),
        ]
    });
    let w = expand(&transform4(&rows));
    let words: [u32; 16] = core::array::from_fn(|i| {
        u32::from_le_bytes([data[4 * i], data[4 * i + 1], data[4 * i + 2], data[4 * i + 3]])
    });
    let zero = [vdupq_n_u32(0); 2];
    let m = [oct(&words, 0), oct(&words, 8), zero, zero];
    let mut h: [Oct; 4] = core::array::from_fn(|i| oct(&IV512, 8 * i));
    compress(&mut h, m, &w);
    // The final block: the length in bits, 512, and its precomputed message words.
    let fw: [Oct; 32] = core::array::from_fn(|i| oct(&FINAL64_W[i], 0));
    let len = [vsetq_lane_u32::<0>(512, vdupq_n_u32(0)), vdupq_n_u32(0)];
    compress(&mut h, [len, zero, zero, zero], &fw);
    let mut out = [0u8; 64];
    for (i, r) in [h[0][0], h[0][1], h[1][0], h[1][1]].into_iter().enumerate() {
        vst1q_u8(out[16 * i..16 * i + 16].as_mut_ptr(), vreinterpretq_u8_u32(r));
    }
    out
}

/// SIMD-512 of 64 bytes with NEON. Installed only when `neon` is detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after
    // `is_aarch64_feature_detected!("neon")` returned true; every load and store goes
    // through a slice of exactly the bytes it touches.
    unsafe { digest64_neon(data) }
}
