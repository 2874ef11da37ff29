#!/usr/bin/env bash
# Builds build/DmoeFFIC.xcframework, the native half of the Swift package: libdmoe (C ABI
# and UniFFI scaffolding, one library) as a static library for each Apple platform, with
# include/ (DmoeFFIC.h and module.modulemap) as its headers. Runs on macOS with Xcode and
# rustup; this repository's CI cannot (no Apple toolchain), so it is not run there.
#   bindings/swift/build-xcframework.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
target_dir=${CARGO_TARGET_DIR:-$root/target}
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
for t in "${targets[@]}"; do
  rustup target add "$t" > /dev/null
  cargo build --release --locked -p dmoe-ffi --lib --target "$t"
done
# The bindings must come from the same library the framework carries.
bash "$here/generate.sh"
out="$here/build"
rm -rf "$out" && mkdir -p "$out/ios-sim" "$out/macos"
lipo -create "$target_dir/aarch64-apple-ios-sim/release/libdmoe.a" \
  "$target_dir/x86_64-apple-ios/release/libdmoe.a" -output "$out/ios-sim/libdmoe.a"
lipo -create "$target_dir/aarch64-apple-darwin/release/libdmoe.a" \
  "$target_dir/x86_64-apple-darwin/release/libdmoe.a" -output "$out/macos/libdmoe.a"
xcodebuild -create-xcframework \
  -library "$target_dir/aarch64-apple-ios/release/libdmoe.a" -headers "$here/include" \
  -library "$out/ios-sim/libdmoe.a" -headers "$here/include" \
  -library "$out/macos/libdmoe.a" -headers "$here/include" \
  -output "$out/DmoeFFIC.xcframework"
echo "built $out/DmoeFFIC.xcframework; now: cd bindings/swift && swift test"
