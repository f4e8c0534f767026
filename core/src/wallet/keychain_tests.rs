//! Dash BIP44 cross-checks against published vectors, and the lookahead window.

use super::*;
use crate::wallet::Address;

/// Trust Wallet wallet-core's Dash tests (`DashTests.swift`, `testDeriveFromXPub`): the
/// account key m/44'/5'/0' of their test wallet and two of its change addresses.
const TRUST_ACCOUNT_XPUB: &str = "xpub6DRhaBX1cn2rRtbpphQTSLYcR3ABXzQeEYoT44MjbwTanhw1ePtNcYTZNeHyrJMsMGTbig4iFMSvht7RviohzFxkpjURgHDThygLqbZ1tib";

/// dashhive/DashHD.js fixtures ("zoo … wrong" / "TREZOR"): the chain keys m/44'/5'/0'/0 and
/// m/44'/5'/0'/1 and their first three addresses.
const DASHHD_EXTERNAL_XPUB: &str = "xpub6FKUF6P1ULrfvSrhA9DKSS3MA3digsd27MSTMjBxCczsfYz7vcFLnbQwjP9CsAfEJsnD4UwtbU43iZaibv4vnzQNZmQAVcufN4r3pva8kTz";
const DASHHD_EXTERNAL_ADDRS: [&str; 3] = [
    "XrZJJfEKRNobcuwWKTD3bDu8ou7XSWPbc9",
    "Xi1KPmjEEoKcg946H9bamEHjBXsdZ56Waf",
    "XjUv27YWGuorb1iecPanCaZZdtrWNqCPcK",
];
const DASHHD_INTERNAL_XPUB: &str = "xpub6FKUF6P1ULrfzHvQhXP1fvgrw9Aymn53PQNKuvLMNYVHoAu2h8JeeDpQ13JgiTJKqbAnoWrLDoc8JmV3aPx1MXCPKScQjaKSxmYjHHQAVwh";
const DASHHD_INTERNAL_ADDRS: [&str; 3] = [
    "Xds2wYyvkUphi8jXLi2HQXrMx5HsbytFGo",
    "XxDp8WSJH9Xs1QQ4Ra3V8YMQznoMeDEEzX",
    "XppXpij3JhqSmVWfoWTCNXw24xNpfGYbyW",
];

fn mainnet_xpub(s: &str) -> ExtendedPubKey {
    ExtendedPubKey::parse(s, Network::Mainnet).unwrap()
}

fn address_of(key: &DerivedKey) -> String {
    Address::p2pkh(key.pubkey_hash, Network::Mainnet).to_string()
}

#[test]
fn account_xpub_derives_trust_wallets_published_dash_change_addresses() {
    let account = Account::new(mainnet_xpub(TRUST_ACCOUNT_XPUB), GapLimits::default()).unwrap();
    let change = account.chain(ChainKind::Internal);
    assert_eq!(address_of(change.key(2).unwrap()), "Xh4D3Mv6ikL5iR45bEsCtaR8Ub4jkRLpU2");
    assert_eq!(address_of(change.key(9).unwrap()), "XvwNJsXVBpvAU92xPwU8phT6wKjJVaBMkk");
}

#[test]
fn chain_xpubs_derive_dashhd_published_addresses_on_both_chains() {
    for (xpub, kind, addrs) in [
        (DASHHD_EXTERNAL_XPUB, ChainKind::External, DASHHD_EXTERNAL_ADDRS),
        (DASHHD_INTERNAL_XPUB, ChainKind::Internal, DASHHD_INTERNAL_ADDRS),
    ] {
        let chain = KeyChain::new(kind, mainnet_xpub(xpub), 3, None).unwrap();
        let got: Vec<String> = chain.keys().iter().map(address_of).collect();
        assert_eq!(got, addrs);
        assert_eq!(mainnet_xpub(xpub).child_number, kind.index());
    }
    // Both chains are children of the same account key.
    assert_eq!(
        mainnet_xpub(DASHHD_EXTERNAL_XPUB).parent_fingerprint,
        mainnet_xpub(DASHHD_INTERNAL_XPUB).parent_fingerprint
    );
}

#[test]
fn bip44_account_path_uses_coin_type_5_on_mainnet_and_1_elsewhere() {
    assert_eq!(
        bip44_account_path(Network::Mainnet, 2),
        [HARDENED + 44, HARDENED + 5, HARDENED + 2]
    );
    for n in [Network::Testnet, Network::Devnet, Network::Regtest] {
        assert_eq!(bip44_account_path(n, 0), [HARDENED + 44, HARDENED + 1, HARDENED]);
    }
}

#[test]
fn fresh_chain_derives_gap_limit_keys_and_using_one_slides_the_window() {
    let mut chain =
        KeyChain::new(ChainKind::External, mainnet_xpub(DASHHD_EXTERNAL_XPUB), 20, None).unwrap();
    assert_eq!(chain.keys().len(), 20);
    assert_eq!(chain.next_unused(), 0);
    let new = chain.mark_used(5);
    assert_eq!(new.iter().map(|k| k.index).collect::<Vec<_>>(), (20..26).collect::<Vec<_>>());
    assert_eq!(chain.window_end(), 26);
    assert_eq!(chain.next_unused(), 6);
    // Using an earlier key changes nothing.
    assert!(chain.mark_used(3).is_empty());
    assert!(chain.mark_used(5).is_empty());
    assert_eq!(chain.last_used(), Some(5));
    // A restored chain derives exactly the same window.
    let restored =
        KeyChain::new(ChainKind::External, mainnet_xpub(DASHHD_EXTERNAL_XPUB), 20, Some(5))
            .unwrap();
    assert_eq!(restored, chain);
}

#[test]
fn only_account_level_keys_with_sane_gap_limits_are_accepted() {
    let chain_key = mainnet_xpub(DASHHD_EXTERNAL_XPUB);
    assert_eq!(
        Account::new(chain_key, GapLimits::default()),
        Err(AccountError::NotAnAccountKey { depth: 4, child_number: 0 })
    );
    let account = mainnet_xpub(TRUST_ACCOUNT_XPUB);
    assert_eq!(
        Account::new(account, GapLimits { external: 0, internal: 10 }),
        Err(AccountError::BadGapLimit(0))
    );
    assert_eq!(
        Account::new(account, GapLimits { external: 20, internal: MAX_GAP_LIMIT + 1 }),
        Err(AccountError::BadGapLimit(MAX_GAP_LIMIT + 1))
    );
    let a = Account::new(account, GapLimits::default()).unwrap();
    assert_eq!(a.chain(ChainKind::External).keys().len(), 20);
    assert_eq!(a.chain(ChainKind::Internal).keys().len(), 10);
    assert_eq!(a.id(), AccountId(account.identifier()));
}
