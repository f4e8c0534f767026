//! The watch list: what the wallet looks for, which output scripts belong to it, and the
//! byte strings a BIP37 filter needs to find them.
//!
//! Items are addresses (P2PKH, P2SH), raw output scripts, outpoints and BIP44 accounts
//! (see [`super::keychain`]). An output belongs to the wallet when its script is
//! * P2PKH to a derived key of an account (checked first, so that using a key extends the
//!   lookahead), or
//! * P2PKH or P2SH to a watched address, or
//! * byte-for-byte a watched raw script (this is how a P2PK key or a bare multisig is
//!   watched).
//!
//! A P2PK output to a derived key or to a watched address's key is *not* the wallet's: the
//! filter only carries key hashes for those, so such outputs would be found only by chance,
//! and a wallet must not depend on chance. Watch the P2PK script to follow one.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::network::Network;
use crate::tx::{OutPoint, Script};

use super::address::{Address, AddressPayload};
use super::bip32::ExtendedPubKey;
use super::keychain::{Account, AccountError, AccountId, ChainKind, DerivedKey, GapLimits};

/// A byte string the bloom filter must contain for the wallet to see its transactions,
/// tagged with why: the filter policy treats outpoints and P2PK keys differently (Dash Core's
/// `BLOOM_UPDATE_P2PUBKEY_ONLY` inserts outpoints only for P2PK and multisig outputs).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FilterElement {
    /// The 20-byte key hash of a P2PKH address or derived key (matches outputs paying it).
    PubkeyHash([u8; 20]),
    /// The 20-byte script hash of a P2SH address.
    ScriptHash([u8; 20]),
    /// The public key of a watched pay-to-pubkey script (matches outputs paying it, and the
    /// scriptSigs of bare multisig spends that name it).
    P2pkPubkey(Vec<u8>),
    /// A data push of a watched script that is neither P2PKH, P2SH nor P2PK.
    ScriptPush(Vec<u8>),
    /// An outpoint (36 bytes: txid, vout LE) whose spend the wallet must see: a wallet UTXO
    /// or a watched outpoint.
    OutPoint(OutPoint),
}

impl FilterElement {
    /// The bytes inserted into the filter.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            FilterElement::PubkeyHash(h) | FilterElement::ScriptHash(h) => h.to_vec(),
            FilterElement::P2pkPubkey(b) | FilterElement::ScriptPush(b) => b.clone(),
            FilterElement::OutPoint(o) => o.to_array().to_vec(),
        }
    }

    /// The elements that find outputs paying `script`: its hash for P2PKH and P2SH, its key
    /// for P2PK, otherwise each non-empty push (a script without pushes yields nothing: BIP37
    /// cannot match it).
    pub fn for_script(script: &Script) -> Vec<FilterElement> {
        if let Some(h) = script.p2pkh_hash() {
            vec![FilterElement::PubkeyHash(h)]
        } else if let Some(h) = script.p2sh_hash() {
            vec![FilterElement::ScriptHash(h)]
        } else if let Some(key) = script.p2pk_pubkey() {
            vec![FilterElement::P2pkPubkey(key.to_vec())]
        } else {
            script.pushes().map(|p| FilterElement::ScriptPush(p.to_vec())).collect()
        }
    }

    fn for_address(address: &Address) -> FilterElement {
        match address.payload {
            AddressPayload::PubkeyHash(h) => FilterElement::PubkeyHash(h),
            AddressPayload::ScriptHash(h) => FilterElement::ScriptHash(h),
        }
    }
}

/// Where a derived key sits: account, chain and index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyPath {
    /// The account.
    pub account: AccountId,
    /// External or internal chain.
    pub chain: ChainKind,
    /// The key's index in the chain.
    pub index: u32,
}

/// The watch item an output pays.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Owner {
    /// A key derived from a watched account.
    Key(KeyPath),
    /// A watched address.
    Address(Address),
    /// A watched raw script.
    Script(Script),
}

/// Why an item cannot be watched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WatchError {
    /// An address or key of another network than the wallet's.
    #[error("item is for {got}, the wallet is on {expected}")]
    WrongNetwork {
        /// The wallet's network.
        expected: Network,
        /// The item's network.
        got: Network,
    },
    /// The account key is not usable.
    #[error(transparent)]
    Account(#[from] AccountError),
}

/// The keys one use of a derived key added to its chain's window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookaheadExtension {
    /// The account.
    pub account: AccountId,
    /// The chain.
    pub chain: ChainKind,
    /// The key whose use extended the window (the new last used index).
    pub used_index: u32,
    /// The height of the block whose transaction used the key (`None` for an unconfirmed
    /// transaction): blocks from here on fetched with the old filter must be fetched again.
    pub used_at_height: Option<u32>,
    /// The keys derived, by increasing index.
    pub new_keys: Vec<DerivedKey>,
}

/// Everything the wallet watches. Deterministic: iteration orders are fixed (accounts by id,
/// then addresses, scripts and outpoints sorted).
#[derive(Debug, Clone)]
pub struct WatchList {
    network: Network,
    addresses: BTreeSet<Address>,
    scripts: BTreeMap<Vec<u8>, Script>,
    outpoints: BTreeSet<OutPoint>,
    accounts: BTreeMap<AccountId, Account>,
    /// Every derived key's hash → its path (a lookup index, rebuilt from `accounts`).
    keys: HashMap<[u8; 20], KeyPath>,
}

impl WatchList {
    /// An empty watch list for `network`.
    pub fn new(network: Network) -> WatchList {
        WatchList {
            network,
            addresses: BTreeSet::new(),
            scripts: BTreeMap::new(),
            outpoints: BTreeSet::new(),
            accounts: BTreeMap::new(),
            keys: HashMap::new(),
        }
    }

    /// The network of every address and key in the list.
    pub fn network(&self) -> Network {
        self.network
    }

    /// Watches an address; returns the filter elements it adds (none if already watched).
    pub fn add_address(&mut self, address: Address) -> Result<Vec<FilterElement>, WatchError> {
        if address.network != self.network {
            return Err(WatchError::WrongNetwork { expected: self.network, got: address.network });
        }
        Ok(if self.addresses.insert(address) {
            vec![FilterElement::for_address(&address)]
        } else {
            Vec::new()
        })
    }

    /// Watches outputs whose script is exactly `script`; returns the filter elements it adds.
    pub fn add_script(&mut self, script: Script) -> Vec<FilterElement> {
        let elements = FilterElement::for_script(&script);
        match self.scripts.insert(script.as_bytes().to_vec(), script) {
            None => elements,
            Some(_) => Vec::new(),
        }
    }

    /// Watches for the spend of `outpoint`; returns the filter element it adds.
    pub fn add_outpoint(&mut self, outpoint: OutPoint) -> Vec<FilterElement> {
        if self.outpoints.insert(outpoint) {
            vec![FilterElement::OutPoint(outpoint)]
        } else {
            Vec::new()
        }
    }

    /// Watches a BIP44 account from its account-level key (`m/44'/coin'/account'`).
    /// Returns the filter elements of both chains' initial windows (none if already watched).
    pub fn add_account(
        &mut self,
        xpub: ExtendedPubKey,
        gaps: GapLimits,
    ) -> Result<Vec<FilterElement>, WatchError> {
        if xpub.network != self.network {
            return Err(WatchError::WrongNetwork { expected: self.network, got: xpub.network });
        }
        self.insert_account(Account::new(xpub, gaps)?)
    }

    /// Watches an account in a given state (for example restored from a store).
    pub fn insert_account(&mut self, account: Account) -> Result<Vec<FilterElement>, WatchError> {
        if account.xpub().network != self.network {
            return Err(WatchError::WrongNetwork {
                expected: self.network,
                got: account.xpub().network,
            });
        }
        let id = account.id();
        if self.accounts.contains_key(&id) {
            return Ok(Vec::new());
        }
        let mut elements = Vec::new();
        for chain in [ChainKind::External, ChainKind::Internal] {
            for key in account.chain(chain).keys() {
                self.keys.insert(key.pubkey_hash, KeyPath { account: id, chain, index: key.index });
                elements.push(FilterElement::PubkeyHash(key.pubkey_hash));
            }
        }
        self.accounts.insert(id, account);
        Ok(elements)
    }

    /// The watched addresses, sorted.
    pub fn addresses(&self) -> impl Iterator<Item = &Address> {
        self.addresses.iter()
    }

    /// The watched raw scripts, sorted by their bytes.
    pub fn scripts(&self) -> impl Iterator<Item = &Script> {
        self.scripts.values()
    }

    /// The watched outpoints, sorted.
    pub fn outpoints(&self) -> impl Iterator<Item = &OutPoint> {
        self.outpoints.iter()
    }

    /// The watched accounts, by id.
    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    /// One account.
    pub fn account(&self, id: &AccountId) -> Option<&Account> {
        self.accounts.get(id)
    }

    /// Whether the spend of `outpoint` is watched explicitly.
    pub fn watches_outpoint(&self, outpoint: &OutPoint) -> bool {
        self.outpoints.contains(outpoint)
    }

    /// The watch item an output script pays, if any (see the module docs for the order).
    pub fn owner_of(&self, script: &Script) -> Option<Owner> {
        if let Some(h) = script.p2pkh_hash() {
            if let Some(path) = self.keys.get(&h) {
                return Some(Owner::Key(*path));
            }
            let a = Address::p2pkh(h, self.network);
            if self.addresses.contains(&a) {
                return Some(Owner::Address(a));
            }
        } else if let Some(h) = script.p2sh_hash() {
            let a = Address::p2sh(h, self.network);
            if self.addresses.contains(&a) {
                return Some(Owner::Address(a));
            }
        }
        self.scripts.get(script.as_bytes()).map(|s| Owner::Script(s.clone()))
    }

    /// Records that the key at `path` was paid by a transaction in the block at `height`
    /// (`None`: unconfirmed). When that moves its chain's last used index forward, derives
    /// the new lookahead keys and returns them.
    pub fn mark_used(&mut self, path: &KeyPath, height: Option<u32>) -> Option<LookaheadExtension> {
        let account = self.accounts.get_mut(&path.account)?;
        let new_keys = account.chain_mut(path.chain).mark_used(path.index);
        if new_keys.is_empty() {
            return None;
        }
        for key in &new_keys {
            self.keys.insert(
                key.pubkey_hash,
                KeyPath { account: path.account, chain: path.chain, index: key.index },
            );
        }
        Some(LookaheadExtension {
            account: path.account,
            chain: path.chain,
            used_index: path.index,
            used_at_height: height,
            new_keys,
        })
    }

    /// Every filter element of the watch list, in a fixed order: accounts (external keys,
    /// then internal, by index), addresses, scripts, outpoints. Wallet UTXOs are added by
    /// [`super::Wallet::filter_elements`].
    pub fn filter_elements(&self) -> Vec<FilterElement> {
        let mut out = Vec::new();
        for account in self.accounts.values() {
            for chain in [ChainKind::External, ChainKind::Internal] {
                out.extend(
                    account
                        .chain(chain)
                        .keys()
                        .iter()
                        .map(|k| FilterElement::PubkeyHash(k.pubkey_hash)),
                );
            }
        }
        out.extend(self.addresses.iter().map(FilterElement::for_address));
        for script in self.scripts.values() {
            out.extend(FilterElement::for_script(script));
        }
        out.extend(self.outpoints.iter().copied().map(FilterElement::OutPoint));
        out
    }
}
