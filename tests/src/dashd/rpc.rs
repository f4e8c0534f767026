//! RPC through `dash-cli`, and a node wallet's calls.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use super::{Dashd, RPC_PASSWORD, RPC_USER};

/// A failed RPC call.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// `dash-cli` could not be run.
    #[error("cannot run dash-cli: {0}")]
    Spawn(#[from] std::io::Error),
    /// The call failed: the node's error text.
    #[error("dash-cli {call} failed: {message}")]
    Failed {
        /// The call and its arguments.
        call: String,
        /// What `dash-cli` printed.
        message: String,
    },
}

pub(super) fn call(
    cli: &Path,
    datadir: &Path,
    port: u16,
    wallet: Option<&str>,
    args: &[&str],
) -> Result<Value, RpcError> {
    let mut cmd = Command::new(cli);
    cmd.arg("-regtest")
        .arg(format!("-datadir={}", datadir.display()))
        .arg(format!("-rpcport={port}"))
        .arg("-rpcconnect=127.0.0.1")
        .arg(format!("-rpcuser={RPC_USER}"))
        .arg(format!("-rpcpassword={RPC_PASSWORD}"));
    if let Some(w) = wallet {
        cmd.arg(format!("-rpcwallet={w}"));
    }
    let out = cmd.args(args).output()?;
    if !out.status.success() {
        let mut message = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        if message.is_empty() {
            message = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        }
        return Err(RpcError::Failed { call: args.join(" "), message });
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let text = text.trim();
    // dash-cli prints a string result bare, everything else as JSON.
    Ok(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())))
}

/// Duffs as the decimal DASH amount RPC takes.
pub fn dash_amount(duffs: u64) -> String {
    format!("{}.{:08}", duffs / 100_000_000, duffs % 100_000_000)
}

/// A decimal DASH amount from RPC in duffs.
pub fn duffs(amount: &Value) -> u64 {
    let s = amount.to_string();
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    let frac = format!("{frac:0<8}");
    whole.parse::<u64>().expect("amount") * 100_000_000
        + frac[..8].parse::<u64>().expect("amount fraction")
}

/// One wallet of a node (RPC calls with `-rpcwallet`).
#[derive(Debug, Clone, Copy)]
pub struct Wallet<'a> {
    node: &'a Dashd,
    name: &'a str,
}

impl<'a> Wallet<'a> {
    pub(super) fn new(node: &'a Dashd, name: &'a str) -> Wallet<'a> {
        Wallet { node, name }
    }

    /// Runs a wallet RPC call, panicking on failure.
    pub fn rpc(&self, args: &[&str]) -> Value {
        call(&self.node.bins.cli, &self.node.datadir, self.node.rpc_port, Some(self.name), args)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A new receiving address (legacy P2PKH).
    pub fn new_address(&self) -> String {
        self.rpc(&["getnewaddress"]).as_str().expect("address").to_owned()
    }

    /// Pays `duffs` to `address` from this wallet's coins (change back to it); the txid.
    pub fn send(&self, address: &str, duffs: u64) -> String {
        self.rpc(&["sendtoaddress", address, &dash_amount(duffs)])
            .as_str()
            .expect("txid")
            .to_owned()
    }

    /// Spends output `vout` of `txid` (this wallet's) in full to `to`, less `fee` duffs: one
    /// input, one output, no change. The spending txid.
    pub fn spend_all(&self, txid: &str, vout: u32, value: u64, fee: u64, to: &str) -> String {
        let inputs = json!([{ "txid": txid, "vout": vout }]).to_string();
        let outputs =
            json!({ to: dash_amount(value - fee).parse::<f64>().expect("amount") }).to_string();
        let raw = self.rpc(&["createrawtransaction", &inputs, &outputs]);
        let signed = self.rpc(&["signrawtransactionwithwallet", raw.as_str().expect("hex")]);
        assert_eq!(signed["complete"], true, "signing {txid}:{vout}: {signed}");
        let hex = signed["hex"].as_str().expect("signed hex");
        self.node.rpc(&["sendrawtransaction", hex]).as_str().expect("txid").to_owned()
    }

    /// The output of `txid` paying `address`: (vout, value in duffs).
    pub fn output_to(&self, txid: &str, address: &str) -> (u32, u64) {
        let tx = self.node.rpc(&["getrawtransaction", txid, "true"]);
        for out in tx["vout"].as_array().expect("vout") {
            let spk = &out["scriptPubKey"];
            let pays = spk["address"] == address
                || spk["addresses"].as_array().is_some_and(|a| a.iter().any(|x| x == address));
            if pays {
                return (out["n"].as_u64().expect("n") as u32, duffs(&out["value"]));
            }
        }
        panic!("{txid} pays nothing to {address}: {tx}")
    }
}
