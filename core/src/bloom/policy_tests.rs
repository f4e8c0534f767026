use super::mirror::{FilterAction, FilterMirror};
use super::policy::*;
use super::testgen::{p2pkh, serve_filtered_block, World};
use super::{BloomFilter, BloomUpdate, BLOOM_UPDATE_ALL, BLOOM_UPDATE_P2PUBKEY_ONLY};
use crate::encode::{Decode, Encode};
use crate::hash::{hash160, Txid};
use crate::tx::{OutPoint, Script, Transaction, TxIn, TxOut};
use crate::wire::MAX_SCRIPT_ELEMENT_SIZE;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

fn rng() -> StdRng {
    StdRng::seed_from_u64(42)
}

fn pkh(i: u8) -> FilterTarget {
    FilterTarget::PubkeyHash(hash160(&[i; 33]))
}

fn no_peers() -> [&'static FilterMirror; 0] {
    []
}

/// A script with one push of `len` bytes (PUSHDATA2 when needed).
fn push_script(len: usize) -> Script {
    let mut s = if len <= 75 {
        vec![len as u8]
    } else if len <= 255 {
        vec![0x4c, len as u8]
    } else {
        vec![0x4d, len as u8, (len >> 8) as u8]
    };
    s.extend(std::iter::repeat_n(0xab, len));
    s.push(0x87);
    Script::new(s)
}

#[test]
fn watch_items_become_the_elements_bip37_matches() {
    let key = [2u8; 33];
    let hash = hash160(&key);
    assert_eq!(FilterTarget::from_script_pubkey(&p2pkh(&hash)), FilterTarget::PubkeyHash(hash));
    let p2sh = Script::new([&[0xa9, 0x14][..], &hash, &[0x87]].concat());
    assert_eq!(FilterTarget::from_script_pubkey(&p2sh), FilterTarget::ScriptHash(hash));
    let p2pk = Script::new([&[33u8][..], &key, &[0xac]].concat());
    assert_eq!(FilterTarget::from_script_pubkey(&p2pk), FilterTarget::P2pkPubkey(key.to_vec()));
    let multisig = Script::new([&[0x51, 33][..], &key, &[33], &[3; 33], &[0x52, 0xae]].concat());
    let item = FilterTarget::from_script_pubkey(&multisig);
    assert_eq!(item.elements(), vec![key.to_vec(), vec![3; 33]], "pushes only, no opcodes");
    let outpoint = OutPoint::new(Txid::from_byte_array([9; 32]), 3);
    assert_eq!(FilterTarget::OutPoint(outpoint).elements(), vec![outpoint.to_array().to_vec()]);
    assert!(FilterTarget::Script(Script::new(vec![0x51])).elements().is_empty());
}

#[test]
fn the_filter_holds_every_element_at_the_configured_rate_and_the_injected_tweak() {
    let items = vec![pkh(1), pkh(2), FilterTarget::P2pkPubkey(vec![3; 33])];
    let policy = FilterPolicy::new(PolicyConfig::default(), items.clone(), &mut rng()).unwrap();
    let tweak = rng().next_u32();
    assert_eq!(policy.filter().tweak(), tweak);
    assert_eq!(policy.filter().flags(), BLOOM_UPDATE_ALL);
    assert_eq!(policy.filter().hash_funcs(), 10);
    assert_eq!(policy.filter().data().len(), 1_125, "the lowest rung, padded with decoys");
    for item in &items {
        for e in item.elements() {
            assert!(policy.filter().contains(&e));
        }
    }
    let rate = policy.filter().false_positive_rate();
    let load = DEFAULT_LOAD_MULTIPLE * DEFAULT_FALSE_POSITIVE_RATE;
    assert!((load..load * 1.01).contains(&rate), "{rate}");
    assert_eq!(policy.load_false_positive_rate(), rate);
    assert_eq!(policy.reload_threshold(), DEFAULT_RELOAD_MULTIPLE * DEFAULT_FALSE_POSITIVE_RATE);
    // Configurable: another rate and update mode.
    let config = PolicyConfig {
        false_positive_rate: 0.01,
        update: BloomUpdate::P2PubkeyOnly,
        ..PolicyConfig::default()
    };
    let other = FilterPolicy::new(config, items, &mut rng()).unwrap();
    assert_eq!(other.filter().flags(), BLOOM_UPDATE_P2PUBKEY_ONLY);
    assert!(other.filter().hash_funcs() < policy.filter().hash_funcs());
    let rate = other.filter().false_positive_rate();
    assert!((0.015..0.01515).contains(&rate), "{rate}");
    assert!(FilterPolicy::new(PolicyConfig { false_positive_rate: 0.0, ..config }, [], &mut rng())
        .is_err());
}

#[test]
fn new_watch_items_go_to_every_peer_as_filteradd() {
    let mut policy = FilterPolicy::new(PolicyConfig::default(), [pkh(1)], &mut rng()).unwrap();
    let mut mirrors = vec![FilterMirror::new(), FilterMirror::new(), FilterMirror::new()];
    for m in &mut mirrors {
        m.on_filterload_sent(BloomFilter::try_from(policy.filter_load()).unwrap());
    }
    let outpoint = FilterTarget::OutPoint(OutPoint::new(Txid::from_byte_array([5; 32]), 1));
    let update = policy.watch([pkh(2), outpoint.clone(), pkh(1)], None, &mirrors);
    let FilterAction::Add(adds) = &update.action else { panic!("{update:?}") };
    assert_eq!(adds.len(), 2, "the already watched item is not sent again");
    assert_eq!(update.rescan_from, None);
    for m in &mut mirrors {
        m.on_sent(&update.action).unwrap();
        assert_eq!(m.filter(), Some(policy.filter()));
    }
    assert!(policy.filter().contains(&outpoint.elements()[0]));
    assert_eq!(policy.watch([pkh(2)], Some(7), &mirrors).action, FilterAction::None);
}

#[test]
fn a_push_over_520_bytes_is_never_sent_as_filteradd() {
    let mut policy = FilterPolicy::new(PolicyConfig::default(), [pkh(1)], &mut rng()).unwrap();
    let ok = policy.watch([FilterTarget::Script(push_script(520))], None, no_peers());
    assert!(matches!(&ok.action, FilterAction::Add(a) if a[0].element.len() == 520));
    let big = FilterTarget::Script(push_script(521));
    let update = policy.watch([big.clone()], Some(3), no_peers());
    assert_eq!(update.reload_reason, Some(ReloadReason::ElementTooLarge(521)));
    let FilterAction::Reload(load) = &update.action else { panic!("{update:?}") };
    let reloaded = BloomFilter::try_from(load).unwrap();
    assert!(reloaded.contains(&big.elements()[0]));
    assert_eq!(update.rescan_from, Some(3));
}

proptest! {
    #[test]
    fn no_filteradd_element_is_over_520_bytes(lens in proptest::collection::vec(1usize..1_200, 1..20)) {
        let mut policy = FilterPolicy::new(PolicyConfig::default(), [pkh(1)], &mut rng()).unwrap();
        let mut mirror = FilterMirror::new();
        mirror.on_sent(&FilterAction::Reload(policy.filter_load())).unwrap();
        for (i, len) in lens.iter().enumerate() {
            let mut script = push_script(*len).into_bytes();
            script.push(i as u8); // distinct scripts
            let item = FilterTarget::Script(Script::new(script));
            let update = policy.watch([item], None, [&mirror]);
            if let FilterAction::Add(adds) = &update.action {
                prop_assert!(adds.iter().all(|a| a.element.len() <= MAX_SCRIPT_ELEMENT_SIZE));
            }
            prop_assert!(mirror.on_sent(&update.action).is_ok());
            prop_assert_eq!(mirror.filter(), Some(policy.filter()));
        }
    }
}

#[test]
fn reloads_only_mode_never_sends_filteradd() {
    let config = PolicyConfig { updates: FilterUpdates::Reload, ..PolicyConfig::default() };
    let mut policy = FilterPolicy::new(config, [pkh(1)], &mut rng()).unwrap();
    let before = policy.filter().clone();
    let update = policy.watch([pkh(2)], Some(9), no_peers());
    assert_eq!(update.reload_reason, Some(ReloadReason::ReloadsOnly));
    assert_eq!(update.rescan_from, Some(9));
    let FilterAction::Reload(load) = update.action else { panic!("{update:?}") };
    let after = BloomFilter::try_from(load).unwrap();
    assert!(after.contains(pkh(2).elements()[0].as_slice()));
    assert_eq!((after.tweak(), after.data().len()), (before.tweak(), before.data().len()));
    // Only the new element's bits are new: decoys stay within the old filter's bits.
    let mut new_only = BloomFilter::from_parts(vec![0; 1_125], 10, before.tweak(), 0).unwrap();
    new_only.insert(&pkh(2).elements()[0]);
    for (i, (&a, &b)) in before.data().iter().zip(after.data()).enumerate() {
        assert_eq!(b & !a & !new_only.data()[i], 0, "byte {i}");
    }
    assert_eq!(policy.watch([pkh(2)], None, no_peers()).action, FilterAction::None);
}

#[test]
fn a_peer_copy_filled_by_its_updates_forces_a_reload_at_the_threshold_and_not_before() {
    let items: Vec<FilterTarget> = (0..50).map(pkh).collect();
    let policy = FilterPolicy::new(PolicyConfig::default(), items, &mut rng()).unwrap();
    let mut mirror = FilterMirror::new();
    mirror.on_sent(&FilterAction::Reload(policy.filter_load())).unwrap();
    // BLOOM_UPDATE_ALL outpoints fill the peer's copy beyond our own.
    let threshold = policy.reload_threshold();
    let mut outpoints = 0u32;
    loop {
        let mut after = mirror.filter().unwrap().clone();
        after.insert(&pkh(200).elements()[0]);
        let predicted = after.false_positive_rate();
        let mut probe = policy.clone();
        let update = probe.watch([pkh(200)], None, [&mirror]);
        if predicted > threshold {
            assert_eq!(update.reload_reason, Some(ReloadReason::FalsePositiveRate(predicted)));
            assert!(!policy.peer_needs_reload(&FilterMirror::new()));
            break;
        }
        assert!(matches!(update.action, FilterAction::Add(_)), "{outpoints}: {update:?}");
        let mut op = [0u8; 36];
        op[..4].copy_from_slice(&outpoints.to_le_bytes());
        mirror.on_filteradd_sent(&op).unwrap();
        outpoints += 1;
        assert!(outpoints < 1_000);
    }
    assert!(outpoints > 20, "the band absorbs the first insertions: {outpoints}");
    for more in 0u8..20 {
        mirror.on_filteradd_sent(&[more; 37]).unwrap();
    }
    assert!(policy.peer_needs_reload(&mirror));
    // Reloading the peer with our filter resets its copy.
    mirror.on_sent(&FilterAction::Reload(policy.filter_load())).unwrap();
    assert!(!policy.peer_needs_reload(&mirror));
}

/// A payment to a lookahead key beyond the filter is missed in its block; after the wallet
/// extends the watch list, the filteradd and a re-request from the reported height find it.
#[test]
fn lookahead_payment_is_found_after_filteradd() {
    let world = World::new(7, 60);
    let gap = 20;
    // The wallet watches keys 0..20 (its gap-limit lookahead).
    let initial: Vec<FilterTarget> =
        (0..gap).map(|i| FilterTarget::PubkeyHash(world.key_hash(i))).collect();
    // A band wide enough for the 16 additions below to stay filteradds.
    let config =
        PolicyConfig { false_positive_rate: 1e-6, reload_multiple: 4.0, ..PolicyConfig::default() };
    let mut policy = FilterPolicy::new(config, initial, &mut rng()).unwrap();
    let mut mirror = FilterMirror::new();
    mirror.on_sent(&FilterAction::Reload(policy.filter_load())).unwrap();
    let mut peer = BloomFilter::from_bytes(&policy.filter_load().to_bytes()).unwrap();

    let pay = |key: usize, n: u8| Transaction {
        version: 2,
        tx_type: 0,
        inputs: vec![TxIn {
            previous_output: OutPoint::new(Txid::from_byte_array([n; 32]), 0),
            script_sig: Script::default(),
            sequence: 0,
        }],
        outputs: vec![TxOut { value: 100, script_pubkey: p2pkh(&world.key_hash(key)) }],
        lock_time: 0,
        extra_payload: None,
    };
    // Block 1000: key 15 is used (within the filter), key 31 is paid (beyond it).
    let height = 1000;
    let block = vec![pay(50, 1), pay(15, 2), pay(31, 3)];
    let (mb, matched) = serve_filtered_block(&mut peer, &block);
    mirror.on_merkleblock(&mb).unwrap();
    matched.iter().for_each(|t| {
        mirror.on_tx(t);
    });
    assert_eq!(matched, vec![block[1].clone()], "the payment to key 31 is not matched yet");

    // The wallet sees key 15 used and extends its lookahead to 15 + 20.
    let extension: Vec<FilterTarget> =
        (gap..15 + gap + 1).map(|i| FilterTarget::PubkeyHash(world.key_hash(i))).collect();
    let update = policy.watch(extension, Some(height), [&mirror]);
    assert_eq!(update.rescan_from, Some(height), "re-request from the block that used key 15");
    let FilterAction::Add(adds) = &update.action else { panic!("{update:?}") };
    assert_eq!(adds.len(), 16);
    mirror.on_sent(&update.action).unwrap();
    for add in adds {
        peer.insert(&add.element); // what the peer does with each filteradd
    }
    assert_eq!(mirror.filter(), Some(&peer));

    // Re-requesting block 1000 now finds the payment.
    let (mb, matched) = serve_filtered_block(&mut peer, &block);
    mirror.on_merkleblock(&mb).unwrap();
    matched.iter().for_each(|t| {
        mirror.on_tx(t);
    });
    assert_eq!(matched, vec![block[1].clone(), block[2].clone()]);
    assert_eq!(mirror.filter(), Some(&peer));
}

/// The same where the additions pass the reload point: the extension is a reload, still with
/// the rescan height.
#[test]
fn lookahead_extension_past_the_reload_point_reloads_and_still_rescans() {
    let config = PolicyConfig { reload_multiple: 1.0, ..PolicyConfig::default() };
    let mut policy = FilterPolicy::new(config, (0..20).map(pkh), &mut rng()).unwrap();
    let update = policy.watch((20..36).map(pkh), Some(500), no_peers());
    assert!(matches!(update.reload_reason, Some(ReloadReason::FalsePositiveRate(_))));
    assert_eq!(update.rescan_from, Some(500));
    let FilterAction::Reload(load) = update.action else { panic!() };
    let filter = BloomFilter::try_from(load).unwrap();
    assert!((0..36).all(|i| filter.contains(&pkh(i).elements()[0])));
}

#[test]
fn forgotten_items_leave_at_the_next_reload() {
    let spent = FilterTarget::OutPoint(OutPoint::new(Txid::from_byte_array([1; 32]), 0));
    let mut policy =
        FilterPolicy::new(PolicyConfig::default(), [pkh(1), spent.clone()], &mut rng()).unwrap();
    policy.forget([spent.clone()]);
    assert!(policy.filter().contains(&spent.elements()[0]), "a bloom filter cannot forget");
    let tweak = policy.filter().tweak();
    let load = policy.reload();
    let filter = BloomFilter::try_from(load).unwrap();
    assert_eq!(filter.tweak(), tweak, "the tweak is kept across reloads");
    assert!(filter.contains(&pkh(1).elements()[0]));
    assert_eq!(policy.items().count(), 1);
}

#[test]
fn expected_transaction_rate_follows_the_filter() {
    let policy = FilterPolicy::new(PolicyConfig::default(), [pkh(1)], &mut rng()).unwrap();
    let fresh = policy.filter().false_positive_rate();
    let empty = BloomFilter::from_parts(vec![0; 100], 10, 0, 0).unwrap();
    assert_eq!(policy.expected_tx_false_positive_rate(&empty), 0.0);
    let full = BloomFilter::from_parts(vec![0xff; 8], 3, 0, 0).unwrap();
    assert_eq!(policy.expected_tx_false_positive_rate(&full), 1.0);
    // About tests_per_tx × the element rate when small.
    let tx_rate = 1.0 - (1.0 - fresh).powf(DEFAULT_TESTS_PER_TX);
    assert!((tx_rate / (DEFAULT_TESTS_PER_TX * fresh) - 1.0).abs() < 0.01);
}
