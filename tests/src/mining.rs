//! Proof of work for the builder: nonce search with real X11 (`BlockHeader::block_hash`)
//! against the target nBits encodes (Dash Core `CheckProofOfWork`). At regtest's 0x207fffff
//! half of all hashes qualify, so a block costs about two X11 evaluations.

use dashlite::chain::U256;
use dashlite::hash::{BlockHash, Hash256};
use dashlite::wire::BlockHeader;

/// The fields of a header before its nonce is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderSpec {
    /// nVersion.
    pub version: i32,
    /// hashPrevBlock.
    pub prev_blockhash: BlockHash,
    /// hashMerkleRoot.
    pub merkle_root: Hash256,
    /// nTime.
    pub time: u32,
    /// nBits.
    pub bits: u32,
}

impl HeaderSpec {
    fn header(&self, nonce: u32) -> BlockHeader {
        BlockHeader {
            version: self.version,
            prev_blockhash: self.prev_blockhash,
            merkle_root: self.merkle_root,
            time: self.time,
            bits: self.bits,
            nonce,
        }
    }
}

/// Whether `hash`, read as a little-endian number, is at most the target of `bits`.
pub fn meets_target(hash: &BlockHash, bits: u32) -> bool {
    let c = U256::from_compact(bits);
    !c.negative && !c.overflow && U256::from_le_bytes(hash.to_byte_array()) <= c.value
}

/// Finds the first nonce (from 0) whose X11 hash meets the target.
pub fn mine_header(spec: HeaderSpec) -> (BlockHeader, BlockHash) {
    search(spec, true)
}

/// Finds the first nonce (from 0) whose X11 hash does NOT meet the target: a header with
/// invalid proof of work.
pub fn mine_invalid_header(spec: HeaderSpec) -> (BlockHeader, BlockHash) {
    search(spec, false)
}

fn search(spec: HeaderSpec, valid: bool) -> (BlockHeader, BlockHash) {
    let mut nonce = 0u32;
    loop {
        let header = spec.header(nonce);
        let hash = header.block_hash();
        if meets_target(&hash, spec.bits) == valid {
            return (header, hash);
        }
        nonce = nonce.wrapping_add(1);
    }
}
