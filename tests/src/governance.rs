//! Governance data a node can serve: a real regtest proposal recorded from Dash Core v23.1.2
//! (`vectors/dashd-regtest-session.json`, the `govobj` frame) and votes on it: placeholder
//! votes ([`sample_votes`]) or votes of test masternodes with real keys ([`TestVoter`]) and
//! the masternode list that holds them ([`voter_list`]).

use dashlite::encode::Decode;
use dashlite::governance::test_keys::TestMasternode;
use dashlite::hash::{BlockHash, Hash256, Txid};
use dashlite::masternode::MasternodeList;
use dashlite::network::Network;
use dashlite::tx::OutPoint;
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
/// Dash Core signs them (`CGovernanceVote::Sign`): core's [`TestMasternode`] made from a seed.
pub struct TestVoter {
    masternode: TestMasternode,
}

impl TestVoter {
    /// The masternode made from `seed` (the same keys in every run).
    pub fn new(seed: u8, evo: bool) -> TestVoter {
        let pro_reg_tx_hash = Hash256::from_byte_array([0x40 ^ seed; 32]);
        let voting = TestKey::from_seed(&format!("voting key {seed}")).secret;
        TestVoter {
            masternode: TestMasternode::from_keys(pro_reg_tx_hash, 1, [seed; 32], voting, evo),
        }
    }

    /// Its ProRegTx hash.
    pub fn pro_reg_tx_hash(&self) -> Hash256 {
        self.masternode.pro_reg_tx_hash()
    }

    /// Gives it another ProRegTx hash (that of a real ProRegTx naming an external
    /// collateral); its votes and entry follow.
    pub fn set_pro_reg_tx_hash(&mut self, hash: Hash256) {
        self.masternode.set_pro_reg_tx_hash(hash);
    }

    /// Its collateral outpoint, as its votes name it.
    pub fn collateral(&self) -> OutPoint {
        self.masternode.collateral()
    }

    /// Its simplified list entry (version 2: basic-encoded operator key), valid.
    pub fn entry(&self, confirmed_hash: BlockHash) -> SmlEntry {
        self.masternode.entry_at(2, confirmed_hash)
    }

    /// An unsigned vote of this masternode.
    pub fn vote(
        &self,
        parent: Hash256,
        signal: VoteSignal,
        outcome: VoteOutcome,
        time: i64,
    ) -> GovObjectVote {
        self.masternode.vote(parent, signal, outcome, time)
    }

    /// Signs `vote` with the voting key as Dash Core does on `network`: a compact signature
    /// over the signature hash on testnet, over the signed message of the signature string
    /// elsewhere. The key proposals' funding votes need.
    pub fn sign_voting(&self, vote: GovObjectVote, network: Network) -> GovObjectVote {
        self.masternode.sign_voting(vote, network)
    }

    /// Signs `vote` with the operator key (basic scheme over the signature hash): the key
    /// every vote but a proposal's funding vote needs.
    pub fn sign_operator(&self, vote: GovObjectVote) -> GovObjectVote {
        self.masternode.sign_operator(vote)
    }
}

/// A list at `block_hash` holding `voters`, to give the client's `on_masternode_list`.
pub fn voter_list(block_hash: BlockHash, voters: &[TestVoter]) -> MasternodeList {
    let mut list = MasternodeList::genesis(block_hash);
    for voter in voters {
        list.entries.insert(voter.pro_reg_tx_hash(), voter.entry(block_hash));
    }
    list
}
