//! The node's side of the transport, as Dash Core v23 runs it: with v2 on (the default,
//! `-v2transport=1`) an inbound connection is a BIP324 responder that switches to v1 when
//! the first bytes are a v1 `version`; with v2 off it is v1 only and a v2 key is a wrong
//! magic.

use dashlite::wire::v2::{Received, Role, V2Handshake, V2Receiver, V2Sender};
use dashlite::wire::{Frame, FrameDecoder, FrameError};
use rand::SeedableRng;

/// What a node's inbound connections speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeTransport {
    /// v1 only (Dash Core `-v2transport=0`).
    V1Only,
    /// BIP324 v2, and v1 for clients that open with a v1 `version` (Dash Core's default).
    V2,
}

/// One connection's decoder and, on v2, its sender.
pub(super) enum Codec {
    V1(FrameDecoder),
    V2 { rx: Box<V2Receiver>, tx: Option<Box<V2Sender>>, hello: Vec<u8> },
}

/// What the bytes so far hold.
pub(super) enum Got {
    Frame(Frame),
    /// Bytes to write now (the hello, or the garbage terminator and version packet).
    Write(Vec<u8>),
    Error(FrameError),
}

impl Codec {
    pub(super) fn new(transport: NodeTransport, magic: [u8; 4]) -> Codec {
        match transport {
            NodeTransport::V1Only => Codec::V1(FrameDecoder::new(magic)),
            NodeTransport::V2 => {
                let mut rng = rand::rngs::StdRng::from_os_rng();
                let handshake = V2Handshake::random(Role::Responder, magic, &mut rng);
                let hello = handshake.hello();
                Codec::V2 { rx: Box::new(V2Receiver::new(handshake)), tx: None, hello }
            }
        }
    }

    /// Whether messages go out encrypted (the session keys are known).
    pub(super) fn sender(&mut self) -> Option<&mut V2Sender> {
        match self {
            Codec::V2 { tx: Some(tx), .. } => Some(tx),
            _ => None,
        }
    }

    /// Whether this is a v2 connection (established or not yet).
    pub(super) fn is_v2(&self) -> bool {
        matches!(self, Codec::V2 { .. })
    }

    pub(super) fn feed(&mut self, bytes: &[u8]) {
        match self {
            Codec::V1(d) => d.feed(bytes),
            Codec::V2 { rx, .. } => rx.feed(bytes),
        }
    }

    pub(super) fn next(&mut self, magic: [u8; 4]) -> Option<Got> {
        loop {
            let Codec::V2 { rx, tx, hello } = self else {
                let Codec::V1(d) = self else { return None };
                return match d.next_frame() {
                    Ok(None) => None,
                    Ok(Some(f)) => Some(Got::Frame(f)),
                    Err(e) => Some(Got::Error(e)),
                };
            };
            match rx.poll() {
                Ok(None) => return None,
                Ok(Some(Received::Frame(f))) => return Some(Got::Frame(f)),
                Ok(Some(Received::NotV1)) => return Some(Got::Write(std::mem::take(hello))),
                Ok(Some(Received::Keys(mut sender))) => {
                    let start = sender.start();
                    *tx = Some(sender);
                    return Some(Got::Write(start));
                }
                Ok(Some(Received::Established)) => {}
                Ok(Some(Received::V1(bytes))) => {
                    let mut d = FrameDecoder::new(magic);
                    d.feed(&bytes);
                    *self = Codec::V1(d);
                }
                Err(e) => return Some(Got::Error(FrameError::V2(e))),
            }
        }
    }
}
