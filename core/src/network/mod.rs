//! The Dash networks and their parameters (Dash Core `src/chainparams.cpp`,
//! `src/chainparamsbase.cpp`, v23.1.2).

pub mod checkpoints;
mod peer_addr;

pub use peer_addr::{PeerAddr, PeerAddrError, ResolveError};

pub use checkpoints::{parse_checkpoint_csv, CheckpointCsvError, CheckpointRecord};

use crate::hash::{BlockHash, Hash256};
use crate::wire::BlockHeader;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// The protocol version we speak (Dash Core v23.1.x, `PROTOCOL_VERSION`).
pub const PROTOCOL_VERSION: i32 = 70240;
/// Peers announcing a lower version are disconnected (`MIN_PEER_PROTO_VERSION`).
pub const MIN_PEER_PROTO_VERSION: i32 = 70221;
/// From this common version on, `sendaddrv2` is exchanged (`ADDRV2_PROTO_VERSION`).
pub const ADDRV2_PROTO_VERSION: i32 = 70223;
/// From this common version on, `headers2` carries up to 8,000 headers
/// (`INCREASE_MAX_HEADERS2_VERSION`).
pub const INCREASE_MAX_HEADERS2_VERSION: i32 = 70235;

/// A Dash network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Network {
    /// The main network.
    Mainnet,
    /// The public test network (testnet3).
    Testnet,
    /// A developer network. Devnets share magic and ports; they are told apart by name.
    Devnet,
    /// The local regression-test network.
    Regtest,
}

/// Proof-of-work and difficulty parameters (`Consensus::Params`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowParams {
    /// The easiest target allowed, in compact form (`powLimit`).
    pub limit_bits: u32,
    /// Target seconds between blocks (`nPowTargetSpacing`).
    pub target_spacing: u32,
    /// The retarget timespan of the pre-KGW rule (`nPowTargetTimespan`).
    pub target_timespan: u32,
    /// Whether a block may use the minimum difficulty after a long gap
    /// (`fPowAllowMinDifficultyBlocks`).
    pub allow_min_difficulty_blocks: bool,
    /// Whether difficulty never changes (`fPowNoRetargeting`, regtest).
    pub no_retargeting: bool,
    /// First height of Kimoto Gravity Well (`nPowKGWHeight`).
    pub kgw_height: u32,
    /// First height of DarkGravityWave (`nPowDGWHeight`).
    pub dgw_height: u32,
}

/// Everything that distinguishes one network from another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// The network these parameters describe.
    pub network: Network,
    /// The four bytes that start every message (`pchMessageStart`).
    pub magic: [u8; 4],
    /// The default P2P port.
    pub default_port: u16,
    /// DNS seeds, queried for peer addresses.
    pub dns_seeds: &'static [&'static str],
    /// Fixed seeds (`host:port` lines) used when DNS seeding gives nothing.
    pub fixed_seeds: &'static str,
    /// Addresses whose keys may sign sporks.
    pub spork_addresses: &'static [&'static str],
    /// HASH160 key ids of those addresses.
    pub spork_key_ids: &'static [[u8; 20]],
    /// Proof-of-work parameters.
    pub pow: PowParams,
    /// Height from which block version must be at least 2 (`BIP34Height`).
    pub bip34_height: u32,
    /// Height from which block version must be at least 3 (`BIP66Height`).
    pub bip66_height: u32,
    /// Height from which block version must be at least 4 (`BIP65Height`).
    pub bip65_height: u32,
    /// Height at which DIP3 (deterministic masternode lists, the CbTx) activates
    /// (`DIP0003Height`): blocks from here on carry a CbTx, so masternode lists exist only
    /// from this height.
    pub dip3_height: u32,
    /// Minimum total chain work of a usable chain (`nMinimumChainWork`, big-endian).
    pub minimum_chain_work: [u8; 32],
    /// Base58 version byte of P2PKH addresses.
    pub pubkey_address_prefix: u8,
    /// Base58 version byte of P2SH addresses.
    pub script_address_prefix: u8,
    /// Base58 version byte of WIF private keys.
    pub secret_key_prefix: u8,
    /// BIP44 coin type.
    pub bip44_coin_type: u32,
    /// Hard-coded checkpoints (height, display hash), ascending.
    pub checkpoints: &'static [checkpoints::Checkpoint],
    genesis: GenesisFields,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct GenesisFields {
    time: u32,
    bits: u32,
    nonce: u32,
}

/// The merkle root shared by every network's genesis block (display hex).
const GENESIS_MERKLE_ROOT: &str =
    "e0028eb9648db56b1ac77cf090b99048a8007e2bb64b68f092c03c7f56a662c7";

const fn be_from_trailing(last: [u8; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 8 {
        out[24 + i] = last[i];
        i += 1;
    }
    out
}

static MAINNET: Params = Params {
    network: Network::Mainnet,
    magic: [0xbf, 0x0c, 0x6b, 0xbd],
    default_port: 9999,
    dns_seeds: &["dnsseed.dash.org"],
    fixed_seeds: include_str!("seeds/mainnet.txt"),
    spork_addresses: &["Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wh"],
    spork_key_ids: &[[
        0x44, 0x1c, 0x7d, 0x2b, 0x02, 0x3c, 0xcb, 0x80, 0x5c, 0x02, 0xf6, 0x27, 0x93, 0x72, 0x06,
        0xba, 0x9f, 0xe0, 0x36, 0x5a,
    ]],
    pow: PowParams {
        limit_bits: 0x1e0f_ffff,
        target_spacing: 150,
        target_timespan: 86400,
        allow_min_difficulty_blocks: false,
        no_retargeting: false,
        kgw_height: 15200,
        dgw_height: 34140,
    },
    bip34_height: 951,
    bip66_height: 245_817,
    bip65_height: 619_382,
    dip3_height: 1_028_160,
    // 0x...b567e2d53a06de194061 at height 2429859.
    minimum_chain_work: {
        let mut w = be_from_trailing([0xe2, 0xd5, 0x3a, 0x06, 0xde, 0x19, 0x40, 0x61]);
        w[22] = 0xb5;
        w[23] = 0x67;
        w
    },
    pubkey_address_prefix: 76,
    script_address_prefix: 16,
    secret_key_prefix: 204,
    bip44_coin_type: 5,
    checkpoints: checkpoints::MAINNET,
    genesis: GenesisFields { time: 1_390_095_618, bits: 0x1e0f_fff0, nonce: 28_917_698 },
};

static TESTNET: Params = Params {
    network: Network::Testnet,
    magic: [0xce, 0xe2, 0xca, 0xff],
    default_port: 19999,
    dns_seeds: &["testnet-seed.dashdot.io"],
    fixed_seeds: include_str!("seeds/testnet.txt"),
    spork_addresses: &["yjPtiKh2uwk3bDutTEA2q9mCtXyiZRWn55"],
    spork_key_ids: &[TESTNET_SPORK_KEY_ID],
    pow: PowParams {
        limit_bits: 0x1e0f_ffff,
        target_spacing: 150,
        target_timespan: 86400,
        allow_min_difficulty_blocks: true,
        no_retargeting: false,
        kgw_height: 4002,
        dgw_height: 4002,
    },
    bip34_height: 76,
    bip66_height: 2075,
    bip65_height: 2431,
    dip3_height: 7000,
    // 0x...036c8f738da818d2 at height 1400000.
    minimum_chain_work: be_from_trailing([0x03, 0x6c, 0x8f, 0x73, 0x8d, 0xa8, 0x18, 0xd2]),
    pubkey_address_prefix: 140,
    script_address_prefix: 19,
    secret_key_prefix: 239,
    bip44_coin_type: 1,
    checkpoints: checkpoints::TESTNET,
    genesis: GenesisFields { time: 1_390_666_206, bits: 0x1e0f_fff0, nonce: 3_861_367_235 },
};

const TESTNET_SPORK_KEY_ID: [u8; 20] = [
    0xfd, 0x22, 0x25, 0xac, 0xe1, 0x3b, 0x4f, 0xbc, 0x50, 0x30, 0x71, 0xf1, 0x9f, 0x9e, 0x80, 0x41,
    0xc8, 0x6d, 0x62, 0xdc,
];

static DEVNET: Params = Params {
    network: Network::Devnet,
    magic: [0xe2, 0xca, 0xff, 0xce],
    default_port: 19799,
    dns_seeds: &[],
    fixed_seeds: "",
    spork_addresses: &["yjPtiKh2uwk3bDutTEA2q9mCtXyiZRWn55"],
    spork_key_ids: &[TESTNET_SPORK_KEY_ID],
    pow: PowParams {
        limit_bits: 0x207f_ffff,
        target_spacing: 150,
        target_timespan: 86400,
        allow_min_difficulty_blocks: true,
        no_retargeting: false,
        kgw_height: 4001,
        dgw_height: 4001,
    },
    bip34_height: 1,
    bip66_height: 1,
    bip65_height: 1,
    dip3_height: 2,
    minimum_chain_work: [0; 32],
    pubkey_address_prefix: 140,
    script_address_prefix: 19,
    secret_key_prefix: 239,
    bip44_coin_type: 1,
    checkpoints: &[],
    genesis: GenesisFields { time: 1_417_713_337, bits: 0x207f_ffff, nonce: 1_096_447 },
};

static REGTEST: Params = Params {
    network: Network::Regtest,
    magic: [0xfc, 0xc1, 0xb7, 0xdc],
    default_port: 19899,
    dns_seeds: &[],
    fixed_seeds: "",
    spork_addresses: &["yj949n1UH6fDhw6HtVE5VMj2iSTaSWBMcW"],
    spork_key_ids: &[[
        0xfa, 0x53, 0xc9, 0x72, 0x8c, 0x31, 0x89, 0xb1, 0x2b, 0x26, 0x7b, 0xe5, 0x81, 0x1b, 0x54,
        0x03, 0x35, 0x25, 0xb0, 0x8d,
    ]],
    pow: PowParams {
        limit_bits: 0x207f_ffff,
        target_spacing: 150,
        target_timespan: 86400,
        allow_min_difficulty_blocks: true,
        no_retargeting: true,
        kgw_height: 15200,
        dgw_height: 34140,
    },
    bip34_height: 1,
    bip66_height: 1,
    bip65_height: 1,
    dip3_height: 432,
    minimum_chain_work: [0; 32],
    pubkey_address_prefix: 140,
    script_address_prefix: 19,
    secret_key_prefix: 239,
    bip44_coin_type: 1,
    checkpoints: &[],
    genesis: GenesisFields { time: 1_417_713_337, bits: 0x207f_ffff, nonce: 1_096_447 },
};

impl Network {
    /// Every network, in a fixed order.
    pub const ALL: [Network; 4] =
        [Network::Mainnet, Network::Testnet, Network::Devnet, Network::Regtest];

    /// This network's parameters.
    pub fn params(self) -> &'static Params {
        match self {
            Network::Mainnet => &MAINNET,
            Network::Testnet => &TESTNET,
            Network::Devnet => &DEVNET,
            Network::Regtest => &REGTEST,
        }
    }

    /// The network whose messages start with `magic`.
    pub fn from_magic(magic: [u8; 4]) -> Option<Network> {
        Network::ALL.into_iter().find(|n| n.params().magic == magic)
    }

    /// The lowercase name used on the command line and in config files.
    pub fn name(self) -> &'static str {
        match self {
            Network::Mainnet => "mainnet",
            Network::Testnet => "testnet",
            Network::Devnet => "devnet",
            Network::Regtest => "regtest",
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A network name that is not one of mainnet, testnet, devnet, regtest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown network {0:?} (expected mainnet, testnet, devnet or regtest)")]
pub struct ParseNetworkError(String);

impl FromStr for Network {
    type Err = ParseNetworkError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "mainnet" | "main" => Ok(Network::Mainnet),
            "testnet" | "test" | "testnet3" => Ok(Network::Testnet),
            "devnet" => Ok(Network::Devnet),
            "regtest" => Ok(Network::Regtest),
            _ => Err(ParseNetworkError(s.to_owned())),
        }
    }
}

impl Params {
    /// The genesis block header (height 0). For devnets this is the shared base genesis; the
    /// devnet's own first block is derived from its name.
    pub fn genesis_header(&self) -> BlockHeader {
        BlockHeader {
            version: 1,
            prev_blockhash: BlockHash::ZERO,
            merkle_root: GENESIS_MERKLE_ROOT.parse::<Hash256>().expect("constant hash"),
            time: self.genesis.time,
            bits: self.genesis.bits,
            nonce: self.genesis.nonce,
        }
    }

    /// Checkpoint records with their headers and chain work, embedded from
    /// `records/<network>.csv` (written from `shared/data/checkpoints/` by
    /// `scripts/checkpoint_records.py`): every 9,216th block of Dash Core's chain and the
    /// newest, each with the record 576 blocks before it, where header sync starts for a
    /// wallet's birthday ([`crate::chain::trusted_start`]: a chain starts at the earlier
    /// record of a pair, pinned by the later one). Empty for devnets and regtest, which sync
    /// from genesis.
    pub fn checkpoint_records(&self) -> Vec<CheckpointRecord> {
        self.embedded_records().to_vec()
    }

    /// [`checkpoint_records`](Self::checkpoint_records), parsed once.
    pub(crate) fn embedded_records(&self) -> &'static [CheckpointRecord] {
        static MAINNET_RECORDS: OnceLock<Vec<CheckpointRecord>> = OnceLock::new();
        static TESTNET_RECORDS: OnceLock<Vec<CheckpointRecord>> = OnceLock::new();
        let (cell, text) = match self.network {
            Network::Mainnet => (&MAINNET_RECORDS, include_str!("records/mainnet.csv")),
            Network::Testnet => (&TESTNET_RECORDS, include_str!("records/testnet.csv")),
            Network::Devnet | Network::Regtest => return &[],
        };
        // Embedded and checked by the tests: a parse failure is a build defect.
        cell.get_or_init(|| parse_checkpoint_csv(text).unwrap_or_default())
    }

    /// The fixed seeds as `host:port` strings (IPv4, bracketed IPv6, Tor v3 `.onion`).
    pub fn fixed_seed_lines(&self) -> impl Iterator<Item = &'static str> {
        self.fixed_seeds.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
    }
}

#[cfg(test)]
mod tests;
