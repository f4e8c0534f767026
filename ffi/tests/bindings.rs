//! The generated bindings against the library cargo just built:
//!
//! * the committed Kotlin, Swift and Python files are what the generator produces now;
//! * the Python unittest suite passes;
//! * the Kotlin suite compiles and passes on the JVM;
//! * the Swift header compiles and matches the library's exports.
//!
//! Each needs its tools (python3; java, JNA and pip; clang and nm): a missing tool fails its
//! test with the tool's name and the Debian package that provides it. Nothing is skipped.
//!
//! The Python and Kotlin suites include the client scenario: each test here starts a testkit
//! node ([`common::Fixture`]) serving a chain with payments to a known account key, passes
//! its address and the expected figures to the suite in `DASHLITE_TEST_*` variables, and
//! keeps it serving until the suite is done.
//!
//! Each suite is a script under `bindings/`, so it runs the same way by hand.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("ffi/ has a parent").to_path_buf()
}

/// The folder cargo put this profile's binaries in (target/debug for `cargo test`).
fn profile_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_uniffi-bindgen"))
        .parent()
        .expect("the bindgen binary has a folder")
        .to_path_buf()
}

/// The cdylib cargo built alongside the rlib these tests link.
fn cdylib() -> PathBuf {
    let name =
        if cfg!(target_os = "macos") { "libdashlite_ffi.dylib" } else { "libdashlite_ffi.so" };
    // Uplifted to the profile folder when the library was built as a root (`cargo build`);
    // only in deps/ when cargo built it for the tests.
    let top = profile_dir().join(name);
    let deps = profile_dir().join("deps").join(name);
    let path = [&top, &deps]
        .into_iter()
        .filter(|p| p.is_file())
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    match path {
        Some(p) => p.clone(),
        None => panic!(
            "{} is missing: `cargo test -p dashlite-ffi` builds it (crate-type cdylib)",
            deps.display()
        ),
    }
}

/// Fails the test unless `program` runs (`package`: the Debian package that provides it).
fn require(program: &str, version_flag: &str, package: &str) {
    let ok = Command::new(program).arg(version_flag).output().is_ok_and(|o| o.status.success());
    assert!(ok, "{program} is missing: the binding tests need it (Debian: apt install {package})");
}

/// Runs a script from bindings/ and fails with its output if it fails.
fn run_script(script: &str, args: &[&Path]) {
    run_script_with(script, args, &[]);
}

/// [`run_script`] with extra environment variables.
fn run_script_with(script: &str, args: &[&Path], env: &[(&str, String)]) {
    let path = workspace().join(script);
    let output = Command::new("bash")
        .arg(&path)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(workspace())
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash {}: {e}", path.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{script} failed ({}):\n{text}", output.status);
    eprintln!("{text}");
}

#[test]
fn committed_bindings_match_the_generator() {
    let bindgen = PathBuf::from(env!("CARGO_BIN_EXE_uniffi-bindgen"));
    let lib = cdylib();
    let args = [Path::new("--check"), Path::new("--lib"), &lib, Path::new("--bindgen"), &bindgen];
    run_script("bindings/generate.sh", &args);
}

#[test]
fn python_suite_passes() {
    require("python3", "--version", "python3");
    let lib = cdylib();
    let fixture = common::Fixture::start();
    run_script_with("bindings/python/run-tests.sh", &[lib.parent().unwrap()], &fixture.env());
    drop(fixture);
}

#[test]
fn kotlin_suite_passes_on_the_jvm() {
    require("java", "-version", "openjdk-17-jdk-headless");
    require("python3", "--version", "python3");
    let jna = std::env::var("JNA_JAR").unwrap_or_else(|_| "/usr/share/java/jna.jar".into());
    assert!(Path::new(&jna).is_file(), "JNA is missing: {jna} (Debian: apt install libjna-java)");
    let lib = cdylib();
    let fixture = common::Fixture::start();
    run_script_with("bindings/kotlin/run-tests.sh", &[lib.parent().unwrap()], &fixture.env());
    drop(fixture);
}

#[test]
fn swift_header_compiles_and_matches_the_library_exports() {
    require("clang", "--version", "clang");
    require("nm", "--version", "binutils");
    let lib = cdylib();
    run_script("bindings/swift/check.sh", &[lib.parent().unwrap()]);
}
