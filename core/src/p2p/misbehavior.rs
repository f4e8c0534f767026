//! Misbehaviour scoring as Dash Core does it (`net_processing.cpp Misbehaving`, PROTOCOL.md
//! §7.2) and a ban list with expiry that survives a restart.
//!
//! Each penalty adds to the peer's score; at [`DISCOURAGEMENT_THRESHOLD`] the peer is
//! disconnected and its address banned for [`BAN_DURATION`].

use super::{Time, HOUR};
use crate::chain::error::SCORE_INVALID;
use crate::chain::ValidationError;
use crate::encode::{DecodeError, Reader};
use crate::wire::MessageKind;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// Score at which a peer is disconnected and discouraged (`DISCOURAGEMENT_THRESHOLD`).
pub const DISCOURAGEMENT_THRESHOLD: u32 = 100;
/// How long a misbehaving peer's address stays banned (`DEFAULT_MISBEHAVING_BANTIME`, 24 h).
pub const BAN_DURATION: Time = 24 * HOUR;
/// Most addresses the ban list holds (a client bound; the soonest to expire go first).
pub const MAX_BANS: usize = 10_000;

/// Dash Core's score for oversized `headers`/`headers2`, `inv`/`getdata`/`notfound` above
/// 50,000 entries and `addr`/`addrv2` above 1,000 entries (`net_processing.cpp`:
/// `Misbehaving(pfrom, 20, "...message size = ...")`).
pub const SCORE_OVERSIZED: u32 = 20;
/// Dash Core's score every [`MAX_UNCONNECTING_HEADERS`]th unconnecting headers announcement
/// (`net_processing.cpp HandleFewUnconnectingHeaders`: `Misbehaving(peer, 20, ...)` when
/// `nUnconnectingHeaders % MAX_NUM_UNCONNECTING_HEADERS_MSGS == 0`).
pub const SCORE_UNCONNECTING_HEADERS: u32 = 20;
/// Dash Core's `MAX_NUM_UNCONNECTING_HEADERS_MSGS`: unconnecting announcements tolerated
/// between two penalties. The counter resets when headers connect.
pub const MAX_UNCONNECTING_HEADERS: u32 = 10;
/// Client rule, after Dash Core's penalty for a mutated block (`BLOCK_MUTATED`, 100): a
/// `merkleblock` whose partial merkle tree does not prove its header's merkle root, or whose
/// header is not the block we asked for.
pub const SCORE_BAD_MERKLE_BLOCK: u32 = 100;
/// Client rule: Dash Core sends every matched transaction right after its `merkleblock`
/// (`ProcessGetBlockData`), so a peer that starts the next block first withheld one — it
/// is lying about what its filter matched.
pub const SCORE_WITHHELD_TRANSACTIONS: u32 = 100;
/// Dash Core's score for relaying a transaction that breaks a consensus rule, such as a bad
/// signature (`MaybePunishNodeForTx`, `TxValidationResult::TX_CONSENSUS`).
pub const SCORE_INVALID_TRANSACTION: u32 = 100;
/// Dash Core's score for an unsolicited `mnlistdiff`/`qrinfo` (`net_processing.cpp`).
pub const SCORE_UNSOLICITED_MASTERNODE_DATA: u32 = 100;
/// Client rule, after Dash Core's penalty for data that breaks consensus (100): a
/// `mnlistdiff` we asked for that does not decode, is not the diff asked for, or whose
/// coinbase proof or merkle roots fail against our header chain. Dash Core builds the diff
/// from the block itself, so an honest node cannot send one: it is a forgery.
pub const SCORE_INVALID_MASTERNODE_LIST_DIFF: u32 = 100;
/// Dash Core's score for a spork with a bad signature or signed too far in the future
/// (`CSporkManager::ProcessSpork`).
pub const SCORE_INVALID_SPORK: u32 = 100;
/// Dash Core's score for a peer on another devnet (outbound side, `net_processing.cpp`
/// VERSION handling).
pub const SCORE_WRONG_DEVNET: u32 = 100;

/// Dash Core's score for a `clsig` whose signature does not verify with the selected quorum,
/// or whose block is known at another height (`CChainLocksHandler::ProcessNewChainLock`).
pub const SCORE_INVALID_CHAINLOCK: u32 = 10;
/// Dash Core's score for an `isdlock` that verifies neither with the current nor with the
/// previous cycle's quorum ("let's not be too harsh", `ProcessPendingInstantSendLocks`).
pub const SCORE_INVALID_INSTANT_LOCK: u32 = 20;
/// Dash Core's score for an `isdlock` without inputs or with an input twice
/// (`PreVerifyInstantSendLock`), or whose cycle hash names a block that starts no cycle
/// (`ProcessMessageInstantSendLock`).
pub const SCORE_MALFORMED_INSTANT_LOCK: u32 = 100;
/// Dash Core's score for a governance vote it refuses as permanently invalid (a signature
/// that does not verify, an unknown signal or outcome, a time more than 1 h ahead:
/// `GOVERNANCE_EXCEPTION_PERMANENT_ERROR` with penalty 20, `CGovernanceObject::ProcessVote`),
/// and for an object that fails `ProcessObject` (a trigger whose operator signature does not
/// verify: `Misbehaving(peer, 20)`, `net_governance.cpp`). Dash Core applies it only once it
/// is synced; the client applies it only once it holds a verified masternode list.
pub const SCORE_INVALID_GOVERNANCE: u32 = 20;
/// Dash Core's score for an `isdlock` whose cycle hash is no block it knows
/// (`ProcessMessageInstantSendLock`: "maybe we don't have the block yet").
pub const SCORE_UNKNOWN_LOCK_CYCLE: u32 = 1;

/// A message whose entry count is above Dash Core's limit for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Oversize {
    /// `headers` above 2,000.
    Headers,
    /// `headers2` above the limit of the negotiated version (8,000, or 2,000 below 70235).
    Headers2,
    /// `inv` above 50,000.
    Inv,
    /// `getdata` above 50,000.
    GetData,
    /// `notfound` above 50,000.
    NotFound,
    /// `addr` above 1,000.
    Addr,
    /// `addrv2` above 1,000.
    AddrV2,
}

impl Oversize {
    /// The kind of message Dash Core scores for too many entries.
    pub fn of(kind: MessageKind) -> Option<Oversize> {
        Some(match kind {
            MessageKind::Headers => Oversize::Headers,
            MessageKind::Headers2 => Oversize::Headers2,
            MessageKind::Inv => Oversize::Inv,
            MessageKind::GetData => Oversize::GetData,
            MessageKind::NotFound => Oversize::NotFound,
            MessageKind::Addr => Oversize::Addr,
            MessageKind::AddrV2 => Oversize::AddrV2,
            _ => return None,
        })
    }
}

/// Masternode-list data a client only gets when it asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MasternodeData {
    /// `mnlistdiff`.
    ListDiff,
    /// `qrinfo`.
    QuorumRotationInfo,
}

/// What a peer did wrong: the one table of scores. Each reason's score is Dash Core's for the
/// same fault (its source is named on the score's constant) or, where Dash Core has no such
/// rule because it never plays the client's side, a client rule saying why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misbehavior {
    /// A header failed validation; scored by [`ValidationError::misbehavior_score`] (100 for
    /// invalid headers, 20 non-continuous, 10 missing parent, 0 time-too-new).
    InvalidHeader(ValidationError),
    /// Headers that do not connect to our chain, announced again and again: scored
    /// [`SCORE_UNCONNECTING_HEADERS`] on every [`MAX_UNCONNECTING_HEADERS`]th in a row.
    UnconnectingHeaders {
        /// Unconnecting announcements since headers last connected.
        count: u32,
    },
    /// A `headers2` whose first header omits fields nothing precedes: Dash Core leaves them
    /// zero and the header fails proof of work ([`SCORE_INVALID`], `BLOCK_INVALID_HEADER`).
    Headers2Undecodable,
    /// A message carried more entries than allowed.
    Oversized(Oversize),
    /// A `merkleblock` that does not prove its merkle root or is not the block asked for.
    BadMerkleBlock,
    /// A `merkleblock` whose matched transactions did not follow it.
    WithheldTransactions,
    /// A relayed transaction spending a wallet coin without a valid signature.
    InvalidTransaction,
    /// Masternode-list data nobody asked for.
    UnsolicitedMasternodeData(MasternodeData),
    /// Headers of a block later proven to break a consensus rule by what it contains
    /// ([`SCORE_INVALID`]: Dash Core scores the peer a block came from 100 when the block
    /// fails validation, `BLOCK_CONSENSUS`; an honest node serves and announces only blocks
    /// it validated).
    InvalidBlock,
    /// A `mnlistdiff` we asked for that is malformed, answers another request, or does not
    /// verify against our header chain ([`SCORE_INVALID_MASTERNODE_LIST_DIFF`]).
    InvalidMasternodeListDiff,
    /// A spork whose signature does not recover to a spork key, or signed in the future.
    InvalidSpork,
    /// The peer's user agent names another devnet.
    WrongDevnet,
    /// A `clsig` that does not verify ([`SCORE_INVALID_CHAINLOCK`]).
    InvalidChainLock,
    /// An `isdlock` that does not verify ([`SCORE_INVALID_INSTANT_LOCK`]).
    InvalidInstantLock,
    /// A malformed `isdlock` ([`SCORE_MALFORMED_INSTANT_LOCK`]).
    MalformedInstantLock,
    /// An `isdlock` whose cycle block is unknown ([`SCORE_UNKNOWN_LOCK_CYCLE`]).
    UnknownLockCycle,
    /// A `govobjvote` Dash Core refuses as invalid ([`SCORE_INVALID_GOVERNANCE`]).
    InvalidGovernanceVote,
    /// A `govobj` whose signature does not verify ([`SCORE_INVALID_GOVERNANCE`]).
    InvalidGovernanceObject,
}

impl Misbehavior {
    /// The score this fault adds.
    pub fn score(&self) -> u32 {
        match self {
            Misbehavior::InvalidHeader(e) => e.misbehavior_score(),
            Misbehavior::UnconnectingHeaders { count } => {
                if *count > 0 && count % MAX_UNCONNECTING_HEADERS == 0 {
                    SCORE_UNCONNECTING_HEADERS
                } else {
                    0
                }
            }
            Misbehavior::Headers2Undecodable => SCORE_INVALID,
            Misbehavior::Oversized(_) => SCORE_OVERSIZED,
            Misbehavior::BadMerkleBlock => SCORE_BAD_MERKLE_BLOCK,
            Misbehavior::WithheldTransactions => SCORE_WITHHELD_TRANSACTIONS,
            Misbehavior::InvalidTransaction => SCORE_INVALID_TRANSACTION,
            Misbehavior::UnsolicitedMasternodeData(_) => SCORE_UNSOLICITED_MASTERNODE_DATA,
            Misbehavior::InvalidBlock => SCORE_INVALID,
            Misbehavior::InvalidMasternodeListDiff => SCORE_INVALID_MASTERNODE_LIST_DIFF,
            Misbehavior::InvalidSpork => SCORE_INVALID_SPORK,
            Misbehavior::WrongDevnet => SCORE_WRONG_DEVNET,
            Misbehavior::InvalidChainLock => SCORE_INVALID_CHAINLOCK,
            Misbehavior::InvalidInstantLock => SCORE_INVALID_INSTANT_LOCK,
            Misbehavior::MalformedInstantLock => SCORE_MALFORMED_INSTANT_LOCK,
            Misbehavior::UnknownLockCycle => SCORE_UNKNOWN_LOCK_CYCLE,
            Misbehavior::InvalidGovernanceVote | Misbehavior::InvalidGovernanceObject => {
                SCORE_INVALID_GOVERNANCE
            }
        }
    }
}

impl std::fmt::Display for Misbehavior {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Misbehavior::InvalidHeader(e) => write!(f, "invalid header: {e}"),
            Misbehavior::UnconnectingHeaders { count } => {
                write!(f, "{count} unconnecting headers messages in a row")
            }
            Misbehavior::Headers2Undecodable => f.write_str("headers2 that cannot be decompressed"),
            Misbehavior::Oversized(o) => write!(f, "oversized {o:?} message"),
            Misbehavior::BadMerkleBlock => f.write_str("merkleblock that proves nothing"),
            Misbehavior::WithheldTransactions => f.write_str("withheld matched transactions"),
            Misbehavior::InvalidTransaction => f.write_str("transaction with an invalid signature"),
            Misbehavior::UnsolicitedMasternodeData(d) => write!(f, "unsolicited {d:?}"),
            Misbehavior::InvalidBlock => f.write_str("headers of an invalid block"),
            Misbehavior::InvalidMasternodeListDiff => f.write_str("invalid mnlistdiff"),
            Misbehavior::InvalidSpork => f.write_str("invalid spork"),
            Misbehavior::WrongDevnet => f.write_str("another devnet"),
            Misbehavior::InvalidChainLock => f.write_str("ChainLock that does not verify"),
            Misbehavior::InvalidInstantLock => f.write_str("InstantSend lock that does not verify"),
            Misbehavior::MalformedInstantLock => f.write_str("malformed InstantSend lock"),
            Misbehavior::UnknownLockCycle => f.write_str("InstantSend lock of an unknown cycle"),
            Misbehavior::InvalidGovernanceVote => f.write_str("invalid governance vote"),
            Misbehavior::InvalidGovernanceObject => {
                f.write_str("governance object with a bad signature")
            }
        }
    }
}

/// A peer's accumulated score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Score(u32);

impl Score {
    /// Adds `what`'s penalty; returns the new total and whether the peer must go.
    pub fn add(&mut self, what: &Misbehavior) -> (u32, bool) {
        self.0 = self.0.saturating_add(what.score());
        (self.0, self.0 >= DISCOURAGEMENT_THRESHOLD)
    }

    /// The total.
    pub fn total(&self) -> u32 {
        self.0
    }
}

/// Banned addresses with their expiry. Bans are by IP (any port), as Dash Core's
/// discouragement is, except for loopback addresses: Dash Core never discourages a local peer
/// ("that would discourage all peers on the same local address", `MaybeDiscourageAndDisconnect`),
/// and several nodes of a local test network share 127.0.0.1, so a misbehaving loopback peer
/// is banned by its exact address and port ([`BanList::ban_addr`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BanList {
    /// (address, port) to expiry; port 0 bans every port.
    until: HashMap<(IpAddr, u16), Time>,
}

/// Version byte of [`BanList::to_bytes`]. Format 1 (24-byte entries without a port, every
/// entry a whole-IP ban) is still read.
const BANS_FORMAT: u8 = 2;
const BANS_FORMAT_V1: u8 = 1;

/// Whether `ip` is a loopback address (Dash Core `CNetAddr::IsLocal`: 127.0.0.0/8, 0.0.0.0/8,
/// ::1).
fn is_local(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.is_loopback() || v4.octets()[0] == 0,
        IpAddr::V6(v6) => v6.is_loopback(),
    }
}

impl BanList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bans `ip` (every port) until `now + BAN_DURATION` (extending a shorter ban).
    pub fn ban(&mut self, ip: IpAddr, now: Time) {
        self.ban_until(ip, now.saturating_add(BAN_DURATION), now);
    }

    /// Bans a misbehaving peer at `addr` for [`BAN_DURATION`]: its whole IP, or only `addr`
    /// itself when the IP is a loopback address (see [`BanList`]).
    pub fn ban_addr(&mut self, addr: SocketAddr, now: Time) {
        let port = if is_local(addr.ip()) { addr.port() } else { 0 };
        self.insert((canonical(addr.ip()), port), now.saturating_add(BAN_DURATION), now);
    }

    /// Bans `ip` (every port) until `until`.
    pub fn ban_until(&mut self, ip: IpAddr, until: Time, now: Time) {
        self.insert((canonical(ip), 0), until, now);
    }

    fn insert(&mut self, key: (IpAddr, u16), until: Time, now: Time) {
        let entry = self.until.entry(key).or_insert(until);
        *entry = (*entry).max(until);
        if self.until.len() > MAX_BANS {
            self.expire(now);
        }
        while self.until.len() > MAX_BANS {
            let soonest = self.until.iter().min_by_key(|(k, t)| (**t, **k)).map(|(k, _)| *k);
            match soonest {
                Some(k) => self.until.remove(&k),
                None => break,
            };
        }
    }

    /// Whether `ip` is banned (on every port) at `now`.
    pub fn is_banned(&self, ip: IpAddr, now: Time) -> bool {
        self.until.get(&(canonical(ip), 0)).is_some_and(|&t| now < t)
    }

    /// Whether `addr` may not be dialled at `now`: its IP or the address itself is banned.
    pub fn is_banned_addr(&self, addr: SocketAddr, now: Time) -> bool {
        self.is_banned(addr.ip(), now)
            || self.until.get(&(canonical(addr.ip()), addr.port())).is_some_and(|&t| now < t)
    }

    /// Lifts every ban that has expired at `now`.
    pub fn expire(&mut self, now: Time) {
        self.until.retain(|_, t| now < *t);
    }

    /// Lifts the bans on `ip` (whole-IP and per-port).
    pub fn unban(&mut self, ip: IpAddr) {
        let ip = canonical(ip);
        self.until.retain(|(banned, _), _| *banned != ip);
    }

    /// Number of entries (expired ones included until [`BanList::expire`]).
    pub fn len(&self) -> usize {
        self.until.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.until.is_empty()
    }

    /// Serializes the list: a format byte, a count, then per entry the 16-byte IPv6-form
    /// address, the 2-byte port (0: every port) and the 8-byte expiry, in address order (so
    /// equal lists give equal bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut entries: Vec<_> =
            self.until.iter().map(|((ip, port), t)| (ipv6_form(*ip), *port, *t)).collect();
        entries.sort_unstable();
        let mut out = Vec::with_capacity(5 + 26 * entries.len());
        out.push(BANS_FORMAT);
        out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        for (ip, port, t) in entries {
            out.extend_from_slice(&ip);
            out.extend_from_slice(&port.to_le_bytes());
            out.extend_from_slice(&t.to_le_bytes());
        }
        out
    }

    /// Reads what [`BanList::to_bytes`] wrote (or format 1).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let format = r.read_u8()?;
        let entry_len = match format {
            BANS_FORMAT => 26,
            BANS_FORMAT_V1 => 24,
            _ => return Err(DecodeError::invalid("ban_format", "unknown ban list format")),
        };
        let n: u32 = r.read("ban_count")?;
        if n as usize > MAX_BANS || (n as usize).saturating_mul(entry_len) > r.remaining() {
            return Err(DecodeError::invalid("ban_count", "more entries than bytes or limit"));
        }
        let mut list = BanList::new();
        for _ in 0..n {
            let ip: [u8; 16] = r.read("ban_ip")?;
            let port: u16 = if format == BANS_FORMAT { r.read("ban_port")? } else { 0 };
            let until: u64 = r.read("ban_until")?;
            list.until.insert((canonical(IpAddr::V6(Ipv6Addr::from(ip))), port), until);
        }
        r.finish()?;
        Ok(list)
    }
}

/// IPv4-mapped IPv6 addresses are their IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn ipv6_form(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::BlockHash;

    #[test]
    fn dash_core_scores() {
        let invalid = ValidationError::BadDifficulty { height: 5, expected: 1, got: 2 };
        assert_eq!(Misbehavior::InvalidHeader(invalid).score(), 100);
        let unconnected =
            ValidationError::Unconnected { hash: BlockHash::ZERO, prev: BlockHash::ZERO };
        assert_eq!(Misbehavior::InvalidHeader(unconnected).score(), 10);
        assert_eq!(
            Misbehavior::InvalidHeader(ValidationError::NonContinuous { index: 3 }).score(),
            20
        );
        assert_eq!(Misbehavior::Oversized(Oversize::Addr).score(), 20);
        assert_eq!(Misbehavior::BadMerkleBlock.score(), 100);
        let qrinfo = MasternodeData::QuorumRotationInfo;
        assert_eq!(Misbehavior::UnsolicitedMasternodeData(qrinfo).score(), 100);
        assert_eq!(Misbehavior::WithheldTransactions.score(), 100);
    }

    #[test]
    fn unconnecting_headers_score_20_on_every_tenth_in_a_row_only() {
        let scores: Vec<u32> = (1..=30)
            .map(|count| Misbehavior::UnconnectingHeaders { count }.score())
            .filter(|s| *s > 0)
            .collect();
        assert_eq!(scores, [20, 20, 20]);
        assert_eq!(Misbehavior::UnconnectingHeaders { count: 9 }.score(), 0);
        assert_eq!(Misbehavior::UnconnectingHeaders { count: 10 }.score(), 20);
    }

    #[test]
    fn five_oversized_messages_reach_the_threshold_and_not_before() {
        let mut s = Score::default();
        let what = Misbehavior::Oversized(Oversize::Inv);
        for i in 1..5 {
            assert_eq!(s.add(&what), (20 * i, false));
        }
        assert_eq!(s.add(&what), (100, true));
    }

    #[test]
    fn ban_expires_after_24_hours() {
        let mut bans = BanList::new();
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        bans.ban(ip, 1_000);
        assert!(bans.is_banned(ip, 1_000));
        assert!(bans.is_banned("::ffff:203.0.113.7".parse().unwrap(), 1_000));
        assert!(bans.is_banned(ip, 1_000 + BAN_DURATION - 1));
        assert!(!bans.is_banned(ip, 1_000 + BAN_DURATION));
        bans.expire(1_000 + BAN_DURATION);
        assert!(bans.is_empty());
    }

    #[test]
    fn ban_list_round_trips_through_bytes() {
        let mut bans = BanList::new();
        bans.ban("203.0.113.7".parse().unwrap(), 5);
        bans.ban("2001:db8::1".parse().unwrap(), 9);
        let bytes = bans.to_bytes();
        let back = BanList::from_bytes(&bytes).unwrap();
        assert_eq!(back, bans);
        assert_eq!(back.to_bytes(), bytes);
        assert!(BanList::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let mut huge = vec![BANS_FORMAT];
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(BanList::from_bytes(&huge).is_err());
    }

    #[test]
    fn a_loopback_peer_is_banned_by_address_and_port_a_routable_one_by_ip() {
        let mut bans = BanList::new();
        bans.ban_addr("127.0.0.1:19001".parse().unwrap(), 5);
        bans.ban_addr("203.0.113.7:9999".parse().unwrap(), 5);
        assert!(bans.is_banned_addr("127.0.0.1:19001".parse().unwrap(), 6));
        assert!(!bans.is_banned_addr("127.0.0.1:19002".parse().unwrap(), 6));
        assert!(!bans.is_banned("127.0.0.1".parse().unwrap(), 6));
        assert!(bans.is_banned_addr("203.0.113.7:1".parse().unwrap(), 6));
        let back = BanList::from_bytes(&bans.to_bytes()).unwrap();
        assert_eq!(back, bans);
        let mut v1 = vec![BANS_FORMAT_V1];
        v1.extend_from_slice(&1u32.to_le_bytes());
        v1.extend_from_slice(&ipv6_form("203.0.113.9".parse().unwrap()));
        v1.extend_from_slice(&100u64.to_le_bytes());
        let old = BanList::from_bytes(&v1).unwrap();
        assert!(old.is_banned_addr("203.0.113.9:9999".parse().unwrap(), 99));
    }

    #[test]
    fn ban_list_is_bounded_and_drops_the_soonest_expiry() {
        let mut bans = BanList::new();
        for i in 0..=MAX_BANS as u32 {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            bans.ban_until(ip, 1_000 + u64::from(i), 0);
        }
        assert_eq!(bans.len(), MAX_BANS);
        assert!(!bans.is_banned("10.0.0.0".parse().unwrap(), 0));
        assert!(bans.is_banned("10.0.0.1".parse().unwrap(), 0));
    }
}
