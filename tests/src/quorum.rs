//! Test LLMQ quorums that sign real `clsig` and `isdlock` messages: a BLS secret key made
//! with blst's `key_gen` from a seed, and a final commitment (basic scheme, version 3, or 4
//! for a rotated type) carrying its public key and a valid `quorumSig`. Put the commitments in
//! a [`MasternodeList`] ([`list_with`]) and give it to the machine's `on_masternode_list`;
//! the locks the quorums sign then verify exactly as real ones do.
//!
//! Malicious locks ([`Forgery`]): a signature over another message, a lock signed by a
//! quorum Dash Core would not select, and a ChainLock whose height is not the one signed.

use blst::min_pk::SecretKey;
use dashlite::hash::{BlockHash, Hash256};
use dashlite::masternode::bls::BASIC_DST;
use dashlite::masternode::{
    chainlock_llmq_type, chainlock_request_id, instantsend_llmq_type, islock_request_id,
    llmq_params, select_quorum, sign_hash, MasternodeList,
};
use dashlite::tx::Transaction;
use dashlite::wire::{BitSet, ClSig, FinalCommitment, IsDLock, QuorumId};
use dashlite::Network;

/// One test quorum: its secret key and the commitment a list carries for it.
#[derive(Clone)]
pub struct TestQuorum {
    secret: SecretKey,
    /// The commitment (type, quorum hash, index, public key, `quorumSig`).
    pub commitment: FinalCommitment,
}

impl std::fmt::Debug for TestQuorum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestQuorum").field("commitment", &self.commitment).finish()
    }
}

impl TestQuorum {
    /// A quorum of `llmq_type` whose base block is `quorum_hash`, with `quorum_index` (used
    /// by rotated types), its key derived from `seed`.
    pub fn new(seed: u64, llmq_type: u8, quorum_hash: Hash256, quorum_index: i16) -> Self {
        let mut ikm = [0u8; 32];
        ikm[..8].copy_from_slice(&seed.to_le_bytes());
        ikm[8] = llmq_type;
        ikm[9..].copy_from_slice(&quorum_hash.as_bytes()[..23]);
        let secret = SecretKey::key_gen(&ikm, &[]).expect("32 bytes of key material");
        let size = llmq_params(llmq_type).map_or(3, |p| p.size as usize);
        let members = BitSet { len: size, bytes: vec![0xff; size.div_ceil(8)] };
        let rotation = llmq_params(llmq_type).is_some_and(|p| p.rotation);
        let mut commitment = FinalCommitment {
            version: if rotation { 4 } else { 3 },
            llmq_type,
            quorum_hash,
            quorum_index: if rotation { quorum_index } else { 0 },
            signers: members.clone(),
            valid_members: members,
            quorum_public_key: secret.sk_to_pk().compress(),
            quorum_vvec_hash: Hash256::from_byte_array([seed as u8; 32]),
            quorum_sig: [0; 96],
            members_sig: [0; 96],
        };
        let hash = commitment.commitment_hash().to_byte_array();
        commitment.quorum_sig = secret.sign(&hash, BASIC_DST, &[]).compress();
        TestQuorum { secret, commitment }
    }

    /// The basic-scheme signature of `SignHash(type, quorumHash, id, msgHash)`.
    pub fn sign(&self, id: &Hash256, msg_hash: &[u8; 32]) -> [u8; 96] {
        let c = &self.commitment;
        let hash = sign_hash(c.llmq_type, &c.quorum_hash, id, msg_hash);
        self.secret.sign(hash.as_bytes(), BASIC_DST, &[]).compress()
    }

    /// Signs a `clsig` for the block `block_hash` at `height`.
    pub fn clsig(&self, height: u32, block_hash: BlockHash) -> ClSig {
        let height = height as i32;
        let signature = self.sign(&chainlock_request_id(height), &block_hash.to_byte_array());
        ClSig { height, block_hash, signature }
    }

    /// Signs an `isdlock` of `tx` (all its inputs) naming `cycle_hash` as its cycle block.
    pub fn isdlock(&self, tx: &Transaction, cycle_hash: BlockHash) -> IsDLock {
        let inputs: Vec<_> = tx.inputs.iter().map(|i| i.previous_output).collect();
        let txid = tx.txid();
        let signature = self.sign(&islock_request_id(&inputs), &txid.to_byte_array());
        IsDLock { version: 1, inputs, txid, cycle_hash, signature }
    }
}

/// A masternode list at `block_hash` whose quorum set is exactly `quorums` (no masternodes).
pub fn list_with(block_hash: BlockHash, quorums: &[&TestQuorum]) -> MasternodeList {
    let mut list = MasternodeList::genesis(block_hash);
    for q in quorums {
        let c = &q.commitment;
        let id = QuorumId { llmq_type: c.llmq_type, quorum_hash: c.quorum_hash };
        list.quorums.insert(id, c.clone());
    }
    list
}

/// The active quorums of a test network's ChainLocks and InstantSend types: as many of each
/// as the type keeps active (indexes `0..n` for the rotated InstantSend type).
#[derive(Debug, Clone)]
pub struct TestQuorums {
    /// The ChainLocks type's quorums.
    pub chainlocks: Vec<TestQuorum>,
    /// The InstantSend type's quorums.
    pub instantsend: Vec<TestQuorum>,
}

impl TestQuorums {
    /// Quorums for `network`, keys from `seed`, quorum hashes made from `seed` too.
    pub fn new(network: Network, seed: u64) -> Self {
        let make = |llmq_type: u8, salt: u8| -> Vec<TestQuorum> {
            let n = llmq_params(llmq_type).map_or(2, |p| p.signing_active_quorum_count);
            (0..n)
                .map(|i| {
                    let mut h = [salt; 32];
                    h[..8].copy_from_slice(&seed.to_le_bytes());
                    h[8..12].copy_from_slice(&i.to_le_bytes());
                    let hash = Hash256::from_byte_array(h);
                    TestQuorum::new(seed ^ u64::from(i), llmq_type, hash, i as i16)
                })
                .collect()
        };
        TestQuorums {
            chainlocks: make(chainlock_llmq_type(network), 0xc1),
            instantsend: make(instantsend_llmq_type(network), 0x15),
        }
    }

    /// A list at `block_hash` holding all of them.
    pub fn list(&self, block_hash: BlockHash) -> MasternodeList {
        let all: Vec<&TestQuorum> = self.chainlocks.iter().chain(&self.instantsend).collect();
        list_with(block_hash, &all)
    }

    /// The ChainLocks quorum Dash Core selects for a `clsig` at `height` (the set being the
    /// same at `height − 8`).
    pub fn chainlock_signer(&self, height: u32) -> &TestQuorum {
        signer(&self.chainlocks, &chainlock_request_id(height as i32))
    }

    /// A ChainLocks quorum Dash Core does not select for `height` (if the type has two).
    pub fn other_chainlock_quorum(&self, height: u32) -> &TestQuorum {
        let chosen = self.chainlock_signer(height).commitment.quorum_hash;
        self.chainlocks.iter().find(|q| q.commitment.quorum_hash != chosen).expect("two quorums")
    }

    /// The InstantSend quorum Dash Core selects for a lock of `tx`.
    pub fn islock_signer(&self, tx: &Transaction) -> &TestQuorum {
        let inputs: Vec<_> = tx.inputs.iter().map(|i| i.previous_output).collect();
        signer(&self.instantsend, &islock_request_id(&inputs))
    }

    /// A valid `clsig` for the block `block_hash` at `height`.
    pub fn clsig(&self, height: u32, block_hash: BlockHash) -> ClSig {
        self.chainlock_signer(height).clsig(height, block_hash)
    }

    /// A valid `isdlock` of `tx` for the cycle starting at `cycle_hash`.
    pub fn isdlock(&self, tx: &Transaction, cycle_hash: BlockHash) -> IsDLock {
        self.islock_signer(tx).isdlock(tx, cycle_hash)
    }

    /// A forged `clsig` for the block `block_hash` at `height`.
    pub fn forged_clsig(&self, forgery: Forgery, height: u32, block_hash: BlockHash) -> ClSig {
        match forgery {
            Forgery::BadSignature => {
                let mut c = self.clsig(height, block_hash);
                c.signature = self
                    .chainlock_signer(height)
                    .sign(&chainlock_request_id(height as i32), &[0x42; 32]);
                c
            }
            Forgery::WrongQuorum => self.other_chainlock_quorum(height).clsig(height, block_hash),
            Forgery::WrongHeight => {
                let signed = self.clsig(height + 1, block_hash);
                ClSig { height: height as i32, ..signed }
            }
        }
    }

    /// A forged `isdlock` of `tx` (a wrong height means nothing here: the signature is over
    /// another transaction instead).
    pub fn forged_isdlock(&self, forgery: Forgery, tx: &Transaction, cycle: BlockHash) -> IsDLock {
        let mut lock = self.isdlock(tx, cycle);
        match forgery {
            Forgery::BadSignature | Forgery::WrongHeight => {
                let id = islock_request_id(&lock.inputs);
                lock.signature = self.islock_signer(tx).sign(&id, &[0x42; 32]);
            }
            Forgery::WrongQuorum => {
                let chosen = self.islock_signer(tx).commitment.quorum_hash;
                let other = self
                    .instantsend
                    .iter()
                    .find(|q| q.commitment.quorum_hash != chosen)
                    .expect("two quorums");
                lock = other.isdlock(tx, cycle);
            }
        }
        lock
    }
}

fn signer<'a>(quorums: &'a [TestQuorum], id: &Hash256) -> &'a TestQuorum {
    let llmq_type = quorums[0].commitment.llmq_type;
    let params = llmq_params(llmq_type).expect("a known type");
    let chosen = select_quorum(params, quorums.iter().map(|q| &q.commitment), id)
        .expect("the set has a quorum for every request");
    quorums.iter().find(|q| q.commitment.quorum_hash == chosen.quorum_hash).expect("in the set")
}

/// How a lock is forged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgery {
    /// The selected quorum's key signed another message.
    BadSignature,
    /// A quorum of the right type that Dash Core would not select signed it.
    WrongQuorum,
    /// (ChainLocks) signed for the next height, sent with this one.
    WrongHeight,
}
