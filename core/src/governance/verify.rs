//! Governance signatures checked exactly as Dash Core v20 and later checks them
//! (`CGovernanceVote::IsValid`, `CGovernanceVote::CheckSignature`,
//! `CGovernanceObject::ProcessVote`, `CGovernanceObject::IsValidLocally`).
//!
//! * Funding votes on proposals are signed with the masternode's **voting key** (ECDSA): on
//!   testnet a compact signature over the vote's signature hash (`CHashSigner::VerifyHash`),
//!   on every other network a signed message ("DarkCoin Signed Message:\n" magic) over
//!   [`GovObjectVote::signature_string`] (`CMessageSigner::VerifyMessage`). The recovered key's
//!   hash160 must be the list entry's `keyIDVoting`.
//! * Every other vote, and every trigger, is signed with the **operator BLS key**: basic
//!   scheme, signature in the basic encoding (`VerifyInsecure(pubKey, hash, false)`; Dash Core
//!   dropped the legacy branch with v20, which this client's protocol version implies). The
//!   operator key of a version-1 entry is read in the legacy encoding (the same point).
//! * A vote more than [`MAX_VOTE_FUTURE_SECONDS`] ahead of the adjusted time, with a signal
//!   or outcome out of range, is invalid. Banned masternodes' votes are valid (Dash Core
//!   stopped checking `IsBanned` in v20) and counted.

use thiserror::Error;

use super::signers::Signer;
use crate::masternode::bls::{verify_bytes, Encoding, Scheme};
use crate::network::Network;
use crate::p2p::misbehavior::SCORE_INVALID_GOVERNANCE;
use crate::spork::recover_key_id;
use crate::wire::{GovObject, GovObjectType, GovObjectVote, VoteOutcome, VoteSignal};

/// Votes signed further ahead of the adjusted time are invalid (`CGovernanceVote::IsValid`:
/// one hour).
pub const MAX_VOTE_FUTURE_SECONDS: i64 = 60 * 60;

/// Which key signs a vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VoteKey {
    /// The voting key (ECDSA): funding votes on proposals (`onlyVotingKeyAllowed`).
    Voting,
    /// The operator key (BLS): every other vote.
    Operator,
}

impl VoteKey {
    /// The key a vote with `signal` on an object of `object_type` must be signed with.
    pub fn for_vote(object_type: GovObjectType, signal: VoteSignal) -> VoteKey {
        if object_type == GovObjectType::Proposal && signal == VoteSignal::Funding {
            VoteKey::Voting
        } else {
            VoteKey::Operator
        }
    }
}

/// Why a vote is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum VoteError {
    /// `VOTE_SIGNAL_NONE`: Dash Core ignores it without penalty.
    #[error("vote signal none")]
    NoneSignal,
    /// A signal Dash Core does not know.
    #[error("unsupported vote signal {0}")]
    BadSignal(i32),
    /// An outcome Dash Core does not know.
    #[error("unsupported vote outcome {0}")]
    BadOutcome(i32),
    /// Signed more than [`MAX_VOTE_FUTURE_SECONDS`] ahead of the adjusted time.
    #[error("vote time {time} is more than 1 h after {now}")]
    FutureTime {
        /// The vote's time.
        time: i64,
        /// The adjusted time it was checked at.
        now: i64,
    },
    /// The signature does not verify with the masternode's key.
    #[error("vote signature does not verify with the {0:?} key")]
    BadSignature(VoteKey),
}

impl VoteError {
    /// The misbehaviour score Dash Core gives the sender.
    pub fn score(&self) -> u32 {
        match self {
            VoteError::NoneSignal => 0,
            _ => SCORE_INVALID_GOVERNANCE,
        }
    }
}

/// The checks that need no masternode (`IsValid`'s range and time checks, `ProcessVote`'s
/// signal check).
pub fn check_vote_fields(vote: &GovObjectVote, adjusted_now: i64) -> Result<(), VoteError> {
    match vote.signal {
        VoteSignal::None => return Err(VoteError::NoneSignal),
        VoteSignal::Other(s) => return Err(VoteError::BadSignal(s)),
        _ => {}
    }
    if let VoteOutcome::Other(o) = vote.outcome {
        return Err(VoteError::BadOutcome(o));
    }
    if vote.time > adjusted_now.saturating_add(MAX_VOTE_FUTURE_SECONDS) {
        return Err(VoteError::FutureTime { time: vote.time, now: adjusted_now });
    }
    Ok(())
}

/// Whether `vote`'s signature is `signer`'s, with the key `key` (see the module docs).
pub fn verify_vote_signature(
    vote: &GovObjectVote,
    signer: &Signer,
    key: VoteKey,
    network: Network,
) -> bool {
    match key {
        VoteKey::Voting => {
            let hash = if network == Network::Testnet {
                vote.signature_hash()
            } else {
                vote.signature_message_hash()
            };
            recover_key_id(&hash, &vote.signature).is_ok_and(|id| id == signer.voting_key_id)
        }
        VoteKey::Operator => {
            operator_signed(signer, &vote.signature, &vote.signature_hash().to_byte_array())
        }
    }
}

/// Checks a vote completely: [`check_vote_fields`], then the signature with the key its
/// object's type and its signal call for.
pub fn verify_vote(
    vote: &GovObjectVote,
    object_type: GovObjectType,
    signer: &Signer,
    network: Network,
    adjusted_now: i64,
) -> Result<(), VoteError> {
    check_vote_fields(vote, adjusted_now)?;
    let key = VoteKey::for_vote(object_type, vote.signal);
    if verify_vote_signature(vote, signer, key, network) {
        Ok(())
    } else {
        Err(VoteError::BadSignature(key))
    }
}

/// Whether a trigger is signed by `signer`'s operator key over its signature hash
/// (`CGovernanceObject::CheckSignature`, basic scheme).
pub fn verify_trigger(object: &GovObject, signer: &Signer) -> bool {
    operator_signed(signer, &object.signature, &object.signature_hash().to_byte_array())
}

fn operator_signed(signer: &Signer, signature: &[u8], message: &[u8; 32]) -> bool {
    let Ok(signature) = <&[u8; 96]>::try_from(signature) else { return false };
    let key = if signer.legacy_operator_key {
        match crate::masternode::bls::PublicKey::from_bytes(&signer.operator_key, Encoding::Legacy)
        {
            Ok(k) => k.to_bytes(Encoding::Basic),
            Err(_) => return false,
        }
    } else {
        signer.operator_key
    };
    verify_bytes(&key, message, signature, Encoding::Basic, Scheme::Basic)
}
