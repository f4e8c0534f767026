//! The Dash networks as a foreign enum.

/// A Dash network (core's [`dashlite::Network`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Network {
    /// The main network.
    Mainnet,
    /// The public test network (testnet3).
    Testnet,
    /// A developer network.
    Devnet,
    /// The local regression-test network.
    Regtest,
}

impl From<Network> for dashlite::Network {
    fn from(n: Network) -> Self {
        match n {
            Network::Mainnet => dashlite::Network::Mainnet,
            Network::Testnet => dashlite::Network::Testnet,
            Network::Devnet => dashlite::Network::Devnet,
            Network::Regtest => dashlite::Network::Regtest,
        }
    }
}

impl From<dashlite::Network> for Network {
    fn from(n: dashlite::Network) -> Self {
        match n {
            dashlite::Network::Mainnet => Network::Mainnet,
            dashlite::Network::Testnet => Network::Testnet,
            dashlite::Network::Devnet => Network::Devnet,
            dashlite::Network::Regtest => Network::Regtest,
        }
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        dashlite::Network::from(*self).fmt(f)
    }
}
