use super::mirror::FilterAction;
use super::mirror::*;
use super::testgen::{p2pkh, serve_filtered_block, World};
use super::{BloomFilter, BLOOM_UPDATE_ALL};
use crate::encode::{Decode, Encode};
use crate::hash::hash160;
use crate::tx::{OutPoint, Script, Transaction, TxIn, TxOut};
use crate::wire::{FilterAdd, FilterLoad, MerkleBlock};
use proptest::prelude::*;
use rand::{Rng, RngCore};

/// What the peer reads off the wire.
fn wire_tx(tx: &Transaction) -> Transaction {
    Transaction::from_bytes(&tx.to_bytes()).expect("a tx we encoded decodes")
}

fn peer_copy(ours: &BloomFilter) -> BloomFilter {
    BloomFilter::from_bytes(&FilterLoad::from(ours).to_bytes()).expect("our filterload decodes")
}

/// One long session against a simulated Dash Core peer: relayed transactions (tested by the
/// peer when announced, delivered to us later and out of order), filtered blocks, our
/// filteradds and reloads. Whenever nothing is held back, mirror and peer must be identical.
fn session(seed: u64, flags: u8) -> Result<(), TestCaseError> {
    let mut world = World::new(seed, 24);
    let mut ours = BloomFilter::new(30, 0.01, world.rng.next_u32(), flags).unwrap();
    for i in 0..5 {
        ours.insert(world.key_hash(i));
    }
    ours.insert(world.keys[5]); // a P2PK watch item
    let mut mirror = FilterMirror::new();
    mirror.on_filterload_sent(ours.clone());
    let mut peer = peer_copy(&ours);

    let mut mempool: Vec<Transaction> = Vec::new();
    let mut in_flight: Vec<(usize, Transaction)> = Vec::new();
    let mut blocks_with_matches = 0;
    for step in 0..160 {
        match world.rng.random_range(0..100) {
            0..=39 => {
                let tx = world.tx();
                if peer.is_relevant_and_update(&wire_tx(&tx)) {
                    mirror.on_tx_announced(tx.txid());
                    in_flight.push((step + world.rng.random_range(0..4), tx.clone()));
                }
                mempool.push(tx);
            }
            40..=84 => {
                let take = world.rng.random_range(0..=mempool.len().min(12));
                let mut txs: Vec<Transaction> = mempool.drain(..take).collect();
                for _ in 0..world.rng.random_range(0..6) {
                    txs.push(world.tx());
                }
                let block = world.block(txs);
                let wire: Vec<Transaction> = block.iter().map(wire_tx).collect();
                let (merkleblock, matched) = serve_filtered_block(&mut peer, &wire);
                let received = MerkleBlock::from_bytes(&merkleblock.to_bytes()).unwrap();
                let matches = mirror.on_merkleblock(&received).unwrap();
                prop_assert_eq!(matches.len(), matched.len());
                blocks_with_matches += usize::from(!matched.is_empty());
                for tx in &matched {
                    prop_assert_ne!(mirror.on_tx(&wire_tx(tx)), TxDelivery::Unexpected);
                }
            }
            85..=91 => {
                let element = if world.rng.random_bool(0.5) {
                    let i = world.rng.random_range(0..24);
                    world.key_hash(i).to_vec()
                } else {
                    let mut outpoint = [0u8; 36];
                    world.rng.fill_bytes(&mut outpoint);
                    outpoint.to_vec()
                };
                mirror.on_sent(&FilterAction::Add(vec![FilterAdd { element: element.clone() }]))?;
                peer.insert(&element);
            }
            92..=93 => {
                let mut fresh = BloomFilter::new(40, 0.01, world.rng.next_u32(), flags).unwrap();
                for i in 0..6 {
                    fresh.insert(world.key_hash(i));
                }
                mirror.on_sent(&FilterAction::Reload(FilterLoad::from(&fresh)))?;
                peer = peer_copy(&fresh);
            }
            _ => {}
        }
        // Deliver the relayed transactions that are due, in random order.
        let mut due: Vec<Transaction> = Vec::new();
        in_flight.retain(|(at, tx)| {
            let ready = *at <= step;
            if ready {
                due.push(tx.clone());
            }
            !ready
        });
        while !due.is_empty() {
            let tx = due.swap_remove(world.rng.random_range(0..due.len()));
            prop_assert_ne!(mirror.on_tx(&wire_tx(&tx)), TxDelivery::Unexpected);
        }
        if mirror.pending() == 0 {
            prop_assert_eq!(mirror.filter(), Some(&peer), "step {}", step);
        }
    }
    for (_, tx) in in_flight {
        prop_assert_ne!(mirror.on_tx(&wire_tx(&tx)), TxDelivery::Unexpected);
    }
    prop_assert_eq!(mirror.pending(), 0);
    prop_assert_eq!(mirror.filter().map(Encode::to_bytes), Some(peer.to_bytes()));
    prop_assert!(mirror.is_exact());
    prop_assert_eq!(mirror.disagreements(), 0);
    prop_assert!(blocks_with_matches > 0, "the session must exercise merkleblock updates");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn mirror_stays_bit_identical_to_the_peer_for_none_all_and_p2pubkey_only(seed in any::<u64>()) {
        for flags in [0u8, 1, 2] {
            session(seed, flags)?;
        }
    }
}

fn paying(hash: &[u8; 20], spent: OutPoint) -> Transaction {
    Transaction {
        version: 2,
        tx_type: 0,
        inputs: vec![TxIn { previous_output: spent, script_sig: Script::default(), sequence: 0 }],
        outputs: vec![TxOut { value: 1, script_pubkey: p2pkh(hash) }],
        lock_time: 0,
        extra_payload: None,
    }
}

fn watching(hash: &[u8; 20]) -> (FilterMirror, BloomFilter) {
    let mut f = BloomFilter::new(10, 0.0001, 99, BLOOM_UPDATE_ALL).unwrap();
    f.insert(hash);
    let mut mirror = FilterMirror::new();
    mirror.on_filterload_sent(f.clone());
    (mirror, f)
}

#[test]
fn updates_wait_behind_an_announced_transaction_until_it_arrives() {
    let ours = hash160(b"our key");
    let (mut mirror, mut peer) = watching(&ours);
    let payment = paying(&ours, OutPoint::default());
    assert!(peer.is_relevant_and_update(&payment));
    mirror.on_tx_announced(payment.txid());
    mirror.on_filteradd_sent(b"new element").unwrap();
    peer.insert(b"new element");
    assert_eq!(mirror.pending(), 2);
    assert!(!mirror.filter().unwrap().contains(b"new element"), "held back in order");
    assert_eq!(mirror.on_tx(&payment), TxDelivery::Expected(TxSource::Relayed));
    assert_eq!(mirror.pending(), 0);
    assert_eq!(mirror.filter(), Some(&peer));
}

#[test]
fn a_lost_announcement_leaves_a_subset_mirror_until_the_next_filterload() {
    let ours = hash160(b"our key");
    let (mut mirror, mut peer) = watching(&ours);
    let payment = paying(&ours, OutPoint::default());
    assert!(peer.is_relevant_and_update(&payment)); // inserts outpoint(payment, 0)
    mirror.on_tx_announced(payment.txid());
    assert!(mirror.on_tx_not_found(payment.txid()));
    assert!(!mirror.on_tx_not_found(payment.txid()), "only what was waited for");
    assert!(!mirror.is_exact());
    assert_eq!(mirror.missed_txids(), &[payment.txid()]);
    let mine = mirror.filter().unwrap();
    assert!(mine.data().iter().zip(peer.data()).all(|(m, p)| m & !p == 0), "a subset");
    assert_ne!(mine, &peer);
    // The peer matches the spend through the outpoint it inserted; the mirror cannot.
    let spend = paying(&hash160(b"someone"), OutPoint::new(payment.txid(), 0));
    let (block, matched) = serve_filtered_block(&mut peer, std::slice::from_ref(&spend));
    assert_eq!(matched.len(), 1);
    mirror.on_merkleblock(&block).unwrap();
    assert_eq!(mirror.on_tx(&spend), TxDelivery::Expected(TxSource::Block));
    assert_eq!(mirror.disagreements(), 1);
    let (fresh_mirror, fresh) = watching(&ours);
    mirror.on_filterload_sent(fresh.clone());
    assert!(mirror.is_exact() && mirror.missed_txids().is_empty());
    assert_eq!(mirror.filter(), fresh_mirror.filter());
}

#[test]
fn unannounced_transactions_do_not_touch_the_mirror() {
    let ours = hash160(b"our key");
    let (mut mirror, _) = watching(&ours);
    let before = mirror.filter().cloned();
    assert_eq!(mirror.on_tx(&paying(&ours, OutPoint::default())), TxDelivery::Unexpected);
    assert_eq!(mirror.filter().cloned(), before);
}

#[test]
fn filteradd_that_dash_core_would_punish_is_refused() {
    let mut mirror = FilterMirror::new();
    assert_eq!(mirror.on_filteradd_sent(&[1; 20]), Err(MirrorError::NoFilterLoaded));
    let too_big = FilterLoad { data: vec![0; 36_001], hash_funcs: 1, tweak: 0, flags: 0 };
    assert_eq!(
        mirror.on_sent(&FilterAction::Reload(too_big)),
        Err(MirrorError::Filter(super::BloomError::TooLarge { size: 36_001 }))
    );
    assert_eq!(mirror.filter(), None);
    mirror.on_filterload_sent(BloomFilter::new(10, 0.01, 0, 0).unwrap());
    assert_eq!(mirror.on_filteradd_sent(&[1; 521]), Err(MirrorError::ElementTooLarge(521)));
    assert_eq!(mirror.on_filteradd_sent(&[1; 520]), Ok(()));
    mirror.on_filterclear_sent();
    assert_eq!(mirror.filter(), None);
    assert_eq!(mirror.on_filteradd_sent(&[1; 20]), Err(MirrorError::NoFilterLoaded));
    // Without a filter the peer relays everything and updates nothing.
    mirror.on_tx_announced(crate::hash::Txid::ZERO);
    assert_eq!(mirror.pending(), 0);
}

#[test]
fn a_peer_that_never_answers_cannot_grow_the_queue_without_bound() {
    let (mut mirror, _) = watching(&[7; 20]);
    for i in 0..(MAX_PENDING_UPDATES as u32 + 5) {
        let mut txid = [0u8; 32];
        txid[..4].copy_from_slice(&i.to_le_bytes());
        mirror.on_tx_announced(crate::hash::Txid::from_byte_array(txid));
    }
    assert_eq!(mirror.pending(), MAX_PENDING_UPDATES);
    assert!(!mirror.is_exact());
    assert_eq!(mirror.missed_txids().len(), MAX_MISSED_TXIDS_KEPT.min(5));
}

#[test]
fn large_transactions_held_behind_an_unanswered_announcement_are_bounded_in_bytes() {
    let (mut mirror, _) = watching(&[7; 20]);
    let first = crate::hash::Txid::from_byte_array([0xee; 32]);
    mirror.on_tx_announced(first);
    // 300 announced transactions of ~20 KB that do arrive, all behind the first one.
    let mut held = 0usize;
    for i in 0..300u32 {
        let tx = Transaction {
            version: 1,
            tx_type: 0,
            inputs: vec![TxIn {
                previous_output: OutPoint::new(crate::hash::Txid::from_byte_array([1; 32]), i),
                script_sig: Script::new(vec![0x51; 20_000]),
                sequence: u32::MAX,
            }],
            outputs: vec![TxOut { value: 1, script_pubkey: p2pkh(&[9; 20]) }],
            lock_time: 0,
            extra_payload: None,
        };
        mirror.on_tx_announced(tx.txid());
        mirror.on_tx(&tx);
        held = held.max(mirror.pending());
    }
    // The first announcement was given up once the held bytes passed the bound; everything
    // behind it was applied and nothing more is held.
    assert!(held * 20_000 <= MAX_PENDING_BYTES + 40_000, "{held} transactions held");
    assert_eq!(mirror.missed_txids(), [first]);
    assert_eq!(mirror.pending(), 0);
}
