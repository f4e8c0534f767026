#!/usr/bin/env bash
# Instructions executed by one call of each X11 stage on aarch64, portable against
# accelerated, counted under qemu-aarch64 (-cpu max: NEON and the ARMv8 AES instructions).
#
#   core/examples/x11_insn_count.sh            (from the repository root)
#
# Builds the x11_stage_once example for aarch64-unknown-linux-gnu with
# ../shared/tools/aarch64/cargo-aarch64, then runs it under qemu with one guest instruction per
# translation block and execution logging (-one-insn-per-tb -d exec,nochain), so that every
# executed guest instruction is one "Trace" line. The count of one call is the count of a run
# with 2 calls minus that of a run with 1 call: start-up, detection and output cancel out.
# Emulated instruction counts are not speed; they say how much work each path issues.
set -euo pipefail
cd "$(dirname "$0")/../.."
CARGO_AARCH64=${CARGO_AARCH64:-../shared/tools/aarch64/cargo-aarch64}
[ -x "$CARGO_AARCH64" ] || { echo "error: $CARGO_AARCH64 is missing" >&2; exit 1; }
"$CARGO_AARCH64" build --release -p dashlite --example x11_stage_once >&2
bin="${CARGO_TARGET_DIR_AARCH64:-target/aarch64-cross}/aarch64-unknown-linux-gnu/release/examples/x11_stage_once"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# count PATH STAGE CALLS: guest instructions of the whole run.
count() {
    qemu-aarch64 -cpu max -L / -one-insn-per-tb -d exec,nochain -D "$log" "$bin" "$@" >/dev/null
    grep -c '^Trace' "$log"
}
# one PATH STAGE: instructions of one call, and the name of the implementation.
one() {
    local a b name
    a=$(count "$1" "$2" 1)
    b=$(count "$1" "$2" 2)
    name=$(qemu-aarch64 -cpu max -L / "$bin" "$1" "$2" 1 | cut -d' ' -f1)
    echo "$((b - a)) $name"
}

names=(blake bmw groestl skein jh keccak luffa cubehash shavite simd echo x11)
printf '%-9s %10s %10s  %-10s %6s\n' stage portable accel path ratio
for i in $(seq 0 11); do
    stage=$i
    [ "$i" = 11 ] && stage=x11
    read -r p _ < <(one portable "$stage")
    read -r a an < <(one accelerated "$stage")
    printf '%-9s %10d %10d  %-10s %6s\n' "${names[$i]}" "$p" "$a" "$an" \
        "$(awk -v p="$p" -v a="$a" 'BEGIN { printf "%.2f", p / a }')"
done
