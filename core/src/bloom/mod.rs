//! BIP37 bloom filters exactly as Dash Core implements them (`src/common/bloom.{h,cpp}`),
//! including the DIP2 special-transaction rules of `IsRelevantAndUpdate`.
//!
//! A peer applies [`BloomFilter::is_relevant_and_update`] to every transaction it considers
//! for us and may insert outpoints (or ProTx hashes) into its copy of our filter. Running the
//! same function on the same transactions in the same order keeps a local mirror bit-identical
//! to the peer's copy.

mod convert;
pub mod estimator;
pub mod layout;
pub mod mirror;
mod murmur3;
pub mod policy;
mod relevance;

#[cfg(test)]
mod band_tests;
#[cfg(test)]
mod estimator_tests;
#[cfg(test)]
mod mirror_tests;
#[cfg(test)]
mod policy_tests;
#[cfg(test)]
mod testgen;
#[cfg(test)]
mod tests;

pub use estimator::{BlockSample, Drift, EstimatorConfig, FpEstimator, RateEstimate};
pub use mirror::{FilterAction, FilterMirror, MirrorError, TxDelivery, TxSource};
pub use murmur3::murmur3_32;
pub use policy::{
    FilterPolicy, FilterTarget, FilterUpdates, PolicyConfig, ReloadReason, WatchUpdate,
};
pub use relevance::is_matchable_in_merkle_block;

use crate::encode::{write_bytes, Decode, DecodeError, DecodeErrorKind, Encode, Reader};
use crate::tx::OutPoint;

pub use crate::wire::{MAX_BLOOM_FILTER_SIZE, MAX_HASH_FUNCS};
/// `BLOOM_UPDATE_NONE`: the peer never adds to the filter.
pub const BLOOM_UPDATE_NONE: u8 = 0;
/// `BLOOM_UPDATE_ALL`: the peer adds the outpoint of every matching output.
pub const BLOOM_UPDATE_ALL: u8 = 1;
/// `BLOOM_UPDATE_P2PUBKEY_ONLY`: only outpoints of matching pay-to-pubkey and bare multisig
/// outputs are added.
pub const BLOOM_UPDATE_P2PUBKEY_ONLY: u8 = 2;
/// `BLOOM_UPDATE_MASK`: the flag bits that select the update mode (others are ignored but
/// kept).
pub const BLOOM_UPDATE_MASK: u8 = 3;

/// The multiplier of the hash-function index in each seed (`CBloomFilter::Hash`).
const SEED_MULTIPLIER: u32 = 0xfba4_c795;

// The exact constants of bloom.cpp, so the constructor rounds as Dash Core does.
#[allow(clippy::excessive_precision)]
const LN2SQUARED: f64 = 0.4804530139182014246671025263266649717305529515945455;
/// bloom.cpp's `LN2` literal rounds to exactly this double.
const LN2: f64 = std::f64::consts::LN_2;

/// How matches update the filter (`nFlags & BLOOM_UPDATE_MASK`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BloomUpdate {
    /// Never update (mode 0, and also 3, which Dash Core treats like 0).
    None,
    /// Insert the outpoint of every matching output.
    All,
    /// Insert outpoints of matching P2PK and bare multisig outputs only.
    P2PubkeyOnly,
}

/// A filter that breaks Dash Core's limits or a constructor argument it cannot use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BloomError {
    /// More than [`MAX_BLOOM_FILTER_SIZE`] bytes (a peer sending it gets misbehaving 100).
    #[error("bloom filter of {size} bytes exceeds {MAX_BLOOM_FILTER_SIZE}")]
    TooLarge {
        /// The size found.
        size: usize,
    },
    /// More than [`MAX_HASH_FUNCS`] hash functions.
    #[error("{count} hash functions exceed {MAX_HASH_FUNCS}")]
    TooManyHashFuncs {
        /// The count found.
        count: u32,
    },
    /// Zero elements (Dash Core would divide by zero).
    #[error("a bloom filter needs at least one element")]
    NoElements,
    /// A false-positive rate outside (0, 1].
    #[error("false-positive rate must be in (0, 1]")]
    BadFalsePositiveRate,
}

/// A BIP37 bloom filter (`CBloomFilter`). Its serialization is the `filterload` payload:
/// `vData (CompactSize + bytes) | nHashFuncs u32 | nTweak u32 | nFlags u8`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BloomFilter {
    data: Vec<u8>,
    hash_funcs: u32,
    tweak: u32,
    flags: u8,
}

impl BloomFilter {
    /// Dash Core's constructor `CBloomFilter(nElements, nFPRate, nTweak, nFlags)`:
    /// `bits = min((uint)(-1/ln2² · n · ln(p)), 36000·8)`, `size = bits / 8`,
    /// `hash_funcs = min((uint)(size·8 / n · ln2), 50)` — where `size·8 / n` is an *integer*
    /// division, a quirk kept so our filters equal Dash Core's byte for byte.
    pub fn new(
        n_elements: u32,
        fp_rate: f64,
        tweak: u32,
        flags: u8,
    ) -> Result<BloomFilter, BloomError> {
        if n_elements == 0 {
            return Err(BloomError::NoElements);
        }
        if !(fp_rate > 0.0 && fp_rate <= 1.0) {
            return Err(BloomError::BadFalsePositiveRate);
        }
        // `as u32` saturates where C++'s cast would be undefined (huge values); the min then
        // gives the same result as any sane C++ build.
        let bits = (-1.0 / LN2SQUARED * f64::from(n_elements) * fp_rate.ln()) as u32;
        let size = bits.min(MAX_BLOOM_FILTER_SIZE as u32 * 8) / 8;
        let per_element = (size as usize * 8 / n_elements as usize) as f64;
        let hash_funcs = ((per_element * LN2) as u32).min(MAX_HASH_FUNCS);
        Ok(BloomFilter { data: vec![0; size as usize], hash_funcs, tweak, flags })
    }

    /// A filter from its serialized parts, checked against Dash Core's limits
    /// (`IsWithinSizeConstraints`).
    pub fn from_parts(
        data: Vec<u8>,
        hash_funcs: u32,
        tweak: u32,
        flags: u8,
    ) -> Result<BloomFilter, BloomError> {
        if data.len() > MAX_BLOOM_FILTER_SIZE {
            return Err(BloomError::TooLarge { size: data.len() });
        }
        if hash_funcs > MAX_HASH_FUNCS {
            return Err(BloomError::TooManyHashFuncs { count: hash_funcs });
        }
        Ok(BloomFilter { data, hash_funcs, tweak, flags })
    }

    /// The parts `(data, hash_funcs, tweak, flags)`.
    pub fn into_parts(self) -> (Vec<u8>, u32, u32, u8) {
        (self.data, self.hash_funcs, self.tweak, self.flags)
    }

    /// The bit array (vData).
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// nHashFuncs.
    pub fn hash_funcs(&self) -> u32 {
        self.hash_funcs
    }

    /// nTweak.
    pub fn tweak(&self) -> u32 {
        self.tweak
    }

    /// nFlags, including any bits outside the update mask.
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// The update mode selected by `flags & BLOOM_UPDATE_MASK`.
    pub fn update_mode(&self) -> BloomUpdate {
        match self.flags & BLOOM_UPDATE_MASK {
            BLOOM_UPDATE_ALL => BloomUpdate::All,
            BLOOM_UPDATE_P2PUBKEY_ONLY => BloomUpdate::P2PubkeyOnly,
            _ => BloomUpdate::None,
        }
    }

    /// Whether vData is empty: such a filter matches everything (and inserts nothing).
    pub fn is_match_all(&self) -> bool {
        self.data.is_empty()
    }

    #[inline]
    fn bit_index(&self, i: u32, element: &[u8]) -> usize {
        let seed = i.wrapping_mul(SEED_MULTIPLIER).wrapping_add(self.tweak);
        murmur3_32(seed, element) as usize % (self.data.len() * 8)
    }

    /// The bits `element` sets (none for an empty filter).
    pub(crate) fn bit_indices<'a>(&'a self, element: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        let n = if self.data.is_empty() { 0 } else { self.hash_funcs };
        (0..n).map(move |i| self.bit_index(i, element))
    }

    /// Adds an element (no-op on an empty filter).
    pub fn insert(&mut self, element: impl AsRef<[u8]>) {
        let element = element.as_ref();
        if self.data.is_empty() {
            return;
        }
        for i in 0..self.hash_funcs {
            let idx = self.bit_index(i, element);
            self.data[idx >> 3] |= 1 << (idx & 7);
        }
    }

    /// Whether the element may be in the filter (always true for an empty filter).
    pub fn contains(&self, element: impl AsRef<[u8]>) -> bool {
        let element = element.as_ref();
        if self.data.is_empty() {
            return true;
        }
        (0..self.hash_funcs).all(|i| {
            let idx = self.bit_index(i, element);
            self.data[idx >> 3] & (1 << (idx & 7)) != 0
        })
    }

    /// Adds an outpoint as its 36-byte serialization.
    pub fn insert_outpoint(&mut self, outpoint: &OutPoint) {
        self.insert(outpoint.to_array());
    }

    /// Whether the filter contains an outpoint's 36-byte serialization.
    pub fn contains_outpoint(&self, outpoint: &OutPoint) -> bool {
        self.contains(outpoint.to_array())
    }
}

impl Encode for BloomFilter {
    fn encode(&self, out: &mut Vec<u8>) {
        write_bytes(out, &self.data);
        self.hash_funcs.encode(out);
        self.tweak.encode(out);
        self.flags.encode(out);
    }
}

impl Decode for BloomFilter {
    const MIN_ENCODED_LEN: usize = 1 + 4 + 4 + 1;
    /// Reads a `filterload` payload; filters beyond Dash Core's limits are rejected.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let data = r.read_byte_vec("data", MAX_BLOOM_FILTER_SIZE)?;
        let hash_funcs: u32 = r.read("hash_funcs")?;
        if hash_funcs > MAX_HASH_FUNCS {
            return Err(DecodeError::in_field(
                "hash_funcs",
                DecodeErrorKind::TooLarge { got: hash_funcs.into(), max: MAX_HASH_FUNCS.into() },
            ));
        }
        Ok(BloomFilter { data, hash_funcs, tweak: r.read("tweak")?, flags: r.read("flags")? })
    }
}
