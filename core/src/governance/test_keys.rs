//! Test masternodes with real keys: a BLS operator key (blst `key_gen`) and an ECDSA voting
//! key (secp256k1), entries for a [`MasternodeList`], and votes and triggers signed exactly
//! as Dash Core signs them (`CGovernanceVote::Sign`, `CGovernanceObject::Sign`).
//!
//! Compiled for the crate's own tests and, with the `test-support` feature, for other crates'
//! tests (the testkit's voters are these masternodes).

use blst::min_pk::SecretKey as BlsSecret;
use secp256k1::{Message as EcdsaMessage, Secp256k1, SecretKey};

use crate::hash::{hash160, BlockHash, Hash256, Txid};
use crate::masternode::bls::{Encoding, PublicKey, BASIC_DST};
use crate::masternode::MasternodeList;
use crate::network::Network;
use crate::tx::{NetInfo, OutPoint, MN_TYPE_EVO, MN_TYPE_REGULAR};
use crate::wire::{GovObject, GovObjectVote, SmlEntry, VoteOutcome, VoteSignal};

/// One test masternode with an internal collateral (an output of its own ProRegTx, so a
/// client resolves the collateral from the list alone).
pub struct TestMasternode {
    /// Whether it is an Evo masternode (voting weight 4).
    pub evo: bool,
    pro_reg_tx_hash: Hash256,
    collateral_index: u32,
    operator: BlsSecret,
    voting: SecretKey,
}

impl TestMasternode {
    /// Masternode `id`: ProRegTx hash `[id; 32]`, collateral output `id`, keys from `id`.
    pub fn new(id: u8, evo: bool) -> Self {
        Self::with_keys(id, evo, id)
    }

    /// A masternode `id` whose keys come from `key_seed` (a key change keeps the id).
    pub fn with_keys(id: u8, evo: bool, key_seed: u8) -> Self {
        let mut secret = [key_seed; 32];
        secret[0] = 1;
        let voting = SecretKey::from_byte_array(secret).expect("a valid secp256k1 key");
        let pro_reg_tx_hash = Hash256::from_byte_array([id; 32]);
        Self::from_keys(pro_reg_tx_hash, u32::from(id), [key_seed; 32], voting, evo)
    }

    /// A masternode with the given ProRegTx hash and collateral output, its operator key made
    /// by blst `key_gen` from `operator_seed` and `voting` as its voting key.
    pub fn from_keys(
        pro_reg_tx_hash: Hash256,
        collateral_index: u32,
        operator_seed: [u8; 32],
        voting: SecretKey,
        evo: bool,
    ) -> Self {
        let operator = BlsSecret::key_gen(&operator_seed, &[]).expect("32 bytes of key material");
        TestMasternode { evo, pro_reg_tx_hash, collateral_index, operator, voting }
    }

    /// Its ProRegTx hash.
    pub fn pro_reg_tx_hash(&self) -> Hash256 {
        self.pro_reg_tx_hash
    }

    /// Gives it another ProRegTx hash; its collateral (still internal) and entry follow.
    pub fn set_pro_reg_tx_hash(&mut self, hash: Hash256) {
        self.pro_reg_tx_hash = hash;
    }

    /// The internal collateral outpoint, as its votes name it.
    pub fn collateral(&self) -> OutPoint {
        OutPoint::new(
            Txid::from_byte_array(self.pro_reg_tx_hash.to_byte_array()),
            self.collateral_index,
        )
    }

    fn voting_key_id(&self) -> [u8; 20] {
        let secp = Secp256k1::signing_only();
        hash160(&self.voting.public_key(&secp).serialize())
    }

    /// Its list entry, valid, confirmed by `[0xcc; 32]`: see [`TestMasternode::entry_at`].
    pub fn entry(&self, version: u16) -> SmlEntry {
        self.entry_at(version, BlockHash::from_byte_array([0xcc; 32]))
    }

    /// Its list entry, valid, with `confirmed_hash`: version 2 (basic-encoded operator key),
    /// or version 1 with the legacy encoding of the same key.
    pub fn entry_at(&self, version: u16, confirmed_hash: BlockHash) -> SmlEntry {
        let basic = self.operator.sk_to_pk().compress();
        let operator_key = if version == 1 {
            PublicKey::from_bytes(&basic, Encoding::Basic).unwrap().to_bytes(Encoding::Legacy)
        } else {
            basic
        };
        SmlEntry {
            version,
            pro_reg_tx_hash: self.pro_reg_tx_hash(),
            confirmed_hash,
            net_info: NetInfo::EMPTY_LEGACY,
            operator_key,
            voting_key_id: self.voting_key_id(),
            is_valid: true,
            mn_type: if self.evo { MN_TYPE_EVO } else { MN_TYPE_REGULAR },
            platform_http_port: 0,
            platform_node_id: [0; 20],
        }
    }

    /// An unsigned vote from this masternode's collateral.
    pub fn vote(
        &self,
        parent: Hash256,
        signal: VoteSignal,
        outcome: VoteOutcome,
        time: i64,
    ) -> GovObjectVote {
        GovObjectVote {
            masternode_outpoint: self.collateral(),
            parent_hash: parent,
            outcome,
            signal,
            time,
            signature: Vec::new(),
        }
    }

    /// Signs with the operator key (basic scheme, basic encoding).
    pub fn sign_operator(&self, mut vote: GovObjectVote) -> GovObjectVote {
        let hash = vote.signature_hash().to_byte_array();
        vote.signature = self.operator.sign(&hash, BASIC_DST, &[]).compress().to_vec();
        vote
    }

    /// Signs with the voting key as Dash Core does on `network`: a compact signature over the
    /// signature hash on testnet, the signed message of the signature string elsewhere.
    pub fn sign_voting(&self, mut vote: GovObjectVote, network: Network) -> GovObjectVote {
        let hash = if network == Network::Testnet {
            vote.signature_hash()
        } else {
            vote.signature_message_hash()
        };
        vote.signature = compact_sign(&self.voting, &hash);
        vote
    }

    /// Signs a trigger with the operator key.
    pub fn sign_object(&self, mut object: GovObject) -> GovObject {
        object.masternode_outpoint = self.collateral();
        let hash = object.signature_hash().to_byte_array();
        object.signature = self.operator.sign(&hash, BASIC_DST, &[]).compress().to_vec();
        object
    }
}

/// A compact recoverable signature with the compressed-key header (`CKey::SignCompact`).
pub fn compact_sign(key: &SecretKey, hash: &Hash256) -> Vec<u8> {
    let secp = Secp256k1::signing_only();
    let sig = secp.sign_ecdsa_recoverable(EcdsaMessage::from_digest(hash.to_byte_array()), key);
    let (recid, rs) = sig.serialize_compact();
    let mut out = vec![27 + 4 + i32::from(recid) as u8];
    out.extend_from_slice(&rs);
    out
}

/// A list holding `masternodes` (version-2 entries).
pub fn list_of(masternodes: &[&TestMasternode]) -> MasternodeList {
    let mut list = MasternodeList::genesis(BlockHash::from_byte_array([0xbb; 32]));
    for mn in masternodes {
        list.entries.insert(mn.pro_reg_tx_hash(), mn.entry(2));
    }
    list
}
