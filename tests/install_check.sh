#!/usr/bin/env bash
# Installs the build into a temporary prefix, then compiles and runs
# examples/xor.c against it through pkg-config, as a user would.
set -euo pipefail
build=$1 src=$2 cc=${3:-cc} # the compiler that built the library (its OpenMP runtime)
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
test -f "$prefix/include/hepnn/ops.h"
libdir=$(ls -d "$prefix"/lib*/ | head -n 1)
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# the shared library, as pkg-config describes it
"$cc" -std=c11 -Wall -Wextra -Werror "$src/examples/xor.c" $(pkg-config --cflags --libs hepnn) -lm \
   -Wl,-rpath,"$libdir" -o "$prefix/xor_shared"
"$prefix/xor_shared"
# the static library, with the private dependencies pkg-config lists
"$cc" -std=c11 "$src/examples/xor.c" $(pkg-config --cflags hepnn) "$libdir/libhepnn.a" \
   $(pkg-config --libs-only-other --static hepnn) $(pkg-config --libs --static openblas zlib liblz4 libxxhash liblzma libzstd yaml-0.1) \
   $(pkg-config --libs --static hepnn | tr ' ' '\n' | grep -vx -- -lhepnn | tr '\n' ' ') -lm -o "$prefix/xor_static"
"$prefix/xor_static"
echo "1 passed, 0 failed"
