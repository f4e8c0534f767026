//! Luffa-512 on 64-byte input with AVX2. Same function as
//! [`crate::hash::x11::luffa::digest64`], with the state transposed: register `k` holds word
//! `k` of the five chains in lanes 0..5 (lanes 5..8 carry values that are never read), so
//! the eight rounds of `P5` are plain lane-wise SubCrumb/MixWord on eight registers for all
//! chains at once, the tweak is a per-lane variable rotation, and the message injection's
//! chain-to-chain XORs are lane permutations.

use core::arch::x86_64::*;

use crate::hash::x11::luffa::{RC0, RC4, V_INIT};

/// Eight words of every chain: `s[k]` lane `j` is word `k` of chain `j`.
type St = [__m256i; 8];

/// A per-round table of five chain values, padded to eight lanes.
const fn pad(t: [[u32; 5]; 8]) -> [[u32; 8]; 8] {
    let mut p = [[0u32; 8]; 8];
    let mut r = 0;
    while r < 8 {
        let mut j = 0;
        while j < 5 {
            p[r][j] = t[r][j];
            j += 1;
        }
        r += 1;
    }
    p
}

const RC0_L: [[u32; 8]; 8] = pad(RC0);
const RC4_L: [[u32; 8]; 8] = pad(RC4);
/// The initial chains, word-major.
const INIT_L: [[u32; 8]; 8] = {
    let mut p = [[0u32; 8]; 8];
    let mut k = 0;
    while k < 8 {
        let mut j = 0;
        while j < 5 {
            p[k][j] = V_INIT[j][k];
            j += 1;
        }
        k += 1;
    }
    p
};

#[target_feature(enable = "avx2")]
#[inline]
unsafe fn load8(row: &[u32; 8]) -> __m256i {
    // SAFETY (caller's): `row` holds exactly the eight words read.
    _mm256_loadu_si256(row.as_ptr().cast())
}

#[target_feature(enable = "avx2")]
#[inline]
unsafe fn rotl<const R: i32>(x: __m256i) -> __m256i {
    _mm256_or_si256(
        _mm256_sll_epi32(x, _mm_cvtsi32_si128(R)),
        _mm256_srl_epi32(x, _mm_cvtsi32_si128(32 - R)),
    )
}

/// Multiplication by 2 (sphlib `M2`) of every chain.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn m2(s: &St) -> St {
    let t = s[7];
    [
        t,
        _mm256_xor_si256(s[0], t),
        s[1],
        _mm256_xor_si256(s[2], t),
        _mm256_xor_si256(s[3], t),
        s[4],
        s[5],
        s[6],
    ]
}

#[target_feature(enable = "avx2")]
#[inline]
unsafe fn xor8(a: &St, b: &St) -> St {
    core::array::from_fn(|k| _mm256_xor_si256(a[k], b[k]))
}

/// Lane `j` of each word takes lane `idx[j]`.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn lanes(s: &St, idx: __m256i) -> St {
    core::array::from_fn(|k| _mm256_permutevar8x32_epi32(s[k], idx))
}

/// The XOR of lanes 0..5 of `x`, in every lane.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn sum5(x: __m256i) -> __m256i {
    let x = _mm256_and_si256(x, _mm256_setr_epi32(-1, -1, -1, -1, -1, 0, 0, 0));
    let x = _mm256_xor_si256(x, _mm256_permute4x64_epi64::<0x4E>(x));
    let x = _mm256_xor_si256(x, _mm256_shuffle_epi32::<0x4E>(x));
    _mm256_xor_si256(x, _mm256_shuffle_epi32::<0xB1>(x))
}

/// Message injection `MI5` of eight big-endian words `m` (the portable `State::inject`).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn inject(v: &mut St, m: Option<&[u32; 8]>) {
    let sum: St = core::array::from_fn(|k| sum5(v[k]));
    let a = m2(&sum);
    let v0 = xor8(v, &a);
    // Chain j becomes M2(chain j) ^ chain j + 1, then M2(that) ^ (chain j - 1 of that).
    let t = xor8(&m2(&v0), &lanes(&v0, _mm256_setr_epi32(1, 2, 3, 4, 0, 5, 6, 7)));
    let u = xor8(&m2(&t), &lanes(&t, _mm256_setr_epi32(4, 0, 1, 2, 3, 5, 6, 7)));
    *v = u;
    if let Some(m) = m {
        // Chain j receives M2^j(m): the broadcast message, multiplied once more per lane.
        let mut p: St = core::array::from_fn(|k| _mm256_set1_epi32(m[k] as i32));
        let mut mv = p;
        p = m2(&p);
        mv = core::array::from_fn(|k| _mm256_blend_epi32::<0x02>(mv[k], p[k]));
        p = m2(&p);
        mv = core::array::from_fn(|k| _mm256_blend_epi32::<0x04>(mv[k], p[k]));
        p = m2(&p);
        mv = core::array::from_fn(|k| _mm256_blend_epi32::<0x08>(mv[k], p[k]));
        p = m2(&p);
        mv = core::array::from_fn(|k| _mm256_blend_epi32::<0x10>(mv[k], p[k]));
        *v = xor8(v, &mv);
    }
}

/// The 4-bit S-box, bitsliced (sphlib `SUB_CRUMB`).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn sub_crumb(a0: &mut __m256i, a1: &mut __m256i, a2: &mut __m256i, a3: &mut __m256i) {
    let ones = _mm256_set1_epi32(-1);
    let tmp = *a0;
    *a0 = _mm256_or_si256(*a0, *a1);
    *a2 = _mm256_xor_si256(*a2, *a3);
    *a1 = _mm256_xor_si256(*a1, ones);
    *a0 = _mm256_xor_si256(*a0, *a3);
    *a3 = _mm256_and_si256(*a3, tmp);
    *a1 = _mm256_xor_si256(*a1, *a3);
    *a3 = _mm256_xor_si256(*a3, *a2);
    *a2 = _mm256_and_si256(*a2, *a0);
    *a0 = _mm256_xor_si256(*a0, ones);
    *a2 = _mm256_xor_si256(*a2, *a1);
    *a1 = _mm256_or_si256(*a1, *a3);
    let tmp = _mm256_xor_si256(tmp, *a1);
    *a3 = _mm256_xor_si256(*a3, *a2);
    *a2 = _mm256_and_si256(*a2, *a1);
    *a1 = _mm256_xor_si256(*a1, *a0);
    *a0 = tmp;
}

/// The word-mixing step (sphlib `MIX_WORD`).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn mix_word(u: &mut __m256i, v: &mut __m256i) {
    *v = _mm256_xor_si256(*v, *u);
    *u = _mm256_xor_si256(rotl::<2>(*u), *v);
    *v = _mm256_xor_si256(rotl::<14>(*v), *u);
    *u = _mm256_xor_si256(rotl::<10>(*u), *v);
    *v = rotl::<1>(*v);
}

/// The permutation `P5` on all chains: tweak, then eight rounds.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn permute(v: &mut St) {
    // Chain j's words 4..8 rotate left by j (a right shift by 32 gives zero).
    let left = _mm256_setr_epi32(0, 1, 2, 3, 4, 0, 0, 0);
    let right = _mm256_setr_epi32(32, 31, 30, 29, 28, 32, 32, 32);
    for k in 4..8 {
        v[k] = _mm256_or_si256(_mm256_sllv_epi32(v[k], left), _mm256_srlv_epi32(v[k], right));
    }
    let [mut x0, mut x1, mut x2, mut x3, mut x4, mut x5, mut x6, mut x7] = *v;
    for r in 0..8 {
        sub_crumb(&mut x0, &mut x1, &mut x2, &mut x3);
        sub_crumb(&mut x5, &mut x6, &mut x7, &mut x4);
        mix_word(&mut x0, &mut x4);
        mix_word(&mut x1, &mut x5);
        mix_word(&mut x2, &mut x6);
        mix_word(&mut x3, &mut x7);
        x0 = _mm256_xor_si256(x0, load8(&RC0_L[r]));
        x4 = _mm256_xor_si256(x4, load8(&RC4_L[r]));
    }
    *v = [x0, x1, x2, x3, x4, x5, x6, x7];
}

/// The XOR of the five chains as 32 big-endian bytes.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn output(v: &St, out: &mut [u8]) {
    for (k, c) in out.chunks_exact_mut(4).enumerate() {
        let w = _mm256_cvtsi256_si32(sum5(v[k])) as u32;
        c.copy_from_slice(&w.to_be_bytes());
    }
}

#[target_feature(enable = "avx2")]
unsafe fn digest64_avx2(data: &[u8; 64]) -> [u8; 64] {
    let mut v: St = core::array::from_fn(|k| load8(&INIT_L[k]));
    for block in data.chunks_exact(32) {
        let m: [u32; 8] = core::array::from_fn(|k| {
            u32::from_be_bytes([block[4 * k], block[4 * k + 1], block[4 * k + 2], block[4 * k + 3]])
        });
        inject(&mut v, Some(&m));
        permute(&mut v);
    }
    // The padding block (0x80 then zeros), then two blank rounds giving 32 bytes each.
    inject(&mut v, Some(&[0x8000_0000, 0, 0, 0, 0, 0, 0, 0]));
    permute(&mut v);
    let mut out = [0u8; 64];
    inject(&mut v, None);
    permute(&mut v);
    output(&v, &mut out[..32]);
    inject(&mut v, None);
    permute(&mut v);
    output(&v, &mut out[32..]);
    out
}

/// Luffa-512 of 64 bytes with AVX2. Installed only when `avx2` is detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after
    // `is_x86_feature_detected!("avx2")` returned true; every load stays inside its table.
    unsafe { digest64_avx2(data) }
}
