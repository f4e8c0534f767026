//! The sync engine's rules against slow, lying and pruned peers, one scenario each, on the
//! simulated network of `engine_sim` (virtual time, real regtest blocks): late answers,
//! unconnecting headers, short `headers2` limits, unasked and forged transactions, unconfirmed
//! expiry, pruned peers.

mod engine_sim;

use dashlite::hash::{BlockHash, Hash256};
use dashlite::p2p::{services, Misbehavior, PeerId, SECOND};
use dashlite::sync::PRUNED_PEER_DEPTH;
use dashlite::tx::{OutPoint, Transaction};
use dashlite::wallet::{TxStatus, Wallet, WalletEvent, UNCONFIRMED_EXPIRY_BLOCKS};
use dashlite::wire::{BlockHeader, Headers, Inv, InvType, Inventory, Message};
use dashlite_testkit::chain::COIN;
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::mining::{mine_header, HeaderSpec};
use dashlite_testkit::Chain;
use engine_sim::*;

const FULL: u64 = services::NODE_NETWORK | services::NODE_BLOOM | services::NODE_HEADERS_COMPRESSED;

fn announce_tx(sim: &mut Sim, peer: PeerId, tx: &Transaction) {
    let hash = Hash256::from_byte_array(tx.txid().to_byte_array());
    sim.deliver(peer, Message::Inv(Inv::new(vec![Inventory::new(InvType::Tx, hash)])));
}

/// The `getdata` messages for filtered blocks `peer` received, in order.
fn block_getdatas(sim: &Sim, peer: u64) -> Vec<Message> {
    sim.peer(peer)
        .received
        .iter()
        .filter(|m| {
            matches!(m, Message::GetData(g) if g.inventory.iter().any(|i| matches!(i, Inventory::FilteredBlock(_))))
        })
        .cloned()
        .collect()
}

/// What an honest peer answers to `getdata`, with its filter as it is now.
fn honest_answer(sim: &mut Sim, peer: PeerId, getdata: Message) -> Vec<Message> {
    let mode = sim.peers.get(&peer).expect("peer").mode;
    sim.peers.get_mut(&peer).expect("peer").mode = Mode::Honest;
    let out = sim.answer(peer, getdata);
    sim.peers.get_mut(&peer).expect("peer").mode = mode;
    out
}

/// A peer that answers after the block timeout: its requests were dealt to another peer, but
/// its late `merkleblock`s are still used (the first answer for a height wins) and the other
/// peer's answers for the same heights are then ignored — nobody is scored, and the slow peer
/// is not dropped for having been slow once.
#[test]
fn late_merkleblocks_after_the_block_timeout_are_used_or_ignored_never_scored() {
    let (chain, payments) = chain_paying_alice(30, 5);
    let mut sim = Sim::new(chain, alice_wallet());
    sim.connect_all(&[(1, Mode::NoBlocks), (2, Mode::NoBlocks)]);
    let late = block_getdatas(&sim, 1);
    assert!(!late.is_empty(), "peer 1 streams the blocks");
    assert!(block_getdatas(&sim, 2).is_empty());
    // The block timeout passes: peer 1's requests are dealt to peer 2.
    sim.tick(config().block_timeout + SECOND);
    let dealt = block_getdatas(&sim, 2);
    assert!(!dealt.is_empty(), "requests not dealt again after the timeout");
    // Peer 1 answers, late: its blocks are used.
    for g in late {
        for m in honest_answer(&mut sim, PeerId(1), g) {
            sim.deliver(PeerId(1), m);
        }
    }
    assert!(sim.synced_to_tip(), "the late answers were not used");
    assert_eq!(sim.confirmed(), payments);
    // Peer 2's answers for the same heights come second: ignored.
    for g in dealt {
        for m in honest_answer(&mut sim, PeerId(2), g) {
            sim.deliver(PeerId(2), m);
        }
    }
    assert_eq!(sim.confirmed(), payments);
    assert_eq!(sim.engine.wallet().transactions().len(), payments.len());
    assert_eq!(penalties(&sim), []);
    assert!(!sim.peer(1).gone && !sim.peer(2).gone);
}

fn unconnecting_header(chain: &Chain, tag: u32) -> BlockHeader {
    let tip = chain.tip_header();
    let (header, _) = mine_header(HeaderSpec {
        version: tip.version,
        prev_blockhash: BlockHash::from_byte_array([tag as u8 ^ 0x5a; 32]),
        merkle_root: tip.merkle_root,
        time: tip.time + 1 + tag,
        bits: tip.bits,
    });
    header
}

/// Dash Core (`HandleFewUnconnectingHeaders`, `MAX_NUM_UNCONNECTING_HEADERS_MSGS` 10): an
/// announcement whose parent is unknown is answered with a `getheaders` and counted; every
/// tenth in a row scores 20; headers that connect reset the count.
#[test]
fn unconnecting_headers_score_every_tenth_and_the_count_resets_when_headers_connect() {
    let (chain, _) = chain_paying_alice(20, 5);
    let mut sim = Sim::new(chain, alice_wallet());
    sim.connect(1, Mode::Honest, true);
    assert!(sim.synced_to_tip());
    let asked = |sim: &Sim| sim.peer(1).count(|m| matches!(m, Message::GetHeaders2(_)));
    let mut tag = 0;
    let mut unconnecting = |sim: &mut Sim, n: u32| {
        for _ in 0..n {
            tag += 1;
            let h = unconnecting_header(&sim.chain, tag);
            let before = asked(sim);
            sim.deliver(PeerId(1), Message::Headers(Headers::new(vec![h])));
            assert_eq!(asked(sim), before + 1, "an unconnecting announcement is answered");
        }
    };
    unconnecting(&mut sim, 9);
    assert_eq!(penalties(&sim), []);
    // A block announcement that connects resets the count.
    sim.chain.mine(1);
    let tip = sim.chain.tip_header();
    sim.deliver(PeerId(1), Message::Headers(Headers::new(vec![tip])));
    assert_eq!(sim.engine.tree().tip().hash, sim.chain.tip());
    unconnecting(&mut sim, 9);
    assert_eq!(penalties(&sim), [], "the count did not reset when headers connected");
    unconnecting(&mut sim, 1);
    assert_eq!(penalties(&sim), [(PeerId(1), Misbehavior::UnconnectingHeaders { count: 10 })]);
    assert_eq!(Misbehavior::UnconnectingHeaders { count: 10 }.score(), 20);
    unconnecting(&mut sim, 10);
    assert_eq!(penalties(&sim).len(), 2);
    assert_eq!(penalties(&sim)[1], (PeerId(1), Misbehavior::UnconnectingHeaders { count: 20 }));
    assert!(!sim.peer(1).gone);
}

/// Below protocol 70235 a `headers2` reply holds at most 2,000 headers (Dash Core
/// `GetHeadersLimit`): exactly 2,000 means more are waiting.
#[test]
fn a_full_2000_headers2_from_a_peer_below_70235_is_followed_by_another_request() {
    let chain = Chain::with_blocks(2_100);
    let mut sim = Sim::new(chain, alice_wallet());
    sim.connect_as(1, Mode::Honest, 70_234, FULL);
    let requests = sim.peer(1).count(|m| matches!(m, Message::GetHeaders2(_)));
    assert!(requests >= 2, "{requests} getheaders2");
    assert_eq!(sim.engine.tree().tip().height, 2_100);
    assert!(sim.synced_to_tip());
}

/// A `tx` nobody announced and nobody asked for is ignored, whoever sends it; the same
/// transaction announced and fetched is taken.
#[test]
fn an_unsolicited_transaction_never_enters_the_wallet() {
    let (chain, _) = chain_paying_alice(20, 5);
    let mut sim = Sim::new(chain, alice_wallet());
    sim.connect(1, Mode::Honest, true);
    assert!(sim.synced_to_tip());
    let tx = sim.chain.send(&alice_script(), 3 * COIN);
    sim.deliver(PeerId(1), Message::Tx(tx.clone()));
    assert!(sim.engine.wallet().transaction(&tx.txid()).is_none(), "an unasked tx was taken");
    announce_tx(&mut sim, PeerId(1), &tx);
    let taken = sim.engine.wallet().transaction(&tx.txid()).map(|w| w.status);
    assert_eq!(taken, Some(TxStatus::Unconfirmed));
}

fn alice_coins(sim: &Sim) -> Vec<(Transaction, u32)> {
    let alice = alice_script();
    sim.engine
        .wallet()
        .transactions()
        .into_iter()
        .filter(|w| w.status.block().is_some())
        .filter_map(|w| {
            let vout = w.tx.outputs.iter().position(|o| o.script_pubkey == alice)?;
            Some((w.tx.clone(), vout as u32))
        })
        .collect()
}

/// An unconfirmed spend of a confirmed coin must carry the coin's signature: a forged one is
/// refused (scored 100, Dash Core's TX_CONSENSUS) and the coin stays in the balance. A validly
/// signed unconfirmed spend counts as outgoing but never hides the confirmed coin.
#[test]
fn a_forged_unconfirmed_spend_is_refused_and_an_honest_one_hides_no_confirmed_coin() {
    let (chain, _) = chain_paying_alice(20, 5);
    let mut sim = Sim::new(chain, alice_wallet());
    sim.connect(1, Mode::Honest, true);
    sim.connect(2, Mode::Honest, true);
    assert!(sim.synced_to_tip());
    let before = sim.engine.wallet().balance();
    let utxos = sim.engine.wallet().utxos().len();
    let coins = alice_coins(&sim);
    assert!(coins.len() >= 2);
    let bob = TestKey::from_seed("bob");
    // Signed by bob: not the coin's key.
    let (paid, vout) = &coins[0];
    let forged = sim.chain.spend_signed(paid, *vout, &bob, &bob.p2pkh());
    announce_tx(&mut sim, PeerId(1), &forged);
    assert_eq!(penalties(&sim), [(PeerId(1), Misbehavior::InvalidTransaction)]);
    assert_eq!(Misbehavior::InvalidTransaction.score(), 100);
    assert!(sim.peer(1).gone, "dropped at 100");
    assert!(sim.engine.wallet().transaction(&forged.txid()).is_none());
    assert_eq!(sim.engine.wallet().balance(), before);
    assert_eq!(sim.engine.wallet().utxos().len(), utxos);
    // Signed by alice: an unconfirmed spend; the confirmed balance still holds the coin.
    let (paid, vout) = &coins[1];
    let value = paid.outputs[*vout as usize].value;
    let spend = sim.chain.spend_signed(paid, *vout, &alice(), &bob.p2pkh());
    announce_tx(&mut sim, PeerId(2), &spend);
    let status = sim.engine.wallet().transaction(&spend.txid()).map(|w| w.status);
    assert_eq!(status, Some(TxStatus::Unconfirmed));
    let after = sim.engine.wallet().balance();
    assert_eq!(after.confirmed, before.confirmed, "an unconfirmed spend hid a confirmed coin");
    assert_eq!(after.unconfirmed_outgoing, before.unconfirmed_outgoing + value);
    // Nor from the outputs the balance counts: it is listed, marked as pending, and only
    // leaves the spendable ones.
    let wallet = sim.engine.wallet();
    let coin = OutPoint::new(paid.txid(), *vout);
    let listed = wallet.utxos().into_iter().find(|u| u.outpoint == coin);
    assert_eq!(listed.and_then(|u| u.pending_spend), Some(spend.txid()));
    assert_eq!(wallet.utxos().len(), utxos);
    assert!(wallet.spendable_utxos().iter().all(|u| u.outpoint != coin));
    assert_eq!(penalties(&sim).len(), 1);
}

/// Dash Core drops a transaction from its mempool after 336 hours (`DEFAULT_MEMPOOL_EXPIRY`):
/// 8,064 blocks. An unconfirmed transaction expires after that many blocks and comes back when
/// it is seen again.
#[test]
fn unconfirmed_transactions_expire_after_8064_blocks_and_come_back_when_seen_again() {
    assert_eq!(UNCONFIRMED_EXPIRY_BLOCKS, 8_064);
    let mut chain = Chain::with_blocks(5);
    let tx = chain.send(&alice_script(), 2 * COIN);
    let mut wallet = Wallet::new(watching(&[&alice()]));
    let start = 100;
    assert!(wallet.set_tip(start).is_empty());
    assert!(wallet.process_transaction(&tx, None).is_some());
    assert_eq!(wallet.balance().unconfirmed_incoming, 2 * COIN);
    let txid = tx.txid();
    assert!(wallet.set_tip(start + 8_063).is_empty());
    assert_eq!(wallet.transaction(&txid).map(|w| w.status), Some(TxStatus::Unconfirmed));
    assert_eq!(wallet.set_tip(start + 8_064), [WalletEvent::Expired { txid }]);
    assert_eq!(wallet.transaction(&txid).map(|w| w.status), Some(TxStatus::Expired));
    assert_eq!(wallet.balance().total(), 0);
    // Rebroadcast: seen unconfirmed again, it is back, and waits another 8,064 blocks.
    let change = wallet.process_transaction(&tx, None).expect("seen again");
    assert!(change
        .events
        .iter()
        .any(|e| matches!(e, WalletEvent::NewTransaction { txid: t, .. } if *t == txid)));
    assert_eq!(wallet.balance().unconfirmed_incoming, 2 * COIN);
    assert!(wallet.set_tip(start + 8_064 + 8_063).is_empty());
    assert_eq!(wallet.set_tip(start + 2 * 8_064), [WalletEvent::Expired { txid }]);
}

/// A pruned peer (NODE_NETWORK_LIMITED without NODE_NETWORK) keeps only the last 288 blocks
/// (`NODE_NETWORK_LIMITED_MIN_BLOCKS`) and disconnects a peer asking for older ones: it is
/// never asked for those; a full peer serves them.
#[test]
fn a_pruned_peer_is_never_asked_for_blocks_deeper_than_288_below_its_tip() {
    let mut chain = Chain::with_blocks(4);
    let mut payments = std::collections::BTreeMap::new();
    for i in 0..396u32 {
        if i % 40 == 0 {
            let tx = chain.send(&alice_script(), COIN);
            payments.insert(tx.txid(), chain.height() + 1);
        }
        chain.mine(1);
    }
    let tip = chain.height();
    assert_eq!(tip, 400);
    let mut sim = Sim::new(chain, alice_wallet());
    let pruned = services::NODE_NETWORK_LIMITED | services::NODE_BLOOM;
    sim.connect_as(1, Mode::Honest, 70_237, pruned | services::NODE_HEADERS_COMPRESSED);
    let floor = tip - (PRUNED_PEER_DEPTH - 1);
    let deepest = |sim: &Sim| {
        let asked = sim.peer(1).getdata_hashes(InvType::FilteredBlock);
        asked
            .iter()
            .map(|h| sim.chain.height_of(&BlockHash::from_byte_array(h.to_byte_array())))
            .map(|h| h.expect("a block of the chain"))
            .min()
    };
    // Alone, it is asked for the blocks it keeps, and for nothing older.
    assert_eq!(deepest(&sim), Some(floor));
    assert!(!sim.synced_to_tip());
    sim.connect(2, Mode::Honest, true);
    assert!(sim.synced_to_tip());
    assert_eq!(sim.confirmed(), payments);
    assert_eq!(deepest(&sim), Some(floor));
}
