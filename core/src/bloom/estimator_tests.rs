use super::estimator::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn block(height: u32, total: u32, matched: u32, ours: u32) -> BlockSample {
    BlockSample { height, total_transactions: total, matched, ours }
}

/// Feeds `blocks` blocks of `per_block` non-wallet transactions, each a false match with
/// probability `rate`; returns the drifts.
fn run(est: &mut FpEstimator, seed: u64, blocks: u32, per_block: u32, rate: f64) -> Vec<Drift> {
    let mut rng = StdRng::seed_from_u64(seed);
    (1..=blocks)
        .filter_map(|h| {
            let fp = (0..per_block).filter(|_| rng.random_bool(rate)).count() as u32;
            est.on_block(block(h, per_block + 1, fp + 1, 1))
        })
        .collect()
}

#[test]
fn drift_is_signalled_at_the_threshold_and_not_before() {
    let mut est = FpEstimator::new(EstimatorConfig {
        expected_rate: 0.01,
        drift_multiple: 4.0,
        threshold: 20.0,
        half_life_txs: 20_000.0,
    });
    for h in 1..=50 {
        assert_eq!(est.on_block(block(h, 10, 0, 0)), None);
    }
    assert_eq!(est.cusum(), 0.0);
    // Each block: 10 transactions, 2 false matches. Evidence per block, by hand:
    // 2·ln(0.04/0.01) + 8·ln(0.96/0.99) = 2.7726 - 0.2462 = 2.5264 nats, so 7 blocks give
    // 17.68 < 20 and the 8th gives 20.21.
    for h in 51..=57 {
        assert_eq!(est.on_block(block(h, 10, 2, 0)), None, "height {h}");
    }
    assert!((est.cusum() - 7.0 * 2.52641).abs() < 1e-3, "{}", est.cusum());
    let drift = est.on_block(block(58, 10, 2, 0)).expect("drift at the 8th block");
    assert_eq!((drift.since_height, drift.through_height), (51, 58));
    assert!((drift.drift_rate - 0.2).abs() < 1e-12);
    assert!((drift.threshold_rate - 0.04).abs() < 1e-12);
    assert_eq!(est.drifts(), 1);
    assert_eq!(est.cusum(), 0.0, "evidence restarts after a drift");
}

#[test]
fn wallet_transactions_are_not_false_matches() {
    let mut est = FpEstimator::new(EstimatorConfig::new(0.01));
    for h in 0..1_000 {
        // Every matched transaction is ours: no evidence of drift at all.
        assert_eq!(est.on_block(block(h, 10, 5, 5)), None);
    }
    assert_eq!((est.estimate().rate, est.cusum()), (0.0, 0.0));
    assert!(est.estimate().transactions > 4_000.0, "five trials per block, decayed");
}

#[test]
fn the_expected_rate_and_a_mildly_wrong_baseline_never_signal_drift() {
    for (seed, factor) in [(1u64, 1.0), (2, 1.0), (3, 1.5)] {
        let mut est = FpEstimator::new(EstimatorConfig::new(0.005));
        // 100,000 blocks of 20 transactions: about half of mainnet's history.
        let drifts = run(&mut est, seed, 100_000, 20, 0.005 * factor);
        assert!(drifts.is_empty(), "factor {factor}: {drifts:?}");
        let e = est.estimate();
        assert!(e.lower <= 0.005 * factor && 0.005 * factor <= e.upper, "{e:?}");
    }
}

#[test]
fn a_real_drift_is_found_within_a_few_hundred_blocks() {
    let mut est = FpEstimator::new(EstimatorConfig::new(0.005));
    assert!(run(&mut est, 4, 5_000, 20, 0.005).is_empty());
    // The filter starts matching 5× as much from block 5,001 on.
    let mut rng = StdRng::seed_from_u64(5);
    let mut found = None;
    for h in 5_001..=6_000 {
        let fp = (0..20).filter(|_| rng.random_bool(0.025)).count() as u32;
        if let Some(d) = est.on_block(block(h, 20, fp, 0)) {
            found = Some(d);
            break;
        }
    }
    let d = found.expect("drift found");
    assert!(d.through_height < 5_300, "{d:?}");
    assert!((4_900..=5_100).contains(&d.since_height), "drift began near 5,001: {d:?}");
}

#[test]
fn small_samples_do_not_trigger_reloads() {
    let mut est = FpEstimator::new(EstimatorConfig::new(0.005));
    // Two tiny blocks made only of chance matches: 10·ln 4 = 13.9 nats, not enough.
    assert_eq!(est.on_block(block(1, 5, 5, 0)), None);
    assert_eq!(est.on_block(block(2, 5, 5, 0)), None);
    // A quiet stretch lets the evidence fade again.
    for h in 3..2_000 {
        assert_eq!(est.on_block(block(h, 20, 0, 0)), None);
    }
    assert_eq!(est.cusum(), 0.0);
}

#[test]
fn a_wrong_baseline_costs_a_few_reloads_not_a_storm() {
    // The chain's transactions make 3× the element tests we assumed: every fresh filter
    // matches 3× the expected rate. bitcoinj-style rules reload again and again; here the
    // second quick drift re-baselines the estimator.
    for seed in [6u64, 7, 8] {
        let mut est = FpEstimator::new(EstimatorConfig::new(0.005));
        let drifts = run(&mut est, seed, 100_000, 20, 0.015);
        assert!((1..=3).contains(&drifts.len()), "seed {seed}: {drifts:?}");
        assert!((2.0..6.0).contains(&est.baseline_scale()), "{}", est.baseline_scale());
        assert!(drifts.last().unwrap().through_height < 5_000, "{drifts:?}");
    }
}

#[test]
fn a_peer_matching_everything_forever_costs_a_few_reloads_not_a_storm() {
    // Every transaction matches, whatever we load (a filter that matches every coinbase on a
    // chain of coinbase-only blocks looks the same): the expected rate can be scaled by at most
    // MAX_BASELINE_SCALE, and after that no drift is signalled however often it repeats.
    let mut est = FpEstimator::new(EstimatorConfig::new(0.0067));
    let drifts = run(&mut est, 1, 20_000, 1, 1.0);
    assert!((1..=3).contains(&drifts.len()), "{} drifts", drifts.len());
    assert_eq!(est.baseline_scale(), MAX_BASELINE_SCALE);
}

#[test]
fn the_estimate_carries_a_wilson_interval() {
    let mut est = FpEstimator::new(EstimatorConfig {
        half_life_txs: f64::INFINITY,
        ..EstimatorConfig::new(0.01)
    });
    let empty = est.estimate();
    assert_eq!((empty.rate, empty.lower, empty.upper), (0.0, 0.0, 1.0));
    est.on_block(block(1, 61, 4, 1));
    let e = est.estimate();
    assert_eq!((e.rate, e.transactions), (0.05, 60.0));
    assert!((e.lower - 0.0172).abs() < 5e-4 && (e.upper - 0.1370).abs() < 5e-4, "{e:?}");
}

#[test]
fn hostile_counts_are_clamped_and_a_match_all_filter_never_drifts() {
    let mut est = FpEstimator::new(EstimatorConfig::new(0.01));
    assert_eq!(est.on_block(block(1, 3, 9, 20)), None);
    let e = est.estimate();
    assert_eq!((e.rate, e.transactions), (0.0, 0.0));
    let mut all = FpEstimator::new(EstimatorConfig::new(1.0));
    for h in 0..100 {
        assert_eq!(all.on_block(block(h, 100, 100, 0)), None);
    }
}
