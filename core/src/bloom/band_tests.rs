//! The rate a peer holds stays within [configured / 4, configured × 2] for wallets of every
//! size, through `filteradd`s up to the reload point, and across restarts and reloads.

use super::layout::MAX_BITS;
use super::policy::*;
use super::{BloomFilter, FilterAction, MAX_BLOOM_FILTER_SIZE};
use crate::hash::hash160;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

const P: f64 = DEFAULT_FALSE_POSITIVE_RATE;
/// The rate each `filterload` is built at.
const LOAD: f64 = P * DEFAULT_LOAD_MULTIPLE;

fn item(salt: u64, i: u32) -> FilterTarget {
    FilterTarget::PubkeyHash(hash160(&[&salt.to_le_bytes()[..], &i.to_le_bytes()].concat()))
}

fn wallet(salt: u64, n: u32) -> Vec<FilterTarget> {
    (0..n).map(|i| item(salt, i)).collect()
}

/// Whether the filter sits on Dash Core's size limit with no decoy bit left to drop.
fn at_limit(f: &BloomFilter) -> bool {
    f.data().len() == MAX_BLOOM_FILTER_SIZE
}

/// Loads a wallet of `n`, then adds one element at a time until the policy reloads; checks
/// the band after the load, after every `filteradd` and after the reload.
fn walk_to_reload(seed: u64, n: u32) -> Result<(), TestCaseError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut policy = FilterPolicy::new(PolicyConfig::default(), wallet(seed, n), &mut rng)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let load = policy.filter().false_positive_rate();
    let limited = at_limit(policy.filter()) && load > LOAD * 1.01;
    if limited {
        // Dash Core's limit: the wallet's own bits already pass the configured rate.
        prop_assert!(load <= 2.0 * P * 1.05, "{n}: capped load {load}");
    } else {
        prop_assert!((LOAD..=LOAD * 1.01).contains(&load), "{n}: load {load}");
    }
    let upper = policy.reload_threshold();
    let expected =
        if limited { (2.0 * P).max(load * 2.0 / DEFAULT_LOAD_MULTIPLE) } else { 2.0 * P };
    prop_assert_eq!(upper, expected);
    let (tweak, size) = (policy.filter().tweak(), policy.filter().data().len());
    for i in 0..(n / 2 + 200) {
        let update = policy.watch([item(seed ^ 0xadd, i)], None, std::iter::empty());
        let rate = policy.filter().false_positive_rate();
        match update.action {
            FilterAction::Add(_) => {
                prop_assert!(rate <= upper, "{n}+{i}: {rate} past {upper}");
                prop_assert!(rate >= P / 4.0);
            }
            FilterAction::Reload(_) => {
                prop_assert!(i > 0, "{n}: the first addition reloaded");
                if limited {
                    // No decoys to drop: the reload holds the elements' own bits, which
                    // passed the threshold.
                    prop_assert!(rate > upper, "{n}+{i}: reloaded at {rate}");
                    prop_assert_eq!(policy.reload_threshold(), rate * 2.0 / DEFAULT_LOAD_MULTIPLE);
                } else {
                    prop_assert!(
                        (LOAD..=LOAD * 1.01).contains(&rate),
                        "{n}+{i}: reloaded at {rate}"
                    );
                }
                prop_assert_eq!(policy.filter().tweak(), tweak);
                prop_assert!(policy.filter().data().len() >= size);
                return Ok(());
            }
            FilterAction::None => prop_assert!(false, "a new element was ignored"),
        }
    }
    prop_assert!(false, "{n}: no reload after {} additions", n / 2 + 200);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn one_element_stays_in_the_band(seed in any::<u64>()) {
        walk_to_reload(seed, 1)?;
    }

    #[test]
    fn forty_elements_stay_in_the_band(seed in any::<u64>()) {
        walk_to_reload(seed, 40)?;
    }

    #[test]
    fn a_thousand_elements_stay_in_the_band(seed in any::<u64>()) {
        walk_to_reload(seed, 1_000)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3))]

    /// At 20,000 elements the filter is at Dash Core's 36,000 bytes: the load is at most
    /// about twice the configured rate, and additions reload at twice the load.
    #[test]
    fn twenty_thousand_elements_reach_the_size_limit(seed in any::<u64>()) {
        let mut rng = StdRng::seed_from_u64(seed);
        let policy =
            FilterPolicy::new(PolicyConfig::default(), wallet(seed, 20_000), &mut rng).unwrap();
        prop_assert_eq!(policy.filter().data().len() * 8, MAX_BITS);
        walk_to_reload(seed, 20_000)?;
    }
}

#[test]
fn a_restart_keeps_the_tweak_and_layout_of_the_stored_filter() {
    let items = wallet(1, 300);
    let first =
        FilterPolicy::new(PolicyConfig::default(), items.clone(), &mut StdRng::seed_from_u64(1))
            .unwrap();
    let stored = first.filter().clone();
    let mut more = items.clone();
    more.extend((0..50).map(|i| item(2, i)));
    let resumed = FilterPolicy::resume(
        PolicyConfig::default(),
        more,
        Some(&stored),
        &mut StdRng::seed_from_u64(2),
    )
    .unwrap();
    let f = resumed.filter();
    assert_eq!((f.tweak(), f.hash_funcs(), f.data().len()), (stored.tweak(), 10, 1_125));
    // Every set bit is the stored filter's or one of the 50 new elements'.
    let mut new_only = BloomFilter::from_parts(vec![0; 1_125], 10, stored.tweak(), 0).unwrap();
    (0..50).for_each(|i| new_only.insert(&item(2, i).elements()[0]));
    for (i, &b) in f.data().iter().enumerate() {
        assert_eq!(b & !stored.data()[i] & !new_only.data()[i], 0, "byte {i}");
    }
    // Without the stored filter two installs differ.
    let other =
        FilterPolicy::new(PolicyConfig::default(), items, &mut StdRng::seed_from_u64(3)).unwrap();
    assert_ne!(other.filter().tweak(), stored.tweak());
}

#[test]
fn growth_doubles_the_size_and_keeps_the_decoys_within_the_old_filter() {
    let mut rng = StdRng::seed_from_u64(5);
    let mut policy = FilterPolicy::new(PolicyConfig::default(), wallet(5, 500), &mut rng).unwrap();
    let old = policy.filter().clone();
    let update = policy.watch((0..300).map(|i| item(6, i)), None, std::iter::empty());
    assert!(matches!(update.reload_reason, Some(ReloadReason::FalsePositiveRate(_))));
    let new = policy.filter();
    assert_eq!(new.data().len(), 2 * old.data().len());
    let m = old.data().len() * 8;
    let mut added = BloomFilter::from_parts(vec![0; 2 * m / 8], 10, old.tweak(), 0).unwrap();
    (0..300).for_each(|i| added.insert(&item(6, i).elements()[0]));
    let bit = |d: &[u8], j: usize| d[j >> 3] & (1 << (j & 7)) != 0;
    for j in 0..2 * m {
        if bit(new.data(), j) && !bit(added.data(), j) {
            assert!(bit(old.data(), j % m), "bit {j}");
        }
    }
    let rate = new.false_positive_rate();
    assert!((LOAD..=LOAD * 1.01).contains(&rate), "{rate}");
}
