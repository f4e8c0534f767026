//! A deterministic multi-peer simulator driving dashlite's own protocol [`StateMachine`](dashlite::machine::StateMachine)
//! (`dashlite::machine`) in virtual time, and the oracle its runs are checked against.
//!
//! * [`scenario`]: what a run is: peers with their latency, lag behind the network, stalls
//!   (requests dropped, or answered only after the client's timeout), outages and joins
//!   mid-sync; the chain's versions over time (blocks, mempool relays, reorgs to a longer
//!   fork while blocks are downloading); what the wallet watches.
//! * [`gen`]: a scenario from a seed, and hand-made ones.
//! * [`peer`]: an honest peer's side of a connection, keeping the client's bloom filter as
//!   Dash Core does (the testkit node's filtering code, `IsRelevantAndUpdate`).
//! * [`net`]: the event queue that carries messages between the machine and the peers.
//! * [`oracle`]: the wallet the final chain implies, computed from the blocks alone, and
//!   the comparison.
//!
//! A seed fixes everything, so a failing seed replays exactly:
//! `SIM_SEED=<seed> cargo test -p dashlite-testkit --test sim_oracle replay -- --nocapture`.
//!
//! ```no_run
//! let report = dashlite_testkit::sim::check(&dashlite_testkit::sim::gen::generate(7));
//! assert!(report.is_ok(), "{}", report.unwrap_err());
//! ```

pub mod gen;
pub mod net;
pub mod oracle;
pub mod peer;
pub mod rng;
pub mod scenario;

use std::fmt;

use crate::chain::Chain;

pub use net::{run, Outcome};
pub use oracle::{differences, truth, Truth};
pub use scenario::Scenario;

/// What a passing run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The seed.
    pub seed: u64,
    /// The final chain's height.
    pub height: u32,
    /// Wallet transactions at the end.
    pub transactions: usize,
    /// Messages delivered.
    pub messages: u64,
    /// Virtual milliseconds the run took.
    pub elapsed: u64,
}

/// Why a run failed, with the command that replays it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The seed.
    pub seed: u64,
    /// Everything that was wrong.
    pub problems: Vec<String>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "simulation seed {} failed:", self.seed)?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        write!(
            f,
            "replay: SIM_SEED={} cargo test -p dashlite-testkit --test sim_oracle replay -- --nocapture",
            self.seed
        )
    }
}

/// A ready peer as a service fed by hand sees it: 10.0.0.1:19899, the current protocol
/// version, no services, no `headers2`, no addrv2.
pub fn ready_peer_info() -> dashlite::p2p::PeerInfo {
    dashlite::p2p::PeerInfo {
        addr: "10.0.0.1:19899".parse().expect("a socket address"),
        version: dashlite::network::PROTOCOL_VERSION,
        services: 0,
        user_agent: String::new(),
        start_height: 0,
        headers2: false,
        wants_addrv2: false,
    }
}

/// How the machine's masternode list differs from the one `chain` commits to at its tip.
pub fn masternode_list_difference(machine: &net::SimMachine, chain: &Chain) -> Option<String> {
    let service = machine.masternodes()?;
    let expected = crate::masternodes::chain_list(chain, chain.height())?;
    match service.current() {
        None if chain.height() == 0 => None,
        None => Some("no masternode list at the end".to_owned()),
        Some(s) if s.height != chain.height() || *s.list != expected => Some(format!(
            "masternode list at {} ({} entries, {} quorums), the chain's tip {} has {} entries, \
             {} quorums",
            s.height,
            s.list.entries.len(),
            s.list.quorums.len(),
            chain.height(),
            expected.entries.len(),
            expected.quorums.len()
        )),
        Some(_) => None,
    }
}

/// Runs `scenario` and compares the wallet with the final chain. Honest peers must never
/// be penalised.
pub fn check(scenario: &Scenario) -> Result<Report, Failure> {
    let outcome = run(scenario);
    let chain = scenario.final_chain();
    let truth = truth(scenario);
    let wallet = outcome.machine.wallet();
    let mut problems = Vec::new();
    if !outcome.converged {
        problems.push(format!(
            "did not reach the final chain (height {}, tip {}): header tip {}, blocks {}, wallet {}",
            chain.height(),
            chain.tip(),
            outcome.machine.tree().tip().height,
            outcome.machine.sync().blocks_height(),
            wallet.tip()
        ));
    }
    problems.extend(outcome.penalties.iter().map(|p| format!("honest peer penalised: {p}")));
    problems.extend(differences(wallet, &truth));
    if let Some(problem) = masternode_list_difference(&outcome.machine, chain) {
        problems.push(problem);
    }
    if problems.is_empty() {
        Ok(Report {
            seed: scenario.seed,
            height: chain.height(),
            transactions: wallet.transactions().len(),
            messages: outcome.messages,
            elapsed: outcome.elapsed,
        })
    } else {
        Err(Failure { seed: scenario.seed, problems })
    }
}
