//! ECHO-512 on 64-byte input with the ARMv8 AES instructions: each 128-bit word of the state
//! is one `uint8x16_t`, a SubWords step is `aese`/`aesmc` twice (the counter entering as the
//! key of the second `aese`, which XORs it in before that round's SubBytes, exactly where
//! the first full round's AddRoundKey puts it), and the bytewise MixColumns is NEON
//! arithmetic on whole words. Same function as [`crate::hash::x11::echo::digest64`].

use core::arch::aarch64::*;

/// Multiplies every byte by 2 in GF(2^8) (AES polynomial).
#[target_feature(enable = "neon,aes")]
#[inline]
unsafe fn xtime(x: uint8x16_t) -> uint8x16_t {
    let top = vreinterpretq_u8_s8(vshrq_n_s8::<7>(vreinterpretq_s8_u8(x)));
    veorq_u8(vaddq_u8(x, x), vandq_u8(top, vdupq_n_u8(0x1b)))
}

/// AES MixColumns on one column of four 128-bit words, bytewise.
#[target_feature(enable = "neon,aes")]
#[inline]
unsafe fn mix_column(
    a: uint8x16_t,
    b: uint8x16_t,
    c: uint8x16_t,
    d: uint8x16_t,
) -> [uint8x16_t; 4] {
    let ab = veorq_u8(a, b);
    let bc = veorq_u8(b, c);
    let cd = veorq_u8(c, d);
    let abx = xtime(ab);
    let bcx = xtime(bc);
    let cdx = xtime(cd);
    [
        veorq_u8(veorq_u8(abx, bc), d),
        veorq_u8(veorq_u8(bcx, a), cd),
        veorq_u8(veorq_u8(cdx, ab), d),
        veorq_u8(veorq_u8(abx, bcx), veorq_u8(veorq_u8(cdx, ab), c)),
    ]
}

/// A 128-bit little-endian word whose low 64 bits are `k`.
#[target_feature(enable = "neon,aes")]
#[inline]
unsafe fn word64(k: u64) -> uint8x16_t {
    vreinterpretq_u8_u64(vsetq_lane_u64::<0>(k, vdupq_n_u64(0)))
}

/// SubWords on one word: two AES rounds, the first keyed by the counter `k`.
#[target_feature(enable = "neon,aes")]
#[inline]
unsafe fn sub_word(w: uint8x16_t, k: u64) -> uint8x16_t {
    let zero = vdupq_n_u8(0);
    vaesmcq_u8(vaeseq_u8(vaesmcq_u8(vaeseq_u8(w, zero)), word64(k)))
}

/// The word that ShiftRows brings to column `c`, row `r`.
const fn src(c: usize, r: usize) -> usize {
    4 * ((c + r) % 4) + r
}

#[target_feature(enable = "neon,aes")]
unsafe fn digest64_aes(data: &[u8; 64]) -> [u8; 64] {
    let iv = word64(512);
    let mut m = [vdupq_n_u8(0); 4];
    for (i, w) in m.iter_mut().enumerate() {
        // SAFETY (caller's): bytes 16i..16i + 16 lie inside the 64-byte array.
        *w = vld1q_u8(data.as_ptr().add(16 * i));
    }
    let mut w = [iv; 16];
    w[8..12].copy_from_slice(&m);
    // Padding byte, zeros, the digest size 512 at bytes 110..112 and the bit length 512 at
    // bytes 112..128 of the block (little-endian).
    w[12] = word64(0x80);
    w[13] = vdupq_n_u8(0);
    w[14] = vreinterpretq_u8_u64(vsetq_lane_u64::<1>(0x0200 << 48, vdupq_n_u64(0)));
    w[15] = word64(0x0200);
    for r in 0..9u64 {
        let k = 512 + 16 * r;
        let mut s = [vdupq_n_u8(0); 16];
        for (n, sn) in s.iter_mut().enumerate() {
            *sn = sub_word(w[n], k + n as u64);
        }
        for c in 0..4 {
            let col = mix_column(s[src(c, 0)], s[src(c, 1)], s[src(c, 2)], s[src(c, 3)]);
            w[4 * c..4 * c + 4].copy_from_slice(&col);
        }
    }
    // Round 9: only columns 0 and 2 (words 0..4 and 8..12) reach the digest.
    let k = 512 + 16 * 9;
    let mut s = [vdupq_n_u8(0); 8];
    for r in 0..4 {
        s[r] = sub_word(w[src(0, r)], k + src(0, r) as u64);
        s[4 + r] = sub_word(w[src(2, r)], k + src(2, r) as u64);
    }
    let c0 = mix_column(s[0], s[1], s[2], s[3]);
    let c2 = mix_column(s[4], s[5], s[6], s[7]);
    let mut out = [0u8; 64];
    for u in 0..4 {
        let v = veorq_u8(veorq_u8(iv, m[u]), veorq_u8(c0[u], c2[u]));
        // SAFETY (caller's): bytes 16u..16u + 16 lie inside the 64-byte array.
        vst1q_u8(out.as_mut_ptr().add(16 * u), v);
    }
    out
}

/// ECHO-512 of 64 bytes with the ARMv8 AES instructions. Installed only when `neon` and `aes`
/// are detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after
    // `is_aarch64_feature_detected!` confirmed `neon` and `aes`; the loads and stores stay
    // inside the 64-byte arrays.
    unsafe { digest64_aes(data) }
}
