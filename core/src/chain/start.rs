//! Trusted starts: the headers a chain starting at a checkpoint record is given, so that the
//! difficulty of the very first header after it is checked.
//!
//! DarkGravityWave computes a header's nBits from the 24 blocks before it. A chain started
//! from the record alone cannot compute it for the 23 headers after the record, so a peer
//! could start a chain there at powLimit; DGW over those headers returns powLimit again and
//! the forged chain would stay that cheap. With the record's embedded window
//! ([`Params::checkpoint_window`]) every header after it is checked.

use crate::chain::pow::block_work;
use crate::chain::store::StoredHeader;
use crate::network::Params;

/// `start` preceded by the 23 headers of its embedded window when `params` has one for its
/// height that links to it (each header's hash is the next one's `hashPrevBlock`, ending at
/// `start`, so the window is authenticated by the trusted hash). Their chain work is counted
/// back from `start`'s. Otherwise `start` alone.
pub fn start_headers(params: &Params, start: StoredHeader) -> Vec<StoredHeader> {
    let window = params.checkpoint_window(start.height);
    let mut out = Vec::with_capacity(window.len() + 1);
    let mut next = start;
    for header in window.iter().rev() {
        let hash = header.block_hash();
        if hash != next.header.prev_blockhash {
            return vec![start];
        }
        let chain_work = next.chain_work.wrapping_sub(block_work(next.header.bits));
        next = StoredHeader { header: *header, hash, height: next.height - 1, chain_work };
        out.push(next);
    }
    out.reverse();
    out.push(start);
    out
}
