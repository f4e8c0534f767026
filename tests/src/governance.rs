//! Governance data a node can serve: a real regtest proposal recorded from Dash Core v23.1.2
//! (`vectors/dashd-regtest-session.json`, the `govobj` frame) and votes on it.

use dashlite::encode::Decode;
use dashlite::hash::{Hash256, Txid};
use dashlite::tx::OutPoint;
use dashlite::wire::{GovObject, GovObjectVote, VoteOutcome, VoteSignal};

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

/// Test masternodes with real keys, and the list that carries them: a BLS operator key and
/// an ECDSA voting key each, internal collateral (the outpoint's txid is the ProRegTx hash).
pub struct TestVoters {
    voters: Vec<(Hash256, blst::min_pk::SecretKey, secp256k1::SecretKey)>,
}

impl TestVoters {
    /// `n` masternodes, keys derived from their index.
    pub fn new(n: u8) -> Self {
        let voters = (1..=n)
            .map(|i| {
                let bls = blst::min_pk::SecretKey::key_gen(&[i; 32], &[]).expect("key material");
                let mut secret = [i; 32];
                secret[0] = 0x5a;
                let ecdsa = secp256k1::SecretKey::from_byte_array(secret).expect("a valid key");
                (Hash256::from_byte_array([0x40 + i; 32]), bls, ecdsa)
            })
            .collect();
        TestVoters { voters }
    }

    /// A regtest list at `block_hash` holding the masternodes (version-2 entries, regular).
    pub fn list(
        &self,
        block_hash: dashlite::hash::BlockHash,
    ) -> dashlite::masternode::MasternodeList {
        let secp = secp256k1::Secp256k1::signing_only();
        let mut list = dashlite::masternode::MasternodeList::genesis(block_hash);
        for (pro_reg_tx_hash, bls, ecdsa) in &self.voters {
            let entry = dashlite::wire::SmlEntry {
                version: 2,
                pro_reg_tx_hash: *pro_reg_tx_hash,
                confirmed_hash: block_hash,
                net_info: dashlite::tx::NetInfo::EMPTY_LEGACY,
                operator_key: bls.sk_to_pk().compress(),
                voting_key_id: dashlite::hash::hash160(&ecdsa.public_key(&secp).serialize()),
                is_valid: true,
                mn_type: dashlite::tx::MN_TYPE_REGULAR,
                platform_http_port: 0,
                platform_node_id: [0; 20],
            };
            list.entries.insert(*pro_reg_tx_hash, entry);
        }
        list
    }

    /// A funding vote of masternode `i` (0-based) on the proposal `parent`, signed with its
    /// voting key as Dash Core signs on regtest (the signed message of the signature string).
    pub fn funding_vote(
        &self,
        i: usize,
        parent: Hash256,
        outcome: VoteOutcome,
        time: i64,
    ) -> GovObjectVote {
        let (pro_reg_tx_hash, _, ecdsa) = &self.voters[i];
        let mut vote = GovObjectVote {
            masternode_outpoint: OutPoint::new(
                Txid::from_byte_array(pro_reg_tx_hash.to_byte_array()),
                1,
            ),
            parent_hash: parent,
            outcome,
            signal: VoteSignal::Funding,
            time,
            signature: Vec::new(),
        };
        let hash = vote.signature_message_hash().to_byte_array();
        let secp = secp256k1::Secp256k1::signing_only();
        let sig = secp.sign_ecdsa_recoverable(secp256k1::Message::from_digest(hash), ecdsa);
        let (recid, rs) = sig.serialize_compact();
        vote.signature = vec![27 + 4 + i32::from(recid) as u8];
        vote.signature.extend_from_slice(&rs);
        vote
    }
}
