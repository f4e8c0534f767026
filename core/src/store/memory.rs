//! [`MemoryStore`]: a [`Store`] in memory.

use std::collections::BTreeMap;

use crate::chain::{ChainUpdate, HeaderStore, MemoryHeaderStore, StoreError, StoredHeader};
use crate::hash::{BlockHash, Hash256, Txid};

use super::{Batch, ClientState, InstantLockRecord, MasternodeSnapshot, Store};
use crate::wallet::WalletTx;
use crate::wire::{GovObject, GovObjectVote};

/// A [`Store`] in memory: for tests and for clients that do not persist. Cloning copies it.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    headers: MemoryHeaderStore,
    state: ClientState,
    txs: BTreeMap<Txid, WalletTx>,
    objects: BTreeMap<Hash256, GovObject>,
    votes: BTreeMap<Hash256, GovObjectVote>,
    locks: BTreeMap<Txid, InstantLockRecord>,
    mn_lists: BTreeMap<BlockHash, MasternodeSnapshot>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The stored headers.
    pub fn headers(&self) -> &MemoryHeaderStore {
        &self.headers
    }
}

impl HeaderStore for MemoryStore {
    fn tip(&self) -> Result<Option<StoredHeader>, StoreError> {
        self.headers.tip()
    }

    fn get_by_height(&self, height: u32) -> Result<Option<StoredHeader>, StoreError> {
        self.headers.get_by_height(height)
    }

    fn get_by_hash(&self, hash: &BlockHash) -> Result<Option<StoredHeader>, StoreError> {
        self.headers.get_by_hash(hash)
    }

    fn apply(&mut self, update: &ChainUpdate) -> Result<(), StoreError> {
        self.headers.apply(update)
    }

    fn restart(&mut self, start: StoredHeader) -> Result<(), StoreError> {
        self.headers.restart(start)
    }
}

impl Store for MemoryStore {
    fn load(&self) -> Result<ClientState, StoreError> {
        let mut state = self.state.clone();
        state.wallet_txs = self.txs.values().cloned().collect();
        state.governance.objects = self.objects.values().cloned().collect();
        state.governance.votes = self.votes.values().cloned().collect();
        state.instant_locks = self.locks.values().cloned().collect();
        state.masternode_lists = self.mn_lists.values().cloned().collect();
        state.masternode_lists.sort_by_key(|m| m.height);
        Ok(state)
    }

    fn commit(&mut self, batch: &Batch) -> Result<(), StoreError> {
        let s = &mut self.state;
        if let Some(w) = &batch.watch {
            s.watch = Some(w.clone());
        }
        if let Some(p) = batch.progress {
            s.progress = Some(p);
        }
        if let Some(p) = &batch.peers {
            s.peers = Some(p.clone());
        }
        if let Some(f) = &batch.filter {
            s.filter = Some(f.clone());
        }
        if let Some(c) = &batch.chain_lock {
            s.chain_lock = Some(*c);
        }
        if let Some(sp) = &batch.sporks {
            s.sporks = sp.clone();
        }
        if let Some(t) = &batch.gov_full_sync_times {
            s.governance.full_sync_times = t.clone();
        }
        for tx in &batch.wallet_txs {
            self.txs.insert(tx.txid, tx.clone());
        }
        for o in &batch.gov_objects {
            self.objects.insert(o.hash(), o.clone());
        }
        for v in &batch.gov_votes {
            self.votes.insert(v.hash(), v.clone());
        }
        for l in &batch.instant_locks {
            self.locks.insert(l.txid, l.clone());
        }
        for hash in &batch.masternode_lists_removed {
            self.mn_lists.remove(hash);
        }
        for m in &batch.masternode_lists {
            self.mn_lists.insert(m.list.block_hash, m.clone());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Progress;

    #[test]
    fn commits_upsert_records_and_replace_options() {
        let mut s = MemoryStore::new();
        assert!(s.load().unwrap().progress.is_none());
        let p1 = Progress { height: 5, hash: BlockHash::from_byte_array([1; 32]) };
        s.commit(&Batch { progress: Some(p1), ..Batch::default() }).unwrap();
        let p2 = Progress { height: 6, hash: BlockHash::from_byte_array([2; 32]) };
        s.commit(&Batch { progress: Some(p2), ..Batch::default() }).unwrap();
        // An empty batch keeps what is stored.
        s.commit(&Batch::default()).unwrap();
        assert_eq!(s.load().unwrap().progress, Some(p2));
        assert!(Batch::default().is_empty());
        assert!(!Batch { progress: Some(p1), ..Batch::default() }.is_empty());
    }
}
