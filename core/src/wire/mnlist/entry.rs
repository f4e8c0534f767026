//! The simplified masternode list entry (`CSimplifiedMNListEntry`, `src/evo/simplifiedmns.h`).

use super::versioned::{DMN_TYPE_PROTO_VERSION, SMNLE_VERSIONED_PROTO_VERSION};
use crate::encode::{DecodeError, Encode, Reader};
use crate::hash::{sha256d, BlockHash, Hash256};
use crate::tx::NetInfo;

pub use crate::tx::{MN_TYPE_EVO, MN_TYPE_REGULAR};

/// ProTx version 1 (`ProTxVersion::LegacyBLS`): the operator key is legacy-encoded.
pub const ENTRY_VERSION_LEGACY_BLS: u16 = 1;
/// ProTx version 2 (`ProTxVersion::BasicBLS`).
pub const ENTRY_VERSION_BASIC_BLS: u16 = 2;
/// ProTx version 3 (`ProTxVersion::ExtAddr`): the address is an `ExtNetInfo`.
pub const ENTRY_VERSION_EXT_ADDR: u16 = 3;

/// One masternode as the simplified list describes it.
///
/// Wire (`p` = negotiated protocol version): `[p ≥ 70228] nVersion u16 | proRegTxHash 32 |
/// confirmedHash 32 | netInfo | pubKeyOperator 48 | keyIDVoting 20 | isValid u8 |
/// [p ≥ 70227 and nVersion ≥ 2] nType u16 | [nType = Evo] [nVersion < 3] platformHTTPPort u16
/// | platformNodeID 20`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SmlEntry {
    /// The ProTx version (1 legacy BLS, 2 basic BLS, 3 extended addresses); 1 when the
    /// layout carries none.
    pub version: u16,
    /// The hash of the registering ProRegTx: the masternode's identity.
    pub pro_reg_tx_hash: Hash256,
    /// The hash of the block that confirmed the registration (zero until confirmed).
    pub confirmed_hash: BlockHash,
    /// The masternode's address: a legacy `CService`, or an `ExtNetInfo` for version 3.
    pub net_info: NetInfo,
    /// The operator's BLS public key: legacy encoding for version 1, basic otherwise.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub operator_key: [u8; 48],
    /// hash160 of the voting key.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub voting_key_id: [u8; 20],
    /// Whether the masternode is not PoSe-banned.
    pub is_valid: bool,
    /// The masternode type ([`MN_TYPE_REGULAR`] or [`MN_TYPE_EVO`]); regular when the layout
    /// carries none.
    pub mn_type: u16,
    /// Evo nodes of version < 3: the Platform HTTP port (0 otherwise).
    pub platform_http_port: u16,
    /// Evo nodes: the Platform node id (zero otherwise).
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub platform_node_id: [u8; 20],
}

/// Smallest encoding of an entry: the fixed fields with an 18-byte legacy address.
pub(super) const MIN_ENTRY_LEN: usize = 32 + 32 + 18 + 48 + 20 + 1;

impl SmlEntry {
    /// Whether the entry's fields include `nType` (and the Evo fields) at protocol `p`.
    fn has_type_fields(&self, protocol_version: u32) -> bool {
        protocol_version >= DMN_TYPE_PROTO_VERSION && self.version >= ENTRY_VERSION_BASIC_BLS
    }

    /// Whether the operator key is in the legacy (pre-V19) encoding.
    pub fn has_legacy_operator_key(&self) -> bool {
        self.version == ENTRY_VERSION_LEGACY_BLS
    }

    /// Whether this is an Evo (high-performance) masternode.
    pub fn is_evo(&self) -> bool {
        self.mn_type == MN_TYPE_EVO
    }

    /// Reads an entry in the layout of `protocol_version`.
    pub fn decode_versioned(
        r: &mut Reader<'_>,
        protocol_version: u32,
    ) -> Result<SmlEntry, DecodeError> {
        let version = if protocol_version >= SMNLE_VERSIONED_PROTO_VERSION {
            r.read("version")?
        } else {
            ENTRY_VERSION_LEGACY_BLS
        };
        let mut entry = SmlEntry {
            version,
            pro_reg_tx_hash: r.read("pro_reg_tx_hash")?,
            confirmed_hash: r.read("confirmed_hash")?,
            net_info: NetInfo::decode(r, version >= ENTRY_VERSION_EXT_ADDR)?,
            operator_key: r.read("operator_key")?,
            voting_key_id: r.read("voting_key_id")?,
            is_valid: r.read("is_valid")?,
            mn_type: MN_TYPE_REGULAR,
            platform_http_port: 0,
            platform_node_id: [0; 20],
        };
        if entry.has_type_fields(protocol_version) {
            entry.mn_type = r.read("mn_type")?;
            if entry.mn_type == MN_TYPE_EVO {
                if entry.version < ENTRY_VERSION_EXT_ADDR {
                    entry.platform_http_port = r.read("platform_http_port")?;
                }
                entry.platform_node_id = r.read("platform_node_id")?;
            }
        }
        Ok(entry)
    }

    /// Writes the entry in the layout of `protocol_version`.
    pub fn encode_versioned(&self, out: &mut Vec<u8>, protocol_version: u32) {
        if protocol_version >= SMNLE_VERSIONED_PROTO_VERSION {
            self.version.encode(out);
        }
        self.encode_body(out, self.has_type_fields(protocol_version));
    }

    fn encode_body(&self, out: &mut Vec<u8>, type_fields: bool) {
        self.pro_reg_tx_hash.encode(out);
        self.confirmed_hash.encode(out);
        self.net_info.encode(out);
        self.operator_key.encode(out);
        self.voting_key_id.encode(out);
        self.is_valid.encode(out);
        if type_fields {
            self.mn_type.encode(out);
            if self.mn_type == MN_TYPE_EVO {
                if self.version < ENTRY_VERSION_EXT_ADDR {
                    self.platform_http_port.encode(out);
                }
                self.platform_node_id.encode(out);
            }
        }
    }

    /// The bytes `CalcHash` hashes (`SER_GETHASH`): the wire form without the leading
    /// `nVersion`, with the type fields whenever the version is ≥ 2.
    pub fn hash_serialization(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(MIN_ENTRY_LEN + 42);
        self.encode_body(&mut out, self.version >= ENTRY_VERSION_BASIC_BLS);
        out
    }

    /// The entry hash (`CalcHash`): a leaf of `merkleRootMNList`.
    pub fn hash(&self) -> Hash256 {
        Hash256::from_byte_array(sha256d(&self.hash_serialization()))
    }
}
