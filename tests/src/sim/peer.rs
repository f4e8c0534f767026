//! One honest simulated peer's side of a connection, answering as Dash Core's
//! `net_processing.cpp` does: the version handshake, `getheaders`/`getheaders2` from a
//! locator, `filterload`/`filteradd`/`filterclear` with the filter updating itself
//! (`CBloomFilter::IsRelevantAndUpdate`, shared with the testkit node), `merkleblock` followed
//! by the matched transactions, `tx` or `notfound` for mempool transactions, and the
//! announcements of new blocks (headers when few, else an inv) and of new mempool
//! transactions that match the filter.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

use dashlite::bloom::BloomFilter;
use dashlite::hash::{BlockHash, Hash256, Txid};
use dashlite::network::{INCREASE_MAX_HEADERS2_VERSION, PROTOCOL_VERSION};
use dashlite::p2p::services;
use dashlite::tx::Transaction;
use dashlite::wire::{
    CompressionPath, GetData, Headers, Headers2, Inv, InvType, Inventory, Message, NetAddress,
    NotFound, Pong, Version, VersionExtent, MAX_HEADERS_COMPRESSED_RESULT, MAX_HEADERS_RESULTS,
};

use crate::chain::Chain;
use crate::masternodes::{answer_getmnlistd, MnListMode};
use crate::node::serve::{filtered_block, headers_for};

/// Dash Core's `MAX_BLOCKS_TO_ANNOUNCE`: more new blocks than this are announced by an inv.
const MAX_BLOCKS_TO_ANNOUNCE: u32 = 8;

/// A connection as the peer sees it.
#[derive(Debug)]
pub struct PeerConn {
    addr: SocketAddr,
    headers2: bool,
    version: Option<Version>,
    ready: bool,
    prefers_headers: bool,
    prefers_headers2: bool,
    relay: bool,
    filter: Option<BloomFilter>,
    /// The last header the client is known to have (Dash Core `pindexBestHeaderSent`).
    best_sent: Option<BlockHash>,
    known_txs: HashSet<Txid>,
    announced_tip: Option<BlockHash>,
    mnlist: MnListMode,
}

impl PeerConn {
    /// A fresh connection of the peer at `addr`; `headers2` says whether the peer advertises
    /// NODE_HEADERS_COMPRESSED.
    pub fn new(addr: SocketAddr, headers2: bool) -> PeerConn {
        PeerConn {
            addr,
            headers2,
            version: None,
            ready: false,
            prefers_headers: false,
            prefers_headers2: false,
            relay: false,
            filter: None,
            best_sent: None,
            known_txs: HashSet::new(),
            announced_tip: None,
            mnlist: MnListMode::Honest,
        }
    }

    /// The connection answering `getmnlistd` as `mode` says.
    pub fn with_mnlist(mut self, mode: MnListMode) -> PeerConn {
        self.mnlist = mode;
        self
    }

    /// The peer's services.
    pub fn services(&self) -> u64 {
        let compressed = if self.headers2 { services::NODE_HEADERS_COMPRESSED } else { 0 };
        services::NODE_NETWORK | services::NODE_BLOOM | compressed
    }

    /// Handles `message` from the client against `chain`; returns the replies, in order.
    pub fn on_message(&mut self, chain: &Chain, message: Message) -> Vec<Message> {
        let mut out = Vec::new();
        if self.version.is_none() {
            if let Message::Version(v) = message {
                self.relay = v.relay;
                out.push(Message::Version(self.our_version(chain, &v)));
                out.push(Message::Verack);
                self.version = Some(v);
            }
            return out;
        }
        match message {
            Message::Verack if !self.ready => {
                self.ready = true;
                self.announced_tip = Some(chain.tip());
                self.known_txs = chain.mempool().iter().map(Transaction::txid).collect();
                out.push(if self.headers2 { Message::SendHeaders2 } else { Message::SendHeaders });
            }
            _ if !self.ready => {}
            Message::Ping(p) => out.push(Message::Pong(Pong { nonce: p.nonce })),
            Message::SendHeaders => self.prefers_headers = true,
            Message::SendHeaders2 => self.prefers_headers2 = true,
            Message::GetHeaders(gh) => {
                self.headers_reply(chain, &gh.locator_hashes, &gh.hash_stop, false, &mut out)
            }
            Message::GetHeaders2(gh) => {
                self.headers_reply(chain, &gh.locator_hashes, &gh.hash_stop, true, &mut out)
            }
            Message::GetData(gd) => self.on_getdata(chain, gd, &mut out),
            Message::FilterLoad(fl) => {
                if let Ok(f) = BloomFilter::from_parts(fl.data, fl.hash_funcs, fl.tweak, fl.flags) {
                    self.filter = Some(f);
                }
                self.relay = true;
            }
            Message::FilterAdd(fa) => {
                if let Some(f) = self.filter.as_mut() {
                    f.insert(&fa.element);
                }
            }
            Message::FilterClear => {
                self.filter = None;
                self.relay = true;
            }
            Message::Unknown { command, payload } if command.as_str() == "getmnlistd" => {
                let common = self.version.as_ref().map_or(0, |v| v.version.min(PROTOCOL_VERSION));
                let version = u32::try_from(common).unwrap_or(0);
                out.extend(answer_getmnlistd(chain, &payload, self.mnlist, version));
            }
            Message::Mempool => {
                let txs: Vec<Transaction> = chain.mempool().to_vec();
                let inv = self.matching_txs(txs);
                if !inv.is_empty() {
                    out.push(Message::Inv(Inv::new(inv)));
                }
            }
            _ => {}
        }
        out
    }

    /// The peer now serves `chain` (new blocks, a longer fork, new mempool transactions):
    /// the announcements Dash Core's `SendMessages` makes.
    pub fn on_chain_changed(&mut self, chain: &Chain) -> Vec<Message> {
        let mut out = Vec::new();
        if !self.ready {
            return out;
        }
        if self.announced_tip != Some(chain.tip()) {
            self.announced_tip = Some(chain.tip());
            let fork = self.best_sent.and_then(|b| chain.branch_point(&b));
            let first = fork.map_or(1, |f| f + 1);
            let new = chain.height().saturating_sub(first.saturating_sub(1));
            let wants_headers = self.prefers_headers || self.prefers_headers2;
            if wants_headers && fork.is_some() && new <= MAX_BLOCKS_TO_ANNOUNCE && new > 0 {
                let headers: Vec<_> =
                    (first..=chain.height()).filter_map(|h| chain.header(h)).collect();
                self.best_sent = Some(chain.tip());
                out.push(if self.prefers_headers2 {
                    Message::Headers2(Headers2::compress(&headers, CompressionPath::Announcement))
                } else {
                    Message::Headers(Headers::new(headers))
                });
            } else if fork != Some(chain.height()) {
                out.push(Message::Inv(Inv::new(vec![Inventory::new(
                    InvType::Block,
                    Hash256::from_byte_array(chain.tip().to_byte_array()),
                )])));
            }
        }
        let fresh: Vec<Transaction> = chain
            .mempool()
            .iter()
            .filter(|tx| !self.known_txs.contains(&tx.txid()))
            .cloned()
            .collect();
        let inv = self.matching_txs(fresh);
        if !inv.is_empty() {
            out.push(Message::Inv(Inv::new(inv)));
        }
        out
    }

    /// Mempool transactions the filter lets through (updating it), as `inv` entries.
    fn matching_txs(&mut self, txs: Vec<Transaction>) -> Vec<Inventory> {
        let mut inv = Vec::new();
        for tx in txs {
            let txid = tx.txid();
            self.known_txs.insert(txid);
            if !self.relay {
                continue;
            }
            if self.filter.as_mut().is_none_or(|f| f.is_relevant_and_update(&tx)) {
                inv.push(Inventory::new(
                    InvType::Tx,
                    Hash256::from_byte_array(txid.to_byte_array()),
                ));
            }
        }
        inv
    }

    fn our_version(&self, chain: &Chain, theirs: &Version) -> Version {
        Version {
            version: PROTOCOL_VERSION,
            services: self.services(),
            timestamp: 1_700_000_000,
            addr_recv: NetAddress::from_socket_addr(self.addr, theirs.services),
            addr_from: NetAddress::default(),
            nonce: 0x5349_4d00 ^ u64::from(self.addr.port()),
            user_agent: b"/dashlite-sim:0.1/".to_vec(),
            start_height: chain.height() as i32,
            relay: true,
            mnauth_challenge: Hash256::from_byte_array([0x5a; 32]),
            masternode: false,
            extent: VersionExtent::Masternode,
            trailing: Vec::new(),
        }
    }

    fn headers_reply(
        &mut self,
        chain: &Chain,
        locator: &[BlockHash],
        stop: &BlockHash,
        compressed: bool,
        out: &mut Vec<Message>,
    ) {
        let common = self.version.as_ref().map_or(0, |v| v.version.min(PROTOCOL_VERSION));
        let limit = if compressed && common >= INCREASE_MAX_HEADERS2_VERSION {
            MAX_HEADERS_COMPRESSED_RESULT
        } else {
            MAX_HEADERS_RESULTS
        };
        let Some((first, headers)) = headers_for(chain, locator, stop, limit) else { return };
        self.best_sent = Some(match headers.len() {
            0 => chain.tip(),
            n => chain.hash_at(first + n as u32 - 1).unwrap_or(chain.tip()),
        });
        out.push(if compressed {
            Message::Headers2(Headers2::compress(&headers, CompressionPath::GetHeaders2Reply))
        } else {
            Message::Headers(Headers::new(headers))
        });
    }

    fn on_getdata(&mut self, chain: &Chain, gd: GetData, out: &mut Vec<Message>) {
        let mut not_found = Vec::new();
        for item in gd.inventory {
            match item {
                Inventory::FilteredBlock(hash) | Inventory::Block(hash) => {
                    let Some(block) = chain.block_by_hash(&hash) else { continue };
                    if matches!(item, Inventory::Block(_)) {
                        out.push(Message::Block(block));
                        continue;
                    }
                    let Some(filter) = self.filter.as_mut() else { continue };
                    let (mb, matched) = filtered_block(&block, filter, None);
                    out.push(Message::MerkleBlock(mb));
                    out.extend(matched.iter().map(|&i| Message::Tx(block.transactions[i].clone())));
                }
                Inventory::Tx(txid) => match chain.mempool_tx(&txid) {
                    Some(tx) => out.push(Message::Tx(tx.clone())),
                    None => not_found.push(item),
                },
                _ => not_found.push(item),
            }
        }
        if !not_found.is_empty() {
            out.push(Message::NotFound(NotFound::new(not_found)));
        }
    }
}

/// An `Arc`'d chain version a peer serves.
pub type ChainVersion = Arc<Chain>;
