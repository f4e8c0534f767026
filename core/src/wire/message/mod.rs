//! [`Message`]: every P2P message by command, with one way in (`decode`) and one way out
//! (`encode_payload`, `to_frame`).

use super::*;
use crate::encode::{Decode, DecodeError, Encode};
use crate::tx::Transaction;
use std::fmt;

/// A payload that could not be decoded for its command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{command}: {source}")]
pub struct MessageError {
    /// The command whose payload failed.
    pub command: Command,
    /// What was wrong, and in which field.
    pub source: DecodeError,
}

macro_rules! messages {
    (
        with payload { $( $(#[$doc:meta])* $variant:ident($ty:ty) = $cmd:literal, )* }
        empty { $( $(#[$edoc:meta])* $evariant:ident = $ecmd:literal, )* }
    ) => {
        /// A P2P message: the decoded payload of one command. Commands dashlite does not
        /// know are kept as raw bytes ([`Message::Unknown`]), never an error.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[allow(clippy::large_enum_variant)]
        pub enum Message {
            $( $(#[$doc])* $variant($ty), )*
            $( $(#[$edoc])* $evariant, )*
            /// A command dashlite does not interpret.
            Unknown {
                /// The command.
                command: Command,
                /// The raw payload.
                payload: Vec<u8>,
            },
        }

        /// The command names of every message dashlite interprets.
        pub const KNOWN_COMMANDS: &[&str] = &[$( $cmd, )* $( $ecmd, )*];

        /// Which message dashlite interprets, without its payload: a typed command.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum MessageKind {
            $( $(#[$doc])* $variant, )*
            $( $(#[$edoc])* $evariant, )*
        }

        impl MessageKind {
            /// The kind of `command`, if dashlite interprets it.
            pub fn of(command: &Command) -> Option<MessageKind> {
                match command.as_str() {
                    $( $cmd => Some(MessageKind::$variant), )*
                    $( $ecmd => Some(MessageKind::$evariant), )*
                    _ => None,
                }
            }

            /// The command name.
            pub fn command_name(self) -> &'static str {
                match self {
                    $( MessageKind::$variant => $cmd, )*
                    $( MessageKind::$evariant => $ecmd, )*
                }
            }
        }

        impl std::fmt::Display for MessageKind {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.command_name())
            }
        }

        impl Message {
            /// The kind of message (`None` for [`Message::Unknown`]).
            pub fn kind(&self) -> Option<MessageKind> {
                match self {
                    $( Message::$variant(_) => Some(MessageKind::$variant), )*
                    $( Message::$evariant => Some(MessageKind::$evariant), )*
                    Message::Unknown { .. } => None,
                }
            }

            /// The command name.
            pub fn command_name(&self) -> &str {
                match self {
                    $( Message::$variant(_) => $cmd, )*
                    $( Message::$evariant => $ecmd, )*
                    Message::Unknown { command, .. } => command.as_str(),
                }
            }

            /// Decodes the payload of `command`. The payload must be consumed exactly
            /// (Dash Core would ignore trailing bytes; we report them, and the peer layer
            /// decides what they cost).
            pub fn decode(command: Command, payload: &[u8]) -> Result<Message, MessageError> {
                let fail = |source| MessageError { command, source };
                Ok(match command.as_str() {
                    $( $cmd => Message::$variant(<$ty>::from_bytes(payload).map_err(fail)?), )*
                    $( $ecmd => {
                        if !payload.is_empty() {
                            return Err(fail(DecodeError::new(
                                crate::encode::DecodeErrorKind::TrailingBytes {
                                    count: payload.len(),
                                },
                            )));
                        }
                        Message::$evariant
                    } )*
                    _ => Message::Unknown { command, payload: payload.to_vec() },
                })
            }

            /// Appends the payload's serialization to `out`.
            pub fn encode_payload(&self, out: &mut Vec<u8>) {
                match self {
                    $( Message::$variant(m) => m.encode(out), )*
                    $( Message::$evariant => {} )*
                    Message::Unknown { payload, .. } => out.extend_from_slice(payload),
                }
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for Message {
            /// The payload alone: its fields, `null` for an empty payload, and
            /// `{"payload": hex}` for an unknown command.
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                match self {
                    $( Message::$variant(m) => m.serialize(s), )*
                    $( Message::$evariant => s.serialize_none(), )*
                    Message::Unknown { payload, .. } => {
                        let mut map = s.serialize_map(Some(1))?;
                        map.serialize_entry("payload", &hex::encode(payload))?;
                        map.end()
                    }
                }
            }
        }
    };
}

messages! {
    with payload {
        /// `version`: the first message of a connection.
        Version(Version) = "version",
        /// `ping`: keepalive carrying a nonce.
        Ping(Ping) = "ping",
        /// `pong`: the answer to a `ping`.
        Pong(Pong) = "pong",
        /// `addr`: addresses of peers (v1 encoding).
        Addr(Addr) = "addr",
        /// `addrv2`: addresses of peers (BIP155).
        AddrV2(AddrV2) = "addrv2",
        /// `filterload`: install a bloom filter.
        FilterLoad(FilterLoad) = "filterload",
        /// `filteradd`: add one element to the loaded filter.
        FilterAdd(FilterAdd) = "filteradd",
        /// `sendcmpct`: compact block preferences (BIP152).
        SendCmpct(SendCmpct) = "sendcmpct",
        /// `senddsq`: whether to receive CoinJoin queue messages.
        SendDsq(SendDsq) = "senddsq",
        /// `spork`: a signed network parameter.
        Spork(Spork) = "spork",
        /// `inv`: announces objects by type and hash.
        Inv(Inv) = "inv",
        /// `getdata`: requests objects by type and hash.
        GetData(GetData) = "getdata",
        /// `notfound`: objects of a `getdata` that cannot be served.
        NotFound(NotFound) = "notfound",
        /// `getheaders`: requests headers after a locator.
        GetHeaders(GetHeaders) = "getheaders",
        /// `getheaders2`: requests compressed headers after a locator.
        GetHeaders2(GetHeaders2) = "getheaders2",
        /// `getblocks`: requests block invs after a locator.
        GetBlocks(GetBlocks) = "getblocks",
        /// `headers`: up to 2,000 headers.
        Headers(Headers) = "headers",
        /// `headers2`: up to 8,000 compressed headers (DIP-0025).
        Headers2(Headers2) = "headers2",
        /// `merkleblock`: a header and a partial merkle tree of the filter's matches.
        MerkleBlock(MerkleBlock) = "merkleblock",
        /// `tx`: a transaction.
        Tx(Transaction) = "tx",
        /// `block`: a full block.
        Block(Block) = "block",
        /// `ssc`: masternode sync status count.
        SyncStatusCount(SyncStatusCount) = "ssc",
        /// `mnauth`: a masternode proves its identity.
        MnAuth(MnAuth) = "mnauth",
        /// `govobj`: a governance object.
        GovObject(GovObject) = "govobj",
        /// `govobjvote`: a governance vote.
        GovObjectVote(GovObjectVote) = "govobjvote",
        /// `govsync`: requests governance objects or votes.
        GovSync(GovSync) = "govsync",
        /// `clsig`: a ChainLock signature.
        ClSig(ClSig) = "clsig",
        /// `isdlock`: an InstantSend lock (deterministic).
        IsDLock(IsDLock) = "isdlock",
    }
    empty {
        /// `verack`: acknowledges `version`.
        Verack = "verack",
        /// `sendaddrv2`: the sender wants `addrv2` (sent before `verack`).
        SendAddrV2 = "sendaddrv2",
        /// `getaddr`: requests addresses.
        GetAddr = "getaddr",
        /// `filterclear`: removes the loaded filter.
        FilterClear = "filterclear",
        /// `sendheaders`: announce new blocks with `headers`.
        SendHeaders = "sendheaders",
        /// `sendheaders2`: announce new blocks with `headers2`.
        SendHeaders2 = "sendheaders2",
        /// `getsporks`: requests every spork.
        GetSporks = "getsporks",
        /// `mempool`: requests invs of the mempool's matching transactions.
        Mempool = "mempool",
    }
}

impl Message {
    /// The command.
    pub fn command(&self) -> Command {
        match self {
            Message::Unknown { command, .. } => *command,
            // Every known name is a valid command (checked by a test).
            known => Command::new(known.command_name()).unwrap_or_else(|_| unreachable!()),
        }
    }

    /// The payload's serialization.
    pub fn payload_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_payload(&mut out);
        out
    }

    /// The whole framed message for the network with `magic`.
    pub fn to_frame(&self, magic: [u8; 4]) -> Vec<u8> {
        envelope::encode_frame(magic, self.command(), &self.payload_bytes())
    }

    /// Decodes a frame's payload.
    pub fn from_frame(frame: &Frame) -> Result<Message, MessageError> {
        Message::decode(frame.command, &frame.payload)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.command_name())
    }
}

#[cfg(test)]
mod tests;
