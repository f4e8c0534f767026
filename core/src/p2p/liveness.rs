//! Is the peer still there, and is it delivering? Pings, inactivity, and stall detection
//! that judges a peer by the bytes it delivers while requests are outstanding, not by wall
//! time alone, so a slow link that keeps delivering is never mistaken for a stalled one.

use super::{DisconnectReason, Time, MINUTE, SECOND};
use crate::wire::{Message, Ping};

/// How long a TCP connect may take (client rule; Dash Core's `DEFAULT_CONNECT_TIMEOUT` is 5 s,
/// a mobile link deserves more).
pub const CONNECT_TIMEOUT: Time = 10 * SECOND;
/// How long the version handshake may take after the connection opens (Dash Core's
/// `-peertimeout` default, `DEFAULT_PEER_CONNECT_TIMEOUT`, 60 s).
pub const HANDSHAKE_TIMEOUT: Time = 60 * SECOND;
/// How often we ping (Dash Core `PING_INTERVAL`, 2 minutes).
pub const PING_INTERVAL: Time = 2 * MINUTE;
/// How long a `pong` may take while the peer delivers nothing else (client rule; a pong
/// queued behind a large message is excused while bytes keep arriving).
pub const PONG_TIMEOUT: Time = MINUTE;
/// Dash Core's `TIMEOUT_INTERVAL` (20 minutes): the longest silence, and the longest wait for
/// a `pong` however much else arrives.
pub const TIMEOUT_INTERVAL: Time = 20 * MINUTE;
/// How long requests may go unanswered before the delivery rate is judged (client rule,
/// shorter than Dash Core's 2-minute `HEADERS_RESPONSE_TIME`: a light client has few peers and
/// a stalled sync peer costs the whole sync).
pub const STALL_TIMEOUT: Time = MINUTE;
/// The slowest delivery that still counts as progress while requests are outstanding, in
/// bytes per second (client rule: about 4 kbit/s, below any usable mobile link, far above a
/// peer that only answers pings).
pub const MIN_DELIVERY_RATE: u64 = 500;

/// The timers of a connection. The defaults are the constants of this module (Dash
/// Core-derived); a test or an unusual deployment shortens them through
/// [`super::Config::timeouts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// How long a TCP connect may take ([`CONNECT_TIMEOUT`]).
    pub connect: Time,
    /// How long the version handshake may take ([`HANDSHAKE_TIMEOUT`]).
    pub handshake: Time,
    /// How often we ping ([`PING_INTERVAL`]).
    pub ping_interval: Time,
    /// How long a `pong` may take while nothing else arrives ([`PONG_TIMEOUT`]).
    pub pong: Time,
    /// The longest silence, and the longest wait for a `pong` ([`TIMEOUT_INTERVAL`]).
    pub inactivity: Time,
    /// How long requests may go unanswered before delivery is judged ([`STALL_TIMEOUT`]).
    pub stall: Time,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: CONNECT_TIMEOUT,
            handshake: HANDSHAKE_TIMEOUT,
            ping_interval: PING_INTERVAL,
            pong: PONG_TIMEOUT,
            inactivity: TIMEOUT_INTERVAL,
            stall: STALL_TIMEOUT,
        }
    }
}

/// When a window that started at `since` and has received `bytes` is judged stalled: after
/// `timeout`, and only once the bytes fall below [`MIN_DELIVERY_RATE`] on average.
fn stall_time(since: Time, bytes: u64, timeout: Time) -> Time {
    let excused = bytes.saturating_mul(SECOND) / MIN_DELIVERY_RATE + 1;
    since.saturating_add(timeout.max(excused))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PendingPing {
    nonce: u64,
    sent: Time,
    bytes_at_send: u64,
}

/// Requests outstanding, by what answers them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InFlight {
    /// `getheaders`/`getheaders2` awaiting `headers`/`headers2`.
    pub headers: u32,
    /// Blocks (full or filtered) awaiting `block`/`merkleblock` or `notfound`.
    pub blocks: u32,
    /// Other objects (transactions, sporks, governance) awaiting their message or `notfound`.
    pub data: u32,
}

impl InFlight {
    /// Total outstanding.
    pub fn total(&self) -> u32 {
        self.headers.saturating_add(self.blocks).saturating_add(self.data)
    }
}

/// One peer's liveness state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Liveness {
    last_recv: Time,
    bytes_total: u64,
    next_ping: Time,
    ping: Option<PendingPing>,
    rtt: Option<Time>,
    in_flight: InFlight,
    window_start: Time,
    window_bytes: u64,
    timeouts: Timeouts,
}

impl Liveness {
    /// Starts tracking at `now` (the handshake's end); the first ping goes out at once, as
    /// Dash Core does, which also measures the round trip.
    pub fn new(now: Time) -> Self {
        Self::with_timeouts(now, Timeouts::default())
    }

    /// Starts tracking at `now` with these timers.
    pub fn with_timeouts(now: Time, timeouts: Timeouts) -> Self {
        Liveness {
            last_recv: now,
            bytes_total: 0,
            next_ping: now,
            ping: None,
            rtt: None,
            in_flight: InFlight::default(),
            window_start: now,
            window_bytes: 0,
            timeouts,
        }
    }

    /// `n` bytes arrived (counted as they arrive, before a message is complete).
    pub fn on_bytes(&mut self, n: u64, now: Time) {
        self.last_recv = self.last_recv.max(now);
        self.bytes_total = self.bytes_total.saturating_add(n);
        self.window_bytes = self.window_bytes.saturating_add(n);
    }

    /// A ping to send now, if one is due.
    pub fn ping_due(&mut self, now: Time, nonce: u64) -> Option<Ping> {
        if self.ping.is_some() || now < self.next_ping {
            return None;
        }
        // Nonce 0 means "no ping" in Dash Core's pong handling; never use it.
        let nonce = nonce.max(1);
        self.ping = Some(PendingPing { nonce, sent: now, bytes_at_send: self.bytes_total });
        self.next_ping = now.saturating_add(self.timeouts.ping_interval);
        Some(Ping { nonce })
    }

    /// A `pong` arrived; a wrong nonce is ignored (the ping stays outstanding).
    pub fn on_pong(&mut self, nonce: u64, now: Time) {
        if let Some(p) = self.ping.filter(|p| p.nonce == nonce) {
            self.rtt = Some(now.saturating_sub(p.sent));
            self.ping = None;
        }
    }

    /// The last measured round trip.
    pub fn rtt(&self) -> Option<Time> {
        self.rtt
    }

    /// Requests outstanding.
    pub fn in_flight(&self) -> InFlight {
        self.in_flight
    }

    /// We sent `message`; requests start (or extend) the delivery window.
    pub fn on_sent(&mut self, message: &Message, now: Time) {
        let before = self.in_flight.total();
        match message {
            Message::GetHeaders(_) | Message::GetHeaders2(_) => self.in_flight.headers += 1,
            Message::GetData(g) => {
                for item in &g.inventory {
                    match item.block_hash() {
                        Some(_) => self.in_flight.blocks = self.in_flight.blocks.saturating_add(1),
                        None => self.in_flight.data = self.in_flight.data.saturating_add(1),
                    }
                }
            }
            _ => {}
        }
        if before == 0 && self.in_flight.total() > 0 {
            self.window_start = now;
            self.window_bytes = 0;
        }
    }

    /// We received `message`; an answer to a request restarts the delivery window.
    pub fn on_received(&mut self, message: &Message, now: Time) {
        fn dec(n: &mut u32) -> bool {
            let was = *n;
            *n = n.saturating_sub(1);
            was > 0
        }
        let f = &mut self.in_flight;
        let answered = match message {
            Message::Headers(_) | Message::Headers2(_) => dec(&mut f.headers),
            Message::MerkleBlock(_) | Message::Block(_) => dec(&mut f.blocks),
            Message::Tx(_)
            | Message::Spork(_)
            | Message::GovObject(_)
            | Message::GovObjectVote(_)
            | Message::IsDLock(_)
            | Message::ClSig(_) => dec(&mut f.data),
            Message::NotFound(nf) => {
                let mut any = false;
                for item in &nf.inventory {
                    any |= match item.block_hash() {
                        Some(_) => dec(&mut f.blocks),
                        None => dec(&mut f.data),
                    };
                }
                any
            }
            _ => false,
        };
        if answered {
            self.window_start = now;
            self.window_bytes = 0;
        }
    }

    /// Forgets every outstanding request (the sync layer gave up on them).
    pub fn clear_requests(&mut self) {
        self.in_flight = InFlight::default();
    }

    /// Whether the peer has outstanding requests it is not delivering on.
    pub fn is_stalled(&self, now: Time) -> bool {
        self.in_flight.total() > 0
            && now >= stall_time(self.window_start, self.window_bytes, self.timeouts.stall)
    }

    /// The verdict at `now`.
    pub fn check(&self, now: Time) -> Result<(), DisconnectReason> {
        if now >= self.last_recv.saturating_add(self.timeouts.inactivity) {
            return Err(DisconnectReason::Inactive);
        }
        if let Some(p) = self.ping {
            let since = self.bytes_total - p.bytes_at_send;
            if now >= stall_time(p.sent, since, self.timeouts.pong)
                || now >= p.sent.saturating_add(self.timeouts.inactivity)
            {
                return Err(DisconnectReason::PingTimeout);
            }
        }
        if self.is_stalled(now) {
            return Err(DisconnectReason::Stalled);
        }
        Ok(())
    }

    /// When something is next due: a ping, or a timeout to check.
    pub fn next_deadline(&self) -> Time {
        let mut t = self.last_recv.saturating_add(self.timeouts.inactivity);
        match self.ping {
            None => t = t.min(self.next_ping),
            Some(p) => {
                let since = self.bytes_total - p.bytes_at_send;
                t = t
                    .min(stall_time(p.sent, since, self.timeouts.pong))
                    .min(p.sent.saturating_add(self.timeouts.inactivity));
            }
        }
        if self.in_flight.total() > 0 {
            t = t.min(stall_time(self.window_start, self.window_bytes, self.timeouts.stall));
        }
        t
    }
}
