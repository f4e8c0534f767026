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
