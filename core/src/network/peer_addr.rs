//! [`PeerAddr`]: a peer address as a user writes it — `ip:port`, `[ipv6]:port`, a bare IP
//! (IPv4 or IPv6), `host:port` or a bare host — with the network's default port when none is
//! given. Parsing never touches the network; [`PeerAddr::resolve`] does the DNS lookup.

use std::fmt;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use super::Network;

/// The longest DNS name (RFC 1035: 253 characters in text form).
const MAX_HOST_LEN: usize = 253;
/// The longest DNS label (RFC 1035).
const MAX_LABEL_LEN: usize = 63;

/// A peer address to connect to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PeerAddr {
    /// An IP address with its port.
    Ip(SocketAddr),
    /// A DNS name with its port, looked up by [`PeerAddr::resolve`].
    Host {
        /// The name (letters, digits, `-` and `.`; lower-cased).
        host: String,
        /// The port.
        port: u16,
    },
}

/// Why a peer address does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeerAddrError {
    /// Nothing but blanks.
    #[error("empty peer address")]
    Empty,
    /// The part after the last `:` is not a port from 1 to 65535.
    #[error("{input:?}: the port is not a number from 1 to 65535")]
    BadPort {
        /// The whole input.
        input: String,
    },
    /// A `[` without its `]` (or text between `]` and `:port`), or brackets around
    /// something that is not an IPv6 address.
    #[error("{input:?}: an IPv6 address goes in brackets, as [2001:db8::1]:9999")]
    BadIpv6 {
        /// The whole input.
        input: String,
    },
    /// The host is neither an IP address nor a DNS name.
    #[error("{input:?}: not an IP address or host name")]
    BadHost {
        /// The whole input.
        input: String,
    },
}

/// A host name that resolves to no address.
#[derive(Debug, thiserror::Error)]
#[error("peer {host}: {source}")]
pub struct ResolveError {
    /// The name looked up.
    pub host: String,
    /// What the lookup said.
    #[source]
    pub source: std::io::Error,
}

impl PeerAddr {
    /// Parses `input` for `network` (whose default port applies when none is given).
    ///
    /// ```
    /// use dashlite::network::PeerAddr;
    /// use dashlite::Network;
    ///
    /// let a = PeerAddr::parse("[2001:db8::1]", Network::Mainnet)?;
    /// assert_eq!(a.to_string(), "[2001:db8::1]:9999");
    /// let b = PeerAddr::parse("seed.example.org:19999", Network::Testnet)?;
    /// assert_eq!(b, PeerAddr::Host { host: "seed.example.org".into(), port: 19999 });
    /// # Ok::<(), dashlite::network::PeerAddrError>(())
    /// ```
    pub fn parse(input: &str, network: Network) -> Result<PeerAddr, PeerAddrError> {
        let default_port = network.params().default_port;
        let text = input.trim();
        if text.is_empty() {
            return Err(PeerAddrError::Empty);
        }
        let owned = || text.to_owned();
        if let Ok(addr) = text.parse::<SocketAddr>() {
            return check_port(addr.port(), text).map(|_| PeerAddr::Ip(addr));
        }
        // A bare IP: IPv6 without brackets has colons of its own, so this comes before any
        // port split.
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(PeerAddr::Ip(SocketAddr::new(ip, default_port)));
        }
        if let Some(rest) = text.strip_prefix('[') {
            let (inside, after) =
                rest.split_once(']').ok_or(PeerAddrError::BadIpv6 { input: owned() })?;
            let ip: std::net::Ipv6Addr =
                inside.parse().map_err(|_| PeerAddrError::BadIpv6 { input: owned() })?;
            let port = match after {
                "" => default_port,
                _ => match after.strip_prefix(':') {
                    Some(p) => parse_port(p, text)?,
                    None => return Err(PeerAddrError::BadIpv6 { input: owned() }),
                },
            };
            return Ok(PeerAddr::Ip(SocketAddr::new(IpAddr::V6(ip), port)));
        }
        let (host, port) = match text.split_once(':') {
            Some((host, port)) => (host, parse_port(port, text)?),
            None => (text, default_port),
        };
        if host.parse::<IpAddr>().is_ok() {
            // `1.2.3.4:port` parsed above unless the port was bad; reaching here means a
            // second colon (an unbracketed IPv6 with a port is ambiguous).
            return Err(PeerAddrError::BadIpv6 { input: owned() });
        }
        if !is_host_name(host) {
            return Err(PeerAddrError::BadHost { input: owned() });
        }
        Ok(PeerAddr::Host { host: host.to_ascii_lowercase(), port })
    }

    /// The port.
    pub fn port(&self) -> u16 {
        match self {
            PeerAddr::Ip(a) => a.port(),
            PeerAddr::Host { port, .. } => *port,
        }
    }

    /// The socket addresses to connect to: the address itself, or what the system resolver
    /// returns for the name (blocking: call it off any UI thread).
    pub fn resolve(&self) -> Result<Vec<SocketAddr>, ResolveError> {
        match self {
            PeerAddr::Ip(a) => Ok(vec![*a]),
            PeerAddr::Host { host, port } => {
                let err = |source| ResolveError { host: host.clone(), source };
                let addrs: Vec<SocketAddr> =
                    (host.as_str(), *port).to_socket_addrs().map_err(err)?.collect();
                if addrs.is_empty() {
                    return Err(err(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "resolves to no address",
                    )));
                }
                Ok(addrs)
            }
        }
    }
}

impl fmt::Display for PeerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerAddr::Ip(a) => write!(f, "{a}"),
            PeerAddr::Host { host, port } => write!(f, "{host}:{port}"),
        }
    }
}

impl From<SocketAddr> for PeerAddr {
    fn from(a: SocketAddr) -> Self {
        PeerAddr::Ip(a)
    }
}

fn check_port(port: u16, input: &str) -> Result<u16, PeerAddrError> {
    if port == 0 {
        return Err(PeerAddrError::BadPort { input: input.to_owned() });
    }
    Ok(port)
}

fn parse_port(text: &str, input: &str) -> Result<u16, PeerAddrError> {
    // `u16::from_str` takes a leading `+`: a port is digits only.
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PeerAddrError::BadPort { input: input.to_owned() });
    }
    let port =
        text.parse::<u16>().map_err(|_| PeerAddrError::BadPort { input: input.to_owned() })?;
    check_port(port, input)
}

/// A DNS name: dot-separated labels of letters, digits and inner hyphens (one trailing dot
/// allowed), at most 253 characters.
fn is_host_name(host: &str) -> bool {
    let name = host.strip_suffix('.').unwrap_or(host);
    !name.is_empty()
        && name.len() <= MAX_HOST_LEN
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= MAX_LABEL_LEN
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<PeerAddr, PeerAddrError> {
        PeerAddr::parse(s, Network::Mainnet)
    }

    fn ip(s: &str) -> PeerAddr {
        PeerAddr::Ip(s.parse().expect("socket address"))
    }

    #[test]
    fn ipv4_with_and_without_port() {
        assert_eq!(parse("1.2.3.4:19999"), Ok(ip("1.2.3.4:19999")));
        assert_eq!(parse(" 1.2.3.4 "), Ok(ip("1.2.3.4:9999")));
        assert_eq!(PeerAddr::parse("1.2.3.4", Network::Testnet), Ok(ip("1.2.3.4:19999")));
    }

    #[test]
    fn ipv6_bare_bracketed_and_with_port() {
        // The CLI used to read a bare `::1` as host `::` port 1.
        assert_eq!(parse("::1"), Ok(ip("[::1]:9999")));
        assert_eq!(parse("2001:db8::7"), Ok(ip("[2001:db8::7]:9999")));
        // The FFI used to reject a bracketed address without a port.
        assert_eq!(parse("[::1]"), Ok(ip("[::1]:9999")));
        assert_eq!(parse("[2001:db8::7]:18444"), Ok(ip("[2001:db8::7]:18444")));
    }

    #[test]
    fn host_names_take_the_default_port() {
        let host = |h: &str, port| Ok(PeerAddr::Host { host: h.into(), port });
        assert_eq!(parse("localhost"), host("localhost", 9999));
        assert_eq!(parse("Seed.Dash.org:9998"), host("seed.dash.org", 9998));
        assert_eq!(parse("dnsseed.dash.org."), host("dnsseed.dash.org.", 9999));
        assert_eq!(PeerAddr::parse("x-1.example", Network::Regtest), host("x-1.example", 19899));
    }

    #[test]
    fn bad_ports_are_typed() {
        for s in ["host:", "host:0", "host:65536", "host:+80", "host:8o", "1.2.3.4:0", "[::1]:"] {
            assert_eq!(parse(s), Err(PeerAddrError::BadPort { input: s.into() }), "{s}");
        }
    }

    #[test]
    fn bad_hosts_and_brackets_are_typed() {
        assert_eq!(parse("  "), Err(PeerAddrError::Empty));
        for s in ["[::1", "[1.2.3.4]:9999", "[::1]x", "[::1]9999", "::1:9999:x", "1.2.3.4:5:6"] {
            assert!(
                matches!(
                    parse(s),
                    Err(PeerAddrError::BadIpv6 { .. } | PeerAddrError::BadPort { .. })
                ),
                "{s}: {:?}",
                parse(s)
            );
        }
        for s in
            ["exa mple.org", "-bad.org", "bad-.org", "a..b", "under_score.org", "é.org", ":9999"]
        {
            assert!(matches!(parse(s), Err(PeerAddrError::BadHost { .. })), "{s}: {:?}", parse(s));
        }
        let long = format!("{}.org", "a".repeat(64));
        assert!(matches!(parse(&long), Err(PeerAddrError::BadHost { .. })));
    }

    #[test]
    fn ip_addresses_resolve_to_themselves_and_display_round_trips() {
        let a = parse("[::1]").unwrap();
        assert_eq!(a.resolve().unwrap(), vec!["[::1]:9999".parse().unwrap()]);
        for s in ["1.2.3.4:9999", "[::1]:9999", "seed.example.org:9999"] {
            assert_eq!(parse(s).unwrap().to_string(), s);
        }
    }
}
