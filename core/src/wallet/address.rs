//! Dash addresses: base58check P2PKH and P2SH (`src/key_io.cpp`, `EncodeDestination` /
//! `DecodeDestination`), with the version bytes of `Params::pubkey_address_prefix` and
//! `Params::script_address_prefix`.
//!
//! An address is 25 bytes before base58: a version byte, the 20-byte HASH160 of a public key
//! (P2PKH) or of a redeem script (P2SH), and the first four bytes of the SHA256d of those 21
//! bytes. Testnet, devnet and regtest share their prefixes (`y…` / `8…`), so an address
//! string alone cannot tell them apart: parsing takes the network it is meant for.
//!
//! ```
//! use dashlite::wallet::Address;
//! use dashlite::Network;
//!
//! let addr = Address::parse("Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wh", Network::Mainnet).unwrap();
//! assert_eq!(addr.to_string(), "Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wh");
//! assert_eq!(Address::from_script(&addr.script_pubkey(), Network::Mainnet), Some(addr));
//! ```

use std::fmt;

use crate::hash::{hash160, sha256d};
use crate::network::Network;
use crate::tx::opcodes::{OP_CHECKSIG, OP_DUP, OP_EQUAL, OP_EQUALVERIFY, OP_HASH160};
use crate::tx::Script;

/// More characters than any address has: 25 bytes are at most 35 base58 digits.
const MAX_ADDRESS_CHARS: usize = 64;

/// What an address pays to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddressPayload {
    /// Pay to public key hash: HASH160 of a (usually compressed) public key.
    PubkeyHash([u8; 20]),
    /// Pay to script hash: HASH160 of a redeem script.
    ScriptHash([u8; 20]),
}

impl AddressPayload {
    /// The 20-byte hash, whichever kind.
    pub fn hash(&self) -> &[u8; 20] {
        match self {
            AddressPayload::PubkeyHash(h) | AddressPayload::ScriptHash(h) => h,
        }
    }
}

/// A Dash P2PKH or P2SH address on one network.
///
/// Two addresses are equal when network and payload are; a testnet and a regtest address with
/// the same payload display the same but compare unequal. Addresses sort by network (in
/// [`Network::ALL`] order), then payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Address {
    /// The network the address belongs to (selects the version byte).
    pub network: Network,
    /// The hash it pays to.
    pub payload: AddressPayload,
}

impl Ord for Address {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let rank = |n: Network| Network::ALL.iter().position(|m| *m == n);
        rank(self.network).cmp(&rank(other.network)).then(self.payload.cmp(&other.payload))
    }
}

impl PartialOrd for Address {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Why a string is not an address of the requested network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// A character outside the base58 alphabet.
    #[error("invalid base58 character {character:?} at byte {index}")]
    InvalidCharacter {
        /// The offending character.
        character: char,
        /// Its byte index in the string.
        index: usize,
    },
    /// The last four bytes are not the SHA256d checksum of the rest.
    #[error("bad base58check checksum")]
    BadChecksum,
    /// Not 25 bytes once decoded (version, 20-byte hash, checksum).
    #[error("an address decodes to 25 bytes, this one to {0}")]
    BadLength(usize),
    /// A version byte of another network's addresses.
    #[error("version byte {version} is a {actual} address, not a {expected} one")]
    WrongNetwork {
        /// The network the caller asked for.
        expected: Network,
        /// A network the version byte belongs to (mainnet, or testnet for the shared
        /// testnet/devnet/regtest prefixes).
        actual: Network,
        /// The version byte.
        version: u8,
    },
    /// Longer than any address could be (checked before decoding).
    #[error("{0} characters is too long for an address")]
    TooLong(usize),
    /// A version byte no Dash network uses for P2PKH or P2SH addresses.
    #[error("unknown address version byte {0}")]
    UnknownVersion(u8),
}

impl Address {
    /// A P2PKH address for a public key hash.
    pub fn p2pkh(hash: [u8; 20], network: Network) -> Address {
        Address { network, payload: AddressPayload::PubkeyHash(hash) }
    }

    /// A P2SH address for a script hash.
    pub fn p2sh(hash: [u8; 20], network: Network) -> Address {
        Address { network, payload: AddressPayload::ScriptHash(hash) }
    }

    /// The P2PKH address of a serialized public key (HASH160 of its bytes).
    pub fn from_pubkey(pubkey: &[u8], network: Network) -> Address {
        Address::p2pkh(hash160(pubkey), network)
    }

    /// Parses a base58check address of `network`.
    pub fn parse(s: &str, network: Network) -> Result<Address, AddressError> {
        if s.len() > MAX_ADDRESS_CHARS {
            return Err(AddressError::TooLong(s.len()));
        }
        let bytes = bs58::decode(s).into_vec().map_err(|e| match e {
            bs58::decode::Error::InvalidCharacter { character, index } => {
                AddressError::InvalidCharacter { character, index }
            }
            bs58::decode::Error::NonAsciiCharacter { index } => {
                let character = s.get(index..).and_then(|t| t.chars().next()).unwrap_or('?');
                AddressError::InvalidCharacter { character, index }
            }
            // Decoding into a growable vector has no other failure.
            _ => AddressError::BadLength(0),
        })?;
        if bytes.len() != 25 {
            return Err(AddressError::BadLength(bytes.len()));
        }
        if sha256d(&bytes[..21])[..4] != bytes[21..] {
            return Err(AddressError::BadChecksum);
        }
        let version = bytes[0];
        let mut hash = [0u8; 20];
        hash.copy_from_slice(&bytes[1..21]);
        let params = network.params();
        if version == params.pubkey_address_prefix {
            return Ok(Address::p2pkh(hash, network));
        }
        if version == params.script_address_prefix {
            return Ok(Address::p2sh(hash, network));
        }
        match Network::ALL.into_iter().find(|n| {
            n.params().pubkey_address_prefix == version
                || n.params().script_address_prefix == version
        }) {
            Some(actual) => Err(AddressError::WrongNetwork { expected: network, actual, version }),
            None => Err(AddressError::UnknownVersion(version)),
        }
    }

    /// The version byte this address is encoded with.
    pub fn version(&self) -> u8 {
        let params = self.network.params();
        match self.payload {
            AddressPayload::PubkeyHash(_) => params.pubkey_address_prefix,
            AddressPayload::ScriptHash(_) => params.script_address_prefix,
        }
    }

    /// The output script paying this address: `OP_DUP OP_HASH160 <20> OP_EQUALVERIFY
    /// OP_CHECKSIG` for P2PKH, `OP_HASH160 <20> OP_EQUAL` for P2SH.
    pub fn script_pubkey(&self) -> Script {
        Script::new(script_pubkey_bytes(&self.payload))
    }

    /// The address an output script pays, if it is P2PKH or P2SH.
    pub fn from_script(script: &Script, network: Network) -> Option<Address> {
        if let Some(h) = script.p2pkh_hash() {
            Some(Address::p2pkh(h, network))
        } else {
            script.p2sh_hash().map(|h| Address::p2sh(h, network))
        }
    }
}

/// The output script bytes for a payload.
pub(crate) fn script_pubkey_bytes(payload: &AddressPayload) -> Vec<u8> {
    match payload {
        AddressPayload::PubkeyHash(h) => {
            let mut s = Vec::with_capacity(25);
            s.extend_from_slice(&[OP_DUP, OP_HASH160, 20]);
            s.extend_from_slice(h);
            s.extend_from_slice(&[OP_EQUALVERIFY, OP_CHECKSIG]);
            s
        }
        AddressPayload::ScriptHash(h) => {
            let mut s = Vec::with_capacity(23);
            s.extend_from_slice(&[OP_HASH160, 20]);
            s.extend_from_slice(h);
            s.push(OP_EQUAL);
            s
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = [0u8; 21];
        bytes[0] = self.version();
        bytes[1..].copy_from_slice(self.payload.hash());
        f.write_str(&bs58::encode(bytes).with_check().into_string())
    }
}
