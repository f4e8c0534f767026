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
