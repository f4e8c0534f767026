//! Connection control payloads: `version`, `ping`/`pong`, `sendcmpct`, `senddsq` and the
//! BIP37 filter messages `filterload`/`filteradd` (`src/net_processing.cpp`,
//! `src/common/bloom.h`). Messages with an empty payload (`verack`, `sendaddrv2`, `getaddr`,
//! `filterclear`, `sendheaders`, `sendheaders2`, `getsporks`, `mempool`) have no struct.

use super::address::NetAddress;
use crate::encode::{write_bytes, Decode, DecodeError, DecodeErrorKind, Encode, Reader};
use crate::hash::Hash256;

/// Longest user agent Dash Core accepts (`MAX_SUBVERSION_LENGTH`); longer fails the message.
pub const MAX_SUBVERSION_LENGTH: usize = 256;
/// Largest bloom filter bit field, in bytes (`MAX_BLOOM_FILTER_SIZE`).
pub const MAX_BLOOM_FILTER_SIZE: usize = 36_000;
/// Most hash functions a bloom filter may use (`MAX_HASH_FUNCS`).
pub const MAX_HASH_FUNCS: u32 = 50;
/// Largest `filteradd` element (`MAX_SCRIPT_ELEMENT_SIZE`).
pub const MAX_SCRIPT_ELEMENT_SIZE: usize = 520;

/// How far a `version` payload goes. Dash Core reads every group after `addr_recv` only if
/// bytes remain, so a peer may stop after any of them; encoding writes the groups up to and
/// including this one, which makes re-encoding a received message exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum VersionExtent {
    /// Nothing after `addr_recv`.
    AddrRecv,
    /// `addr_from` and `nonce` (read together: Dash Core skips 26 bytes then reads 8).
    Nonce,
    /// The user agent.
    UserAgent,
    /// The start height.
    StartHeight,
    /// The BIP37 relay flag.
    Relay,
    /// Dash's 32-byte MNAUTH challenge.
    MnAuthChallenge,
    /// Dash's masternode flag: every field (what Dash Core always sends).
    Masternode,
}

/// The `version` payload (`PushNodeVersion` / the `VERSION` handler).
///
/// Fields a peer left out hold the values Dash Core assumes for them: nonce 1, empty user
/// agent, start height -1, relay true, zero challenge, masternode false, zero `addr_from`.
/// Bools decode like Dash Core (any non-zero byte is true) and re-encode as 1.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Version {
    /// Highest protocol version the sender speaks (`nVersion`).
    pub version: i32,
    /// The sender's service bits.
    pub services: u64,
    /// The sender's clock, seconds since the Unix epoch (`nTime`, int64).
    pub timestamp: i64,
    /// The receiver's address as the sender sees it.
    pub addr_recv: NetAddress,
    /// The sender's own address (ignored by Dash Core).
    pub addr_from: NetAddress,
    /// Random nonce to detect connections to self.
    pub nonce: u64,
    /// The user agent (BIP14 `strSubVer`), raw bytes, at most [`MAX_SUBVERSION_LENGTH`].
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::text"))]
    pub user_agent: Vec<u8>,
    /// The sender's best height.
    pub start_height: i32,
    /// BIP37: whether the receiver should announce transactions before a filter is loaded.
    pub relay: bool,
    /// Challenge a masternode peer signs in its `mnauth` (all-zero: no MNAUTH wanted).
    pub mnauth_challenge: Hash256,
    /// Whether the sender claims to be a masternode connecting to a masternode.
    pub masternode: bool,
    /// Which optional groups are present on the wire.
    pub extent: VersionExtent,
    /// Bytes after the masternode flag, which Dash Core ignores (future fields); encoded only
    /// when `extent` is [`VersionExtent::Masternode`].
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub trailing: Vec<u8>,
}

impl Version {
    /// The user agent as text (invalid UTF-8 replaced).
    pub fn user_agent_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.user_agent)
    }
}

impl Encode for Version {
    fn encode(&self, out: &mut Vec<u8>) {
        self.version.encode(out);
        self.services.encode(out);
        self.timestamp.encode(out);
        self.addr_recv.encode(out);
        let e = self.extent;
        if e >= VersionExtent::Nonce {
            self.addr_from.encode(out);
            self.nonce.encode(out);
        }
        if e >= VersionExtent::UserAgent {
            write_bytes(out, &self.user_agent);
        }
        if e >= VersionExtent::StartHeight {
            self.start_height.encode(out);
        }
        if e >= VersionExtent::Relay {
            self.relay.encode(out);
        }
        if e >= VersionExtent::MnAuthChallenge {
            self.mnauth_challenge.encode(out);
        }
        if e >= VersionExtent::Masternode {
            self.masternode.encode(out);
            out.extend_from_slice(&self.trailing);
        }
    }
}

impl Decode for Version {
    const MIN_ENCODED_LEN: usize = 46;
    /// Reads a whole payload: optional groups are present when bytes remain, so the reader
    /// must end where the payload ends. A group cut short is an error, as in Dash Core.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut v = Version {
            version: r.read("version")?,
            services: r.read("services")?,
            timestamp: r.read("timestamp")?,
            addr_recv: r.read("addr_recv")?,
            addr_from: NetAddress::default(),
            nonce: 1,
            user_agent: Vec::new(),
            start_height: -1,
            relay: true,
            mnauth_challenge: Hash256::ZERO,
            masternode: false,
            extent: VersionExtent::AddrRecv,
            trailing: Vec::new(),
        };
        if r.is_empty() {
            return Ok(v);
        }
        v.addr_from = r.read("addr_from")?;
        v.nonce = r.read("nonce")?;
        v.extent = VersionExtent::Nonce;
        if r.is_empty() {
            return Ok(v);
        }
        v.user_agent = r.read_byte_vec("user_agent", MAX_SUBVERSION_LENGTH)?;
        v.extent = VersionExtent::UserAgent;
        if r.is_empty() {
            return Ok(v);
        }
        v.start_height = r.read("start_height")?;
        v.extent = VersionExtent::StartHeight;
        if r.is_empty() {
            return Ok(v);
        }
        v.relay = r.read("relay")?;
        v.extent = VersionExtent::Relay;
        if r.is_empty() {
            return Ok(v);
        }
        v.mnauth_challenge = r.read("mnauth_challenge")?;
        v.extent = VersionExtent::MnAuthChallenge;
        if r.is_empty() {
            return Ok(v);
        }
        v.masternode = r.read("masternode")?;
        v.extent = VersionExtent::Masternode;
        v.trailing = r.take_rest().to_vec();
        Ok(v)
    }
}

/// The `ping` payload (BIP31): a nonce the peer echoes in `pong`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Ping {
    /// The nonce.
    pub nonce: u64,
}

/// The `pong` payload: the nonce of the `ping` it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Pong {
    /// The nonce.
    pub nonce: u64,
}

macro_rules! nonce_codec {
    ($($t:ident),*) => {$(
        impl Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                self.nonce.encode(out);
            }
        }
        impl Decode for $t {
            const MIN_ENCODED_LEN: usize = 8;
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok($t { nonce: r.read("nonce")? })
            }
        }
    )*};
}
nonce_codec!(Ping, Pong);

/// The `sendcmpct` payload (BIP152): announce mode and compact-block version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SendCmpct {
    /// Whether new blocks should be announced as `cmpctblock` (high bandwidth).
    pub announce: bool,
    /// Compact block protocol version (Dash Core speaks 1).
    pub version: u64,
}

impl Encode for SendCmpct {
    fn encode(&self, out: &mut Vec<u8>) {
        self.announce.encode(out);
        self.version.encode(out);
    }
}

impl Decode for SendCmpct {
    const MIN_ENCODED_LEN: usize = 9;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(SendCmpct { announce: r.read("announce")?, version: r.read("version")? })
    }
}

/// The `senddsq` payload: whether the sender wants CoinJoin queue (`dsq`) messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SendDsq(pub bool);

impl Encode for SendDsq {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
    }
}

impl Decode for SendDsq {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read("send_dsq").map(SendDsq)
    }
}

/// The `filterload` payload: a serialized `CBloomFilter` (BIP37). Also the filter of
/// `govsync`. The limits Dash Core checks after reading (`IsWithinSizeConstraints`,
/// misbehaving 100) are enforced while decoding: at most [`MAX_BLOOM_FILTER_SIZE`] bytes and
/// [`MAX_HASH_FUNCS`] hash functions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FilterLoad {
    /// The bit field (`vData`).
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub data: Vec<u8>,
    /// Number of hash functions (`nHashFuncs`).
    pub hash_funcs: u32,
    /// Seed tweak (`nTweak`).
    pub tweak: u32,
    /// Update mode (`nFlags`: 0 none, 1 all, 2 P2PK/multisig only; Dash Core masks with 3).
    pub flags: u8,
}

impl Encode for FilterLoad {
    fn encode(&self, out: &mut Vec<u8>) {
        write_bytes(out, &self.data);
        self.hash_funcs.encode(out);
        self.tweak.encode(out);
        self.flags.encode(out);
    }
}

impl Decode for FilterLoad {
    const MIN_ENCODED_LEN: usize = 10;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let data = r.read_byte_vec("filter_data", MAX_BLOOM_FILTER_SIZE)?;
        let hash_funcs: u32 = r.read("hash_funcs")?;
        if hash_funcs > MAX_HASH_FUNCS {
            return Err(DecodeError::in_field(
                "hash_funcs",
                DecodeErrorKind::TooLarge {
                    got: u64::from(hash_funcs),
                    max: u64::from(MAX_HASH_FUNCS),
                },
            ));
        }
        Ok(FilterLoad { data, hash_funcs, tweak: r.read("tweak")?, flags: r.read("flags")? })
    }
}

/// The `filteradd` payload: one element (at most [`MAX_SCRIPT_ELEMENT_SIZE`] bytes) to add
/// to the loaded filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FilterAdd {
    /// The element, in the byte order it has inside transactions.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::serde_hex::bytes"))]
    pub element: Vec<u8>,
}

impl Encode for FilterAdd {
    fn encode(&self, out: &mut Vec<u8>) {
        write_bytes(out, &self.element);
    }
}

impl Decode for FilterAdd {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(FilterAdd { element: r.read_byte_vec("element", MAX_SCRIPT_ELEMENT_SIZE)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::vector_tests::{assert_every_prefix_fails, vectors};

    fn spv_version() -> Version {
        let raw = vectors("envelope.json")["version_message"]["example"]["payload_hex"]
            .as_str()
            .map(|s| hex::decode(s).unwrap())
            .unwrap();
        Version::from_bytes(&raw).unwrap()
    }

    #[test]
    fn envelope_version_example_decodes_every_dash_field() {
        let v = spv_version();
        assert_eq!(v.version, 70240);
        assert_eq!(v.services, 0);
        assert_eq!(v.timestamp, 1_700_000_000);
        assert_eq!(v.addr_recv.socket_addr(), Some("127.0.0.1:9999".parse().unwrap()));
        assert_eq!(v.addr_from, NetAddress::default());
        assert_eq!(v.nonce, 0x1122_3344_5566_7788);
        assert_eq!(v.user_agent_lossy(), "/research-spv:0.1/");
        assert_eq!(v.start_height, 2_400_000);
        assert!(!v.relay);
        assert!(v.mnauth_challenge.is_zero());
        assert!(!v.masternode);
        assert_eq!(v.extent, VersionExtent::Masternode);
        assert!(v.trailing.is_empty());
    }

    #[test]
    fn version_stopping_after_any_group_re_encodes_exactly() {
        let full = spv_version().to_bytes();
        // Group boundaries: addr_recv 46, nonce 80, user agent 99, height 103, relay 104,
        // challenge 136, masternode 137.
        let cuts = [
            (46, VersionExtent::AddrRecv),
            (80, VersionExtent::Nonce),
            (99, VersionExtent::UserAgent),
            (103, VersionExtent::StartHeight),
            (104, VersionExtent::Relay),
            (136, VersionExtent::MnAuthChallenge),
            (137, VersionExtent::Masternode),
        ];
        let mut decoded = 0;
        for end in 0..=full.len() {
            let want = cuts.iter().find(|c| c.0 == end);
            match (Version::from_bytes(&full[..end]), want) {
                (Ok(v), Some(&(_, extent))) => {
                    assert_eq!(v.extent, extent);
                    assert_eq!(v.to_bytes(), &full[..end]);
                    decoded += 1;
                }
                (Err(_), None) => {}
                (got, want) => panic!("prefix {end}: {got:?} vs {want:?}"),
            }
        }
        assert_eq!(decoded, cuts.len());
        let short = Version::from_bytes(&full[..46]).unwrap();
        assert_eq!((short.nonce, short.start_height, short.relay), (1, -1, true));
    }

    #[test]
    fn version_keeps_bytes_after_the_masternode_flag() {
        let mut raw = spv_version().to_bytes();
        raw.extend_from_slice(&[0xde, 0xad]);
        let v = Version::from_bytes(&raw).unwrap();
        assert_eq!(v.trailing, vec![0xde, 0xad]);
        assert_eq!(v.to_bytes(), raw);
    }

    #[test]
    fn user_agent_longer_than_256_bytes_is_refused() {
        let mut v = spv_version();
        v.user_agent = vec![b'a'; 256];
        let raw = v.to_bytes();
        assert_eq!(Version::from_bytes(&raw).unwrap(), v);
        v.user_agent.push(b'a');
        let err = Version::from_bytes(&v.to_bytes()).unwrap_err();
        assert_eq!(err.field, "user_agent");
        assert_eq!(err.kind, DecodeErrorKind::TooLarge { got: 257, max: 256 });
    }

    #[test]
    fn filterload_limits_are_enforced_at_decode() {
        let ok = FilterLoad { data: vec![0xff; 36_000], hash_funcs: 50, tweak: 7, flags: 1 };
        assert_eq!(FilterLoad::from_bytes(&ok.to_bytes()).unwrap(), ok);
        let big = FilterLoad { data: vec![0; 36_001], ..ok.clone() };
        let err = FilterLoad::from_bytes(&big.to_bytes()).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TooLarge { got: 36_001, max: 36_000 });
        let many = FilterLoad { hash_funcs: 51, ..ok };
        let err = FilterLoad::from_bytes(&many.to_bytes()).unwrap_err();
        assert_eq!(err.field, "hash_funcs");
        // A length prefix claiming 36,000 bytes with none behind it allocates nothing.
        let err = FilterLoad::from_bytes(&[0xfd, 0xa0, 0x8c]).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::UnexpectedEnd { .. }));
    }

    #[test]
    fn filteradd_elements_above_520_bytes_are_refused() {
        let ok = FilterAdd { element: vec![1; 520] };
        assert_eq!(FilterAdd::from_bytes(&ok.to_bytes()).unwrap(), ok);
        let err = FilterAdd::from_bytes(&FilterAdd { element: vec![1; 521] }.to_bytes());
        assert_eq!(err.unwrap_err().kind, DecodeErrorKind::TooLarge { got: 521, max: 520 });
    }

    #[test]
    fn fixed_size_control_payloads_fail_on_every_prefix() {
        assert_every_prefix_fails::<Ping>(&Ping { nonce: 5 }.to_bytes());
        assert_every_prefix_fails::<Pong>(&Pong { nonce: 5 }.to_bytes());
        assert_every_prefix_fails::<SendCmpct>(
            &SendCmpct { announce: true, version: 1 }.to_bytes(),
        );
        assert_every_prefix_fails::<SendDsq>(&[1]);
        let f = FilterLoad { data: vec![1, 2, 3], hash_funcs: 3, tweak: 9, flags: 2 };
        assert_every_prefix_fails::<FilterLoad>(&f.to_bytes());
    }
}
