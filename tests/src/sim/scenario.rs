//! What a simulation runs: the peers (latency, lag, faults), the chain's versions over time
//! (new blocks, mempool relays, reorgs to a longer fork) and what the wallet watches.

use std::net::SocketAddr;
use std::sync::Arc;

use dashlite::network::Network;
use dashlite::p2p::Time;
use dashlite::tx::Script;
use dashlite::wallet::{Address, ExtendedPubKey, GapLimits, WatchList};

use crate::chain::Chain;
use crate::keys::TestKey;
use crate::masternodes::MnListMode;

/// A peer's stall: it ignores `getdata` from `from` until `until`; when `late`, it answers
/// what it was asked at `until` (after the client's request timeout), else never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stall {
    /// When it starts.
    pub from: Time,
    /// When it ends.
    pub until: Time,
    /// Whether the requests made meanwhile are answered when it ends.
    pub late: bool,
}

/// One honest peer.
#[derive(Debug, Clone)]
pub struct PeerPlan {
    /// Its address.
    pub addr: SocketAddr,
    /// Whether it advertises NODE_HEADERS_COMPRESSED (else it serves plain headers).
    pub headers2: bool,
    /// One-way latency of every message.
    pub latency: Time,
    /// Up to this much more, per message (order on one connection is kept, as TCP keeps it).
    pub jitter: Time,
    /// How long after a chain version appears this peer serves it.
    pub lag: Time,
    /// `None`: dialled from the start; else the client is told about it at this time.
    pub join_at: Option<Time>,
    /// A stall.
    pub stall: Option<Stall>,
    /// The peer drops the connection at `.0` and accepts connections again at `.1`.
    pub outage: Option<(Time, Time)>,
    /// How it answers `getmnlistd`.
    pub mnlist: MnListMode,
}

impl PeerPlan {
    /// A prompt peer at `10.0.0.<n>`, dialled from the start, speaking headers2.
    pub fn prompt(n: u8) -> PeerPlan {
        PeerPlan {
            addr: SocketAddr::from(([10, 0, 0, n], 19899)),
            headers2: true,
            latency: 20,
            jitter: 10,
            lag: 0,
            join_at: None,
            stall: None,
            outage: None,
            mnlist: MnListMode::Honest,
        }
    }
}

/// What the wallet watches, as plain data (the oracle reads this, not the wallet's
/// [`WatchList`]).
#[derive(Debug, Clone)]
pub struct WatchSpec {
    /// Watched P2PKH keys (their addresses are watched).
    pub keys: Vec<TestKey>,
    /// A BIP44 account (account-level key) and its gap limits.
    pub account: Option<(ExtendedPubKey, GapLimits)>,
}

impl WatchSpec {
    /// The watch list the client is given.
    pub fn watch_list(&self) -> WatchList {
        let mut watch = WatchList::new(Network::Regtest);
        for k in &self.keys {
            let address = Address::from_pubkey(&k.pubkey, Network::Regtest);
            watch.add_address(address).expect("a regtest address");
        }
        if let Some((xpub, gaps)) = &self.account {
            watch.add_account(*xpub, *gaps).expect("a regtest account");
        }
        watch
    }

    /// The P2PKH script of the account's key `chain`/`index` (0 external, 1 internal).
    pub fn key_script(&self, chain: u32, index: u32) -> Option<Script> {
        let (xpub, _) = self.account.as_ref()?;
        let key = xpub.derive_path(&[chain, index]).ok()?;
        Some(crate::keys::p2pkh(&dashlite::hash::hash160(&key.public_key_bytes())))
    }
}

/// A whole simulation.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The seed it was made from (also seeds the client and the network's randomness).
    pub seed: u64,
    /// The peers.
    pub peers: Vec<PeerPlan>,
    /// The chain as the network knows it over time, first at time 0; the last one is final.
    /// Each peer serves a version from its time plus the peer's lag.
    pub versions: Vec<(Time, Arc<Chain>)>,
    /// What the wallet watches.
    pub watch: WatchSpec,
}

impl Scenario {
    /// The final chain.
    pub fn final_chain(&self) -> &Chain {
        &self.versions.last().expect("at least one chain version").1
    }
}
