//! `CBloomFilter::IsRelevantAndUpdate` with Dash Core's DIP2 special-transaction rules
//! (`CheckSpecialTransactionMatchesAndUpdate`, `ProcessTxOut`, `CheckScript`).

use super::{BloomFilter, BloomUpdate};
use crate::hash::Txid;
use crate::tx::{tx_type, OutPoint, Script, SpecialPayload, Transaction};

/// Whether `CMerkleBlock` runs the filter on this transaction at all: non-special versions
/// always; special versions only for types 0, 1, 2, 3, 4, 5, 8 and 9. Quorum commitments (6)
/// and MNHF signals (7) can therefore never be matched inside a `merkleblock`.
pub fn is_matchable_in_merkle_block(tx: &Transaction) -> bool {
    !tx.is_special_version()
        || matches!(
            tx.tx_type,
            tx_type::NORMAL
                | tx_type::PROVIDER_REGISTER
                | tx_type::PROVIDER_UPDATE_SERVICE
                | tx_type::PROVIDER_UPDATE_REGISTRAR
                | tx_type::PROVIDER_UPDATE_REVOKE
                | tx_type::COINBASE
                | tx_type::ASSET_LOCK
                | tx_type::ASSET_UNLOCK
        )
}

impl BloomFilter {
    /// Whether any non-empty data push of the script is in the filter (`CheckScript`);
    /// iteration stops at the first malformed push.
    pub fn matches_script(&self, script: &Script) -> bool {
        script.pushes().any(|data| self.contains(data))
    }

    /// Dash Core's `IsRelevantAndUpdate`, in its exact order:
    /// 1. an empty filter matches everything;
    /// 2. the txid;
    /// 3. only if the txid did not match: the special payload (ProRegTx, ProUpServTx,
    ///    ProUpRegTx, ProUpRevTx, AssetLock credit outputs), possibly inserting the ProTx hash
    ///    (`BLOOM_UPDATE_ALL`) or credit outpoints;
    /// 4. every output, each match inserting its outpoint per the update mode;
    /// 5. only if nothing matched so far: each input's prevout, then its scriptSig pushes.
    pub fn is_relevant_and_update(&mut self, tx: &Transaction) -> bool {
        if self.is_match_all() {
            return true;
        }
        let txid = tx.txid();
        let mut found = self.contains(txid);
        if !found {
            found = self.special_matches_and_update(tx, &txid);
        }
        for (i, out) in tx.outputs.iter().enumerate() {
            // Outputs are indexed by unsigned int in Dash Core; a decoded transaction has
            // far fewer than 2^32 of them.
            found |= self.process_output(&out.script_pubkey, &txid, i as u32);
        }
        if found {
            return true;
        }
        tx.inputs.iter().any(|input| {
            self.contains_outpoint(&input.previous_output) || self.matches_script(&input.script_sig)
        })
    }

    /// `ProcessTxOut`: a script match, inserting `outpoint(txid, index)` per the update mode.
    fn process_output(&mut self, script: &Script, txid: &Txid, index: u32) -> bool {
        if !self.matches_script(script) {
            return false;
        }
        let insert = match self.update_mode() {
            BloomUpdate::All => true,
            BloomUpdate::P2PubkeyOnly => script.is_p2pk_or_multisig(),
            BloomUpdate::None => false,
        };
        if insert {
            self.insert_outpoint(&OutPoint::new(*txid, index));
        }
        true
    }

    /// `CheckSpecialTransactionMatchesAndUpdate`. A payload that does not parse matches
    /// nothing, as in Dash Core.
    fn special_matches_and_update(&mut self, tx: &Transaction, txid: &Txid) -> bool {
        if !tx.is_special() {
            return false;
        }
        // Types without bloom rules are not even parsed.
        if !matches!(
            tx.tx_type,
            tx_type::PROVIDER_REGISTER
                | tx_type::PROVIDER_UPDATE_SERVICE
                | tx_type::PROVIDER_UPDATE_REGISTRAR
                | tx_type::PROVIDER_UPDATE_REVOKE
                | tx_type::ASSET_LOCK
        ) {
            return false;
        }
        let Ok(payload) = tx.special_payload() else {
            return false;
        };
        let update_all = self.update_mode() == BloomUpdate::All;
        match payload {
            SpecialPayload::ProRegTx(p) => {
                let hit = self.contains_outpoint(&p.collateral_outpoint)
                    || self.contains(p.key_id_owner)
                    || self.contains(p.key_id_voting)
                    || self.matches_script(&p.script_payout);
                if hit && update_all {
                    self.insert(txid);
                }
                hit
            }
            SpecialPayload::ProUpServTx(p) => {
                if self.contains(p.pro_tx_hash) {
                    return true;
                }
                let hit = self.matches_script(&p.script_operator_payout);
                if hit && update_all {
                    self.insert(p.pro_tx_hash);
                }
                hit
            }
            SpecialPayload::ProUpRegTx(p) => {
                if self.contains(p.pro_tx_hash) {
                    return true;
                }
                let hit = self.contains(p.key_id_voting) || self.matches_script(&p.script_payout);
                if hit && update_all {
                    self.insert(p.pro_tx_hash);
                }
                hit
            }
            SpecialPayload::ProUpRevTx(p) => self.contains(p.pro_tx_hash),
            SpecialPayload::AssetLock(p) => {
                let mut found = false;
                for (i, out) in p.credit_outputs.iter().enumerate() {
                    found |= self.process_output(&out.script_pubkey, txid, i as u32);
                }
                found
            }
            _ => false,
        }
    }
}
