//! The CbTx best ChainLock rules that look back at the previous CbTx ("never null again",
//! "never older") across a restart: the state the last accepted CbTx left is stored with its
//! list, so a client reopened on its store refuses the same diffs as one that kept running.

mod common;

use dashlite::chain::{HeaderTree, MemoryHeaderStore};
use dashlite::masternode::{MasternodeEvent, MasternodeSync, QuorumBook};
use dashlite::network::{Network, PROTOCOL_VERSION};
use dashlite::p2p::{Misbehavior, PeerCommand, PeerId, PeerInfo, SECOND};
use dashlite::store::{Batch, SqliteStore, Store};
use dashlite_testkit::chain::Chain;
use dashlite_testkit::masternodes::{mnlistdiff, BestChainLockMode, MnListMode, TestMasternodes};

fn info() -> PeerInfo {
    PeerInfo {
        addr: "10.0.0.1:19899".parse().unwrap(),
        version: PROTOCOL_VERSION,
        services: 0,
        user_agent: String::new(),
        start_height: 0,
        headers2: false,
        wants_addrv2: false,
    }
}

/// A chain of `blocks` honest blocks, then one block mined as `last` says.
fn chain(seed: u64, blocks: u32, last: BestChainLockMode) -> Chain {
    let mut chain = Chain::regtest();
    chain.set_masternodes(TestMasternodes::new(seed));
    chain.set_best_chainlocks(BestChainLockMode::Honest);
    chain.mine(blocks);
    chain.set_best_chainlocks(last);
    chain.mine(1);
    chain
}

/// The list sync and the quorum book a machine feeds it (every verified list goes in).
struct Client {
    service: MasternodeSync,
    book: QuorumBook,
}

/// What a diff's answer did: the events and the commands for the connection manager.
type Verdict = (Vec<MasternodeEvent>, Vec<PeerCommand>);

impl Client {
    fn fresh() -> Client {
        Client { service: MasternodeSync::new(1), book: QuorumBook::new(Network::Regtest) }
    }

    /// Asks for the list at the tip of `tree` (the first one in two diffs) and answers every
    /// request from `chain` as peer 1 until nothing more is asked. Returns each answer's
    /// verdict.
    fn sync(&mut self, tree: &HeaderTree<MemoryHeaderStore>, chain: &Chain) -> Vec<Verdict> {
        let mut verdicts = Vec::new();
        self.service.start();
        self.service.on_peer_ready(PeerId(1), &info());
        for round in 0..4 {
            let now = round * SECOND;
            self.service.drive(tree, now);
            let Some((peer, base, target)) = self.service.request_in_flight() else { break };
            self.service.drain_commands();
            let diff = mnlistdiff(chain, &base, &target, MnListMode::Honest).expect("a diff");
            let bytes = diff.to_bytes_versioned(PROTOCOL_VERSION as u32);
            self.service.on_diff(peer, &bytes, tree, &self.book, now);
            for v in self.service.drain_verified() {
                self.book.insert(v.height, v.list.block_hash, &v.list);
            }
            verdicts.push((self.service.drain_events(), self.service.drain_commands()));
        }
        verdicts
    }

    /// The client stopped and started again on a SQLite store at `path`: what it committed
    /// (the list sync's changes, as the client's session writes them) is all it has.
    fn restart(mut self, path: &std::path::Path) -> Client {
        let changes = self.service.take_changes();
        let _ = std::fs::remove_file(path);
        let batch = Batch {
            masternode_lists: changes.put,
            masternode_lists_removed: changes.removed,
            ..Batch::default()
        };
        SqliteStore::open(path, Network::Regtest).unwrap().commit(&batch).unwrap();
        drop(self);
        let state = SqliteStore::open(path, Network::Regtest).unwrap().load().unwrap();
        let mut book = QuorumBook::new(Network::Regtest);
        for s in &state.masternode_lists {
            book.insert(s.height, s.list.block_hash, &s.list);
        }
        Client { service: MasternodeSync::restore(1, state.masternode_lists), book }
    }
}

fn tree_of(chain: &Chain, height: u32) -> HeaderTree<MemoryHeaderStore> {
    let mut tree = common::regtest_tree();
    common::accept(&mut tree, &chain.headers()[1..=height as usize]);
    assert_eq!(tree.tip().height, height);
    tree
}

/// The verdict on the diff to block `blocks + 1` of `chain`, the client having the list at
/// `blocks` (from two diffs), with or without a restart in between.
fn verdict(seed: u64, blocks: u32, last: BestChainLockMode, restart: bool) -> Verdict {
    let chain = chain(seed, blocks, last);
    let mut client = Client::fresh();
    let first = client.sync(&tree_of(&chain, blocks), &chain);
    assert_eq!(first.len(), 2, "{first:?}");
    for (events, commands) in &first {
        assert!(matches!(events[..], [MasternodeEvent::Updated { .. }]), "{events:?}");
        assert!(commands.is_empty(), "{commands:?}");
    }
    assert_eq!(client.service.current().map(|s| s.height), Some(blocks));
    if restart {
        let dir = std::env::temp_dir()
            .join(format!("dashlite-cbtx-restart-{}-{seed}-{blocks}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        client = client.restart(&dir.join("client.db"));
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(client.service.current().map(|s| s.height), Some(blocks));
    }
    let mut next = client.sync(&tree_of(&chain, blocks + 1), &chain);
    assert_eq!(next.len(), 1, "{next:?}");
    next.remove(0)
}

fn refused_as_forgery(verdict: &Verdict, reason: &str) {
    let (events, commands) = verdict;
    match &events[..] {
        [MasternodeEvent::Rejected { peer: PeerId(1), reason: r }] => {
            assert!(r.contains(reason), "{r}")
        }
        other => panic!("not refused: {other:?}"),
    }
    let scored = commands.iter().any(|c| {
        matches!(
            c,
            PeerCommand::Misbehaving {
                peer: PeerId(1),
                what: Misbehavior::InvalidMasternodeListDiff
            }
        )
    });
    assert!(scored, "{commands:?}");
}

#[test]
fn a_cbtx_naming_an_older_lock_is_refused_after_a_restart_as_without_one() {
    // Block 40's CbTx locks 39; block 41's names 37 (bestCLHeightDiff 3), correctly signed.
    for seed in [21, 22, 23, 24] {
        let kept = verdict(seed, 40, BestChainLockMode::Older(3), false);
        refused_as_forgery(&kept, "older than the earlier one for 39");
        let restarted = verdict(seed, 40, BestChainLockMode::Older(3), true);
        assert_eq!(restarted, kept, "seed {seed}: the restart changed the verdict");
    }
}

#[test]
fn a_null_cbtx_lock_after_a_signed_one_is_refused_after_a_restart_as_without_one() {
    // Older(40) from block 41 names a block below genesis: the testkit makes it null.
    for seed in [25, 26, 27] {
        let kept = verdict(seed, 40, BestChainLockMode::Older(40), false);
        refused_as_forgery(&kept, "null best ChainLock after one for block 39");
        let restarted = verdict(seed, 40, BestChainLockMode::Older(40), true);
        assert_eq!(restarted, kept, "seed {seed}: the restart changed the verdict");
    }
}

#[test]
fn an_honest_or_older_but_allowed_cbtx_is_accepted_after_a_restart_as_without_one() {
    // Older(1) from block 41 names 39, the lock block 40's CbTx named: not older.
    for (seed, last) in [(28, BestChainLockMode::Honest), (29, BestChainLockMode::Older(1))] {
        for restart in [false, true] {
            let (events, commands) = verdict(seed, 40, last, restart);
            assert!(
                matches!(events[..], [MasternodeEvent::Updated { height: 41, .. }]),
                "{last:?} restart {restart}: {events:?}"
            );
            assert!(commands.is_empty(), "{commands:?}");
        }
    }
}

#[test]
fn the_stored_lists_carry_the_state_of_the_cbtx_before_them() {
    let chain = chain(30, 40, BestChainLockMode::Honest);
    let mut client = Client::fresh();
    client.sync(&tree_of(&chain, 41), &chain);
    let kept: Vec<_> = client.service.snapshots().cloned().collect();
    let heights: Vec<u32> = kept.iter().map(|s| s.height).collect();
    assert_eq!(heights, [33, 41]);
    for s in &kept {
        let state = s.best_chainlock.expect("a state");
        assert_eq!((state.height, state.block_hash), (s.height, s.list.block_hash));
        assert_eq!(state.locked, Some(s.height - 1));
    }
    let dir = std::env::temp_dir().join(format!("dashlite-cbtx-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let restarted = client.restart(&dir.join("client.db"));
    std::fs::remove_dir_all(&dir).ok();
    let back: Vec<_> = restarted.service.snapshots().cloned().collect();
    assert_eq!(back, kept);
}
