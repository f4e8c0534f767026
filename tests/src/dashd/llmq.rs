//! A regtest masternode network of real Dash Core nodes: one controller (wallet, miner,
//! spork signer) and a few masternodes, set up as Dash Core's own functional tests do
//! (`test_framework.py DashTestFramework`), and LLMQ quorums formed by mining through their
//! DKG phases.
//!
//! The recipe:
//! * every node runs with `-dip3params=2:2` (DIP3 from block 2, so every later coinbase
//!   carries a CbTx); on v23 regtest DIP0024 (rotation) and V19 (basic BLS) are active from
//!   block 1;
//! * the controller holds the regtest spork key (public in Dash Core's chainparams), mines
//!   200 blocks, and registers each masternode with `protx register_fund` (1,000 DASH
//!   collateral) for the 127.0.0.1 address of a node started with `-masternodeblsprivkey`;
//! * every node is told `mnsync next` until its sync status is finished (there is no
//!   governance to sync), then sporks 2, 3, 17, 19 and 21 are switched on
//!   (InstantSend, block filtering, DKG, ChainLocks, all quorum members connected);
//! * [`MasternodeNet::mine_quorums`] mines to a cycle start (three whole cycles first, the
//!   quorum snapshots rotation needs), then one block at a time, waiting before each block
//!   until every DKG session of every masternode has what its phase needs (connections in
//!   the init phase, all contributions, all premature commitments), until `quorum list` holds
//!   a new `llmq_test` (ChainLocks) and two new `llmq_test_dip0024` quorums (InstantSend,
//!   rotated: quorum indexes 0 and 1), then 8 more blocks (the signing offset).
//!
//! With four masternodes (the size of `llmq_test_dip0024`) everything fits on two cores:
//! the whole setup and the first quorums take well under a minute.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{wait_for, Dashd};

/// The regtest spork private key (Dash Core `chainparams.cpp`, public by design).
pub const REGTEST_SPORK_KEY: &str = "cP4EKFyJsHT39LDqgdcB43Y3YXjNyjb5Fuas1GQSeAtjnZWmZEQK";
/// The DIP3 activation height the network runs with (`-dip3params` in [`NETWORK_ARGS`]).
pub const DIP3_HEIGHT: u32 = 2;
/// The arguments every node of the network starts with.
pub const NETWORK_ARGS: [&str; 2] = ["-dip3params=2:2", "-debug=llmq"];
/// The sporks switched on (value 0) once the masternodes run.
pub const SPORKS_ON: [&str; 5] = [
    "SPORK_2_INSTANTSEND_ENABLED",
    "SPORK_3_INSTANTSEND_BLOCK_FILTERING",
    "SPORK_17_QUORUM_DKG_ENABLED",
    "SPORK_19_CHAINLOCKS_ENABLED",
    "SPORK_21_QUORUM_ALL_CONNECTED",
];
/// The quorum type that signs ChainLocks on regtest (`llmq_test`, type 100).
pub const CHAINLOCK_QUORUM: &str = "llmq_test";
/// The quorum type that signs InstantSend locks on regtest (`llmq_test_dip0024`, type 103).
pub const INSTANTSEND_QUORUM: &str = "llmq_test_dip0024";
/// The DKG interval of every regtest quorum type.
pub const DKG_INTERVAL: u32 = 24;
/// Blocks below the signing height whose quorum set signs (`SIGN_HEIGHT_OFFSET`).
pub const SIGN_HEIGHT_OFFSET: u32 = 8;
/// How long one DKG step (one block's phase) may take before the setup fails.
const DKG_STEP_TIMEOUT: Duration = Duration::from_secs(90);
/// How many blocks past the cycle start the quorums may take to be mined.
const DKG_MAX_BLOCKS: u32 = 30;
/// How many DKG cycles may start after the first one when a member's session aborts.
const DKG_RETRY_CYCLES: u32 = 2;

/// Members of each regtest quorum type (`llmq/params.h`).
fn quorum_size(llmq_type: &str) -> Option<usize> {
    match llmq_type {
        "llmq_test" | "llmq_test_instantsend" | "llmq_test_platform" | "llmq_test_v17" => Some(3),
        "llmq_test_dip0024" => Some(4),
        _ => None,
    }
}

/// One masternode: its node and what it was registered with.
#[derive(Debug)]
pub struct Masternode {
    /// The node, started with the operator key.
    pub node: Dashd,
    /// The ProRegTx hash (RPC hex).
    pub pro_tx_hash: String,
    /// The operator's BLS public key (hex, as `bls generate` prints it).
    pub operator_public_key: String,
}

/// The quorums one [`MasternodeNet::mine_quorums`] round formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormedQuorums {
    /// The new `llmq_test` quorum's hash (RPC hex).
    pub chainlocks: String,
    /// The new `llmq_test_dip0024` quorums' hashes, quorum index 0 first.
    pub instantsend: Vec<String>,
}

/// A controller and its masternodes (see the module documentation). Every node stops when
/// it is dropped.
#[derive(Debug)]
pub struct MasternodeNet {
    /// The controller: wallet `miner`, spork key, not a masternode.
    pub controller: Dashd,
    /// The masternodes, in registration order.
    pub masternodes: Vec<Masternode>,
    /// The controller's mining address.
    pub miner_address: String,
    rotated_once: bool,
}

impl MasternodeNet {
    /// Starts the controller and `count` masternodes, registers them and switches the
    /// sporks on; returns once every masternode is `ENABLED` on the controller and every
    /// node has the same sporks and tip.
    pub fn start(count: usize) -> MasternodeNet {
        let mut args: Vec<String> = NETWORK_ARGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("-sporkkey={REGTEST_SPORK_KEY}"));
        let controller = Dashd::start_with(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let miner = controller.wallet("miner");
        let miner_address = miner.new_address();
        // 100 blocks to maturity, then enough mature 500 DASH coinbases for the collaterals.
        controller.mine(200, &miner_address);

        let mut masternodes = Vec::with_capacity(count);
        for _ in 0..count {
            let bls = controller.rpc(&["bls", "generate"]);
            let secret = bls["secret"].as_str().expect("bls secret").to_owned();
            let public = bls["public"].as_str().expect("bls public").to_owned();
            let mut mn_args: Vec<String> = NETWORK_ARGS.iter().map(|s| s.to_string()).collect();
            mn_args.push(format!("-masternodeblsprivkey={secret}"));
            let node = Dashd::start_with(&mn_args.iter().map(String::as_str).collect::<Vec<_>>());
            let collateral = miner.new_address();
            let owner = miner.new_address();
            let payout = miner.new_address();
            let service = json!([node.p2p_addr().to_string()]).to_string();
            let pro_tx_hash = miner.rpc(&[
                "protx",
                "register_fund",
                &collateral,
                &service,
                &owner,
                &public,
                &owner,
                "0",
                &payout,
                &miner_address,
            ]);
            let pro_tx_hash = pro_tx_hash.as_str().expect("protx hash").to_owned();
            masternodes.push(Masternode { node, pro_tx_hash, operator_public_key: public });
        }
        controller.mine(1, &miner_address);
        let net = MasternodeNet { controller, masternodes, miner_address, rotated_once: false };
        for mn in &net.masternodes {
            mn.node.connect_to(&net.controller);
        }
        net.wait_same_tip();
        for node in net.nodes() {
            finish_mnsync(node);
        }
        for spork in SPORKS_ON {
            net.controller.rpc(&["sporkupdate", spork, "0"]);
        }
        let sporks = net.controller.rpc(&["spork", "show"]);
        wait_for("every node to have the controller's sporks", || {
            net.masternodes.iter().all(|mn| mn.node.rpc(&["spork", "show"]) == sporks)
        });
        let registered: BTreeSet<String> =
            net.masternodes.iter().map(|m| m.pro_tx_hash.clone()).collect();
        let status = net.controller.rpc(&["masternodelist", "status"]);
        let enabled: BTreeSet<String> = status
            .as_object()
            .expect("masternodelist status")
            .iter()
            .filter(|(_, s)| *s == "ENABLED")
            .filter_map(|(k, _)| net.pro_tx_of_outpoint(k))
            .collect();
        assert_eq!(enabled, registered, "masternodes not ENABLED on the controller: {status}");
        net
    }

    /// The ProRegTx hash of the masternode whose collateral is `outpoint` (`txid-n`).
    fn pro_tx_of_outpoint(&self, outpoint: &str) -> Option<String> {
        let (txid, _) = outpoint.split_once('-')?;
        self.masternodes.iter().find(|m| m.pro_tx_hash == txid).map(|m| m.pro_tx_hash.clone())
    }

    /// Every node: the controller first.
    pub fn nodes(&self) -> impl Iterator<Item = &Dashd> {
        std::iter::once(&self.controller).chain(self.masternodes.iter().map(|m| &m.node))
    }

    /// Waits until every node has the controller's tip; its height.
    pub fn wait_same_tip(&self) -> u32 {
        wait_for("the masternodes to reach the controller's tip", || {
            let tip = self.controller.tip();
            self.masternodes.iter().all(|m| m.node.tip() == tip)
        });
        self.controller.height()
    }

    /// Mines `n` blocks on the controller and waits until every node has them; their hashes.
    pub fn mine(&self, n: u32) -> Vec<String> {
        let hashes = self.controller.mine(n, &self.miner_address);
        self.wait_same_tip();
        hashes
    }

    /// Forms a ChainLocks quorum and the two rotated InstantSend quorums of the next DKG
    /// cycle (see the module documentation), then mines the signing offset on top. Panics
    /// with every masternode's `quorum dkgstatus` when a step does not complete.
    pub fn mine_quorums(&mut self) -> FormedQuorums {
        let before = self.controller.rpc(&["quorum", "list"]);
        let height = self.controller.height();
        let mut skip = DKG_INTERVAL - height % DKG_INTERVAL;
        if !self.rotated_once {
            skip += 3 * DKG_INTERVAL;
        }
        self.mine(skip);
        let first_cycle = self.controller.height();
        let mut cycle_start = first_cycle;
        let mut aborted = false;
        let formed = loop {
            aborted |= self.wait_dkg_step();
            if let Some(formed) = self.new_quorums(&before) {
                break formed;
            }
            let height = self.controller.height();
            if aborted && height >= cycle_start + DKG_MAX_BLOCKS - DKG_INTERVAL {
                // A member's session aborted: its quorum may not form in this cycle, so
                // the next cycle gets a full try.
                cycle_start += DKG_INTERVAL;
                aborted = false;
            }
            assert!(
                height < cycle_start + DKG_MAX_BLOCKS
                    && cycle_start < first_cycle + DKG_RETRY_CYCLES * DKG_INTERVAL,
                "no quorums {DKG_MAX_BLOCKS} blocks after the cycle start {cycle_start}: quorum \
                 list {}; dkgstatus {}",
                self.controller.rpc(&["quorum", "list"]),
                self.dkg_status_dump()
            );
            self.mine(1);
        };
        self.rotated_once = true;
        self.mine(SIGN_HEIGHT_OFFSET);
        formed
    }

    /// The quorums in `quorum list` now that `before` did not hold, once there is one of the
    /// ChainLocks type and two of the InstantSend type.
    fn new_quorums(&self, before: &Value) -> Option<FormedQuorums> {
        let now = self.controller.rpc(&["quorum", "list"]);
        let fresh = |name: &str| -> Vec<String> {
            let old: Vec<&Value> =
                before[name].as_array().map(|a| a.iter().collect()).unwrap_or_default();
            now[name]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|q| !old.contains(q))
                        .filter_map(|q| q.as_str())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let chainlocks = fresh(CHAINLOCK_QUORUM);
        let mut instantsend = fresh(INSTANTSEND_QUORUM);
        if chainlocks.is_empty() || instantsend.len() < 2 {
            return None;
        }
        let index = |q: &String| {
            self.controller.rpc(&["quorum", "info", "103", q])["quorumIndex"].as_u64().unwrap_or(0)
        };
        instantsend.sort_by_key(index);
        Some(FormedQuorums { chainlocks: chainlocks[0].clone(), instantsend })
    }

    /// Waits until every DKG session of every masternode has what its phase needs before the
    /// next block is mined (see [`dkg_pending`]); whether a session of the current cycle
    /// aborted (its quorum may then not form, and the next cycle is tried).
    fn wait_dkg_step(&self) -> bool {
        let deadline = Instant::now() + DKG_STEP_TIMEOUT;
        loop {
            let tip = u64::from(self.controller.height());
            let statuses: Vec<Value> =
                self.masternodes.iter().map(|m| m.node.rpc(&["quorum", "dkgstatus"])).collect();
            let mut aborted = BTreeMap::<String, usize>::new();
            let current_aborted = statuses
                .iter()
                .flat_map(dkg_sessions)
                .filter(|s| s.aborted() && s.base() == Some(cycle_base(tip, s.index)));
            for session in current_aborted {
                *aborted.entry(session.quorum.to_owned()).or_default() += 1;
            }
            let pending: Vec<String> =
                statuses.iter().filter_map(|s| dkg_pending(s, tip, &aborted)).collect();
            if pending.is_empty() {
                return !aborted.is_empty();
            }
            assert!(
                Instant::now() < deadline,
                "DKG step at height {tip} incomplete after {DKG_STEP_TIMEOUT:?}: {}; dkgstatus {}",
                pending.join("; "),
                self.dkg_status_dump()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn dkg_status_dump(&self) -> String {
        self.masternodes
            .iter()
            .map(|m| format!("{}: {}", m.pro_tx_hash, m.node.rpc(&["quorum", "dkgstatus"])))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until the controller's best ChainLock is on `block_hash`; the lock as
    /// `getbestchainlock` gives it.
    pub fn wait_chainlock(&self, block_hash: &str) -> Value {
        let mut last = Value::Null;
        wait_for("the controller's best ChainLock", || {
            match self.controller.try_rpc(&["getbestchainlock"]) {
                Ok(cl) => last = cl,
                Err(_) => return false,
            }
            last["blockhash"] == block_hash
        });
        last
    }

    /// Waits until the controller holds an InstantSend lock for `txid`.
    pub fn wait_instantlock(&self, txid: &str) {
        wait_for("the controller's InstantSend lock", || {
            let tx = self.controller.rpc(&["getrawtransaction", txid, "true"]);
            tx["instantlock"] == true
        });
    }
}

/// Tells `node` to skip the masternode sync stages (there is no governance data on this
/// network) until it reports them finished.
pub fn finish_mnsync(node: &Dashd) {
    for _ in 0..10 {
        if node.rpc(&["mnsync", "status"])["IsSynced"] == true {
            return;
        }
        node.rpc(&["mnsync", "next"]);
    }
    assert_eq!(node.rpc(&["mnsync", "status"])["IsSynced"], true, "mnsync never finished");
}

/// Blocks per DKG phase of every regtest quorum type (`dkgPhaseBlocks`).
const DKG_PHASE_BLOCKS: u64 = 2;
/// The last DKG phase a session's thread reports before it goes idle (`Finalize`).
const DKG_LAST_PHASE: u64 = 6;

/// One masternode's DKG session as `quorum dkgstatus` reports it.
struct DkgSession<'a> {
    name: &'a str,
    index: u64,
    quorum: &'a str,
    status: &'a Value,
}

impl DkgSession<'_> {
    fn count(&self, field: &str) -> usize {
        self.status[field].as_u64().unwrap_or(0) as usize
    }
    fn aborted(&self) -> bool {
        self.status["aborted"] == true
    }
    fn base(&self) -> Option<u64> {
        self.status["quorumHeight"].as_u64()
    }
    fn short(&self) -> &str {
        &self.quorum[..self.quorum.len().min(8)]
    }
}

/// The base block height of the DKG cycle `tip` is in, for quorum index `index`.
fn cycle_base(tip: u64, index: u64) -> u64 {
    tip - (tip.saturating_sub(index) % u64::from(DKG_INTERVAL))
}

/// The sessions of `status` of the quorum types whose size is known.
fn dkg_sessions(status: &Value) -> impl Iterator<Item = DkgSession<'_>> {
    status["session"].as_array().into_iter().flatten().filter_map(|session| {
        let name = session["llmqType"].as_str()?;
        quorum_size(name)?;
        let status = &session["status"];
        let quorum = status["quorumHash"].as_str()?;
        let index = session["quorumIndex"].as_u64().unwrap_or(0);
        Some(DkgSession { name, index, quorum, status })
    })
}

/// What `status` (one masternode's `quorum dkgstatus`) still waits for before the block
/// after `tip` may be mined, if anything:
/// * every session's DKG thread has reached the phase the tip puts it in (Dash Core's
///   thread aborts its session when the tip moves two phases on before it looks, which
///   blocks mined back to back do on a loaded machine);
/// * phase 1 (init): all quorum connections; phase 2: every contribution; phase 5: every
///   premature commitment, less one per member whose session of that quorum aborted
///   (`aborted`, counted over all masternodes).
fn dkg_pending(status: &Value, tip: u64, aborted: &BTreeMap<String, usize>) -> Option<String> {
    let mut pending = Vec::new();
    for session in dkg_sessions(status) {
        let (name, short) = (session.name, session.short());
        let phase = session.status["phase"].as_u64().unwrap_or(0);
        let cycle_base = cycle_base(tip, session.index);
        let tip_phase = (tip - cycle_base) / DKG_PHASE_BLOCKS + 1;
        let current = session.base() == Some(cycle_base);
        if tip_phase <= DKG_LAST_PHASE && (!current || (phase < tip_phase && !session.aborted())) {
            pending.push(format!(
                "{name} {short}: thread in phase {phase} of the cycle at {:?}, the tip is in \
                 phase {tip_phase} of the cycle at {cycle_base}",
                session.base()
            ));
            continue;
        }
        if session.aborted() {
            continue;
        }
        let size = quorum_size(name).unwrap_or(0);
        let expected_count = size - aborted.get(session.quorum).copied().unwrap_or(0).min(size);
        match phase {
            1 => {
                let connected = connected_members(status, name, session.quorum);
                if connected + 1 < size {
                    pending.push(format!("{name} {short}: {connected} connections"));
                }
            }
            2 if session.count("receivedContributions") < expected_count => {
                pending.push(format!("{name} {short}: contributions"));
            }
            5 if session.count("receivedPrematureCommitments") < expected_count => {
                pending.push(format!("{name} {short}: premature commitments"));
            }
            _ => {}
        }
    }
    (!pending.is_empty()).then(|| pending.join(", "))
}

/// How many quorum members `dkgstatus` shows connected for the session of `name` on
/// `quorum`.
fn connected_members(status: &Value, name: &str, quorum: &str) -> usize {
    status["quorumConnections"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["llmqType"] == name && c["quorumHash"] == quorum)
        .flat_map(|c| c["quorumConnections"].as_array().cloned().unwrap_or_default())
        .filter(|m| m["connected"] == true)
        .count()
}
