//! Conversions between [`BloomFilter`] and the `filterload` payload ([`FilterLoad`]).
//!
//! Both are the same bytes on the wire; the wire type is plain data, the filter enforces
//! Dash Core's limits (`IsWithinSizeConstraints`) and does the matching.

use super::{BloomError, BloomFilter};
use crate::wire::FilterLoad;

impl From<BloomFilter> for FilterLoad {
    fn from(filter: BloomFilter) -> FilterLoad {
        let (data, hash_funcs, tweak, flags) = filter.into_parts();
        FilterLoad { data, hash_funcs, tweak, flags }
    }
}

impl From<&BloomFilter> for FilterLoad {
    fn from(filter: &BloomFilter) -> FilterLoad {
        FilterLoad {
            data: filter.data().to_vec(),
            hash_funcs: filter.hash_funcs(),
            tweak: filter.tweak(),
            flags: filter.flags(),
        }
    }
}

impl TryFrom<FilterLoad> for BloomFilter {
    type Error = BloomError;
    /// Fails where Dash Core would score the sender 100: more than 36,000 bytes or more than
    /// 50 hash functions.
    fn try_from(load: FilterLoad) -> Result<BloomFilter, BloomError> {
        BloomFilter::from_parts(load.data, load.hash_funcs, load.tweak, load.flags)
    }
}

impl TryFrom<&FilterLoad> for BloomFilter {
    type Error = BloomError;
    fn try_from(load: &FilterLoad) -> Result<BloomFilter, BloomError> {
        BloomFilter::from_parts(load.data.clone(), load.hash_funcs, load.tweak, load.flags)
    }
}

impl BloomFilter {
    /// The fraction of bits set (1.0 for an empty, match-all filter).
    pub fn fill_ratio(&self) -> f64 {
        if self.data().is_empty() {
            return 1.0;
        }
        let ones: u64 = self.data().iter().map(|b| u64::from(b.count_ones())).sum();
        ones as f64 / (self.data().len() as f64 * 8.0)
    }

    /// The probability that an element never inserted is reported present, as the filter
    /// stands: `fill^k` (exact for this bit array, up to hash independence). 1.0 for an empty
    /// filter and for a filter with no hash functions, which both contain everything.
    pub fn false_positive_rate(&self) -> f64 {
        self.false_positive_rate_after(0)
    }

    /// The predicted false-positive rate after `additions` more distinct elements:
    /// each of the `k·a` new bit positions leaves a clear bit clear with probability
    /// `1 - 1/m`, so `(1 - (1 - fill)·(1 - 1/m)^{k·a})^k`; for a fresh filter this is the
    /// textbook `(1 - e^{-kn/m})^k`.
    pub fn false_positive_rate_after(&self, additions: u64) -> f64 {
        let m = self.data().len() as f64 * 8.0;
        let k = self.hash_funcs();
        if m == 0.0 || k == 0 {
            return 1.0;
        }
        let clear =
            (1.0 - self.fill_ratio()) * (1.0 - 1.0 / m).powf(f64::from(k) * additions as f64);
        (1.0 - clear).powi(k as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{Decode, Encode};

    #[test]
    fn filterload_and_filter_convert_both_ways_with_the_same_bytes() {
        let mut f = BloomFilter::new(3, 0.01, 2_147_483_649, 1).unwrap();
        f.insert([1u8; 20]);
        let load = FilterLoad::from(&f);
        assert_eq!(load.to_bytes(), f.to_bytes());
        assert_eq!(FilterLoad::from(f.clone()), load);
        assert_eq!(BloomFilter::try_from(&load).unwrap(), f);
        assert_eq!(BloomFilter::try_from(load.clone()).unwrap(), f);
        assert_eq!(BloomFilter::from_bytes(&load.to_bytes()).unwrap(), f);
    }

    #[test]
    fn over_limit_filterloads_do_not_convert() {
        let big = FilterLoad { data: vec![0; 36_001], hash_funcs: 1, tweak: 0, flags: 0 };
        assert_eq!(BloomFilter::try_from(big), Err(BloomError::TooLarge { size: 36_001 }));
        let many = FilterLoad { data: vec![0; 8], hash_funcs: 51, tweak: 0, flags: 0 };
        assert_eq!(BloomFilter::try_from(&many), Err(BloomError::TooManyHashFuncs { count: 51 }));
    }

    #[test]
    fn predicted_false_positive_rate_follows_the_fill() {
        let mut f = BloomFilter::new(100, 0.001, 5, 0).unwrap();
        assert_eq!(f.false_positive_rate(), 0.0);
        let fresh = f.false_positive_rate_after(100);
        // The design rate, within the rounding of Dash Core's sizing.
        assert!((0.0005..0.002).contains(&fresh), "{fresh}");
        for i in 0u32..100 {
            f.insert(i.to_le_bytes());
        }
        let actual = f.false_positive_rate();
        assert!((actual / fresh - 1.0).abs() < 0.5, "{actual} vs {fresh}");
        assert!(f.false_positive_rate_after(100) > 10.0 * actual);
        assert_eq!(BloomFilter::from_parts(vec![], 3, 0, 0).unwrap().false_positive_rate(), 1.0);
        assert_eq!(BloomFilter::from_parts(vec![0], 0, 0, 0).unwrap().false_positive_rate(), 1.0);
    }
}
