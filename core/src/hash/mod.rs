//! Hash functions: SHA256d (transactions, merkle trees, checksums), HASH160 (key and script
//! ids), and the 32-byte hash types with Dash Core's display convention (byte-reversed hex).

mod types;
pub mod x11;

pub use types::{BlockHash, Hash256, ParseHashError, Txid};

use ripemd::Ripemd160;
use sha2::{Digest, Sha256};

/// SHA256(SHA256(data)), the hash of transactions, merkle nodes and message checksums.
pub fn sha256d(data: &[u8]) -> [u8; 32] {
    Sha256::digest(Sha256::digest(data)).into()
}

/// SHA256d of the concatenation of two 32-byte values (a merkle tree node).
pub fn sha256d_pair(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(left);
    h.update(right);
    Sha256::digest(h.finalize()).into()
}

/// RIPEMD160(SHA256(data)): the id of a public key or a script.
pub fn hash160(data: &[u8]) -> [u8; 20] {
    Ripemd160::digest(Sha256::digest(data)).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256d_of_empty_input_gives_the_empty_payload_checksum() {
        assert_eq!(hex::encode(&sha256d(&[])[..4]), "5df6e0e2");
    }

    #[test]
    fn sha256d_pair_equals_sha256d_of_the_concatenation() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let mut both = a.to_vec();
        both.extend_from_slice(&b);
        assert_eq!(sha256d_pair(&a, &b), sha256d(&both));
    }

    #[test]
    fn hash160_of_a_known_public_key() {
        // The regtest spork key (chainparams.cpp) and its key id (vectors/network.json).
        let pubkey =
            hex::decode("02a3d578ea06ce40fb9fa878a27a0e8ab9eaf40757a84db2c99bc70b5bee956778")
                .unwrap();
        assert_eq!(hex::encode(hash160(&pubkey)), "fa53c9728c3189b12b267be5811b54033525b08d");
    }
}
