//! Filtered-block download: which heights still have to be fetched, the requests in flight
//! per peer, the `merkleblock` + `tx` assembly per peer, and the reorder buffer that hands
//! blocks to the wallet in height order.
//!
//! Requests carry the *epoch* they were made in. A filter change that calls for a rescan, or
//! a reorg, starts a new epoch: answers to older requests are still assembled (the peer's
//! filter mirror must see their transactions) but then dropped, since their heights were
//! queued again.

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
    /// When the `merkleblock` arrived.
    pub started: Time,
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

    /// Puts requests of the current epoch back in the queue.
    pub fn requeue(&mut self, requests: impl IntoIterator<Item = Request>) {
        for r in requests {
            if r.epoch == self.epoch && r.height >= self.next_deliver {
                self.pending.insert(r.height);
            }
        }
    }

    /// Takes up to `room` of the lowest pending heights below `limit` (exclusive).
    pub fn take(&mut self, room: usize, limit: u32) -> Vec<u32> {
        let heights: Vec<u32> = self.pending.range(..limit).take(room).copied().collect();
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

    /// Stores a completed block if it is still wanted.
    pub fn complete(&mut self, block: CompletedBlock) {
        if block.epoch == self.epoch && block.height >= self.next_deliver {
            self.buffer.insert(block.height, block);
        }
    }

    /// The next block for the wallet, if it has arrived.
    pub fn next_ready(&mut self) -> Option<CompletedBlock> {
        let block = self.buffer.remove(&self.next_deliver)?;
        self.next_deliver += 1;
        Some(block)
    }

    /// Whether nothing is pending, in flight or buffered.
    pub fn is_idle(&self) -> bool {
        self.pending.is_empty() && self.buffer.is_empty() && self.in_flight() == 0
    }
}
