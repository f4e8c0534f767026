//! `dashlite bloom`: build a BIP37 filter or run one over a transaction, exactly as Dash Core
//! does, for scripting and debugging.

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use dashlite::bloom::{
    BloomFilter, BLOOM_UPDATE_ALL, BLOOM_UPDATE_NONE, BLOOM_UPDATE_P2PUBKEY_ONLY,
};
use dashlite::encode::{Decode, Encode};
use dashlite::tx::Transaction;

use crate::error::{Classify, CliError};

/// Build a filter, or match one against a transaction.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build a filter (Dash Core's constructor, nElements = the number of elements) and print
    /// its `filterload` payload as hex.
    Build {
        /// Elements to insert, hex, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        elements: Vec<String>,
        /// Target false-positive rate, in (0, 1].
        #[arg(long, default_value_t = dashlite::bloom::policy::DEFAULT_FALSE_POSITIVE_RATE)]
        false_positive_rate: f64,
        /// nTweak.
        #[arg(long, default_value_t = 0)]
        tweak: u32,
        /// Update mode (nFlags).
        #[arg(long, value_enum, default_value_t = Flags::All)]
        flags: Flags,
    },
    /// Run `IsRelevantAndUpdate` over a transaction; print whether it matched and the filter
    /// after the update, as JSON.
    Match {
        /// The `filterload` payload, hex.
        #[arg(long)]
        filter: String,
        /// The serialized transaction, hex.
        #[arg(long)]
        tx: String,
    },
}

/// The update modes of `nFlags`.
#[derive(Clone, Copy, ValueEnum)]
enum Flags {
    /// BLOOM_UPDATE_NONE.
    None,
    /// BLOOM_UPDATE_ALL.
    All,
    /// BLOOM_UPDATE_P2PUBKEY_ONLY.
    P2pubkeyOnly,
}

impl Flags {
    fn byte(self) -> u8 {
        match self {
            Flags::None => BLOOM_UPDATE_NONE,
            Flags::All => BLOOM_UPDATE_ALL,
            Flags::P2pubkeyOnly => BLOOM_UPDATE_P2PUBKEY_ONLY,
        }
    }
}

fn unhex(what: &str, text: &str) -> Result<Vec<u8>, CliError> {
    hex::decode(text.trim()).map_err(|e| CliError::Usage(format!("{what}: invalid hex: {e}")))
}

/// Runs `dashlite bloom`.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    match args.command {
        Command::Build { elements, false_positive_rate, tweak, flags } => {
            let elements = elements
                .iter()
                .enumerate()
                .map(|(i, e)| unhex(&format!("element {}", i + 1), e))
                .collect::<Result<Vec<_>, _>>()?;
            let count = u32::try_from(elements.len())
                .map_err(|_| CliError::Usage("too many elements".into()))?;
            let mut filter = BloomFilter::new(count, false_positive_rate, tweak, flags.byte())
                .usage("filter")?;
            for e in &elements {
                filter.insert(e);
            }
            println!("{}", hex::encode(filter.to_bytes()));
        }
        Command::Match { filter, tx } => {
            let mut filter = BloomFilter::from_bytes(&unhex("filter", &filter)?)
                .map_err(|e| CliError::Usage(format!("filter: {e}")))?;
            let tx = Transaction::from_bytes(&unhex("tx", &tx)?)
                .map_err(|e| CliError::Usage(format!("tx: {e}")))?;
            let matched = filter.is_relevant_and_update(&tx);
            let out = serde_json::json!({
                "matched": matched,
                "filter": hex::encode(filter.to_bytes()),
            });
            println!("{out}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
