//! What the engine's bloom filter tells peers: a tweak no other install shares, kept across
//! restarts, and received outpoints sent as `filteradd` or, in reload mode, only inside a
//! rebuilt `filterload`. Simulated peers apply every filter as Dash Core does
//! (`IsRelevantAndUpdate` with `BLOOM_UPDATE_ALL`), so every payment and spend must still be
//! served.

use std::collections::BTreeMap;

use dashlite::bloom::{BloomFilter, FilterUpdates};
use dashlite::chain::MemoryHeaderStore;
use dashlite::hash::Txid;
use dashlite::sync::{start_header, SyncConfig, SyncEngine};
use dashlite::wire::{FilterLoad, Message};
use dashlite_testkit::chain::COIN;
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::Chain;

mod engine_sim;

use engine_sim::*;

fn engine(config: SyncConfig) -> SyncEngine<MemoryHeaderStore> {
    let params = config.params;
    SyncEngine::new(config, MemoryHeaderStore::new(), start_header(params, 0, &[]), alice_wallet())
        .expect("engine")
}

/// Payments to alice, each spent in full two blocks later; the confirmed heights of both.
fn paid_and_spent(rounds: u32) -> (Chain, BTreeMap<Txid, u32>) {
    let mut chain = Chain::with_blocks(4);
    let bob = TestKey::from_seed("bob").p2pkh();
    let mut confirmed = BTreeMap::new();
    for _ in 0..rounds {
        chain.send(&bob, COIN);
        let pay = chain.send(&alice_script(), 2 * COIN);
        chain.mine(1);
        confirmed.insert(pay.txid(), chain.height());
        chain.send(&bob, COIN);
        chain.mine(1);
        let vout = pay.outputs.iter().position(|o| o.script_pubkey == alice_script()).unwrap();
        let spend = chain.spend_signed(&pay, vout as u32, &alice(), &bob);
        chain.mine(1);
        confirmed.insert(spend.txid(), chain.height());
    }
    (chain, confirmed)
}

fn loads(sim: &Sim, id: u64) -> Vec<FilterLoad> {
    sim.peer(id)
        .received
        .iter()
        .filter_map(|m| match m {
            Message::FilterLoad(l) => Some(l.clone()),
            _ => None,
        })
        .collect()
}

fn adds(sim: &Sim, id: u64) -> usize {
    sim.peer(id).count(|m| matches!(m, Message::FilterAdd(_)))
}

#[test]
fn two_fresh_installs_send_different_tweaks_and_an_injected_seed_repeats() {
    let a = engine(config()).filter_load();
    let b = engine(config()).filter_load();
    assert_ne!(a.tweak, b.tweak, "the tweak comes from the operating system's RNG");
    assert_ne!(a.data, b.data, "so do the decoy bits");
    let seeded = |seed| engine(SyncConfig { filter_seed: Some(seed), ..config() }).filter_load();
    assert_eq!(seeded(9), seeded(9));
    assert_ne!(seeded(9).tweak, seeded(10).tweak);
    let rate = BloomFilter::try_from(&a).unwrap().false_positive_rate();
    assert!(
        (0.00075..0.00076).contains(&rate),
        "one watched key at 1.5 x the configured rate: {rate}"
    );
}

#[test]
fn a_restarted_engine_keeps_the_stored_filters_tweak_and_layout() {
    let first = engine(config()).filter_load();
    let resumed = engine(SyncConfig { stored_filter: Some(first.clone()), ..config() });
    let again = resumed.filter_load();
    assert_eq!((again.tweak, again.hash_funcs, again.data.len()), (first.tweak, 10, 1_125));
    for (i, (&new, &old)) in again.data.iter().zip(&first.data).enumerate() {
        assert_eq!(new & !old, 0, "byte {i}: a decoy bit the stored filter did not have");
    }
}

#[test]
fn by_default_received_outpoints_go_out_as_filteradd_and_every_payment_is_served() {
    let (chain, confirmed) = paid_and_spent(12);
    let mut sim = Sim::new(chain, alice_wallet());
    sim.connect_all(&[(1, Mode::Honest), (2, Mode::Honest)]);
    assert!(sim.synced_to_tip());
    assert_eq!(sim.confirmed(), confirmed);
    assert_eq!(sim.engine.wallet().balance().total(), 0);
    for id in 1..=2 {
        assert!(adds(&sim, id) >= 12, "peer {id}: {} filteradds", adds(&sim, id));
    }
}

#[test]
fn in_reload_mode_no_element_is_sent_in_clear_and_every_payment_is_served() {
    let (chain, confirmed) = paid_and_spent(12);
    let reload = SyncConfig { filter_updates: FilterUpdates::Reload, ..config() };
    let wallet = alice_wallet();
    let mut sim = Sim::with_engine(chain, |params| {
        SyncEngine::new(reload, MemoryHeaderStore::new(), start_header(params, 0, &[]), wallet)
            .expect("engine")
    });
    let first = sim.engine.filter_load();
    sim.connect_all(&[(1, Mode::Honest), (2, Mode::Honest)]);
    assert!(sim.synced_to_tip());
    assert_eq!(sim.confirmed(), confirmed);
    assert_eq!(sim.engine.wallet().balance().total(), 0);
    for id in 1..=2 {
        assert_eq!(adds(&sim, id), 0, "peer {id} was sent a filteradd");
        let loads = loads(&sim, id);
        assert!(loads.len() >= 12, "peer {id}: {} reloads", loads.len());
        for l in &loads {
            assert_eq!((l.tweak, l.data.len()), (first.tweak, first.data.len()));
        }
    }
}

#[test]
fn a_reload_while_blocks_are_in_flight_asks_again_what_the_reloaded_filter_missed() {
    // Three blocks in flight, reload mode. Alice is paid at h and h + 1, and the payments are
    // spent at h + 3 and h + 4. Block h + 3 is asked for as h completes; delivering h then
    // reloads the filter while h + 1 .. h + 3 are already matched with the old one (the peer
    // added h + 1's outpoint to it); h + 4 is asked after the reload, from a filter without
    // that outpoint. Delivering h + 1 must ask h + 4 again, or its spend is missed.
    let mut chain = Chain::with_blocks(4);
    let bob = TestKey::from_seed("bob").p2pkh();
    let mut confirmed = BTreeMap::new();
    for _ in 0..4 {
        let mut pays = Vec::new();
        for _ in 0..2 {
            chain.send(&bob, COIN);
            let pay = chain.send(&alice_script(), 2 * COIN);
            chain.mine(1);
            confirmed.insert(pay.txid(), chain.height());
            pays.push(pay);
        }
        chain.send(&bob, COIN);
        chain.mine(1);
        for pay in &pays {
            let vout = pay.outputs.iter().position(|o| o.script_pubkey == alice_script()).unwrap();
            let spend = chain.spend_signed(pay, vout as u32, &alice(), &bob);
            chain.mine(1);
            confirmed.insert(spend.txid(), chain.height());
        }
    }
    let reload =
        SyncConfig { filter_updates: FilterUpdates::Reload, blocks_in_flight: 3, ..config() };
    let wallet = alice_wallet();
    let mut sim = Sim::with_engine(chain, |params| {
        SyncEngine::new(reload, MemoryHeaderStore::new(), start_header(params, 0, &[]), wallet)
            .expect("engine")
    });
    sim.connect(1, Mode::Honest, true);
    assert!(sim.synced_to_tip());
    assert_eq!(sim.confirmed(), confirmed);
    assert_eq!(sim.engine.wallet().balance().total(), 0);
}
