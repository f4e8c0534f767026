//! Wire decoding benchmarks: `cargo bench -p dashlite --bench wire`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use dashlite::encode::{Decode, Encode};
use dashlite::hash::{sha256d, Txid};
use dashlite::wire::envelope::{encode_frame, Command, FrameDecoder, MAX_PAYLOAD_LEN};
use dashlite::wire::{
    BlockHeader, CompressionPath, Headers, Headers2, MerkleBlock, PartialMerkleTree,
};
use dashlite::Network;

/// The 5,000 real mainnet headers of `../shared/data/headers/`.
fn real_headers() -> Vec<BlockHeader> {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/headers/mainnet-1737084.bin");
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("shared chain data missing: {path}: {e}"));
    bytes
        .chunks_exact(80)
        .map(|c| BlockHeader::from_array(c.try_into().expect("80 bytes")))
        .collect()
}

fn header_messages(c: &mut Criterion) {
    let real = real_headers();
    // 8,000 entries: the 5,000 real headers, then the first 3,000 again (compressed as a
    // continuation, which decodes fine; only the timing matters here).
    let eight_thousand: Vec<BlockHeader> = real.iter().chain(&real[..3000]).copied().collect();
    let h2 = Headers2::compress(&eight_thousand, CompressionPath::GetHeaders2Reply).to_bytes();
    let headers = Headers { headers: real[..2000].to_vec() }.to_bytes();

    let mut g = c.benchmark_group("headers2_8000_real");
    g.throughput(Throughput::Elements(8000));
    g.bench_function("parse", |b| b.iter(|| Headers2::from_bytes(black_box(&h2)).unwrap()));
    g.bench_function("parse_and_decompress_x11", |b| {
        b.iter(|| {
            Headers2::from_bytes(black_box(&h2))
                .unwrap()
                .decompress(BlockHeader::block_hash)
                .unwrap()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("headers_2000_real");
    g.throughput(Throughput::Elements(2000));
    g.bench_function("parse", |b| b.iter(|| Headers::from_bytes(black_box(&headers)).unwrap()));
    g.finish();
}

fn merkleblock(c: &mut Criterion) {
    // A block of 4,000 transactions with matches spread so the tree carries 1,000 hashes.
    let txids: Vec<Txid> =
        (0u32..4000).map(|i| Txid::from_byte_array(sha256d(&i.to_le_bytes()))).collect();
    let mut matches = vec![false; txids.len()];
    let mut n = 0;
    for step in [97usize, 89, 83, 79, 73, 71, 67, 61, 59, 53, 47, 43, 41, 37, 31, 29] {
        for i in (0..txids.len()).step_by(step) {
            matches[i] = true;
            n = PartialMerkleTree::from_txids(&txids, &matches).hashes.len();
            if n >= 1000 {
                break;
            }
        }
        if n >= 1000 {
            break;
        }
    }
    let tree = PartialMerkleTree::from_txids(&txids, &matches);
    let header = real_headers()[0];
    let bytes = MerkleBlock::new(header, tree).to_bytes();
    let hashes = MerkleBlock::from_bytes(&bytes).unwrap().hashes.len();
    let mut g = c.benchmark_group(format!("merkleblock_{hashes}_hashes"));
    g.bench_function("parse", |b| b.iter(|| MerkleBlock::from_bytes(black_box(&bytes)).unwrap()));
    g.bench_function("parse_and_extract", |b| {
        b.iter(|| MerkleBlock::from_bytes(black_box(&bytes)).unwrap().extract_matches().unwrap())
    });
    g.finish();
}

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

criterion_group!(benches, header_messages, merkleblock, garbage_frames);
criterion_main!(benches);
