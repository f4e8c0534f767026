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
#    (Swift itself compiles it on macOS);
# 5. every method the XCTest suite and the Swift blocks of bindings/README.md call on a value
#    (`x.name(`) and every enum case they match (`case .name`) is declared in the sources,
#    and the masternode-list API they use has the signatures they rely on.
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
python3 - "$HERE" <<'PY' || fail "the Swift tests or the README's Swift blocks use what the bindings do not declare"
import pathlib, re, sys
here = pathlib.Path(sys.argv[1])
def flat(text):
    return re.sub(r"\s+", " ", re.sub(r"/\*.*?\*/", "", text, flags=re.S))
sources = flat("".join(p.read_text() for p in sorted((here / "Sources/DashLite").glob("*.swift"))))
readme = (here.parent / "README.md").read_text()
blocks = re.findall(r"^```swift\n(.*?)^```", readme, re.S | re.M)
if not blocks:
    sys.exit("no ```swift block in bindings/README.md")
users = [flat(p.read_text()) for p in sorted((here / "Tests").rglob("*.swift"))] + [flat(b) for b in blocks]
# Foundation, XCTest and Swift standard library calls the tests make.
outside = {"split", "map", "sorted", "filter", "contains", "joined", "index", "lock", "unlock",
           "append", "reversed", "uppercased", "info", "sleep", "value", "isEmpty", "flatMap"}
missing = []
for text in users:
    for name in sorted(set(re.findall(r"\.([a-z][A-Za-z0-9]*)\(", text)) - outside):
        if not re.search(r"\bfunc %s\(" % name, sources) and not re.search(r"\bcase %s\(" % name, sources):
            missing.append(f"method or case {name}")
    for name in sorted(set(re.findall(r"\bcase \.([a-z][A-Za-z0-9]*)", text))):
        if not re.search(r"\bcase %s\b" % name, sources):
            missing.append(f"enum case {name}")
for decl in [
    "open func masternodeList()async throws -> MasternodeList?",
    "open func quorums()async throws -> [Quorum]",
    "open func regtestDip3Height(height: UInt32) -> ClientBuilder",
    "case masternodeListUpdated( height: UInt32, blockHash: BlockHash, masternodes: UInt32, valid: UInt32, quorums: UInt32 )",
    "public var height: UInt32 public var blockHash: BlockHash public var entryCount: UInt32 public var validCount: UInt32 public var entries: [Masternode]",
    "public var proRegTxHash: Txid public var service: String? public var operatorPublicKey: String public var votingKeyId: String public var kind: MasternodeType public var valid: Bool",
    "public var typeName: String public var llmqType: UInt8 public var quorumHash: BlockHash public var quorumIndex: Int16 public var publicKey: String public var verified: Bool",
    "public enum MasternodeType: Equatable, Hashable { case regular case evo",
]:
    if decl not in sources:
        missing.append(f"declaration \"{decl}\"")
if missing:
    sys.exit("not declared by Sources/DashLite: " + "; ".join(sorted(set(missing))))
PY
echo "swift check: header compiles, $(echo "$declared" | wc -l) symbols exported, contract version $got"
