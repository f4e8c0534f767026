#!/usr/bin/env bash
# What can be checked of the Swift bindings without a Swift toolchain (Linux CI):
#
#   bindings/swift/check.sh <folder holding libdashlite_ffi.so>
#
# 1. the generated C header compiles (clang; gcc rejects `_Nonnull`);
# 2. every uniffi_*/ffi_* function the header declares is exported by the library (nm -D);
# 3. a C program including the header links the library and gets from
#    ffi_dashlite_ffi_uniffi_contract_version() the contract version DashLite.swift checks at
#    start-up.
# 4. the hand-written Sources/DashLite/Events.swift uses only what DashLite.swift declares
#    (Swift itself compiles it on macOS).
# On macOS, `swift test` in bindings/swift (after bindings/ios/build.sh) runs the XCTest suite.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
LIBDIR="$(cd "${1:?usage: check.sh <folder holding libdashlite_ffi.so>}" && pwd)"
LIB="$LIBDIR/libdashlite_ffi.so"
HEADER_DIR="$HERE/DashLiteFFI"
HEADER="$HEADER_DIR/DashLiteFFI.h"
fail() { echo "swift check: $*" >&2; exit 1; }
command -v clang >/dev/null || fail "clang is missing (Debian: apt install clang)"
command -v nm >/dev/null || fail "nm is missing (Debian: apt install binutils)"
[ -f "$LIB" ] || fail "$LIB does not exist"

clang -fsyntax-only -Wall -Werror -Wno-pragma-once-outside-header -x c "$HEADER" || fail "the generated header does not compile"

declared="$(grep -oE '\b(uniffi|ffi)_[A-Za-z0-9_]+\(' "$HEADER" | tr -d '(' | sort -u)"
exported="$(nm -D --defined-only "$LIB" | awk '{print $3}' | sort -u)"
[ -n "$declared" ] || fail "no uniffi_*/ffi_* declarations found in $HEADER"
missing="$(comm -23 <(echo "$declared") <(echo "$exported"))"
[ -z "$missing" ] || fail "declared in the header but not exported by the library: $missing"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cat > "$WORK/contract.c" <<'C'
#include <stdio.h>
#include "DashLiteFFI.h"
int main(void) {
    printf("%u\n", (unsigned)ffi_dashlite_ffi_uniffi_contract_version());
    return 0;
}
C
clang -Wall -Werror -I "$HEADER_DIR" "$WORK/contract.c" -L "$LIBDIR" -ldashlite_ffi -o "$WORK/contract" \
    || fail "a C program using the header does not build against the library"
got="$(LD_LIBRARY_PATH="$LIBDIR" "$WORK/contract")"
want="$(grep -oE 'bindings_contract_version = [0-9]+' "$HERE/Sources/DashLite/DashLite.swift" | grep -oE '[0-9]+$')"
[ -n "$want" ] || fail "no bindings_contract_version in DashLite.swift"
[ "$got" = "$want" ] || fail "the library's contract version is $got, DashLite.swift expects $want"
for decl in 'public protocol EventListener' 'func onEvent(event: Event)' \
    'open func subscribe(listener: EventListener) -> Subscription' 'open func cancel()' \
    'open class Client:' 'public enum Event'; do
    grep -qF "$decl" "$HERE/Sources/DashLite/DashLite.swift" \
        || fail "Events.swift relies on \"$decl\", which DashLite.swift no longer declares"
done
echo "swift check: header compiles, $(echo "$declared" | wc -l) symbols exported, contract version $got"
