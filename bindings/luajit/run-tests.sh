#!/bin/sh
# Runs the LuaJIT binding's tests against the libbackprop.so of a Meson build
# directory. Usage: bindings/luajit/run-tests.sh <builddir>
set -eu
exec 2>&1

if [ $# -ne 1 ]; then
    echo "usage: $0 <builddir>" >&2
    exit 2
fi
builddir=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
luajit=${LUAJIT:-luajit}

BACKPROP_LIBRARY="$builddir/libbackprop.so"
if [ ! -e "$BACKPROP_LIBRARY" ]; then
    echo "$0: $BACKPROP_LIBRARY not found (build the shared library first)" >&2
    exit 2
fi
export BACKPROP_LIBRARY

echo "== LuaJIT binding ($("$luajit" -v)) =="
"$luajit" "$here/test.lua"
