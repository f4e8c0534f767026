//! Test helpers: the shared vectors and real chain data beside the repository
//! (`../shared/` from the repository root). A missing file fails the test with its path.

use crate::wire::BlockHeader;

/// Reads `shared/<rel>`, panicking with the path when it is missing.
pub fn shared_file(rel: &str) -> Vec<u8> {
    let path = format!("{}/../../shared/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("shared test data missing: {path}: {e}"))
}

/// Parses `shared/vectors/<name>`.
pub fn vectors(name: &str) -> serde_json::Value {
    serde_json::from_slice(&shared_file(&format!("vectors/{name}"))).expect("vector file is JSON")
}

/// The bytes of a JSON hex string.
pub fn hex_bytes(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

/// The real consecutive headers of `shared/data/headers/<file>`.
pub fn real_headers(file: &str) -> Vec<BlockHeader> {
    let bytes = shared_file(&format!("data/headers/{file}"));
    assert_eq!(bytes.len() % 80, 0, "{file}: not a whole number of headers");
    bytes.chunks_exact(80).map(|c| BlockHeader::from_array(c.try_into().expect("80"))).collect()
}
