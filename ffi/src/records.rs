//! What the client's queries return, as plain foreign records: the balance, wallet
//! transactions and unspent outputs, sync status, sporks and governance proposals.
//! Hashes and txids are typed objects ([`Txid`], [`BlockHash`], [`ObjectHash`]); amounts are
//! duffs.

use std::sync::Arc;

use dashlite::governance::{GovernanceProgress as CoreGovProgress, ProposalSummary, Tally};
use dashlite::wallet::{self, BlockRef};
use dashlite::wire::{GovObjectType, VoteSignal};

use crate::hashes::{BlockHash, ObjectHash, Txid};
use crate::tx::Transaction;

/// The wallet's balance in duffs (core's `Balance`). Conflicted transactions count for
/// nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Balance {
    /// Outputs created by confirmed transactions and not spent by a confirmed one.
    pub confirmed: i64,
    /// Outputs created by unconfirmed transactions.
    pub unconfirmed_incoming: i64,
    /// Wallet outputs spent by unconfirmed transactions.
    pub unconfirmed_outgoing: i64,
    /// `confirmed + unconfirmed_incoming - unconfirmed_outgoing`: every unspent wallet output.
    pub total: i64,
}

impl From<wallet::Balance> for Balance {
    fn from(b: wallet::Balance) -> Self {
        Balance {
            confirmed: b.confirmed,
            unconfirmed_incoming: b.unconfirmed_incoming,
            unconfirmed_outgoing: b.unconfirmed_outgoing,
            total: b.total(),
        }
    }
}

/// A block on the best chain: height and hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct BlockId {
    /// Its height.
    pub height: u32,
    /// Its hash.
    pub hash: Arc<BlockHash>,
}

/// Where a wallet transaction stands (core's `TxStatus`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum TxStatus {
    /// Seen but in no block of the best chain.
    Unconfirmed,
    /// Proven in a block of the best chain.
    Confirmed {
        /// The block's height.
        height: u32,
        /// The block's hash.
        block_hash: Arc<BlockHash>,
        /// The block's timestamp (unix seconds), when known.
        time: Option<u32>,
    },
    /// Lost a double spend: counts for nothing.
    Conflicted {
        /// The winning transaction.
        by: Arc<Txid>,
    },
    /// Unconfirmed for 8,064 blocks: no peer keeps it any more, so it counts for nothing.
    Expired,
    /// A coinbase whose block left the best chain, or a spend of one: it can never confirm
    /// unless that block comes back, so it counts for nothing.
    Abandoned,
}

pub(crate) fn confirmed(b: &BlockRef) -> TxStatus {
    TxStatus::Confirmed { height: b.height, block_hash: BlockHash::of(b.hash), time: b.time }
}

impl From<wallet::TxStatus> for TxStatus {
    fn from(s: wallet::TxStatus) -> Self {
        match s {
            wallet::TxStatus::Unconfirmed => TxStatus::Unconfirmed,
            wallet::TxStatus::Confirmed(b) => confirmed(&b),
            wallet::TxStatus::Conflicted { by } => TxStatus::Conflicted { by: Txid::of(by) },
            wallet::TxStatus::Expired => TxStatus::Expired,
            wallet::TxStatus::Abandoned => TxStatus::Abandoned,
        }
    }
}

/// How final an active wallet transaction is (core's `TxFinality`), least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum TxFinality {
    /// In no block, without a verified InstantSend lock.
    Unconfirmed,
    /// In no block yet, with a verified InstantSend lock.
    InstantLocked,
    /// In a block above the best verified ChainLock.
    Confirmed,
    /// In a block at or below the best verified ChainLock.
    ChainLocked,
}

impl From<wallet::TxFinality> for TxFinality {
    fn from(f: wallet::TxFinality) -> Self {
        match f {
            wallet::TxFinality::Unconfirmed => TxFinality::Unconfirmed,
            wallet::TxFinality::InstantLocked => TxFinality::InstantLocked,
            wallet::TxFinality::Confirmed => TxFinality::Confirmed,
            wallet::TxFinality::ChainLocked => TxFinality::ChainLocked,
        }
    }
}

/// A transaction the wallet keeps (it pays a watch item or spends a wallet output).
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct WalletTransaction {
    /// Its id.
    pub txid: Arc<Txid>,
    /// What it adds to the wallet in duffs: owned outputs minus wallet outputs it spends
    /// (negative for a payment out, fee included).
    pub net_amount: i64,
    /// The fee in duffs, when every input spends an output of a wallet transaction (always
    /// for the wallet's own spends); `None` otherwise and for coinbases.
    pub fee: Option<i64>,
    /// Confirmed, unconfirmed or conflicted.
    pub status: TxStatus,
    /// Confirmations: 1 in the tip block, 0 unless confirmed.
    pub confirmations: u32,
    /// The order the wallet first saw it in (0, 1, 2, …).
    pub seen: u64,
    /// How final it is (verified InstantSend lock, ChainLock); `None` when it counts for
    /// nothing (conflicted, expired, abandoned).
    pub finality: Option<TxFinality>,
    /// The transaction itself.
    pub transaction: Arc<Transaction>,
}

impl From<wallet::HistoryEntry> for WalletTransaction {
    fn from(e: wallet::HistoryEntry) -> Self {
        WalletTransaction {
            txid: Txid::of(e.txid),
            net_amount: e.amount.duffs(),
            fee: e.fee.map(|f| f.duffs()),
            status: e.status.into(),
            confirmations: e.confirmations,
            seen: e.seen,
            finality: Some(e.finality.into()),
            transaction: Arc::new(Transaction(e.tx)),
        }
    }
}

/// A wallet output no confirmed transaction spends; one an unconfirmed transaction spends
/// names it in `pending_spend`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Utxo {
    /// The transaction that created it.
    pub txid: Arc<Txid>,
    /// The output's index in it.
    pub vout: u32,
    /// Its value in duffs.
    pub value: i64,
    /// Its script.
    pub script_pubkey: Vec<u8>,
    /// The address it pays, when its script is P2PKH or P2SH.
    pub address: Option<String>,
    /// The height of the block that created it; `None` while unconfirmed.
    pub height: Option<u32>,
    /// Created by a coinbase (spendable after 100 confirmations).
    pub is_coinbase: bool,
    /// The unconfirmed transaction spending it, if any: it still counts in
    /// the balance but is not spendable again.
    pub pending_spend: Option<Arc<Txid>>,
}

pub(crate) fn utxo(u: wallet::Utxo, network: dashlite::Network) -> Utxo {
    Utxo {
        txid: Txid::of(u.outpoint.txid),
        vout: u.outpoint.vout,
        value: u.value,
        address: wallet::Address::from_script(&u.script_pubkey, network).map(|a| a.to_string()),
        script_pubkey: u.script_pubkey.as_bytes().to_vec(),
        height: u.height,
        is_coinbase: u.is_coinbase,
        pending_spend: u.pending_spend.map(Txid::of),
    }
}

/// Where sync stands (core's `SyncStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Record)]
pub struct SyncStatus {
    /// Height of the best validated header.
    pub header_height: u32,
    /// Height up to which every filtered block was processed by the wallet.
    pub block_height: u32,
    /// The best height peers claim (at least `header_height`).
    pub network_height: u32,
    /// Peers with a completed handshake.
    pub peers: u32,
    /// Headers and blocks are complete up to the tip.
    pub synced: bool,
    /// The client is running.
    pub running: bool,
}

impl From<dashlite::client::SyncStatus> for SyncStatus {
    fn from(s: dashlite::client::SyncStatus) -> Self {
        SyncStatus {
            header_height: s.header_height,
            block_height: s.block_height,
            network_height: s.network_height,
            peers: u32::try_from(s.peers).unwrap_or(u32::MAX),
            synced: s.synced,
            running: s.running,
        }
    }
}

/// A spork (Dash Core's network-wide switch) as the client holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Spork {
    /// Its wire id (10001 …).
    pub id: i32,
    /// Dash Core's name (`SPORK_2_INSTANTSEND_ENABLED`), `SPORK_<id>` for unknown ids.
    pub name: String,
    /// Its value (a unix time: active once it is in the past; 4070908800 = off).
    pub value: i64,
    /// Whether it is active now.
    pub active: bool,
    /// Whether the value came from a verified network message rather than the default.
    pub from_network: bool,
}

impl From<dashlite::spork::SporkStatus> for Spork {
    fn from(s: dashlite::spork::SporkStatus) -> Self {
        Spork {
            id: s.spork_id.to_i32(),
            name: s.spork_id.to_string(),
            value: s.value,
            active: s.active,
            from_network: s.from_network,
        }
    }
}

/// Yes / no / abstain counts of one vote signal on one governance object (one vote per
/// masternode, newest verified vote only, weighted: Evo masternodes 4, regular 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Record)]
pub struct VoteTally {
    /// Yes votes.
    pub yes: u32,
    /// No votes.
    pub no: u32,
    /// Abstain votes.
    pub abstain: u32,
    /// Yes minus no (Dash Core's `GetAbsoluteYesCount`).
    pub absolute_yes: i64,
}

impl From<Tally> for VoteTally {
    fn from(t: Tally) -> Self {
        VoteTally { yes: t.yes, no: t.no, abstain: t.abstain, absolute_yes: t.absolute_yes() }
    }
}

/// The tally of one vote signal (`funding`, `valid`, `delete`, `endorsed`, or `signal <n>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct SignalTally {
    /// The signal's name.
    pub signal: String,
    /// Its tally.
    pub tally: VoteTally,
}

fn signal_name(s: VoteSignal) -> String {
    match s {
        VoteSignal::None => "none".into(),
        VoteSignal::Funding => "funding".into(),
        VoteSignal::Valid => "valid".into(),
        VoteSignal::Delete => "delete".into(),
        VoteSignal::Endorsed => "endorsed".into(),
        VoteSignal::Other(n) => format!("signal {n}"),
    }
}

/// The type of a governance object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum GovObjectKind {
    /// A budget proposal.
    Proposal,
    /// A superblock trigger.
    Trigger,
    /// Another value (0 = unknown), kept as received.
    Other {
        /// The wire value.
        value: i32,
    },
}

impl From<GovObjectType> for GovObjectKind {
    fn from(t: GovObjectType) -> Self {
        match t {
            GovObjectType::Proposal => GovObjectKind::Proposal,
            GovObjectType::Trigger => GovObjectKind::Trigger,
            other => GovObjectKind::Other { value: other.to_i32() },
        }
    }
}

/// A governance proposal with its vote tallies. The proposal fields are `None` when the
/// object's data did not decode (`data_error` says why).
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Proposal {
    /// The object's hash.
    pub hash: Arc<ObjectHash>,
    /// Its type.
    pub kind: GovObjectKind,
    /// Creation time (unix seconds).
    pub time: i64,
    /// The collateral transaction.
    pub collateral_txid: Arc<Txid>,
    /// `name`.
    pub name: Option<String>,
    /// `url`.
    pub url: Option<String>,
    /// `payment_address`, as written.
    pub payment_address: Option<String>,
    /// `payment_amount` in duffs.
    pub payment_amount: Option<i64>,
    /// `start_epoch` (unix seconds).
    pub start_epoch: Option<i64>,
    /// `end_epoch` (unix seconds).
    pub end_epoch: Option<i64>,
    /// Why the data did not decode as a proposal, if it did not.
    pub data_error: Option<String>,
    /// The funding tally.
    pub funding: VoteTally,
    /// Every signal voted on.
    pub tallies: Vec<SignalTally>,
}

impl From<ProposalSummary> for Proposal {
    fn from(s: ProposalSummary) -> Self {
        use dashlite::governance::ObjectData;
        let p = match &s.object.data {
            ObjectData::Proposal(p) => Some(p.clone()),
            _ => None,
        };
        let data_error = match &s.object.data {
            ObjectData::Invalid(e) => Some(e.to_string()),
            _ => None,
        };
        Proposal {
            hash: ObjectHash::of(s.hash),
            kind: s.object.object.object_type.into(),
            time: s.object.object.time,
            collateral_txid: Txid::of(s.object.object.collateral_hash),
            name: p.as_ref().map(|p| p.name.clone()),
            url: p.as_ref().map(|p| p.url.clone()),
            payment_address: p.as_ref().map(|p| p.payment_address.clone()),
            payment_amount: p.as_ref().map(|p| p.payment_amount_duffs),
            start_epoch: p.as_ref().map(|p| p.start_epoch),
            end_epoch: p.as_ref().map(|p| p.end_epoch),
            data_error,
            funding: s.funding.into(),
            tallies: s
                .tallies
                .iter()
                .map(|(signal, t)| SignalTally { signal: signal_name(*signal), tally: (*t).into() })
                .collect(),
        }
    }
}

/// The counts of a governance sync round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Record)]
pub struct GovernanceProgress {
    /// Objects the full-sync peer announced.
    pub objects_announced: u64,
    /// New objects received.
    pub objects_received: u64,
    /// Votes announced by vote syncs.
    pub votes_announced: u64,
    /// New votes received.
    pub votes_received: u64,
    /// Vote syncs sent.
    pub vote_syncs_sent: u32,
    /// Vote syncs answered.
    pub vote_syncs_answered: u32,
}

impl From<CoreGovProgress> for GovernanceProgress {
    fn from(p: CoreGovProgress) -> Self {
        GovernanceProgress {
            objects_announced: p.objects_announced,
            objects_received: p.objects_received,
            votes_announced: p.votes_announced,
            votes_received: p.votes_received,
            vote_syncs_sent: p.vote_syncs_sent,
            vote_syncs_answered: p.vote_syncs_answered,
        }
    }
}
