//! One client connection: blocking reads with a short timeout, Dash Core's message handling
//! (`net_processing.cpp ProcessMessage`) and its announcements (`SendMessages`).

use super::mode::Mode;
use super::serve::{filtered_block, headers_for, made_up_headers};
use super::transport::{Codec, Got};
use super::{
    lock, Disconnect, NodeEvent, NodeShared, PeerSlot, NODE_BLOOM, NODE_HEADERS_COMPRESSED, TICK,
};
use dashlite::bloom::BloomFilter;
use dashlite::encode::DecodeErrorKind;
use dashlite::hash::{BlockHash, Hash256, Txid};
use dashlite::network::{
    ADDRV2_PROTO_VERSION, INCREASE_MAX_HEADERS2_VERSION, MIN_PEER_PROTO_VERSION,
};
use dashlite::tx::{Transaction, TxOut};
use dashlite::wire::{
    Addr, AddrEntry, AddrV2, AddrV2Entry, Bip155Addr, CompressionPath, GetData, Headers, Headers2,
    Inv, InvType, Inventory, Message, NetAddress, NotFound, Ping, SendCmpct, SendDsq, SyncItem,
    SyncStatusCount, Version, VersionExtent, MAX_HEADERS_COMPRESSED_RESULT, MAX_HEADERS_RESULTS,
    MAX_INV_SZ,
};
use std::collections::HashSet;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Dash Core's `MAX_BLOCKS_TO_ANNOUNCE`: more new headers than this are announced by inv.
const MAX_BLOCKS_TO_ANNOUNCE: usize = 8;
/// Dash Core's `DISCOURAGEMENT_THRESHOLD`.
const DISCOURAGEMENT_THRESHOLD: u32 = 100;
/// `getblocks` answers at most 500 hashes.
const MAX_GETBLOCKS: u32 = 500;
/// A write that cannot make progress for this long ends the connection.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

struct Conn {
    shared: Arc<NodeShared>,
    slot: Arc<PeerSlot>,
    stream: TcpStream,
    magic: [u8; 4],
    peer_version: Option<Version>,
    common_version: i32,
    got_verack: bool,
    wants_addrv2: bool,
    prefers_headers: bool,
    prefers_headers2: bool,
    relay_txs: bool,
    filter: Option<BloomFilter>,
    score: u32,
    /// The last header the client is known to have (Dash Core `pindexBestHeaderSent`).
    best_sent: Option<BlockHash>,
    last_announced: Option<BlockHash>,
    known_txs: HashSet<Txid>,
    generation: u64,
    answered_getaddr: bool,
    synced_governance: bool,
    next_ping: Instant,
    closing: Option<Disconnect>,
    codec: Codec,
    /// Messages queued before the v2 session keys are known.
    held: Vec<Message>,
    counted_v2: bool,
}

/// Runs one connection to its end.
pub(super) fn run(stream: TcpStream, slot: Arc<PeerSlot>, shared: Arc<NodeShared>) {
    let (magic, transport) = {
        let config = lock(&shared.config);
        (config.network.params().magic, config.transport)
    };
    let _ = stream.set_read_timeout(Some(TICK));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let mut conn = Conn {
        shared: shared.clone(),
        slot: slot.clone(),
        stream,
        magic,
        peer_version: None,
        common_version: 0,
        got_verack: false,
        wants_addrv2: false,
        prefers_headers: false,
        prefers_headers2: false,
        relay_txs: false,
        filter: None,
        score: 0,
        best_sent: None,
        last_announced: None,
        known_txs: HashSet::new(),
        generation: 0,
        answered_getaddr: false,
        synced_governance: false,
        next_ping: Instant::now(),
        closing: None,
        codec: Codec::new(transport, magic),
        held: Vec::new(),
        counted_v2: false,
    };
    let reason = conn.run_loop();
    let _ = conn.stream.shutdown(Shutdown::Both);
    slot.open.store(false, Ordering::SeqCst);
    lock(&shared.peers).retain(|p| p.id != slot.id);
    shared.push_event(NodeEvent::Disconnected { peer: slot.id, reason });
}

impl Conn {
    fn id(&self) -> usize {
        self.slot.id
    }

    fn run_loop(&mut self) -> Disconnect {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if self.shared.stopping() {
                return Disconnect::Stopped;
            }
            match self.stream.read(&mut buf) {
                Ok(0) => return Disconnect::PeerClosed,
                Ok(n) => self.codec.feed(&buf[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                    ) => {}
                Err(_) => return Disconnect::PeerClosed,
            }
            while let Some(got) = self.codec.next(self.magic) {
                match got {
                    Got::Frame(frame) => match Message::from_frame(&frame) {
                        Ok(message) => self.on_message(message),
                        Err(e) => self.on_undecodable(
                            frame.command.as_str(),
                            e.source.kind,
                            e.to_string(),
                        ),
                    },
                    Got::Write(bytes) => {
                        if self.codec.sender().is_some() && !self.counted_v2 {
                            self.counted_v2 = true;
                            self.shared.v2_sessions.fetch_add(1, Ordering::Relaxed);
                        }
                        self.write(&bytes);
                        for message in std::mem::take(&mut self.held) {
                            self.send(message);
                        }
                    }
                    Got::Error(e) if e.is_fatal() => {
                        self.reject("", e.to_string());
                        return Disconnect::Transport(e);
                    }
                    Got::Error(e) => self.reject("", e.to_string()),
                }
                if let Some(reason) = self.closing.take() {
                    return reason;
                }
            }
            let messages: Vec<Message> = std::mem::take(&mut *lock(&self.slot.messages));
            for message in messages {
                self.send(message);
            }
            let pushed: Vec<Vec<u8>> = std::mem::take(&mut *lock(&self.slot.outbox));
            for bytes in pushed {
                self.write(&bytes);
            }
            if self.got_verack {
                self.periodic();
            }
            if let Some(reason) = self.closing.take() {
                return reason;
            }
        }
    }

    fn reject(&self, command: &str, why: String) {
        self.shared.push_event(NodeEvent::Rejected {
            peer: self.id(),
            command: command.to_owned(),
            why,
        });
    }

    fn close(&mut self, reason: Disconnect) {
        if self.closing.is_none() {
            self.closing = Some(reason);
        }
    }

    /// Dash Core's `Misbehaving`: adds to the score; at 100 the peer is disconnected.
    fn misbehaving(&mut self, score: u32, reason: &'static str) {
        self.score += score;
        self.shared.push_event(NodeEvent::Misbehaving {
            peer: self.id(),
            score,
            total: self.score,
            reason,
        });
        if self.score >= DISCOURAGEMENT_THRESHOLD {
            self.close(Disconnect::Misbehaving);
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        let modes = self.shared.modes();
        if let Some(pause) = modes.throttle() {
            std::thread::sleep(pause);
        }
        let result = match modes.slowloris() {
            Some((chunk, pause)) => {
                let mut r = Ok(());
                for piece in bytes.chunks(chunk) {
                    if self.shared.stopping() {
                        break;
                    }
                    r = self.stream.write_all(piece).and_then(|_| self.stream.flush());
                    if r.is_err() {
                        break;
                    }
                    std::thread::sleep(pause);
                }
                r
            }
            None => self.stream.write_all(bytes),
        };
        match result {
            Ok(()) => {
                self.shared.bytes_sent.fetch_add(bytes.len() as u64, Ordering::Relaxed);
            }
            Err(_) => self.close(Disconnect::PeerClosed),
        }
    }

    fn send(&mut self, message: Message) {
        if self.closing.is_some() {
            return;
        }
        let v2 = self.codec.is_v2();
        let frame = match self.codec.sender() {
            // v1 framing faults (bad checksum, wrong magic, length) have no v2 equivalent.
            Some(tx) => tx.encode(message.command(), &message.payload_bytes()),
            None if v2 => {
                self.held.push(message);
                return;
            }
            None => self.shared.modes().frame(self.magic, &message),
        };
        self.write(&frame);
    }

    fn on_undecodable(&mut self, command: &str, kind: DecodeErrorKind, why: String) {
        self.reject(command, why);
        if !matches!(kind, DecodeErrorKind::TooLarge { .. }) {
            return; // Dash Core logs the exception and drops the message.
        }
        match command {
            "filterload" => self.misbehaving(100, "oversized bloom filter"),
            "filteradd" => self.misbehaving(100, "filteradd element above 520 bytes"),
            "inv" | "getdata" => self.misbehaving(20, "inv/getdata above 50,000 entries"),
            "addr" | "addrv2" => self.misbehaving(20, "addr above 1,000 entries"),
            "headers" | "headers2" => self.misbehaving(20, "oversized headers"),
            "getheaders" | "getheaders2" | "getblocks" => {
                self.close(Disconnect::Protocol("locator above 101 entries"))
            }
            _ => {}
        }
    }

    fn our_services(&self) -> u64 {
        lock(&self.shared.config).services
    }

    fn on_message(&mut self, message: Message) {
        if lock(&self.shared.config).record_messages {
            self.shared
                .push_event(NodeEvent::Received { peer: self.id(), message: message.clone() });
        }
        let Some(peer) = self.peer_version.clone() else {
            if let Message::Version(v) = message {
                self.on_version(v);
            }
            return; // anything before version is ignored
        };
        match message {
            Message::Version(_) => {} // duplicate: ignored
            Message::Verack => {
                if !self.got_verack {
                    self.on_verack(&peer);
                }
            }
            Message::SendAddrV2 if self.got_verack => {
                self.close(Disconnect::Protocol("sendaddrv2 after verack"))
            }
            Message::SendAddrV2 => self.wants_addrv2 = true,
            _ if !self.got_verack => {} // "unsupported message prior to verack"
            m if self.shared.modes().stalls(m.command_name()) => {}
            m => self.on_request(m),
        }
    }

    fn on_version(&mut self, v: Version) {
        if v.version < MIN_PEER_PROTO_VERSION {
            self.close(Disconnect::Protocol("obsolete protocol version"));
            return;
        }
        let config = lock(&self.shared.config).clone();
        self.common_version = v.version.min(config.version);
        self.relay_txs = v.relay;
        let peer_addr =
            self.stream.peer_addr().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
        let start_height = self
            .shared
            .modes()
            .start_height()
            .unwrap_or_else(|| self.shared.view().height() as i32);
        let ours = Version {
            version: config.version,
            services: config.services,
            timestamp: unix_now(),
            addr_recv: NetAddress::from_socket_addr(peer_addr, v.services),
            addr_from: NetAddress::default(),
            nonce: 0x7465_7374_6b69_7400 ^ self.id() as u64,
            user_agent: config.user_agent.into_bytes(),
            start_height,
            relay: true,
            mnauth_challenge: Hash256::from_byte_array([0x5a; 32]),
            masternode: false,
            extent: VersionExtent::Masternode,
            trailing: Vec::new(),
        };
        self.peer_version = Some(v);
        self.send(Message::Version(ours));
        if self.common_version >= ADDRV2_PROTO_VERSION {
            self.send(Message::SendAddrV2);
        }
        self.send(Message::Verack);
    }

    fn on_verack(&mut self, peer: &Version) {
        self.got_verack = true;
        // What the client may already know, taken before it can learn the handshake is done:
        // anything newer is announced.
        self.generation = self.shared.chain.generation();
        self.last_announced = Some(self.shared.view().tip());
        self.known_txs = self.shared.chain.read().mempool().iter().map(Transaction::txid).collect();
        if peer.services & NODE_HEADERS_COMPRESSED != 0 {
            self.send(Message::SendHeaders2);
        } else {
            self.send(Message::SendHeaders);
        }
        self.send(Message::SendCmpct(SendCmpct { announce: false, version: 1 }));
        self.send(Message::SendDsq(SendDsq(true)));
        self.ping();
        let interval = lock(&self.shared.config).ping_interval;
        self.next_ping = Instant::now() + interval;
        let modes = self.shared.modes();
        for m in modes.unsolicited() {
            self.send(m);
        }
        if modes.addr_flood().is_some() {
            self.send_addresses();
        }
    }

    fn ping(&mut self) {
        self.send(Message::Ping(Ping { nonce: unix_now() as u64 ^ 0x5eed }));
    }

    /// Timers and announcements, after every read.
    fn periodic(&mut self) {
        if Instant::now() >= self.next_ping && !self.shared.modes().stalls("ping") {
            self.ping();
            self.next_ping = Instant::now() + lock(&self.shared.config).ping_interval;
        }
        let generation = self.shared.chain.generation();
        let forced = self.slot.force_announce.swap(false, Ordering::SeqCst);
        if generation != self.generation || forced {
            self.generation = generation;
            self.announce_blocks(forced);
            self.announce_txs();
        }
    }

    /// New blocks, as Dash Core's `SendMessages` announces them: headers2 / headers from the
    /// first block the client lacks (at most 8), else an inv of the tip.
    fn announce_blocks(&mut self, forced: bool) {
        let view = self.shared.view();
        let tip = view.tip();
        if !forced && self.last_announced == Some(tip) {
            return;
        }
        let fork = self.best_sent.and_then(|b| view.branch_point(&b));
        let new_headers = match fork {
            Some(f) if f < view.height() => (view.height() - f) as usize,
            _ => usize::MAX,
        };
        let use_headers = (self.prefers_headers || self.prefers_headers2)
            && new_headers <= MAX_BLOCKS_TO_ANNOUNCE;
        self.last_announced = Some(tip);
        if use_headers {
            let first = fork.unwrap_or(0) + 1;
            let headers: Vec<_> = (first..=view.height()).filter_map(|h| view.header(h)).collect();
            let headers = self.shared.tamper(&view, first, headers);
            drop(view);
            self.best_sent = Some(tip);
            if self.prefers_headers2 {
                self.send(Message::Headers2(Headers2::compress(
                    &headers,
                    CompressionPath::Announcement,
                )));
            } else {
                self.send(Message::Headers(Headers::new(headers)));
            }
        } else if forced || fork != Some(view.height()) {
            drop(view);
            self.send(Message::Inv(Inv::new(vec![Inventory::new(
                InvType::Block,
                Hash256::from_byte_array(tip.to_byte_array()),
            )])));
        }
    }

    /// New mempool transactions: an inv to a client that wants them (relay on), filtered by
    /// its bloom filter, which updates itself (`IsRelevantAndUpdate`), as Dash Core relays.
    fn announce_txs(&mut self) {
        let unmatched = self.shared.modes().has(&Mode::UnmatchedTx);
        let fresh: Vec<Transaction> = {
            let chain = self.shared.chain.read();
            chain
                .mempool()
                .iter()
                .filter(|tx| !self.known_txs.contains(&tx.txid()))
                .cloned()
                .collect()
        };
        let mut inv = Vec::new();
        for tx in fresh {
            let txid = tx.txid();
            self.known_txs.insert(txid);
            if !self.relay_txs {
                continue;
            }
            let wanted =
                unmatched || self.filter.as_mut().is_none_or(|f| f.is_relevant_and_update(&tx));
            if wanted {
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

    fn bloom_allowed(&mut self) -> bool {
        if self.our_services() & NODE_BLOOM == 0 {
            self.close(Disconnect::Protocol("bloom message to a node without NODE_BLOOM"));
            return false;
        }
        true
    }

    fn on_request(&mut self, message: Message) {
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
    fn send_addresses(&mut self) {
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
