//! The hashes a header tree requires at their heights: each network's hard-coded checkpoints
//! (`Params::checkpoints`, Dash Core `CCheckpointData`) and its embedded checkpoint records
//! (`Params::checkpoint_records`). A checkpoint commits to the whole chain below it.

use crate::chain::error::ValidationError;
use crate::hash::BlockHash;
use crate::network::Params;

/// Checkpointed hashes by height, ascending.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Checkpoints {
    list: Vec<(u32, BlockHash)>,
}

impl Checkpoints {
    /// From (height, hash) pairs in any order.
    pub fn new(mut list: Vec<(u32, BlockHash)>) -> Checkpoints {
        list.sort_by_key(|&(h, _)| h);
        list.dedup_by_key(|&mut (h, _)| h);
        Checkpoints { list }
    }

    /// The checkpoints of a network: the hard-coded ones and the hashes of the embedded
    /// checkpoint records (blocks of the same chain; a test checks that they agree).
    pub fn for_network(params: &Params) -> Checkpoints {
        Checkpoints::new(
            params
                .checkpoints
                .iter()
                // Constants, checked by a test; a malformed entry would be skipped.
                .filter_map(|&(h, hex)| hex.parse().ok().map(|hash| (h, hash)))
                .chain(params.embedded_records().iter().map(|r| (r.height, r.hash)))
                .collect(),
        )
    }

    /// The lowest checkpoint at or above `height`.
    pub fn first_at_or_above(&self, height: u32) -> Option<(u32, BlockHash)> {
        let n = self.list.partition_point(|&(h, _)| h < height);
        self.list.get(n).copied()
    }

    /// The checkpoints, ascending by height.
    pub fn list(&self) -> &[(u32, BlockHash)] {
        &self.list
    }

    /// The checkpointed hash at `height`, if any.
    pub fn hash_at(&self, height: u32) -> Option<BlockHash> {
        self.list.binary_search_by_key(&height, |&(h, _)| h).ok().map(|i| self.list[i].1)
    }

    /// The highest checkpoint at or below `height`.
    pub fn last_at_or_below(&self, height: u32) -> Option<(u32, BlockHash)> {
        let n = self.list.partition_point(|&(h, _)| h <= height);
        n.checked_sub(1).map(|i| self.list[i])
    }

    /// Rejects a header whose hash differs from the checkpoint at its height.
    pub fn check(&self, height: u32, hash: &BlockHash) -> Result<(), ValidationError> {
        match self.hash_at(height) {
            Some(expected) if expected != *hash => {
                Err(ValidationError::CheckpointMismatch { height, expected, got: *hash })
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::testdata::vectors;
    use crate::network::Network;

    #[test]
    fn hard_coded_checkpoints_match_the_vector() {
        let v = vectors("checkpoints.json");
        for (net, key) in [(Network::Mainnet, "mainnet"), (Network::Testnet, "testnet")] {
            let params = net.params();
            let want = v[key].as_array().unwrap();
            assert_eq!(params.checkpoints.len(), want.len(), "{key}");
            for (got, w) in params.checkpoints.iter().zip(want) {
                assert_eq!(u64::from(got.0), w["height"].as_u64().unwrap());
                assert_eq!(got.1, w["hash_display"].as_str().unwrap());
            }
            // The tree's list: those and the embedded records, each once.
            let cps = Checkpoints::for_network(params);
            let records = params.checkpoint_records();
            for &(h, hash) in params.checkpoints {
                assert_eq!(cps.hash_at(h).map(|c| c.to_string()).as_deref(), Some(hash));
            }
            for r in &records {
                assert_eq!(cps.hash_at(r.height), Some(r.hash), "{key} {}", r.height);
            }
            let heights: std::collections::BTreeSet<u32> = params
                .checkpoints
                .iter()
                .map(|c| c.0)
                .chain(records.iter().map(|r| r.height))
                .collect();
            assert_eq!(cps.list().len(), heights.len(), "{key}");
        }
    }

    #[test]
    fn a_different_hash_at_a_checkpoint_height_is_rejected() {
        let cps = Checkpoints::for_network(Network::Mainnet.params());
        let (h, hash) = cps.list()[3];
        assert_eq!(cps.check(h, &hash), Ok(()));
        assert_eq!(cps.check(h + 1, &BlockHash::ZERO), Ok(()));
        assert_eq!(
            cps.check(h, &BlockHash::ZERO),
            Err(ValidationError::CheckpointMismatch {
                height: h,
                expected: hash,
                got: BlockHash::ZERO
            })
        );
        assert_eq!(cps.last_at_or_below(h + 5), Some((h, hash)));
        assert_eq!(cps.last_at_or_below(1499), None);
        assert_eq!(cps.first_at_or_above(h), Some((h, hash)));
        assert_eq!(cps.first_at_or_above(h - 1), Some((h, hash)));
        assert_eq!(cps.first_at_or_above(u32::MAX), None);
    }
}
