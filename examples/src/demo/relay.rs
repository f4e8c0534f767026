//! Byte-counting relays in front of the testkit nodes.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Default)]
pub(super) struct Meter {
    /// Bytes from the nodes to the client.
    pub(super) down: AtomicU64,
    /// Bytes from the client to the nodes.
    pub(super) up: AtomicU64,
}

impl Meter {
    pub(super) fn get(&self) -> (u64, u64) {
        (self.down.load(Ordering::Relaxed), self.up.load(Ordering::Relaxed))
    }
}

pub(super) fn pump(mut from: TcpStream, mut to: TcpStream, counter: &AtomicU64) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                counter.fetch_add(n as u64, Ordering::Relaxed);
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}

/// Listens on 127.0.0.1 and relays every connection to `target`, counting bytes in `meter`.
pub(super) fn relay(target: SocketAddr, meter: Arc<Meter>) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let Ok(node) = TcpStream::connect_timeout(&target, Duration::from_secs(5)) else {
                continue;
            };
            let _ = (client.set_nodelay(true), node.set_nodelay(true));
            let (Ok(client2), Ok(node2)) = (client.try_clone(), node.try_clone()) else {
                continue;
            };
            let m = meter.clone();
            std::thread::spawn(move || pump(node, client, &m.down));
            let m = meter.clone();
            std::thread::spawn(move || pump(client2, node2, &m.up));
        }
    });
    Ok(addr)
}
