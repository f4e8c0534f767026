//! `dashlite decode`: one framed message (or a bare payload) as JSON.

use crate::error::{usage, Classify, CliError};
use dashlite::wire::envelope::{FrameDecoder, HEADER_LEN};
use dashlite::wire::{BlockHeader, Command, Message};
use dashlite::Network;
use serde_json::{json, Value};
use std::io::Read;
use std::process::ExitCode;

/// Arguments of `dashlite decode`.
#[derive(clap::Args)]
pub struct Args {
    /// The message as hex; `-` or nothing reads hex from standard input.
    hex: Option<String>,
    /// Decode a bare payload of this command instead of a framed message.
    #[arg(long)]
    command: Option<String>,
    /// The network (needed only when the magic alone does not say, or to insist on one).
    #[arg(long)]
    network: Option<Network>,
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let text = match args.hex.as_deref() {
        None | Some("-") => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).usage("stdin")?;
            s
        }
        Some(s) => s.to_owned(),
    };
    let bytes = parse_hex(&text)?;
    let out = match args.command {
        Some(name) => decode_payload(&name, &bytes, args.network)?,
        None => decode_frame(&bytes, args.network)?,
    };
    println!("{}", serde_json::to_string_pretty(&out).usage("")?);
    Ok(ExitCode::SUCCESS)
}

fn parse_hex(text: &str) -> Result<Vec<u8>, CliError> {
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let clean = clean.strip_prefix("0x").unwrap_or(&clean);
    if clean.len() % 2 != 0 {
        return Err(CliError::Usage(format!("hex: odd number of digits ({})", clean.len())));
    }
    hex::decode(clean).map_err(|e| CliError::Usage(format!("hex: {e}")))
}

fn decode_payload(name: &str, payload: &[u8], network: Option<Network>) -> Result<Value, CliError> {
    let command = Command::new(name).usage("command")?;
    let message = Message::decode(command, payload).usage("")?;
    render(network, &message)
}

fn decode_frame(bytes: &[u8], network: Option<Network>) -> Result<Value, CliError> {
    if bytes.len() < 4 {
        return Err(CliError::Usage(format!(
            "magic: truncated: needs 4 bytes, {} present",
            bytes.len()
        )));
    }
    let magic = [bytes[0], bytes[1], bytes[2], bytes[3]];
    let from_magic = Network::from_magic(magic).ok_or_else(|| {
        usage(format!("magic: {} is not the magic of any Dash network", hex::encode(magic)))
    })?;
    if let Some(wanted) = network {
        if wanted != from_magic {
            return Err(CliError::Usage(format!(
                "magic: {} is {from_magic}'s, not {wanted}'s",
                hex::encode(magic)
            )));
        }
    }
    let mut decoder = FrameDecoder::new(magic);
    decoder.feed(bytes);
    let frame = decoder.next_frame().usage("")?.ok_or_else(|| {
        if bytes.len() < HEADER_LEN {
            usage(format!("header: truncated: needs {HEADER_LEN} bytes, {} present", bytes.len()))
        } else {
            let len = u32::from_le_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]) as usize;
            usage(format!(
                "payload: truncated: length says {len} bytes, {} present",
                bytes.len() - HEADER_LEN
            ))
        }
    })?;
    if decoder.buffered() > 0 {
        return Err(CliError::Usage(format!(
            "frame: {} trailing bytes after the {}-byte payload",
            decoder.buffered(),
            frame.payload.len()
        )));
    }
    let message = Message::from_frame(&frame).usage("")?;
    render(Some(from_magic), &message)
}

fn render(network: Option<Network>, message: &Message) -> Result<Value, CliError> {
    let payload = match message {
        // Compressed headers are shown decompressed, each with its block hash, beside the
        // bitfield and size each had on the wire.
        Message::Headers2(h2) => {
            let headers = h2.decompress(BlockHeader::block_hash).usage("headers2")?;
            let entries: Vec<Value> = headers
                .iter()
                .zip(&h2.headers)
                .map(|(full, wire)| {
                    let mut v = serde_json::to_value(full.header).unwrap_or(Value::Null);
                    v["bitfield"] = json!(format!("0x{:02x}", wire.bitfield()));
                    v["encoded_len"] = json!(wire.encoded_len());
                    v
                })
                .collect();
            json!({ "count": entries.len(), "headers": entries })
        }
        other => serde_json::to_value(other).usage("")?,
    };
    let mut out = json!({ "command": message.command_name(), "payload": payload });
    if let Some(n) = network {
        out["network"] = json!(n.name());
    }
    Ok(out)
}
