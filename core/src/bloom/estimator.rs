//! The false-positive estimator: how often a peer's filter really matches transactions that
//! are not ours, measured from the `merkleblock`s it serves, and when that rate has drifted.
//!
//! Per block the caller reports the block's transaction count (`nTransactions`), how many
//! transactions the peer matched, and how many of those are really ours (the wallet decides).
//! A *trial* is a transaction that is not ours; a *false match* is a matched one that is not
//! ours.
//!
//! ## Two statistics, for two questions
//! * **How high is the rate?** [`FpEstimator::estimate`]: exponentially decayed counts (half
//!   life [`EstimatorConfig::half_life_txs`] trials) with a Wilson score interval. The decay
//!   follows a changing filter; the interval is honest about small samples (3 false matches in
//!   60 transactions is 5% with a 95% interval of about 1.7%–14%, not "5%").
//! * **Has it drifted?** [`FpEstimator::on_block`] runs Page's CUSUM on the log-likelihood
//!   ratio of "rate = `drift_multiple` × expected" against "rate = expected" (a Bernoulli
//!   trial per transaction), and signals when it exceeds [`EstimatorConfig::threshold`] nats.
//!   CUSUM is the optimal detector of a change in rate (Lorden): with the defaults (4×, 20
//!   nats) it takes about 15 excess false matches in quick succession to fire, so one block
//!   full of chance matches cannot, while a real drift to 4× at 0.5% per transaction is found
//!   within ~1,600 transactions (≈ 80 blocks of 20). At the expected rate its mean time to a
//!   false alarm is ~10¹⁰ transactions, far more than a full mainnet sync; at 1.5× the
//!   expected rate (a mis-estimated baseline, not drift) it is still ~5·10⁶. The last time the
//!   CUSUM stood at zero estimates where the drift began: blocks from there on are
//!   re-requested.
//!
//! The threshold is relative to the rate the filter *should* have (set by the caller from the
//! mirror's fill, see [`super::policy::FilterPolicy::expected_tx_false_positive_rate`]), so a
//! filter that fills up as planned is not "drift": drift means the peer matches far more than
//! the filter we believe it holds can explain: its copy is not what our mirror says (or the
//! peer is not filtering honestly), so the blocks it served since then are suspect too.
//!
//! ## No reload storms
//! bitcoinj and dashj compared a per-*transaction* rate with a per-*element* target (a
//! transaction makes ~9 or more element tests) over a handful of blocks, so they reloaded again
//! and again. Here the units agree, small samples carry little evidence and counts restart
//! after each drift (the caller reloads). If drift is signalled again within
//! [`STORM_WINDOW_TXS`] trials of the previous one, the fresh filter itself matches more than
//! expected: the baseline is wrong for this chain (its transactions make more element tests
//! than assumed), not the filter. The estimator then re-baselines: the expected rate is scaled
//! by the rate measured since the previous drift (up to [`MAX_BASELINE_SCALE`]×). A wrong
//! baseline costs two reloads, never a storm. Once the scale is at its cap, a quick repeat is
//! not signalled at all: the estimator survives the reloads it asks for (the sync engine
//! keeps it across `filterload`s), so no peer, honest or not, can make it reload forever.

/// Default drift multiple: signal when the rate is credibly this many times the expected one.
pub const DEFAULT_DRIFT_MULTIPLE: f64 = 4.0;
/// Default CUSUM threshold in nats (a likelihood ratio of e^20 ≈ 5·10⁸).
pub const DEFAULT_CUSUM_THRESHOLD: f64 = 20.0;
/// Default half life of the smoothed rate, in non-wallet transactions (~1,000 blocks).
pub const DEFAULT_HALF_LIFE_TXS: f64 = 20_000.0;
/// A drift signalled within this many trials (non-wallet transactions) of the previous one
/// re-baselines the estimator (~5,000 blocks of 20 transactions).
pub const STORM_WINDOW_TXS: u64 = 100_000;
/// The expected rate is never scaled up by more than this.
pub const MAX_BASELINE_SCALE: f64 = 64.0;
/// z of the reported two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Tuning of [`FpEstimator`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EstimatorConfig {
    /// The share of non-wallet transactions the filter should match by chance.
    pub expected_rate: f64,
    /// Drift means a rate of this multiple of `expected_rate`.
    pub drift_multiple: f64,
    /// CUSUM threshold, in nats.
    pub threshold: f64,
    /// Half life of the smoothed estimate, in non-wallet transactions.
    pub half_life_txs: f64,
}

impl EstimatorConfig {
    /// The defaults around an expected per-transaction rate.
    pub fn new(expected_rate: f64) -> EstimatorConfig {
        EstimatorConfig {
            expected_rate,
            drift_multiple: DEFAULT_DRIFT_MULTIPLE,
            threshold: DEFAULT_CUSUM_THRESHOLD,
            half_life_txs: DEFAULT_HALF_LIFE_TXS,
        }
    }
}

/// What one `merkleblock` showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockSample {
    /// The block's height.
    pub height: u32,
    /// `nTransactions` of the merkleblock.
    pub total_transactions: u32,
    /// Transactions the peer matched.
    pub matched: u32,
    /// Matched transactions that are really ours.
    pub ours: u32,
}

/// A smoothed rate with its 95% Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateEstimate {
    /// False matches per non-wallet transaction (0 with no data).
    pub rate: f64,
    /// Lower bound of the 95% interval.
    pub lower: f64,
    /// Upper bound of the 95% interval.
    pub upper: f64,
    /// The (decayed) number of non-wallet transactions behind it.
    pub transactions: f64,
}

/// A credible drift: reload the filter and re-request `since_height..=through_height`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drift {
    /// The first block after the CUSUM last stood at zero: where the drift began.
    pub since_height: u32,
    /// The block that completed the evidence.
    pub through_height: u32,
    /// The rate over the drift's blocks alone.
    pub drift_rate: f64,
    /// The rate the CUSUM tested for (`multiple × expected`).
    pub threshold_rate: f64,
}

/// Estimates a peer's real false-positive rate and signals drift (see the module docs).
#[derive(Debug, Clone)]
pub struct FpEstimator {
    config: EstimatorConfig,
    /// Re-baselining factor on `expected_rate` (1 until drift repeats quickly).
    scale: f64,
    false_matches: f64,
    trials: f64,
    cusum: f64,
    /// Height where the current CUSUM excursion began, and its counts.
    run: Option<(u32, u64, u64)>,
    /// Trials and false matches since the last drift (`None` before the first).
    since_drift: Option<(u64, u64)>,
    drifts: u32,
}

impl FpEstimator {
    /// A fresh estimator.
    pub fn new(config: EstimatorConfig) -> FpEstimator {
        FpEstimator {
            config,
            scale: 1.0,
            false_matches: 0.0,
            trials: 0.0,
            cusum: 0.0,
            run: None,
            since_drift: None,
            drifts: 0,
        }
    }

    /// Updates the expected rate (after a `filteradd`, or as the mirror fills).
    pub fn set_expected_rate(&mut self, rate: f64) {
        self.config.expected_rate = rate;
    }

    /// The factor the expected rate was re-baselined by after quickly repeated drifts (1 if
    /// never).
    pub fn baseline_scale(&self) -> f64 {
        self.scale
    }

    /// Drifts signalled so far.
    pub fn drifts(&self) -> u32 {
        self.drifts
    }

    /// The CUSUM statistic, in nats.
    pub fn cusum(&self) -> f64 {
        self.cusum
    }

    /// Forgets all evidence (the filter was reloaded for another reason).
    pub fn reset(&mut self) {
        self.false_matches = 0.0;
        self.trials = 0.0;
        self.cusum = 0.0;
        self.run = None;
    }

    /// The smoothed rate and its 95% interval.
    pub fn estimate(&self) -> RateEstimate {
        let (lower, upper) = wilson(self.false_matches, self.trials, Z95);
        let rate = if self.trials > 0.0 { self.false_matches / self.trials } else { 0.0 };
        RateEstimate { rate, lower, upper, transactions: self.trials }
    }

    /// One received `merkleblock`. Returns a drift when the evidence is complete; the
    /// estimator then starts over (the caller reloads the filter).
    pub fn on_block(&mut self, sample: BlockSample) -> Option<Drift> {
        // Peer data: keep the counts consistent whatever they claim.
        let matched = sample.matched.min(sample.total_transactions);
        let ours = sample.ours.min(matched);
        let trials = u64::from(sample.total_transactions - ours);
        let false_matches = u64::from(matched - ours);

        let decay = 0.5f64.powf(trials as f64 / self.config.half_life_txs);
        self.false_matches = self.false_matches * decay + false_matches as f64;
        self.trials = self.trials * decay + trials as f64;
        if let Some((t, f)) = &mut self.since_drift {
            *t = t.saturating_add(trials);
            *f = f.saturating_add(false_matches);
        }

        let (expected, alternative) = self.hypotheses()?;
        let hit = (alternative / expected).ln();
        let miss = ((1.0 - alternative) / (1.0 - expected)).ln();
        let llr = false_matches as f64 * hit + (trials - false_matches) as f64 * miss;
        let was_zero = self.cusum <= 0.0;
        self.cusum = (self.cusum + llr).max(0.0);
        if self.cusum <= 0.0 {
            self.run = None;
            return None;
        }
        let run = match self.run {
            Some((h, t, f)) if !was_zero => (h, t + trials, f + false_matches),
            _ => (sample.height, trials, false_matches),
        };
        self.run = Some(run);
        if self.cusum < self.config.threshold {
            return None;
        }
        let drift = Drift {
            since_height: run.0,
            through_height: sample.height,
            drift_rate: if run.1 > 0 { run.2 as f64 / run.1 as f64 } else { 0.0 },
            threshold_rate: alternative,
        };
        if let Some((t, f)) = self.since_drift {
            if t < STORM_WINDOW_TXS && t > 0 && self.scale >= MAX_BASELINE_SCALE {
                // Reloads did not help and the baseline is as high as it goes: the peer matches
                // more than any filter of ours explains (one that matches everything, say),
                // and another reload would only fetch the same blocks again.
                self.since_drift = Some((0, 0));
                self.reset();
                return None;
            }
            if t < STORM_WINDOW_TXS && t > 0 {
                // The freshly reloaded filter drifted at once: learn this chain's baseline.
                let measured = f as f64 / t as f64 / expected;
                self.scale = (self.scale * measured.max(1.0)).min(MAX_BASELINE_SCALE);
            }
        }
        self.since_drift = Some((0, 0));
        self.drifts += 1;
        self.reset();
        Some(drift)
    }

    /// (expected, alternative) rates, or `None` when no drift can be told apart (a filter
    /// expected to match everything).
    fn hypotheses(&self) -> Option<(f64, f64)> {
        let expected = (self.config.expected_rate * self.scale).max(1e-12);
        if expected >= 1.0 || !expected.is_finite() {
            return None;
        }
        let multiple = self.config.drift_multiple.max(1.0);
        let alternative = (expected * multiple).min((1.0 + expected) / 2.0);
        (alternative > expected).then_some((expected, alternative))
    }
}

/// The Wilson score interval of `successes` in `trials` (counts may be fractional).
fn wilson(successes: f64, trials: f64, z: f64) -> (f64, f64) {
    if trials <= 0.0 {
        return (0.0, 1.0);
    }
    let p = (successes / trials).clamp(0.0, 1.0);
    let z2 = z * z;
    let centre = p + z2 / (2.0 * trials);
    let spread = z * (p * (1.0 - p) / trials + z2 / (4.0 * trials * trials)).sqrt();
    let denom = 1.0 + z2 / trials;
    (((centre - spread) / denom).max(0.0), ((centre + spread) / denom).min(1.0))
}
