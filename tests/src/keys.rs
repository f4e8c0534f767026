//! Keys, addresses and output scripts for tests: Base58Check (Dash Core `src/base58.cpp`),
//! WIF secret keys, deterministic test keys and the standard script templates
//! (`src/script/standard.cpp`: P2PKH, P2SH, P2PK, bare multisig, OP_RETURN).

use dashlite::hash::{hash160, sha256d};
use dashlite::network::Network;
use dashlite::tx::{opcodes::*, Script, Transaction};
use secp256k1::{Message, PublicKey, Secp256k1, SecretKey};

const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Why a Base58Check string, WIF key or address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// A character outside the Base58 alphabet.
    #[error("not base58: {0:?}")]
    BadCharacter(char),
    /// The 4-byte SHA256d checksum does not match.
    #[error("base58check checksum mismatch")]
    BadChecksum,
    /// The payload has the wrong length or version byte for what was asked.
    #[error("unexpected payload (version byte {version}, {len} bytes)")]
    BadPayload {
        /// The first byte of the payload.
        version: u8,
        /// The payload length without the checksum.
        len: usize,
    },
    /// The bytes are not a valid secp256k1 secret key.
    #[error("invalid secret key")]
    BadSecret,
}

/// Base58 encoding of `bytes` (leading zero bytes become `1`s).
pub fn base58_encode(bytes: &[u8]) -> String {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    let mut digits: Vec<u8> = Vec::new(); // base 58, little-endian
    for &b in &bytes[zeros..] {
        let mut carry = u32::from(b);
        for d in digits.iter_mut() {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut s = "1".repeat(zeros);
    s.extend(digits.iter().rev().map(|&d| ALPHABET[d as usize] as char));
    s
}

/// Base58 decoding (leading `1`s become zero bytes).
pub fn base58_decode(s: &str) -> Result<Vec<u8>, KeyError> {
    let zeros = s.bytes().take_while(|&c| c == b'1').count();
    let mut bytes: Vec<u8> = Vec::new(); // base 256, little-endian
    for c in s.chars().skip(zeros) {
        let digit =
            ALPHABET.iter().position(|&a| a as char == c).ok_or(KeyError::BadCharacter(c))? as u32;
        let mut carry = digit;
        for b in bytes.iter_mut() {
            carry += u32::from(*b) * 58;
            *b = carry as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push(carry as u8);
            carry >>= 8;
        }
    }
    let mut out = vec![0u8; zeros];
    out.extend(bytes.iter().rev());
    Ok(out)
}

/// Base58Check: `payload || SHA256d(payload)[..4]`, Base58-encoded.
pub fn base58check_encode(payload: &[u8]) -> String {
    let mut v = payload.to_vec();
    v.extend_from_slice(&sha256d(payload)[..4]);
    base58_encode(&v)
}

/// Decodes Base58Check and verifies the checksum; returns the payload.
pub fn base58check_decode(s: &str) -> Result<Vec<u8>, KeyError> {
    let mut v = base58_decode(s)?;
    if v.len() < 4 {
        return Err(KeyError::BadChecksum);
    }
    let sum = v.split_off(v.len() - 4);
    if sha256d(&v)[..4] != sum[..] {
        return Err(KeyError::BadChecksum);
    }
    Ok(v)
}

/// Decodes a WIF secret key of `network` (version byte `secret_key_prefix`, 32 bytes, an
/// optional `01` compression flag). Returns the key and whether it is compressed.
pub fn decode_wif(wif: &str, network: Network) -> Result<(SecretKey, bool), KeyError> {
    let payload = base58check_decode(wif)?;
    let prefix = network.params().secret_key_prefix;
    let bad =
        KeyError::BadPayload { version: payload.first().copied().unwrap_or(0), len: payload.len() };
    let compressed = match payload.len() {
        33 => false,
        34 if payload[33] == 1 => true,
        _ => return Err(bad),
    };
    if payload[0] != prefix {
        return Err(bad);
    }
    let mut secret = [0u8; 32];
    secret.copy_from_slice(&payload[1..33]);
    let key = SecretKey::from_byte_array(secret).map_err(|_| KeyError::BadSecret)?;
    Ok((key, compressed))
}

/// The output script an address of `network` pays to (P2PKH or P2SH).
pub fn address_script(address: &str, network: Network) -> Result<Script, KeyError> {
    let payload = base58check_decode(address)?;
    let params = network.params();
    let bad =
        KeyError::BadPayload { version: payload.first().copied().unwrap_or(0), len: payload.len() };
    if payload.len() != 21 {
        return Err(bad);
    }
    let mut hash = [0u8; 20];
    hash.copy_from_slice(&payload[1..]);
    match payload[0] {
        v if v == params.pubkey_address_prefix => Ok(p2pkh(&hash)),
        v if v == params.script_address_prefix => Ok(p2sh(&hash)),
        _ => Err(bad),
    }
}

/// The P2PKH address of a key id on `network`.
pub fn p2pkh_address(hash: &[u8; 20], network: Network) -> String {
    let mut payload = vec![network.params().pubkey_address_prefix];
    payload.extend_from_slice(hash);
    base58check_encode(&payload)
}

/// Appends a minimal data push of `data` (`CScript << data`).
pub fn push_data(script: &mut Vec<u8>, data: &[u8]) {
    match data.len() {
        n if n < OP_PUSHDATA1 as usize => script.push(n as u8),
        n if n <= 0xff => script.extend_from_slice(&[OP_PUSHDATA1, n as u8]),
        n if n <= 0xffff => {
            script.push(OP_PUSHDATA2);
            script.extend_from_slice(&(n as u16).to_le_bytes());
        }
        n => {
            script.push(OP_PUSHDATA4);
            script.extend_from_slice(&(n as u32).to_le_bytes());
        }
    }
    script.extend_from_slice(data);
}

/// Appends a number the way `CScript << int64` does: `OP_0`, `OP_1`..`OP_16` for 0..=16,
/// else a minimal little-endian sign-magnitude push (`CScriptNum::serialize`).
pub fn push_int(script: &mut Vec<u8>, n: i64) {
    match n {
        0 => script.push(OP_0),
        1..=16 => script.push(OP_1 + (n as u8 - 1)),
        _ => {
            let neg = n < 0;
            let mut abs = n.unsigned_abs();
            let mut bytes = Vec::new();
            while abs > 0 {
                bytes.push((abs & 0xff) as u8);
                abs >>= 8;
            }
            if bytes.last().is_some_and(|b| b & 0x80 != 0) {
                bytes.push(if neg { 0x80 } else { 0 });
            } else if neg {
                if let Some(last) = bytes.last_mut() {
                    *last |= 0x80;
                }
            }
            push_data(script, &bytes);
        }
    }
}

/// `OP_DUP OP_HASH160 <hash> OP_EQUALVERIFY OP_CHECKSIG`.
pub fn p2pkh(hash: &[u8; 20]) -> Script {
    let mut s = vec![OP_DUP, OP_HASH160];
    push_data(&mut s, hash);
    s.extend_from_slice(&[OP_EQUALVERIFY, OP_CHECKSIG]);
    Script::new(s)
}

/// `OP_HASH160 <hash> OP_EQUAL`.
pub fn p2sh(hash: &[u8; 20]) -> Script {
    let mut s = vec![OP_HASH160];
    push_data(&mut s, hash);
    s.push(OP_EQUAL);
    Script::new(s)
}

/// `<pubkey> OP_CHECKSIG`.
pub fn p2pk(pubkey: &[u8]) -> Script {
    let mut s = Vec::new();
    push_data(&mut s, pubkey);
    s.push(OP_CHECKSIG);
    Script::new(s)
}

/// Bare multisig: `OP_m <pubkeys…> OP_n OP_CHECKMULTISIG` (1 ≤ m ≤ n ≤ 16).
pub fn multisig(m: usize, pubkeys: &[&[u8]]) -> Script {
    assert!(
        m >= 1 && m <= pubkeys.len() && pubkeys.len() <= 16,
        "multisig needs 1 <= m <= n <= 16"
    );
    let mut s = Vec::new();
    push_int(&mut s, m as i64);
    for pk in pubkeys {
        push_data(&mut s, pk);
    }
    push_int(&mut s, pubkeys.len() as i64);
    s.push(OP_CHECKMULTISIG);
    Script::new(s)
}

/// `OP_RETURN <data>`: an unspendable data carrier.
pub fn op_return(data: &[u8]) -> Script {
    let mut s = vec![OP_RETURN];
    push_data(&mut s, data);
    Script::new(s)
}

/// A deterministic secp256k1 key for tests: the secret is SHA256d of a seed string, so
/// `TestKey::from_seed("alice")` is the same key in every run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestKey {
    /// The secret key.
    pub secret: SecretKey,
    /// The compressed public key (33 bytes).
    pub pubkey: [u8; 33],
}

impl TestKey {
    /// The key whose secret is SHA256d(`seed`).
    pub fn from_seed(seed: &str) -> TestKey {
        let mut digest = sha256d(seed.as_bytes());
        loop {
            if let Ok(secret) = SecretKey::from_byte_array(digest) {
                return TestKey::from_secret(secret);
            }
            digest = sha256d(&digest); // astronomically unlikely: out of range
        }
    }

    /// The key for a given secret.
    pub fn from_secret(secret: SecretKey) -> TestKey {
        let pubkey = PublicKey::from_secret_key(&Secp256k1::signing_only(), &secret).serialize();
        TestKey { secret, pubkey }
    }

    /// HASH160 of the compressed public key (the key id).
    pub fn key_id(&self) -> [u8; 20] {
        hash160(&self.pubkey)
    }

    /// The P2PKH script paying this key.
    pub fn p2pkh(&self) -> Script {
        p2pkh(&self.key_id())
    }

    /// The P2PK script paying this key.
    pub fn p2pk(&self) -> Script {
        p2pk(&self.pubkey)
    }

    /// The P2PKH address of this key on `network`.
    pub fn address(&self, network: Network) -> String {
        p2pkh_address(&self.key_id(), network)
    }

    /// Signs input `index` of `tx` (SIGHASH_ALL) for the output `spent` pays this key with
    /// (P2PKH or P2PK), writing its scriptSig as Dash Core's wallet would.
    pub fn sign_input(&self, tx: &mut Transaction, index: usize, spent: &Script) {
        let digest =
            dashlite::tx::signature_hash(tx, index, spent, u32::from(dashlite::tx::SIGHASH_ALL));
        let sig = Secp256k1::signing_only().sign_ecdsa(Message::from_digest(digest), &self.secret);
        let mut der = sig.serialize_der().to_vec();
        der.push(dashlite::tx::SIGHASH_ALL);
        let mut script = Vec::new();
        push_data(&mut script, &der);
        if spent.p2pkh_hash().is_some() {
            push_data(&mut script, &self.pubkey);
        }
        tx.inputs[index].script_sig = Script::new(script);
    }
}
