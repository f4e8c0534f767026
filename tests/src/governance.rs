//! Governance data a node can serve: a real regtest proposal recorded from Dash Core v23.1.2
//! (`vectors/dashd-regtest-session.json`, the `govobj` frame) and votes on it: placeholder
//! votes ([`sample_votes`]) or votes of test masternodes with real keys ([`TestVoter`]) and
//! the masternode list that holds them ([`voter_list`]).

use dashlite::encode::Decode;
use dashlite::hash::{BlockHash, Hash256, Txid};
use dashlite::masternode::bls::BASIC_DST;
use dashlite::masternode::MasternodeList;
use dashlite::network::Network;
use dashlite::tx::{NetInfo, OutPoint, MN_TYPE_EVO, MN_TYPE_REGULAR};
use dashlite::wire::{GovObject, GovObjectVote, SmlEntry, VoteOutcome, VoteSignal};

use crate::keys::TestKey;

/// The `govobj` payload Dash Core v23.1.2 served for proposal "capture-proposal-7" (hash
/// `1cc58e02…c440` in display order, collateral `45dd31bd…28d2`).
pub const CAPTURE_PROPOSAL_HEX: &str = concat!(
    "0000000000000000000000000000000000000000000000000000000000000000010000001cdc006b00000000",
    "d228d2d368d45e9ff9236b82293e132027b3e8cd38db2f8b7d3122d9bd31dd45d37b2274797065223a20312c",
    "20226e616d65223a2022636170747572652d70726f706f73616c2d37222c202273746172745f65706f636822",
    "3a20313739353231383436302c2022656e645f65706f6368223a20313739373831303436302c20227061796d",
    "656e745f61646472657373223a202279574b41674d616e4d763273336767684c7a71574a6e674e6536784536",
    "6764473367222c20227061796d656e745f616d6f756e74223a2034322c202275726c223a202268747470733a",
    "2f2f6578616d706c652e6f72672f70726f706f73616c227d0100000000000000000000000000000000000000",
    "00000000000000000000000000000000ffffffff00",
);

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap_or(0)).collect()
}

/// The recorded regtest proposal.
pub fn capture_proposal() -> GovObject {
    GovObject::from_bytes(&unhex(CAPTURE_PROPOSAL_HEX)).expect("the recorded govobj decodes")
}

/// `n` votes (funding yes) on `parent` from made-up masternodes, one second apart. Their
/// signatures are placeholders (96 zero bytes): no masternode list exists to check them.
pub fn sample_votes(parent: Hash256, n: u32) -> Vec<GovObjectVote> {
    (0..n)
        .map(|i| GovObjectVote {
            masternode_outpoint: OutPoint::new(Txid::from_byte_array([i as u8 + 1; 32]), i),
            parent_hash: parent,
            outcome: VoteOutcome::Yes,
            signal: VoteSignal::Funding,
            time: 1_795_000_000 + i64::from(i),
            signature: vec![0; 96],
        })
        .collect()
}

/// A test masternode with real keys: a BLS operator key (blst `key_gen`) and an ECDSA voting
/// key ([`TestKey`]), an internal collateral (output 1 of its ProRegTx, so the outpoint's txid
/// is the ProRegTx hash and a client resolves it from the list alone), and votes signed as
/// Dash Core signs them (`CGovernanceVote::Sign`).
pub struct TestVoter {
    /// Its ProRegTx hash.
    pub pro_reg_tx_hash: Hash256,
    /// Whether it is an Evo masternode (voting weight 4).
    pub evo: bool,
    operator: blst::min_pk::SecretKey,
    voting: TestKey,
}

impl TestVoter {
    /// The masternode made from `seed` (the same keys in every run).
    pub fn new(seed: u8, evo: bool) -> TestVoter {
        let operator = blst::min_pk::SecretKey::key_gen(&[seed; 32], &[]).expect("key material");
        TestVoter {
            pro_reg_tx_hash: Hash256::from_byte_array([0x40 ^ seed; 32]),
            evo,
            operator,
            voting: TestKey::from_seed(&format!("voting key {seed}")),
        }
    }

    /// Its collateral outpoint, as its votes name it.
    pub fn collateral(&self) -> OutPoint {
        OutPoint::new(Txid::from_byte_array(self.pro_reg_tx_hash.to_byte_array()), 1)
    }

    /// Its simplified list entry (version 2: basic-encoded operator key), valid.
    pub fn entry(&self, confirmed_hash: BlockHash) -> SmlEntry {
        SmlEntry {
            version: 2,
            pro_reg_tx_hash: self.pro_reg_tx_hash,
            confirmed_hash,
            net_info: NetInfo::EMPTY_LEGACY,
            operator_key: self.operator.sk_to_pk().compress(),
            voting_key_id: self.voting.key_id(),
            is_valid: true,
            mn_type: if self.evo { MN_TYPE_EVO } else { MN_TYPE_REGULAR },
            platform_http_port: 0,
            platform_node_id: [0; 20],
        }
    }

    /// An unsigned vote of this masternode.
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

    /// Signs `vote` with the voting key as Dash Core does on `network`: a compact signature
    /// over the signature hash on testnet, over the signed message of the signature string
    /// elsewhere. The key proposals' funding votes need.
    pub fn sign_voting(&self, mut vote: GovObjectVote, network: Network) -> GovObjectVote {
        let hash = if network == Network::Testnet {
            vote.signature_hash()
        } else {
            vote.signature_message_hash()
        };
        let secp = secp256k1::Secp256k1::signing_only();
        let message = secp256k1::Message::from_digest(hash.to_byte_array());
        let (recid, rs) =
            secp.sign_ecdsa_recoverable(message, &self.voting.secret).serialize_compact();
        // The compact header of a compressed key (`CKey::SignCompact`).
        vote.signature = vec![27 + 4 + i32::from(recid) as u8];
        vote.signature.extend_from_slice(&rs);
        vote
    }

    /// Signs `vote` with the operator key (basic scheme over the signature hash): the key
    /// every vote but a proposal's funding vote needs.
    pub fn sign_operator(&self, mut vote: GovObjectVote) -> GovObjectVote {
        let hash = vote.signature_hash().to_byte_array();
        vote.signature = self.operator.sign(&hash, BASIC_DST, &[]).compress().to_vec();
        vote
    }
}

/// A list at `block_hash` holding `voters`, to give the client's `on_masternode_list`.
pub fn voter_list(block_hash: BlockHash, voters: &[TestVoter]) -> MasternodeList {
    let mut list = MasternodeList::genesis(block_hash);
    for voter in voters {
        list.entries.insert(voter.pro_reg_tx_hash, voter.entry(block_hash));
    }
    list
}
