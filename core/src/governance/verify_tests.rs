//! Governance signatures against test masternodes with real keys, the shared vectors'
//! signature hashes and strings, the re-check when a list arrives, and the weighted tally.

use super::test_keys::{list_of, TestMasternode};
use super::tests::vector_objects;
use super::*;
use crate::encode::Decode;
use crate::hash::{Hash256, Txid};
use crate::network::Network;
use crate::test_support::vectors;
use crate::tx::OutPoint;
use crate::wire::{GovObject, GovObjectType, GovObjectVote, VoteOutcome, VoteSignal};

const NOW: i64 = 1_721_400_000;

fn proposal() -> GovObject {
    vector_objects().remove(2).1
}

fn trigger() -> GovObject {
    GovObject {
        parent_hash: Hash256::ZERO,
        revision: 1,
        time: NOW - 100,
        collateral_hash: Txid::ZERO,
        data:
            br#"{"event_block_height":100,"payment_addresses":"a","payment_amounts":"1","type":2}"#
                .to_vec(),
        object_type: GovObjectType::Trigger,
        masternode_outpoint: OutPoint::NULL,
        signature: Vec::new(),
    }
}

fn signers(network: Network, mns: &[&TestMasternode]) -> Signers {
    Signers::new(network, &list_of(mns))
}

fn signer(network: Network, mn: &TestMasternode) -> Signer {
    let s = signers(network, &[mn]);
    s.resolve(&mn.collateral()).unwrap().0.clone()
}

#[test]
fn vote_vectors_give_dash_cores_signature_hash_and_string() {
    let v = vectors("governance.json");
    for case in v["govobjvote_vectors"].as_array().unwrap() {
        let hex = case["wire_payload_hex_with_empty_sig"].as_str().unwrap();
        let vote = GovObjectVote::from_bytes(&hex::decode(hex).unwrap()).unwrap();
        assert!(vote.signature.is_empty(), "the vectors carry no signature to check");
        let want = case["signature_hash_display (BLS operator / testnet ECDSA)"].as_str().unwrap();
        assert_eq!(vote.signature_hash().to_string(), want);
        let string = case["GetSignatureString (mainnet ECDSA voting key)"].as_str().unwrap();
        assert_eq!(vote.signature_string(), string);
        // An unsigned vote never verifies, with either key.
        let mn = TestMasternode::new(7, false);
        for key in [VoteKey::Voting, VoteKey::Operator] {
            assert!(!verify::verify_vote_signature(
                &vote,
                &signer(Network::Mainnet, &mn),
                key,
                Network::Mainnet
            ));
        }
    }
}

#[test]
fn operator_signed_votes_verify_and_tampered_copies_fail() {
    let mn = TestMasternode::new(3, false);
    let p = proposal().hash();
    let vote = mn.sign_operator(mn.vote(p, VoteSignal::Delete, VoteOutcome::Yes, NOW));
    let s = signer(Network::Mainnet, &mn);
    assert_eq!(
        verify::verify_vote(&vote, GovObjectType::Proposal, &s, Network::Mainnet, NOW),
        Ok(())
    );
    // The operator key of a version-1 entry is read in the legacy encoding: same point.
    let mut legacy = list_of(&[]);
    legacy.entries.insert(mn.pro_reg_tx_hash(), mn.entry(1));
    let legacy = Signers::new(Network::Mainnet, &legacy);
    let (ls, _) = legacy.resolve(&mn.collateral()).unwrap();
    assert!(ls.legacy_operator_key);
    assert!(verify::verify_vote_signature(&vote, ls, VoteKey::Operator, Network::Mainnet));

    let bad = VoteError::BadSignature(VoteKey::Operator);
    let mut tampered = vote.clone();
    tampered.outcome = VoteOutcome::No;
    assert_eq!(
        verify::verify_vote(&tampered, GovObjectType::Proposal, &s, Network::Mainnet, NOW),
        Err(bad)
    );
    let mut flipped = vote.clone();
    flipped.signature[40] ^= 1;
    assert_eq!(
        verify::verify_vote(&flipped, GovObjectType::Proposal, &s, Network::Mainnet, NOW),
        Err(bad)
    );
    let other = signer(Network::Mainnet, &TestMasternode::new(4, false));
    assert_eq!(
        verify::verify_vote(&vote, GovObjectType::Proposal, &other, Network::Mainnet, NOW),
        Err(bad)
    );
    // Any vote on a trigger is an operator vote, funding included.
    let on_trigger = mn.sign_operator(mn.vote(p, VoteSignal::Funding, VoteOutcome::Yes, NOW));
    assert_eq!(
        verify::verify_vote(&on_trigger, GovObjectType::Trigger, &s, Network::Mainnet, NOW),
        Ok(())
    );
}

#[test]
fn funding_votes_on_proposals_need_the_voting_key_signed_per_network() {
    let mn = TestMasternode::new(5, false);
    let p = proposal().hash();
    let unsigned = mn.vote(p, VoteSignal::Funding, VoteOutcome::Yes, NOW);
    let message_signed = mn.sign_voting(unsigned.clone(), Network::Mainnet);
    let hash_signed = mn.sign_voting(unsigned.clone(), Network::Testnet);
    let by_operator = mn.sign_operator(unsigned);
    let bad = Err(VoteError::BadSignature(VoteKey::Voting));
    for network in [Network::Mainnet, Network::Regtest, Network::Testnet] {
        let s = signer(network, &mn);
        let check =
            |v: &GovObjectVote| verify::verify_vote(v, GovObjectType::Proposal, &s, network, NOW);
        // Testnet signs the signature hash itself; every other network the signed message.
        let (right, wrong) = if network == Network::Testnet {
            (&hash_signed, &message_signed)
        } else {
            (&message_signed, &hash_signed)
        };
        assert_eq!(check(right), Ok(()), "{network:?}");
        assert_eq!(check(wrong), bad, "{network:?}");
        assert_eq!(check(&by_operator), bad, "the operator key cannot sign funding");
        let mut tampered = right.clone();
        tampered.time += 1;
        assert_eq!(check(&tampered), bad);
    }
}

#[test]
fn field_checks_come_before_the_signature() {
    let mn = TestMasternode::new(6, false);
    let s = signer(Network::Mainnet, &mn);
    let p = proposal().hash();
    let check = |signal, outcome, time| {
        let v = mn.sign_operator(mn.vote(p, signal, outcome, time));
        verify::verify_vote(&v, GovObjectType::Proposal, &s, Network::Mainnet, NOW)
    };
    assert_eq!(check(VoteSignal::Delete, VoteOutcome::No, NOW + 3600), Ok(()));
    assert_eq!(
        check(VoteSignal::Delete, VoteOutcome::No, NOW + 3601),
        Err(VoteError::FutureTime { time: NOW + 3601, now: NOW })
    );
    assert_eq!(check(VoteSignal::None, VoteOutcome::No, NOW), Err(VoteError::NoneSignal));
    assert_eq!(VoteError::NoneSignal.score(), 0);
    assert_eq!(check(VoteSignal::Other(5), VoteOutcome::No, NOW), Err(VoteError::BadSignal(5)));
    assert_eq!(check(VoteSignal::Valid, VoteOutcome::Other(4), NOW), Err(VoteError::BadOutcome(4)));
    assert_eq!(VoteError::BadOutcome(4).score(), 20);
}

#[test]
fn triggers_are_checked_with_the_operator_key_once_the_list_is_known() {
    let mn = TestMasternode::new(8, false);
    let signed = mn.sign_object(trigger());
    let mut tampered = signed.clone();
    tampered.data.push(b' ');
    let mut state = GovernanceState::new();
    let added = state.add_object(signed.clone(), NOW);
    assert!(matches!(added, ObjectAdded::New { signature: SignatureStatus::Unverified, .. }));
    state.set_signers(signers(Network::Mainnet, &[&mn]), NOW);
    assert_eq!(state.object(&signed.hash()).unwrap().signature, SignatureStatus::Verified);
    let added = state.add_object(tampered, NOW);
    assert!(matches!(added, ObjectAdded::New { signature: SignatureStatus::Invalid, .. }));
    // Signed by a masternode the client cannot find: undecided, not invalid.
    let stranger = TestMasternode::new(9, false).sign_object(trigger());
    let added = state.add_object(stranger, NOW);
    assert!(matches!(added, ObjectAdded::New { signature: SignatureStatus::Unverified, .. }));
    // Proposals carry no signature: their collateral authorises them.
    let added = state.add_object(proposal(), NOW);
    assert!(matches!(added, ObjectAdded::New { signature: SignatureStatus::NotSigned, .. }));
}

/// Regular masternodes 1 and 2, Evo masternode 3, with votes on one proposal: 1 yes, 2 no,
/// 3 yes (funding), 1 delete-no.
fn three_voters(p: Hash256) -> (Vec<TestMasternode>, Vec<GovObjectVote>) {
    let mns = vec![
        TestMasternode::new(1, false),
        TestMasternode::new(2, false),
        TestMasternode::new(3, true),
    ];
    let n = Network::Regtest;
    let votes = vec![
        mns[0].sign_voting(mns[0].vote(p, VoteSignal::Funding, VoteOutcome::Yes, NOW - 50), n),
        mns[1].sign_voting(mns[1].vote(p, VoteSignal::Funding, VoteOutcome::No, NOW - 50), n),
        mns[2].sign_voting(mns[2].vote(p, VoteSignal::Funding, VoteOutcome::Yes, NOW - 50), n),
        mns[0].sign_operator(mns[0].vote(p, VoteSignal::Delete, VoteOutcome::No, NOW - 50)),
    ];
    (mns, votes)
}

#[test]
fn held_votes_count_only_once_the_list_arrives_and_evo_weighs_four() {
    let obj = proposal();
    let p = obj.hash();
    let (mns, votes) = three_voters(p);
    let mut state = GovernanceState::new();
    // A vote before its object, the rest after: all held, none decidable.
    assert_eq!(state.add_vote(votes[0].clone(), NOW), VoteAdded::Unverified);
    state.add_object(obj, NOW);
    for v in &votes[1..] {
        assert_eq!(state.add_vote(v.clone(), NOW), VoteAdded::Unverified);
    }
    assert_eq!(state.tally(&p, VoteSignal::Funding), Tally::default());
    assert!(state.current_votes(&p).is_empty());

    let refs: Vec<&TestMasternode> = mns.iter().collect();
    let changed = state.set_signers(signers(Network::Regtest, &refs), NOW);
    assert_eq!(changed.into_iter().collect::<Vec<_>>(), [p]);
    assert!(votes.iter().all(|v| state.vote_status(&v.hash()) == Some(SignatureStatus::Verified)));
    assert_eq!(state.tally(&p, VoteSignal::Funding), Tally { yes: 5, no: 1, abstain: 0 });
    assert_eq!(state.tally(&p, VoteSignal::Funding).absolute_yes(), 4);
    assert_eq!(state.tally(&p, VoteSignal::Delete), Tally { yes: 0, no: 1, abstain: 0 });

    // The same list again changes nothing; a list without masternode 3 drops its weight.
    assert!(state.set_signers(signers(Network::Regtest, &refs), NOW).is_empty());
    state.set_signers(signers(Network::Regtest, &refs[..2]), NOW);
    assert_eq!(state.vote_status(&votes[2].hash()), Some(SignatureStatus::Unverified));
    assert_eq!(state.tally(&p, VoteSignal::Funding), Tally { yes: 1, no: 1, abstain: 0 });
}

#[test]
fn newer_votes_replace_older_and_a_forged_vote_never_counts() {
    let obj = proposal();
    let p = obj.hash();
    let (mns, votes) = three_voters(p);
    let refs: Vec<&TestMasternode> = mns.iter().collect();
    let mut state = GovernanceState::new();
    state.add_object(obj, NOW);
    state.set_signers(signers(Network::Regtest, &refs), NOW);
    for v in &votes {
        assert_eq!(state.add_vote(v.clone(), NOW), VoteAdded::New);
    }
    let n = Network::Regtest;
    let newer = mns[1].sign_voting(mns[1].vote(p, VoteSignal::Funding, VoteOutcome::Yes, NOW), n);
    assert_eq!(state.add_vote(newer, NOW), VoteAdded::Replaced { previous: votes[1].hash() });
    let late = mns[1].sign_voting(mns[1].vote(p, VoteSignal::Funding, VoteOutcome::No, NOW - 9), n);
    assert_eq!(state.add_vote(late, NOW), VoteAdded::Obsolete);
    assert_eq!(state.tally(&p, VoteSignal::Funding), Tally { yes: 6, no: 0, abstain: 0 });

    // Masternode 1's collateral, signed by masternode 2's key: held as invalid, not counted.
    let mut forged = mns[0].vote(p, VoteSignal::Funding, VoteOutcome::No, NOW + 10);
    forged.signature = mns[1].sign_voting(forged.clone(), n).signature;
    assert_eq!(
        state.add_vote(forged.clone(), NOW),
        VoteAdded::Invalid(VoteError::BadSignature(VoteKey::Voting))
    );
    assert!(state.has_vote(&forged.hash()), "held so it is not fetched again");
    assert!(!state.is_counted(&forged.hash()));
    assert_eq!(state.tally(&p, VoteSignal::Funding), Tally { yes: 6, no: 0, abstain: 0 });

    // Another output index of a ProRegTx resolves to the same masternode: one vote counts.
    let mut other_index = mns[0].vote(p, VoteSignal::Funding, VoteOutcome::No, NOW + 20);
    other_index.masternode_outpoint.vout += 1;
    let other_index = mns[0].sign_voting(other_index, n);
    assert_eq!(state.add_vote(other_index, NOW), VoteAdded::Replaced { previous: votes[0].hash() });
    assert_eq!(state.tally(&p, VoteSignal::Funding), Tally { yes: 5, no: 1, abstain: 0 });
}

#[test]
fn a_new_voting_key_re_decides_the_votes_signed_with_the_old_one() {
    let obj = proposal();
    let p = obj.hash();
    let mn = TestMasternode::new(1, false);
    let vote =
        mn.sign_voting(mn.vote(p, VoteSignal::Funding, VoteOutcome::Yes, NOW), Network::Regtest);
    let mut state = GovernanceState::new();
    state.add_object(obj, NOW);
    state.add_vote(vote.clone(), NOW);
    state.set_signers(signers(Network::Regtest, &[&mn]), NOW);
    assert!(state.is_counted(&vote.hash()));
    // A ProUpRegTx gave masternode 1 new keys: its old vote no longer verifies.
    let rekeyed = TestMasternode::with_keys(1, false, 42);
    let changed = state.set_signers(signers(Network::Regtest, &[&rekeyed]), NOW);
    assert!(changed.contains(&p));
    assert_eq!(state.vote_status(&vote.hash()), Some(SignatureStatus::Invalid));
    assert_eq!(state.tally(&p, VoteSignal::Funding), Tally::default());
}

#[test]
fn external_collateral_resolves_only_once_learned() {
    let mn = TestMasternode::new(1, false);
    let external = OutPoint::new(Txid::from_byte_array([0xee; 32]), 3);
    let mut s = signers(Network::Mainnet, &[&mn]);
    assert!(s.resolve(&external).is_none());
    assert_eq!(s.resolve(&mn.collateral()).unwrap().1, signers::Resolved::ProRegTxOutput);
    s.learn_collateral(mn.pro_reg_tx_hash(), external);
    assert_eq!(s.resolve(&external).unwrap().1, signers::Resolved::LearnedCollateral);
    // The ProRegTx names an external collateral: its own outputs are not the masternode's.
    assert!(s.resolve(&mn.collateral()).is_none());
    // Internal collateral learned: only the exact index resolves.
    s.learn_collateral(mn.pro_reg_tx_hash(), mn.collateral());
    assert!(s.resolve(&mn.collateral()).is_some());
    let mut other = mn.collateral();
    other.vout += 1;
    assert!(s.resolve(&other).is_none());
    assert!(s.resolve(&external).is_none());
}
