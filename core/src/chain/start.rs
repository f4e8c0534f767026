//! Trusted starts: the headers a chain starting at a checkpoint record is given, so that the
//! difficulty of the very first header after it is checked.
//!
//! DarkGravityWave computes a header's nBits from the 24 blocks before it. A chain started
//! from the record alone cannot compute it for the 23 headers after the record, so a peer
//! could start a chain there at powLimit; DGW over those headers returns powLimit again and
//! the forged chain would stay that cheap. With the record's embedded window
//! ([`Params::checkpoint_window`]) every header after it is checked, and a start without
//! one is refused ([`trusted_start`]) on every network whose difficulty retargets.

use crate::chain::dgw::DGW_PAST_BLOCKS;
use crate::chain::error::ChainError;
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

/// The trusted headers a chain starting at `trusted` begins with, or why it cannot start there.
/// A single header is given its embedded window ([`start_headers`]). On a network whose
/// difficulty retargets, a start above genesis must then be at least the 24 headers
/// DarkGravityWave averages, at or above DGW's first height (below it the older rules need
/// the history from genesis); otherwise [`ChainError::StartWithoutWindow`]: the headers after
/// the start would be accepted at whatever nBits they claim. Regtest (no retargeting) and
/// genesis starts need nothing more. Linkage is checked by the caller.
pub fn trusted_start(
    params: &Params,
    trusted: &[StoredHeader],
) -> Result<Vec<StoredHeader>, ChainError> {
    let headers = match trusted {
        [] => return Err(ChainError::NoStart),
        [start] => start_headers(params, *start),
        _ => trusted.to_vec(),
    };
    let (first, last) = (headers[0], headers[headers.len() - 1]);
    if params.pow.no_retargeting || first.height == 0 {
        return Ok(headers);
    }
    let needed = if last.height < params.pow.dgw_height {
        last.height as usize + 1
    } else {
        DGW_PAST_BLOCKS as usize
    };
    if headers.len() < needed {
        return Err(ChainError::StartWithoutWindow {
            height: last.height,
            headers: headers.len(),
            needed,
        });
    }
    Ok(headers)
}

/// Whether a chain may start at `record` alone ([`trusted_start`]): it has its embedded
/// window, or the network does not retarget, or it is genesis.
pub fn is_usable_start(params: &Params, record: &StoredHeader) -> bool {
    trusted_start(params, std::slice::from_ref(record)).is_ok()
}
