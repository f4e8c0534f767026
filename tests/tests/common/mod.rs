//! Helpers shared by the testkit's own tests.
#![allow(dead_code)]

use dashlite::chain::{
    trusted_headers, AcceptOutcome, HeaderTree, MemoryHeaderStore, TreeConfig, U256,
};
use dashlite::hash::BlockHash;
use dashlite::network::Network;
use dashlite::wire::{BlockHeader, GetHeaders2, Headers2, Message};
use dashlite_testkit::node::{NODE_BLOOM, NODE_HEADERS_COMPRESSED, NODE_NETWORK};
use dashlite_testkit::RawClient;
use std::net::SocketAddr;
use std::time::Duration;

/// Seconds since the epoch used as "now" for header validation (well after any test chain).
pub const NOW: u64 = 2_000_000_000;
/// How long a test waits for something the node should do soon.
pub const WAIT: Duration = Duration::from_secs(30);
/// Services an SPV client advertising headers2 support sends.
pub const SPV_SERVICES: u64 = NODE_HEADERS_COMPRESSED;
/// Every service bit the testkit node advertises by default.
pub const NODE_SERVICES: u64 = NODE_NETWORK | NODE_BLOOM | NODE_HEADERS_COMPRESSED;

/// A shared vector file (panics naming the path if missing).
pub fn vectors(name: &str) -> serde_json::Value {
    let path = format!("{}/../../shared/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("missing test vector file {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON in {path}: {e}"))
}

/// A regtest header tree holding genesis.
pub fn regtest_tree() -> HeaderTree<MemoryHeaderStore> {
    let params = Network::Regtest.params();
    let genesis = params.genesis_header();
    let trusted = trusted_headers(0, U256::ZERO, &[(genesis, genesis.block_hash())]);
    HeaderTree::new(params, TreeConfig::for_network(params), MemoryHeaderStore::new(), &trusted)
        .expect("tree")
}

/// Headers paired with their X11 hashes.
pub fn hashed(headers: &[BlockHeader]) -> Vec<(BlockHeader, BlockHash)> {
    headers.iter().map(|h| (*h, h.block_hash())).collect()
}

/// Feeds `headers` to the tree and returns the outcome.
pub fn accept(tree: &mut HeaderTree<MemoryHeaderStore>, headers: &[BlockHeader]) -> AcceptOutcome {
    tree.accept_headers(&hashed(headers), NOW)
}

/// A client connected to `addr` that completed the SPV handshake advertising `services`.
/// Also swallows what the node sends right after verack (sendheaders2, sendcmpct, senddsq,
/// ping) and answers the ping.
pub fn spv_client(addr: SocketAddr, services: u64) -> RawClient {
    let mut c = RawClient::connect(addr).expect("connect");
    c.handshake(services).expect("handshake");
    let (ping, _) = c.recv_until("ping").expect("ping after verack");
    if let Message::Ping(p) = ping {
        c.send(&Message::Pong(dashlite::wire::Pong { nonce: p.nonce })).expect("pong");
    }
    c
}

/// Sends getheaders2 with `locator` and returns the decoded headers2 reply's headers.
pub fn getheaders2(c: &mut RawClient, locator: Vec<BlockHash>) -> Vec<BlockHeader> {
    c.send(&Message::GetHeaders2(GetHeaders2::new(70240, locator, BlockHash::ZERO))).expect("send");
    let (m, _) = c.recv_until("headers2").expect("headers2 reply");
    let Message::Headers2(h2) = m else { unreachable!() };
    decompress(&h2)
}

/// Decompresses a headers2 message with X11.
pub fn decompress(h2: &Headers2) -> Vec<BlockHeader> {
    h2.decompress(|h| h.block_hash()).expect("decompress").into_iter().map(|h| h.header).collect()
}
