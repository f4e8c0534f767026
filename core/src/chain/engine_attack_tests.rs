//! The forged-chain attacks run against the whole [`SyncEngine`]: simulated peers, each with
//! a header chain of its own, answer the engine's `getheaders` as Dash Core would (or push
//! headers unasked); scores of 100 disconnect, as the node does. Headers are mined for real
//! with X11: the honest mainnet chain is the real one of `shared/data/headers`, started at
//! the embedded record 1,741,248 and pinned by the one at 1,741,824; the other attacks run
//! on devnet rules (minimum-difficulty blocks, DarkGravityWave from height 1).

use std::collections::BTreeMap;

use super::testdata::HeaderFile;
use super::*;
use crate::chain::dgw::{SliceHistory, DGW_PAST_BLOCKS, MIN_DIFFICULTY_AFTER_SECS};
use crate::chain::store::MemoryHeaderStore;
use crate::hash::Hash256;
use crate::network::{Network, Params};
use crate::p2p::{services, FilterSource, Misbehavior, PeerCommand, PeerId, PeerInfo, SECOND};
use crate::sync::{SyncConfig, SyncEngine, SyncEvent};
use crate::wallet::{Wallet, WatchList};
use crate::wire::{BlockHeader, Headers, Message, MAX_HEADERS_RESULTS};

/// `base` with `edit` applied, for the life of the test binary.
fn leak_params(base: &Params, edit: impl FnOnce(&mut Params)) -> &'static Params {
    let mut p = *base;
    edit(&mut p);
    Box::leak(Box::new(p))
}

/// A peer: the chain it serves (from the engine's start on), what it was scored.
struct Peer {
    chain: Vec<StoredHeader>,
    scores: Vec<Misbehavior>,
    gone: bool,
}

struct Net {
    engine: SyncEngine<MemoryHeaderStore>,
    peers: BTreeMap<PeerId, Peer>,
    events: Vec<SyncEvent>,
    now: u64,
}

impl Net {
    /// An engine started at `start`, fetching blocks only above `birthday` (none here: the
    /// tests are about headers), its clock at `now` seconds.
    fn new(params: &'static Params, start: StoredHeader, birthday: u32, now: u32) -> Net {
        let wallet = Wallet::new(WatchList::new(params.network));
        let config = SyncConfig::new(params, birthday);
        let engine = SyncEngine::new(config, MemoryHeaderStore::new(), start, wallet)
            .expect("engine starts");
        Net { engine, peers: BTreeMap::new(), events: Vec::new(), now: u64::from(now) * SECOND }
    }

    fn connect(&mut self, id: u64, chain: Vec<StoredHeader>) {
        self.connect_from(id, 20_000 + id as u16, chain);
    }

    /// [`Net::connect`] from `127.0.0.1:port` (the same port twice: one peer reconnecting).
    fn connect_from(&mut self, id: u64, port: u16, chain: Vec<StoredHeader>) {
        let peer = PeerId(id);
        let tip = chain.last().map_or(0, |s| s.height);
        self.peers.insert(peer, Peer { chain, scores: Vec::new(), gone: false });
        let info = PeerInfo {
            addr: format!("127.0.0.1:{port}").parse().expect("addr"),
            version: 70_237,
            services: services::NODE_NETWORK | services::NODE_BLOOM,
            user_agent: "/attack-test/".into(),
            start_height: tip as i32,
            headers2: false,
            wants_addrv2: false,
        };
        self.engine.filter_for(peer, &info);
        self.engine.on_peer_ready(peer, &info, self.now);
        self.pump();
    }

    /// `peer` pushes `headers` unasked (an announcement), then everything that follows.
    fn push(&mut self, id: u64, headers: &[StoredHeader]) {
        let hs = Headers::new(headers.iter().map(|s| s.header).collect());
        self.engine.on_message(PeerId(id), Message::Headers(hs), self.now);
        self.pump();
    }

    fn pump(&mut self) {
        let mut replies = Vec::new();
        for _ in 0..100_000 {
            self.events.extend(self.engine.drain_events());
            for c in self.engine.drain_commands() {
                match c {
                    PeerCommand::Send { peer, message } => {
                        if let Some(r) = self.answer(peer, &message) {
                            replies.push((peer, r));
                        }
                    }
                    PeerCommand::Misbehaving { peer, what } => {
                        let score = what.score();
                        let Some(p) = self.peers.get_mut(&peer) else { continue };
                        p.scores.push(what);
                        if score >= 100 && !p.gone {
                            p.gone = true;
                            self.engine.on_peer_gone(peer, self.now);
                        }
                    }
                    PeerCommand::Disconnect(peer) => {
                        if let Some(p) = self.peers.get_mut(&peer).filter(|p| !p.gone) {
                            p.gone = true;
                            self.engine.on_peer_gone(peer, self.now);
                        }
                    }
                    _ => {}
                }
            }
            if replies.is_empty() {
                return;
            }
            for (peer, m) in std::mem::take(&mut replies) {
                if self.peers.get(&peer).is_some_and(|p| !p.gone) {
                    self.engine.on_message(peer, m, self.now);
                }
            }
        }
        panic!("the engine never settles");
    }

    /// Dash Core's answer to `getheaders`: up to 2,000 headers after the first locator hash
    /// on the peer's chain.
    fn answer(&self, peer: PeerId, message: &Message) -> Option<Message> {
        let p = self.peers.get(&peer).filter(|p| !p.gone)?;
        let Message::GetHeaders(g) = message else { return None };
        let at = g.locator_hashes.iter().find_map(|h| p.chain.iter().position(|s| s.hash == *h));
        let from = at.map_or(0, |i| i + 1);
        let to = p.chain.len().min(from + MAX_HEADERS_RESULTS);
        Some(Message::Headers(Headers::new(p.chain[from..to].iter().map(|s| s.header).collect())))
    }

    fn tip(&self) -> StoredHeader {
        self.engine.tree().tip()
    }

    fn peer(&self, id: u64) -> &Peer {
        &self.peers[&PeerId(id)]
    }
}

/// Mines a header on `chain`'s tip `gap` seconds later, at `bits` or at the nBits the rules
/// require, its merkle root tagged with `tag` (branches and siblings differ by it).
fn mine(
    params: &Params,
    chain: &[StoredHeader],
    gap: u32,
    bits: Option<u32>,
    tag: u32,
) -> StoredHeader {
    let last = *chain.last().expect("non-empty");
    let time = last.header.time + gap;
    let bits = bits.unwrap_or_else(|| {
        let from = chain.len().saturating_sub(DGW_PAST_BLOCKS as usize);
        let summaries: Vec<BlockSummary> = chain[from..]
            .iter()
            .map(|s| BlockSummary { height: s.height, time: s.header.time, bits: s.header.bits })
            .collect();
        let history = SliceHistory::new(&summaries).expect("consecutive");
        next_work_required(&params.pow, &history, time).expect("devnet rules")
    });
    let mut root = [0u8; 32];
    root[..4].copy_from_slice(&tag.to_le_bytes());
    let mut header = BlockHeader {
        version: 0x2000_0000,
        prev_blockhash: last.hash,
        merkle_root: Hash256::from_byte_array(root),
        time,
        bits,
        nonce: 0,
    };
    let hash = loop {
        let hash = header.block_hash();
        if check_proof_of_work(&hash, bits, &params.pow, None).is_ok() {
            break hash;
        }
        header.nonce += 1;
    };
    StoredHeader {
        header,
        hash,
        height: last.height + 1,
        chain_work: last.chain_work.wrapping_add(block_work(bits)),
    }
}

fn extend(
    params: &Params,
    chain: &mut Vec<StoredHeader>,
    n: usize,
    gap: u32,
    bits: Option<u32>,
    tag: u32,
) {
    for _ in 0..n {
        let next = mine(params, chain, gap, bits, tag);
        chain.push(next);
    }
}

fn genesis(params: &Params) -> StoredHeader {
    let g = params.genesis_header();
    trusted_headers(0, U256::ZERO, &[(g, g.block_hash())])[0]
}

/// Devnet rules with DarkGravityWave from height 1, and `minimum_chain_work`.
fn devnet(minimum_chain_work: U256) -> &'static Params {
    leak_params(Network::Devnet.params(), |p| {
        p.pow.kgw_height = 1;
        p.pow.dgw_height = 1;
        p.minimum_chain_work = minimum_chain_work.to_be_bytes();
    })
}

/// Regtest's powLimit, which every regtest header carries (no retargeting).
const REGTEST_BITS: u32 = 0x207f_ffff;
const ATTACKER: u64 = 1;
const HONEST: u64 = 2;
const SECOND_HONEST: u64 = 3;
const ACCOMPLICE: u64 = 4;

/// The real mainnet start and pin (`shared/data/headers` covers both), the real headers
/// after the start, and a clock a minute after the last. powLimit is raised to regtest's,
/// so that a forged header at it takes a few hashes instead of a million; the real headers
/// are far below either limit.
struct Mainnet {
    params: &'static Params,
    start: StoredHeader,
    pin: StoredHeader,
    real: Vec<StoredHeader>,
    now: u32,
}

impl Mainnet {
    const START: u32 = 1_741_248;
    const PIN: u32 = 1_741_824;

    fn new() -> Mainnet {
        let params = leak_params(Network::Mainnet.params(), |p| p.pow.limit_bits = 0x207f_ffff);
        let records = params.checkpoint_records();
        let record = |h: u32| StoredHeader::from(*records.iter().find(|r| r.height == h).unwrap());
        let (start, pin) = (record(Self::START), record(Self::PIN));
        let file = HeaderFile::mainnet();
        let from = (start.height + 1 - file.first_height) as usize;
        let real = trusted_headers(start.height + 1, start.chain_work, &file.with_hashes()[from..]);
        assert_eq!(real[(pin.height - start.height - 1) as usize], pin, "the real pin");
        let now = real.last().expect("real headers").header.time + 60;
        Mainnet { params, start, pin, real, now }
    }

    /// The real chain up to and including `height`, from the start.
    fn real_to(&self, height: u32) -> Vec<StoredHeader> {
        let mut chain = vec![self.start];
        chain.extend_from_slice(&self.real[..(height - self.start.height) as usize]);
        chain
    }

    /// `base` extended by forged headers at powLimit, 150 s apart, up to `height`.
    fn forge(&self, mut base: Vec<StoredHeader>, height: u32) -> Vec<StoredHeader> {
        let n = (height - base.last().expect("a base").height) as usize;
        extend(self.params, &mut base, n, 150, Some(0x207f_ffff), 0xf0);
        base
    }
}

/// The engine's best chain after the attacker and then the honest peer served theirs: the
/// attacker was scored 100 at the pin's height, and the real chain won.
fn assert_refused_at_the_pin_and_the_real_chain_wins(m: &Mainnet, forged: &[StoredHeader]) {
    let mut net = Net::new(m.params, m.start, u32::MAX, m.now);
    net.connect(ATTACKER, forged[1..].to_vec());
    let attacker = net.peer(ATTACKER);
    assert!(attacker.gone, "scored 100 and disconnected");
    assert!(
        matches!(
            attacker.scores[..],
            [Misbehavior::InvalidHeader(ValidationError::CheckpointMismatch { height, expected, got })]
                if height == m.pin.height && expected == m.pin.hash && got != m.pin.hash
        ),
        "{:?}",
        attacker.scores
    );
    // Everything below the pin was taken (it cannot be told from the real chain before the
    // pin's height), and nothing at or above it.
    let below = forged[(m.pin.height - m.start.height - 1) as usize];
    assert_eq!(net.tip().hash, below.hash);
    assert!(net.tip().height < m.pin.height);

    net.connect(HONEST, m.real.clone());
    assert_eq!(net.tip().hash, m.real.last().unwrap().hash, "the real chain");
    assert_eq!(net.engine.tree().header_at(m.pin.height).unwrap(), Some(m.pin));
    assert!(net.peer(HONEST).scores.is_empty());
    // Real 2022 headers are far below today's minimum chain work: not synced.
    assert!(!net.engine.tree().has_minimum_work());
    assert!(!net.engine.is_synced());
}

#[test]
fn a_forged_chain_from_a_mainnet_checkpoint_cannot_pass_the_pin_and_the_real_one_wins() {
    let m = Mainnet::new();
    // From the start, forged headers all the way past the pin's height.
    let forged = m.forge(vec![m.start], m.pin.height + 30);
    let last = forged.last().unwrap();
    assert!(last.chain_work < m.real[0].chain_work, "cheaper than one real header");
    assert_refused_at_the_pin_and_the_real_chain_wins(&m, &forged);
}

#[test]
fn a_chain_that_forks_below_the_mainnet_pin_is_refused_at_it() {
    let m = Mainnet::new();
    // The real chain for ten headers, forged from there to the pin's height.
    let fork = m.start.height + 10;
    let forged = m.forge(m.real_to(fork), m.pin.height);
    assert_eq!(forged[10], m.real[9]);
    assert_ne!(forged[11].hash, m.real[10].hash);
    assert_refused_at_the_pin_and_the_real_chain_wins(&m, &forged);
}

#[test]
fn a_mainnet_record_no_checkpoint_pins_is_not_a_start() {
    // 1,741,824 alone: the next checkpoint above it (1,750,464) is 8,640 blocks away, so a forged chain
    // from it could not be told from the real one for that long.
    let m = Mainnet::new();
    let wallet = Wallet::new(WatchList::new(Network::Mainnet));
    let config = SyncConfig::new(m.params, u32::MAX);
    match SyncEngine::new(config, MemoryHeaderStore::new(), m.pin, wallet) {
        Err(crate::sync::SyncError::Chain(ChainError::StartNotPinned { height, .. }))
            if height == m.pin.height => {}
        Err(e) => panic!("{e:?}"),
        Ok(_) => panic!("started from an unpinned record"),
    }
}

#[test]
fn a_forged_chain_deeper_than_the_fork_limit_does_not_lock_in_below_the_minimum_work() {
    // The attacker's chain: 150 minimum-difficulty headers (two hours apart, as devnet and
    // testnet allow), deeper than the 100-block fork limit. The honest chain: 170 headers
    // 140 s apart (harder by DarkGravityWave than powLimit), more work, forking at genesis.
    let probe = devnet(U256::ZERO);
    let mut forged = vec![genesis(probe)];
    extend(probe, &mut forged, 150, MIN_DIFFICULTY_AFTER_SECS as u32 + 1, None, 0xf0);
    assert!(forged.iter().skip(1).all(|s| s.header.bits == 0x207f_ffff));
    let mut honest = vec![genesis(probe)];
    extend(probe, &mut honest, 170, 140, None, 0x01);
    let (fake, real) = (*forged.last().unwrap(), *honest.last().unwrap());
    assert!(real.chain_work > fake.chain_work, "the honest chain has more work");
    assert!(real.header.bits != 0x207f_ffff, "and is harder than powLimit");
    let now = fake.header.time.max(real.header.time) + 60;

    // A minimum work between the two: the forged chain stays unproven.
    let params = devnet(fake.chain_work.wrapping_add(U256::from_u64(1)));
    let mut net = Net::new(params, genesis(params), u32::MAX, now);
    net.connect(ATTACKER, forged[1..].to_vec());
    assert_eq!(net.tip().hash, fake.hash);
    assert!(!net.engine.tree().has_minimum_work());
    assert!(!net.engine.is_synced(), "below the minimum work: not synced");
    assert!(!net.events.iter().any(|e| matches!(e, SyncEvent::Synced { .. })));

    // The honest peer announces its chain.
    net.connect(HONEST, honest[1..].to_vec());
    net.push(HONEST, &honest[1..]);
    assert_eq!(net.tip().hash, real.hash, "the honest fork 150 deep wins");
    assert!(net.events.iter().any(|e| matches!(
        e,
        SyncEvent::Reorg { fork_height: 0, disconnected, .. } if disconnected.len() == 150
    )));
    assert!(net.engine.tree().has_minimum_work());
    assert!(net.peer(HONEST).scores.is_empty());
    // Its headers were valid: the attacker is not scored, only outworked.
    assert!(net.peer(ATTACKER).scores.is_empty());

    // With no minimum work, one peer's chain is still not agreed: the honest chain wins.
    let params = devnet(U256::ZERO);
    let mut net = Net::new(params, genesis(params), u32::MAX, now);
    net.connect(ATTACKER, forged[1..].to_vec());
    net.connect(HONEST, honest[1..].to_vec());
    assert_eq!(net.tip().hash, real.hash, "the honest fork 150 deep wins");

    // A second attacker, asked to confirm the tip, vouches for the forged chain: the same
    // honest chain is refused as too deep (score 0, a client limit).
    let mut net = Net::new(params, genesis(params), u32::MAX, now);
    net.connect(ATTACKER, forged[1..].to_vec());
    net.connect(ACCOMPLICE, forged[1..].to_vec());
    assert_eq!(net.engine.tree().agreed_height(), 150);
    net.connect(HONEST, honest[1..].to_vec());
    net.push(HONEST, &honest[1..]);
    assert_eq!(net.tip().hash, fake.hash, "locked in by depth");
    assert!(net.peer(HONEST).scores.is_empty());
}

/// Regtest rules (minimum chain work 0): a 220-block chain and a fork with more work from
/// height 70, 150 blocks below its tip.
fn regtest_chains() -> (&'static Params, Vec<StoredHeader>, Vec<StoredHeader>) {
    let params = Network::Regtest.params();
    let mut main = vec![genesis(params)];
    extend(params, &mut main, 220, 150, Some(REGTEST_BITS), 0x01);
    let mut fork = main[..=70].to_vec();
    extend(params, &mut fork, 160, 150, Some(REGTEST_BITS), 0x02);
    (params, main, fork)
}

fn regtest_net(params: &'static Params, main: &[StoredHeader], fork: &[StoredHeader]) -> Net {
    let now = main.last().unwrap().header.time.max(fork.last().unwrap().header.time) + 60;
    Net::new(params, genesis(params), u32::MAX, now)
}

#[test]
fn on_regtest_one_peers_chain_gives_way_to_a_heavier_fork_150_deep() {
    let (params, main, fork) = regtest_chains();
    let mut net = regtest_net(params, &main, &fork);
    net.connect(HONEST, main[1..].to_vec());
    assert_eq!(net.tip().hash, main[220].hash);
    assert_eq!(net.engine.tree().agreed_height(), 0, "one peer vouches for it");
    // The second peer is asked to confirm our tip; its reply is its heavier fork.
    net.connect(SECOND_HONEST, fork[1..].to_vec());
    assert_eq!(net.tip().hash, fork[230].hash);
    assert!(net.events.iter().any(|e| matches!(
        e,
        SyncEvent::Reorg { fork_height: 70, disconnected, .. } if disconnected.len() == 150
    )));
    assert!(net.peer(HONEST).scores.is_empty() && net.peer(SECOND_HONEST).scores.is_empty());
}

#[test]
fn on_regtest_a_tip_a_second_peer_confirmed_refuses_the_same_fork() {
    let (params, main, fork) = regtest_chains();
    let mut net = regtest_net(params, &main, &fork);
    net.connect(HONEST, main[1..].to_vec());
    net.connect(SECOND_HONEST, main[1..].to_vec());
    assert_eq!(net.engine.tree().agreed_height(), 220, "the second peer resent our tip");
    net.connect(ATTACKER, fork[1..].to_vec());
    net.push(ATTACKER, &fork[71..]);
    assert_eq!(net.tip().hash, main[220].hash, "refused as too deep");
    assert!(net.peer(ATTACKER).scores.is_empty(), "a client limit: not scored");
}

#[test]
fn a_peer_reconnecting_cannot_confirm_its_own_chain_twice() {
    let (params, main, fork) = regtest_chains();
    let mut net = regtest_net(params, &main, &fork);
    net.connect(HONEST, main[1..].to_vec());
    net.peers.get_mut(&PeerId(HONEST)).unwrap().gone = true;
    net.engine.on_peer_gone(PeerId(HONEST), net.now);
    // The same address on a new connection announces the tip again: still one peer.
    let again = 40;
    net.connect_from(again, 20_000 + HONEST as u16, main[1..].to_vec());
    net.push(again, &main[220..]);
    assert_eq!(net.engine.tree().agreed_height(), 0);
    net.connect(ATTACKER, fork[1..].to_vec());
    assert_eq!(net.tip().hash, fork[230].hash, "the heavier fork still wins");
}

#[test]
fn a_reorganisation_withdraws_confirmations_of_the_blocks_it_took_off() {
    let (params, main, _) = regtest_chains();
    let mut reorg = main[..=217].to_vec();
    extend(params, &mut reorg, 5, 150, Some(REGTEST_BITS), 0x03); // 218..=222
    let mut net = regtest_net(params, &main, &reorg);
    net.connect(HONEST, main[1..].to_vec());
    net.connect(SECOND_HONEST, main[1..].to_vec());
    assert_eq!(net.engine.tree().agreed_height(), 220);
    net.connect(ATTACKER, reorg[1..].to_vec());
    net.push(ATTACKER, &reorg[218..]);
    assert_eq!(net.tip().hash, reorg[222].hash);
    // Both confirmations were of blocks now off the best chain: they reach the fork point.
    assert_eq!(net.engine.tree().agreed_height(), 217);
    net.push(HONEST, &reorg[222..]);
    assert_eq!(net.engine.tree().agreed_height(), 222);
}

#[test]
fn a_peer_filling_its_fork_budget_with_minimum_difficulty_headers_leaves_honest_reorgs_alone() {
    let params = devnet(U256::ZERO);
    let mut main = vec![genesis(params)];
    extend(params, &mut main, 60, 140, None, 0x01);
    let tip = main[60];
    assert!(tip.header.bits != 0x207f_ffff);
    // Siblings of the block 5 below the tip, each at powLimit two hours after its parent:
    // every one a fork header, as many as the attacker's budget and one more.
    let parent = &main[..56];
    let budget = tree::DEFAULT_MAX_FORK_HEADERS;
    let gap = MIN_DIFFICULTY_AFTER_SECS as u32 + 1;
    let spam: Vec<StoredHeader> =
        (0..=budget as u32).map(|i| mine(params, parent, gap + i, None, 0x1000 + i)).collect();
    assert!(spam.iter().all(|s| s.header.bits == 0x207f_ffff && s.chain_work < tip.chain_work));
    let now = spam.last().unwrap().header.time + 60;

    let mut net = Net::new(params, genesis(params), u32::MAX, now);
    net.connect(HONEST, main[1..].to_vec());
    assert_eq!(net.tip().hash, tip.hash);
    net.connect(ATTACKER, Vec::new());
    for s in &spam {
        net.push(ATTACKER, std::slice::from_ref(s));
    }
    assert_eq!(net.tip().hash, tip.hash);
    // The best chain and exactly the attacker's budget of fork headers: the last refused.
    assert_eq!(net.engine.tree().in_memory(), main.len() + budget);

    // A real reorganisation announced by another peer: three blocks replaced by five.
    let mut fork = main[..58].to_vec();
    extend(params, &mut fork, 5, 140, None, 0x02);
    net.connect(SECOND_HONEST, fork[1..].to_vec());
    net.push(SECOND_HONEST, &fork[58..]);
    assert_eq!(net.tip().hash, fork.last().unwrap().hash, "the honest reorg happened");
    assert!(net.events.iter().any(|e| matches!(
        e,
        SyncEvent::Reorg { fork_height: 57, disconnected, connected }
            if disconnected.len() == 3 && connected.len() == 5
    )));
    assert!(net.peer(SECOND_HONEST).scores.is_empty());
    // The surplus header is valid, only over a client limit: not scored (score 0).
    assert!(net.peer(ATTACKER).scores.is_empty() && !net.peer(ATTACKER).gone);
}
