#!/usr/bin/env bash
# Builds libdashlite_ffi.so for the four Android ABIs, in the jniLibs layout Gradle expects:
#
#   bindings/android/build.sh [out-dir]        (default: bindings/android/jniLibs)
#
#   <out-dir>/arm64-v8a/libdashlite_ffi.so       aarch64-linux-android
#   <out-dir>/armeabi-v7a/libdashlite_ffi.so     armv7-linux-androideabi
#   <out-dir>/x86_64/libdashlite_ffi.so          x86_64-linux-android
#   <out-dir>/x86/libdashlite_ffi.so             i686-linux-android
#
# Needs the Android NDK (ANDROID_NDK_HOME, r26 or later), cargo-ndk (`cargo install
# cargo-ndk`) and the rustup targets (`rustup target add aarch64-linux-android
# armv7-linux-androideabi x86_64-linux-android i686-linux-android`). Uses the size profile
# `release-ffi` (opt-level z, LTO, one codegen unit, panic=abort, stripped).
#
# The Kotlin sources are bindings/kotlin/src/main/kotlin (package org.dashlite); an Android
# library module adds them and the jniLibs folder, plus JNA (`net.java.dev.jna:jna:5.14.0@aar`)
# and kotlinx-coroutines-core — see bindings/android/build.gradle.kts and bindings/README.md.
# Not runnable on the CI machine (no NDK there); the JVM tests cover the Kotlin side.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${1:-$ROOT/bindings/android/jniLibs}"
API_LEVEL="${ANDROID_API_LEVEL:-24}"

[ -n "${ANDROID_NDK_HOME:-}" ] || { echo "set ANDROID_NDK_HOME to the NDK folder" >&2; exit 1; }
command -v cargo-ndk >/dev/null || { echo "install cargo-ndk: cargo install cargo-ndk" >&2; exit 1; }

# Android 15 devices may use 16 KB pages: align the library's segments for them.
export RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-Wl,-z,max-page-size=16384"

cd "$ROOT"
cargo ndk --platform "$API_LEVEL" -o "$OUT" \
    -t arm64-v8a -t armeabi-v7a -t x86_64 -t x86 \
    build -p dashlite-ffi --lib --profile release-ffi
ls -l "$OUT"/*/libdashlite_ffi.so
