//! Filtered-block download: which heights still have to be fetched, the requests in flight
//! per peer, the `merkleblock` + `tx` assembly per peer, and the reorder buffer that hands
//! blocks to the wallet in height order.
//!
//! Requests carry the *epoch* they were made in. A filter change that calls for a rescan, or
//! a reorg, starts a new epoch: answers to older requests are still assembled (the peer's
//! filter mirror must see their transactions) but then dropped, since their heights were
//! queued again.
//!
//! Requests also carry their place in the peer's request order (`seq`). Dash Core answers a
//! peer's requests in order, each filtered with the filter the peer holds when it gets to it,
//! so a request sent before a `filteradd` was filtered without the new element. When the
//! wallet learns new elements at a block, every later block a peer was asked for before it
//! had them is *stale* ([`BlockDownload::invalidate_after`]): asked for again, and its old
//! answer assembled (for the mirror) but dropped.
//!
//! A request that timed out is dealt to another peer, but stays on the slow peer's list: its
//! late answer is used if still wanted, never counted against the peer.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::hash::{BlockHash, Txid};
use crate::p2p::{PeerId, Time};
use crate::tx::Transaction;
use crate::wire::BlockHeader;

/// One `MSG_FILTERED_BLOCK` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// The block's height on the best chain when asked.
    pub height: u32,
    /// The block's hash.
    pub hash: BlockHash,
    /// The download epoch it was asked in.
    pub epoch: u64,
    /// Its place in the order of requests sent to the peer.
    pub seq: u64,
    /// Filtered without an element the wallet needs for it (see the module docs).
    pub stale: bool,
    /// Timed out and dealt to another peer; a late answer is still used.
    pub reassigned: bool,
}

impl Request {
    /// A fresh request.
    pub fn new(height: u32, hash: BlockHash, epoch: u64, seq: u64) -> Request {
        Request { height, hash, epoch, seq, stale: false, reassigned: false }
    }
}

/// A `merkleblock` whose matched transactions are still arriving.
#[derive(Debug, Clone)]
pub struct Assembly {
    /// What it answers.
    pub request: Request,
    /// The block's header.
    pub header: BlockHeader,
    /// `nTransactions`.
    pub total_transactions: u32,
    /// The matched txids, in block order (proven by the partial merkle tree).
    pub matched: Vec<Txid>,
    /// The transactions received so far.
    pub txs: HashMap<Txid, Transaction>,
}

impl Assembly {
    /// Whether every matched transaction has arrived.
    pub fn is_complete(&self) -> bool {
        self.txs.len() == self.matched.len()
    }

    /// The block, once complete.
    pub fn finish(mut self, peer: PeerId) -> CompletedBlock {
        let txs = self.matched.iter().filter_map(|t| self.txs.remove(t)).collect();
        CompletedBlock {
            height: self.request.height,
            hash: self.request.hash,
            epoch: self.request.epoch,
            seq: self.request.seq,
            stale: self.request.stale,
            time: self.header.time,
            total_transactions: self.total_transactions,
            txs,
            peer,
        }
    }
}

/// A filtered block with all its matched transactions, proven against its header.
#[derive(Debug, Clone)]
pub struct CompletedBlock {
    /// Its height.
    pub height: u32,
    /// Its hash.
    pub hash: BlockHash,
    /// The epoch it was asked in.
    pub epoch: u64,
    /// Its request's place in the peer's order.
    pub seq: u64,
    /// Whether its request was stale.
    pub stale: bool,
    /// nTime of its header.
    pub time: u32,
    /// `nTransactions`.
    pub total_transactions: u32,
    /// The matched transactions, in block order.
    pub txs: Vec<Transaction>,
    /// Who served it.
    pub peer: PeerId,
}

/// One peer's share of the download.
#[derive(Debug, Clone, Default)]
pub struct PeerBlocks {
    /// Requests not yet answered, in the order sent (Dash Core answers in order).
    pub in_flight: VecDeque<Request>,
    /// The block being assembled.
    pub assembly: Option<Assembly>,
    /// When the peer last delivered a block (or was first asked).
    pub last_progress: Time,
    /// Its requests timed out and it has not delivered a block since: it is dealt requests
    /// only when no other peer has room.
    pub timed_out: bool,
    /// The `seq` of its next request.
    pub next_seq: u64,
    /// `next_seq` when it was last sent a `filterload`: the requests below it were filtered
    /// with the filter before, and what that filter added to itself while matching them is
    /// gone from the peer.
    pub loaded_at_seq: u64,
    /// The wire size of its recent filtered blocks (`merkleblock` and matched `tx`s), a
    /// moving average; 0 before the first.
    pub block_bytes: u32,
}

impl PeerBlocks {
    /// A `merkleblock` of `bytes` on the wire arrived: a new sample of the average.
    pub fn on_block_bytes(&mut self, bytes: usize) {
        let bytes = u32::try_from(bytes).unwrap_or(u32::MAX);
        self.block_bytes = match self.block_bytes {
            0 => bytes,
            avg => avg - avg / 8 + bytes / 8,
        };
    }

    /// A matched `tx` of `bytes` arrived for the block being assembled: part of its size.
    pub fn on_tx_bytes(&mut self, bytes: usize) {
        let share = u32::try_from(bytes / 8).unwrap_or(u32::MAX);
        self.block_bytes = self.block_bytes.saturating_add(share);
    }

    /// How many blocks may be in flight to the peer: `max_bytes` worth of its recent
    /// blocks, between [`super::MIN_BLOCKS_IN_FLIGHT`] (or `max_blocks` if lower) and
    /// `max_blocks`.
    pub fn window(&self, max_blocks: usize, max_bytes: usize) -> usize {
        let floor = super::MIN_BLOCKS_IN_FLIGHT.min(max_blocks);
        match self.block_bytes {
            0 => max_blocks,
            avg => (max_bytes / avg as usize).clamp(floor, max_blocks),
        }
    }
}

/// The download state (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct BlockDownload {
    /// Heights still to request.
    pub pending: BTreeSet<u32>,
    /// The next height the wallet needs.
    pub next_deliver: u32,
    /// Completed blocks above `next_deliver`.
    pub buffer: BTreeMap<u32, CompletedBlock>,
    /// The current epoch.
    pub epoch: u64,
    /// Per-peer state.
    pub peers: BTreeMap<PeerId, PeerBlocks>,
    /// The peer filtered blocks stream from.
    pub stream: Option<PeerId>,
}

impl BlockDownload {
    /// Starts delivering at `first`.
    pub fn new(first: u32) -> BlockDownload {
        BlockDownload { next_deliver: first, ..Default::default() }
    }

    /// Queues `from..=to` (heights below `next_deliver` are not needed).
    pub fn queue(&mut self, from: u32, to: u32) {
        let from = from.max(self.next_deliver);
        if from <= to {
            self.pending.extend(from..=to);
        }
    }

    /// Starts a new epoch from `height`: everything from there is fetched again. Requests
    /// below `height` stay valid (they move to the new epoch).
    pub fn restart_from(&mut self, height: u32, tip: u32) {
        let (old, epoch) = (self.epoch, self.epoch + 1);
        self.epoch = epoch;
        for p in self.peers.values_mut() {
            let assembly = p.assembly.as_mut().map(|a| &mut a.request);
            for r in p.in_flight.iter_mut().chain(assembly) {
                if r.epoch == old && r.height < height {
                    r.epoch = epoch;
                }
            }
        }
        self.next_deliver = self.next_deliver.min(height);
        self.buffer.retain(|&h, _| h < height);
        self.pending.retain(|&h| h < height);
        self.queue(height, tip);
    }

    /// A peer that can receive requests.
    pub fn add_peer(&mut self, peer: PeerId, now: Time) {
        self.peers
            .entry(peer)
            .or_insert_with(|| PeerBlocks { last_progress: now, ..Default::default() });
    }

    /// A peer left: its requests go back to the queue.
    pub fn remove_peer(&mut self, peer: PeerId) {
        if let Some(p) = self.peers.remove(&peer) {
            self.requeue(p.in_flight.into_iter().chain(p.assembly.map(|a| a.request)));
        }
    }

    /// Puts requests of the current epoch back in the queue (not the stale or reassigned
    /// ones: their heights were queued already).
    pub fn requeue(&mut self, requests: impl IntoIterator<Item = Request>) {
        for r in requests {
            if r.epoch == self.epoch
                && !r.stale
                && !r.reassigned
                && r.height >= self.next_deliver
                && !self.buffer.contains_key(&r.height)
            {
                self.pending.insert(r.height);
            }
        }
    }

    /// `peer` is too slow: its outstanding requests are dealt to others, but stay on its
    /// list so that late answers are used (and the peer's mirror sees their transactions).
    pub fn reassign(&mut self, peer: PeerId, now: Time) {
        let Some(p) = self.peers.get_mut(&peer) else { return };
        let assembly = p.assembly.as_mut().map(|a| &mut a.request);
        let mut again = Vec::new();
        for r in p.in_flight.iter_mut().chain(assembly) {
            if !r.reassigned && !r.stale {
                again.push(*r);
                r.reassigned = true;
            }
        }
        p.last_progress = now;
        p.timed_out = true;
        self.requeue(again);
    }

    /// Takes up to `room` of the lowest pending heights in `from..limit`.
    pub fn take_from(&mut self, room: usize, from: u32, limit: u32) -> Vec<u32> {
        if from >= limit {
            return Vec::new();
        }
        let heights: Vec<u32> = self.pending.range(from..limit).take(room).copied().collect();
        for h in &heights {
            self.pending.remove(h);
        }
        heights
    }

    /// The highest height requests may reach now (exclusive): the reorder window.
    pub fn limit(&self, window: u32) -> u32 {
        self.next_deliver.saturating_add(window)
    }

    /// Blocks in flight or being assembled.
    pub fn in_flight(&self) -> usize {
        self.peers.values().map(|p| p.in_flight.len() + usize::from(p.assembly.is_some())).sum()
    }

    /// Stores a completed block if it is still wanted (not stale, of the current epoch, not
    /// delivered yet); a height still waiting to be asked for is then not asked for.
    pub fn complete(&mut self, block: CompletedBlock) {
        if !block.stale && block.epoch == self.epoch && block.height >= self.next_deliver {
            self.pending.remove(&block.height);
            self.buffer.insert(block.height, block);
        }
    }

    /// The wallet learned filter elements at `height`: every block above it that peer `p`
    /// was asked for as request `seq` where `stale(p, seq)` (the filter that matched it did
    /// not hold them) is stale — buffered ones are dropped, outstanding ones marked — and
    /// asked for again.
    pub fn invalidate_after(&mut self, height: u32, stale: impl Fn(PeerId, u64) -> bool) {
        let epoch = self.epoch;
        let mut again = Vec::new();
        for (&peer, p) in self.peers.iter_mut() {
            let assembly = p.assembly.as_mut().map(|a| &mut a.request);
            for r in p.in_flight.iter_mut().chain(assembly) {
                if r.height > height && !r.stale && stale(peer, r.seq) {
                    r.stale = true;
                    if r.epoch == epoch {
                        again.push(r.height);
                    }
                }
            }
        }
        self.buffer.retain(|&h, b| {
            let keep = h <= height || !stale(b.peer, b.seq);
            if !keep {
                again.push(h);
            }
            keep
        });
        for h in again {
            if h >= self.next_deliver && !self.buffer.contains_key(&h) {
                self.pending.insert(h);
            }
        }
    }

    /// The next block for the wallet, if it has arrived.
    pub fn next_ready(&mut self) -> Option<CompletedBlock> {
        let block = self.buffer.remove(&self.next_deliver)?;
        self.next_deliver += 1;
        Some(block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{DEFAULT_BLOCKS_IN_FLIGHT, DEFAULT_BYTES_IN_FLIGHT, MIN_BLOCKS_IN_FLIGHT};

    fn window_after(blocks: &[usize]) -> usize {
        let mut p = PeerBlocks::default();
        for &b in blocks {
            p.on_block_bytes(b);
        }
        p.window(DEFAULT_BLOCKS_IN_FLIGHT, DEFAULT_BYTES_IN_FLIGHT)
    }

    #[test]
    fn a_peer_not_yet_measured_gets_the_whole_block_window() {
        assert_eq!(window_after(&[]), DEFAULT_BLOCKS_IN_FLIGHT);
    }

    #[test]
    fn small_filtered_blocks_are_bounded_by_the_block_count() {
        // An empty regtest merkleblock: 119 bytes on the wire.
        assert_eq!(window_after(&[119; 50]), DEFAULT_BLOCKS_IN_FLIGHT);
    }

    #[test]
    fn large_filtered_blocks_are_bounded_by_the_peers_send_buffer() {
        assert_eq!(window_after(&[10_000; 50]), DEFAULT_BYTES_IN_FLIGHT / 10_000);
        assert_eq!(window_after(&[1_000_000; 50]), MIN_BLOCKS_IN_FLIGHT);
    }

    #[test]
    fn the_average_follows_the_recent_blocks() {
        let mut p = PeerBlocks::default();
        p.on_block_bytes(119);
        for _ in 0..64 {
            p.on_block_bytes(20_000);
        }
        let w = p.window(DEFAULT_BLOCKS_IN_FLIGHT, DEFAULT_BYTES_IN_FLIGHT);
        assert!((50..=52).contains(&w), "window {w} after 64 blocks of 20,000 bytes");
        // Matched transactions count towards the block they belong to.
        let mut q = PeerBlocks::default();
        q.on_block_bytes(200);
        q.on_tx_bytes(80_000);
        assert_eq!(q.window(DEFAULT_BLOCKS_IN_FLIGHT, DEFAULT_BYTES_IN_FLIGHT), 1_000_000 / 10_200);
    }

    #[test]
    fn a_configured_window_below_the_floor_is_kept() {
        let mut p = PeerBlocks::default();
        p.on_block_bytes(1_000_000);
        assert_eq!(p.window(4, DEFAULT_BYTES_IN_FLIGHT), 4);
    }
}
