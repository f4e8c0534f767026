//! ProTx payloads (`src/evo/providertx.h`): masternode registration and updates.
//!
//! Known difference: Dash Core rejects a BLS *signature* (ProUpServTx, ProUpRevTx) whose bytes
//! are neither all zero nor a canonical G2 point ("malleable BLS object"); checking that needs
//! BLS arithmetic, so we accept any 96 bytes. Such a transaction fails signature validation
//! and is never in a block or a mempool, so no bloom filter on a Dash Core node ever sees it.

use super::{NetInfo, OutPoint, Script, MAX_TX_EXTRA_PAYLOAD};
use crate::encode::{write_bytes, Decode, DecodeError, Encode, Reader};
use crate::hash::{Hash256, Txid};

/// `MnType::Regular`.
pub const MN_TYPE_REGULAR: u16 = 0;
/// `MnType::Evo`: carries platform fields.
pub const MN_TYPE_EVO: u16 = 1;

/// Highest ProTx version Dash Core deserializes (`ProTxVersion::ExtAddr`).
const PROTX_MAX_VERSION: u16 = 3;
/// ProTx version from which the address field is an `ExtNetInfo`.
const PROTX_EXT_ADDR: u16 = 3;
/// ProTx version from which ProUpServTx carries nType.
const PROTX_BASIC_BLS: u16 = 2;

/// Whether a ProTx version is one Dash Core reads past: for 0 or > 3 its serializer reads the
/// version and stops, leaving every other field at its default (and `GetTxPayload` then
/// succeeds only if the payload was exactly those 2 bytes).
fn protx_version_known(version: u16) -> bool {
    (1..=PROTX_MAX_VERSION).contains(&version)
}

/// ProRegTx payload (`CProRegTx`): registers a masternode.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ProRegTx {
    /// Payload version: 1 legacy BLS, 2 basic BLS, 3 extended addresses.
    pub version: u16,
    /// Masternode type ([`MN_TYPE_REGULAR`], [`MN_TYPE_EVO`]).
    pub mn_type: u16,
    /// nMode (only 0 is valid).
    pub mode: u16,
    /// The 1000-DASH collateral; a null txid means an output of this transaction.
    pub collateral_outpoint: OutPoint,
    /// Service address(es).
    pub net_info: NetInfo,
    /// Owner key id (hash160).
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub key_id_owner: [u8; 20],
    /// Operator BLS public key.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub pubkey_operator: [u8; 48],
    /// Voting key id (hash160).
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub key_id_voting: [u8; 20],
    /// Operator reward in hundredths of a percent.
    pub operator_reward: u16,
    /// Payout script.
    pub script_payout: Script,
    /// Hash of the transaction's inputs (replay protection).
    pub inputs_hash: Hash256,
    /// Evo only: platform node id.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub platform_node_id: [u8; 20],
    /// Evo with version < 3 only: platform P2P port.
    pub platform_p2p_port: u16,
    /// Evo with version < 3 only: platform HTTP port.
    pub platform_http_port: u16,
    /// Owner-key signature (or empty when the collateral signs via the inputs).
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub signature: Vec<u8>,
}

impl ProRegTx {
    fn defaults(version: u16) -> Self {
        ProRegTx {
            version,
            mn_type: MN_TYPE_REGULAR,
            mode: 0,
            collateral_outpoint: OutPoint::NULL,
            net_info: NetInfo::EMPTY_LEGACY,
            key_id_owner: [0; 20],
            pubkey_operator: [0; 48],
            key_id_voting: [0; 20],
            operator_reward: 0,
            script_payout: Script::default(),
            inputs_hash: Hash256::ZERO,
            platform_node_id: [0; 20],
            platform_p2p_port: 0,
            platform_http_port: 0,
            signature: Vec::new(),
        }
    }
}

impl Decode for ProRegTx {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut p = ProRegTx::defaults(r.read("version")?);
        if !protx_version_known(p.version) {
            return Ok(p);
        }
        p.mn_type = r.read("mn_type")?;
        p.mode = r.read("mode")?;
        p.collateral_outpoint = r.read("collateral_outpoint")?;
        p.net_info = NetInfo::decode(r, p.version >= PROTX_EXT_ADDR)?;
        p.key_id_owner = r.read("key_id_owner")?;
        p.pubkey_operator = r.read("pubkey_operator")?;
        p.key_id_voting = r.read("key_id_voting")?;
        p.operator_reward = r.read("operator_reward")?;
        p.script_payout = r.read("script_payout")?;
        p.inputs_hash = r.read("inputs_hash")?;
        if p.mn_type == MN_TYPE_EVO {
            p.platform_node_id = r.read("platform_node_id")?;
            if p.version < PROTX_EXT_ADDR {
                p.platform_p2p_port = r.read("platform_p2p_port")?;
                p.platform_http_port = r.read("platform_http_port")?;
            }
        }
        p.signature = r.read_byte_vec("signature", MAX_TX_EXTRA_PAYLOAD)?;
        Ok(p)
    }
}

impl Encode for ProRegTx {
    fn encode(&self, out: &mut Vec<u8>) {
        self.version.encode(out);
        if !protx_version_known(self.version) {
            return;
        }
        self.mn_type.encode(out);
        self.mode.encode(out);
        self.collateral_outpoint.encode(out);
        self.net_info.encode(out);
        self.key_id_owner.encode(out);
        self.pubkey_operator.encode(out);
        self.key_id_voting.encode(out);
        self.operator_reward.encode(out);
        self.script_payout.encode(out);
        self.inputs_hash.encode(out);
        if self.mn_type == MN_TYPE_EVO {
            self.platform_node_id.encode(out);
            if self.version < PROTX_EXT_ADDR {
                self.platform_p2p_port.encode(out);
                self.platform_http_port.encode(out);
            }
        }
        write_bytes(out, &self.signature);
    }
}

/// ProUpServTx payload (`CProUpServTx`): updates a masternode's service.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ProUpServTx {
    /// Payload version (1..=3).
    pub version: u16,
    /// Masternode type; only serialized from version 2 (else Regular).
    pub mn_type: u16,
    /// The ProRegTx txid of the masternode.
    pub pro_tx_hash: Txid,
    /// Service address(es).
    pub net_info: NetInfo,
    /// Operator payout script.
    pub script_operator_payout: Script,
    /// Hash of the transaction's inputs.
    pub inputs_hash: Hash256,
    /// Evo only: platform node id.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub platform_node_id: [u8; 20],
    /// Evo with version < 3 only: platform P2P port.
    pub platform_p2p_port: u16,
    /// Evo with version < 3 only: platform HTTP port.
    pub platform_http_port: u16,
    /// Operator BLS signature.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub signature: [u8; 96],
}

impl Decode for ProUpServTx {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut p = ProUpServTx {
            version: r.read("version")?,
            mn_type: MN_TYPE_REGULAR,
            pro_tx_hash: Txid::ZERO,
            net_info: NetInfo::EMPTY_LEGACY,
            script_operator_payout: Script::default(),
            inputs_hash: Hash256::ZERO,
            platform_node_id: [0; 20],
            platform_p2p_port: 0,
            platform_http_port: 0,
            signature: [0; 96],
        };
        if !protx_version_known(p.version) {
            return Ok(p);
        }
        if p.version >= PROTX_BASIC_BLS {
            p.mn_type = r.read("mn_type")?;
        }
        p.pro_tx_hash = r.read("pro_tx_hash")?;
        p.net_info = NetInfo::decode(r, p.version >= PROTX_EXT_ADDR)?;
        p.script_operator_payout = r.read("script_operator_payout")?;
        p.inputs_hash = r.read("inputs_hash")?;
        if p.mn_type == MN_TYPE_EVO {
            p.platform_node_id = r.read("platform_node_id")?;
            if p.version < PROTX_EXT_ADDR {
                p.platform_p2p_port = r.read("platform_p2p_port")?;
                p.platform_http_port = r.read("platform_http_port")?;
            }
        }
        p.signature = r.read("signature")?;
        Ok(p)
    }
}

impl Encode for ProUpServTx {
    fn encode(&self, out: &mut Vec<u8>) {
        self.version.encode(out);
        if !protx_version_known(self.version) {
            return;
        }
        if self.version >= PROTX_BASIC_BLS {
            self.mn_type.encode(out);
        }
        self.pro_tx_hash.encode(out);
        self.net_info.encode(out);
        self.script_operator_payout.encode(out);
        self.inputs_hash.encode(out);
        if self.mn_type == MN_TYPE_EVO {
            self.platform_node_id.encode(out);
            if self.version < PROTX_EXT_ADDR {
                self.platform_p2p_port.encode(out);
                self.platform_http_port.encode(out);
            }
        }
        self.signature.encode(out);
    }
}

/// ProUpRegTx payload (`CProUpRegTx`): updates a masternode's registrar keys.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ProUpRegTx {
    /// Payload version (1..=3).
    pub version: u16,
    /// The ProRegTx txid of the masternode.
    pub pro_tx_hash: Txid,
    /// nMode.
    pub mode: u16,
    /// New operator BLS public key.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub pubkey_operator: [u8; 48],
    /// New voting key id.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub key_id_voting: [u8; 20],
    /// New payout script.
    pub script_payout: Script,
    /// Hash of the transaction's inputs.
    pub inputs_hash: Hash256,
    /// Owner-key signature.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub signature: Vec<u8>,
}

impl Decode for ProUpRegTx {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let version = r.read("version")?;
        if !protx_version_known(version) {
            return Ok(ProUpRegTx {
                version,
                pro_tx_hash: Txid::ZERO,
                mode: 0,
                pubkey_operator: [0; 48],
                key_id_voting: [0; 20],
                script_payout: Script::default(),
                inputs_hash: Hash256::ZERO,
                signature: Vec::new(),
            });
        }
        Ok(ProUpRegTx {
            version,
            pro_tx_hash: r.read("pro_tx_hash")?,
            mode: r.read("mode")?,
            pubkey_operator: r.read("pubkey_operator")?,
            key_id_voting: r.read("key_id_voting")?,
            script_payout: r.read("script_payout")?,
            inputs_hash: r.read("inputs_hash")?,
            signature: r.read_byte_vec("signature", MAX_TX_EXTRA_PAYLOAD)?,
        })
    }
}

impl Encode for ProUpRegTx {
    fn encode(&self, out: &mut Vec<u8>) {
        self.version.encode(out);
        if !protx_version_known(self.version) {
            return;
        }
        self.pro_tx_hash.encode(out);
        self.mode.encode(out);
        self.pubkey_operator.encode(out);
        self.key_id_voting.encode(out);
        self.script_payout.encode(out);
        self.inputs_hash.encode(out);
        write_bytes(out, &self.signature);
    }
}

/// ProUpRevTx payload (`CProUpRevTx`): revokes a masternode's operator.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ProUpRevTx {
    /// Payload version (1..=3).
    pub version: u16,
    /// The ProRegTx txid of the masternode.
    pub pro_tx_hash: Txid,
    /// Revocation reason (0..=3).
    pub reason: u16,
    /// Hash of the transaction's inputs.
    pub inputs_hash: Hash256,
    /// Operator BLS signature.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub signature: [u8; 96],
}

impl Decode for ProUpRevTx {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let version = r.read("version")?;
        if !protx_version_known(version) {
            return Ok(ProUpRevTx {
                version,
                pro_tx_hash: Txid::ZERO,
                reason: 0,
                inputs_hash: Hash256::ZERO,
                signature: [0; 96],
            });
        }
        Ok(ProUpRevTx {
            version,
            pro_tx_hash: r.read("pro_tx_hash")?,
            reason: r.read("reason")?,
            inputs_hash: r.read("inputs_hash")?,
            signature: r.read("signature")?,
        })
    }
}

impl Encode for ProUpRevTx {
    fn encode(&self, out: &mut Vec<u8>) {
        self.version.encode(out);
        if !protx_version_known(self.version) {
            return;
        }
        self.pro_tx_hash.encode(out);
        self.reason.encode(out);
        self.inputs_hash.encode(out);
        self.signature.encode(out);
    }
}
