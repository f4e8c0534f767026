//! Blue Midnight Wish BMW-512 (second-round SHA-3 candidate, tweaked version), X11 stage 2
//! (`sph_bmw512` in Dash Core's `src/crypto/sph_bmw.c`).
//!
//! 128-byte blocks of little-endian words; the message is padded with 0x80, zeros and the
//! 64-bit little-endian bit length, then the chain value goes once more through the
//! compression function as a message under the constant chain value `FINAL`. The digest is
//! the last 8 words of the result.

/// The initial chain value of BMW-512.
const IV: [u64; 16] = [
    0x8081828384858687,
    0x88898A8B8C8D8E8F,
    0x9091929394959697,
    0x98999A9B9C9D9E9F,
    0xA0A1A2A3A4A5A6A7,
    0xA8A9AAABACADAEAF,
    0xB0B1B2B3B4B5B6B7,
    0xB8B9BABBBCBDBEBF,
    0xC0C1C2C3C4C5C6C7,
    0xC8C9CACBCCCDCECF,
    0xD0D1D2D3D4D5D6D7,
    0xD8D9DADBDCDDDEDF,
    0xE0E1E2E3E4E5E6E7,
    0xE8E9EAEBECEDEEEF,
    0xF0F1F2F3F4F5F6F7,
    0xF8F9FAFBFCFDFEFF,
];

/// The chain value of the final compression: 0xaaaa_aaaa_aaaa_aaa0 + i.
const FINAL: [u64; 16] = {
    let mut f = [0u64; 16];
    let mut i = 0;
    while i < 16 {
        f[i] = 0xAAAA_AAAA_AAAA_AAA0 + i as u64;
        i += 1;
    }
    f
};

/// K_j = j * 0x0555_5555_5555_5555 for j = 16..31.
const K: [u64; 16] = {
    let mut k = [0u64; 16];
    let mut i = 0;
    while i < 16 {
        k[i] = (16 + i as u64).wrapping_mul(0x0555_5555_5555_5555);
        i += 1;
    }
    k
};

#[inline(always)]
fn s0(x: u64) -> u64 {
    (x >> 1) ^ (x << 3) ^ x.rotate_left(4) ^ x.rotate_left(37)
}
#[inline(always)]
fn s1(x: u64) -> u64 {
    (x >> 1) ^ (x << 2) ^ x.rotate_left(13) ^ x.rotate_left(43)
}
#[inline(always)]
fn s2(x: u64) -> u64 {
    (x >> 2) ^ (x << 1) ^ x.rotate_left(19) ^ x.rotate_left(53)
}
#[inline(always)]
fn s3(x: u64) -> u64 {
    (x >> 2) ^ (x << 2) ^ x.rotate_left(28) ^ x.rotate_left(59)
}
#[inline(always)]
fn s4(x: u64) -> u64 {
    (x >> 1) ^ x
}
#[inline(always)]
fn s5(x: u64) -> u64 {
    (x >> 2) ^ x
}

/// The message-dependent term added to the expanded word q[j] (16 <= j < 32).
#[inline(always)]
fn add_element<const J: usize>(m: &[u64; 16], h: &[u64; 16]) -> u64 {
    let i = J - 16;
    let a = m[i & 15].rotate_left(((i & 15) + 1) as u32);
    let b = m[(i + 3) & 15].rotate_left((((i + 3) & 15) + 1) as u32);
    let c = m[(i + 10) & 15].rotate_left((((i + 10) & 15) + 1) as u32);
    (a.wrapping_add(b).wrapping_sub(c).wrapping_add(K[i & 15])) ^ h[(i + 7) & 15]
}

/// The compression function f(h, m).
#[inline(always)]
fn compress(h: &[u64; 16], m: &[u64; 16]) -> [u64; 16] {
    let mut x = [0u64; 16];
    for (o, (a, b)) in x.iter_mut().zip(m.iter().zip(h)) {
        *o = a ^ b;
    }
    // f0: W_j as +/- combinations of five words, then the s-functions.
    let w = [
        x[5].wrapping_sub(x[7]).wrapping_add(x[10]).wrapping_add(x[13]).wrapping_add(x[14]),
        x[6].wrapping_sub(x[8]).wrapping_add(x[11]).wrapping_add(x[14]).wrapping_sub(x[15]),
        x[0].wrapping_add(x[7]).wrapping_add(x[9]).wrapping_sub(x[12]).wrapping_add(x[15]),
        x[0].wrapping_sub(x[1]).wrapping_add(x[8]).wrapping_sub(x[10]).wrapping_add(x[13]),
        x[1].wrapping_add(x[2]).wrapping_add(x[9]).wrapping_sub(x[11]).wrapping_sub(x[14]),
        x[3].wrapping_sub(x[2]).wrapping_add(x[10]).wrapping_sub(x[12]).wrapping_add(x[15]),
        x[4].wrapping_sub(x[0]).wrapping_sub(x[3]).wrapping_sub(x[11]).wrapping_add(x[13]),
        x[1].wrapping_sub(x[4]).wrapping_sub(x[5]).wrapping_sub(x[12]).wrapping_sub(x[14]),
        x[2].wrapping_sub(x[5]).wrapping_sub(x[6]).wrapping_add(x[13]).wrapping_sub(x[15]),
        x[0].wrapping_sub(x[3]).wrapping_add(x[6]).wrapping_sub(x[7]).wrapping_add(x[14]),
        x[8].wrapping_sub(x[1]).wrapping_sub(x[4]).wrapping_sub(x[7]).wrapping_add(x[15]),
        x[8].wrapping_sub(x[0]).wrapping_sub(x[2]).wrapping_sub(x[5]).wrapping_add(x[9]),
        x[1].wrapping_add(x[3]).wrapping_sub(x[6]).wrapping_sub(x[9]).wrapping_add(x[10]),
        x[2].wrapping_add(x[4]).wrapping_add(x[7]).wrapping_add(x[10]).wrapping_add(x[11]),
        x[3].wrapping_sub(x[5]).wrapping_add(x[8]).wrapping_sub(x[11]).wrapping_sub(x[12]),
        x[12].wrapping_sub(x[4]).wrapping_sub(x[6]).wrapping_sub(x[9]).wrapping_add(x[13]),
    ];
    let mut q = [0u64; 32];
    macro_rules! q0 {
        ($($j:literal $s:ident),*) => { $( q[$j] = $s(w[$j]).wrapping_add(h[($j + 1) & 15]); )* };
    }
    q0!(0 s0, 1 s1, 2 s2, 3 s3, 4 s4, 5 s0, 6 s1, 7 s2, 8 s3, 9 s4, 10 s0, 11 s1, 12 s2, 13 s3,
        14 s4, 15 s0);
    // f1: two rounds of expand1, fourteen of expand2.
    macro_rules! expand1 {
        ($($j:literal),*) => { $(
            q[$j] = s1(q[$j - 16])
                .wrapping_add(s2(q[$j - 15]))
                .wrapping_add(s3(q[$j - 14]))
                .wrapping_add(s0(q[$j - 13]))
                .wrapping_add(s1(q[$j - 12]))
                .wrapping_add(s2(q[$j - 11]))
                .wrapping_add(s3(q[$j - 10]))
                .wrapping_add(s0(q[$j - 9]))
                .wrapping_add(s1(q[$j - 8]))
                .wrapping_add(s2(q[$j - 7]))
                .wrapping_add(s3(q[$j - 6]))
                .wrapping_add(s0(q[$j - 5]))
                .wrapping_add(s1(q[$j - 4]))
                .wrapping_add(s2(q[$j - 3]))
                .wrapping_add(s3(q[$j - 2]))
                .wrapping_add(s0(q[$j - 1]))
                .wrapping_add(add_element::<$j>(m, h));
        )* };
    }
    expand1!(16, 17);
    macro_rules! expand2 {
        ($($j:literal),*) => { $(
            q[$j] = q[$j - 16]
                .wrapping_add(q[$j - 15].rotate_left(5))
                .wrapping_add(q[$j - 14])
                .wrapping_add(q[$j - 13].rotate_left(11))
                .wrapping_add(q[$j - 12])
                .wrapping_add(q[$j - 11].rotate_left(27))
                .wrapping_add(q[$j - 10])
                .wrapping_add(q[$j - 9].rotate_left(32))
                .wrapping_add(q[$j - 8])
                .wrapping_add(q[$j - 7].rotate_left(37))
                .wrapping_add(q[$j - 6])
                .wrapping_add(q[$j - 5].rotate_left(43))
                .wrapping_add(q[$j - 4])
                .wrapping_add(q[$j - 3].rotate_left(53))
                .wrapping_add(s4(q[$j - 2]))
                .wrapping_add(s5(q[$j - 1]))
                .wrapping_add(add_element::<$j>(m, h));
        )* };
    }
    expand2!(18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
    // f2: folding.
    let xl = q[16] ^ q[17] ^ q[18] ^ q[19] ^ q[20] ^ q[21] ^ q[22] ^ q[23];
    let xh = xl ^ q[24] ^ q[25] ^ q[26] ^ q[27] ^ q[28] ^ q[29] ^ q[30] ^ q[31];
    let mut o = [0u64; 16];
    o[0] = ((xh << 5) ^ (q[16] >> 5) ^ m[0]).wrapping_add(xl ^ q[24] ^ q[0]);
    o[1] = ((xh >> 7) ^ (q[17] << 8) ^ m[1]).wrapping_add(xl ^ q[25] ^ q[1]);
    o[2] = ((xh >> 5) ^ (q[18] << 5) ^ m[2]).wrapping_add(xl ^ q[26] ^ q[2]);
    o[3] = ((xh >> 1) ^ (q[19] << 5) ^ m[3]).wrapping_add(xl ^ q[27] ^ q[3]);
    o[4] = ((xh >> 3) ^ q[20] ^ m[4]).wrapping_add(xl ^ q[28] ^ q[4]);
    o[5] = ((xh << 6) ^ (q[21] >> 6) ^ m[5]).wrapping_add(xl ^ q[29] ^ q[5]);
    o[6] = ((xh >> 4) ^ (q[22] << 6) ^ m[6]).wrapping_add(xl ^ q[30] ^ q[6]);
    o[7] = ((xh >> 11) ^ (q[23] << 2) ^ m[7]).wrapping_add(xl ^ q[31] ^ q[7]);
    o[8] =
        o[4].rotate_left(9).wrapping_add(xh ^ q[24] ^ m[8]).wrapping_add((xl << 8) ^ q[23] ^ q[8]);
    o[9] =
        o[5].rotate_left(10).wrapping_add(xh ^ q[25] ^ m[9]).wrapping_add((xl >> 6) ^ q[16] ^ q[9]);
    o[10] = o[6]
        .rotate_left(11)
        .wrapping_add(xh ^ q[26] ^ m[10])
        .wrapping_add((xl << 6) ^ q[17] ^ q[10]);
    o[11] = o[7]
        .rotate_left(12)
        .wrapping_add(xh ^ q[27] ^ m[11])
        .wrapping_add((xl << 4) ^ q[18] ^ q[11]);
    o[12] = o[0]
        .rotate_left(13)
        .wrapping_add(xh ^ q[28] ^ m[12])
        .wrapping_add((xl >> 3) ^ q[19] ^ q[12]);
    o[13] = o[1]
        .rotate_left(14)
        .wrapping_add(xh ^ q[29] ^ m[13])
        .wrapping_add((xl >> 4) ^ q[20] ^ q[13]);
    o[14] = o[2]
        .rotate_left(15)
        .wrapping_add(xh ^ q[30] ^ m[14])
        .wrapping_add((xl >> 7) ^ q[21] ^ q[14]);
    o[15] = o[3]
        .rotate_left(16)
        .wrapping_add(xh ^ q[31] ^ m[15])
        .wrapping_add((xl >> 2) ^ q[22] ^ q[15]);
    o
}

fn load(block: &[u8; 128]) -> [u64; 16] {
    let mut m = [0u64; 16];
    for (w, b) in m.iter_mut().zip(block.chunks_exact(8)) {
        *w = u64::from_le_bytes(b.try_into().expect("8 bytes"));
    }
    m
}

/// The final compression and the output of the last 8 words.
#[inline(always)]
fn finish(h: &[u64; 16]) -> [u8; 64] {
    let f = compress(&FINAL, h);
    let mut out = [0u8; 64];
    for (o, w) in out.chunks_exact_mut(8).zip(&f[8..]) {
        o.copy_from_slice(&w.to_le_bytes());
    }
    out
}

/// BMW-512 of `data`.
pub fn digest(data: &[u8]) -> [u8; 64] {
    let mut h = IV;
    let mut blocks = data.chunks_exact(128);
    for block in &mut blocks {
        h = compress(&h, &load(block.try_into().expect("128 bytes")));
    }
    let rest = blocks.remainder();
    let bits = (data.len() as u64).wrapping_mul(8);
    let mut buf = [0u8; 128];
    buf[..rest.len()].copy_from_slice(rest);
    buf[rest.len()] = 0x80;
    if rest.len() >= 120 {
        h = compress(&h, &load(&buf));
        buf = [0u8; 128];
    }
    buf[120..].copy_from_slice(&bits.to_le_bytes());
    h = compress(&h, &load(&buf));
    finish(&h)
}

/// BMW-512 of exactly 64 bytes (one padded block); equals `digest(data)`.
pub fn digest64(data: &[u8; 64]) -> [u8; 64] {
    let mut m = [0u64; 16];
    for (w, b) in m.iter_mut().zip(data.chunks_exact(8)) {
        *w = u64::from_le_bytes(b.try_into().expect("8 bytes"));
    }
    m[8] = 0x80;
    m[15] = 512;
    finish(&compress(&IV, &m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::x11::vectors;

    #[test]
    fn digest_matches_sphlib_for_inputs_of_every_length() {
        vectors::check_algorithm("bmw512", digest);
    }

    #[test]
    fn digest_matches_x11_stage_2_on_every_input() {
        vectors::check_stage(1, digest);
    }

    #[test]
    fn digest64_equals_digest_on_64_byte_input() {
        vectors::check_digest64("bmw512", 1, digest, digest64);
    }
}
