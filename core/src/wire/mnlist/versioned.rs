//! Protocol versions that change the masternode-list layouts (`src/version.h`) and the
//! bounded reading of version-dependent vectors.

use crate::encode::{DecodeError, DecodeErrorKind, Reader};

/// `BLS_SCHEME_PROTO_VERSION`: `mnlistdiff` gains its `nVersion` (after the coinbase tx).
pub const BLS_SCHEME_PROTO_VERSION: u32 = 70225;
/// `DMN_TYPE_PROTO_VERSION`: list entries of version ≥ 2 carry `nType` and the Evo fields.
pub const DMN_TYPE_PROTO_VERSION: u32 = 70227;
/// `SMNLE_VERSIONED_PROTO_VERSION`: every list entry starts with its own `nVersion`.
pub const SMNLE_VERSIONED_PROTO_VERSION: u32 = 70228;
/// `MNLISTDIFF_VERSION_ORDER`: the `mnlistdiff` `nVersion` moves to the very front.
pub const MNLISTDIFF_VERSION_ORDER: u32 = 70229;
/// `MNLISTDIFF_CHAINLOCKS_PROTO_VERSION`: `mnlistdiff` ends with `quorumsCLSigs`.
pub const MNLISTDIFF_CHAINLOCKS_PROTO_VERSION: u32 = 70230;

/// Reads a CompactSize count of items that take at least `min_len` bytes each, refusing a
/// count the remaining bytes cannot hold before anything is allocated.
pub(super) fn read_bounded_count(
    r: &mut Reader<'_>,
    field: &'static str,
    min_len: usize,
) -> Result<usize, DecodeError> {
    let n = r.read_compact_size().map_err(|e| e.within(field))?;
    let remaining = r.remaining();
    let needed = n.saturating_mul(min_len.max(1) as u64);
    if needed > remaining as u64 {
        return Err(DecodeError::in_field(
            field,
            DecodeErrorKind::UnexpectedEnd {
                needed: usize::try_from(needed).unwrap_or(usize::MAX),
                remaining,
            },
        ));
    }
    Ok(n as usize)
}
