//! SHAvite-3-512 on 64-byte input with the ARMv8 AES instructions: the state quarters and the
//! 128-bit round-key groups are `uint32x4_t`. ARM's `aese` XORs its key in before SubBytes,
//! which is where SHAvite-3's F XORs each key group, so every round of F is one `aese` keyed
//! by the group and one `aesmc`; the key schedule's keyless rounds use a zero key, its word
//! rotations and the linear step's word window are `ext`. Same function as
//! [`crate::hash::x11::shavite::digest64`].

use core::arch::aarch64::*;

/// SHAvite-3-512 initial chaining value (sphlib `IV512`), four words per quarter.
const IV: [[u32; 4]; 4] = [
    [0x72FCCDD8, 0x79CA4727, 0x128A077B, 0x40D55AEC],
    [0xD1901A06, 0x430AE307, 0xB29F5CD1, 0xDF07FBFC],
    [0x8E45D73D, 0x681AB538, 0xBDE86578, 0xDD577E47],
    [0xE275EADE, 0x502D9FCD, 0xB9357178, 0x022A4B9A],
];

#[target_feature(enable = "neon,aes")]
#[inline]
unsafe fn set(w: [u32; 4]) -> uint32x4_t {
    vld1q_u32(w.as_ptr())
}

/// One AES round without AddRoundKey on `x ^ k`.
#[target_feature(enable = "neon,aes")]
#[inline]
unsafe fn aes(x: uint32x4_t, k: uint32x4_t) -> uint32x4_t {
    vreinterpretq_u32_u8(vaesmcq_u8(vaeseq_u8(vreinterpretq_u8_u32(x), vreinterpretq_u8_u32(k))))
}

/// The round function F: four AES rounds, each preceded by the XOR of a key group.
#[target_feature(enable = "neon,aes")]
#[inline]
unsafe fn f(x: uint32x4_t, k: &[uint32x4_t; 8], at: usize) -> uint32x4_t {
    aes(aes(aes(aes(x, k[at]), k[at + 1]), k[at + 2]), k[at + 3])
}

/// Nonlinear key-schedule step: group g becomes AES(group rotated by one word) XOR the
/// (updated) group before it; `inject` is XORed into group `at` (`at == 8`: none).
#[target_feature(enable = "neon,aes")]
#[inline]
unsafe fn expand_nonlinear(k: &mut [uint32x4_t; 8], at: usize, inject: uint32x4_t) {
    let zero = vdupq_n_u32(0);
    for g in 0..8 {
        let x = aes(vextq_u32::<1>(k[g], k[g]), zero);
        let mut y = veorq_u32(x, k[(g + 7) % 8]);
        if g == at {
            y = veorq_u32(y, inject);
        }
        k[g] = y;
    }
}

/// Linear key-schedule step: word j gets word j - 7 (already updated) XORed in.
#[target_feature(enable = "neon,aes")]
#[inline]
unsafe fn expand_linear(k: &mut [uint32x4_t; 8]) {
    for g in 0..8 {
        // Words 4g - 7 .. 4g - 3: the top three of group g - 2 and the first of group g - 1.
        let t = vextq_u32::<1>(k[(g + 6) % 8], k[(g + 7) % 8]);
        k[g] = veorq_u32(k[g], t);
    }
}

#[target_feature(enable = "neon,aes")]
unsafe fn digest64_aes(data: &[u8; 64]) -> [u8; 64] {
    let zero = vdupq_n_u32(0);
    let mut k = [zero; 8];
    for (g, kg) in k.iter_mut().take(4).enumerate() {
        // SAFETY (caller's): bytes 16g..16g + 16 lie inside the 64-byte array.
        *kg = vreinterpretq_u32_u8(vld1q_u8(data.as_ptr().add(16 * g)));
    }
    // Padding byte, zeros, the bit length 512 at bytes 110..126 and the digest size 512 at
    // bytes 126..128 (little-endian).
    k[4] = set([0x80, 0, 0, 0]);
    k[6] = set([0, 0, 0, 0x0200_0000]);
    k[7] = set([0, 0, 0, 0x0200_0000]);
    // The bit counter is 512: sphlib injects (c0, c1, c2, !c3) and its rotations.
    let c = [512u32, 0, 0, 0];
    let inject = [
        set([c[0], c[1], c[2], !c[3]]),
        set([c[3], c[2], c[1], !c[0]]),
        set([c[2], c[3], c[0], !c[1]]),
        set([c[1], c[0], c[3], !c[2]]),
    ];
    let h = [set(IV[0]), set(IV[1]), set(IV[2]), set(IV[3])];
    let mut p = h;
    for r in 0..14 {
        match r {
            0 => {}
            1 => expand_nonlinear(&mut k, 0, inject[0]),
            5 => expand_nonlinear(&mut k, 1, inject[1]),
            9 => expand_nonlinear(&mut k, 7, inject[2]),
            13 => expand_nonlinear(&mut k, 6, inject[3]),
            3 | 7 | 11 => expand_nonlinear(&mut k, 8, zero),
            _ => expand_linear(&mut k),
        }
        p[0] = veorq_u32(p[0], f(p[1], &k, 0));
        p[2] = veorq_u32(p[2], f(p[3], &k, 4));
        p = [p[3], p[0], p[1], p[2]];
    }
    let mut out = [0u8; 64];
    for q in 0..4 {
        // SAFETY (caller's): bytes 16q..16q + 16 lie inside the 64-byte array.
        vst1q_u8(out.as_mut_ptr().add(16 * q), vreinterpretq_u8_u32(veorq_u32(h[q], p[q])));
    }
    out
}

/// SHAvite-3-512 of 64 bytes with the ARMv8 AES instructions. Installed only when `neon` and
/// `aes` are detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after
    // `is_aarch64_feature_detected!` confirmed `neon` and `aes`; the loads and stores stay
    // inside the 64-byte arrays.
    unsafe { digest64_aes(data) }
}
