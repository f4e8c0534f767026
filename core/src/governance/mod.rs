//! Governance: objects (proposals, triggers) and votes as the client holds them, the
//! proposals' data decoded, tallies, and the sync plan (`src/governance/*` in Dash Core).
//!
//! Sans-IO and store-agnostic: [`GovernanceState`] takes decoded `govobj` / `govobjvote`
//! payloads and answers queries; [`GovernanceSync`] turns the sync into messages to send
//! (`govsync`, `getdata` entries) and respects Dash Core's rate limits. Trigger and vote
//! signatures need the masternode list and BLS; until then they are marked
//! [`SignatureStatus::Unverified`].

mod data;
pub mod json;
mod service;
mod state;
mod sync;

#[cfg(test)]
mod service_tests;
#[cfg(test)]
mod tests;

pub use data::{dash_to_duffs, decode_proposal, DataError, ObjectData, Proposal, DUFFS_PER_DASH};
pub use json::Json;
pub use service::{
    GovernanceChanges, GovernanceEvent, GovernanceProgress, GovernanceService, ProposalDetail,
    ProposalSummary, VoteRecord, FULL_SYNC_TIMEOUT, GOVERNANCE_REQUEST_TIMEOUT,
    MAX_GOVERNANCE_FETCHES, MAX_GOVERNANCE_OBJECTS, MAX_GOVERNANCE_VOTES, MAX_VOTE_FUTURE_SECONDS,
    MAX_VOTE_SYNCS_IN_FLIGHT,
};
pub use state::{GovernanceState, ObjectAdded, SignatureStatus, StoredObject, Tally, VoteAdded};
pub use sync::{
    fulfilled_request_window, governance_filter_elements, GovSyncProgress, GovernanceSync,
    RateLimited, FULL_SYNC_MARGIN_SECONDS, GOVERNANCE_FILTER_FP_RATE, VOTE_SYNC_REPEAT_SECONDS,
};
