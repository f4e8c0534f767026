//! sphlib against dashlite (portable and accelerated), side by side in one run:
//! `cargo bench --manifest-path benches/sphlib-compare/Cargo.toml -- --warm-up-time 1 --measurement-time 5`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use dashlite::hash::x11::{x11_portable, Stages};
use sphlib_compare::{sphlib_x11, NAMES, SPHLIB};

fn header() -> [u8; 80] {
    core::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11))
}

fn per_algorithm(c: &mut Criterion) {
    let p = Stages::PORTABLE;
    let a = Stages::accelerated();
    let h = header();
    let input: [u8; 64] = core::array::from_fn(|i| (i as u8).wrapping_mul(73).wrapping_add(5));
    {
        let mut g = c.benchmark_group("blake_80");
        g.bench_function("sphlib", |b| b.iter(|| SPHLIB[0](black_box(&h))));
        g.bench_function("portable", |b| b.iter(|| (p.blake)(black_box(&h))));
        g.bench_function(format!("accelerated-{}", a.names[0]), |b| {
            b.iter(|| (a.blake)(black_box(&h)))
        });
        g.finish();
    }
    type F = fn(&[u8; 64]) -> [u8; 64];
    let ps: [F; 10] =
        [p.bmw, p.groestl, p.skein, p.jh, p.keccak, p.luffa, p.cubehash, p.shavite, p.simd, p.echo];
    let acc: [F; 10] =
        [a.bmw, a.groestl, a.skein, a.jh, a.keccak, a.luffa, a.cubehash, a.shavite, a.simd, a.echo];
    for i in 0..10 {
        let mut g = c.benchmark_group(format!("{}_64", NAMES[i + 1]));
        g.bench_function("sphlib", |b| b.iter(|| SPHLIB[i + 1](black_box(&input))));
        g.bench_function("portable", |b| b.iter(|| ps[i](black_box(&input))));
        g.bench_function(format!("accelerated-{}", a.names[i + 1]), |b| {
            b.iter(|| acc[i](black_box(&input)))
        });
        g.finish();
    }
}

fn whole(c: &mut Criterion) {
    let a = Stages::accelerated();
    let h = header();
    let mut g = c.benchmark_group("x11_header");
    g.bench_function("sphlib", |b| b.iter(|| sphlib_x11(black_box(&h))));
    g.bench_function("portable", |b| b.iter(|| x11_portable(black_box(&h))));
    g.bench_function("accelerated", |b| b.iter(|| a.x11(black_box(&h))));
    g.finish();
}

criterion_group!(benches, whole, per_algorithm);
criterion_main!(benches);
