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

/// The SIMD-512 initial state (sphlib `IV512`).
const IV512: [u32; 32] = [
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
const TWIDDLE: [[i32; 16]; 16] = {
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
/// for the final one): `41^(255 k)` and `41^(255 k) + 41^(253 k)`, by row and column
/// (`k = 16 row + column`).
const fn offsets(last: bool) -> [[i32; 16]; 16] {
    let mut t = [[0i32; 16]; 16];
    let mut k = 0;
    while k < 256 {
        let mut v = pow_mod(ALPHA, (255 * k) % 256);
        if last {
            v += pow_mod(ALPHA, (253 * k) % 256);
        }
        t[(k / 16) as usize][(k % 16) as usize] = v as i32;
        k += 1;
    }
    t
}

const YOFF_N: [[i32; 16]; 16] = offsets(false);
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

/// Sixteen columns of the transform, as one row of a 16x16 matrix.
type Row = [i32; 16];

/// The 16-point transform with root 2 (2 has order 16 modulo 257), applied to all 16
/// columns: `out[k] = sum over i < N of x[i] * 2^(i k)`, inputs `N..16` being zero.
///
/// Decimation in time, in place in bit-reversed order. With only `N` inputs, the first
/// `log2(16 / N)` levels are transforms of a single non-zero value, that is constant blocks,
/// so they are filled in directly. Every twiddle is `2^e` with `e < 8`: a left shift.
/// Growth: at most `2^17` times the largest input, summed over `N` inputs.
#[inline(always)]
fn ntt16<const N: usize>(x: &[Row; N]) -> [Row; 16] {
    let bits = N.trailing_zeros();
    let block = 16 / N;
    let mut a = [[0i32; 16]; 16];
    for p in 0..N {
        let src = if bits == 0 { 0 } else { p.reverse_bits() >> (usize::BITS - bits) };
        for u in 0..block {
            a[p * block + u] = x[src];
        }
    }
    let mut h = block;
    while h < 16 {
        let mut start = 0;
        while start < 16 {
            for u in 0..h {
                let e = 8 * u / h;
                let (lo, hi) = a.split_at_mut(start + h);
                let (s, t) = (&mut lo[start + u], &mut hi[u]);
                for l in 0..16 {
                    let m = s[l];
                    let n = t[l] << e;
                    s[l] = m + n;
                    t[l] = m - n;
                }
            }
            start += 2 * h;
        }
        h *= 2;
    }
    a
}

/// The message expansion's transform: `q[16 r + c] = NTT(bytes)[16 r + c] + offset`, each
/// centred in -128..=128. `rows` are the block's bytes as rows of 16 (byte `16 j1 + j2` in
/// row `j1`, column `j2`); rows past `N` are zero.
#[inline(always)]
fn transform<const N: usize>(rows: &[Row; N], yoff: &[[i32; 16]; 16]) -> [Row; 16] {
    // Step 1: y[k1][j2] = sum over j1 of x[16 j1 + j2] 2^(j1 k1); |y| < 2^28.
    let y = ntt16::<N>(rows);
    // Step 2: twiddles 41^(j2 k1), with the values first brought to -272..=271; the result is
    // transposed so that step 3 runs along j2.
    let mut z = [[0i32; 16]; 16];
    for k1 in 0..16 {
        for j2 in 0..16 {
            z[j2][k1] = reds1(reds1(reds2(y[k1][j2])) * TWIDDLE[k1][j2]);
        }
    }
    // Step 3: q[k1 + 16 k2] = sum over j2 of z[j2][k1] 2^(j2 k2); |z| <= 528, so
    // |q| <= 16 * 528 * 2^17 < 2^31.
    let mut q = ntt16::<16>(&z);
    for (qr, yr) in q.iter_mut().zip(yoff.iter()) {
        for (v, o) in qr.iter_mut().zip(yr.iter()) {
            let t = reds1(reds1(reds2(*v + *o)));
            *v = if t <= 128 { t } else { t - 257 };
        }
    }
    q
}

/// `INNER`: two transform values packed into one message word.
#[inline(always)]
const fn inner(l: i32, h: i32, m: i32) -> u32 {
    ((l.wrapping_mul(m) as u32) & 0xFFFF).wrapping_add((h.wrapping_mul(m) as u32) << 16)
}

/// For each round, the row of 16 transform values each step reads (sphlib `wbp`).
const WB: [[usize; 8]; 4] = [
    [4, 6, 0, 2, 7, 5, 3, 1],
    [15, 11, 12, 8, 9, 13, 10, 14],
    [17, 18, 23, 20, 22, 21, 16, 19],
    [30, 24, 25, 31, 27, 29, 28, 26],
];

/// The 256 message words of the four rounds (64 per round, 8 per step) from the transform.
/// Rounds 0-1 pair the values at `16 sb + 2 i` and `+ 1`; rounds 2-3 pair values taken at
/// fixed offsets below `16 sb + 2 i`, with multiplier 233 instead of 185.
#[inline(always)]
const fn expand(q: &[Row; 16]) -> [u32; 256] {
    const OFF: [(isize, isize, i32); 4] =
        [(0, 1, 185), (0, 1, 185), (-256, -128, 233), (-383, -255, 233)];
    let mut w = [0u32; 256];
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
                w[64 * round + 8 * step + i] = inner(q[l / 16][l % 16], q[h / 16][h % 16], m);
                i += 1;
            }
            step += 1;
        }
        round += 1;
    }
    w
}

/// The expanded message of the final block of a 64-byte input (its length, 512 bits, is
/// the only non-zero content: byte 1 = 2), computed at compile time from the definition of
/// the transform.
const FINAL64_W: [u32; 256] = {
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
    /// One step: message words `w`, boolean function `IF` or `MAJ`, rotations `r` and `s`,
    /// lane permutation `n -> n ^ p`.
    #[inline(always)]
    fn step(&mut self, w: &[u32], use_maj: bool, r: u32, s: u32, p: usize) {
        let mut ta = [0u32; 8];
        for n in 0..8 {
            ta[n] = self.a[n].rotate_left(r);
        }
        let mut na = [0u32; 8];
        for n in 0..8 {
            let f = if use_maj {
                maj(self.a[n], self.b[n], self.c[n])
            } else {
                if_(self.a[n], self.b[n], self.c[n])
            };
            let tt = self.d[n].wrapping_add(w[n]).wrapping_add(f);
            na[n] = tt.rotate_left(s).wrapping_add(ta[n ^ p]);
        }
        self.d = self.c;
        self.c = self.b;
        self.b = ta;
        self.a = na;
    }

    /// One round of eight steps: rotations `rot`, permutation schedule starting at `isp`.
    #[inline(always)]
    fn round(&mut self, w: &[u32], rot: [u32; 4], isp: usize) {
        const PP: [usize; 7] = [1, 6, 2, 3, 5, 7, 4];
        for j in 0..8 {
            let (r, s) = (rot[j % 4], rot[(j + 1) % 4]);
            self.step(&w[8 * j..8 * j + 8], j >= 4, r, s, PP[(j + isp) % 7]);
        }
    }
}

/// Compresses one block (its little-endian words `m`) with its expanded message `w`.
#[inline(never)]
fn compress(h: &mut [u32; 32], m: &[u32; 32], w: &[u32; 256]) {
    let mut x = [0u32; 32];
    for i in 0..32 {
        x[i] = h[i] ^ m[i];
    }
    let row = |i: usize| -> [u32; 8] { x[8 * i..8 * i + 8].try_into().expect("8 words") };
    let mut st = State { a: row(0), b: row(1), c: row(2), d: row(3) };
    st.round(&w[0..64], [3, 23, 17, 27], 0);
    st.round(&w[64..128], [28, 19, 22, 7], 1);
    st.round(&w[128..192], [29, 9, 15, 5], 2);
    st.round(&w[192..256], [4, 13, 10, 25], 3);
    st.step(&h[0..8], false, 4, 13, 5);
    st.step(&h[8..16], false, 13, 10, 7);
    st.step(&h[16..24], false, 10, 25, 4);
    st.step(&h[24..32], false, 25, 4, 1);
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
    compress(h, &words_of(block), &expand(&q));
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
    compress(&mut h, &m, &expand(&q));
    let mut m = [0u32; 32];
    m[0] = 512;
    compress(&mut h, &m, &FINAL64_W);
    output(&h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vectors() -> serde_json::Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/x11-stages.json");
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("shared test vectors missing: {path}: {e}"));
        serde_json::from_str(&text).expect("vector file is JSON")
    }

    fn bytes(v: &serde_json::Value) -> Vec<u8> {
        hex::decode(v.as_str().expect("hex string")).expect("valid hex")
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
                assert_eq!(q[k as usize / 16][k as usize % 16], want, "k = {k}, last = {last}");
            }
        }
    }

    #[test]
    fn matches_sphlib_on_inputs_of_many_lengths() {
        let v = vectors();
        let cases = v["algorithms"]["simd512"].as_array().expect("simd512 cases");
        assert!(!cases.is_empty());
        for case in cases {
            let input = bytes(&case["input"]);
            assert_eq!(
                hex::encode(digest(&input)),
                case["digest"].as_str().unwrap(),
                "input of {} bytes",
                input.len()
            );
        }
    }

    #[test]
    fn matches_the_simd_stage_of_every_x11_vector() {
        let v = vectors();
        let runs = v["x11"].as_array().expect("x11 runs");
        assert_eq!(runs.len(), 64);
        for run in runs {
            let input: [u8; 64] = bytes(&run["stages"][8]).try_into().expect("64-byte stage");
            let want = run["stages"][9].as_str().unwrap();
            assert_eq!(hex::encode(digest(&input)), want);
            assert_eq!(hex::encode(digest64(&input)), want);
        }
    }

    #[test]
    fn digest64_equals_digest_on_64_bytes() {
        let mut data = [0u8; 64];
        for n in 0..32u8 {
            for (i, b) in data.iter_mut().enumerate() {
                *b = (i as u8).wrapping_mul(31).wrapping_add(n.wrapping_mul(97));
            }
            assert_eq!(digest64(&data), digest(&data));
        }
        assert_eq!(digest64(&[0xff; 64]), digest(&[0xff; 64]));
    }
}
