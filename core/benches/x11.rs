//! X11 benchmarks, portable against accelerated side by side:
//! `cargo bench -p dashlite --bench x11 -- --warm-up-time 1 --measurement-time 5`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use dashlite::hash::x11::{x11_portable, Stages};

/// A deterministic 80-byte block header-like input.
fn header() -> [u8; 80] {
    core::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11))
}

fn per_algorithm(c: &mut Criterion) {
    let portable = Stages::PORTABLE;
    let accel = Stages::accelerated();
    let input: [u8; 64] = core::array::from_fn(|i| (i as u8).wrapping_mul(73).wrapping_add(5));
    let h = header();
    {
        let mut g = c.benchmark_group("blake_80");
        g.throughput(Throughput::Bytes(80));
        g.bench_function("portable", |b| b.iter(|| (portable.blake)(black_box(&h))));
        if accel.names[0] != "portable" {
            g.bench_function(accel.names[0], |b| b.iter(|| (accel.blake)(black_box(&h))));
        }
        g.finish();
    }
    type F = fn(&[u8; 64]) -> [u8; 64];
    let stages: [(&str, usize, F, F); 10] = [
        ("bmw", 1, portable.bmw, accel.bmw),
        ("groestl", 2, portable.groestl, accel.groestl),
        ("skein", 3, portable.skein, accel.skein),
        ("jh", 4, portable.jh, accel.jh),
        ("keccak", 5, portable.keccak, accel.keccak),
        ("luffa", 6, portable.luffa, accel.luffa),
        ("cubehash", 7, portable.cubehash, accel.cubehash),
        ("shavite", 8, portable.shavite, accel.shavite),
        ("simd", 9, portable.simd, accel.simd),
        ("echo", 10, portable.echo, accel.echo),
    ];
    for (name, stage, p, a) in stages {
        let mut g = c.benchmark_group(format!("{name}_64"));
        g.throughput(Throughput::Bytes(64));
        g.bench_function("portable", |b| b.iter(|| p(black_box(&input))));
        if accel.names[stage] != "portable" {
            g.bench_function(accel.names[stage], |b| b.iter(|| a(black_box(&input))));
        }
        g.finish();
    }
}

fn whole(c: &mut Criterion) {
    let accel = Stages::accelerated();
    let h = header();
    let mut g = c.benchmark_group("x11_header");
    g.throughput(Throughput::Elements(1));
    g.bench_function("portable", |b| b.iter(|| x11_portable(black_box(&h))));
    g.bench_function("accelerated", |b| b.iter(|| accel.x11(black_box(&h))));
    g.finish();
}

criterion_group!(benches, per_algorithm, whole);
criterion_main!(benches);
