//! The crate root re-exports every type the foreign API is made of: each record, enum,
//! object and error a module derives for uniffi, and each foreign-implemented trait (types a
//! macro declares are not seen: `hashes` lists its invocations).

use std::collections::BTreeSet;
use std::path::Path;

/// The names of the uniffi types `source` declares: the `pub struct`/`pub enum` after a
/// `#[derive(..)]` naming `uniffi::Record`, `Enum`, `Object` or `Error`, and the `pub trait`
/// after `#[uniffi::export(with_foreign)]`.
fn uniffi_types(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut pending = false;
    for line in source.lines().map(str::trim) {
        let derives = line.starts_with("#[derive(")
            && ["uniffi::Record", "uniffi::Enum", "uniffi::Object", "uniffi::Error"]
                .iter()
                .any(|d| line.contains(d));
        if derives || line.starts_with("#[uniffi::export(with_foreign)]") {
            pending = true;
        } else if pending && !line.starts_with("#[") && !line.starts_with("///") {
            let rest = ["pub struct ", "pub enum ", "pub trait "]
                .iter()
                .find_map(|kw| line.strip_prefix(kw));
            if let Some(rest) = rest {
                // `$name` is a macro's parameter: its invocations name the types.
                if !rest.starts_with('$') {
                    let name: String =
                        rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    names.push(name);
                }
            }
            pending = false;
        }
    }
    names
}

/// The names `lib.rs` re-exports with `pub use module::{..}` / `pub use module::Name`.
fn reexported(lib: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = lib;
    while let Some(at) = rest.find("pub use ") {
        let item = &rest[at + "pub use ".len()..];
        let end = item.find(';').expect("a pub use ends with ;");
        let path = &item[..end];
        let list = match (path.find('{'), path.rfind('}')) {
            (Some(open), Some(close)) => &path[open + 1..close],
            _ => path.rsplit("::").next().unwrap_or(path),
        };
        names.extend(list.split(',').map(str::trim).filter(|n| !n.is_empty()).map(String::from));
        rest = &item[end..];
    }
    names
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn every_foreign_type_is_reexported_at_the_crate_root() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let listed = reexported(&read(&src.join("lib.rs")));
    let mut files: Vec<_> = std::fs::read_dir(&src)
        .expect("ffi/src")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().ends_with("tests.rs")))
        .collect();
    files.sort();
    let mut missing = Vec::new();
    let mut seen = 0;
    for file in &files {
        for name in uniffi_types(&read(file)) {
            seen += 1;
            if !listed.contains(&name) {
                missing.push(format!("{name} ({})", file.display()));
            }
        }
    }
    assert!(seen > 30, "only {seen} uniffi types found: the scan no longer reads the sources");
    assert!(missing.is_empty(), "not re-exported by ffi/src/lib.rs: {missing:?}");
}

#[test]
fn the_scan_reads_derives_traits_and_lists() {
    let source = "/// A thing.\n#[derive(Debug, uniffi::Record)]\npub struct Thing {\n}\n\
                  #[derive(Debug)]\npub struct Plain;\n\
                  #[uniffi::export(with_foreign)]\npub trait Hook: Send {}\n\
                  #[derive(uniffi::Object)]\npub struct $name(u8);\n\
                  #[derive(Debug, thiserror::Error, uniffi::Error)]\n#[uniffi(flat_error)]\n\
                  pub enum Oops { A }\n";
    assert_eq!(uniffi_types(source), ["Thing", "Hook", "Oops"]);
    let lib = "pub use a::{One, Two,\n    Three};\npub use b::Four;\n";
    let want: BTreeSet<String> = ["One", "Two", "Three", "Four"].map(String::from).into();
    assert_eq!(reexported(lib), want);
}
