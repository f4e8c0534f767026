//! Skein-512-512 (final-round SHA-3 candidate, version 1.3), X11 stage 4 (`sph_skein512` in
//! Dash Core's `src/crypto/sph_skein.c`).
//!
//! UBI chaining of Threefish-512 (72 rounds) over 64-byte blocks of little-endian words: the
//! message blocks (type 48; the last one zero-padded, an empty message being one zero block),
//! then one output block (type 63, an 8-byte zero counter). The tweak carries the number of
//! bytes processed up to the end of the block, the type and the first/final flags.

/// The chain value after the configuration block of Skein-512-512.
const IV: [u64; 8] = [
    0x4903ADFF749C51CE,
    0x0D95DE399746DF03,
    0x8FD1934127C79BCE,
    0x9A255629FF352CB1,
    0x5DB62599DF6CA7B0,
    0xEABE394CA9D5C3F4,
    0x991112C71A75B523,
    0xAE18A40B660FCC33,
];

/// The key schedule parity constant C240 (Skein 1.3).
const C240: u64 = 0x1BD11BDAA9FC1A22;

/// Tweak word 1 flags and types.
const FIRST: u64 = 1 << 62;
const FINAL: u64 = 1 << 63;
const TYPE_MSG: u64 = 48 << 56;
const TYPE_OUT: u64 = 63 << 56;

/// One Threefish MIX on (a, b) with rotation `r`.
macro_rules! mix {
    ($p:ident, $a:literal, $b:literal, $r:literal) => {
        $p[$a] = $p[$a].wrapping_add($p[$b]);
        $p[$b] = $p[$b].rotate_left($r) ^ $p[$a];
    };
}

/// Injects subkey `S` (0..=18).
#[inline(always)]
fn inject<const S: usize>(p: &mut [u64; 8], k: &[u64; 9], t: &[u64; 3]) {
    for (i, w) in p.iter_mut().enumerate() {
        *w = w.wrapping_add(k[(S + i) % 9]);
    }
    p[5] = p[5].wrapping_add(t[S % 3]);
    p[6] = p[6].wrapping_add(t[(S + 1) % 3]);
    p[7] = p[7].wrapping_add(S as u64);
}

/// Eight rounds starting with subkey `S`, then subkey `S + 1` in the middle.
#[inline(always)]
fn eight_rounds<const S: usize, const S1: usize>(p: &mut [u64; 8], k: &[u64; 9], t: &[u64; 3]) {
    inject::<S>(p, k, t);
    mix!(p, 0, 1, 46);
    mix!(p, 2, 3, 36);
    mix!(p, 4, 5, 19);
    mix!(p, 6, 7, 37);
    mix!(p, 2, 1, 33);
    mix!(p, 4, 7, 27);
    mix!(p, 6, 5, 14);
    mix!(p, 0, 3, 42);
    mix!(p, 4, 1, 17);
    mix!(p, 6, 3, 49);
    mix!(p, 0, 5, 36);
    mix!(p, 2, 7, 39);
    mix!(p, 6, 1, 44);
    mix!(p, 0, 7, 9);
    mix!(p, 2, 5, 54);
    mix!(p, 4, 3, 56);
    inject::<S1>(p, k, t);
    mix!(p, 0, 1, 39);
    mix!(p, 2, 3, 30);
    mix!(p, 4, 5, 34);
    mix!(p, 6, 7, 24);
    mix!(p, 2, 1, 13);
    mix!(p, 4, 7, 50);
    mix!(p, 6, 5, 10);
    mix!(p, 0, 3, 17);
    mix!(p, 4, 1, 25);
    mix!(p, 6, 3, 29);
    mix!(p, 0, 5, 39);
    mix!(p, 2, 7, 43);
    mix!(p, 6, 1, 8);
    mix!(p, 0, 7, 35);
    mix!(p, 2, 5, 56);
    mix!(p, 4, 3, 22);
}

/// One UBI step: h = Threefish_h,tweak(m) ^ m.
#[inline(always)]
fn ubi(h: &mut [u64; 8], m: &[u64; 8], position: u64, flags: u64) {
    let mut k = [0u64; 9];
    k[..8].copy_from_slice(h);
    k[8] = h.iter().fold(C240, |a, w| a ^ w);
    let t = [position, flags, position ^ flags];
    let mut p = *m;
    eight_rounds::<0, 1>(&mut p, &k, &t);
    eight_rounds::<2, 3>(&mut p, &k, &t);
    eight_rounds::<4, 5>(&mut p, &k, &t);
    eight_rounds::<6, 7>(&mut p, &k, &t);
    eight_rounds::<8, 9>(&mut p, &k, &t);
    eight_rounds::<10, 11>(&mut p, &k, &t);
    eight_rounds::<12, 13>(&mut p, &k, &t);
    eight_rounds::<14, 15>(&mut p, &k, &t);
    eight_rounds::<16, 17>(&mut p, &k, &t);
    inject::<18>(&mut p, &k, &t);
    for (x, (a, b)) in h.iter_mut().zip(p.iter().zip(m)) {
        *x = a ^ b;
    }
}

fn load(block: &[u8]) -> [u64; 8] {
    let mut m = [0u64; 8];
    for (w, b) in m.iter_mut().zip(block.chunks_exact(8)) {
        *w = u64::from_le_bytes(b.try_into().expect("8 bytes"));
    }
    m
}

/// The output stage: UBI of a zero counter block with type 63, position 8.
#[inline(always)]
fn finish(mut h: [u64; 8]) -> [u8; 64] {
    ubi(&mut h, &[0; 8], 8, FIRST | FINAL | TYPE_OUT);
    let mut out = [0u8; 64];
    for (o, w) in out.chunks_exact_mut(8).zip(&h) {
        o.copy_from_slice(&w.to_le_bytes());
    }
    out
}

/// Skein-512-512 of `data`.
pub fn digest(data: &[u8]) -> [u8; 64] {
    let mut h = IV;
    // All blocks but the last go through UBI without the final flag; the last block (possibly
    // partial, possibly empty) is zero-padded.
    let full = if data.is_empty() { 0 } else { (data.len() - 1) / 64 };
    let (head, last) = data.split_at(full * 64);
    let mut first = FIRST;
    let mut position: u64 = 0;
    for block in head.chunks_exact(64) {
        position = position.wrapping_add(64);
        ubi(&mut h, &load(block), position, first | TYPE_MSG);
        first = 0;
    }
    let mut buf = [0u8; 64];
    buf[..last.len()].copy_from_slice(last);
    position = position.wrapping_add(last.len() as u64);
    ubi(&mut h, &load(&buf), position, first | FINAL | TYPE_MSG);
    finish(h)
}

/// Skein-512-512 of exactly 64 bytes (one message block); equals `digest(data)`.
pub fn digest64(data: &[u8; 64]) -> [u8; 64] {
    let mut h = IV;
    ubi(&mut h, &load(data), 64, FIRST | FINAL | TYPE_MSG);
    finish(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::x11::vectors;

    #[test]
    fn digest_matches_sphlib_for_inputs_of_every_length() {
        vectors::check_algorithm("skein512", digest);
    }

    #[test]
    fn digest_matches_x11_stage_4_on_every_input() {
        vectors::check_stage(3, digest);
    }

    #[test]
    fn digest64_equals_digest_on_64_byte_input() {
        vectors::check_digest64("skein512", 3, digest, digest64);
    }
}
