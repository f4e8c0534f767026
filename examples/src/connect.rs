//! What every networked subcommand shares: the network, peers, data directory and peer
//! count, turned into a [`ClientBuilder`].

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

use dashlite::client::ClientBuilder;
use dashlite::Network;

use crate::error::CliError;

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

    /// `--peer` values resolved (the network's default port when none is given).
    pub fn peers(&self) -> Result<Vec<SocketAddr>, CliError> {
        let port = self.network.params().default_port;
        let mut out = Vec::new();
        for p in &self.peers {
            let has_port = p.parse::<SocketAddr>().is_ok()
                || p.rsplit_once(':').is_some_and(|(_, port)| port.parse::<u16>().is_ok());
            let with_port = if has_port { p.clone() } else { format!("{p}:{port}") };
            let addr = with_port
                .to_socket_addrs()
                .map_err(|e| CliError::Usage(format!("peer {p}: {e}")))?
                .next()
                .ok_or_else(|| CliError::Usage(format!("peer {p}: no address")))?;
            out.push(addr);
        }
        Ok(out)
    }

    /// A client builder for these settings.
    pub fn builder(&self) -> Result<ClientBuilder, CliError> {
        let mut b =
            ClientBuilder::new(self.network).data_dir(self.data_dir()?).max_peers(self.max_peers);
        for p in self.peers()? {
            b = b.peer(p);
        }
        Ok(b)
    }
}
