//! Random but relevance-rich transactions and blocks for the mirror and policy tests: outputs
//! pay a small key pool (P2PKH, P2SH, P2PK, bare multisig, OP_RETURN), inputs spend earlier
//! outputs, and some transactions are ProTx, AssetLock or quorum commitments.

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

use crate::chain::merkle::{merkle_root, PartialMerkleTree};
use crate::encode::Encode;
use crate::hash::{hash160, Hash256, Txid};
use crate::tx::{
    tx_type, AssetLockPayload, NetInfo, OutPoint, ProRegTx, ProUpRegTx, ProUpRevTx, ProUpServTx,
    Script, Transaction, TxIn, TxOut, MN_TYPE_REGULAR,
};
use crate::wire::{BlockHeader, MerkleBlock};

use super::{is_matchable_in_merkle_block, BloomFilter};

pub fn p2pkh(hash: &[u8; 20]) -> Script {
    Script::new([&[0x76, 0xa9, 0x14][..], hash, &[0x88, 0xac]].concat())
}

pub fn p2pk(key: &[u8; 33]) -> Script {
    Script::new([&[33u8][..], key, &[0xac]].concat())
}

/// A deterministic world of keys, outputs and masternodes.
pub struct World {
    pub rng: StdRng,
    pub keys: Vec<[u8; 33]>,
    outputs: Vec<OutPoint>,
    protx: Vec<Txid>,
    height: u32,
}

impl World {
    pub fn new(seed: u64, n_keys: usize) -> World {
        let mut rng = StdRng::seed_from_u64(seed);
        let keys = (0..n_keys)
            .map(|_| {
                let mut k = [2u8; 33];
                rng.fill_bytes(&mut k[1..]);
                k
            })
            .collect();
        World { rng, keys, outputs: Vec::new(), protx: Vec::new(), height: 0 }
    }

    pub fn key_hash(&self, i: usize) -> [u8; 20] {
        hash160(&self.keys[i])
    }

    fn script(&mut self) -> Script {
        let key = self.keys[self.rng.random_range(0..self.keys.len())];
        match self.rng.random_range(0..10) {
            0..=4 => p2pkh(&hash160(&key)),
            5 => Script::new([&[0xa9, 0x14][..], &hash160(&key), &[0x87]].concat()),
            6 => p2pk(&key),
            7 => {
                let other = self.keys[self.rng.random_range(0..self.keys.len())];
                Script::new([&[0x51, 33][..], &key, &[33], &other, &[0x52, 0xae]].concat())
            }
            _ => Script::new(vec![0x6a, 4, 1, 2, 3, 4]),
        }
    }

    fn input(&mut self) -> TxIn {
        let previous_output = if !self.outputs.is_empty() && self.rng.random_bool(0.8) {
            let i = self.rng.random_range(0..self.outputs.len());
            self.outputs.swap_remove(i)
        } else {
            let mut txid = [0u8; 32];
            self.rng.fill_bytes(&mut txid);
            OutPoint::new(Txid::from_byte_array(txid), self.rng.random_range(0..4))
        };
        let key = self.keys[self.rng.random_range(0..self.keys.len())];
        let mut sig = vec![0x30u8; 71];
        self.rng.fill_bytes(&mut sig[1..]);
        let script_sig = Script::new([&[71u8][..], &sig, &[33], &key].concat());
        TxIn { previous_output, script_sig, sequence: u32::MAX }
    }

    /// A random transaction; its outputs become spendable by later ones.
    pub fn tx(&mut self) -> Transaction {
        let inputs = (0..self.rng.random_range(1..4)).map(|_| self.input()).collect();
        let outputs = (0..self.rng.random_range(1..5))
            .map(|_| TxOut { value: 1000, script_pubkey: self.script() })
            .collect();
        let mut tx = Transaction {
            version: 2,
            tx_type: 0,
            inputs,
            outputs,
            lock_time: self.rng.next_u32(),
            extra_payload: None,
        };
        let kind = self.rng.random_range(0..100);
        let key = self.keys[self.rng.random_range(0..self.keys.len())];
        let payout = self.script();
        let payload = match kind {
            0..=7 => Some((tx_type::PROVIDER_REGISTER, self.pro_reg(&key, payout))),
            8..=13 if !self.protx.is_empty() => {
                let hash = self.protx[self.rng.random_range(0..self.protx.len())];
                Some((tx_type::PROVIDER_UPDATE_SERVICE, pro_up_serv(hash, payout)))
            }
            14..=17 if !self.protx.is_empty() => {
                let hash = self.protx[self.rng.random_range(0..self.protx.len())];
                Some((tx_type::PROVIDER_UPDATE_REGISTRAR, pro_up_reg(hash, &key, payout)))
            }
            18..=20 if !self.protx.is_empty() => {
                let hash = self.protx[self.rng.random_range(0..self.protx.len())];
                Some((tx_type::PROVIDER_UPDATE_REVOKE, pro_up_rev(hash)))
            }
            21..=26 => {
                let credit_outputs = (0..self.rng.random_range(1..3))
                    .map(|_| TxOut { value: 5, script_pubkey: self.script() })
                    .collect();
                Some((
                    tx_type::ASSET_LOCK,
                    AssetLockPayload { version: 1, credit_outputs }.to_bytes(),
                ))
            }
            27..=29 => Some((tx_type::QUORUM_COMMITMENT, vec![1, 0, 7, 0, 0, 0])),
            _ => None,
        };
        if let Some((ty, bytes)) = payload {
            tx.version = 3;
            tx.tx_type = ty;
            tx.extra_payload = Some(bytes);
        }
        let txid = tx.txid();
        if tx.tx_type == tx_type::PROVIDER_REGISTER {
            self.protx.push(txid);
        }
        for vout in 0..tx.outputs.len() as u32 {
            self.outputs.push(OutPoint::new(txid, vout));
        }
        tx
    }

    fn pro_reg(&mut self, key: &[u8; 33], script_payout: Script) -> Vec<u8> {
        let collateral_outpoint = match self.outputs.len() {
            0 => OutPoint::default(),
            n => self.outputs[self.rng.random_range(0..n)],
        };
        ProRegTx {
            version: 2,
            mn_type: MN_TYPE_REGULAR,
            mode: 0,
            collateral_outpoint,
            net_info: NetInfo::EMPTY_LEGACY,
            key_id_owner: hash160(key),
            pubkey_operator: [0; 48],
            key_id_voting: hash160(&self.keys[0]),
            operator_reward: 0,
            script_payout,
            inputs_hash: Hash256::ZERO,
            platform_node_id: [0; 20],
            platform_p2p_port: 0,
            platform_http_port: 0,
            signature: vec![],
        }
        .to_bytes()
    }

    /// A block: a coinbase, then `txs`.
    pub fn block(&mut self, txs: Vec<Transaction>) -> Vec<Transaction> {
        self.height += 1;
        let coinbase = Transaction {
            version: 2,
            tx_type: 0,
            inputs: vec![TxIn {
                previous_output: OutPoint::new(Txid::ZERO, u32::MAX),
                script_sig: Script::new([&[4u8][..], &self.height.to_le_bytes()].concat()),
                sequence: u32::MAX,
            }],
            outputs: vec![TxOut { value: 50, script_pubkey: self.script() }],
            lock_time: 0,
            extra_payload: None,
        };
        let mut all = vec![coinbase];
        all.extend(txs);
        all
    }
}

fn pro_up_serv(pro_tx_hash: Txid, script_operator_payout: Script) -> Vec<u8> {
    ProUpServTx {
        version: 2,
        mn_type: MN_TYPE_REGULAR,
        pro_tx_hash,
        net_info: NetInfo::EMPTY_LEGACY,
        script_operator_payout,
        inputs_hash: Hash256::ZERO,
        platform_node_id: [0; 20],
        platform_p2p_port: 0,
        platform_http_port: 0,
        signature: [0; 96],
    }
    .to_bytes()
}

fn pro_up_reg(pro_tx_hash: Txid, key: &[u8; 33], script_payout: Script) -> Vec<u8> {
    ProUpRegTx {
        version: 2,
        pro_tx_hash,
        mode: 0,
        pubkey_operator: [0; 48],
        key_id_voting: hash160(key),
        script_payout,
        inputs_hash: Hash256::ZERO,
        signature: vec![],
    }
    .to_bytes()
}

fn pro_up_rev(pro_tx_hash: Txid) -> Vec<u8> {
    ProUpRevTx {
        version: 2,
        pro_tx_hash,
        reason: 0,
        inputs_hash: Hash256::ZERO,
        signature: [0; 96],
    }
    .to_bytes()
}

/// What a Dash Core peer does for `getdata MSG_FILTERED_BLOCK`: `CMerkleBlock(block, filter)`
/// (updating its filter) and the matched transactions. Returns the `merkleblock` as we would
/// decode it and the matched transactions in block order.
pub fn serve_filtered_block(
    peer: &mut BloomFilter,
    txs: &[Transaction],
) -> (MerkleBlock, Vec<Transaction>) {
    let matches: Vec<bool> = txs
        .iter()
        .map(|t| is_matchable_in_merkle_block(t) && peer.is_relevant_and_update(t))
        .collect();
    let txids: Vec<Txid> = txs.iter().map(Transaction::txid).collect();
    let header = BlockHeader {
        version: 0x2000_0000,
        prev_blockhash: Default::default(),
        merkle_root: merkle_root(&txids),
        time: 0,
        bits: 0,
        nonce: 0,
    };
    let block = MerkleBlock::new(header, PartialMerkleTree::from_txids(&txids, &matches));
    let matched = txs.iter().zip(&matches).filter(|(_, m)| **m).map(|(t, _)| t.clone()).collect();
    (block, matched)
}
