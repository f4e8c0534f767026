//! The legacy scheme's hash to G2 (`LegacySchemeMPL`, relic's `ep2_map_legacy`;
//! MASTERNODES.md §6.3): two field elements of Fp2 derived from SHA-256 of the message, each
//! mapped to E2 with the Shallue–van de Woestijne map of Fouque–Tibouchi, added, and
//! cofactor-cleared by `h_eff`.

use super::ffi::{Fp, Fp2, G2Projective, G2};
use sha2::{Digest, Sha256};

/// `h_eff` of BLS12-381 G2 (RFC 9380 §8.8.2), big-endian.
const H_EFF_BE: &str = concat!(
    "0bc69f08f2ee75b3584c6a0ea91b352888e2a8e9145ad7689986ff031508ffe1",
    "329c2f178731db956d82bf015d1212b02ec0ec69d7477c1ae954cbc06689f6a3",
    "59894c0adebbf6b4e8020005aaa95551"
);

/// One coordinate: the 64 bytes `SHA256(m | tag | 00) | SHA256(m | tag | 01)` read
/// big-endian, reduced mod p.
fn field_element(message: &[u8; 32], tag: &[u8]) -> Fp {
    let mut wide = [0u8; 64];
    for (i, half) in wide.chunks_exact_mut(32).enumerate() {
        let digest = Sha256::new().chain_update(message).chain_update(tag).chain_update([i as u8]);
        half.copy_from_slice(&digest.finalize());
    }
    Fp::from_be_bytes_reduced(&wide)
}

/// `t_j = c0 + u·c1` from the tags `G2_<j>_c0` and `G2_<j>_c1`.
fn element(message: &[u8; 32], j: u8) -> Fp2 {
    let tag = |c: u8| [b'G', b'2', b'_', b'0' + j, b'_', b'c', b'0' + c];
    Fp2::new(field_element(message, &tag(0)), field_element(message, &tag(1)))
}

fn small(v: u64) -> Fp2 {
    Fp2::new(Fp::from_u64(v), Fp::from_u64(0))
}

/// Shallue–van de Woestijne on E2: y² = x³ + 4(1 + u).
fn sw_map(t: Fp2) -> G2Projective {
    if t.is_zero() {
        return G2Projective::identity();
    }
    let b = Fp2::new(Fp::from_u64(4), Fp::from_u64(4));
    let sqrt_m3 = match Fp::from_u64(3).neg().sqrt() {
        Some(root) if root.is_lexicographically_largest() => root.neg(),
        Some(root) => root,
        None => return G2Projective::identity(),
    };
    let sqrt_m3 = Fp2::new(sqrt_m3, Fp::from_u64(0));
    let denominator = small(1).add(b).add(t.sqr());
    if denominator.is_zero() {
        return G2Projective::identity();
    }
    let w = sqrt_m3.mul(t).mul(denominator.inverse());
    let half = small(2).inverse();
    let x1 = sqrt_m3.sub(small(1)).mul(half).sub(t.mul(w));
    let x2 = small(1).neg().sub(x1);
    let x3 = if w.is_zero() { small(0) } else { small(1).add(w.sqr().inverse()) };
    for x in [x1, x2, x3] {
        let rhs = x.sqr().mul(x).add(b);
        if let Some(mut y) = rhs.sqrt() {
            if y.c1().is_lexicographically_largest() != t.c1().is_lexicographically_largest() {
                y = y.neg();
            }
            return G2Projective::from_xy(x, y);
        }
    }
    G2Projective::identity()
}

/// The legacy hash of a 32-byte message to G2.
pub(super) fn hash_to_g2(message: &[u8; 32]) -> G2 {
    let p = sw_map(element(message, 0)).add(sw_map(element(message, 1)));
    let mut h_eff = hex::decode(H_EFF_BE).unwrap_or_default();
    h_eff.reverse();
    p.mul(&h_eff, h_eff.len() * 8).to_affine()
}
