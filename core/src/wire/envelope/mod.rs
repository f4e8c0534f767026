//! The v1 message envelope (`CMessageHeader`, `V1Transport`): magic, 12-byte command, payload
//! length and checksum, and a streaming decoder that cuts a byte stream into frames.
//!
//! Dash Core's rules (PROTOCOL.md §1.1): a wrong magic or a length above 3 MiB is a transport
//! error (disconnect); a bad checksum or an invalid command string drops that one message and
//! keeps the connection.

use crate::hash::sha256d;
use crate::wire::v2::V2Error;
use std::fmt;

/// The largest payload Dash Core accepts (`MAX_PROTOCOL_MESSAGE_LENGTH`, 3 MiB).
pub const MAX_PAYLOAD_LEN: usize = 3 * 1024 * 1024;
/// The size of the envelope in front of every payload.
pub const HEADER_LEN: usize = 24;

/// A message command: up to 12 printable ASCII characters, NUL padded on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Command {
    bytes: [u8; 12],
    len: u8,
}

/// A command string that is not 1..=12 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid command {0:?}: 1 to 12 printable ASCII characters")]
pub struct InvalidCommand(pub String);

impl Command {
    /// A command from its name.
    pub fn new(name: &str) -> Result<Command, InvalidCommand> {
        let b = name.as_bytes();
        if b.is_empty() || b.len() > 12 || !b.iter().all(|c| (0x20..=0x7e).contains(c)) {
            return Err(InvalidCommand(name.to_owned()));
        }
        let mut bytes = [0u8; 12];
        bytes[..b.len()].copy_from_slice(b);
        Ok(Command { bytes, len: b.len() as u8 })
    }

    /// Parses the 12 wire bytes with Dash Core's rule (`CMessageHeader::IsCommandValid`):
    /// printable characters up to the first NUL, then only NULs.
    pub fn from_wire(bytes: [u8; 12]) -> Option<Command> {
        let len = bytes.iter().position(|&c| c == 0).unwrap_or(12);
        let valid = bytes[..len].iter().all(|c| (0x20..=0x7e).contains(c))
            && bytes[len..].iter().all(|&c| c == 0);
        // An all-NUL command passes Dash Core's check; it names no message we could handle,
        // and an empty name cannot be sent back, so treat it as invalid.
        (valid && len > 0).then_some(Command { bytes, len: len as u8 })
    }

    /// The command name.
    pub fn as_str(&self) -> &str {
        // Only printable ASCII is ever stored.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }

    /// The 12 NUL-padded wire bytes.
    pub fn to_wire(&self) -> [u8; 12] {
        self.bytes
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Command({:?})", self.as_str())
    }
}

/// The first four bytes of SHA256d of the payload.
pub fn checksum(payload: &[u8]) -> [u8; 4] {
    let h = sha256d(payload);
    [h[0], h[1], h[2], h[3]]
}

/// Frames `payload` for the network with `magic`.
pub fn encode_frame(magic: [u8; 4], command: Command, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&magic);
    out.extend_from_slice(&command.to_wire());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(payload));
    out.extend_from_slice(payload);
    out
}

/// One complete message cut from the stream, checksum verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The command.
    pub command: Command,
    /// The payload bytes.
    pub payload: Vec<u8>,
}

/// What went wrong with a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The magic is not this network's. Fatal: Dash Core disconnects.
    #[error("magic: {got:02x?} is not this network's {expected:02x?}")]
    BadMagic {
        /// The network's magic.
        expected: [u8; 4],
        /// The bytes received.
        got: [u8; 4],
    },
    /// The length field exceeds [`MAX_PAYLOAD_LEN`]. Fatal: Dash Core disconnects.
    #[error("length: {length} exceeds the limit of {MAX_PAYLOAD_LEN}")]
    Oversized {
        /// The length claimed.
        length: u32,
    },
    /// The payload does not match its checksum; the message was dropped.
    #[error("checksum: {command} payload hashes to {computed:02x?}, header says {header:02x?}")]
    BadChecksum {
        /// The frame's command, if valid.
        command: String,
        /// The checksum in the header.
        header: [u8; 4],
        /// The checksum of the payload received.
        computed: [u8; 4],
    },
    /// The command bytes are not valid; the message was dropped.
    #[error("command: invalid bytes {0:02x?}")]
    BadCommand([u8; 12]),
    /// The v2 transport failed ([`V2Error::is_fatal`] tells whether the connection ends).
    #[error(transparent)]
    V2(#[from] V2Error),
}

impl FrameError {
    /// Whether the connection must be closed (true) or only this message dropped (false).
    pub fn is_fatal(&self) -> bool {
        match self {
            FrameError::BadMagic { .. } | FrameError::Oversized { .. } => true,
            FrameError::V2(e) => e.is_fatal(),
            FrameError::BadChecksum { .. } | FrameError::BadCommand(_) => false,
        }
    }
}

/// Cuts a byte stream into frames. Feed it bytes in chunks of any size (a byte at a time
/// works) and pull frames out. It holds at most one frame's bytes plus what was fed beyond it,
/// and never allocates for a length it has not received: memory follows the bytes received,
/// not the lengths claimed.
#[derive(Debug)]
pub struct FrameDecoder {
    magic: [u8; 4],
    buf: Vec<u8>,
    start: usize,
    fatal: Option<FrameError>,
}

impl FrameDecoder {
    /// A decoder for the network with `magic`.
    pub fn new(magic: [u8; 4]) -> Self {
        FrameDecoder { magic, buf: Vec::new(), start: 0, fatal: None }
    }

    /// Appends received bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.fatal.is_some() {
            return;
        }
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes received but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The next complete frame, `Ok(None)` if more bytes are needed. A non-fatal error means
    /// that one frame was dropped and decoding can go on; after a fatal error the stream is
    /// unusable and every later call returns the same kind of error.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        if let Some(err) = &self.fatal {
            return Err(err.clone());
        }
        let avail = &self.buf[self.start..];
        let n = avail.len().min(4);
        if avail[..n] != self.magic[..n] {
            let mut got = [0u8; 4];
            got[..n].copy_from_slice(&avail[..n]);
            return Err(self.fail(FrameError::BadMagic { expected: self.magic, got }));
        }
        if avail.len() < HEADER_LEN {
            return Ok(None);
        }
        let length = u32::from_le_bytes([avail[16], avail[17], avail[18], avail[19]]);
        if length as usize > MAX_PAYLOAD_LEN {
            return Err(self.fail(FrameError::Oversized { length }));
        }
        let total = HEADER_LEN + length as usize;
        if avail.len() < total {
            return Ok(None);
        }
        let mut command_bytes = [0u8; 12];
        command_bytes.copy_from_slice(&avail[4..16]);
        let header_sum = [avail[20], avail[21], avail[22], avail[23]];
        let payload = &avail[HEADER_LEN..total];
        let computed = checksum(payload);
        let command = Command::from_wire(command_bytes);
        let result = match command {
            None => Err(FrameError::BadCommand(command_bytes)),
            Some(command) if computed != header_sum => Err(FrameError::BadChecksum {
                command: command.as_str().to_owned(),
                header: header_sum,
                computed,
            }),
            Some(command) => Ok(Some(Frame { command, payload: payload.to_vec() })),
        };
        self.start += total;
        result
    }

    fn fail(&mut self, err: FrameError) -> FrameError {
        self.buf = Vec::new();
        self.start = 0;
        self.fatal = Some(err.clone());
        err
    }
}

#[cfg(test)]
mod tests;
