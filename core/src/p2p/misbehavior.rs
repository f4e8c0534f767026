//! Misbehaviour scoring as Dash Core does it (`net_processing.cpp Misbehaving`, PROTOCOL.md
//! §7.2) and a ban list with expiry that survives a restart.
//!
//! Each penalty adds to the peer's score; at [`DISCOURAGEMENT_THRESHOLD`] the peer is
//! disconnected and its address banned for [`BAN_DURATION`].

use super::{Time, HOUR};
use crate::chain::ValidationError;
use crate::encode::{DecodeError, Reader};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};

/// Score at which a peer is disconnected and discouraged (`DISCOURAGEMENT_THRESHOLD`).
pub const DISCOURAGEMENT_THRESHOLD: u32 = 100;
/// How long a misbehaving peer's address stays banned (`DEFAULT_MISBEHAVING_BANTIME`, 24 h).
pub const BAN_DURATION: Time = 24 * HOUR;
/// Most addresses the ban list holds (a client bound; the soonest to expire go first).
pub const MAX_BANS: usize = 10_000;

/// Dash Core's score for oversized `headers`/`headers2`, `inv`/`getdata` above 50,000
/// entries and `addr`/`addrv2` above 1,000 entries.
pub const SCORE_OVERSIZED: u32 = 20;
/// Dash Core's score for a `merkleblock` whose partial merkle tree does not prove its root
/// (the block would be `BLOCK_MUTATED`).
pub const SCORE_BAD_MERKLE_BLOCK: u32 = 100;
/// Dash Core's score for an unsolicited `mnlistdiff`/`qrinfo`.
pub const SCORE_UNSOLICITED_MASTERNODE_DATA: u32 = 100;
/// Client rule: score for other data nobody asked for (merkle blocks, headers batches we did
/// not request); ten of them end the connection.
pub const SCORE_UNSOLICITED: u32 = 10;
/// Dash Core's score for a spork with a bad signature or signed too far in the future.
pub const SCORE_INVALID_SPORK: u32 = 100;
/// Dash Core's score for a peer on another devnet (outbound side).
pub const SCORE_WRONG_DEVNET: u32 = 100;

/// What a peer did wrong. The sync layer reports header, merkle block and spork faults
/// (`Command::Misbehaving`); the p2p layer reports the rest itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misbehavior {
    /// A header failed validation; scored by [`ValidationError::misbehavior_score`] (100 for
    /// invalid headers, 20 non-continuous, 10 missing parent, 0 time-too-new).
    InvalidHeader(ValidationError),
    /// A message carried more entries than allowed (`command`: headers, headers2, inv,
    /// getdata, addr, addrv2...).
    Oversized {
        /// The command.
        command: String,
    },
    /// A `merkleblock` that does not prove its merkle root.
    BadMerkleBlock,
    /// Data we did not ask for.
    Unsolicited {
        /// The command.
        command: String,
    },
    /// A spork whose signature does not recover to a spork key, or signed in the future.
    InvalidSpork,
    /// The peer's user agent names another devnet.
    WrongDevnet,
    /// Any other fault, with the score the caller assigns.
    Other {
        /// What happened, for logs.
        what: &'static str,
        /// The score.
        score: u32,
    },
}

impl Misbehavior {
    /// The score this fault adds.
    pub fn score(&self) -> u32 {
        match self {
            Misbehavior::InvalidHeader(e) => e.misbehavior_score(),
            Misbehavior::Oversized { .. } => SCORE_OVERSIZED,
            Misbehavior::BadMerkleBlock => SCORE_BAD_MERKLE_BLOCK,
            Misbehavior::Unsolicited { command }
                if command == "mnlistdiff" || command == "qrinfo" =>
            {
                SCORE_UNSOLICITED_MASTERNODE_DATA
            }
            Misbehavior::Unsolicited { .. } => SCORE_UNSOLICITED,
            Misbehavior::InvalidSpork => SCORE_INVALID_SPORK,
            Misbehavior::WrongDevnet => SCORE_WRONG_DEVNET,
            Misbehavior::Other { score, .. } => *score,
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

/// Banned IP addresses with their expiry. Bans are by IP (any port), as Dash Core's
/// discouragement is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BanList {
    until: HashMap<IpAddr, Time>,
}

/// Version byte of [`BanList::to_bytes`].
const BANS_FORMAT: u8 = 1;

impl BanList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bans `ip` until `now + BAN_DURATION` (extending a shorter ban).
    pub fn ban(&mut self, ip: IpAddr, now: Time) {
        self.ban_until(ip, now.saturating_add(BAN_DURATION), now);
    }

    /// Bans `ip` until `until`.
    pub fn ban_until(&mut self, ip: IpAddr, until: Time, now: Time) {
        let entry = self.until.entry(canonical(ip)).or_insert(until);
        *entry = (*entry).max(until);
        if self.until.len() > MAX_BANS {
            self.expire(now);
        }
        while self.until.len() > MAX_BANS {
            let soonest = self.until.iter().min_by_key(|(ip, t)| (**t, **ip)).map(|(ip, _)| *ip);
            match soonest {
                Some(ip) => self.until.remove(&ip),
                None => break,
            };
        }
    }

    /// Whether `ip` is banned at `now`.
    pub fn is_banned(&self, ip: IpAddr, now: Time) -> bool {
        self.until.get(&canonical(ip)).is_some_and(|&t| now < t)
    }

    /// Lifts every ban that has expired at `now`.
    pub fn expire(&mut self, now: Time) {
        self.until.retain(|_, t| now < *t);
    }

    /// Lifts the ban on `ip`.
    pub fn unban(&mut self, ip: IpAddr) {
        self.until.remove(&canonical(ip));
    }

    /// Number of entries (expired ones included until [`BanList::expire`]).
    pub fn len(&self) -> usize {
        self.until.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.until.is_empty()
    }

    /// Serializes the list: a format byte, a count, then 16-byte IPv6-form address and
    /// 8-byte expiry per entry, in address order (so equal lists give equal bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut entries: Vec<_> = self.until.iter().map(|(ip, t)| (ipv6_form(*ip), *t)).collect();
        entries.sort_unstable();
        let mut out = Vec::with_capacity(5 + 24 * entries.len());
        out.push(BANS_FORMAT);
        out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        for (ip, t) in entries {
            out.extend_from_slice(&ip);
            out.extend_from_slice(&t.to_le_bytes());
        }
        out
    }

    /// Reads what [`BanList::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        if r.read_u8()? != BANS_FORMAT {
            return Err(DecodeError::invalid("ban_format", "unknown ban list format"));
        }
        let n: u32 = r.read("ban_count")?;
        if n as usize > MAX_BANS || (n as usize).saturating_mul(24) > r.remaining() {
            return Err(DecodeError::invalid("ban_count", "more entries than bytes or limit"));
        }
        let mut list = BanList::new();
        for _ in 0..n {
            let ip: [u8; 16] = r.read("ban_ip")?;
            let until: u64 = r.read("ban_until")?;
            list.until.insert(canonical(IpAddr::V6(Ipv6Addr::from(ip))), until);
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
        assert_eq!(Misbehavior::Oversized { command: "addr".into() }.score(), 20);
        assert_eq!(Misbehavior::BadMerkleBlock.score(), 100);
        assert_eq!(Misbehavior::Unsolicited { command: "qrinfo".into() }.score(), 100);
        assert_eq!(Misbehavior::Unsolicited { command: "merkleblock".into() }.score(), 10);
    }

    #[test]
    fn five_oversized_messages_reach_the_threshold_and_not_before() {
        let mut s = Score::default();
        let what = Misbehavior::Oversized { command: "inv".into() };
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
