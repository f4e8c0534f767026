//! Grøstl-512 on 64-byte input with the ARMv8 AES instructions: the 8 × 16 byte state is held
//! as eight `uint8x16_t` rows, so MixBytes is GF(2^8) arithmetic on whole registers, and
//! SubBytes with the row rotation of ShiftBytes is one `tbl` (which also undoes AES's own
//! ShiftRows) followed by `aese` with a zero key (SubBytes and ShiftRows, no MixColumns).
//! P and Q of the compression run interleaved. Same function as
//! [`crate::hash::x11::groestl::digest64`].

use core::arch::aarch64::*;

/// Row shifts of P (row i of output column j reads input column j + shift\[i\]).
const SHIFT_P: [usize; 8] = [0, 1, 2, 3, 4, 5, 6, 11];
/// Row shifts of Q.
const SHIFT_Q: [usize; 8] = [1, 3, 5, 11, 0, 2, 4, 6];

/// `tbl` indices: for row i, the byte order whose AES ShiftRows is the row rotated left by
/// `shift[i]` bytes, so that `aese(tbl(row, mask), 0)` = SubBytes(rotated row).
const fn masks(shift: [usize; 8]) -> [[u8; 16]; 8] {
    let mut m = [[0u8; 16]; 8];
    let mut i = 0;
    while i < 8 {
        let mut t = 0;
        while t < 16 {
            // ShiftRows moves byte 4((c + r) % 4) + r to 4c + r; its inverse sends position
            // t = 4c' + r back to 4((c' - r) % 4) + r.
            let (c, r) = (t / 4, t % 4);
            let b = 4 * ((c + 4 - r) % 4) + r;
            m[i][t] = ((b + shift[i]) % 16) as u8;
            t += 1;
        }
        i += 1;
    }
    m
}

const MASK_P: [[u8; 16]; 8] = masks(SHIFT_P);
const MASK_Q: [[u8; 16]; 8] = masks(SHIFT_Q);

/// Byte j is j << 4: row 0 of P's round-0 constant (row 7 of Q's, before complementing).
const COLUMNS: [u8; 16] = {
    let mut c = [0u8; 16];
    let mut j = 0;
    while j < 16 {
        c[j] = (j as u8) << 4;
        j += 1;
    }
    c
};

/// Multiplies every byte by 2 in GF(2^8).
#[target_feature(enable = "neon,aes")]
#[inline]
unsafe fn xtime(x: uint8x16_t) -> uint8x16_t {
    let top = vreinterpretq_u8_s8(vshrq_n_s8::<7>(vreinterpretq_s8_u8(x)));
    veorq_u8(vaddq_u8(x, x), vandq_u8(top, vdupq_n_u8(0x1b)))
}

/// SubBytes and ShiftBytes (through `mask`), then MixBytes with B = circ(2, 2, 3, 4, 5, 3, 5,
/// 7): output row r = 2·(x0 + x1 + x2 + x5 + x7) + 4·(x3 + x4 + x6 + x7) + (x2 + x4 + x5 + x6
/// + x7) with xk = row r + k.
#[target_feature(enable = "neon,aes")]
#[inline]
unsafe fn sub_shift_mix(x: &mut [uint8x16_t; 8], mask: &[uint8x16_t; 8]) {
    let zero = vdupq_n_u8(0);
    let mut s = [zero; 8];
    for i in 0..8 {
        s[i] = vaeseq_u8(vqtbl1q_u8(x[i], mask[i]), zero);
    }
    // Sums over rows r + k share the pairs t[r] = s[r] + s[r + 1].
    let mut t = [zero; 8];
    for r in 0..8 {
        t[r] = veorq_u8(s[r], s[(r + 1) % 8]);
    }
    for r in 0..8 {
        let g = |k: usize| s[(r + k) % 8];
        let tt = |k: usize| t[(r + k) % 8];
        // x3 + x4 + x6 + x7
        let b4 = veorq_u8(tt(3), tt(6));
        // x2 + x4 + x5 + x6 + x7 = x2 + (x4 + x5) + (x6 + x7)
        let c1 = veorq_u8(g(2), veorq_u8(tt(4), tt(6)));
        // x0 + x1 + x2 + x5 + x7 = (x0 + x1) + c1 + x4 + x6
        let a2 = veorq_u8(veorq_u8(tt(0), c1), veorq_u8(g(4), g(6)));
        x[r] = veorq_u8(xtime(veorq_u8(a2, xtime(b4))), c1);
    }
}

#[target_feature(enable = "neon,aes")]
#[inline]
unsafe fn masks_of(m: &[[u8; 16]; 8]) -> [uint8x16_t; 8] {
    let mut r = [vdupq_n_u8(0); 8];
    for i in 0..8 {
        r[i] = vld1q_u8(m[i].as_ptr());
    }
    r
}

/// The permutation P: round constant (j << 4) ^ r in row 0 of column j.
#[target_feature(enable = "neon,aes")]
unsafe fn perm_p(p: &mut [uint8x16_t; 8]) {
    let cols = vld1q_u8(COLUMNS.as_ptr());
    let mask = masks_of(&MASK_P);
    for r in 0..14u8 {
        p[0] = veorq_u8(p[0], veorq_u8(cols, vdupq_n_u8(r)));
        sub_shift_mix(p, &mask);
    }
}

/// The permutation Q: all bytes complemented, round constant (j << 4) ^ r in row 7.
#[target_feature(enable = "neon,aes")]
unsafe fn perm_q(q: &mut [uint8x16_t; 8]) {
    let cols = vld1q_u8(COLUMNS.as_ptr());
    let mask = masks_of(&MASK_Q);
    for r in 0..14u8 {
        for row in q.iter_mut().take(7) {
            *row = vmvnq_u8(*row);
        }
        q[7] = veorq_u8(q[7], vmvnq_u8(veorq_u8(cols, vdupq_n_u8(r))));
        sub_shift_mix(q, &mask);
    }
}

/// Transposes eight registers of eight 16-bit words.
#[target_feature(enable = "neon,aes")]
#[inline]
unsafe fn transpose16(x: [uint8x16_t; 8]) -> [uint8x16_t; 8] {
    let h = |i: usize| vreinterpretq_u16_u8(x[i]);
    let a0 = vreinterpretq_u32_u16(vzip1q_u16(h(0), h(1)));
    let a1 = vreinterpretq_u32_u16(vzip2q_u16(h(0), h(1)));
    let a2 = vreinterpretq_u32_u16(vzip1q_u16(h(2), h(3)));
    let a3 = vreinterpretq_u32_u16(vzip2q_u16(h(2), h(3)));
    let a4 = vreinterpretq_u32_u16(vzip1q_u16(h(4), h(5)));
    let a5 = vreinterpretq_u32_u16(vzip2q_u16(h(4), h(5)));
    let a6 = vreinterpretq_u32_u16(vzip1q_u16(h(6), h(7)));
    let a7 = vreinterpretq_u32_u16(vzip2q_u16(h(6), h(7)));
    let b0 = vreinterpretq_u64_u32(vzip1q_u32(a0, a2));
    let b1 = vreinterpretq_u64_u32(vzip2q_u32(a0, a2));
    let b2 = vreinterpretq_u64_u32(vzip1q_u32(a1, a3));
    let b3 = vreinterpretq_u64_u32(vzip2q_u32(a1, a3));
    let b4 = vreinterpretq_u64_u32(vzip1q_u32(a4, a6));
    let b5 = vreinterpretq_u64_u32(vzip2q_u32(a4, a6));
    let b6 = vreinterpretq_u64_u32(vzip1q_u32(a5, a7));
    let b7 = vreinterpretq_u64_u32(vzip2q_u32(a5, a7));
    [
        vreinterpretq_u8_u64(vzip1q_u64(b0, b4)),
        vreinterpretq_u8_u64(vzip2q_u64(b0, b4)),
        vreinterpretq_u8_u64(vzip1q_u64(b1, b5)),
        vreinterpretq_u8_u64(vzip2q_u64(b1, b5)),
        vreinterpretq_u8_u64(vzip1q_u64(b2, b6)),
        vreinterpretq_u8_u64(vzip2q_u64(b2, b6)),
        vreinterpretq_u8_u64(vzip1q_u64(b3, b7)),
        vreinterpretq_u8_u64(vzip2q_u64(b3, b7)),
    ]
}

/// Interleaves the bytes of the two columns in a register (byte 8c + i: column c, row i) into
/// 16-bit words (word i: row i of both columns).
const TO_ROW_PAIRS: [u8; 16] = [0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15];
/// The inverse of [`TO_ROW_PAIRS`].
const FROM_ROW_PAIRS: [u8; 16] = [0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15];

/// A register whose byte `at` is `v`, the others zero.
#[target_feature(enable = "neon,aes")]
#[inline]
unsafe fn byte_at(at: usize, v: u8) -> uint8x16_t {
    let mut b = [0u8; 16];
    b[at] = v;
    vld1q_u8(b.as_ptr())
}

#[target_feature(enable = "neon,aes")]
unsafe fn digest64_aes(data: &[u8; 64]) -> [u8; 64] {
    let zero = vdupq_n_u8(0);
    // The padded block, two columns per register, then as rows.
    let to_pairs = vld1q_u8(TO_ROW_PAIRS.as_ptr());
    let mut x = [zero; 8];
    for k in 0..4 {
        // SAFETY (caller's): bytes 16k..16k + 16 lie inside the 64-byte array.
        x[k] = vld1q_u8(data.as_ptr().add(16 * k));
    }
    x[4] = byte_at(0, 0x80); // block byte 64
    x[7] = byte_at(15, 1); // byte 127: one block
    for xk in x.iter_mut() {
        *xk = vqtbl1q_u8(*xk, to_pairs);
    }
    let m = transpose16(x);
    // IV: 512 as the big-endian last column (rows 6 and 7 of column 15: 0x02, 0x00).
    let mut h = [zero; 8];
    h[6] = byte_at(15, 2);
    let mut p = [zero; 8];
    for i in 0..8 {
        p[i] = veorq_u8(h[i], m[i]);
    }
    let mut q = m;
    perm_p(&mut p);
    perm_q(&mut q);
    for i in 0..8 {
        h[i] = veorq_u8(h[i], veorq_u8(p[i], q[i]));
    }
    let mut f = h;
    perm_p(&mut f);
    for i in 0..8 {
        f[i] = veorq_u8(f[i], h[i]);
    }
    // Back to column order; the digest is columns 8..16 (registers 4..8).
    let cols = transpose16(f);
    let from_pairs = vld1q_u8(FROM_ROW_PAIRS.as_ptr());
    let mut out = [0u8; 64];
    for k in 0..4 {
        // SAFETY (caller's): bytes 16k..16k + 16 lie inside the 64-byte array.
        vst1q_u8(out.as_mut_ptr().add(16 * k), vqtbl1q_u8(cols[4 + k], from_pairs));
    }
    out
}

/// Grøstl-512 of 64 bytes with the ARMv8 AES instructions. Installed only when `neon` and
/// `aes` are detected.
pub(super) fn digest64(data: &[u8; 64]) -> [u8; 64] {
    // SAFETY: `super::stages` installs this function only after
    // `is_aarch64_feature_detected!` confirmed `neon` and `aes`; every load and store stays
    // inside its array.
    unsafe { digest64_aes(data) }
}
