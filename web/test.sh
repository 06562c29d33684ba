#!/usr/bin/env bash
# Builds the interactive page (web/build.sh) and tests it in a real browser:
# the WebAssembly size budget, then headless Chromium driven by puppeteer-core
# (web/test/page.test.mjs) against a static server on 127.0.0.1, with the
# native library's model files as the reference for saving and loading.
#
#     bash web/test.sh [BUILD_DIR]      (build-web/ by default)
#
# Needs emscripten, node, npm and chromium (Debian packages); puppeteer-core
# comes from npm at the version web/test/package-lock.json pins, installed
# without its download scripts (it uses the system's Chromium).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-build-web}
bash "$root/web/build.sh" "$out"
out=$(cd "$out" && pwd)

# The budget: at most 150,000 bytes of wasm after gzip -9.
budget=150000
size=$(gzip -9 -c "$out/backprop.wasm" | wc -c)
echo "web/test.sh: backprop.wasm is $size bytes after gzip -9 (budget $budget)"
if [ "$size" -gt "$budget" ]; then
    echo "web/test.sh: the wasm is over its budget" >&2
    exit 1
fi

# The native library, for the model files the page must reproduce.
mapfile -t sources < <(sed -n "/^lib_sources = files(/,/^)/s/.*'\(lib\/[^']*\.c\)'.*/\1/p" \
    "$root/meson.build")
(cd "$root" && ${CC:-cc} -std=c11 -O2 -I include "${sources[@]}" web/test/native_model.c -lm \
    -o "$out/native_model")

# The glue compiled natively under AddressSanitizer and UndefinedBehaviorSanitizer
# (web/test/glue_native.c): the wasm build has no sanitizers to watch its memory.
(cd "$root" && ${CC:-cc} -std=c11 -g -O1 -Wall -Wextra -Wpedantic -Werror \
    -fsanitize=address,undefined -fno-sanitize-recover=all -I include "${sources[@]}" \
    web/glue.c web/test/glue_native.c -lm -o "$out/glue_native")
"$out/glue_native"

cd "$root/web/test"
if [ ! -f node_modules/puppeteer-core/package.json ] ||
    ! cmp -s package-lock.json node_modules/.package-lock.json.copy; then
    npm ci --ignore-scripts --no-audit --no-fund
    cp package-lock.json node_modules/.package-lock.json.copy
fi
rm -f "$out"/screenshot-*.png
node page.test.mjs "$out" "$out/native_model"
