//! One client connection: blocking reads with a short timeout, Dash Core's message handling
//! (`net_processing.cpp ProcessMessage`) and its announcements (`SendMessages`).

mod requests;

use super::mode::Mode;
use super::transport::{Codec, Got};
use super::{
    lock, Disconnect, NodeEvent, NodeShared, PeerSlot, NODE_BLOOM, NODE_HEADERS_COMPRESSED, TICK,
};
use dashlite::bloom::BloomFilter;
use dashlite::encode::DecodeErrorKind;
use dashlite::hash::{BlockHash, Hash256, Txid};
use dashlite::network::{ADDRV2_PROTO_VERSION, MIN_PEER_PROTO_VERSION};
use dashlite::tx::Transaction;
use dashlite::wire::{
    CompressionPath, Headers, Headers2, Inv, InvType, Inventory, Message, NetAddress, Ping,
    SendCmpct, SendDsq, Version, VersionExtent, MAX_INV_SZ,
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
}
