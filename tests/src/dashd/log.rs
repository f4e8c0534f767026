//! Reading a node's `debug.log` (written with `-debug=net`): which connections were whose,
//! what they sent, and any misbehaviour the node recorded against them.

use std::collections::BTreeSet;
use std::path::Path;

/// Words with which Dash Core logs a penalty or a disconnect for misbehaviour
/// (`Misbehaving: peer=N (old -> new)`, "Disconnecting and discouraging peer N", bans, and
/// protocol violations "... peer=N; disconnecting"). A plain "disconnecting peer=N" is a
/// connection closing and not among them.
const MISBEHAVIOUR_MARKERS: [&str; 5] =
    ["misbehav", "discourag", "banned", "banning", "; disconnecting"];

/// The lines of one node's `debug.log`.
#[derive(Debug, Clone)]
pub struct DebugLog {
    lines: Vec<String>,
}

/// The lines of a [`DebugLog`] about one connection (`peer=N`).
#[derive(Debug, Clone)]
pub struct PeerLog {
    /// The node's id for the connection.
    pub peer: u64,
    /// The lines naming it.
    pub lines: Vec<String>,
}

/// The connection id a line names (`peer=N`, or `peer N` as in "discouraging peer N"), if
/// any.
fn peer_of(line: &str) -> Option<u64> {
    ["peer=", "peer "].iter().find_map(|tag| {
        line.match_indices(tag).find_map(|(at, _)| {
            let rest = &line[at + tag.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
    })
}

impl DebugLog {
    /// Reads `path`; panics naming it when it cannot be read.
    pub fn read(path: &Path) -> DebugLog {
        let text = std::fs::read(path)
            .unwrap_or_else(|e| panic!("cannot read the node's log {}: {e}", path.display()));
        let lines = String::from_utf8_lossy(&text).lines().map(str::to_owned).collect();
        DebugLog { lines }
    }

    /// Every line.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The last `n` lines, as one string for a failure message.
    pub fn tail(&self, n: usize) -> String {
        let from = self.lines.len().saturating_sub(n);
        format!("debug.log ends:\n{}", self.lines[from..].join("\n"))
    }

    /// The connections whose `version` carried a user agent containing `agent`.
    pub fn peers_with_agent(&self, agent: &str) -> BTreeSet<u64> {
        self.lines
            .iter()
            .filter(|l| l.contains("receive version message") && l.contains(agent))
            .filter_map(|l| peer_of(l))
            .collect()
    }

    /// The lines about connection `peer`.
    pub fn peer(&self, peer: u64) -> PeerLog {
        let lines = self.lines.iter().filter(|l| peer_of(l) == Some(peer)).cloned().collect();
        PeerLog { peer, lines }
    }

    /// The lines recording misbehaviour, a penalty, a discouragement or a ban against any of
    /// `peers` (lines naming no connection, like the ban list's bookkeeping, are not).
    pub fn misbehaviour(&self, peers: &BTreeSet<u64>) -> Vec<String> {
        self.lines
            .iter()
            .filter(|l| {
                let lower = l.to_ascii_lowercase();
                MISBEHAVIOUR_MARKERS.iter().any(|m| lower.contains(m))
            })
            .filter(|l| peer_of(l).is_some_and(|p| peers.contains(&p)))
            .cloned()
            .collect()
    }
}

impl PeerLog {
    /// Whether the node logged receiving `command` on this connection
    /// (`received: COMMAND (N bytes) peer=ID`); the payload sizes.
    pub fn received(&self, command: &str) -> Vec<usize> {
        let needle = format!("received: {command} (");
        self.lines
            .iter()
            .filter_map(|l| {
                let rest = &l[l.find(&needle)? + needle.len()..];
                rest.split_whitespace().next()?.parse().ok()
            })
            .collect()
    }

    /// Whether the node logged sending `command` on this connection.
    pub fn sent(&self, command: &str) -> bool {
        let needle = format!("sending {command} (");
        self.lines.iter().any(|l| l.contains(&needle))
    }

    /// Lines naming `word` (case-insensitive).
    pub fn mentioning(&self, word: &str) -> Vec<&String> {
        let word = word.to_ascii_lowercase();
        self.lines.iter().filter(|l| l.to_ascii_lowercase().contains(&word)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(lines: &[&str]) -> DebugLog {
        DebugLog { lines: lines.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn peer_ids_are_read_whole() {
        assert_eq!(peer_of("received: ping (8 bytes) peer=12"), Some(12));
        assert_eq!(peer_of("x peer=3, peeraddr=127.0.0.1"), Some(3));
        assert_eq!(peer_of("Disconnecting and discouraging peer 7!"), Some(7));
        assert_eq!(peer_of("no peer here"), None);
    }

    #[test]
    fn misbehaviour_of_other_connections_is_not_counted() {
        let l = log(&[
            "receive version message: /dashlite:0.1.0/: version 70240, peer=4",
            "Misbehaving: peer=2 (0 -> 100): invalid header",
            "Misbehaving: peer=4 (0 -> 10): bad filter",
            "Flushed 0 banned node addresses/subnets to disk  0ms",
            "disconnecting peer=4",
            "received: filterload (100 bytes) peer=4",
        ]);
        let ours = l.peers_with_agent("/dashlite:");
        assert_eq!(ours, BTreeSet::from([4]));
        assert_eq!(l.misbehaviour(&ours), vec!["Misbehaving: peer=4 (0 -> 10): bad filter"]);
        assert_eq!(l.peer(4).received("filterload"), vec![100]);
    }
}
