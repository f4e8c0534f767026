//! ChainLocks and InstantSend locks at the sync-engine level: test quorums (real BLS keys in
//! the commitments of the lists given to `on_masternode_list`) sign real `clsig` and
//! `isdlock` messages, honest and forged, delivered by simulated peers.

use dashlite::chain::ValidationError;
use dashlite::hash::{BlockHash, Hash256};
use dashlite::network::Network;
use dashlite::p2p::{Misbehavior, PeerId};
use dashlite::sync::SyncEvent;
use dashlite::tx::{OutPoint, Transaction, TxOut};
use dashlite::wallet::TxFinality;
use dashlite::wire::{Headers, Inv, InvType, Inventory, Message};
use dashlite_testkit::chain::COIN;
use dashlite_testkit::quorum::{Forgery, TestQuorums};
use dashlite_testkit::Chain;

mod engine_sim;

use engine_sim::*;

const FORGERIES: [Forgery; 3] = [Forgery::BadSignature, Forgery::WrongQuorum, Forgery::WrongHeight];

fn quorums() -> TestQuorums {
    TestQuorums::new(Network::Regtest, 7)
}

/// A sim synced to a 30-block chain paying alice every 5 blocks, with two honest peers.
fn synced() -> Sim {
    let (chain, _) = chain_paying_alice(30, 5);
    let mut sim = Sim::new(chain, alice_wallet());
    sim.connect(1, Mode::Honest, true);
    sim.connect(2, Mode::Honest, true);
    assert!(sim.synced_to_tip());
    sim.take_events();
    sim
}

/// The verified list at `height` of the sim's chain, holding the test quorums.
fn feed_list(sim: &mut Sim, q: &TestQuorums, height: u32) {
    let hash = sim.chain.hash_at(height).expect("block");
    let now = sim.now;
    sim.engine.on_masternode_list(height, hash, &q.list(hash), now);
    sim.pump();
}

fn chain_locked(sim: &Sim) -> Vec<(u32, BlockHash)> {
    sim.events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::ChainLocked { height, block_hash, .. } => Some((*height, *block_hash)),
            _ => None,
        })
        .collect()
}

fn instant_locked(sim: &Sim) -> Vec<dashlite::hash::Txid> {
    sim.events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::InstantLocked { txid, .. } => Some(*txid),
            _ => None,
        })
        .collect()
}

fn announce_tip(sim: &mut Sim, peer: u64) {
    let tip = sim.chain.tip();
    let inv = Inventory::Block(tip);
    sim.deliver(PeerId(peer), Message::Inv(Inv::new(vec![inv])));
}

/// A wallet transaction confirmed at or below `height`.
fn paid_at_or_below(sim: &Sim, height: u32) -> dashlite::hash::Txid {
    sim.confirmed().into_iter().find(|(_, h)| *h <= height).map(|(t, _)| t).expect("a payment")
}

#[test]
fn a_verified_chainlock_makes_its_block_final_and_its_transactions_chainlocked() {
    let q = quorums();
    let mut sim = synced();
    let mut control = synced();
    let (height, hash) = (30, sim.chain.tip());
    let paid = paid_at_or_below(&sim, height);
    assert_eq!(sim.engine.wallet().finality(&paid), Some(TxFinality::Confirmed));
    feed_list(&mut sim, &q, height - 8);
    sim.deliver(PeerId(1), Message::ClSig(q.clsig(height, hash)));
    assert_eq!(chain_locked(&sim), vec![(height, hash)]);
    assert_eq!(sim.engine.tree().chain_lock(), Some((height, hash)));
    assert_eq!(sim.engine.wallet().finality(&paid), Some(TxFinality::ChainLocked));
    assert!(penalties(&sim).is_empty(), "{:?}", penalties(&sim));

    // A branch with more work from below the locked block: the control follows it, the
    // ChainLocked engine refuses it and scores the peer as Dash Core scores BLOCK_CHAINLOCK.
    for s in [&mut sim, &mut control] {
        s.chain.reorg(3);
        announce_tip(s, 2);
    }
    assert_eq!(control.engine.tree().tip().hash, control.chain.tip());
    assert_eq!(sim.engine.tree().tip().hash, hash, "the locked block stays the tip");
    let refused = penalties(&sim).into_iter().any(|(p, what)| {
        p == PeerId(2)
            && what.score() == 10
            && matches!(
                what,
                Misbehavior::InvalidHeader(ValidationError::ConflictsWithChainLock {
                    locked_height: 30,
                    ..
                })
            )
    });
    assert!(refused, "{:?}", penalties(&sim));
    assert_eq!(sim.engine.wallet().finality(&paid), Some(TxFinality::ChainLocked));
}

#[test]
fn a_forged_chainlock_is_scored_10_and_changes_nothing() {
    let q = quorums();
    for forgery in FORGERIES {
        let mut sim = synced();
        let (height, hash) = (30, sim.chain.tip());
        feed_list(&mut sim, &q, height - 8);
        sim.deliver(PeerId(1), Message::ClSig(q.forged_clsig(forgery, height, hash)));
        assert!(chain_locked(&sim).is_empty(), "{forgery:?}");
        assert_eq!(sim.engine.tree().chain_lock(), None);
        assert_eq!(penalties(&sim), vec![(PeerId(1), Misbehavior::InvalidChainLock)]);
        assert_eq!(Misbehavior::InvalidChainLock.score(), 10);
        let paid = paid_at_or_below(&sim, height);
        assert_eq!(sim.engine.wallet().finality(&paid), Some(TxFinality::Confirmed));
        // The chain still follows more work.
        sim.chain.reorg(3);
        announce_tip(&mut sim, 2);
        assert_eq!(sim.engine.tree().tip().hash, sim.chain.tip(), "{forgery:?}");
    }
}

#[test]
fn a_chainlock_before_its_list_waits_and_verifies_when_the_list_arrives() {
    let q = quorums();
    let mut sim = synced();
    let (height, hash) = (30, sim.chain.tip());
    sim.deliver(PeerId(1), Message::ClSig(q.clsig(height, hash)));
    assert!(chain_locked(&sim).is_empty());
    assert_eq!(sim.engine.undecided_locks(), (1, 0));
    // A list at another height does not decide it (its set may differ at 22).
    feed_list(&mut sim, &q, 26);
    assert!(chain_locked(&sim).is_empty());
    feed_list(&mut sim, &q, height - 8);
    assert_eq!(chain_locked(&sim), vec![(height, hash)]);
    assert_eq!(sim.engine.undecided_locks(), (0, 0));
    assert!(penalties(&sim).is_empty());
}

#[test]
fn a_chainlock_for_a_block_not_yet_known_is_applied_when_its_header_arrives() {
    let q = quorums();
    let mut sim = synced();
    sim.chain.mine(1);
    let (height, hash) = (31, sim.chain.tip());
    feed_list(&mut sim, &q, height - 8);
    sim.deliver(PeerId(1), Message::ClSig(q.clsig(height, hash)));
    assert!(chain_locked(&sim).is_empty(), "reported before its block is known");
    assert_eq!(sim.engine.tree().chain_lock(), None);
    announce_tip(&mut sim, 2);
    assert_eq!(chain_locked(&sim), vec![(height, hash)]);
    assert_eq!(sim.engine.tree().chain_lock(), Some((height, hash)));
    assert!(penalties(&sim).is_empty());
}

#[test]
fn a_chainlock_on_a_branch_with_less_work_makes_it_the_best_chain() {
    let q = quorums();
    let mut sim = synced();
    let mut fork: Chain = sim.chain.fork_at(27);
    fork.mine(2);
    let headers = vec![fork.header(28).unwrap(), fork.header(29).unwrap()];
    sim.deliver(PeerId(2), Message::Headers(Headers::new(headers)));
    assert_eq!(sim.engine.tree().tip().height, 30, "less work: not followed");
    feed_list(&mut sim, &q, 21);
    let locked = fork.hash_at(29).unwrap();
    sim.deliver(PeerId(1), Message::ClSig(q.clsig(29, locked)));
    assert_eq!(sim.engine.tree().tip().hash, locked);
    let reorg = sim.events.iter().any(|e| matches!(e, SyncEvent::Reorg { fork_height: 27, .. }));
    assert!(reorg, "{:?}", sim.events);
    assert_eq!(chain_locked(&sim), vec![(29, locked)]);
}

/// A synced sim with an unmined payment to alice known to the wallet (fetched from peer 1).
fn with_pending_payment() -> (Sim, Transaction) {
    let mut sim = synced();
    let tx = sim.chain.send(&alice_script(), 3 * COIN);
    let inv = Inventory::Tx(tx.txid());
    sim.deliver(PeerId(1), Message::Inv(Inv::new(vec![inv])));
    assert_eq!(sim.engine.wallet().finality(&tx.txid()), Some(TxFinality::Unconfirmed));
    (sim, tx)
}

/// The cycle block of the InstantSend type (llmq_test_dip0024, 24 blocks) at height 24:
/// with the tip at 30 the lock is checked against the set at the tip.
const CYCLE: u32 = 24;

#[test]
fn a_verified_instant_lock_is_reported_once_and_the_transaction_is_instant_locked() {
    let q = quorums();
    let (mut sim, tx) = with_pending_payment();
    feed_list(&mut sim, &q, 30);
    let cycle = sim.chain.hash_at(CYCLE).unwrap();
    let lock = q.isdlock(&tx, cycle);
    sim.deliver(PeerId(1), Message::IsDLock(lock.clone()));
    sim.deliver(PeerId(2), Message::IsDLock(lock));
    assert_eq!(instant_locked(&sim), vec![tx.txid()]);
    assert_eq!(sim.engine.wallet().finality(&tx.txid()), Some(TxFinality::InstantLocked));
    assert!(penalties(&sim).is_empty(), "{:?}", penalties(&sim));
}

#[test]
fn an_instant_lock_before_the_list_is_pending_and_verified_when_the_list_arrives() {
    let q = quorums();
    let (mut sim, tx) = with_pending_payment();
    let cycle = sim.chain.hash_at(CYCLE).unwrap();
    sim.deliver(PeerId(1), Message::IsDLock(q.isdlock(&tx, cycle)));
    assert!(instant_locked(&sim).is_empty(), "reported before it verified");
    assert_eq!(sim.engine.undecided_locks(), (0, 1));
    assert_eq!(sim.engine.wallet().finality(&tx.txid()), Some(TxFinality::Unconfirmed));
    feed_list(&mut sim, &q, 30);
    assert_eq!(instant_locked(&sim), vec![tx.txid()]);
    assert_eq!(sim.engine.undecided_locks(), (0, 0));
    assert_eq!(sim.engine.wallet().finality(&tx.txid()), Some(TxFinality::InstantLocked));
}

#[test]
fn a_verified_lock_before_its_transaction_is_reported_when_the_transaction_arrives() {
    let q = quorums();
    let mut sim = synced();
    feed_list(&mut sim, &q, 30);
    let tx = sim.chain.send(&alice_script(), 2 * COIN);
    let cycle = sim.chain.hash_at(CYCLE).unwrap();
    sim.deliver(PeerId(1), Message::IsDLock(q.isdlock(&tx, cycle)));
    assert!(instant_locked(&sim).is_empty());
    let inv = Inventory::Tx(tx.txid());
    sim.deliver(PeerId(1), Message::Inv(Inv::new(vec![inv])));
    assert_eq!(instant_locked(&sim), vec![tx.txid()]);
    assert_eq!(sim.engine.wallet().finality(&tx.txid()), Some(TxFinality::InstantLocked));
}

#[test]
fn a_forged_instant_lock_is_never_reported_and_is_scored_20() {
    let q = quorums();
    for forgery in [Forgery::BadSignature, Forgery::WrongQuorum] {
        // Before the list (pending, then decided) and after it.
        for list_first in [false, true] {
            // A lock failing at the sign height is tried with the set one cycle lower
            // before it is found invalid: both lists are needed.
            let (mut sim, tx) = with_pending_payment();
            if list_first {
                feed_list(&mut sim, &q, 30);
            }
            let cycle = sim.chain.hash_at(CYCLE).unwrap();
            sim.deliver(PeerId(1), Message::IsDLock(q.forged_isdlock(forgery, &tx, cycle)));
            feed_list(&mut sim, &q, 30);
            assert!(penalties(&sim).is_empty(), "decided without the set at 30 − 24");
            feed_list(&mut sim, &q, 30 - 24);
            assert!(instant_locked(&sim).is_empty(), "{forgery:?}");
            assert_eq!(sim.engine.wallet().finality(&tx.txid()), Some(TxFinality::Unconfirmed));
            assert_eq!(penalties(&sim), vec![(PeerId(1), Misbehavior::InvalidInstantLock)]);
            assert_eq!(Misbehavior::InvalidInstantLock.score(), 20);
        }
    }
}

#[test]
fn instant_locks_naming_a_bad_cycle_are_scored_as_dash_core_scores_them() {
    let q = quorums();
    let (mut sim, tx) = with_pending_payment();
    feed_list(&mut sim, &q, 30);
    // Not a cycle start: 100. Unknown block: 1. Inputs twice: 100.
    let off_cycle = q.isdlock(&tx, sim.chain.hash_at(CYCLE + 1).unwrap());
    sim.deliver(PeerId(1), Message::IsDLock(off_cycle));
    let unknown = q.isdlock(&tx, BlockHash::from_byte_array([9; 32]));
    sim.deliver(PeerId(2), Message::IsDLock(unknown));
    assert_eq!(
        penalties(&sim),
        vec![
            (PeerId(1), Misbehavior::MalformedInstantLock),
            (PeerId(2), Misbehavior::UnknownLockCycle)
        ]
    );
    assert_eq!(Misbehavior::UnknownLockCycle.score(), 1);
    let mut twice = q.isdlock(&tx, sim.chain.hash_at(CYCLE).unwrap());
    twice.inputs.push(twice.inputs[0]);
    sim.deliver(PeerId(2), Message::IsDLock(twice));
    assert_eq!(penalties(&sim).last(), Some(&(PeerId(2), Misbehavior::MalformedInstantLock)));
    assert!(instant_locked(&sim).is_empty());
}

#[test]
fn a_spend_conflicting_with_a_locked_input_is_refused() {
    let q = quorums();
    let run = |lock_first: bool| {
        let (mut sim, tx) = with_pending_payment();
        if lock_first {
            feed_list(&mut sim, &q, 30);
            let cycle = sim.chain.hash_at(CYCLE).unwrap();
            sim.deliver(PeerId(1), Message::IsDLock(q.isdlock(&tx, cycle)));
            assert_eq!(instant_locked(&sim), vec![tx.txid()]);
        }
        let inputs: Vec<OutPoint> = tx.inputs.iter().map(|i| i.previous_output).collect();
        let rival = sim
            .chain
            .spend(&inputs, vec![TxOut { value: 2 * COIN, script_pubkey: alice_script() }]);
        let inv = Inventory::Tx(rival.txid());
        sim.deliver(PeerId(2), Message::Inv(Inv::new(vec![inv])));
        (sim, tx, rival)
    };
    // Without a lock the wallet records the rival (as conflicted: the first seen wins).
    let (sim, _, rival) = run(false);
    assert!(sim.engine.wallet().transaction(&rival.txid()).is_some());
    // With one it is refused, and the locked transaction is untouched.
    let (sim, tx, rival) = run(true);
    assert!(sim.engine.wallet().transaction(&rival.txid()).is_none());
    assert_eq!(sim.engine.wallet().finality(&tx.txid()), Some(TxFinality::InstantLocked));
    assert!(penalties(&sim).is_empty(), "Dash Core refuses it without a penalty");
}

#[test]
fn announced_locks_are_fetched_once() {
    let q = quorums();
    let (mut sim, tx) = with_pending_payment();
    let lock = q.isdlock(&tx, sim.chain.hash_at(CYCLE).unwrap());
    let clsig = q.clsig(30, sim.chain.tip());
    let hash_of = |bytes: Vec<u8>| Hash256::from_byte_array(dashlite::hash::sha256d(&bytes));
    let lock_hash = hash_of(dashlite::encode::Encode::to_bytes(&lock));
    let cl_hash = hash_of(dashlite::encode::Encode::to_bytes(&clsig));
    let inv = Message::Inv(Inv::new(vec![
        Inventory::new(InvType::Isdlock, lock_hash),
        Inventory::new(InvType::Clsig, cl_hash),
    ]));
    sim.deliver(PeerId(1), inv.clone());
    sim.deliver(PeerId(1), inv);
    assert_eq!(sim.peer(1).getdata_hashes(InvType::Isdlock), vec![lock_hash]);
    assert_eq!(sim.peer(1).getdata_hashes(InvType::Clsig), vec![cl_hash]);
}
