//! SIMD-512 on 64-byte input with AVX2. Same function as
//! [`crate::hash::x11::simd::digest64`], in the same layout:
//! - the message transform keeps each row of 16 values as two `__m256i` of eight `i32`
//!   (lanes 0..8 and 8..16); every butterfly, reduction and twiddle product is lane-wise, the
//!   twiddle product a `vpmaddwd` (both factors fit in 16 bits), the transpose four 8x8
//!   blocks of unpacks and 128-bit lane moves;
//! - the expanded message words pack two rows' low 16 bits with `vpmullw`;
//! - the compression keeps each state row (eight words) in one `__m256i`, so a step is a
//!   handful of vector operations and its lane permutation `n -> n ^ P` one shuffle.

use core::arch::x86_64::*;

use crate::hash::x11::simd::{FINAL64_W, IV512, K1_OF_LANE, PP, TWIDDLE, WB, YOFF_N};

/// One row of 16 transform values: lanes 0..8 and 8..16.
type Row = [__m256i; 2];

/// `(s, t) <- (s + t 2^E, s - t 2^E)` on rows `i` and `j`.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn bfly<const E: i32>(a: &mut [Row; 16], i: usize, j: usize) {
    for h in 0..2 {
        let s = a[i][h];
        let n = _mm256_slli_epi32::<E>(a[j][h]);
        a[i][h] = _mm256_add_epi32(s, n);
        a[j][h] = _mm256_sub_epi32(s, n);
    }
}

/// Levels `from_h`..=8 of the 16-point transform with root 2 (as the portable
/// `levels_2_4_8`).
#[target_feature(enable = "avx2")]
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
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn reds1(x: __m256i) -> __m256i {
    _mm256_sub_epi32(_mm256_and_si256(x, _mm256_set1_epi32(0xFF)), _mm256_srai_epi32::<8>(x))
}

/// Partial reduction modulo 257 using 65536 = 1 (sphlib `REDS2`).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn reds2(x: __m256i) -> __m256i {
    _mm256_add_epi32(_mm256_and_si256(x, _mm256_set1_epi32(0xFFFF)), _mm256_srai_epi32::<16>(x))
}

/// Loads eight `i32` of a 16-value table row (`half` 0 or 1).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn load_half(row: &[i32; 16], half: usize) -> __m256i {
    // SAFETY (caller's): `half` < 2, so the eight values 8 half..8 half + 8 are in `row`.
    _mm256_loadu_si256(row.as_ptr().add(8 * half).cast())
}

/// Transposes the 8x8 block of rows `r` in place.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn transpose8(r: [__m256i; 8]) -> [__m256i; 8] {
    let t0 = _mm256_unpacklo_epi32(r[0], r[1]);
    let t1 = _mm256_unpackhi_epi32(r[0], r[1]);
    let t2 = _mm256_unpacklo_epi32(r[2], r[3]);
    let t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    let t4 = _mm256_unpacklo_epi32(r[4], r[5]);
    let t5 = _mm256_unpackhi_epi32(r[4], r[5]);
    let t6 = _mm256_unpacklo_epi32(r[6], r[7]);
    let t7 = _mm256_unpackhi_epi32(r[6], r[7]);
    let u0 = _mm256_unpacklo_epi64(t0, t2);
    let u1 = _mm256_unpackhi_epi64(t0, t2);
    let u2 = _mm256_unpacklo_epi64(t1, t3);
    let u3 = _mm256_unpackhi_epi64(t1, t3);
    let u4 = _mm256_unpacklo_epi64(t4, t6);
    let u5 = _mm256_unpackhi_epi64(t4, t6);
    let u6 = _mm256_unpacklo_epi64(t5, t7);
    let u7 = _mm256_unpackhi_epi64(t5, t7);
    [
        _mm256_permute2x128_si256::<0x20>(u0, u4),
        _mm256_permute2x128_si256::<0x20>(u1, u5),
        _mm256_permute2x128_si256::<0x20>(u2, u6),
        _mm256_permute2x128_si256::<0x20>(u3, u7),
        _mm256_permute2x128_si256::<0x31>(u0, u4),
        _mm256_permute2x128_si256::<0x31>(u1, u5),
        _mm256_permute2x128_si256::<0x31>(u2, u6),
        _mm256_permute2x128_si256::<0x31>(u3, u7),
    ]
}

/// The message transform of a 64-byte first block (four rows of 16 bytes, the rest zero),
/// with the ordinary-block offsets: `q[r][lane]` as the portable `transform::<4>`.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn transform4(x: &[Row; 4]) -> [Row; 16] {
    // Step 1: 16-point transforms down the columns; blocks of 4 rows hold x0, x2, x1, x3.
    let mut y = [[_mm256_setzero_si256(); 2]; 16];
    for u in 0..4 {
        y[u] = x[0];
        y[4 + u] = x[2];
        y[8 + u] = x[1];
        y[12 + u] = x[3];
    }
    levels_2_4_8(&mut y, 4);
    // Step 2: twiddles, rows taken in lane order.
    let mut t = [[_mm256_setzero_si256(); 2]; 16];
    for lane in 0..16 {
        let k1 = K1_OF_LANE[lane];
        for h in 0..2 {
            let v = reds1(reds2(y[k1][h]));
            // Both factors fit in 16 bits (|v| <= 272, twiddles <= 256) and `v`'s high half
            // is its sign extension, so the 16-bit multiply-add is the full product.
            t[lane][h] = reds1(_mm256_madd_epi16(v, load_half(&TWIDDLE[k1], h)));
        }
    }
    // Transpose: z[c][h] is column c of rows 8 h..8 h + 8.
    let mut z = [[_mm256_setzero_si256(); 2]; 16];
    for rb in 0..2 {
        for cb in 0..2 {
            let blk: [__m256i; 8] = core::array::from_fn(|i| t[8 * rb + i][cb]);
            let tb = transpose8(blk);
            for k in 0..8 {
                z[8 * cb + k][rb] = tb[k];
            }
        }
    }
    // Step 3: 16-point transforms on rows in bit-reversed order.
    const REV: [usize; 16] = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
    let mut q = [[_mm256_setzero_si256(); 2]; 16];
    for p in 0..16 {
        q[p] = z[REV[p]];
    }
    for s in (0..16).step_by(2) {
        bfly::<0>(&mut q, s, s + 1);
    }
    levels_2_4_8(&mut q, 2);
    // Offsets, reduction and centring into -128..=128.
    for r in 0..16 {
        for h in 0..2 {
            let v = _mm256_add_epi32(q[r][h], load_half(&YOFF_N[r], h));
            let v = reds1(reds1(reds2(v)));
            let neg = _mm256_srai_epi32::<31>(_mm256_sub_epi32(_mm256_set1_epi32(128), v));
            q[r][h] = _mm256_sub_epi32(v, _mm256_and_si256(neg, _mm256_set1_epi32(257)));
        }
    }
    q
}

/// `INNER` on eight lanes: `lo * m` in the low 16 bits, `hi * m` in the high 16 bits.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn pack(lo: __m256i, hi: __m256i, m: __m256i) -> __m256i {
    // `m` holds the multiplier in each lane's low 16 bits and zero above, so `vpmullw` leaves
    // the low 16 bits of the product with zero above.
    let l = _mm256_mullo_epi16(lo, m);
    let h = _mm256_slli_epi32::<16>(_mm256_mullo_epi16(hi, m));
    _mm256_or_si256(l, h)
}

/// The 32 steps' message words from the transform (the portable `expand_lanes`).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn expand(q: &[Row; 16]) -> [__m256i; 32] {
    let m185 = _mm256_set1_epi32(185);
    let m233 = _mm256_set1_epi32(233);
    let mut w = [_mm256_setzero_si256(); 32];
    for step in 0..8 {
        let (r0, r1) = (WB[0][step], WB[1][step]);
        let (r2, r3) = (WB[2][step] - 16, WB[3][step] - 24);
        w[step] = pack(q[r0][0], q[r0][1], m185);
        w[8 + step] = pack(q[r1][0], q[r1][1], m185);
        w[16 + step] = pack(q[r2][0], q[r2 + 8][0], m233);
        w[24 + step] = pack(q[r3][1], q[r3 + 8][1], m233);
    }
    w
}

#[target_feature(enable = "avx2")]
#[inline]
unsafe fn rotl<const R: i32>(x: __m256i) -> __m256i {
    _mm256_or_si256(
        _mm256_sll_epi32(x, _mm_cvtsi32_si128(R)),
        _mm256_srl_epi32(x, _mm_cvtsi32_si128(32 - R)),
    )
}

/// Lane `n` of the result is lane `n ^ P` of `x`.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn perm<const P: usize>(x: __m256i) -> __m256i {
    let y = if P >= 4 { _mm256_permute4x64_epi64::<0x4E>(x) } else { x };
    match P % 4 {
        1 => _mm256_shuffle_epi32::<0xB1>(y),
        2 => _mm256_shuffle_epi32::<0x4E>(y),
        3 => _mm256_shuffle_epi32::<0x1B>(y),
        _ => y,
    }
}

/// One step on the state rows `[A, B, C, D]` (the portable `State::step`).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn step<const R: i32, const S: i32, const P: usize, const MAJ: bool>(
    st: &mut [__m256i; 4],
    w: __m256i,
) {
    let [a, b, c, d] = *st;
    let ta = rotl::<R>(a);
    let f = if MAJ {
        _mm256_or_si256(_mm256_and_si256(a, b), _mm256_and_si256(_mm256_or_si256(a, b), c))
    } else {
        _mm256_xor_si256(_mm256_and_si256(_mm256_xor_si256(b, c), a), c)
    };
    let tt = _mm256_add_epi32(_mm256_add_epi32(d, w), f);
    let na = _mm256_add_epi32(rotl::<S>(tt), perm::<P>(ta));
    *st = [na, ta, b, c];
}

macro_rules! round {
    ($st:ident, $w:ident, $i:literal, $p0:literal, $p1:literal, $p2:literal, $p3:literal) => {
        step::<$p0, $p1, { PP[$i % 7] }, false>(&mut $st, $w[8 * $i]);
        step::<$p1, $p2, { PP[($i + 1) % 7] }, false>(&mut $st, $w[8 * $i + 1]);
        step::<$p2, $p3, { PP[($i + 2) % 7] }, false>(&mut $st, $w[8 * $i + 2]);
        step::<$p3, $p0, { PP[($i + 3) % 7] }, false>(&mut $st, $w[8 * $i + 3]);
        step::<$p0, $p1, { PP[($i + 4) % 7] }, true>(&mut $st, $w[8 * $i + 4]);
        step::<$p1, $p2, { PP[($i + 5) % 7] }, true>(&mut $st, $w[8 * $i + 5]);
        step::<$p2, $p3, { PP[($i + 6) % 7] }, true>(&mut $st, $w[8 * $i + 6]);
        step::<$p3, $p0, { PP[($i + 7) % 7] }, true>(&mut $st, $w[8 * $i + 7]);
    };
}

/// Compresses one block (its words `m`, four rows) with its expanded message `w`.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn compress(h: &mut [__m256i; 4], m: [__m256i; 4], w: &[__m256i; 32]) {
    let saved = *h;
    let mut st: [__m256i; 4] = core::array::from_fn(|i| _mm256_xor_si256(h[i], m[i]));
    round!(st, w, 0, 3, 23, 17, 27);
    round!(st, w, 1, 28, 19, 22, 7);
    round!(st, w, 2, 29, 9, 15, 5);
    round!(st, w, 3, 4, 13, 10, 25);
    step::<4, 13, 5, false>(&mut st, saved[0]);
    step::<13, 10, 7, false>(&mut st, saved[1]);
    step::<10, 25, 4, false>(&mut st, saved[2]);
    step::<25, 4, 1, false>(&mut st, saved[3]);
    *h = st;
}

#[target_feature(enable = "avx2")]
unsafe fn digest64_avx2(data: &[u8; 64]) -> [u8; 64] {
    let p = data.as_ptr();
    // SAFETY (caller's): every load below reads 8 or 32 bytes at offsets inside the 64-byte
    // array (at most 56 + 8 and 32 + 32).
    let rows: [Row; 4] = core::array::from_fn(|j| {
        [
            _mm256_cvtepu8_epi32(_mm_loadl_epi64(p.add(16 * j).cast())),
            _mm256_cvtepu8_epi32(_mm_loadl_epi64(p.add(16 * j + 8).cast())),
        ]
    });
    let w = expand(&transform4(&rows));
    let m = [
        _mm256_loadu_si256(p.cast()),
        _mm256_loadu_si256(p.add(32).cast()),
        _mm256_setzero_si256(),
        _mm256_setzero_si256(),
    ];
    // SAFETY (caller's): IV512 holds 32 words, four 8-word loads.
    let mut h: [__m256i; 4] =
        core::array::from_fn(|i| _mm256_loadu_si256(IV512.as_ptr().add(8 * i).cast()));
    compress(&mut h, m, &w);
    // The final block: the length in bits, 512, and its precomputed message words.
    // SAFETY (caller's): FINAL64_W holds 32 rows of eight words.
    let fw: [__m256i; 32] =
        core::array::from_fn(|i| _mm256_loadu_si256(FINAL64_W[i].as_ptr().cast()));
    let zero = _mm256_setzero_si256();
    compress(&mut h, [_mm256_setr_epi32(512, 0, 0, 0, 0, 0, 0, 0), zero, zero, zero], &fw);
    let mut out = [0u8; 64];
    // SAFETY (caller's): two 32-byte stores inside the 64-byte array.
    _mm256_storeu_si256(out.as_mut_ptr().cast(), h[0]);
    _mm256_storeu_si256(out.as_mut_ptr().add(32).cast(), h[1]);
    out
}

/// SIMD-512 of 64 bytes with AVX2. Installed only when `avx2` is detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after
    // `is_x86_feature_detected!("avx2")` returned true; every load and store stays inside
    // its array.
    unsafe { digest64_avx2(data) }
}
