//! The masternode address field of ProRegTx / ProUpServTx (`src/evo/netinfo.h`,
//! `NetInfoSerWrapper`).
//!
//! ProTx versions 1 and 2 carry a `MnNetInfo`: one `CService` in the legacy encoding (16-byte
//! IPv6-mapped address, big-endian port). Version 3 carries an `ExtNetInfo`:
//! `version u8 | [version 1: map<purpose u8, vector<NetInfoEntry>>]` where an entry is
//! `type u8 | (1: CService in ADDRv2 form | 2: DomainPort string + port BE)`.
//!
//! We keep an `ExtNetInfo` as the raw bytes it occupies. Finding where it ends has to follow
//! Dash Core's stream exactly, including its quirk that a failure *inside* an entry's address
//! (unknown length, address too long, truncation) is caught and the entry merely marked
//! invalid — reading then continues from wherever the failed read left the stream. Only a
//! failure outside an entry (type byte, counts, purpose) makes the whole payload unparsable.

use crate::encode::{DecodeError, Encode, Reader};

/// `ExtNetInfo::CURRENT_VERSION`.
const EXT_NET_INFO_VERSION: u8 = 1;
/// `CNetAddr::MAX_ADDRV2_SIZE`.
const MAX_ADDRV2_SIZE: u64 = 512;

/// A ProTx address field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum NetInfo {
    /// `MnNetInfo` (ProTx version < 3): a legacy `CService`.
    Legacy {
        /// IPv6 or IPv4-mapped address, 16 bytes.
        #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
        ip: [u8; 16],
        /// TCP port.
        port: u16,
    },
    /// `ExtNetInfo` (ProTx version 3), kept as its serialized bytes.
    Extended(Vec<u8>),
}

impl NetInfo {
    /// The all-zero legacy address (what Dash Core writes for an empty `MnNetInfo`).
    pub const EMPTY_LEGACY: NetInfo = NetInfo::Legacy { ip: [0; 16], port: 0 };

    /// Reads the field: legacy when `extended` is false, else an `ExtNetInfo`.
    pub(crate) fn decode(r: &mut Reader<'_>, extended: bool) -> Result<Self, DecodeError> {
        if !extended {
            let ip = r.read_array::<16>().map_err(|e| e.within("net_info"))?;
            let port = u16::from_be_bytes(r.read_array::<2>().map_err(|e| e.within("net_info"))?);
            return Ok(NetInfo::Legacy { ip, port });
        }
        let start = r.rest();
        let before = r.remaining();
        skip_ext_net_info(r).map_err(|e| e.within("net_info"))?;
        let used = before - r.remaining();
        Ok(NetInfo::Extended(start[..used].to_vec()))
    }
}

impl Encode for NetInfo {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            NetInfo::Legacy { ip, port } => {
                out.extend_from_slice(ip);
                out.extend_from_slice(&port.to_be_bytes());
            }
            NetInfo::Extended(bytes) => out.extend_from_slice(bytes),
        }
    }
}

fn skip_ext_net_info(r: &mut Reader<'_>) -> Result<(), DecodeError> {
    let version = r.read_u8()?;
    if version == 0 || version > EXT_NET_INFO_VERSION {
        return Ok(()); // Dash Core reads nothing more for unknown versions.
    }
    // std::map<NetInfoPurpose, std::vector<NetInfoEntry>>. Every iteration consumes at least
    // one byte or fails, so the loops are bounded by the input length.
    let purposes = r.read_compact_size()?;
    for _ in 0..purposes {
        r.read_u8()?; // purpose
        let entries = r.read_compact_size()?;
        for _ in 0..entries {
            match r.read_u8()? {
                // Errors inside an entry are caught by Dash Core (entry marked invalid).
                1 => {
                    let _ = skip_addrv2_service(r);
                }
                2 => {
                    let _ = skip_domain_port(r);
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// `CService` in ADDRv2 form: network id, CompactSize length, address, port (BE).
fn skip_addrv2_service(r: &mut Reader<'_>) -> Result<(), DecodeError> {
    let network = r.read_u8()?;
    let len = r.read_compact_size()?;
    if len > MAX_ADDRV2_SIZE {
        return Err(DecodeError::invalid("address", "longer than 512 bytes"));
    }
    // BIP155 ids known to Dash Core and their required lengths; others are skipped.
    let required = match network {
        1 => Some(4),      // IPv4
        2 | 6 => Some(16), // IPv6, CJDNS
        4 | 5 => Some(32), // TORv3, I2P
        _ => None,
    };
    if required.is_some_and(|n| n != len) {
        return Err(DecodeError::invalid("address", "wrong length for its network"));
    }
    r.take(len as usize)?;
    r.take(2)?;
    Ok(())
}

/// `DomainPort`: string (CompactSize + bytes) then port (BE).
fn skip_domain_port(r: &mut Reader<'_>) -> Result<(), DecodeError> {
    let len = r.read_compact_size()?;
    r.take(len as usize)?;
    r.take(2)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(hex: &str) -> (Result<NetInfo, DecodeError>, usize) {
        let bytes = hex::decode(hex).unwrap();
        let mut r = Reader::new(&bytes);
        let got = NetInfo::decode(&mut r, true);
        (got, r.remaining())
    }

    #[test]
    fn unknown_ext_net_info_versions_are_one_byte() {
        assert_eq!(ext("00ff").0.unwrap(), NetInfo::Extended(vec![0]));
        assert_eq!(ext("02ff").1, 1);
    }

    #[test]
    fn ext_net_info_entries_are_skipped_to_the_right_place() {
        // one purpose (0) with an IPv4 entry 1.2.3.4:9999 and a domain entry "a.io":443.
        let hex = "01 01 00 02 01 01 04 01020304 270f 02 04 612e696f 01bb ee".replace(' ', "");
        let (got, rest) = ext(&hex);
        assert_eq!(rest, 1);
        assert_eq!(got.unwrap().to_bytes().len(), hex.len() / 2 - 1);
    }

    #[test]
    fn a_bad_address_inside_an_entry_only_invalidates_the_entry() {
        // IPv4 announced with 5 bytes: Dash Core throws after the length and catches it, so
        // reading resumes at the address bytes (here: the next entry type 0xff, unknown).
        let (got, rest) = ext("01 01 00 02 01 01 05 ff".replace(' ', "").as_str());
        assert!(got.is_ok());
        assert_eq!(rest, 0);
        // A truncated address is caught too and consumes nothing: the second entry then
        // starts at the address bytes (type 01, network 02, missing length: caught again).
        let (got, rest) = ext("01 01 00 02 01 01 04 0102".replace(' ', "").as_str());
        assert!(got.is_ok());
        assert_eq!(rest, 0);
        // Only a missing type byte (outside the caught region) fails the whole field.
        assert!(ext("01 01 00 03 01 01 04 01".replace(' ', "").as_str()).0.is_err());
    }
}
