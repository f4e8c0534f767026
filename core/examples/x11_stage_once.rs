//! Runs one X11 stage a given number of times, for counting the instructions of one call
//! under an emulator (`core/examples/x11_insn_count.sh` runs it under `qemu-aarch64` with
//! 1 and 2 calls and prints the difference per stage and path):
//!
//! ```text
//! cargo run --release -p dashlite --example x11_stage_once -- portable|accelerated STAGE CALLS
//! ```
//!
//! `STAGE` is 0 (blake, on an 80-byte header) to 10 (echo) or `x11` (the whole chain on the
//! header). Prints the implementation's name and the XOR of the digests, so that no call
//! can be optimised away.

use std::hint::black_box;
use std::process::ExitCode;

use dashlite::hash::x11::Stages;

const USAGE: &str = "usage: x11_stage_once portable|accelerated STAGE(0..10|x11) CALLS";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, stage, calls] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let stages = match path.as_str() {
        "portable" => Stages::PORTABLE,
        "accelerated" => Stages::accelerated(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Ok(calls) = calls.parse::<u32>() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let header: [u8; 80] = core::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));
    let input: [u8; 64] = core::array::from_fn(|i| (i as u8).wrapping_mul(73).wrapping_add(5));
    type F = fn(&[u8; 64]) -> [u8; 64];
    let by_index: [F; 10] = [
        stages.bmw,
        stages.groestl,
        stages.skein,
        stages.jh,
        stages.keccak,
        stages.luffa,
        stages.cubehash,
        stages.shavite,
        stages.simd,
        stages.echo,
    ];
    let mut acc = [0u8; 64];
    let name = if stage == "x11" {
        for _ in 0..calls {
            let d = stages.x11(black_box(&header));
            acc.iter_mut().zip(d).for_each(|(a, b)| *a ^= b);
        }
        "chain"
    } else {
        let Some(n) = stage.parse::<usize>().ok().filter(|&n| n <= 10) else {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        };
        for _ in 0..calls {
            let d = if n == 0 {
                (stages.blake)(black_box(&header))
            } else {
                by_index[n - 1](black_box(&input))
            };
            acc.iter_mut().zip(d).for_each(|(a, b)| *a ^= b);
        }
        stages.names[n]
    };
    println!("{name} {}", hex::encode(acc));
    ExitCode::SUCCESS
}
