#!/usr/bin/env bash
# Compiles the generated Kotlin bindings with tests/*.kt and runs them on the JVM against a
# built dashlite-ffi library (JNA). No Gradle needed:
#
#   bindings/kotlin/run-tests.sh <folder holding libdashlite_ffi.so>
#
# Needs: java (17+), JNA ≥ 5.7 (Debian: libjna-java; or set JNA_JAR), python3 with pip.
# The Kotlin compiler, kotlin-stdlib and kotlinx-coroutines come from the PyPI wheel
# kotlin-jupyter-kernel (it bundles a Kotlin 2.x compiler): downloaded once into
# $DASHLITE_CACHE (default ~/.cache/dashlite), jars extracted there, and the compiled tests
# reused while the sources are unchanged.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
LIBDIR="${1:?usage: run-tests.sh <folder holding libdashlite_ffi.so>}"
LIBDIR="$(cd "$LIBDIR" && pwd)"
CACHE="${DASHLITE_CACHE:-$HOME/.cache/dashlite}/kotlin"
WHEEL_VERSION=0.19.0.944
JARS="$CACHE/kotlin-jupyter-kernel-$WHEEL_VERSION"

fail() { echo "kotlin tests: $*" >&2; exit 1; }

command -v java >/dev/null || fail "java is missing (Debian: apt install openjdk-17-jdk-headless)"
command -v python3 >/dev/null || fail "python3 is missing"
JNA_JAR="${JNA_JAR:-/usr/share/java/jna.jar}"
[ -f "$JNA_JAR" ] || fail "JNA is missing: $JNA_JAR (Debian: apt install libjna-java, or set JNA_JAR)"
ls "$LIBDIR"/libdashlite_ffi.* >/dev/null 2>&1 || fail "no libdashlite_ffi library in $LIBDIR"

# 1. The Kotlin toolchain jars, from the wheel (a zip) — downloaded and extracted once.
if [ ! -f "$JARS/.complete" ]; then
    mkdir -p "$CACHE/wheels"
    if ! ls "$CACHE/wheels"/kotlin_jupyter_kernel-"$WHEEL_VERSION"-*.whl >/dev/null 2>&1; then
        echo "kotlin tests: downloading kotlin-jupyter-kernel $WHEEL_VERSION (about 80 MB) into $CACHE/wheels"
        python3 -m pip download --quiet --no-deps --only-binary=:all: \
            "kotlin-jupyter-kernel==$WHEEL_VERSION" -d "$CACHE/wheels" \
            || fail "pip could not download kotlin-jupyter-kernel==$WHEEL_VERSION"
    fi
    WHEEL="$(ls "$CACHE/wheels"/kotlin_jupyter_kernel-"$WHEEL_VERSION"-*.whl | head -n1)"
    rm -rf "$JARS" && mkdir -p "$JARS"
    python3 - "$WHEEL" "$JARS" <<'PY' || fail "could not extract the jars from the wheel"
import os, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as w:
    jars = [n for n in w.namelist() if n.startswith("run_kotlin_kernel/jars/") and n.endswith(".jar")]
    for n in jars:
        with open(os.path.join(out, os.path.basename(n)), "wb") as f:
            f.write(w.read(n))
# kotlinx-coroutines, for the run classpath: its classes and module metadata out of the
# kernel's -all jar.
allj = [n for n in os.listdir(out) if n.startswith("kotlin-jupyter-kernel-") and n.endswith("-all.jar")]
if not allj:
    sys.exit("no kotlin-jupyter-kernel-*-all.jar in the wheel")
with zipfile.ZipFile(os.path.join(out, allj[0])) as a, \
        zipfile.ZipFile(os.path.join(out, "kotlinx-coroutines.jar"), "w", zipfile.ZIP_DEFLATED) as c:
    for n in a.namelist():
        if n.startswith("kotlinx/coroutines/") or (
                n.startswith("META-INF/") and "coroutines" in n
                and (n.endswith(".version") or n.endswith(".kotlin_module"))):
            c.writestr(n, a.read(n))
PY
    touch "$JARS/.complete"
fi
jar_of() {
    local j
    j="$(ls "$JARS"/$1 2>/dev/null | head -n1)"
    [ -n "$j" ] || fail "$1 missing from $JARS (delete the folder to extract again)"
    echo "$j"
}
KERNEL="$(jar_of 'kotlin-jupyter-kernel-*-all.jar')"
STDLIB="$(jar_of 'kotlin-stdlib-*.jar')"
REFLECT="$(jar_of 'kotlin-reflect-*.jar')"
SCRIPT_RUNTIME="$(jar_of 'kotlin-script-runtime-*.jar')"
ANNOTATIONS="$(jar_of 'annotations-*.jar')"
COROUTINES="$JARS/kotlinx-coroutines.jar"
COMPILER_CP="$KERNEL:$STDLIB:$REFLECT:$SCRIPT_RUNTIME:$ANNOTATIONS"

# 2. Compile the generated bindings and the tests (skipped while the sources are unchanged).
# The Kotlin blocks of bindings/README.md are compiled too, each as a file of its own package.
README_DIR="$(mktemp -d)"
trap 'rm -rf "$README_DIR"' EXIT
python3 - "$HERE/../README.md" "$README_DIR" <<'PY' || fail "could not extract the README's Kotlin blocks"
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r"^```kotlin\n(.*?)^```", text, re.S | re.M)
if not blocks:
    sys.exit("no ```kotlin block in " + sys.argv[1])
for i, block in enumerate(blocks, 1):
    with open(f"{sys.argv[2]}/Readme{i}.kt", "w", encoding="utf-8") as f:
        f.write(f"package org.dashlite.readme{i}\n\n{block}")
PY
SOURCES=("$HERE"/src/main/kotlin/org/dashlite/*.kt "$HERE"/tests/*.kt "$README_DIR"/*.kt)
KEY="$(cat "${SOURCES[@]}" "$JNA_JAR" | python3 -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:16])')"
OUT="$CACHE/build/tests-$KEY.jar"
if [ ! -f "$OUT" ]; then
    mkdir -p "$CACHE/build"
    echo "kotlin tests: compiling ${#SOURCES[@]} files (about 30 s)"
    java -Xmx2g -cp "$COMPILER_CP" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler \
        -no-stdlib -no-reflect -jvm-target 17 -Werror \
        -cp "$STDLIB:$JNA_JAR:$COROUTINES" -d "$OUT.tmp.jar" "${SOURCES[@]}" \
        || fail "compilation failed"
    mv "$OUT.tmp.jar" "$OUT"
fi

# 3. Run.
java -Djna.library.path="$LIBDIR" -cp "$OUT:$STDLIB:$JNA_JAR:$COROUTINES" \
    org.dashlite.tests.BindingsTestKt
