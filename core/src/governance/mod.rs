//! Governance: objects (proposals, triggers) and votes as the client holds them, the
//! proposals' data decoded, signatures checked against the masternode list, weighted
//! tallies, and the sync plan (`src/governance/*` in Dash Core).
//!
//! Sans-IO and store-agnostic: [`GovernanceState`] takes decoded `govobj` / `govobjvote`
//! payloads and answers queries; [`GovernanceSync`] turns the sync into messages to send
//! (`govsync`, `getdata` entries) and respects Dash Core's rate limits;
//! [`GovernanceService`] drives both from peer messages and verified masternode lists.
//!
//! Which signatures a light client can check ([`verify`], [`signers`]): a vote's or
//! trigger's masternode is named by its collateral outpoint, which the simplified list does
//! not carry. Masternodes with an internal collateral (the outpoint's txid is the ProRegTx
//! hash) are found from the list alone; those with an external collateral once their ProRegTx
//! was learned ([`GovernanceService::learn_pro_reg_tx`]; the state machine gives it every
//! transaction its wallet sees confirmed, so the user's own masternodes resolve). Everything
//! else stays [`SignatureStatus::Unverified`]. Tallies count [`SignatureStatus::Verified`]
//! votes only.

mod data;
pub mod json;
mod report;
mod service;
pub mod signers;
mod state;
mod sync;
pub mod verify;

#[cfg(test)]
mod service_tests;
#[cfg(any(test, feature = "test-support"))]
pub mod test_keys;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod verify_tests;

pub use data::{dash_to_duffs, decode_proposal, DataError, ObjectData, Proposal, DUFFS_PER_DASH};
pub use json::Json;
pub use report::{
    GovernanceChanges, GovernanceEvent, GovernanceProgress, ProposalDetail, ProposalSummary,
    VoteRecord, VoteStatusCounts,
};
pub use service::{
    GovernanceService, FULL_SYNC_TIMEOUT, GOVERNANCE_REQUEST_TIMEOUT, MAX_GOVERNANCE_FETCHES,
    MAX_GOVERNANCE_OBJECTS, MAX_GOVERNANCE_VOTES, MAX_LEARNED_COLLATERALS,
    MAX_VOTE_SYNCS_IN_FLIGHT,
};
pub use signers::{Signer, Signers};
pub use state::{GovernanceState, ObjectAdded, SignatureStatus, StoredObject, Tally, VoteAdded};
pub use sync::{
    fulfilled_request_window, governance_filter_elements, GovSyncProgress, GovernanceSync,
    RateLimited, FULL_SYNC_MARGIN_SECONDS, GOVERNANCE_FILTER_FP_RATE, VOTE_SYNC_REPEAT_SECONDS,
};
pub use verify::{VoteError, VoteKey, MAX_VOTE_FUTURE_SECONDS};
