//! LLMQ types and their parameters (`src/llmq/params.h`; MASTERNODES.md §4).

/// The parameters of one LLMQ type that an SPV client needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LlmqParams {
    /// The type id (`Consensus::LLMQType`).
    pub id: u8,
    /// Dash Core's name for it.
    pub name: &'static str,
    /// Members per quorum.
    pub size: u16,
    /// Signature shares needed to recover a signature.
    pub threshold: u16,
    /// Blocks between DKGs.
    pub dkg_interval: u32,
    /// How many quorums of the type are active for signing at once.
    pub signing_active_quorum_count: u32,
    /// Whether the type rotates (DIP-0024): indexed commitments, rotated signer selection.
    pub rotation: bool,
}

const fn p(
    id: u8,
    name: &'static str,
    size: u16,
    threshold: u16,
    dkg_interval: u32,
    signing_active_quorum_count: u32,
    rotation: bool,
) -> LlmqParams {
    LlmqParams { id, name, size, threshold, dkg_interval, signing_active_quorum_count, rotation }
}

/// Every LLMQ type Dash Core v23 defines, with its default parameters.
pub const LLMQ_TYPES: &[LlmqParams] = &[
    p(1, "llmq_50_60", 50, 30, 24, 24, false),
    p(2, "llmq_400_60", 400, 240, 288, 4, false),
    p(3, "llmq_400_85", 400, 340, 576, 4, false),
    p(4, "llmq_100_67", 100, 67, 24, 24, false),
    p(5, "llmq_60_75", 60, 45, 288, 32, true),
    p(6, "llmq_25_67", 25, 17, 24, 24, false),
    p(100, "llmq_test", 3, 2, 24, 2, false),
    p(101, "llmq_devnet", 12, 6, 24, 4, false),
    p(102, "llmq_test_v17", 3, 2, 24, 2, false),
    p(103, "llmq_test_dip0024", 4, 3, 24, 2, true),
    p(104, "llmq_test_instantsend", 3, 2, 24, 2, false),
    p(105, "llmq_devnet_dip0024", 8, 4, 48, 2, true),
    p(106, "llmq_test_platform", 3, 2, 24, 2, false),
    p(107, "llmq_devnet_platform", 12, 8, 24, 4, false),
];

/// The parameters of LLMQ type `id`, if Dash Core defines it.
pub fn llmq_params(id: u8) -> Option<&'static LlmqParams> {
    LLMQ_TYPES.iter().find(|t| t.id == id)
}
