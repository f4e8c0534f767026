//! The X11 proof-of-work hash: eleven 512-bit hash functions from the SHA-3 competition,
//! chained in a fixed order (blake, bmw, groestl, skein, jh, keccak, luffa, cubehash,
//! shavite, simd, echo), each over the previous 64-byte digest, exactly as sphlib 3.0 (the C
//! code Dash Core links, `src/crypto/sph_*.c`) computes them. The block hash is the first 32
//! bytes of the last digest.
//!
//! Every algorithm module exposes `digest(&[u8]) -> [u8; 64]` for input of any length and
//! `digest64(&[u8; 64])` for the 64-byte input of stages 2 to 11, which returns the same value.
//! The portable code uses no `unsafe`, no SIMD intrinsics and no allocation: fixed-size state
//! arrays, rounds unrolled by macros or const-generic helpers, tables built by `const fn`.

pub mod blake;
pub mod bmw;
pub mod cubehash;
pub mod echo;
pub mod groestl;
pub mod jh;
pub mod keccak;
pub mod luffa;
pub mod shavite;
pub mod simd;
pub mod skein;

mod aes;

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86;

#[cfg(target_arch = "aarch64")]
#[allow(unsafe_code)]
mod aarch64;

use std::sync::OnceLock;

/// An implementation of each of the eleven X11 algorithms: the portable one
/// ([`Stages::PORTABLE`]) or, where the CPU has the instructions, an accelerated one picked at
/// run time ([`Stages::detected`]). Every entry computes the same function as the portable
/// module of the same name (`blake` is [`blake::digest`], the others `digest64`).
#[derive(Clone, Copy, Debug)]
pub struct Stages {
    /// Stage 1 on input of any length (an 80-byte header in X11).
    pub blake: fn(&[u8]) -> [u8; 64],
    /// Stage 2.
    pub bmw: fn(&[u8; 64]) -> [u8; 64],
    /// Stage 3.
    pub groestl: fn(&[u8; 64]) -> [u8; 64],
    /// Stage 4.
    pub skein: fn(&[u8; 64]) -> [u8; 64],
    /// Stage 5.
    pub jh: fn(&[u8; 64]) -> [u8; 64],
    /// Stage 6.
    pub keccak: fn(&[u8; 64]) -> [u8; 64],
    /// Stage 7.
    pub luffa: fn(&[u8; 64]) -> [u8; 64],
    /// Stage 8.
    pub cubehash: fn(&[u8; 64]) -> [u8; 64],
    /// Stage 9.
    pub shavite: fn(&[u8; 64]) -> [u8; 64],
    /// Stage 10.
    pub simd: fn(&[u8; 64]) -> [u8; 64],
    /// Stage 11.
    pub echo: fn(&[u8; 64]) -> [u8; 64],
    /// Which implementation each stage uses, in X11 order (`"portable"`, `"aes-ni"`, ...).
    pub names: [&'static str; 11],
}

/// Environment variable that, when set to anything but `0` or the empty string before the
/// first X11 computation, makes [`Stages::detected`] (and so [`x11`]) use the portable code.
pub const FORCE_PORTABLE_ENV: &str = "DASHLITE_X11_PORTABLE";

impl Stages {
    /// The portable implementations: plain Rust, no `unsafe`, the oracle for the others.
    pub const PORTABLE: Stages = Stages {
        blake: blake::digest,
        bmw: bmw::digest64,
        groestl: groestl::digest64,
        skein: skein::digest64,
        jh: jh::digest64,
        keccak: keccak::digest64,
        luffa: luffa::digest64,
        cubehash: cubehash::digest64,
        shavite: shavite::digest64,
        simd: simd::digest64,
        echo: echo::digest64,
        names: ["portable"; 11],
    };

    /// The fastest implementations this CPU supports, detected on first use and cached; the
    /// portable ones where no accelerated path applies or when [`FORCE_PORTABLE_ENV`] is set.
    pub fn detected() -> &'static Stages {
        static DETECTED: OnceLock<Stages> = OnceLock::new();
        DETECTED.get_or_init(|| {
            let forced =
                std::env::var_os(FORCE_PORTABLE_ENV).is_some_and(|v| !v.is_empty() && v != "0");
            if forced {
                Stages::PORTABLE
            } else {
                Stages::accelerated()
            }
        })
    }

    /// The accelerated implementations this CPU supports (ignoring [`FORCE_PORTABLE_ENV`]),
    /// portable ones elsewhere. Detection runs on every call; [`Stages::detected`] caches it.
    pub fn accelerated() -> Stages {
        #[cfg(target_arch = "x86_64")]
        {
            x86::stages()
        }
        #[cfg(target_arch = "aarch64")]
        {
            aarch64::stages()
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        {
            Stages::PORTABLE
        }
    }

    /// X11 of `data` with these implementations.
    pub fn x11(&self, data: &[u8]) -> [u8; 32] {
        let h = (self.blake)(data);
        let h = (self.bmw)(&h);
        let h = (self.groestl)(&h);
        let h = (self.skein)(&h);
        let h = (self.jh)(&h);
        let h = (self.keccak)(&h);
        let h = (self.luffa)(&h);
        let h = (self.cubehash)(&h);
        let h = (self.shavite)(&h);
        let h = (self.simd)(&h);
        let h = (self.echo)(&h);
        let mut out = [0u8; 32];
        out.copy_from_slice(&h[..32]);
        out
    }
}

/// X11 of `data`: the first 32 bytes of the eleven chained digests, in internal (wire) byte
/// order. A block's hash is X11 of its 80-byte header. Uses the accelerated implementations
/// the CPU supports ([`Stages::detected`]).
pub fn x11(data: &[u8]) -> [u8; 32] {
    Stages::detected().x11(data)
}

/// X11 of `data` with the portable implementations only (the oracle for the accelerated
/// paths, and the baseline in benchmarks).
pub fn x11_portable(data: &[u8]) -> [u8; 32] {
    Stages::PORTABLE.x11(data)
}

#[cfg(test)]
mod stages_tests;

#[cfg(test)]
pub(crate) mod vectors {
    //! Shared checks against `shared/vectors/x11-stages.json` (generated with sphlib 3.0).

    fn load() -> serde_json::Value {
        crate::test_support::vectors("x11-stages.json")
    }

    use crate::test_support::hex_bytes as bytes;

    /// `(input, digest)` pairs of `algorithms.<name>`.
    fn algorithm_cases(name: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
        let all = load();
        let cases = all["algorithms"][name].as_array().expect("algorithm vectors").clone();
        assert!(!cases.is_empty(), "no vectors for {name}");
        cases.iter().map(|c| (bytes(&c["input"]), bytes(&c["digest"]))).collect()
    }

    /// `(input, digest)` of X11 stage `stage` (0 = blake) in every `x11` computation.
    fn stage_cases(stage: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        let all = load();
        let runs = all["x11"].as_array().expect("x11 vectors");
        assert_eq!(runs.len(), 64, "expected 64 x11 computations");
        runs.iter()
            .map(|run| {
                let stages = run["stages"].as_array().expect("stages");
                assert_eq!(stages.len(), 11);
                let input =
                    if stage == 0 { bytes(&run["header"]) } else { bytes(&stages[stage - 1]) };
                (input, bytes(&stages[stage]))
            })
            .collect()
    }

    /// Every `algorithms.<name>` entry (inputs of 0 to 200 bytes) hashes to its digest.
    pub fn check_algorithm(name: &str, digest: fn(&[u8]) -> [u8; 64]) {
        for (input, expected) in algorithm_cases(name) {
            assert_eq!(
                hex::encode(digest(&input)),
                hex::encode(&expected),
                "{name} of {} bytes",
                input.len()
            );
        }
    }

    /// Stage `stage` of all 64 X11 computations hashes its input to its digest.
    pub fn check_stage(stage: usize, digest: fn(&[u8]) -> [u8; 64]) {
        for (i, (input, expected)) in stage_cases(stage).into_iter().enumerate() {
            assert_eq!(hex::encode(digest(&input)), hex::encode(&expected), "x11[{i}]");
        }
    }

    /// `digest64` equals `digest` on 32 patterned 64-byte inputs beyond the vectors.
    pub fn check_digest64_on_patterns(
        digest: fn(&[u8]) -> [u8; 64],
        digest64: fn(&[u8; 64]) -> [u8; 64],
    ) {
        for seed in 0u8..32 {
            let input: [u8; 64] = core::array::from_fn(|i| {
                (i as u8).wrapping_mul(31).wrapping_add(seed.wrapping_mul(97))
            });
            assert_eq!(digest64(&input), digest(&input), "pattern {seed}");
        }
    }

    /// Zero inputs of the given lengths (around padding and block boundaries) all hash
    /// differently.
    pub fn check_distinct_lengths(digest: fn(&[u8]) -> [u8; 64], lens: &[usize]) {
        let data = [0u8; 300];
        let digests: Vec<_> = lens.iter().map(|&n| digest(&data[..n])).collect();
        for i in 0..digests.len() {
            for j in i + 1..digests.len() {
                assert_ne!(digests[i], digests[j], "lengths {} and {}", lens[i], lens[j]);
            }
        }
    }

    /// `digest64` equals `digest` (and the expected digest) on every 64-byte input available:
    /// the 64-byte `algorithms.<name>` entry and the 64 stage inputs (for stage 0, whose own
    /// inputs are 80-byte headers, the 64-byte inputs of stage 1).
    pub fn check_digest64(
        name: &str,
        stage: usize,
        digest: fn(&[u8]) -> [u8; 64],
        digest64: fn(&[u8; 64]) -> [u8; 64],
    ) {
        let mut cases: Vec<(Vec<u8>, Option<Vec<u8>>)> =
            algorithm_cases(name).into_iter().map(|(i, d)| (i, Some(d))).collect();
        if stage == 0 {
            cases.extend(stage_cases(1).into_iter().map(|(i, _)| (i, None)));
        } else {
            cases.extend(stage_cases(stage).into_iter().map(|(i, d)| (i, Some(d))));
        }
        let mut checked = 0;
        for (input, expected) in cases {
            let Ok(block) = <[u8; 64]>::try_from(input.as_slice()) else { continue };
            let got = digest64(&block);
            assert_eq!(got, digest(&input), "{name}: digest64 differs from digest");
            if let Some(expected) = expected {
                assert_eq!(got.as_slice(), expected.as_slice(), "{name}: digest64 is wrong");
            }
            checked += 1;
        }
        assert!(checked > 64, "{name}: only {checked} 64-byte inputs");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x11_of_every_stage_vector_is_the_first_half_of_its_echo_digest() {
        let v = crate::test_support::vectors("x11-stages.json");
        for run in v["x11"].as_array().unwrap() {
            let header = hex::decode(run["header"].as_str().unwrap()).unwrap();
            let echo = run["stages"][10].as_str().unwrap();
            assert_eq!(hex::encode(x11(&header)), echo[..64]);
        }
    }

    #[test]
    fn x11_matches_every_real_and_genesis_vector() {
        let v = crate::test_support::vectors("x11-real.json");
        let cases = v["vectors"].as_array().unwrap();
        assert!(cases.len() >= 5);
        for c in cases {
            let input = hex::decode(c["input_hex"].as_str().unwrap()).unwrap();
            assert_eq!(hex::encode(x11(&input)), c["hash_raw_hex"], "{}", c["desc"]);
        }
    }
}
