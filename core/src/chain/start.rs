//! Trusted starts: where a header chain may begin without trusting anything a peer sends.
//!
//! DarkGravityWave computes a header's nBits from the 24 blocks before it, so a chain started
//! at a single header `P` cannot check the nBits of the 23 headers after it: a peer could
//! serve them at powLimit, DGW over them returns powLimit again, and a forged chain would
//! stay that cheap. Such a start is therefore only accepted when a checkpoint `C` pins those
//! headers: `C` lies between `P + 23` and `P +` [`MAX_PIN_DISTANCE`], and the header at its
//! height must hash to it (the tree refuses anything else with
//! [`ValidationError::CheckpointMismatch`](crate::chain::ValidationError)). A block hash
//! commits to every header below it, so the headers `P + 1 ..= C` can only be the real
//! ones; they need no DGW (the tree does not apply it to them; their proof of work is
//! still checked against the nBits they claim), and from `C + 1` on DGW is computed over
//! the 24 real headers before. A forged
//! branch from `P` cannot pass `C`; at most `C - P - 1` cheap headers can be made up, and
//! while the tip is below `C` the chain is unproven, so the real chain replaces them.

use crate::chain::checkpoints::Checkpoints;
use crate::chain::dgw::DGW_PAST_BLOCKS;
use crate::chain::error::ChainError;
use crate::chain::store::StoredHeader;
use crate::network::Params;

/// Furthest a pinning checkpoint may lie above a single-header start: the spacing of the
/// checkpoint records (`shared/data/checkpoints`), which also bounds the made-up headers a
/// peer can offer before the pin.
pub const MAX_PIN_DISTANCE: u32 = 576;

/// `trusted` checked as a start for a chain required to pass `checkpoints`: genesis, any
/// start on a network that does not retarget, at least the 24 consecutive headers DGW
/// averages (at or above DGW's first height; below it the older rules need the history
/// from genesis), or a shorter run whose uncheckable successors a checkpoint pins (see the
/// module docs): then `Some` height of that checkpoint, up to which headers need no DGW.
/// Otherwise [`ChainError::StartNotPinned`]. Linkage is checked by the caller.
pub fn trusted_start(
    params: &Params,
    checkpoints: &Checkpoints,
    trusted: &[StoredHeader],
) -> Result<Option<u32>, ChainError> {
    let (Some(first), Some(last)) = (trusted.first(), trusted.last()) else {
        return Err(ChainError::NoStart);
    };
    if params.pow.no_retargeting || first.height == 0 {
        return Ok(None);
    }
    let err =
        |needed| ChainError::StartNotPinned { height: last.height, headers: trusted.len(), needed };
    if last.height < params.pow.dgw_height {
        let needed = last.height as usize + 1;
        return if trusted.len() >= needed { Ok(None) } else { Err(err(needed)) };
    }
    let needed = DGW_PAST_BLOCKS as usize;
    if trusted.len() >= needed {
        return Ok(None);
    }
    // The highest header whose nBits DGW cannot compute from the trusted history.
    let unchecked_to = first.height + DGW_PAST_BLOCKS - 1;
    match checkpoints.first_at_or_above(unchecked_to) {
        Some((pin, _)) if pin - last.height <= MAX_PIN_DISTANCE => Ok(Some(pin)),
        _ => Err(err(needed)),
    }
}

/// Whether a chain of `params`'s network may start at `record` alone: [`trusted_start`]
/// with the network's checkpoints ([`Checkpoints::for_network`]).
pub fn is_usable_start(params: &Params, record: &StoredHeader) -> bool {
    let checkpoints = Checkpoints::for_network(params);
    trusted_start(params, &checkpoints, std::slice::from_ref(record)).is_ok()
}
