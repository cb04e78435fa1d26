// swift-tools-version:5.9
// MinihostKit: a WKWebView shell over the minihost core. `ios/build-xcframework.sh` (on a Mac)
// builds the Rust library for iOS and generates the Swift bindings into Sources/MinihostFFI.
import PackageDescription

let package = Package(
    name: "MinihostKit",
    platforms: [.iOS(.v15)],
    products: [.library(name: "MinihostKit", targets: ["MinihostKit"])],
    targets: [
        .binaryTarget(name: "MinihostFFIFFI", path: "MinihostFFIFFI.xcframework"),
        .target(name: "MinihostFFI", dependencies: ["MinihostFFIFFI"], path: "Sources/MinihostFFI"),
        .target(name: "MinihostKit", dependencies: ["MinihostFFI"], path: "Sources/MinihostKit"),
    ]
)
