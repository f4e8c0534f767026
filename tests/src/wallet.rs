//! The test wallet: one watch-only BIP44 account whose keys the test chains pay.

use dashlite::network::Network;
use dashlite::tx::Script;
use dashlite::wallet::{Address, ChainKind, ExtendedPubKey};

/// The watched account (m/44'/5'/0' of a test seed), serialised as a mainnet xpub and used on
/// regtest.
pub const ACCOUNT_XPUB: &str = "xpub6DRhaBX1cn2rRtbpphQTSLYcR3ABXzQeEYoT44MjbwTanhw1ePtNcYTZNeHyrJMsMGTbig4iFMSvht7RviohzFxkpjURgHDThygLqbZ1tib";

/// The watched account's extended public key, on regtest.
pub fn account() -> ExtendedPubKey {
    let mut xpub = ExtendedPubKey::parse(ACCOUNT_XPUB, Network::Mainnet)
        .expect("ACCOUNT_XPUB is a valid xpub");
    xpub.network = Network::Regtest;
    xpub
}

/// The P2PKH script of the account's external key `index` (path 0/index).
pub fn key_script(index: u32) -> Script {
    chain_key_script(ChainKind::External, index)
}

/// The P2PKH script of key `index` of the account's `chain` (external or change).
pub fn chain_key_script(chain: ChainKind, index: u32) -> Script {
    let key = account().derive_path(&[chain.index(), index]).expect("non-hardened derivation");
    Address::from_pubkey(&key.public_key_bytes(), Network::Regtest).script_pubkey()
}
