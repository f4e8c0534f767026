//! Wire decoding benchmarks: `cargo bench -p dashlite --bench wire`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use dashlite::wire::envelope::{encode_frame, Command, FrameDecoder, MAX_PAYLOAD_LEN};
use dashlite::Network;

fn garbage_frames(c: &mut Criterion) {
    let magic = Network::Mainnet.params().magic;
    let mut g = c.benchmark_group("frame_rejection_3mib");
    g.throughput(Throughput::Bytes(MAX_PAYLOAD_LEN as u64));
    // Random bytes: rejected at the first byte of the magic.
    let mut x = 0x1234_5678_9abc_def0u64;
    let garbage: Vec<u8> = (0..MAX_PAYLOAD_LEN)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    g.bench_function("random_bytes", |b| {
        b.iter(|| {
            let mut d = FrameDecoder::new(magic);
            d.feed(black_box(&garbage[..64 * 1024]));
            black_box(d.next_frame().is_err())
        })
    });
    // A well-formed envelope whose 3 MiB payload fails its checksum: the whole payload must
    // be received and hashed before it can be dropped.
    let mut frame = encode_frame(magic, Command::new("block").unwrap(), &garbage);
    frame[20] ^= 0xff;
    g.bench_function("bad_checksum", |b| {
        b.iter(|| {
            let mut d = FrameDecoder::new(magic);
            for chunk in frame.chunks(64 * 1024) {
                d.feed(chunk);
            }
            black_box(d.next_frame().is_err())
        })
    });
    g.finish();
}

criterion_group!(benches, garbage_frames);
criterion_main!(benches);
