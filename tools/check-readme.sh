#!/bin/sh
# Compiles and runs the C example of README.md against a built static library.
# usage: tools/check-readme.sh BUILD_DIR
set -eu
build=${1:?usage: tools/check-readme.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
meson compile -C "$build" >/dev/null
sed -n '/^```c$/,/^```$/p' "$root/README.md" | sed '1d;$d' > "$build/readme_example.c"
${CC:-cc} -std=c11 -Wall -Wextra -Wpedantic -Werror -I "$root/include" \
    "$build/readme_example.c" "$build/libbackprop.a" -lm -o "$build/readme_example"
"$build/readme_example"
