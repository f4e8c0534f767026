//! Checkpoints: the hard-coded list of each network (`Params::checkpoints`, Dash Core
//! `CCheckpointData`) and checkpoint records with header and chain work to start a chain from
//! (the `height,block_hash,chainwork,header` CSV of `shared/data/checkpoints`).

use crate::chain::error::ValidationError;
use crate::chain::uint::U256;
use crate::hash::BlockHash;
use crate::network::Params;
use crate::wire::BlockHeader;

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

    /// The hard-coded checkpoints of a network.
    pub fn for_network(params: &Params) -> Checkpoints {
        Checkpoints::new(
            params
                .checkpoints
                .iter()
                // Constants, checked by a test; a malformed entry would be skipped.
                .filter_map(|&(h, hex)| hex.parse().ok().map(|hash| (h, hash)))
                .collect(),
        )
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

/// A block a chain may start from: its header, hash, height and the total chain work up to and
/// including it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointRecord {
    /// Height of the block.
    pub height: u32,
    /// Hash of the block (X11 of `header`).
    pub hash: BlockHash,
    /// Total chain work up to and including this block.
    pub chain_work: U256,
    /// The block's header.
    pub header: BlockHeader,
}

/// A malformed line of a checkpoint CSV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("checkpoint CSV line {line}: {reason}")]
pub struct CheckpointCsvError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Parses `height,block_hash,chainwork,header` lines (a header line naming those columns is
/// skipped; blank lines are ignored): the hash in display hex, the chain work as big-endian hex
/// of at most 32 bytes, the header as 160 hex digits. Heights must ascend.
pub fn parse_checkpoint_csv(text: &str) -> Result<Vec<CheckpointRecord>, CheckpointCsvError> {
    let mut out: Vec<CheckpointRecord> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let err = |reason| CheckpointCsvError { line: i + 1, reason };
        if line.is_empty() || (i == 0 && line.starts_with("height")) {
            continue;
        }
        let mut fields = line.split(',');
        let mut next = || fields.next().map(str::trim).ok_or(err("fewer than 4 fields"));
        let (height, hash, work, header) = (next()?, next()?, next()?, next()?);
        if fields.next().is_some() {
            return Err(err("more than 4 fields"));
        }
        let height: u32 = height.parse().map_err(|_| err("height is not a number"))?;
        let hash: BlockHash = hash.parse().map_err(|_| err("block_hash is not 64 hex digits"))?;
        if work.is_empty() || work.len() > 64 {
            return Err(err("chainwork is not 1 to 64 hex digits"));
        }
        let mut work_bytes = [0u8; 32];
        hex::decode_to_slice(format!("{work:0>64}"), &mut work_bytes)
            .map_err(|_| err("chainwork is not hex"))?;
        let mut header_bytes = [0u8; 80];
        hex::decode_to_slice(header, &mut header_bytes)
            .map_err(|_| err("header is not 160 hex digits"))?;
        if out.last().is_some_and(|prev| prev.height >= height) {
            return Err(err("heights do not ascend"));
        }
        out.push(CheckpointRecord {
            height,
            hash,
            chain_work: U256::from_be_bytes(work_bytes),
            header: BlockHeader::from_array(&header_bytes),
        });
    }
    Ok(out)
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
            let cps = Checkpoints::for_network(net.params());
            let want = v[key].as_array().unwrap();
            assert_eq!(cps.list().len(), want.len(), "{key}");
            for (got, w) in cps.list().iter().zip(want) {
                assert_eq!(u64::from(got.0), w["height"].as_u64().unwrap());
                assert_eq!(got.1.to_string(), w["hash_display"].as_str().unwrap());
            }
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
    }

    #[test]
    fn malformed_csv_lines_are_reported_with_their_line_number() {
        let good = "height,block_hash,chainwork,header\n\
            576,000001b9c048f99c88f4047ee144f937cbb3467eb598ed90afae03d35fc03814,000000000000000024402440,\
            02000000151fa9c002c35efca8758a18beaac3724612b3e50194032c9ba54ff52902000032846019d710d8a116f38400752ccada5b4097fb405193437a455568871de4274a50db52fcff031ee7400200\n";
        let recs = parse_checkpoint_csv(good).unwrap();
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].chain_work, U256::from_u64(0x2440_2440));
        assert_eq!(recs[0].header.bits, 0x1e03_fffc);
        let bad_header = good.replace("400200\n", "4002\n");
        assert_eq!(parse_checkpoint_csv(&bad_header).unwrap_err().line, 2);
        let twice = format!("{good}{}", good.lines().nth(1).unwrap());
        assert_eq!(
            parse_checkpoint_csv(&twice),
            Err(CheckpointCsvError { line: 3, reason: "heights do not ascend" })
        );
        assert_eq!(parse_checkpoint_csv("1,2,3").unwrap_err().reason, "fewer than 4 fields");
    }
}
