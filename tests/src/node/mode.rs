//! Malicious behaviours a node can be switched into, and the transformations
//! they apply to what the node sends.

use crate::masternodes::MnListMode;
use crate::mining::{mine_header, mine_invalid_header, HeaderSpec};
use dashlite::hash::{sha256d, BlockHash};
use dashlite::wire::envelope::{checksum, MAX_PAYLOAD_LEN};
use dashlite::wire::{BlockHeader, Message};
use std::time::Duration;

/// nBits served by [`Mode::WrongBits`]: a valid target just below regtest's powLimit, which is
/// not what `GetNextWorkRequired` demands (always powLimit on regtest): "bad-diffbits".
pub const WRONG_BITS: u32 = 0x207f_fffe;

/// How a forged `merkleblock` lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgery {
    /// The partial merkle tree is built over a txid list with the first matched (or the
    /// first) txid altered: it extracts, but its root is not the header's merkle root.
    WrongRoot,
    /// One extra, unused hash is appended to the tree's hashes.
    ExtraHash,
    /// The last transaction is duplicated as an extra matched leaf (CVE-2012-2459). With an
    /// odd number (≥ 3) of transactions the root is even unchanged; the extraction must
    /// reject the duplicated right child.
    DuplicatedLeaf,
}

/// A misbehaviour. Every one can be switched on per node, at start
/// ([`super::NodeConfig::with_mode`]) or while it runs ([`super::TestNode::set_mode`]).
/// A `command` of `None` means every message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Headers at `from_height` and above (in replies and announcements) are re-mined to
    /// FAIL the proof-of-work check (each links to the previous served header).
    InvalidPow {
        /// The first height served with bad proof of work.
        from_height: u32,
    },
    /// Headers at `from_height` and above carry nBits [`WRONG_BITS`] (with valid proof of work
    /// for it): "bad-diffbits".
    WrongBits {
        /// The first height served with wrong nBits.
        from_height: u32,
    },
    /// The first header of every `headers`/`headers2` message gets a made-up parent (the rest
    /// link to it; all with valid proof of work): they do not connect to anything.
    HeadersNotConnecting,
    /// Replies to `getheaders2` carry one header more than the limit (8,001, or 2,001 below
    /// protocol 70235) and replies to `getheaders` 2,001 (headers past the tip are made up).
    OversizedHeaders,
    /// Every `merkleblock` is forged this way.
    ForgedMerkleBlock(Forgery),
    /// Sends `merkleblock`s but never the matched transactions after them.
    WithholdMatchedTxs,
    /// Sends, after each `merkleblock`'s matched transactions, one transaction the filter
    /// does not match, and announces every new mempool transaction regardless of the filter.
    UnmatchedTx,
    /// Sends these messages right after the handshake, unasked.
    Unsolicited(Vec<Message>),
    /// Frames of `command` carry a wrong checksum.
    BadChecksum {
        /// Which messages; `None` for all.
        command: Option<String>,
    },
    /// Frames of `command` start with mainnet's magic instead of regtest's.
    WrongMagic {
        /// Which messages; `None` for all.
        command: Option<String>,
    },
    /// Frames of `command` declare a payload length above the 3 MiB limit.
    OversizedLength {
        /// Which messages; `None` for all.
        command: Option<String>,
    },
    /// Every frame is written `chunk` bytes at a time with `pause` between (slowloris).
    Slowloris {
        /// Bytes per write.
        chunk: usize,
        /// Sleep between writes.
        pause: Duration,
    },
    /// Every frame is written whole after a sleep of `pause`: a slow but honest link that
    /// serves one message per `pause`.
    Throttle {
        /// Sleep before each frame.
        pause: Duration,
    },
    /// After the handshake, requests of `command` (all requests, pings included, for `None`)
    /// are read and never answered; the connection stays open.
    Stall {
        /// Which requests; `None` for all.
        command: Option<String>,
    },
    /// Serves a fork of the shared chain that leaves it `depth` blocks below the tip and has
    /// `depth - 1` blocks of its own: less work than the real chain.
    LowerWorkFork {
        /// How far below the tip the fork starts (at least 2 for a real fork).
        depth: u32,
    },
    /// The `version` message claims this start height.
    LyingStartHeight(i32),
    /// Every `getmnlistd` is answered this way (the default is [`MnListMode::Honest`]).
    MasternodeList(MnListMode),
    /// After the handshake and on every `getaddr`, sends `messages` addr (or addrv2) messages
    /// of `per_message` made-up addresses each (above 1,000 is a protocol violation).
    AddrFlood {
        /// Entries per message.
        per_message: usize,
        /// Number of messages.
        messages: usize,
    },
}

fn applies(filter: &Option<String>, command: &str) -> bool {
    match filter {
        None => true,
        Some(c) => c == command,
    }
}

/// The active modes of a node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Modes(pub Vec<Mode>);

impl Modes {
    /// Whether a mode equal to `mode` is on.
    pub fn has(&self, mode: &Mode) -> bool {
        self.0.contains(mode)
    }

    pub(crate) fn pow_tamper(&self) -> Option<(u32, bool)> {
        self.0.iter().find_map(|m| match m {
            Mode::InvalidPow { from_height } => Some((*from_height, true)),
            Mode::WrongBits { from_height } => Some((*from_height, false)),
            _ => None,
        })
    }

    pub(crate) fn forgery(&self) -> Option<Forgery> {
        self.0.iter().find_map(|m| match m {
            Mode::ForgedMerkleBlock(f) => Some(*f),
            _ => None,
        })
    }

    pub(crate) fn stalls(&self, command: &str) -> bool {
        self.0.iter().any(|m| matches!(m, Mode::Stall { command: c } if applies(c, command)))
    }

    pub(crate) fn slowloris(&self) -> Option<(usize, Duration)> {
        self.0.iter().find_map(|m| match m {
            Mode::Slowloris { chunk, pause } => Some(((*chunk).max(1), *pause)),
            _ => None,
        })
    }

    pub(crate) fn throttle(&self) -> Option<Duration> {
        self.0.iter().find_map(|m| match m {
            Mode::Throttle { pause } => Some(*pause),
            _ => None,
        })
    }

    pub(crate) fn fork_depth(&self) -> Option<u32> {
        self.0.iter().find_map(|m| match m {
            Mode::LowerWorkFork { depth } => Some(*depth),
            _ => None,
        })
    }

    pub(crate) fn start_height(&self) -> Option<i32> {
        self.0.iter().find_map(|m| match m {
            Mode::LyingStartHeight(h) => Some(*h),
            _ => None,
        })
    }

    pub(crate) fn mnlist(&self) -> MnListMode {
        self.0
            .iter()
            .find_map(|m| match m {
                Mode::MasternodeList(mode) => Some(*mode),
                _ => None,
            })
            .unwrap_or_default()
    }

    pub(crate) fn addr_flood(&self) -> Option<(usize, usize)> {
        self.0.iter().find_map(|m| match m {
            Mode::AddrFlood { per_message, messages } => Some((*per_message, *messages)),
            _ => None,
        })
    }

    pub(crate) fn unsolicited(&self) -> Vec<Message> {
        self.0
            .iter()
            .flat_map(|m| match m {
                Mode::Unsolicited(list) => list.clone(),
                _ => Vec::new(),
            })
            .collect()
    }

    /// The frame for `message`, corrupted as the frame modes say.
    pub(crate) fn frame(&self, magic: [u8; 4], message: &Message) -> Vec<u8> {
        let mut frame = message.to_frame(magic);
        let command = message.command_name();
        for m in &self.0 {
            match m {
                Mode::BadChecksum { command: c } if applies(c, command) => {
                    let good = checksum(&frame[24..]);
                    frame[20..24].copy_from_slice(&[!good[0], good[1], good[2], good[3]]);
                }
                Mode::WrongMagic { command: c } if applies(c, command) => {
                    let other = if magic == [0xbf, 0x0c, 0x6b, 0xbd] {
                        [0xfc, 0xc1, 0xb7, 0xdc]
                    } else {
                        [0xbf, 0x0c, 0x6b, 0xbd]
                    };
                    frame[..4].copy_from_slice(&other);
                }
                Mode::OversizedLength { command: c } if applies(c, command) => {
                    frame[16..20].copy_from_slice(&(MAX_PAYLOAD_LEN as u32 + 1).to_le_bytes());
                }
                _ => {}
            }
        }
        frame
    }
}

/// [`Mode::HeadersNotConnecting`]: the first header gets a made-up parent, the others are
/// re-linked; all are re-mined with valid proof of work.
pub(crate) fn disconnect_headers(headers: &[BlockHeader]) -> Vec<BlockHeader> {
    let mut out = Vec::with_capacity(headers.len());
    let mut prev: Option<BlockHash> = None;
    for h in headers {
        let parent = prev.unwrap_or_else(|| BlockHash::from_byte_array(sha256d(&h.to_array())));
        let (header, hash) = mine_header(HeaderSpec {
            version: h.version,
            prev_blockhash: parent,
            merkle_root: h.merkle_root,
            time: h.time,
            bits: h.bits,
        });
        out.push(header);
        prev = Some(hash);
    }
    out
}

/// One tampered header for [`Mode::InvalidPow`] (`invalid_pow`) or [`Mode::WrongBits`]: `h`
/// moved onto `parent` and re-mined.
pub(crate) fn tamper_header(
    h: &BlockHeader,
    parent: BlockHash,
    invalid_pow: bool,
) -> (BlockHeader, BlockHash) {
    let spec = HeaderSpec {
        version: h.version,
        prev_blockhash: parent,
        merkle_root: h.merkle_root,
        time: h.time,
        bits: if invalid_pow { h.bits } else { WRONG_BITS },
    };
    if invalid_pow {
        mine_invalid_header(spec)
    } else {
        mine_header(spec)
    }
}
