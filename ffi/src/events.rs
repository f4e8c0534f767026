//! The client's events as a foreign enum ([`Event`], mirroring core's `ClientEvent`), and the
//! foreign-implemented [`EventListener`] with the [`Subscription`] that stops its delivery.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use dashlite::client::{ClientEvent, EventStream};
use dashlite::governance::GovernanceEvent;
use dashlite::spork::SporkEvent;
use dashlite::sync::BroadcastOutcome as CoreOutcome;
use dashlite::wallet::{self, WalletEvent};
use futures::channel::oneshot;
use futures::future::{self, Either};

use crate::address::Address;
use crate::hashes::{BlockHash, ObjectHash, Txid};
use crate::keys::{ChainKind, DerivedKey};
use crate::records::{BlockId, GovObjectKind, GovernanceProgress, SyncStatus, TxStatus};

/// Something that happened in a running client. Txids and hashes are typed objects
/// ([`Txid`], [`BlockHash`], [`ObjectHash`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Event {
    /// Sync progressed (headers or blocks).
    Progress {
        /// Where sync stands now.
        status: SyncStatus,
    },
    /// Headers and blocks are complete up to `height`.
    Synced {
        /// The tip.
        height: u32,
    },
    /// A transaction the wallet had not seen.
    NewTransaction {
        /// Its id.
        txid: Arc<Txid>,
        /// Confirmed, unconfirmed or conflicted on arrival.
        status: TxStatus,
        /// What it adds to the wallet in duffs (negative for a spend).
        net_amount: i64,
    },
    /// A known transaction was proven in a block.
    TransactionConfirmed {
        /// Its id.
        txid: Arc<Txid>,
        /// The block's height.
        height: u32,
        /// The block's hash.
        block_hash: Arc<BlockHash>,
    },
    /// The tip moved and a confirmed transaction's depth changed (reported up to a few
    /// confirmations).
    ConfirmationsChanged {
        /// Its id.
        txid: Arc<Txid>,
        /// Its confirmations now (1 = in the tip block).
        confirmations: u32,
    },
    /// The block holding the transaction left the best chain: it is unconfirmed again.
    TransactionReorged {
        /// Its id.
        txid: Arc<Txid>,
        /// The block it was in.
        height: u32,
        /// That block's hash.
        block_hash: Arc<BlockHash>,
    },
    /// The transaction lost a double spend and no longer counts.
    TransactionConflicted {
        /// Its id.
        txid: Arc<Txid>,
        /// The winner.
        by: Arc<Txid>,
    },
    /// An unconfirmed transaction stayed out of every block for too long (8,064 blocks): it
    /// counts for nothing now, unless a block includes it after all.
    TransactionExpired {
        /// Its id.
        txid: Arc<Txid>,
    },
    /// A coinbase's block left the best chain, or the transaction spends from such a
    /// coinbase: it can never confirm unless that block comes back, and counts for nothing.
    TransactionAbandoned {
        /// Its id.
        txid: Arc<Txid>,
    },
    /// A payment used a derived key, so the account's lookahead window grew.
    KeysDerived {
        /// The account (hex of HASH160 of its key).
        account_id: String,
        /// The chain.
        chain: ChainKind,
        /// The key whose use grew the window.
        used_index: u32,
        /// The height of the block using it (`None`: unconfirmed).
        used_at_height: Option<u32>,
        /// The keys derived, by increasing index.
        new_keys: Vec<DerivedKey>,
    },
    /// The best chain was reorganised.
    Reorg {
        /// The last block both branches share.
        fork_height: u32,
        /// Blocks taken off, highest first.
        disconnected: Vec<BlockId>,
        /// Blocks put on, lowest first.
        connected: Vec<BlockId>,
    },
    /// A peer completed its handshake.
    PeerConnected {
        /// The connection's id.
        peer_id: u64,
        /// Its address (`ip:port`).
        address: String,
        /// Its user agent.
        user_agent: String,
    },
    /// A peer is gone.
    PeerDisconnected {
        /// The connection's id.
        peer_id: u64,
        /// Its address.
        address: String,
    },
    /// What became of a transaction sent with `Client.broadcast`.
    Broadcast {
        /// Its id.
        txid: Arc<Txid>,
        /// Propagated or timed out.
        outcome: BroadcastOutcome,
    },
    /// A wallet transaction has a verified InstantSend lock (its BLS signature verified with
    /// the quorum Dash Core selects).
    InstantLocked {
        /// The locked transaction.
        txid: Arc<Txid>,
    },
    /// A verified ChainLock made a block final: it is never disconnected, and wallet
    /// transactions at or below it are ChainLocked.
    ChainLocked {
        /// The block's height.
        height: u32,
        /// The block's hash.
        block_hash: Arc<BlockHash>,
    },
    /// A verified `mnlistdiff` moved the masternode list to a new block (see
    /// `Client.masternode_list`).
    MasternodeListUpdated {
        /// The block's height.
        height: u32,
        /// The block's hash.
        block_hash: Arc<BlockHash>,
        /// Masternodes in the list (valid and PoSe-banned).
        masternodes: u32,
        /// Masternodes not PoSe-banned.
        valid: u32,
        /// Active quorums.
        quorums: u32,
    },
    /// A spork's value changed.
    SporkChanged {
        /// Its wire id.
        id: i32,
        /// Dash Core's name.
        name: String,
        /// Its value now.
        value: i64,
        /// Its value before (`None`: none was held).
        previous: Option<i64>,
        /// Whether it is active now.
        active: bool,
        /// The peer that sent it.
        peer_id: u64,
    },
    /// A peer sent a bad spork (and was scored).
    SporkRejected {
        /// The peer.
        peer_id: u64,
        /// Why.
        reason: String,
    },
    /// Governance sync asked `peer_id` for every object.
    GovernanceSyncRequested {
        /// The peer.
        peer_id: u64,
    },
    /// No peer may be asked for a governance sync before `not_before` (unix seconds).
    GovernanceSyncDeferred {
        /// The first time a peer may be asked.
        not_before: i64,
    },
    /// Governance sync progressed.
    GovernanceProgress {
        /// The round's counts.
        progress: GovernanceProgress,
    },
    /// A governance object was stored.
    GovernanceObjectAdded {
        /// Its hash.
        hash: Arc<ObjectHash>,
        /// Its type.
        kind: GovObjectKind,
        /// Its data did not decode (kept and flagged).
        invalid_data: bool,
    },
    /// The counted votes of a governance object changed.
    GovernanceVotesChanged {
        /// The object's hash.
        hash: Arc<ObjectHash>,
    },
    /// The governance round finished.
    GovernanceDone {
        /// Its counts.
        progress: GovernanceProgress,
    },
    /// The full sync is deferred by the rate limit, and the votes of every object held were
    /// synced: what is held is as current as the limit allows. The round goes on (a full
    /// sync once allowed, then `GovernanceDone`).
    GovernanceHeldVotesSynced {
        /// The round's counts.
        progress: GovernanceProgress,
    },
    /// The client stopped: asked to (`error` is `None`), or because its store failed.
    Stopped {
        /// Why, when it was not asked to stop.
        error: Option<String>,
    },
    /// This listener or stream fell behind and `missed` events were dropped (the client
    /// never waits for it): re-read the state with the client's queries.
    Lagged {
        /// How many events were dropped.
        missed: u64,
    },
    /// An event this version of the bindings does not know (a newer core).
    Other {
        /// Its debug text.
        description: String,
    },
}

/// What became of a broadcast transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum BroadcastOutcome {
    /// A peer we had not announced it to announced it to us.
    Propagated,
    /// No peer announced it back in time; it stays in the wallet as unconfirmed.
    TimedOut,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn block_id((height, hash): (u32, dashlite::hash::BlockHash)) -> BlockId {
    BlockId { height, hash: BlockHash::of(hash) }
}

fn wallet_event(e: WalletEvent, network: dashlite::Network) -> Event {
    match e {
        WalletEvent::NewTransaction { txid, status, net_amount } => {
            Event::NewTransaction { txid: Txid::of(txid), status: status.into(), net_amount }
        }
        WalletEvent::Confirmed { txid, block } => Event::TransactionConfirmed {
            txid: Txid::of(txid),
            height: block.height,
            block_hash: BlockHash::of(block.hash),
        },
        WalletEvent::ConfirmationChanged { txid, confirmations } => {
            Event::ConfirmationsChanged { txid: Txid::of(txid), confirmations }
        }
        WalletEvent::Reorged { txid, from } => Event::TransactionReorged {
            txid: Txid::of(txid),
            height: from.height,
            block_hash: BlockHash::of(from.hash),
        },
        WalletEvent::Conflicted { txid, by } => {
            Event::TransactionConflicted { txid: Txid::of(txid), by: Txid::of(by) }
        }
        WalletEvent::Expired { txid } => Event::TransactionExpired { txid: Txid::of(txid) },
        WalletEvent::Abandoned { txid } => Event::TransactionAbandoned { txid: Txid::of(txid) },
        WalletEvent::KeysDerived(x) => Event::KeysDerived {
            account_id: hex(&x.account.0),
            chain: x.chain.into(),
            used_index: x.used_index,
            used_at_height: x.used_at_height,
            new_keys: x
                .new_keys
                .iter()
                .map(|k| DerivedKey {
                    index: k.index,
                    public_key: k.public_key.to_vec(),
                    pubkey_hash: k.pubkey_hash.to_vec(),
                    address: Arc::new(Address(wallet::Address::p2pkh(k.pubkey_hash, network))),
                })
                .collect(),
        },
    }
}

fn spork_event(e: SporkEvent) -> Event {
    match e {
        SporkEvent::Changed { id, value, previous, active, peer } => Event::SporkChanged {
            id: id.to_i32(),
            name: id.to_string(),
            value,
            previous,
            active,
            peer_id: peer.0,
        },
        SporkEvent::Rejected { peer, error } => {
            Event::SporkRejected { peer_id: peer.0, reason: error.to_string() }
        }
    }
}

fn governance_event(e: GovernanceEvent) -> Event {
    match e {
        GovernanceEvent::FullSyncRequested { peer } => {
            Event::GovernanceSyncRequested { peer_id: peer.0 }
        }
        GovernanceEvent::FullSyncDeferred { not_before } => {
            Event::GovernanceSyncDeferred { not_before }
        }
        GovernanceEvent::Progress(p) => Event::GovernanceProgress { progress: p.into() },
        GovernanceEvent::ObjectAdded { hash, object_type, invalid_data } => {
            Event::GovernanceObjectAdded {
                hash: ObjectHash::of(hash),
                kind: object_type.into(),
                invalid_data,
            }
        }
        GovernanceEvent::VotesChanged { object } => {
            Event::GovernanceVotesChanged { hash: ObjectHash::of(object) }
        }
        GovernanceEvent::Done(p) => Event::GovernanceDone { progress: p.into() },
        GovernanceEvent::HeldVotesSynced(p) => {
            Event::GovernanceHeldVotesSynced { progress: p.into() }
        }
    }
}

impl Event {
    /// The foreign form of a core event on `network`.
    pub fn from_core(e: ClientEvent, network: dashlite::Network) -> Event {
        match e {
            ClientEvent::Progress(s) => Event::Progress { status: s.into() },
            ClientEvent::Synced { height } => Event::Synced { height },
            ClientEvent::Wallet(w) => wallet_event(w, network),
            ClientEvent::Reorg { fork_height, disconnected, connected } => Event::Reorg {
                fork_height,
                disconnected: disconnected.into_iter().map(block_id).collect(),
                connected: connected.into_iter().map(block_id).collect(),
            },
            ClientEvent::PeerConnected { peer, addr, user_agent } => {
                Event::PeerConnected { peer_id: peer.0, address: addr.to_string(), user_agent }
            }
            ClientEvent::PeerDisconnected { peer, addr } => {
                Event::PeerDisconnected { peer_id: peer.0, address: addr.to_string() }
            }
            ClientEvent::Broadcast { txid, outcome } => Event::Broadcast {
                txid: Txid::of(txid),
                outcome: match outcome {
                    CoreOutcome::Propagated => BroadcastOutcome::Propagated,
                    CoreOutcome::TimedOut => BroadcastOutcome::TimedOut,
                },
            },
            ClientEvent::InstantLocked { txid } => Event::InstantLocked { txid: Txid::of(txid) },
            ClientEvent::ChainLocked { height, block_hash } => {
                Event::ChainLocked { height, block_hash: BlockHash::of(block_hash) }
            }
            ClientEvent::MasternodeListUpdated {
                height,
                block_hash,
                masternodes,
                valid,
                quorums,
            } => {
                let n = |c: usize| u32::try_from(c).unwrap_or(u32::MAX);
                Event::MasternodeListUpdated {
                    height,
                    block_hash: BlockHash::of(block_hash),
                    masternodes: n(masternodes),
                    valid: n(valid),
                    quorums: n(quorums),
                }
            }
            ClientEvent::Spork(s) => spork_event(s),
            ClientEvent::Governance(g) => governance_event(g),
            ClientEvent::Stopped { reason } => {
                Event::Stopped { error: (!reason.is_requested()).then(|| reason.to_string()) }
            }
            ClientEvent::Lagged { missed } => Event::Lagged { missed },
            other => Event::Other { description: format!("{other:?}") },
        }
    }
}

/// Receives a client's events; implemented by the app (Kotlin, Swift, Python) and passed
/// to `Client.subscribe`.
///
/// Each subscription has a delivery thread of its own: `on_event` is called there, one event
/// at a time and in order, never while dashlite holds a lock and never on a thread of the
/// protocol or of the caller's executor, so a listener may take its time. The protocol
/// never waits for it: up to 1024 events queue for a listener that is slower than they
/// arrive; beyond that the newest are dropped and, once the listener has caught up enough
/// for two more, one `Event::Lagged` says how many were lost (re-read the state with the
/// client's queries then).
#[uniffi::export(with_foreign)]
pub trait EventListener: Send + Sync {
    /// Handles one event.
    fn on_event(&self, event: Event);
}

/// Delivers a client's events to an [`EventListener`] until cancelled or dropped: `cancel()`
/// in every language; also Kotlin's `close()`/`use {}` (AutoCloseable, which drops it), a
/// Swift release, Python's `del`. The method is not called `close` because Kotlin objects
/// already have that name.
#[derive(Debug, uniffi::Object)]
pub struct Subscription {
    open: Arc<AtomicBool>,
    stop: Mutex<Option<oneshot::Sender<()>>>,
}

impl Subscription {
    /// Starts the delivery thread of `listener`, reading `events` (of a client on
    /// `network`). The thread ends when cancelled or when the client is gone.
    pub(crate) fn deliver(
        mut events: EventStream,
        network: dashlite::Network,
        listener: Arc<dyn EventListener>,
    ) -> Subscription {
        let open = Arc::new(AtomicBool::new(true));
        let (stop, mut stopped) = oneshot::channel::<()>();
        let flag = open.clone();
        let run = move || {
            futures::executor::block_on(async {
                loop {
                    let next = std::pin::pin!(events.next());
                    match future::select(next, &mut stopped).await {
                        Either::Left((Some(e), _)) if flag.load(Ordering::Acquire) => {
                            listener.on_event(Event::from_core(e, network))
                        }
                        _ => break,
                    }
                }
            });
            flag.store(false, Ordering::Release);
        };
        if let Err(e) = std::thread::Builder::new().name("dashlite-events".into()).spawn(run) {
            log::error!("no event delivery thread: {e}");
            open.store(false, Ordering::Release);
        }
        Subscription { open, stop: Mutex::new(Some(stop)) }
    }
}

#[uniffi::export]
impl Subscription {
    /// Stops delivery: no event reaches the listener after this returns, except one that is
    /// being delivered at that moment.
    pub fn cancel(&self) {
        self.open.store(false, Ordering::Release);
        if let Some(stop) = self.stop.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = stop.send(());
        }
    }

    /// Whether events are still delivered (false once cancelled or the client is gone).
    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}
