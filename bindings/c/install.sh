#!/usr/bin/env bash
# Build libdmoe (shared and static) and install it with its header and a pkg-config file.
#   bindings/c/install.sh PREFIX
# Afterwards: PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags --libs dmoe
set -euo pipefail
prefix=${1:?usage: install.sh PREFIX}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=$(sed -n 's/^#define DMOE_VERSION "\(.*\)"/\1/p' "$here/include/dmoe.h")
major=${version%%.*}
cd "$root"
# Until 1.0 there is no ABI promise: the full version is in the SONAME.
cargo rustc --release --locked -q -p dmoe-ffi --lib --crate-type cdylib,staticlib -- \
  -C "link-arg=-Wl,-soname,libdmoe.so.$version"
mkdir -p "$prefix/lib/pkgconfig" "$prefix/include"
install -m 0644 "$here/include/dmoe.h" "$prefix/include/dmoe.h"
install -m 0755 target/release/libdmoe.so "$prefix/lib/libdmoe.so.$version"
ln -sf "libdmoe.so.$version" "$prefix/lib/libdmoe.so.$major"
ln -sf "libdmoe.so.$version" "$prefix/lib/libdmoe.so"
install -m 0644 target/release/libdmoe.a "$prefix/lib/libdmoe.a"
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
