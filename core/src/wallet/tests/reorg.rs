//! Reorgs that take away a coinbase: the coinbase and what spends it are abandoned.

use super::*;
use crate::wallet::{TxStatus, WalletEvent};

/// A coinbase of the block at `height` paying `outputs` (the height in its script makes
/// each one unique).
fn coinbase(height: u32, outputs: &[(Script, i64)]) -> Transaction {
    let mut cb = tx(&[OutPoint::NULL], outputs);
    cb.inputs[0].script_sig = Script::new(height.to_le_bytes().to_vec());
    cb
}

#[test]
fn a_coinbase_of_a_disconnected_block_and_its_spends_are_abandoned() {
    let mut wallet = account_wallet();
    let pay = payment(1, &[(key_script(false, 0), 2 * COIN)]);
    wallet.process_transaction(&pay, Some(block(100, 0))).unwrap();
    let cb = coinbase(101, &[(key_script(false, 1), 5 * COIN)]);
    wallet.process_transaction(&cb, Some(block(101, 0))).unwrap();
    // Spends the coinbase together with the confirmed payment, change back to the wallet.
    let inputs = [OutPoint::new(cb.txid(), 0), OutPoint::new(pay.txid(), 0)];
    let spend = tx(&inputs, &[(foreign_script(7), 4 * COIN), (key_script(true, 0), 3 * COIN)]);
    wallet.process_transaction(&spend, Some(block(102, 0))).unwrap();
    assert_eq!(wallet.balance().confirmed, 3 * COIN);

    let events = wallet.disconnect_blocks(101);
    assert_eq!(
        events,
        [
            WalletEvent::Reorged { txid: cb.txid(), from: block(101, 0) },
            WalletEvent::Reorged { txid: spend.txid(), from: block(102, 0) },
            WalletEvent::Abandoned { txid: cb.txid() },
            WalletEvent::Abandoned { txid: spend.txid() },
        ]
    );
    for txid in [cb.txid(), spend.txid()] {
        assert_eq!(wallet.transaction(&txid).unwrap().status, TxStatus::Abandoned);
    }
    // The payment the abandoned spend took is the wallet's again, confirmed and spendable.
    assert_eq!(wallet.spent_by(&inputs[1]), None);
    assert_eq!(
        wallet.balance(),
        crate::wallet::Balance { confirmed: 2 * COIN, ..Default::default() }
    );
    let utxos: Vec<OutPoint> = wallet.utxos().iter().map(|u| u.outpoint).collect();
    assert_eq!(utxos, [inputs[1]]);
    // A relay of the spend cannot bring it back: its coinbase is gone.
    assert!(wallet.process_transaction(&spend, None).is_none());
    let grandchild = tx(&[OutPoint::new(spend.txid(), 1)], &[(foreign_script(8), COIN)]);
    let change = wallet.process_transaction(&grandchild, None).unwrap();
    assert!(matches!(
        change.events[0],
        WalletEvent::NewTransaction { status: TxStatus::Abandoned, .. }
    ));
    assert_eq!(wallet.balance().total(), 2 * COIN);
}

#[test]
fn an_abandoned_coinbase_comes_back_with_its_block() {
    let mut wallet = account_wallet();
    let cb = coinbase(101, &[(key_script(false, 0), 5 * COIN)]);
    wallet.process_transaction(&cb, Some(block(101, 0))).unwrap();
    wallet.disconnect_blocks(101);
    // The other branch's block 101 pays someone else; then the first branch wins again.
    wallet.disconnect_blocks(101);
    let change = wallet.process_transaction(&cb, Some(block(101, 0))).unwrap();
    assert_eq!(change.events, [WalletEvent::Confirmed { txid: cb.txid(), block: block(101, 0) }]);
    assert_eq!(wallet.balance().confirmed, 5 * COIN);
}

#[test]
fn a_normal_transaction_of_a_disconnected_block_stays_unconfirmed() {
    let mut wallet = account_wallet();
    let pay = payment(1, &[(key_script(false, 0), 2 * COIN)]);
    wallet.process_transaction(&pay, Some(block(101, 0))).unwrap();
    let events = wallet.disconnect_blocks(101);
    assert_eq!(events, [WalletEvent::Reorged { txid: pay.txid(), from: block(101, 0) }]);
    assert_eq!(wallet.transaction(&pay.txid()).unwrap().status, TxStatus::Unconfirmed);
    assert_eq!(wallet.balance().unconfirmed_incoming, 2 * COIN);
}
