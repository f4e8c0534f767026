//! The sans-IO [`SyncEngine`] driven by synthetic node events: simulated peers answer its
//! commands from a testkit regtest chain (real proof of work, real merkle trees) the way Dash
//! Core does, or stay silent, withhold transactions or match everything, as a test asks.

use std::collections::BTreeMap;

use dashlite::chain::MemoryHeaderStore;
use dashlite::hash::{BlockHash, Hash256};
use dashlite::network::Network;
use dashlite::p2p::{PeerCommand, PeerId, SECOND};
use dashlite::store::Progress;
use dashlite::sync::{
    start_header, BroadcastOutcome, SyncEngine, SyncEvent, DEFAULT_BLOCKS_IN_FLIGHT,
};
use dashlite::tx::{Script, Transaction};
use dashlite::wallet::{Address, TxStatus, Wallet, WalletEvent};
use dashlite::wire::{GetData, Inv, InvType, Inventory, Message};
use dashlite_testkit::chain::COIN;
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::{BlockSpec, Chain};

mod engine_sim;

use engine_sim::*;

#[test]
fn a_silent_sync_peer_is_replaced_after_the_headers_timeout() {
    let (chain, payments) = chain_paying_alice(40, 10);
    let mut sim = Sim::new(chain, alice_wallet());
    sim.connect(1, Mode::Silent, true);
    sim.connect(2, Mode::Honest, true);
    assert_eq!(sim.peer(1).count(|m| matches!(m, Message::GetHeaders2(_))), 1);
    assert_eq!(sim.peer(2).count(|m| matches!(m, Message::GetHeaders2(_))), 0);
    assert_eq!(sim.engine.tree().tip().height, 0);
    sim.tick(config().headers_timeout + SECOND);
    assert!(sim.peer(2).count(|m| matches!(m, Message::GetHeaders2(_))) > 0);
    assert_eq!(sim.engine.tree().tip().hash, sim.chain.tip());
    // Its share of the blocks moves on too.
    sim.tick(config().block_timeout + SECOND);
    assert!(sim.synced_to_tip());
    assert_eq!(sim.confirmed(), payments);
}

#[test]
fn a_silent_block_peer_loses_its_requests_to_another_peer() {
    let (chain, payments) = chain_paying_alice(80, 7);
    let mut sim = Sim::new(chain, alice_wallet());
    sim.connect_all(&[(1, Mode::NoBlocks), (2, Mode::Honest)]);
    let owed = sim.peer(1).getdata_hashes(InvType::FilteredBlock);
    assert!(!owed.is_empty(), "the first block peer was asked for nothing");
    assert!(sim.peer(2).getdata_hashes(InvType::FilteredBlock).is_empty(), "one stream");
    assert!(!sim.synced_to_tip());
    sim.tick(config().block_timeout + SECOND);
    let from_other = sim.peer(2).getdata_hashes(InvType::FilteredBlock);
    assert!(owed.iter().all(|h| from_other.contains(h)), "not every owed block moved");
    // The slow peer is not asked again while another keeps up.
    assert_eq!(sim.peer(1).getdata_hashes(InvType::FilteredBlock), owed);
    assert!(sim.synced_to_tip());
    assert_eq!(sim.confirmed(), payments);
}

#[test]
fn a_peer_starting_another_merkleblock_before_the_matched_txs_is_scored_100_and_replaced() {
    let (chain, payments) = chain_paying_alice(80, 3);
    let mut sim = Sim::new(chain, alice_wallet());
    // The withholding peer is the first block peer.
    sim.connect_all(&[(1, Mode::Withhold), (2, Mode::Honest)]);
    let punished = sim.other.iter().any(|c| {
        matches!(c, PeerCommand::Misbehaving { peer, what } if *peer == PeerId(1) && what.score() == 100)
    });
    assert!(punished, "commands: {:?}", sim.other);
    assert!(sim.peer(1).gone);
    // The block whose transactions were withheld was asked of the honest peer after.
    let withheld = sim
        .peer(1)
        .getdata_hashes(InvType::FilteredBlock)
        .into_iter()
        .find(|h| {
            let hash = BlockHash::from_byte_array(h.to_byte_array());
            let height = sim.chain.height_of(&hash).unwrap();
            sim_block_pays(&sim.chain, height, &alice_script())
        })
        .expect("the withholding peer was asked for a paying block");
    let honest = sim.peer(2).getdata_hashes(InvType::FilteredBlock);
    assert!(honest.contains(&withheld), "the withheld block was not asked again");
    assert!(sim.synced_to_tip());
    assert_eq!(sim.confirmed(), payments);
}

#[test]
fn the_block_peer_is_asked_for_a_whole_window_at_once() {
    // Dash Core idles once it has served every request; a deep window keeps it busy.
    let mut sim = Sim::new(Chain::with_blocks(2_100), alice_wallet());
    sim.connect(1, Mode::NoBlocks, true);
    assert_eq!(sim.engine.tree().tip().height, 2_100);
    let asked = sim.peer(1).getdata_hashes(InvType::FilteredBlock);
    assert_eq!(asked.len(), DEFAULT_BLOCKS_IN_FLIGHT);
    let first: Vec<Hash256> =
        (1..=2_000).map(|h| block_hash(&sim.chain.hash_at(h).expect("block"))).collect();
    assert_eq!(asked, first, "the lowest heights, in order");
}

#[test]
fn a_peer_without_headers2_is_synced_with_plain_headers() {
    // More than one full `headers` reply (2,000).
    let mut chain = Chain::with_blocks(2_050);
    let tx = chain.send(&alice_script(), COIN);
    chain.mine(1);
    let mut sim = Sim::new(chain, alice_wallet());
    sim.connect(1, Mode::Honest, false);
    let plain = sim.peer(1).count(|m| matches!(m, Message::GetHeaders(_)));
    assert!(plain >= 2, "one request per full reply, then one more");
    assert_eq!(sim.peer(1).count(|m| matches!(m, Message::GetHeaders2(_))), 0);
    assert_eq!(sim.engine.tree().tip().hash, sim.chain.tip());
    assert!(sim.synced_to_tip());
    assert_eq!(sim.confirmed().get(&tx.txid()), Some(&2_051));
}

#[test]
fn false_positive_drift_reloads_the_filter_and_fetches_the_blocks_again() {
    let mut chain = Chain::with_blocks(4);
    let bob = TestKey::from_seed("bob").p2pkh();
    let mut payments = BTreeMap::new();
    for i in 0..60 {
        for _ in 0..3 {
            chain.send(&bob, COIN);
        }
        if i == 30 {
            let tx = chain.send(&alice_script(), COIN);
            payments.insert(tx.txid(), chain.height() + 1);
        }
        chain.mine(1);
    }
    let mut sim = Sim::new(chain, alice_wallet());
    sim.connect(1, Mode::MatchAllUntilReload, true);
    assert!(
        sim.peer(1).count(|m| matches!(m, Message::FilterLoad(_))) >= 1,
        "no reload for a peer matching everything"
    );
    let asked = sim.peer(1).getdata_hashes(InvType::FilteredBlock);
    let mut counts: BTreeMap<Hash256, usize> = BTreeMap::new();
    for h in asked {
        *counts.entry(h).or_default() += 1;
    }
    assert!(counts.values().any(|&n| n >= 2), "no block was asked for again");
    assert!(sim.synced_to_tip());
    assert_eq!(sim.confirmed(), payments);
    assert_eq!(sim.engine.wallet().transactions().len(), payments.len());
}

#[test]
fn filtered_blocks_stream_from_one_peer_so_payments_cost_no_second_request() {
    // A payment every third block, each spent in full in the very next block: the block peer
    // adds each payment's outpoint to its filter as it matches the payment, so it matches the
    // spend too, and nothing is asked twice.
    let mut chain = Chain::with_blocks(4);
    let bob = TestKey::from_seed("bob").p2pkh();
    let mut confirmed = BTreeMap::new();
    for i in 0..90 {
        chain.send(&bob, COIN);
        if i % 3 == 0 {
            let pay = chain.send(&alice_script(), 2 * COIN);
            chain.mine(1);
            confirmed.insert(pay.txid(), chain.height());
            let vout = pay.outputs.iter().position(|o| o.script_pubkey == alice_script()).unwrap();
            let spend = chain.spend_signed(&pay, vout as u32, &alice(), &bob);
            chain.mine(1);
            confirmed.insert(spend.txid(), chain.height());
        } else {
            chain.mine(1);
        }
    }
    let mut sim = Sim::new(chain, alice_wallet());
    sim.connect_all(&[(1, Mode::Honest), (2, Mode::Honest), (3, Mode::Honest)]);
    assert!(sim.synced_to_tip());
    assert_eq!(sim.confirmed(), confirmed);
    assert_eq!(sim.engine.wallet().balance().total(), 0);
    let shares: Vec<usize> =
        (1..=3).map(|id| sim.peer(id).getdata_hashes(InvType::FilteredBlock).len()).collect();
    assert_eq!(shares.iter().filter(|&&n| n > 0).count(), 1, "shares {shares:?}");
    let asked = sim.peer(1).getdata_hashes(InvType::FilteredBlock);
    let unique: std::collections::BTreeSet<_> = asked.iter().collect();
    assert_eq!(unique.len(), asked.len(), "a block was asked for twice");
}

/// A synced sim with `n` peers and an unmined payment to alice (returned, not yet relayed).
fn synced_with_pending_payment(n: u64) -> (Sim, Transaction) {
    let (chain, _) = chain_paying_alice(20, 5);
    let mut sim = Sim::new(chain, alice_wallet());
    for id in 1..=n {
        sim.connect(id, Mode::Honest, true);
    }
    assert!(sim.synced_to_tip());
    let tx = sim.chain.send(&alice_script(), 3 * COIN);
    sim.take_events();
    (sim, tx)
}

#[test]
fn a_broadcast_goes_to_about_half_the_peers_is_served_and_propagates_when_announced_back() {
    let (mut sim, tx) = synced_with_pending_payment(4);
    let txid = sim.engine.broadcast(tx.clone());
    assert_eq!(txid, tx.txid());
    assert_eq!(
        sim.engine.wallet().transaction(&txid).map(|w| w.status),
        Some(TxStatus::Unconfirmed)
    );
    sim.pump();
    let announced = sim.engine.broadcast_peers(&txid);
    assert_eq!(announced.len(), 2, "half of 4 peers");
    let inv =
        |m: &Message| matches!(m, Message::Inv(i) if i.inventory.contains(&Inventory::Tx(txid)));
    for id in 1..=4 {
        let got = sim.peer(id).count(inv);
        assert_eq!(got, usize::from(announced.contains(&PeerId(id))), "peer {id}");
    }
    // An announced peer asks for it and is served.
    let asker = announced[0];
    sim.deliver(asker, Message::GetData(GetData::new(vec![Inventory::Tx(txid)])));
    assert!(sim.peers[&asker].received.contains(&Message::Tx(tx.clone())));
    // An announced peer announcing it back proves nothing.
    let back = Message::Inv(Inv::new(vec![Inventory::Tx(txid)]));
    sim.deliver(asker, back.clone());
    assert!(!sim.events.iter().any(|e| matches!(e, SyncEvent::Broadcast { .. })));
    let witness = (1..=4).map(PeerId).find(|p| !announced.contains(p)).unwrap();
    sim.deliver(witness, back);
    assert!(sim
        .events
        .contains(&SyncEvent::Broadcast { txid, outcome: BroadcastOutcome::Propagated }));
    // Ours: not fetched back from the witness.
    assert_eq!(sim.peers[&witness].getdata_hashes(InvType::Tx), Vec::<Hash256>::new());
}

#[test]
fn a_broadcast_nobody_announces_back_times_out() {
    let (mut sim, tx) = synced_with_pending_payment(2);
    let txid = sim.engine.broadcast(tx);
    sim.pump();
    sim.tick(config().broadcast_timeout - SECOND);
    assert!(!sim.events.iter().any(|e| matches!(e, SyncEvent::Broadcast { .. })));
    sim.tick(2 * SECOND);
    assert!(sim
        .events
        .contains(&SyncEvent::Broadcast { txid, outcome: BroadcastOutcome::TimedOut }));
    // Still in the wallet, unconfirmed; no longer served.
    assert_eq!(
        sim.engine.wallet().transaction(&txid).map(|w| w.status),
        Some(TxStatus::Unconfirmed)
    );
    sim.deliver(PeerId(1), Message::GetData(GetData::new(vec![Inventory::Tx(txid)])));
    assert!(matches!(sim.peer(1).received.last(), Some(Message::NotFound(_))));
}

#[test]
fn a_broadcast_without_peers_is_announced_to_the_first_that_connects() {
    let (mut sim, tx) = synced_with_pending_payment(1);
    sim.disconnect(PeerId(1));
    let txid = sim.engine.broadcast(tx);
    sim.pump();
    assert!(sim.engine.broadcast_peers(&txid).is_empty());
    sim.connect(5, Mode::Honest, true);
    assert_eq!(sim.engine.broadcast_peers(&txid), vec![PeerId(5)]);
    // A second peer is kept as a witness (one of two already holds it).
    sim.connect(6, Mode::Honest, true);
    assert_eq!(sim.engine.broadcast_peers(&txid), vec![PeerId(5)]);
    let back = Message::Inv(Inv::new(vec![Inventory::Tx(txid)]));
    sim.deliver(PeerId(6), back);
    assert!(sim
        .events
        .contains(&SyncEvent::Broadcast { txid, outcome: BroadcastOutcome::Propagated }));
}

/// Syncs `chain` with a fresh engine and returns its store, wallet and progress.
fn synced_state(chain: &Chain) -> (MemoryHeaderStore, Wallet, Progress, Sim) {
    let mut sim = Sim::new(chain.clone(), alice_wallet());
    sim.connect(1, Mode::Honest, true);
    assert!(sim.synced_to_tip());
    let progress = sim.engine.progress().expect("progress");
    assert_eq!(progress, Progress { height: chain.height(), hash: chain.tip() });
    let wallet = sim.engine.wallet().clone();
    (sim.engine.store_mut().clone(), wallet, progress, sim)
}

fn restored(wallet: &Wallet) -> Wallet {
    let txs = wallet.transactions().into_iter().cloned().collect::<Vec<_>>();
    Wallet::from_parts(wallet.watch_list().clone(), txs, wallet.tip())
}

#[test]
fn resuming_on_the_best_chain_fetches_only_the_blocks_after_the_progress() {
    let (mut chain, mut payments) = chain_paying_alice(40, 6);
    let (store, wallet, progress, _) = synced_state(&chain);
    let tx = chain.send(&alice_script(), COIN);
    chain.mine(3);
    payments.insert(tx.txid(), progress.height + 1);
    let mut sim = Sim::with_engine(chain, |params| {
        SyncEngine::resume(
            config(),
            store,
            start_header(params, 0, &[]),
            restored(&wallet),
            Some(progress),
        )
        .expect("engine")
    });
    sim.connect(1, Mode::Honest, true);
    let asked = sim.peer(1).getdata_hashes(InvType::FilteredBlock);
    let expected: Vec<Hash256> = (progress.height + 1..=sim.chain.height())
        .map(|h| block_hash(&sim.chain.hash_at(h).unwrap()))
        .collect();
    assert_eq!(asked, expected);
    assert!(sim.synced_to_tip());
    assert_eq!(sim.confirmed(), payments);
    assert_eq!(
        sim.engine.progress(),
        Some(Progress { height: sim.chain.height(), hash: sim.chain.tip() })
    );
}

#[test]
fn resuming_off_the_best_chain_disconnects_the_stale_blocks_and_fetches_them_again() {
    let (mut chain, _) = chain_paying_alice(40, 50);
    // A payment 2 blocks below the tip, which a reorg will move.
    let tx = chain.send(&alice_script(), 5 * COIN);
    chain.mine(3);
    let old_height = chain.height() - 2;
    let (_, wallet, progress, mut first) = synced_state(&chain);
    assert_eq!(first.confirmed().get(&tx.txid()), Some(&old_height));
    // The reorg reaches the store (the first engine follows it) but the wallet is not saved.
    let reorg = chain.reorg_with(
        3,
        vec![BlockSpec::empty(), BlockSpec::default(), BlockSpec::empty(), BlockSpec::empty()],
    );
    assert!(reorg.returned_to_mempool.contains(&tx.txid()));
    let new_height = reorg.fork_height + 2;
    first.chain = chain.clone();
    let ann = first.chain.tip();
    first.deliver(PeerId(1), Message::Inv(Inv::new(vec![Inventory::Block(ann)])));
    assert_eq!(first.engine.tree().tip().hash, chain.tip());
    let store = first.engine.store_mut().clone();

    let mut sim = Sim::with_engine(chain, |params| {
        SyncEngine::resume(
            config(),
            store,
            start_header(params, 0, &[]),
            restored(&wallet),
            Some(progress),
        )
        .expect("engine")
    });
    let reorged = sim.engine.drain_events();
    assert!(
        reorged.iter().any(|e| matches!(e, SyncEvent::Wallet(WalletEvent::Reorged { txid, .. }) if *txid == tx.txid())),
        "{reorged:?}"
    );
    sim.connect(1, Mode::Honest, true);
    assert!(sim.synced_to_tip());
    assert_eq!(sim.confirmed().get(&tx.txid()), Some(&new_height));
    for w in sim.engine.wallet().transactions() {
        let b = w.status.block().expect("confirmed");
        assert_eq!(sim.chain.hash_at(b.height), Some(b.hash));
    }
}

#[test]
fn a_watch_item_added_at_run_time_goes_out_as_filteradd_and_can_rescan() {
    let bob_key = TestKey::from_seed("bob");
    let (chain, _) = chain_paying_alice(30, 10);
    let paid_bob_at: Vec<u32> =
        (5..=30).filter(|&h| sim_block_pays(&chain, h, &bob_key.p2pkh())).collect();
    assert!(!paid_bob_at.is_empty());
    let mut sim = Sim::new(chain, alice_wallet());
    sim.connect(1, Mode::Honest, true);
    sim.connect(2, Mode::Honest, true);
    assert!(sim.synced_to_tip());
    let before = sim.peer(1).getdata_hashes(InvType::FilteredBlock).len();
    let address = Address::p2pkh(bob_key.key_id(), Network::Regtest);
    let rescan_from = 20;
    sim.engine.update_watch_list(Some(rescan_from), |w| w.add_address(address)).expect("address");
    sim.pump();
    for id in 1..=2 {
        let adds = sim
            .peer(id)
            .count(|m| matches!(m, Message::FilterAdd(a) if a.element == bob_key.key_id()));
        assert_eq!(adds, 1, "peer {id}");
    }
    let after = sim.peer(1).getdata_hashes(InvType::FilteredBlock).len()
        + sim.peer(2).getdata_hashes(InvType::FilteredBlock).len();
    assert!(after > before, "no block fetched again");
    assert!(sim.synced_to_tip());
    let found: Vec<u32> = sim
        .engine
        .wallet()
        .transactions()
        .into_iter()
        .filter(|w| {
            w.owned_outputs
                .iter()
                .any(|o| w.tx.outputs[o.vout as usize].script_pubkey == bob_key.p2pkh())
        })
        .filter_map(|w| w.status.block().map(|b| b.height))
        .collect();
    let expected: Vec<u32> = paid_bob_at.iter().copied().filter(|&h| h >= rescan_from).collect();
    let mut found_sorted = found.clone();
    found_sorted.sort_unstable();
    found_sorted.dedup();
    assert_eq!(found_sorted, expected);
}

fn sim_block_pays(chain: &Chain, height: u32, script: &Script) -> bool {
    chain
        .transactions(height)
        .is_some_and(|txs| txs.iter().any(|t| t.outputs.iter().any(|o| &o.script_pubkey == script)))
}
