#!/usr/bin/env bash
# From a clean clone to the npm package in bindings/js/pkg: installs the wasm toolchain the
# way ../shared/TOOLCHAIN.md verified (Debian's Rust with std sources, wasm-ld, binaryen,
# the wasm-bindgen CLI pinned to the crate's version), builds dmoe-ffi for wasm32 with the
# size profile, generates the ES-module glue and shrinks the wasm with wasm-opt -Oz.
# dmoe-ffi is built without its default features: no manifest parsers, URL parser or
# content steering (hls.js parses; the adapter hands the agent typed ladders and lists).
# DMOE_MAX_GZIP=N fails the build when wasm + glue + modules exceed N bytes gzipped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

need=()
for b in /usr/bin/rustc /usr/lib/rustlib/src/rust/library wasm-ld-19 wasm-opt; do
  if [ ! -e "$b" ] && ! command -v "$b" >/dev/null 2>&1; then need+=("$b"); fi
done
if ! dpkg -s rustc-web >/dev/null 2>&1 || [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  $sudo_cmd apt-get install -y -q rustc-web cargo-web rust-web-src lld-19 binaryen
fi
rustup toolchain list | grep -q '^debian-web' || rustup toolchain link debian-web /usr

wb_version=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' dmoe-ffi/Cargo.toml)
if ! command -v wasm-bindgen >/dev/null 2>&1 || ! wasm-bindgen --version | grep -q " $wb_version\$"; then
  # Not --locked: the CLI's lock file names a crate version the registry mirror lacks.
  cargo install -q wasm-bindgen-cli --version "$wb_version"
fi

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19
# Debian's binaryen (108) mistranslates externref tables: build without reference types so
# wasm-opt can shrink the module safely.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=-reference-types -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none"
cargo +debian-web build -q --locked --profile wasm --target wasm32-unknown-unknown \
  -Zbuild-std=std,panic_abort -p dmoe-ffi --no-default-features --target-dir target/wasm
wasm=target/wasm/wasm32-unknown-unknown/wasm/dmoe.wasm
rm -rf "$here/pkg"
wasm-bindgen --target web --out-dir "$here/pkg" --out-name dmoe "$wasm"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --strip-debug --strip-producers "$here/pkg/dmoe_bg.wasm" -o "$here/pkg/dmoe_bg.wasm"
raw=$(stat -c %s "$here/pkg/dmoe_bg.wasm")
# What a web page loads: the wasm, the generated glue and the package's own modules.
gz=$(cat "$here/pkg/dmoe_bg.wasm" "$here/pkg/dmoe.js" "$here"/src/*.js | gzip -9 | wc -c)
echo "bindings/js: wasm ${raw} bytes; wasm + glue + adapter gzipped ${gz} bytes"
if [ -n "${DMOE_MAX_GZIP:-}" ] && [ "$gz" -gt "$DMOE_MAX_GZIP" ]; then
  echo "bindings/js: over the size budget of ${DMOE_MAX_GZIP} bytes gzipped" >&2
  exit 1
fi
