//! One TCP connection: a reader task that decodes the stream into messages, a writer task
//! that drains a bounded queue of messages and frames them. On a v2 connection the writer
//! sends our key and garbage at once, holds messages until the reader has the peer's key and
//! hands it the sending half of the session, then encrypts every message in order.

use super::{Input, WRITE_QUEUE_FRAMES};
use crate::p2p::{PeerId, Transport};
use crate::wire::v2::{Received, Role, V2Handshake, V2Receiver, V2Sender};
use crate::wire::{Frame, FrameDecoder, FrameError, Message};
use async_std::channel::{bounded, Sender, TrySendError};
use async_std::net::TcpStream;
use async_std::task::{self, JoinHandle};
use futures::{AsyncReadExt, AsyncWriteExt};
use rand::SeedableRng;

/// Bytes read from the socket at a time.
const READ_CHUNK: usize = 64 * 1024;

/// What the writer is given.
pub(super) enum Outgoing {
    /// A message to frame and send.
    Message(Message),
    /// The sending half of the v2 session, once the peer's key is known.
    Keys(Box<V2Sender>),
}

pub(super) struct Connection {
    stream: TcpStream,
    writer: Sender<Outgoing>,
    reader_task: JoinHandle<()>,
    writer_task: JoinHandle<()>,
}

impl Connection {
    /// Starts the reader and writer tasks of `stream`, which speaks `transport`.
    pub(super) fn open(
        peer: PeerId,
        stream: TcpStream,
        magic: [u8; 4],
        transport: Transport,
        inputs: Sender<Input>,
    ) -> Self {
        let (writer, queue) = bounded::<Outgoing>(WRITE_QUEUE_FRAMES);
        let handshake = (transport == Transport::V2).then(|| {
            let mut rng = rand::rngs::StdRng::from_os_rng();
            V2Handshake::random(Role::Initiator, magic, &mut rng)
        });
        let hello = handshake.as_ref().map(V2Handshake::hello);
        let mut out = stream.clone();
        let writer_task = task::spawn(async move {
            let mut sender: Option<Box<V2Sender>> = None;
            let mut held = Vec::new();
            if let Some(hello) = hello {
                if out.write_all(&hello).await.is_err() {
                    return;
                }
            }
            let v2 = transport == Transport::V2;
            while let Ok(item) = queue.recv().await {
                let bytes = match (item, sender.as_mut()) {
                    (Outgoing::Keys(mut s), _) => {
                        let mut bytes = s.start();
                        for m in held.drain(..) {
                            bytes.extend(encode_v2(&mut s, &m));
                        }
                        sender = Some(s);
                        bytes
                    }
                    (Outgoing::Message(m), Some(s)) => encode_v2(s, &m),
                    (Outgoing::Message(m), None) if v2 => {
                        held.push(m);
                        continue;
                    }
                    (Outgoing::Message(m), None) => m.to_frame(magic),
                };
                if out.write_all(&bytes).await.is_err() {
                    break;
                }
            }
        });
        let reader = match handshake {
            Some(h) => Decoder::V2(Box::new(V2Receiver::new(h))),
            None => Decoder::V1(FrameDecoder::new(magic)),
        };
        let reader_task =
            task::spawn(read_loop(peer, stream.clone(), reader, writer.clone(), inputs));
        Connection { stream, writer, reader_task, writer_task }
    }

    /// Queues a message; false when the queue is full (never waits).
    pub(super) fn send(&self, message: Message) -> bool {
        !matches!(self.writer.try_send(Outgoing::Message(message)), Err(TrySendError::Full(_)))
    }

    /// Closes the socket and stops both tasks.
    pub(super) async fn close(self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        self.writer.close();
        self.reader_task.cancel().await;
        self.writer_task.cancel().await;
    }
}

fn encode_v2(sender: &mut V2Sender, message: &Message) -> Vec<u8> {
    sender.encode(message.command(), &message.payload_bytes())
}

enum Decoder {
    V1(FrameDecoder),
    V2(Box<V2Receiver>),
}

/// What the decoder found in the bytes so far.
enum Found {
    Frame(Frame),
    Keys(Box<V2Sender>),
    Error(FrameError),
}

impl Decoder {
    fn feed(&mut self, bytes: &[u8]) {
        match self {
            Decoder::V1(d) => d.feed(bytes),
            Decoder::V2(d) => d.feed(bytes),
        }
    }

    fn next(&mut self) -> Option<Found> {
        match self {
            Decoder::V1(d) => match d.next_frame() {
                Ok(None) => None,
                Ok(Some(frame)) => Some(Found::Frame(frame)),
                Err(e) => Some(Found::Error(e)),
            },
            Decoder::V2(d) => loop {
                match d.poll() {
                    Ok(None) => return None,
                    Ok(Some(Received::Frame(frame))) => return Some(Found::Frame(frame)),
                    Ok(Some(Received::Keys(sender))) => return Some(Found::Keys(sender)),
                    // Established; NotV1 and V1 are a responder's.
                    Ok(Some(_)) => continue,
                    Err(e) => return Some(Found::Error(FrameError::V2(e))),
                }
            },
        }
    }

    /// BIP324: an initiator whose peer closed without sending a byte retries with v1.
    fn refused_v2(&self) -> bool {
        matches!(self, Decoder::V2(d) if d.should_reconnect_v1())
    }
}

async fn read_loop(
    peer: PeerId,
    mut stream: TcpStream,
    mut decoder: Decoder,
    writer: Sender<Outgoing>,
    inputs: Sender<Input>,
) {
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if inputs.send(Input::Bytes { peer, n }).await.is_err() {
            return;
        }
        decoder.feed(&buf[..n]);
        while let Some(found) = decoder.next() {
            let input = match found {
                Found::Frame(frame) => match Message::from_frame(&frame) {
                    Ok(message) => Input::Message { peer, message },
                    Err(error) => Input::DecodeError { peer, error },
                },
                Found::Keys(sender) => {
                    if writer.send(Outgoing::Keys(sender)).await.is_err() {
                        return;
                    }
                    continue;
                }
                Found::Error(error) => {
                    let fatal = error.is_fatal();
                    let _ = inputs.send(Input::FrameError { peer, error }).await;
                    if fatal {
                        return;
                    }
                    continue;
                }
            };
            if inputs.send(input).await.is_err() {
                return;
            }
        }
    }
    let input =
        if decoder.refused_v2() { Input::V2Refused { peer } } else { Input::Closed { peer } };
    let _ = inputs.send(input).await;
}
