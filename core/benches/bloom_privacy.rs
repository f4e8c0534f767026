//! What a peer that keeps every filter we send learns: prints figures, no timing.
//! `cargo bench -p dashlite --bench bloom_privacy --profile dev`.
//!
//! * The real false-positive rate (`fill^k`) at load and its highest value before the reload,
//!   for wallets of 1, 40, 1,000 and 20,000 elements at the default rate.
//! * Intersection over a growth sequence: a universe of random 20-byte script hashes (none
//!   ours), a wallet growing from 40 to 3,000 elements one `filteradd` at a time, and at each
//!   reload the decoys matched by the filter before (A), by its successor (B), and by both;
//!   then the decoys matched by every filter sent. The same successors built without regard
//!   to A (fresh decoys, same size, tweak and hash count) show what the layout rule prevents.

use std::collections::BTreeSet;

use dashlite::bloom::layout;
use dashlite::bloom::policy::{DEFAULT_FALSE_POSITIVE_RATE, DEFAULT_LOAD_MULTIPLE};
use dashlite::bloom::{BloomFilter, FilterAction, FilterPolicy, FilterTarget, PolicyConfig};
use dashlite::hash::hash160;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

const UNIVERSE: usize = 1_000_000;

fn item(salt: u64, i: u32) -> FilterTarget {
    FilterTarget::PubkeyHash(hash160(&[&salt.to_le_bytes()[..], &i.to_le_bytes()].concat()))
}

fn policy(n: u32, seed: u64) -> FilterPolicy {
    let items = (0..n).map(|i| item(seed, i));
    FilterPolicy::new(PolicyConfig::default(), items, &mut StdRng::seed_from_u64(seed))
        .expect("policy")
}

fn rates() {
    println!(
        "real rate fill^k at the default {DEFAULT_FALSE_POSITIVE_RATE} (band 0.000125..0.001)"
    );
    println!(
        "{:>8} {:>7} {:>3} {:>10} {:>12} {:>10}",
        "elements", "bytes", "k", "at load", "max by adds", "adds"
    );
    for n in [1u32, 40, 1_000, 20_000] {
        let mut p = policy(n, u64::from(n));
        let load = p.filter().false_positive_rate();
        let (bytes, k) = (p.filter().data().len(), p.filter().hash_funcs());
        let (mut max, mut adds) = (load, 0u32);
        loop {
            let update = p.watch([item(7, adds)], None, std::iter::empty());
            if !matches!(update.action, FilterAction::Add(_)) {
                break;
            }
            max = max.max(p.filter().false_positive_rate());
            adds += 1;
        }
        println!("{n:>8} {bytes:>7} {k:>3} {load:>10.3e} {max:>12.3e} {adds:>10}");
    }
}

fn matches(filter: &BloomFilter, universe: &[[u8; 20]]) -> Vec<bool> {
    universe.iter().map(|s| filter.contains(s)).collect()
}

fn intersection() {
    let mut rng = StdRng::seed_from_u64(1);
    let universe: Vec<[u8; 20]> = (0..UNIVERSE)
        .map(|_| {
            let mut s = [0u8; 20];
            rng.fill_bytes(&mut s);
            s
        })
        .collect();
    let mut p = policy(40, 2);
    let mut previous = p.filter().clone();
    let mut prev_hits = matches(&previous, &universe);
    let mut all = prev_hits.clone();
    let mut elements: BTreeSet<Vec<u8>> =
        (0..40).map(|i| item(2, i).elements()[0].clone()).collect();
    let mut fresh_rng = StdRng::seed_from_u64(3);
    println!("\nintersection: {UNIVERSE} random scripts, wallet 40 -> 3,000 elements");
    println!(
        "{:>8} {:>6} {:>6} {:>6} {:>6} {:>9} | {:>11} {:>9}",
        "elements", "bytes", "A", "B", "A&B", "A&B/U", "fresh B A&B", "A&B/U"
    );
    let (mut reloads, mut worst, mut worst_fresh) = (0, f64::MAX, f64::MAX);
    for i in 0..2_960u32 {
        let new = item(9, i);
        elements.insert(new.elements()[0].clone());
        let update = p.watch([new], None, std::iter::empty());
        if !matches!(update.action, FilterAction::Reload(_)) {
            continue;
        }
        reloads += 1;
        let b = p.filter();
        let hits = matches(b, &universe);
        let count = |h: &[bool]| h.iter().filter(|&&x| x).count();
        let both = prev_hits.iter().zip(&hits).filter(|(a, b)| **a && **b).count();
        let (fresh, _) = layout::build(
            &elements,
            DEFAULT_FALSE_POSITIVE_RATE * DEFAULT_LOAD_MULTIPLE,
            b.hash_funcs(),
            b.tweak(),
            b.flags(),
            None,
            &mut fresh_rng,
        );
        let fresh = if fresh.data().len() == b.data().len() {
            fresh
        } else {
            // Same size as B for a like-for-like comparison.
            let bits = b.data().len();
            let mut f =
                BloomFilter::from_parts(vec![0; bits], b.hash_funcs(), b.tweak(), b.flags())
                    .expect("size");
            elements.iter().for_each(|e| f.insert(e));
            f
        };
        let fresh_hits = matches(&fresh, &universe);
        let fresh_both = prev_hits.iter().zip(&fresh_hits).filter(|(a, b)| **a && **b).count();
        let u = UNIVERSE as f64;
        worst = worst.min(both as f64 / u);
        worst_fresh = worst_fresh.min(fresh_both as f64 / u);
        println!(
            "{:>8} {:>6} {:>6} {:>6} {:>6} {:>9.2e} | {:>11} {:>9.2e}",
            elements.len(),
            b.data().len(),
            count(&prev_hits),
            count(&hits),
            both,
            both as f64 / u,
            fresh_both,
            fresh_both as f64 / u
        );
        all.iter_mut().zip(&hits).for_each(|(a, h)| *a &= *h);
        previous = b.clone();
        prev_hits = hits;
    }
    let survivors = all.iter().filter(|&&x| x).count();
    println!(
        "{reloads} reloads; lowest A&B rate {worst:.2e} (fresh decoys: {worst_fresh:.2e}); \
         matched by all {} filters: {survivors} = {:.2e} of the universe; last filter {} bytes",
        reloads + 1,
        survivors as f64 / UNIVERSE as f64,
        previous.data().len()
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    rates();
    intersection();
}
