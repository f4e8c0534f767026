//! Hostile payloads never make the decoder allocate more than a small multiple of their size.
//!
//! A counting global allocator records the peak number of live heap bytes while one payload is
//! decoded. Everything runs in one test so no other test thread allocates meanwhile.

use dashlite::wire::{Command, Message, KNOWN_COMMANDS};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
            PEAK.fetch_max(live, Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak extra heap bytes while decoding `payload` as `command`.
fn peak_while_decoding(command: Command, payload: &[u8]) -> usize {
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let decoded = Message::decode(command, payload);
    let peak = PEAK.load(Relaxed) - before;
    drop(decoded);
    peak
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Payloads that claim large counts and lengths with little behind them, plus random bytes
/// and mutations of real payloads.
fn hostile_payloads(real: &[Vec<u8>], rng: &mut XorShift) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let prefixes: [&[u8]; 6] = [
        &[0xfe, 0xff, 0xff, 0xff, 0x01],
        &[0xfd, 0xff, 0xff],
        &[0xfe, 0x00, 0x00, 0x00, 0x02],
        &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        &[0xfc],
        &[0x50],
    ];
    for len in [0usize, 1, 8, 36, 80, 200, 1000, 20_000] {
        for offset in [0usize, 4, 8, 32, 36, 80, 81] {
            for prefix in prefixes {
                let mut p: Vec<u8> = (0..offset).map(|_| rng.next() as u8).collect();
                p.extend_from_slice(prefix);
                p.extend((0..len).map(|_| rng.next() as u8));
                out.push(p);
            }
        }
    }
    for r in real {
        for _ in 0..40 {
            let mut p = r.clone();
            if p.is_empty() {
                continue;
            }
            let n = 1 + (rng.next() % 4) as usize;
            for _ in 0..n {
                let i = (rng.next() as usize) % p.len();
                p[i] = rng.next() as u8;
            }
            if rng.next() % 3 == 0 {
                p.truncate((rng.next() as usize) % p.len());
            }
            out.push(p);
        }
    }
    out
}

fn session_payloads() -> Vec<(String, Vec<u8>)> {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/dashd-regtest-session.json");
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("shared test vectors missing: {path}: {e}"));
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    v["frames"]
        .as_array()
        .expect("frames")
        .iter()
        .map(|f| {
            let bytes = hex::decode(f["frame"].as_str().unwrap()).unwrap();
            (f["command"].as_str().unwrap().to_owned(), bytes[24..].to_vec())
        })
        .collect()
}

#[test]
fn decoding_hostile_payloads_allocates_at_most_a_small_multiple_of_their_size() {
    let session = session_payloads();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut worst = (0.0f64, String::new());
    let mut cases = 0;
    for name in KNOWN_COMMANDS {
        let command = Command::new(name).unwrap();
        let real: Vec<Vec<u8>> =
            session.iter().filter(|(c, _)| c == name).map(|(_, p)| p.clone()).collect();
        for payload in hostile_payloads(&real, &mut rng) {
            let peak = peak_while_decoding(command, &payload);
            let bound = 8 * payload.len() + 4096;
            assert!(
                peak <= bound,
                "{name}: {peak} bytes allocated for a {}-byte payload (bound {bound})",
                payload.len()
            );
            let ratio = peak as f64 / (payload.len() + 1) as f64;
            if payload.len() > 100 && ratio > worst.0 {
                worst = (ratio, name.to_string());
            }
            cases += 1;
        }
    }
    assert!(cases > 10_000, "{cases} cases");
    println!("worst ratio over payloads > 100 bytes: {:.2} ({})", worst.0, worst.1);
}
