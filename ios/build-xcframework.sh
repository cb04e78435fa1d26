#!/usr/bin/env bash
# On a Mac with Xcode and the iOS Rust targets (rustup target add aarch64-apple-ios
# aarch64-apple-ios-sim): builds libminihost_ffi for device and simulator, generates the Swift
# bindings with the workspace's pinned uniffi-bindgen, and packs MinihostFFIFFI.xcframework
# next to Package.swift. Not run on the Linux machine this project is developed on.
set -euo pipefail
cd "$(dirname "$0")/.."
for target in aarch64-apple-ios aarch64-apple-ios-sim; do
  cargo build --release -p minihost-ffi --target "$target"
done
kit=ios/MinihostKit
gen=$(mktemp -d)
cargo run -p uniffi-bindgen -- generate --library target/aarch64-apple-ios/release/libminihost_ffi.a \
  --language swift --out-dir "$gen"
mkdir -p "$kit/Sources/MinihostFFI" "$gen/include"
cp "$gen/MinihostFFI.swift" "$kit/Sources/MinihostFFI/"
cp "$gen/MinihostFFIFFI.h" "$gen/include/"
cp "$gen/MinihostFFIFFI.modulemap" "$gen/include/module.modulemap"
rm -rf "$kit/MinihostFFIFFI.xcframework"
xcodebuild -create-xcframework \
  -library target/aarch64-apple-ios/release/libminihost_ffi.a -headers "$gen/include" \
  -library target/aarch64-apple-ios-sim/release/libminihost_ffi.a -headers "$gen/include" \
  -output "$kit/MinihostFFIFFI.xcframework"
