//! Wallet tests, named for the behaviour they check.

mod address;
mod receive;
mod reorg;
mod session;
mod spend;
mod tip;

use crate::hash::{BlockHash, Txid};
use crate::network::Network;
use crate::tx::{OutPoint, Script, Transaction, TxIn, TxOut};
use crate::wallet::{Address, BlockRef, ExtendedPubKey, GapLimits, Wallet, WatchList};

/// One DASH in duffs.
pub(super) const COIN: i64 = 100_000_000;

/// A mainnet BIP44 account key (m/44'/5'/0') published in Trust Wallet wallet-core's Dash
/// tests.
pub(super) const ACCOUNT_XPUB: &str = "xpub6DRhaBX1cn2rRtbpphQTSLYcR3ABXzQeEYoT44MjbwTanhw1ePtNcYTZNeHyrJMsMGTbig4iFMSvht7RviohzFxkpjURgHDThygLqbZ1tib";

pub(super) fn vectors(name: &str) -> serde_json::Value {
    let path = format!("{}/../../shared/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("shared test vectors missing: {path}: {e}"));
    serde_json::from_str(&text).expect("vector file is JSON")
}

/// A wallet watching the account with default gap limits (external 20, internal 10).
pub(super) fn account_wallet() -> Wallet {
    let mut watch = WatchList::new(Network::Mainnet);
    let xpub = ExtendedPubKey::parse(ACCOUNT_XPUB, Network::Mainnet).unwrap();
    watch.add_account(xpub, GapLimits::default()).unwrap();
    Wallet::new(watch)
}

/// The P2PKH script of derived key `index` of the account's chain (derived directly from the
/// xpub, independently of the wallet's window).
pub(super) fn key_script(internal: bool, index: u32) -> Script {
    let xpub = ExtendedPubKey::parse(ACCOUNT_XPUB, Network::Mainnet).unwrap();
    let key = xpub.derive_path(&[u32::from(internal), index]).unwrap();
    Address::p2pkh(key.identifier(), Network::Mainnet).script_pubkey()
}

/// A script paying someone else.
pub(super) fn foreign_script(tag: u8) -> Script {
    Address::p2pkh([tag; 20], Network::Mainnet).script_pubkey()
}

/// A transaction spending `inputs` into `outputs`.
pub(super) fn tx(inputs: &[OutPoint], outputs: &[(Script, i64)]) -> Transaction {
    Transaction {
        version: 2,
        tx_type: 0,
        inputs: inputs
            .iter()
            .map(|o| TxIn {
                previous_output: *o,
                script_sig: Script::new(vec![0x51]),
                sequence: u32::MAX,
            })
            .collect(),
        outputs: outputs
            .iter()
            .map(|(s, v)| TxOut { value: *v, script_pubkey: s.clone() })
            .collect(),
        lock_time: 0,
        extra_payload: None,
    }
}

/// A payment from outside the wallet: spends an outpoint of a foreign transaction `tag`.
pub(super) fn payment(tag: u8, outputs: &[(Script, i64)]) -> Transaction {
    tx(&[OutPoint::new(Txid::from_byte_array([tag; 32]), 0)], outputs)
}

/// A block reference at `height` on branch `branch` (distinct hashes per branch).
pub(super) fn block(height: u32, branch: u8) -> BlockRef {
    let mut hash = [branch; 32];
    hash[..4].copy_from_slice(&height.to_le_bytes());
    BlockRef { height, hash: BlockHash::from_byte_array(hash), time: None }
}
