//! A simulated network for the sans-IO [`SyncEngine`]: simulated peers answer its commands
//! from a testkit regtest chain (real proof of work, real merkle trees) the way Dash Core
//! does, or stay silent, withhold transactions or match everything, as a test asks. Virtual
//! time: [`Sim::tick`] moves the clock.
#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};

use dashlite::bloom::{is_matchable_in_merkle_block, BloomFilter};
use dashlite::chain::merkle::PartialMerkleTree;
use dashlite::chain::MemoryHeaderStore;
use dashlite::hash::{BlockHash, Hash256, Txid};
use dashlite::network::Network;
use dashlite::p2p::{services, FilterSource, Misbehavior, PeerCommand, PeerId, PeerInfo, SECOND};
use dashlite::sync::{start_header, SyncConfig, SyncEngine, SyncEvent};
use dashlite::tx::{Script, Transaction};
use dashlite::wallet::{Address, Wallet, WatchList};
use dashlite::wire::{
    CompressionPath, FilterLoad, Headers, Headers2, InvType, Inventory, MerkleBlock, Message,
    NotFound,
};
use dashlite_testkit::chain::COIN;
use dashlite_testkit::keys::TestKey;
use dashlite_testkit::Chain;

/// How a simulated peer behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Honest,
    /// Answers nothing.
    Silent,
    /// Answers headers, never filtered blocks.
    NoBlocks,
    /// Sends each `merkleblock` without its matched transactions.
    Withhold,
    /// Matches every transaction until it is sent a `filterload`.
    MatchAllUntilReload,
}

/// A simulated peer: how it behaves and everything the engine sent it.
pub struct SimPeer {
    pub mode: Mode,
    pub headers2: bool,
    /// The protocol version it advertised.
    pub version: i32,
    pub filter: Option<BloomFilter>,
    pub received: Vec<Message>,
    /// Disconnected (its log is kept).
    pub gone: bool,
}

impl SimPeer {
    pub fn getdata_hashes(&self, kind: InvType) -> Vec<Hash256> {
        self.received
            .iter()
            .filter_map(|m| match m {
                Message::GetData(g) => Some(g.inventory.clone()),
                _ => None,
            })
            .flatten()
            .filter(|i| i.inv_type() == kind)
            .map(|i| i.hash())
            .collect()
    }

    pub fn count(&self, f: impl Fn(&Message) -> bool) -> usize {
        self.received.iter().filter(|m| f(m)).count()
    }
}

/// The engine and its simulated peers.
pub struct Sim {
    pub chain: Chain,
    pub engine: SyncEngine<MemoryHeaderStore>,
    pub peers: BTreeMap<PeerId, SimPeer>,
    pub now: u64,
    pub events: Vec<SyncEvent>,
    pub other: Vec<PeerCommand>,
}

pub fn alice() -> TestKey {
    TestKey::from_seed("alice")
}

pub fn alice_script() -> Script {
    alice().p2pkh()
}

pub fn watching(keys: &[&TestKey]) -> WatchList {
    let mut watch = WatchList::new(Network::Regtest);
    for k in keys {
        watch.add_address(Address::p2pkh(k.key_id(), Network::Regtest)).expect("address");
    }
    watch
}

pub fn config() -> SyncConfig {
    SyncConfig::new(Network::Regtest.params(), 0)
}

pub fn block_hash(hash: &BlockHash) -> Hash256 {
    Hash256::from_byte_array(hash.to_byte_array())
}

/// The misbehaviour the engine reported, in order.
pub fn penalties(sim: &Sim) -> Vec<(PeerId, Misbehavior)> {
    sim.other
        .iter()
        .filter_map(|c| match c {
            PeerCommand::Misbehaving { peer, what } => Some((*peer, what.clone())),
            _ => None,
        })
        .collect()
}

impl Sim {
    pub fn new(chain: Chain, wallet: Wallet) -> Sim {
        Sim::with_engine(chain, |params| {
            SyncEngine::new(
                config(),
                MemoryHeaderStore::new(),
                start_header(params, 0, &[]),
                wallet,
            )
            .expect("engine")
        })
    }

    pub fn with_engine(
        chain: Chain,
        make: impl FnOnce(&'static dashlite::network::Params) -> SyncEngine<MemoryHeaderStore>,
    ) -> Sim {
        let engine = make(Network::Regtest.params());
        // A clock just after the chain's tip (headers more than 2 h ahead are refused).
        let now = (u64::from(chain.tip_header().time) + 60) * SECOND;
        Sim { chain, engine, peers: BTreeMap::new(), now, events: Vec::new(), other: Vec::new() }
    }

    pub fn connect(&mut self, id: u64, mode: Mode, headers2: bool) {
        self.ready(id, mode, headers2);
        self.pump();
    }

    /// Several peers finish their handshakes before the engine's first command is answered.
    pub fn connect_all(&mut self, peers: &[(u64, Mode)]) {
        for &(id, mode) in peers {
            self.ready(id, mode, true);
        }
        self.pump();
    }

    pub fn ready(&mut self, id: u64, mode: Mode, headers2: bool) {
        let mut svc = services::NODE_NETWORK | services::NODE_BLOOM;
        if headers2 {
            svc |= services::NODE_HEADERS_COMPRESSED;
        }
        self.ready_as(id, mode, 70_237, svc);
    }

    /// A peer advertising `version` and `svc` (headers2 when `svc` has
    /// NODE_HEADERS_COMPRESSED) finishes its handshake, and everything that follows runs.
    pub fn connect_as(&mut self, id: u64, mode: Mode, version: i32, svc: u64) {
        self.ready_as(id, mode, version, svc);
        self.pump();
    }

    pub fn ready_as(&mut self, id: u64, mode: Mode, version: i32, svc: u64) {
        let headers2 = svc & services::NODE_HEADERS_COMPRESSED != 0;
        let peer = PeerId(id);
        let load = self.engine.filter_load();
        let filter = BloomFilter::try_from(&load).expect("filter");
        let filter = if mode == Mode::MatchAllUntilReload {
            let all = FilterLoad { data: vec![0xff; load.data.len()], ..load.clone() };
            BloomFilter::try_from(&all).expect("filter")
        } else {
            filter
        };
        self.peers.insert(
            peer,
            SimPeer {
                mode,
                headers2,
                version,
                filter: Some(filter),
                received: vec![],
                gone: false,
            },
        );
        let info = PeerInfo {
            addr: format!("127.0.0.1:{}", 20_000 + id).parse().expect("addr"),
            version,
            services: svc,
            user_agent: "/sim/".into(),
            start_height: self.chain.height() as i32,
            headers2,
            wants_addrv2: false,
        };
        // The handshake ends with the engine's filter, then the peer is ready.
        let given = self.engine.filter_for(peer, &info);
        assert_eq!(given, Some(load));
        self.engine.on_peer_ready(peer, &info, self.now);
    }

    pub fn disconnect(&mut self, peer: PeerId) {
        if let Some(p) = self.peers.get_mut(&peer) {
            p.gone = true;
        }
        self.engine.on_peer_gone(peer, self.now);
        self.pump();
    }

    /// A message from `peer` to the engine, then everything that follows.
    pub fn deliver(&mut self, peer: PeerId, message: Message) {
        self.engine.on_message(peer, message, self.now);
        self.pump();
    }

    pub fn tick(&mut self, by: u64) {
        self.now += by;
        self.engine.on_tick(self.now);
        self.pump();
    }

    /// Runs commands and answers until nothing moves.
    pub fn pump(&mut self) {
        let mut replies: VecDeque<(PeerId, Message)> = VecDeque::new();
        let mut rounds = 0u32;
        loop {
            rounds += 1;
            assert!(
                rounds < 1_000_000,
                "the engine never settles; last commands {:?}",
                self.engine.drain_commands()
            );
            self.events.extend(self.engine.drain_events());
            let commands = self.engine.drain_commands();
            if commands.is_empty() && replies.is_empty() {
                break;
            }
            for c in commands {
                match c {
                    PeerCommand::Send { peer, message } => {
                        for r in self.answer(peer, message) {
                            replies.push_back((peer, r));
                        }
                    }
                    PeerCommand::Misbehaving { peer, what } if what.score() >= 100 => {
                        self.other.push(PeerCommand::Misbehaving { peer, what });
                        // The node disconnects the peer.
                        let p = self.peers.get_mut(&peer).filter(|p| !p.gone);
                        if let Some(p) = p {
                            p.gone = true;
                            self.engine.on_peer_gone(peer, self.now);
                        }
                    }
                    other => self.other.push(other),
                }
            }
            if let Some((peer, m)) = replies.pop_front() {
                if self.peers.get(&peer).is_some_and(|p| !p.gone) {
                    self.engine.on_message(peer, m, self.now);
                }
            }
        }
    }

    /// What `peer` answers to `message` (as Dash Core would, unless its mode says otherwise).
    pub fn answer(&mut self, peer: PeerId, message: Message) -> Vec<Message> {
        let Some(p) = self.peers.get_mut(&peer).filter(|p| !p.gone) else { return vec![] };
        p.received.push(message.clone());
        if p.mode == Mode::Silent {
            return vec![];
        }
        match message {
            Message::GetHeaders(g) => {
                let from = self.chain.locate(&g.locator_hashes) + 1;
                let to = self.chain.height().min(from + 1_999);
                let hs = (from..=to).filter_map(|h| self.chain.header(h)).collect();
                vec![Message::Headers(Headers::new(hs))]
            }
            Message::GetHeaders2(g) => {
                assert!(p.headers2, "getheaders2 sent to a peer without headers2");
                let from = self.chain.locate(&g.locator_hashes) + 1;
                // Dash Core's GetHeadersLimit: 8,000 from protocol 70235 on, else 2,000.
                let limit = if p.version >= 70_235 { 8_000 } else { 2_000 };
                let to = self.chain.height().min(from + limit - 1);
                let hs: Vec<_> = (from..=to).filter_map(|h| self.chain.header(h)).collect();
                vec![Message::Headers2(Headers2::compress(&hs, CompressionPath::GetHeaders2Reply))]
            }
            Message::FilterLoad(load) => {
                p.filter = BloomFilter::try_from(&load).ok();
                if p.mode == Mode::MatchAllUntilReload {
                    p.mode = Mode::Honest;
                }
                vec![]
            }
            Message::FilterAdd(add) => {
                if let Some(f) = p.filter.as_mut() {
                    f.insert(&add.element);
                }
                vec![]
            }
            Message::GetData(g) => {
                let mut out = Vec::new();
                let mut missing = Vec::new();
                for item in g.inventory {
                    match item {
                        Inventory::FilteredBlock(hash) if p.mode != Mode::NoBlocks => {
                            let (Some(block), Some(filter)) =
                                (self.chain.block_by_hash(&hash), p.filter.as_mut())
                            else {
                                continue;
                            };
                            let txids: Vec<Txid> =
                                block.transactions.iter().map(Transaction::txid).collect();
                            let matches: Vec<bool> = block
                                .transactions
                                .iter()
                                .map(|t| {
                                    is_matchable_in_merkle_block(t)
                                        && filter.is_relevant_and_update(t)
                                })
                                .collect();
                            let tree = PartialMerkleTree::from_txids(&txids, &matches);
                            out.push(Message::MerkleBlock(MerkleBlock::new(block.header, tree)));
                            if p.mode != Mode::Withhold {
                                for (tx, m) in block.transactions.iter().zip(&matches) {
                                    if *m {
                                        out.push(Message::Tx(tx.clone()));
                                    }
                                }
                            }
                        }
                        Inventory::Tx(txid) => match self.chain.mempool_tx(&txid) {
                            Some(tx) => out.push(Message::Tx(tx.clone())),
                            None => missing.push(item),
                        },
                        _ => {}
                    }
                }
                if !missing.is_empty() {
                    out.push(Message::NotFound(NotFound::new(missing)));
                }
                out
            }
            _ => vec![],
        }
    }

    pub fn peer(&self, id: u64) -> &SimPeer {
        self.peers.get(&PeerId(id)).expect("peer")
    }

    pub fn synced_to_tip(&self) -> bool {
        self.engine.is_synced() && self.engine.blocks_height() == self.chain.height()
    }

    pub fn confirmed(&self) -> BTreeMap<Txid, u32> {
        self.engine
            .wallet()
            .transactions()
            .into_iter()
            .filter_map(|w| w.status.block().map(|b| (w.txid, b.height)))
            .collect()
    }

    pub fn take_events(&mut self) -> Vec<SyncEvent> {
        std::mem::take(&mut self.events)
    }
}

/// `n` blocks; a payment to alice every `every` blocks from block 5 on. Returns the payments.
pub fn chain_paying_alice(n: u32, every: u32) -> (Chain, BTreeMap<Txid, u32>) {
    let mut chain = Chain::with_blocks(4);
    let bob = TestKey::from_seed("bob").p2pkh();
    let mut payments = BTreeMap::new();
    for i in 0..n.saturating_sub(4) {
        chain.send(&bob, COIN);
        let paid = (i % every == 0).then(|| chain.send(&alice_script(), 2 * COIN));
        chain.mine(1);
        if let Some(tx) = paid {
            payments.insert(tx.txid(), chain.height());
        }
    }
    (chain, payments)
}

pub fn alice_wallet() -> Wallet {
    Wallet::new(watching(&[&alice()]))
}
