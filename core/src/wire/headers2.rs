//! Compressed block headers (DIP-0025): the `headers2` payload, its encoder and its decoder,
//! exactly as Dash Core's `CompressibleBlockHeader` (`src/primitives/block.{h,cpp}`) and the
//! `HEADERS2`/`GETHEADERS2` handlers of `src/net_processing.cpp`.
//!
//! Each entry starts with a bitfield saying which fields are present:
//!
//! ```text
//! bits 0-2  0 => nVersion (i32) follows; 1..7 => the (n-1)th most recently used version
//! bit 3     hashPrevBlock present (else: the hash of the previous header)
//! bit 4     nTime present (else: an i16 offset from the previous nTime)
//! bit 5     nBits present (else: the previous nBits)
//! bits 6-7  unused
//! [nVersion 4] [hashPrevBlock 32] hashMerkleRoot 32 (nTime 4 | offset 2) [nBits 4] nNonce 4
//! ```
//!
//! The list of recently used versions holds at most [`MAX_VERSION_CACHE`] entries and lives
//! for one message. Decoding needs the block hash (X11) of every header whose successor omits
//! its prev hash; [`Decompressor`] takes the hasher as a parameter, hashes every header
//! exactly once and returns each hash with its header ([`HashedHeader`]), so the chain never
//! hashes a header again.

use crate::encode::{write_compact_size, Decode, DecodeError, DecodeErrorKind, Encode, Reader};
use crate::hash::{BlockHash, Hash256};
use crate::wire::BlockHeader;

/// The most entries a `headers2` message may carry (`MAX_HEADERS_COMPRESSED_RESULT`, for
/// peers at protocol 70235 or later; older peers send at most 2,000). Dash Core gives
/// misbehaving 20 for more; we refuse to decode them.
pub const MAX_HEADERS_COMPRESSED_RESULT: usize = 8_000;

/// The capacity of the most-recently-used version list of one message.
pub const MAX_VERSION_CACHE: usize = 7;

const BIT_PREV: u8 = 1 << 3;
const BIT_TIME: u8 = 1 << 4;
const BIT_BITS: u8 = 1 << 5;
const VERSION_MASK: u8 = 0b111;
const UNUSED_MASK: u8 = 0b1100_0000;

/// The version field of a compressed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum CompressedVersion {
    /// Version offset 0: the 4-byte `nVersion` is on the wire.
    Full(i32),
    /// Version offset 1..=7: the version is entry `offset - 1` of the message's list of
    /// recently used versions. Values outside 1..=7 cannot be encoded (only the low three
    /// bits are written).
    Recent(u8),
}

/// The time field of a compressed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum CompressedTime {
    /// The 4-byte `nTime` is on the wire.
    Full(u32),
    /// `nTime` is the previous header's time plus this offset, modulo 2^32. Dash Core only
    /// sends offsets 0..=32767 but decodes negative ones too.
    Offset(i16),
}

/// One `block_header2` entry as it was on the wire: each field either present or omitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CompressedHeader {
    /// The version, full or as an offset into the recent-version list.
    pub version: CompressedVersion,
    /// The previous block hash, or `None` when omitted (= hash of the previous header).
    pub prev_blockhash: Option<BlockHash>,
    /// The merkle root (always present).
    pub merkle_root: Hash256,
    /// The time, full or as an offset from the previous header's time.
    pub time: CompressedTime,
    /// The compact target, or `None` when omitted (= the previous header's).
    pub bits: Option<u32>,
    /// The nonce (always present).
    pub nonce: u32,
    /// Bits 6–7 of the bitfield as received. Dash Core sends 0 and ignores them; they are
    /// kept so that an entry re-encodes to the bytes it came from.
    pub unused_bits: u8,
}

impl CompressedHeader {
    /// The smallest entry: bitfield, merkle root, time offset and nonce.
    pub const MIN_SIZE: usize = 1 + 32 + 2 + 4;
    /// The largest entry: every field present.
    pub const MAX_SIZE: usize = 1 + BlockHeader::SIZE;
    /// The bitfield of an entry with every field present.
    pub const FULL_BITFIELD: u8 = BIT_PREV | BIT_TIME | BIT_BITS;

    /// An entry carrying every field of `header` (bitfield `0x38`).
    pub fn full(header: &BlockHeader) -> Self {
        CompressedHeader {
            version: CompressedVersion::Full(header.version),
            prev_blockhash: Some(header.prev_blockhash),
            merkle_root: header.merkle_root,
            time: CompressedTime::Full(header.time),
            bits: Some(header.bits),
            nonce: header.nonce,
            unused_bits: 0,
        }
    }

    /// The bitfield byte this entry is written with.
    pub fn bitfield(&self) -> u8 {
        let version = match self.version {
            CompressedVersion::Full(_) => 0,
            CompressedVersion::Recent(offset) => offset & VERSION_MASK,
        };
        let mut b = version | (self.unused_bits & UNUSED_MASK);
        if self.prev_blockhash.is_some() {
            b |= BIT_PREV;
        }
        if matches!(self.time, CompressedTime::Full(_)) {
            b |= BIT_TIME;
        }
        if self.bits.is_some() {
            b |= BIT_BITS;
        }
        b
    }

    /// Whether every field is present, so that the entry decodes without a previous header.
    pub fn is_full(&self) -> bool {
        matches!(self.version, CompressedVersion::Full(_))
            && self.prev_blockhash.is_some()
            && matches!(self.time, CompressedTime::Full(_))
            && self.bits.is_some()
    }

    /// The number of bytes [`Encode::encode`] writes (39..=81).
    pub fn encoded_len(&self) -> usize {
        let mut n = Self::MIN_SIZE;
        if matches!(self.version, CompressedVersion::Full(_)) {
            n += 4;
        }
        if self.prev_blockhash.is_some() {
            n += 32;
        }
        if matches!(self.time, CompressedTime::Full(_)) {
            n += 2;
        }
        if self.bits.is_some() {
            n += 4;
        }
        n
    }
}

impl Encode for CompressedHeader {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.bitfield());
        if let CompressedVersion::Full(v) = self.version {
            v.encode(out);
        }
        if let Some(prev) = &self.prev_blockhash {
            prev.encode(out);
        }
        self.merkle_root.encode(out);
        match self.time {
            CompressedTime::Full(t) => t.encode(out),
            CompressedTime::Offset(d) => d.encode(out),
        }
        if let Some(bits) = self.bits {
            bits.encode(out);
        }
        self.nonce.encode(out);
    }
}

impl Decode for CompressedHeader {
    const MIN_ENCODED_LEN: usize = CompressedHeader::MIN_SIZE;
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let b = r.read_u8().map_err(|e| e.within("bitfield"))?;
        let version = match b & VERSION_MASK {
            0 => CompressedVersion::Full(r.read("version")?),
            offset => CompressedVersion::Recent(offset),
        };
        let prev_blockhash = if b & BIT_PREV != 0 { Some(r.read("prev_blockhash")?) } else { None };
        let merkle_root = r.read("merkle_root")?;
        let time = if b & BIT_TIME != 0 {
            CompressedTime::Full(r.read("time")?)
        } else {
            CompressedTime::Offset(r.read("time_offset")?)
        };
        let bits = if b & BIT_BITS != 0 { Some(r.read("bits")?) } else { None };
        let nonce = r.read("nonce")?;
        Ok(CompressedHeader {
            version,
            prev_blockhash,
            merkle_root,
            time,
            bits,
            nonce,
            unused_bits: b & UNUSED_MASK,
        })
    }
}

/// A decoded header together with its block hash, computed once while decompressing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct HashedHeader {
    /// The full header.
    pub header: BlockHeader,
    /// Its block hash (X11 of the 80 bytes, as returned by the hasher).
    pub hash: BlockHash,
}

/// Why a `headers2` message cannot be decompressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Headers2Error {
    /// The first entry of a message omits fields, which could only be taken from a previous
    /// header. Dash Core leaves them zero (the header then fails validation); we reject the
    /// message (our rule).
    #[error("the first compressed header omits fields (bitfield {bitfield:#04x})")]
    FirstHeaderNotFull {
        /// The entry's bitfield.
        bitfield: u8,
    },
}

/// The most-recently-used version list (`last_unique_versions`), front = most recent.
#[derive(Debug, Clone, Copy, Default)]
struct VersionList {
    items: [i32; MAX_VERSION_CACHE],
    len: usize,
}

impl VersionList {
    fn push_front(&mut self, v: i32) {
        let keep = self.len.min(MAX_VERSION_CACHE - 1);
        self.items.copy_within(0..keep, 1);
        self.items[0] = v;
        self.len = keep + 1;
    }

    fn move_to_front(&mut self, index: usize) -> i32 {
        let v = self.items[index];
        self.items.copy_within(0..index, 1);
        self.items[0] = v;
        v
    }

    fn position(&self, v: i32) -> Option<usize> {
        self.items[..self.len].iter().position(|&x| x == v)
    }
}

/// The decoder state of one `headers2` message (Dash Core's `Uncompress` loop): the
/// recent-version list and the previous decoded header with its hash. Use a fresh one per
/// message.
#[derive(Debug, Clone, Default)]
pub struct Decompressor {
    versions: VersionList,
    prev: Option<HashedHeader>,
}

impl Decompressor {
    /// The state at the start of a message.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes the next entry and hashes the result once with `hasher`.
    ///
    /// Follows Dash Core exactly: a full version is pushed to the front of the list without
    /// de-duplication (capacity 7); an offset within the list takes that version and moves it
    /// to the front; an offset beyond the list leaves the version 0 (the header then fails
    /// validation). Omitted prev hash = hash of the previous header, time offset added
    /// modulo 2^32, omitted bits = previous bits. The first entry must be full.
    pub fn next(
        &mut self,
        entry: &CompressedHeader,
        mut hasher: impl FnMut(&BlockHeader) -> BlockHash,
    ) -> Result<HashedHeader, Headers2Error> {
        let (prev_hash, prev_time, prev_bits) = match &self.prev {
            Some(p) => (p.hash, p.header.time, p.header.bits),
            None if entry.is_full() => (BlockHash::ZERO, 0, 0),
            None => return Err(Headers2Error::FirstHeaderNotFull { bitfield: entry.bitfield() }),
        };
        let version = match entry.version {
            CompressedVersion::Full(v) => {
                self.versions.push_front(v);
                v
            }
            CompressedVersion::Recent(offset) => {
                let offset = usize::from(offset);
                if (1..=self.versions.len).contains(&offset) {
                    self.versions.move_to_front(offset - 1)
                } else {
                    0
                }
            }
        };
        let header = BlockHeader {
            version,
            prev_blockhash: entry.prev_blockhash.unwrap_or(prev_hash),
            merkle_root: entry.merkle_root,
            time: match entry.time {
                CompressedTime::Full(t) => t,
                CompressedTime::Offset(d) => prev_time.wrapping_add_signed(i32::from(d)),
            },
            bits: entry.bits.unwrap_or(prev_bits),
            nonce: entry.nonce,
        };
        let hashed = HashedHeader { header, hash: hasher(&header) };
        self.prev = Some(hashed);
        Ok(hashed)
    }
}

/// Which of Dash Core's two encoder paths to follow (they differ only in the versions sent
/// in full; both decode to the same headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum CompressionPath {
    /// Block announcements (`SendMessages`): `Compress()` runs for every header, so the first
    /// header's version seeds the recent-version list.
    Announcement,
    /// The reply to `getheaders2`: the first header is sent full without passing through
    /// `Compress()`, so the list starts empty and the second version is always sent in full.
    GetHeaders2Reply,
}

/// The `headers2` payload (DIP-0025): `CompactSize n | n × block_header2`, n ≤
/// [`MAX_HEADERS_COMPRESSED_RESULT`], no tx count after the entries.
///
/// Decoding rejects a message whose first entry omits fields (see
/// [`Headers2Error::FirstHeaderNotFull`]); an empty message is valid.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Headers2 {
    /// The entries as on the wire, in chain order.
    pub headers: Vec<CompressedHeader>,
}

impl Headers2 {
    /// Compresses consecutive headers (each one's prev hash must be the previous one's hash:
    /// the prev hash of every header but the first is omitted) following Dash Core's encoder
    /// on `path`. Deltas of 0..=32767 seconds are sent as offsets; earlier times (Dash Core
    /// computes the delta in u32 arithmetic) and larger gaps are sent in full.
    pub fn compress(headers: &[BlockHeader], path: CompressionPath) -> Self {
        let mut versions = VersionList::default();
        let mut out = Vec::with_capacity(headers.len());
        let mut prev: Option<&BlockHeader> = None;
        for header in headers {
            let entry = match prev {
                None => {
                    if path == CompressionPath::Announcement {
                        versions.push_front(header.version);
                    }
                    CompressedHeader::full(header)
                }
                Some(p) => {
                    let version = match versions.position(header.version) {
                        Some(k) => {
                            versions.move_to_front(k);
                            // k < MAX_VERSION_CACHE = 7, so the offset fits in three bits.
                            CompressedVersion::Recent(k as u8 + 1)
                        }
                        None => {
                            versions.push_front(header.version);
                            CompressedVersion::Full(header.version)
                        }
                    };
                    let delta = header.time.wrapping_sub(p.time);
                    let time = match i16::try_from(delta) {
                        Ok(d) => CompressedTime::Offset(d),
                        Err(_) => CompressedTime::Full(header.time),
                    };
                    CompressedHeader {
                        version,
                        prev_blockhash: None,
                        merkle_root: header.merkle_root,
                        time,
                        bits: (header.bits != p.bits).then_some(header.bits),
                        nonce: header.nonce,
                        unused_bits: 0,
                    }
                }
            };
            out.push(entry);
            prev = Some(header);
        }
        Headers2 { headers: out }
    }

    /// Decompresses every entry, hashing each resulting header exactly once with `hasher`
    /// (X11 of the 80 bytes); see [`Decompressor::next`] for the rules.
    pub fn decompress(
        &self,
        mut hasher: impl FnMut(&BlockHeader) -> BlockHash,
    ) -> Result<Vec<HashedHeader>, Headers2Error> {
        let mut state = Decompressor::new();
        let mut out = Vec::with_capacity(self.headers.len());
        for entry in &self.headers {
            out.push(state.next(entry, &mut hasher)?);
        }
        Ok(out)
    }
}

impl Encode for Headers2 {
    fn encode(&self, out: &mut Vec<u8>) {
        write_compact_size(out, self.headers.len() as u64);
        out.reserve(self.headers.iter().map(CompressedHeader::encoded_len).sum());
        for entry in &self.headers {
            entry.encode(out);
        }
    }
}

impl Decode for Headers2 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.read_count("headers2", MAX_HEADERS_COMPRESSED_RESULT)?;
        let needed = n * CompressedHeader::MIN_SIZE;
        if needed > r.remaining() {
            return Err(DecodeError::in_field(
                "headers2",
                DecodeErrorKind::UnexpectedEnd { needed, remaining: r.remaining() },
            ));
        }
        let mut headers = Vec::with_capacity(n);
        for i in 0..n {
            let entry: CompressedHeader = r.read("header2")?;
            if i == 0 && !entry.is_full() {
                return Err(DecodeError::invalid("headers2", "the first header omits fields"));
            }
            headers.push(entry);
        }
        Ok(Headers2 { headers })
    }
}

#[cfg(test)]
#[path = "headers2_tests.rs"]
mod tests;
