//! Receiving: external keys, the lookahead, change, P2PK and P2SH items, irrelevant traffic.

use super::*;
use crate::wallet::{ChainKind, FilterElement, KeyPath, Owner, TxStatus, WalletEvent};

fn key_hash(script: &Script) -> [u8; 20] {
    script.p2pkh_hash().unwrap()
}

#[test]
fn payment_to_an_external_address_is_a_new_confirmed_transaction_with_its_utxo() {
    let mut wallet = account_wallet();
    let pay = payment(1, &[(key_script(false, 0), 5 * COIN), (foreign_script(9), COIN)]);
    let change = wallet.process_transaction(&pay, Some(block(100, 0))).expect("relevant");
    let txid = pay.txid();
    assert_eq!(
        change.events[0],
        WalletEvent::NewTransaction {
            txid,
            status: TxStatus::Confirmed(block(100, 0)),
            net_amount: 5 * COIN
        }
    );
    let utxos = wallet.utxos();
    assert_eq!(utxos.len(), 1);
    assert_eq!(utxos[0].outpoint, OutPoint::new(txid, 0));
    assert_eq!(utxos[0].value, 5 * COIN);
    assert_eq!(utxos[0].height, Some(100));
    let Owner::Key(KeyPath { chain, index, .. }) = utxos[0].owner else { panic!("paid a key") };
    assert_eq!((chain, index), (ChainKind::External, 0));
    assert_eq!(wallet.balance().confirmed, 5 * COIN);
    assert_eq!(wallet.balance().total(), 5 * COIN);
    // Using key 0 slides the window by one: key 20 is new, and so is the UTXO's outpoint.
    assert!(change
        .new_filter_elements
        .contains(&FilterElement::PubkeyHash(key_hash(&key_script(false, 20)))));
    assert!(change.new_filter_elements.contains(&FilterElement::OutPoint(OutPoint::new(txid, 0))));
    assert_eq!(change.rescan_from_height, Some(100));
    assert!(wallet.filter_elements().contains(&FilterElement::OutPoint(OutPoint::new(txid, 0))));
}

#[test]
fn payment_beyond_the_window_is_found_once_an_earlier_key_extends_the_lookahead() {
    let mut wallet = account_wallet();
    // Key 25 is outside the initial window 0..20: the wallet cannot see it yet.
    let far = payment(1, &[(key_script(false, 25), 2 * COIN)]);
    assert_eq!(wallet.process_transaction(&far, Some(block(105, 0))), None);
    assert!(!wallet
        .filter_elements()
        .contains(&FilterElement::PubkeyHash(key_hash(&key_script(false, 25)))));

    // A payment to key 10 at height 100 moves the window to 0..31.
    let near = payment(2, &[(key_script(false, 10), COIN)]);
    let change = wallet.process_transaction(&near, Some(block(100, 0))).unwrap();
    let new_keys: Vec<[u8; 20]> = (20..31).map(|i| key_hash(&key_script(false, i))).collect();
    for h in &new_keys {
        assert!(change.new_filter_elements.contains(&FilterElement::PubkeyHash(*h)));
    }
    let Some(WalletEvent::KeysDerived(ext)) =
        change.events.iter().find(|e| matches!(e, WalletEvent::KeysDerived(_)))
    else {
        panic!("lookahead extended")
    };
    assert_eq!(
        (ext.chain, ext.used_index, ext.used_at_height),
        (ChainKind::External, 10, Some(100))
    );
    assert_eq!(
        ext.new_keys.iter().map(|k| k.index).collect::<Vec<_>>(),
        (20..31).collect::<Vec<_>>()
    );
    // Blocks from 100 on were fetched with the old filter: the sync engine fetches them again.
    assert_eq!(change.rescan_from_height, Some(100));

    // The re-fetched block 105 now yields the payment to key 25, which extends again.
    let change = wallet.process_transaction(&far, Some(block(105, 0))).unwrap();
    assert!(
        matches!(change.events[0], WalletEvent::NewTransaction { net_amount, .. } if net_amount == 2 * COIN)
    );
    let account = wallet.watch_list().accounts().next().unwrap();
    assert_eq!(account.chain(ChainKind::External).last_used(), Some(25));
    assert_eq!(account.chain(ChainKind::External).window_end(), 46);
    assert_eq!(wallet.balance().confirmed, 3 * COIN);
}

#[test]
fn one_transaction_paying_inside_and_beyond_the_window_is_claimed_whole() {
    let mut wallet = account_wallet();
    // Key 19 is the last of the window; paying it derives 20..40, which covers key 35.
    let pay = payment(1, &[(key_script(false, 35), COIN), (key_script(false, 19), COIN)]);
    let change = wallet.process_transaction(&pay, None).unwrap();
    assert_eq!(wallet.transaction(&pay.txid()).unwrap().owned_outputs.len(), 2);
    assert_eq!(wallet.balance().unconfirmed_incoming, 2 * COIN);
    let derived = change.events.iter().filter(|e| matches!(e, WalletEvent::KeysDerived(_))).count();
    assert_eq!(derived, 2, "window extended for key 19, then again for key 35");
    // Unconfirmed: nothing to fetch again.
    assert_eq!(change.rescan_from_height, None);
}

#[test]
fn change_to_the_internal_chain_is_the_wallets_and_extends_that_chain() {
    let mut wallet = account_wallet();
    let pay = payment(1, &[(key_script(true, 3), COIN)]);
    let change = wallet.process_transaction(&pay, Some(block(7, 0))).unwrap();
    let Owner::Key(path) = &wallet.utxos()[0].owner else { panic!("paid a key") };
    assert_eq!((path.chain, path.index), (ChainKind::Internal, 3));
    let account = wallet.watch_list().accounts().next().unwrap();
    assert_eq!(account.chain(ChainKind::Internal).window_end(), 14);
    assert_eq!(account.chain(ChainKind::External).window_end(), 20);
    let new: Vec<_> = change
        .new_filter_elements
        .iter()
        .filter(|e| matches!(e, FilterElement::PubkeyHash(_)))
        .collect();
    assert_eq!(new.len(), 4, "internal keys 10..14");
}

#[test]
fn unrelated_transactions_are_ignored() {
    let mut wallet = account_wallet();
    let other = payment(1, &[(foreign_script(1), COIN)]);
    assert_eq!(wallet.process_transaction(&other, Some(block(3, 0))), None);
    assert!(wallet.transactions().is_empty());
}

#[test]
fn watched_p2pk_script_is_found_by_its_key_and_nothing_else() {
    let pubkey = ExtendedPubKey::parse(ACCOUNT_XPUB, Network::Mainnet).unwrap().public_key_bytes();
    let p2pk = Script::new([vec![33], pubkey.to_vec(), vec![0xac]].concat());
    let mut watch = WatchList::new(Network::Mainnet);
    assert_eq!(watch.add_script(p2pk.clone()), vec![FilterElement::P2pkPubkey(pubkey.to_vec())]);
    let mut wallet = Wallet::new(watch);
    let pay = payment(1, &[(p2pk.clone(), 3 * COIN)]);
    wallet.process_transaction(&pay, Some(block(50, 0))).unwrap();
    assert_eq!(wallet.utxos()[0].owner, Owner::Script(p2pk));
    // A P2PKH payment to the same key is not this item.
    let p2pkh =
        payment(2, &[(Address::from_pubkey(&pubkey, Network::Mainnet).script_pubkey(), COIN)]);
    assert_eq!(wallet.process_transaction(&p2pkh, Some(block(51, 0))), None);
    assert_eq!(wallet.balance().confirmed, 3 * COIN);
}

#[test]
fn watched_p2sh_address_is_found_by_its_script_hash() {
    let addr = Address::p2sh([0x5a; 20], Network::Testnet);
    let mut watch = WatchList::new(Network::Testnet);
    assert_eq!(watch.add_address(addr).unwrap(), vec![FilterElement::ScriptHash([0x5a; 20])]);
    assert_eq!(watch.add_address(addr).unwrap(), vec![], "already watched");
    let mut wallet = Wallet::new(watch);
    let pay = payment(1, &[(foreign_script(1), COIN), (addr.script_pubkey(), 4 * COIN)]);
    let change = wallet.process_transaction(&pay, Some(block(9, 0))).unwrap();
    assert_eq!(
        change.new_filter_elements,
        vec![FilterElement::OutPoint(OutPoint::new(pay.txid(), 1))]
    );
    assert_eq!(wallet.utxos()[0].owner, Owner::Address(addr));
    assert_eq!(wallet.balance().confirmed, 4 * COIN);
    // A P2PKH output with the same 20 bytes is a different destination.
    let p2pkh = payment(2, &[(Address::p2pkh([0x5a; 20], Network::Testnet).script_pubkey(), COIN)]);
    assert_eq!(wallet.process_transaction(&p2pkh, None), None);
}

#[test]
fn items_of_another_network_are_refused() {
    let mut watch = WatchList::new(Network::Testnet);
    assert!(watch.add_address(Address::p2pkh([1; 20], Network::Mainnet)).is_err());
    let xpub = ExtendedPubKey::parse(ACCOUNT_XPUB, Network::Mainnet).unwrap();
    assert!(watch.add_account(xpub, GapLimits::default()).is_err());
}

#[test]
fn output_to_a_key_derived_after_the_tx_was_first_seen_is_claimed_when_it_confirms() {
    // A transaction paying keys 3 and 25 is first seen unconfirmed: key 3 opens the window
    // up to key 23, so key 25 is not ours yet. A payment to key 5 in the block that confirms
    // both opens it up to key 25: the first transaction's output to key 25 is ours too.
    let mut wallet = account_wallet();
    let early = payment(1, &[(key_script(false, 25), 2 * COIN), (key_script(false, 3), COIN)]);
    wallet.process_transaction(&early, None).expect("pays key 3");
    assert_eq!(wallet.balance().total(), COIN, "key 25 is not in the window yet");
    let opener = payment(2, &[(key_script(false, 5), COIN)]);
    wallet.process_transaction(&opener, Some(block(100, 0))).expect("pays key 5");
    let change = wallet.process_transaction(&early, Some(block(100, 0))).expect("confirms");
    assert!(change
        .new_filter_elements
        .contains(&FilterElement::OutPoint(OutPoint::new(early.txid(), 0))));
    assert_eq!(wallet.balance().confirmed, 4 * COIN);
    let owned: Vec<u32> =
        wallet.transaction(&early.txid()).unwrap().owned_outputs.iter().map(|o| o.vout).collect();
    assert_eq!(owned, vec![0, 1]);
}
