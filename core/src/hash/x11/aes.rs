//! One AES encryption round (SubBytes, ShiftRows, MixColumns, AddRoundKey), the building
//! block that SHAvite-3 and ECHO share.
//!
//! The state is four little-endian 32-bit columns: `state[i]` holds bytes `4i..4i + 4` of the
//! 16-byte AES block, byte `4i` in the low bits. This is the layout sphlib's `aes_helper.c`
//! works on (`AES_ROUND_LE`) and the layout of an x86 `__m128i` or ARMv8 `uint8x16_t`, so a
//! hardware path (x86 `aesenc`; ARMv8 `aese` with a zero key, `aesmc`, then XOR of the key)
//! can replace [`aes_round`] behind the same signature.
//!
//! The portable round uses the classic T-table formulation: four tables of 256 words, each
//! combining SubBytes of one byte with its MixColumns column. The tables (and the S-box they
//! derive from) are computed at compile time by `const fn`s.
//!
//! Table lookups are indexed by state bytes, so their timing depends on the data: fine for
//! proof-of-work hashing of public block headers, not for secret keys.

/// The AES S-box, computed from its definition (FIPS-197 §5.1.1): the multiplicative
/// inverse in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1, followed by the affine transform.
const SBOX: [u8; 256] = sbox();

/// `T[0][x]` is SubBytes(x) times the MixColumns column (2, 1, 1, 3), little-endian; `T[j]` is
/// `T[0]` rotated left by `8 j` bits (the same column for the byte in row `j`).
const TABLES: [[u32; 256]; 4] = tables();

/// The tables at run time: one copy in memory, shared by every caller.
static T: [[u32; 256]; 4] = TABLES;

/// Multiplies by x (that is, by 2) in GF(2^8).
const fn xtime(a: u8) -> u8 {
    (a << 1) ^ if a & 0x80 != 0 { 0x1b } else { 0 }
}

const fn sbox() -> [u8; 256] {
    // Powers of the generator 3 give exp and log tables; the inverse of a = 3^l is 3^(255 - l).
    let mut exp = [0u8; 256];
    let mut log = [0u8; 256];
    let mut p: u8 = 1;
    let mut i = 0;
    while i < 255 {
        exp[i] = p;
        log[p as usize] = i as u8;
        p ^= xtime(p);
        i += 1;
    }
    let mut s = [0u8; 256];
    let mut a = 0;
    while a < 256 {
        let inv = if a == 0 { 0 } else { exp[(255 - log[a] as usize) % 255] };
        s[a] = inv
            ^ inv.rotate_left(1)
            ^ inv.rotate_left(2)
            ^ inv.rotate_left(3)
            ^ inv.rotate_left(4)
            ^ 0x63;
        a += 1;
    }
    s
}

const fn tables() -> [[u32; 256]; 4] {
    let mut t = [[0u32; 256]; 4];
    let mut x = 0;
    while x < 256 {
        let s = SBOX[x];
        let s2 = xtime(s);
        let s3 = s2 ^ s;
        let w = u32::from_le_bytes([s2, s, s, s3]);
        t[0][x] = w;
        t[1][x] = w.rotate_left(8);
        t[2][x] = w.rotate_left(16);
        t[3][x] = w.rotate_left(24);
        x += 1;
    }
    t
}

/// One full AES round on `state` with round key `key`: SubBytes, ShiftRows, MixColumns, then
/// XOR of the key (Intel's `aesenc`).
#[inline(always)]
pub(crate) fn aes_round(state: [u32; 4], key: [u32; 4]) -> [u32; 4] {
    round_with(&T, state, key)
}

/// [`aes_round`] for constant evaluation (precomputed states).
pub(crate) const fn aes_round_const(state: [u32; 4], key: [u32; 4]) -> [u32; 4] {
    round_with(&TABLES, state, key)
}

#[inline(always)]
const fn round_with(t: &[[u32; 256]; 4], state: [u32; 4], key: [u32; 4]) -> [u32; 4] {
    let [x0, x1, x2, x3] = state;
    [
        t[0][x0 as u8 as usize]
            ^ t[1][(x1 >> 8) as u8 as usize]
            ^ t[2][(x2 >> 16) as u8 as usize]
            ^ t[3][(x3 >> 24) as usize]
            ^ key[0],
        t[0][x1 as u8 as usize]
            ^ t[1][(x2 >> 8) as u8 as usize]
            ^ t[2][(x3 >> 16) as u8 as usize]
            ^ t[3][(x0 >> 24) as usize]
            ^ key[1],
        t[0][x2 as u8 as usize]
            ^ t[1][(x3 >> 8) as u8 as usize]
            ^ t[2][(x0 >> 16) as u8 as usize]
            ^ t[3][(x1 >> 24) as usize]
            ^ key[2],
        t[0][x3 as u8 as usize]
            ^ t[1][(x0 >> 8) as u8 as usize]
            ^ t[2][(x1 >> 16) as u8 as usize]
            ^ t[3][(x2 >> 24) as usize]
            ^ key[3],
    ]
}

/// One AES round with an all-zero round key.
#[inline(always)]
pub(crate) fn aes_round_nokey(state: [u32; 4]) -> [u32; 4] {
    aes_round(state, [0; 4])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(hex_str: &str) -> [u32; 4] {
        let b = hex::decode(hex_str).unwrap();
        core::array::from_fn(|i| u32::from_le_bytes(b[4 * i..4 * i + 4].try_into().unwrap()))
    }

    #[test]
    fn sbox_matches_fips_197_figure_7() {
        assert_eq!(SBOX[0x00], 0x63);
        assert_eq!(SBOX[0x01], 0x7c);
        assert_eq!(SBOX[0x53], 0xed);
        assert_eq!(SBOX[0x9a], 0xb8);
        assert_eq!(SBOX[0xff], 0x16);
        // A permutation.
        let mut seen = [false; 256];
        for &s in &SBOX {
            assert!(!seen[s as usize]);
            seen[s as usize] = true;
        }
    }

    #[test]
    fn tables_match_sphlib_first_entries() {
        assert_eq!(T[0][0], 0xA56363C6);
        assert_eq!(T[1][0], 0x6363C6A5);
        assert_eq!(T[2][1], 0x7CF8847C);
        assert_eq!(T[3][255], 0x2C3A1616);
    }

    #[test]
    fn round_matches_fips_197_appendix_b() {
        // Cipher example, rounds 1 and 2: round[r].start -> round[r+1].start with round key r.
        let start1 = words("193de3bea0f4e22b9ac68d2ae9f84808");
        let key1 = words("a0fafe1788542cb123a339392a6c7605");
        let start2 = words("a49c7ff2689f352b6b5bea43026a5049");
        let key2 = words("f2c295f27a96b9435935807a7359f67f");
        let start3 = words("aa8f5f0361dde3ef82d24ad26832469a");
        assert_eq!(aes_round(start1, key1), start2);
        assert_eq!(aes_round(start2, key2), start3);
    }

    #[test]
    fn const_round_equals_runtime_round() {
        let s = words("193de3bea0f4e22b9ac68d2ae9f84808");
        let k = words("a0fafe1788542cb123a339392a6c7605");
        assert_eq!(aes_round_const(s, k), aes_round(s, k));
    }

    #[test]
    fn nokey_round_is_the_round_with_a_zero_key() {
        let s = words("00112233445566778899aabbccddeeff");
        let k = words("0f0e0d0c0b0a09080706050403020100");
        let y = aes_round_nokey(s);
        let z = aes_round(s, k);
        for i in 0..4 {
            assert_eq!(y[i] ^ k[i], z[i]);
        }
    }
}
