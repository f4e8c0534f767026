#!/usr/bin/env bash
# Regenerates the committed Kotlin, Swift and Python bindings from the dashlite-ffi library,
# or (--check) verifies that the committed files are exactly what the generator produces now.
#
#   bindings/generate.sh                      build (dev profile) and rewrite the bindings
#   bindings/generate.sh --check              build and fail if a committed file is stale
#   bindings/generate.sh [--check] --lib L --bindgen B
#                                             use an already built library L and generator B
#                                             (the Rust test ffi/tests/bindings.rs does this)
#
# The generator is the crate's own `uniffi-bindgen` binary, so it always matches the
# scaffolding version. Generated files are not formatted (--no-format): ktlint and
# swiftformat are not needed and the output is byte-for-byte reproducible.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODE=write
LIB=""
BINDGEN=""
while [ $# -gt 0 ]; do
    case "$1" in
        --check) MODE=check ;;
        --lib) LIB="$2"; shift ;;
        --bindgen) BINDGEN="$2"; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "generate.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

if [ -z "$LIB" ] || [ -z "$BINDGEN" ]; then
    (cd "$ROOT" && cargo build -p dashlite-ffi --lib --bin uniffi-bindgen)
    TARGET_DIR="${CARGO_TARGET_DIR:-$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')}"
    case "$(uname -s)" in
        Darwin) LIB="$TARGET_DIR/debug/libdashlite_ffi.dylib" ;;
        *) LIB="$TARGET_DIR/debug/libdashlite_ffi.so" ;;
    esac
    BINDGEN="$TARGET_DIR/debug/uniffi-bindgen"
fi
for f in "$LIB" "$BINDGEN"; do
    [ -f "$f" ] || { echo "generate.sh: $f does not exist" >&2; exit 1; }
done

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
for lang in kotlin swift python; do
    # Run from the workspace so library mode finds ffi/uniffi.toml through cargo metadata.
    (cd "$ROOT" && "$BINDGEN" generate "$LIB" --language "$lang" --no-format \
        --out-dir "$STAGE/$lang" >/dev/null)
done

# generated file (under $STAGE) -> committed file (under bindings/)
FILES=(
    "kotlin/org/dashlite/dashlite.kt:kotlin/src/main/kotlin/org/dashlite/dashlite.kt"
    "swift/DashLite.swift:swift/Sources/DashLite/DashLite.swift"
    "swift/DashLiteFFI.h:swift/DashLiteFFI/DashLiteFFI.h"
    "swift/DashLiteFFI.modulemap:swift/DashLiteFFI/DashLiteFFI.modulemap"
    "python/dashlite.py:python/dashlite.py"
)

stale=0
for entry in "${FILES[@]}"; do
    src="$STAGE/${entry%%:*}"
    dst="$ROOT/bindings/${entry#*:}"
    [ -f "$src" ] || { echo "generate.sh: the generator did not write ${entry%%:*}" >&2; exit 1; }
    if [ "$MODE" = check ]; then
        if ! cmp -s "$src" "$dst"; then
            echo "stale: bindings/${entry#*:} differs from the generator's output" >&2
            stale=1
        fi
    else
        mkdir -p "$(dirname "$dst")"
        cp "$src" "$dst"
        echo "wrote bindings/${entry#*:}"
    fi
done
if [ "$stale" = 1 ]; then
    echo "the committed bindings are stale: run bindings/generate.sh and commit the result" >&2
    exit 1
fi
[ "$MODE" = check ] && echo "bindings are up to date"
exit 0
