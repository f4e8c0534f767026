//! Peer addresses: the v1 `CAddress` of `addr` and `version` (16-byte IPv6 form) and the
//! BIP155 form of `addrv2` (`src/netaddress.{h,cpp}`, `src/protocol.h`).
//!
//! Ports are big-endian on the wire in both forms; everything else is little-endian.

use super::onion::{base32_encode, onion_v3_from_key};
use crate::encode::{write_compact_size, Decode, DecodeError, DecodeErrorKind, Encode, Reader};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Most entries an `addr` or `addrv2` message may carry (`MAX_ADDR_TO_SEND`); Dash Core
/// penalises more (misbehaving 20), we refuse to decode them.
pub const MAX_ADDR_ENTRIES: usize = 1000;

/// Longest address body a BIP155 entry may claim (`CNetAddr::MAX_ADDRV2_SIZE`).
pub const MAX_ADDRV2_SIZE: usize = 512;

const IPV4_IN_IPV6_PREFIX: [u8; 12] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];
const TORV2_IN_IPV6_PREFIX: [u8; 6] = [0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43];
const INTERNAL_IN_IPV6_PREFIX: [u8; 6] = [0xfd, 0x6b, 0x88, 0xc0, 0x87, 0x24];

fn read_port(r: &mut Reader<'_>) -> Result<u16, DecodeError> {
    r.read_array::<2>().map(u16::from_be_bytes).map_err(|e| e.within("port"))
}

/// An address as `version` carries it: services, 16-byte IPv6 (IPv4 mapped into
/// `::ffff:0:0/96`) and big-endian port, 26 bytes (a `CAddress` without its time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NetAddress {
    /// Service bits (`NODE_*`).
    pub services: u64,
    /// The address in IPv6 form, network byte order.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::ipv6"))]
    pub ip: [u8; 16],
    /// The port.
    pub port: u16,
}

impl NetAddress {
    /// The address of `addr` with `services` (IPv4 becomes IPv4-mapped IPv6).
    pub fn from_socket_addr(addr: SocketAddr, services: u64) -> Self {
        let ip = match addr.ip() {
            IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
            IpAddr::V6(v6) => v6.octets(),
        };
        NetAddress { services, ip, port: addr.port() }
    }

    /// The IP address, IPv4 when mapped; `None` for the Tor v2 and "internal" (DNS seed
    /// name) embeddings, which are not IP addresses.
    pub fn ip_addr(&self) -> Option<IpAddr> {
        if self.ip.starts_with(&IPV4_IN_IPV6_PREFIX) {
            let [.., a, b, c, d] = self.ip;
            return Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d)));
        }
        if self.ip.starts_with(&TORV2_IN_IPV6_PREFIX)
            || self.ip.starts_with(&INTERNAL_IN_IPV6_PREFIX)
        {
            return None;
        }
        Some(IpAddr::V6(Ipv6Addr::from(self.ip)))
    }

    /// The socket address, when this is an IP address (see [`NetAddress::ip_addr`]).
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        self.ip_addr().map(|ip| SocketAddr::new(ip, self.port))
    }
}

impl Encode for NetAddress {
    fn encode(&self, out: &mut Vec<u8>) {
        self.services.encode(out);
        out.extend_from_slice(&self.ip);
        out.extend_from_slice(&self.port.to_be_bytes());
    }
}

impl Decode for NetAddress {
    const MIN_ENCODED_LEN: usize = 26;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(NetAddress { services: r.read("services")?, ip: r.read("ip")?, port: read_port(r)? })
    }
}

/// One entry of an `addr` message (v1 `CAddress`): time, then a [`NetAddress`]; 30 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AddrEntry {
    /// When the address was last seen, seconds since the Unix epoch (`uint32`).
    pub time: u32,
    /// Services, IP and port.
    pub address: NetAddress,
}

impl Encode for AddrEntry {
    fn encode(&self, out: &mut Vec<u8>) {
        self.time.encode(out);
        self.address.encode(out);
    }
}

impl Decode for AddrEntry {
    const MIN_ENCODED_LEN: usize = 30;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(AddrEntry { time: r.read("time")?, address: r.read("address")? })
    }
}

/// The `addr` payload: at most [`MAX_ADDR_ENTRIES`] v1 entries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Addr {
    /// The addresses.
    pub entries: Vec<AddrEntry>,
}

impl Encode for Addr {
    fn encode(&self, out: &mut Vec<u8>) {
        crate::encode::write_vec(out, &self.entries);
    }
}

impl Decode for Addr {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Addr { entries: r.read_vec("addresses", MAX_ADDR_ENTRIES)? })
    }
}

/// A BIP155 network address body (`CNetAddr` in addrv2 form): the network id byte chooses
/// the variant and fixes the length. Addresses Dash Core parses but ignores are kept with
/// their bytes, so re-encoding is exact; [`Bip155Addr::is_valid`] says which ones it uses.
/// Serialized (with the `serde` feature) as its [`Display`](fmt::Display) form, the one readable
/// form of every address type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Bip155Addr {
    /// Network id 1: IPv4, 4 bytes.
    Ipv4([u8; 4]),
    /// Network id 2: IPv6, 16 bytes (may embed an "internal" name, see `Display`).
    Ipv6([u8; 16]),
    /// Network id 3 with 10 bytes: Tor v2. Dash Core no longer knows this id and ignores
    /// such entries (any length); kept for exact re-encoding, never valid.
    TorV2([u8; 10]),
    /// Network id 4: Tor v3, the 32-byte ed25519 public key.
    TorV3([u8; 32]),
    /// Network id 5: I2P, the 32-byte SHA256 of the destination.
    I2p([u8; 32]),
    /// Network id 6: CJDNS, 16 bytes (valid only when starting with 0xfc).
    Cjdns([u8; 16]),
    /// Any other network id (or id 3 with a length other than 10): skipped by Dash Core.
    Unknown {
        /// The BIP155 network id.
        network_id: u8,
        /// The address bytes (at most [`MAX_ADDRV2_SIZE`]).
        bytes: Vec<u8>,
    },
}

impl Bip155Addr {
    /// BIP155 network id of IPv4.
    pub const IPV4: u8 = 1;
    /// BIP155 network id of IPv6.
    pub const IPV6: u8 = 2;
    /// BIP155 network id of Tor v2 (unsupported now).
    pub const TORV2: u8 = 3;
    /// BIP155 network id of Tor v3.
    pub const TORV3: u8 = 4;
    /// BIP155 network id of I2P.
    pub const I2P: u8 = 5;
    /// BIP155 network id of CJDNS.
    pub const CJDNS: u8 = 6;

    /// The BIP155 network id.
    pub fn network_id(&self) -> u8 {
        match self {
            Bip155Addr::Ipv4(_) => Self::IPV4,
            Bip155Addr::Ipv6(_) => Self::IPV6,
            Bip155Addr::TorV2(_) => Self::TORV2,
            Bip155Addr::TorV3(_) => Self::TORV3,
            Bip155Addr::I2p(_) => Self::I2P,
            Bip155Addr::Cjdns(_) => Self::CJDNS,
            Bip155Addr::Unknown { network_id, .. } => *network_id,
        }
    }

    /// The address bytes as they travel after the length.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Bip155Addr::Ipv4(b) => b,
            Bip155Addr::Ipv6(b) | Bip155Addr::Cjdns(b) => b,
            Bip155Addr::TorV2(b) => b,
            Bip155Addr::TorV3(b) | Bip155Addr::I2p(b) => b,
            Bip155Addr::Unknown { bytes, .. } => bytes,
        }
    }

    /// Whether Dash Core would treat the address as usable after parsing it
    /// (`CNetAddr::IsValid` after `UnserializeV2Stream`): unknown ids, Tor v2, IPv4 or Tor v2
    /// embedded in IPv6, internal names, `::`, 2001:db8::/32, 0.0.0.0, 255.255.255.255 and
    /// CJDNS not starting with 0xfc are not.
    pub fn is_valid(&self) -> bool {
        match self {
            Bip155Addr::Ipv4(b) => *b != [0; 4] && *b != [0xff; 4],
            Bip155Addr::Ipv6(b) => {
                !(b.starts_with(&IPV4_IN_IPV6_PREFIX)
                    || b.starts_with(&TORV2_IN_IPV6_PREFIX)
                    || b.starts_with(&INTERNAL_IN_IPV6_PREFIX)
                    || *b == [0; 16]
                    || b.starts_with(&[0x20, 0x01, 0x0d, 0xb8]))
            }
            Bip155Addr::TorV3(_) | Bip155Addr::I2p(_) => true,
            Bip155Addr::Cjdns(b) => b[0] == 0xfc,
            Bip155Addr::TorV2(_) | Bip155Addr::Unknown { .. } => false,
        }
    }

    /// The IP address for the IPv4 and IPv6 networks (not for IPv6 embeddings of other
    /// networks, not for CJDNS, which needs a CJDNS route).
    pub fn ip_addr(&self) -> Option<IpAddr> {
        match self {
            Bip155Addr::Ipv4(b) => Some(IpAddr::V4(Ipv4Addr::from(*b))),
            Bip155Addr::Ipv6(b)
                if !(b.starts_with(&IPV4_IN_IPV6_PREFIX)
                    || b.starts_with(&TORV2_IN_IPV6_PREFIX)
                    || b.starts_with(&INTERNAL_IN_IPV6_PREFIX)) =>
            {
                Some(IpAddr::V6(Ipv6Addr::from(*b)))
            }
            _ => None,
        }
    }
}

impl fmt::Display for Bip155Addr {
    /// Dash Core's `ToStringAddr` forms: dotted IPv4, RFC 5952 IPv6, `<base32>.onion`,
    /// `<base32>.b32.i2p`, `<base32>.internal`; unknown networks as `unknown-<id>:<hex>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bip155Addr::Ipv4(b) => write!(f, "{}", Ipv4Addr::from(*b)),
            Bip155Addr::Ipv6(b) if b.starts_with(&INTERNAL_IN_IPV6_PREFIX) => {
                write!(f, "{}.internal", base32_encode(&b[6..]))
            }
            Bip155Addr::Ipv6(b) | Bip155Addr::Cjdns(b) => write!(f, "{}", Ipv6Addr::from(*b)),
            Bip155Addr::TorV2(b) => write!(f, "{}.onion", base32_encode(b)),
            Bip155Addr::TorV3(key) => f.write_str(&onion_v3_from_key(key)),
            Bip155Addr::I2p(b) => write!(f, "{}.b32.i2p", base32_encode(b)),
            Bip155Addr::Unknown { network_id, bytes } => {
                write!(f, "unknown-{network_id}:{}", hex::encode(bytes))
            }
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Bip155Addr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Encode for Bip155Addr {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.network_id());
        crate::encode::write_bytes(out, self.as_bytes());
    }
}

fn fixed<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    out
}

impl Decode for Bip155Addr {
    const MIN_ENCODED_LEN: usize = 2;
    /// Follows `CNetAddr::UnserializeV2Stream`: the length is checked against
    /// [`MAX_ADDRV2_SIZE`] first, then against the fixed length of a known network id
    /// (a mismatch fails the whole message), then the bytes are read.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let network_id: u8 = r.read("network_id")?;
        let len = r.read_compact_size_unbounded().map_err(|e| e.within("addr"))?;
        if len > MAX_ADDRV2_SIZE as u64 {
            return Err(DecodeError::in_field(
                "addr",
                DecodeErrorKind::TooLarge { got: len, max: MAX_ADDRV2_SIZE as u64 },
            ));
        }
        let expected = match network_id {
            Self::IPV4 => Some(4),
            Self::IPV6 | Self::CJDNS => Some(16),
            Self::TORV3 | Self::I2P => Some(32),
            _ => None,
        };
        if let Some(expected) = expected {
            if len != expected {
                return Err(DecodeError::in_field(
                    "addr",
                    DecodeErrorKind::WrongLength { got: len, expected },
                ));
            }
        }
        let bytes = r.take(len as usize).map_err(|e| e.within("addr"))?;
        Ok(match (network_id, bytes.len()) {
            (Self::IPV4, _) => Bip155Addr::Ipv4(fixed(bytes)),
            (Self::IPV6, _) => Bip155Addr::Ipv6(fixed(bytes)),
            (Self::TORV3, _) => Bip155Addr::TorV3(fixed(bytes)),
            (Self::I2P, _) => Bip155Addr::I2p(fixed(bytes)),
            (Self::CJDNS, _) => Bip155Addr::Cjdns(fixed(bytes)),
            (Self::TORV2, 10) => Bip155Addr::TorV2(fixed(bytes)),
            _ => Bip155Addr::Unknown { network_id, bytes: bytes.to_vec() },
        })
    }
}

/// One entry of an `addrv2` message (BIP155 `CAddress`): time `u32`, services as a
/// CompactSize, network id, length-prefixed address, big-endian port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AddrV2Entry {
    /// When the address was last seen, seconds since the Unix epoch.
    pub time: u32,
    /// Service bits (`NODE_*`), CompactSize on the wire (any 64-bit value).
    pub services: u64,
    /// The network and address.
    pub addr: Bip155Addr,
    /// The port.
    pub port: u16,
}

impl AddrV2Entry {
    /// The socket address, when the address is IPv4 or plain IPv6.
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        self.addr.ip_addr().map(|ip| SocketAddr::new(ip, self.port))
    }
}

impl Encode for AddrV2Entry {
    fn encode(&self, out: &mut Vec<u8>) {
        self.time.encode(out);
        write_compact_size(out, self.services);
        self.addr.encode(out);
        out.extend_from_slice(&self.port.to_be_bytes());
    }
}

impl Decode for AddrV2Entry {
    const MIN_ENCODED_LEN: usize = 9;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(AddrV2Entry {
            time: r.read("time")?,
            // CompactSizeFormatter<false>: canonical, but not limited to MAX_SIZE.
            services: r.read_compact_size_unbounded().map_err(|e| e.within("services"))?,
            addr: r.read("addr")?,
            port: read_port(r)?,
        })
    }
}

/// The `addrv2` payload (BIP155): at most [`MAX_ADDR_ENTRIES`] entries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AddrV2 {
    /// The addresses.
    pub entries: Vec<AddrV2Entry>,
}

impl Encode for AddrV2 {
    fn encode(&self, out: &mut Vec<u8>) {
        crate::encode::write_vec(out, &self.entries);
    }
}

impl Decode for AddrV2 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(AddrV2 { entries: r.read_vec("addresses", MAX_ADDR_ENTRIES)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::vector_tests::{assert_every_prefix_fails, vectors};

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s).expect("vector hex")
    }

    #[test]
    fn caddress_v1_vector_decodes_and_re_encodes() {
        let v = vectors("addrv2.json");
        let raw = unhex(v["caddress_vector_v1"]["vector_hex"].as_str().unwrap());
        let addr = Addr::from_bytes(&raw).unwrap();
        let want = v["caddress_vector_v1"]["entries"].as_array().unwrap();
        assert_eq!(addr.entries.len(), want.len());
        for (got, want) in addr.entries.iter().zip(want) {
            assert_eq!(u64::from(got.time), want["time"]);
            assert_eq!(got.address.services, want["services"]);
            assert_eq!(u64::from(got.address.port), want["port"]);
            assert_eq!(got.address.ip_addr().unwrap().to_string(), want["ip"]);
        }
        assert_eq!(addr.to_bytes(), raw);
        assert_every_prefix_fails::<Addr>(&raw);
    }

    #[test]
    fn caddress_v2_vector_decodes_to_the_same_entries() {
        let v = vectors("addrv2.json");
        let v1 = Addr::from_bytes(&unhex(v["caddress_vector_v1"]["vector_hex"].as_str().unwrap()))
            .unwrap();
        let raw = unhex(v["caddress_vector_v2"]["vector_hex"].as_str().unwrap());
        let v2 = AddrV2::from_bytes(&raw).unwrap();
        assert_eq!(v2.entries.len(), 3);
        for (a, b) in v1.entries.iter().zip(&v2.entries) {
            assert_eq!(a.time, b.time);
            assert_eq!(a.address.services, b.services);
            assert_eq!(Bip155Addr::Ipv6(a.address.ip), b.addr);
            assert_eq!(a.address.socket_addr(), b.socket_addr());
        }
        assert_eq!(v2.to_bytes(), raw);
        assert_every_prefix_fails::<AddrV2>(&raw);
    }

    #[test]
    fn v1_addresses_serialize_as_16_bytes() {
        let v = vectors("addrv2.json");
        let cases = v["cnetaddr_serialize_v1"].as_array().unwrap();
        // "1.2.3.4" and the plain IPv6 address come from socket addresses.
        for (i, text) in [(1, "1.2.3.4"), (2, "1a1b:2a2b:3a3b:4a4b:5a5b:6a6b:7a7b:8a8b")] {
            let ip: IpAddr = text.parse().unwrap();
            let a = NetAddress::from_socket_addr(SocketAddr::new(ip, 0), 0);
            assert_eq!(hex::encode(a.ip), cases[i]["hex"]);
            assert_eq!(a.ip_addr(), Some(ip));
        }
        // The internal name 'a' (SHA256("a")[..10] behind fd6b:88c0:8724) is not an IP.
        let internal = NetAddress {
            ip: fixed(&unhex(cases[4]["hex"].as_str().unwrap())),
            ..Default::default()
        };
        assert_eq!(internal.socket_addr(), None);
    }

    #[test]
    fn addrv2_bodies_serialize_per_the_vectors() {
        let v = vectors("addrv2.json");
        for case in v["cnetaddr_serialize_v2"].as_array().unwrap() {
            let raw = unhex(case["hex"].as_str().unwrap());
            let addr = Bip155Addr::from_bytes(&raw).unwrap();
            assert_eq!(addr.to_bytes(), raw, "{}", case["addr"]);
            assert_every_prefix_fails::<Bip155Addr>(&raw);
            let name = case["addr"].as_str().unwrap();
            if name.ends_with(".onion") {
                assert_eq!(addr.to_string(), name);
            }
        }
    }

    #[test]
    fn addrv2_bodies_parse_or_fail_as_dash_core_does() {
        let v = vectors("addrv2.json");
        for case in v["cnetaddr_unserialize_v2"].as_array().unwrap() {
            let raw = unhex(case["hex"].as_str().unwrap());
            let result = case["result"].as_str().unwrap();
            let parsed = Bip155Addr::from_bytes(&raw);
            if let Some(why) = result.strip_prefix("error: ") {
                let err = parsed.expect_err(result);
                let kind_ok = match err.kind {
                    DecodeErrorKind::UnexpectedEnd { .. } => why == "end of data",
                    DecodeErrorKind::TooLarge { got, max: 512 } => {
                        why == format!("Address too long: {got} > 512")
                    }
                    DecodeErrorKind::WrongLength { got, expected } => {
                        why.ends_with(&format!("with length {got} (should be {expected})"))
                    }
                    _ => false,
                };
                assert!(kind_ok, "{result}: got {err}");
                continue;
            }
            let addr = parsed.unwrap_or_else(|e| panic!("{result}: {e}"));
            assert_eq!(addr.to_bytes(), raw, "{result}");
            assert_every_prefix_fails::<Bip155Addr>(&raw);
            if let Some(rest) = result.strip_prefix("valid ") {
                assert!(addr.is_valid() || rest.starts_with("internal"), "{result}");
                let (_, text) = rest.split_once(' ').unwrap();
                assert_eq!(addr.to_string(), text, "{result}");
            } else {
                assert!(result.starts_with("parsed but invalid"), "{result}");
                assert!(!addr.is_valid(), "{result}");
                assert_eq!(addr.ip_addr(), None, "{result}");
            }
        }
    }

    #[test]
    fn tor_v2_and_unknown_ids_keep_their_bytes() {
        let torv2 = Bip155Addr::from_bytes(&unhex("030af1f2f3f4f5f6f7f8f9fa")).unwrap();
        assert!(matches!(torv2, Bip155Addr::TorV2(_)));
        // Id 3 is unknown to Dash Core: any length parses and is ignored.
        let odd = Bip155Addr::from_bytes(&unhex("0302abcd")).unwrap();
        assert_eq!(odd, Bip155Addr::Unknown { network_id: 3, bytes: vec![0xab, 0xcd] });
        assert_eq!(odd.to_bytes(), unhex("0302abcd"));
    }

    #[test]
    fn address_lists_above_1000_entries_are_refused_before_reading_them() {
        let mut raw = Vec::new();
        write_compact_size(&mut raw, 1001);
        let err = Addr::from_bytes(&raw).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TooLarge { got: 1001, max: 1000 });
        let err = AddrV2::from_bytes(&raw).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TooLarge { got: 1001, max: 1000 });
        // 1000 entries claimed with no bytes behind them: refused before allocating.
        let mut raw = Vec::new();
        write_compact_size(&mut raw, 1000);
        assert!(matches!(
            AddrV2::from_bytes(&raw).unwrap_err().kind,
            DecodeErrorKind::UnexpectedEnd { .. }
        ));
    }

    #[test]
    fn ipv4_socket_addresses_map_into_ipv6_and_back() {
        let sa: SocketAddr = "45.32.237.76:18999".parse().unwrap();
        let a = NetAddress::from_socket_addr(sa, 1029);
        assert_eq!(hex::encode(a.ip), "00000000000000000000ffff2d20ed4c");
        assert_eq!(a.socket_addr(), Some(sa));
        let raw = a.to_bytes();
        assert_eq!(&raw[24..], &[0x4a, 0x37], "port is big-endian");
        assert_eq!(NetAddress::from_bytes(&raw).unwrap(), a);
    }
}
