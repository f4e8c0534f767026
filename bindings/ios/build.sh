#!/usr/bin/env bash
# Builds DashLiteFFI.xcframework (static libraries + the C header and module map) for iOS
# devices, the iOS simulator and macOS, next to bindings/swift/Package.swift:
#
#   bindings/ios/build.sh
#
#   bindings/swift/DashLiteFFI.xcframework/
#     ios-arm64/                      aarch64-apple-ios
#     ios-arm64_x86_64-simulator/     aarch64-apple-ios-sim + x86_64-apple-ios (lipo)
#     macos-arm64_x86_64/             aarch64-apple-darwin + x86_64-apple-darwin (lipo)
#     each: libdashlite_ffi.a, Headers/{DashLiteFFI.h, module.modulemap}
#
# Needs macOS with Xcode (xcodebuild, lipo) and the rustup targets (`rustup target add
# aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin
# x86_64-apple-darwin`). Uses the size profile `release-ffi`. Then `cd bindings/swift &&
# swift test` runs the XCTest suite on the Mac, and apps add bindings/swift as a local
# package (or a release's zipped XCFramework as a binaryTarget). Not runnable on the CI
# machine (no Xcode); there the header is compiled with clang and its symbols checked.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PROFILE=release-ffi
SWIFT="$ROOT/bindings/swift"
BUILD="$ROOT/target/ios-xcframework"
export IPHONEOS_DEPLOYMENT_TARGET="${IPHONEOS_DEPLOYMENT_TARGET:-13.0}"
export MACOSX_DEPLOYMENT_TARGET="${MACOSX_DEPLOYMENT_TARGET:-10.15}"

command -v xcodebuild >/dev/null || { echo "needs Xcode (xcodebuild)" >&2; exit 1; }

cd "$ROOT"
TARGETS=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
for t in "${TARGETS[@]}"; do
    cargo build -p dashlite-ffi --lib --profile "$PROFILE" --target "$t"
done
lib() { echo "$ROOT/target/$1/$PROFILE/libdashlite_ffi.a"; }

rm -rf "$BUILD" && mkdir -p "$BUILD/headers" "$BUILD/ios-sim" "$BUILD/macos"
cp "$SWIFT/DashLiteFFI/DashLiteFFI.h" "$BUILD/headers/"
# Inside an XCFramework the module map must be called module.modulemap.
cp "$SWIFT/DashLiteFFI/DashLiteFFI.modulemap" "$BUILD/headers/module.modulemap"
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" \
    -output "$BUILD/ios-sim/libdashlite_ffi.a"
lipo -create "$(lib aarch64-apple-darwin)" "$(lib x86_64-apple-darwin)" \
    -output "$BUILD/macos/libdashlite_ffi.a"

rm -rf "$SWIFT/DashLiteFFI.xcframework"
xcodebuild -create-xcframework \
    -library "$(lib aarch64-apple-ios)" -headers "$BUILD/headers" \
    -library "$BUILD/ios-sim/libdashlite_ffi.a" -headers "$BUILD/headers" \
    -library "$BUILD/macos/libdashlite_ffi.a" -headers "$BUILD/headers" \
    -output "$SWIFT/DashLiteFFI.xcframework"
echo "built $SWIFT/DashLiteFFI.xcframework"
