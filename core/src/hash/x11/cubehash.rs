//! CubeHash16/32-512 as sphlib 3.0 defines it (`sph_cubehash512`, Dash Core
//! `src/crypto/sph_cubehash.h`): the eighth X11 stage.
//!
//! The state is 32 words of 32 bits. Each 32-byte block is XORed (little-endian) into words
//! 0..8 and followed by 16 rounds. Finalisation appends `0x80`, zero-fills the block, absorbs
//! it with 16 rounds, XORs 1 into word 31 and runs 160 more rounds; the digest is words 0..16
//! in little-endian order. The 160 initialisation rounds are folded into `IV512`.
//!
//! Implementation: the state is held as eight 4-word groups (`[u32; 4]`), the low half
//! (words 0..16) in `a` and the high half in `b`. The round's word swaps within the low half
//! become renamings of whole groups and those within the high half become fixed lane
//! permutations, so no data moves for them; the sixteen rounds are fully unrolled.

/// The CubeHash-512 state after the 160 initialisation rounds (sphlib `IV512`).
pub(super) const IV512: [u32; 32] = [
    0x2AEA2A61, 0x50F494D4, 0x2D538B8B, 0x4167D83E, 0x3FEE2313, 0xC701CF8C, 0xCC39968E, 0x50AC5695,
    0x4D42C787, 0xA647A8B3, 0x97CF0BEF, 0x825B4537, 0xEEF864D2, 0xF22090C4, 0xD0E5CD33, 0xA23911AE,
    0xFCD398D9, 0x148FE485, 0x1B017BEF, 0xB6444532, 0x6A536159, 0x2FF5781C, 0x91FA7934, 0x0DBADEA9,
    0xD65C8A2B, 0xA5A70E75, 0xB1C62456, 0xBC796576, 0x1921C8F7, 0xE7989AF1, 0x7795D246, 0xD43E3B44,
];

/// Four 32-bit lanes; plain arrays that the optimiser turns into vector registers.
type V = [u32; 4];

#[inline(always)]
fn add(x: V, y: V) -> V {
    [
        x[0].wrapping_add(y[0]),
        x[1].wrapping_add(y[1]),
        x[2].wrapping_add(y[2]),
        x[3].wrapping_add(y[3]),
    ]
}

#[inline(always)]
fn xor(x: V, y: V) -> V {
    [x[0] ^ y[0], x[1] ^ y[1], x[2] ^ y[2], x[3] ^ y[3]]
}

#[inline(always)]
fn rotl<const N: u32>(x: V) -> V {
    [x[0].rotate_left(N), x[1].rotate_left(N), x[2].rotate_left(N), x[3].rotate_left(N)]
}

/// The working state: `a` holds words 0..16, `b` words 16..32, four words per vector.
#[derive(Clone, Copy)]
struct State {
    a: [V; 4],
    b: [V; 4],
}

impl State {
    const fn new() -> State {
        let mut a = [[0u32; 4]; 4];
        let mut b = [[0u32; 4]; 4];
        let mut i = 0;
        while i < 16 {
            a[i / 4][i % 4] = IV512[i];
            b[i / 4][i % 4] = IV512[16 + i];
            i += 1;
        }
        State { a, b }
    }

    /// One CubeHash round (the ten steps of the specification).
    #[inline(always)]
    fn round(&mut self) {
        let (a, b) = (&mut self.a, &mut self.b);
        // x[16+i] += x[i]; x[i] <<<= 7
        for k in 0..4 {
            b[k] = add(b[k], a[k]);
            a[k] = rotl::<7>(a[k]);
        }
        // swap x[i] and x[i^8] (i < 16), then x[i] ^= x[16+i]
        *a = [xor(a[2], b[0]), xor(a[3], b[1]), xor(a[0], b[2]), xor(a[1], b[3])];
        // swap x[16+i] and x[16+(i^2)], then x[16+i] += x[i]; x[i] <<<= 11
        for k in 0..4 {
            let s = b[k];
            b[k] = add([s[2], s[3], s[0], s[1]], a[k]);
            a[k] = rotl::<11>(a[k]);
        }
        // swap x[i] and x[i^4] (i < 16), then x[i] ^= x[16+i]
        *a = [xor(a[1], b[0]), xor(a[0], b[1]), xor(a[3], b[2]), xor(a[2], b[3])];
        // swap x[16+i] and x[16+(i^1)]
        for s in b.iter_mut() {
            *s = [s[1], s[0], s[3], s[2]];
        }
    }

    /// Sixteen rounds (`r = 16`), the work done after every block.
    // Not inlined: one copy of the unrolled rounds serves every call site.
    #[inline(never)]
    fn sixteen_rounds(&mut self) {
        for _ in 0..16 {
            self.round();
        }
    }

    /// XORs one 32-byte block (eight little-endian words) into words 0..8.
    #[inline(always)]
    fn absorb(&mut self, block: &[u8; 32]) {
        for k in 0..2 {
            for l in 0..4 {
                let at = 16 * k + 4 * l;
                let w =
                    u32::from_le_bytes([block[at], block[at + 1], block[at + 2], block[at + 3]]);
                self.a[k][l] ^= w;
            }
        }
        self.sixteen_rounds();
    }

    /// Absorbs the padded last block, runs the finalisation and returns the digest.
    fn finish(mut self, tail: &[u8]) -> [u8; 64] {
        let mut block = [0u8; 32];
        block[..tail.len()].copy_from_slice(tail);
        block[tail.len()] = 0x80;
        self.absorb(&block);
        self.b[3][3] ^= 1;
        for _ in 0..10 {
            self.sixteen_rounds();
        }
        let mut out = [0u8; 64];
        for (i, chunk) in out.chunks_exact_mut(4).enumerate() {
            chunk.copy_from_slice(&self.a[i / 4][i % 4].to_le_bytes());
        }
        out
    }
}

/// CubeHash-512 (sphlib) of `data`.
pub fn digest(data: &[u8]) -> [u8; 64] {
    let mut st = State::new();
    let mut blocks = data.chunks_exact(32);
    for block in &mut blocks {
        let block: &[u8; 32] = block.try_into().expect("chunks_exact yields 32 bytes");
        st.absorb(block);
    }
    st.finish(blocks.remainder())
}

/// CubeHash-512 of exactly 64 bytes (an X11 stage input); equal to [`digest`] on them.
pub fn digest64(data: &[u8; 64]) -> [u8; 64] {
    let mut st = State::new();
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
        vectors::check_algorithm("cubehash512", digest);
    }

    #[test]
    fn digest_and_digest64_match_x11_stage_7_in_every_chain() {
        vectors::check_stage(7, digest);
        vectors::check_digest64("cubehash512", 7, digest, digest64);
    }

    #[test]
    fn digest64_equals_digest_on_64_bytes() {
        vectors::check_digest64_on_patterns(digest, digest64);
    }

    #[test]
    fn iv_is_the_state_after_160_initialisation_rounds() {
        // x0 = h/8 = 64, x1 = b = 32, x2 = r = 16, the rest zero, then 10 r rounds.
        let mut st = State { a: [[0; 4]; 4], b: [[0; 4]; 4] };
        st.a[0] = [64, 32, 16, 0];
        for _ in 0..10 {
            st.sixteen_rounds();
        }
        let got: Vec<u32> = st.a.iter().chain(st.b.iter()).flatten().copied().collect();
        assert_eq!(got, IV512.to_vec());
    }
}
