#!/usr/bin/env bash
# Build libdmoe (shared and static) and install it with its header and a pkg-config file.
#   bindings/c/install.sh PREFIX
# Afterwards:
#   cc app.c $(PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags --libs dmoe) \
#     -Wl,-rpath,$(PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --variable=libdir dmoe)
# or link statically: ... $(pkg-config --cflags dmoe) PREFIX/lib/libdmoe.a \
#   $(pkg-config --libs-only-other --static dmoe) -lpthread -ldl -lm
# Honours CARGO_TARGET_DIR. Nothing is written to PREFIX unless the build succeeded.
set -euo pipefail
prefix=${1:?usage: install.sh PREFIX}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=$(sed -n 's/^#define DMOE_VERSION "\(.*\)"/\1/p' "$here/include/dmoe.h")
major=${version%%.*}
[ -n "$version" ] || { echo "install.sh: no DMOE_VERSION in $here/include/dmoe.h" >&2; exit 1; }

# Fail before building when PREFIX cannot be written.
probe=$prefix
while [ ! -e "$probe" ]; do probe=$(dirname "$probe"); done
if [ ! -d "$probe" ] || [ ! -w "$probe" ]; then
  echo "install.sh: cannot write to $prefix (nearest existing: $probe)" >&2
  exit 1
fi

cd "$root"
target_dir=${CARGO_TARGET_DIR:-$root/target}
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
echo "install.sh: building libdmoe $version (release) in $target_dir" >&2
# The C package leaves the UniFFI scaffolding out (Kotlin and Swift apps take the library
# built by bindings/kotlin/build-native.sh or bindings/swift/build-xcframework.sh). Until
# 1.0 there is no ABI promise: the full version is in the SONAME.
cargo rustc --release --locked -q -p dmoe-ffi --lib --crate-type cdylib,staticlib \
  --no-default-features --features hls,dash,os-entropy,baselines -- \
  -C "link-arg=-Wl,-soname,libdmoe.so.$version"
so="$target_dir/release/libdmoe.so"
a="$target_dir/release/libdmoe.a"
for f in "$so" "$a"; do
  [ -f "$f" ] || { echo "install.sh: the build left no $f" >&2; exit 1; }
done

mkdir -p "$prefix/lib/pkgconfig" "$prefix/include"
install -m 0644 "$here/include/dmoe.h" "$prefix/include/dmoe.h"
install -m 0755 "$so" "$prefix/lib/libdmoe.so.$version"
ln -sf "libdmoe.so.$version" "$prefix/lib/libdmoe.so.$major"
ln -sf "libdmoe.so.$version" "$prefix/lib/libdmoe.so"
install -m 0644 "$a" "$prefix/lib/libdmoe.a"
prefix_abs=$(cd "$prefix" && pwd)
cat > "$prefix/lib/pkgconfig/dmoe.pc" <<PC
prefix=$prefix_abs
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: dmoe
Description: DMOE device agent: adaptive bitrate, edge selection and QoE telemetry (C ABI)
Version: $version
Libs: -L\${libdir} -ldmoe
Libs.private: -lpthread -ldl -lm
Cflags: -I\${includedir}
PC
echo "installed libdmoe $version to $prefix_abs"
echo "link with: \$(PKG_CONFIG_PATH=$prefix_abs/lib/pkgconfig pkg-config --cflags --libs dmoe) -Wl,-rpath,$prefix_abs/lib"
