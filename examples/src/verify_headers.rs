//! `dashlite verify-headers`: validates a file of consecutive raw 80-byte headers.
//!
//! Every header passes proof of work and links to the one before it; from the 25th on (the
//! first 24 are the DarkGravityWave window) the header tree checks every contextual rule as
//! well: nBits (DGW and the network's minimum-difficulty rules), median time past, the
//! two-hour future limit against this machine's clock, the minimum version, and the
//! network's checkpoints. X11 runs on every core first.

use crate::error::{Classify, CliError};
use dashlite::chain::dgw::DGW_PAST_BLOCKS;
use dashlite::chain::{
    block_work, check_proof_of_work, hash_headers_parallel, trusted_headers, ChainError,
    HeaderTree, MemoryHeaderStore, TreeConfig, ValidationError, U256,
};
use dashlite::wire::BlockHeader;
use dashlite::Network;
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `dashlite verify-headers`.
#[derive(clap::Args)]
pub struct Args {
    /// A file of consecutive raw 80-byte headers.
    file: PathBuf,
    /// The network the headers belong to (mainnet, testnet, devnet, regtest).
    #[arg(long)]
    network: Network,
    /// The height of the first header in the file.
    #[arg(long)]
    height: u32,
}

/// The first invalid header: its height and the rule (Dash Core's reject reason where there
/// is one).
struct Invalid {
    height: u32,
    rule: &'static str,
    detail: String,
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let path = args.file.display().to_string();
    let raw = std::fs::read(&args.file).usage(&path)?;
    if raw.is_empty() || raw.len() % BlockHeader::SIZE != 0 {
        return Err(CliError::Usage(format!(
            "{path}: {} bytes is not a positive multiple of {} (raw headers)",
            raw.len(),
            BlockHeader::SIZE
        )));
    }
    let count = raw.len() / BlockHeader::SIZE;
    let last_height =
        u32::try_from(count - 1).ok().and_then(|n| args.height.checked_add(n)).ok_or_else(
            || CliError::Usage(format!("{count} headers from height {} overflow", args.height)),
        )?;
    let headers: Vec<BlockHeader> = raw
        .chunks_exact(BlockHeader::SIZE)
        .map(|c| BlockHeader::from_array(c.try_into().expect("80-byte chunk")))
        .collect();
    let hashed = hash_headers_parallel(&headers, dashlite::chain::default_threads());
    match verify(args.network, args.height, &hashed) {
        Ok(()) => {
            let work = headers.iter().fold(U256::ZERO, |w, h| w.wrapping_add(block_work(h.bits)));
            let summary = json!({
                "network": args.network.to_string(),
                "count": count,
                "first_height": args.height,
                "last_height": last_height,
                "first_hash": hashed[0].hash.to_string(),
                "last_hash": hashed[count - 1].hash.to_string(),
                "total_work": work.to_string(),
                "difficulty_checked_from": (count > DGW_PAST_BLOCKS as usize)
                    .then_some(args.height + DGW_PAST_BLOCKS),
            });
            println!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
        Err(bad) => {
            let report = json!({
                "valid": false,
                "height": bad.height,
                "rule": bad.rule,
                "error": bad.detail,
            });
            println!("{report}");
            eprintln!("invalid header at height {}: {}: {}", bad.height, bad.rule, bad.detail);
            Ok(ExitCode::from(1))
        }
    }
}

fn verify(
    network: Network,
    first_height: u32,
    hashed: &[dashlite::wire::HashedHeader],
) -> Result<(), Invalid> {
    let params = network.params();
    let window = hashed.len().min(DGW_PAST_BLOCKS as usize);
    // The first 24: proof of work against their own nBits, and links.
    for (i, h) in hashed[..window].iter().enumerate() {
        let height = first_height + i as u32;
        if i > 0 && h.header.prev_blockhash != hashed[i - 1].hash {
            return Err(invalid(height, ValidationError::NonContinuous { index: i }));
        }
        check_proof_of_work(&h.hash, h.header.bits, &params.pow, Some(height))
            .map_err(|e| invalid(height, e))?;
    }
    // Then the header tree, trusting that window (checked against the checkpoints).
    let pairs: Vec<_> = hashed[..window].iter().map(|h| (h.header, h.hash)).collect();
    let trusted = trusted_headers(first_height, U256::ZERO, &pairs);
    let store = MemoryHeaderStore::new();
    let mut tree = HeaderTree::new(params, TreeConfig::for_network(params), store, &trusted)
        .map_err(|e| chain_error(first_height, e))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let rest = &hashed[window..];
    // The link to the window is checked here so that it is reported as a link.
    if let Some(first) = rest.first() {
        if first.header.prev_blockhash != hashed[window - 1].hash {
            let e = ValidationError::NonContinuous { index: window };
            return Err(invalid(first_height + window as u32, e));
        }
    }
    let out = tree.accept_hashed(rest, now);
    match out.error {
        None => Ok(()),
        Some(e) => Err(chain_error(first_height + (window + out.accepted) as u32, e)),
    }
}

fn chain_error(height: u32, e: ChainError) -> Invalid {
    match e {
        ChainError::Invalid(v) => invalid(height, v),
        other => Invalid { height, rule: "store", detail: other.to_string() },
    }
}

fn invalid(height: u32, e: ValidationError) -> Invalid {
    use ValidationError::*;
    let (height, rule) = match &e {
        BadTarget { .. } => (height, "bad-target"),
        BadProofOfWork { .. } => (height, "high-hash"),
        BadDifficulty { .. } => (height, "bad-diffbits"),
        TimeTooOld { .. } => (height, "time-too-old"),
        TimeTooNew { .. } => (height, "time-too-new"),
        BadVersion { .. } => (height, "bad-version"),
        CheckpointMismatch { height: h, .. } => (*h, "checkpoint-mismatch"),
        ForkBelowCheckpoint { .. } => (height, "bad-fork-prior-to-checkpoint"),
        ForkTooDeep { .. } | TooManyForkHeaders { .. } => (height, "fork-limit"),
        NonContinuous { .. } => (height, "non-continuous"),
        Unconnected { .. } => (height, "prev-blk-not-found"),
        InvalidPrev { .. } => (height, "bad-prevblk"),
        KnownInvalid { .. } => (height, "duplicate"),
        ConflictsWithChainLock { .. } => (height, "bad-chainlock"),
        UnsupportedHeight { .. } => (height, "unsupported-height"),
    };
    Invalid { height, rule, detail: e.to_string() }
}
