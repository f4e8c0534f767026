//! Checking the signature of an input that spends a pay-to-pubkey-hash or pay-to-pubkey
//! output: the legacy signature hash Dash uses for every input (`SignatureHash` in
//! `src/script/interpreter.cpp`; Dash has no segwit and no BIP143 digest) and ECDSA over
//! secp256k1.
//!
//! A light client cannot run scripts in general (it lacks the outputs other inputs spend),
//! but for an input spending one of the wallet's own outputs it has the output script: a
//! forged spend — a transaction relayed by a peer that claims to spend a wallet coin without
//! its key — is caught here before it can hide the coin.
//!
//! The serialization signed (`CTransactionSignatureSerializer`): the 32-bit version field,
//! the inputs (the signed input's script replaced by the output script, every other input's
//! script emptied; with `SIGHASH_NONE`/`SIGHASH_SINGLE` other inputs' sequence zeroed; with
//! `ANYONECANPAY` only the signed input), the outputs (none for `NONE`; for `SINGLE` those
//! up to the input's index, earlier ones blanked to value −1 and an empty script), nLockTime,
//! the special payload when the transaction is special, then the 4-byte hash type; the hash
//! is SHA256d of that. `SINGLE` with no output at the input's index signs the number 1
//! (Bitcoin's historical quirk, kept by Dash).

use secp256k1::{ecdsa, Message, PublicKey, Secp256k1};

use super::{Script, Transaction, TxOut};
use crate::encode::{write_bytes, write_compact_size, Encode};
use crate::hash::{hash160, sha256d};

/// `SIGHASH_ALL`.
pub const SIGHASH_ALL: u8 = 1;
/// `SIGHASH_NONE`.
pub const SIGHASH_NONE: u8 = 2;
/// `SIGHASH_SINGLE`.
pub const SIGHASH_SINGLE: u8 = 3;
/// `SIGHASH_ANYONECANPAY`.
pub const SIGHASH_ANYONECANPAY: u8 = 0x80;

/// Why an input's signature does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The transaction has no input at that index.
    #[error("no input {0}")]
    NoSuchInput(usize),
    /// The output script is neither pay-to-pubkey-hash nor pay-to-pubkey.
    #[error("the spent output's script is not one this check covers")]
    UnsupportedScript,
    /// The input's script is not the pushes that script needs.
    #[error("the input script does not have the form the output needs")]
    MalformedScriptSig,
    /// The public key does not hash to the output's key hash, or does not parse.
    #[error("the public key does not match the output")]
    WrongKey,
    /// The signature is not strict DER with a known hash type.
    #[error("the signature does not parse")]
    MalformedSignature,
    /// The signature does not verify.
    #[error("the signature does not verify")]
    Invalid,
}

/// The legacy signature hash of input `index` of `tx` spending an output with `script_code`.
pub fn signature_hash(
    tx: &Transaction,
    index: usize,
    script_code: &Script,
    hash_type: u32,
) -> [u8; 32] {
    let base = (hash_type & 0x1f) as u8;
    let anyone_can_pay = hash_type & u32::from(SIGHASH_ANYONECANPAY) != 0;
    if base == SIGHASH_SINGLE && index >= tx.outputs.len() {
        let mut one = [0u8; 32];
        one[0] = 1;
        return one;
    }
    let mut out = Vec::with_capacity(tx.inputs.len() * 41 + tx.outputs.len() * 34 + 64);
    tx.version_field().encode(&mut out);
    let inputs: Vec<usize> =
        if anyone_can_pay { vec![index] } else { (0..tx.inputs.len()).collect() };
    write_compact_size(&mut out, inputs.len() as u64);
    for i in inputs {
        let input = &tx.inputs[i];
        input.previous_output.encode(&mut out);
        if i == index {
            script_code.encode(&mut out);
        } else {
            Script::default().encode(&mut out);
        }
        let sequence = if i != index && (base == SIGHASH_NONE || base == SIGHASH_SINGLE) {
            0
        } else {
            input.sequence
        };
        sequence.encode(&mut out);
    }
    let outputs: &[TxOut] = match base {
        SIGHASH_NONE => &[],
        SIGHASH_SINGLE => &tx.outputs[..=index],
        _ => &tx.outputs,
    };
    write_compact_size(&mut out, outputs.len() as u64);
    for (i, o) in outputs.iter().enumerate() {
        if base == SIGHASH_SINGLE && i != index {
            (-1i64).encode(&mut out);
            Script::default().encode(&mut out);
        } else {
            o.encode(&mut out);
        }
    }
    tx.lock_time.encode(&mut out);
    if tx.is_special() {
        write_bytes(&mut out, tx.extra_payload.as_deref().unwrap_or(&[]));
    }
    hash_type.encode(&mut out);
    sha256d(&out)
}

/// Checks that input `index` of `tx` is validly signed for the output `spent` it spends, when
/// that output pays a public key hash or a public key.
pub fn verify_input(tx: &Transaction, index: usize, spent: &Script) -> Result<(), SignatureError> {
    let input = tx.inputs.get(index).ok_or(SignatureError::NoSuchInput(index))?;
    let pushes: Vec<&[u8]> = {
        let mut ins = input.script_sig.instructions();
        let mut pushes = Vec::new();
        for i in ins.by_ref() {
            if i.opcode > crate::tx::opcodes::OP_PUSHDATA4 {
                return Err(SignatureError::MalformedScriptSig);
            }
            pushes.push(i.data);
        }
        if ins.hit_malformed_push() {
            return Err(SignatureError::MalformedScriptSig);
        }
        pushes
    };
    let (signature, key) = if let Some(hash) = spent.p2pkh_hash() {
        let [sig, key] = pushes[..] else { return Err(SignatureError::MalformedScriptSig) };
        if hash160(key) != hash {
            return Err(SignatureError::WrongKey);
        }
        (sig, key)
    } else if let Some(key) = spent.p2pk_pubkey() {
        let [sig] = pushes[..] else { return Err(SignatureError::MalformedScriptSig) };
        (sig, key)
    } else {
        return Err(SignatureError::UnsupportedScript);
    };
    let (&hash_type, der) = signature.split_last().ok_or(SignatureError::MalformedSignature)?;
    let base = hash_type & !SIGHASH_ANYONECANPAY;
    if !(SIGHASH_ALL..=SIGHASH_SINGLE).contains(&base) {
        return Err(SignatureError::MalformedSignature);
    }
    let mut sig =
        ecdsa::Signature::from_der(der).map_err(|_| SignatureError::MalformedSignature)?;
    // Consensus accepts high-S signatures; secp256k1 verifies the low-S form only.
    sig.normalize_s();
    let key = PublicKey::from_slice(key).map_err(|_| SignatureError::WrongKey)?;
    let digest = signature_hash(tx, index, spent, u32::from(hash_type));
    Secp256k1::verification_only()
        .verify_ecdsa(Message::from_digest(digest), &sig, &key)
        .map_err(|_| SignatureError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Txid;
    use crate::tx::{OutPoint, TxIn};
    use secp256k1::SecretKey;

    fn p2pkh(hash: [u8; 20]) -> Script {
        let mut s = vec![0x76, 0xa9, 20];
        s.extend_from_slice(&hash);
        s.extend_from_slice(&[0x88, 0xac]);
        Script::new(s)
    }

    fn push(out: &mut Vec<u8>, data: &[u8]) {
        out.push(data.len() as u8);
        out.extend_from_slice(data);
    }

    fn spend(secret: &SecretKey, spent: &Script, hash_type: u8, tamper: bool) -> Transaction {
        let secp = Secp256k1::new();
        let key = PublicKey::from_secret_key(&secp, secret).serialize();
        let mut tx = Transaction {
            version: 2,
            tx_type: 0,
            inputs: vec![
                TxIn {
                    previous_output: OutPoint::new(Txid::from_byte_array([7; 32]), 1),
                    script_sig: Script::default(),
                    sequence: u32::MAX,
                },
                TxIn {
                    previous_output: OutPoint::new(Txid::from_byte_array([8; 32]), 0),
                    script_sig: Script::new(vec![0x51]),
                    sequence: 5,
                },
            ],
            outputs: vec![
                TxOut { value: 50_000, script_pubkey: p2pkh([3; 20]) },
                TxOut { value: 7, script_pubkey: p2pkh([4; 20]) },
            ],
            lock_time: 0,
            extra_payload: None,
        };
        let digest = signature_hash(&tx, 0, spent, u32::from(hash_type));
        let sig = secp.sign_ecdsa(Message::from_digest(digest), secret);
        let mut der = sig.serialize_der().to_vec();
        der.push(hash_type);
        let mut script = Vec::new();
        push(&mut script, &der);
        if spent.p2pkh_hash().is_some() {
            push(&mut script, &key);
        }
        tx.inputs[0].script_sig = Script::new(script);
        if tamper {
            tx.outputs[0].value += 1;
        }
        tx
    }

    #[test]
    fn a_signed_spend_of_a_p2pkh_or_p2pk_output_verifies_and_a_forged_one_does_not() {
        let secret = SecretKey::from_byte_array([0x42; 32]).unwrap();
        let public = PublicKey::from_secret_key(&Secp256k1::new(), &secret).serialize();
        let p2pk = {
            let mut s = vec![33];
            s.extend_from_slice(&public);
            s.push(0xac);
            Script::new(s)
        };
        for spent in [p2pkh(hash160(&public)), p2pk] {
            for hash_type in
                [SIGHASH_ALL, SIGHASH_NONE, SIGHASH_SINGLE, SIGHASH_ALL | SIGHASH_ANYONECANPAY]
            {
                assert_eq!(
                    verify_input(&spend(&secret, &spent, hash_type, false), 0, &spent),
                    Ok(())
                );
            }
            // Changing a signed output breaks ALL; NONE signs no output.
            let forged = spend(&secret, &spent, SIGHASH_ALL, true);
            assert_eq!(verify_input(&forged, 0, &spent), Err(SignatureError::Invalid));
            assert_eq!(
                verify_input(&spend(&secret, &spent, SIGHASH_NONE, true), 0, &spent),
                Ok(())
            );
        }
        // Another key's signature.
        let other = SecretKey::from_byte_array([0x43; 32]).unwrap();
        let spent = p2pkh(hash160(&public));
        let tx = spend(&other, &spent, SIGHASH_ALL, false);
        assert_eq!(verify_input(&tx, 0, &spent), Err(SignatureError::WrongKey));
        assert_eq!(verify_input(&tx, 5, &spent), Err(SignatureError::NoSuchInput(5)));
        let mut garbage = tx.clone();
        garbage.inputs[0].script_sig = Script::new(vec![0x4c]);
        assert_eq!(verify_input(&garbage, 0, &spent), Err(SignatureError::MalformedScriptSig));
        assert_eq!(
            verify_input(&tx, 0, &Script::new(vec![0x6a])),
            Err(SignatureError::UnsupportedScript)
        );
    }

    /// A real signed transaction and the one it spends (Dash Core's `bloom_match` vector,
    /// signed by the reference client with the legacy digest Dash shares).
    #[test]
    fn the_spending_transaction_of_the_bloom_vector_verifies_and_a_changed_copy_does_not() {
        use crate::encode::Decode;
        let cases = crate::test_support::vectors("bloom.json");
        let case = cases["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .find(|c| c["name"] == "bloom_match")
            .expect("bloom_match case");
        let funding = Transaction::from_bytes(&crate::test_support::hex_bytes(&case["tx_hex"]))
            .expect("tx decodes");
        let spending =
            Transaction::from_bytes(&crate::test_support::hex_bytes(&case["spendingTx_hex"]))
                .expect("spending tx decodes");
        let (index, input) = spending
            .inputs
            .iter()
            .enumerate()
            .find(|(_, i)| i.previous_output.txid == funding.txid())
            .expect("spends the funding tx");
        let spent = &funding.outputs[input.previous_output.vout as usize].script_pubkey;
        assert!(spent.p2pkh_hash().is_some() || spent.p2pk_pubkey().is_some());
        assert_eq!(verify_input(&spending, index, spent), Ok(()));
        let mut changed = spending.clone();
        changed.lock_time ^= 1;
        assert_eq!(verify_input(&changed, index, spent), Err(SignatureError::Invalid));
    }

    #[test]
    fn single_without_a_matching_output_signs_one() {
        let tx = spend(&SecretKey::from_byte_array([1; 32]).unwrap(), &p2pkh([0; 20]), 1, false);
        let mut one = [0u8; 32];
        one[0] = 1;
        assert_eq!(signature_hash(&tx, 5, &Script::default(), u32::from(SIGHASH_SINGLE)), one);
    }
}
