//! The legacy (relic, pre-V19) and basic (IETF/ZCash) encodings of the same points: pure bit
//! and half shuffling, since both put the same meaning in the y-sign bit (MASTERNODES.md §6.2).
//! Infinity is `c0 00…00` in both.

const COMPRESSED: u8 = 0x80;
const INFINITY: u8 = 0x40;
const SIGN: u8 = 0x20;
const LEGACY_SIGN: u8 = 0x80;
/// Bits above the 381-bit field element in its first byte.
const FLAG_BITS: u8 = 0xe0;

fn is_infinity_encoding(bytes: &[u8]) -> bool {
    bytes[0] == COMPRESSED | INFINITY && bytes[1..].iter().all(|&b| b == 0)
}

/// Converts a legacy G1 encoding to the basic one; `None` when the flag bits are not a legacy
/// encoding.
pub fn g1_legacy_to_basic(legacy: &[u8; 48]) -> Option<[u8; 48]> {
    if is_infinity_encoding(legacy) {
        return Some(*legacy);
    }
    if legacy[0] & (FLAG_BITS & !LEGACY_SIGN) != 0 {
        return None;
    }
    let mut basic = *legacy;
    let sign = legacy[0] & LEGACY_SIGN != 0;
    basic[0] = (legacy[0] & !FLAG_BITS) | COMPRESSED | if sign { SIGN } else { 0 };
    Some(basic)
}

/// Converts a basic G1 encoding to the legacy one (flags of a basic encoding assumed valid).
pub fn g1_basic_to_legacy(basic: &[u8; 48]) -> [u8; 48] {
    if basic[0] & INFINITY != 0 {
        let mut inf = [0u8; 48];
        inf[0] = COMPRESSED | INFINITY;
        return inf;
    }
    let mut legacy = *basic;
    legacy[0] = (basic[0] & !FLAG_BITS) | if basic[0] & SIGN != 0 { LEGACY_SIGN } else { 0 };
    legacy
}

/// Converts a legacy G2 encoding (`x.c0 | x.c1`, sign in the first byte) to the basic one
/// (`x.c1 | x.c0`); `None` when the flag bits are not a legacy encoding.
pub fn g2_legacy_to_basic(legacy: &[u8; 96]) -> Option<[u8; 96]> {
    if is_infinity_encoding(legacy) {
        return Some(*legacy);
    }
    if legacy[0] & (FLAG_BITS & !LEGACY_SIGN) != 0 || legacy[48] & FLAG_BITS != 0 {
        return None;
    }
    let sign = legacy[0] & LEGACY_SIGN != 0;
    let mut basic = [0u8; 96];
    basic[..48].copy_from_slice(&legacy[48..]);
    basic[48..].copy_from_slice(&legacy[..48]);
    basic[48] &= !FLAG_BITS;
    basic[0] |= COMPRESSED | if sign { SIGN } else { 0 };
    Some(basic)
}

/// Converts a basic G2 encoding to the legacy one (flags of a basic encoding assumed valid).
pub fn g2_basic_to_legacy(basic: &[u8; 96]) -> [u8; 96] {
    if basic[0] & INFINITY != 0 {
        let mut inf = [0u8; 96];
        inf[0] = COMPRESSED | INFINITY;
        return inf;
    }
    let mut legacy = [0u8; 96];
    legacy[..48].copy_from_slice(&basic[48..]);
    legacy[48..].copy_from_slice(&basic[..48]);
    legacy[48] &= !FLAG_BITS;
    legacy[0] |= if basic[0] & SIGN != 0 { LEGACY_SIGN } else { 0 };
    legacy
}
