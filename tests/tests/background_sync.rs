//! [`Client::sync_for`], the background-task slice, against testkit nodes: a slow node makes
//! the slice end at its deadline with its progress committed, and the next slice resumes from
//! there; a fast node lets it end synced.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use dashlite::client::{Client, ClientBuilder, SyncOutcome, WatchItem};
use dashlite::hash::Txid;
use dashlite::network::Network;
use dashlite::wallet::GapLimits;
use dashlite_testkit::chain::COIN;
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::wallet::{account, key_script};
use dashlite_testkit::{Chain, Mode, NodeConfig, SharedChain, TestNode};

/// Long enough for any sync of these chains on a loaded machine.
const PLENTY: Duration = Duration::from_secs(120);

/// 101 mature blocks, then 200 with a payment to the account every 40 blocks and unrelated
/// traffic in between. The payments: txid → height.
fn chain() -> (SharedChain, BTreeMap<Txid, u32>) {
    let mut chain = Chain::with_blocks(101);
    let bob = TestKey::from_seed("bob").p2pkh();
    let mut payments = BTreeMap::new();
    for i in 0..200u32 {
        chain.send(&bob, COIN);
        let paid = (i % 40 == 0).then(|| chain.send(&key_script(i / 40), COIN).txid());
        chain.mine(1);
        if let Some(txid) = paid {
            payments.insert(txid, chain.height());
        }
    }
    (SharedChain::new(chain), payments)
}

fn open(dir: &std::path::Path, node: &TestNode) -> Client {
    ClientBuilder::new(Network::Regtest)
        .data_dir(dir)
        .watch(WatchItem::Account { xpub: account(), gaps: GapLimits::default() })
        .peer(node.addr())
        .max_peers(1)
        .seed(11)
        .build()
        .expect("client")
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dashlite-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn confirmed(client: &Client) -> BTreeMap<Txid, u32> {
    let history = client.history().await.expect("history");
    history.iter().filter_map(|e| e.height().map(|h| (e.txid, h))).collect()
}

#[test]
fn a_slice_on_a_slow_node_ends_at_its_deadline_and_the_next_resumes_from_what_it_committed() {
    let (shared, payments) = chain();
    let tip = shared.height();
    // One message per 20 ms: the 300 filtered blocks alone take at least 6 s.
    let config =
        NodeConfig::default().with_mode(Mode::Throttle { pause: Duration::from_millis(20) });
    let node = TestNode::start_with(&shared, config).expect("node");
    let dir = temp_dir("slice-slow");
    let slice = Duration::from_secs(2);
    async_std::task::block_on(async {
        let client = open(&dir, &node);
        let t0 = Instant::now();
        let outcome = client.sync_for(slice).await.expect("slice");
        let took = t0.elapsed();
        eprintln!("slow slice: {outcome:?} after {took:?} (slice {slice:?})");
        let SyncOutcome::DeadlineReached { height } = outcome else {
            panic!("the slow node cannot serve {tip} blocks in {slice:?}: {outcome:?}")
        };
        assert!(took >= slice, "returned before the deadline: {took:?}");
        assert!(height < tip, "{height}");
        let status = client.sync_status();
        assert!(!status.running, "the slice stops the client");
        assert_eq!(status.block_height, height);
        drop(client);

        // A new process: the store holds exactly what the slice reported.
        let client = open(&dir, &node);
        assert_eq!(client.sync_status().block_height, height, "resumes from the committed height");
        node.clear_modes();
        let outcome = client.sync_for(PLENTY).await.expect("second slice");
        assert_eq!(outcome, SyncOutcome::Synced { height: tip });
        assert_eq!(confirmed(&client).await, payments);
        assert!(!client.sync_status().running);
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_slice_on_a_fast_node_ends_synced_and_a_later_slice_finds_the_new_blocks() {
    let (shared, payments) = chain();
    let node = TestNode::start(&shared);
    let dir = temp_dir("slice-fast");
    async_std::task::block_on(async {
        let client = open(&dir, &node);
        let outcome = client.sync_for(PLENTY).await.expect("slice");
        assert_eq!(outcome, SyncOutcome::Synced { height: shared.height() });
        assert_eq!(confirmed(&client).await, payments);
        assert!(!client.sync_status().running);

        // Blocks mined while the app was asleep; the next slice picks them up.
        let paid = node.send(&key_script(9), 2 * COIN).txid();
        node.mine(3);
        let outcome = client.sync_for(PLENTY).await.expect("second slice");
        assert_eq!(outcome, SyncOutcome::Synced { height: shared.height() });
        let confirmed = confirmed(&client).await;
        assert_eq!(confirmed.get(&paid), Some(&(shared.height() - 2)));
        assert_eq!(confirmed.len(), payments.len() + 1);
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_slice_on_a_running_synced_client_returns_at_once_and_leaves_it_running() {
    let (shared, _) = chain();
    let node = TestNode::start(&shared);
    let dir = temp_dir("slice-running");
    async_std::task::block_on(async {
        let client = open(&dir, &node);
        let mut events = client.events();
        client.start().await.expect("start");
        while let Some(e) = events.next().await {
            if matches!(e, dashlite::client::ClientEvent::Synced { .. }) {
                break;
            }
        }
        let outcome = client.sync_for(Duration::ZERO).await.expect("slice");
        assert_eq!(outcome, SyncOutcome::Synced { height: shared.height() });
        assert!(client.sync_status().running);
        client.stop().await.expect("stop");
    });
    let _ = std::fs::remove_dir_all(&dir);
}
