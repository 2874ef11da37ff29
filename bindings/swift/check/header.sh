#!/usr/bin/env bash
# Checks the Swift package's C side as far as this machine can (it has no Swift compiler):
#   1. include/DmoeFFIC.h compiles as C (clang: the header uses Clang's nullability
#      qualifiers, as Apple's toolchain does);
#   2. include/module.modulemap builds as the Clang module DmoeFFIC and an Objective-C
#      file can `@import` it (what Swift's importer does with it);
#   3. every function the header declares is exported by libdmoe (a program taking the
#      address of each links against the library).
#   bindings/swift/check/header.sh LIBDMOE_SO
set -euo pipefail
lib=${1:?usage: header.sh path/to/libdmoe.so}
here=$(cd "$(dirname "$0")" && pwd)
include="$here/../include"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '#include "DmoeFFIC.h"\n' > "$work/header.c"
clang -std=c11 -Wall -Wextra -Werror -fsyntax-only -I "$include" "$work/header.c"

cat > "$work/import.m" <<'C'
@import DmoeFFIC;
int main(void) {
  RustCallStatus status = {0};
  (void)status;
  return (int)ffi_dmoe_uniffi_contract_version();
}
C
clang -fmodules -fmodules-cache-path="$work/cache" -fmodule-map-file="$include/module.modulemap" \
  -I "$include" -Werror -fsyntax-only "$work/import.m"

names=$(grep -oE '\b(uniffi_dmoe|ffi_dmoe)_[A-Za-z0-9_]+\(' "$include/DmoeFFIC.h" | tr -d '(' | sort -u)
count=$(printf '%s\n' "$names" | grep -c .)
{
  echo '#include "DmoeFFIC.h"'
  echo 'void *const every_function[] = {'
  printf '  (void *)%s,\n' $names
  echo '};'
  echo 'int main(void) { return every_function[0] == 0; }'
} > "$work/link.c"
clang -Wno-pedantic -I "$include" "$work/link.c" -o "$work/link" "$lib" -Wl,-rpath,"$(dirname "$lib")"
"$work/link"
echo "DmoeFFIC.h compiles, module.modulemap imports, and libdmoe exports all $count functions it declares"
