//! The `dashlite` command.

fn main() {
    println!("dashlite {}", env!("CARGO_PKG_VERSION"));
}
