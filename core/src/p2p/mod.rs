//! The peer-to-peer protocol without I/O (DESIGN.md principle 1): state machines that take
//! inputs (a connection opened, a message received, bytes received, the time now, a command
//! from the sync layer) and push outputs ([`Output`]) into one outbox: connect, send,
//! disconnect, resolve a DNS name, report an event. Nothing here touches a socket, a clock or
//! a global random number generator: time is a [`Time`] value passed in, randomness comes
//! from a seeded RNG owned by the [`ConnectionManager`].
//!
//! * [`peer`]: one connection's handshake (PROTOCOL.md §1.4), pings and liveness.
//! * [`liveness`]: inactivity, ping timeout and stall detection that measures delivery.
//! * [`misbehavior`]: Dash Core's penalties (PROTOCOL.md §7.2) and a ban list with expiry.
//! * [`addrbook`]: known addresses from gossip, DNS seeds, fixed seeds and configuration.
//! * [`connmgr`]: keeps a few good outbound peers, replaces the ones that fail, routes
//!   messages.
//!
//! The async-std driver that executes the outputs is [`crate::node`].

pub mod addrbook;
pub mod connmgr;
pub mod handshake;
pub mod liveness;
pub mod misbehavior;
pub mod peer;
pub mod transport;

#[cfg(test)]
mod addrbook_tests;
#[cfg(test)]
mod connmgr_tests;
#[cfg(test)]
mod peer_tests;
#[cfg(test)]
mod session_tests;

use crate::wire::{FrameError, Message};
use std::fmt;
use std::net::SocketAddr;

pub use addrbook::{AddrBook, AddrSource, Endpoint, KnownAddress, NetGroup};
pub use connmgr::{Config, ConnectionManager, FilterSource, NoFilter, PeerCommand};
pub use liveness::Timeouts;
pub use misbehavior::{BanList, MasternodeData, Misbehavior, Oversize};
pub use peer::{Peer, PeerInfo};
pub use transport::{Transport, V2Policy};

/// Milliseconds since the Unix epoch, as the driver's clock reports them. The driver keeps it
/// monotonic (a wall-clock start plus a monotonic elapsed time); tests pass any value.
pub type Time = u64;

/// One second in [`Time`] units.
pub const SECOND: Time = 1000;
/// One minute in [`Time`] units.
pub const MINUTE: Time = 60 * SECOND;
/// One hour in [`Time`] units.
pub const HOUR: Time = 60 * MINUTE;

/// Service bits a peer may advertise in `version` (`src/protocol.h ServiceFlags`,
/// PROTOCOL.md §1.3).
pub mod services {
    /// `NODE_NETWORK`: serves the full block chain.
    pub const NODE_NETWORK: u64 = 1;
    /// `NODE_BLOOM`: accepts BIP37 bloom filters (required for our filtering peers).
    pub const NODE_BLOOM: u64 = 1 << 2;
    /// `NODE_COMPACT_FILTERS`: serves BIP157 filters.
    pub const NODE_COMPACT_FILTERS: u64 = 1 << 6;
    /// `NODE_NETWORK_LIMITED`: serves the last 288 blocks.
    pub const NODE_NETWORK_LIMITED: u64 = 1 << 10;
    /// `NODE_HEADERS_COMPRESSED`: speaks `headers2` (DIP-0025); we then send `sendheaders2`.
    pub const NODE_HEADERS_COMPRESSED: u64 = 1 << 11;
    /// `NODE_P2P_V2`: speaks the BIP324 v2 transport (we speak v1 only).
    pub const NODE_P2P_V2: u64 = 1 << 12;
}

/// Identifies one connection for its whole life. Ids are never reused within a
/// [`ConnectionManager`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId(pub u64);

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "peer#{}", self.0)
    }
}

/// What a state machine asks the driver to do, or tells the layer above: the four I/O
/// commands, or an event of type `E` (the connection manager's own [`Event`]s by default;
/// [`crate::machine::Output`] carries the whole machine's).
#[derive(Debug, Clone, PartialEq)]
pub enum Output<E = Event> {
    /// Open a TCP connection to `addr` for `peer`; report `on_connected` or
    /// `on_connect_failed`.
    Connect {
        /// The id the connection will carry.
        peer: PeerId,
        /// Where to connect.
        addr: SocketAddr,
        /// What the connection speaks.
        transport: Transport,
    },
    /// Frame `message` and queue it on `peer`'s connection.
    Send {
        /// The connection.
        peer: PeerId,
        /// The message.
        message: Message,
    },
    /// Close `peer`'s connection. The manager has already forgotten the peer; the driver
    /// reports nothing more about it.
    Disconnect {
        /// The connection.
        peer: PeerId,
        /// Why.
        reason: DisconnectReason,
    },
    /// Resolve a DNS seed and report `on_resolved`.
    Resolve {
        /// The host name.
        host: String,
        /// The port to give the addresses.
        port: u16,
    },
    /// Tell the layer above (the sync layer, the wallet).
    Event(E),
}

impl<E> Output<E> {
    /// The event, if this is one.
    pub fn into_event(self) -> Option<E> {
        match self {
            Output::Event(e) => Some(e),
            _ => None,
        }
    }
}

/// What happened, for the layer above.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The handshake with `peer` completed: `verack` both ways, our `senddsq`,
    /// `sendheaders2`/`sendheaders` and `filterload` (if the filter source had one) sent.
    PeerReady {
        /// The connection.
        peer: PeerId,
        /// What the peer told us about itself.
        info: PeerInfo,
        /// Whether a `filterload` went out in the handshake.
        filter_loaded: bool,
    },
    /// `peer` is gone (also sent for connections whose handshake never completed).
    PeerDisconnected {
        /// The connection.
        peer: PeerId,
        /// Its address.
        addr: SocketAddr,
        /// Why.
        reason: DisconnectReason,
        /// Whether its handshake had completed.
        was_ready: bool,
    },
    /// A message the p2p layer does not consume itself (headers, merkle blocks, inventory,
    /// transactions, sporks, governance...), from a peer whose handshake is complete.
    Message {
        /// The sender.
        peer: PeerId,
        /// The message.
        message: Message,
    },
    /// `peer` was penalised.
    Misbehaved {
        /// The peer.
        peer: PeerId,
        /// What it did.
        what: Misbehavior,
        /// Its score after this penalty.
        score: u32,
    },
}

/// Why a connection ended. Plain data (DESIGN.md principle 4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisconnectReason {
    /// The peer's protocol version is below `MIN_PEER_PROTO_VERSION` (70221).
    #[error("protocol version {0} is below the minimum 70221")]
    ProtocolTooOld(i32),
    /// The peer does not advertise NODE_BLOOM; it would drop us at `filterload`.
    #[error("peer does not offer NODE_BLOOM (services {0:#x}); bloom filtering needs it")]
    NoBloom(u64),
    /// The peer's nonce is ours: we connected to ourselves.
    #[error("connected to ourselves")]
    SelfConnection,
    /// On a devnet, the peer's user agent lacks `devnet.<name>` (PROTOCOL.md §1.1).
    #[error("user agent {user_agent:?} lacks {expected:?}")]
    WrongDevnet {
        /// The peer's user agent.
        user_agent: String,
        /// The marker required.
        expected: String,
    },
    /// `sendaddrv2` after `verack` (Dash Core disconnects).
    #[error("sendaddrv2 after verack")]
    SendAddrV2AfterVerack,
    /// The TCP connection did not open in time.
    #[error("connect timed out")]
    ConnectTimeout,
    /// The TCP connection could not be opened.
    #[error("connect failed")]
    ConnectFailed,
    /// The version handshake did not complete in time.
    #[error("handshake timed out")]
    HandshakeTimeout,
    /// No `pong` for our `ping` in time, while nothing else was arriving either.
    #[error("ping timed out")]
    PingTimeout,
    /// Nothing received for too long.
    #[error("inactive")]
    Inactive,
    /// Requests outstanding and the peer delivered too little for too long.
    #[error("stalled")]
    Stalled,
    /// Misbehaviour reached the discouragement threshold (100).
    #[error("misbehaving (score {0})")]
    Misbehaving(u32),
    /// The byte stream broke the framing rules (wrong magic, oversized frame).
    #[error("framing: {0}")]
    Frame(FrameError),
    /// The peer's address is banned.
    #[error("banned")]
    Banned,
    /// The peer closed the connection or the socket failed.
    #[error("connection closed")]
    Closed,
    /// The peer does not read what we send (the bounded write queue is full).
    #[error("send queue full")]
    SendQueueFull,
    /// The layer above asked for it.
    #[error("requested")]
    Requested,
    /// The peer closed a v2 attempt without answering: it speaks only v1.
    #[error("v2 transport refused")]
    V2Refused,
    /// The node is shutting down.
    #[error("shutting down")]
    Shutdown,
}

impl DisconnectReason {
    /// Whether the peer is at fault for this (counted against its address), as opposed to
    /// an ordinary end of the connection.
    pub fn is_peer_fault(&self) -> bool {
        !matches!(self, DisconnectReason::Requested | DisconnectReason::Shutdown)
    }
}
