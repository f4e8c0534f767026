//! The contextual header rules (`validation.cpp ContextualCheckBlockHeader`, PROTOCOL.md
//! §5.2): required nBits, median time past, future time limit, minimum version.

use crate::chain::dgw::{next_work_required, within_legacy_tolerance, ChainHistory, NextWorkError};
use crate::chain::error::ValidationError;
use crate::network::{Network, Params};
use crate::wire::BlockHeader;

/// Blocks whose times form the median time past (`nMedianTimeSpan`).
pub const MEDIAN_TIME_SPAN: u32 = 11;
/// How far past the local clock a header's time may be (`MAX_FUTURE_BLOCK_TIME`, 2 hours).
pub const MAX_FUTURE_BLOCK_TIME: u64 = 2 * 60 * 60;
/// Mainnet heights up to this one only need nBits within 50% of the expected difficulty.
pub const MAINNET_LEGACY_DIFFICULTY_HEIGHT: u32 = 68_589;

/// `GetMedianTimePast` of `history.last()`: the median of the times of up to 11 blocks ending
/// there (fewer only near genesis). `None` when the history ends before that.
pub fn median_time_past<H: ChainHistory + ?Sized>(history: &H) -> Option<u32> {
    let last = history.last();
    let count = (last.height + 1).min(MEDIAN_TIME_SPAN);
    let mut times = [0u32; MEDIAN_TIME_SPAN as usize];
    times[0] = last.time;
    for back in 1..count {
        times[back as usize] = history.ancestor(last.height - back)?.time;
    }
    let times = &mut times[..count as usize];
    times.sort_unstable();
    Some(times[times.len() / 2])
}

/// The lowest block version allowed at `height` (BIP34 → 2, BIP66 → 3, BIP65 → 4).
pub fn min_version(params: &Params, height: u32) -> i32 {
    if height >= params.bip65_height {
        4
    } else if height >= params.bip66_height {
        3
    } else if height >= params.bip34_height {
        2
    } else {
        i32::MIN
    }
}

/// What [`check_contextual`] did not check: the history was too short, or the header is
/// pinned by a checkpoint above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Skipped {
    /// nBits was not compared with the required value.
    pub difficulty: bool,
    /// The median-time-past rule was not applied.
    pub median_time: bool,
}

/// The contextual checks of a header at `history.last().height + 1`, in Dash Core's order
/// (checkpoint rules, which need the block index, are the tree's): nBits ("bad-diffbits"),
/// time after the median time past ("time-too-old"), time at most 2 hours past `now`
/// ("time-too-new"), minimum version ("bad-version"). Rules whose inputs lie before the known
/// history are reported in [`Skipped`] instead of failing, and so is nBits when `pinned` (the
/// header lies below a checkpoint that commits to it: its proof of work is checked against
/// the nBits it claims by [`check_proof_of_work`](crate::chain::check_proof_of_work)).
pub fn check_contextual<H: ChainHistory + ?Sized>(
    params: &Params,
    header: &BlockHeader,
    history: &H,
    now: u64,
    pinned: bool,
) -> Result<Skipped, ValidationError> {
    let height = history.last().height + 1;
    let mut skipped = Skipped::default();
    let required =
        if pinned { None } else { Some(next_work_required(&params.pow, history, header.time)) };
    match required {
        Some(Ok(expected)) => {
            let legacy =
                params.network == Network::Mainnet && height <= MAINNET_LEGACY_DIFFICULTY_HEIGHT;
            let ok = if legacy {
                within_legacy_tolerance(header.bits, expected)
            } else {
                header.bits == expected
            };
            if !ok {
                return Err(ValidationError::BadDifficulty { height, expected, got: header.bits });
            }
        }
        None | Some(Err(NextWorkError::InsufficientHistory { .. })) => skipped.difficulty = true,
        Some(Err(NextWorkError::Unsupported { height })) => {
            return Err(ValidationError::UnsupportedHeight { height })
        }
    }
    match median_time_past(history) {
        Some(median) if header.time <= median => {
            return Err(ValidationError::TimeTooOld { height, time: header.time, median });
        }
        Some(_) => {}
        None => skipped.median_time = true,
    }
    if u64::from(header.time) > now.saturating_add(MAX_FUTURE_BLOCK_TIME) {
        return Err(ValidationError::TimeTooNew { height, time: header.time, now });
    }
    let min = min_version(params, height);
    if header.version < min {
        return Err(ValidationError::BadVersion { height, version: header.version, min });
    }
    Ok(skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::dgw::{BlockSummary, SliceHistory};

    fn chain(times: &[u32]) -> Vec<BlockSummary> {
        times
            .iter()
            .enumerate()
            .map(|(i, &time)| BlockSummary { height: 100 + i as u32, time, bits: 0x207f_ffff })
            .collect()
    }

    #[test]
    fn median_time_past_is_the_middle_of_the_last_eleven_times() {
        let blocks = chain(&[50, 1, 9, 2, 8, 3, 7, 4, 6, 5, 10, 11]);
        let h = SliceHistory::new(&blocks).unwrap();
        // Last 11: 1,9,2,8,3,7,4,6,5,10,11 -> sorted middle is 6.
        assert_eq!(median_time_past(&h), Some(6));
        let short = SliceHistory::new(&blocks[2..]).unwrap();
        assert_eq!(median_time_past(&short), None);
    }

    #[test]
    fn median_time_past_near_genesis_uses_the_blocks_there_are() {
        let blocks: Vec<_> = [10, 30, 20]
            .iter()
            .enumerate()
            .map(|(i, &time)| BlockSummary { height: i as u32, time, bits: 0x207f_ffff })
            .collect();
        assert_eq!(median_time_past(&SliceHistory::new(&blocks).unwrap()), Some(20));
    }

    #[test]
    fn minimum_version_rises_at_bip34_bip66_bip65() {
        let p = Network::Mainnet.params();
        assert_eq!(min_version(p, 950), i32::MIN);
        assert_eq!(min_version(p, 951), 2);
        assert_eq!(min_version(p, 245_817), 3);
        assert_eq!(min_version(p, 619_382), 4);
    }

    #[test]
    fn time_rules_reject_old_and_future_headers_with_an_injected_clock() {
        let params = Network::Regtest.params();
        let blocks = chain(&[1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010]);
        let h = SliceHistory::new(&blocks).unwrap();
        let header = |time| BlockHeader {
            version: 4,
            prev_blockhash: Default::default(),
            merkle_root: Default::default(),
            time,
            bits: 0x207f_ffff,
            nonce: 0,
        };
        let now = 10_000;
        assert!(check_contextual(params, &header(1006), &h, now, false).is_ok());
        assert_eq!(
            check_contextual(params, &header(1005), &h, now, false),
            Err(ValidationError::TimeTooOld { height: 111, time: 1005, median: 1005 })
        );
        assert!(check_contextual(params, &header(17_200), &h, now, false).is_ok());
        assert_eq!(
            check_contextual(params, &header(17_201), &h, now, false),
            Err(ValidationError::TimeTooNew { height: 111, time: 17_201, now })
        );
        let mut old = header(1006);
        old.version = 3;
        assert_eq!(
            check_contextual(params, &old, &h, now, false),
            Err(ValidationError::BadVersion { height: 111, version: 3, min: 4 })
        );
    }
}
