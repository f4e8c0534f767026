//! The layout of our filter: its size, hash count and decoy bits, chosen so the rate a peer
//! sees is the configured one whatever the wallet holds, and so that successive filters sent
//! to the same peer cannot be intersected to narrow the decoys.
//!
//! ## Sizes: a doubling ladder ending at Dash Core's limit
//! Sizes are `BASE_BITS · 2^j` bits (1,125, 2,250, 4,500, 9,000, 18,000 and 36,000 bytes),
//! so the top rung is exactly `MAX_BLOOM_FILTER_SIZE`. The hash count `k` depends only on the
//! configured rate ([`hash_funcs_for`]) and the tweak is fixed, so every rung tests the same
//! hash values: an element's bit in a filter of `2m` bits is `h mod 2m`, whose projection
//! `mod m` is its bit in the filter of `m` bits.
//!
//! ## Decoy bits
//! A filter is built from the elements, then random extra bits are set until the real rate
//! `(ones / m)^k` reaches the target (a one-element wallet gets 1,125 bytes of which half the
//! bits are decoys: a peer cannot tell one element from five hundred). When the filter
//! replaces an earlier one (a reload, or the stored filter after a restart), extra bits are
//! only taken at positions `j` whose projection `j mod m_old` is set in the earlier filter
//! (the last `filterload`, not the additions the peer was sent since).
//!
//! ## Why a peer gains nothing by intersecting
//! Let `A` be the earlier filter (`m` bits) and `B` its successor (`m·2^j` bits, same `k` and
//! tweak). Every set bit of `B` is a decoy bit projecting onto a set bit of `A`, or a bit of
//! an element of `B`; the elements `B` shares with `A` also set their projection in `A`. So a
//! script that matches `B` without touching the bits of an element new in `B` has all `k`
//! projected bits set in `A`: it matches `A`. The decoys `A` and `B` have in common are
//! therefore `B`'s decoys except those that need a bit of a new element; the policy's
//! module docs ([`super::policy`]) turn this into the rate two successive filters share, and
//! the bench `bloom_privacy` measures it over a growth sequence.
//!
//! A layout is never shrunk (its projection would not be a subset) and a stored filter with
//! another hash count or tweak starts a fresh ladder. When even the top rung cannot hold the
//! elements at the target, the filter holds them without decoy bits and its rate is what
//! 36,000 bytes allow (about twice the default rate at 20,000 elements, more beyond).

use std::collections::BTreeSet;

use rand::Rng;

use super::{BloomFilter, MAX_BLOOM_FILTER_SIZE, MAX_HASH_FUNCS};

/// Bits of the lowest rung: Dash Core's limit halved five times.
pub const BASE_BITS: usize = MAX_BLOOM_FILTER_SIZE * 8 / 32;
/// Bits of the top rung: Dash Core's `MAX_BLOOM_FILTER_SIZE`.
pub const MAX_BITS: usize = MAX_BLOOM_FILTER_SIZE * 8;

/// The hash count for a target rate `rate` whose filters are reloaded at `upper`: the count
/// that lets the top rung hold the most elements below `upper`, `argmax_k -ln(1 - upper^{1/k})
/// / k` over `1..=50` (10 for the default 0.0005 reloaded at 0.001).
pub fn hash_funcs_for(upper: f64) -> u32 {
    let upper = upper.clamp(f64::MIN_POSITIVE, 0.999_999);
    let capacity = |k: u32| -(1.0 - upper.powf(1.0 / f64::from(k))).ln() / f64::from(k);
    (1..=MAX_HASH_FUNCS)
        .max_by(|&a, &b| capacity(a).total_cmp(&capacity(b)).then(b.cmp(&a)))
        .unwrap_or(1)
}

/// The real rate of a filter of `bits` bits with `ones` of them set and `k` hash functions.
pub fn rate(ones: usize, bits: usize, k: u32) -> f64 {
    if bits == 0 {
        return 1.0;
    }
    (ones as f64 / bits as f64).powi(k as i32)
}

/// Set bits needed in a filter of `bits` bits for a real rate of at least `target`.
fn ones_for(target: f64, bits: usize, k: u32) -> usize {
    let ones = (bits as f64 * target.powf(1.0 / f64::from(k))).ceil();
    (ones as usize).min(bits)
}

fn ones(filter: &BloomFilter) -> usize {
    filter.data().iter().map(|b| b.count_ones() as usize).sum()
}

fn bit(data: &[u8], i: usize) -> bool {
    data[i >> 3] & (1 << (i & 7)) != 0
}

fn filled(elements: &BTreeSet<Vec<u8>>, bits: usize, k: u32, tweak: u32, flags: u8) -> BloomFilter {
    let mut f = BloomFilter { data: vec![0; bits / 8], hash_funcs: k, tweak, flags };
    for e in elements {
        f.insert(e);
    }
    f
}

/// The filter over `elements` with `k` hash functions (clamped to `1..=50`) and `tweak`, at the lowest rung where
/// the elements alone stay at or below `target`, padded with decoy bits up to `target`.
/// With `previous` of the same `k` and tweak the ladder continues from its size and decoys
/// project onto its set bits (see the module docs); otherwise a fresh ladder is used.
/// Returns the filter and whether the elements alone passed `target` on the highest rung
/// reachable (Dash Core's limit, with no decoy bit set).
pub fn build<R: Rng + ?Sized>(
    elements: &BTreeSet<Vec<u8>>,
    target: f64,
    k: u32,
    tweak: u32,
    flags: u8,
    previous: Option<&BloomFilter>,
    rng: &mut R,
) -> (BloomFilter, bool) {
    let k = k.clamp(1, MAX_HASH_FUNCS);
    let previous = previous.filter(|p| {
        p.hash_funcs() == k
            && p.tweak() == tweak
            && !p.is_match_all()
            && p.data().len() * 8 <= MAX_BITS
    });
    let mut bits = previous.map_or(BASE_BITS, |p| p.data().len() * 8);
    let mut filter = filled(elements, bits, k, tweak, flags);
    while rate(ones(&filter), bits, k) > target && bits * 2 <= MAX_BITS {
        bits *= 2;
        filter = filled(elements, bits, k, tweak, flags);
    }
    let mut previous = previous;
    if rate(ones(&filter), bits, k) > target && bits < MAX_BITS {
        // A stored size off the ladder stops below the limit: the top rung, a fresh layout.
        bits = MAX_BITS;
        filter = filled(elements, bits, k, tweak, flags);
        previous = None;
    }
    let capped = rate(ones(&filter), bits, k) > target;
    pad(&mut filter, target, previous, rng);
    (filter, capped)
}

/// Sets random clear bits (where `previous`, if any, has the projected bit set) until the
/// real rate reaches `target` or no such bit is left.
fn pad<R: Rng + ?Sized>(
    filter: &mut BloomFilter,
    target: f64,
    previous: Option<&BloomFilter>,
    rng: &mut R,
) {
    let bits = filter.data().len() * 8;
    let k = filter.hash_funcs();
    let need = ones_for(target, bits, k).saturating_sub(ones(filter));
    if need == 0 {
        return;
    }
    // No decoy completes the coinbase's prevout (null hash, index 0xffffffff): a filter that
    // matched it would match every block's coinbase, one false positive a block for good.
    let null_outpoint = [[0u8; 32].as_slice(), &[0xff; 4]].concat();
    let shunned: BTreeSet<usize> = filter.bit_indices(&null_outpoint).collect();
    let data = filter.data();
    let candidates: Vec<usize> = (0..bits)
        .filter(|&j| !bit(data, j) && !shunned.contains(&j))
        .filter(|&j| previous.is_none_or(|p| bit(p.data(), j % (p.data().len() * 8))))
        .collect();
    let chosen = rand::seq::index::sample(rng, candidates.len(), need.min(candidates.len()));
    for i in chosen {
        let j = candidates[i];
        filter.data[j >> 3] |= 1 << (j & 7);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn elements(n: u32, salt: u8) -> BTreeSet<Vec<u8>> {
        (0..n).map(|i| [&i.to_le_bytes()[..], &[salt; 16]].concat()).collect()
    }

    #[test]
    fn the_ladder_ends_at_dash_cores_limit() {
        assert_eq!(BASE_BITS * 32, MAX_BITS);
        assert_eq!(BASE_BITS % 8, 0);
        assert_eq!(hash_funcs_for(0.001), 10);
        assert!(hash_funcs_for(1e-30) <= MAX_HASH_FUNCS);
        assert_eq!(hash_funcs_for(0.5), 1);
    }

    #[test]
    fn no_decoy_makes_every_coinbase_a_false_positive() {
        // At 7.5e-4, about 7 of 10,000 tweaks would match the null prevout by decoys alone.
        let mut rng = StdRng::seed_from_u64(3);
        let wallet = elements(40, 9);
        let null_outpoint = [[0u8; 32].as_slice(), &[0xff; 4]].concat();
        let matching = (0..10_000u32)
            .filter(|&tweak| {
                build(&wallet, 0.00075, 10, tweak, 1, None, &mut rng).0.contains(&null_outpoint)
            })
            .count();
        assert_eq!(matching, 0);
    }

    #[test]
    fn a_successor_matches_nothing_its_predecessor_did_not_beyond_new_elements() {
        let mut rng = StdRng::seed_from_u64(7);
        let old = elements(500, 1);
        let (a, capped) = build(&old, 0.0005, 10, 99, 1, None, &mut rng);
        assert!(!capped);
        assert_eq!(a.data().len() * 8, BASE_BITS);
        let mut grown = old.clone();
        grown.extend(elements(900, 2));
        let (b, _) = build(&grown, 0.0005, 10, 99, 1, Some(&a), &mut rng);
        assert!(b.data().len() > a.data().len(), "grew to a higher rung");
        let new_only: BloomFilter = filled(&elements(900, 2), b.data().len() * 8, 10, 99, 1);
        for j in 0..b.data().len() * 8 {
            if bit(b.data(), j) && !bit(new_only.data(), j) {
                assert!(
                    bit(a.data(), j % (a.data().len() * 8)),
                    "bit {j} projects onto a clear bit"
                );
            }
        }
        let r = b.false_positive_rate();
        assert!((0.0005..0.0006).contains(&r), "padded to the target: {r}");
    }

    #[test]
    fn without_a_compatible_predecessor_the_ladder_starts_fresh() {
        let mut rng = StdRng::seed_from_u64(8);
        let other = BloomFilter::new(10, 0.01, 5, 0).unwrap();
        let (f, _) = build(&elements(3, 0), 0.0005, 10, 6, 0, Some(&other), &mut rng);
        assert_eq!(f.data().len() * 8, BASE_BITS);
        assert_eq!((f.hash_funcs(), f.tweak()), (10, 6));
    }
}
