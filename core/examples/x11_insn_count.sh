#!/usr/bin/env bash
# Instructions executed by one call of each X11 stage on aarch64, portable against
# accelerated, counted under qemu-aarch64 (-cpu max: NEON and the ARMv8 AES instructions).
#
#   core/examples/x11_insn_count.sh            (from the repository root)
#
# Builds the x11_stage_once example for aarch64-unknown-linux-gnu with
# ../shared/tools/aarch64/cargo-aarch64, then runs it under qemu with one guest instruction per
# translation block and execution logging (-one-insn-per-tb -d exec,nochain), so that every
# executed guest instruction is one "Trace" line, and with the loader's page log (-d page),
# which gives where the program's code is mapped. Instructions are counted inside the
# program's own code (the stages call nothing in the C library; the loader's start-up outside
# it varies by about 20,000 instructions from run to run); the count of one call is half the
# difference between a run with 3 calls and a run with 1, so start-up, detection and output
# cancel out. Address-space randomisation is off (setarch -R); two runs must agree exactly.
# Emulated instruction counts are not speed; they say how much work each path issues.
set -euo pipefail
cd "$(dirname "$0")/../.."
CARGO_AARCH64=${CARGO_AARCH64:-../shared/tools/aarch64/cargo-aarch64}
[ -x "$CARGO_AARCH64" ] || { echo "error: $CARGO_AARCH64 is missing" >&2; exit 1; }
"$CARGO_AARCH64" build --release -p dashlite --example x11_stage_once >&2
bin="${CARGO_TARGET_DIR_AARCH64:-target/aarch64-cross}/aarch64-unknown-linux-gnu/release/examples/x11_stage_once"
[ -x "$bin" ] || { echo "error: $bin was not built" >&2; exit 1; }

# run PATH STAGE CALLS: guest instructions executed inside the program's code in the run.
run() {
    setarch -R qemu-aarch64 -cpu max -L / -one-insn-per-tb -d page,exec,nochain -D /dev/fd/3 \
        "$bin" "$@" 3>&1 >/dev/null | awk '
        /^start_code/ { lo = substr($2, 3) }
        /^end_code/ { hi = substr($2, 3) }
        /^Trace/ { pc = substr($4, 11, 16); if (pc >= lo && pc < hi) inside++ }
        END { if (lo == "" || inside == 0) exit 1; print inside }'
}
# count PATH STAGE CALLS: the count of 2 runs, which must agree.
count() {
    local a b
    a=$(run "$@")
    b=$(run "$@")
    [ "$a" = "$b" ] || { echo "error: $*: two runs counted $a and $b" >&2; exit 1; }
    echo "$a"
}
# one PATH STAGE: "PER_CALL NAME" of one call.
one() {
    local a b name
    a=$(count "$1" "$2" 1)
    b=$(count "$1" "$2" 3)
    [ "$b" -gt "$a" ] || { echo "error: $1 $2: 3 calls counted $b, 1 call $a" >&2; exit 1; }
    name=$(qemu-aarch64 -cpu max -L / "$bin" "$1" "$2" 1 | cut -d' ' -f1)
    echo "$(((b - a) / 2)) $name"
}

names=(blake bmw groestl skein jh keccak luffa cubehash shavite simd echo x11)
printf '%-9s %10s %10s  %-10s %6s\n' stage portable accel path ratio
for i in $(seq 0 11); do
    stage=$i
    [ "$i" = 11 ] && stage=x11
    po=$(one portable "$stage")
    ao=$(one accelerated "$stage")
    read -r p _ <<<"$po"
    read -r a an <<<"$ao"
    printf '%-9s %10d %10d  %-10s %6s\n' "${names[$i]}" "$p" "$a" "$an" \
        "$(awk -v p="$p" -v a="$a" 'BEGIN { printf "%.2f", p / a }')"
done
