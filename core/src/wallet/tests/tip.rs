//! The chain moving under the wallet: confirmations, reorgs, duplicates, restore.

use super::*;
use crate::wallet::{TxStatus, WalletEvent};

#[test]
fn confirmations_follow_the_tip_and_are_reported_up_to_six() {
    let mut wallet = account_wallet();
    let pay = payment(1, &[(key_script(false, 0), COIN)]);
    let txid = pay.txid();
    wallet.process_transaction(&pay, Some(block(100, 0))).unwrap();
    // Before the tip reaches the block, the block counts as the tip.
    assert_eq!(wallet.confirmations(&txid), Some(1));
    assert_eq!(wallet.set_tip(100), vec![]);
    assert_eq!(
        wallet.set_tip(101),
        vec![WalletEvent::ConfirmationChanged { txid, confirmations: 2 }]
    );
    assert_eq!(
        wallet.set_tip(105),
        vec![WalletEvent::ConfirmationChanged { txid, confirmations: 6 }]
    );
    assert_eq!(wallet.set_tip(106), vec![], "beyond the event depth");
    assert_eq!(wallet.confirmations(&txid), Some(7));
    wallet.set_confirmation_event_depth(100);
    assert_eq!(
        wallet.set_tip(110),
        vec![WalletEvent::ConfirmationChanged { txid, confirmations: 11 }]
    );
}

#[test]
fn unconfirmed_transactions_have_no_confirmations() {
    let mut wallet = account_wallet();
    let pay = payment(1, &[(key_script(false, 0), COIN)]);
    wallet.process_transaction(&pay, None).unwrap();
    assert_eq!(wallet.set_tip(500), vec![]);
    assert_eq!(wallet.confirmations(&pay.txid()), Some(0));
}

#[test]
fn reorg_moves_transactions_back_to_unconfirmed_and_they_confirm_again() {
    let mut wallet = account_wallet();
    let early = payment(1, &[(key_script(false, 0), COIN)]);
    let late = payment(2, &[(key_script(false, 1), 2 * COIN)]);
    wallet.process_transaction(&early, Some(block(100, 0))).unwrap();
    wallet.process_transaction(&late, Some(block(102, 0))).unwrap();
    wallet.set_tip(103);

    let events = wallet.disconnect_blocks(101);
    assert_eq!(events, vec![WalletEvent::Reorged { txid: late.txid(), from: block(102, 0) }]);
    assert_eq!(wallet.tip(), 100);
    assert_eq!(wallet.transaction(&late.txid()).unwrap().status, TxStatus::Unconfirmed);
    assert_eq!(
        wallet.transaction(&early.txid()).unwrap().status,
        TxStatus::Confirmed(block(100, 0))
    );
    let b = wallet.balance();
    assert_eq!((b.confirmed, b.unconfirmed_incoming), (COIN, 2 * COIN));

    // The new branch holds `late` at height 101.
    let change = wallet.process_transaction(&late, Some(block(101, 1))).unwrap();
    assert_eq!(
        change.events,
        vec![WalletEvent::Confirmed { txid: late.txid(), block: block(101, 1) }]
    );
    assert_eq!(
        wallet.set_tip(104),
        vec![
            WalletEvent::ConfirmationChanged { txid: early.txid(), confirmations: 5 },
            WalletEvent::ConfirmationChanged { txid: late.txid(), confirmations: 4 },
        ]
    );
    assert_eq!(wallet.balance().confirmed, 3 * COIN);
}

#[test]
fn a_block_the_caller_did_not_disconnect_is_replaced_by_the_newer_one() {
    let mut wallet = account_wallet();
    let pay = payment(1, &[(key_script(false, 0), COIN)]);
    wallet.process_transaction(&pay, Some(block(100, 0))).unwrap();
    let change = wallet.process_transaction(&pay, Some(block(100, 1))).unwrap();
    assert_eq!(
        change.events,
        vec![
            WalletEvent::Reorged { txid: pay.txid(), from: block(100, 0) },
            WalletEvent::Confirmed { txid: pay.txid(), block: block(100, 1) },
        ]
    );
}

#[test]
fn processing_the_same_transaction_again_changes_nothing() {
    let mut wallet = account_wallet();
    let pay = payment(1, &[(key_script(false, 0), COIN)]);
    wallet.process_transaction(&pay, None).unwrap();
    let elements = wallet.filter_elements();
    assert_eq!(wallet.process_transaction(&pay, None), None);
    wallet.process_transaction(&pay, Some(block(100, 0))).unwrap();
    assert_eq!(wallet.process_transaction(&pay, Some(block(100, 0))), None);
    // A later relay (mempool, inv) of a confirmed transaction does not unconfirm it.
    assert_eq!(wallet.process_transaction(&pay, None), None);
    assert_eq!(wallet.transactions().len(), 1);
    assert_eq!(wallet.transaction(&pay.txid()).unwrap().seen, 0);
    assert_eq!(wallet.balance().confirmed, COIN);
    assert_eq!(wallet.filter_elements(), elements);
}

#[test]
fn a_wallet_restored_from_its_records_is_the_same_wallet() {
    let mut wallet = account_wallet();
    let pay = payment(1, &[(key_script(false, 4), 5 * COIN)]);
    wallet.process_transaction(&pay, Some(block(100, 0))).unwrap();
    let spend = tx(&[OutPoint::new(pay.txid(), 0)], &[(key_script(true, 0), 4 * COIN)]);
    wallet.process_transaction(&spend, None).unwrap();
    wallet.set_tip(104);

    // What a store keeps: the account with its used indexes, the transactions, the tip.
    let account = wallet.watch_list().accounts().next().unwrap();
    let (ext, int) = (
        account.chain(crate::wallet::ChainKind::External).last_used(),
        account.chain(crate::wallet::ChainKind::Internal).last_used(),
    );
    assert_eq!((ext, int), (Some(4), Some(0)));
    let restored_account =
        crate::wallet::Account::restore(*account.xpub(), GapLimits::default(), ext, int).unwrap();
    let mut watch = WatchList::new(Network::Mainnet);
    watch.insert_account(restored_account).unwrap();
    let records: Vec<_> = wallet.transactions().into_iter().cloned().collect();
    let mut restored = Wallet::from_parts(watch, records, wallet.tip());

    assert_eq!(restored.balance(), wallet.balance());
    assert_eq!(restored.utxos(), wallet.utxos());
    assert_eq!(restored.filter_elements(), wallet.filter_elements());
    // It carries on identically.
    let next = payment(2, &[(key_script(false, 24), COIN)]);
    assert_eq!(
        restored.process_transaction(&next, Some(block(105, 0))),
        wallet.process_transaction(&next, Some(block(105, 0)))
    );
}
