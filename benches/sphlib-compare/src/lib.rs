//! sphlib (the C code Dash Core links, compiled by the `rs-x11-hash` crate) next to dashlite's
//! X11, for the benchmark in `benches/x11_vs_sphlib.rs`.
//!
//! `rs-x11-hash` only wraps whole X11 (`get_x11_hash`), but the per-algorithm sphlib entry
//! points (`sph_<name>512_init`, `sph_<name>512`, `sph_<name>512_close`) are global symbols of
//! the C library it builds, so they are declared here and called directly.

use std::ffi::c_void;

/// X11 of an 80-byte header with sphlib.
pub fn sphlib_x11(header: &[u8; 80]) -> [u8; 32] {
    rs_x11_hash::get_x11_hash(header)
}

/// Room for any sphlib context (the largest, Keccak's and ECHO's, are under 512 bytes).
#[repr(C, align(16))]
struct Context([u8; 2048]);

macro_rules! sphlib {
    ($($name:ident: $init:ident, $update:ident, $close:ident;)*) => {
        extern "C" {
            $(
                fn $init(cc: *mut c_void);
                fn $update(cc: *mut c_void, data: *const c_void, len: usize);
                fn $close(cc: *mut c_void, dst: *mut c_void);
            )*
        }
        $(
            /// The sphlib 512-bit digest of `data`.
            pub fn $name(data: &[u8]) -> [u8; 64] {
                let mut cc = Context([0; 2048]);
                let mut out = [0u8; 64];
                let cc = cc.0.as_mut_ptr().cast::<c_void>();
                // SAFETY: sphlib's init/update/close on a context buffer larger and at least
                // as aligned as the C context; `data` and `out` are valid for their lengths
                // and the close writes exactly 64 bytes.
                unsafe {
                    $init(cc);
                    $update(cc, data.as_ptr().cast(), data.len());
                    $close(cc, out.as_mut_ptr().cast());
                }
                out
            }
        )*
    };
}

sphlib! {
    blake: sph_blake512_init, sph_blake512, sph_blake512_close;
    bmw: sph_bmw512_init, sph_bmw512, sph_bmw512_close;
    groestl: sph_groestl512_init, sph_groestl512, sph_groestl512_close;
    skein: sph_skein512_init, sph_skein512, sph_skein512_close;
    jh: sph_jh512_init, sph_jh512, sph_jh512_close;
    keccak: sph_keccak512_init, sph_keccak512, sph_keccak512_close;
    luffa: sph_luffa512_init, sph_luffa512, sph_luffa512_close;
    cubehash: sph_cubehash512_init, sph_cubehash512, sph_cubehash512_close;
    shavite: sph_shavite512_init, sph_shavite512, sph_shavite512_close;
    simd: sph_simd512_init, sph_simd512, sph_simd512_close;
    echo: sph_echo512_init, sph_echo512, sph_echo512_close;
}

/// sphlib's functions in X11 order, for the per-algorithm benchmark.
pub const SPHLIB: [fn(&[u8]) -> [u8; 64]; 11] =
    [blake, bmw, groestl, skein, jh, keccak, luffa, cubehash, shavite, simd, echo];

/// The X11 algorithm names in order.
pub const NAMES: [&str; 11] = [
    "blake", "bmw", "groestl", "skein", "jh", "keccak", "luffa", "cubehash", "shavite", "simd",
    "echo",
];

#[cfg(test)]
mod tests {
    use super::*;
    use dashlite::hash::x11::{x11_portable, Stages};

    fn header(seed: u8) -> [u8; 80] {
        core::array::from_fn(|i| (i as u8).wrapping_mul(seed).wrapping_add(seed ^ 0x5a))
    }

    #[test]
    fn sphlib_and_dashlite_agree_on_whole_x11() {
        for seed in 0..64 {
            let h = header(seed);
            assert_eq!(sphlib_x11(&h), x11_portable(&h));
            assert_eq!(sphlib_x11(&h), Stages::accelerated().x11(&h));
        }
    }

    #[test]
    fn sphlib_and_dashlite_agree_per_algorithm() {
        let p = Stages::PORTABLE;
        let stages = [
            p.bmw, p.groestl, p.skein, p.jh, p.keccak, p.luffa, p.cubehash, p.shavite, p.simd,
            p.echo,
        ];
        let h = header(7);
        assert_eq!(blake(&h), (p.blake)(&h));
        let input: [u8; 64] = core::array::from_fn(|i| i as u8);
        for (i, f) in stages.iter().enumerate() {
            assert_eq!(SPHLIB[i + 1](&input), f(&input), "{}", NAMES[i + 1]);
        }
    }
}
