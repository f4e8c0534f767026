//! The uniffi generator, built from the same uniffi version as the library's scaffolding:
//! `cargo run -p dashlite-ffi --bin uniffi-bindgen -- generate <lib> --language kotlin ...`
//! (see `bindings/generate.sh`).

fn main() {
    uniffi::uniffi_bindgen_main()
}
