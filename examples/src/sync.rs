//! `dashlite sync`: a real sync of a watch-only wallet with progress bars, then its balance
//! and transactions.

use std::process::ExitCode;
use std::time::Duration;

use dashlite::client::{Birthday, Client, ClientBuilder, ClientEvent, SyncStatus, WatchItem};
use dashlite::wallet::{Amount, Balance, HistoryEntry, TxStatus, WalletEvent};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use crate::connect::Connect;
use crate::error::{Classify, CliError};

/// Birthdays below this are heights, above are unix times (the nLockTime convention).
const HEIGHT_LIMIT: u64 = 500_000_000;

/// Sync a watch-only wallet: headers2, filtered blocks, proven transactions.
///
/// State is kept in the data directory: run it again to resume. Killing it at any moment is
/// safe. Without `--until-synced` it keeps following the chain and prints the wallet each
/// time it is synced.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    connect: Connect,
    /// An address or account xpub to watch (repeatable).
    #[arg(long = "watch", value_name = "ADDR|XPUB")]
    watch: Vec<String>,
    /// The wallet's birthday: a block height, or a unix time (from 500000000 on).
    #[arg(long, value_name = "UNIXTIME|HEIGHT")]
    birthday: Option<u64>,
    /// Exit 0 once synced; the last line is the tip height and the wallet summary.
    #[arg(long)]
    until_synced: bool,
    /// With --until-synced: exit 1 if not synced after this many seconds.
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,
    /// Machine-readable output: one JSON document per line on stdout.
    #[arg(long)]
    json: bool,
}

fn builder(args: &Args) -> Result<ClientBuilder, CliError> {
    let mut b = args.connect.builder()?;
    for w in &args.watch {
        b = b.watch(WatchItem::parse(w, args.connect.network).usage("--watch")?);
    }
    if let Some(v) = args.birthday {
        b = b.birthday(if v < HEIGHT_LIMIT {
            Birthday::Height(u32::try_from(v).map_err(|_| CliError::Usage("bad birthday".into()))?)
        } else {
            Birthday::Time(v)
        });
    }
    Ok(b)
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let client = builder(&args)?.build()?;
    async_std::task::block_on(follow(&args, client))
}

struct Bars {
    multi: MultiProgress,
    headers: ProgressBar,
    blocks: ProgressBar,
    json: bool,
}

impl Bars {
    fn new(json: bool) -> Bars {
        let target = if json { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() };
        let multi = MultiProgress::with_draw_target(target);
        let style = ProgressStyle::with_template(
            "{prefix:>8} [{bar:40.cyan/blue}] {pos:>8}/{len:8} {per_sec:>12} {elapsed:>4}",
        )
        .expect("valid template")
        .progress_chars("=> ");
        let bar = |name: &str| {
            let b = multi.add(ProgressBar::new(0));
            b.set_style(style.clone());
            b.set_prefix(name.to_string());
            b
        };
        let headers = bar("headers");
        let blocks = bar("blocks");
        Bars { multi, headers, blocks, json }
    }

    fn update(&self, s: &SyncStatus) {
        self.headers.set_length(u64::from(s.network_height.max(s.header_height)));
        self.headers.set_position(u64::from(s.header_height));
        self.blocks.set_length(u64::from(s.header_height));
        self.blocks.set_position(u64::from(s.block_height));
    }

    /// A narrative line (stderr, so stdout stays the wallet's).
    fn say(&self, line: String) {
        if !self.json {
            self.multi.suspend(|| eprintln!("{line}"));
        }
    }
}

async fn follow(args: &Args, client: Client) -> Result<ExitCode, CliError> {
    let bars = Bars::new(args.json);
    let mut events = client.events();
    client.start().await?;
    let deadline = args.timeout.map(|t| std::time::Instant::now() + Duration::from_secs(t));
    loop {
        let next = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(std::time::Instant::now());
                match async_std::future::timeout(left, events.next()).await {
                    Ok(e) => e,
                    Err(_) => {
                        let s = client.sync_status();
                        let _ = client.stop().await;
                        eprintln!(
                            "error: not synced after {} s (headers {}, blocks {}, peers {})",
                            args.timeout.unwrap_or(0),
                            s.header_height,
                            s.block_height,
                            s.peers
                        );
                        return Ok(ExitCode::from(1));
                    }
                }
            }
            None => events.next().await,
        };
        let Some(event) = next else { return Ok(ExitCode::from(1)) };
        match event {
            ClientEvent::Progress(s) => bars.update(&s),
            ClientEvent::PeerConnected { addr, user_agent, .. } => {
                bars.say(format!("peer {addr} connected ({user_agent})"))
            }
            ClientEvent::PeerDisconnected { addr, .. } => bars.say(format!("peer {addr} gone")),
            ClientEvent::Wallet(w) => bars.say(describe(&w)),
            ClientEvent::Reorg { fork_height, disconnected, connected, .. } => bars.say(format!(
                "reorg after height {fork_height}: {} block(s) replaced by {}",
                disconnected.len(),
                connected.len()
            )),
            ClientEvent::Synced { height } => {
                bars.update(&client.sync_status());
                let view = WalletView {
                    history: client.history().await?,
                    balance: client.balance().await?,
                    utxos: client.utxos().await?.len(),
                };
                bars.multi.suspend(|| print_wallet(args, height, &view));
                if args.until_synced {
                    client.stop().await?;
                    return Ok(ExitCode::SUCCESS);
                }
            }
            ClientEvent::Stopped { reason } => {
                eprintln!("error: the client stopped: {reason}");
                return Ok(ExitCode::from(1));
            }
            _ => {}
        }
    }
}

fn describe(e: &WalletEvent) -> String {
    match e {
        WalletEvent::NewTransaction { txid, status, net_amount } => {
            format!(
                "wallet: {} DASH in {txid} ({})",
                Amount::from(*net_amount),
                status_text(status)
            )
        }
        WalletEvent::Confirmed { txid, block } => {
            format!("wallet: {txid} confirmed in block {}", block.height)
        }
        WalletEvent::ConfirmationChanged { txid, confirmations } => {
            format!("wallet: {txid} has {confirmations} confirmations")
        }
        WalletEvent::Reorged { txid, from } => {
            format!("wallet: {txid} left the best chain (was in block {})", from.height)
        }
        WalletEvent::Conflicted { txid, by } => format!("wallet: {txid} double-spent by {by}"),
        WalletEvent::Expired { txid } => format!("wallet: {txid} expired unconfirmed"),
        WalletEvent::Abandoned { txid } => {
            format!("wallet: {txid} abandoned (its coinbase left the best chain)")
        }
        WalletEvent::KeysDerived(ext) => {
            format!("wallet: {} more keys derived", ext.new_keys.len())
        }
    }
}

fn status_text(s: &TxStatus) -> String {
    match s {
        TxStatus::Confirmed(b) => format!("block {}", b.height),
        TxStatus::Unconfirmed => "unconfirmed".into(),
        TxStatus::Conflicted { by } => format!("conflicted by {by}"),
        TxStatus::Expired => "expired".into(),
        TxStatus::Abandoned => "abandoned".into(),
    }
}

/// What the wallet summary prints.
struct WalletView {
    history: Vec<HistoryEntry>,
    balance: Balance,
    utxos: usize,
}

fn status_name(s: &TxStatus) -> &'static str {
    match s {
        TxStatus::Confirmed(_) => "confirmed",
        TxStatus::Unconfirmed => "unconfirmed",
        TxStatus::Conflicted { .. } => "conflicted",
        TxStatus::Expired => "expired",
        TxStatus::Abandoned => "abandoned",
    }
}

/// The wallet as one JSON document (`--json`: amounts in duffs) or a table, the summary line
/// last.
fn print_wallet(args: &Args, tip: u32, view: &WalletView) {
    let WalletView { history, balance, utxos } = view;
    if args.json {
        let list: Vec<_> = history
            .iter()
            .map(|t| {
                json!({
                    "txid": t.txid.to_string(),
                    "net_amount": t.amount.duffs(),
                    "fee": t.fee.map(Amount::duffs),
                    "height": t.height(),
                    "block_hash": t.block_hash().map(|h| h.to_string()),
                    "confirmations": t.confirmations,
                    "status": status_name(&t.status),
                })
            })
            .collect();
        let doc = json!({
            "network": args.connect.network.name(),
            "tip": tip,
            "balance": {
                "confirmed": balance.confirmed,
                "unconfirmed_incoming": balance.unconfirmed_incoming,
                "unconfirmed_outgoing": balance.unconfirmed_outgoing,
                "total": balance.total(),
            },
            "utxos": utxos,
            "transactions": list,
        });
        println!("{doc}");
        return;
    }
    println!("{:<64} {:>16} {:>8} {:>6}", "txid", "DASH", "height", "conf");
    for t in history {
        println!(
            "{:<64} {:>16} {:>8} {:>6}",
            t.txid.to_string(),
            t.amount,
            t.height().map_or("-".to_string(), |h| h.to_string()),
            t.confirmations
        );
    }
    println!(
        "synced to {tip}: balance {} DASH ({} confirmed, {} unconfirmed), {} transactions, {} UTXOs",
        Amount::from(balance.total()),
        Amount::from(balance.confirmed),
        Amount::from(balance.unconfirmed_incoming - balance.unconfirmed_outgoing),
        history.len(),
        utxos
    );
}
