//! Forged header chains from a checkpoint, mined for real with X11 on devnet parameters
//! (powLimit 0x207fffff, DarkGravityWave, minimum-difficulty blocks). The honest chain is
//! mined at about 4,000 hashes a header (low enough that DGW's `target * timespan` stays
//! below 2^256, as it does on the real networks), a forged one at powLimit (about 2).

use super::*;
use crate::chain::dgw::SliceHistory;
use crate::chain::store::MemoryHeaderStore;
use crate::chain::tree::{DEFAULT_MAX_FORK_DEPTH, HISTORY_WINDOW};
use crate::hash::{BlockHash, Hash256};
use crate::network::Network;
use crate::p2p::misbehavior::Misbehavior;
use crate::wire::BlockHeader;

const HONEST_BITS: u32 = 0x1f0f_ffff;
const LIMIT_BITS: u32 = 0x207f_ffff;
const SPACING: u32 = 156;
/// A gap after which testnet and devnet allow powLimit (`fPowAllowMinDifficultyBlocks`).
const MIN_DIFFICULTY_GAP: u32 = 2 * 60 * 60 + 1;
const START_HEIGHT: u32 = 10_000;
const NOW: u64 = 2_000_000_000;
const ATTACKER: HeaderSource = 1;
const HONEST: HeaderSource = 2;
const ACCOMPLICE: HeaderSource = 3;

fn params() -> &'static crate::network::Params {
    Network::Devnet.params()
}

type Headers = Vec<(BlockHeader, BlockHash)>;

#[derive(Clone)]
struct Chain {
    blocks: Vec<StoredHeader>,
}

impl Chain {
    /// 24 consecutive headers ending at the "checkpoint" `START_HEIGHT + 23`, at the honest
    /// difficulty (trusted: only their linkage is checked).
    fn base() -> Chain {
        let mut prev = BlockHash::ZERO;
        let mut pairs = Vec::new();
        for i in 0..24u32 {
            let header = BlockHeader {
                version: 4,
                prev_blockhash: prev,
                merkle_root: Hash256::from_byte_array([0xb0; 32]),
                time: 1_700_000_000 + i * SPACING,
                bits: HONEST_BITS,
                nonce: i,
            };
            prev = header.block_hash();
            pairs.push((header, prev));
        }
        Chain { blocks: trusted_headers(START_HEIGHT, U256::from_u64(1 << 40), &pairs) }
    }

    fn tip(&self) -> StoredHeader {
        *self.blocks.last().expect("non-empty")
    }

    /// The chain up to `height`.
    fn upto(&self, height: u32) -> Chain {
        let n = (height + 1 - self.blocks[0].height) as usize;
        Chain { blocks: self.blocks[..n].to_vec() }
    }

    /// Mines `n` headers `gap` seconds apart with the nBits the rules require (powLimit
    /// after a two-hour gap: the minimum-difficulty rule), or with `bits` if given (a forged
    /// header). `tag` separates branches.
    fn extend(
        &mut self,
        n: usize,
        tag: u8,
        gap: u32,
        bits: Option<u32>,
    ) -> Vec<(BlockHeader, BlockHash)> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let last = self.tip();
            let time = last.header.time + gap;
            let summaries: Vec<BlockSummary> = self.blocks[self.blocks.len() - 24..]
                .iter()
                .map(|s| BlockSummary {
                    height: s.height,
                    time: s.header.time,
                    bits: s.header.bits,
                })
                .collect();
            let history = SliceHistory::new(&summaries).expect("consecutive");
            let bits =
                bits.unwrap_or_else(|| next_work_required(&params().pow, &history, time).unwrap());
            let mut header = BlockHeader {
                version: 4,
                prev_blockhash: last.hash,
                merkle_root: Hash256::from_byte_array([tag; 32]),
                time,
                bits,
                nonce: 0,
            };
            let hash = loop {
                let hash = header.block_hash();
                if check_proof_of_work(&hash, bits, &params().pow, None).is_ok() {
                    break hash;
                }
                header.nonce += 1;
            };
            self.blocks.push(StoredHeader {
                header,
                hash,
                height: last.height + 1,
                chain_work: last.chain_work.wrapping_add(block_work(bits)),
            });
            out.push((header, hash));
        }
        out
    }
}

fn config(minimum_chain_work: U256, max_fork_headers: usize) -> TreeConfig {
    TreeConfig {
        max_fork_depth: DEFAULT_MAX_FORK_DEPTH,
        checkpoints: Checkpoints::default(),
        max_fork_headers,
        minimum_chain_work,
    }
}

fn tree(trusted: &[StoredHeader], config: TreeConfig) -> HeaderTree<MemoryHeaderStore> {
    HeaderTree::new(params(), config, MemoryHeaderStore::new(), trusted).unwrap()
}

fn invalid(out: &AcceptOutcome) -> ValidationError {
    match &out.error {
        Some(ChainError::Invalid(v)) => v.clone(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn a_forged_chain_at_pow_limit_from_a_checkpoint_with_its_window_is_refused_at_header_1() {
    let base = Chain::base();
    let mut forged = base.clone();
    let fake = forged.extend(24, 0xf0, SPACING, Some(LIMIT_BITS));
    let mut honest = base.clone();
    let real = honest.extend(5, 0x01, SPACING, None);

    // Started from the checkpoint and the 23 headers before it: header 1 is checked.
    let mut t = tree(&base.blocks, config(U256::ZERO, 100));
    let out = t.accept_headers_from(ATTACKER, &fake, NOW);
    assert_eq!(out.accepted, 0);
    let v = invalid(&out);
    let first = START_HEIGHT + 24;
    assert!(
        matches!(v, ValidationError::BadDifficulty { height, got: LIMIT_BITS, .. } if height == first),
        "{v:?}"
    );
    assert_eq!(Misbehavior::InvalidHeader(v).score(), 100, "bad-diffbits: Misbehaving 100");
    let out = t.accept_headers_from(HONEST, &real, NOW);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!((out.unchecked, t.tip().hash), (0, honest.tip().hash));

    // From the checkpoint alone the first 23 could not be checked: such a start is refused.
    let alone = HeaderTree::new(
        params(),
        config(U256::ZERO, 100),
        MemoryHeaderStore::new(),
        &base.blocks[23..],
    );
    assert!(
        matches!(alone, Err(ChainError::StartNotPinned { headers: 1, needed: 24, .. })),
        "{:?}",
        alone.map(|t| t.tip())
    );
}

/// The checkpoint with its window, a forged chain of 800 minimum-difficulty headers on it
/// (valid under the devnet rules, deep enough that the honest fork point leaves the headers
/// kept in memory), and an honest chain of 40.
fn deep_forgery() -> (Chain, Headers, Chain, Headers) {
    let base = Chain::base();
    let mut forged = base.clone();
    let fake = forged.extend(800, 0xf0, MIN_DIFFICULTY_GAP, None);
    assert!(fake.iter().all(|(h, _)| h.bits == LIMIT_BITS));
    let mut honest = base;
    let real = honest.extend(40, 0x01, SPACING, None);
    (forged, fake, honest, real)
}

#[test]
fn below_minimum_chain_work_a_fork_with_more_work_wins_however_deep() {
    let (forged, fake, honest, real) = deep_forgery();
    let start = &forged.blocks[..24];
    let minimum = honest.blocks[24 + 30].chain_work;
    assert!(forged.tip().chain_work < minimum && honest.tip().chain_work > forged.tip().chain_work);

    let mut t = tree(start, config(minimum, 2000));
    for batch in fake.chunks(200) {
        let out = t.accept_headers_from(ATTACKER, batch, NOW);
        assert!(out.error.is_none(), "{:?}", out.error);
    }
    assert_eq!(t.tip().hash, forged.tip().hash);
    assert!(!t.has_minimum_work(), "800 forged headers are far below the minimum work");

    let out = t.accept_headers_from(HONEST, &real, NOW);
    assert!(out.error.is_none(), "the honest fork 800 deep is refused: {:?}", out.error);
    let change = out.tip_change.expect("reorganised");
    assert_eq!(change.disconnected.len(), 800);
    assert_eq!(change.connected.len(), 40);
    assert_eq!(t.tip().hash, honest.tip().hash);
    assert!(t.has_minimum_work());
    assert_eq!(t.store().len(), 24 + 40);
    // The forged headers stay as a fork within the forger's budget.
    assert!(t.in_memory() <= (HISTORY_WINDOW + DEFAULT_MAX_FORK_DEPTH) as usize + 2000);

    // The forger's chain is a lost fork now: extending it changes nothing.
    let mut more = forged.clone();
    let next = more.extend(1, 0xf0, MIN_DIFFICULTY_GAP, None);
    let out = t.accept_headers_from(ATTACKER, &next, NOW);
    assert!(out.error.is_none() && out.tip_change.is_none(), "{:?}", out.error);
    assert_eq!(t.tip().hash, honest.tip().hash);
}

#[test]
fn with_no_minimum_work_a_deep_fork_wins_until_a_second_source_confirms_the_tip() {
    let (forged, fake, honest, real) = deep_forgery();
    // One source's chain is not agreed: the honest fork 800 deep replaces it.
    let mut t = tree(&forged.blocks[..24], config(U256::ZERO, 2000));
    assert!(t.accept_headers_from(ATTACKER, &fake, NOW).error.is_none());
    assert!(t.accept_headers_from(HONEST, &real, NOW).error.is_none());
    assert_eq!(t.tip().hash, honest.tip().hash);

    // A second source vouches for the forged tip: the honest fork is too deep.
    let mut t = tree(&forged.blocks[..24], config(U256::ZERO, 2000));
    assert!(t.accept_headers_from(ATTACKER, &fake, NOW).error.is_none());
    assert!(t.confirm(ACCOMPLICE, &forged.tip().hash));
    let out = t.accept_headers_from(HONEST, &real, NOW);
    let v = invalid(&out);
    assert!(matches!(v, ValidationError::ForkTooDeep { max_depth: 100, .. }), "{v:?}");
    assert_eq!(v.misbehavior_score(), 0);
    assert_eq!(t.tip().hash, forged.tip().hash);
}

#[test]
fn one_peer_filling_its_fork_budget_with_minimum_difficulty_headers_does_not_block_an_honest_reorg()
{
    let mut main = Chain::base();
    let main_headers = main.extend(30, 0x01, SPACING, None);
    let mut t = tree(&Chain::base().blocks, config(U256::ZERO, 10));
    assert!(t.accept_headers_from(HONEST, &main_headers, NOW).error.is_none());
    let tip = main.tip().height;

    // Testnet and devnet allow powLimit two hours after the parent: cheap fork headers.
    let mut spam = main.upto(tip - 5);
    let cheap = spam.extend(12, 0xee, MIN_DIFFICULTY_GAP, None);
    assert!(cheap.iter().all(|(h, _)| h.bits == LIMIT_BITS));
    let out = t.accept_headers_from(ATTACKER, &cheap, NOW);
    assert_eq!(out.accepted, 10, "the attacker's own budget");
    assert!(matches!(invalid(&out), ValidationError::TooManyForkHeaders { .. }));
    assert_eq!(t.tip().hash, main.tip().hash);

    // Another peer's real reorganisation still fits its own budget.
    let mut fork = main.upto(tip - 3);
    let reorg = fork.extend(5, 0x02, SPACING, None);
    let out = t.accept_headers_from(HONEST, &reorg, NOW);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert!(out.tip_change.expect("reorg").is_reorg());
    assert_eq!(t.tip().hash, fork.tip().hash);
}
