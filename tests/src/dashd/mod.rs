//! Real Dash Core regtest nodes for end-to-end tests and benches: `dashd` processes on free
//! 127.0.0.1 ports with temporary data directories, driven over RPC with `dash-cli`.
//!
//! The binaries are `../shared/tools/dashcore/bin/{dashd,dash-cli}` beside the repository
//! (or the directory in `$DASHLITE_DASHCORE_BIN`). If they, or their run-time libraries, are
//! missing, [`Dashd::start_many`] panics saying so: tests that need a real node fail, they
//! never skip.
//!
//! A [`Dashd`] stops its node when dropped (also while a test panics): `stop` over RPC, then
//! `SIGKILL` if it lingers, then its temporary data directory is removed (kept, and named on
//! stderr, when the test failed). Nodes are started
//! with the parent-death signal set, so they die with the test process even if it is killed.
//!
//! ```no_run
//! use dashlite_testkit::dashd::Dashd;
//!
//! let nodes = Dashd::start_many(2);
//! Dashd::connect_all(&nodes);
//! let miner = nodes[0].wallet("miner");
//! let addr = miner.new_address();
//! nodes[0].mine(101, &addr);
//! Dashd::wait_same_tip(&nodes);
//! assert_eq!(nodes[1].height(), 101);
//! ```

pub mod llmq;
mod log;
mod rpc;
pub mod scenario;

pub use log::{DebugLog, PeerLog};
pub use rpc::{dash_amount, duffs, RpcError, Wallet};

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a node may take to answer RPC after it was started.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long [`Dashd::wait_same_tip`] and the other waits wait.
pub const WAIT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a node may take to shut down after `stop` before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// The RPC credentials every node is started with.
pub const RPC_USER: &str = "u";
/// See [`RPC_USER`].
pub const RPC_PASSWORD: &str = "p";

/// Where the Dash Core binaries are.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// `dashd`.
    pub dashd: PathBuf,
    /// `dash-cli`.
    pub cli: PathBuf,
}

impl Binaries {
    /// `$DASHLITE_DASHCORE_BIN`, else `../shared/tools/dashcore/bin` beside the repository.
    /// Panics with what is missing (the binary, or a run-time library).
    pub fn locate() -> Binaries {
        let dir = match std::env::var_os("DASHLITE_DASHCORE_BIN") {
            Some(d) => PathBuf::from(d),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/tools/dashcore/bin"),
        };
        let bins = Binaries { dashd: dir.join("dashd"), cli: dir.join("dash-cli") };
        for b in [&bins.dashd, &bins.cli] {
            assert!(
                b.is_file(),
                "Dash Core binary {} is missing: these tests run against real Dash Core \
                 (../shared/tools/dashcore/README.md, or set DASHLITE_DASHCORE_BIN)",
                b.display()
            );
        }
        let out = Command::new(&bins.dashd).arg("-version").output();
        match out {
            Ok(o) if o.status.success() => {}
            Ok(o) => panic!(
                "{} -version failed ({}): {}\nits run-time libraries: apt-get install -y \
                 libevent-2.1-7 libevent-core-2.1-7 libevent-pthreads-2.1-7 libgmp10 libsqlite3-0",
                bins.dashd.display(),
                o.status,
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => panic!("cannot run {}: {e}", bins.dashd.display()),
        }
        bins
    }
}

/// A fresh empty directory under the system temp dir, unique to this process.
pub fn temp_dir(prefix: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local addr").port()
}

/// One running regtest `dashd`.
#[derive(Debug)]
pub struct Dashd {
    bins: Binaries,
    child: Option<Child>,
    datadir: PathBuf,
    /// Whether the data directory is removed on drop.
    temporary: bool,
    p2p_port: u16,
    rpc_port: u16,
}

impl Dashd {
    /// Starts `n` nodes at once, each on fresh ports and a temporary data directory, and
    /// waits until every one answers RPC.
    pub fn start_many(n: usize) -> Vec<Dashd> {
        let bins = Binaries::locate();
        let mut nodes: Vec<Dashd> =
            (0..n).map(|_| Dashd::spawn(&bins, temp_dir("dashlite-dashd"), true, &[])).collect();
        for node in &mut nodes {
            node.wait_ready();
        }
        nodes
    }

    /// Starts one node on a temporary data directory with `extra` arguments (for example
    /// `-v2transport=0`).
    pub fn start_with(extra: &[&str]) -> Dashd {
        let bins = Binaries::locate();
        let mut node = Dashd::spawn(&bins, temp_dir("dashlite-dashd"), true, extra);
        node.wait_ready();
        node
    }

    /// Starts one node on `datadir` (kept on drop), with `extra` arguments.
    pub fn start_in(datadir: &Path, extra: &[&str]) -> Dashd {
        let bins = Binaries::locate();
        std::fs::create_dir_all(datadir)
            .unwrap_or_else(|e| panic!("create {}: {e}", datadir.display()));
        let mut node = Dashd::spawn(&bins, datadir.to_path_buf(), false, extra);
        node.wait_ready();
        node
    }

    fn spawn(bins: &Binaries, datadir: PathBuf, temporary: bool, extra: &[&str]) -> Dashd {
        let (p2p_port, rpc_port, onion_port) = (free_port(), free_port(), free_port());
        let mut cmd = Command::new(&bins.dashd);
        cmd.arg("-regtest")
            .arg(format!("-datadir={}", datadir.display()))
            .arg("-listen=1")
            .arg("-bind=127.0.0.1")
            .arg(format!("-port={p2p_port}"))
            .arg(format!("-bind=127.0.0.1:{onion_port}=onion"))
            .arg(format!("-rpcport={rpc_port}"))
            .args(["-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1"])
            .arg(format!("-rpcuser={RPC_USER}"))
            .arg(format!("-rpcpassword={RPC_PASSWORD}"))
            .args(["-server=1", "-fallbackfee=0.0001", "-peerbloomfilters=1", "-txindex=1"])
            .args(["-dnsseed=0", "-fixedseeds=0", "-discover=0", "-listenonion=0"])
            .args(["-printtoconsole=0", "-debug=net", "-upnp=0", "-natpmp=0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        set_parent_death_signal(&mut cmd);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("start {}: {e}", bins.dashd.display()));
        Dashd { bins: bins.clone(), child: Some(child), datadir, temporary, p2p_port, rpc_port }
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if self.try_rpc(&["getblockcount"]).is_ok() {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "dashd on {} exited ({status}) before answering RPC; {}",
                    self.datadir.display(),
                    self.log().tail(20)
                );
            }
            assert!(
                Instant::now() < deadline,
                "dashd on {} did not answer RPC within {:?}; {}",
                self.datadir.display(),
                START_TIMEOUT,
                self.log().tail(20)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Its P2P address.
    pub fn p2p_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.p2p_port))
    }

    /// Its data directory.
    pub fn datadir(&self) -> &Path {
        &self.datadir
    }

    /// Its `regtest/debug.log`, read now.
    pub fn log(&self) -> DebugLog {
        DebugLog::read(&self.datadir.join("regtest/debug.log"))
    }

    /// Runs one RPC call through `dash-cli`; the result as JSON (a bare string result as a
    /// JSON string).
    pub fn try_rpc(&self, args: &[&str]) -> Result<Value, RpcError> {
        rpc::call(&self.bins.cli, &self.datadir, self.rpc_port, None, args)
    }

    /// [`Dashd::try_rpc`], panicking on failure.
    pub fn rpc(&self, args: &[&str]) -> Value {
        self.try_rpc(args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The wallet `name`: created (descriptor wallet) if this node has no such wallet loaded.
    pub fn wallet<'a>(&'a self, name: &'a str) -> Wallet<'a> {
        let loaded = self.rpc(&["listwallets"]);
        let have = loaded.as_array().is_some_and(|a| a.iter().any(|w| w == name));
        if !have && self.try_rpc(&["loadwallet", name]).is_err() {
            self.rpc(&[
                "-named",
                "createwallet",
                &format!("wallet_name={name}"),
                "descriptors=true",
                "load_on_startup=false",
            ]);
        }
        Wallet::new(self, name)
    }

    /// Mines `n` blocks paying `address`; their hashes.
    pub fn mine(&self, n: u32, address: &str) -> Vec<String> {
        let v = self.rpc(&["generatetoaddress", &n.to_string(), address]);
        strings(&v)
    }

    /// Mines one block paying `address` holding exactly the transactions `txs` (hex or
    /// txids of mempool transactions), nothing else from the mempool; its hash.
    pub fn mine_block_with(&self, address: &str, txs: &[String]) -> String {
        let list = Value::from(txs.to_vec()).to_string();
        let v = self.rpc(&["generateblock", address, &list]);
        v["hash"].as_str().expect("generateblock hash").to_owned()
    }

    /// The best height.
    pub fn height(&self) -> u32 {
        self.rpc(&["getblockcount"]).as_u64().expect("block count") as u32
    }

    /// The best block hash.
    pub fn tip(&self) -> String {
        self.rpc(&["getbestblockhash"]).as_str().expect("best block hash").to_owned()
    }

    /// The height of the block `hash` (-1 off the best chain: `confirmations` < 1).
    pub fn block_height(&self, hash: &str) -> Option<u32> {
        let b = self.rpc(&["getblockheader", hash]);
        let on_best = b["confirmations"].as_i64().is_some_and(|c| c > 0);
        on_best.then(|| b["height"].as_u64().expect("height") as u32)
    }

    /// Where transaction `txid` is confirmed on the best chain: (height, block hash), or
    /// `None` when unconfirmed or unknown.
    pub fn tx_block(&self, txid: &str) -> Option<(u32, String)> {
        let tx = self.try_rpc(&["getrawtransaction", txid, "true"]).ok()?;
        let hash = tx["blockhash"].as_str()?.to_owned();
        let height = self.block_height(&hash)?;
        Some((height, hash))
    }

    /// Marks `hash` invalid (and every block after it): the node goes back to its parent.
    pub fn invalidate(&self, hash: &str) {
        self.rpc(&["invalidateblock", hash]);
    }

    /// The block hash at `height` on the best chain.
    pub fn block_hash(&self, height: u32) -> String {
        self.rpc(&["getblockhash", &height.to_string()]).as_str().expect("hash").to_owned()
    }

    /// Asks the node to connect to `other` once (`addnode ... onetry`).
    pub fn connect_to(&self, other: &Dashd) {
        self.rpc(&["addnode", &other.p2p_addr().to_string(), "onetry"]);
    }

    /// Connects every node to every later one and waits until each sees all the others.
    pub fn connect_all(nodes: &[Dashd]) {
        for (i, a) in nodes.iter().enumerate() {
            for b in &nodes[i + 1..] {
                a.connect_to(b);
            }
        }
        let want = nodes.len() - 1;
        wait_for("nodes to connect", || {
            nodes.iter().all(|n| n.rpc(&["getconnectioncount"]).as_u64() >= Some(want as u64))
        });
    }

    /// Waits until every node has the same best block; returns its height.
    pub fn wait_same_tip(nodes: &[Dashd]) -> u32 {
        wait_for("nodes to agree on the tip", || {
            let first = nodes[0].tip();
            nodes[1..].iter().all(|n| n.tip() == first)
        });
        nodes[0].height()
    }

    /// Stops the node (RPC `stop`, then kill after a grace period) and waits for it.
    pub fn shutdown(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let _ = self.try_rpc(&["stop"]);
        let deadline = Instant::now() + STOP_GRACE;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
            }
        }
    }
}

impl Drop for Dashd {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // A failing test's node: no time for a clean shutdown.
            if let Some(mut child) = self.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        self.shutdown();
        if self.temporary && std::thread::panicking() {
            eprintln!("kept the failed test's node data in {}", self.datadir.display());
        } else if self.temporary {
            let _ = std::fs::remove_dir_all(&self.datadir);
        }
    }
}

/// Polls `done` every 100 ms until it holds; panics after [`WAIT_TIMEOUT`] naming `what`.
pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT_TIMEOUT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out after {WAIT_TIMEOUT:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// Makes the child receive `SIGKILL` when the thread that started it exits, so no `dashd`
/// outlives a test process that was killed before its drops ran.
#[cfg(target_os = "linux")]
fn set_parent_death_signal(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl(PR_SET_PDEATHSIG) is async-signal-safe and touches no memory of the
    // parent; it is the only call made between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn set_parent_death_signal(_cmd: &mut Command) {}
