//! Which peers vouch for the best chain ([`HeaderTree::agreed_height`]): one header source
//! per origin, and a second peer asked to confirm the tip once the sync peer is done.
//!
//! An origin is what one operator cannot cheaply have two of: a routable address's network
//! group (/16 for IPv4, /32 for IPv6), the same groups the connection
//! manager keeps outbound peers apart by. An unroutable address (loopback, a private range)
//! is its own origin with its port, as several nodes of a local network listen on one IP.
//! Every connection to an origin, at once or after a reconnect, is the same header source:
//! it confirms the chain once and shares one fork budget.

use std::collections::HashMap;
use std::net::SocketAddr;

use super::*;
use crate::chain::HeaderSource;
use crate::p2p::NetGroup;

/// Origins remembered; beyond this the ones no connected peer belongs to are forgotten
/// (their confirmations withdrawn, so that a forgotten origin that returns with a new source
/// cannot confirm twice).
pub const MAX_ORIGINS: usize = 1024;

/// What counts as one peer for agreement (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A routable address: its network group.
    Group(NetGroup),
    /// An unroutable address, with its port.
    Local(SocketAddr),
}

impl Origin {
    /// The origin of a connection to `addr`.
    pub fn of(addr: SocketAddr) -> Origin {
        match NetGroup::of(addr.ip()) {
            NetGroup::Local(_) => Origin::Local(addr),
            group => Origin::Group(group),
        }
    }
}

/// Header sources by origin, never reused.
#[derive(Debug, Default)]
pub(super) struct Origins {
    sources: HashMap<Origin, HeaderSource>,
    next: HeaderSource,
}

impl Origins {
    /// The source of `origin`, a new one (from 1: 0 is the tree's local caller) if it is not
    /// known; the sources forgotten to make room, whose claims must be withdrawn.
    pub(super) fn source_for(
        &mut self,
        origin: Origin,
        in_use: &HashSet<HeaderSource>,
    ) -> (HeaderSource, Vec<HeaderSource>) {
        if let Some(&s) = self.sources.get(&origin) {
            return (s, Vec::new());
        }
        let mut forgotten = Vec::new();
        if self.sources.len() >= MAX_ORIGINS {
            self.sources.retain(|_, s| {
                let keep = in_use.contains(s);
                if !keep {
                    forgotten.push(*s);
                }
                keep
            });
        }
        self.next += 1;
        self.sources.insert(origin, self.next);
        (self.next, forgotten)
    }
}

impl<S: HeaderStore> SyncEngine<S> {
    /// The header source of a new connection to `addr`.
    pub(super) fn source_of(&mut self, addr: SocketAddr) -> HeaderSource {
        let in_use: HashSet<HeaderSource> = self.peers.values().map(|p| p.source).collect();
        let (source, forgotten) = self.origins.source_for(Origin::of(addr), &in_use);
        for s in forgotten {
            self.tree.withdraw(s);
        }
        source
    }

    /// Once headers are caught up: every other ready peer not asked yet gets a `getheaders`
    /// from just below our tip, so that its reply (our tip, and anything newer) confirms the
    /// chain. Honest peers keep confirming afterwards by announcing each new block.
    pub(super) fn ask_for_confirmations(&mut self) {
        if !self.headers.caught_up || self.headers.in_flight.is_some() {
            return;
        }
        let tip = self.tree.tip().height;
        let Some(below) = tip.checked_sub(1).filter(|&b| b >= self.start_height) else { return };
        let sync_peer = self.headers.sync_peer;
        let ask: Vec<(PeerId, bool)> = self
            .peers
            .iter()
            .filter(|(&id, p)| Some(id) != sync_peer && !p.dropped && !p.confirm_asked)
            .map(|(&id, p)| (id, p.headers2))
            .collect();
        if ask.is_empty() {
            return;
        }
        let Ok(locator) = headers::locator_from(&self.tree, below, self.start_height) else {
            return;
        };
        for (peer, h2) in ask {
            if let Some(p) = self.peers.get_mut(&peer) {
                p.confirm_asked = true;
            }
            self.send(peer, headers::request(locator.clone(), h2));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routable_peers_of_one_group_are_one_origin_local_ones_differ_by_port() {
        let a: SocketAddr = "203.0.113.5:9999".parse().unwrap();
        let b: SocketAddr = "203.0.7.9:19999".parse().unwrap();
        let c: SocketAddr = "198.51.100.1:9999".parse().unwrap();
        assert_eq!(Origin::of(a), Origin::of(b), "one /16");
        assert_ne!(Origin::of(a), Origin::of(c));
        let l1: SocketAddr = "127.0.0.1:20001".parse().unwrap();
        let l2: SocketAddr = "127.0.0.1:20002".parse().unwrap();
        assert_ne!(Origin::of(l1), Origin::of(l2));
        let mapped: SocketAddr = "[::ffff:203.0.113.77]:9999".parse().unwrap();
        assert_eq!(Origin::of(mapped), Origin::of(a), "IPv4-mapped IPv6 is its IPv4 group");
    }

    #[test]
    fn an_origin_keeps_its_source_and_forgotten_ones_are_reported() {
        let mut o = Origins::default();
        let none = HashSet::new();
        let local = |port: u16| Origin::Local(SocketAddr::from(([127, 0, 0, 1], port)));
        let (first, _) = o.source_for(local(1), &none);
        assert_eq!(o.source_for(local(1), &none), (first, vec![]), "a reconnect: same source");
        for port in 2..=MAX_ORIGINS as u16 {
            o.source_for(local(port), &HashSet::from([first]));
        }
        let (_, forgotten) = o.source_for(local(u16::MAX), &HashSet::from([first]));
        assert_eq!(forgotten.len(), MAX_ORIGINS - 1, "all but the connected one");
        assert!(!forgotten.contains(&first));
        assert_eq!(o.source_for(local(1), &none).0, first);
    }
}
