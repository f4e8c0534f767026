//! [`ClientBuilder`]: how a client is configured and opened, and what it watches
//! ([`WatchItem`]) from when ([`Birthday`]).

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::bloom::FilterUpdates;
use crate::chain::{is_usable_start, trusted_headers, StoredHeader, U256};
use crate::network::{CheckpointRecord, Network, Params};
use crate::p2p::V2Policy;
use crate::store::{MemoryStore, Store};
use crate::tx::{OutPoint, Script};
use crate::wallet::{Address, ExtendedPubKey, GapLimits, WatchList};

use super::{BuildError, Client};

/// The default number of peers (Dash Core's SPV clients keep a few; every one costs a
/// filtered copy of each block).
pub const DEFAULT_MAX_PEERS: usize = 3;
/// A time birthday starts from the last checkpoint at least this long before it (seconds):
/// block timestamps may run two hours ahead of the true time.
pub const BIRTHDAY_MARGIN_SECS: u64 = 2 * 60 * 60;

/// Something the wallet watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchItem {
    /// Payments to an address (P2PKH or P2SH).
    Address(Address),
    /// A BIP44 account (its account-level extended public key `m/44'/coin'/account'`):
    /// external and internal chains with gap-limit lookahead.
    Account {
        /// The account key.
        xpub: ExtendedPubKey,
        /// Lookahead per chain.
        gaps: GapLimits,
    },
    /// Outputs with exactly this script.
    Script(Script),
    /// The spend of this output.
    OutPoint(OutPoint),
}

/// A string that is neither an address nor an extended public key of the network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is neither a {network} address nor a {network} extended public key")]
pub struct ParseWatchItemError {
    /// The input.
    pub input: String,
    /// The network it was parsed for.
    pub network: Network,
}

impl WatchItem {
    /// Parses an address or an account xpub (default gap limits) of `network`.
    pub fn parse(s: &str, network: Network) -> Result<WatchItem, ParseWatchItemError> {
        let s = s.trim();
        if let Ok(a) = Address::parse(s, network) {
            return Ok(WatchItem::Address(a));
        }
        match ExtendedPubKey::parse(s, network) {
            Ok(xpub) => Ok(WatchItem::Account { xpub, gaps: GapLimits::default() }),
            Err(_) => Err(ParseWatchItemError { input: s.to_owned(), network }),
        }
    }

    /// Adds the item to `watch`; returns whether it was new.
    pub(crate) fn add_to<E>(&self, watch: &mut WatchList) -> Result<bool, E>
    where
        E: From<crate::wallet::WatchError> + From<crate::wallet::AccountError>,
    {
        let added = match self {
            WatchItem::Address(a) => !watch.add_address(*a)?.is_empty(),
            WatchItem::Account { xpub, gaps } => {
                let known = watch.accounts().any(|acc| acc.xpub() == xpub);
                !known && !watch.add_account(*xpub, *gaps)?.is_empty()
            }
            WatchItem::Script(s) => !watch.add_script(s.clone()).is_empty(),
            WatchItem::OutPoint(o) => !watch.add_outpoint(*o).is_empty(),
        };
        Ok(added)
    }
}

/// From when the wallet can have been paid: blocks before are not downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Birthday {
    /// From this block height.
    Height(u32),
    /// From this unix time (seconds): sync starts at the last checkpoint at least
    /// [`BIRTHDAY_MARGIN_SECS`] older.
    Time(u64),
}

/// Configures and opens a [`Client`].
///
/// ```
/// use dashlite::client::{Birthday, ClientBuilder, WatchItem};
/// use dashlite::Network;
///
/// let client = ClientBuilder::new(Network::Testnet)
///     .watch(WatchItem::parse("yWKAgManMv2s3gghLzqWJngNe6xE6gdG3g", Network::Testnet)?)
///     .birthday(Birthday::Time(1_700_000_000))
///     .max_peers(2)
///     .build()?;
/// assert!(!client.sync_status().running);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    pub(crate) network: Network,
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) peers: Vec<SocketAddr>,
    pub(crate) watch: Vec<WatchItem>,
    pub(crate) birthday: Option<Birthday>,
    pub(crate) false_positive_rate: f64,
    pub(crate) filter_updates: FilterUpdates,
    pub(crate) max_peers: usize,
    pub(crate) checkpoints: Option<Vec<CheckpointRecord>>,
    pub(crate) seed: Option<u64>,
    pub(crate) blocks_in_flight: Option<usize>,
    pub(crate) governance: bool,
    pub(crate) masternodes: bool,
    pub(crate) regtest_dip3_height: Option<u32>,
    pub(crate) v2: V2Policy,
}

impl ClientBuilder {
    /// A client of `network`: in memory, peers found by discovery, [`DEFAULT_MAX_PEERS`],
    /// birthday now (the newest checkpoint; genesis on regtest and devnets).
    pub fn new(network: Network) -> ClientBuilder {
        ClientBuilder {
            network,
            data_dir: None,
            peers: Vec::new(),
            watch: Vec::new(),
            birthday: None,
            false_positive_rate: crate::bloom::policy::DEFAULT_FALSE_POSITIVE_RATE,
            filter_updates: FilterUpdates::Add,
            max_peers: DEFAULT_MAX_PEERS,
            checkpoints: None,
            seed: None,
            blocks_in_flight: None,
            governance: false,
            masternodes: true,
            regtest_dip3_height: None,
            v2: V2Policy::default(),
        }
    }

    /// Keep the client's state in `dir` (created if missing): headers, wallet, peers,
    /// sporks, governance. Without it nothing outlives the client.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Connect to `addr` (repeatable). With any peer given, only these are used: no DNS
    /// seeds, no address discovery.
    pub fn peer(mut self, addr: SocketAddr) -> Self {
        self.peers.push(addr);
        self
    }

    /// Watch `item` (repeatable). Items are also added to a stored watch list; an item new
    /// to a stored wallet makes it scan again from the birthday.
    pub fn watch(mut self, item: WatchItem) -> Self {
        self.watch.push(item);
        self
    }

    /// The wallet's birthday.
    pub fn birthday(mut self, birthday: Birthday) -> Self {
        self.birthday = Some(birthday);
        self
    }

    /// The bloom filter's false-positive rate (default
    /// [`crate::bloom::policy::DEFAULT_FALSE_POSITIVE_RATE`]): higher hides the wallet better and
    /// costs more bandwidth.
    pub fn false_positive_rate(mut self, rate: f64) -> Self {
        self.false_positive_rate = rate;
        self
    }

    /// How new watch items (lookahead addresses, received outpoints) reach the peers:
    /// [`FilterUpdates::Add`] (default) sends each as a `filteradd`, which tells a peer the
    /// element exactly; [`FilterUpdates::Reload`] sends a rebuilt `filterload` instead, which
    /// hides it among decoys for a full filter per change (see [`crate::bloom::policy`]).
    pub fn filter_updates(mut self, updates: FilterUpdates) -> Self {
        self.filter_updates = updates;
        self
    }

    /// How many peers to keep connected.
    pub fn max_peers(mut self, n: usize) -> Self {
        self.max_peers = n;
        self
    }

    /// When to speak the BIP324 encrypted transport (default [`V2Policy::Prefer`]: with every
    /// peer that may offer it, v1 with the others). [`V2Policy::Require`] never sends a byte in
    /// clear: peers without v2 are dropped.
    pub fn v2_transport(mut self, policy: V2Policy) -> Self {
        self.v2 = policy;
        self
    }

    /// Checkpoint records to start header sync from instead of the embedded ones
    /// ([`Params::checkpoint_records`]), for example parsed with
    /// [`crate::network::parse_checkpoint_csv`].
    pub fn checkpoints(mut self, records: Vec<CheckpointRecord>) -> Self {
        self.checkpoints = Some(records);
        self
    }

    /// Seeds the client's random choices (filter tweak and decoys, nonces) for reproducible
    /// runs; without it they come from the operating system's random number generator.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Filtered blocks requested from one peer at a time (default
    /// [`crate::sync::DEFAULT_BLOCKS_IN_FLIGHT`]): lower on slow links.
    pub fn blocks_in_flight(mut self, n: usize) -> Self {
        self.blocks_in_flight = Some(n);
        self
    }

    /// Also sync governance objects and votes once synced (off by default: on mainnet that
    /// is thousands of objects and far more votes). Sporks are always synced.
    pub fn governance(mut self, enabled: bool) -> Self {
        self.governance = enabled;
        self
    }

    /// Follow the masternode list (on by default): once headers are synced and the tip has
    /// reached DIP3 activation ([`crate::network::Params::dip3_height`]; no earlier block
    /// carries a CbTx), the list at the tip is fetched with `getmnlistd`, verified against
    /// the header chain, kept in the store and followed block by block
    /// ([`Client::masternode_list`]). Its quorums verify ChainLocks and InstantSend locks:
    /// without it no lock is ever reported as verified.
    pub fn masternodes(mut self, enabled: bool) -> Self {
        self.masternodes = enabled;
        self
    }

    /// The DIP3 activation height of a regtest network whose nodes run with Dash Core's
    /// regtest-only `-dip3params=<height>:<enforcement>` (the default is regtest's 432).
    /// Building fails with [`BuildError::InvalidSetting`] on other networks.
    pub fn regtest_dip3_height(mut self, height: u32) -> Self {
        self.regtest_dip3_height = Some(height);
        self
    }

    /// Opens the store and the wallet; the client does not connect until
    /// [`Client::start`].
    pub fn build(self) -> Result<Client, BuildError> {
        if self.regtest_dip3_height.is_some() && self.network != Network::Regtest {
            return Err(BuildError::InvalidSetting {
                setting: "regtest_dip3_height",
                reason: "only a regtest network has a configurable DIP3 height",
            });
        }
        if !(self.false_positive_rate > 0.0 && self.false_positive_rate < 1.0) {
            return Err(BuildError::InvalidSetting {
                setting: "false_positive_rate",
                reason: "must be between 0 and 1",
            });
        }
        if self.blocks_in_flight == Some(0) {
            return Err(BuildError::InvalidSetting {
                setting: "blocks_in_flight",
                reason: "must be at least 1",
            });
        }
        if self.max_peers == 0 {
            return Err(BuildError::InvalidSetting {
                setting: "max_peers",
                reason: "must be at least 1",
            });
        }
        let store: Box<dyn Store> = match &self.data_dir {
            Some(dir) => open_store(dir, self.network)?,
            None => Box::new(MemoryStore::new()),
        };
        Client::open(self, store)
    }

    /// Where header sync starts and the height blocks are fetched from.
    pub(crate) fn start(&self) -> Result<(StoredHeader, u32), BuildError> {
        let params = self.network.params();
        let records = match &self.checkpoints {
            Some(r) => r.clone(),
            None => params.checkpoint_records(),
        };
        resolve_start(params, self.birthday, &records)
    }
}

/// The store file inside a client's data directory.
pub const STORE_FILE: &str = "dashlite.sqlite";

fn open_store(dir: &std::path::Path, network: Network) -> Result<Box<dyn Store>, BuildError> {
    Ok(Box::new(crate::store::SqliteStore::open(dir.join(STORE_FILE), network)?))
}

/// The sync start (a checkpoint record or genesis) and the first block height to fetch, for
/// a birthday. Records below DarkGravityWave's first height are not used (the client
/// validates difficulty with DGW only), nor, where difficulty retargets, records that no
/// checkpoint of the network pins ([`crate::chain::is_usable_start`]): of the embedded
/// records, the earlier of each pair.
pub fn resolve_start(
    params: &'static Params,
    birthday: Option<Birthday>,
    records: &[CheckpointRecord],
) -> Result<(StoredHeader, u32), BuildError> {
    let usable: Vec<&CheckpointRecord> = records
        .iter()
        .filter(|r| params.pow.no_retargeting || r.height >= params.pow.dgw_height)
        .filter(|r| is_usable_start(params, &StoredHeader::from(**r)))
        .collect();
    // From genesis needs every pre-DGW rule the chain used; the client implements all but
    // Kimoto Gravity Well (mainnet heights 15,200–34,139).
    let genesis_ok = params.pow.no_retargeting || params.pow.kgw_height >= params.pow.dgw_height;
    let from_genesis = || {
        let genesis = params.genesis_header();
        let start = trusted_headers(0, U256::ZERO, &[(genesis, genesis.block_hash())])[0];
        (start, birthday_height(birthday))
    };
    let Some(&newest) = usable.last() else {
        if !genesis_ok {
            return Err(BuildError::BirthdayTooEarly {
                birthday: birthday_height(birthday),
                earliest: params.pow.dgw_height,
                network: params.network,
            });
        }
        return Ok(from_genesis());
    };
    let pick = match birthday {
        None => Some(newest),
        // Block `h` itself may pay the wallet: headers start strictly below it, since the
        // start header's block is never fetched.
        Some(Birthday::Height(h)) => usable.iter().rev().find(|r| r.height < h).copied(),
        Some(Birthday::Time(t)) => usable
            .iter()
            .rev()
            .find(|r| u64::from(r.header.time) + BIRTHDAY_MARGIN_SECS <= t)
            .copied(),
    };
    let Some(record) = pick else {
        if genesis_ok {
            return Ok(from_genesis());
        }
        // A height birthday needs a record strictly below it.
        let earliest = match birthday {
            Some(Birthday::Height(_)) => usable[0].height.saturating_add(1),
            _ => usable[0].height,
        };
        return Err(BuildError::BirthdayTooEarly {
            birthday: birthday_height(birthday),
            earliest,
            network: params.network,
        });
    };
    let height = match birthday {
        Some(Birthday::Height(h)) => h,
        _ => record.height,
    };
    Ok((StoredHeader::from(*record), height))
}

fn birthday_height(birthday: Option<Birthday>) -> u32 {
    match birthday {
        Some(Birthday::Height(h)) => h,
        _ => 0,
    }
}
