//! Dash addresses (core's [`dashlite::wallet::Address`]): parsing, validation and the script
//! they pay to.

use std::sync::Arc;

use dashlite::tx::Script;
use dashlite::wallet::{self, AddressPayload};

use crate::network::Network;

/// What an address pays to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum AddressKind {
    /// Pay to public key hash.
    P2pkh,
    /// Pay to script hash.
    P2sh,
}

/// Why a string (or script) is not an address of the requested network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum AddressError {
    /// A character outside the base58 alphabet.
    #[error("invalid base58 character {character:?} at byte {index}")]
    InvalidCharacter {
        /// The offending character.
        character: String,
        /// Its byte index in the string.
        index: u64,
    },
    /// The base58check checksum does not match.
    #[error("bad base58check checksum")]
    BadChecksum,
    /// Not 25 bytes once decoded.
    #[error("an address decodes to 25 bytes, this one to {length}")]
    BadLength {
        /// The decoded length.
        length: u64,
    },
    /// The version byte of another network's addresses.
    #[error("version byte {version} is a {actual} address, not a {expected} one")]
    WrongNetwork {
        /// The network asked for.
        expected: Network,
        /// The network the version byte belongs to.
        actual: Network,
        /// The version byte.
        version: u8,
    },
    /// Longer than any address.
    #[error("{length} characters is too long for an address")]
    TooLong {
        /// The string's length in bytes.
        length: u64,
    },
    /// A version byte no Dash network uses.
    #[error("unknown address version byte {version}")]
    UnknownVersion {
        /// The version byte.
        version: u8,
    },
    /// A script that is neither P2PKH nor P2SH has no address.
    #[error("the script is neither P2PKH nor P2SH")]
    NonStandardScript,
}

impl From<wallet::AddressError> for AddressError {
    fn from(e: wallet::AddressError) -> Self {
        use wallet::AddressError as E;
        match e {
            E::InvalidCharacter { character, index } => AddressError::InvalidCharacter {
                character: character.to_string(),
                index: index as u64,
            },
            E::BadChecksum => AddressError::BadChecksum,
            E::BadLength(length) => AddressError::BadLength { length: length as u64 },
            E::WrongNetwork { expected, actual, version } => AddressError::WrongNetwork {
                expected: expected.into(),
                actual: actual.into(),
                version,
            },
            E::TooLong(length) => AddressError::TooLong { length: length as u64 },
            E::UnknownVersion(version) => AddressError::UnknownVersion { version },
        }
    }
}

/// A Dash P2PKH or P2SH address on one network.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Object)]
#[uniffi::export(Display, Eq, Hash)]
pub struct Address(pub(crate) wallet::Address);

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Address {
    /// The core address.
    pub fn inner(&self) -> &wallet::Address {
        &self.0
    }
}

impl From<wallet::Address> for Address {
    fn from(a: wallet::Address) -> Self {
        Address(a)
    }
}

#[uniffi::export]
impl Address {
    /// Parses a base58check address of `network`.
    #[uniffi::constructor]
    pub fn parse(address: String, network: Network) -> Result<Arc<Self>, AddressError> {
        Ok(Arc::new(Address(wallet::Address::parse(&address, network.into())?)))
    }

    /// The address a P2PKH or P2SH `script_pubkey` pays to.
    #[uniffi::constructor]
    pub fn from_script_pubkey(
        script_pubkey: Vec<u8>,
        network: Network,
    ) -> Result<Arc<Self>, AddressError> {
        wallet::Address::from_script(&Script::new(script_pubkey), network.into())
            .map(|a| Arc::new(Address(a)))
            .ok_or(AddressError::NonStandardScript)
    }

    /// The network the address belongs to.
    pub fn network(&self) -> Network {
        self.0.network.into()
    }

    /// P2PKH or P2SH.
    pub fn kind(&self) -> AddressKind {
        match self.0.payload {
            AddressPayload::PubkeyHash(_) => AddressKind::P2pkh,
            AddressPayload::ScriptHash(_) => AddressKind::P2sh,
        }
    }

    /// The 20-byte hash the address pays to.
    pub fn hash(&self) -> Vec<u8> {
        self.0.payload.hash().to_vec()
    }

    /// The locking script of an output paying this address.
    pub fn script_pubkey(&self) -> Vec<u8> {
        self.0.script_pubkey().into_bytes()
    }
}

/// Checks that `address` is a valid address of `network`, saying why not.
#[uniffi::export]
pub fn validate_address(address: String, network: Network) -> Result<(), AddressError> {
    wallet::Address::parse(&address, network.into()).map(|_| ()).map_err(Into::into)
}
