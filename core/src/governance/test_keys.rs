//! Test masternodes with real keys: a BLS operator key (blst `key_gen`) and an ECDSA voting
//! key (secp256k1), entries for a [`MasternodeList`], and votes and triggers signed exactly
//! as Dash Core signs them (`CGovernanceVote::Sign`, `CGovernanceObject::Sign`).

use blst::min_pk::SecretKey as BlsSecret;
use secp256k1::{Message as EcdsaMessage, Secp256k1, SecretKey};

use crate::hash::{hash160, BlockHash, Hash256, Txid};
use crate::masternode::bls::{Encoding, PublicKey, BASIC_DST};
use crate::masternode::MasternodeList;
use crate::network::Network;
use crate::tx::{NetInfo, OutPoint, MN_TYPE_EVO, MN_TYPE_REGULAR};
use crate::wire::{GovObject, GovObjectVote, SmlEntry, VoteOutcome, VoteSignal};

/// One test masternode: its ProRegTx hash is `[id; 32]` (internal collateral at output
/// `id`, so its collateral outpoint is `([id; 32], id)`).
pub(super) struct TestMasternode {
    pub id: u8,
    pub evo: bool,
    operator: BlsSecret,
    voting: SecretKey,
}

impl TestMasternode {
    pub fn new(id: u8, evo: bool) -> Self {
        Self::with_keys(id, evo, id)
    }

    /// A masternode `id` whose keys come from `key_seed` (a key change keeps the id).
    pub fn with_keys(id: u8, evo: bool, key_seed: u8) -> Self {
        let operator = BlsSecret::key_gen(&[key_seed; 32], &[]).expect("32 bytes of key material");
        let mut secret = [key_seed; 32];
        secret[0] = 1;
        let voting = SecretKey::from_byte_array(secret).expect("a valid secp256k1 key");
        TestMasternode { id, evo, operator, voting }
    }

    pub fn pro_reg_tx_hash(&self) -> Hash256 {
        Hash256::from_byte_array([self.id; 32])
    }

    /// The internal collateral outpoint.
    pub fn collateral(&self) -> OutPoint {
        OutPoint::new(Txid::from_byte_array([self.id; 32]), u32::from(self.id))
    }

    fn voting_key_id(&self) -> [u8; 20] {
        let secp = Secp256k1::signing_only();
        hash160(&self.voting.public_key(&secp).serialize())
    }

    /// Its list entry: version 2 (basic-encoded operator key), or version 1 with the legacy
    /// encoding of the same key.
    pub fn entry(&self, version: u16) -> SmlEntry {
        let basic = self.operator.sk_to_pk().compress();
        let operator_key = if version == 1 {
            PublicKey::from_bytes(&basic, Encoding::Basic).unwrap().to_bytes(Encoding::Legacy)
        } else {
            basic
        };
        SmlEntry {
            version,
            pro_reg_tx_hash: self.pro_reg_tx_hash(),
            confirmed_hash: BlockHash::from_byte_array([0xcc; 32]),
            net_info: NetInfo::Legacy { ip: [0; 16], port: 0 },
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
pub(super) fn compact_sign(key: &SecretKey, hash: &Hash256) -> Vec<u8> {
    let secp = Secp256k1::signing_only();
    let sig = secp.sign_ecdsa_recoverable(EcdsaMessage::from_digest(hash.to_byte_array()), key);
    let (recid, rs) = sig.serialize_compact();
    let mut out = vec![27 + 4 + i32::from(recid) as u8];
    out.extend_from_slice(&rs);
    out
}

/// A list holding `masternodes` (version-2 entries).
pub(super) fn list_of(masternodes: &[&TestMasternode]) -> MasternodeList {
    let mut list = MasternodeList::genesis(BlockHash::from_byte_array([0xbb; 32]));
    for mn in masternodes {
        list.entries.insert(mn.pro_reg_tx_hash(), mn.entry(2));
    }
    list
}
