//! The address book: peers we know of from `addr`/`addrv2` gossip, DNS seeds, fixed seeds
//! and configuration, with per-address attempts, successes and last-seen time. Bounded
//! ([`MAX_ADDRESSES`]); chooses addresses to dial with network-group diversity; persists to
//! bytes.
//!
//! Tor v3 addresses are kept (and persisted) but never dialled: there is no Tor transport.

use super::misbehavior::BanList;
use super::{Time, HOUR, MINUTE, SECOND};
use crate::encode::{DecodeError, Reader};
use crate::network::Params;
use crate::wire::{onion_v3_to_key, Addr, AddrV2, Bip155Addr};
use rand::Rng;
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// Most addresses kept (client bound; Dash Core's addrman holds ~80,000, a phone needs far
/// fewer to find a few good peers).
pub const MAX_ADDRESSES: usize = 4_000;
/// First retry delay after a failed connection; doubles per consecutive failure (client rule).
pub const RETRY_BASE: Time = 2 * SECOND;
/// Longest retry delay (client rule).
pub const RETRY_MAX: Time = 30 * MINUTE;
/// Dash Core's `addrman` rule: an address time more than 10 minutes in the future, or before
/// 1973 (≤ 100,000,000), is replaced by "5 days ago".
const FUTURE_SLACK_SECS: u64 = 10 * 60;
const PENALTY_AGE_SECS: u64 = 5 * 24 * 3600;
/// Dash Core `ADDRMAN_HORIZON`: addresses not seen for 30 days are terrible.
const HORIZON_SECS: u64 = 30 * 24 * 3600;
/// Dash Core `ADDRMAN_RETRIES`: never-successful addresses are terrible after 3 failures.
const RETRIES: u32 = 3;
/// Dash Core `ADDRMAN_MAX_FAILURES`: 10 failures without a success in a week is terrible.
const MAX_FAILURES: u32 = 10;
const MIN_FAIL_DAYS_MS: Time = 7 * 24 * HOUR;

/// A peer address: an IP endpoint, or a Tor v3 service (kept, not dialled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// IPv4 or IPv6.
    Ip(SocketAddr),
    /// A Tor v3 hidden service: its ed25519 key and port.
    TorV3 {
        /// The public key.
        key: [u8; 32],
        /// The port.
        port: u16,
    },
}

impl Endpoint {
    /// An IP endpoint, IPv4-mapped IPv6 turned into IPv4.
    pub fn ip(addr: SocketAddr) -> Self {
        let ip = match addr.ip() {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(addr.ip()),
            v4 => v4,
        };
        Endpoint::Ip(SocketAddr::new(ip, addr.port()))
    }

    /// The socket address to dial, `None` for Tor.
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        match self {
            Endpoint::Ip(a) => Some(*a),
            Endpoint::TorV3 { .. } => None,
        }
    }

    /// Its network group (see [`NetGroup`]).
    pub fn group(&self) -> NetGroup {
        match self {
            Endpoint::TorV3 { .. } => NetGroup::Tor,
            Endpoint::Ip(a) => NetGroup::of(a.ip()),
        }
    }

    /// Whether its network group is [`NetGroup::Local`] (unroutable: loopback, private
    /// ranges). Diversity is about operators on the internet; it does not apply to these.
    pub fn is_local(&self) -> bool {
        matches!(self.group(), NetGroup::Local(_))
    }

    /// Parses a fixed-seed line: `a.b.c.d:port`, `[v6]:port` or `<name>.onion:port`.
    pub fn parse_seed(line: &str) -> Option<Endpoint> {
        if let Ok(addr) = line.parse::<SocketAddr>() {
            return Some(Endpoint::ip(addr));
        }
        let (host, port) = line.rsplit_once(':')?;
        let port = port.parse().ok()?;
        onion_v3_to_key(host).ok().map(|key| Endpoint::TorV3 { key, port })
    }
}

/// A network group for diversity: peers are chosen from distinct groups so that one
/// operator's subnet cannot surround us (Dash Core `GetGroup`: /16 for IPv4, /32 for IPv6).
/// Unroutable addresses (loopback, private ranges) are each their own group, and exempt from
/// the diversity rule altogether ([`Endpoint::is_local`]): several nodes of a local test network
/// listen on one IP, on different ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetGroup {
    /// The first two bytes of an IPv4 address.
    Ipv4([u8; 2]),
    /// The first four bytes of an IPv6 address.
    Ipv6([u8; 4]),
    /// Every Tor address.
    Tor,
    /// An unroutable address, alone in its group.
    Local(IpAddr),
}

impl NetGroup {
    /// The group of `ip`.
    pub fn of(ip: IpAddr) -> NetGroup {
        match ip {
            IpAddr::V4(v4) => {
                if v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified()
                {
                    NetGroup::Local(ip)
                } else {
                    let o = v4.octets();
                    NetGroup::Ipv4([o[0], o[1]])
                }
            }
            IpAddr::V6(v6) => {
                if let Some(v4) = v6.to_ipv4_mapped() {
                    return NetGroup::of(IpAddr::V4(v4));
                }
                let o = v6.octets();
                let unique_local = o[0] & 0xfe == 0xfc;
                let link_local = o[0] == 0xfe && o[1] & 0xc0 == 0x80;
                if v6.is_loopback() || v6.is_unspecified() || unique_local || link_local {
                    NetGroup::Local(ip)
                } else {
                    NetGroup::Ipv6([o[0], o[1], o[2], o[3]])
                }
            }
        }
    }
}

/// Where we learnt of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddrSource {
    /// Configured by the user; never evicted.
    Manual = 0,
    /// A DNS seed.
    Dns = 1,
    /// The fixed seed list.
    Fixed = 2,
    /// `addr`/`addrv2` from a peer.
    Gossip = 3,
}

impl AddrSource {
    fn from_u8(b: u8) -> Option<Self> {
        Some(match b {
            0 => AddrSource::Manual,
            1 => AddrSource::Dns,
            2 => AddrSource::Fixed,
            3 => AddrSource::Gossip,
            _ => return None,
        })
    }
}

/// What we know about one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownAddress {
    /// The address.
    pub endpoint: Endpoint,
    /// Advertised service bits.
    pub services: u64,
    /// Where it came from.
    pub source: AddrSource,
    /// When it was last seen alive, seconds since the Unix epoch (gossip time or our own
    /// successful connection).
    pub last_seen: u64,
    /// Consecutive failed attempts (reset by a success).
    pub failures: u32,
    /// Successful handshakes ever.
    pub successes: u32,
    /// When we last tried it (0: never).
    pub last_attempt: Time,
    /// When we last completed a handshake with it (0: never).
    pub last_success: Time,
}

impl KnownAddress {
    /// When it may be tried again: exponential backoff after consecutive failures.
    pub fn next_retry(&self) -> Time {
        if self.failures == 0 {
            return self.last_attempt.saturating_add(RETRY_BASE);
        }
        let shift = (self.failures - 1).min(20);
        self.last_attempt.saturating_add(RETRY_BASE.saturating_mul(1 << shift).min(RETRY_MAX))
    }

    /// Dash Core's `IsTerrible`: not worth keeping.
    pub fn is_terrible(&self, now: Time) -> bool {
        if self.source == AddrSource::Manual {
            return false;
        }
        if self.last_attempt != 0 && now.saturating_sub(self.last_attempt) < MINUTE {
            return false;
        }
        let now_s = now / 1000;
        if self.last_seen > now_s + FUTURE_SLACK_SECS
            || now_s.saturating_sub(self.last_seen) > HORIZON_SECS
        {
            return true;
        }
        if self.successes == 0 && self.failures >= RETRIES {
            return true;
        }
        self.failures >= MAX_FAILURES && now.saturating_sub(self.last_success) > MIN_FAIL_DAYS_MS
    }

    /// Dash Core's `GetChance`-like weight for choosing it.
    fn weight(&self, now: Time) -> f64 {
        let mut w = 1.0;
        if self.last_attempt != 0 && now.saturating_sub(self.last_attempt) < 10 * MINUTE {
            w *= 0.01;
        }
        w *= 0.66f64.powi(self.failures.min(8) as i32);
        if self.successes > 0 {
            w *= 2.0;
        }
        w
    }
}

/// The address book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrBook {
    entries: HashMap<Endpoint, KnownAddress>,
    max: usize,
}

impl Default for AddrBook {
    fn default() -> Self {
        Self::new(MAX_ADDRESSES)
    }
}

/// Version byte of [`AddrBook::to_bytes`].
const BOOK_FORMAT: u8 = 1;
const KIND_IP: u8 = 0;
const KIND_TORV3: u8 = 1;

impl AddrBook {
    /// An empty book holding at most `max` addresses.
    pub fn new(max: usize) -> Self {
        AddrBook { entries: HashMap::new(), max: max.max(1) }
    }

    /// How many addresses are known.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many could be dialled (IP addresses).
    pub fn dialable(&self) -> usize {
        self.entries.keys().filter(|e| matches!(e, Endpoint::Ip(_))).count()
    }

    /// What we know about `endpoint`.
    pub fn get(&self, endpoint: &Endpoint) -> Option<&KnownAddress> {
        self.entries.get(endpoint)
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &KnownAddress> {
        self.entries.values()
    }

    /// Adds or refreshes an address; returns whether it is new. `last_seen` is in seconds
    /// since the Unix epoch. When full, the worst entry is evicted (see [`AddrBook::evict`]).
    pub fn add(
        &mut self,
        endpoint: Endpoint,
        services: u64,
        last_seen: u64,
        source: AddrSource,
        now: Time,
    ) -> bool {
        if let Some(e) = self.entries.get_mut(&endpoint) {
            if last_seen > e.last_seen {
                e.last_seen = last_seen;
                e.services = services;
            }
            if source == AddrSource::Manual {
                e.source = AddrSource::Manual;
            }
            return false;
        }
        if self.entries.len() >= self.max && !self.evict(now) {
            return false;
        }
        self.entries.insert(
            endpoint,
            KnownAddress {
                endpoint,
                services,
                source,
                last_seen,
                failures: 0,
                successes: 0,
                last_attempt: 0,
                last_success: 0,
            },
        );
        true
    }

    /// Removes one entry to make room: a terrible one if any, else the one seen longest
    /// ago. Configured addresses are never evicted. Returns whether one was removed.
    pub fn evict(&mut self, now: Time) -> bool {
        let victim = self
            .entries
            .values()
            .filter(|e| e.source != AddrSource::Manual)
            .min_by_key(|e| (!e.is_terrible(now), e.successes > 0, e.last_seen, e.endpoint))
            .map(|e| e.endpoint);
        victim.is_some_and(|v| self.entries.remove(&v).is_some())
    }

    /// Applies Dash Core's time rule to a gossiped address time.
    fn gossip_time(time: u32, now: Time) -> u64 {
        let now_s = now / 1000;
        let t = u64::from(time);
        if t <= 100_000_000 || t > now_s + FUTURE_SLACK_SECS {
            now_s.saturating_sub(PENALTY_AGE_SECS)
        } else {
            t
        }
    }

    /// Adds the entries of an `addr` message; returns how many were new.
    pub fn add_addr(&mut self, msg: &Addr, now: Time) -> usize {
        let mut new = 0;
        for e in &msg.entries {
            if let Some(sa) =
                e.address.socket_addr().filter(|sa| is_usable_ip(sa.ip()) && sa.port() != 0)
            {
                new += usize::from(self.add(
                    Endpoint::ip(sa),
                    e.address.services,
                    Self::gossip_time(e.time, now),
                    AddrSource::Gossip,
                    now,
                ));
            }
        }
        new
    }

    /// Adds the entries of an `addrv2` message (IP and Tor v3; others are dropped); returns
    /// how many were new.
    pub fn add_addrv2(&mut self, msg: &AddrV2, now: Time) -> usize {
        let mut new = 0;
        for e in &msg.entries {
            if !e.addr.is_valid() || e.port == 0 {
                continue;
            }
            let endpoint = match &e.addr {
                Bip155Addr::TorV3(key) => Endpoint::TorV3 { key: *key, port: e.port },
                other => match other.ip_addr().filter(|ip| is_usable_ip(*ip)) {
                    Some(ip) => Endpoint::ip(SocketAddr::new(ip, e.port)),
                    None => continue,
                },
            };
            new += usize::from(self.add(
                endpoint,
                e.services,
                Self::gossip_time(e.time, now),
                AddrSource::Gossip,
                now,
            ));
        }
        new
    }

    /// Adds the network's fixed seeds; returns how many were new.
    pub fn add_fixed_seeds(&mut self, params: &Params, now: Time) -> usize {
        let seen = (now / 1000).saturating_sub(PENALTY_AGE_SECS);
        params
            .fixed_seed_lines()
            .filter_map(Endpoint::parse_seed)
            .map(|e| usize::from(self.add(e, 0, seen, AddrSource::Fixed, now)))
            .sum()
    }

    /// We are dialling `endpoint`.
    pub fn record_attempt(&mut self, endpoint: &Endpoint, now: Time) {
        if let Some(e) = self.entries.get_mut(endpoint) {
            e.last_attempt = now;
        }
    }

    /// The handshake with `endpoint` completed.
    pub fn record_success(&mut self, endpoint: &Endpoint, services: u64, now: Time) {
        if let Some(e) = self.entries.get_mut(endpoint) {
            e.successes = e.successes.saturating_add(1);
            e.failures = 0;
            e.last_success = now;
            e.last_seen = e.last_seen.max(now / 1000);
            e.services = services;
        }
    }

    /// The connection to `endpoint` failed or the peer misbehaved.
    pub fn record_failure(&mut self, endpoint: &Endpoint) {
        if let Some(e) = self.entries.get_mut(endpoint) {
            e.failures = e.failures.saturating_add(1);
        }
    }

    /// Chooses an address to dial: an IP address not in `connected`, not banned, whose retry
    /// time has come, and (unless configured manually or local) whose network group is not in
    /// `groups`; weighted towards addresses that worked and were not tried recently.
    pub fn select(
        &self,
        now: Time,
        connected: &HashSet<Endpoint>,
        groups: &HashSet<NetGroup>,
        bans: &BanList,
        only_manual: bool,
        rng: &mut impl Rng,
    ) -> Option<Endpoint> {
        let mut candidates: Vec<(&KnownAddress, f64)> = self
            .entries
            .values()
            .filter(|e| {
                let Endpoint::Ip(sa) = e.endpoint else { return false };
                let manual = e.source == AddrSource::Manual;
                (manual || !only_manual)
                    && !connected.contains(&e.endpoint)
                    && !bans.is_banned_addr(sa, now)
                    && (e.last_attempt == 0 || now >= e.next_retry())
                    && (manual || !groups.contains(&e.endpoint.group()) || e.endpoint.is_local())
            })
            .map(|e| (e, e.weight(now)))
            .collect();
        // The map's iteration order is random per process: in a fixed order, the seeded `rng`
        // alone decides, so a machine with the same seed dials the same peers.
        candidates.sort_unstable_by_key(|(e, _)| e.endpoint);
        let total: f64 = candidates.iter().map(|(_, w)| w).sum();
        if candidates.is_empty() || total <= 0.0 {
            return None;
        }
        let mut pick = rng.random::<f64>() * total;
        for (e, w) in &candidates {
            if pick < *w {
                return Some(e.endpoint);
            }
            pick -= w;
        }
        candidates.last().map(|(e, _)| e.endpoint)
    }

    /// The earliest time a currently backed-off manual address may be retried.
    pub fn next_manual_retry(&self) -> Option<Time> {
        self.entries
            .values()
            .filter(|e| e.source == AddrSource::Manual && e.last_attempt != 0)
            .map(|e| e.next_retry())
            .min()
    }

    /// Serializes the book: format byte, count, then per entry: kind (0 IP, 1 Tor v3), 16-byte
    /// IPv6-form address or 32-byte key, port, services, last seen, failures, successes, last
    /// attempt, last success, source. Sorted, so equal books give equal bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut entries: Vec<&KnownAddress> = self.entries.values().collect();
        entries.sort_unstable_by_key(|e| e.endpoint);
        let mut out = vec![BOOK_FORMAT];
        out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        for e in entries {
            match e.endpoint {
                Endpoint::Ip(sa) => {
                    out.push(KIND_IP);
                    let ip = match sa.ip() {
                        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
                        IpAddr::V6(v6) => v6.octets(),
                    };
                    out.extend_from_slice(&ip);
                    out.extend_from_slice(&sa.port().to_le_bytes());
                }
                Endpoint::TorV3 { key, port } => {
                    out.push(KIND_TORV3);
                    out.extend_from_slice(&key);
                    out.extend_from_slice(&port.to_le_bytes());
                }
            }
            out.extend_from_slice(&e.services.to_le_bytes());
            out.extend_from_slice(&e.last_seen.to_le_bytes());
            out.extend_from_slice(&e.failures.to_le_bytes());
            out.extend_from_slice(&e.successes.to_le_bytes());
            out.extend_from_slice(&e.last_attempt.to_le_bytes());
            out.extend_from_slice(&e.last_success.to_le_bytes());
            out.push(e.source as u8);
        }
        out
    }

    /// Reads what [`AddrBook::to_bytes`] wrote, into a book holding at most `max` addresses.
    pub fn from_bytes(bytes: &[u8], max: usize) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        if r.read_u8()? != BOOK_FORMAT {
            return Err(DecodeError::invalid("book_format", "unknown address book format"));
        }
        let n: u32 = r.read("book_count")?;
        // The smallest entry (IP) is 60 bytes; refuse counts the bytes cannot hold.
        if (n as usize).saturating_mul(60) > r.remaining() {
            return Err(DecodeError::invalid("book_count", "more entries than bytes"));
        }
        let mut book = AddrBook::new(max);
        for _ in 0..n {
            let endpoint = match r.read_u8()? {
                KIND_IP => {
                    let ip: [u8; 16] = r.read("book_ip")?;
                    let port = u16::from_le_bytes(r.read("book_port")?);
                    Endpoint::ip(SocketAddr::new(IpAddr::V6(Ipv6Addr::from(ip)), port))
                }
                KIND_TORV3 => {
                    let key: [u8; 32] = r.read("book_key")?;
                    let port = u16::from_le_bytes(r.read("book_port")?);
                    Endpoint::TorV3 { key, port }
                }
                _ => return Err(DecodeError::invalid("book_kind", "unknown address kind")),
            };
            let e = KnownAddress {
                endpoint,
                services: r.read("book_services")?,
                last_seen: r.read("book_last_seen")?,
                failures: r.read("book_failures")?,
                successes: r.read("book_successes")?,
                last_attempt: r.read("book_last_attempt")?,
                last_success: r.read("book_last_success")?,
                source: AddrSource::from_u8(r.read_u8()?)
                    .ok_or_else(|| DecodeError::invalid("book_source", "unknown source"))?,
            };
            if book.entries.len() < book.max {
                book.entries.insert(endpoint, e);
            }
        }
        r.finish()?;
        Ok(book)
    }
}

/// Whether an IP address from gossip is worth keeping (not unspecified, broadcast or
/// multicast, not the 2001:db8::/32 documentation range).
fn is_usable_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !(v4.is_unspecified() || v4.is_broadcast() || v4.is_multicast()),
        IpAddr::V6(v6) => {
            !(v6.is_unspecified() || v6.is_multicast() || v6.segments()[..2] == [0x2001, 0x0db8])
        }
    }
}
