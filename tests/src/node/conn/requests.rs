//! The requests a client connection answers as Dash Core does: headers and blocks for
//! locators, `getdata` (blocks, filtered blocks, transactions), `inv`, `tx`, `mempool`,
//! `getaddr`/`addr`, `govsync`.

use super::super::lock;
use super::super::mode::Mode;
use super::super::serve::{filtered_block, headers_for, made_up_headers};
use super::{unix_now, Conn, MAX_GETBLOCKS};
use dashlite::bloom::BloomFilter;
use dashlite::hash::{BlockHash, Hash256, Txid};
use dashlite::network::INCREASE_MAX_HEADERS2_VERSION;
use dashlite::tx::{Transaction, TxOut};
use dashlite::wire::{
    Addr, AddrEntry, AddrV2, AddrV2Entry, Bip155Addr, CompressionPath, GetData, Headers, Headers2,
    Inv, InvType, Inventory, Message, NetAddress, NotFound, SyncItem, SyncStatusCount,
    MAX_HEADERS_COMPRESSED_RESULT, MAX_HEADERS_RESULTS, MAX_INV_SZ,
};
use std::net::SocketAddr;

impl Conn {
    pub(super) fn on_request(&mut self, message: Message) {
        match message {
            Message::Ping(p) => self.send(Message::Pong(dashlite::wire::Pong { nonce: p.nonce })),
            Message::SendHeaders => self.prefers_headers = true,
            Message::SendHeaders2 => self.prefers_headers2 = true,
            Message::GetHeaders(gh) => self.on_getheaders(&gh.locator_hashes, &gh.hash_stop, false),
            Message::GetHeaders2(gh) => self.on_getheaders(&gh.locator_hashes, &gh.hash_stop, true),
            Message::GetBlocks(gb) => self.on_getblocks(&gb.locator_hashes, &gb.hash_stop),
            Message::GetData(gd) => self.on_getdata(gd),
            Message::Inv(inv) => self.on_inv(inv),
            Message::Tx(tx) => self.on_tx(tx),
            // A bloom message to a node without NODE_BLOOM disconnects (the guard closes).
            Message::FilterLoad(fl) if self.bloom_allowed() => {
                match BloomFilter::from_parts(fl.data, fl.hash_funcs, fl.tweak, fl.flags) {
                    Ok(f) => {
                        self.filter = Some(f);
                        self.relay_txs = true;
                    }
                    Err(_) => self.misbehaving(100, "oversized bloom filter"),
                }
            }
            Message::FilterAdd(fa) if self.bloom_allowed() => match self.filter.as_mut() {
                Some(f) => f.insert(&fa.element),
                None => self.misbehaving(100, "filteradd without a filter"),
            },
            Message::FilterClear if self.bloom_allowed() => {
                self.filter = None;
                self.relay_txs = true;
            }
            Message::Mempool if self.bloom_allowed() => self.on_mempool(),
            // Answered once per connection.
            Message::GetAddr if !self.answered_getaddr => {
                self.answered_getaddr = true;
                self.send_addresses();
            }
            Message::GetSporks => {
                for s in self.shared.sporks.clone() {
                    self.send(Message::Spork(s));
                }
            }
            Message::GovSync(gs) => self.on_govsync(gs),
            Message::Unknown { command, payload } if command.as_str() == "getmnlistd" => {
                let mode = self.shared.modes().mnlist();
                let version = u32::try_from(self.common_version).unwrap_or(0);
                let reply = {
                    let view = self.shared.view();
                    crate::masternodes::answer_getmnlistd(&view, &payload, mode, version)
                };
                if let Some(m) = reply {
                    self.send(m);
                }
            }
            Message::Unknown { command, .. }
                if matches!(command.as_str(), "mnlistdiff" | "qrinfo") =>
            {
                self.misbehaving(100, "unsolicited mnlistdiff/qrinfo")
            }
            _ => {} // pong, sendcmpct, senddsq, addr, spork, headers, …: nothing to answer
        }
    }

    fn on_getheaders(&mut self, locator: &[BlockHash], stop: &BlockHash, compressed: bool) {
        let oversized = self.shared.modes().has(&Mode::OversizedHeaders);
        let mut limit = if compressed && self.common_version >= INCREASE_MAX_HEADERS2_VERSION {
            MAX_HEADERS_COMPRESSED_RESULT
        } else {
            MAX_HEADERS_RESULTS
        };
        if oversized {
            limit += 1;
        }
        let view = self.shared.view();
        let Some((first, mut headers)) = headers_for(&view, locator, stop, limit) else { return };
        self.best_sent = Some(match headers.len() {
            0 => view.tip(),
            n => view.hash_at(first + n as u32 - 1).unwrap_or(view.tip()),
        });
        headers = self.shared.tamper(&view, first, headers);
        if oversized && headers.len() < limit {
            let last = headers.last().copied().unwrap_or(view.tip_header());
            headers.extend(made_up_headers(&last, limit - headers.len()));
        }
        drop(view);
        if compressed {
            self.send(Message::Headers2(Headers2::compress(
                &headers,
                CompressionPath::GetHeaders2Reply,
            )));
        } else {
            self.send(Message::Headers(Headers::new(headers)));
        }
    }

    fn on_getblocks(&mut self, locator: &[BlockHash], stop: &BlockHash) {
        let view = self.shared.view();
        let first = view.locate(locator) + 1;
        let mut inv = Vec::new();
        for h in first..=view.height().min(first + MAX_GETBLOCKS - 1) {
            let Some(hash) = view.hash_at(h) else { break };
            if hash == *stop {
                break;
            }
            inv.push(Inventory::new(
                InvType::Block,
                Hash256::from_byte_array(hash.to_byte_array()),
            ));
        }
        drop(view);
        if !inv.is_empty() {
            self.send(Message::Inv(Inv::new(inv)));
        }
    }

    fn on_getdata(&mut self, gd: GetData) {
        let mut not_found = Vec::new();
        for item in gd.inventory {
            if self.closing.is_some() {
                return;
            }
            match item {
                Inventory::Block(hash) | Inventory::FilteredBlock(hash) => {
                    let block = self.shared.view().block_by_hash(&hash);
                    let Some(block) = block else { continue }; // missing blocks: no reply
                    if matches!(item, Inventory::Block(_)) {
                        self.send(Message::Block(block));
                    } else {
                        self.send_filtered_block(&block);
                    }
                }
                Inventory::Tx(txid) => {
                    let tx = self.shared.chain.read().mempool_tx(&txid).cloned();
                    match tx {
                        Some(tx) => self.send(Message::Tx(tx)),
                        None => not_found.push(item),
                    }
                }
                Inventory::Spork(hash) => {
                    match self.shared.sporks.iter().find(|s| s.inv_hash() == hash).cloned() {
                        Some(s) => self.send(Message::Spork(s)),
                        None => not_found.push(item),
                    }
                }
                Inventory::GovernanceObject(hash) => {
                    let obj = lock(&self.shared.config)
                        .governance
                        .iter()
                        .find(|o| o.hash() == hash)
                        .cloned();
                    match obj {
                        Some(o) => self.send(Message::GovObject(o)),
                        None => not_found.push(item),
                    }
                }
                Inventory::GovernanceObjectVote(hash) => {
                    let vote =
                        lock(&self.shared.config).votes.iter().find(|v| v.hash() == hash).cloned();
                    match vote {
                        Some(v) => self.send(Message::GovObjectVote(v)),
                        None => not_found.push(item),
                    }
                }
                _ => not_found.push(item),
            }
        }
        if !not_found.is_empty() {
            self.send(Message::NotFound(NotFound::new(not_found)));
        }
    }

    /// `merkleblock`, then every matched transaction (Dash Core sends them even if sent
    /// before); nothing without a filter.
    fn send_filtered_block(&mut self, block: &dashlite::wire::Block) {
        let modes = self.shared.modes();
        let Some(filter) = self.filter.as_mut() else { return };
        let (merkle_block, matched) = filtered_block(block, filter, modes.forgery());
        self.send(Message::MerkleBlock(merkle_block));
        if modes.has(&Mode::WithholdMatchedTxs) {
            return;
        }
        for &i in &matched {
            self.send(Message::Tx(block.transactions[i].clone()));
        }
        if modes.has(&Mode::UnmatchedTx) {
            let extra = block
                .transactions
                .iter()
                .enumerate()
                .find(|(i, _)| !matched.contains(i))
                .map(|(_, tx)| tx.clone())
                .unwrap_or_else(junk_tx);
            self.send(Message::Tx(extra));
        }
    }

    /// A client announcing transactions: ask for the ones the mempool lacks.
    fn on_inv(&mut self, inv: Inv) {
        let wanted: Vec<Inventory> = {
            let chain = self.shared.chain.read();
            inv.inventory
                .into_iter()
                .filter(|i| matches!(i, Inventory::Tx(txid) if chain.mempool_tx(txid).is_none()))
                .collect()
        };
        if !wanted.is_empty() {
            self.send(Message::GetData(GetData::new(wanted)));
        }
    }

    /// A transaction from the client goes into the shared mempool (and is relayed by the
    /// other connections; not back to this one).
    fn on_tx(&mut self, tx: Transaction) {
        let txid = tx.txid();
        self.known_txs.insert(txid);
        let known = self.shared.chain.read().mempool_tx(&txid).is_some();
        if !known {
            self.shared.chain.write().add_to_mempool(tx);
        }
    }

    fn on_mempool(&mut self) {
        if !self.relay_txs {
            return;
        }
        let txs: Vec<Transaction> = self.shared.chain.read().mempool().to_vec();
        let mut inv = Vec::new();
        for tx in txs {
            let txid = tx.txid();
            if self.filter.as_mut().is_none_or(|f| f.is_relevant_and_update(&tx)) {
                self.known_txs.insert(txid);
                inv.push(Inventory::new(
                    InvType::Tx,
                    Hash256::from_byte_array(txid.to_byte_array()),
                ));
            }
        }
        for chunk in inv.chunks(MAX_INV_SZ) {
            self.send(Message::Inv(Inv::new(chunk.to_vec())));
        }
    }

    /// `getaddr` (once per connection): the other nodes serving the chain and the configured
    /// addresses, as addrv2 if the client asked for it; nothing if there are none.
    pub(super) fn send_addresses(&mut self) {
        let me = self.stream.local_addr().ok();
        let services = self.our_services();
        let now = unix_now() as u32;
        let flood = self.shared.modes().addr_flood();
        let batches: Vec<Vec<SocketAddr>> = match flood {
            Some((per_message, messages)) => (0..messages)
                .map(|m| {
                    (0..per_message)
                        .map(|i| {
                            let n = (m * per_message + i) as u32;
                            SocketAddr::from((
                                [10, (n >> 16) as u8, (n >> 8) as u8, n as u8],
                                19899,
                            ))
                        })
                        .collect()
                })
                .collect(),
            None => {
                let mut list: Vec<SocketAddr> = self
                    .shared
                    .chain
                    .node_addresses()
                    .into_iter()
                    .filter(|a| Some(*a) != me)
                    .collect();
                list.extend(lock(&self.shared.config).addresses.iter().copied());
                if list.is_empty() {
                    return;
                }
                vec![list]
            }
        };
        for batch in batches {
            if self.wants_addrv2 {
                let entries = batch
                    .iter()
                    .map(|a| AddrV2Entry {
                        time: now,
                        services,
                        addr: match a.ip() {
                            std::net::IpAddr::V4(ip) => Bip155Addr::Ipv4(ip.octets()),
                            std::net::IpAddr::V6(ip) => Bip155Addr::Ipv6(ip.octets()),
                        },
                        port: a.port(),
                    })
                    .collect();
                self.send(Message::AddrV2(AddrV2 { entries }));
            } else {
                let entries = batch
                    .iter()
                    .map(|a| AddrEntry {
                        time: now,
                        address: NetAddress::from_socket_addr(*a, services),
                    })
                    .collect();
                self.send(Message::Addr(Addr { entries }));
            }
        }
    }

    /// `govsync`: a zero hash asks for every object (`ssc(10, n)` then an inv; asking twice
    /// scores 20); otherwise the object's votes not in the filter (`ssc(11, n)` then an inv).
    fn on_govsync(&mut self, gs: dashlite::wire::GovSync) {
        let config = lock(&self.shared.config).clone();
        let (item, inv): (SyncItem, Vec<Inventory>) = if gs.prop_hash == Hash256::ZERO {
            if self.synced_governance {
                self.misbehaving(20, "repeated govsync");
                return;
            }
            self.synced_governance = true;
            let inv = config
                .governance
                .iter()
                .map(|o| Inventory::new(InvType::GovernanceObject, o.hash()))
                .collect();
            (SyncItem::GovObj, inv)
        } else {
            let filter = BloomFilter::from_parts(
                gs.filter.data,
                gs.filter.hash_funcs,
                gs.filter.tweak,
                gs.filter.flags,
            )
            .ok();
            let inv = config
                .votes
                .iter()
                .filter(|v| v.parent_hash == gs.prop_hash)
                .map(|v| v.hash())
                .filter(|h| !filter.as_ref().is_some_and(|f| f.contains(h)))
                .map(|h| Inventory::new(InvType::GovernanceObjectVote, h))
                .collect();
            (SyncItem::GovObjVote, inv)
        };
        self.send(Message::SyncStatusCount(SyncStatusCount { item, count: inv.len() as i32 }));
        if !inv.is_empty() {
            self.send(Message::Inv(Inv::new(inv)));
        }
    }
}

/// A transaction nobody watches (for [`Mode::UnmatchedTx`] when a block has nothing else).
fn junk_tx() -> Transaction {
    Transaction {
        version: 2,
        tx_type: 0,
        inputs: vec![dashlite::tx::TxIn {
            previous_output: dashlite::tx::OutPoint::new(Txid::from_byte_array([0xee; 32]), 0),
            script_sig: dashlite::tx::Script::new(vec![0x51]),
            sequence: u32::MAX,
        }],
        outputs: vec![TxOut {
            value: 1,
            script_pubkey: crate::keys::op_return(b"dashlite-testkit"),
        }],
        lock_time: 0,
        extra_payload: None,
    }
}
