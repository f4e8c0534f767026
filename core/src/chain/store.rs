//! Where the best header chain lives beyond the in-memory window: the [`HeaderStore`] trait
//! (shaped for a SQLite table `headers(height PRIMARY KEY, hash UNIQUE, header, chain_work)`
//! updated in one transaction per [`ChainUpdate`]) and an in-memory implementation.

use crate::chain::uint::U256;
use crate::hash::BlockHash;
use crate::wire::BlockHeader;
use std::collections::{BTreeMap, HashMap};

/// A header on the best chain with what the tree derives from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredHeader {
    /// The header.
    pub header: BlockHeader,
    /// Its hash (X11).
    pub hash: BlockHash,
    /// Its height.
    pub height: u32,
    /// Total chain work up to and including it.
    pub chain_work: U256,
}

/// One atomic change of the stored best chain: drop every header above `keep_up_to` (all of
/// them when `None`), then append `connect`, which continues the chain from there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChainUpdate {
    /// Headers above this height are disconnected; `None` disconnects nothing when `connect`
    /// continues the current tip, or starts an empty store.
    pub keep_up_to: Option<u32>,
    /// Headers to append, ascending and consecutive.
    pub connect: Vec<StoredHeader>,
}

/// A failure of the storage behind a [`HeaderStore`].
#[derive(Debug, thiserror::Error)]
#[error("header store: {0}")]
pub struct StoreError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

impl StoreError {
    /// Wraps any error of the storage.
    pub fn new(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
        StoreError(Box::new(e))
    }
}

/// An update the in-memory store refuses because it would not leave one linked chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("chain update does not continue the stored chain at height {height}")]
pub struct BrokenUpdate {
    /// Height of the first header that does not fit.
    pub height: u32,
}

/// Persistent storage of the best header chain.
pub trait HeaderStore {
    /// The highest stored header.
    fn tip(&self) -> Result<Option<StoredHeader>, StoreError>;
    /// The best-chain header at `height`.
    fn get_by_height(&self, height: u32) -> Result<Option<StoredHeader>, StoreError>;
    /// The best-chain header with this hash.
    fn get_by_hash(&self, hash: &BlockHash) -> Result<Option<StoredHeader>, StoreError>;
    /// Applies `update` atomically: either all of it or, on error, none of it.
    fn apply(&mut self, update: &ChainUpdate) -> Result<(), StoreError>;
    /// Drops every stored header and starts the chain again at `start` (a trusted header
    /// below the stored chain, for a wallet whose birthday moved before it), atomically.
    fn restart(&mut self, start: StoredHeader) -> Result<(), StoreError>;
}

impl<S: HeaderStore + ?Sized> HeaderStore for Box<S> {
    fn tip(&self) -> Result<Option<StoredHeader>, StoreError> {
        (**self).tip()
    }

    fn get_by_height(&self, height: u32) -> Result<Option<StoredHeader>, StoreError> {
        (**self).get_by_height(height)
    }

    fn get_by_hash(&self, hash: &BlockHash) -> Result<Option<StoredHeader>, StoreError> {
        (**self).get_by_hash(hash)
    }

    fn apply(&mut self, update: &ChainUpdate) -> Result<(), StoreError> {
        (**self).apply(update)
    }

    fn restart(&mut self, start: StoredHeader) -> Result<(), StoreError> {
        (**self).restart(start)
    }
}

/// A [`HeaderStore`] in memory (tests, and clients that do not persist).
#[derive(Debug, Clone, Default)]
pub struct MemoryHeaderStore {
    by_height: BTreeMap<u32, StoredHeader>,
    by_hash: HashMap<BlockHash, u32>,
}

impl MemoryHeaderStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many headers are stored.
    pub fn len(&self) -> usize {
        self.by_height.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.by_height.is_empty()
    }

    fn check(&self, update: &ChainUpdate) -> Result<(), BrokenUpdate> {
        let mut prev = match update.keep_up_to {
            Some(h) => Some(*self.by_height.get(&h).ok_or(BrokenUpdate { height: h })?),
            None => self.by_height.values().next_back().copied(),
        };
        for s in &update.connect {
            // An empty store may start at any height (a trusted checkpoint).
            let fits = match prev {
                Some(p) => {
                    Some(s.height) == p.height.checked_add(1) && s.header.prev_blockhash == p.hash
                }
                None => true,
            };
            if !fits {
                return Err(BrokenUpdate { height: s.height });
            }
            prev = Some(*s);
        }
        Ok(())
    }
}

impl HeaderStore for MemoryHeaderStore {
    fn tip(&self) -> Result<Option<StoredHeader>, StoreError> {
        Ok(self.by_height.values().next_back().copied())
    }

    fn get_by_height(&self, height: u32) -> Result<Option<StoredHeader>, StoreError> {
        Ok(self.by_height.get(&height).copied())
    }

    fn get_by_hash(&self, hash: &BlockHash) -> Result<Option<StoredHeader>, StoreError> {
        Ok(self.by_hash.get(hash).and_then(|h| self.by_height.get(h)).copied())
    }

    fn apply(&mut self, update: &ChainUpdate) -> Result<(), StoreError> {
        self.check(update).map_err(StoreError::new)?;
        if let Some(keep) = update.keep_up_to {
            for (_, s) in self.by_height.split_off(&(keep + 1)) {
                self.by_hash.remove(&s.hash);
            }
        }
        for s in &update.connect {
            self.by_height.insert(s.height, *s);
            self.by_hash.insert(s.hash, s.height);
        }
        Ok(())
    }

    fn restart(&mut self, start: StoredHeader) -> Result<(), StoreError> {
        self.by_height = BTreeMap::from([(start.height, start)]);
        self.by_hash = HashMap::from([(start.hash, start.height)]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(prev: Option<&StoredHeader>, height: u32, tag: u8) -> StoredHeader {
        let header = BlockHeader {
            version: 4,
            prev_blockhash: prev.map(|p| p.hash).unwrap_or_default(),
            merkle_root: Default::default(),
            time: height,
            bits: 0x207f_ffff,
            nonce: u32::from(tag),
        };
        let hash = BlockHash::from_byte_array([tag.wrapping_add(height as u8); 32]);
        StoredHeader { header, hash, height, chain_work: U256::from_u64(u64::from(height) * 2) }
    }

    #[test]
    fn memory_store_replaces_the_chain_above_the_fork_atomically() {
        let mut s = MemoryHeaderStore::new();
        let a0 = link(None, 10, 0);
        let a1 = link(Some(&a0), 11, 0);
        let a2 = link(Some(&a1), 12, 0);
        s.apply(&ChainUpdate { keep_up_to: None, connect: vec![a0, a1, a2] }).unwrap();
        assert_eq!(s.tip().unwrap(), Some(a2));
        let b1 = link(Some(&a0), 11, 100);
        // Not linked to the kept chain: refused, nothing changes.
        let stray = link(Some(&a2), 11, 50);
        assert!(s.apply(&ChainUpdate { keep_up_to: Some(10), connect: vec![stray] }).is_err());
        assert_eq!(s.tip().unwrap(), Some(a2));
        s.apply(&ChainUpdate { keep_up_to: Some(10), connect: vec![b1] }).unwrap();
        assert_eq!(s.tip().unwrap(), Some(b1));
        assert_eq!(s.get_by_hash(&a2.hash).unwrap(), None);
        assert_eq!(s.get_by_hash(&b1.hash).unwrap(), Some(b1));
        assert_eq!(s.get_by_height(10).unwrap(), Some(a0));
        assert_eq!(s.len(), 2);
    }
}
