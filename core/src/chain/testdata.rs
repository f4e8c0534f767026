//! Chain test helpers over the real chain data (`../shared/data`).

use crate::hash::BlockHash;
use crate::network::{parse_checkpoint_csv, CheckpointRecord};
use crate::wire::BlockHeader;

pub use crate::test_support::{shared_file, vectors};

/// The records of `shared/data/checkpoints/<name>` (one every 576 blocks).
pub fn shared_records(name: &str) -> Vec<CheckpointRecord> {
    let text = shared_file(&format!("data/checkpoints/{name}"));
    parse_checkpoint_csv(std::str::from_utf8(&text).expect("UTF-8 CSV")).expect("valid CSV")
}

/// A run of real consecutive headers: `shared/data/headers/<file>`, first at `first_height`.
pub struct HeaderFile {
    /// Height of `headers[0]`.
    pub first_height: u32,
    /// The headers.
    pub headers: Vec<BlockHeader>,
}

impl HeaderFile {
    /// Loads `data/headers/<name>`.
    pub fn load(name: &str, first_height: u32) -> HeaderFile {
        let raw = shared_file(&format!("data/headers/{name}"));
        assert_eq!(raw.len() % 80, 0, "{name}: not a whole number of headers");
        let headers = raw
            .chunks_exact(80)
            .map(|c| BlockHeader::from_array(c.try_into().expect("80 bytes")))
            .collect();
        HeaderFile { first_height, headers }
    }

    /// The mainnet window 1737084–1742083.
    pub fn mainnet() -> HeaderFile {
        HeaderFile::load("mainnet-1737084.bin", 1_737_084)
    }

    /// The testnet window 942249–947248.
    pub fn testnet() -> HeaderFile {
        HeaderFile::load("testnet-942249.bin", 942_249)
    }

    /// Header `i` with its hash, which the next header names as its parent. The last
    /// header's hash would need X11, so it is not offered.
    pub fn with_hashes(&self) -> Vec<(BlockHeader, BlockHash)> {
        self.headers.windows(2).map(|w| (w[0], w[1].prev_blockhash)).collect()
    }
}
