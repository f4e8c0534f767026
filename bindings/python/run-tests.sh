#!/usr/bin/env bash
# Runs the Python unittest suite (bindings/python/tests) against the committed generated
# module and a built dashlite-ffi library:
#
#   bindings/python/run-tests.sh <folder holding libdashlite_ffi.so> [unittest args…]
#
# The module loads the library from its own folder, so both are copied into a scratch
# folder ($DASHLITE_PYTHON_DIR or a temporary one) put on PYTHONPATH.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
LIBDIR="${1:?usage: run-tests.sh <folder holding libdashlite_ffi.so>}"
shift
command -v python3 >/dev/null || { echo "python tests: python3 is missing" >&2; exit 1; }
LIB="$(ls "$LIBDIR"/libdashlite_ffi.so "$LIBDIR"/libdashlite_ffi.dylib 2>/dev/null | head -n1 || true)"
[ -n "$LIB" ] || { echo "python tests: no libdashlite_ffi library in $LIBDIR" >&2; exit 1; }

if [ -n "${DASHLITE_PYTHON_DIR:-}" ]; then
    WORK="$DASHLITE_PYTHON_DIR"
    mkdir -p "$WORK"
else
    WORK="$(mktemp -d)"
    trap 'rm -rf "$WORK"' EXIT
fi
cp "$HERE/dashlite.py" "$LIB" "$WORK/"
# -B: no __pycache__ in the source tree.
PYTHONPATH="$WORK" python3 -B -m unittest discover -s "$HERE/tests" -t "$HERE/tests" "$@"
