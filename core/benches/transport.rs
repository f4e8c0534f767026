//! Throughput of the two transports in one run: v1 framing (double-SHA256 checksum) against
//! BIP324 v2 (ChaCha20-Poly1305 and the length cipher), each encoding a message stream and
//! decoding it back on the other side. Prints the median of 15 rounds in MB/s (10^6 bytes of
//! payload per second) per message size.
//!
//! `cargo bench -p dashlite --bench transport`

use dashlite::wire::envelope::{encode_frame, Command, FrameDecoder};
use dashlite::wire::v2::{Received, Role, V2Handshake, V2Receiver, V2Sender};
use dashlite::Network;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::hint::black_box;
use std::time::Instant;

const ROUNDS: usize = 15;
/// Payload bytes moved per round.
const ROUND_BYTES: usize = 32 << 20;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn v2_pair(magic: [u8; 4]) -> (V2Sender, V2Receiver) {
    let mut rng = StdRng::seed_from_u64(1);
    let i = V2Handshake::random(Role::Initiator, magic, &mut rng);
    let r = V2Handshake::random(Role::Responder, magic, &mut rng);
    let (i_hello, r_hello) = (i.hello(), r.hello());
    let mut i_rx = V2Receiver::new(i);
    i_rx.feed(&r_hello);
    let Ok(Some(Received::Keys(mut tx))) = i_rx.poll() else { panic!("initiator keys") };
    let mut rx = V2Receiver::new(r);
    rx.feed(&i_hello);
    rx.feed(&tx.start());
    while let Ok(Some(event)) = rx.poll() {
        if matches!(event, Received::Established) {
            break;
        }
    }
    (*tx, rx)
}

fn measure(mut round: impl FnMut() -> usize) -> f64 {
    let rates: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            let bytes = round();
            bytes as f64 / t.elapsed().as_secs_f64() / 1e6
        })
        .collect();
    median(rates)
}

fn main() {
    let magic = Network::Regtest.params().magic;
    let command = Command::new("block").expect("command");
    println!(
        "transport throughput, payload MB/s, median of {ROUNDS} rounds of {} MiB",
        ROUND_BYTES >> 20
    );
    println!("{:>10} {:>12} {:>12} {:>8}", "payload", "v1", "v2", "v2/v1");
    for size in [256usize, 4 << 10, 64 << 10, 1 << 20] {
        let payload = vec![0x5au8; size];
        let count = ROUND_BYTES / size;
        let v1 = measure(|| {
            let mut d = FrameDecoder::new(magic);
            let mut n = 0;
            for _ in 0..count {
                d.feed(&encode_frame(magic, command, black_box(&payload)));
                n += d.next_frame().expect("valid").expect("whole").payload.len();
            }
            n
        });
        let (mut tx, mut rx) = v2_pair(magic);
        let v2 = measure(|| {
            let mut n = 0;
            for _ in 0..count {
                rx.feed(&tx.encode(command, black_box(&payload)));
                match rx.poll() {
                    Ok(Some(Received::Frame(f))) => n += f.payload.len(),
                    other => panic!("{other:?}"),
                }
            }
            n
        });
        println!("{size:>10} {v1:>12.1} {v2:>12.1} {:>8.2}", v2 / v1);
    }
}
