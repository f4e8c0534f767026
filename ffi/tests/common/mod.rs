//! A testkit node serving a regtest chain with payments to a known account key: what the
//! client tests (Rust, Python, Kotlin) sync against.
#![allow(dead_code)]

use std::sync::Arc;

use dashlite::encode::Encode;
use dashlite::tx::{tx_type, OutPoint, Script, Transaction, TxIn, TxOut};
use dashlite_ffi::{ClientBuilder, Network};
use dashlite_testkit::chain::COIN;
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::masternodes::{chain_list, TestMasternodes};
pub use dashlite_testkit::wallet::account;
use dashlite_testkit::wallet::key_script;
use dashlite_testkit::{start_nodes, Chain, SharedChain, TestNode};

/// A running node and what a wallet watching [`account`] must find on its chain.
pub struct Fixture {
    /// Keeps the node serving until dropped.
    pub node: TestNode,
    /// The chain's tip height.
    pub tip: u32,
    /// The wallet's balance in duffs.
    pub balance: i64,
    /// The wallet's transactions (display hex), in chain order.
    pub txids: Vec<String>,
    /// The account key in regtest (tpub) form.
    pub tpub: String,
    /// A transaction the node has never seen spending the first payment (3 DASH; placeholder
    /// scriptSig: neither node nor wallet checks it) into 1 DASH to an unrelated key.
    pub spend: Vec<u8>,
    /// Its txid.
    pub spend_txid: String,
    /// The value it spends from the wallet.
    pub spend_value: i64,
    /// The masternode list the tip's coinbase commits to (the testkit's own schedule).
    pub masternodes: dashlite::masternode::MasternodeListSummary,
}

/// The DIP3 activation height a fixture client sets (`regtest_dip3_height`) to follow the
/// masternode list: the chain commits to one from block 1.
pub const DIP3_HEIGHT: u32 = 100;

impl Fixture {
    /// 101 mature blocks, then 20 with unrelated traffic and three payments to external
    /// keys 0, 1 and 5 of the account (3, 2 and 4 DASH). Every block commits to the
    /// masternode list of the testkit schedule of seed 11.
    pub fn start() -> Fixture {
        let mut chain = Chain::regtest();
        chain.set_masternodes(TestMasternodes::new(11));
        chain.mine(101);
        let bob = TestKey::from_seed("bob").p2pkh();
        let mut txids = Vec::new();
        let mut first = None;
        for i in 0..20u32 {
            if i % 3 == 0 {
                chain.send(&bob, COIN);
            }
            let paid = match i {
                4 => Some(chain.send(&key_script(0), 3 * COIN)),
                9 => Some(chain.send(&key_script(5), 4 * COIN)),
                15 => Some(chain.send(&key_script(1), 2 * COIN)),
                _ => None,
            };
            if let Some(tx) = paid {
                txids.push(tx.txid().to_string());
                first.get_or_insert(tx);
            }
            chain.mine(1);
        }
        let tip = chain.height();
        let first = first.expect("a payment");
        let vout = first
            .outputs
            .iter()
            .position(|o| o.script_pubkey == key_script(0))
            .expect("the payment output") as u32;
        let spend_tx = Transaction {
            version: 2,
            tx_type: tx_type::NORMAL,
            inputs: vec![TxIn {
                previous_output: OutPoint::new(first.txid(), vout),
                script_sig: Script::new(vec![0x51]),
                sequence: u32::MAX,
            }],
            outputs: vec![TxOut { value: COIN, script_pubkey: TestKey::from_seed("dave").p2pkh() }],
            lock_time: 0,
            extra_payload: None,
        };
        let list = chain_list(&chain, tip).expect("the tip's list");
        let masternodes = dashlite::masternode::MasternodeListSummary::of(tip, &list);
        let chain = SharedChain::new(chain);
        let node = start_nodes(&chain, 1).pop().expect("one node");
        Fixture {
            node,
            tip,
            balance: 9 * COIN,
            txids,
            tpub: account().to_string(),
            spend: spend_tx.to_bytes(),
            spend_txid: spend_tx.txid().to_string(),
            spend_value: 3 * COIN,
            masternodes,
        }
    }

    /// The node's address, `127.0.0.1:port`.
    pub fn peer(&self) -> String {
        self.node.addr().to_string()
    }

    /// A regtest builder for a client of this node alone (one connection) watching the
    /// account.
    pub fn builder(&self) -> Arc<ClientBuilder> {
        ClientBuilder::new(Network::Regtest).peer(self.peer()).watch(self.tpub.clone()).max_peers(1)
    }

    /// The environment the binding suites read the fixture from.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DASHLITE_TEST_PEER", self.peer()),
            ("DASHLITE_TEST_XPUB", self.tpub.clone()),
            ("DASHLITE_TEST_TIP", self.tip.to_string()),
            ("DASHLITE_TEST_BALANCE", self.balance.to_string()),
            ("DASHLITE_TEST_TXIDS", self.txids.join(",")),
            ("DASHLITE_TEST_SPEND", self.spend.iter().map(|b| format!("{b:02x}")).collect()),
            ("DASHLITE_TEST_SPEND_TXID", self.spend_txid.clone()),
            ("DASHLITE_TEST_SPEND_VALUE", self.spend_value.to_string()),
            ("DASHLITE_TEST_DIP3_HEIGHT", DIP3_HEIGHT.to_string()),
            ("DASHLITE_TEST_MN_BLOCK", self.masternodes.block_hash.to_string()),
            ("DASHLITE_TEST_MN_VALID", self.masternodes.valid.to_string()),
            ("DASHLITE_TEST_MN_ENTRIES", self.masternode_entries().join(",")),
            ("DASHLITE_TEST_QUORUMS", self.quorum_entries().join(",")),
        ]
    }

    /// Each masternode of the tip's list, in list order, as
    /// `proRegTxHash|service|operator key hex|voting key id hex|regular or evo|valid`.
    pub fn masternode_entries(&self) -> Vec<String> {
        let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
        self.masternodes
            .masternodes
            .iter()
            .map(|m| {
                format!(
                    "{}|{}|{}|{}|{}|{}",
                    m.pro_reg_tx_hash,
                    m.address.map(|a| a.to_string()).unwrap_or_default(),
                    hex(&m.operator_key),
                    hex(&m.voting_key_id),
                    if m.evo { "evo" } else { "regular" },
                    m.valid
                )
            })
            .collect()
    }

    /// Each active quorum of the tip's list, in list order, as
    /// `type name|quorum hash|quorum index|public key hex`.
    pub fn quorum_entries(&self) -> Vec<String> {
        let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
        self.masternodes
            .quorums
            .iter()
            .map(|q| {
                let name = dashlite::masternode::llmq_params(q.llmq_type).expect("a known type");
                format!("{}|{}|{}|{}", name.name, q.quorum_hash, q.quorum_index, hex(&q.public_key))
            })
            .collect()
    }
}
