//! Signature checks of a quorum's final commitment (`CFinalCommitment::Verify`).

use super::bls::{verify_bytes, Encoding, Scheme};
use crate::wire::FinalCommitment;

/// The BLS encoding and scheme of a commitment: legacy for versions 1 and 2, basic after.
pub fn commitment_bls(commitment: &FinalCommitment) -> (Encoding, Scheme) {
    if commitment.is_legacy_bls() {
        (Encoding::Legacy, Scheme::Legacy)
    } else {
        (Encoding::Basic, Scheme::Basic)
    }
}

/// Whether `quorumSig` is the quorum public key's signature of the commitment hash
/// (`quorumSig.VerifyInsecure(quorumPublicKey, commitmentHash)`). `membersSig` is not checked:
/// that needs the quorum's member list (DIP-0006/DIP-0024 member selection).
pub fn verify_quorum_signature(commitment: &FinalCommitment) -> bool {
    let (encoding, scheme) = commitment_bls(commitment);
    verify_bytes(
        &commitment.quorum_public_key,
        &commitment.commitment_hash().to_byte_array(),
        &commitment.quorum_sig,
        encoding,
        scheme,
    )
}
