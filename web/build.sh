#!/usr/bin/env bash
# Builds the interactive page: the library compiled to WebAssembly with
# emscripten (Debian's emcc), the C glue web/glue.c, and the page's static
# files, all into one folder (the argument; build-web/ by default) that any
# static web server can serve. Nothing in the folder is fetched from elsewhere.
#
# The emscripten cache (the C library and the other system libraries compiled
# for WebAssembly) is kept in <folder>/emcache: the first build compiles it,
# which takes minutes; later builds reuse it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-build-web}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Debian's emcc keeps a read-only ("frozen") cache under /usr/share; ours is
# writable and lives in the build folder. Its Python scripts need the
# system's Python and its JavaScript tools the system's Node modules.
export EM_CACHE="$out/emcache"
export EM_FROZEN_CACHE=
export EMSDK_PYTHON=${EMSDK_PYTHON:-/usr/bin/python3}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}

# The library's sources as meson.build lists them, so that the page is built
# from exactly the files of the native library.
mapfile -t sources < <(sed -n "/^lib_sources = files(/,/^)/s/.*'\(lib\/[^']*\.c\)'.*/\1/p" \
    "$root/meson.build")
if [ "${#sources[@]}" -lt 10 ]; then
    echo "web/build.sh: cannot read the library's sources from meson.build" >&2
    exit 1
fi

# What the page calls: the glue's functions (every "web_" function of
# glue.c) and malloc/free to pass arrays.
exports=$(sed -n 's/^[a-z].* \*\{0,1\}\(web_[a-z_]*\)(.*/"_\1"/p' "$root/web/glue.c" | paste -sd, -)
exports="[$exports,\"_malloc\",\"_free\"]"

# NN_IO_STDIO: model files through plain stdio (lib/io.c keeps its POSIX-only
# parts behind that guard); the page only uses the buffer calls anyway.
cd "$root"
emcc -O2 -std=c11 -Wall -Wextra -Wpedantic -Werror \
    -DNN_IO_STDIO -DBACKPROP_BUILDING -I include \
    "${sources[@]}" web/glue.c \
    -s MODULARIZE=1 -s EXPORT_ES6=1 -s EXPORT_NAME=createBackprop \
    -s ENVIRONMENT=web,node -s ALLOW_MEMORY_GROWTH=1 \
    -s EXPORTED_FUNCTIONS="$exports" \
    -s EXPORTED_RUNTIME_METHODS='["UTF8ToString","stringToUTF8","lengthBytesUTF8"]' \
    -o "$out/backprop.js"

cp web/index.html web/page.css web/*.js "$out/"
echo "web/build.sh: built $out/index.html ($(wc -c <"$out/backprop.wasm") bytes of wasm)"
