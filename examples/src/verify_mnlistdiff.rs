//! `dashlite verify-mnlistdiff`: checks a raw `mnlistdiff` payload the way an SPV client
//! checks one from a peer (coinbase proven by the partial merkle tree, diff applied to its
//! base list, both CbTx merkle roots recomputed) and prints what it contains as JSON.
//!
//! Exit status: 0 when everything matches, 1 when the diff does not verify (the reason on
//! stderr and in the JSON), 2 when a file is unreadable or malformed.

use crate::error::{usage, CliError};
use dashlite::masternode::{
    llmq_params, verify_diff, verify_quorum_signature, ApplyError, DiffError, MasternodeList,
};
use dashlite::wire::{MnListDiff, SmlEntry};
use dashlite::Network;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `dashlite verify-mnlistdiff`.
#[derive(clap::Args)]
pub struct Args {
    /// A raw `mnlistdiff` payload (no message envelope).
    file: PathBuf,
    /// The network (its genesis block is the base of a diff from genesis).
    #[arg(long, default_value = "mainnet")]
    network: Network,
    /// Diffs to apply first, in order, to build the list FILE is based on.
    #[arg(long = "base")]
    bases: Vec<PathBuf>,
    /// The negotiated protocol version whose layout the payloads use.
    #[arg(long, default_value_t = 70240)]
    protocol: u32,
}

fn read_diff(path: &Path, protocol: u32) -> Result<MnListDiff, CliError> {
    let name = path.display();
    let raw = std::fs::read(path).map_err(|e| usage(format!("{name}: {e}")))?;
    MnListDiff::decode_versioned(&raw, protocol)
        .map_err(|e| usage(format!("{name}: not a protocol-{protocol} mnlistdiff: {e}")))
}

fn entry_counts<'a>(entries: impl Iterator<Item = &'a SmlEntry>) -> Value {
    let (mut total, mut valid, mut evo, mut valid_evo) = (0, 0, 0, 0);
    let mut by_version: BTreeMap<String, u64> = BTreeMap::new();
    for e in entries {
        total += 1;
        valid += u64::from(e.is_valid);
        evo += u64::from(e.is_evo());
        valid_evo += u64::from(e.is_valid && e.is_evo());
        *by_version.entry(e.version.to_string()).or_default() += 1;
    }
    json!({
        "total": total, "valid": valid, "regular": total - evo, "evo": evo,
        "valid_regular": valid - valid_evo, "valid_evo": valid_evo, "by_version": by_version,
    })
}

fn quorum_counts(types: impl Iterator<Item = u8>) -> Value {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for t in types {
        let name = llmq_params(t).map_or_else(|| format!("type_{t}"), |p| p.name.to_owned());
        *counts.entry(name).or_default() += 1;
    }
    json!(counts)
}

fn diff_summary(diff: &MnListDiff) -> Value {
    json!({
        "version": diff.version,
        "base_block_hash": diff.base_block_hash.to_string(),
        "block_hash": diff.block_hash.to_string(),
        "deletedMNs": diff.deleted_mns.len(),
        "mnList": entry_counts(diff.mn_list.iter()),
        "deletedQuorums": diff.deleted_quorums.len(),
        "newQuorums": quorum_counts(diff.new_quorums.iter().map(|q| q.llmq_type)),
        "quorumsCLSigs": diff.quorums_cl_sigs.len(),
    })
}

fn reason_kind(e: &DiffError) -> &'static str {
    match e {
        DiffError::MnListRootMismatch { .. } => "merkle_root_mn_list_mismatch",
        DiffError::QuorumsRootMismatch { .. } => "merkle_root_quorums_mismatch",
        DiffError::Apply(ApplyError::BaseMismatch { .. }) => "base_mismatch",
        DiffError::Apply(_) => "does_not_apply",
        _ => "coinbase_not_proven",
    }
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let genesis = args.network.params().genesis_header().block_hash();
    let mut list = MasternodeList::genesis(genesis);
    for base in &args.bases {
        let diff = read_diff(base, args.protocol)?;
        list = verify_diff(&list, &diff, None)
            .map_err(|e| usage(format!("base {}: does not verify: {e}", base.display())))?
            .list;
    }
    let diff = read_diff(&args.file, args.protocol)?;
    let mut out = Map::new();
    out.insert("file".into(), json!(args.file.display().to_string()));
    out.insert("diff".into(), diff_summary(&diff));
    let verified = match verify_diff(&list, &diff, None) {
        Ok(v) => v,
        Err(e) => {
            out.insert("valid".into(), json!(false));
            out.insert("reason".into(), json!(reason_kind(&e)));
            out.insert("detail".into(), json!(e.to_string()));
            println!("{}", Value::Object(out));
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let cb = &verified.coinbase;
    let failed: Vec<String> = diff
        .new_quorums
        .iter()
        .filter(|q| !verify_quorum_signature(q))
        .map(|q| format!("{}:{}", q.llmq_type, q.quorum_hash))
        .collect();
    out.insert("valid".into(), json!(true));
    out.insert("height".into(), json!(cb.cbtx.height));
    out.insert("total_transactions".into(), json!(cb.total_transactions));
    out.insert("block_merkle_root_from_pmt".into(), json!(cb.merkle_root.to_string()));
    out.insert(
        "cbtx".into(),
        json!({
            "version": cb.cbtx.version,
            "height": cb.cbtx.height,
            "merkleRootMNList": cb.cbtx.merkle_root_mn_list.to_string(),
            "merkleRootQuorums": cb.cbtx.merkle_root_quorums.to_string(),
            "bestCLHeightDiff": cb.cbtx.best_cl_height_diff,
            "creditPoolBalance": cb.cbtx.credit_pool_balance,
        }),
    );
    out.insert(
        "computed".into(),
        json!({
            "merkleRootMNList": verified.merkle_root_mn_list.to_string(),
            "merkleRootQuorums": verified.merkle_root_quorums.to_string(),
        }),
    );
    out.insert("list_at_target".into(), entry_counts(verified.list.entries.values()));
    out.insert(
        "active_quorums_at_target".into(),
        quorum_counts(verified.list.quorums.values().map(|q| q.llmq_type)),
    );
    out.insert("quorumSig".into(), json!({ "checked": diff.new_quorums.len(), "failed": failed }));
    println!("{}", Value::Object(out));
    Ok(ExitCode::SUCCESS)
}
