//! SIMD-512 as sphlib 3.0 defines it (`sph_simd512`, Dash Core `src/crypto/sph_simd.h`):
//! the tenth X11 stage.
//!
//! The state is 32 words (four rows `A`, `B`, `C`, `D` of eight) and the block 128 bytes.
//! Compressing a block:
//! - message expansion: the number-theoretic transform over Z/257 of the 128 block bytes
//!   (zero-padded to 256 points, root 41), plus the offset `41^(255 k)` (and `41^(253 k)` for
//!   the final block), each value then centred in -128..=128; the 256 values are packed
//!   pairwise into 256 words `W` (`INNER`: multiplied by 185 in rounds 0-1 and by 233 in
//!   rounds 2-3, low 16 bits of each product);
//! - the state is XORed with the block (little-endian words), then goes through four rounds
//!   of eight Feistel-like steps (`IF` then `MAJ` boolean functions, rotations and lane
//!   permutations fixed per step), then four more steps that take the saved previous state
//!   as their message words.
//!
//! Finalisation: a partial last block is zero-filled and compressed; then a block holding
//! only the message length in bits (64-bit little-endian) is compressed as the final block.
//! The digest is state words 0..16, little-endian.
//!
//! Implementation: the transform is computed in four steps, seeing the 256 points as a 16x16
//! matrix: 16-point transforms with root `41^16 = 2` (so every twiddle is a shift), one
//! pointwise twiddle multiplication by `41^(j k)`, then 16-point transforms again; each
//! 16-point transform runs on 16 independent columns at once. For [`digest64`], half of the
//! first block is zero (the transform's first step only has four input rows), and the final
//! block (the length 512) is the same for every input, so its expanded message words are a
//! compile-time table.

// Lane-wise code over fixed-size arrays reads best (and unrolls best) as index loops.
#![allow(clippy::needless_range_loop)]

/// The SIMD-512 initial state (sphlib `IV512`).
pub(super) const IV512: [u32; 32] = [
    0x0BA16B95, 0x72F999AD, 0x9FECC2AE, 0xBA3264FC, 0x5E894929, 0x8E9F30E5, 0x2F1DAA37, 0xF0F2C558,
    0xAC506643, 0xA90635A5, 0xE25B878B, 0xAAB7878F, 0x88817F7A, 0x0A02892B, 0x559A7550, 0x598F657E,
    0x7EEF60A1, 0x6B70E3E8, 0x9C1714D1, 0xB958E2A8, 0xAB02675E, 0xED1C014F, 0xCD8D65BB, 0xFDB7A257,
    0x09254899, 0xD699C7BC, 0x9019B6DC, 0x2B9022E4, 0x8FA14956, 0x21BF9BD3, 0xB94D0943, 0x6FFDDC22,
];

/// The transform's root of unity (order 256 modulo 257).
const ALPHA: u32 = 41;

const fn pow_mod(base: u32, exp: u32) -> u32 {
    let mut r = 1u32;
    let mut i = 0;
    while i < exp {
        r = r * base % 257;
        i += 1;
    }
    r
}

/// `41^(j k)` for the middle step of the transform, by row `k` (0..16) and column `j`.
pub(super) const TWIDDLE: [[i32; 16]; 16] = {
    let mut t = [[0i32; 16]; 16];
    let mut k = 0;
    while k < 16 {
        let mut j = 0;
        while j < 16 {
            t[k][j] = pow_mod(ALPHA, (j * k) as u32) as i32;
            j += 1;
        }
        k += 1;
    }
    t
};

/// The offsets added to the transform (sphlib `yoff_b_n` for ordinary blocks, `yoff_b_f`
/// for the final one): `41^(255 k)` and `41^(255 k) + 41^(253 k)`, by row and lane
/// (`k = 16 row + k1`, in lane [`lane_of`]`(k1)`).
const fn offsets(last: bool) -> [[i32; 16]; 16] {
    let mut t = [[0i32; 16]; 16];
    let mut k = 0;
    while k < 256 {
        let mut v = pow_mod(ALPHA, (255 * k) % 256);
        if last {
            v += pow_mod(ALPHA, (253 * k) % 256);
        }
        t[(k / 16) as usize][lane_of((k % 16) as usize)] = v as i32;
        k += 1;
    }
    t
}

/// Where the transform keeps `k1` (the index within a row of 16 outputs): even `k1` in lanes
/// 0..8, odd ones in lanes 8..16, so that the message words' even/odd pairs are whole halves.
const fn lane_of(k1: usize) -> usize {
    k1 / 2 + 8 * (k1 % 2)
}

/// The inverse of [`lane_of`].
pub(super) const K1_OF_LANE: [usize; 16] = [0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15];

pub(super) const YOFF_N: [[i32; 16]; 16] = offsets(false);
const YOFF_F: [[i32; 16]; 16] = offsets(true);

/// Partial reduction modulo 257 (sphlib `REDS1`), using 256 = -1.
#[inline(always)]
fn reds1(x: i32) -> i32 {
    (x & 0xFF) - (x >> 8)
}

/// Partial reduction modulo 257 (sphlib `REDS2`), using 65536 = 1.
#[inline(always)]
fn reds2(x: i32) -> i32 {
    (x & 0xFFFF) + (x >> 16)
}

/// `a * b` for factors that fit in 16 bits (as all of the transform's are when multiplied),
/// written so that the compiler can use 16-bit vector multiplies.
#[inline(always)]
fn mul16(a: i32, b: i32) -> i32 {
    i32::from(a as i16) * i32::from(b as i16)
}

/// Sixteen columns of the transform, as one row of a 16x16 matrix.
type Row = [i32; 16];

/// One butterfly on two rows: `(s, t) <- (s + t 2^E, s - t 2^E)`, lane by lane.
#[inline(always)]
fn bfly<const E: u32>(a: &mut [Row; 16], i: usize, j: usize) {
    for l in 0..16 {
        let s = a[i][l];
        let n = a[j][l] << E;
        a[i][l] = s + n;
        a[j][l] = s - n;
    }
}

/// The levels `h` = `from_h`..=8 (`from_h` = 2 or 4) of a 16-point decimation-in-time
/// transform with root 2 (2 has order 16 modulo 257) on rows in bit-reversed order; level `h`
/// combines transforms of size `h` with the twiddles `2^(8 u / h)`, which are shifts.
#[inline(always)]
fn levels_2_4_8(a: &mut [Row; 16], from_h: usize) {
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

/// The 16-point transform with root 2 applied to all 16 columns of `x`:
/// `out[k] = sum over i < N of x[i] * 2^(i k)` (`N` = 4, 8 or 16; missing inputs are zero).
///
/// Decimation in time, in place in bit-reversed order. With only `N` inputs the first
/// `log2(16 / N)` levels transform a single non-zero value, giving constant blocks, so they
/// are filled in directly. Growth: at most 17, 17 * 65 and 17 * 65 * 129 times the largest
/// input for `N` = 4, 8 and 16.
#[inline(always)]
fn ntt16<const N: usize>(x: &[Row; N]) -> [Row; 16] {
    let mut a = [[0i32; 16]; 16];
    match N {
        4 => {
            // Blocks of 4 holding x0, x2, x1, x3.
            for u in 0..4 {
                a[u] = x[0];
                a[4 + u] = x[2];
                a[8 + u] = x[1];
                a[12 + u] = x[3];
            }
            levels_2_4_8(&mut a, 4);
        }
        8 => {
            // Blocks of 2 holding x0, x4, x2, x6, x1, x5, x3, x7.
            for (p, src) in [0, 4, 2, 6, 1, 5, 3, 7].into_iter().enumerate() {
                a[2 * p] = x[src];
                a[2 * p + 1] = x[src];
            }
            levels_2_4_8(&mut a, 2);
        }
        _ => {
            const REV: [usize; 16] = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
            for p in 0..16 {
                a[p] = x[REV[p]];
            }
            for s in (0..16).step_by(2) {
                bfly::<0>(&mut a, s, s + 1);
            }
            levels_2_4_8(&mut a, 2);
        }
    }
    a
}

/// The transposed matrix, built from 4x4 blocks.
#[inline(always)]
fn transpose(t: &[Row; 16]) -> [Row; 16] {
    let mut z = [[0i32; 16]; 16];
    for bi in 0..4 {
        for bj in 0..4 {
            let mut blk = [[0i32; 4]; 4];
            for r in 0..4 {
                for c in 0..4 {
                    blk[c][r] = t[4 * bi + r][4 * bj + c];
                }
            }
            for c in 0..4 {
                z[4 * bj + c][4 * bi..4 * bi + 4].copy_from_slice(&blk[c]);
            }
        }
    }
    z
}

/// The message expansion's transform: `q[16 r + k1] = NTT(bytes)[16 r + k1] + offset`, each
/// centred in -128..=128, kept in row `r`, lane [`lane_of`]`(k1)`. `rows` are the block's
/// bytes as rows of 16 (byte `16 j1 + j2` in row `j1`, column `j2`); rows past `N` are zero.
#[inline(always)]
fn transform<const N: usize>(rows: &[Row; N], yoff: &[[i32; 16]; 16]) -> [Row; 16] {
    // Step 1: y[k1][j2] = sum over j1 of x[16 j1 + j2] 2^(j1 k1); |y| < 2^28.
    let y = ntt16::<N>(rows);
    // Step 2: twiddles 41^(j2 k1), with the values first brought to -272..=271; the rows are
    // taken in lane order and the result is transposed so that step 3 runs along j2.
    let mut t = [[0i32; 16]; 16];
    for (lane, tr) in t.iter_mut().enumerate() {
        let k1 = K1_OF_LANE[lane];
        for j2 in 0..16 {
            tr[j2] = reds1(mul16(reds1(reds2(y[k1][j2])), TWIDDLE[k1][j2]));
        }
    }
    let z = transpose(&t);
    // Step 3: q[k1 + 16 k2] = sum over j2 of z[j2][k1] 2^(j2 k2); |z| <= 528, so
    // |q| <= 16 * 528 * 2^17 < 2^31. Then the offset, and centring from -1..=257.
    let mut q = ntt16::<16>(&z);
    for (qr, yr) in q.iter_mut().zip(yoff.iter()) {
        for (v, o) in qr.iter_mut().zip(yr.iter()) {
            let t = reds1(reds1(reds2(*v + *o)));
            *v = t - (((128 - t) >> 31) & 257);
        }
    }
    q
}

/// `INNER`: two transform values packed into one message word.
#[inline(always)]
const fn inner(l: i32, h: i32, m: i32) -> u32 {
    ((l.wrapping_mul(m) as u32) & 0xFFFF).wrapping_add((h.wrapping_mul(m) as u32) << 16)
}

/// The expanded message: eight words for each of the 32 steps of the four rounds.
pub(super) type Words = [[u32; 8]; 32];

/// For each round, the row of 16 transform values each step reads (sphlib `wbp`).
pub(super) const WB: [[usize; 8]; 4] = [
    [4, 6, 0, 2, 7, 5, 3, 1],
    [15, 11, 12, 8, 9, 13, 10, 14],
    [17, 18, 23, 20, 22, 21, 16, 19],
    [30, 24, 25, 31, 27, 29, 28, 26],
];

/// The 256 message words of the four rounds (64 per round, 8 per step) from the transform.
/// Rounds 0-1 pair the values at `16 sb + 2 i` and `+ 1`; rounds 2-3 pair values taken at
/// fixed offsets below `16 sb + 2 i`, with multiplier 233 instead of 185. This is the
/// definition, on values in natural order (`q[16 r + k1]` at `[r][k1]`), evaluated at compile
/// time for [`FINAL64_W`]; [`expand_lanes`] is the run-time form.
const fn expand(q: &[Row; 16]) -> Words {
    const OFF: [(isize, isize, i32); 4] =
        [(0, 1, 185), (0, 1, 185), (-256, -128, 233), (-383, -255, 233)];
    let mut w = [[0u32; 8]; 32];
    let mut round = 0;
    while round < 4 {
        let (o1, o2, m) = OFF[round];
        let mut step = 0;
        while step < 8 {
            let base = 16 * WB[round][step];
            let mut i = 0;
            while i < 8 {
                let l = ((base + 2 * i) as isize + o1) as usize;
                let h = ((base + 2 * i) as isize + o2) as usize;
                w[8 * round + step][i] = inner(q[l / 16][l % 16], q[h / 16][h % 16], m);
                i += 1;
            }
            step += 1;
        }
        round += 1;
    }
    w
}

/// [`expand`] for the lane layout [`transform`] produces: the even/odd pairs of rounds 0-1
/// are the two halves of one row; those of rounds 2-3 the same halves of two rows.
#[inline(always)]
fn expand_lanes(q: &[Row; 16]) -> Words {
    #[inline(always)]
    fn lo16(x: i32, m: i16) -> u32 {
        u32::from((x as i16).wrapping_mul(m) as u16)
    }
    let mut w = [[0u32; 8]; 32];
    for step in 0..8 {
        let (r0, r1) = (WB[0][step], WB[1][step]);
        let (r2, r3) = (WB[2][step] - 16, WB[3][step] - 24);
        for i in 0..8 {
            w[step][i] = lo16(q[r0][i], 185) | (lo16(q[r0][8 + i], 185) << 16);
            w[8 + step][i] = lo16(q[r1][i], 185) | (lo16(q[r1][8 + i], 185) << 16);
            w[16 + step][i] = lo16(q[r2][i], 233) | (lo16(q[r2 + 8][i], 233) << 16);
            w[24 + step][i] = lo16(q[r3][8 + i], 233) | (lo16(q[r3 + 8][8 + i], 233) << 16);
        }
    }
    w
}

/// The expanded message of the final block of a 64-byte input (its length, 512 bits, is
/// the only non-zero content: byte 1 = 2), computed at compile time from the definition of
/// the transform.
pub(super) const FINAL64_W: Words = {
    let mut q = [[0i32; 16]; 16];
    let mut k = 0;
    while k < 256 {
        let v = (2 * pow_mod(ALPHA, k % 256)
            + pow_mod(ALPHA, (255 * k) % 256)
            + pow_mod(ALPHA, (253 * k) % 256))
            % 257;
        q[(k / 16) as usize][(k % 16) as usize] = if v <= 128 { v as i32 } else { v as i32 - 257 };
        k += 1;
    }
    expand(&q)
};

#[inline(always)]
fn if_(x: u32, y: u32, z: u32) -> u32 {
    ((y ^ z) & x) ^ z
}

#[inline(always)]
fn maj(x: u32, y: u32, z: u32) -> u32 {
    (x & y) | ((x | y) & z)
}

/// The four state rows.
#[derive(Clone, Copy)]
struct State {
    a: [u32; 8],
    b: [u32; 8],
    c: [u32; 8],
    d: [u32; 8],
}

impl State {
    /// One step: message words `w`, boolean function `MAJ` (else `IF`), rotations `R` and
    /// `S`, lane permutation `n -> n ^ P`.
    #[inline(always)]
    fn step<const R: u32, const S: u32, const P: usize, const MAJ: bool>(&mut self, w: &[u32; 8]) {
        let mut ta = [0u32; 8];
        for n in 0..8 {
            ta[n] = self.a[n].rotate_left(R);
        }
        let mut na = [0u32; 8];
        for n in 0..8 {
            let f = if MAJ {
                maj(self.a[n], self.b[n], self.c[n])
            } else {
                if_(self.a[n], self.b[n], self.c[n])
            };
            let tt = self.d[n].wrapping_add(w[n]).wrapping_add(f);
            na[n] = tt.rotate_left(S).wrapping_add(ta[n ^ P]);
        }
        self.d = self.c;
        self.c = self.b;
        self.b = ta;
        self.a = na;
    }
}

/// The lane permutations of the steps: step `j` of round `i` uses `n -> n ^ PP[(i + j) % 7]`.
pub(super) const PP: [usize; 7] = [1, 6, 2, 3, 5, 7, 4];

/// One round of eight steps (words `w[8 i..8 i + 8]`) with rotations `p0..p3`, fully
/// expanded so that every rotation and permutation is a constant.
macro_rules! round {
    ($st:ident, $w:ident, $i:literal, $p0:literal, $p1:literal, $p2:literal, $p3:literal) => {
        $st.step::<$p0, $p1, { PP[$i % 7] }, false>(&$w[8 * $i]);
        $st.step::<$p1, $p2, { PP[($i + 1) % 7] }, false>(&$w[8 * $i + 1]);
        $st.step::<$p2, $p3, { PP[($i + 2) % 7] }, false>(&$w[8 * $i + 2]);
        $st.step::<$p3, $p0, { PP[($i + 3) % 7] }, false>(&$w[8 * $i + 3]);
        $st.step::<$p0, $p1, { PP[($i + 4) % 7] }, true>(&$w[8 * $i + 4]);
        $st.step::<$p1, $p2, { PP[($i + 5) % 7] }, true>(&$w[8 * $i + 5]);
        $st.step::<$p2, $p3, { PP[($i + 6) % 7] }, true>(&$w[8 * $i + 6]);
        $st.step::<$p3, $p0, { PP[($i + 7) % 7] }, true>(&$w[8 * $i + 7]);
    };
}

/// Compresses one block (its little-endian words `m`) with its expanded message `w`.
#[inline(never)]
fn compress(h: &mut [u32; 32], m: &[u32; 32], w: &Words) {
    let mut x = [[0u32; 8]; 4];
    for i in 0..32 {
        x[i / 8][i % 8] = h[i] ^ m[i];
    }
    let mut st = State { a: x[0], b: x[1], c: x[2], d: x[3] };
    round!(st, w, 0, 3, 23, 17, 27);
    round!(st, w, 1, 28, 19, 22, 7);
    round!(st, w, 2, 29, 9, 15, 5);
    round!(st, w, 3, 4, 13, 10, 25);
    let mut saved = [[0u32; 8]; 4];
    for i in 0..32 {
        saved[i / 8][i % 8] = h[i];
    }
    st.step::<4, 13, 5, false>(&saved[0]);
    st.step::<13, 10, 7, false>(&saved[1]);
    st.step::<10, 25, 4, false>(&saved[2]);
    st.step::<25, 4, 1, false>(&saved[3]);
    h[0..8].copy_from_slice(&st.a);
    h[8..16].copy_from_slice(&st.b);
    h[16..24].copy_from_slice(&st.c);
    h[24..32].copy_from_slice(&st.d);
}

/// The block's bytes as transform rows (first `N` rows of 16 bytes) and as words.
#[inline(always)]
fn rows_of<const N: usize>(block: &[u8]) -> [Row; N] {
    let mut rows = [[0i32; 16]; N];
    for (r, chunk) in rows.iter_mut().zip(block.chunks_exact(16)) {
        for (v, b) in r.iter_mut().zip(chunk) {
            *v = i32::from(*b);
        }
    }
    rows
}

fn words_of(block: &[u8; 128]) -> [u32; 32] {
    let mut m = [0u32; 32];
    for (w, c) in m.iter_mut().zip(block.chunks_exact(4)) {
        *w = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    }
    m
}

/// Compresses a full 128-byte block.
fn compress_block(h: &mut [u32; 32], block: &[u8; 128], last: bool) {
    let yoff = if last { &YOFF_F } else { &YOFF_N };
    let q = transform::<8>(&rows_of::<8>(block), yoff);
    compress(h, &words_of(block), &expand_lanes(&q));
}

fn output(h: &[u32; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (c, w) in out.chunks_exact_mut(4).zip(h.iter()) {
        c.copy_from_slice(&w.to_le_bytes());
    }
    out
}

/// SIMD-512 (sphlib) of `data`.
pub fn digest(data: &[u8]) -> [u8; 64] {
    let mut h = IV512;
    let mut blocks = data.chunks_exact(128);
    for block in &mut blocks {
        compress_block(&mut h, block.try_into().expect("chunks_exact yields 128 bytes"), false);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut block = [0u8; 128];
        block[..tail.len()].copy_from_slice(tail);
        compress_block(&mut h, &block, false);
    }
    let mut block = [0u8; 128];
    let bits = (data.len() as u64).wrapping_mul(8);
    block[..8].copy_from_slice(&bits.to_le_bytes());
    compress_block(&mut h, &block, true);
    output(&h)
}

/// SIMD-512 of exactly 64 bytes (an X11 stage input); equal to [`digest`] on them.
pub fn digest64(data: &[u8; 64]) -> [u8; 64] {
    let mut h = IV512;
    let q = transform::<4>(&rows_of::<4>(data), &YOFF_N);
    let mut m = [0u32; 32];
    for (w, c) in m.iter_mut().zip(data.chunks_exact(4)) {
        *w = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    }
    compress(&mut h, &m, &expand_lanes(&q));
    let mut m = [0u32; 32];
    m[0] = 512;
    compress(&mut h, &m, &FINAL64_W);
    output(&h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::x11::vectors;

    #[test]
    fn digest_matches_sphlib_on_inputs_of_many_lengths() {
        vectors::check_algorithm("simd512", digest);
    }

    #[test]
    fn digest_and_digest64_match_x11_stage_9_in_every_chain() {
        vectors::check_stage(9, digest);
        vectors::check_digest64("simd512", 9, digest, digest64);
    }

    #[test]
    fn fast_transform_equals_the_definition() {
        let mut block = [0u8; 128];
        for (i, b) in block.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(167).wrapping_add(89) ^ 0x5a;
        }
        block[3] = 255;
        block[127] = 255;
        for last in [false, true] {
            let q = transform::<8>(&rows_of::<8>(&block), if last { &YOFF_F } else { &YOFF_N });
            for k in 0..256u32 {
                let mut v: u32 = block
                    .iter()
                    .enumerate()
                    .map(|(j, &x)| u32::from(x) * pow_mod(ALPHA, (j as u32 * k) % 256))
                    .sum::<u32>()
                    + pow_mod(ALPHA, (255 * k) % 256);
                if last {
                    v += pow_mod(ALPHA, (253 * k) % 256);
                }
                let v = (v % 257) as i32;
                let want = if v <= 128 { v } else { v - 257 };
                assert_eq!(
                    q[k as usize / 16][lane_of(k as usize % 16)],
                    want,
                    "k = {k}, last = {last}"
                );
            }
        }
    }

    #[test]
    fn digest64_equals_digest_on_64_bytes() {
        vectors::check_digest64_on_patterns(digest, digest64);
    }
}
