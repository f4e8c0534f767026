//! The wallet-equals-chain property: for every seed, whatever the peers' latencies, lags,
//! stalls, outages and the reorgs during the download, the wallet at the end holds exactly
//! what the final best chain pays to and spends from the watched items.
//!
//! `SIM_SEEDS=5000 cargo test -p dashlite-testkit --release --test sim_oracle soak -- --ignored
//! --nocapture` runs a soak (from `SIM_FIRST`, default 0); `SIM_SEED=n ... replay` replays one.

use dashlite_testkit::sim::{self, gen};

/// Seeds every `cargo test` runs.
const SEEDS: u64 = 300;

fn run_seeds(first: u64, n: u64) {
    let mut failures = Vec::new();
    let mut txs = 0;
    for seed in first..first + n {
        match sim::check(&gen::generate(seed)) {
            Ok(r) => txs += r.transactions,
            Err(f) => {
                eprintln!("{f}");
                failures.push(f.seed);
            }
        }
    }
    eprintln!(
        "{n} seeds from {first}: {} failed, {txs} wallet transactions checked",
        failures.len()
    );
    assert!(failures.is_empty(), "failing seeds: {failures:?}");
}

fn env(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name}={v} is not a number")))
}

#[test]
#[ignore = "open defects: reorged-out coinbases stay unconfirmed, and more (see the sim notes)"]
fn wallet_equals_chain_for_300_seeds() {
    run_seeds(0, SEEDS);
}

#[test]
#[ignore = "soak: SIM_SEEDS=n (default 5000), SIM_FIRST=first seed"]
fn soak() {
    run_seeds(env("SIM_FIRST").unwrap_or(SEEDS), env("SIM_SEEDS").unwrap_or(5_000));
}

#[test]
#[ignore = "replays SIM_SEED"]
fn replay() {
    let seed = env("SIM_SEED").expect("set SIM_SEED to the seed to replay");
    let scenario = gen::generate(seed);
    eprintln!("{scenario:#?}");
    if let Err(f) = sim::check(&scenario) {
        panic!("{f}");
    }
}

/// Three peers, one address paid 1 DASH five times, each payment spent in full 20 blocks
/// later: the wallet ends with ten transactions and nothing left.
#[test]
fn five_payments_spent_in_full_twenty_blocks_later_leave_nothing() {
    for seed in 0..4 {
        let scenario = gen::five_payments_spent_in_full(seed);
        let report = sim::check(&scenario).unwrap_or_else(|f| panic!("{f}"));
        assert_eq!(report.transactions, 10, "seed {seed}");
        let truth = sim::truth(scenario.final_chain(), &scenario.watch);
        assert_eq!((truth.txs.len(), truth.balance), (10, 0));
    }
}
