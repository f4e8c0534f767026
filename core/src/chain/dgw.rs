//! The nBits a new header must carry: `GetNextWorkRequired` of Dash Core `src/pow.cpp`
//! (PROTOCOL.md §5.3): the devnet/testnet/regtest minimum-difficulty rules, regtest's
//! no-retargeting, the Bitcoin-style retarget below the KGW height, and DarkGravityWave v3.
//! Kimoto Gravity Well (mainnet heights 15200–34139 only) is not implemented.

use crate::chain::pow::pow_limit;
use crate::chain::uint::U256;
use crate::network::PowParams;

/// Blocks DarkGravityWave averages over (`nPastBlocks`).
pub const DGW_PAST_BLOCKS: u32 = 24;
/// On min-difficulty networks, a block this long after its parent may use powLimit.
pub const MIN_DIFFICULTY_AFTER_SECS: i64 = 2 * 60 * 60;

/// What the difficulty rules read from a block (`CBlockIndex` fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockSummary {
    /// Height in the chain.
    pub height: u32,
    /// nTime.
    pub time: u32,
    /// nBits.
    pub bits: u32,
}

/// The chain a new header builds on, seen from its parent (`pindexLast`).
pub trait ChainHistory {
    /// The parent of the new header (`pindexLast`).
    fn last(&self) -> BlockSummary;

    /// The block at `height` (at most `last().height`) on the branch ending at `last()`;
    /// `None` when this history does not reach that far back.
    fn ancestor(&self, height: u32) -> Option<BlockSummary>;

    /// `GetNextWorkRequiredBTC`'s walk: nBits of the latest block, from `last()` back, that is
    /// genesis, on a retarget boundary or not at powLimit. `None` if the history ends first.
    /// Implementations may answer from a cache; the default walks `ancestor`.
    fn last_non_min_difficulty_bits(&self, pow: &PowParams) -> Option<u32> {
        let limit_bits = pow_limit(pow).to_compact();
        let interval = retarget_interval(pow);
        let mut b = self.last();
        loop {
            if b.height == 0 || b.height % interval == 0 || b.bits != limit_bits {
                return Some(b.bits);
            }
            b = self.ancestor(b.height - 1)?;
        }
    }
}

/// A history held in a slice of consecutive blocks, oldest first, the last one being the
/// parent of the new header.
#[derive(Debug, Clone, Copy)]
pub struct SliceHistory<'a> {
    blocks: &'a [BlockSummary],
}

impl<'a> SliceHistory<'a> {
    /// `None` unless the slice is non-empty and its heights are consecutive.
    pub fn new(blocks: &'a [BlockSummary]) -> Option<Self> {
        let first = blocks.first()?;
        let consecutive = blocks
            .iter()
            .enumerate()
            .all(|(i, b)| Some(b.height) == first.height.checked_add(i as u32));
        consecutive.then_some(SliceHistory { blocks })
    }
}

impl ChainHistory for SliceHistory<'_> {
    fn last(&self) -> BlockSummary {
        self.blocks[self.blocks.len() - 1] // non-empty by construction
    }

    fn ancestor(&self, height: u32) -> Option<BlockSummary> {
        let first = self.blocks[0].height;
        self.blocks.get(height.checked_sub(first)? as usize).copied()
    }
}

/// Why the required nBits could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NextWorkError {
    /// The rule needs a block older than the history holds (the chain started at a
    /// checkpoint less than a window ago).
    #[error("height {height}: difficulty needs block {needed}, before the known history")]
    InsufficientHistory {
        /// Height of the new header.
        height: u32,
        /// The height of the missing block.
        needed: u32,
    },
    /// Kimoto Gravity Well heights (mainnet 15200–34139) are not implemented.
    #[error("height {height}: Kimoto Gravity Well is not implemented")]
    Unsupported {
        /// Height of the new header.
        height: u32,
    },
}

/// Blocks between Bitcoin-style retargets (`DifficultyAdjustmentInterval`, 576).
pub fn retarget_interval(pow: &PowParams) -> u32 {
    (pow.target_timespan / pow.target_spacing.max(1)).max(1)
}

/// `GetNextWorkRequired`: the nBits required of a header with time `new_time` built on
/// `history.last()`.
pub fn next_work_required<H: ChainHistory + ?Sized>(
    pow: &PowParams,
    history: &H,
    new_time: u32,
) -> Result<u32, NextWorkError> {
    let last = history.last();
    let height = last.height + 1;
    let limit = pow_limit(pow);
    // nMinimumDifficultyBlocks is a devnet option defaulting to 0: never active here.
    if height < pow.kgw_height {
        return next_work_btc(pow, history, new_time);
    }
    if pow.no_retargeting {
        return Ok(limit.to_compact());
    }
    if pow.allow_min_difficulty_blocks {
        let (new_time, last_time) = (i64::from(new_time), i64::from(last.time));
        if new_time > last_time + MIN_DIFFICULTY_AFTER_SECS {
            return Ok(limit.to_compact());
        }
        if new_time > last_time + 4 * i64::from(pow.target_spacing) {
            let eased = U256::from_compact(last.bits).value.wrapping_mul_u32(10);
            return Ok(eased.min(limit).to_compact());
        }
    }
    if height < pow.dgw_height {
        return Err(NextWorkError::Unsupported { height });
    }
    dark_gravity_wave(pow, history)
}

/// DarkGravityWave v3 (`DarkGravityWave` in pow.cpp), without the min-difficulty rules.
pub fn dark_gravity_wave<H: ChainHistory + ?Sized>(
    pow: &PowParams,
    history: &H,
) -> Result<u32, NextWorkError> {
    let last = history.last();
    let limit = pow_limit(pow);
    if last.height < DGW_PAST_BLOCKS {
        return Ok(limit.to_compact());
    }
    let missing = |needed| NextWorkError::InsufficientHistory { height: last.height + 1, needed };
    let mut avg = U256::from_compact(last.bits).value;
    let mut oldest = last;
    for count in 2..=DGW_PAST_BLOCKS {
        let needed = last.height - (count - 1);
        oldest = history.ancestor(needed).ok_or(missing(needed))?;
        let target = U256::from_compact(oldest.bits).value;
        // Deliberately not a plain average (see pow.cpp); integer arithmetic, wrapping.
        avg = avg
            .wrapping_mul_u32(count)
            .wrapping_add(target)
            .checked_div_u64(u64::from(count) + 1)
            .unwrap_or(U256::ZERO);
    }
    // 23 intervals between the 24 blocks, compared with 24 spacings (as pow.cpp does).
    let target_timespan = i64::from(DGW_PAST_BLOCKS) * i64::from(pow.target_spacing);
    let actual = (i64::from(last.time) - i64::from(oldest.time))
        .clamp(target_timespan / 3, target_timespan * 3);
    let new = avg
        .wrapping_mul_u32(actual as u32)
        .checked_div_u64(target_timespan as u64)
        .unwrap_or(limit);
    Ok(new.min(limit).to_compact())
}

/// `GetNextWorkRequiredBTC` with `CalculateNextWorkRequired`: retarget every 576 blocks
/// (timespan clamped to ×¼..×4), with the testnet-style minimum-difficulty rule between.
fn next_work_btc<H: ChainHistory + ?Sized>(
    pow: &PowParams,
    history: &H,
    new_time: u32,
) -> Result<u32, NextWorkError> {
    let last = history.last();
    let height = last.height + 1;
    let limit = pow_limit(pow);
    let interval = retarget_interval(pow);
    if height % interval != 0 {
        if pow.allow_min_difficulty_blocks {
            if i64::from(new_time) > i64::from(last.time) + 2 * i64::from(pow.target_spacing) {
                return Ok(limit.to_compact());
            }
            return history
                .last_non_min_difficulty_bits(pow)
                .ok_or(NextWorkError::InsufficientHistory { height, needed: last.height });
        }
        return Ok(last.bits);
    }
    if pow.no_retargeting {
        return Ok(last.bits);
    }
    let first_height = last.height + 1 - interval;
    let first = history
        .ancestor(first_height)
        .ok_or(NextWorkError::InsufficientHistory { height, needed: first_height })?;
    let timespan = i64::from(pow.target_timespan);
    let actual = (i64::from(last.time) - i64::from(first.time)).clamp(timespan / 4, timespan * 4);
    let new = U256::from_compact(last.bits)
        .value
        .wrapping_mul_u32(actual as u32)
        .checked_div_u64(timespan as u64)
        .unwrap_or(limit);
    Ok(new.min(limit).to_compact())
}

/// Dash Core's `ConvertBitsToDouble`: the difficulty nBits stands for, as a float.
pub fn bits_to_difficulty(bits: u32) -> f64 {
    let mut shift = (bits >> 24) & 0xff;
    let mut diff = f64::from(0xffff) / f64::from(bits & 0x00ff_ffff);
    while shift < 29 {
        diff *= 256.0;
        shift += 1;
    }
    while shift > 29 {
        diff /= 256.0;
        shift -= 1;
    }
    diff
}

/// The mainnet rule up to height 68589 (`ContextualCheckBlockHeader`): nBits only has to be
/// within 50% of the expected difficulty.
pub fn within_legacy_tolerance(bits: u32, expected: u32) -> bool {
    let (got, want) = (bits_to_difficulty(bits), bits_to_difficulty(expected));
    // Written as the C++ negation so a NaN (zero mantissa) passes exactly as it does there.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    let ok = !((got - want).abs() > got * 0.5);
    ok
}

#[cfg(test)]
#[path = "dgw_tests.rs"]
mod tests;
