//! The only `unsafe` of the BLS code: thin, safe wrappers over `blst`'s C functions for the
//! points, the base-field arithmetic the legacy hash needs, and the pairing check.
//!
//! Every wrapped function takes pointers to initialised values owned by the caller, for the
//! duration of the call only; `blst` neither keeps them nor reads past the documented sizes.
#![allow(unsafe_code)]

use super::BlsError;
use blst::*;

/// An affine G1 point in the prime-order subgroup, not the identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct G1(blst_p1_affine);

/// An affine G2 point in the prime-order subgroup, not the identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct G2(blst_p2_affine);

impl G1 {
    pub(super) fn from_basic(bytes: &[u8; 48]) -> Result<G1, BlsError> {
        let mut p = blst_p1_affine::default();
        // SAFETY: `p` is a valid out-pointer, `bytes` has the 48 bytes blst reads.
        if unsafe { blst_p1_uncompress(&mut p, bytes.as_ptr()) } != BLST_ERROR::BLST_SUCCESS {
            return Err(BlsError::Malformed);
        }
        // SAFETY: `p` is an initialised point.
        if unsafe { blst_p1_affine_is_inf(&p) } {
            return Err(BlsError::Infinity);
        }
        // SAFETY: as above.
        if !unsafe { blst_p1_affine_in_g1(&p) } {
            return Err(BlsError::NotInSubgroup);
        }
        Ok(G1(p))
    }

    pub(super) fn to_basic(self) -> [u8; 48] {
        let mut out = [0u8; 48];
        // SAFETY: `out` has the 48 bytes blst writes.
        unsafe { blst_p1_affine_compress(out.as_mut_ptr(), &self.0) };
        out
    }
}

impl G2 {
    pub(super) fn from_basic(bytes: &[u8; 96]) -> Result<G2, BlsError> {
        let mut p = blst_p2_affine::default();
        // SAFETY: `p` is a valid out-pointer, `bytes` has the 96 bytes blst reads.
        if unsafe { blst_p2_uncompress(&mut p, bytes.as_ptr()) } != BLST_ERROR::BLST_SUCCESS {
            return Err(BlsError::Malformed);
        }
        // SAFETY: `p` is an initialised point.
        if unsafe { blst_p2_affine_is_inf(&p) } {
            return Err(BlsError::Infinity);
        }
        // SAFETY: as above.
        if !unsafe { blst_p2_affine_in_g2(&p) } {
            return Err(BlsError::NotInSubgroup);
        }
        Ok(G2(p))
    }

    pub(super) fn to_basic(self) -> [u8; 96] {
        let mut out = [0u8; 96];
        // SAFETY: `out` has the 96 bytes blst writes.
        unsafe { blst_p2_affine_compress(out.as_mut_ptr(), &self.0) };
        out
    }

    /// hash_to_curve (`_RO_`, SSWU) of `message` with `dst`.
    pub(super) fn hash_basic(message: &[u8], dst: &[u8]) -> G2 {
        let mut p = blst_p2::default();
        // SAFETY: pointers and lengths describe the caller's slices; no augmentation.
        unsafe {
            blst_hash_to_g2(
                &mut p,
                message.as_ptr(),
                message.len(),
                dst.as_ptr(),
                dst.len(),
                std::ptr::null(),
                0,
            )
        };
        G2::from_projective(&p)
    }

    fn from_projective(p: &blst_p2) -> G2 {
        let mut a = blst_p2_affine::default();
        // SAFETY: both are valid, initialised points.
        unsafe { blst_p2_to_affine(&mut a, p) };
        G2(a)
    }
}

/// `e(key, hashed) == e(g1, signature)`.
pub(super) fn pairing_check(key: &G1, hashed: &G2, signature: &G2) -> bool {
    let mut lhs = blst_fp12::default();
    let mut rhs = blst_fp12::default();
    // SAFETY: all points are initialised; the generator pointer is blst's static constant.
    unsafe {
        blst_miller_loop(&mut lhs, &hashed.0, &key.0);
        blst_miller_loop(&mut rhs, &signature.0, blst_p1_affine_generator());
        blst_fp12_finalverify(&lhs, &rhs)
    }
}

/// An element of Fp2 = Fp[u]/(u² + 1), for the legacy map.
#[derive(Clone, Copy, Default)]
pub(super) struct Fp2(blst_fp2);

/// An element of Fp.
#[derive(Clone, Copy, Default)]
pub(super) struct Fp(blst_fp);

impl Fp {
    /// A big-endian integer of any length, reduced mod p.
    pub(super) fn from_be_bytes_reduced(bytes: &[u8]) -> Fp {
        let mut r = blst_fp::default();
        // SAFETY: pointer and length describe `bytes`.
        unsafe { blst_fp_from_be_bytes(&mut r, bytes.as_ptr(), bytes.len()) };
        Fp(r)
    }

    pub(super) fn from_u64(v: u64) -> Fp {
        let mut r = blst_fp::default();
        // SAFETY: valid pointers to initialised values.
        unsafe { blst_fp_from_uint64(&mut r, [v, 0, 0, 0, 0, 0].as_ptr()) };
        Fp(r)
    }

    /// The canonical big-endian value.
    pub(super) fn to_be_bytes(self) -> [u8; 48] {
        let mut out = [0u8; 48];
        // SAFETY: `out` has the 48 bytes blst writes.
        unsafe { blst_bendian_from_fp(out.as_mut_ptr(), &self.0) };
        out
    }

    pub(super) fn neg(self) -> Fp {
        let mut r = blst_fp::default();
        // SAFETY: valid pointers to initialised values.
        unsafe { blst_fp_cneg(&mut r, &self.0, true) };
        Fp(r)
    }

    pub(super) fn sqrt(self) -> Option<Fp> {
        let mut r = blst_fp::default();
        // SAFETY: valid pointers to initialised values.
        unsafe { blst_fp_sqrt(&mut r, &self.0) }.then_some(Fp(r))
    }

    /// Whether this is the larger of `self` and `-self` (canonical values compared).
    pub(super) fn is_lexicographically_largest(self) -> bool {
        self.to_be_bytes() > self.neg().to_be_bytes()
    }
}

macro_rules! fp2_binop {
    ($name:ident, $f:ident) => {
        pub(super) fn $name(self, other: Fp2) -> Fp2 {
            let mut r = blst_fp2::default();
            // SAFETY: valid pointers to initialised values.
            unsafe { $f(&mut r, &self.0, &other.0) };
            Fp2(r)
        }
    };
}

macro_rules! fp2_unop {
    ($name:ident, $f:ident) => {
        pub(super) fn $name(self) -> Fp2 {
            let mut r = blst_fp2::default();
            // SAFETY: valid pointers to initialised values.
            unsafe { $f(&mut r, &self.0) };
            Fp2(r)
        }
    };
}

impl Fp2 {
    pub(super) fn new(c0: Fp, c1: Fp) -> Fp2 {
        Fp2(blst_fp2 { fp: [c0.0, c1.0] })
    }

    pub(super) fn c1(self) -> Fp {
        Fp(self.0.fp[1])
    }

    pub(super) fn is_zero(self) -> bool {
        self.0.fp.iter().all(|c| Fp(*c).to_be_bytes() == [0u8; 48])
    }

    fp2_binop!(add, blst_fp2_add);
    fp2_binop!(sub, blst_fp2_sub);
    fp2_binop!(mul, blst_fp2_mul);
    fp2_unop!(sqr, blst_fp2_sqr);
    fp2_unop!(inverse, blst_fp2_inverse);

    pub(super) fn neg(self) -> Fp2 {
        let mut r = blst_fp2::default();
        // SAFETY: valid pointers to initialised values.
        unsafe { blst_fp2_cneg(&mut r, &self.0, true) };
        Fp2(r)
    }

    pub(super) fn sqrt(self) -> Option<Fp2> {
        let mut r = blst_fp2::default();
        // SAFETY: valid pointers to initialised values.
        unsafe { blst_fp2_sqrt(&mut r, &self.0) }.then_some(Fp2(r))
    }
}

/// A G2 point in projective coordinates, for the legacy map.
#[derive(Clone, Copy)]
pub(super) struct G2Projective(blst_p2);

impl G2Projective {
    /// The affine point `(x, y)`, which the caller has taken from the curve equation.
    pub(super) fn from_xy(x: Fp2, y: Fp2) -> G2Projective {
        let a = blst_p2_affine { x: x.0, y: y.0 };
        let mut p = blst_p2::default();
        // SAFETY: valid pointers to initialised values.
        unsafe { blst_p2_from_affine(&mut p, &a) };
        G2Projective(p)
    }

    /// The identity.
    pub(super) fn identity() -> G2Projective {
        G2Projective(blst_p2::default())
    }

    pub(super) fn add(self, other: G2Projective) -> G2Projective {
        let mut r = blst_p2::default();
        // SAFETY: valid pointers to initialised values.
        unsafe { blst_p2_add_or_double(&mut r, &self.0, &other.0) };
        G2Projective(r)
    }

    /// `self · k` for a little-endian scalar `k` of `bits` bits.
    pub(super) fn mul(self, k_le: &[u8], bits: usize) -> G2Projective {
        let mut r = blst_p2::default();
        // SAFETY: `k_le` holds at least `bits` bits (checked by the assertion's caller).
        debug_assert!(k_le.len() * 8 >= bits);
        unsafe { blst_p2_mult(&mut r, &self.0, k_le.as_ptr(), bits) };
        G2Projective(r)
    }

    pub(super) fn to_affine(self) -> G2 {
        G2::from_projective(&self.0)
    }
}
