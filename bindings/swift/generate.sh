#!/usr/bin/env bash
# Generates the Swift package's UniFFI files from libdmoe itself:
#   Sources/DmoeFFI/DmoeFFI.swift   the Swift bindings
#   include/DmoeFFIC.h              the C header they call
#   include/module.modulemap        the Clang module (DmoeFFIC) that exposes it to Swift
#   bindings/swift/generate.sh [PACKAGE_DIR]   (default: this package; .ci/run generates into
#                                               a scratch copy and diffs, so stale files fail)
# Honours CARGO_TARGET_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-$here}
root=$(cd "$here/../.." && pwd)
cd "$root"
target_dir=${CARGO_TARGET_DIR:-$root/target}
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
cargo rustc --release --locked -q -p dmoe-ffi --lib --crate-type cdylib
cargo build --release --locked -q -p uniffi-bindgen --bin uniffi-bindgen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lib="$target_dir/release/libdmoe.so"
[ -f "$lib" ] || lib="$target_dir/release/libdmoe.dylib"
"$target_dir/release/uniffi-bindgen" generate --no-format --library "$lib" \
  --language swift --out-dir "$work" > /dev/null
mkdir -p "$dest/Sources/DmoeFFI" "$dest/include"
cp "$work/DmoeFFI.swift" "$dest/Sources/DmoeFFI/DmoeFFI.swift"
cp "$work/DmoeFFIC.h" "$dest/include/DmoeFFIC.h"
cp "$work/DmoeFFIC.modulemap" "$dest/include/module.modulemap"
