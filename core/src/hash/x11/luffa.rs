//! Luffa-512 as sphlib 3.0 defines it (`sph_luffa512`, Dash Core `src/crypto/sph_luffa.h`):
//! the seventh X11 stage.
//!
//! The state is five 256-bit chains `V0..V4` (eight 32-bit words each). Each 32-byte block
//! (eight big-endian words) goes through the message injection `MI5` and then the
//! permutation `P5`, which tweaks chains 1..4 (rotating their words 4..8 left by the chain
//! number) and runs eight rounds (SubCrumb, MixWord, AddConstant) on each chain with the
//! chain's own constants. Finalisation appends `0x80` and zero-fills the last block, absorbs
//! it, then absorbs two all-zero blocks; after each of those the XOR of the five chains gives
//! 32 bytes of the digest (big-endian words).
//!
//! Implementation: the five chains' rounds are identical up to their constants, so chains
//! 0..4 run side by side as the four lanes of `[u32; 4]` words (one lane per chain, which the
//! compiler maps onto vector registers) and chain 4 runs beside them as plain words.

/// The initial chains (sphlib `V_INIT`).
pub(super) const V_INIT: [[u32; 8]; 5] = [
    [
        0x6d251e69, 0x44b051e0, 0x4eaa6fb4, 0xdbf78465, 0x6e292011, 0x90152df4, 0xee058139,
        0xdef610bb,
    ],
    [
        0xc3b44b95, 0xd9d2f256, 0x70eee9a0, 0xde099fa3, 0x5d9b0557, 0x8fc944b3, 0xcf1ccf0e,
        0x746cd581,
    ],
    [
        0xf7efc89d, 0x5dba5781, 0x04016ce5, 0xad659c05, 0x0306194f, 0x666d1836, 0x24aa230a,
        0x8b264ae7,
    ],
    [
        0x858075d5, 0x36d79cce, 0xe571f7d7, 0x204b1f67, 0x35870c6a, 0x57e9e923, 0x14bcb808,
        0x7cde72ce,
    ],
    [
        0x6c68e9be, 0x5ec41e22, 0xc825b7c7, 0xaffb4363, 0xf5df3999, 0x0fc688f1, 0xb07224cc,
        0x03e86cea,
    ],
];

/// Round constants added to word 0 of each chain (sphlib `RC00`, `RC10`, .., `RC40`), by
/// round then chain.
pub(super) const RC0: [[u32; 5]; 8] = transpose([
    [
        0x303994a6, 0xc0e65299, 0x6cc33a12, 0xdc56983e, 0x1e00108f, 0x7800423d, 0x8f5b7882,
        0x96e1db12,
    ],
    [
        0xb6de10ed, 0x70f47aae, 0x0707a3d4, 0x1c1e8f51, 0x707a3d45, 0xaeb28562, 0xbaca1589,
        0x40a46f3e,
    ],
    [
        0xfc20d9d2, 0x34552e25, 0x7ad8818f, 0x8438764a, 0xbb6de032, 0xedb780c8, 0xd9847356,
        0xa2c78434,
    ],
    [
        0xb213afa5, 0xc84ebe95, 0x4e608a22, 0x56d858fe, 0x343b138f, 0xd0ec4e3d, 0x2ceb4882,
        0xb3ad2208,
    ],
    [
        0xf0d2e9e3, 0xac11d7fa, 0x1bcb66f2, 0x6f2d9bc9, 0x78602649, 0x8edae952, 0x3b6ba548,
        0xedae9520,
    ],
]);

/// Round constants added to word 4 of each chain (sphlib `RC04`, .., `RC44`).
pub(super) const RC4: [[u32; 5]; 8] = transpose([
    [
        0xe0337818, 0x441ba90d, 0x7f34d442, 0x9389217f, 0xe5a8bce6, 0x5274baf4, 0x26889ba7,
        0x9a226e9d,
    ],
    [
        0x01685f3d, 0x05a17cf4, 0xbd09caca, 0xf4272b28, 0x144ae5cc, 0xfaa7ae2b, 0x2e48f1c1,
        0xb923c704,
    ],
    [
        0xe25e72c1, 0xe623bb72, 0x5c58a4a4, 0x1e38e2e7, 0x78e38b9d, 0x27586719, 0x36eda57f,
        0x703aace7,
    ],
    [
        0xe028c9bf, 0x44756f91, 0x7e8fce32, 0x956548be, 0xfe191be2, 0x3cb226e5, 0x5944a28e,
        0xa1c4c355,
    ],
    [
        0x5090d577, 0x2d1925ab, 0xb46496ac, 0xd1925ab0, 0x29131ab6, 0x0fc053c3, 0x3f014f0c,
        0xfc053c31,
    ],
]);

const fn transpose(m: [[u32; 8]; 5]) -> [[u32; 5]; 8] {
    let mut t = [[0u32; 5]; 8];
    let mut r = 0;
    while r < 8 {
        let mut j = 0;
        while j < 5 {
            t[r][j] = m[j][r];
            j += 1;
        }
        r += 1;
    }
    t
}

/// Multiplication by 2 of a 256-bit chain seen as eight words (sphlib `M2`), the linear map
/// used by the message injection.
#[inline(always)]
fn m2(s: [u32; 8]) -> [u32; 8] {
    let t = s[7];
    [t, s[0] ^ t, s[1], s[2] ^ t, s[3] ^ t, s[4], s[5], s[6]]
}

#[inline(always)]
fn xor8(a: [u32; 8], b: [u32; 8]) -> [u32; 8] {
    let mut r = [0u32; 8];
    for i in 0..8 {
        r[i] = a[i] ^ b[i];
    }
    r
}

/// The 4-bit S-box applied bitsliced to four words (sphlib `SUB_CRUMB`), for any word type
/// with the bitwise operators.
macro_rules! sub_crumb {
    ($a0:expr, $a1:expr, $a2:expr, $a3:expr) => {{
        let tmp = $a0;
        $a0 |= $a1;
        $a2 ^= $a3;
        $a1 = !$a1;
        $a0 ^= $a3;
        $a3 &= tmp;
        $a1 ^= $a3;
        $a3 ^= $a2;
        $a2 &= $a0;
        $a0 = !$a0;
        $a2 ^= $a1;
        $a1 |= $a3;
        let tmp = tmp ^ $a1;
        $a3 ^= $a2;
        $a2 &= $a1;
        $a1 ^= $a0;
        $a0 = tmp;
    }};
}

/// The word-mixing step on one pair of words (sphlib `MIX_WORD`), for the lone chain 4.
#[inline(always)]
fn mix_word(u: &mut u32, v: &mut u32) {
    *v ^= *u;
    *u = u.rotate_left(2) ^ *v;
    *v = v.rotate_left(14) ^ *u;
    *u = u.rotate_left(10) ^ *v;
    *v = v.rotate_left(1);
}

/// `x.rotate_left(N)` written as a shift of the word doubled to 64 bits, a form compilers
/// keep in vector registers (SSE2 has no rotate, so a plain rotate gets scalarised).
#[inline(always)]
fn rotl_d<const N: u32>(x: u32) -> u32 {
    let w = u64::from(x) | (u64::from(x) << 32);
    (w >> (32 - N)) as u32
}

/// [`mix_word`] with rotations in the vector-friendly form.
#[inline(always)]
fn mix_word_d(u: &mut u32, v: &mut u32) {
    *v ^= *u;
    *u = rotl_d::<2>(*u) ^ *v;
    *v = rotl_d::<14>(*v) ^ *u;
    *u = rotl_d::<10>(*u) ^ *v;
    *v = rotl_d::<1>(*v);
}

/// One round on a single chain of eight words (also the lone fifth chain of the NEON path).
#[inline(always)]
pub(super) fn round1(x: &mut [u32; 8], rc0: u32, rc4: u32) {
    let [x0, x1, x2, x3, x4, x5, x6, x7] = x;
    sub_crumb!(*x0, *x1, *x2, *x3);
    sub_crumb!(*x5, *x6, *x7, *x4);
    mix_word(x0, x4);
    mix_word(x1, x5);
    mix_word(x2, x6);
    mix_word(x3, x7);
    *x0 ^= rc0;
    *x4 ^= rc4;
}

/// The Luffa-512 state: five chains of eight words.
#[derive(Clone, Copy)]
struct State {
    v: [[u32; 8]; 5],
}

impl State {
    /// Message injection `MI5` of one block of eight big-endian words.
    #[inline(always)]
    fn inject(&mut self, m: [u32; 8]) {
        let [v0, v1, v2, v3, v4] = self.v;
        let a = m2(xor8(xor8(xor8(v0, v1), xor8(v2, v3)), v4));
        let (v0, v1, v2, v3, v4) =
            (xor8(v0, a), xor8(v1, a), xor8(v2, a), xor8(v3, a), xor8(v4, a));
        let b = xor8(m2(v0), v1);
        let v1 = xor8(m2(v1), v2);
        let v2 = xor8(m2(v2), v3);
        let v3 = xor8(m2(v3), v4);
        let v4 = xor8(m2(v4), v0);
        let v0 = xor8(m2(b), v4);
        let v4 = xor8(m2(v4), v3);
        let v3 = xor8(m2(v3), v2);
        let v2 = xor8(m2(v2), v1);
        let v1 = xor8(m2(v1), b);
        let m1 = m2(m);
        let m2_ = m2(m1);
        let m3 = m2(m2_);
        let m4 = m2(m3);
        self.v = [xor8(v0, m), xor8(v1, m1), xor8(v2, m2_), xor8(v3, m3), xor8(v4, m4)];
    }

    /// The permutation `P5`: tweak, then eight rounds on every chain.
    #[inline(never)]
    fn permute(&mut self) {
        for j in 1..5 {
            for k in 4..8 {
                self.v[j][k] = self.v[j][k].rotate_left(j as u32);
            }
        }
        // Chains 0..4 as the lanes of eight words; chain 4 alone.
        let mut w = [[0u32; 4]; 8];
        for (k, wk) in w.iter_mut().enumerate() {
            for (j, lane) in wk.iter_mut().enumerate() {
                *lane = self.v[j][k];
            }
        }
        let x = &mut self.v[4];
        for r in 0..8 {
            for l in 0..4 {
                let [w0, w1, w2, w3, w4, w5, w6, w7] = &mut w;
                sub_crumb!(w0[l], w1[l], w2[l], w3[l]);
                sub_crumb!(w5[l], w6[l], w7[l], w4[l]);
                mix_word_d(&mut w0[l], &mut w4[l]);
                mix_word_d(&mut w1[l], &mut w5[l]);
                mix_word_d(&mut w2[l], &mut w6[l]);
                mix_word_d(&mut w3[l], &mut w7[l]);
                w0[l] ^= RC0[r][l];
                w4[l] ^= RC4[r][l];
            }
            round1(x, RC0[r][4], RC4[r][4]);
        }
        for (k, wk) in w.iter().enumerate() {
            for (j, lane) in wk.iter().enumerate() {
                self.v[j][k] = *lane;
            }
        }
    }

    fn absorb(&mut self, block: &[u8; 32]) {
        let mut m = [0u32; 8];
        for (w, c) in m.iter_mut().zip(block.chunks_exact(4)) {
            *w = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        }
        self.inject(m);
        self.permute();
    }

    /// The XOR of the five chains, as 32 big-endian bytes.
    fn output(&self, out: &mut [u8]) {
        for (k, c) in out.chunks_exact_mut(4).enumerate() {
            let w = self.v[0][k] ^ self.v[1][k] ^ self.v[2][k] ^ self.v[3][k] ^ self.v[4][k];
            c.copy_from_slice(&w.to_be_bytes());
        }
    }

    fn finish(mut self, tail: &[u8]) -> [u8; 64] {
        let mut block = [0u8; 32];
        block[..tail.len()].copy_from_slice(tail);
        block[tail.len()] = 0x80;
        self.absorb(&block);
        let mut out = [0u8; 64];
        self.inject([0; 8]);
        self.permute();
        self.output(&mut out[..32]);
        self.inject([0; 8]);
        self.permute();
        self.output(&mut out[32..]);
        out
    }
}

/// Luffa-512 (sphlib) of `data`.
pub fn digest(data: &[u8]) -> [u8; 64] {
    let mut st = State { v: V_INIT };
    let mut blocks = data.chunks_exact(32);
    for block in &mut blocks {
        st.absorb(block.try_into().expect("chunks_exact yields 32 bytes"));
    }
    st.finish(blocks.remainder())
}

/// Luffa-512 of exactly 64 bytes (an X11 stage input); equal to [`digest`] on them.
pub fn digest64(data: &[u8; 64]) -> [u8; 64] {
    let mut st = State { v: V_INIT };
    let (first, second) = data.split_at(32);
    st.absorb(first.try_into().expect("32 bytes"));
    st.absorb(second.try_into().expect("32 bytes"));
    st.finish(&[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::x11::vectors;

    #[test]
    fn digest_matches_sphlib_on_inputs_of_many_lengths() {
        vectors::check_algorithm("luffa512", digest);
    }

    #[test]
    fn digest_and_digest64_match_x11_stage_6_in_every_chain() {
        vectors::check_stage(6, digest);
        vectors::check_digest64("luffa512", 6, digest, digest64);
    }

    #[test]
    fn digest64_equals_digest_on_64_bytes() {
        vectors::check_digest64_on_patterns(digest, digest64);
    }
}
