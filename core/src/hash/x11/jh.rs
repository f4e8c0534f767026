//! JH-512 (final-round SHA-3 candidate, 42 rounds), X11 stage 5 (`sph_jh512` in Dash Core's
//! `src/crypto/sph_jh.c`).
//!
//! The 1024-bit state is kept in the bitsliced form of the JH specification's optimised
//! implementation: sixteen 64-bit words `h`, where `h[2i]`, `h[2i + 1]` are the high and low
//! halves of the 128-bit word i, and one S-box acts on bit j of the words (i, i + 2, i + 4,
//! i + 6). A 64-byte big-endian block is XORed into the first half before the E8 permutation
//! and into the second half after it. The message is padded with 0x80, zeros and the 128-bit
//! big-endian bit length so that padding is at least 64 bytes and the total a multiple of 64;
//! the digest is the last 64 bytes of the state.

/// The chain value after hashing the initial block (output length 512).
pub(super) const IV: [u64; 16] = [
    0x6fd14b963e00aa17,
    0x636a2e057a15d543,
    0x8a225e8d0c97ef0b,
    0xe9341259f2b3c361,
    0x891da0c1536f801e,
    0x2aa9056bea2b6d80,
    0x588eccdb2075baa6,
    0xa90f3a76baf83bf7,
    0x0169e60541e34a69,
    0x46b58a8e2e6fe65a,
    0x1047a7d0c1843c24,
    0x3b6e71b12d5ac199,
    0xcf57f6ec9db1f856,
    0xa706887c5716b156,
    0xe3c2fcdfe68517fb,
    0x545a4678cc8cdd4b,
];

/// The 42 round constants of E8 in the bitsliced order, grouped by seven (one group per cycle
/// of the swaps W_0..W_6).
pub(super) const C: [[[u64; 4]; 7]; 6] = unflatten(round_constants());

/// The S-box S0 of JH (S1 is only used by E8 itself, through `sbox`).
const S0: [u16; 16] = [9, 0, 4, 11, 13, 12, 3, 15, 1, 10, 2, 6, 7, 5, 8, 14];

/// The linear map L of JH on two 4-bit elements.
const fn l4(a: u16, b: u16) -> (u16, u16) {
    let b = b ^ (((a << 1) ^ (a >> 3) ^ ((a >> 2) & 2)) & 0xF);
    let a = a ^ (((b << 1) ^ (b >> 3) ^ ((b >> 2) & 2)) & 0xF);
    (a, b)
}

/// The permutation P_d of JH on 2^d elements: swap the last two of every four, gather the
/// even-indexed then the odd-indexed, swap adjacent elements in the second half.
const fn permute<const N: usize>(t: [u16; N]) -> [u16; N] {
    let mut t = t;
    let mut i = 0;
    while i < N {
        (t[i + 2], t[i + 3]) = (t[i + 3], t[i + 2]);
        i += 4;
    }
    let mut a = [0u16; N];
    let mut i = 0;
    while i < N / 2 {
        a[i] = t[2 * i];
        a[i + N / 2] = t[2 * i + 1];
        i += 1;
    }
    let mut i = N / 2;
    while i < N {
        (a[i], a[i + 1]) = (a[i + 1], a[i]);
        i += 2;
    }
    a
}

/// The round constants, computed at compile time from the specification's definition: the
/// first constant is the first 256 bits of the fraction of sqrt(2), the next ones come from
/// the round function R6 with all-zero constants (S0, L, P6 on 64 4-bit elements). Bit i of
/// a constant selects the S-box of the 4-bit element at position i of the reference state.
///
/// The bitsliced E8 replaces the permutation P8 by the swaps W_(r mod 7) of the odd words, so
/// the elements sit elsewhere than in the reference state; tracking each element through both
/// gives, for round r, the reference position of the element under each bitsliced S-box:
/// words 0 and 1 are the even-word S-boxes (bits 0 to 127, most significant first), words 2
/// and 3 the odd-word ones.
const fn round_constants() -> [[u64; 4]; 42] {
    const SQRT2: [u64; 4] =
        [0x6a09e667f3bcc908, 0xb2fb1366ea957d3e, 0x3adec17512775099, 0xda2f590b0667322a];
    let mut rc = [0u16; 64];
    let mut i = 0;
    while i < 64 {
        rc[i] = ((SQRT2[i / 16] >> (60 - 4 * (i % 16))) & 0xF) as u16;
        i += 1;
    }
    // `at[p]`: the element at reference position p; `even[j]`/`odd[j]`: the element under
    // bitsliced S-box j of the even/odd words. Initially element 2j and 2j + 1.
    let mut at = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        at[i] = i as u16;
        i += 1;
    }
    let mut even = [0u16; 128];
    let mut odd = [0u16; 128];
    let mut j = 0;
    while j < 128 {
        even[j] = 2 * j as u16;
        odd[j] = 2 * j as u16 + 1;
        j += 1;
    }
    let mut out = [[0u64; 4]; 42];
    let mut r = 0;
    while r < 42 {
        let mut pos = [0usize; 256];
        let mut p = 0;
        while p < 256 {
            pos[at[p] as usize] = p;
            p += 1;
        }
        let mut j = 0;
        while j < 128 {
            let (pe, po) = (pos[even[j] as usize], pos[odd[j] as usize]);
            let be = (rc[pe / 4] >> (3 - pe % 4)) & 1;
            let bo = (rc[po / 4] >> (3 - po % 4)) & 1;
            out[r][j / 64] |= (be as u64) << (63 - j % 64);
            out[r][2 + j / 64] |= (bo as u64) << (63 - j % 64);
            j += 1;
        }
        // Next constant: R6 with zero constants.
        let mut i = 0;
        while i < 64 {
            rc[i] = S0[rc[i] as usize];
            i += 1;
        }
        let mut i = 0;
        while i < 64 {
            (rc[i], rc[i + 1]) = l4(rc[i], rc[i + 1]);
            i += 2;
        }
        rc = permute(rc);
        // Next element positions: P8 in the reference, W_(r mod 7) on the odd words.
        at = permute(at);
        let mut moved = [0u16; 128];
        let mut j = 0;
        while j < 128 {
            moved[j] = odd[j ^ (1 << (r % 7))];
            j += 1;
        }
        odd = moved;
        r += 1;
    }
    out
}

/// Groups the 42 round constants by seven (one group per cycle of the W_0..W_6 permutations).
const fn unflatten(c: [[u64; 4]; 42]) -> [[[u64; 4]; 7]; 6] {
    let mut out = [[[0u64; 4]; 7]; 6];
    let mut i = 0;
    while i < 42 {
        out[i / 7][i % 7] = c[i];
        i += 1;
    }
    out
}

/// The S-box layer: S-box S0 or S1 (chosen by the constant bit) on four words.
#[inline(always)]
fn sbox(x0: &mut u64, x1: &mut u64, x2: &mut u64, x3: &mut u64, c: u64) {
    *x3 = !*x3;
    *x0 ^= c & !*x2;
    let t = c ^ (*x0 & *x1);
    *x0 ^= *x2 & *x3;
    *x3 ^= !*x1 & *x2;
    *x1 ^= *x0 & *x2;
    *x2 ^= *x0 & !*x3;
    *x0 ^= *x1 | *x3;
    *x3 ^= *x1 & *x2;
    *x1 ^= t & *x0;
    *x2 ^= t;
}

/// The linear transformation L (an MDS code over GF(2^4)) on two nibble-sliced quadruples.
#[inline(always)]
fn linear(h: &mut [u64; 16], i: usize) {
    let (mut x0, mut x1, mut x2, mut x3) = (h[i], h[i + 4], h[i + 8], h[i + 12]);
    let (mut x4, mut x5, mut x6, mut x7) = (h[i + 2], h[i + 6], h[i + 10], h[i + 14]);
    x4 ^= x1;
    x5 ^= x2;
    x6 ^= x3 ^ x0;
    x7 ^= x0;
    x0 ^= x5;
    x1 ^= x6;
    x2 ^= x7 ^ x4;
    x3 ^= x4;
    (h[i], h[i + 4], h[i + 8], h[i + 12]) = (x0, x1, x2, x3);
    (h[i + 2], h[i + 6], h[i + 10], h[i + 14]) = (x4, x5, x6, x7);
}

/// One round: S-boxes with the round constants, then L.
#[inline(always)]
fn sl(h: &mut [u64; 16], c: &[u64; 4]) {
    for (k, &ck) in c.iter().enumerate() {
        let (mut x0, mut x1, mut x2, mut x3) = (h[k], h[k + 4], h[k + 8], h[k + 12]);
        sbox(&mut x0, &mut x1, &mut x2, &mut x3, ck);
        (h[k], h[k + 4], h[k + 8], h[k + 12]) = (x0, x1, x2, x3);
    }
    linear(h, 0);
    linear(h, 1);
}

/// The permutation W_n (n < 6) on the odd 128-bit words: swap adjacent groups of 2^n bits.
#[inline(always)]
fn swap_bits(h: &mut [u64; 16], mask: u64, n: u32) {
    for i in [2, 3, 6, 7, 10, 11, 14, 15] {
        h[i] = ((h[i] & mask) << n) | ((h[i] >> n) & mask);
    }
}

/// W_6: swap the 64-bit halves of the odd 128-bit words.
#[inline(always)]
fn swap_halves(h: &mut [u64; 16]) {
    h.swap(2, 3);
    h.swap(6, 7);
    h.swap(10, 11);
    h.swap(14, 15);
}

/// The compression F8: XOR the block in, apply E8, XOR it into the second half.
#[inline(always)]
fn compress(h: &mut [u64; 16], block: &[u8; 64]) {
    let mut m = [0u64; 8];
    for (w, b) in m.iter_mut().zip(block.chunks_exact(8)) {
        *w = u64::from_be_bytes(b.try_into().expect("8 bytes"));
    }
    for (x, w) in h.iter_mut().zip(&m) {
        *x ^= w;
    }
    for group in &C {
        sl(h, &group[0]);
        swap_bits(h, 0x5555_5555_5555_5555, 1);
        sl(h, &group[1]);
        swap_bits(h, 0x3333_3333_3333_3333, 2);
        sl(h, &group[2]);
        swap_bits(h, 0x0F0F_0F0F_0F0F_0F0F, 4);
        sl(h, &group[3]);
        swap_bits(h, 0x00FF_00FF_00FF_00FF, 8);
        sl(h, &group[4]);
        swap_bits(h, 0x0000_FFFF_0000_FFFF, 16);
        sl(h, &group[5]);
        swap_bits(h, 0x0000_0000_FFFF_FFFF, 32);
        sl(h, &group[6]);
        swap_halves(h);
    }
    for (x, w) in h[8..].iter_mut().zip(&m) {
        *x ^= w;
    }
}

fn output(h: &[u64; 16]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (o, w) in out.chunks_exact_mut(8).zip(&h[8..]) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// JH-512 of `data`.
pub fn digest(data: &[u8]) -> [u8; 64] {
    let mut h = IV;
    let mut blocks = data.chunks_exact(64);
    for block in &mut blocks {
        compress(&mut h, block.try_into().expect("64 bytes"));
    }
    let rest = blocks.remainder();
    let bits = (data.len() as u128).wrapping_mul(8);
    // Padding: 0x80, zeros, 16-byte length; one block if the message fills whole blocks,
    // else two (the rest of the last block and one more).
    let mut buf = [0u8; 128];
    buf[..rest.len()].copy_from_slice(rest);
    buf[rest.len()] = 0x80;
    let end = if rest.is_empty() { 64 } else { 128 };
    buf[end - 16..end].copy_from_slice(&bits.to_be_bytes());
    for block in buf[..end].chunks_exact(64) {
        compress(&mut h, block.try_into().expect("64 bytes"));
    }
    output(&h)
}

/// JH-512 of exactly 64 bytes (the block, then one padding block); equals `digest(data)`.
pub fn digest64(data: &[u8; 64]) -> [u8; 64] {
    let mut h = IV;
    compress(&mut h, data);
    let mut pad = [0u8; 64];
    pad[0] = 0x80;
    pad[62] = 0x02; // 512 bits, big-endian
    compress(&mut h, &pad);
    output(&h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::x11::vectors;

    #[test]
    fn generated_round_constants_match_the_published_bitsliced_ones() {
        // First and last constants of the JH specification's bitsliced implementation.
        assert_eq!(
            C[0][0],
            [0x72d5dea2df15f867, 0x7b84150ab7231557, 0x81abd6904d5a87f6, 0x4e9f4fc5c3d12b40]
        );
        assert_eq!(
            C[5][6],
            [0x35b49831db411570, 0xea1e0fbbedcd549b, 0x9ad063a151974072, 0xf6759dbf91476fe2]
        );
    }

    #[test]
    fn digest_matches_sphlib_for_inputs_of_every_length() {
        vectors::check_algorithm("jh512", digest);
    }

    #[test]
    fn digest_matches_x11_stage_5_on_every_input() {
        vectors::check_stage(4, digest);
    }

    #[test]
    fn digest64_equals_digest_on_64_byte_input() {
        vectors::check_digest64("jh512", 4, digest, digest64);
    }
}
