//! The driver over real loopback TCP against a small fake Dash peer (a std::net listener
//! thread speaking the handshake with dashlite's own wire types). The timeouts here only
//! stop a broken test from hanging; nothing asserts on durations.

use super::*;
use crate::hash::Hash256;
use crate::p2p::{services::*, DisconnectReason};
use crate::wire::{FilterLoad, FrameDecoder, NetAddress, Ping, Pong, Version, VersionExtent};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream as StdStream};
use std::sync::mpsc;

const GUARD: Duration = Duration::from_secs(30);

fn magic() -> [u8; 4] {
    Network::Regtest.params().magic
}

struct FakePeer {
    stream: StdStream,
    decoder: FrameDecoder,
}

impl FakePeer {
    fn accept(listener: &TcpListener) -> FakePeer {
        let (stream, _) = listener.accept().expect("accept");
        stream.set_read_timeout(Some(GUARD)).unwrap();
        FakePeer { stream, decoder: FrameDecoder::new(magic()) }
    }

    fn send(&mut self, m: Message) {
        self.stream.write_all(&m.to_frame(magic())).expect("fake peer write");
    }

    /// The next message, `None` when the client closed the connection.
    fn recv(&mut self) -> Option<Message> {
        loop {
            if let Some(frame) = self.decoder.next_frame().expect("client frames are valid") {
                return Some(Message::from_frame(&frame).expect("client messages decode"));
            }
            let mut buf = [0u8; 4096];
            match self.stream.read(&mut buf) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.decoder.feed(&buf[..n]),
            }
        }
    }

    /// Speaks Dash Core's side of the handshake; returns the commands the client sent up to
    /// and including its `getaddr`-less post-verack sequence (ends at `filterload`).
    fn handshake(&mut self) -> Vec<String> {
        let mut seen = Vec::new();
        let Some(Message::Version(v)) = self.recv() else {
            panic!("client must open with version")
        };
        seen.push("version".to_owned());
        assert_eq!((v.services, v.relay), (0, false));
        self.send(Message::Version(Version {
            version: 70240,
            services: NODE_NETWORK | NODE_BLOOM | NODE_HEADERS_COMPRESSED,
            timestamp: 1_700_000_000,
            addr_recv: NetAddress::default(),
            addr_from: NetAddress::default(),
            nonce: 0xfa4e,
            user_agent: b"/Dash Core:23.1.2/".to_vec(),
            start_height: 233,
            relay: true,
            mnauth_challenge: Hash256::ZERO,
            masternode: false,
            extent: VersionExtent::Masternode,
            trailing: Vec::new(),
        }));
        self.send(Message::SendAddrV2);
        self.send(Message::Verack);
        while let Some(m) = self.recv() {
            seen.push(m.command_name().to_owned());
            if matches!(m, Message::FilterLoad(_)) {
                break;
            }
        }
        seen
    }
}

async fn next_event(events: &mut NodeEvents, want: impl Fn(&Event) -> bool) -> Event {
    async_std::future::timeout(GUARD, async {
        loop {
            match events.next().await {
                Some(e) if want(&e) => return e,
                Some(_) => continue,
                None => panic!("node stopped"),
            }
        }
    })
    .await
    .expect("event within the guard time")
}

#[test]
fn driver_connects_handshakes_pings_reconnects_and_shuts_down_over_loopback() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (report, reports) = mpsc::channel::<String>();
    let fake = std::thread::spawn(move || {
        // First connection: handshake, a ping each way, then the fake peer hangs up.
        let mut p = FakePeer::accept(&listener);
        let seen = p.handshake();
        report.send(seen.join(",")).unwrap();
        p.send(Message::Ping(Ping { nonce: 0xabc }));
        let mut got_pong = false;
        let mut answered_ping = false;
        while !(got_pong && answered_ping) {
            match p.recv().expect("client stays connected") {
                Message::Pong(Pong { nonce }) => got_pong |= nonce == 0xabc,
                Message::Ping(Ping { nonce }) => {
                    p.send(Message::Pong(Pong { nonce }));
                    answered_ping = true;
                }
                _ => {}
            }
        }
        report.send("ping-pong".into()).unwrap();
        drop(p);
        // The client reconnects (configured peer, backoff); at shutdown it closes.
        let mut p = FakePeer::accept(&listener);
        p.handshake();
        while p.recv().is_some() {}
        report.send("closed by client".into()).unwrap();
    });

    task::block_on(async {
        let mut config = NodeConfig::new(Network::Regtest);
        config.p2p.manual_peers = vec![addr];
        config.p2p.target_outbound = 1;
        config.seed = Some(5);
        let filter = FilterLoad { data: vec![0; 4], hash_funcs: 3, tweak: 1, flags: 1 };
        let (node, mut events) = start(config, Box::new(filter)).expect("node starts");

        let ready = next_event(&mut events, |e| matches!(e, Event::PeerReady { .. })).await;
        let Event::PeerReady { peer: first, info, filter_loaded } = ready else { unreachable!() };
        assert!(filter_loaded && info.headers2);
        assert_eq!(info.start_height, 233);
        let seen = reports.recv_timeout(GUARD).unwrap();
        assert_eq!(seen, "version,sendaddrv2,verack,senddsq,sendheaders2,filterload");
        assert_eq!(reports.recv_timeout(GUARD).unwrap(), "ping-pong");

        let gone = next_event(&mut events, |e| matches!(e, Event::PeerDisconnected { .. })).await;
        assert_eq!(
            gone,
            Event::PeerDisconnected { peer: first, addr, reason: DisconnectReason::Closed }
        );

        let again = next_event(&mut events, |e| matches!(e, Event::PeerReady { .. })).await;
        let Event::PeerReady { peer: second, .. } = again else { unreachable!() };
        assert_ne!(second, first);

        let snapshot = node.shutdown().await.expect("shutdown");
        let book = AddrBook::from_bytes(&snapshot.address_book, 10).unwrap();
        let known = book.get(&crate::p2p::Endpoint::ip(addr)).expect("configured peer kept");
        assert_eq!(known.successes, 2);
        assert_eq!(reports.recv_timeout(GUARD).unwrap(), "closed by client");
        assert!(matches!(node.command(Command::SetHeight(1)).await, Err(NodeError::Stopped)));
    });
    fake.join().unwrap();
}

#[test]
fn a_peer_speaking_the_wrong_magic_is_dropped() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let fake = std::thread::spawn(move || {
        let mut p = FakePeer::accept(&listener);
        let _ = p.recv();
        // Mainnet magic on a regtest connection: a fatal framing error.
        let frame = Message::Verack.to_frame(Network::Mainnet.params().magic);
        p.stream.write_all(&frame).unwrap();
        while p.recv().is_some() {}
    });
    task::block_on(async {
        let mut config = NodeConfig::new(Network::Regtest);
        config.p2p.manual_peers = vec![addr];
        config.p2p.target_outbound = 1;
        config.seed = Some(6);
        let (node, mut events) = start(config, Box::new(crate::p2p::NoFilter)).unwrap();
        let gone = next_event(&mut events, |e| matches!(e, Event::PeerDisconnected { .. })).await;
        let Event::PeerDisconnected { reason, .. } = gone else { unreachable!() };
        assert!(
            matches!(reason, DisconnectReason::Frame(FrameError::BadMagic { .. })),
            "{reason:?}"
        );
        node.shutdown().await.unwrap();
    });
    fake.join().unwrap();
}
