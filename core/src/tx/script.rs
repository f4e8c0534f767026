//! Scripts as byte strings: push iteration exactly like Dash Core's `GetScriptOp`
//! (`src/script/script.cpp`) and the output classifications the bloom filter needs
//! (`Solver` in `src/script/standard.cpp`).

use crate::encode::{Decode, DecodeError, Encode, Reader};
use std::fmt;

/// The largest script decoded from a transaction. Dash Core's deserializer only applies
/// MAX_SIZE, but `CheckTransaction` rejects any transaction over MAX_LEGACY_BLOCK_SIZE
/// (1,000,000 bytes), so no valid script is longer.
pub const MAX_SCRIPT_DECODE_SIZE: usize = 1_000_000;

/// The opcodes this module names (`src/script/script.h`).
pub mod opcodes {
    /// `OP_0` / `OP_FALSE`: pushes an empty byte string.
    pub const OP_0: u8 = 0x00;
    /// Push the next byte's count of bytes.
    pub const OP_PUSHDATA1: u8 = 0x4c;
    /// Push the next u16 (LE) count of bytes.
    pub const OP_PUSHDATA2: u8 = 0x4d;
    /// Push the next u32 (LE) count of bytes.
    pub const OP_PUSHDATA4: u8 = 0x4e;
    /// `OP_1`, the first small-integer opcode.
    pub const OP_1: u8 = 0x51;
    /// `OP_16`, the last small-integer opcode.
    pub const OP_16: u8 = 0x60;
    /// `OP_RETURN`.
    pub const OP_RETURN: u8 = 0x6a;
    /// `OP_DUP`.
    pub const OP_DUP: u8 = 0x76;
    /// `OP_EQUAL`.
    pub const OP_EQUAL: u8 = 0x87;
    /// `OP_EQUALVERIFY`.
    pub const OP_EQUALVERIFY: u8 = 0x88;
    /// `OP_HASH160`.
    pub const OP_HASH160: u8 = 0xa9;
    /// `OP_CHECKSIG`.
    pub const OP_CHECKSIG: u8 = 0xac;
    /// `OP_CHECKMULTISIG`.
    pub const OP_CHECKMULTISIG: u8 = 0xae;
}

use opcodes::*;

/// Dash Core's `MAX_PUBKEYS_PER_MULTISIG`.
const MAX_PUBKEYS_PER_MULTISIG: i64 = 20;

/// A script (`CScript`): raw bytes, serialized as CompactSize + bytes.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Script(Vec<u8>);

#[cfg(feature = "serde")]
impl serde::Serialize for Script {
    /// As lowercase hex.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(&self.0))
    }
}

/// One step of [`Script::instructions`]: an opcode and, for push opcodes (`0x00..=0x4e`), the
/// bytes it pushes (empty for every other opcode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Instruction<'a> {
    /// The opcode byte.
    pub opcode: u8,
    /// The pushed bytes (empty for `OP_0` and for non-push opcodes).
    pub data: &'a [u8],
}

/// Iterator over a script's instructions, as `GetScriptOp` reads them. It ends at the end
/// of the script or at the first malformed push (a push that claims more bytes than remain),
/// after which [`Instructions::hit_malformed_push`] is true.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Instructions<'a> {
    rest: &'a [u8],
    malformed: bool,
}

impl<'a> Instructions<'a> {
    /// Whether iteration stopped because of a malformed push.
    pub fn hit_malformed_push(&self) -> bool {
        self.malformed
    }

    /// The bytes not consumed yet.
    pub fn remaining(&self) -> &'a [u8] {
        self.rest
    }

    fn fail(&mut self) -> Option<Instruction<'a>> {
        self.malformed = true;
        self.rest = &[];
        None
    }
}

impl<'a> Iterator for Instructions<'a> {
    type Item = Instruction<'a>;

    fn next(&mut self) -> Option<Instruction<'a>> {
        let (&opcode, after) = self.rest.split_first()?;
        if opcode > OP_PUSHDATA4 {
            self.rest = after;
            return Some(Instruction { opcode, data: &[] });
        }
        let (size, after) = match opcode {
            OP_PUSHDATA1 => match after.split_first() {
                Some((&n, tail)) => (n as usize, tail),
                None => return self.fail(),
            },
            OP_PUSHDATA2 => match after.split_first_chunk::<2>() {
                Some((n, tail)) => (u16::from_le_bytes(*n) as usize, tail),
                None => return self.fail(),
            },
            OP_PUSHDATA4 => match after.split_first_chunk::<4>() {
                // u32 -> usize cannot truncate on the 32/64-bit targets we build for; a
                // count larger than the rest fails below either way.
                Some((n, tail)) => (u32::from_le_bytes(*n) as usize, tail),
                None => return self.fail(),
            },
            n => (n as usize, after),
        };
        if size > after.len() {
            return self.fail();
        }
        let (data, rest) = after.split_at(size);
        self.rest = rest;
        Some(Instruction { opcode, data })
    }
}

impl Script {
    /// A script from its bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Script(bytes)
    }

    /// The script's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The script's bytes, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the script is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The instructions, exactly as Dash Core's `GetOp` walks them.
    pub fn instructions(&self) -> Instructions<'_> {
        Instructions { rest: &self.0, malformed: false }
    }

    /// Every non-empty data push, in order, up to the first malformed push: the elements
    /// `CBloomFilter::CheckScript` tests.
    pub fn pushes(&self) -> impl Iterator<Item = &[u8]> {
        self.instructions().map(|i| i.data).filter(|d| !d.is_empty())
    }

    /// The 20-byte hash of a P2PKH script (`OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG`).
    pub fn p2pkh_hash(&self) -> Option<[u8; 20]> {
        let s = &self.0;
        if s.len() == 25
            && s[0] == OP_DUP
            && s[1] == OP_HASH160
            && s[2] == 20
            && s[23] == OP_EQUALVERIFY
            && s[24] == OP_CHECKSIG
        {
            s[3..23].try_into().ok()
        } else {
            None
        }
    }

    /// The 20-byte hash of a P2SH script (`OP_HASH160 <20> OP_EQUAL`,
    /// `CScript::IsPayToScriptHash`).
    pub fn p2sh_hash(&self) -> Option<[u8; 20]> {
        let s = &self.0;
        if s.len() == 23 && s[0] == OP_HASH160 && s[1] == 0x14 && s[22] == OP_EQUAL {
            s[2..22].try_into().ok()
        } else {
            None
        }
    }

    /// The public key of a pay-to-pubkey script (`<33 or 65-byte key> OP_CHECKSIG`, with the
    /// key's first byte consistent with its length): `Solver`'s `TxoutType::PUBKEY`.
    pub fn p2pk_pubkey(&self) -> Option<&[u8]> {
        let s = &self.0;
        for size in [65usize, 33] {
            if s.len() == size + 2 && s[0] as usize == size && s[size + 1] == OP_CHECKSIG {
                let key = &s[1..=size];
                return valid_pubkey_size(key).then_some(key);
            }
        }
        None
    }

    /// Whether this is a pay-to-pubkey script (`TxoutType::PUBKEY`).
    pub fn is_p2pk(&self) -> bool {
        self.p2pk_pubkey().is_some()
    }

    /// Whether this is a bare multisig script (`TxoutType::MULTISIG`, Dash Core's
    /// `MatchMultisig`): `<m> <key>... <n> OP_CHECKMULTISIG` with 1 ≤ m ≤ n ≤ 20, counts as
    /// OP_1..OP_16 or minimal number pushes, and exactly n well-sized keys.
    pub fn is_multisig(&self) -> bool {
        if self.0.last() != Some(&OP_CHECKMULTISIG) {
            return false;
        }
        let mut it = self.instructions();
        let Some(required) = it.next().and_then(multisig_key_count) else {
            return false;
        };
        let mut keys = 0i64;
        // As Dash Core: the loop stops at the first instruction that is not a well-sized key
        // (or at a failed read, which leaves an invalid opcode that is no key count).
        let last = loop {
            match it.next() {
                Some(i) if valid_pubkey_size(i.data) => keys += 1,
                other => break other,
            }
        };
        let Some(n) = last.and_then(multisig_key_count) else {
            return false;
        };
        keys == n && n >= required && it.remaining().len() == 1
    }

    /// Whether a bloom filter with `BLOOM_UPDATE_P2PUBKEY_ONLY` adds outpoints of this output:
    /// pay-to-pubkey or bare multisig.
    pub fn is_p2pk_or_multisig(&self) -> bool {
        self.is_p2pk() || self.is_multisig()
    }
}

/// `CPubKey::ValidSize`: non-empty and the length its header byte announces.
fn valid_pubkey_size(key: &[u8]) -> bool {
    let expected = match key.first() {
        Some(2 | 3) => 33,
        Some(4 | 6 | 7) => 65,
        _ => return false,
    };
    key.len() == expected
}

/// `GetMultisigKeyCount`: OP_1..OP_16, or a minimal push of a minimally encoded number, in
/// 1..=20.
fn multisig_key_count(i: Instruction<'_>) -> Option<i64> {
    let n = match i.opcode {
        OP_1..=OP_16 => i64::from(i.opcode - OP_1 + 1),
        0x01..=OP_PUSHDATA4 => {
            if !is_minimal_push(i.data, i.opcode) {
                return None;
            }
            script_num(i.data)?
        }
        _ => return None,
    };
    (1..=MAX_PUBKEYS_PER_MULTISIG).contains(&n).then_some(n)
}

/// `CheckMinimalPush`.
fn is_minimal_push(data: &[u8], opcode: u8) -> bool {
    match data.len() {
        0 => opcode == OP_0,
        1 if (1..=16).contains(&data[0]) || data[0] == 0x81 => false,
        n @ 1..=75 => opcode as usize == n,
        76..=255 => opcode == OP_PUSHDATA1,
        256..=65535 => opcode == OP_PUSHDATA2,
        _ => true,
    }
}

/// `CScriptNum(data, fRequireMinimal = true)` with the default 4-byte limit; `None` where
/// Dash Core throws.
fn script_num(data: &[u8]) -> Option<i64> {
    if data.len() > 4 {
        return None;
    }
    if let Some(&last) = data.last() {
        if last & 0x7f == 0 && (data.len() <= 1 || data[data.len() - 2] & 0x80 == 0) {
            return None;
        }
    }
    let Some(&last) = data.last() else {
        return Some(0);
    };
    let mut value: i64 = 0;
    for (i, b) in data.iter().enumerate() {
        value |= i64::from(*b) << (8 * i);
    }
    if last & 0x80 != 0 {
        let mask = !(0x80i64 << (8 * (data.len() - 1)));
        Some(-(value & mask))
    } else {
        Some(value)
    }
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Script({})", hex::encode(&self.0))
    }
}

impl From<Vec<u8>> for Script {
    fn from(bytes: Vec<u8>) -> Self {
        Script(bytes)
    }
}

impl AsRef<[u8]> for Script {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Encode for Script {
    fn encode(&self, out: &mut Vec<u8>) {
        crate::encode::write_bytes(out, &self.0);
    }
}

impl Decode for Script {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_byte_vec("script", MAX_SCRIPT_DECODE_SIZE).map(Script)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(hex: &str) -> Script {
        Script::new(hex::decode(hex).unwrap())
    }

    #[test]
    fn instructions_read_every_push_form() {
        // OP_0, direct push of 2, PUSHDATA1 1 byte, PUSHDATA2 1 byte, PUSHDATA4 1 byte, OP_DUP.
        let s = script("00 02aabb 4c01cc 4d0100dd 4e01000000ee 76".replace(' ', "").as_str());
        let got: Vec<_> = s.instructions().map(|i| (i.opcode, i.data.to_vec())).collect();
        assert_eq!(
            got,
            vec![
                (0x00, vec![]),
                (0x02, vec![0xaa, 0xbb]),
                (0x4c, vec![0xcc]),
                (0x4d, vec![0xdd]),
                (0x4e, vec![0xee]),
                (0x76, vec![]),
            ]
        );
        assert_eq!(s.pushes().count(), 4);
    }

    #[test]
    fn iteration_stops_at_the_first_malformed_push() {
        for bad in ["02bb", "4c", "4c02bb", "4d01", "4d0200bb", "4e010000", "4e02000000bb"] {
            let s = script(&format!("01aa{bad}"));
            let mut it = s.instructions();
            assert_eq!(it.next().unwrap().data, &[0xaa]);
            assert!(it.next().is_none(), "{bad}");
            assert!(it.hit_malformed_push(), "{bad}");
            assert!(it.next().is_none(), "{bad}");
        }
        let s = script("01aa0001bb");
        assert!(s.instructions().all(|_| true));
        assert_eq!(s.pushes().count(), 2);
    }

    #[test]
    fn standard_output_forms_are_recognised() {
        let p2pkh = script("76a91404943fdd508053c75000106d3bc6e2754dbcff1988ac");
        assert_eq!(
            hex::encode(p2pkh.p2pkh_hash().unwrap()),
            "04943fdd508053c75000106d3bc6e2754dbcff19"
        );
        assert!(p2pkh.p2sh_hash().is_none() && !p2pkh.is_p2pk_or_multisig());
        let p2sh = script("a914b6efd80d99179f4f4ff6f4dd0a007d018c385d2187");
        assert!(p2sh.p2sh_hash().is_some() && p2sh.p2pkh_hash().is_none());
        let key = format!("02{}", "11".repeat(32));
        let p2pk = script(&format!("21{key}ac"));
        assert!(p2pk.is_p2pk() && !p2pk.is_multisig());
        // A 33-byte key whose header announces 65 bytes is not a valid key.
        assert!(!script(&format!("2104{}ac", "11".repeat(32))).is_p2pk());
        let multisig = script(&format!("5121{key}21{key}52ae"));
        assert!(multisig.is_multisig() && !multisig.is_p2pk());
        // m > n, zero keys, a trailing opcode and a non-minimal count are all rejected.
        assert!(!script(&format!("5221{key}51ae")).is_multisig());
        assert!(!script("5100ae").is_multisig());
        assert!(!script(&format!("5121{key}5151ae")).is_multisig());
        assert!(!script(&format!("010121{key}51ae")).is_multisig());
        // A count of 17..20 must be a one-byte push; 17 as such is accepted.
        let keys17 = format!("21{key}").repeat(17);
        assert!(script(&format!("51{keys17}0111ae")).is_multisig());
    }

    #[test]
    fn script_numbers_follow_minimal_encoding() {
        assert_eq!(script_num(&[]), Some(0));
        assert_eq!(script_num(&[0x11]), Some(17));
        assert_eq!(script_num(&[0x91]), Some(-17));
        assert_eq!(script_num(&[0x80, 0x00]), Some(128));
        assert_eq!(script_num(&[0x11, 0x00]), None);
        assert_eq!(script_num(&[0x80]), None);
        assert_eq!(script_num(&[1, 2, 3, 4, 5]), None);
    }
}
