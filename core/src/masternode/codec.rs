//! The stored form of a [`MasternodeSnapshot`]: `format u8 (1) | height u32 | blockHash 32 |
//! CompactSize n | n × SML entry (70240 layout, with its own version) | CompactSize m | m ×
//! final commitment`. Read back with bounded counts and every entry and quorum checked for
//! duplicates, so a damaged record is an error, never a wrong list.
//!
//! The best ChainLock state a snapshot carries ([`PreviousBestChainLock`]) is stored beside
//! the list, in the same record: `format u8 (1) | height u32 | blockHash 32 | tag u8 (0:
//! null, 1: locked) | [locked u32]`.

use std::sync::Arc;

use super::bestcl::PreviousBestChainLock;
use super::list::MasternodeList;
use super::sync::MasternodeSnapshot;
use crate::encode::{write_compact_size, Decode, DecodeError, DecodeErrorKind, Encode, Reader};
use crate::wire::{FinalCommitment, QuorumId, SmlEntry};

const FORMAT: u8 = 1;
/// The layout the entries are written in (every field of every entry version).
const ENTRY_LAYOUT: u32 = 70240;
/// The smallest stored entry: version u16 and the fixed fields.
const MIN_ENTRY_LEN: usize = 2 + 32 + 32 + 18 + 48 + 20 + 1;

impl MasternodeSnapshot {
    /// The stored bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let list = &self.list;
        let mut out = Vec::with_capacity(64 + list.entries.len() * 160 + list.quorums.len() * 400);
        out.push(FORMAT);
        self.height.encode(&mut out);
        list.block_hash.encode(&mut out);
        write_compact_size(&mut out, list.entries.len() as u64);
        for entry in list.entries.values() {
            entry.encode_versioned(&mut out, ENTRY_LAYOUT);
        }
        write_compact_size(&mut out, list.quorums.len() as u64);
        for quorum in list.quorums.values() {
            quorum.encode(&mut out);
        }
        out
    }

    /// Reads [`Self::to_bytes`]; trailing bytes, an unknown format and duplicate entries or
    /// quorums are errors.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let format = r.read_u8()?;
        if format != FORMAT {
            return Err(DecodeError::in_field(
                "format",
                DecodeErrorKind::Invalid("unknown masternode list format"),
            ));
        }
        let height: u32 = r.read("height")?;
        let mut list = MasternodeList { block_hash: r.read("block_hash")?, ..Default::default() };
        let n = bounded_count(&mut r, "entries", MIN_ENTRY_LEN)?;
        for _ in 0..n {
            let entry = SmlEntry::decode_versioned(&mut r, ENTRY_LAYOUT)
                .map_err(|e| e.within("entries"))?;
            if list.entries.insert(entry.pro_reg_tx_hash, entry).is_some() {
                return Err(duplicate("entries"));
            }
        }
        let m = bounded_count(&mut r, "quorums", FinalCommitment::MIN_ENCODED_LEN)?;
        for _ in 0..m {
            let q: FinalCommitment = r.read("quorums")?;
            let id = QuorumId { llmq_type: q.llmq_type, quorum_hash: q.quorum_hash };
            if list.quorums.insert(id, q).is_some() {
                return Err(duplicate("quorums"));
            }
        }
        r.finish()?;
        Ok(MasternodeSnapshot { height, list: Arc::new(list), best_chainlock: None })
    }

    /// The stored bytes of [`Self::best_chainlock`], if any.
    pub fn best_chainlock_bytes(&self) -> Option<Vec<u8>> {
        let p = self.best_chainlock?;
        let mut out = Vec::with_capacity(42);
        out.push(FORMAT);
        p.height.encode(&mut out);
        p.block_hash.encode(&mut out);
        match p.locked {
            None => out.push(0),
            Some(locked) => {
                out.push(1);
                locked.encode(&mut out);
            }
        }
        Some(out)
    }

    /// Sets [`Self::best_chainlock`] from [`Self::best_chainlock_bytes`]. A state of a block
    /// above this one, of another block at its height, or locking a block at or above its
    /// own is an error, as are trailing bytes.
    pub fn set_best_chainlock_bytes(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        let mut r = Reader::new(bytes);
        if r.read_u8()? != FORMAT {
            return Err(invalid("format", "unknown best ChainLock format"));
        }
        let height: u32 = r.read("height")?;
        let block_hash = r.read("block_hash")?;
        let locked = match r.read_u8().map_err(|e| e.within("locked"))? {
            0 => None,
            1 => Some(r.read::<u32>("locked")?),
            _ => return Err(invalid("locked", "unknown tag")),
        };
        r.finish()?;
        if height > self.height || (height == self.height && block_hash != self.list.block_hash) {
            return Err(invalid("height", "not this list's block or one below it"));
        }
        if locked.is_some_and(|l| l >= height) {
            return Err(invalid("locked", "not below its block"));
        }
        self.best_chainlock = Some(PreviousBestChainLock { height, block_hash, locked });
        Ok(())
    }
}

fn invalid(field: &'static str, why: &'static str) -> DecodeError {
    DecodeError::in_field(field, DecodeErrorKind::Invalid(why))
}

fn duplicate(field: &'static str) -> DecodeError {
    DecodeError::in_field(field, DecodeErrorKind::Invalid("duplicate"))
}

fn bounded_count(
    r: &mut Reader<'_>,
    field: &'static str,
    min: usize,
) -> Result<usize, DecodeError> {
    let n = r.read_compact_size().map_err(|e| e.within(field))?;
    let max = (r.remaining() / min) as u64;
    if n > max {
        return Err(DecodeError::in_field(field, DecodeErrorKind::TooLarge { got: n, max }));
    }
    Ok(n as usize)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::hash::{BlockHash, Hash256};
    use crate::tx::NetInfo;
    use crate::wire::{BitSet, MN_TYPE_EVO, MN_TYPE_REGULAR};

    /// A small list with entries of versions 1–2 (regular and Evo) and quorums of versions
    /// 1–4, at `height`, block `[tag; 32]`.
    pub(crate) fn sample(height: u32, tag: u8) -> MasternodeSnapshot {
        let mut list = MasternodeList {
            block_hash: BlockHash::from_byte_array([tag; 32]),
            ..Default::default()
        };
        for i in 0..4u8 {
            let evo = i == 3;
            let entry = SmlEntry {
                version: if i == 0 { 1 } else { 2 },
                pro_reg_tx_hash: Hash256::from_byte_array([tag ^ i; 32]),
                confirmed_hash: BlockHash::from_byte_array([i; 32]),
                net_info: NetInfo::Legacy { ip: [i; 16], port: 9999 },
                operator_key: [i; 48],
                voting_key_id: [i; 20],
                is_valid: i != 2,
                mn_type: if evo { MN_TYPE_EVO } else { MN_TYPE_REGULAR },
                platform_http_port: if evo { 443 } else { 0 },
                platform_node_id: if evo { [9; 20] } else { [0; 20] },
            };
            list.entries.insert(entry.pro_reg_tx_hash, entry);
        }
        for v in 1..=4u16 {
            let q = FinalCommitment {
                version: v,
                llmq_type: 100 + v as u8,
                quorum_hash: Hash256::from_byte_array([v as u8 ^ tag; 32]),
                quorum_index: if v % 2 == 0 { 1 } else { 0 },
                signers: BitSet { len: 3, bytes: vec![0b101] },
                valid_members: BitSet { len: 3, bytes: vec![0b111] },
                quorum_public_key: [v as u8; 48],
                quorum_vvec_hash: Hash256::from_byte_array([3; 32]),
                quorum_sig: [4; 96],
                members_sig: [5; 96],
            };
            let id = QuorumId { llmq_type: q.llmq_type, quorum_hash: q.quorum_hash };
            list.quorums.insert(id, q);
        }
        MasternodeSnapshot { height, list: Arc::new(list), best_chainlock: None }
    }

    #[test]
    fn a_list_round_trips_and_damage_is_an_error() {
        let s = sample(42, 1);
        let bytes = s.to_bytes();
        assert_eq!(MasternodeSnapshot::from_bytes(&bytes).unwrap(), s);
        for cut in 0..bytes.len() {
            assert!(MasternodeSnapshot::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(MasternodeSnapshot::from_bytes(&trailing).is_err());
        let mut format = bytes.clone();
        format[0] = 2;
        assert_eq!(
            MasternodeSnapshot::from_bytes(&format).unwrap_err().kind,
            DecodeErrorKind::Invalid("unknown masternode list format")
        );
    }

    #[test]
    fn the_best_chainlock_state_round_trips_and_damage_is_an_error() {
        let mut s = sample(42, 1);
        assert_eq!(s.best_chainlock_bytes(), None);
        let below = BlockHash::from_byte_array([9; 32]);
        for (height, block_hash, locked) in
            [(40, below, Some(39)), (42, s.list.block_hash, None), (42, s.list.block_hash, Some(0))]
        {
            s.best_chainlock = Some(PreviousBestChainLock { height, block_hash, locked });
            let bytes = s.best_chainlock_bytes().unwrap();
            let mut back = sample(42, 1);
            back.set_best_chainlock_bytes(&bytes).unwrap();
            assert_eq!(back, s);
            for cut in 0..bytes.len() {
                assert!(back.set_best_chainlock_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
            }
            let mut trailing = bytes.clone();
            trailing.push(0);
            assert!(back.set_best_chainlock_bytes(&trailing).is_err());
        }
        // Not this list's block at its height, above it, or locking itself.
        for (height, block_hash, locked) in
            [(42, below, None), (43, below, None), (40, below, Some(40))]
        {
            s.best_chainlock = Some(PreviousBestChainLock { height, block_hash, locked });
            let bytes = s.best_chainlock_bytes().unwrap();
            let err = sample(42, 1).set_best_chainlock_bytes(&bytes).unwrap_err();
            assert!(matches!(err.kind, DecodeErrorKind::Invalid(_)), "{err:?}");
        }
    }

    #[test]
    fn a_count_beyond_the_input_is_refused_before_allocating() {
        let mut bytes = vec![FORMAT];
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&[0; 32]);
        bytes.extend_from_slice(&[0xfe, 0xff, 0xff, 0xff, 0x7f]);
        let err = MasternodeSnapshot::from_bytes(&bytes).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::TooLarge { .. }), "{err:?}");
    }

    #[test]
    fn a_duplicate_entry_is_refused() {
        let s = sample(1, 3);
        let entry = s.list.entries.values().next().unwrap().clone();
        let mut bytes = vec![FORMAT];
        s.height.encode(&mut bytes);
        s.list.block_hash.encode(&mut bytes);
        write_compact_size(&mut bytes, 2);
        entry.encode_versioned(&mut bytes, ENTRY_LAYOUT);
        entry.encode_versioned(&mut bytes, ENTRY_LAYOUT);
        write_compact_size(&mut bytes, 0);
        let err = MasternodeSnapshot::from_bytes(&bytes).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::Invalid("duplicate"));
    }
}
