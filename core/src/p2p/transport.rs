//! Which transport a connection speaks: BIP324 v2 with the peers that offer it (Dash Core
//! v23 does by default, `-v2transport=1`), v1 with the others. A v2 attempt whose peer closes
//! before sending a byte is BIP324's sign of a v1-only peer: the connection manager dials it
//! again with v1 (a new connection) unless v2 is required.

use super::services::NODE_P2P_V2;

/// How a connection's bytes are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// The v1 envelope, in clear.
    V1,
    /// BIP324, encrypted and authenticated.
    V2,
}

/// When to speak v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum V2Policy {
    /// Never: every connection is v1.
    Never,
    /// With peers that advertise NODE_P2P_V2 and with peers whose services are not known yet
    /// (configured peers, DNS seed answers); v1 for the others, and for a peer that refused a
    /// v2 attempt.
    #[default]
    Prefer,
    /// Only v2: peers that refuse it are dropped, never spoken to in clear.
    Require,
}

impl V2Policy {
    /// The transport for a peer with `services` (0 when not known), `refused_v2` when it
    /// closed a v2 attempt without answering.
    pub fn transport_for(self, services: u64, refused_v2: bool) -> Transport {
        match self {
            V2Policy::Never => Transport::V1,
            V2Policy::Require => Transport::V2,
            V2Policy::Prefer if refused_v2 => Transport::V1,
            V2Policy::Prefer if services == 0 || services & NODE_P2P_V2 != 0 => Transport::V2,
            V2Policy::Prefer => Transport::V1,
        }
    }

    /// Whether a peer that refused v2 may be dialled again with v1.
    pub fn falls_back(self) -> bool {
        self != V2Policy::Require
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::p2p::services::{NODE_BLOOM, NODE_NETWORK};

    #[test]
    fn v2_where_offered_or_unknown_v1_after_a_refusal_unless_required() {
        let v1_only = NODE_NETWORK | NODE_BLOOM;
        let p = V2Policy::Prefer;
        assert_eq!(p.transport_for(v1_only | NODE_P2P_V2, false), Transport::V2);
        assert_eq!(p.transport_for(0, false), Transport::V2);
        assert_eq!(p.transport_for(v1_only, false), Transport::V1);
        assert_eq!(p.transport_for(NODE_P2P_V2, true), Transport::V1);
        assert_eq!(V2Policy::Require.transport_for(v1_only, true), Transport::V2);
        assert_eq!(V2Policy::Never.transport_for(NODE_P2P_V2, false), Transport::V1);
        assert!(p.falls_back() && !V2Policy::Require.falls_back());
    }
}
