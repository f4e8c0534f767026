//! Why a header was rejected, named after the Dash Core rule it breaks, with the misbehaviour
//! score Dash Core gives the peer that sent it (`net_processing.cpp MaybePunishNodeForBlock`).

use crate::chain::store::StoreError;
use crate::hash::BlockHash;

/// Dash Core's score for a peer that sent an invalid header (`BLOCK_INVALID_HEADER`,
/// `BLOCK_CHECKPOINT`, `BLOCK_INVALID_PREV`); 100 = `DISCOURAGEMENT_THRESHOLD`.
pub const SCORE_INVALID: u32 = 100;
/// Dash Core's score for a header whose parent is unknown (`BLOCK_MISSING_PREV`).
pub const SCORE_MISSING_PREV: u32 = 10;
/// Dash Core's score for a `headers` message that is not a continuous chain.
pub const SCORE_NON_CONTINUOUS: u32 = 20;

/// A header that breaks a consensus rule (Dash Core `CheckBlockHeader`,
/// `ContextualCheckBlockHeader`, `AcceptBlockHeader`) or a limit of this client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// nBits is negative, zero, overflows or is easier than the network's powLimit
    /// (`CheckProofOfWork`, "high-hash").
    #[error("height {height:?}: nBits {bits:#010x} is not a valid target for this network")]
    BadTarget {
        /// Height of the header (`None` when checked without context).
        height: Option<u32>,
        /// The header's nBits.
        bits: u32,
    },
    /// The hash is above the target nBits encodes (`CheckProofOfWork`, "high-hash").
    #[error("height {height:?}: hash {hash} is above the target of nBits {bits:#010x}")]
    BadProofOfWork {
        /// Height of the header (`None` when checked without context).
        height: Option<u32>,
        /// The header's hash.
        hash: BlockHash,
        /// The header's nBits.
        bits: u32,
    },
    /// nBits differs from GetNextWorkRequired ("bad-diffbits").
    #[error("height {height}: nBits {got:#010x}, expected {expected:#010x}")]
    BadDifficulty {
        /// Height of the header.
        height: u32,
        /// The nBits the rules require.
        expected: u32,
        /// The header's nBits.
        got: u32,
    },
    /// nTime is not after the median of the previous 11 blocks ("time-too-old").
    #[error("height {height}: time {time} is not after the median time past {median}")]
    TimeTooOld {
        /// Height of the header.
        height: u32,
        /// The header's time.
        time: u32,
        /// The median of the previous 11 blocks' times.
        median: u32,
    },
    /// nTime is more than 2 hours past the local clock ("time-too-new"). Not a fault of the
    /// peer; the header may become acceptable later.
    #[error("height {height}: time {time} is more than 2 hours past now ({now})")]
    TimeTooNew {
        /// Height of the header.
        height: u32,
        /// The header's time.
        time: u32,
        /// The injected current time.
        now: u64,
    },
    /// nVersion is below what BIP34/66/65 require at this height ("bad-version").
    #[error("height {height}: version {version} is below the required {min}")]
    BadVersion {
        /// Height of the header.
        height: u32,
        /// The header's version.
        version: i32,
        /// The lowest version allowed at this height.
        min: i32,
    },
    /// A checkpoint names another hash at this height (a client rule; Dash Core relies on
    /// "bad-fork-prior-to-checkpoint").
    #[error("height {height}: hash {got} differs from checkpoint {expected}")]
    CheckpointMismatch {
        /// The checkpoint height.
        height: u32,
        /// The checkpointed hash.
        expected: BlockHash,
        /// The header's hash.
        got: BlockHash,
    },
    /// The header forks the chain below the last known checkpoint
    /// ("bad-fork-prior-to-checkpoint").
    #[error("height {height}: fork below the checkpoint at height {checkpoint}")]
    ForkBelowCheckpoint {
        /// Height of the header.
        height: u32,
        /// Height of the last checkpoint on the chain.
        checkpoint: u32,
    },
    /// The header forks from the best chain deeper than this client keeps forks (a client
    /// limit, not a Dash Core rule).
    #[error("height {height}: fork from height {fork_height} is deeper than {max_depth} blocks")]
    ForkTooDeep {
        /// Height of the header.
        height: u32,
        /// Height of the last block shared with the best chain.
        fork_height: u32,
        /// The deepest fork accepted.
        max_depth: u32,
    },
    /// The header's branch leaves the best chain below a ChainLocked block, so it could only
    /// become best by disconnecting that block (`BLOCK_CHAINLOCK`, "bad-chainlock").
    #[error("height {height}: fork from height {fork_height} conflicts with the ChainLock at {locked_height}")]
    ConflictsWithChainLock {
        /// Height of the header.
        height: u32,
        /// Height of the last block shared with the best chain.
        fork_height: u32,
        /// Height of the ChainLocked block.
        locked_height: u32,
    },
    /// The tree already holds as many fork headers as it is configured to (a client limit).
    #[error("height {height}: too many headers off the best chain")]
    TooManyForkHeaders {
        /// Height of the header.
        height: u32,
    },
    /// The header's parent is unknown ("prev-blk-not-found").
    #[error("header {hash}: previous block {prev} is unknown")]
    Unconnected {
        /// The header's hash.
        hash: BlockHash,
        /// The hash it names as its parent.
        prev: BlockHash,
    },
    /// The header is of a block already found invalid ("duplicate",
    /// `BLOCK_CACHED_INVALID`: Dash Core discourages an outbound peer that sends it).
    #[error("header {hash} is of a block known to be invalid")]
    KnownInvalid {
        /// The header's hash.
        hash: BlockHash,
    },
    /// The header's parent was rejected as invalid ("bad-prevblk").
    #[error("header {hash}: previous block {prev} is invalid")]
    InvalidPrev {
        /// The header's hash.
        hash: BlockHash,
        /// The invalid parent.
        prev: BlockHash,
    },
    /// A header in a batch does not build on the one before it ("non-continuous headers
    /// sequence").
    #[error("header {index} of the batch does not build on the header before it")]
    NonContinuous {
        /// Index of the header in the batch.
        index: usize,
    },
    /// The rules at this height are ones this client does not implement (mainnet before DGW:
    /// Kimoto Gravity Well and the 50% tolerance up to height 68589). Start from a checkpoint.
    #[error("height {height}: difficulty rules below DarkGravityWave are not supported here")]
    UnsupportedHeight {
        /// Height of the header.
        height: u32,
    },
}

impl ValidationError {
    /// The misbehaviour score Dash Core adds to the peer that sent this header
    /// (`MaybePunishNodeForBlock`); 0 = no penalty.
    pub fn misbehavior_score(&self) -> u32 {
        use ValidationError::*;
        match self {
            BadTarget { .. }
            | BadProofOfWork { .. }
            | BadDifficulty { .. }
            | TimeTooOld { .. }
            | BadVersion { .. }
            | CheckpointMismatch { .. }
            | ForkBelowCheckpoint { .. }
            | KnownInvalid { .. }
            | InvalidPrev { .. } => SCORE_INVALID,
            // `MaybePunishNodeForBlock`: BLOCK_CHAINLOCK scores as BLOCK_MISSING_PREV.
            Unconnected { .. } | ConflictsWithChainLock { .. } => SCORE_MISSING_PREV,
            NonContinuous { .. } => SCORE_NON_CONTINUOUS,
            TimeTooNew { .. }
            | ForkTooDeep { .. }
            | TooManyForkHeaders { .. }
            | UnsupportedHeight { .. } => 0,
        }
    }

    /// Whether the header itself is invalid forever (so descendants are `InvalidPrev`), as
    /// opposed to merely unusable now (unknown parent, future time, client limits).
    pub fn is_permanent(&self) -> bool {
        use ValidationError::*;
        !matches!(
            self,
            TimeTooNew { .. }
                | Unconnected { .. }
                | ConflictsWithChainLock { .. }
                | ForkTooDeep { .. }
                | TooManyForkHeaders { .. }
                | UnsupportedHeight { .. }
                | NonContinuous { .. }
        )
    }
}

/// A failure of the header tree: an invalid header or a failing store.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The header breaks a rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The header store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The store is empty and no trusted start (checkpoint or genesis) was given.
    #[error("the header store is empty and no trusted start header was given")]
    NoStart,
    /// The trusted start leaves headers whose nBits cannot be checked: on a network whose
    /// difficulty retargets, a chain started above genesis needs the 24 headers
    /// DarkGravityWave averages, or a checkpoint that pins the headers after it
    /// ([`crate::chain::trusted_start`]).
    #[error(
        "a chain cannot start at height {height} from {headers} trusted header(s): it needs \
         {needed}, or a checkpoint at most {max} blocks above it pinning the headers whose \
         difficulty cannot be checked",
        max = crate::chain::start::MAX_PIN_DISTANCE
    )]
    StartNotPinned {
        /// Height of the last trusted header.
        height: u32,
        /// Trusted headers given.
        headers: usize,
        /// Trusted headers needed without a pinning checkpoint.
        needed: usize,
    },
    /// The in-memory tree lost track of the stored tip (a bug; the tree reloads from the
    /// store).
    #[error("header tree and store disagree")]
    Inconsistent,
}

impl ChainError {
    /// The misbehaviour score for the peer (0 for store failures).
    pub fn misbehavior_score(&self) -> u32 {
        match self {
            ChainError::Invalid(e) => e.misbehavior_score(),
            ChainError::Store(_)
            | ChainError::NoStart
            | ChainError::StartNotPinned { .. }
            | ChainError::Inconsistent => 0,
        }
    }
}
