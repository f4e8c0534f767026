//! Keccak-512 (final-round SHA-3 candidate, before FIPS 202), X11 stage 6 (`sph_keccak512`
//! in Dash Core's `src/crypto/sph_keccak.c`).
//!
//! Keccak-f\[1600\] sponge with a 72-byte rate; the message is padded with the original Keccak
//! padding (0x01, zeros, 0x80 — not SHA-3's 0x06); the digest is the first 64 bytes of the
//! state, little-endian.

/// The rate in bytes (1600 - 2 * 512 bits).
const RATE: usize = 72;

/// The round constants of iota.
const RC: [u64; 24] = [
    0x0000000000000001,
    0x0000000000008082,
    0x800000000000808A,
    0x8000000080008000,
    0x000000000000808B,
    0x0000000080000001,
    0x8000000080008081,
    0x8000000000008009,
    0x000000000000008A,
    0x0000000000000088,
    0x0000000080008009,
    0x000000008000000A,
    0x000000008000808B,
    0x800000000000008B,
    0x8000000000008089,
    0x8000000000008003,
    0x8000000000008002,
    0x8000000000000080,
    0x000000000000800A,
    0x800000008000000A,
    0x8000000080008081,
    0x8000000000008080,
    0x0000000080000001,
    0x8000000080008008,
];

/// rho offsets in the order of the pi walk below.
const RHO: [u32; 24] =
    [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44];

/// The lanes visited by the combined rho/pi walk starting from lane 1.
const PI: [usize; 24] =
    [10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1];

/// One round of Keccak-f[1600]; lane (x, y) is `a[x + 5y]`.
#[inline(always)]
fn round(a: &mut [u64; 25], rc: u64) {
    // theta
    let mut c = [0u64; 5];
    for (x, cx) in c.iter_mut().enumerate() {
        *cx = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
    }
    for x in 0..5 {
        let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
        for y in 0..5 {
            a[x + 5 * y] ^= d;
        }
    }
    // rho and pi
    let mut last = a[1];
    for (&p, &r) in PI.iter().zip(&RHO) {
        let next = a[p];
        a[p] = last.rotate_left(r);
        last = next;
    }
    // chi
    for y in 0..5 {
        let row = [a[5 * y], a[5 * y + 1], a[5 * y + 2], a[5 * y + 3], a[5 * y + 4]];
        for x in 0..5 {
            a[5 * y + x] = row[x] ^ (!row[(x + 1) % 5] & row[(x + 2) % 5]);
        }
    }
    // iota
    a[0] ^= rc;
}

/// Keccak-f[1600], two rounds per loop iteration.
#[inline(always)]
fn keccak_f(a: &mut [u64; 25]) {
    for rc in RC.chunks_exact(2) {
        round(a, rc[0]);
        round(a, rc[1]);
    }
}

#[inline(always)]
fn absorb(a: &mut [u64; 25], block: &[u8; RATE]) {
    for (x, b) in a.iter_mut().zip(block.chunks_exact(8)) {
        *x ^= u64::from_le_bytes(b.try_into().expect("8 bytes"));
    }
    keccak_f(a);
}

fn squeeze(a: &[u64; 25]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (o, w) in out.chunks_exact_mut(8).zip(a) {
        o.copy_from_slice(&w.to_le_bytes());
    }
    out
}

/// Keccak-512 of `data`.
pub fn digest(data: &[u8]) -> [u8; 64] {
    let mut a = [0u64; 25];
    let mut blocks = data.chunks_exact(RATE);
    for block in &mut blocks {
        absorb(&mut a, block.try_into().expect("72 bytes"));
    }
    let rest = blocks.remainder();
    let mut buf = [0u8; RATE];
    buf[..rest.len()].copy_from_slice(rest);
    buf[rest.len()] = 0x01;
    buf[RATE - 1] |= 0x80;
    absorb(&mut a, &buf);
    squeeze(&a)
}

/// Keccak-512 of exactly 64 bytes (one padded block); equals `digest(data)`.
pub fn digest64(data: &[u8; 64]) -> [u8; 64] {
    let mut a = [0u64; 25];
    for (x, b) in a.iter_mut().zip(data.chunks_exact(8)) {
        *x = u64::from_le_bytes(b.try_into().expect("8 bytes"));
    }
    a[8] = 0x8000_0000_0000_0001;
    keccak_f(&mut a);
    squeeze(&a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::x11::vectors;

    #[test]
    fn digest_matches_sphlib_for_inputs_of_every_length() {
        vectors::check_algorithm("keccak512", digest);
    }

    #[test]
    fn digest_matches_x11_stage_6_on_every_input() {
        vectors::check_stage(5, digest);
    }

    #[test]
    fn digest64_equals_digest_on_64_byte_input() {
        vectors::check_digest64("keccak512", 5, digest, digest64);
    }
}
