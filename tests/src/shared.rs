//! One chain served by several nodes: the chain behind a lock, a generation counter the
//! nodes watch to announce new blocks and transactions, and the addresses of the nodes
//! serving it (what `getaddr` answers).

use crate::chain::{BlockSpec, Chain, Reorg};
use dashlite::hash::BlockHash;
use dashlite::tx::{Script, Transaction, TxOut};
use std::net::SocketAddr;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A chain shared by nodes (cheap to clone: a reference). Every change made through
/// [`SharedChain::write`] (or the helpers below) is announced by every node serving it.
#[derive(Debug, Clone)]
pub struct SharedChain {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    chain: RwLock<Chain>,
    generation: AtomicU64,
    nodes: Mutex<Vec<SocketAddr>>,
}

/// Write access to a [`SharedChain`]; dropping it tells the nodes something changed.
pub struct ChainWriteGuard<'a> {
    guard: RwLockWriteGuard<'a, Chain>,
    generation: &'a AtomicU64,
}

impl Deref for ChainWriteGuard<'_> {
    type Target = Chain;
    fn deref(&self) -> &Chain {
        &self.guard
    }
}

impl DerefMut for ChainWriteGuard<'_> {
    fn deref_mut(&mut self) -> &mut Chain {
        &mut self.guard
    }
}

impl Drop for ChainWriteGuard<'_> {
    fn drop(&mut self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

impl From<Chain> for SharedChain {
    fn from(chain: Chain) -> Self {
        SharedChain::new(chain)
    }
}

impl SharedChain {
    /// Shares `chain`.
    pub fn new(chain: Chain) -> SharedChain {
        SharedChain {
            inner: Arc::new(Inner {
                chain: RwLock::new(chain),
                generation: AtomicU64::new(0),
                nodes: Mutex::new(Vec::new()),
            }),
        }
    }

    /// A shared regtest chain of genesis plus `blocks` default blocks.
    pub fn with_blocks(blocks: u32) -> SharedChain {
        SharedChain::new(Chain::with_blocks(blocks))
    }

    /// Read access.
    pub fn read(&self) -> RwLockReadGuard<'_, Chain> {
        self.inner.chain.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Write access; the nodes announce whatever changed once the guard is dropped.
    pub fn write(&self) -> ChainWriteGuard<'_> {
        ChainWriteGuard {
            guard: self.inner.chain.write().unwrap_or_else(|e| e.into_inner()),
            generation: &self.inner.generation,
        }
    }

    /// Counts changes; nodes compare it to decide when to announce.
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::SeqCst)
    }

    /// The tip height.
    pub fn height(&self) -> u32 {
        self.read().height()
    }

    /// The tip hash.
    pub fn tip(&self) -> BlockHash {
        self.read().tip()
    }

    /// Mines `n` default blocks (the first takes the mempool).
    pub fn mine(&self, n: u32) -> Vec<BlockHash> {
        self.write().mine(n)
    }

    /// Mines `n` blocks whose coinbase pays `script`.
    pub fn mine_to(&self, n: u32, script: &Script) -> Vec<BlockHash> {
        self.write().mine_to(n, script)
    }

    /// Mines one block as `spec` says.
    pub fn mine_block(&self, spec: BlockSpec) -> BlockHash {
        self.write().mine_block(spec)
    }

    /// Pays `value` to `script` (a mempool transaction, announced by the nodes).
    pub fn send(&self, script: &Script, value: i64) -> Transaction {
        self.write().send(script, value)
    }

    /// Pays several outputs in one mempool transaction.
    pub fn send_many(&self, outputs: Vec<TxOut>) -> Transaction {
        self.write().send_many(outputs)
    }

    /// Replaces the last `depth` blocks with a longer branch.
    pub fn reorg(&self, depth: u32) -> Reorg {
        self.write().reorg(depth)
    }

    /// Addresses of the running nodes serving this chain.
    pub fn node_addresses(&self) -> Vec<SocketAddr> {
        self.inner.nodes.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn register_node(&self, addr: SocketAddr) {
        let mut nodes = self.inner.nodes.lock().unwrap_or_else(|e| e.into_inner());
        if !nodes.contains(&addr) {
            nodes.push(addr);
        }
    }

    pub(crate) fn unregister_node(&self, addr: SocketAddr) {
        self.inner.nodes.lock().unwrap_or_else(|e| e.into_inner()).retain(|a| *a != addr);
    }
}
