//! A 256-bit unsigned integer with exactly the arithmetic the header rules need, mirroring Dash
//! Core's `arith_uint256` (`src/arith_uint256.{h,cpp}`): compact (nBits) decoding and encoding
//! with the same sign and overflow flags, wrapping addition and multiplication, truncating
//! division, and comparison.

use std::cmp::Ordering;
use std::fmt;
use std::ops::{Not, Shl, Shr};

/// An unsigned 256-bit integer (`arith_uint256`). Arithmetic wraps modulo 2^256 like the C++
/// class; division truncates.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct U256([u64; 4]); // little-endian limbs

/// The result of decoding a compact number (`arith_uint256::SetCompact`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compact {
    /// The magnitude (zero when the value overflowed 256 bits).
    pub value: U256,
    /// The sign bit was set on a non-zero mantissa (`pfNegative`).
    pub negative: bool,
    /// The value does not fit in 256 bits (`pfOverflow`).
    pub overflow: bool,
}

impl U256 {
    /// Zero.
    pub const ZERO: U256 = U256([0; 4]);
    /// One.
    pub const ONE: U256 = U256([1, 0, 0, 0]);
    /// 2^256 - 1.
    pub const MAX: U256 = U256([u64::MAX; 4]);

    /// From a 64-bit value.
    pub const fn from_u64(v: u64) -> U256 {
        U256([v, 0, 0, 0])
    }

    /// From 32 bytes read as a little-endian number (`UintToArith256` of a hash).
    pub fn from_le_bytes(b: [u8; 32]) -> U256 {
        let mut limbs = [0u64; 4];
        for (i, limb) in limbs.iter_mut().enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[8 * i..8 * i + 8]);
            *limb = u64::from_le_bytes(w);
        }
        U256(limbs)
    }

    /// From 32 big-endian bytes (the display form of chain work).
    pub fn from_be_bytes(mut b: [u8; 32]) -> U256 {
        b.reverse();
        U256::from_le_bytes(b)
    }

    /// The 32 little-endian bytes.
    pub fn to_le_bytes(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, limb) in self.0.iter().enumerate() {
            out[8 * i..8 * i + 8].copy_from_slice(&limb.to_le_bytes());
        }
        out
    }

    /// The 32 big-endian bytes.
    pub fn to_be_bytes(self) -> [u8; 32] {
        let mut out = self.to_le_bytes();
        out.reverse();
        out
    }

    /// The lowest 64 bits (`GetLow64`).
    pub const fn low_u64(self) -> u64 {
        self.0[0]
    }

    /// Whether the value is zero.
    pub fn is_zero(self) -> bool {
        self.0 == [0; 4]
    }

    /// The position of the highest set bit plus one; 0 for zero (`bits()`).
    pub fn bits(self) -> u32 {
        for i in (0..4).rev() {
            if self.0[i] != 0 {
                return 64 * i as u32 + (64 - self.0[i].leading_zeros());
            }
        }
        0
    }

    /// Sum modulo 2^256.
    pub fn wrapping_add(self, rhs: U256) -> U256 {
        let mut out = [0u64; 4];
        let mut carry = false;
        for (i, limb) in out.iter_mut().enumerate() {
            let (s1, c1) = self.0[i].overflowing_add(rhs.0[i]);
            let (s2, c2) = s1.overflowing_add(u64::from(carry));
            *limb = s2;
            carry = c1 || c2;
        }
        U256(out)
    }

    /// Sum, or `None` past 2^256 - 1 (for cumulative chain work, which never wraps in practice).
    pub fn checked_add(self, rhs: U256) -> Option<U256> {
        let sum = self.wrapping_add(rhs);
        (sum >= self).then_some(sum)
    }

    /// Difference modulo 2^256.
    pub fn wrapping_sub(self, rhs: U256) -> U256 {
        self.wrapping_add((!rhs).wrapping_add(U256::ONE))
    }

    /// Product with a 32-bit factor modulo 2^256 (`operator*=(uint32_t)`).
    pub fn wrapping_mul_u32(self, rhs: u32) -> U256 {
        let mut out = [0u64; 4];
        let mut carry = 0u128;
        for (i, limb) in out.iter_mut().enumerate() {
            let p = u128::from(self.0[i]) * u128::from(rhs) + carry;
            *limb = p as u64;
            carry = p >> 64;
        }
        U256(out)
    }

    /// Product modulo 2^256 (`operator*=(const arith_uint256&)`).
    pub fn wrapping_mul(self, rhs: U256) -> U256 {
        let mut out = [0u64; 4];
        for i in 0..4 {
            let mut carry = 0u128;
            for j in 0..4 - i {
                let p =
                    u128::from(self.0[i]) * u128::from(rhs.0[j]) + u128::from(out[i + j]) + carry;
                out[i + j] = p as u64;
                carry = p >> 64;
            }
        }
        U256(out)
    }

    /// Truncating quotient, `None` when dividing by zero (where `arith_uint256` throws).
    pub fn checked_div(self, rhs: U256) -> Option<U256> {
        if rhs.is_zero() {
            return None;
        }
        if rhs.bits() <= 64 {
            return Some(self.div_rem_u64(rhs.low_u64()).0);
        }
        let (num_bits, div_bits) = (self.bits(), rhs.bits());
        if num_bits < div_bits {
            return Some(U256::ZERO);
        }
        // Shift-and-subtract, from the highest possible quotient bit down.
        let mut rem = self;
        let mut quotient = U256::ZERO;
        let mut shift = num_bits - div_bits;
        let mut div = rhs << shift;
        loop {
            if rem >= div {
                rem = rem.wrapping_sub(div);
                quotient.0[(shift / 64) as usize] |= 1 << (shift % 64);
            }
            if shift == 0 {
                break;
            }
            div = div >> 1;
            shift -= 1;
        }
        Some(quotient)
    }

    /// Quotient and remainder by a non-zero 64-bit divisor, limb by limb.
    fn div_rem_u64(self, rhs: u64) -> (U256, u64) {
        // The divisors of DarkGravityWave (3..=25 in the average, 3600 at the end) as
        // constants, so that each digit step is a multiplication, not a hardware division.
        macro_rules! constant_divisors {
            ($($d:literal)*) => {
                match rhs {
                    $($d => return self.div_rem_digits::<$d>(),)*
                    _ => {}
                }
            };
        }
        constant_divisors!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 3600);
        if rhs <= u64::from(u32::MAX) {
            // Eight 32-bit digits: each step is one 64-by-64-bit hardware division, where a
            // u128 division is a library call (the difficulty rules divide by 2..=25 and by
            // timespans).
            let mut out = [0u64; 4];
            let mut rem = 0u64;
            for i in (0..4).rev() {
                let hi = (rem << 32) | (self.0[i] >> 32);
                let (q_hi, r) = (hi / rhs, hi % rhs);
                let lo = (r << 32) | (self.0[i] & 0xffff_ffff);
                let (q_lo, r) = (lo / rhs, lo % rhs);
                out[i] = (q_hi << 32) | q_lo;
                rem = r;
            }
            return (U256(out), rem);
        }
        self.div_rem_u128_steps(rhs)
    }

    /// [`div_rem_u64`](Self::div_rem_u64) by the constant `D` (0 < `D` < 2^32) in 32-bit
    /// digits.
    fn div_rem_digits<const D: u64>(self) -> (U256, u64) {
        let mut out = [0u64; 4];
        let mut rem = 0u64;
        for i in (0..4).rev() {
            let hi = (rem << 32) | (self.0[i] >> 32);
            let (q_hi, r) = (hi / D, hi % D);
            let lo = (r << 32) | (self.0[i] & 0xffff_ffff);
            let (q_lo, r) = (lo / D, lo % D);
            out[i] = (q_hi << 32) | q_lo;
            rem = r;
        }
        (U256(out), rem)
    }

    /// [`div_rem_u64`](Self::div_rem_u64) for any non-zero divisor, with u128 divisions.
    fn div_rem_u128_steps(self, rhs: u64) -> (U256, u64) {
        let mut out = [0u64; 4];
        let mut rem = 0u128;
        for i in (0..4).rev() {
            let cur = (rem << 64) | u128::from(self.0[i]);
            out[i] = (cur / u128::from(rhs)) as u64;
            rem = cur % u128::from(rhs);
        }
        (U256(out), rem as u64)
    }

    /// Truncating quotient by a non-zero 64-bit divisor (`None` for zero).
    pub fn checked_div_u64(self, rhs: u64) -> Option<U256> {
        (rhs != 0).then(|| self.div_rem_u64(rhs).0)
    }

    /// From a 128-bit value.
    pub const fn from_u128(v: u128) -> U256 {
        U256([v as u64, (v >> 64) as u64, 0, 0])
    }

    /// The number of trailing zero bits (256 for zero).
    pub fn trailing_zeros(self) -> u32 {
        for i in 0..4 {
            if self.0[i] != 0 {
                return 64 * i as u32 + self.0[i].trailing_zeros();
            }
        }
        256
    }

    /// Decodes a compact number (`arith_uint256::SetCompact`): the top byte is the size in
    /// bytes, bit 23 is the sign, the low 23 bits are the mantissa.
    pub fn from_compact(compact: u32) -> Compact {
        let size = compact >> 24;
        let mut word = compact & 0x007f_ffff;
        let value = if size <= 3 {
            word >>= 8 * (3 - size);
            U256::from_u64(u64::from(word))
        } else {
            U256::from_u64(u64::from(word)) << (8 * (size - 3))
        };
        let negative = word != 0 && (compact & 0x0080_0000) != 0;
        let overflow =
            word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
        Compact { value, negative, overflow }
    }

    /// Encodes as a compact number (`arith_uint256::GetCompact(false)`), rounding down to the
    /// 23-bit mantissa.
    pub fn to_compact(self) -> u32 {
        let mut size = self.bits().div_ceil(8);
        let mut compact = if size <= 3 {
            (self.low_u64() << (8 * (3 - size))) as u32
        } else {
            (self >> (8 * (size - 3))).low_u64() as u32
        };
        // The mantissa's top bit is the sign: make room by growing the exponent.
        if compact & 0x0080_0000 != 0 {
            compact >>= 8;
            size += 1;
        }
        compact | (size << 24)
    }
}

impl Shl<u32> for U256 {
    type Output = U256;

    /// Shifted left by `shift` bits; bits shifted past 2^256 are lost (0 for `shift >= 256`).
    fn shl(self, shift: u32) -> U256 {
        if shift >= 256 {
            return U256::ZERO;
        }
        let (limbs, bits) = ((shift / 64) as usize, shift % 64);
        let mut out = [0u64; 4];
        for i in (limbs..4).rev() {
            let src = i - limbs;
            out[i] = self.0[src] << bits;
            if bits > 0 && src > 0 {
                out[i] |= self.0[src - 1] >> (64 - bits);
            }
        }
        U256(out)
    }
}

impl Shr<u32> for U256 {
    type Output = U256;

    /// Shifted right by `shift` bits (0 for `shift >= 256`).
    fn shr(self, shift: u32) -> U256 {
        if shift >= 256 {
            return U256::ZERO;
        }
        let (limbs, bits) = ((shift / 64) as usize, shift % 64);
        let mut out = [0u64; 4];
        for (i, limb) in out.iter_mut().enumerate().take(4 - limbs) {
            let src = i + limbs;
            *limb = self.0[src] >> bits;
            if bits > 0 && src < 3 {
                *limb |= self.0[src + 1] << (64 - bits);
            }
        }
        U256(out)
    }
}

impl Not for U256 {
    type Output = U256;

    /// The bitwise complement (`operator~`).
    fn not(self) -> U256 {
        U256([!self.0[0], !self.0[1], !self.0[2], !self.0[3]])
    }
}

impl Ord for U256 {
    fn cmp(&self, other: &Self) -> Ordering {
        for i in (0..4).rev() {
            match self.0[i].cmp(&other.0[i]) {
                Ordering::Equal => continue,
                o => return o,
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for U256 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for U256 {
    /// 64 hex digits, most significant first (`arith_uint256::GetHex`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.to_be_bytes()))
    }
}

impl fmt::Debug for U256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "U256(0x{self})")
    }
}

impl From<u64> for U256 {
    fn from(v: u64) -> Self {
        U256::from_u64(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex256(s: &str) -> U256 {
        let mut b = [0u8; 32];
        let padded = format!("{s:0>64}");
        hex::decode_to_slice(padded, &mut b).unwrap();
        U256::from_be_bytes(b)
    }

    // The SetCompact/GetCompact cases of Bitcoin Core's arith_uint256_tests.cpp (inherited by
    // Dash Core): (compact, value hex, negative, overflow, re-encoded compact).
    #[test]
    fn compact_round_trips_like_arith_uint256() {
        let cases: &[(u32, &str, bool, bool, u32)] = &[
            (0, "0", false, false, 0),
            (0x0012_3456, "0", false, false, 0),
            (0x0100_3456, "0", false, false, 0),
            (0x0200_0056, "0", false, false, 0),
            (0x0300_0000, "0", false, false, 0),
            (0x0400_0000, "0", false, false, 0),
            (0x0092_3456, "0", false, false, 0),
            (0x0180_3456, "0", false, false, 0),
            (0x0280_0056, "0", false, false, 0),
            (0x0380_0000, "0", false, false, 0),
            (0x0480_0000, "0", false, false, 0),
            (0x0112_3456, "12", false, false, 0x0112_0000),
            (0x0201_2345, "123", false, false, 0x0201_2300),
            (0x0301_2345, "12345", false, false, 0x0301_2345),
            (0x0401_2345, "1234500", false, false, 0x0401_2345),
            (0x0500_9234, "92340000", false, false, 0x0500_9234),
            (
                0x2012_3456,
                "1234560000000000000000000000000000000000000000000000000000000000",
                false,
                false,
                0x2012_3456,
            ),
            (0x0181_0000, "1", true, false, 0x0101_0000),
            (0x01fe_dcba, "7e", true, false, 0x017e_0000),
            (0x0492_3456, "12345600", true, false, 0x0412_3456),
            (0x0580_0000, "0", false, false, 0),
        ];
        for &(compact, value, negative, overflow, reencoded) in cases {
            let c = U256::from_compact(compact);
            assert_eq!(c.value, hex256(value), "{compact:#x}");
            assert_eq!(c.negative, negative, "{compact:#x} negative");
            assert_eq!(c.overflow, overflow, "{compact:#x} overflow");
            assert_eq!(c.value.to_compact(), reencoded, "{compact:#x} re-encoded");
        }
    }

    #[test]
    fn compact_flags_overflow_past_256_bits() {
        assert!(U256::from_compact(0xff12_3456).overflow);
        assert!(U256::from_compact(0x2301_0000).overflow); // 0x01 << 256
        assert!(!U256::from_compact(0x2100_0001).overflow); // 0x01 << 240: fits
        assert!(U256::from_compact(0x2200_0100).overflow);
        assert!(!U256::from_compact(0x0000_0000).overflow);
    }

    #[test]
    fn encoding_a_value_with_the_mantissa_sign_bit_grows_the_exponent() {
        assert_eq!(U256::from_u64(0x80).to_compact(), 0x0200_8000);
        assert_eq!(U256::from_u64(0x0080_0000).to_compact(), 0x0400_8000);
        // powLimit of mainnet: 0x00000fff...ff encodes as 0x1e0fffff.
        let limit = U256::MAX >> 20;
        assert_eq!(limit.to_compact(), 0x1e0f_ffff);
    }

    #[test]
    fn division_and_multiplication_agree() {
        let a = hex256("0000000000000018161427df05072842fae0bf00fb2e2b6b1e93d1650212b24b");
        let q = a.checked_div_u64(3600).unwrap();
        let back = q.wrapping_mul_u32(3600);
        assert!(back <= a && a.wrapping_sub(back) < U256::from_u64(3600));
        assert_eq!(a.wrapping_mul(U256::from_u64(7)), a.wrapping_mul_u32(7));
        assert_eq!(a.checked_div(a), Some(U256::ONE));
        assert_eq!(a.checked_div(U256::ZERO), None);
        assert_eq!(U256::ONE.checked_div(a), Some(U256::ZERO));
    }

    #[test]
    fn short_and_long_division_agree() {
        let a = hex256("00000000000000000000000000000000000000000000b567e2d53a06de194061");
        let b = hex256("0000000000000018161427df05072842fae0bf00fb2e2b6b1e93d1650212b24b");
        // Divisors up to 2^32 - 1 take the 32-bit-digit path, larger ones the u128 path.
        for n in [b, U256::MAX, U256::from_u64(5)] {
            let divisors =
                (1u64..=26).chain([3599, 3600, 3601, 0xffff_ffff, 0x1_0000_0000, u64::MAX]);
            for d in divisors {
                let q = n.checked_div_u64(d).unwrap();
                let r = n.wrapping_sub(q.wrapping_mul(U256::from_u64(d)));
                assert!(r < U256::from_u64(d), "{d}");
                assert_eq!((q, r.low_u64()), n.div_rem_u128_steps(d), "{d}");
            }
        }
        // Long division: a divisor above 64 bits.
        let q = b.checked_div(a).unwrap();
        let r = b.wrapping_sub(q.wrapping_mul(a));
        assert!(r < a);
        let c = b >> 100; // small enough that c·a does not wrap
        assert_eq!(c.wrapping_mul(a).checked_div(a), Some(c));
    }

    #[test]
    fn multiplication_wraps_at_2_to_the_256() {
        let top = U256::ONE << 255;
        assert_eq!(top.wrapping_mul_u32(2), U256::ZERO);
        assert_eq!(top.wrapping_mul(U256::from_u64(3)), top);
        assert_eq!(U256::MAX.wrapping_add(U256::ONE), U256::ZERO);
        assert_eq!(U256::MAX.checked_add(U256::ONE), None);
    }

    #[test]
    fn shifts_move_bits_across_limbs() {
        let x = U256::from_u64(0xdead_beef);
        assert_eq!((x << 100) >> 100, x);
        assert_eq!((x << 64).0, [0, 0xdead_beef, 0, 0]);
        assert_eq!(x << 256, U256::ZERO);
        assert_eq!((x << 4).bits(), 36);
    }
}
