//! `dashlite sporks`: the network's sporks, each verified against the spork key.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use dashlite::client::{Client, ClientEvent};
use dashlite::network::Params;
use serde_json::json;

use crate::connect::Connect;
use crate::error::CliError;

/// After the last spork or peer event, this much quiet ends the wait.
const QUIET: Duration = Duration::from_secs(2);

/// Print the sporks: asked of every peer after the handshake, each verified (signature
/// recovered to the network's spork key, time not in the future) before it is shown.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    connect: Connect,
    /// Give up waiting for peers after this many seconds.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// One JSON document on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let client = args.connect.builder()?.build()?;
    let params = args.connect.network.params();
    async_std::task::block_on(async {
        let heard = listen(&client, Duration::from_secs(args.timeout), |e| {
            matches!(e, ClientEvent::Spork(_))
        })
        .await?;
        let sporks = client.sporks().await?;
        client.stop().await?;
        if args.json {
            let list: Vec<_> = sporks
                .iter()
                .map(|s| {
                    json!({
                        "id": s.spork_id.to_i32(),
                        "name": s.spork_id.to_string(),
                        "value": s.value,
                        "active": s.active,
                        "from_network": s.from_network,
                        "signature_verified": s.from_network,
                        "signed_by": s.signers.iter().map(|k| spork_address(params, k)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            println!("{}", json!({ "network": args.connect.network.name(), "sporks": list }));
        } else {
            println!("{:<40} {:>6} {:>20} {:>7} {:>8}", "spork", "id", "value", "active", "source");
            for s in &sporks {
                println!(
                    "{:<40} {:>6} {:>20} {:>7} {:>8}",
                    s.spork_id.to_string(),
                    s.spork_id.to_i32(),
                    s.value,
                    if s.active { "yes" } else { "no" },
                    if s.from_network { "network" } else { "default" }
                );
            }
        }
        Ok(if heard { ExitCode::SUCCESS } else { ExitCode::from(1) })
    })
}

/// Starts the client and reads events until `QUIET` passes after the last event `relevant`
/// accepts (or a peer connected), or `timeout`. Returns whether any peer connected.
pub async fn listen(
    client: &Client,
    timeout: Duration,
    mut relevant: impl FnMut(&ClientEvent) -> bool,
) -> Result<bool, CliError> {
    let mut events = client.events();
    client.start().await?;
    let deadline = Instant::now() + timeout;
    let mut connected = false;
    let mut last: Option<Instant> = None;
    loop {
        let now = Instant::now();
        let until = match last {
            Some(t) => (t + QUIET).min(deadline),
            None => deadline,
        };
        if now >= until {
            if !connected {
                eprintln!("error: no peer answered within {} s", timeout.as_secs());
            }
            return Ok(connected);
        }
        match async_std::future::timeout(until - now, events.next()).await {
            Ok(Some(e)) => {
                if matches!(e, ClientEvent::PeerConnected { .. }) {
                    connected = true;
                    last = Some(Instant::now());
                } else if relevant(&e) {
                    last = Some(Instant::now());
                }
            }
            Ok(None) => return Ok(connected),
            Err(_) => {}
        }
    }
}

/// The network's spork address for a signer's key id (its HASH160), or the key id in hex
/// should the network's list not name it.
fn spork_address(params: &Params, key_id: &[u8; 20]) -> String {
    params
        .spork_key_ids
        .iter()
        .position(|k| k == key_id)
        .and_then(|i| params.spork_addresses.get(i))
        .map_or_else(|| hex::encode(key_id), |a| (*a).to_owned())
}
