//! BIP44 accounts watched through their extended public key, with a gap-limit lookahead.
//!
//! The user gives the account key `m/44'/coin'/account'` ([`bip44_account_path`]; coin type
//! `Params::bip44_coin_type`: 5 on mainnet, 1 elsewhere). Its non-hardened children are the
//! external (receiving, 0) and internal (change, 1) chains, and each chain's children the
//! address keys. A chain derives keys `0 .. last_used + 1 + gap_limit` (just `0 .. gap_limit`
//! while none is used): a payment to any key in that window is seen, and using a key slides
//! the window forward, deriving the new keys the filter must learn.
//!
//! ## Default gap limits
//! * External: [`DEFAULT_EXTERNAL_GAP_LIMIT`] = 20, BIP44's own ("address gap limit is
//!   currently set to 20"): receiving addresses are handed to payers, who may never pay.
//! * Internal: [`DEFAULT_INTERNAL_GAP_LIMIT`] = 10. Change keys are only ever used by this
//!   wallet's own spends, one at a time and in order, so a gap appears only when a spend is
//!   built but never confirms (abandoned, double-spent); ten such in a row covers the
//!   realistic cases at half the filter elements. Electrum uses the same 20/10 split.

use crate::hash::hash160;
use crate::network::Network;

use super::bip32::{Bip32Error, ExtendedPubKey, HARDENED};

/// The default external-chain gap limit (BIP44).
pub const DEFAULT_EXTERNAL_GAP_LIMIT: u32 = 20;
/// The default internal-chain gap limit (see the module docs).
pub const DEFAULT_INTERNAL_GAP_LIMIT: u32 = 10;
/// The largest gap limit accepted: bounds the keys (and filter elements) one extension adds.
pub const MAX_GAP_LIMIT: u32 = 1_000;

/// The BIP44 path of account `account` on `network`: `m/44'/coin'/account'`.
pub fn bip44_account_path(network: Network, account: u32) -> [u32; 3] {
    [HARDENED + 44, HARDENED + network.params().bip44_coin_type, HARDENED | account]
}

/// One of the two chains of a BIP44 account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChainKind {
    /// Receiving addresses (child 0).
    External,
    /// Change addresses (child 1).
    Internal,
}

impl ChainKind {
    /// The BIP44 child index of this chain under the account key.
    pub fn index(self) -> u32 {
        match self {
            ChainKind::External => 0,
            ChainKind::Internal => 1,
        }
    }
}

/// Gap limits of an account's two chains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GapLimits {
    /// Unused receiving keys kept derived beyond the last used one.
    pub external: u32,
    /// Unused change keys kept derived beyond the last used one.
    pub internal: u32,
}

impl Default for GapLimits {
    fn default() -> Self {
        GapLimits { external: DEFAULT_EXTERNAL_GAP_LIMIT, internal: DEFAULT_INTERNAL_GAP_LIMIT }
    }
}

/// An address key of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DerivedKey {
    /// Its index in the chain.
    pub index: u32,
    /// The compressed public key.
    pub public_key: [u8; 33],
    /// HASH160 of the public key: what a P2PKH output to it contains.
    pub pubkey_hash: [u8; 20],
}

/// One chain of an account: its extended key, the derived window and the last used index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChain {
    kind: ChainKind,
    xpub: ExtendedPubKey,
    gap_limit: u32,
    last_used: Option<u32>,
    keys: Vec<DerivedKey>,
}

impl KeyChain {
    /// A chain from its chain-level extended key (`m/44'/coin'/account'/chain`), deriving
    /// the window for `last_used` (`None` for a fresh chain).
    pub fn new(
        kind: ChainKind,
        xpub: ExtendedPubKey,
        gap_limit: u32,
        last_used: Option<u32>,
    ) -> Result<KeyChain, Bip32Error> {
        if xpub.depth == u8::MAX {
            return Err(Bip32Error::MaxDepth);
        }
        let mut chain = KeyChain { kind, xpub, gap_limit, last_used, keys: Vec::new() };
        chain.derive_to(chain.window_end());
        Ok(chain)
    }

    /// Which chain this is.
    pub fn kind(&self) -> ChainKind {
        self.kind
    }

    /// The chain-level extended public key.
    pub fn xpub(&self) -> &ExtendedPubKey {
        &self.xpub
    }

    /// The gap limit.
    pub fn gap_limit(&self) -> u32 {
        self.gap_limit
    }

    /// The highest index a transaction has paid, if any.
    pub fn last_used(&self) -> Option<u32> {
        self.last_used
    }

    /// The first index after the derived window: `last_used + 1 + gap_limit` (capped at the
    /// first hardened index).
    pub fn window_end(&self) -> u32 {
        self.next_unused().saturating_add(self.gap_limit).min(HARDENED)
    }

    /// The first index after the last used one: the next address to hand out.
    pub fn next_unused(&self) -> u32 {
        self.last_used.map_or(0, |i| i.saturating_add(1))
    }

    /// The derived keys, by increasing index.
    pub fn keys(&self) -> &[DerivedKey] {
        &self.keys
    }

    /// The derived key `index`, if it is in the window.
    pub fn key(&self, index: u32) -> Option<&DerivedKey> {
        self.keys.binary_search_by_key(&index, |k| k.index).ok().map(|i| &self.keys[i])
    }

    /// Records that key `index` received a payment. Returns the keys the window gained
    /// (empty when `index` was not beyond the last used one).
    pub fn mark_used(&mut self, index: u32) -> Vec<DerivedKey> {
        if self.last_used.is_some_and(|last| last >= index) {
            return Vec::new();
        }
        self.last_used = Some(index);
        let before = self.keys.len();
        self.derive_to(self.window_end());
        self.keys[before..].to_vec()
    }

    /// Derives keys up to (excluding) `end`. Indexes stay below [`HARDENED`] and the depth
    /// below 255, so the only possible failure is BIP32's invalid child (probability below
    /// 2^-127), which BIP32 says to skip.
    fn derive_to(&mut self, end: u32) {
        let start = self.keys.last().map_or(0, |k| k.index + 1);
        for index in start..end {
            if let Ok(child) = self.xpub.derive_child(index) {
                let public_key = child.public_key_bytes();
                self.keys.push(DerivedKey { index, public_key, pubkey_hash: hash160(&public_key) });
            }
        }
    }
}

/// An account's identity: the identifier (HASH160 of the public key) of its account-level
/// extended key. Stable across restarts, so stores can key on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(pub [u8; 20]);

/// Why an account key cannot be watched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// Not an account-level key: BIP44 account keys have depth 3 and a hardened index.
    #[error(
        "not a BIP44 account key (depth {depth}, child {child_number}): give m/44'/coin'/account'"
    )]
    NotAnAccountKey {
        /// The key's depth.
        depth: u8,
        /// The key's child number.
        child_number: u32,
    },
    /// A gap limit of zero or above [`MAX_GAP_LIMIT`].
    #[error("gap limit {0} is outside 1..={MAX_GAP_LIMIT}")]
    BadGapLimit(u32),
    /// Deriving the chains failed.
    #[error(transparent)]
    Derivation(#[from] Bip32Error),
}

/// A BIP44 account: the account key and its external and internal chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    xpub: ExtendedPubKey,
    external: KeyChain,
    internal: KeyChain,
}

impl Account {
    /// Watches the account key `xpub` (`m/44'/coin'/account'`) with the given gap limits,
    /// no key used yet.
    pub fn new(xpub: ExtendedPubKey, gaps: GapLimits) -> Result<Account, AccountError> {
        Account::restore(xpub, gaps, None, None)
    }

    /// An account whose chains have used keys up to `external_used` and `internal_used`
    /// (what a store keeps; the derived keys are recomputed).
    pub fn restore(
        xpub: ExtendedPubKey,
        gaps: GapLimits,
        external_used: Option<u32>,
        internal_used: Option<u32>,
    ) -> Result<Account, AccountError> {
        if xpub.depth != 3 || xpub.child_number < HARDENED {
            return Err(AccountError::NotAnAccountKey {
                depth: xpub.depth,
                child_number: xpub.child_number,
            });
        }
        for gap in [gaps.external, gaps.internal] {
            if gap == 0 || gap > MAX_GAP_LIMIT {
                return Err(AccountError::BadGapLimit(gap));
            }
        }
        let chain = |kind: ChainKind, gap, used| {
            KeyChain::new(kind, xpub.derive_child(kind.index())?, gap, used)
        };
        Ok(Account {
            xpub,
            external: chain(ChainKind::External, gaps.external, external_used)?,
            internal: chain(ChainKind::Internal, gaps.internal, internal_used)?,
        })
    }

    /// The account's identity.
    pub fn id(&self) -> AccountId {
        AccountId(self.xpub.identifier())
    }

    /// The account-level extended public key.
    pub fn xpub(&self) -> &ExtendedPubKey {
        &self.xpub
    }

    /// One of the two chains.
    pub fn chain(&self, kind: ChainKind) -> &KeyChain {
        match kind {
            ChainKind::External => &self.external,
            ChainKind::Internal => &self.internal,
        }
    }

    /// One of the two chains, mutably.
    pub(crate) fn chain_mut(&mut self, kind: ChainKind) -> &mut KeyChain {
        match kind {
            ChainKind::External => &mut self.external,
            ChainKind::Internal => &mut self.internal,
        }
    }
}

#[cfg(test)]
#[path = "keychain_tests.rs"]
mod tests;
