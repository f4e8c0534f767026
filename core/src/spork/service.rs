//! The spork service: a sans-IO state machine the client drives next to the sync engine.
//!
//! * After each handshake it sends `getsporks` (the peer answers with one `spork` per spork
//!   and signer it holds, `CSporkManager::ProcessGetSporks`).
//! * `inv` entries of type `MSG_SPORK` (6) not held are fetched with `getdata`.
//! * Every `spork` goes through [`SporkManager::process`]; a refused one scores its sender
//!   ([`Misbehavior::InvalidSpork`], 100, as `CSporkManager::ProcessSpork` does).
//! * A changed value is reported as [`SporkEvent::Changed`]; the held messages are handed
//!   out for storage by [`SporkService::take_changes`].
//!
//! Time is passed in as [`Time`] (milliseconds); sporks are checked against it in seconds.

use std::collections::{BTreeSet, HashMap};

use super::{SporkError, SporkManager, SporkStatus};
use crate::hash::Hash256;
use crate::network::Params;
use crate::p2p::{Misbehavior, PeerCommand, PeerId, PeerInfo, Time, SECOND};
use crate::wire::{GetData, Inventory, Message, Spork, SporkId};

/// How long a spork asked for with `getdata` is waited for before another peer's `inv` may
/// ask again (client rule).
pub const SPORK_REQUEST_TIMEOUT: Time = 60 * SECOND;

/// What the spork service reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SporkEvent {
    /// A spork's value changed (first heard of, or replaced by a newer message).
    Changed {
        /// Which spork.
        id: SporkId,
        /// Its value now.
        value: i64,
        /// Its value before (`None`: nothing was held; known sporks then had
        /// [`super::SPORK_DEFAULT_VALUE`]).
        previous: Option<i64>,
        /// Whether it is active now (`value` < the time it was received).
        active: bool,
        /// The peer that sent it.
        peer: PeerId,
    },
    /// A spork was refused and its sender scored (see [`SporkError::misbehaviour_score`]).
    Rejected {
        /// The sender.
        peer: PeerId,
        /// Why.
        error: SporkError,
    },
}

/// Verified sporks from every peer. See the module documentation.
#[derive(Debug, Clone)]
pub struct SporkService {
    manager: SporkManager,
    peers: BTreeSet<PeerId>,
    /// `MSG_SPORK` hashes asked for, with the peer and when.
    requested: HashMap<Hash256, (PeerId, Time)>,
    commands: Vec<PeerCommand>,
    events: Vec<SporkEvent>,
    changed: bool,
}

impl SporkService {
    /// A service with no sporks held, for the network of `params`.
    pub fn new(params: &'static Params) -> Self {
        Self::with_manager(SporkManager::new(params))
    }

    /// A service holding the stored sporks (`ClientState::sporks`); each is re-verified by
    /// signer, those that fail are dropped ([`SporkManager::restore`]).
    pub fn restore(params: &'static Params, stored: impl IntoIterator<Item = Spork>) -> Self {
        Self::with_manager(SporkManager::restore(params, stored))
    }

    fn with_manager(manager: SporkManager) -> Self {
        SporkService {
            manager,
            peers: BTreeSet::new(),
            requested: HashMap::new(),
            commands: Vec::new(),
            events: Vec::new(),
            changed: false,
        }
    }

    /// A peer finished its handshake: ask it for its sporks.
    pub fn on_peer_ready(&mut self, peer: PeerId, _info: &PeerInfo, _now: Time) {
        if self.peers.insert(peer) {
            self.commands.push(PeerCommand::Send { peer, message: Message::GetSporks });
        }
    }

    /// A peer is gone: its requests are forgotten (another peer's `inv` may ask again).
    pub fn on_peer_gone(&mut self, peer: PeerId) {
        self.peers.remove(&peer);
        self.requested.retain(|_, (p, _)| *p != peer);
    }

    /// A message from a ready peer; everything but `spork`, `inv` (its `MSG_SPORK` entries)
    /// and `notfound` is ignored.
    pub fn on_message(&mut self, peer: PeerId, message: &Message, now: Time) {
        match message {
            Message::Spork(spork) => self.on_spork(peer, spork.clone(), now),
            Message::Inv(inv) => {
                let wanted: Vec<Hash256> = inv
                    .inventory
                    .iter()
                    .filter_map(|i| match i {
                        Inventory::Spork(hash) => Some(*hash),
                        _ => None,
                    })
                    .filter(|h| !self.manager.has_inv(h))
                    .filter(|h| !self.requested.contains_key(h))
                    .collect();
                if wanted.is_empty() {
                    return;
                }
                for hash in &wanted {
                    self.requested.insert(*hash, (peer, now));
                }
                let wanted = wanted.into_iter().map(Inventory::Spork).collect();
                let message = Message::GetData(GetData::new(wanted));
                self.commands.push(PeerCommand::Send { peer, message });
            }
            Message::NotFound(nf) => {
                for item in &nf.inventory {
                    let Inventory::Spork(hash) = item else { continue };
                    if self.requested.get(hash).is_some_and(|(p, _)| *p == peer) {
                        self.requested.remove(hash);
                    }
                }
            }
            _ => {}
        }
    }

    fn on_spork(&mut self, peer: PeerId, spork: Spork, now: Time) {
        self.requested.remove(&spork.inv_hash());
        let adjusted_now = seconds(now);
        match self.manager.process(spork, adjusted_now) {
            Ok(super::SporkOutcome::Accepted { changed, .. }) => {
                self.changed = true;
                if let Some(c) = changed {
                    self.events.push(SporkEvent::Changed {
                        id: c.spork_id,
                        value: c.value,
                        previous: c.previous,
                        active: c.value < adjusted_now,
                        peer,
                    });
                }
            }
            Ok(super::SporkOutcome::Ignored) => {}
            Err(error) => {
                log::info!("{peer}: spork refused: {error}");
                self.commands
                    .push(PeerCommand::Misbehaving { peer, what: Misbehavior::InvalidSpork });
                self.events.push(SporkEvent::Rejected { peer, error });
            }
        }
    }

    /// Time passes: requests not answered within [`SPORK_REQUEST_TIMEOUT`] are forgotten.
    pub fn on_tick(&mut self, now: Time) {
        self.requested.retain(|_, (_, at)| now < at.saturating_add(SPORK_REQUEST_TIMEOUT));
    }

    /// The commands for the node (`Send`, `Misbehaving`), in order.
    pub fn drain_commands(&mut self) -> Vec<PeerCommand> {
        std::mem::take(&mut self.commands)
    }

    /// The events since the last call, in order.
    pub fn drain_events(&mut self) -> Vec<SporkEvent> {
        std::mem::take(&mut self.events)
    }

    /// Every held spork message if any changed since the last call, for
    /// `store::Batch::sporks` (which replaces every stored spork); `None` if nothing changed.
    pub fn take_changes(&mut self) -> Option<Vec<Spork>> {
        std::mem::take(&mut self.changed).then(|| self.manager.snapshot())
    }

    /// The value of a spork (the held one, else the default for known ids; `None` for an
    /// unknown id without a message).
    pub fn value(&self, id: SporkId) -> Option<i64> {
        self.manager.value(id)
    }

    /// Whether a spork is active at `now` (its value is before `now`).
    pub fn is_active(&self, id: SporkId, now: Time) -> bool {
        self.manager.is_active(id, seconds(now))
    }

    /// Every spork's status at `now`: the known ids, then any other ids heard of.
    pub fn status(&self, now: Time) -> Vec<SporkStatus> {
        self.manager.status(seconds(now))
    }

    /// The verified sporks.
    pub fn manager(&self) -> &SporkManager {
        &self.manager
    }

    /// `MSG_SPORK` requests in flight.
    pub fn requests_in_flight(&self) -> usize {
        self.requested.len()
    }
}

/// [`Time`] in Unix seconds.
fn seconds(now: Time) -> i64 {
    i64::try_from(now / SECOND).unwrap_or(i64::MAX)
}
