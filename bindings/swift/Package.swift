// swift-tools-version:5.7
// The DashLite Swift package: the generated bindings (Sources/DashLite/DashLite.swift) over
// DashLiteFFI.xcframework, the static library with the C header and module map. Build the
// XCFramework first with bindings/ios/build.sh (macOS, Xcode), then `swift test` here.
import PackageDescription

let package = Package(
    name: "DashLite",
    platforms: [.iOS(.v13), .macOS(.v10_15)],
    products: [
        .library(name: "DashLite", targets: ["DashLite"]),
    ],
    targets: [
        .binaryTarget(name: "DashLiteFFI", path: "DashLiteFFI.xcframework"),
        .target(
            name: "DashLite",
            dependencies: ["DashLiteFFI"],
            path: "Sources/DashLite"
        ),
        .testTarget(
            name: "DashLiteTests",
            dependencies: ["DashLite"],
            path: "Tests/DashLiteTests"
        ),
    ]
)
