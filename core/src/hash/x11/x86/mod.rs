//! Accelerated X11 stages for x86_64, selected at run time.
//!
//! Each submodule holds `#[target_feature]` functions behind a private safe wrapper; the
//! wrappers reach callers only through [`stages`], which installs each one after
//! `is_x86_feature_detected!` has confirmed every feature it was compiled for. Algorithms
//! not listed here (blake, bmw, skein, keccak) keep their portable code. Their portable code
//! recompiled with AVX2 enabled (a `#[target_feature]` wrapper) measured no faster (bmw,
//! skein within noise; keccak slower), so no such wrapper is kept. A JH with the eight 128-bit
//! words paired in four `__m256i` measured no faster than the SSE2 one (its linear layer
//! needs cross-half moves on the critical path), so it was not kept.

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
    // SSE2 is part of the x86_64 baseline.
    s.jh = jh::digest64;
    s.names[4] = "sse2";
    if is_x86_feature_detected!("aes") && is_x86_feature_detected!("ssse3") {
        s.groestl = groestl::digest64;
        s.names[2] = "aes-ni";
        s.shavite = shavite::digest64;
        s.names[8] = "aes-ni";
    }
    if is_x86_feature_detected!("aes") {
        s.echo = echo::digest64;
        s.names[10] = "aes-ni";
    }
    if is_x86_feature_detected!("avx2") {
        s.cubehash = cubehash::digest64;
        s.names[7] = "avx2";
        s.luffa = luffa::digest64;
        s.names[6] = "avx2";
        s.simd = simd::digest64;
        s.names[9] = "avx2";
        if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vl") {
            s.cubehash = cubehash::digest64_vl;
            s.names[7] = "avx512vl";
        }
    }
    s
}
