#!/bin/sh
# Runs the Python binding's tests against the libbackprop.so of a Meson build
# directory: once as found (with numpy when it is installed) and once with
# numpy hidden, so that the list-only path is exercised too.
# Usage: bindings/python/run-tests.sh <builddir>
set -eu
exec 2>&1
export PYTHONDONTWRITEBYTECODE=1

if [ $# -ne 1 ]; then
    echo "usage: $0 <builddir>" >&2
    exit 2
fi
builddir=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-/usr/bin/python3}

BACKPROP_LIBRARY="$builddir/libbackprop.so"
if [ ! -e "$BACKPROP_LIBRARY" ]; then
    echo "$0: $BACKPROP_LIBRARY not found (build the shared library first)" >&2
    exit 2
fi
export BACKPROP_LIBRARY

cd "$here"
echo "== Python binding ($("$python" --version 2>&1)) =="
"$python" -m unittest discover -s tests
echo "== Python binding, numpy hidden =="
"$python" -c 'import sys, unittest
sys.modules["numpy"] = None
unittest.main(module=None, argv=["unittest", "discover", "-s", "tests"])'
