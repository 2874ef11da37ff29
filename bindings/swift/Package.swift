// swift-tools-version:5.9
// DMOE for iOS and macOS apps. The native library comes as an XCFramework built on a
// Mac by build-xcframework.sh (libdmoe for each Apple target, with include/ as its headers);
// Sources/DmoeFFI and include/ are generated from that library by generate.sh.
import PackageDescription

let package = Package(
    name: "Dmoe",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Dmoe", targets: ["Dmoe"]),
    ],
    targets: [
        .binaryTarget(name: "DmoeFFIC", path: "build/DmoeFFIC.xcframework"),
        .target(name: "DmoeFFI", dependencies: ["DmoeFFIC"], path: "Sources/DmoeFFI"),
        .target(name: "Dmoe", dependencies: ["DmoeFFI"], path: "Sources/Dmoe"),
        .testTarget(
            name: "DmoeTests",
            dependencies: ["Dmoe"],
            path: "Tests/DmoeTests"
        ),
    ]
)
