//! `dashlite`: the command-line face of the dashlite SDK.

mod bloom;
mod connect;
mod decode;
mod demo;
mod error;
mod governance;
mod masternodes;
mod replay;
mod sporks;
mod sync;
mod verify_headers;
mod verify_mnlistdiff;
mod x11;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Dash SPV light client: sync, inspect and debug the Dash P2P protocol.
#[derive(Parser)]
#[command(name = "dashlite", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Decode one framed P2P message (or, with --command, a bare payload) and print it as JSON.
    Decode(decode::Args),
    /// Replay a session recorded against Dash Core through dashlite's validators.
    Replay(replay::Args),
    /// The demo: builds a regtest chain, serves it from in-process testkit nodes, syncs a
    /// watch-only wallet from them with progress bars, then a live payment and a reorg.
    Demo(demo::Args),
    /// Build a BIP37 bloom filter, or run one over a transaction as Dash Core does.
    Bloom(bloom::Args),
    /// Print the X11 hash (display hex, as block hashes are shown) of the given bytes.
    X11(x11::Args),
    /// Validate a file of consecutive raw 80-byte headers (proof of work, links, and from the
    /// 25th header DarkGravityWave and the other contextual rules); one JSON line.
    VerifyHeaders(verify_headers::Args),
    /// Verify a raw `mnlistdiff` payload (coinbase proof, list and quorum merkle roots,
    /// quorum signatures) and print its counts and roots as JSON; exit 1 when it does not
    /// verify.
    VerifyMnlistdiff(verify_mnlistdiff::Args),
    /// Sync a watch-only wallet from the network: progress bars, then balance and transactions.
    Sync(sync::Args),
    /// The network's sporks, verified against the spork key.
    Sporks(sporks::Args),
    /// Governance proposals and votes: list, or show one.
    Governance(governance::Args),
    /// The deterministic masternode list at the chain tip: masternodes and active quorums.
    Masternodes(masternodes::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Decode(args) => decode::run(args),
        Cmd::Replay(args) => replay::run(args),
        Cmd::Demo(args) => demo::run(args),
        Cmd::Bloom(args) => bloom::run(args),
        Cmd::X11(args) => x11::run(args),
        Cmd::VerifyHeaders(args) => verify_headers::run(args),
        Cmd::VerifyMnlistdiff(args) => verify_mnlistdiff::run(args),
        Cmd::Sync(args) => sync::run(args),
        Cmd::Sporks(args) => sporks::run(args),
        Cmd::Governance(args) => governance::run(args),
        Cmd::Masternodes(args) => masternodes::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", e.reason());
            e.exit_code()
        }
    }
}
