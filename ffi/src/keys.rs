//! BIP32 extended public keys (core's [`dashlite::wallet::ExtendedPubKey`]) and BIP44
//! accounts watched through their account key (core's [`dashlite::wallet::Account`]).

use std::sync::Arc;

use dashlite::wallet::{self, bip32, keychain, GapLimits};

use crate::address::Address;
use crate::network::Network;

/// The most addresses one [`Account::addresses`] call derives (core's `MAX_GAP_LIMIT`).
pub const MAX_ADDRESSES_PER_CALL: u32 = keychain::MAX_GAP_LIMIT;

/// Why an extended key could not be parsed, derived or watched as an account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum Bip32Error {
    /// Not base58.
    #[error("invalid base58 in extended key")]
    Base58,
    /// Longer than any extended key.
    #[error("{length} characters is too long for an extended key")]
    TooLong {
        /// The string's length in bytes.
        length: u64,
    },
    /// The base58check checksum does not match.
    #[error("bad base58check checksum")]
    BadChecksum,
    /// Not 78 bytes once decoded.
    #[error("an extended key is 78 bytes, this one {length}")]
    BadLength {
        /// The decoded length.
        length: u64,
    },
    /// An extended private key: a watch-only wallet takes the public key.
    #[error("this is an extended private key; give the extended public key")]
    PrivateKey,
    /// Version bytes of the other kind of network (`xpub` for a test network or the reverse).
    #[error("version bytes {version:02x?} are not those of {expected}")]
    WrongNetwork {
        /// The network asked for.
        expected: Network,
        /// The four version bytes found.
        version: Vec<u8>,
    },
    /// Version bytes of no known extended public key.
    #[error("unknown extended key version {version:02x?}")]
    UnknownVersion {
        /// The four version bytes found.
        version: Vec<u8>,
    },
    /// The key is not a valid compressed secp256k1 point.
    #[error("invalid public key in extended key")]
    InvalidPublicKey,
    /// Depth 0 with a non-zero parent fingerprint or child number.
    #[error("depth 0 with a non-zero parent fingerprint or child number")]
    InvalidMaster,
    /// Hardened children cannot be derived from a public key.
    #[error("child {index} is hardened: it cannot be derived from a public key")]
    HardenedDerivation {
        /// The requested child index.
        index: u32,
    },
    /// Depth 255 has no children.
    #[error("depth 255 reached")]
    MaxDepth,
    /// The (astronomically unlikely) invalid child: use the next index.
    #[error("child {index} is invalid; use the next index")]
    InvalidChild {
        /// The child index.
        index: u32,
    },
    /// Not a BIP44 account key (`m/44'/coin'/account'`: depth 3, hardened index).
    #[error("not a BIP44 account key (depth {depth}, child {child_number})")]
    NotAnAccountKey {
        /// The key's depth.
        depth: u8,
        /// The key's child number.
        child_number: u32,
    },
    /// A gap limit of zero or above core's `MAX_GAP_LIMIT` (1,000).
    #[error("gap limit {gap_limit} is outside 1..=1000")]
    BadGapLimit {
        /// The gap limit given.
        gap_limit: u32,
    },
    /// More addresses asked of one call than [`MAX_ADDRESSES_PER_CALL`].
    #[error("{count} addresses asked, at most {max} per call")]
    TooManyAddresses {
        /// The count asked for.
        count: u32,
        /// The most allowed.
        max: u32,
    },
}

impl From<bip32::Bip32Error> for Bip32Error {
    fn from(e: bip32::Bip32Error) -> Self {
        use bip32::Bip32Error as E;
        match e {
            E::Base58 => Bip32Error::Base58,
            E::TooLong(length) => Bip32Error::TooLong { length: length as u64 },
            E::BadChecksum => Bip32Error::BadChecksum,
            E::BadLength(length) => Bip32Error::BadLength { length: length as u64 },
            E::PrivateKey => Bip32Error::PrivateKey,
            E::WrongNetwork { expected, version } => {
                Bip32Error::WrongNetwork { expected: expected.into(), version: version.to_vec() }
            }
            E::UnknownVersion(version) => Bip32Error::UnknownVersion { version: version.to_vec() },
            E::InvalidPublicKey => Bip32Error::InvalidPublicKey,
            E::InvalidMaster => Bip32Error::InvalidMaster,
            E::HardenedDerivation(index) => Bip32Error::HardenedDerivation { index },
            E::MaxDepth => Bip32Error::MaxDepth,
            E::InvalidChild(index) => Bip32Error::InvalidChild { index },
        }
    }
}

impl From<keychain::AccountError> for Bip32Error {
    fn from(e: keychain::AccountError) -> Self {
        use keychain::AccountError as E;
        match e {
            E::NotAnAccountKey { depth, child_number } => {
                Bip32Error::NotAnAccountKey { depth, child_number }
            }
            E::BadGapLimit(gap_limit) => Bip32Error::BadGapLimit { gap_limit },
            E::Derivation(e) => e.into(),
        }
    }
}

/// A BIP32 extended public key (`xpub…` on mainnet, `tpub…` elsewhere).
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Object)]
#[uniffi::export(Display, Eq, Hash)]
pub struct ExtendedPubKey(pub(crate) wallet::ExtendedPubKey);

impl std::fmt::Display for ExtendedPubKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[uniffi::export]
impl ExtendedPubKey {
    /// Parses a base58check extended public key of `network`, validating the key point.
    #[uniffi::constructor]
    pub fn parse(xpub: String, network: Network) -> Result<Arc<Self>, Bip32Error> {
        Ok(Arc::new(ExtendedPubKey(wallet::ExtendedPubKey::parse(&xpub, network.into())?)))
    }

    /// The network (selects `xpub` or `tpub`).
    pub fn network(&self) -> Network {
        self.0.network.into()
    }

    /// Depth below the master key.
    pub fn depth(&self) -> u8 {
        self.0.depth
    }

    /// The index this key was derived with (≥ 0x80000000 for a hardened child).
    pub fn child_number(&self) -> u32 {
        self.0.child_number
    }

    /// The parent key's fingerprint (4 bytes).
    pub fn parent_fingerprint(&self) -> Vec<u8> {
        self.0.parent_fingerprint.to_vec()
    }

    /// This key's fingerprint (4 bytes).
    pub fn fingerprint(&self) -> Vec<u8> {
        self.0.fingerprint().to_vec()
    }

    /// The chain code (32 bytes).
    pub fn chain_code(&self) -> Vec<u8> {
        self.0.chain_code.to_vec()
    }

    /// The compressed public key (33 bytes).
    pub fn public_key(&self) -> Vec<u8> {
        self.0.public_key_bytes().to_vec()
    }

    /// The non-hardened child `index` (CKDpub).
    pub fn derive_child(&self, index: u32) -> Result<Arc<ExtendedPubKey>, Bip32Error> {
        Ok(Arc::new(ExtendedPubKey(self.0.derive_child(index)?)))
    }

    /// The P2PKH address of this key's public key.
    pub fn address(&self) -> Arc<Address> {
        Arc::new(Address(wallet::Address::from_pubkey(&self.0.public_key_bytes(), self.0.network)))
    }
}

/// One of the two chains of a BIP44 account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ChainKind {
    /// Receiving addresses (child 0).
    External,
    /// Change addresses (child 1).
    Internal,
}

impl From<ChainKind> for keychain::ChainKind {
    fn from(k: ChainKind) -> Self {
        match k {
            ChainKind::External => keychain::ChainKind::External,
            ChainKind::Internal => keychain::ChainKind::Internal,
        }
    }
}

impl From<keychain::ChainKind> for ChainKind {
    fn from(k: keychain::ChainKind) -> Self {
        match k {
            keychain::ChainKind::External => ChainKind::External,
            keychain::ChainKind::Internal => ChainKind::Internal,
        }
    }
}

/// An address key of a chain, inside the gap-limit window the wallet watches.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct DerivedKey {
    /// Its index in the chain.
    pub index: u32,
    /// The compressed public key (33 bytes).
    pub public_key: Vec<u8>,
    /// HASH160 of the public key (20 bytes).
    pub pubkey_hash: Vec<u8>,
    /// Its P2PKH address.
    pub address: Arc<Address>,
}

/// A BIP44 account watched through its account key `m/44'/coin'/account'`.
#[derive(Debug, uniffi::Object)]
pub struct Account(pub(crate) keychain::Account);

impl Account {
    /// The core account.
    pub fn inner(&self) -> &keychain::Account {
        &self.0
    }
}

#[uniffi::export]
impl Account {
    /// Watches the account key `xpub` with the default gap limits (20 external, 10 internal).
    #[uniffi::constructor]
    pub fn new(xpub: Arc<ExtendedPubKey>) -> Result<Arc<Self>, Bip32Error> {
        Ok(Arc::new(Account(keychain::Account::new(xpub.0, GapLimits::default())?)))
    }

    /// Watches the account key `xpub` with the given gap limits (each 1..=1000).
    #[uniffi::constructor]
    pub fn with_gap_limits(
        xpub: Arc<ExtendedPubKey>,
        external_gap_limit: u32,
        internal_gap_limit: u32,
    ) -> Result<Arc<Self>, Bip32Error> {
        let gaps = GapLimits { external: external_gap_limit, internal: internal_gap_limit };
        Ok(Arc::new(Account(keychain::Account::new(xpub.0, gaps)?)))
    }

    /// The account's identity: HASH160 of the account public key (20 bytes).
    pub fn id(&self) -> Vec<u8> {
        self.0.id().0.to_vec()
    }

    /// The account-level extended public key.
    pub fn xpub(&self) -> Arc<ExtendedPubKey> {
        Arc::new(ExtendedPubKey(*self.0.xpub()))
    }

    /// The account's network.
    pub fn network(&self) -> Network {
        self.0.xpub().network.into()
    }

    /// The gap limit of a chain.
    pub fn gap_limit(&self, chain: ChainKind) -> u32 {
        self.0.chain(chain.into()).gap_limit()
    }

    /// The P2PKH address at `index` of `chain` (`m/44'/coin'/account'/chain/index`).
    pub fn address(&self, chain: ChainKind, index: u32) -> Result<Arc<Address>, Bip32Error> {
        let chain = self.0.chain(chain.into());
        if let Some(key) = chain.key(index) {
            return Ok(Arc::new(Address(wallet::Address::p2pkh(key.pubkey_hash, self.net()))));
        }
        let key = chain.xpub().derive_child(index)?;
        Ok(Arc::new(Address(wallet::Address::from_pubkey(&key.public_key_bytes(), self.net()))))
    }

    /// `count` consecutive addresses of `chain` from `start` (at most
    /// [`MAX_ADDRESSES_PER_CALL`]).
    pub fn addresses(
        &self,
        chain: ChainKind,
        start: u32,
        count: u32,
    ) -> Result<Vec<Arc<Address>>, Bip32Error> {
        if count > MAX_ADDRESSES_PER_CALL {
            return Err(Bip32Error::TooManyAddresses { count, max: MAX_ADDRESSES_PER_CALL });
        }
        (0..count)
            .map(|i| {
                let index = start
                    .checked_add(i)
                    .ok_or(Bip32Error::HardenedDerivation { index: u32::MAX })?;
                self.address(chain, index)
            })
            .collect()
    }

    /// The keys of `chain` the wallet watches: the gap-limit window beyond the last used key.
    pub fn watched_keys(&self, chain: ChainKind) -> Vec<DerivedKey> {
        let network = self.net();
        self.0
            .chain(chain.into())
            .keys()
            .iter()
            .map(|k| DerivedKey {
                index: k.index,
                public_key: k.public_key.to_vec(),
                pubkey_hash: k.pubkey_hash.to_vec(),
                address: Arc::new(Address(wallet::Address::p2pkh(k.pubkey_hash, network))),
            })
            .collect()
    }
}

impl Account {
    fn net(&self) -> dashlite::Network {
        self.0.xpub().network
    }
}

/// The BIP44 path of account `account` on `network`, as text: `m/44'/5'/0'` on mainnet,
/// `m/44'/1'/0'` elsewhere. The account key to watch is the one at this path.
#[uniffi::export]
pub fn bip44_account_path(network: Network, account: u32) -> String {
    let [purpose, coin, account] = keychain::bip44_account_path(network.into(), account);
    let strip = |i: u32| i & !bip32::HARDENED;
    format!("m/{}'/{}'/{}'", strip(purpose), strip(coin), strip(account))
}
