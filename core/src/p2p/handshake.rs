//! The `version` we send and the checks on the `version` we receive (PROTOCOL.md §1.4,
//! `net_processing.cpp PushNodeVersion` and the `VERSION` handler).

use super::{services, DisconnectReason, Time};
use crate::hash::Hash256;
use crate::network::{Network, ADDRV2_PROTO_VERSION, MIN_PEER_PROTO_VERSION, PROTOCOL_VERSION};
use crate::wire::{NetAddress, Version, VersionExtent};
use std::net::SocketAddr;

/// Our client name in the user agent (BIP14).
pub const CLIENT_NAME: &str = "dashlite";

/// What our side of the handshake needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeConfig {
    /// The network.
    pub network: Network,
    /// On a devnet, its name as given to Dash Core's `-devnet=<name>`; `GetDevNetName()`
    /// is then `devnet-<name>` (or `devnet` when empty).
    pub devnet_name: Option<String>,
    /// Refuse peers without NODE_BLOOM (true for every filtering peer).
    pub require_bloom: bool,
    /// Ask new peers for addresses (`getaddr`); off when only configured peers are used.
    pub request_addresses: bool,
}

impl HandshakeConfig {
    /// Dash Core's `GetDevNetName()` for our devnet (`None` off devnets).
    pub fn devnet_id(&self) -> Option<String> {
        (self.network == Network::Devnet).then(|| match self.devnet_name.as_deref() {
            None | Some("") => "devnet".to_owned(),
            Some(name) => format!("devnet-{name}"),
        })
    }

    /// Our user agent: `/dashlite:VERSION/`, on a devnet `/dashlite:VERSION(devnet.NAME)/`
    /// (Dash Core adds `devnet.<GetDevNetName()>` as a user agent comment, `FormatSubVersion`).
    pub fn user_agent(&self) -> String {
        let version = env!("CARGO_PKG_VERSION");
        match self.devnet_id() {
            Some(id) => format!("/{CLIENT_NAME}:{version}(devnet.{id})/"),
            None => format!("/{CLIENT_NAME}:{version}/"),
        }
    }

    /// Our `version` to `addr`: services 0 (we serve nothing), relay false until a filter is
    /// loaded, an all-zero MNAUTH challenge (so no `mnauth` is ever sent to us), not a
    /// masternode, every Dash field present.
    pub fn our_version(
        &self,
        addr: SocketAddr,
        nonce: u64,
        start_height: u32,
        now: Time,
    ) -> Version {
        Version {
            version: PROTOCOL_VERSION,
            services: 0,
            timestamp: (now / 1000) as i64,
            addr_recv: NetAddress::from_socket_addr(addr, 0),
            addr_from: NetAddress::default(),
            nonce,
            user_agent: self.user_agent().into_bytes(),
            start_height: i32::try_from(start_height).unwrap_or(i32::MAX),
            relay: false,
            mnauth_challenge: Hash256::ZERO,
            masternode: false,
            extent: VersionExtent::Masternode,
            trailing: Vec::new(),
        }
    }

    /// Checks the peer's `version` against our rules; `our_nonce` detects a connection to
    /// ourselves.
    pub fn check_peer_version(&self, v: &Version, our_nonce: u64) -> Result<(), DisconnectReason> {
        if v.version < MIN_PEER_PROTO_VERSION {
            return Err(DisconnectReason::ProtocolTooOld(v.version));
        }
        if v.nonce == our_nonce {
            return Err(DisconnectReason::SelfConnection);
        }
        if let Some(id) = self.devnet_id() {
            let expected = format!("devnet.{id}");
            let user_agent = v.user_agent_lossy().into_owned();
            if !user_agent.contains(&expected) {
                return Err(DisconnectReason::WrongDevnet { user_agent, expected });
            }
        }
        if self.require_bloom && v.services & services::NODE_BLOOM == 0 {
            return Err(DisconnectReason::NoBloom(v.services));
        }
        Ok(())
    }
}

/// Whether `sendaddrv2` is exchanged at this common version (`ADDRV2_PROTO_VERSION`).
pub fn wants_sendaddrv2(peer_version: i32) -> bool {
    peer_version.min(PROTOCOL_VERSION) >= ADDRV2_PROTO_VERSION
}

/// Whether the peer speaks `headers2` (NODE_HEADERS_COMPRESSED; not version-gated).
pub fn speaks_headers2(peer_services: u64) -> bool {
    peer_services & services::NODE_HEADERS_COMPRESSED != 0
}
