#!/bin/sh
# Builds the model-loader fuzz target with clang (libFuzzer, AddressSanitizer
# and UndefinedBehaviorSanitizer), outside the Meson build tree, and runs it
# for a bounded time on the seed corpus and the example models.
#
# usage: fuzz/run.sh OUTPUT_DIR [SECONDS]
#   OUTPUT_DIR  receives the binary, the growing corpus and any crash input
#   SECONDS     how long to fuzz (default 60)
# Environment: FUZZ_CC (default clang), FUZZ_RSS_MB (default 2048).
# Exits non-zero when the target cannot be built or the fuzzer finds a crash,
# a leak, undefined behaviour or a round-trip mismatch.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:?usage: fuzz/run.sh OUTPUT_DIR [SECONDS]}
seconds=${2:-60}
cc=${FUZZ_CC:-clang}
rss_mb=${FUZZ_RSS_MB:-2048}

mkdir -p "$out/corpus" "$out/artifacts"
out=$(cd "$out" && pwd)

echo "fuzz: building $out/fuzz_load"
# shellcheck disable=SC2086
"$cc" -std=c11 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I"$root/include" "$root"/lib/*.c "$here/fuzz_load.c" -lm -o "$out/fuzz_load"

echo "fuzz: running for ${seconds}s"
status=0
"$out/fuzz_load" \
    -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -timeout=10 -max_len=16384 \
    -dict="$here/model.dict" -artifact_prefix="$out/artifacts/" -print_final_stats=1 \
    "$out/corpus" "$here/corpus" "$root/examples/models" || status=$?

if [ "$status" -ne 0 ] || [ -n "$(ls -A "$out/artifacts")" ]; then
    echo "fuzz: FAILED (exit $status); inputs kept in $out/artifacts" >&2
    exit 1
fi
echo "fuzz: no failure in ${seconds}s"
