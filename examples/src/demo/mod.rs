//! `dashlite demo`: the whole client against in-process testkit nodes, in seconds.
//!
//! 1. Builds a regtest chain (real X11 proof of work, real merkle roots) of a few thousand
//!    blocks with unrelated traffic and payments to a demo wallet: a BIP44 account watched
//!    through its extended public key. One payment goes to a key beyond the initial filter
//!    (the lookahead window only reaches it once an earlier key is used).
//! 2. Starts testkit nodes sharing that chain on 127.0.0.1, each behind a byte-counting relay,
//!    and syncs from them with the SDK's `Client` (in memory, the nodes as its only peers):
//!    headers2, then filtered blocks spread over the nodes, with progress bars on a terminal
//!    (plain progress lines otherwise).
//! 3. Live: a new payment is relayed (unconfirmed), mined (confirmed), reorganised away
//!    (unconfirmed again) and mined on the new branch (confirmed again).
//! 4. Prints the wallet and the figures; checks that what the wallet holds is exactly what the
//!    chain paid it, and exits 1 (with the reason) if not or if any step takes too long.

use crate::error::{usage, CliError};
use dashlite::client::{ClientBuilder, ClientEvent, EventStream, WatchItem};
use dashlite::hash::Txid;
use dashlite::network::Network;
use dashlite::wallet::{Amount, ChainKind, TxStatus, WalletEvent};
use dashlite_testkit::chain::COIN;
use dashlite_testkit::{start_nodes, SharedChain, TestNode};
use serde_json::json;
use std::collections::{BTreeMap, VecDeque};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The longest the initial sync may take.
const SYNC_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest each live step may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(20);
/// Blocks mined before any payment (the builder's coinbases mature).
const MATURITY: u32 = 101;

/// Arguments of `dashlite demo`.
#[derive(clap::Args)]
pub struct Args {
    /// Blocks in the chain the demo builds (at least 200).
    #[arg(long, default_value_t = 5_000)]
    blocks: u32,
    /// Testkit nodes serving it (1 to 8).
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Print one JSON document with the outcome on stdout (the narrative goes to stderr).
    #[arg(long)]
    json: bool,
}

/// Why the demo failed (the message says what it was waiting for or what did not match).
struct Failure(String);

impl<T: Into<String>> From<T> for Failure {
    fn from(s: T) -> Self {
        Failure(s.into())
    }
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    if args.blocks < 200 {
        return Err(usage(format!("--blocks {} is too few: give at least 200", args.blocks)));
    }
    if !(1..=8).contains(&args.nodes) {
        return Err(usage(format!("--nodes {} is outside 1..=8", args.nodes)));
    }
    let ui = Ui::new(args.json);
    match async_std::task::block_on(demo(&args, &ui)) {
        Ok(summary) => {
            if args.json {
                println!("{summary}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(Failure(why)) => {
            ui.multi.suspend(|| eprintln!("error: demo failed: {why}"));
            Ok(ExitCode::FAILURE)
        }
    }
}

mod relay;
mod scenario;
mod ui;

use relay::{relay, Meter};
use scenario::*;
use ui::*;

struct Session<'a> {
    ui: &'a Ui,
    events: EventStream,
    /// Names of the demo's transactions, for the narrative.
    names: BTreeMap<Txid, String>,
    /// The last events, for a timeout's message.
    recent: VecDeque<String>,
    /// When the header chain first reached the target height.
    headers_done: Option<Instant>,
    headers_target: u32,
    started: Instant,
    reorgs: Vec<serde_json::Value>,
}

impl Session<'_> {
    fn name(&self, txid: &Txid) -> String {
        match self.names.get(txid) {
            Some(n) => format!("{} ({n})", short(txid)),
            None => short(txid),
        }
    }

    /// Updates the bars and tells what happened.
    fn report(&mut self, ev: &ClientEvent) {
        let ui = self.ui;
        match ev {
            ClientEvent::Progress(st) => {
                let (height, network_height) = (&st.header_height, &st.network_height);
                if !ui.headers.is_finished() {
                    ui.headers.set_length(u64::from(*network_height.max(height)));
                    ui.headers.set_position(u64::from(*height));
                    if self.headers_done.is_none() && *height >= self.headers_target {
                        self.headers_done = Some(Instant::now());
                        ui.headers.finish();
                        let d = self.started.elapsed();
                        ui.say(format!(
                            "headers: {height} validated (X11, links, difficulty, median time) in {:.2} s",
                            d.as_secs_f64()
                        ));
                    }
                }
                if !ui.blocks.is_finished() {
                    ui.blocks.set_length(u64::from(st.header_height));
                    ui.blocks.set_position(u64::from(st.block_height));
                }
            }
            ClientEvent::Reorg { fork_height, disconnected, connected } => {
                ui.say(format!(
                    "reorg: {} block(s) after height {fork_height} replaced by {} (new tip {})",
                    disconnected.len(),
                    connected.len(),
                    connected.last().map_or(*fork_height, |c| c.0),
                ));
                self.reorgs.push(json!({
                    "fork_height": fork_height,
                    "disconnected": disconnected.len(),
                    "connected": connected.len(),
                }));
            }
            ClientEvent::Wallet(w) => self.report_wallet(w),
            _ => {}
        }
    }

    fn report_wallet(&mut self, ev: &WalletEvent) {
        let line = match ev {
            WalletEvent::NewTransaction { txid, status, net_amount } => {
                let how = match status {
                    TxStatus::Confirmed(b) => format!("proven in block {}", b.height),
                    TxStatus::Unconfirmed => "unconfirmed (relayed from the mempool)".into(),
                    TxStatus::Conflicted { by } => format!("conflicted by {}", short(by)),
                    TxStatus::Expired => "expired (unconfirmed for 8,064 blocks)".into(),
                    TxStatus::Abandoned => "abandoned (its coinbase left the best chain)".into(),
                };
                format!(
                    "wallet: {:>+15} DASH  {}  {how}",
                    Amount::from(*net_amount),
                    self.name(txid)
                )
            }
            WalletEvent::Confirmed { txid, block } => {
                format!("wallet: {} confirmed in block {}", self.name(txid), block.height)
            }
            WalletEvent::Reorged { txid, from } => format!(
                "wallet: {} left the best chain (was in block {}): unconfirmed again",
                self.name(txid),
                from.height
            ),
            WalletEvent::Conflicted { txid, by } => {
                format!("wallet: {} lost a double-spend to {}", self.name(txid), short(by))
            }
            WalletEvent::Expired { txid } => {
                format!("wallet: {} expired: unconfirmed for 8,064 blocks", self.name(txid))
            }
            WalletEvent::Abandoned { txid } => {
                format!("wallet: {} abandoned: its coinbase left the best chain", self.name(txid))
            }
            WalletEvent::KeysDerived(ext) => {
                let (Some(first), Some(last)) = (ext.new_keys.first(), ext.new_keys.last()) else {
                    return;
                };
                let range = if first.index == last.index {
                    key_name(ext.chain, first.index)
                } else {
                    format!("{}..#{}", key_name(ext.chain, first.index), last.index)
                };
                format!(
                    "wallet: {} used{}: lookahead derived {range}, added to the filter{}",
                    key_name(ext.chain, ext.used_index),
                    ext.used_at_height.map(|h| format!(" in block {h}")).unwrap_or_default(),
                    ext.used_at_height
                        .map(|h| format!("; rescanning from {h}"))
                        .unwrap_or_default(),
                )
            }
            WalletEvent::ConfirmationChanged { .. } => return,
        };
        self.ui.say(line);
    }

    /// Reads events until `done` holds, for at most `limit`.
    async fn wait_for(
        &mut self,
        what: &str,
        limit: Duration,
        mut done: impl FnMut(&ClientEvent) -> bool,
    ) -> Result<(), Failure> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let next = async_std::future::timeout(left, self.events.next()).await;
            let ev = match next {
                Ok(Some(ev)) => ev,
                Ok(None) => return Err(format!("the sync stopped while waiting for {what}").into()),
                Err(_) => {
                    let recent: Vec<&str> = self.recent.iter().map(String::as_str).collect();
                    return Err(format!(
                        "timed out after {} s waiting for {what}; last events: [{}]",
                        limit.as_secs(),
                        recent.join("; ")
                    )
                    .into());
                }
            };
            self.report(&ev);
            if self.recent.len() == 8 {
                self.recent.pop_front();
            }
            self.recent.push_back(format!("{ev:?}"));
            if done(&ev) {
                return Ok(());
            }
        }
    }
}

fn is_wallet_event(ev: &ClientEvent, f: impl Fn(&WalletEvent) -> bool) -> bool {
    matches!(ev, ClientEvent::Wallet(w) if f(w))
}

// ---------------------------------------------------------------------------------------
// The demo.

async fn demo(args: &Args, ui: &Ui) -> Result<serde_json::Value, Failure> {
    let t0 = Instant::now();
    ui.say(format!(
        "dashlite demo: {} testkit nodes on 127.0.0.1 sharing one regtest chain",
        args.nodes
    ));
    ui.say(format!("wallet: BIP44 account {} (watch-only, gap limit 20)", account()));
    let built = build_chain(args.blocks);
    let chain = built.chain.clone();
    let tip = chain.height();
    ui.say(format!(
        "chain: {tip} blocks mined with X11 in {:.2} s: {} unrelated payments, {} to the wallet",
        t0.elapsed().as_secs_f64(),
        built.unrelated_txs,
        built.payments.len()
    ));

    let nodes = start_nodes(&chain, args.nodes);
    let meter = Arc::new(Meter::default());
    let mut peers = Vec::new();
    for n in &nodes {
        peers.push(relay(n.addr(), meter.clone()).map_err(|e| format!("relay: {e}"))?);
    }

    let mut builder = ClientBuilder::new(Network::Regtest)
        .watch(WatchItem::Account { xpub: account(), gaps: dashlite::wallet::GapLimits::default() })
        .max_peers(args.nodes)
        .seed(7);
    for p in peers {
        builder = builder.peer(p);
    }
    let client = builder.build().map_err(|e| format!("opening the client: {e}"))?;
    let events = client.events();
    let started = Instant::now();
    client.start().await.map_err(|e| format!("starting the client: {e}"))?;
    let mut s = Session {
        ui,
        events,
        names: built.payments.iter().map(|p| (p.txid, p.key.clone())).collect(),
        recent: VecDeque::new(),
        headers_done: None,
        headers_target: tip,
        started,
        reorgs: Vec::new(),
    };
    ui.say("sync: headers2 from one peer, filtered blocks pipelined over all of them");
    ui.show_bars(tip);

    let synced = s
        .wait_for(
            "the initial sync",
            SYNC_TIMEOUT,
            |e| matches!(e, ClientEvent::Synced { height } if *height == tip),
        )
        .await;
    if let Err(e) = synced {
        let _ = async_std::future::timeout(STEP_TIMEOUT, client.stop()).await;
        return Err(e);
    }
    let sync_time = started.elapsed();
    let headers_time = s.headers_done.map_or(sync_time, |t| t - started);
    let (sync_down, sync_up) = meter.get();
    // The bars are done: from here on, lines only.
    ui.headers.finish_and_clear();
    ui.blocks.finish_and_clear();
    ui.say(format!(
        "synced: {tip} filtered blocks in {:.2} s ({:.0} blocks/s), {} received",
        sync_time.as_secs_f64(),
        per_sec(u64::from(tip), sync_time),
        mib(sync_down)
    ));

    let live = live(&mut s, &chain, &nodes).await;
    async_std::future::timeout(STEP_TIMEOUT, client.stop())
        .await
        .map_err(|_| "timed out stopping the client")?
        .map_err(|e| format!("stopping the client: {e}"))?;
    let live = live?;
    let wallet = client.wallet().await.map_err(|e| format!("reading the wallet: {e}"))?;
    let wallet = &wallet;
    let final_tip = chain.height();
    let (down, up) = meter.get();

    // The check: exactly the chain's payments, at their heights.
    let mut expected = built.payments.clone();
    expected.push(Payment {
        txid: live.txid,
        value: live.value,
        key: live.key.clone(),
        height: Some(live.reconfirmed_height),
    });
    for p in &expected {
        let got = wallet.transaction(&p.txid).map(|w| w.status);
        let want_height = p.height.unwrap_or(0);
        if !matches!(got, Some(TxStatus::Confirmed(b)) if b.height == want_height) {
            return Err(format!(
                "payment {} to {} should be confirmed in block {want_height}; the wallet has {got:?}",
                p.txid, p.key
            )
            .into());
        }
    }
    if wallet.transactions().len() != expected.len() {
        return Err(format!(
            "the wallet holds {} transactions, the chain paid it in {}",
            wallet.transactions().len(),
            expected.len()
        )
        .into());
    }
    let paid: i64 = expected.iter().map(|p| p.value).sum();
    let balance = wallet.balance();
    if balance.confirmed != paid || balance.total() != paid {
        return Err(format!(
            "balance {} confirmed, {} total; the chain paid {}",
            Amount::from(balance.confirmed),
            Amount::from(balance.total()),
            Amount::from(paid)
        )
        .into());
    }

    // The wallet.
    let mut history = wallet.history();
    history.sort_by_key(|e| (e.height().unwrap_or(u32::MAX), e.seen));
    ui.say("");
    ui.say(format!("Wallet (tip {final_tip}):"));
    ui.say(format!("  {:<64}  {:>14}  {:>6}  {:>5}  key", "txid", "DASH", "height", "conf"));
    let mut tx_json = Vec::new();
    for e in &history {
        let keys: Vec<String> = e.owned_outputs.iter().map(|o| owner_name(&o.owner)).collect();
        ui.say(format!(
            "  {}  {:>14}  {:>6}  {:>5}  {}",
            e.txid,
            e.amount,
            e.height().map_or("-".into(), |h| h.to_string()),
            e.confirmations,
            keys.join(", ")
        ));
        tx_json.push(json!({
            "txid": e.txid.to_string(),
            "amount": e.amount.duffs(),
            "height": e.height(),
            "confirmations": e.confirmations,
            "keys": keys,
        }));
    }
    ui.say(format!(
        "  balance {} DASH ({} confirmed, {} unconfirmed), {} UTXOs",
        Amount::from(balance.total()),
        Amount::from(balance.confirmed),
        Amount::from(balance.unconfirmed_incoming - balance.unconfirmed_outgoing),
        wallet.utxos().len()
    ));
    ui.say("");
    ui.say(format!(
        "Figures: headers {:.0}/s ({tip} in {:.2} s), filtered blocks {:.0}/s ({tip} in {:.2} s)",
        per_sec(u64::from(tip), headers_time),
        headers_time.as_secs_f64(),
        per_sec(u64::from(tip), sync_time),
        sync_time.as_secs_f64(),
    ));
    ui.say(format!(
        "         sync received {} ({} bytes/block), sent {}; whole run {} received, {} sent",
        mib(sync_down),
        sync_down / u64::from(tip.max(1)),
        mib(sync_up),
        mib(down),
        mib(up)
    ));
    ui.say(format!(
        "demo: ok: {} payments found (lookahead receive #24 included), live payment {} confirmed after a reorg, balance {} DASH, {:.1} s",
        expected.len(),
        short(&live.txid),
        Amount::from(balance.total()),
        t0.elapsed().as_secs_f64()
    ));

    Ok(json!({
        "ok": true,
        "network": "regtest",
        "nodes": args.nodes,
        "tip": final_tip,
        "account": account().to_string(),
        "balance": {
            "confirmed": balance.confirmed,
            "unconfirmed": balance.unconfirmed_incoming - balance.unconfirmed_outgoing,
            "total": balance.total(),
        },
        "transactions": tx_json,
        "payments": expected.iter().map(|p| json!({
            "txid": p.txid.to_string(),
            "value": p.value,
            "key": p.key,
            "height": p.height,
        })).collect::<Vec<_>>(),
        "live": {
            "txid": live.txid.to_string(),
            "seen_unconfirmed": true,
            "confirmed_height": live.confirmed_height,
            "reorged_from_height": live.reorged_from,
            "reconfirmed_height": live.reconfirmed_height,
        },
        "reorgs": s.reorgs,
        "figures": {
            "headers": tip,
            "headers_seconds": headers_time.as_secs_f64(),
            "headers_per_second": per_sec(u64::from(tip), headers_time),
            "blocks": tip,
            "sync_seconds": sync_time.as_secs_f64(),
            "blocks_per_second": per_sec(u64::from(tip), sync_time),
            "sync_bytes_received": sync_down,
            "sync_bytes_sent": sync_up,
            "bytes_received": down,
            "bytes_sent": up,
        },
    }))
}

/// What happened to the live payment.
struct Live {
    txid: Txid,
    value: i64,
    key: String,
    confirmed_height: u32,
    reorged_from: u32,
    reconfirmed_height: u32,
}

/// The live part: a payment relayed, mined, reorganised away and mined again.
async fn live(
    s: &mut Session<'_>,
    chain: &SharedChain,
    nodes: &[TestNode],
) -> Result<Live, Failure> {
    let ui = s.ui;
    let index = 25; // the next unused receiving key after receive #24
    let key = key_name(ChainKind::External, index);
    let value = 7 * COIN;
    ui.say(format!("live: the testkit pays {} DASH to {key}", Amount::from(value)));
    let txid = chain.send(&chain_key_script(ChainKind::External, index), value).txid();
    s.names.insert(txid, format!("live, {key}"));
    s.wait_for("the live payment to be relayed", STEP_TIMEOUT, |e| {
        is_wallet_event(
            e,
            |w| matches!(w, WalletEvent::NewTransaction { txid: t, .. } if *t == txid),
        )
    })
    .await?;

    ui.say("live: a block is mined");
    chain.mine(1);
    nodes[0].announce();
    let mut confirmed_height = 0;
    s.wait_for("the live payment to confirm", STEP_TIMEOUT, |e| match e {
        ClientEvent::Wallet(WalletEvent::Confirmed { txid: t, block }) if *t == txid => {
            confirmed_height = block.height;
            true
        }
        ClientEvent::Wallet(WalletEvent::NewTransaction {
            txid: t,
            status: TxStatus::Confirmed(block),
            ..
        }) if *t == txid => {
            confirmed_height = block.height;
            true
        }
        _ => false,
    })
    .await?;

    ui.say("live: the testkit replaces that block with a longer branch without the payment");
    let reorg = chain.reorg(1);
    if !reorg.returned_to_mempool.contains(&txid) {
        return Err("the reorganised block did not hold the live payment".into());
    }
    nodes[nodes.len() - 1].announce();
    let mut reorged_from = 0;
    s.wait_for("the reorg to reach the wallet", STEP_TIMEOUT, |e| match e {
        ClientEvent::Wallet(WalletEvent::Reorged { txid: t, from }) if *t == txid => {
            reorged_from = from.height;
            true
        }
        _ => false,
    })
    .await?;

    ui.say("live: the payment is mined again on the new branch, then two more blocks");
    chain.mine(1);
    let reconfirmed_height = chain.height();
    chain.mine(2);
    let tip = chain.height();
    nodes[0].announce();
    let mut reconfirmed = false;
    s.wait_for("the live payment to confirm again", STEP_TIMEOUT, |e| {
        if is_wallet_event(e, |w| matches!(w, WalletEvent::Confirmed { txid: t, .. } if *t == txid))
        {
            reconfirmed = true;
        }
        reconfirmed && matches!(e, ClientEvent::Synced { height } if *height >= tip)
    })
    .await?;
    Ok(Live { txid, value, key, confirmed_height, reorged_from, reconfirmed_height })
}
