//! Masternode-sync and masternode-authentication payloads: `ssc` (`src/masternode/sync.h`)
//! and `mnauth` (`src/evo/mnauth.h`).

use crate::encode::{Decode, DecodeError, Encode, Reader};
use crate::hash::Txid;

/// The item an `ssc` message counts (`MASTERNODE_SYNC_*`); other values are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum SyncItem {
    /// 1 `MASTERNODE_SYNC_BLOCKCHAIN`.
    Blockchain,
    /// 4 `MASTERNODE_SYNC_GOVERNANCE`.
    Governance,
    /// 10 `MASTERNODE_SYNC_GOVOBJ`: governance objects (answer to a full `govsync`).
    GovObj,
    /// 11 `MASTERNODE_SYNC_GOVOBJ_VOTE`: votes (answer to a `govsync` for one object).
    GovObjVote,
    /// 999 `MASTERNODE_SYNC_FINISHED`.
    Finished,
    /// Any other id (2 and 3, the pre-DIP3 masternode list and payments, included).
    Other(i32),
}

impl SyncItem {
    /// The item from its wire value.
    pub fn from_i32(id: i32) -> Self {
        match id {
            1 => SyncItem::Blockchain,
            4 => SyncItem::Governance,
            10 => SyncItem::GovObj,
            11 => SyncItem::GovObjVote,
            999 => SyncItem::Finished,
            other => SyncItem::Other(other),
        }
    }

    /// The wire value.
    pub fn to_i32(self) -> i32 {
        match self {
            SyncItem::Blockchain => 1,
            SyncItem::Governance => 4,
            SyncItem::GovObj => 10,
            SyncItem::GovObjVote => 11,
            SyncItem::Finished => 999,
            SyncItem::Other(id) => id,
        }
    }
}

/// The `ssc` payload (sync status count): how many items of a kind the peer is sending.
/// Purely informational.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SyncStatusCount {
    /// What is being counted (`nItemID`).
    pub item: SyncItem,
    /// How many (`nCount`).
    pub count: i32,
}

impl Encode for SyncStatusCount {
    fn encode(&self, out: &mut Vec<u8>) {
        self.item.to_i32().encode(out);
        self.count.encode(out);
    }
}

impl Decode for SyncStatusCount {
    const MIN_ENCODED_LEN: usize = 8;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(SyncStatusCount {
            item: SyncItem::from_i32(r.read("item_id")?),
            count: r.read("count")?,
        })
    }
}

/// The `mnauth` payload (`CMNAuth`): a masternode proves its identity by signing the
/// challenge we put in our `version` with its BLS operator key. 128 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MnAuth {
    /// The masternode's ProRegTx hash.
    pub pro_reg_tx_hash: Txid,
    /// BLS signature (basic scheme) over the MNAUTH sign hash.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub signature: [u8; 96],
}

impl Encode for MnAuth {
    fn encode(&self, out: &mut Vec<u8>) {
        self.pro_reg_tx_hash.encode(out);
        out.extend_from_slice(&self.signature);
    }
}

impl Decode for MnAuth {
    const MIN_ENCODED_LEN: usize = 128;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(MnAuth { pro_reg_tx_hash: r.read("pro_reg_tx_hash")?, signature: r.read("signature")? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::vector_tests::{assert_every_prefix_fails, vectors};

    #[test]
    fn ssc_example_and_item_ids_match_the_vectors() {
        let v = vectors("governance.json");
        let ex = &v["ssc"]["example"];
        let raw = hex::decode(ex["payload_hex"].as_str().unwrap()).unwrap();
        let ssc = SyncStatusCount::from_bytes(&raw).unwrap();
        assert_eq!(ssc.item, SyncItem::GovObj);
        assert_eq!(i64::from(ssc.item.to_i32()), ex["nItemID"]);
        assert_eq!(i64::from(ssc.count), ex["nCount"]);
        assert_eq!(ssc.to_bytes(), raw);
        assert_every_prefix_fails::<SyncStatusCount>(&raw);
        for (_, id) in v["ssc"]["item_ids"].as_object().unwrap() {
            let id = id.as_i64().unwrap() as i32;
            assert!(!matches!(SyncItem::from_i32(id), SyncItem::Other(_)), "{id}");
            assert_eq!(SyncItem::from_i32(id).to_i32(), id);
        }
        assert_eq!(SyncItem::from_i32(2), SyncItem::Other(2));
    }

    #[test]
    fn mnauth_is_a_hash_and_a_96_byte_signature() {
        let mut raw = vec![0x11; 32];
        raw.extend((0..96).map(|i| i as u8));
        let m = MnAuth::from_bytes(&raw).unwrap();
        assert_eq!(m.signature[95], 95);
        assert_eq!(m.to_bytes(), raw);
        assert_every_prefix_fails::<MnAuth>(&raw);
    }
}
