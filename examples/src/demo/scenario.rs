//! The demo's wallet and the chain that pays it.

use super::MATURITY;
use dashlite::hash::Txid;
use dashlite::tx::{Script, TxOut};
use dashlite::wallet::{ChainKind, Owner};
use dashlite_testkit::chain::COIN;
use dashlite_testkit::keys::TestKey;
pub(super) use dashlite_testkit::wallet::{account, chain_key_script};
use dashlite_testkit::{Chain, SharedChain};

pub(super) fn key_name(chain: ChainKind, index: u32) -> String {
    match chain {
        ChainKind::External => format!("receive #{index}"),
        ChainKind::Internal => format!("change #{index}"),
    }
}

pub(super) fn owner_name(owner: &Owner) -> String {
    match owner {
        Owner::Key(path) => key_name(path.chain, path.index),
        Owner::Address(a) => a.to_string(),
        Owner::Script(s) => format!("script {}", hex::encode(s.as_bytes())),
    }
}

/// A payment the chain made to the wallet.
#[derive(Debug, Clone)]
pub(super) struct Payment {
    pub(super) txid: Txid,
    pub(super) value: i64,
    pub(super) key: String,
    /// Its block (`None` while unconfirmed).
    pub(super) height: Option<u32>,
}

pub(super) struct Built {
    pub(super) chain: SharedChain,
    pub(super) payments: Vec<Payment>,
    pub(super) unrelated_txs: usize,
}

/// `blocks` blocks: [`MATURITY`] plain ones, then unrelated payments in most blocks and five
/// wallet payments (one of them a transaction that also pays strangers, one to a change key,
/// one to receive key 24: outside the first filter, which holds keys 0–19, and inside the
/// window only after key 5 is used).
pub(super) fn build_chain(blocks: u32) -> Built {
    let mut chain = Chain::with_blocks(MATURITY);
    let strangers: Vec<Script> =
        ["bob", "carol", "dave", "erin"].iter().map(|s| TestKey::from_seed(s).p2pkh()).collect();
    let rest = blocks - MATURITY;
    let at = |percent: u32| rest * percent / 100;
    let plan = [
        (at(10), ChainKind::External, 0, 3 * COIN),
        (at(30), ChainKind::External, 5, 4 * COIN),
        (at(45), ChainKind::External, 1, COIN / 2),
        (at(60), ChainKind::Internal, 2, 3 * COIN / 2),
        (at(80), ChainKind::External, 24, 5 * COIN),
    ];
    let mut payments = Vec::new();
    let mut unrelated_txs = 0;
    for i in 0..rest {
        if i % 3 == 0 {
            chain.send(&strangers[(i / 3) as usize % strangers.len()], COIN + i64::from(i));
            unrelated_txs += 1;
        }
        if i % 7 == 0 {
            let outputs = strangers
                .iter()
                .map(|s| TxOut { value: COIN / 10, script_pubkey: s.clone() })
                .collect();
            chain.send_many(outputs);
            unrelated_txs += 1;
        }
        let mut paid = Vec::new();
        for &(when, kind, index, value) in &plan {
            if when != i {
                continue;
            }
            let script = chain_key_script(kind, index);
            let tx = if index == 1 {
                // A transaction that pays the wallet and two strangers.
                chain.send_many(vec![
                    TxOut { value: 2 * COIN, script_pubkey: strangers[0].clone() },
                    TxOut { value, script_pubkey: script },
                    TxOut { value: 3 * COIN, script_pubkey: strangers[1].clone() },
                ])
            } else {
                chain.send(&script, value)
            };
            paid.push(Payment { txid: tx.txid(), value, key: key_name(kind, index), height: None });
        }
        chain.mine(1);
        for mut p in paid {
            p.height = Some(chain.height());
            payments.push(p);
        }
    }
    Built { chain: SharedChain::new(chain), payments, unrelated_txs }
}
