//! BIP32 extended public keys: the 78-byte serialization (`xpub…` on mainnet, `tpub…` on
//! testnet, devnet and regtest — Dash Core's `EXT_PUBLIC_KEY` base58 prefixes in
//! `src/chainparams.cpp`), public child derivation (CKDpub) and key fingerprints.
//!
//! Only non-hardened children can be derived from a public key; asking for a hardened one is
//! a typed error. BIP44 wallets therefore hand out the *account* key (`m/44'/coin'/account'`)
//! from which both chains and every address key derive publicly (see [`super::keychain`]).
//!
//! ```
//! use dashlite::wallet::ExtendedPubKey;
//! use dashlite::Network;
//!
//! // BIP32 test vector 2, chain m and m/0.
//! let m = ExtendedPubKey::parse("xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB", Network::Mainnet).unwrap();
//! let m0 = m.derive_child(0).unwrap();
//! assert_eq!(m0.to_string(), "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH");
//! assert_eq!(m0.parent_fingerprint, m.fingerprint());
//! ```

use std::fmt;
use std::sync::OnceLock;

use secp256k1::{PublicKey, Scalar, Secp256k1, VerifyOnly};
use sha2::{Digest, Sha512};

use crate::hash::{hash160, sha256d};
use crate::network::Network;

/// The first hardened child index (`0x80000000`, written `i'` or `iH`).
pub const HARDENED: u32 = 0x8000_0000;

/// Version bytes of a mainnet extended public key (`xpub`).
pub const XPUB_VERSION_MAINNET: [u8; 4] = [0x04, 0x88, 0xB2, 0x1E];
/// Version bytes of a testnet, devnet or regtest extended public key (`tpub`).
pub const XPUB_VERSION_TESTNET: [u8; 4] = [0x04, 0x35, 0x87, 0xCF];
/// Version bytes of extended *private* keys (`xprv`, `tprv`): recognized only to say so.
const XPRV_VERSIONS: [[u8; 4]; 2] = [[0x04, 0x88, 0xAD, 0xE4], [0x04, 0x35, 0x83, 0x94]];

/// The serialized length: version 4, depth 1, parent fingerprint 4, child number 4, chain
/// code 32, key 33.
const XPUB_LEN: usize = 78;
/// More characters than any base58check extended key has (82 bytes → at most 112 digits).
const MAX_XPUB_CHARS: usize = 128;

/// A BIP32 extended public key on one network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtendedPubKey {
    /// The network (selects `xpub` or `tpub` version bytes).
    pub network: Network,
    /// Depth below the master key (0 for the master).
    pub depth: u8,
    /// The first four bytes of the parent key's HASH160 (zero for the master).
    pub parent_fingerprint: [u8; 4],
    /// The index this key was derived with (≥ [`HARDENED`] for a hardened child).
    pub child_number: u32,
    /// The chain code.
    pub chain_code: [u8; 32],
    /// The public key.
    pub public_key: PublicKey,
}

/// Why an extended public key could not be parsed or derived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Bip32Error {
    /// Not base58.
    #[error("invalid base58 in extended key")]
    Base58,
    /// Longer than any extended key (checked before decoding).
    #[error("{0} characters is too long for an extended key")]
    TooLong(usize),
    /// The base58check checksum does not match.
    #[error("bad base58check checksum")]
    BadChecksum,
    /// Not 78 bytes once decoded.
    #[error("an extended key is 78 bytes, this one {0}")]
    BadLength(usize),
    /// An extended private key: never hand one to a watch-only wallet.
    #[error("this is an extended private key; give the extended public key")]
    PrivateKey,
    /// Version bytes of the other kind of network (xpub for a test network or the reverse).
    #[error("version bytes {version:02x?} are not those of {expected}")]
    WrongNetwork {
        /// The network the caller asked for.
        expected: Network,
        /// The version bytes found.
        version: [u8; 4],
    },
    /// Version bytes of no known extended public key.
    #[error("unknown extended key version {0:02x?}")]
    UnknownVersion([u8; 4]),
    /// The key bytes are not a valid compressed secp256k1 point.
    #[error("invalid public key in extended key")]
    InvalidPublicKey,
    /// A master key (depth 0) must have a zero parent fingerprint and child number 0.
    #[error("depth 0 with a non-zero parent fingerprint or child number")]
    InvalidMaster,
    /// Hardened children cannot be derived from a public key.
    #[error("child {0} is hardened: it cannot be derived from a public key")]
    HardenedDerivation(u32),
    /// Depth 255 has no children.
    #[error("depth 255 reached")]
    MaxDepth,
    /// The (astronomically unlikely) case where IL ≥ n or the child is the point at infinity;
    /// BIP32 says to proceed with the next index.
    #[error("child {0} is invalid; use the next index")]
    InvalidChild(u32),
}

/// A shared verification context (libsecp256k1 contexts hold no secrets and are
/// thread-safe once created).
fn secp() -> &'static Secp256k1<VerifyOnly> {
    static CTX: OnceLock<Secp256k1<VerifyOnly>> = OnceLock::new();
    CTX.get_or_init(Secp256k1::verification_only)
}

/// The version bytes of extended public keys on `network`.
pub fn xpub_version(network: Network) -> [u8; 4] {
    match network {
        Network::Mainnet => XPUB_VERSION_MAINNET,
        Network::Testnet | Network::Devnet | Network::Regtest => XPUB_VERSION_TESTNET,
    }
}

/// HMAC-SHA512 (RFC 2104; a 32-byte key is shorter than the 128-byte block, so it is only
/// zero-padded).
fn hmac_sha512(key: &[u8; 32], data: &[u8]) -> [u8; 64] {
    let mut ipad = [0x36u8; 128];
    let mut opad = [0x5cu8; 128];
    for (i, k) in key.iter().enumerate() {
        ipad[i] ^= k;
        opad[i] ^= k;
    }
    let inner = Sha512::new().chain_update(ipad).chain_update(data).finalize();
    Sha512::new().chain_update(opad).chain_update(inner).finalize().into()
}

impl ExtendedPubKey {
    /// Parses a base58check `xpub`/`tpub` for `network`, validating the key point and the
    /// master-key invariants.
    pub fn parse(s: &str, network: Network) -> Result<ExtendedPubKey, Bip32Error> {
        if s.len() > MAX_XPUB_CHARS {
            return Err(Bip32Error::TooLong(s.len()));
        }
        let raw = bs58::decode(s).into_vec().map_err(|_| Bip32Error::Base58)?;
        if raw.len() != XPUB_LEN + 4 {
            return Err(Bip32Error::BadLength(raw.len().saturating_sub(4)));
        }
        if sha256d(&raw[..XPUB_LEN])[..4] != raw[XPUB_LEN..] {
            return Err(Bip32Error::BadChecksum);
        }
        let mut data = [0u8; XPUB_LEN];
        data.copy_from_slice(&raw[..XPUB_LEN]);
        ExtendedPubKey::from_bytes(&data, network)
    }

    /// Decodes the 78-byte serialization (without the base58check checksum).
    pub fn from_bytes(data: &[u8; 78], network: Network) -> Result<ExtendedPubKey, Bip32Error> {
        let version: [u8; 4] = data[0..4].try_into().expect("4 bytes");
        if version != xpub_version(network) {
            return Err(if XPRV_VERSIONS.contains(&version) {
                Bip32Error::PrivateKey
            } else if version == XPUB_VERSION_MAINNET || version == XPUB_VERSION_TESTNET {
                Bip32Error::WrongNetwork { expected: network, version }
            } else {
                Bip32Error::UnknownVersion(version)
            });
        }
        let depth = data[4];
        let parent_fingerprint: [u8; 4] = data[5..9].try_into().expect("4 bytes");
        let child_number = u32::from_be_bytes(data[9..13].try_into().expect("4 bytes"));
        let chain_code: [u8; 32] = data[13..45].try_into().expect("32 bytes");
        // Only the compressed form (0x02/0x03) is a valid extended public key.
        if !matches!(data[45], 0x02 | 0x03) {
            return Err(Bip32Error::InvalidPublicKey);
        }
        let public_key =
            PublicKey::from_slice(&data[45..78]).map_err(|_| Bip32Error::InvalidPublicKey)?;
        if depth == 0 && (parent_fingerprint != [0; 4] || child_number != 0) {
            return Err(Bip32Error::InvalidMaster);
        }
        Ok(ExtendedPubKey {
            network,
            depth,
            parent_fingerprint,
            child_number,
            chain_code,
            public_key,
        })
    }

    /// The 78-byte serialization (without checksum).
    pub fn to_bytes(&self) -> [u8; 78] {
        let mut out = [0u8; XPUB_LEN];
        out[0..4].copy_from_slice(&xpub_version(self.network));
        out[4] = self.depth;
        out[5..9].copy_from_slice(&self.parent_fingerprint);
        out[9..13].copy_from_slice(&self.child_number.to_be_bytes());
        out[13..45].copy_from_slice(&self.chain_code);
        out[45..78].copy_from_slice(&self.public_key.serialize());
        out
    }

    /// The compressed public key (33 bytes).
    pub fn public_key_bytes(&self) -> [u8; 33] {
        self.public_key.serialize()
    }

    /// The key identifier: HASH160 of the compressed public key (also the P2PKH hash).
    pub fn identifier(&self) -> [u8; 20] {
        hash160(&self.public_key.serialize())
    }

    /// The fingerprint: the first four bytes of [`ExtendedPubKey::identifier`]; children
    /// carry it as their `parent_fingerprint`.
    pub fn fingerprint(&self) -> [u8; 4] {
        let id = self.identifier();
        [id[0], id[1], id[2], id[3]]
    }

    /// CKDpub: the non-hardened child `index`.
    pub fn derive_child(&self, index: u32) -> Result<ExtendedPubKey, Bip32Error> {
        if index >= HARDENED {
            return Err(Bip32Error::HardenedDerivation(index));
        }
        let depth = self.depth.checked_add(1).ok_or(Bip32Error::MaxDepth)?;
        let mut data = [0u8; 37];
        data[..33].copy_from_slice(&self.public_key.serialize());
        data[33..].copy_from_slice(&index.to_be_bytes());
        let i = hmac_sha512(&self.chain_code, &data);
        let il: [u8; 32] = i[..32].try_into().expect("32 bytes");
        let tweak = Scalar::from_be_bytes(il).map_err(|_| Bip32Error::InvalidChild(index))?;
        let public_key = self
            .public_key
            .add_exp_tweak(secp(), &tweak)
            .map_err(|_| Bip32Error::InvalidChild(index))?;
        Ok(ExtendedPubKey {
            network: self.network,
            depth,
            parent_fingerprint: self.fingerprint(),
            child_number: index,
            chain_code: i[32..].try_into().expect("32 bytes"),
            public_key,
        })
    }

    /// Derives along a path of non-hardened indexes (`[0, 5]` is `…/0/5`).
    pub fn derive_path(&self, path: &[u32]) -> Result<ExtendedPubKey, Bip32Error> {
        path.iter().try_fold(*self, |key, &i| key.derive_child(i))
    }
}

impl fmt::Display for ExtendedPubKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.to_bytes()).with_check().into_string())
    }
}

#[cfg(test)]
#[path = "bip32_tests.rs"]
mod tests;
