#!/usr/bin/env bash
# From a clean clone to the npm package in bindings/js/pkg: installs the wasm toolchain the
# way ../shared/TOOLCHAIN.md verified (Debian's Rust with std sources, wasm-ld, binaryen,
# the wasm-bindgen CLI pinned to the crate's version), builds dmoe-ffi for wasm32 with the
# size profile, generates the ES-module glue and shrinks the wasm with wasm-opt -Oz.
# dmoe-ffi is built without its default features: no manifest parsers, URL parser or
# content steering (hls.js parses; the adapter hands the agent typed ladders and lists).
# Then bundles what a page loads: dist/dmoe-hls.js, dist/dmoe-shaka.js, dist/dmoe-dash.js
# (glue + wrapper + one player's adapter, minified), dist/dmoe.js (all three) and
# dist/dmoe_bg.wasm. DMOE_MAX_GZIP=N fails the build when a player's bundle and the wasm
# exceed N bytes gzipped.
set -euo pipefail
t0=$SECONDS
step() { printf 'bindings/js: %s (%ds)\n' "$*" $((SECONDS - t0)) >&2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

step "checking the wasm toolchain (Debian rustc-web, wasm-ld, binaryen)"
need=()
for b in /usr/bin/rustc /usr/lib/rustlib/src/rust/library wasm-ld-19 wasm-opt; do
  if [ ! -e "$b" ] && ! command -v "$b" >/dev/null 2>&1; then need+=("$b"); fi
done
if ! dpkg -s rustc-web >/dev/null 2>&1 || [ ${#need[@]} -gt 0 ]; then
  step "installing the wasm toolchain with apt"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  $sudo_cmd apt-get install -y -q rustc-web cargo-web rust-web-src lld-19 binaryen
fi
rustup toolchain list | grep -q '^debian-web' || rustup toolchain link debian-web /usr

wb_version=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' dmoe-ffi/Cargo.toml)
if ! command -v wasm-bindgen >/dev/null 2>&1 || ! wasm-bindgen --version | grep -q " $wb_version\$"; then
  step "installing wasm-bindgen-cli $wb_version (about 2 minutes, once)"
  # Not --locked: the CLI's lock file names a crate version the registry mirror lacks.
  cargo install -q wasm-bindgen-cli --version "$wb_version"
fi

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19
# Debian's binaryen (108) mistranslates externref tables: build without reference types so
# wasm-opt can shrink the module safely.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=-reference-types -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none"
step "building dmoe-ffi for wasm32 (size profile; about a minute when std is not cached)"
cargo +debian-web build -q --locked --profile wasm --target wasm32-unknown-unknown \
  -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size \
  -p dmoe-ffi --no-default-features --target-dir target/wasm
wasm=target/wasm/wasm32-unknown-unknown/wasm/dmoe.wasm
rm -rf "$here/pkg"
step "generating the JavaScript glue (wasm-bindgen) and shrinking the module (wasm-opt -Oz)"
wasm-bindgen --target web --out-dir "$here/pkg" --out-name dmoe "$wasm"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --strip-debug --strip-producers "$here/pkg/dmoe_bg.wasm" -o "$here/pkg/dmoe_bg.wasm"
# What a page loads: one minified ES module (the glue, the agent wrapper and the hls.js
# adapter, bundled by esbuild, pinned in package.json) and the wasm beside it.
if [ ! -x "$here/node_modules/.bin/esbuild" ]; then
  step "installing the package's build tools (npm ci)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
step "bundling dist/dmoe.js and one bundle per player (esbuild --minify) with the wasm beside them"
rm -rf "$here/dist"
mkdir -p "$here/dist"
bundle() {
  "$here/node_modules/.bin/esbuild" "$1" --bundle --format=esm --minify \
    --log-level=warning --outfile="$2"
}
bundle "$here/src/index.js" "$here/dist/dmoe.js"
for p in hls shaka dash; do
  bundle "$here/src/entry-$p.js" "$here/dist/dmoe-$p.js"
done
cp "$here/pkg/dmoe_bg.wasm" "$here/dist/dmoe_bg.wasm"
raw=$(stat -c %s "$here/dist/dmoe_bg.wasm")
wasm_gz=$(gzip -9 < "$here/dist/dmoe_bg.wasm" | wc -c)
# The glue with no adapter: what each adapter adds is measured against it.
printf "export { default as init } from '%s/pkg/dmoe.js';\nexport { createAdvisor, createAgent } from '%s/src/agent.js';\n" \
  "$here" "$here" > "$here/dist/.core.js"
bundle "$here/dist/.core.js" "$here/dist/.core.min.js"
core_gz=$(gzip -9 < "$here/dist/.core.min.js" | wc -c)
rm -f "$here/dist/.core.js" "$here/dist/.core.min.js"
step "wasm ${raw} bytes (${wasm_gz} gzipped); glue without an adapter ${core_gz} gzipped"
over=0
for name in dmoe dmoe-hls dmoe-shaka dmoe-dash; do
  js_gz=$(gzip -9 < "$here/dist/$name.js" | wc -c)
  gz=$((wasm_gz + js_gz))
  echo "  dist/$name.js: ${js_gz} gzipped (adapter share $((js_gz - core_gz))); a page loading it with the wasm: ${gz} bytes gzipped"
  if [ "$name" != dmoe ] && [ -n "${DMOE_MAX_GZIP:-}" ] && [ "$gz" -gt "$DMOE_MAX_GZIP" ]; then
    echo "bindings/js: dist/$name.js with the wasm is over the size budget of ${DMOE_MAX_GZIP} bytes gzipped" >&2
    over=1
  fi
done
[ "$over" -eq 0 ] || exit 1
