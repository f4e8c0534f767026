//! `dashlite x11`: the X11 hash of some bytes, as a block hash is displayed.

use crate::error::CliError;
use dashlite::hash::x11::x11;
use dashlite::hash::BlockHash;
use std::process::ExitCode;

/// Arguments of `dashlite x11`.
#[derive(clap::Args)]
pub struct Args {
    /// The bytes as hex (an 80-byte block header gives its block hash).
    hex: String,
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let clean: String = args.hex.chars().filter(|c| !c.is_whitespace()).collect();
    let clean = clean.strip_prefix("0x").unwrap_or(&clean);
    let bytes = hex::decode(clean).map_err(|e| CliError::Usage(format!("hex: {e}")))?;
    // Display hex: byte-reversed, as Dash Core shows block hashes.
    println!("{}", BlockHash::from_byte_array(x11(&bytes)));
    Ok(ExitCode::SUCCESS)
}
