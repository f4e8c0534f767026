//! Encodings of the wallet records the SQLite store keeps as blobs, in the consensus style of
//! [`crate::encode`] (little-endian integers, CompactSize counts, a tag byte per enum
//! variant). Decoding is bounded (every count has a cap and is checked against the bytes
//! left before allocating) and returns errors, never panics: a damaged file is reported, not
//! trusted.
//!
//! * [`TxStatus`]: tag `0` unconfirmed; `1` confirmed: height u32, block hash 32, time flag
//!   u8 (0/1) then time u32 if 1; `2` conflicted: winning txid 32.
//! * [`OwnedOutput`] list: count, then each vout u32, value i64, [`Owner`].
//! * [`Owner`]: tag `0` key: account id 20, chain u8 (0 external, 1 internal), index u32;
//!   `1` address: network u8 (index in [`Network::ALL`]), kind u8 (0 P2PKH, 1 P2SH), hash 20;
//!   `2` raw script: length-prefixed bytes.
//! * Outpoint list: count, then 36-byte outpoints.

use crate::encode::{write_compact_size, Decode, DecodeError, Encode, Reader};
use crate::network::Network;
use crate::tx::{OutPoint, Script};
use crate::wallet::{
    AccountId, Address, AddressPayload, BlockRef, ChainKind, KeyPath, OwnedOutput, Owner, TxStatus,
};

/// More outputs than any transaction can have (a 2 MB block of 9-byte outputs has fewer).
pub(super) const MAX_OWNED_OUTPUTS: usize = 250_000;
/// More inputs than any transaction can have (41 bytes each at least).
pub(super) const MAX_SPENT_WATCHED: usize = 60_000;

/// [`TxStatus`] as stored, with the height an unconfirmed transaction waits since. Tag 0 (an
/// unconfirmed transaction without that height) is what stores before expiry wrote; it is
/// still read.
pub(super) struct StoredStatus(pub TxStatus, pub Option<u32>);

impl Encode for StoredStatus {
    fn encode(&self, out: &mut Vec<u8>) {
        match &self.0 {
            TxStatus::Unconfirmed => match self.1 {
                None => out.push(0),
                Some(since) => {
                    out.push(3);
                    since.encode(out);
                }
            },
            TxStatus::Expired => out.push(4),
            TxStatus::Abandoned => out.push(5),
            TxStatus::Confirmed(b) => {
                out.push(1);
                b.height.encode(out);
                b.hash.encode(out);
                match b.time {
                    None => out.push(0),
                    Some(t) => {
                        out.push(1);
                        t.encode(out);
                    }
                }
            }
            TxStatus::Conflicted { by } => {
                out.push(2);
                by.encode(out);
            }
        }
    }
}

impl Decode for StoredStatus {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.read::<u8>("status")? {
            0 => StoredStatus(TxStatus::Unconfirmed, None),
            3 => StoredStatus(TxStatus::Unconfirmed, Some(r.read("unconfirmed_since")?)),
            4 => StoredStatus(TxStatus::Expired, None),
            5 => StoredStatus(TxStatus::Abandoned, None),
            tag => StoredStatus(Self::decode_settled(tag, r)?, None),
        })
    }
}

impl StoredStatus {
    fn decode_settled(tag: u8, r: &mut Reader<'_>) -> Result<TxStatus, DecodeError> {
        Ok(match tag {
            1 => {
                let height = r.read("block_height")?;
                let hash = r.read("block_hash")?;
                let time = match r.read::<u8>("block_time_flag")? {
                    0 => None,
                    1 => Some(r.read("block_time")?),
                    _ => return Err(DecodeError::invalid("block_time_flag", "not 0 or 1")),
                };
                TxStatus::Confirmed(BlockRef { height, hash, time })
            }
            2 => TxStatus::Conflicted { by: r.read("conflicted_by")? },
            _ => return Err(DecodeError::invalid("status", "unknown status tag")),
        })
    }
}

fn network_index(n: Network) -> u8 {
    Network::ALL.iter().position(|m| *m == n).map_or(u8::MAX, |i| i as u8)
}

/// [`Owner`] as stored.
struct StoredOwner(Owner);

impl Encode for StoredOwner {
    fn encode(&self, out: &mut Vec<u8>) {
        match &self.0 {
            Owner::Key(path) => {
                out.push(0);
                path.account.0.encode(out);
                out.push(path.chain.index() as u8);
                path.index.encode(out);
            }
            Owner::Address(a) => {
                out.push(1);
                out.push(network_index(a.network));
                let (kind, hash) = match a.payload {
                    AddressPayload::PubkeyHash(h) => (0u8, h),
                    AddressPayload::ScriptHash(h) => (1, h),
                };
                out.push(kind);
                hash.encode(out);
            }
            Owner::Script(s) => {
                out.push(2);
                s.encode(out);
            }
        }
    }
}

impl Decode for StoredOwner {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(StoredOwner(match r.read::<u8>("owner")? {
            0 => {
                let account = AccountId(r.read("account")?);
                let chain = match r.read::<u8>("chain")? {
                    0 => ChainKind::External,
                    1 => ChainKind::Internal,
                    _ => return Err(DecodeError::invalid("chain", "not 0 or 1")),
                };
                Owner::Key(KeyPath { account, chain, index: r.read("index")? })
            }
            1 => {
                let network = *Network::ALL
                    .get(usize::from(r.read::<u8>("network")?))
                    .ok_or(DecodeError::invalid("network", "unknown network"))?;
                let kind: u8 = r.read("address_kind")?;
                let hash = r.read("address_hash")?;
                Owner::Address(match kind {
                    0 => Address::p2pkh(hash, network),
                    1 => Address::p2sh(hash, network),
                    _ => return Err(DecodeError::invalid("address_kind", "not 0 or 1")),
                })
            }
            2 => Owner::Script(r.read::<Script>("owner_script")?),
            _ => return Err(DecodeError::invalid("owner", "unknown owner tag")),
        }))
    }
}

/// [`OwnedOutput`] as stored.
struct StoredOutput(OwnedOutput);

impl Encode for StoredOutput {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.vout.encode(out);
        self.0.value.encode(out);
        StoredOwner(self.0.owner.clone()).encode(out);
    }
}

impl Decode for StoredOutput {
    /// vout 4, value 8, the smallest owner (an empty script: tag and length).
    const MIN_ENCODED_LEN: usize = 14;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let vout = r.read("vout")?;
        let value = r.read("value")?;
        let owner = r.read::<StoredOwner>("owner")?.0;
        Ok(StoredOutput(OwnedOutput { vout, value, owner }))
    }
}

/// Encodes a transaction's status (with the height an unconfirmed one waits since).
pub(super) fn encode_status(status: &TxStatus, unconfirmed_since: u32) -> Vec<u8> {
    let since = (*status == TxStatus::Unconfirmed).then_some(unconfirmed_since);
    StoredStatus(*status, since).to_bytes()
}

/// Decodes a transaction's status, and the height an unconfirmed one waits since if stored.
pub(super) fn decode_status(bytes: &[u8]) -> Result<(TxStatus, Option<u32>), DecodeError> {
    StoredStatus::from_bytes(bytes).map(|s| (s.0, s.1))
}

/// Encodes a transaction's owned outputs.
pub(super) fn encode_owned_outputs(outputs: &[OwnedOutput]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + outputs.len() * 40);
    write_compact_size(&mut out, outputs.len() as u64);
    for o in outputs {
        StoredOutput(o.clone()).encode(&mut out);
    }
    out
}

/// Decodes a transaction's owned outputs.
pub(super) fn decode_owned_outputs(bytes: &[u8]) -> Result<Vec<OwnedOutput>, DecodeError> {
    let mut r = Reader::new(bytes);
    let outputs: Vec<StoredOutput> = r.read_vec("owned_outputs", MAX_OWNED_OUTPUTS)?;
    r.finish()?;
    Ok(outputs.into_iter().map(|o| o.0).collect())
}

/// Encodes a list of outpoints.
pub(super) fn encode_outpoints(outpoints: &[OutPoint]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + outpoints.len() * 36);
    crate::encode::write_vec(&mut out, outpoints);
    out
}

/// Decodes a list of outpoints.
pub(super) fn decode_outpoints(bytes: &[u8]) -> Result<Vec<OutPoint>, DecodeError> {
    let mut r = Reader::new(bytes);
    let v = r.read_vec("spent_watched", MAX_SPENT_WATCHED)?;
    r.finish()?;
    Ok(v)
}

/// A fixed-size column (hash, outpoint, header) as an array.
pub(super) fn array<const N: usize>(
    field: &'static str,
    bytes: &[u8],
) -> Result<[u8; N], DecodeError> {
    bytes.try_into().map_err(|_| {
        DecodeError::in_field(
            field,
            crate::encode::DecodeErrorKind::WrongLength {
                got: bytes.len() as u64,
                expected: N as u64,
            },
        )
    })
}

/// An integer column that must fit a `u32` (heights, indexes, gap limits).
pub(super) fn u32_column(field: &'static str, v: i64) -> Result<u32, DecodeError> {
    u32::try_from(v).map_err(|_| DecodeError::invalid(field, "out of the u32 range"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{BlockHash, Txid};

    fn owners() -> Vec<Owner> {
        vec![
            Owner::Key(KeyPath {
                account: AccountId([7; 20]),
                chain: ChainKind::Internal,
                index: 42,
            }),
            Owner::Address(Address::p2sh([3; 20], Network::Testnet)),
            Owner::Address(Address::p2pkh([4; 20], Network::Mainnet)),
            Owner::Script(Script::new(vec![0x51, 0x52])),
            Owner::Script(Script::new(Vec::new())),
        ]
    }

    #[test]
    fn statuses_round_trip() {
        let hash = BlockHash::from_byte_array([9; 32]);
        for s in [
            TxStatus::Unconfirmed,
            TxStatus::Confirmed(BlockRef { height: 7, hash, time: None }),
            TxStatus::Confirmed(BlockRef { height: u32::MAX, hash, time: Some(1_700_000_000) }),
            TxStatus::Conflicted { by: Txid::from_byte_array([5; 32]) },
            TxStatus::Expired,
            TxStatus::Abandoned,
        ] {
            let since = (s == TxStatus::Unconfirmed).then_some(77);
            assert_eq!(decode_status(&encode_status(&s, 77)).unwrap(), (s, since));
        }
        // What stores wrote before expiry: an unconfirmed transaction without its height.
        assert_eq!(decode_status(&[0]).unwrap(), (TxStatus::Unconfirmed, None));
    }

    #[test]
    fn owned_outputs_round_trip_with_every_owner() {
        let outputs: Vec<OwnedOutput> = owners()
            .into_iter()
            .enumerate()
            .map(|(i, owner)| OwnedOutput { vout: i as u32, value: -(i as i64) * 1000, owner })
            .collect();
        assert_eq!(decode_owned_outputs(&encode_owned_outputs(&outputs)).unwrap(), outputs);
        assert_eq!(decode_owned_outputs(&encode_owned_outputs(&[])).unwrap(), vec![]);
    }

    #[test]
    fn bad_tags_and_truncations_are_errors() {
        assert!(decode_status(&[6]).is_err());
        assert!(decode_status(&[3, 0, 0]).is_err(), "truncated height");
        assert!(decode_status(&[]).is_err());
        assert!(decode_status(&[0, 0]).is_err(), "trailing byte");
        let mut confirmed = encode_status(
            &TxStatus::Confirmed(BlockRef { height: 1, hash: BlockHash::ZERO, time: None }),
            0,
        );
        *confirmed.last_mut().unwrap() = 2;
        assert!(decode_status(&confirmed).is_err(), "time flag 2");
        // An owner with network index 9, and one with an unknown tag.
        let good = encode_owned_outputs(&[OwnedOutput {
            vout: 0,
            value: 0,
            owner: Owner::Address(Address::p2pkh([1; 20], Network::Mainnet)),
        }]);
        assert!(decode_owned_outputs(&good).is_ok());
        let (tag, network) = (1 + 4 + 8, 1 + 4 + 8 + 1);
        let mut bad = good.clone();
        bad[network] = 9;
        assert!(decode_owned_outputs(&bad).is_err(), "network index 9");
        let mut bad = good.clone();
        bad[tag] = 7;
        assert!(decode_owned_outputs(&bad).is_err(), "owner tag 7");
        // A count the bytes cannot hold is refused before allocating.
        assert!(decode_owned_outputs(&[0xfe, 0xff, 0xff, 0x00, 0x00]).is_err());
        assert!(decode_outpoints(&[0xfd, 0xff, 0xff]).is_err());
    }

    #[test]
    fn every_truncation_of_valid_records_fails_cleanly() {
        let outputs: Vec<OwnedOutput> =
            owners().into_iter().map(|owner| OwnedOutput { vout: 1, value: 2, owner }).collect();
        let bytes = encode_owned_outputs(&outputs);
        for n in 0..bytes.len() {
            assert!(decode_owned_outputs(&bytes[..n]).is_err(), "prefix of {n} bytes");
        }
    }
}
