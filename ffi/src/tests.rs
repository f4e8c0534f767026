//! The wrappers agree with core, and the literals the Python, Kotlin and Swift suites check
//! are the values core computes.

use std::sync::{Arc, Mutex};

use dashlite::wallet::{self, KeyChain};

use super::*;

/// Trust Wallet's published Dash account key `m/44'/5'/0'` (core's keychain tests).
pub(crate) const TRUST_ACCOUNT_XPUB: &str = "xpub6DRhaBX1cn2rRtbpphQTSLYcR3ABXzQeEYoT44MjbwTanhw1ePtNcYTZNeHyrJMsMGTbig4iFMSvht7RviohzFxkpjURgHDThygLqbZ1tib";
/// Its receiving address 0, as the binding suites expect it.
const TRUST_EXTERNAL_0: &str = "XsJg3pJaoyKEf5jMYTb5wGf3TKp9W3KX5a";
/// Its published change addresses 2 and 9.
const TRUST_INTERNAL_2: &str = "Xh4D3Mv6ikL5iR45bEsCtaR8Ub4jkRLpU2";
const TRUST_INTERNAL_9: &str = "XvwNJsXVBpvAU92xPwU8phT6wKjJVaBMkk";

/// The spending transaction of `vectors/bloom.json` case `bloom_match`.
const SPENDING_TX_HEX: &str = "01000000016bff7fcd4f8565ef406dd5d63d4ff94f318fe82027fd4dc451b04474019f74b4000000008c493046022100da0dc6aecefe1e06efdf05773757deb168820930e3b0d03f46f5fcf150bf990c022100d25b5c87040076e4f253f8262e763e2dd51e7ff0be157727c4bc42807f17bd39014104e6c26ef67dc610d2cd192484789a6cf9aea9930b944b7e2db5342b9d9e5b9ff79aff9a2ee1978dd7fd01dfc522ee02283d3b06a9d03acf8096968d7dbb0f9178ffffffff028ba7940e000000001976a914badeecfdef0507247fc8f74241d73bc039972d7b88ac4094a802000000001976a914c10932483fec93ed51f5fe95e72559f2cc7043f988ac00000000";
const SPENDING_TXID: &str = "e2769b09e784f32f62ef849763d4f45b98e07ba658647343b915ff832b110436";
/// The mainnet address its first output pays.
const SPENDING_TX_OUTPUT_0_ADDRESS: &str = "Xsiva5yR9fk8n7NZnVYoDqdFgWVr5NhJ9u";

/// Mainnet's genesis header and block hash (`vectors/genesis.json`).
const GENESIS_HEADER_HEX: &str = "010000000000000000000000000000000000000000000000000000000000000000000000c762a6567f3cc092f0684bb62b7e00a84890b990f07cc71a6bb58d64b98e02e0022ddb52f0ff0f1ec23fb901";
const GENESIS_HASH: &str = "00000ffd590b1485b3caadc19b22e6379c733355108f107a430458cdf3407ab6";

fn trust_account() -> Arc<Account> {
    let xpub = ExtendedPubKey::parse(TRUST_ACCOUNT_XPUB.into(), Network::Mainnet).unwrap();
    Account::new(xpub).unwrap()
}

#[test]
fn account_addresses_are_the_ones_core_derives_for_the_whole_window_and_beyond() {
    let account = trust_account();
    let core_xpub =
        wallet::ExtendedPubKey::parse(TRUST_ACCOUNT_XPUB, dashlite::Network::Mainnet).unwrap();
    for (kind, core_kind, gap) in [
        (ChainKind::External, wallet::ChainKind::External, 20),
        (ChainKind::Internal, wallet::ChainKind::Internal, 10),
    ] {
        // 30 keys: the window of the default gap limit and keys past it.
        let chain =
            KeyChain::new(core_kind, core_xpub.derive_child(core_kind.index()).unwrap(), 30, None)
                .unwrap();
        let ours = account.addresses(kind, 0, 30).unwrap();
        assert_eq!(ours.len(), 30);
        for (addr, key) in ours.iter().zip(chain.keys()) {
            let expected = wallet::Address::p2pkh(key.pubkey_hash, dashlite::Network::Mainnet);
            assert_eq!(addr.inner(), &expected, "{kind:?} {}", key.index);
        }
        assert_eq!(account.watched_keys(kind).len(), gap);
        assert_eq!(account.gap_limit(kind), gap as u32);
    }
}

#[test]
fn binding_suite_literals_match_core() {
    let account = trust_account();
    assert_eq!(account.address(ChainKind::External, 0).unwrap().to_string(), TRUST_EXTERNAL_0);
    assert_eq!(account.address(ChainKind::Internal, 2).unwrap().to_string(), TRUST_INTERNAL_2);
    assert_eq!(account.address(ChainKind::Internal, 9).unwrap().to_string(), TRUST_INTERNAL_9);

    let tx = Transaction::decode(hex::decode(SPENDING_TX_HEX).unwrap()).unwrap();
    assert_eq!(tx.txid().to_string(), SPENDING_TXID);
    assert_eq!(*tx.txid(), *Txid::parse(SPENDING_TXID.into()).unwrap());
    let out0 = tx.output_address(0, Network::Mainnet).unwrap().unwrap();
    assert_eq!(out0.to_string(), SPENDING_TX_OUTPUT_0_ADDRESS);
    assert_eq!(tx.outputs()[0].value, 0x0e94_a78b);

    let genesis = dashlite::Network::Mainnet.params().genesis_header();
    assert_eq!(hex::encode(genesis.to_array()), GENESIS_HEADER_HEX);
    assert_eq!(genesis.block_hash().to_string(), GENESIS_HASH);
}

#[test]
fn typed_errors_carry_the_core_error_fields() {
    let testnet = "yja4ogCanD6HsEp2nw1KjjhFVBbZvhPz7i";
    match Address::parse(testnet.into(), Network::Mainnet) {
        Err(AddressError::WrongNetwork { expected, actual, version }) => {
            assert_eq!((expected, actual, version), (Network::Mainnet, Network::Testnet, 140));
        }
        other => panic!("expected WrongNetwork, got {other:?}"),
    }
    assert_eq!(
        validate_address("Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34w0".into(), Network::Mainnet),
        Err(AddressError::InvalidCharacter { character: "0".into(), index: 33 })
    );
    assert!(validate_address("Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wh".into(), Network::Mainnet).is_ok());
    assert_eq!(
        Address::from_script_pubkey(vec![0x6a], Network::Mainnet).unwrap_err(),
        AddressError::NonStandardScript
    );

    let xpub = ExtendedPubKey::parse(TRUST_ACCOUNT_XPUB.into(), Network::Mainnet).unwrap();
    assert_eq!(
        xpub.derive_child(0x8000_0000).unwrap_err(),
        Bip32Error::HardenedDerivation { index: 0x8000_0000 }
    );
    assert!(matches!(
        ExtendedPubKey::parse(TRUST_ACCOUNT_XPUB.into(), Network::Testnet),
        Err(Bip32Error::WrongNetwork { expected: Network::Testnet, .. })
    ));
    let chain_key = xpub.derive_child(0).unwrap();
    assert_eq!(
        Account::new(chain_key).unwrap_err(),
        Bip32Error::NotAnAccountKey { depth: 4, child_number: 0 }
    );
    assert_eq!(
        Account::with_gap_limits(xpub.clone(), 0, 10).unwrap_err(),
        Bip32Error::BadGapLimit { gap_limit: 0 }
    );
    assert_eq!(
        trust_account().addresses(ChainKind::External, 0, 1001).unwrap_err(),
        Bip32Error::TooManyAddresses { count: 1001, max: 1000 }
    );

    match Transaction::decode(vec![1, 0, 0, 0, 5]) {
        Err(TransactionError::Malformed { field, reason }) => {
            assert!(!reason.is_empty(), "field {field}");
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
    let tx = Transaction::decode(hex::decode(SPENDING_TX_HEX).unwrap()).unwrap();
    assert_eq!(
        tx.output_address(2, Network::Mainnet).unwrap_err(),
        TransactionError::NoSuchOutput { index: 2, count: 2 }
    );
}

#[test]
fn transaction_round_trips_and_exposes_its_fields() {
    let bytes = hex::decode(SPENDING_TX_HEX).unwrap();
    let tx = Transaction::decode(bytes.clone()).unwrap();
    assert_eq!(tx.encode(), bytes);
    assert_eq!((tx.version(), tx.tx_type(), tx.lock_time()), (1, 0, 0));
    assert!(!tx.is_coinbase() && !tx.is_special());
    let inputs = tx.inputs();
    assert_eq!(inputs.len(), 1);
    assert_eq!(
        inputs[0].previous_txid.to_string(),
        "b4749f017444b051c44dfd2720e88f314ff94f3dd6d56d40ef65854fcd7fff6b"
    );
    assert_eq!(inputs[0].previous_vout, 0);
}

#[test]
fn block_hash_completes_on_a_worker_thread() {
    let header = hex::decode(GENESIS_HEADER_HEX).unwrap();
    assert_eq!(futures::executor::block_on(block_hash(header)).unwrap().to_string(), GENESIS_HASH);
    assert_eq!(
        futures::executor::block_on(block_hash(vec![0; 79])),
        Err(HeaderError::BadLength { length: 79 })
    );
}

#[test]
fn bip44_paths_use_the_network_coin_type() {
    assert_eq!(bip44_account_path(Network::Mainnet, 0), "m/44'/5'/0'");
    assert_eq!(bip44_account_path(Network::Testnet, 3), "m/44'/1'/3'");
}

struct Collect(Mutex<Vec<LogRecord>>);

impl Logger for Collect {
    fn log(&self, record: LogRecord) {
        // Logging from inside the logger must neither deadlock nor recurse.
        log::error!("from inside the logger");
        self.0.lock().unwrap().push(record);
    }
}

/// One test: the logger is process-wide state.
#[test]
fn logger_receives_records_at_or_above_its_level_until_cleared() {
    let first = Arc::new(Collect(Mutex::new(Vec::new())));
    set_logger(first.clone(), LogLevel::Debug).unwrap();
    let _ = Transaction::decode(vec![0xff]);
    {
        let records = first.0.lock().unwrap();
        assert_eq!(records.len(), 2, "{records:?}");
        assert_eq!(records[0].level, LogLevel::Info);
        assert!(records[0].message.contains("logging at Debug"), "{}", records[0].message);
        assert_eq!(records[1].level, LogLevel::Debug);
        assert_eq!(records[1].target, "dashlite_ffi::tx");
        assert!(records[1].message.contains("rejected a 1-byte transaction"));
        assert!(records[1].file.as_deref().unwrap().ends_with("tx.rs"));
        assert!(records[1].line.is_some());
    }

    // A second logger replaces the first; Warn filters out the Info and Debug records.
    let second = Arc::new(Collect(Mutex::new(Vec::new())));
    set_logger(second.clone(), LogLevel::Warn).unwrap();
    let _ = Transaction::decode(vec![0xff]);
    log::warn!("a warning");
    assert_eq!(first.0.lock().unwrap().len(), 2);
    let messages: Vec<_> = second.0.lock().unwrap().iter().map(|r| r.message.clone()).collect();
    assert_eq!(messages, ["a warning"]);

    clear_logger();
    log::error!("after clear");
    assert_eq!(second.0.lock().unwrap().len(), 1);
    // The forwarder released its references.
    assert_eq!(Arc::strong_count(&second), 1);
}
