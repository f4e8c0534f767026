//! The driver over real loopback TCP against a small fake Dash peer (a std::net listener
//! thread speaking the handshake with dashlite's own wire types). The timeouts here only
//! stop a broken test from hanging; nothing asserts on durations.

use super::*;
use crate::chain::MemoryHeaderStore;
use crate::hash::Hash256;
use crate::machine::Parts;
use crate::network::Network;
use crate::p2p::{services::*, AddrBook, DisconnectReason};
use crate::sync::{start_header, SyncConfig, SyncEngine};
use crate::wallet::{Wallet, WatchList};
use crate::wire::{FrameDecoder, NetAddress, Ping, Pong, Version, VersionExtent};
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
