//! A real Dash Core v23.1.2 regtest session (`vectors/dashd-regtest-session.json`): three
//! payments to the watched address proven in block 221 (the chain then ends at 232), then a
//! live payment seen unconfirmed and proven in the announced block 233.

use super::*;
use crate::encode::Decode;
use crate::wallet::{TxStatus, WalletEvent};
use crate::wire::MerkleBlock;

/// The payload of frame `index`, checking its command.
fn payload(v: &serde_json::Value, index: usize, command: &str) -> Vec<u8> {
    let f = &v["frames"][index];
    assert_eq!(f["command"], command, "frame {index}");
    let frame = hex::decode(f["frame"].as_str().unwrap()).unwrap();
    frame[24..].to_vec()
}

/// The block a merkleblock frame proves, after checking its partial merkle tree against the
/// header: what the sync engine hands the wallet.
fn proven_block(v: &serde_json::Value, index: usize, height: u32) -> (BlockRef, Vec<Txid>) {
    let mb = MerkleBlock::from_bytes(&payload(v, index, "merkleblock")).unwrap();
    let matched = mb.matched_txids().expect("valid proof").into_iter().map(|m| m.txid).collect();
    let block = BlockRef { height, hash: mb.header.block_hash(), time: Some(mb.header.time) };
    (block, matched)
}

fn duffs(dash: &str) -> i64 {
    let (whole, frac) = dash.split_once('.').unwrap_or((dash, ""));
    whole.parse::<i64>().unwrap() * COIN + format!("{frac:0<8}").parse::<i64>().unwrap()
}

#[test]
fn regtest_session_payments_are_found_confirmed_and_the_live_one_confirms() {
    let v = vectors("dashd-regtest-session.json");
    let hashes: Vec<String> = v["block_hashes_display"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_owned())
        .collect();
    let mut watch = WatchList::new(Network::Regtest);
    let addr = Address::parse(v["watched_address"].as_str().unwrap(), Network::Regtest).unwrap();
    watch.add_address(addr).unwrap();
    let mut wallet = Wallet::new(watch);

    // Block 221: a merkleblock and its three matched transactions.
    assert_eq!(v["payment_block_heights"][0], 221);
    let (b221, matched) = proven_block(&v, 19, 221);
    assert_eq!(b221.hash.to_string(), hashes[221]);
    let mut expected_total = 0;
    for (frame, payment) in (20..23).zip(v["payments"].as_array().unwrap()) {
        let tx = Transaction::from_bytes(&payload(&v, frame, "tx")).unwrap();
        let txid = tx.txid();
        assert_eq!(txid.to_string(), payment["txid"].as_str().unwrap());
        assert!(matched.contains(&txid), "proven in block 221");
        let amount = duffs(payment["amount_dash"].as_str().unwrap());
        expected_total += amount;
        let change = wallet.process_transaction(&tx, Some(b221)).unwrap();
        assert_eq!(
            change.events,
            vec![WalletEvent::NewTransaction {
                txid,
                status: TxStatus::Confirmed(b221),
                net_amount: amount
            }]
        );
        assert_eq!(wallet.utxos().last().unwrap().owner, crate::wallet::Owner::Address(addr));
    }
    assert_eq!(expected_total, duffs("9.375"));
    assert_eq!(wallet.set_tip(232), vec![], "12 confirmations: beyond the event depth");
    assert_eq!(wallet.balance().confirmed, expected_total);
    assert_eq!(wallet.utxos().len(), 3);
    for tx in wallet.transactions() {
        assert_eq!(wallet.confirmations(&tx.txid), Some(12));
    }

    // The live payment: announced by inv, fetched, unconfirmed.
    let live = Transaction::from_bytes(&payload(&v, 39, "tx")).unwrap();
    assert_eq!(live.txid().to_string(), v["live_payment_txid"].as_str().unwrap());
    let change = wallet.process_transaction(&live, None).unwrap();
    let WalletEvent::NewTransaction { status: TxStatus::Unconfirmed, net_amount, .. } =
        change.events[0]
    else {
        panic!("new unconfirmed transaction")
    };
    assert_eq!(net_amount, duffs("0.5"));
    assert_eq!(wallet.balance().unconfirmed_incoming, duffs("0.5"));
    assert_eq!(wallet.balance().total(), expected_total + duffs("0.5"));

    // The announced block 233 (its parent is block 232) proves it.
    let (b233, matched) = proven_block(&v, 42, 233);
    let mb = MerkleBlock::from_bytes(&payload(&v, 42, "merkleblock")).unwrap();
    assert_eq!(mb.header.prev_blockhash.to_string(), hashes[232]);
    assert_eq!(b233.hash.to_string(), hashes[233]);
    assert!(matched.contains(&live.txid()));
    let again = Transaction::from_bytes(&payload(&v, 43, "tx")).unwrap();
    let change = wallet.process_transaction(&again, Some(b233)).unwrap();
    assert_eq!(change.events, vec![WalletEvent::Confirmed { txid: live.txid(), block: b233 }]);
    assert_eq!(wallet.set_tip(233), vec![], "the live payment already counted 1 confirmation");
    assert_eq!(wallet.confirmations(&wallet.transactions()[0].txid), Some(13));
    assert_eq!(wallet.balance().confirmed, expected_total + duffs("0.5"));
    assert_eq!(wallet.balance().unconfirmed_incoming, 0);
    assert_eq!(wallet.confirmations(&live.txid()), Some(1));
}
