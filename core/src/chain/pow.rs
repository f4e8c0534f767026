//! Proof of work: targets from nBits, the hash-below-target check and chain work
//! (Dash Core `src/pow.cpp CheckProofOfWork`, `src/chain.cpp GetBlockProof`).

use crate::chain::error::ValidationError;
use crate::chain::uint::U256;
use crate::hash::BlockHash;
use crate::network::PowParams;

/// The network's easiest target (`powLimit`) as a number.
pub fn pow_limit(pow: &PowParams) -> U256 {
    U256::from_compact(pow.limit_bits).value
}

/// The target nBits encodes, or `None` when it is negative, zero, overflows or is easier than
/// the network's powLimit (the range check of `CheckProofOfWork`).
pub fn target_from_bits(bits: u32, pow: &PowParams) -> Option<U256> {
    let c = U256::from_compact(bits);
    if c.negative || c.overflow || c.value.is_zero() || c.value > pow_limit(pow) {
        return None;
    }
    Some(c.value)
}

/// `CheckProofOfWork`: nBits must be a valid target for the network and the hash, read as a
/// little-endian 256-bit number, must not be above it. `height` only labels the error.
pub fn check_proof_of_work(
    hash: &BlockHash,
    bits: u32,
    pow: &PowParams,
    height: Option<u32>,
) -> Result<(), ValidationError> {
    let target = target_from_bits(bits, pow).ok_or(ValidationError::BadTarget { height, bits })?;
    if U256::from_le_bytes(hash.to_byte_array()) > target {
        return Err(ValidationError::BadProofOfWork { height, hash: *hash, bits });
    }
    Ok(())
}

/// The expected number of hashes to find a block with this nBits, 2^256 / (target + 1)
/// (`GetBlockProof`); 0 for a negative, zero or overflowing nBits.
pub fn block_work(bits: u32) -> U256 {
    let c = U256::from_compact(bits);
    if c.negative || c.overflow || c.value.is_zero() {
        return U256::ZERO;
    }
    work_of_small_mantissa(c.value).unwrap_or_else(|| work_by_division(c.value))
}

/// 2^256 / (t + 1) by 256-bit long division.
fn work_by_division(t: U256) -> U256 {
    // 2^256 does not fit; 2^256 / (t+1) == (2^256 - t - 1) / (t+1) + 1 == ~t / (t+1) + 1.
    match t.checked_add(U256::ONE) {
        Some(divisor) => (!t).checked_div(divisor).unwrap_or(U256::ZERO).wrapping_add(U256::ONE),
        None => U256::ONE, // target 2^256 - 1 cannot come from a compact number
    }
}

/// 2^256 / (t + 1) in 128-bit arithmetic for every real target: t = m·2^s with m < 2^64 and
/// s ≥ 136 (any nBits exponent of 0x14 or more). `None` otherwise.
///
/// With n = 2^(256-s) (at most 2^120), 2^256 / (t + 1) = n / (m + 2^-s), which is below n / m
/// by less than 2^(256-2s) / m² < 1: the answer is ⌊n / m⌋ or one less, and it is one less
/// exactly when ⌊n / m⌋·(t + 1) exceeds 2^256 (t + 1 is odd, so never equals it).
fn work_of_small_mantissa(t: U256) -> Option<U256> {
    let s = t.trailing_zeros();
    let m = t >> s;
    if !(136..256).contains(&s) || m.bits() > 64 {
        return None;
    }
    let (m, n) = (u128::from(m.low_u64()), 1u128 << (256 - s));
    let q = n / m;
    let qm = q * m; // ≤ n: no overflow, and qm·2^s < 2^256 unless qm == n
    let too_big = qm == n || (U256::from_u128(qm) << s).checked_add(U256::from_u128(q)).is_none();
    Some(U256::from_u128(if too_big { q - 1 } else { q }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Network;

    #[test]
    fn genesis_headers_pass_proof_of_work_against_their_known_hashes() {
        let cases = [
            (Network::Mainnet, "00000ffd590b1485b3caadc19b22e6379c733355108f107a430458cdf3407ab6"),
            (Network::Testnet, "00000bafbc94add76cb75e2ec92894837288a481e5c005f6563d91623bf8bc2c"),
            (Network::Regtest, "000008ca1832a4baf228eb1553c03d3a2c8e02399550dd6ea8d65cec3ef23d2e"),
        ];
        for (net, hash) in cases {
            let p = net.params();
            let h: BlockHash = hash.parse().unwrap();
            check_proof_of_work(&h, p.genesis_header().bits, &p.pow, Some(0)).unwrap();
        }
    }

    #[test]
    fn hash_above_target_is_rejected() {
        let pow = Network::Mainnet.params().pow;
        let h: BlockHash =
            "00000ffd590b1485b3caadc19b22e6379c733355108f107a430458cdf3407ab6".parse().unwrap();
        // Genesis bits 0x1e0ffff0: target 0x0ffff0 << 216; a harder target 0x1e00ffff fails.
        assert!(matches!(
            check_proof_of_work(&h, 0x1e00_ffff, &pow, None),
            Err(ValidationError::BadProofOfWork { .. })
        ));
    }

    #[test]
    fn invalid_targets_are_rejected_before_the_hash_is_compared() {
        let pow = Network::Mainnet.params().pow;
        let zero_hash = BlockHash::ZERO;
        for bits in [
            0x1e8f_ffff, // negative
            0x0000_0000, // zero
            0xff12_3456, // overflow
            0x1f00_ffff, // easier than powLimit 0x1e0fffff
            0x207f_ffff, // the regtest limit is too easy for mainnet
        ] {
            assert_eq!(
                check_proof_of_work(&zero_hash, bits, &pow, Some(7)),
                Err(ValidationError::BadTarget { height: Some(7), bits }),
                "{bits:#x}"
            );
        }
        check_proof_of_work(&zero_hash, 0x1e0f_ffff, &pow, None).unwrap();
        check_proof_of_work(&zero_hash, 0x207f_ffff, &Network::Regtest.params().pow, None).unwrap();
    }

    #[test]
    fn block_work_is_2_to_the_256_over_target_plus_one() {
        // Regtest limit 0x7fffff << 232: 2^256 / (0x7fffff·2^232 + 1) = 2 (truncated).
        assert_eq!(block_work(0x207f_ffff), U256::from_u64(2));
        // Bitcoin's difficulty-1 target 0x1d00ffff: work 0x100010001.
        assert_eq!(block_work(0x1d00_ffff), U256::from_u64(0x0001_0001_0001));
        assert_eq!(block_work(0), U256::ZERO);
        assert_eq!(block_work(0x0181_0000), U256::ZERO); // negative
    }

    #[test]
    fn the_128_bit_work_path_equals_long_division() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut checked = 0;
        for exponent in 0x03..=0x22u32 {
            for i in 0..300u32 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let mantissa = match i {
                    0 => 1,
                    1 => 0x7f_ffff,
                    2 => 0x00_8000,
                    3 => 0x40_0000,
                    _ => (x as u32 & 0x7f_ffff) >> ((x >> 40) % 23),
                };
                let bits = (exponent << 24) | mantissa;
                let c = U256::from_compact(bits);
                if c.negative || c.overflow || c.value.is_zero() {
                    continue;
                }
                assert_eq!(block_work(bits), work_by_division(c.value), "{bits:#010x}");
                checked += usize::from(work_of_small_mantissa(c.value).is_some());
            }
        }
        assert!(checked > 3000, "the fast path ran {checked} times");
        // Real nBits from the mainnet, testnet and regtest ranges take the fast path.
        for bits in [0x1927_7a6c, 0x1e0f_ffff, 0x207f_ffff, 0x1d00_ffff] {
            assert!(work_of_small_mantissa(U256::from_compact(bits).value).is_some());
        }
    }
}
