//! The driver over real loopback TCP against a small fake Dash peer (a std::net listener
//! thread speaking the handshake with dashlite's own wire types). The timeouts here only
//! stop a broken test from hanging; nothing asserts on durations.

use super::*;
use crate::chain::MemoryHeaderStore;
use crate::hash::Hash256;
use crate::machine::Parts;
use crate::network::Network;
use crate::p2p::{services::*, AddrBook, DisconnectReason, V2Policy};
use crate::sync::{start_header, SyncConfig, SyncEngine};
use crate::wallet::{Wallet, WatchList};
use crate::wire::v2::{Received, Role, V2Handshake, V2Receiver, V2Sender};
use crate::wire::{FrameDecoder, NetAddress, Ping, Pong, Version, VersionExtent};
use rand::SeedableRng;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream as StdStream};
use std::sync::mpsc;

const GUARD: Duration = Duration::from_secs(30);

fn magic() -> [u8; 4] {
    Network::Regtest.params().magic
}

/// The fake peer's side of the transport.
enum Codec {
    V1(FrameDecoder),
    /// A BIP324 responder; the sender once the client's key arrived.
    V2(Box<V2Receiver>, Option<Box<V2Sender>>, Vec<u8>),
}

struct FakePeer {
    stream: StdStream,
    codec: Codec,
}

impl FakePeer {
    fn accept(listener: &TcpListener) -> FakePeer {
        let (stream, _) = listener.accept().expect("accept");
        stream.set_read_timeout(Some(GUARD)).unwrap();
        FakePeer { stream, codec: Codec::V1(FrameDecoder::new(magic())) }
    }

    /// Accepts a connection and answers as a v2 responder.
    fn accept_v2(listener: &TcpListener, seed: u64) -> FakePeer {
        let mut p = FakePeer::accept(listener);
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let hs = V2Handshake::random(Role::Responder, magic(), &mut rng);
        let hello = hs.hello();
        p.codec = Codec::V2(Box::new(V2Receiver::new(hs)), None, hello);
        p
    }

    fn send(&mut self, m: Message) {
        let bytes = match &mut self.codec {
            Codec::V1(_) => m.to_frame(magic()),
            Codec::V2(_, tx, _) => {
                tx.as_mut().expect("keys before messages").encode(m.command(), &m.payload_bytes())
            }
        };
        self.stream.write_all(&bytes).expect("fake peer write");
    }

    fn next_frame(&mut self) -> Option<crate::wire::Frame> {
        match &mut self.codec {
            Codec::V1(d) => d.next_frame().expect("client frames are valid"),
            Codec::V2(rx, tx, hello) => loop {
                match rx.poll().expect("client packets are valid") {
                    None => return None,
                    Some(Received::Frame(f)) => return Some(f),
                    Some(Received::NotV1) => {
                        self.stream.write_all(hello).expect("fake peer write");
                    }
                    Some(Received::Keys(mut sender)) => {
                        self.stream.write_all(&sender.start()).expect("fake peer write");
                        *tx = Some(sender);
                    }
                    Some(Received::Established) => {}
                    Some(Received::V1(_)) => panic!("the client speaks v2 here"),
                }
            },
        }
    }

    /// The next message, `None` when the client closed the connection.
    fn recv(&mut self) -> Option<Message> {
        loop {
            if let Some(frame) = self.next_frame() {
                return Some(Message::from_frame(&frame).expect("client messages decode"));
            }
            let mut buf = [0u8; 4096];
            match self.stream.read(&mut buf) {
                Ok(0) | Err(_) => return None,
                Ok(n) => match &mut self.codec {
                    Codec::V1(d) => d.feed(&buf[..n]),
                    Codec::V2(rx, _, _) => rx.feed(&buf[..n]),
                },
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

/// A host that hands every event to the test.
struct TestHost {
    machine: StateMachine<MemoryHeaderStore>,
    events: Sender<Event>,
}

impl Host for TestHost {
    type Store = MemoryHeaderStore;
    type Stop = ();

    fn machine(&mut self) -> &mut StateMachine<MemoryHeaderStore> {
        &mut self.machine
    }

    fn on_step(&mut self, events: Vec<Event>, _: Time) -> Result<(), ()> {
        for e in events {
            let _ = self.events.try_send(e);
        }
        Ok(())
    }

    fn on_stopped(&mut self, events: Vec<Event>, _: Option<()>, now: Time) {
        let _ = self.on_step(events, now);
    }
}

fn start_host(
    peer: SocketAddr,
    seed: u64,
) -> (NodeHandle<TestHost>, JoinHandle<TestHost>, Receiver<Event>) {
    start_host_with(peer, seed, V2Policy::Never)
}

fn start_host_with(
    peer: SocketAddr,
    seed: u64,
    v2: V2Policy,
) -> (NodeHandle<TestHost>, JoinHandle<TestHost>, Receiver<Event>) {
    let params = Network::Regtest.params();
    let sync = SyncEngine::new(
        SyncConfig::new(params, 0),
        MemoryHeaderStore::new(),
        start_header(params, 0, &[]),
        Wallet::new(WatchList::new(Network::Regtest)),
    )
    .expect("engine");
    let mut p2p = crate::p2p::Config::new(Network::Regtest);
    p2p.manual_peers = vec![peer];
    p2p.target_outbound = 1;
    p2p.v2 = v2;
    let machine = StateMachine::new(Parts::new(p2p, sync, seed), Clock::new().now());
    let (tx, rx) = unbounded();
    let (handle, task) = start(TestHost { machine, events: tx }, Duration::from_secs(5));
    (handle, task, rx)
}

async fn next_event(events: &mut Receiver<Event>, want: impl Fn(&Event) -> bool) -> Event {
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
        let (node, task, mut events) = start_host(addr, 5);

        let ready = next_event(&mut events, |e| matches!(e, Event::PeerConnected { .. })).await;
        let Event::PeerConnected { peer: first, info } = ready else { unreachable!() };
        assert!(info.headers2);
        assert_eq!(info.start_height, 233);
        let seen = reports.recv_timeout(GUARD).unwrap();
        assert_eq!(seen, "version,sendaddrv2,verack,senddsq,sendheaders2,filterload");
        assert_eq!(reports.recv_timeout(GUARD).unwrap(), "ping-pong");

        let gone = next_event(&mut events, |e| matches!(e, Event::PeerDisconnected { .. })).await;
        assert_eq!(
            gone,
            Event::PeerDisconnected {
                peer: first,
                addr,
                reason: DisconnectReason::Closed,
                was_ready: true
            }
        );

        let again = next_event(&mut events, |e| matches!(e, Event::PeerConnected { .. })).await;
        let Event::PeerConnected { peer: second, .. } = again else { unreachable!() };
        assert_ne!(second, first);

        node.stop().await;
        let host = task.await;
        let book: &AddrBook = host.machine.peers().address_book();
        let known = book.get(&crate::p2p::Endpoint::ip(addr)).expect("configured peer kept");
        assert_eq!(known.successes, 2);
        assert_eq!(reports.recv_timeout(GUARD).unwrap(), "closed by client");
        assert_eq!(node.call(|_| ()).await, Err(Stopped));
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
        let (node, task, mut events) = start_host(addr, 6);
        let gone = next_event(&mut events, |e| matches!(e, Event::PeerDisconnected { .. })).await;
        let Event::PeerDisconnected { reason, .. } = gone else { unreachable!() };
        assert!(
            matches!(reason, DisconnectReason::Frame(FrameError::BadMagic { .. })),
            "{reason:?}"
        );
        node.stop().await;
        task.await;
    });
    fake.join().unwrap();
}

#[test]
fn the_driver_speaks_v2_with_a_v2_peer() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let fake = std::thread::spawn(move || {
        let mut p = FakePeer::accept_v2(&listener, 7);
        let seen = p.handshake();
        p.send(Message::Ping(Ping { nonce: 0x1234 }));
        while let Some(m) = p.recv() {
            if m == Message::Pong(Pong { nonce: 0x1234 }) {
                break;
            }
        }
        seen
    });
    task::block_on(async {
        let (node, task, mut events) = start_host_with(addr, 8, V2Policy::Prefer);
        next_event(&mut events, |e| matches!(e, Event::PeerConnected { .. })).await;
        let seen = fake.join().expect("the fake peer got its pong over v2");
        assert_eq!(seen.first().map(String::as_str), Some("version"));
        assert!(seen.iter().any(|c| c == "filterload"), "{seen:?}");
        node.stop().await;
        task.await;
    });
}

#[test]
fn a_peer_that_closes_a_v2_attempt_unanswered_is_dialled_again_with_v1() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let fake = std::thread::spawn(move || {
        // A v1-only node: the client's key is not a v1 magic, so it hangs up.
        let mut first = FakePeer::accept(&listener);
        let mut buf = [0u8; 4];
        first.stream.read_exact(&mut buf).unwrap();
        assert_ne!(buf, magic(), "a v2 attempt does not start like v1");
        drop(first);
        let mut second = FakePeer::accept(&listener);
        second.handshake()
    });
    task::block_on(async {
        let (node, task, mut events) = start_host_with(addr, 9, V2Policy::Prefer);
        let gone = next_event(&mut events, |e| matches!(e, Event::PeerDisconnected { .. })).await;
        let Event::PeerDisconnected { reason, was_ready, .. } = gone else { unreachable!() };
        assert_eq!((reason, was_ready), (DisconnectReason::V2Refused, false));
        next_event(&mut events, |e| matches!(e, Event::PeerConnected { .. })).await;
        let seen = fake.join().expect("the second connection spoke v1");
        assert_eq!(seen.first().map(String::as_str), Some("version"));
        node.stop().await;
        task.await;
    });
}

#[test]
fn a_bad_packet_on_v2_is_a_fatal_framing_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let fake = std::thread::spawn(move || {
        let mut p = FakePeer::accept_v2(&listener, 10);
        let _ = p.recv();
        let Codec::V2(_, Some(tx), _) = &mut p.codec else { panic!("keys") };
        let mut packet = tx.encode(crate::wire::Command::new("verack").unwrap(), &[]);
        packet[5] ^= 0x40;
        p.stream.write_all(&packet).unwrap();
        while p.recv().is_some() {}
    });
    task::block_on(async {
        let (node, task, mut events) = start_host_with(addr, 11, V2Policy::Require);
        let gone = next_event(&mut events, |e| matches!(e, Event::PeerDisconnected { .. })).await;
        let Event::PeerDisconnected { reason, .. } = gone else { unreachable!() };
        assert_eq!(
            reason,
            DisconnectReason::Frame(FrameError::V2(crate::wire::v2::V2Error::BadMac))
        );
        node.stop().await;
        task.await;
    });
    fake.join().unwrap();
}
