//! Finding the masternode behind a governance signature (`CDeterministicMNList::GetMNByCollateral`
//! in Dash Core).
//!
//! Votes and triggers name their masternode by its collateral outpoint, but the simplified
//! list a light client holds carries no collateral: its entries are keyed by the ProRegTx hash
//! (dashj's `SimplifiedMasternodeList::getMNByCollateral` refuses the question for that
//! reason). What an SPV client can still prove:
//!
//! * **Internal collateral** (`protx register_fund`): the ProRegTx pays the collateral to
//!   itself, so the outpoint's txid *is* the ProRegTx hash. Such an outpoint resolves from the
//!   list alone. The output index is not in the list; until the ProRegTx itself is learned
//!   ([`Signers::learn_pro_reg_tx`]) any index of that transaction resolves, and the tally
//!   counts one vote per masternode (by ProRegTx hash), so a second index cannot add weight.
//! * **External collateral** (`protx register` of an existing 1,000 DASH output): only the
//!   ProRegTx payload names it. No P2P message serves it (`mnlistdiff` entries carry no
//!   collateral, `getmnlistd` and `qrinfo` give no transactions); the transaction itself
//!   does, in a merkle block of its registration block. The client learns it from every
//!   ProRegTx its wallet sees confirmed (the bloom filter matches a ProRegTx whose owner or
//!   voting key, payout script or collateral the wallet watches: the user's own
//!   masternodes); once learned with [`Signers::learn_collateral`] or
//!   [`Signers::learn_pro_reg_tx`] the outpoint resolves. The ProRegTx's txid is the list's
//!   key, so a made-up transaction names no listed masternode.
//!
//! Anything else is unresolved: the signature cannot be checked, and the vote or trigger stays
//! [`super::SignatureStatus::Unverified`], never counted.

use std::collections::HashMap;

use crate::hash::{Hash256, Txid};
use crate::masternode::MasternodeList;
use crate::network::Network;
use crate::tx::{OutPoint, SpecialPayload, Transaction};

/// Voting weight of an Evo masternode (`MnType::Evo.voting_weight`, `evo/dmn_types.h`).
pub const EVO_VOTING_WEIGHT: u32 = 4;
/// Voting weight of a regular masternode (`MnType::Regular.voting_weight`).
pub const REGULAR_VOTING_WEIGHT: u32 = 1;

/// The keys and weight of one masternode of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The masternode's identity.
    pub pro_reg_tx_hash: Hash256,
    /// The operator's BLS public key, in the encoding of `legacy_operator_key`.
    pub operator_key: [u8; 48],
    /// Whether `operator_key` is in the legacy (pre-V19) encoding (version-1 entries).
    pub legacy_operator_key: bool,
    /// hash160 of the voting key.
    pub voting_key_id: [u8; 20],
    /// [`EVO_VOTING_WEIGHT`] or [`REGULAR_VOTING_WEIGHT`].
    pub weight: u32,
}

/// How an outpoint was tied to its masternode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    /// The outpoint is the learned collateral of the masternode.
    LearnedCollateral,
    /// The outpoint's txid is the masternode's ProRegTx hash (internal collateral); its index
    /// is not confirmed.
    ProRegTxOutput,
}

/// The masternodes of one verified list, and the collaterals learned from ProRegTxs.
#[derive(Debug, Clone)]
pub struct Signers {
    network: Network,
    by_pro_reg: HashMap<Hash256, Signer>,
    collateral_of: HashMap<Hash256, OutPoint>,
    by_collateral: HashMap<OutPoint, Hash256>,
}

impl Signers {
    /// The signers of `list` for a client on `network` (which decides how voting keys sign).
    pub fn new(network: Network, list: &MasternodeList) -> Self {
        let by_pro_reg = list
            .entries
            .values()
            .map(|e| {
                let signer = Signer {
                    pro_reg_tx_hash: e.pro_reg_tx_hash,
                    operator_key: e.operator_key,
                    legacy_operator_key: e.has_legacy_operator_key(),
                    voting_key_id: e.voting_key_id,
                    weight: if e.is_evo() { EVO_VOTING_WEIGHT } else { REGULAR_VOTING_WEIGHT },
                };
                (e.pro_reg_tx_hash, signer)
            })
            .collect();
        Signers {
            network,
            by_pro_reg,
            collateral_of: HashMap::new(),
            by_collateral: HashMap::new(),
        }
    }

    /// The network the signatures are checked for.
    pub fn network(&self) -> Network {
        self.network
    }

    /// How many masternodes the list has.
    pub fn len(&self) -> usize {
        self.by_pro_reg.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.by_pro_reg.is_empty()
    }

    /// Records that `collateral` is the collateral of the masternode registered by
    /// `pro_reg_tx_hash` (as its ProRegTx payload says; a later record replaces an earlier).
    pub fn learn_collateral(&mut self, pro_reg_tx_hash: Hash256, collateral: OutPoint) {
        if let Some(old) = self.collateral_of.insert(pro_reg_tx_hash, collateral) {
            self.by_collateral.remove(&old);
        }
        self.by_collateral.insert(collateral, pro_reg_tx_hash);
    }

    /// Learns the collateral of `tx` if it is a ProRegTx: the payload's outpoint, or output
    /// `n` of `tx` itself when the payload's txid is null (internal collateral). Returns the
    /// masternode's ProRegTx hash.
    pub fn learn_pro_reg_tx(&mut self, tx: &Transaction) -> Option<Hash256> {
        let (pro_reg_tx_hash, collateral) = pro_reg_collateral(tx)?;
        self.learn_collateral(pro_reg_tx_hash, collateral);
        Some(pro_reg_tx_hash)
    }

    /// Every collateral learned, by ProRegTx hash.
    pub fn collaterals(&self) -> impl Iterator<Item = (&Hash256, &OutPoint)> {
        self.collateral_of.iter()
    }

    /// The masternode whose collateral is `outpoint`, if the list has it and the client can
    /// tell (see the module documentation).
    pub fn resolve(&self, outpoint: &OutPoint) -> Option<(&Signer, Resolved)> {
        if let Some(signer) = self.by_collateral.get(outpoint).and_then(|h| self.by_pro_reg.get(h))
        {
            return Some((signer, Resolved::LearnedCollateral));
        }
        let as_pro_reg = Hash256::from_byte_array(outpoint.txid.to_byte_array());
        let signer = self.by_pro_reg.get(&as_pro_reg)?;
        match self.collateral_of.get(&as_pro_reg) {
            // The ProRegTx is known and names another collateral: not this masternode's.
            Some(known) if known != outpoint => None,
            Some(_) => Some((signer, Resolved::LearnedCollateral)),
            None => Some((signer, Resolved::ProRegTxOutput)),
        }
    }
}

/// The ProRegTx hash and collateral outpoint of `tx`, if it is a ProRegTx.
pub fn pro_reg_collateral(tx: &Transaction) -> Option<(Hash256, OutPoint)> {
    let SpecialPayload::ProRegTx(payload) = tx.special_payload().ok()? else { return None };
    let txid = tx.txid();
    let collateral = if payload.collateral_outpoint.txid == Txid::ZERO {
        OutPoint::new(txid, payload.collateral_outpoint.vout)
    } else {
        payload.collateral_outpoint
    };
    Some((Hash256::from_byte_array(txid.to_byte_array()), collateral))
}
