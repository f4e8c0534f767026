//! What every networked subcommand shares: the network, peers, data directory and peer
//! count, turned into a [`ClientBuilder`].

use std::net::SocketAddr;
use std::path::PathBuf;

use dashlite::client::ClientBuilder;
use dashlite::network::PeerAddr;
use dashlite::p2p::V2Policy;
use dashlite::Network;

use crate::error::{Classify, CliError};

/// Where and how to connect.
#[derive(clap::Args)]
pub struct Connect {
    /// mainnet, testnet, devnet or regtest.
    #[arg(long, default_value = "mainnet", global = true)]
    pub network: Network,
    /// A peer to use instead of discovery (repeatable).
    #[arg(long = "peer", value_name = "HOST:PORT", global = true)]
    peers: Vec<String>,
    /// Where to keep state [default: $XDG_DATA_HOME or ~/.local/share, then dashlite/NETWORK].
    #[arg(long, value_name = "DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Peers to keep connected.
    #[arg(long, default_value_t = dashlite::client::DEFAULT_MAX_PEERS, global = true)]
    max_peers: usize,
    /// auto: BIP324 v2 encryption with peers that advertise NODE_P2P_V2 (and configured
    /// peers), v1 with the others and with any that refuse v2; v2: encrypted only, peers
    /// without v2 are dropped; v1: in clear only.
    #[arg(long, value_enum, default_value_t = TransportArg::Auto, global = true)]
    transport: TransportArg,
}

/// `--transport`: which wire transport peers are spoken to over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TransportArg {
    /// v2 where offered, else v1.
    Auto,
    /// Only v2.
    V2,
    /// Only v1.
    V1,
}

impl From<TransportArg> for V2Policy {
    fn from(t: TransportArg) -> V2Policy {
        match t {
            TransportArg::Auto => V2Policy::Prefer,
            TransportArg::V2 => V2Policy::Require,
            TransportArg::V1 => V2Policy::Never,
        }
    }
}

impl Connect {
    /// The data directory: `--data-dir`, else `$XDG_DATA_HOME` or `~/.local/share`, then
    /// `dashlite/NETWORK`.
    pub fn data_dir(&self) -> Result<PathBuf, CliError> {
        if let Some(d) = &self.data_dir {
            return Ok(d.clone());
        }
        let base = match std::env::var_os("XDG_DATA_HOME") {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => match std::env::var_os("HOME") {
                Some(h) => PathBuf::from(h).join(".local/share"),
                None => {
                    return Err(CliError::Usage("no --data-dir and no HOME to default it".into()))
                }
            },
        };
        Ok(base.join("dashlite").join(self.network.name()))
    }

    /// `--peer` values parsed ([`PeerAddr`]: the network's default port when none is given)
    /// and resolved, the first address of each.
    pub fn peers(&self) -> Result<Vec<SocketAddr>, CliError> {
        let mut out = Vec::new();
        for p in &self.peers {
            let addr = PeerAddr::parse(p, self.network).usage("--peer")?;
            let first = addr.resolve().usage("--peer")?[0];
            out.push(first);
        }
        Ok(out)
    }

    /// A client builder for these settings.
    pub fn builder(&self) -> Result<ClientBuilder, CliError> {
        let mut b = ClientBuilder::new(self.network)
            .data_dir(self.data_dir()?)
            .max_peers(self.max_peers)
            .v2_transport(self.transport.into());
        for p in self.peers()? {
            b = b.peer(p);
        }
        Ok(b)
    }
}
