//! Governance state and sync against the shared vectors (`vectors/governance.json`), the
//! documentation hexdumps (`spec/governance-messages.md`) and the recorded regtest session.

use super::*;
use crate::bloom::BloomFilter;
use crate::encode::Decode;
use crate::hash::{Hash256, Txid};
use crate::network::Network;
use crate::test_support::{hex_bytes, shared_file, vectors};
use crate::tx::OutPoint;
use crate::wire::{
    GovObject, GovObjectType, GovObjectVote, GovSync, InvType, Inventory, SyncItem,
    SyncStatusCount, VoteOutcome, VoteSignal,
};
use std::net::IpAddr;

pub(super) fn vector_objects() -> Vec<(serde_json::Value, GovObject)> {
    let v = vectors("governance.json");
    v["govobj_vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let obj = match case.get("govobj_payload_hex") {
                Some(hex) => GovObject::from_bytes(&hex_bytes(hex)).unwrap(),
                None => {
                    let f = &case["fields"];
                    GovObject {
                        parent_hash: Hash256::ZERO,
                        revision: f["revision"].as_i64().unwrap() as i32,
                        time: f["time"].as_i64().unwrap(),
                        collateral_hash: Txid::ZERO,
                        data: hex_bytes(&f["vchData_hex"]),
                        object_type: GovObjectType::Proposal,
                        masternode_outpoint: OutPoint::NULL,
                        signature: Vec::new(),
                    }
                }
            };
            (case.clone(), obj)
        })
        .collect()
}

fn display_hash(case: &serde_json::Value) -> String {
    case.get("hash_display").unwrap_or(&case["expected_hash_display"]).as_str().unwrap().to_owned()
}

/// The JSON inside a proposal's data, for comparison with the vectors' own parse.
fn inner_json(data: &[u8]) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(data).unwrap();
    if v.is_array() {
        v[0][1].clone()
    } else {
        v
    }
}

fn assert_proposal_matches(p: &Proposal, want: &serde_json::Value) {
    assert_eq!(p.name, want["name"]);
    assert_eq!(p.url, want["url"]);
    assert_eq!(p.payment_address, want["payment_address"]);
    assert_eq!(p.start_epoch, want["start_epoch"]);
    assert_eq!(p.end_epoch, want["end_epoch"]);
    assert_eq!(p.object_type, want["type"].as_i64());
    let dash = want["payment_amount"].as_f64().unwrap();
    assert_eq!(p.payment_amount_duffs, (dash * 1e8).round() as i64);
}

#[test]
fn vector_objects_are_held_by_their_hash_with_both_data_formats_decoded() {
    let mut state = GovernanceState::new();
    for (case, obj) in vector_objects() {
        let name = case["name"].as_str().unwrap();
        let want = inner_json(&obj.data);
        let added = state.add_object(obj.clone(), 0);
        let hash = obj.hash();
        let signature = SignatureStatus::NotSigned;
        assert_eq!(added, ObjectAdded::New { hash, invalid_data: false, signature }, "{name}");
        assert_eq!(hash.to_string(), display_hash(&case), "{name}");
        let stored = state.object(&hash).unwrap();
        assert_eq!(stored.signature, SignatureStatus::NotSigned);
        assert_proposal_matches(stored.data.proposal().expect(name), &want);
        assert_eq!(state.add_object(obj, 0), ObjectAdded::Known);
    }
    assert_eq!(state.proposals().len(), 3);
    let first = &state.proposals().into_iter().find(|o| o.object.revision == 1).unwrap();
    assert!(first.data.proposal().is_some());
    // The old-format DashSync vector, field by field.
    let (_, obj) = &vector_objects()[0];
    let p = state.object(&obj.hash()).unwrap().data.proposal().unwrap().clone();
    assert_eq!(p.name, "Dash-Merchant-Venezuela-5000-Merchants");
    assert_eq!(p.payment_amount_duffs, 295 * DUFFS_PER_DASH);
    assert_eq!((p.start_epoch, p.end_epoch), (1_547_626_568, 1_560_503_968));
    assert!(p.payment_address(Network::Mainnet).is_ok());
}

#[test]
fn recorded_session_govobj_decodes_to_the_session_proposal() {
    let v = vectors("dashd-regtest-session.json");
    let frame = v["frames"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["command"] == "govobj")
        .expect("a govobj frame");
    let raw = hex_bytes(&frame["frame"]);
    let obj = GovObject::from_bytes(&raw[24..]).unwrap();
    let want = &v["governance_object"];
    assert_eq!(obj.hash().to_string(), want["hash"]);
    assert_eq!(obj.collateral_hash.to_string(), want["collateral_txid"]);
    let json: serde_json::Value = serde_json::from_slice(&obj.data).unwrap();
    assert_eq!(json, want["data_json"]);

    let mut state = GovernanceState::new();
    state.add_object(obj.clone(), 0);
    let stored = state.object(&obj.hash()).unwrap();
    let p = stored.data.proposal().unwrap();
    assert_proposal_matches(p, &want["data_json"]);
    assert_eq!(p.payment_amount_duffs, 42 * DUFFS_PER_DASH);
    assert!(p.payment_address(Network::Regtest).is_ok());
}

/// The text blocks of the documentation's annotated hexdumps, as bytes (annotations
/// dropped: every even-length hex token, trailing dots removed, not right after a `:`).
fn doc_hexdumps() -> Vec<Vec<u8>> {
    let md = String::from_utf8(shared_file("spec/governance-messages.md")).unwrap();
    md.split("``` text")
        .skip(1)
        .map(|block| {
            let block = block.split("```").next().unwrap();
            let mut hex = String::new();
            let mut after_colon = false;
            for token in block.split_whitespace() {
                let bytes = token.trim_end_matches('.');
                // "Signature length: 96" is an annotation, not data.
                if !after_colon
                    && bytes.len() % 2 == 0
                    && bytes.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    hex.push_str(bytes);
                }
                after_colon = token.ends_with(':');
            }
            hex::decode(hex).unwrap()
        })
        .collect()
}

#[test]
fn documentation_vote_and_govsync_hexdumps() {
    let dumps = doc_hexdumps();
    assert_eq!(dumps.len(), 4, "proposal, trigger, vote, govsync");
    // The vote dump is complete (the object dumps truncate their data).
    let vote = GovObjectVote::from_bytes(&dumps[2]).unwrap();
    assert_eq!(vote.masternode_outpoint.vout, 1);
    assert_eq!((vote.outcome, vote.signal), (VoteOutcome::Yes, VoteSignal::Delete));
    assert_eq!(vote.time, 0x5c23_3dec);
    assert_eq!(vote.signature.len(), 96);
    let mut state = GovernanceState::new();
    // No masternode list (and its object unknown): held, not counted.
    assert_eq!(state.add_vote(vote.clone(), i64::MAX), VoteAdded::Unverified);
    assert_eq!(state.tally(&vote.parent_hash, VoteSignal::Delete), Tally::default());

    // The govsync dump asks for one object's votes with an empty filter, which Dash Core
    // answers with no votes; ours always carry a real filter.
    let doc = GovSync::from_bytes(&dumps[3]).unwrap();
    assert_ne!(doc.prop_hash, Hash256::ZERO);
    assert!(doc.filter.data.is_empty());
    let ours = GovernanceSync::new(Network::Mainnet).vote_sync(&state, doc.prop_hash, 7);
    assert_eq!(ours.prop_hash, doc.prop_hash);
    assert!(!ours.filter.data.is_empty());
}

pub(super) fn vote(
    mn: u8,
    parent: Hash256,
    signal: VoteSignal,
    outcome: VoteOutcome,
    time: i64,
) -> GovObjectVote {
    GovObjectVote {
        masternode_outpoint: OutPoint { txid: Txid::from_byte_array([mn; 32]), vout: 0 },
        parent_hash: parent,
        outcome,
        signal,
        time,
        signature: vec![1; 96],
    }
}

#[test]
fn a_snapshot_restores_the_same_tallies_in_any_order() {
    use super::test_keys::{list_of, TestMasternode};
    let (_, obj) = vector_objects().remove(2);
    let h = obj.hash();
    let now = 1_721_400_000;
    let mns: Vec<TestMasternode> = (1..=3).map(|i| TestMasternode::new(i, i == 3)).collect();
    let n = Network::Mainnet;
    let mut state = GovernanceState::new();
    state.add_object(obj, now);
    for (i, mn) in mns.iter().enumerate() {
        let outcome = [VoteOutcome::Yes, VoteOutcome::No, VoteOutcome::Abstain][i];
        state.add_vote(mn.sign_voting(mn.vote(h, VoteSignal::Funding, outcome, now - 9), n), now);
        let newer = mn.vote(h, VoteSignal::Funding, VoteOutcome::Yes, now - 5 + i as i64);
        state.add_vote(mn.sign_voting(newer, n), now);
    }
    let refs: Vec<&TestMasternode> = mns.iter().collect();
    let signers = Signers::new(n, &list_of(&refs));
    state.set_signers(signers.clone(), now);
    assert_eq!(state.tally(&h, VoteSignal::Funding), Tally { yes: 6, no: 0, abstain: 0 });
    assert_eq!(state.current_votes(&h).len(), 3);
    assert_eq!(state.vote_hashes(&h).count(), 6);

    let (objects, mut votes) = state.snapshot();
    votes.reverse();
    let mut restored = GovernanceState::restore(objects, votes);
    assert_eq!(restored.counts(), state.counts());
    assert!(restored.tallies(&h).is_empty(), "nothing counts before a list");
    restored.set_signers(signers, now);
    assert_eq!(restored.tallies(&h), state.tallies(&h));
}

#[test]
fn bad_json_is_kept_raw_and_flagged() {
    let (_, mut obj) = vector_objects().remove(2);
    for (data, want) in [
        (&b"{\"name\":\"x\""[..], DataError::Json("expected ',' or '}'")),
        (&b"\xff\xfe"[..], DataError::NotUtf8),
        (&b"[1,2]"[..], DataError::NotAnObject),
        (&b"{\"name\":\"x\",\"url\":\"u\"}"[..], DataError::Field("payment_address")),
    ] {
        obj.data = data.to_vec();
        let mut state = GovernanceState::new();
        assert_eq!(
            state.add_object(obj.clone(), 0),
            ObjectAdded::New {
                hash: obj.hash(),
                invalid_data: true,
                signature: SignatureStatus::NotSigned
            }
        );
        let stored = state.object(&obj.hash()).unwrap();
        assert_eq!(stored.data, ObjectData::Invalid(want));
        assert_eq!(stored.object.data, data, "raw bytes kept");
    }
    // Triggers keep their JSON; a signed object's signature is unverified.
    obj.data = br#"{"event_block_height":1,"payment_addresses":"a|b","type":2}"#.to_vec();
    obj.object_type = GovObjectType::Trigger;
    obj.masternode_outpoint = OutPoint { txid: Txid::from_byte_array([9; 32]), vout: 0 };
    obj.signature = vec![3; 96];
    let mut state = GovernanceState::new();
    state.add_object(obj.clone(), 0);
    let stored = state.object(&obj.hash()).unwrap();
    assert_eq!(stored.signature, SignatureStatus::Unverified);
    let ObjectData::Json(json) = &stored.data else { panic!("{:?}", stored.data) };
    assert_eq!(json.get("payment_addresses").and_then(Json::as_str), Some("a|b"));
    assert!(state.proposals().is_empty());
}

#[test]
fn json_reader_is_strict_and_bounded() {
    for bad in ["", "01", "1.", "-", "[1,]", "{\"a\"}", "\"\\x\"", "tru", "[1] 2", "\"\u{1}\""] {
        assert!(Json::parse(bad).is_err(), "{bad:?}");
    }
    let deep = "[".repeat(100) + &"]".repeat(100);
    assert_eq!(Json::parse(&deep), Err("JSON nested too deeply"));
    let v = Json::parse(r#" {"a":[true,false,null,-1.5e3],"s":"\u00e9\ud83d\ude00\n","a":2} "#)
        .unwrap();
    assert_eq!(v.get("a").and_then(Json::as_i64), Some(2), "last duplicate wins");
    assert_eq!(v.get("s").and_then(Json::as_str), Some("é😀\n"));
    assert_eq!(dash_to_duffs("12.5"), Some(1_250_000_000));
    assert_eq!(dash_to_duffs("0.00000001"), Some(1));
    assert_eq!(dash_to_duffs("1e2"), Some(100 * DUFFS_PER_DASH));
    assert_eq!(dash_to_duffs("-1"), None);
}

#[test]
fn full_syncs_wait_out_dash_cores_fulfilled_request_window() {
    let full = vectors("governance.json")["govsync"]["full_sync_request_payload_hex"].clone();
    let peer: IpAddr = "10.0.0.1".parse().unwrap();
    let other: IpAddr = "10.0.0.2".parse().unwrap();
    for (network, window) in
        [(Network::Mainnet, 3600), (Network::Testnet, 300), (Network::Regtest, 300)]
    {
        assert_eq!(fulfilled_request_window(network), window);
        let mut sync = GovernanceSync::new(network);
        let request = sync.full_sync(peer, 1000).unwrap();
        assert_eq!(crate::encode::Encode::to_bytes(&request), hex_bytes(&full));
        let not_before = 1000 + window + FULL_SYNC_MARGIN_SECONDS;
        for t in [1000, 1000 + window, not_before - 1] {
            assert_eq!(sync.full_sync(peer, t), Err(RateLimited { peer, not_before }), "{t}");
        }
        assert!(sync.full_sync(other, 1001).is_ok(), "limits are per peer");
        assert!(sync.full_sync(peer, not_before).is_ok());
        // Persisted times survive a restart.
        let mut again = GovernanceSync::new(network);
        again.restore_full_sync_times(sync.full_sync_times());
        assert!(again.full_sync(peer, not_before + 1).is_err());
    }
}

#[test]
fn vote_syncs_filter_the_votes_held_and_invs_become_getdata() {
    let (_, obj) = vector_objects().remove(2);
    let h = obj.hash();
    let mut state = GovernanceState::new();
    state.add_object(obj, 0);
    let held = vote(1, h, VoteSignal::Funding, VoteOutcome::Yes, 100);
    state.add_vote(held.clone(), 1000);
    let peer: IpAddr = "10.0.0.1".parse().unwrap();
    let mut sync = GovernanceSync::new(Network::Regtest);

    let requests = sync.next_vote_syncs(&state, peer, 1000, 10, || 42);
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.prop_hash, h);
    let f = &request.filter;
    let filter = BloomFilter::from_parts(f.data.clone(), f.hash_funcs, f.tweak, f.flags).unwrap();
    let sized = BloomFilter::new(100, GOVERNANCE_FILTER_FP_RATE, 42, 1).unwrap();
    assert_eq!(filter.data().len(), sized.data().len());
    assert_eq!((f.tweak, f.flags), (42, 1));
    assert!(filter.contains(held.hash().as_bytes()));
    let unheld = vote(2, h, VoteSignal::Funding, VoteOutcome::No, 100);
    assert!(!filter.contains(unheld.hash().as_bytes()));
    // Not asked again from the same peer within the hour; another peer may be asked.
    assert!(sync.next_vote_syncs(&state, peer, 1000 + 3599, 10, || 1).is_empty());
    assert_eq!(sync.next_vote_syncs(&state, "10.0.0.3".parse().unwrap(), 1001, 10, || 1).len(), 1);
    assert_eq!(sync.next_vote_syncs(&state, peer, 1000 + 3600, 10, || 1).len(), 1);

    sync.on_ssc(&SyncStatusCount { item: SyncItem::GovObj, count: 1 });
    sync.on_ssc(&SyncStatusCount { item: SyncItem::GovObjVote, count: 2 });
    sync.on_ssc(&SyncStatusCount { item: SyncItem::GovObjVote, count: -5 });
    let p = sync.progress();
    assert_eq!((p.objects_announced, p.votes_announced), (1, 2));
    assert_eq!((p.object_syncs_answered, p.vote_syncs_answered), (1, 2));

    let other_obj = Hash256::from_byte_array([7; 32]);
    let inv = [
        Inventory::new(InvType::GovernanceObject, h),
        Inventory::new(InvType::GovernanceObject, other_obj),
        Inventory::new(InvType::GovernanceObjectVote, held.hash()),
        Inventory::new(InvType::GovernanceObjectVote, unheld.hash()),
        Inventory::new(InvType::Tx, other_obj),
    ];
    let want = vec![inv[1], inv[3]];
    assert_eq!(sync.on_inv(&state, &inv), want);
    assert!(sync.on_inv(&state, &inv).is_empty(), "already requested");
    assert_eq!(sync.in_flight(), 2);
    sync.on_received(&inv[3]);
    assert_eq!(sync.in_flight(), 1);
}
