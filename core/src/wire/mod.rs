//! Every Dash P2P message as plain data: one struct per payload with its consensus encoding,
//! grouped by family, and the envelope that frames them.

mod header;

pub use header::BlockHeader;
pub mod envelope;

pub use envelope::{Command, Frame, FrameDecoder, FrameError};
