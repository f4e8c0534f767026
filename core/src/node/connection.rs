//! One TCP connection: a reader task that cuts the stream into frames and decodes them, a
//! writer task that drains a bounded queue of frames.

use super::{Input, WRITE_QUEUE_FRAMES};
use crate::p2p::PeerId;
use crate::wire::{FrameDecoder, Message};
use async_std::channel::{bounded, Sender, TrySendError};
use async_std::net::TcpStream;
use async_std::task::{self, JoinHandle};
use futures::{AsyncReadExt, AsyncWriteExt};

/// Bytes read from the socket at a time.
const READ_CHUNK: usize = 64 * 1024;

pub(super) struct Connection {
    stream: TcpStream,
    writer: Sender<Vec<u8>>,
    reader_task: JoinHandle<()>,
    writer_task: JoinHandle<()>,
}

impl Connection {
    /// Starts the reader and writer tasks of `stream`.
    pub(super) fn open(
        peer: PeerId,
        stream: TcpStream,
        magic: [u8; 4],
        inputs: Sender<Input>,
    ) -> Self {
        let (writer, queue) = bounded::<Vec<u8>>(WRITE_QUEUE_FRAMES);
        let mut out = stream.clone();
        let writer_task = task::spawn(async move {
            while let Ok(frame) = queue.recv().await {
                if out.write_all(&frame).await.is_err() {
                    break;
                }
            }
        });
        let reader_task = task::spawn(read_loop(peer, stream.clone(), magic, inputs));
        Connection { stream, writer, reader_task, writer_task }
    }

    /// Queues a frame; a full queue is reported, never waited on.
    pub(super) fn send(&self, frame: Vec<u8>) -> Result<(), TrySendError<Vec<u8>>> {
        self.writer.try_send(frame)
    }

    /// Closes the socket and stops both tasks.
    pub(super) async fn close(self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        self.writer.close();
        self.reader_task.cancel().await;
        self.writer_task.cancel().await;
    }
}

async fn read_loop(peer: PeerId, mut stream: TcpStream, magic: [u8; 4], inputs: Sender<Input>) {
    let mut decoder = FrameDecoder::new(magic);
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
        loop {
            let input = match decoder.next_frame() {
                Ok(None) => break,
                Ok(Some(frame)) => match Message::from_frame(&frame) {
                    Ok(message) => Input::Message { peer, message },
                    Err(error) => Input::DecodeError { peer, error },
                },
                Err(error) => {
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
    let _ = inputs.send(Input::Closed { peer }).await;
}
