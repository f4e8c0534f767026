//! `dashlite masternodes list`: the verified masternode list at the chain tip.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use dashlite::client::{Client, ClientEvent};
use dashlite::masternode::{MasternodeInfo, MasternodeListSummary, QuorumInfo};
use serde_json::{json, Value};

use crate::connect::Connect;
use crate::error::CliError;

/// The deterministic masternode list. Syncs headers, then the list by `mnlistdiff` (each
/// verified against its block's coinbase), until the list is at the header tip or the
/// timeout passes; prints the newest verified list held (exit status 1 when there is none).
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
    #[command(flatten)]
    connect: Connect,
    /// Give up waiting for the list to reach the tip after this many seconds.
    #[arg(long, default_value_t = 300, global = true)]
    timeout: u64,
    /// One JSON document on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// Regtest only: the DIP3 activation height the network runs with (Dash Core's
    /// `-dip3params=<height>:<enforcement>`); no list exists below it [default: 432].
    #[arg(long, value_name = "HEIGHT", global = true)]
    dip3_height: Option<u32>,
}

#[derive(clap::Subcommand)]
enum What {
    /// Every masternode and every active quorum of the list at the tip.
    List,
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let mut builder = args.connect.builder()?.masternodes(true);
    if let Some(h) = args.dip3_height {
        builder = builder.regtest_dip3_height(h);
    }
    let client = builder.build()?;
    async_std::task::block_on(async {
        let at_tip = sync(&client, Duration::from_secs(args.timeout)).await?;
        let list = client.masternode_list().await?;
        client.stop().await?;
        let Some(list) = list else {
            return Err(CliError::Failed(format!(
                "no verified masternode list within {} s",
                args.timeout
            )));
        };
        match args.what {
            What::List => print_list(&args, &list),
        }
        if !at_tip {
            eprintln!("note: the list did not reach the header tip in time; this is what is held");
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Runs the client until headers are synced and the list is at the header tip, or the
/// timeout. Returns whether it got there.
async fn sync(client: &Client, timeout: Duration) -> Result<bool, CliError> {
    let mut events = client.events();
    client.start().await?;
    let deadline = Instant::now() + timeout;
    let mut list_height = client.masternode_list().await?.map(|l| l.height);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match async_std::future::timeout(left, events.next()).await {
            Ok(Some(ClientEvent::MasternodeListUpdated { height, masternodes, valid, .. })) => {
                eprintln!(
                    "masternodes: list at {height} ({masternodes} masternodes, {valid} valid)"
                );
                list_height = Some(height);
            }
            Ok(Some(ClientEvent::Lagged { .. } | ClientEvent::Synced { .. })) => {
                list_height = client.masternode_list().await?.map(|l| l.height);
            }
            Ok(Some(ClientEvent::Stopped { reason })) => {
                return Err(CliError::Failed(format!("the client stopped: {reason:?}")))
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return Ok(false),
        }
        let status = client.sync_status();
        if status.synced && list_height == Some(status.header_height) {
            return Ok(true);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn kind(m: &MasternodeInfo) -> &'static str {
    if m.evo {
        "evo"
    } else {
        "regular"
    }
}

fn entry(m: &MasternodeInfo) -> Value {
    json!({
        "proRegTxHash": m.pro_reg_tx_hash.to_string(),
        "service": m.address.map(|a| a.to_string()),
        "type": kind(m),
        "valid": m.valid,
        "operatorKey": hex(&m.operator_key),
        "votingKeyId": hex(&m.voting_key_id),
    })
}

fn quorum(q: &QuorumInfo) -> Value {
    json!({
        "type": q.llmq_type,
        "hash": q.quorum_hash.to_string(),
        "index": q.quorum_index,
        "verified": q.signature_verifies(),
    })
}

/// The stable JSON document of `list`.
fn document(network: &str, list: &MasternodeListSummary) -> Value {
    json!({
        "network": network,
        "height": list.height,
        "blockHash": list.block_hash.to_string(),
        "total": list.masternodes.len(),
        "valid": list.valid,
        "masternodes": list.masternodes.iter().map(entry).collect::<Vec<_>>(),
        "quorums": list.quorums.iter().map(quorum).collect::<Vec<_>>(),
    })
}

fn print_list(args: &Args, list: &MasternodeListSummary) {
    if args.json {
        println!("{}", document(args.connect.network.name(), list));
        return;
    }
    println!("height {} block {}", list.height, list.block_hash);
    println!("{} masternodes, {} valid", list.masternodes.len(), list.valid);
    println!(
        "{:<64} {:<21} {:<7} {:<5} {:<96} {:<40}",
        "proRegTxHash", "service", "type", "valid", "operator key", "voting key id"
    );
    for m in &list.masternodes {
        println!(
            "{:<64} {:<21} {:<7} {:<5} {:<96} {:<40}",
            m.pro_reg_tx_hash.to_string(),
            m.address.map_or("-".to_string(), |a| a.to_string()),
            kind(m),
            m.valid,
            hex(&m.operator_key),
            hex(&m.voting_key_id)
        );
    }
    println!("{} quorums", list.quorums.len());
    println!("{:<4} {:<64} {:>5} {:<8}", "type", "hash", "index", "verified");
    for q in &list.quorums {
        println!(
            "{:<4} {:<64} {:>5} {:<8}",
            q.llmq_type,
            q.quorum_hash.to_string(),
            q.quorum_index,
            q.signature_verifies()
        );
    }
}
