//! The v2 byte stream (BIP324 "Overall handshake" and "Packet encryption"): each end sends its
//! ElligatorSwift key and up to 4095 bytes of garbage, then its garbage terminator and a
//! version packet authenticated with that garbage, then packets. A packet is a 3-byte length
//! (under FSChaCha20), then a header byte and the contents (under FSChaCha20Poly1305), then
//! the tag. Packets with the header's ignore bit are decoys.
//!
//! The sending half ([`V2Sender`]) and the receiving half ([`V2Receiver`]) are separate so that
//! a writer and a reader can own one each; the receiver makes the sender once it has the peer's
//! key.

use super::cipher::{FsChaCha20, FsChaCha20Poly1305, TAG_LEN};
use super::ids;
use super::keys::{shared_secret, Role, SessionKeys, ELLSWIFT_LEN, TERMINATOR_LEN};
use super::V2Error;
use crate::wire::envelope::MAX_PAYLOAD_LEN;
use crate::wire::{Command, Frame};
use rand::{Rng, RngCore};
use secp256k1::ellswift::ElligatorSwift;
use secp256k1::{All, Secp256k1, SecretKey};
use std::sync::OnceLock;

/// The most garbage either end may send after its key.
pub const MAX_GARBAGE_LEN: usize = 4095;
/// The encrypted length in front of every packet.
pub const LENGTH_LEN: usize = 3;
/// The header byte's flag that marks a decoy packet.
pub const IGNORE_BIT: u8 = 0x80;
/// The longest contents accepted: a long-form command and the largest v1 payload (Dash Core
/// `MAX_CONTENTS_LEN`).
pub const MAX_CONTENTS_LEN: usize = 1 + 12 + MAX_PAYLOAD_LEN;
/// What a packet adds to its contents: length, header byte, tag.
pub const PACKET_OVERHEAD: usize = LENGTH_LEN + 1 + TAG_LEN;
/// The first bytes of a v1 `version` frame, which tell a responder that the peer speaks v1.
const V1_PREFIX_LEN: usize = 16;

fn secp() -> &'static Secp256k1<All> {
    static CTX: OnceLock<Secp256k1<All>> = OnceLock::new();
    CTX.get_or_init(Secp256k1::new)
}

/// One end's ephemeral key and garbage, before the peer's key is known.
#[derive(Clone)]
pub struct V2Handshake {
    role: Role,
    magic: [u8; 4],
    secret: SecretKey,
    ellswift: [u8; ELLSWIFT_LEN],
    garbage: Vec<u8>,
}

impl std::fmt::Debug for V2Handshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V2Handshake")
            .field("role", &self.role)
            .field("garbage", &self.garbage.len())
            .finish()
    }
}

impl V2Handshake {
    /// A handshake with a fresh key and a random amount (0..=4095 bytes) of random garbage.
    pub fn random(role: Role, magic: [u8; 4], rng: &mut impl RngCore) -> Self {
        let secret = loop {
            let mut bytes = [0u8; 32];
            rng.fill_bytes(&mut bytes);
            if let Ok(secret) = SecretKey::from_byte_array(bytes) {
                break secret;
            }
        };
        let mut aux = [0u8; 32];
        rng.fill_bytes(&mut aux);
        let mut garbage = vec![0u8; rng.random_range(0..=MAX_GARBAGE_LEN)];
        rng.fill_bytes(&mut garbage);
        let ellswift = ElligatorSwift::from_seckey(secp(), secret, Some(aux)).to_array();
        V2Handshake { role, magic, secret, ellswift, garbage }
    }

    /// A handshake from given parts (deterministic, for tests and vectors); garbage beyond
    /// [`MAX_GARBAGE_LEN`] is cut.
    pub fn from_parts(
        role: Role,
        magic: [u8; 4],
        secret: SecretKey,
        ellswift: [u8; ELLSWIFT_LEN],
        mut garbage: Vec<u8>,
    ) -> Self {
        garbage.truncate(MAX_GARBAGE_LEN);
        V2Handshake { role, magic, secret, ellswift, garbage }
    }

    /// Our side.
    pub fn role(&self) -> Role {
        self.role
    }

    /// What we send first: our encoded key and our garbage.
    pub fn hello(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(ELLSWIFT_LEN + self.garbage.len());
        out.extend_from_slice(&self.ellswift);
        out.extend_from_slice(&self.garbage);
        out
    }

    /// The session with the peer whose key is `theirs`: our sender and the receiver's state.
    pub(super) fn complete(&self, theirs: &[u8; ELLSWIFT_LEN]) -> (V2Sender, Keys) {
        let secret = shared_secret(&self.secret, &self.ellswift, theirs, self.role);
        let keys = SessionKeys::derive(&secret, self.magic);
        let (send_l, send_p, recv_l, recv_p, send_t, recv_t) = match self.role {
            Role::Initiator => (
                keys.initiator_l,
                keys.initiator_p,
                keys.responder_l,
                keys.responder_p,
                keys.initiator_terminator,
                keys.responder_terminator,
            ),
            Role::Responder => (
                keys.responder_l,
                keys.responder_p,
                keys.initiator_l,
                keys.initiator_p,
                keys.responder_terminator,
                keys.initiator_terminator,
            ),
        };
        let sender = V2Sender {
            length: FsChaCha20::new(send_l),
            packet: FsChaCha20Poly1305::new(send_p),
            terminator: send_t,
            garbage: self.garbage.clone(),
            session_id: keys.session_id,
        };
        let keys = Keys {
            length: FsChaCha20::new(recv_l),
            packet: FsChaCha20Poly1305::new(recv_p),
            terminator: recv_t,
            session_id: keys.session_id,
        };
        (sender, keys)
    }
}

/// The sending half of an established session.
pub struct V2Sender {
    length: FsChaCha20,
    packet: FsChaCha20Poly1305,
    terminator: [u8; TERMINATOR_LEN],
    garbage: Vec<u8>,
    session_id: [u8; 32],
}

impl std::fmt::Debug for V2Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V2Sender").field("session_id", &hex::encode(self.session_id)).finish()
    }
}

impl V2Sender {
    /// The session id (both ends have the same).
    pub fn session_id(&self) -> [u8; 32] {
        self.session_id
    }

    /// What follows the hello once the peer's key is known: our garbage terminator and the
    /// version packet (no extensions), authenticated together with our garbage.
    pub fn start(&mut self) -> Vec<u8> {
        self.start_with_decoys(&[])
    }

    /// [`V2Sender::start`] with decoy packets of the given sizes before the version packet;
    /// the first packet sent carries the garbage as associated data.
    pub fn start_with_decoys(&mut self, decoys: &[usize]) -> Vec<u8> {
        let mut aad = std::mem::take(&mut self.garbage);
        let mut out = self.terminator.to_vec();
        for &len in decoys {
            self.packet_into(&mut out, &aad, true, &[], &vec![0; len]);
            aad.clear();
        }
        self.packet_into(&mut out, &aad, false, &[], &[]);
        out
    }

    /// A message packet: its short id, or 0 and the 12-byte command, then the payload.
    /// Payloads are bounded by the caller (the message encoder never builds one above
    /// [`MAX_PAYLOAD_LEN`]).
    pub fn encode(&mut self, command: Command, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(PACKET_OVERHEAD + 13 + payload.len());
        match ids::send_id_of(command.as_str()) {
            Some(id) => self.packet_into(&mut out, &[], false, &[id], payload),
            None => {
                let mut head = [0u8; 13];
                head[1..].copy_from_slice(&command.to_wire());
                self.packet_into(&mut out, &[], false, &head, payload)
            }
        }
        out
    }

    /// A decoy packet of `len` zero bytes, which the peer discards.
    pub fn decoy(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::new();
        self.packet_into(&mut out, &[], true, &[], &vec![0; len]);
        out
    }

    /// Appends one packet whose contents are `head || body`.
    pub fn packet_into(
        &mut self,
        out: &mut Vec<u8>,
        aad: &[u8],
        ignore: bool,
        head: &[u8],
        body: &[u8],
    ) {
        let len = head.len() + body.len();
        let mut length = (len as u32).to_le_bytes();
        self.length.crypt(&mut length[..LENGTH_LEN]);
        out.reserve(PACKET_OVERHEAD + len);
        out.extend_from_slice(&length[..LENGTH_LEN]);
        let start = out.len();
        out.push(if ignore { IGNORE_BIT } else { 0 });
        out.extend_from_slice(head);
        out.extend_from_slice(body);
        let tag = self.packet.encrypt(aad, &mut out[start..]);
        out.extend_from_slice(&tag);
    }
}

/// The receiving ciphers.
pub(super) struct Keys {
    length: FsChaCha20,
    packet: FsChaCha20Poly1305,
    terminator: [u8; TERMINATOR_LEN],
    session_id: [u8; 32],
}

enum State {
    /// Waiting for the peer's key (a responder also watches for a v1 `version`).
    Key {
        handshake: Box<V2Handshake>,
        told_not_v1: bool,
    },
    /// Looking for the peer's garbage terminator; `scanned` bytes of garbage hold none.
    Garbage {
        keys: Box<Keys>,
        scanned: usize,
    },
    /// Packets; the first is authenticated with the garbage, the first real one is the
    /// version packet.
    Packets {
        keys: Box<Keys>,
        aad: Vec<u8>,
        length: Option<usize>,
        got_version: bool,
    },
    Failed(V2Error),
}

/// What the receiver found.
#[derive(Debug)]
pub enum Received {
    /// (Responder.) The peer sent the start of a v1 `version` frame: it speaks v1. These are
    /// all the bytes received; continue with a v1 decoder fed with them.
    V1(Vec<u8>),
    /// (Responder.) The peer's first bytes are not v1: send our hello now.
    NotV1,
    /// The peer's key arrived: send [`V2Sender::start`], then messages with this sender.
    Keys(Box<V2Sender>),
    /// The peer's version packet arrived: the transport is established.
    Established,
    /// A message.
    Frame(Frame),
}

/// The receiving half: feed it bytes in chunks of any size and poll what they hold. Memory
/// follows the bytes received, never a length claimed; the contents of one packet are checked
/// against [`MAX_CONTENTS_LEN`] before any of them are buffered.
pub struct V2Receiver {
    state: State,
    magic: [u8; 4],
    buf: Vec<u8>,
    start: usize,
    received: u64,
}

impl std::fmt::Debug for V2Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V2Receiver").field("received", &self.received).finish()
    }
}

impl V2Receiver {
    /// The receiver of the session `handshake` starts.
    pub fn new(handshake: V2Handshake) -> Self {
        let magic = handshake.magic;
        let state = State::Key { handshake: Box::new(handshake), told_not_v1: false };
        V2Receiver { state, magic, buf: Vec::new(), start: 0, received: 0 }
    }

    /// A receiver past the handshake, decrypting what the `role` end sends under `keys`.
    #[cfg(test)]
    pub(crate) fn for_peer_of(role: Role, keys: &SessionKeys, aad: Vec<u8>) -> Self {
        let (l, p) = match role {
            Role::Initiator => (keys.initiator_l, keys.initiator_p),
            Role::Responder => (keys.responder_l, keys.responder_p),
        };
        let keys = Box::new(Keys {
            length: FsChaCha20::new(l),
            packet: FsChaCha20Poly1305::new(p),
            terminator: [0; TERMINATOR_LEN],
            session_id: keys.session_id,
        });
        let state = State::Packets { keys, aad, length: None, got_version: true };
        V2Receiver { state, magic: [0; 4], buf: Vec::new(), start: 0, received: 0 }
    }

    /// Appends received bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        if matches!(self.state, State::Failed(_)) {
            return;
        }
        self.received += bytes.len() as u64;
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes received in all.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Bytes received but not yet consumed.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The session id, once the peer's key is known.
    pub fn session_id(&self) -> Option<[u8; 32]> {
        match &self.state {
            State::Garbage { keys, .. } | State::Packets { keys, .. } => Some(keys.session_id),
            _ => None,
        }
    }

    /// Whether the peer's version packet has arrived.
    pub fn is_established(&self) -> bool {
        matches!(self.state, State::Packets { got_version: true, .. })
    }

    /// BIP324's rule for an initiator whose connection closed: if nothing at all was
    /// received, the peer may speak only v1 and closed on our key; reconnect with v1.
    pub fn should_reconnect_v1(&self) -> bool {
        self.received == 0
            && matches!(&self.state, State::Key { handshake, .. } if handshake.role == Role::Initiator)
    }

    /// The next thing the bytes hold, `Ok(None)` if more are needed. A non-fatal error drops
    /// one message ([`V2Error::is_fatal`]); after a fatal one every call returns it again.
    pub fn poll(&mut self) -> Result<Option<Received>, V2Error> {
        let result = self.step();
        if let Err(e) = &result {
            if e.is_fatal() {
                self.buf = Vec::new();
                self.start = 0;
                self.state = State::Failed(e.clone());
            }
        }
        result
    }

    fn step(&mut self) -> Result<Option<Received>, V2Error> {
        let avail = &self.buf[self.start..];
        match &mut self.state {
            State::Failed(e) => Err(e.clone()),
            State::Key { handshake, told_not_v1 } => {
                if handshake.role == Role::Responder && !*told_not_v1 {
                    let mut prefix = [0u8; V1_PREFIX_LEN];
                    prefix[..4].copy_from_slice(&self.magic);
                    prefix[4..11].copy_from_slice(b"version");
                    let n = avail.len().min(V1_PREFIX_LEN);
                    if avail[..n] != prefix[..n] {
                        *told_not_v1 = true;
                        return Ok(Some(Received::NotV1));
                    }
                    if n == V1_PREFIX_LEN {
                        let bytes = avail.to_vec();
                        self.state = State::Failed(V2Error::V1Peer);
                        self.buf = Vec::new();
                        self.start = 0;
                        return Ok(Some(Received::V1(bytes)));
                    }
                    return Ok(None);
                }
                if avail.len() < ELLSWIFT_LEN {
                    return Ok(None);
                }
                let mut theirs = [0u8; ELLSWIFT_LEN];
                theirs.copy_from_slice(&avail[..ELLSWIFT_LEN]);
                let (sender, keys) = handshake.complete(&theirs);
                self.start += ELLSWIFT_LEN;
                self.state = State::Garbage { keys: Box::new(keys), scanned: 0 };
                Ok(Some(Received::Keys(Box::new(sender))))
            }
            State::Garbage { keys, scanned } => {
                let from = scanned.saturating_sub(TERMINATOR_LEN - 1);
                let window = &avail[..avail.len().min(MAX_GARBAGE_LEN + TERMINATOR_LEN)];
                let found = window[from.min(window.len())..]
                    .windows(TERMINATOR_LEN)
                    .position(|w| w == keys.terminator)
                    .map(|i| from + i);
                match found {
                    Some(at) => {
                        let aad = avail[..at].to_vec();
                        self.start += at + TERMINATOR_LEN;
                        let old =
                            std::mem::replace(&mut self.state, State::Failed(V2Error::V1Peer));
                        if let State::Garbage { keys, .. } = old {
                            self.state =
                                State::Packets { keys, aad, length: None, got_version: false };
                        }
                        self.step()
                    }
                    None if window.len() >= MAX_GARBAGE_LEN + TERMINATOR_LEN => {
                        Err(V2Error::NoTerminator)
                    }
                    None => {
                        *scanned = window.len();
                        Ok(None)
                    }
                }
            }
            State::Packets { keys, aad, length, got_version } => loop {
                let avail = &self.buf[self.start..];
                let len = match *length {
                    Some(len) => len,
                    None => {
                        if avail.len() < LENGTH_LEN {
                            return Ok(None);
                        }
                        let mut l = [0u8; 4];
                        l[..LENGTH_LEN].copy_from_slice(&avail[..LENGTH_LEN]);
                        keys.length.crypt(&mut l[..LENGTH_LEN]);
                        let len = u32::from_le_bytes(l) as usize;
                        if len > MAX_CONTENTS_LEN {
                            return Err(V2Error::Oversized { length: len as u32 });
                        }
                        *length = Some(len);
                        len
                    }
                };
                let total = LENGTH_LEN + 1 + len + TAG_LEN;
                if avail.len() < total {
                    return Ok(None);
                }
                let mut tag = [0u8; TAG_LEN];
                tag.copy_from_slice(&avail[total - TAG_LEN..total]);
                let start = self.start + LENGTH_LEN;
                let end = self.start + total - TAG_LEN;
                let aad = std::mem::take(aad);
                keys.packet
                    .decrypt(&aad, &mut self.buf[start..end], &tag)
                    .map_err(|_| V2Error::BadMac)?;
                self.start += total;
                *length = None;
                let header = self.buf[start];
                if header & IGNORE_BIT != 0 {
                    continue;
                }
                if !*got_version {
                    *got_version = true;
                    return Ok(Some(Received::Established));
                }
                return decode_contents(&self.buf[start + 1..end])
                    .map(|f| Some(Received::Frame(f)));
            },
        }
    }
}

/// A message from a packet's contents: a short id, or 0 and a 12-byte command, then the
/// payload (Dash Core `V2Transport::GetMessageType`).
fn decode_contents(contents: &[u8]) -> Result<Frame, V2Error> {
    let (&first, rest) = contents.split_first().ok_or(V2Error::Empty)?;
    if first != 0 {
        let name = ids::command_of(first).ok_or(V2Error::UnknownShortId(first))?;
        let command = Command::new(name).map_err(|_| V2Error::UnknownShortId(first))?;
        return Ok(Frame { command, payload: rest.to_vec() });
    }
    if rest.len() < 12 {
        return Err(V2Error::Empty);
    }
    let mut wire = [0u8; 12];
    wire.copy_from_slice(&rest[..12]);
    let command = Command::from_wire(wire).ok_or(V2Error::BadCommand(wire))?;
    Ok(Frame { command, payload: rest[12..].to_vec() })
}
