//! The masternode list sync service: a sans-IO part of the [`crate::machine::StateMachine`]
//! that keeps the list at the tip of our header chain, trusting nothing a peer says that the
//! header chain does not prove.
//!
//! * Once headers are synced and the tip has reached DIP3 activation (no block below it
//!   carries a CbTx, so no list exists there) it asks one peer `getmnlistd(base, tip)`: base all-zero for the
//!   first list (Dash Core answers with the whole list, so a checkpoint start needs nothing
//!   else), then the block of the list held. The first list is the one at `tip − 8`, the
//!   height whose quorums sign a ChainLock for the tip, and the diff from it to the tip
//!   follows. A tip that moves by several blocks while a request is out is caught up with
//!   one diff; after that, one diff per new tip.
//! * Every reply is checked with [`verify_diff`] against the header we hold at its hash on the
//!   best chain and against the list at its base: coinbase proof, CbTx height, list root and
//!   quorum root. Only then is the list kept ([`MasternodeEvent::Updated`]).
//! * The CbTx's best ChainLock (version 3) is checked as Dash Core checks a block's
//!   ([`check_best_chainlock`], against the previous accepted CbTx on the same chain and the
//!   quorum book): a block whose CbTx breaks a rule is invalid, so the diff is a forgery like
//!   the others below. A verified or undecided best ChainLock is handed on
//!   ([`MasternodeSync::drain_chain_locks`]) and treated as a received `clsig`. A block
//!   whose proven CbTx breaks a rule is reported ([`MasternodeSync::drain_invalid_blocks`])
//!   so that the header tree drops it and the client never syncs on it.
//! * What a reply that does not verify costs (see [`Misbehavior::InvalidMasternodeListDiff`]):
//!   - undecodable, for other blocks than asked, or failing [`verify_diff`]: a forgery, scored
//!     100 (disconnect and ban) and asked of another peer;
//!   - a late answer to a request that timed out (same blocks as one asked of that peer
//!     before): ignored, the peer was slow, not dishonest;
//!   - an answer whose block or base left the best chain while it was on its way (a reorg):
//!     ignored, and the list is asked again from the list on the new best chain;
//!   - unsolicited data never gets here: the connection layer scores it (100, as Dash Core).
//! * A request unanswered for [`MNLISTDIFF_TIMEOUT`] counts as a failure of that peer. A peer
//!   that failed `n` times in a row is not asked again before `RETRY_BACKOFF · 2^(n−1)`
//!   (capped at [`MAX_RETRY_BACKOFF`]); the request goes to the peer with the fewest failures
//!   that is not waiting out its backoff, so one bad or silent peer never stops the sync.
//! * Reorgs: when the list's block leaves the best chain the newest snapshot still on it (or
//!   nothing) becomes the base, and the diff to the tip is asked from there.
//! * Snapshots: [`SNAPSHOTS_KEPT`] lists, the newest being the current one.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use super::bestcl::{
    check_best_chainlock, BestChainLock, BestChainLockError, PreviousBestChainLock,
};
use super::book::QuorumBook;
use super::list::MasternodeList;
use super::signing::SIGN_HEIGHT_OFFSET;
use super::verify::{verify_diff, DiffError};
use crate::chain::{HeaderStore, HeaderTree, StoredHeader};
use crate::encode::Encode;
use crate::hash::BlockHash;
use crate::network::PROTOCOL_VERSION;
use crate::p2p::{Misbehavior, PeerCommand as Command, PeerId, PeerInfo, Time, MINUTE, SECOND};
use crate::wire::{ClSig, GetMnListDiff, Message, MnListDiff};

/// How long a `getmnlistd` is waited for (client rule: Dash Core builds a diff from its
/// in-memory list at once; a whole mainnet list is about 1 MB).
pub const MNLISTDIFF_TIMEOUT: Time = 30 * SECOND;
/// The wait before a peer that failed once is asked again; it doubles with each failure in a
/// row.
pub const RETRY_BACKOFF: Time = 5 * SECOND;
/// The longest wait before a failed peer is asked again.
pub const MAX_RETRY_BACKOFF: Time = 10 * MINUTE;
/// How many lists are kept (memory and store): the current one and the eleven before it.
/// Following the tip one diff per block, that covers the signing height of a ChainLock or
/// InstantSend lock at the tip (`tip − SIGN_HEIGHT_OFFSET`, MASTERNODES.md §5.1) with a few
/// blocks to spare, and lets a reorg up to eleven blocks deep resume with a small diff from
/// the fork instead of the whole list (a deeper one starts again from zero, still correct).
pub const SNAPSHOTS_KEPT: usize = SIGN_HEIGHT_OFFSET as usize + 4;
/// How many requests that timed out are remembered per peer, so that their late answers are
/// told apart from forgeries.
const STALE_REQUESTS_KEPT: usize = 4;

/// A verified list at a block of the best chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasternodeSnapshot {
    /// The block's height.
    pub height: u32,
    /// The list (its `block_hash` is the block's).
    pub list: Arc<MasternodeList>,
    /// What the CbTx of this block, or of the nearest block below it whose CbTx's best
    /// ChainLock was known, leaves for the check of the next CbTx on this chain
    /// ([`check_best_chainlock`]); `None` when nothing is known. Kept and stored with the
    /// list, so that a list restored after a restart checks the next diff exactly as the
    /// list in memory would have.
    pub best_chainlock: Option<PreviousBestChainLock>,
}

impl MasternodeSnapshot {
    /// A snapshot of `list` at `height` with no best ChainLock state.
    pub fn new(height: u32, list: MasternodeList) -> Self {
        MasternodeSnapshot { height, list: Arc::new(list), best_chainlock: None }
    }
}

/// What the masternode list sync reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MasternodeEvent {
    /// A verified diff moved the list to a new block.
    Updated {
        /// The block's height.
        height: u32,
        /// The block.
        block_hash: BlockHash,
        /// Masternodes in the list (valid and PoSe-banned).
        masternodes: usize,
        /// Masternodes not PoSe-banned.
        valid: usize,
        /// Active quorums.
        quorums: usize,
    },
    /// A peer's diff was refused and the peer scored.
    Rejected {
        /// The peer.
        peer: PeerId,
        /// Why.
        reason: String,
    },
    /// The list's block left the best chain; the list fell back to an older snapshot (height
    /// `None`: to nothing) and is asked again from there.
    Reorged {
        /// The height of the list now held.
        height: Option<u32>,
    },
}

/// The best ChainLock of an accepted diff's CbTx, to be treated as a `clsig` from `peer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoinbaseChainLock {
    /// The peer that sent the diff.
    pub peer: PeerId,
    /// The ChainLock: the locked block, its height and the CbTx's signature.
    pub clsig: ClSig,
    /// Whether it verified against the quorum book (else its quorum set is not known yet).
    pub verified: bool,
}

/// A block the CbTx of a verified diff proves invalid: its coinbase is merkle-proven in the
/// block and breaks a best-ChainLock rule, so Dash Core refuses the block (`bad-cbtx-…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidBlock {
    /// The peer that sent the diff (scored for it already).
    pub peer: PeerId,
    /// The block's height.
    pub height: u32,
    /// The block.
    pub block_hash: BlockHash,
    /// The rule it breaks.
    pub error: BestChainLockError,
}

/// What the store is told to change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MasternodeChanges {
    /// Snapshots new since the last call.
    pub put: Vec<MasternodeSnapshot>,
    /// Blocks whose snapshot was dropped since the last call.
    pub removed: Vec<BlockHash>,
}

impl MasternodeChanges {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.removed.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Request {
    peer: PeerId,
    /// The base as sent (zero for the first list).
    base: BlockHash,
    target: BlockHash,
    target_height: u32,
    sent_at: Time,
}

#[derive(Debug, Clone, Default)]
struct PeerState {
    version: u32,
    failures: u32,
    retry_at: Time,
    stale: VecDeque<(BlockHash, BlockHash)>,
}

/// The masternode list sync. See the module documentation.
#[derive(Debug, Clone, Default)]
pub struct MasternodeSync {
    /// The first height with a masternode list (DIP3 activation): no list is asked for a
    /// lower block, since no such block carries a CbTx to prove one.
    activation_height: u32,
    snapshots: VecDeque<MasternodeSnapshot>,
    peers: BTreeMap<PeerId, PeerState>,
    request: Option<Request>,
    started: bool,
    commands: Vec<Command>,
    events: Vec<MasternodeEvent>,
    verified: Vec<MasternodeSnapshot>,
    chain_locks: Vec<CoinbaseChainLock>,
    invalid_blocks: Vec<InvalidBlock>,
    changes: MasternodeChanges,
}

impl MasternodeSync {
    /// A service with no list: the first diff is asked from zero once the tip reaches
    /// `activation_height` (the network's [`crate::network::Params::dip3_height`]).
    pub fn new(activation_height: u32) -> Self {
        MasternodeSync { activation_height, ..Self::default() }
    }

    /// The DIP3 activation height this service waits for.
    pub fn activation_height(&self) -> u32 {
        self.activation_height
    }

    /// A service holding the stored snapshots (any order; the newest [`SNAPSHOTS_KEPT`] are
    /// kept). Whether they are still on the best chain is checked against the header tree
    /// before the next request.
    pub fn restore(
        activation_height: u32,
        stored: impl IntoIterator<Item = MasternodeSnapshot>,
    ) -> Self {
        let mut all: Vec<MasternodeSnapshot> = stored.into_iter().collect();
        all.sort_by_key(|s| s.height);
        all.dedup_by_key(|s| s.height);
        let mut service = Self::new(activation_height);
        let skip = all.len().saturating_sub(SNAPSHOTS_KEPT);
        service.snapshots = all.into_iter().skip(skip).collect();
        service
    }

    /// The current list with its height.
    pub fn current(&self) -> Option<&MasternodeSnapshot> {
        self.snapshots.back()
    }

    /// The kept snapshots, oldest first.
    pub fn snapshots(&self) -> impl Iterator<Item = &MasternodeSnapshot> {
        self.snapshots.iter()
    }

    /// The kept list at `height`, if any.
    pub fn list_at(&self, height: u32) -> Option<&MasternodeSnapshot> {
        self.snapshots.iter().find(|s| s.height == height)
    }

    /// The request in flight: (peer, base as sent, target block).
    pub fn request_in_flight(&self) -> Option<(PeerId, BlockHash, BlockHash)> {
        self.request.map(|r| (r.peer, r.base, r.target))
    }

    /// Whether the service asks for lists (headers were synced once).
    pub fn is_started(&self) -> bool {
        self.started
    }

    /// Headers are synced: from now on the list follows the header tip.
    pub fn start(&mut self) {
        self.started = true;
    }

    /// A peer finished its handshake.
    pub fn on_peer_ready(&mut self, peer: PeerId, info: &PeerInfo) {
        let common = info.version.clamp(0, PROTOCOL_VERSION);
        let version = u32::try_from(common).unwrap_or(0);
        self.peers.insert(peer, PeerState { version, ..PeerState::default() });
    }

    /// A peer is gone; its request, if any, is asked of another peer.
    pub fn on_peer_gone(&mut self, peer: PeerId) {
        self.peers.remove(&peer);
        if self.request.is_some_and(|r| r.peer == peer) {
            self.request = None;
        }
    }

    /// Time passes: a request older than [`MNLISTDIFF_TIMEOUT`] fails its peer.
    pub fn on_tick(&mut self, now: Time) {
        let Some(request) = self.request else { return };
        if now.saturating_sub(request.sent_at) < MNLISTDIFF_TIMEOUT {
            return;
        }
        log::info!("{}: mnlistdiff for {} timed out", request.peer, request.target);
        self.abandon();
        self.fail(request.peer, now);
    }

    /// Gives up the request in flight; its answer, should it still come, is ignored.
    fn abandon(&mut self) {
        let Some(request) = self.request.take() else { return };
        if let Some(state) = self.peers.get_mut(&request.peer) {
            state.stale.push_back((request.base, request.target));
            if state.stale.len() > STALE_REQUESTS_KEPT {
                state.stale.pop_front();
            }
        }
    }

    fn fail(&mut self, peer: PeerId, now: Time) {
        if let Some(state) = self.peers.get_mut(&peer) {
            state.failures = state.failures.saturating_add(1);
            let doublings = state.failures.saturating_sub(1).min(16);
            let wait = RETRY_BACKOFF.saturating_mul(1 << doublings).min(MAX_RETRY_BACKOFF);
            state.retry_at = now.saturating_add(wait);
        }
    }

    /// When the next retry may be sent, if the service waits on a backoff.
    pub fn next_retry(&self) -> Option<Time> {
        if self.request.is_some() {
            return None;
        }
        self.peers.values().map(|p| p.retry_at).min()
    }

    /// Brings the list in line with `tree`: falls back from a list that left the best chain,
    /// then asks for the diff to the tip if none is in flight.
    pub fn drive<S: HeaderStore>(&mut self, tree: &HeaderTree<S>, now: Time) {
        self.follow_reorg(tree);
        if !self.started || self.request.is_some() {
            return;
        }
        let tip = tree.tip();
        if tip.height == 0 || tip.height < self.activation_height {
            return;
        }
        let (base, base_height) = match self.snapshots.back() {
            Some(s) => (s.list.block_hash, s.height),
            None => (BlockHash::ZERO, 0),
        };
        if base == tip.hash || base_height >= tip.height {
            return;
        }
        let Some(peer) = self.pick_peer(now) else { return };
        let target =
            Self::target(tree, self.snapshots.is_empty(), self.activation_height).unwrap_or(tip);
        let ask = GetMnListDiff { base_block_hash: base, block_hash: target.hash };
        let Ok(command) = crate::wire::Command::new("getmnlistd") else { return };
        let message = Message::Unknown { command, payload: ask.to_bytes() };
        log::debug!("{peer}: getmnlistd {base} -> {} ({})", target.hash, target.height);
        self.commands.push(Command::Send { peer, message });
        self.request = Some(Request {
            peer,
            base,
            target: target.hash,
            target_height: target.height,
            sent_at: now,
        });
    }

    /// The block the next diff is asked for: the tip, except for the first list, which is
    /// asked [`SIGN_HEIGHT_OFFSET`] blocks below it (the diff to the tip follows at once).
    /// A ChainLock for the tip is signed by the quorum set at `tip − 8`: with lists at both
    /// heights it is verified as soon as it arrives, instead of staying undecided until the
    /// lists followed eight more blocks.
    /// Below DIP3 activation there is no list: the first one is then the tip's.
    fn target<S: HeaderStore>(
        tree: &HeaderTree<S>,
        first: bool,
        activation_height: u32,
    ) -> Option<StoredHeader> {
        let height = tree
            .tip()
            .height
            .checked_sub(SIGN_HEIGHT_OFFSET)
            .filter(|h| first && *h > 0 && *h >= activation_height)?;
        tree.header_at(height).ok().flatten()
    }

    /// The peer with the fewest failures in a row whose backoff is over (lowest id first).
    fn pick_peer(&self, now: Time) -> Option<PeerId> {
        self.peers
            .iter()
            .filter(|(_, s)| s.retry_at <= now)
            .min_by_key(|(id, s)| (s.failures, **id))
            .map(|(id, _)| *id)
    }

    fn on_best_chain<S: HeaderStore>(tree: &HeaderTree<S>, height: u32, hash: &BlockHash) -> bool {
        matches!(tree.header_at(height), Ok(Some(h)) if h.hash == *hash)
    }

    fn follow_reorg<S: HeaderStore>(&mut self, tree: &HeaderTree<S>) {
        let mut dropped = false;
        while let Some(s) = self.snapshots.back() {
            if Self::on_best_chain(tree, s.height, &s.list.block_hash) {
                break;
            }
            self.changes.removed.push(s.list.block_hash);
            self.snapshots.pop_back();
            dropped = true;
        }
        if dropped {
            let height = self.snapshots.back().map(|s| s.height);
            log::info!("masternode list left the best chain; back to {height:?}");
            self.events.push(MasternodeEvent::Reorged { height });
            self.abandon();
        }
        if let Some(r) = self.request {
            if !Self::on_best_chain(tree, r.target_height, &r.target) {
                self.abandon();
            }
        }
    }

    /// A `mnlistdiff` payload from `peer` (the connection layer let it through: it was
    /// asked for). `book` holds the quorum sets its CbTx's best ChainLock is checked with.
    pub fn on_diff<S: HeaderStore>(
        &mut self,
        peer: PeerId,
        payload: &[u8],
        tree: &HeaderTree<S>,
        book: &QuorumBook,
        now: Time,
    ) {
        let Some(state) = self.peers.get(&peer) else { return };
        let diff = match MnListDiff::decode_versioned(payload, state.version) {
            Ok(d) => d,
            Err(e) => return self.reject(peer, format!("undecodable mnlistdiff: {e}"), now),
        };
        let request = match self.request {
            Some(r) if r.peer == peer => r,
            _ => {
                if !state.stale.contains(&(diff.base_block_hash, diff.block_hash)) {
                    log::debug!("{peer}: mnlistdiff for no request in flight, ignored");
                }
                return;
            }
        };
        if (diff.base_block_hash, diff.block_hash) != (request.base, request.target) {
            if state.stale.contains(&(diff.base_block_hash, diff.block_hash)) {
                log::debug!("{peer}: late mnlistdiff for a request that timed out, ignored");
                return;
            }
            self.request = None;
            return self.reject(
                peer,
                format!(
                    "mnlistdiff {} -> {} answers none of our requests ({} -> {})",
                    diff.base_block_hash, diff.block_hash, request.base, request.target
                ),
                now,
            );
        }
        self.request = None;
        self.follow_reorg(tree);
        let header = match tree.header_at(request.target_height) {
            Ok(Some(h)) if h.hash == request.target => h,
            _ => return,
        };
        let base = if request.base == BlockHash::ZERO {
            Arc::new(MasternodeList::default())
        } else {
            match self.snapshots.iter().find(|s| s.list.block_hash == request.base) {
                Some(s) => s.list.clone(),
                None => return,
            }
        };
        let verified = match verify_diff(&base, &diff, Some((&header.header, header.height))) {
            Ok(v) => v,
            Err(e) => return self.reject_diff(peer, &e, now),
        };
        // The newest kept list below the block carries what the CbTx before it left (the
        // kept lists are one chain, and on the best chain after `follow_reorg`).
        let previous = self
            .snapshots
            .iter()
            .rev()
            .find(|s| s.height < header.height)
            .and_then(|s| s.best_chainlock)
            .filter(|p| Self::on_best_chain(tree, p.height, &p.block_hash));
        let lock = check_best_chainlock(
            &verified.coinbase.cbtx,
            header.height,
            previous.as_ref(),
            book,
            |h| tree.header_at(h).ok().flatten().map(|s| s.hash),
        );
        let lock = match lock {
            Ok(lock) => lock,
            Err(error) => {
                let reason = format!("mnlistdiff's CbTx is invalid: {error}");
                let (height, block_hash) = (header.height, header.hash);
                self.invalid_blocks.push(InvalidBlock { peer, height, block_hash, error });
                return self.reject(peer, reason, now);
            }
        };
        let best_chainlock =
            PreviousBestChainLock::after(header.height, header.hash, &lock).or(previous);
        self.accept(peer, header.height, verified.list, best_chainlock);
        let (clsig, verified) = match lock {
            BestChainLock::Verified(c) => (c, true),
            BestChainLock::Undecided(c) => (c, false),
            _ => return,
        };
        self.chain_locks.push(CoinbaseChainLock { peer, clsig, verified });
    }

    fn accept(
        &mut self,
        peer: PeerId,
        height: u32,
        list: MasternodeList,
        best_chainlock: Option<PreviousBestChainLock>,
    ) {
        if let Some(state) = self.peers.get_mut(&peer) {
            state.failures = 0;
            state.retry_at = 0;
        }
        while self.snapshots.back().is_some_and(|s| s.height >= height) {
            if let Some(s) = self.snapshots.pop_back() {
                self.changes.removed.push(s.list.block_hash);
            }
        }
        let snapshot = MasternodeSnapshot { height, list: Arc::new(list), best_chainlock };
        self.events.push(MasternodeEvent::Updated {
            height,
            block_hash: snapshot.list.block_hash,
            masternodes: snapshot.list.entries.len(),
            valid: snapshot.list.valid_count(),
            quorums: snapshot.list.quorums.len(),
        });
        self.snapshots.push_back(snapshot.clone());
        self.changes.removed.retain(|h| *h != snapshot.list.block_hash);
        self.changes.put.push(snapshot.clone());
        self.verified.push(snapshot);
        while self.snapshots.len() > SNAPSHOTS_KEPT {
            if let Some(old) = self.snapshots.pop_front() {
                self.changes.put.retain(|p| p.list.block_hash != old.list.block_hash);
                self.changes.removed.push(old.list.block_hash);
            }
        }
    }

    fn reject_diff(&mut self, peer: PeerId, error: &DiffError, now: Time) {
        self.reject(peer, format!("mnlistdiff does not verify: {error}"), now);
    }

    fn reject(&mut self, peer: PeerId, reason: String, now: Time) {
        log::info!("{peer}: {reason}");
        if self.request.is_some_and(|r| r.peer == peer) {
            self.request = None;
        }
        self.fail(peer, now);
        self.commands
            .push(Command::Misbehaving { peer, what: Misbehavior::InvalidMasternodeListDiff });
        self.events.push(MasternodeEvent::Rejected { peer, reason });
    }

    /// The commands for the connection manager (`Send`, `Misbehaving`), in order.
    pub fn drain_commands(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.commands)
    }

    /// The events since the last call, in order.
    pub fn drain_events(&mut self) -> Vec<MasternodeEvent> {
        std::mem::take(&mut self.events)
    }

    /// The lists verified since the last call, in order.
    pub fn drain_verified(&mut self) -> Vec<MasternodeSnapshot> {
        std::mem::take(&mut self.verified)
    }

    /// The best ChainLocks of the CbTxs of the diffs accepted since the last call, in order.
    pub fn drain_chain_locks(&mut self) -> Vec<CoinbaseChainLock> {
        std::mem::take(&mut self.chain_locks)
    }

    /// The blocks verified diffs proved invalid since the last call, in order.
    pub fn drain_invalid_blocks(&mut self) -> Vec<InvalidBlock> {
        std::mem::take(&mut self.invalid_blocks)
    }

    /// What the store must change since the last call.
    pub fn take_changes(&mut self) -> MasternodeChanges {
        std::mem::take(&mut self.changes)
    }
}
