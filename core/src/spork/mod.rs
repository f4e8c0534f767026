//! Sporks: verified before they are believed, then held per spork and signer
//! (`src/spork.{h,cpp}` in Dash Core).
//!
//! Sans-IO: [`SporkManager::process`] takes a decoded [`Spork`] and the adjusted time and
//! answers with what happened ([`SporkOutcome`], a [`SporkChanged`] event when a spork's value
//! changed) or why it was refused ([`SporkError`], with the peer's misbehaviour score). The
//! live client sends `getsporks` after the handshake and feeds every `spork` here.

mod service;
mod verify;

#[cfg(test)]
mod service_tests;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashSet};

pub use service::{SporkEvent, SporkService, SPORK_REQUEST_TIMEOUT};
pub use verify::{
    recover_compact, recover_key_id, spork_signer, verify_spork, verify_spork_signature, KeyId,
    SporkError, COMPACT_SIGNATURE_SIZE, MAX_SPORK_FUTURE_SECONDS, SPORK_MISBEHAVIOUR_SCORE,
};

use crate::hash::Hash256;
use crate::network::Params;
use crate::wire::Spork;
pub use crate::wire::{SporkId, SPORK_DEFAULT_VALUE};

/// How many spork keys must agree on a value (`nMinSporkKeys`; 1 on every network Dash Core
/// defines).
pub const MIN_SPORK_KEYS: usize = 1;

/// What [`SporkManager::process`] did with a valid spork.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SporkOutcome {
    /// The first message from this signer for this spork, or a newer one: it is held now.
    Accepted {
        /// The signer's key id.
        signer: KeyId,
        /// Set when the spork's value changed.
        changed: Option<SporkChanged>,
    },
    /// A message from the same signer at least as new is already held (equal or older
    /// `time_signed`); nothing changed. Dash Core ignores these without penalty.
    Ignored,
}

/// A spork's value changed (the event the client reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SporkChanged {
    /// Which spork.
    pub spork_id: SporkId,
    /// Its value before, `None` if no message was held (known sporks then had
    /// [`SPORK_DEFAULT_VALUE`]).
    pub previous: Option<i64>,
    /// Its value now.
    pub value: i64,
}

/// The verified sporks of one network: per spork id, the newest message of each signer.
#[derive(Debug, Clone)]
pub struct SporkManager {
    params: &'static Params,
    sporks: BTreeMap<SporkId, BTreeMap<KeyId, Spork>>,
    seen: HashSet<Hash256>,
}

impl SporkManager {
    /// An empty set for the network of `params`.
    pub fn new(params: &'static Params) -> SporkManager {
        SporkManager { params, sporks: BTreeMap::new(), seen: HashSet::new() }
    }

    /// The set back from a [`SporkManager::snapshot`]. Every spork is re-verified by signer
    /// (not by time, as Dash Core does on load); those that fail are dropped.
    pub fn restore(params: &'static Params, snapshot: impl IntoIterator<Item = Spork>) -> Self {
        let mut manager = SporkManager::new(params);
        for spork in snapshot {
            if let Ok(signer) = verify_spork_signature(&spork, params) {
                manager.insert(signer, spork);
            }
        }
        manager
    }

    /// The network parameters the sporks are checked against.
    pub fn params(&self) -> &'static Params {
        self.params
    }

    /// Verifies `spork` against the adjusted time and the network's spork keys, then keeps it
    /// if it is newer than what its signer sent before.
    ///
    /// On `Err`, the sending peer should be scored [`SporkError::misbehaviour_score`].
    pub fn process(&mut self, spork: Spork, adjusted_now: i64) -> Result<SporkOutcome, SporkError> {
        let inv_hash = spork.inv_hash();
        if self.seen.contains(&inv_hash) {
            // Dash Core's `mapSporksByHash`: an exact repeat is ignored before any check.
            return Ok(SporkOutcome::Ignored);
        }
        let signer = verify_spork(&spork, self.params, adjusted_now)?;
        if let Some(held) = self.sporks.get(&spork.spork_id).and_then(|by| by.get(&signer)) {
            if held.time_signed >= spork.time_signed {
                return Ok(SporkOutcome::Ignored);
            }
        }
        let id = spork.spork_id;
        let previous = self.value(id);
        self.insert(signer, spork);
        let value = self.value(id);
        let changed = match value {
            Some(value) if previous != Some(value) => {
                Some(SporkChanged { spork_id: id, previous, value })
            }
            _ => None,
        };
        Ok(SporkOutcome::Accepted { signer, changed })
    }

    fn insert(&mut self, signer: KeyId, spork: Spork) {
        if let Some(old) = self.sporks.get(&spork.spork_id).and_then(|by| by.get(&signer)) {
            self.seen.remove(&old.inv_hash());
        }
        self.seen.insert(spork.inv_hash());
        self.sporks.entry(spork.spork_id).or_default().insert(signer, spork);
    }

    /// Whether a spork with this inventory hash (`MSG_SPORK`) is held: the client need not
    /// fetch it again.
    pub fn has_inv(&self, inv_hash: &Hash256) -> bool {
        self.seen.contains(inv_hash)
    }

    /// The value [`MIN_SPORK_KEYS`] signers agree on, if any message is held
    /// (`SporkValueIfActive`).
    pub fn held_value(&self, id: SporkId) -> Option<i64> {
        let by_signer = self.sporks.get(&id)?;
        let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
        for spork in by_signer.values() {
            let count = counts.entry(spork.value).or_default();
            *count += 1;
            if *count >= MIN_SPORK_KEYS {
                return Some(spork.value);
            }
        }
        None
    }

    /// The spork's current value (`GetSporkValue`): the held value, else
    /// [`SPORK_DEFAULT_VALUE`] for the ids Dash Core knows, else `None` (Dash Core answers
    /// -1 for an unknown id; we do not make one up).
    pub fn value(&self, id: SporkId) -> Option<i64> {
        self.held_value(id).or_else(|| id.name().is_some().then_some(SPORK_DEFAULT_VALUE))
    }

    /// Whether the spork is active at `adjusted_now` (`IsSporkActive`: value < now). Unknown
    /// ids without a message are inactive.
    pub fn is_active(&self, id: SporkId, adjusted_now: i64) -> bool {
        self.value(id).is_some_and(|value| value < adjusted_now)
    }

    /// The held messages of one spork, by signer.
    pub fn messages(&self, id: SporkId) -> impl Iterator<Item = (&KeyId, &Spork)> {
        self.sporks.get(&id).into_iter().flat_map(|by| by.iter())
    }

    /// Every spork id with a message or a default: the known ids, then any other held ids.
    pub fn ids(&self) -> Vec<SporkId> {
        let mut ids: Vec<SporkId> = SporkId::KNOWN.to_vec();
        ids.extend(self.sporks.keys().copied().filter(|id| id.name().is_none()));
        ids
    }

    /// One line per spork for display and the CLI: id, value, whether it is active.
    pub fn status(&self, adjusted_now: i64) -> Vec<SporkStatus> {
        self.ids()
            .into_iter()
            .filter_map(|id| {
                let value = self.value(id)?;
                let from_network = self.held_value(id).is_some();
                let signers = if from_network {
                    self.messages(id)
                        .filter(|(_, spork)| spork.value == value)
                        .map(|(signer, _)| *signer)
                        .collect()
                } else {
                    Vec::new()
                };
                Some(SporkStatus {
                    spork_id: id,
                    value,
                    active: value < adjusted_now,
                    from_network,
                    signers,
                })
            })
            .collect()
    }

    /// Every held message, as plain data to persist (wire-encode each with
    /// [`crate::encode::Encode`]); give them back to [`SporkManager::restore`].
    pub fn snapshot(&self) -> Vec<Spork> {
        self.sporks.values().flat_map(|by| by.values().cloned()).collect()
    }
}

/// One spork's state, as `dashlite sporks` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SporkStatus {
    /// Which spork (its `Display` is Dash Core's name).
    pub spork_id: SporkId,
    /// Its current value.
    pub value: i64,
    /// Whether `value` < the adjusted time.
    pub active: bool,
    /// Whether the value came from a verified message rather than the default.
    pub from_network: bool,
    /// The spork keys (HASH160 of the public key, one of the network's
    /// [`Params::spork_key_ids`]) whose verified signatures give `value`: empty for a default.
    pub signers: Vec<KeyId>,
}
