//! Spending: own UTXOs, fees, double spends, watched outpoints.

use super::*;
use crate::wallet::{FilterElement, TxStatus, WalletEvent};

/// A wallet holding one confirmed 5 DASH output on external key 0; returns its outpoint.
fn funded_wallet() -> (Wallet, OutPoint) {
    let mut wallet = account_wallet();
    let pay = payment(1, &[(key_script(false, 0), 5 * COIN)]);
    wallet.process_transaction(&pay, Some(block(100, 0))).unwrap();
    (wallet, OutPoint::new(pay.txid(), 0))
}

#[test]
fn spending_an_own_utxo_moves_the_balance_through_unconfirmed_to_confirmed() {
    let (mut wallet, coin) = funded_wallet();
    let fee = 10_000;
    let spend =
        tx(&[coin], &[(foreign_script(7), 2 * COIN), (key_script(true, 0), 3 * COIN - fee)]);
    let change = wallet.process_transaction(&spend, None).unwrap();
    let txid = spend.txid();
    assert_eq!(
        change.events[0],
        WalletEvent::NewTransaction {
            txid,
            status: TxStatus::Unconfirmed,
            net_amount: -2 * COIN - fee
        }
    );
    assert_eq!(wallet.fee(&txid), Some(fee));
    assert_eq!(wallet.spent_by(&coin), Some(txid));
    let b = wallet.balance();
    assert_eq!(
        (b.confirmed, b.unconfirmed_outgoing, b.unconfirmed_incoming),
        (5 * COIN, 5 * COIN, 3 * COIN - fee)
    );
    assert_eq!(b.total(), 3 * COIN - fee);
    // An unconfirmed spend never hides a confirmed coin: it stays among the outputs the
    // balance counts, marked as spent by the pending transaction, and leaves the spendable
    // ones, where the change is.
    let utxos = wallet.utxos();
    let listed: Vec<_> = utxos.iter().map(|u| (u.outpoint, u.height, u.pending_spend)).collect();
    assert_eq!(listed, [(coin, Some(100), Some(txid)), (OutPoint::new(txid, 1), None, None)]);
    assert_eq!(utxos.iter().map(|u| u.value).sum::<i64>(), b.confirmed + b.unconfirmed_incoming);
    let spendable = wallet.spendable_utxos();
    assert_eq!(spendable.len(), 1);
    assert_eq!(spendable[0].outpoint, OutPoint::new(txid, 1));
    assert_eq!(spendable[0].height, None);
    assert_eq!(spendable.iter().map(|u| u.value).sum::<i64>(), b.total());
    // The spent coin stays in the filter until a block confirms its spend.
    assert!(wallet.filter_elements().contains(&FilterElement::OutPoint(coin)));

    wallet.process_transaction(&spend, Some(block(101, 0))).unwrap();
    let b = wallet.balance();
    assert_eq!(
        (b.confirmed, b.unconfirmed_outgoing, b.unconfirmed_incoming),
        (3 * COIN - fee, 0, 0)
    );
    assert!(!wallet.filter_elements().contains(&FilterElement::OutPoint(coin)));
}

#[test]
fn a_spend_is_relevant_even_without_change() {
    let (mut wallet, coin) = funded_wallet();
    let spend = tx(&[coin], &[(foreign_script(7), 5 * COIN - 1_000)]);
    let change = wallet.process_transaction(&spend, Some(block(102, 0))).unwrap();
    assert!(
        matches!(change.events[0], WalletEvent::NewTransaction { net_amount, .. } if net_amount == -5 * COIN)
    );
    assert_eq!(wallet.balance(), Default::default());
    assert!(wallet.utxos().is_empty());
}

#[test]
fn later_unconfirmed_double_spend_loses_until_a_block_says_otherwise() {
    let (mut wallet, coin) = funded_wallet();
    let first = tx(&[coin], &[(key_script(true, 0), 5 * COIN - 1_000)]);
    let second = tx(&[coin], &[(foreign_script(3), 5 * COIN - 2_000)]);
    // A child of `first`, spending its change.
    let child = tx(&[OutPoint::new(first.txid(), 0)], &[(key_script(true, 1), 5 * COIN - 3_000)]);
    wallet.process_transaction(&first, None).unwrap();
    wallet.process_transaction(&child, None).unwrap();
    let change = wallet.process_transaction(&second, None).unwrap();
    assert_eq!(
        change.events[0],
        WalletEvent::NewTransaction {
            txid: second.txid(),
            status: TxStatus::Conflicted { by: first.txid() },
            net_amount: -5 * COIN
        }
    );
    assert_eq!(wallet.spent_by(&coin), Some(first.txid()));
    assert_eq!(wallet.balance().total(), 5 * COIN - 3_000);

    // A block proves `second`: it wins, `first` and its child are conflicted.
    let change = wallet.process_transaction(&second, Some(block(101, 0))).unwrap();
    assert!(change
        .events
        .contains(&WalletEvent::Conflicted { txid: first.txid(), by: second.txid() }));
    assert!(change
        .events
        .contains(&WalletEvent::Conflicted { txid: child.txid(), by: second.txid() }));
    assert_eq!(
        wallet.transaction(&second.txid()).unwrap().status,
        TxStatus::Confirmed(block(101, 0))
    );
    assert_eq!(wallet.spent_by(&coin), Some(second.txid()));
    assert_eq!(wallet.balance(), Default::default());
    assert!(wallet.utxos().is_empty());
    // All three stay listed.
    assert_eq!(wallet.transactions().len(), 4);
    // Whatever spends the child's output can never confirm either.
    let grandchild = tx(&[OutPoint::new(child.txid(), 0)], &[(key_script(true, 2), COIN)]);
    let change = wallet.process_transaction(&grandchild, None).unwrap();
    assert!(matches!(
        change.events[0],
        WalletEvent::NewTransaction { status: TxStatus::Conflicted { by }, .. } if by == second.txid()
    ));
    assert_eq!(wallet.balance(), Default::default());
}

#[test]
fn confirmed_double_spend_conflicts_the_unconfirmed_one_on_arrival() {
    let (mut wallet, coin) = funded_wallet();
    let mine = tx(&[coin], &[(key_script(true, 0), 5 * COIN - 1_000)]);
    let theirs = tx(&[coin], &[(foreign_script(3), 5 * COIN - 2_000)]);
    wallet.process_transaction(&mine, None).unwrap();
    let change = wallet.process_transaction(&theirs, Some(block(101, 0))).unwrap();
    assert_eq!(change.events[1], WalletEvent::Conflicted { txid: mine.txid(), by: theirs.txid() });
    assert_eq!(wallet.balance().total(), 0);
}

#[test]
fn spend_of_a_watched_outpoint_is_reported() {
    let watched = OutPoint::new(crate::hash::Txid::from_byte_array([0x42; 32]), 3);
    let mut watch = WatchList::new(Network::Regtest);
    assert_eq!(watch.add_outpoint(watched), vec![FilterElement::OutPoint(watched)]);
    let mut wallet = Wallet::new(watch);
    assert_eq!(wallet.filter_elements(), vec![FilterElement::OutPoint(watched)]);
    let spend = tx(&[watched], &[(foreign_script(1), COIN)]);
    let change = wallet.process_transaction(&spend, Some(block(12, 0))).unwrap();
    assert_eq!(
        change.events,
        vec![WalletEvent::NewTransaction {
            txid: spend.txid(),
            status: TxStatus::Confirmed(block(12, 0)),
            net_amount: 0
        }]
    );
    assert_eq!(wallet.transaction(&spend.txid()).unwrap().spent_watched, vec![watched]);
    assert_eq!(wallet.spent_by(&watched), Some(spend.txid()));
    // The funding transaction is unknown, so the fee is too.
    assert_eq!(wallet.fee(&spend.txid()), None);
}
