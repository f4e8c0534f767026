//! The accelerated stages ([`Stages::accelerated`]) against the portable oracle
//! ([`Stages::PORTABLE`]) on every shared vector and on random input. On a CPU without the
//! instructions the accelerated stages are the portable ones and these tests still pass.

use super::*;
use proptest::prelude::*;

fn load(name: &str) -> serde_json::Value {
    let path = format!("{}/../../shared/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("shared test vectors missing: {path}: {e}"));
    serde_json::from_str(&text).expect("vector file is JSON")
}

fn bytes(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

const NAMES: [&str; 11] = [
    "blake512",
    "bmw512",
    "groestl512",
    "skein512",
    "jh512",
    "keccak512",
    "luffa512",
    "cubehash512",
    "shavite512",
    "simd512",
    "echo512",
];

/// The 64-byte stages 2..11 of `s`, in X11 order (index 0 is bmw).
type Digest64 = fn(&[u8; 64]) -> [u8; 64];

fn stage64(s: &Stages) -> [Digest64; 10] {
    [s.bmw, s.groestl, s.skein, s.jh, s.keccak, s.luffa, s.cubehash, s.shavite, s.simd, s.echo]
}

#[test]
fn every_accelerated_stage_matches_sphlib_on_every_stage_vector() {
    let v = load("x11-stages.json");
    let acc = Stages::accelerated();
    let runs = v["x11"].as_array().expect("x11 computations");
    assert_eq!(runs.len(), 64);
    for (n, run) in runs.iter().enumerate() {
        let stages = run["stages"].as_array().expect("stages");
        let header = bytes(&run["header"]);
        assert_eq!((acc.blake)(&header).to_vec(), bytes(&stages[0]), "blake, x11[{n}]");
        for (i, f) in stage64(&acc).iter().enumerate() {
            let input: [u8; 64] = bytes(&stages[i]).try_into().expect("64-byte stage input");
            assert_eq!(
                f(&input).to_vec(),
                bytes(&stages[i + 1]),
                "{} ({}), x11[{n}]",
                NAMES[i + 1],
                acc.names[i + 1]
            );
        }
    }
}

#[test]
fn every_accelerated_stage_matches_sphlib_on_its_64_byte_algorithm_vector() {
    let v = load("x11-stages.json");
    let acc = Stages::accelerated();
    for (i, f) in stage64(&acc).iter().enumerate() {
        let cases = v["algorithms"][NAMES[i + 1]].as_array().expect("algorithm vectors");
        let mut checked = 0;
        for case in cases {
            let Ok(input) = <[u8; 64]>::try_from(bytes(&case["input"])) else { continue };
            assert_eq!(f(&input).to_vec(), bytes(&case["digest"]), "{}", NAMES[i + 1]);
            checked += 1;
        }
        assert!(checked > 0, "no 64-byte vector for {}", NAMES[i + 1]);
    }
}

#[test]
fn accelerated_blake_matches_sphlib_on_inputs_of_every_length() {
    let v = load("x11-stages.json");
    let acc = Stages::accelerated();
    for case in v["algorithms"]["blake512"].as_array().expect("blake vectors") {
        let input = bytes(&case["input"]);
        assert_eq!((acc.blake)(&input).to_vec(), bytes(&case["digest"]), "{} bytes", input.len());
    }
}

#[test]
fn detected_and_portable_x11_match_every_real_vector() {
    let v = load("x11-real.json");
    let cases = v["vectors"].as_array().expect("vectors");
    assert!(cases.len() >= 5);
    let acc = Stages::accelerated();
    for c in cases {
        let input = bytes(&c["input_hex"]);
        let want = c["hash_raw_hex"].as_str().expect("hash");
        assert_eq!(hex::encode(x11_portable(&input)), want, "portable: {}", c["desc"]);
        assert_eq!(hex::encode(acc.x11(&input)), want, "accelerated: {}", c["desc"]);
        assert_eq!(hex::encode(x11(&input)), want, "detected: {}", c["desc"]);
    }
}

#[test]
fn portable_stages_are_named_portable() {
    assert_eq!(Stages::PORTABLE.names, ["portable"; 11]);
}

#[cfg(target_arch = "x86_64")]
#[test]
fn x86_accelerated_stages_are_installed_when_the_cpu_has_the_features() {
    let acc = Stages::accelerated();
    let avx2 = is_x86_feature_detected!("avx2");
    assert_eq!(acc.names[4], "sse2");
    if is_x86_feature_detected!("aes") && is_x86_feature_detected!("ssse3") {
        assert_eq!(acc.names[2], "aes-ni");
        assert_eq!(acc.names[8], "aes-ni");
        assert_eq!(acc.names[10], "aes-ni");
    }
    if avx2 {
        for stage in [6, 9] {
            assert_eq!(acc.names[stage], "avx2", "stage {stage}");
        }
        let vl = is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vl");
        assert_eq!(acc.names[7], if vl { "avx512vl" } else { "avx2" });
    }
}

/// 256 random cases, or `PROPTEST_CASES` when set (the emulated aarch64 run caps it).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    ProptestConfig::with_cases(cases)
}

#[cfg(target_arch = "aarch64")]
#[test]
fn aarch64_accelerated_stages_are_installed_when_the_cpu_has_the_features() {
    let acc = Stages::accelerated();
    if std::arch::is_aarch64_feature_detected!("neon") {
        assert_eq!(acc.names[4], "neon");
        assert_eq!(acc.names[7], "neon");
        if std::arch::is_aarch64_feature_detected!("aes") {
            for stage in [2, 8, 10] {
                assert_eq!(acc.names[stage], "armv8-aes", "stage {stage}");
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn accelerated_stages_equal_portable_on_random_64_bytes(data in prop::array::uniform32(any::<u8>()), data2 in prop::array::uniform32(any::<u8>())) {
        let mut input = [0u8; 64];
        input[..32].copy_from_slice(&data);
        input[32..].copy_from_slice(&data2);
        let acc = Stages::accelerated();
        for (i, (a, p)) in stage64(&acc).iter().zip(stage64(&Stages::PORTABLE)).enumerate() {
            prop_assert_eq!(a(&input), p(&input), "{} ({})", NAMES[i + 1], acc.names[i + 1]);
        }
    }

    #[test]
    fn accelerated_blake_equals_portable_on_random_input(data in prop::collection::vec(any::<u8>(), 0..400)) {
        let acc = Stages::accelerated();
        prop_assert_eq!((acc.blake)(&data), (Stages::PORTABLE.blake)(&data));
    }

    #[test]
    fn accelerated_x11_equals_portable_on_random_headers(data in prop::collection::vec(any::<u8>(), 80)) {
        prop_assert_eq!(Stages::accelerated().x11(&data), x11_portable(&data));
        prop_assert_eq!(x11(&data), x11_portable(&data));
    }
}
