//! Test helpers: the shared vectors and real chain data (`/work/shared`).

use crate::hash::BlockHash;
use crate::wire::BlockHeader;

/// Reads `shared/<rel>`, panicking with the path when it is missing.
pub fn shared_file(rel: &str) -> Vec<u8> {
    let path = format!("{}/../../shared/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("shared test data missing: {path}: {e}"))
}

/// Parses `shared/vectors/<name>`.
pub fn vectors(name: &str) -> serde_json::Value {
    let text = shared_file(&format!("vectors/{name}"));
    serde_json::from_slice(&text).expect("vector file is JSON")
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
