//! The sync engine end to end: dashlite's node driver and [`SyncEngine`] against testkit
//! nodes over loopback, with a wallet watching an xpub-derived account.

use std::collections::BTreeMap;
use std::time::Duration;

use async_std::future::timeout;
use dashlite::chain::MemoryHeaderStore;
use dashlite::hash::Txid;
use dashlite::network::Network;
use dashlite::node::NodeConfig as ClientConfig;
use dashlite::sync::{runner, start_header, SyncConfig, SyncEngine, SyncEvent, SyncEvents};
use dashlite::tx::Script;
use dashlite::wallet::{
    Address, ExtendedPubKey, GapLimits, TxStatus, Wallet, WalletEvent, WatchList,
};
use dashlite_testkit::chain::COIN;
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::{start_nodes, Chain, Forgery, Mode, NodeConfig, NodeHandle, SharedChain};

/// An account key (m/44'/5'/0'), used on regtest.
const ACCOUNT_XPUB: &str = "xpub6DRhaBX1cn2rRtbpphQTSLYcR3ABXzQeEYoT44MjbwTanhw1ePtNcYTZNeHyrJMsMGTbig4iFMSvht7RviohzFxkpjURgHDThygLqbZ1tib";
const WAIT: Duration = Duration::from_secs(60);

fn account() -> ExtendedPubKey {
    let mut xpub = ExtendedPubKey::parse(ACCOUNT_XPUB, Network::Mainnet).expect("xpub");
    xpub.network = Network::Regtest;
    xpub
}

fn key_hash(index: u32) -> Vec<u8> {
    let key = account().derive_path(&[0, index]).expect("derive");
    dashlite::hash::hash160(&key.public_key_bytes()).to_vec()
}

/// The P2PKH script of external key `index` of the account.
fn key_script(index: u32) -> Script {
    let key = account().derive_path(&[0, index]).expect("derive");
    Address::from_pubkey(&key.public_key_bytes(), Network::Regtest).script_pubkey()
}

struct Built {
    chain: SharedChain,
    /// Wallet payments: txid → height.
    payments: BTreeMap<Txid, u32>,
}

/// 101 mature blocks, then ~200 blocks with unrelated traffic in most and payments to keys 0
/// and 5 (inside the initial window) and 24 (beyond it, inside the window after key 5).
fn build_chain() -> Built {
    let mut chain = Chain::with_blocks(101);
    let bob = TestKey::from_seed("bob").p2pkh();
    let carol = TestKey::from_seed("carol").p2pkh();
    let mut payments = BTreeMap::new();
    for i in 0..200u32 {
        if i % 3 == 0 {
            chain.send(&bob, COIN);
        }
        if i % 7 == 0 {
            chain.send(&carol, 2 * COIN);
        }
        let paid = match i {
            20 => Some(chain.send(&key_script(0), 3 * COIN)),
            60 => Some(chain.send(&key_script(5), 4 * COIN)),
            150 => Some(chain.send(&key_script(24), 5 * COIN)),
            _ => None,
        };
        chain.mine(1);
        if let Some(tx) = paid {
            payments.insert(tx.txid(), chain.height());
        }
    }
    Built { chain: SharedChain::new(chain), payments }
}

fn wallet() -> Wallet {
    let mut watch = WatchList::new(Network::Regtest);
    watch.add_account(account(), GapLimits::default()).expect("account");
    Wallet::new(watch)
}

/// Starts a sync against `nodes` with `window` filtered blocks in flight per peer.
fn start_sync(
    nodes: &[&NodeHandle],
    window: usize,
) -> (runner::SyncHandle<MemoryHeaderStore>, SyncEvents) {
    let params = Network::Regtest.params();
    let mut config = SyncConfig::new(params, 0);
    config.blocks_in_flight = window;
    let engine =
        SyncEngine::new(config, MemoryHeaderStore::new(), start_header(params, 0, &[]), wallet())
            .expect("engine");
    let mut node = ClientConfig::new(Network::Regtest);
    node.p2p.manual_peers = nodes.iter().map(|n| n.addr()).collect();
    node.p2p.target_outbound = nodes.len();
    node.seed = Some(7);
    runner::start(engine, node).expect("start")
}

/// Reads events until `done` says so; returns everything read.
async fn wait_until(
    events: &mut SyncEvents,
    mut done: impl FnMut(&SyncEvent) -> bool,
) -> Vec<SyncEvent> {
    let mut seen = Vec::new();
    let r = timeout(WAIT, async {
        while let Some(e) = events.next().await {
            let stop = done(&e);
            seen.push(e);
            if stop {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(
        r,
        Ok(true),
        "sync did not get there; events: {:?}",
        seen.iter().rev().take(10).collect::<Vec<_>>()
    );
    seen
}

fn confirmed(wallet: &Wallet) -> BTreeMap<Txid, u32> {
    wallet
        .transactions()
        .into_iter()
        .filter_map(|w| w.status.block().map(|b| (w.txid, b.height)))
        .collect()
}

#[test]
fn sync_finds_every_payment_including_a_lookahead_key_and_nothing_else() {
    let built = build_chain();
    let nodes = start_nodes(&built.chain, 3);
    let tip = built.chain.height();
    async_std::task::block_on(async {
        let (handle, mut events) = start_sync(&nodes.iter().collect::<Vec<_>>(), 400);
        wait_until(&mut events, |e| matches!(e, SyncEvent::Synced { height } if *height == tip))
            .await;
        let engine = handle.stop().await.expect("engine");
        let wallet = engine.wallet();
        assert_eq!(confirmed(wallet), built.payments);
        assert_eq!(wallet.transactions().len(), built.payments.len());
        assert_eq!(wallet.balance().total(), 12 * COIN);
        assert_eq!(engine.tree().tip().hash, built.chain.tip());
        // Key 24 was outside the first filter: it went out as filteradd, then a rescan.
        assert!(nodes.iter().map(|n| n.count("filteradd")).sum::<usize>() > 0);
        assert!(engine.filters().policy().filter().contains(key_hash(24)));
    });
}

#[test]
fn a_reorg_moves_a_payment_back_to_unconfirmed_and_the_new_branch_confirms_it() {
    let built = build_chain();
    let nodes = start_nodes(&built.chain, 2);
    async_std::task::block_on(async {
        let (handle, mut events) = start_sync(&nodes.iter().collect::<Vec<_>>(), 400);
        let tip = built.chain.height();
        wait_until(&mut events, |e| matches!(e, SyncEvent::Synced { height } if *height == tip))
            .await;
        // A fresh payment, mined, then reorganised away and mined again on the new branch.
        let tx = built.chain.send(&key_script(1), 7 * COIN);
        built.chain.mine(1);
        nodes[0].announce();
        let txid = tx.txid();
        wait_until(&mut events, |e| {
            matches!(e, SyncEvent::Wallet(WalletEvent::NewTransaction { txid: t, status: TxStatus::Confirmed(_), .. }) if *t == txid)
        })
        .await;
        let reorg = built.chain.reorg(1);
        assert!(reorg.returned_to_mempool.contains(&txid));
        nodes[0].announce();
        wait_until(
            &mut events,
            |e| matches!(e, SyncEvent::Wallet(WalletEvent::Reorged { txid: t, .. }) if *t == txid),
        )
        .await;
        let wallet = handle.wallet().await.expect("wallet");
        assert_eq!(wallet.transaction(&txid).map(|w| w.status), Some(TxStatus::Unconfirmed));
        built.chain.mine(1);
        nodes[1].announce();
        let seen = wait_until(&mut events, |e| {
            matches!(e, SyncEvent::Wallet(WalletEvent::Confirmed { txid: t, .. }) if *t == txid)
        })
        .await;
        assert!(!seen.is_empty());
        let engine = handle.stop().await.expect("engine");
        let status = engine.wallet().transaction(&txid).map(|w| w.status);
        let height = built.chain.height();
        assert!(matches!(status, Some(TxStatus::Confirmed(b)) if b.height == height), "{status:?}");
    });
}

#[test]
fn a_forging_node_among_honest_ones_changes_nothing() {
    let built = build_chain();
    let mut nodes = start_nodes(&built.chain, 2);
    let forger = NodeHandle::start_with(
        &built.chain,
        NodeConfig::default().with_mode(Mode::ForgedMerkleBlock(Forgery::WrongRoot)),
    )
    .expect("forger");
    let liar = NodeHandle::start_with(
        &built.chain,
        NodeConfig::default().with_mode(Mode::InvalidPow { from_height: 150 }),
    )
    .expect("liar");
    nodes.push(forger);
    nodes.push(liar);
    let tip = built.chain.height();
    async_std::task::block_on(async {
        let (handle, mut events) = start_sync(&nodes.iter().collect::<Vec<_>>(), 16);
        wait_until(&mut events, |e| matches!(e, SyncEvent::Synced { height } if *height == tip))
            .await;
        let engine = handle.stop().await.expect("engine");
        assert_eq!(confirmed(engine.wallet()), built.payments);
        assert_eq!(engine.wallet().transactions().len(), built.payments.len());
        assert_eq!(engine.tree().tip().hash, built.chain.tip());
        // The forger was asked for blocks (and its forgeries were refused).
        assert!(nodes[2].count("getdata") > 0, "the forger was never asked for blocks");
    });
}
