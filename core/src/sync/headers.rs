//! Header sync: block locators and the state of the one outstanding header request.
//!
//! Headers are asked from one sync peer at a time with `getheaders2` (peers that speak
//! headers2, DIP-0025) or `getheaders`; a full reply (8,000 compressed or 2,000 plain
//! headers) means there are more, so the next request follows at once. Announcements from
//! any peer extend the chain too; one that does not connect is answered with a `getheaders`
//! to its sender.

use crate::chain::{ChainError, HeaderStore, HeaderTree};
use crate::hash::BlockHash;
use crate::network::PROTOCOL_VERSION;
use crate::p2p::{PeerId, Time};
use crate::wire::{
    GetHeaders, GetHeaders2, Message, MAX_HEADERS_COMPRESSED_RESULT, MAX_HEADERS_RESULTS,
};

/// Locator hashes taken one by one below the tip before the steps start doubling (Dash Core
/// `CChain::GetLocator` uses 10).
pub const LOCATOR_DENSE: u32 = 10;

/// A block locator from `tree`: the tip, the ten below it, then exponentially further back,
/// and finally the lowest header the store holds (the start of our chain).
pub fn locator<S: HeaderStore>(
    tree: &HeaderTree<S>,
    start_height: u32,
) -> Result<Vec<BlockHash>, ChainError> {
    locator_from(tree, tree.tip().height, start_height)
}

/// [`locator`] starting at the best-chain header at `from` instead of the tip: the reply
/// begins with the header above it (a peer asked from just below our tip resends our tip).
pub fn locator_from<S: HeaderStore>(
    tree: &HeaderTree<S>,
    from: u32,
    start_height: u32,
) -> Result<Vec<BlockHash>, ChainError> {
    let mut hashes = Vec::new();
    let mut height = from;
    let mut step = 1u32;
    loop {
        if let Some(h) = tree.header_at(height)? {
            hashes.push(h.hash);
        }
        if height <= start_height {
            break;
        }
        if hashes.len() as u32 >= LOCATOR_DENSE {
            step = step.saturating_mul(2);
        }
        height = height.saturating_sub(step).max(start_height);
    }
    Ok(hashes)
}

/// The request for headers after `locator`, in the form `peer_speaks_headers2` calls for.
pub fn request(locator: Vec<BlockHash>, peer_speaks_headers2: bool) -> Message {
    if peer_speaks_headers2 {
        Message::GetHeaders2(GetHeaders2::new(PROTOCOL_VERSION, locator, BlockHash::ZERO))
    } else {
        Message::GetHeaders(GetHeaders::new(PROTOCOL_VERSION, locator, BlockHash::ZERO))
    }
}

/// Protocol version from which a `headers2` reply holds up to 8,000 headers (Dash Core
/// `INCREASE_MAX_HEADERS2_VERSION`); below it 2,000.
pub const INCREASE_MAX_HEADERS2_VERSION: i32 = 70235;

/// Most headers in one reply (`GetHeadersLimit`): `headers` 2,000; `headers2` 8,000 when the
/// protocol version both sides speak is at least [`INCREASE_MAX_HEADERS2_VERSION`], else
/// 2,000. A reply of exactly the limit means more are waiting: ask again.
pub fn limit(compressed: bool, common_version: i32) -> usize {
    if compressed && common_version >= INCREASE_MAX_HEADERS2_VERSION {
        MAX_HEADERS_COMPRESSED_RESULT
    } else {
        MAX_HEADERS_RESULTS
    }
}

/// Most headers in an announcement Dash Core treats as a new-block announcement (its
/// `MAX_BLOCKS_TO_ANNOUNCE`).
pub const MAX_BLOCKS_TO_ANNOUNCE: usize = 8;

/// The header request state.
#[derive(Debug, Clone, Default)]
pub struct HeaderSync {
    /// The peer headers are asked from.
    pub sync_peer: Option<PeerId>,
    /// The outstanding request: to whom, and when it was sent.
    pub in_flight: Option<(PeerId, Time)>,
    /// Whether the last reply of the sync peer was not full: we have what it has.
    pub caught_up: bool,
}

impl HeaderSync {
    /// Records a request to `peer` at `now`.
    pub fn sent(&mut self, peer: PeerId, now: Time) {
        self.in_flight = Some((peer, now));
        self.caught_up = false;
    }

    /// Whether `peer` owes us the reply to our request.
    pub fn is_awaited_from(&self, peer: PeerId) -> bool {
        matches!(self.in_flight, Some((p, _)) if p == peer)
    }

    /// Whether the request has been outstanding longer than `timeout` at `now`.
    pub fn timed_out(&self, now: Time, timeout: Time) -> Option<PeerId> {
        self.in_flight.filter(|&(_, at)| now.saturating_sub(at) > timeout).map(|(p, _)| p)
    }
}
