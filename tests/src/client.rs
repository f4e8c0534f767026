//! A bare client for tests: blocking TCP, frames cut by core's `FrameDecoder`, messages
//! decoded by `Message::decode`. It does only what it is told, so tests can speak the
//! protocol by hand (and break it on purpose).

use dashlite::hash::Hash256;
use dashlite::network::{Network, PROTOCOL_VERSION};
use dashlite::wire::{
    Frame, FrameDecoder, FrameError, Message, MessageError, NetAddress, Version, VersionExtent,
};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// How long [`RawClient::recv`] waits by default.
pub const DEFAULT_RECV_TIMEOUT: Duration = Duration::from_secs(20);

/// Why [`RawClient::recv`] returned no message.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The socket failed.
    #[error("io: {0}")]
    Io(#[from] io::Error),
    /// A frame was dropped (bad checksum, bad command) or the stream is broken (wrong magic,
    /// oversized length).
    #[error("frame: {0}")]
    Frame(#[from] FrameError),
    /// A frame's payload did not decode.
    #[error("decode: {0}")]
    Decode(#[from] MessageError),
    /// Nothing arrived in time.
    #[error("timed out")]
    Timeout,
    /// The node closed the connection.
    #[error("connection closed")]
    Closed,
}

/// A hand-driven connection to a node.
#[derive(Debug)]
pub struct RawClient {
    stream: TcpStream,
    decoder: FrameDecoder,
    magic: [u8; 4],
    timeout: Duration,
}

/// The `version` an SPV client sends (PROTOCOL.md §1.4, recommendation \[R\]): protocol 70240, `services`,
/// relay off, zero mnauth challenge.
pub fn spv_version(services: u64, start_height: i32) -> Version {
    Version {
        version: PROTOCOL_VERSION,
        services,
        timestamp: 1_795_000_000,
        addr_recv: NetAddress::default(),
        addr_from: NetAddress::default(),
        nonce: 0x1234_5678_9abc_def0,
        user_agent: b"/dashlite-testkit-client:0.1/".to_vec(),
        start_height,
        relay: false,
        mnauth_challenge: Hash256::ZERO,
        masternode: false,
        extent: VersionExtent::Masternode,
        trailing: Vec::new(),
    }
}

impl RawClient {
    /// Connects to a regtest node.
    pub fn connect(addr: SocketAddr) -> io::Result<RawClient> {
        RawClient::connect_on(addr, Network::Regtest)
    }

    /// Connects to a node of `network`.
    pub fn connect_on(addr: SocketAddr, network: Network) -> io::Result<RawClient> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        let magic = network.params().magic;
        Ok(RawClient {
            stream,
            decoder: FrameDecoder::new(magic),
            magic,
            timeout: DEFAULT_RECV_TIMEOUT,
        })
    }

    /// Changes how long `recv` waits.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Sends a message.
    pub fn send(&mut self, message: &Message) -> io::Result<()> {
        self.stream.write_all(&message.to_frame(self.magic))
    }

    /// Writes raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// The next frame, undecoded.
    pub fn recv_frame(&mut self) -> Result<Frame, ClientError> {
        let deadline = Instant::now() + self.timeout;
        let mut buf = [0u8; 64 * 1024];
        loop {
            if let Some(frame) = self.decoder.next_frame()? {
                return Ok(frame);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(ClientError::Timeout);
            }
            self.stream.set_read_timeout(Some((deadline - now).max(Duration::from_millis(1))))?;
            match self.stream.read(&mut buf) {
                Ok(0) => return Err(ClientError::Closed),
                Ok(n) => self.decoder.feed(&buf[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                    ) =>
                {
                    return Err(ClientError::Closed)
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The next message.
    pub fn recv(&mut self) -> Result<Message, ClientError> {
        let frame = self.recv_frame()?;
        Ok(Message::from_frame(&frame)?)
    }

    /// Reads until a `command` message arrives; returns it and the messages before it.
    pub fn recv_until(&mut self, command: &str) -> Result<(Message, Vec<Message>), ClientError> {
        let mut skipped = Vec::new();
        loop {
            let m = self.recv()?;
            if m.command_name() == command {
                return Ok((m, skipped));
            }
            skipped.push(m);
        }
    }

    /// Reads until nothing arrives for `quiet`; returns what came (stops at an error).
    pub fn drain(&mut self, quiet: Duration) -> Vec<Message> {
        let saved = self.timeout;
        self.timeout = quiet;
        let mut out = Vec::new();
        while let Ok(m) = self.recv() {
            out.push(m);
        }
        self.timeout = saved;
        out
    }

    /// The SPV handshake: `version` (with `services`), then `sendaddrv2` and `verack` once
    /// the node's `version` is in. Returns every message the node sent up to its `verack`
    /// (its `version` first).
    pub fn handshake(&mut self, services: u64) -> Result<Vec<Message>, ClientError> {
        self.handshake_with(spv_version(services, 0))
    }

    /// The handshake with a given `version` message (see [`RawClient::handshake`]).
    pub fn handshake_with(&mut self, version: Version) -> Result<Vec<Message>, ClientError> {
        self.send(&Message::Version(version))?;
        let (version, _) = self.recv_until("version")?;
        self.send(&Message::SendAddrV2)?;
        self.send(&Message::Verack)?;
        let (verack, between) = self.recv_until("verack")?;
        let mut out = vec![version];
        out.extend(between);
        out.push(verack);
        Ok(out)
    }

    /// Waits until the node closes the connection (true) or `within` passes (false),
    /// discarding whatever arrives meanwhile.
    pub fn wait_closed(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        let saved = self.timeout;
        let closed = loop {
            let now = Instant::now();
            if now >= deadline {
                break false;
            }
            self.timeout = deadline - now;
            match self.recv_frame() {
                Err(ClientError::Closed) | Err(ClientError::Io(_)) => break true,
                Err(ClientError::Frame(e)) if e.is_fatal() => {
                    // The stream cannot be framed any more: read raw bytes until EOF.
                    let mut buf = [0u8; 4096];
                    let wait = (deadline - now).min(Duration::from_millis(50));
                    let _ = self.stream.set_read_timeout(Some(wait));
                    match self.stream.read(&mut buf) {
                        Ok(0) => break true,
                        Err(e)
                            if !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                        {
                            break true
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        };
        self.timeout = saved;
        closed
    }
}
