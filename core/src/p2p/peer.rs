//! One outbound connection: the version handshake in Dash Core's order (PROTOCOL.md §1.4),
//! then pings, liveness and the messages it passes up.
//!
//! Order on the wire, exactly:
//! 1. we send `version` (services 0, relay 0, zero MNAUTH challenge);
//! 2. on the peer's `version`: checks (protocol ≥ 70221, NODE_BLOOM, devnet, not ourselves),
//!    then `sendaddrv2` (common version ≥ 70223) and `verack`;
//! 3. on the peer's `verack`: `senddsq(false)`, `sendheaders2` if the peer advertises
//!    NODE_HEADERS_COMPRESSED else `sendheaders`, `filterload` from the [`FilterSource`],
//!    and `getaddr` when we want addresses.

use super::handshake::{speaks_headers2, wants_sendaddrv2, HandshakeConfig};
use super::liveness::{Liveness, Timeouts};
use super::misbehavior::{MasternodeData, Misbehavior, Score};
use super::{DisconnectReason, Output, PeerId, Time};
use crate::wire::{FilterLoad, Message, SendDsq};
use std::net::SocketAddr;

/// Provides the `filterload` sent at the end of each handshake. The bloom filter policy
/// implements it; returning `None` leaves the peer without a filter (relay stays off) until
/// the layer above sends one.
pub trait FilterSource {
    /// The filter to load on `peer`, whose handshake has reached its `verack`.
    fn filter_for(&mut self, peer: PeerId, info: &PeerInfo) -> Option<FilterLoad>;
}

/// Loads no filter.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFilter;

impl FilterSource for NoFilter {
    fn filter_for(&mut self, _: PeerId, _: &PeerInfo) -> Option<FilterLoad> {
        None
    }
}

/// The same filter on every peer.
impl FilterSource for FilterLoad {
    fn filter_for(&mut self, _: PeerId, _: &PeerInfo) -> Option<FilterLoad> {
        Some(self.clone())
    }
}

/// What a peer told us about itself in its `version` (and `sendaddrv2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// Where we connected.
    pub addr: SocketAddr,
    /// Its protocol version.
    pub version: i32,
    /// Its service bits.
    pub services: u64,
    /// Its user agent (invalid UTF-8 replaced).
    pub user_agent: String,
    /// The best height it announced (a claim, not a proof).
    pub start_height: i32,
    /// Whether it speaks `headers2` (we sent it `sendheaders2`).
    pub headers2: bool,
    /// Whether it sent `sendaddrv2` (it wants `addrv2`).
    pub wants_addrv2: bool,
}

/// Where the handshake is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum State {
    /// The TCP connection is being opened.
    Connecting {
        /// Since when.
        since: Time,
    },
    /// Our `version` is sent; waiting for theirs.
    AwaitVersion {
        /// When the connection opened.
        since: Time,
    },
    /// Their `version` arrived, our `verack` is sent; waiting for theirs.
    AwaitVerack {
        /// When the connection opened.
        since: Time,
        /// Their version, checked.
        info: PeerInfo,
    },
    /// The handshake is complete.
    Ready {
        /// Their version.
        info: PeerInfo,
        /// Pings and delivery.
        liveness: Box<Liveness>,
    },
}

/// What the peer machine made of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Handled here (handshake, ping, preferences) or ignored.
    Consumed,
    /// For the layer above.
    Forward(Message),
    /// The peer broke a rule the p2p layer checks itself.
    Misbehaved(Misbehavior),
    /// The handshake just completed.
    Ready {
        /// The peer's self-description.
        info: PeerInfo,
        /// Whether a `filterload` went out.
        filter_loaded: bool,
    },
}

/// One outbound peer's state machine.
#[derive(Debug, Clone)]
pub struct Peer {
    id: PeerId,
    addr: SocketAddr,
    nonce: u64,
    state: State,
    score: Score,
    timeouts: Timeouts,
    /// `getmnlistd`/`getqrinfo` sent and not yet answered.
    mn_requests: u32,
    /// The peer's last `senddsq` value (`None`: it sent none).
    dsq: Option<bool>,
    /// Unsolicited `mnauth` messages received and ignored.
    mnauth_ignored: u32,
}

impl Peer {
    /// A peer being connected to at `now`; `nonce` goes into our `version`.
    pub fn new(id: PeerId, addr: SocketAddr, nonce: u64, now: Time) -> Self {
        Self::with_timeouts(id, addr, nonce, now, Timeouts::default())
    }

    /// [`Peer::new`] with these timers instead of the defaults.
    pub fn with_timeouts(
        id: PeerId,
        addr: SocketAddr,
        nonce: u64,
        now: Time,
        timeouts: Timeouts,
    ) -> Self {
        let state = State::Connecting { since: now };
        Peer {
            id,
            addr,
            nonce,
            state,
            score: Score::default(),
            timeouts,
            mn_requests: 0,
            dsq: None,
            mnauth_ignored: 0,
        }
    }

    /// The connection's id.
    pub fn id(&self) -> PeerId {
        self.id
    }

    /// The address connected to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The peer's self-description once its `version` arrived.
    pub fn info(&self) -> Option<&PeerInfo> {
        match &self.state {
            State::AwaitVerack { info, .. } | State::Ready { info, .. } => Some(info),
            _ => None,
        }
    }

    /// Whether the handshake is complete.
    pub fn is_ready(&self) -> bool {
        matches!(self.state, State::Ready { .. })
    }

    /// Liveness, once ready.
    pub fn liveness(&self) -> Option<&Liveness> {
        match &self.state {
            State::Ready { liveness, .. } => Some(liveness),
            _ => None,
        }
    }

    /// The misbehaviour score.
    pub(crate) fn score_mut(&mut self) -> &mut Score {
        &mut self.score
    }

    /// The misbehaviour total.
    pub fn score(&self) -> u32 {
        self.score.total()
    }

    /// What the peer's last `senddsq` said (`Some(true)`: it wants CoinJoin queue messages
    /// from us; `None`: it sent no `senddsq`, which Dash Core treats as `false`). Recorded
    /// only: we never relay `dsq` and never ask for one (PROTOCOL.md §7.3).
    pub fn dsq_preference(&self) -> Option<bool> {
        self.dsq
    }

    /// How many `mnauth` messages the peer sent and we ignored. Our `version` carries a zero
    /// challenge, so a masternode has nothing to sign and an `mnauth` proves nothing: it is
    /// counted and dropped without a penalty (Dash Core's `CMNAuth::ProcessMessage` with no
    /// challenge sent; PROTOCOL.md §8).
    pub fn ignored_mnauth(&self) -> u32 {
        self.mnauth_ignored
    }

    fn send(&self, out: &mut Vec<Output>, message: Message) {
        out.push(Output::Send { peer: self.id, message });
    }

    /// The TCP connection opened: send our `version`.
    pub fn on_connected(
        &mut self,
        cfg: &HandshakeConfig,
        height: u32,
        now: Time,
        out: &mut Vec<Output>,
    ) {
        if let State::Connecting { .. } = self.state {
            let version = cfg.our_version(self.addr, self.nonce, height, now);
            self.send(out, Message::Version(version));
            self.state = State::AwaitVersion { since: now };
        }
    }

    /// `n` bytes arrived.
    pub fn on_bytes(&mut self, n: u64, now: Time) {
        if let State::Ready { liveness, .. } = &mut self.state {
            liveness.on_bytes(n, now);
        }
    }

    /// We are sending `message` (request tracking).
    pub fn on_sent(&mut self, message: &Message, now: Time) {
        if let State::Ready { liveness, .. } = &mut self.state {
            liveness.on_sent(message, now);
            if let Message::Unknown { command, .. } = message {
                if matches!(command.as_str(), "getmnlistd" | "getqrinfo") {
                    self.mn_requests = self.mn_requests.saturating_add(1);
                }
            }
        }
    }

    /// Forgets outstanding requests (the layer above gave up on them).
    pub fn clear_requests(&mut self) {
        if let State::Ready { liveness, .. } = &mut self.state {
            liveness.clear_requests();
        }
    }

    /// A complete message arrived.
    pub fn on_message(
        &mut self,
        cfg: &HandshakeConfig,
        message: Message,
        filters: &mut dyn FilterSource,
        now: Time,
        out: &mut Vec<Output>,
    ) -> Result<Step, DisconnectReason> {
        match (&mut self.state, message) {
            (State::AwaitVersion { since }, Message::Version(v)) => {
                cfg.check_peer_version(&v, self.nonce)?;
                let since = *since;
                let info = PeerInfo {
                    addr: self.addr,
                    version: v.version,
                    services: v.services,
                    user_agent: v.user_agent_lossy().into_owned(),
                    start_height: v.start_height,
                    headers2: speaks_headers2(v.services),
                    wants_addrv2: false,
                };
                if wants_sendaddrv2(v.version) {
                    self.send(out, Message::SendAddrV2);
                }
                self.send(out, Message::Verack);
                self.state = State::AwaitVerack { since, info };
                Ok(Step::Consumed)
            }
            // Dash Core ignores everything but `version` before `version`.
            (State::AwaitVersion { .. } | State::Connecting { .. }, _) => Ok(Step::Consumed),
            (State::AwaitVerack { info, .. }, Message::SendAddrV2) => {
                info.wants_addrv2 = true;
                Ok(Step::Consumed)
            }
            (State::AwaitVerack { info, .. }, Message::Verack) => {
                let info = info.clone();
                self.send(out, Message::SendDsq(SendDsq(false)));
                let announce =
                    if info.headers2 { Message::SendHeaders2 } else { Message::SendHeaders };
                self.send(out, announce);
                let filter = filters.filter_for(self.id, &info);
                let filter_loaded = filter.is_some();
                if let Some(f) = filter {
                    self.send(out, Message::FilterLoad(f));
                }
                if cfg.request_addresses {
                    self.send(out, Message::GetAddr);
                }
                self.state = State::Ready {
                    info: info.clone(),
                    liveness: Box::new(Liveness::with_timeouts(now, self.timeouts)),
                };
                Ok(Step::Ready { info, filter_loaded })
            }
            // Anything else before `verack` is ignored, as Dash Core does.
            (State::AwaitVerack { .. }, _) => Ok(Step::Consumed),
            (State::Ready { .. }, Message::SendAddrV2) => {
                Err(DisconnectReason::SendAddrV2AfterVerack)
            }
            (State::Ready { .. }, Message::Ping(p)) => {
                self.send(out, Message::Pong(crate::wire::Pong { nonce: p.nonce }));
                Ok(Step::Consumed)
            }
            (State::Ready { liveness, .. }, Message::Pong(p)) => {
                liveness.on_pong(p.nonce, now);
                Ok(Step::Consumed)
            }
            // Masternode list data: forwarded when asked for, else Dash Core's penalty for
            // an unsolicited `mnlistdiff`/`qrinfo` (100). Nothing else would see it: the
            // wire layer does not decode these, and unknown commands are dropped below.
            (State::Ready { .. }, Message::Unknown { command, payload })
                if matches!(command.as_str(), "mnlistdiff" | "qrinfo") =>
            {
                if self.mn_requests > 0 {
                    self.mn_requests -= 1;
                    Ok(Step::Forward(Message::Unknown { command, payload }))
                } else {
                    let what = if command.as_str() == "qrinfo" {
                        MasternodeData::QuorumRotationInfo
                    } else {
                        MasternodeData::ListDiff
                    };
                    Ok(Step::Misbehaved(Misbehavior::UnsolicitedMasternodeData(what)))
                }
            }
            // The peer's CoinJoin queue preference: recorded, nothing else (we relay no `dsq`).
            (State::Ready { .. }, Message::SendDsq(SendDsq(wants))) => {
                self.dsq = Some(wants);
                Ok(Step::Consumed)
            }
            // We never send a challenge, so an `mnauth` cannot be checked: recorded, ignored.
            (State::Ready { .. }, Message::MnAuth(auth)) => {
                self.mnauth_ignored = self.mnauth_ignored.saturating_add(1);
                log::debug!(
                    "{}: ignoring unsolicited mnauth (proRegTx {}), no challenge was sent",
                    self.id,
                    auth.pro_reg_tx_hash
                );
                Ok(Step::Consumed)
            }
            (
                State::Ready { .. },
                Message::Version(_)
                | Message::Verack
                | Message::SendHeaders
                | Message::SendHeaders2
                | Message::SendCmpct(_)
                | Message::Unknown { .. },
            ) => Ok(Step::Consumed),
            (State::Ready { liveness, .. }, message) => {
                liveness.on_received(&message, now);
                Ok(Step::Forward(message))
            }
        }
    }

    /// Time passes: connect and handshake timeouts, pings, liveness.
    pub fn on_tick(
        &mut self,
        now: Time,
        nonce: u64,
        out: &mut Vec<Output>,
    ) -> Result<(), DisconnectReason> {
        match &mut self.state {
            State::Connecting { since } if now >= since.saturating_add(self.timeouts.connect) => {
                Err(DisconnectReason::ConnectTimeout)
            }
            State::AwaitVersion { since } | State::AwaitVerack { since, .. }
                if now >= since.saturating_add(self.timeouts.handshake) =>
            {
                Err(DisconnectReason::HandshakeTimeout)
            }
            State::Ready { liveness, .. } => {
                liveness.check(now)?;
                if let Some(ping) = liveness.ping_due(now, nonce) {
                    out.push(Output::Send { peer: self.id, message: Message::Ping(ping) });
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// When [`Peer::on_tick`] next has something to do.
    pub fn next_deadline(&self) -> Time {
        match &self.state {
            State::Connecting { since } => since.saturating_add(self.timeouts.connect),
            State::AwaitVersion { since } | State::AwaitVerack { since, .. } => {
                since.saturating_add(self.timeouts.handshake)
            }
            State::Ready { liveness, .. } => liveness.next_deadline(),
        }
    }
}
