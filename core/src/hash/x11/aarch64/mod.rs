//! Accelerated X11 stages for aarch64 (the CPU of Android and iOS devices), selected at run
//! time.
//!
//! Each submodule holds `#[target_feature]` functions behind a private safe wrapper; the
//! wrappers reach callers only through [`stages`], which installs each one after
//! `is_aarch64_feature_detected!` has confirmed every feature it was compiled for. The AES
//! stages (groestl, shavite, echo) use the ARMv8 cryptography extension: ARM's `aese` XORs
//! its key in before SubBytes and ShiftRows and leaves MixColumns to a separate `aesmc`, so
//! an x86-style round `aesenc(x, k)` is `aesmc(aese(x, 0)) ^ k`, and a round preceded by a
//! key XOR, as in SHAvite-3's F, is `aesmc(aese(x, k))`. The NEON stages (cubehash, luffa,
//! jh, simd) use 128-bit integer vectors. Blake, bmw, skein and keccak keep their portable
//! code: their 64-bit additions and rotations gain nothing from two-lane vectors.
//!
//! # Instructions per hash
//!
//! Guest instructions of one call of each stage (`blake` on an 80-byte header, the others on
//! 64 bytes) and of the whole chain, executed under `qemu-aarch64 -cpu max` (Debian's qemu
//! 10.0), release build, counted by `core/examples/x11_insn_count.sh` (every executed
//! instruction logged, counted inside the program's code, 3 calls minus 1, deterministic):
//!
//! | stage    | portable | accelerated | path      | ratio |
//! |----------|---------:|------------:|-----------|------:|
//! | blake    |    2,913 |       2,913 | portable  |  1.00 |
//! | bmw      |    2,292 |       2,292 | portable  |  1.00 |
//! | groestl  |   24,762 |       8,104 | armv8-aes |  3.06 |
//! | skein    |    1,648 |       1,648 | portable  |  1.00 |
//! | jh       |   10,851 |       5,886 | neon      |  1.84 |
//! | keccak   |    3,716 |       3,716 | portable  |  1.00 |
//! | luffa    |   21,187 |       6,893 | neon      |  3.07 |
//! | cubehash |   29,313 |       8,791 | neon      |  3.33 |
//! | shavite  |   10,286 |         874 | armv8-aes | 11.77 |
//! | simd     |   16,368 |       5,576 | neon      |  2.94 |
//! | echo     |   16,612 |       2,214 | armv8-aes |  7.50 |
//! | x11      |  139,802 |      48,761 | all       |  2.87 |
//!
//! Instruction counts are not time, but on a phone core they point the same way here.
//! Shavite, echo and groestl should gain most: the portable AES round is 16 table lookups
//! (loads dependent on the state) and XORs per column group, while `aese`+`aesmc` do a
//! whole round in two instructions that big and little ARM cores alike issue with one or
//! two cycles of latency, with no data-dependent loads (no cache-timing leak either).
//! Cubehash, luffa and simd should gain close to their ratio: their 32-bit lane operations
//! map one-for-one onto four-lane NEON instructions, which in-order little cores (Cortex-A5x)
//! issue at about one per cycle, as they do scalar ones. JH gains least (1.84x): its
//! bit-sliced S-boxes vectorise, but its permutation steps need shuffles. The four portable
//! stages are about 10,500 instructions, a fifth of the accelerated hash, and bound what is
//! left to gain.

// Lane-wise code over fixed arrays of registers reads best as index loops.
#![allow(clippy::needless_range_loop)]

mod cubehash;
mod echo;
mod groestl;
mod jh;
mod luffa;
mod shavite;
mod simd;

use super::Stages;

/// The [`Stages`] with every accelerated path this CPU supports installed.
pub(super) fn stages() -> Stages {
    let mut s = Stages::PORTABLE;
    if std::arch::is_aarch64_feature_detected!("neon") {
        s.jh = jh::digest64;
        s.names[4] = "neon";
        s.luffa = luffa::digest64;
        s.names[6] = "neon";
        s.cubehash = cubehash::digest64;
        s.names[7] = "neon";
        s.simd = simd::digest64;
        s.names[9] = "neon";
        if std::arch::is_aarch64_feature_detected!("aes") {
            s.groestl = groestl::digest64;
            s.names[2] = "armv8-aes";
            s.shavite = shavite::digest64;
            s.names[8] = "armv8-aes";
            s.echo = echo::digest64;
            s.names[10] = "armv8-aes";
        }
    }
    s
}
