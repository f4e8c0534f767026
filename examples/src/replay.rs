//! `dashlite replay`: runs a session recorded frame by frame against Dash Core through
//! dashlite's own decoders and validators, as a client would have seen it, and reports what
//! the client concludes: the validated header chain, the filtered blocks proven against it,
//! the wallet's payments and the governance objects.

use crate::error::{usage, Classify, CliError};
use dashlite::bloom::BloomFilter;
use dashlite::chain::{trusted_headers, HeaderTree, MemoryHeaderStore, TreeConfig, U256};
use dashlite::hash::{BlockHash, Txid};
use dashlite::tx::Transaction;
use dashlite::wire::{BlockHeader, FrameDecoder, Message};
use dashlite::Network;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The recorded session shipped beside the repository.
pub const DEFAULT_SESSION: &str = "../shared/vectors/dashd-regtest-session.json";

/// Arguments of `dashlite replay`.
#[derive(clap::Args)]
pub struct Args {
    /// The recorded session (JSON with `network`, `watched_hash160` and `frames`).
    #[arg(default_value = DEFAULT_SESSION)]
    session: PathBuf,
}

impl Default for Args {
    fn default() -> Self {
        Args { session: PathBuf::from(DEFAULT_SESSION) }
    }
}

/// A payment to the wallet found in a transaction.
struct Payment {
    txid: Txid,
    duffs: i64,
    height: Option<u32>,
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let text = std::fs::read_to_string(&args.session)
        .usage(&format!("session: {}", args.session.display()))?;
    let session: Value = serde_json::from_str(&text).usage("session: not JSON")?;
    let network: Network = session["network"]
        .as_str()
        .ok_or_else(|| usage("session: no network"))?
        .parse()
        .usage("session")?;
    let watched: [u8; 20] = hex::decode(session["watched_hash160"].as_str().unwrap_or(""))
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| usage("session: watched_hash160 must be 20 bytes of hex"))?;
    let frames = session["frames"].as_array().ok_or_else(|| usage("session: no frames"))?;
    let params = network.params();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);

    let genesis = params.genesis_header();
    let start = trusted_headers(0, U256::ZERO, &[(genesis, genesis.block_hash())]);
    let mut tree =
        HeaderTree::new(params, TreeConfig::for_network(params), MemoryHeaderStore::new(), &start)
            .usage("chain")?;
    let mut inbound = FrameDecoder::new(params.magic);
    let mut outbound = FrameDecoder::new(params.magic);
    let mut filter: Option<BloomFilter> = None;
    let mut expected: Vec<Txid> = Vec::new();
    let mut block_height: Option<u32> = None;
    let mut proven = 0usize;
    let mut payments: BTreeMap<Txid, Payment> = BTreeMap::new();
    let mut seen_txs: HashSet<Txid> = HashSet::new();
    let mut x11_time = std::time::Duration::ZERO;

    println!("Replaying {} frames recorded with Dash Core ({network})", frames.len());
    for f in frames {
        let bytes = hex::decode(f["frame"].as_str().unwrap_or("")).usage("frame")?;
        let incoming = f["dir"] == "in";
        let decoder = if incoming { &mut inbound } else { &mut outbound };
        decoder.feed(&bytes);
        let frame = decoder
            .next_frame()
            .usage("")?
            .ok_or_else(|| usage("frame: incomplete frame in the recording"))?;
        let message = Message::from_frame(&frame).usage("")?;
        match (incoming, message) {
            (false, Message::FilterLoad(load)) => {
                let f = BloomFilter::from_parts(load.data, load.hash_funcs, load.tweak, load.flags)
                    .usage("filterload")?;
                println!("  filter: {} bytes, {} hash functions", f.data().len(), f.hash_funcs());
                filter = Some(f);
            }
            (true, Message::Headers2(h2)) => {
                let t = Instant::now();
                let hashed = h2.decompress(BlockHeader::block_hash).usage("headers2")?;
                x11_time += t.elapsed();
                let pairs: Vec<(BlockHeader, BlockHash)> =
                    hashed.iter().map(|h| (h.header, h.hash)).collect();
                accept(&mut tree, &pairs, now)?;
            }
            (true, Message::Headers(h)) => {
                let t = Instant::now();
                let pairs: Vec<(BlockHeader, BlockHash)> =
                    h.headers.iter().map(|h| (*h, h.block_hash())).collect();
                x11_time += t.elapsed();
                accept(&mut tree, &pairs, now)?;
            }
            (true, Message::MerkleBlock(mb)) => {
                let hash = mb.header.block_hash();
                let stored = tree.header_by_hash(&hash).usage("chain")?.ok_or_else(|| {
                    usage(format!("merkleblock: block {hash} is not in the header chain"))
                })?;
                let matched = mb.matched_txids().usage(&format!("merkleblock {hash}"))?;
                expected = matched.iter().map(|m| m.txid).collect();
                expected.reverse();
                block_height = Some(stored.height);
                proven += 1;
                println!(
                    "  block {} ({hash}): proven, {} of {} transactions matched",
                    stored.height,
                    matched.len(),
                    mb.total_transactions
                );
            }
            (true, Message::Tx(tx)) => {
                let txid = tx.txid();
                let height = if expected.last() == Some(&txid) {
                    expected.pop();
                    block_height
                } else {
                    None
                };
                if let Some(f) = filter.as_mut() {
                    f.is_relevant_and_update(&tx);
                }
                record_payment(&tx, txid, height, &watched, &mut payments);
                seen_txs.insert(txid);
            }
            (true, Message::GovObject(obj)) => {
                println!("  governance object {} ({} bytes of data)", obj.hash(), obj.data.len());
            }
            (true, Message::Spork(s)) => {
                println!("  spork {} = {} (signature not yet verified)", s.spork_id, s.value);
            }
            _ => {}
        }
    }
    let tip = tree.tip();
    println!(
        "Headers: {} validated (X11, links, difficulty, median time); tip {} at height {} \
         (hashing took {:.1} ms)",
        tip.height,
        tip.hash,
        tip.height,
        x11_time.as_secs_f64() * 1e3
    );
    println!("Filtered blocks proven against the chain: {proven}");
    let mut total = 0i64;
    for p in payments.values() {
        total += p.duffs;
        let at = p.height.map_or("unconfirmed".to_owned(), |h| format!("block {h}"));
        println!("  payment {} {:>12} DASH  {at}", p.txid, format_dash(p.duffs));
    }
    println!("Wallet: {} payments, balance {} DASH", payments.len(), format_dash(total));
    Ok(ExitCode::SUCCESS)
}

fn accept(
    tree: &mut HeaderTree<MemoryHeaderStore>,
    headers: &[(BlockHeader, BlockHash)],
    now: u64,
) -> Result<(), CliError> {
    // Headers already in the chain (a second answer covering the same range) are skipped.
    let mut fresh = Vec::with_capacity(headers.len());
    for pair in headers {
        if tree.header_by_hash(&pair.1).usage("chain")?.is_none() {
            fresh.push(*pair);
        }
    }
    let outcome = tree.accept_headers(&fresh, now);
    if let Some(e) = outcome.error {
        return Err(CliError::Usage(format!("headers: {e}")));
    }
    Ok(())
}

fn record_payment(
    tx: &Transaction,
    txid: Txid,
    height: Option<u32>,
    watched: &[u8; 20],
    payments: &mut BTreeMap<Txid, Payment>,
) {
    let duffs: i64 = tx
        .outputs
        .iter()
        .filter(|o| o.script_pubkey.p2pkh_hash().as_ref() == Some(watched))
        .map(|o| o.value)
        .sum();
    if duffs > 0 {
        let entry = payments.entry(txid).or_insert(Payment { txid, duffs, height });
        entry.height = entry.height.or(height);
    }
}

fn format_dash(duffs: i64) -> String {
    format!("{}.{:08}", duffs / 100_000_000, (duffs % 100_000_000).abs())
}
