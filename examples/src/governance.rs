//! `dashlite governance list|show HASH`: governance objects and vote tallies.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use dashlite::client::{Client, ClientEvent};
use dashlite::governance::{GovernanceEvent, ProposalSummary, SignatureStatus};
use dashlite::hash::Hash256;
use dashlite::wire::VoteSignal;
use serde_json::{json, Value};

use crate::connect::Connect;
use crate::error::CliError;

/// Governance proposals and their votes. The first run syncs headers, then every object and
/// its votes (kept in the data directory; later runs only fetch what is new, and respect
/// Dash Core's limit on full syncs). Tallies count verified votes only: a vote is verified
/// with the keys of a verified masternode list, and is `unverified` while none is held or its
/// masternode cannot be found by its collateral.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
    #[command(flatten)]
    connect: Connect,
    /// Give up waiting for the sync after this many seconds (what is held is printed).
    #[arg(long, default_value_t = 300, global = true)]
    timeout: u64,
    /// One JSON document on stdout.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(clap::Subcommand)]
enum What {
    /// Every proposal with its funding tally.
    List,
    /// One object with every vote on it.
    Show {
        /// The object hash (display hex).
        hash: Hash256,
    },
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let client = args.connect.builder()?.governance(true).build()?;
    async_std::task::block_on(async {
        let done = sync(&client, Duration::from_secs(args.timeout)).await?;
        let code = match &args.what {
            What::List => {
                let proposals = client.proposals().await?;
                print_list(&args, &proposals);
                ExitCode::SUCCESS
            }
            What::Show { hash } => match client.proposal(*hash).await? {
                Some(d) => {
                    let votes: Vec<Value> = d
                        .votes
                        .iter()
                        .map(|v| {
                            json!({
                                "hash": v.hash.to_string(),
                                "masternode": format!("{}-{}", v.vote.masternode_outpoint.txid, v.vote.masternode_outpoint.vout),
                                "signal": signal_name(v.vote.signal),
                                "outcome": outcome_name(v.vote.outcome.to_i32()),
                                "time": v.vote.time,
                                "counted": v.counted,
                                "signature": signature_name(v.signature),
                            })
                        })
                        .collect();
                    let mut doc = summary(&d.summary);
                    doc["votes"] = Value::Array(votes);
                    if args.json {
                        println!("{doc}");
                    } else {
                        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
                    }
                    ExitCode::SUCCESS
                }
                None => {
                    eprintln!("error: no governance object {hash}");
                    ExitCode::from(1)
                }
            },
        };
        client.stop().await?;
        if !done {
            eprintln!("note: the governance sync did not finish; this is what is held");
        }
        Ok(code)
    })
}

/// Runs the client until the governance round is done (or, when the rate limit defers the
/// full sync, until the votes of the objects held are synced), or the timeout. Returns
/// whether it got there.
async fn sync(client: &Client, timeout: Duration) -> Result<bool, CliError> {
    let mut events = client.events();
    client.start().await?;
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match async_std::future::timeout(left, events.next()).await {
            Ok(Some(ClientEvent::Governance(GovernanceEvent::Done(_)))) => return Ok(true),
            // Deferred by the rate limit: the votes of what is held are current; the full
            // sync will not be answered again before `not_before`.
            Ok(Some(ClientEvent::Governance(GovernanceEvent::HeldVotesSynced(_)))) => {
                return Ok(true)
            }
            Ok(Some(ClientEvent::Governance(GovernanceEvent::FullSyncDeferred { not_before }))) => {
                eprintln!("governance: full sync not allowed again before {not_before} (unix time); votes of held objects are synced");
            }
            Ok(Some(ClientEvent::Governance(GovernanceEvent::Progress(p)))) => {
                eprintln!(
                    "governance: {}/{} objects, {}/{} votes",
                    p.objects_received, p.objects_announced, p.votes_received, p.votes_announced
                );
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return Ok(false),
        }
    }
}

fn signal_name(s: VoteSignal) -> &'static str {
    match s.to_i32() {
        1 => "funding",
        2 => "valid",
        3 => "delete",
        4 => "endorsed",
        _ => "other",
    }
}

fn outcome_name(o: i32) -> &'static str {
    match o {
        1 => "yes",
        2 => "no",
        3 => "abstain",
        _ => "none",
    }
}

/// What the tallies count, as the JSON says it.
const COUNTED: &str = "verified votes only: the newest of each masternode per signal, \
    weighted (Evo 4, regular 1); unverified and invalid votes are not counted";

fn signature_name(s: SignatureStatus) -> &'static str {
    match s {
        SignatureStatus::NotSigned => "not_signed",
        SignatureStatus::Unverified => "unverified",
        SignatureStatus::Verified => "verified",
        SignatureStatus::Invalid => "invalid",
    }
}

fn summary(p: &ProposalSummary) -> Value {
    let proposal = p.object.data.proposal();
    json!({
        "hash": p.hash.to_string(),
        "name": proposal.map(|x| x.name.clone()),
        "url": proposal.map(|x| x.url.clone()),
        "payment_address": proposal.map(|x| x.payment_address.clone()),
        "payment_amount_duffs": proposal.map(|x| x.payment_amount_duffs),
        "start_epoch": proposal.map(|x| x.start_epoch),
        "end_epoch": proposal.map(|x| x.end_epoch),
        "invalid_data": p.object.data.is_invalid(),
        "funding": { "yes": p.funding.yes, "no": p.funding.no, "abstain": p.funding.abstain,
                     "absolute_yes": p.funding.absolute_yes() },
        "counted": COUNTED,
        "vote_status": { "verified": p.votes.verified, "unverified": p.votes.unverified,
                   "invalid": p.votes.invalid },
    })
}

fn print_list(args: &Args, proposals: &[ProposalSummary]) {
    if args.json {
        let list: Vec<Value> = proposals.iter().map(summary).collect();
        println!("{}", json!({ "network": args.connect.network.name(), "proposals": list }));
        return;
    }
    println!("{:<64} {:<32} {:>16} {:>5} {:>5} {:>5}", "hash", "name", "DASH", "yes", "no", "abst");
    for p in proposals {
        let proposal = p.object.data.proposal();
        let amount = proposal.map_or(0, |x| x.payment_amount_duffs);
        println!(
            "{:<64} {:<32} {:>16} {:>5} {:>5} {:>5}",
            p.hash.to_string(),
            proposal.map_or("(invalid data)".to_string(), |x| x.name.chars().take(32).collect()),
            format!("{}.{:08}", amount / 100_000_000, amount % 100_000_000),
            p.funding.yes,
            p.funding.no,
            p.funding.abstain
        );
    }
    let unverified: u32 = proposals.iter().map(|p| p.votes.unverified).sum();
    println!(
        "{} proposals; tallies count verified votes only ({unverified} votes unverified)",
        proposals.len()
    );
}
