#!/bin/sh
# Builds the libFuzzer targets with clang (libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer), outside the Meson build tree, and runs each
# for a bounded time on its seed corpus:
#   load  the model loader (fuzz_load.c; seeds fuzz/corpus and the example models)
#   csv   the backprop command's CSV reader (fuzz_csv.c; seeds fuzz/corpus_csv)
#   dataset_csv   the library's CSV loader (fuzz_dataset_csv.c; seeds fuzz/corpus_dataset_csv)
#   dataset_fann  the library's FANN data loader (fuzz_dataset_fann.c; seeds fuzz/corpus_fann)
#
# usage: fuzz/run.sh OUTPUT_DIR [SECONDS [TARGET...]]
#   OUTPUT_DIR  receives the binaries, the growing corpora and any crash input
#   SECONDS     how long to fuzz each target (default 60)
#   TARGET      load, csv, dataset_csv, dataset_fann (default: all)
# Environment: FUZZ_CC (default clang), FUZZ_RSS_MB (default 2048).
# Exits non-zero when a target cannot be built or the fuzzer finds a crash,
# a leak, undefined behaviour or a failed check of the target.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:?usage: fuzz/run.sh OUTPUT_DIR [SECONDS [TARGET...]]}
seconds=${2:-60}
[ $# -ge 2 ] && shift 2 || shift $#
targets=${*:-load csv dataset_csv dataset_fann}
cc=${FUZZ_CC:-clang}
rss_mb=${FUZZ_RSS_MB:-2048}

mkdir -p "$out"
out=$(cd "$out" && pwd)
flags="-std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"

failed=0
for target in $targets; do
    # each target: its sources, its seed folders and its dictionary
    case $target in
    load)
        sources="$root/lib/*.c $root/lib/explain/*.c $here/fuzz_load.c"
        includes="-I$root/include"
        seeds="$here/corpus $root/examples/models"
        dict=$here/model.dict
        corpus=$out/corpus
        ;;
    csv)
        sources="$root/tools/csv.c $root/tools/quote.c $here/fuzz_csv.c"
        includes="-I$root/tools"
        seeds="$here/corpus_csv"
        dict=$here/csv.dict
        corpus=$out/corpus_csv
        ;;
    dataset_csv)
        sources="$root/lib/*.c $root/lib/explain/*.c $here/fuzz_dataset_csv.c"
        includes="-I$root/include"
        seeds="$here/corpus_dataset_csv"
        dict=$here/csv.dict
        corpus=$out/corpus_dataset_csv
        ;;
    dataset_fann)
        sources="$root/lib/*.c $root/lib/explain/*.c $here/fuzz_dataset_fann.c"
        includes="-I$root/include"
        seeds="$here/corpus_fann"
        dict=$here/fann.dict
        corpus=$out/corpus_dataset_fann
        ;;
    *)
        echo "fuzz: unknown target '$target' (load, csv, dataset_csv or dataset_fann)" >&2
        exit 2
        ;;
    esac
    artifacts=$out/artifacts_$target
    mkdir -p "$corpus" "$artifacts"
    echo "fuzz: building $out/fuzz_$target"
    # shellcheck disable=SC2086
    "$cc" $flags $includes $sources -lm -o "$out/fuzz_$target"

    echo "fuzz: running $target for ${seconds}s"
    status=0
    # shellcheck disable=SC2086
    "$out/fuzz_$target" \
        -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -timeout=10 -max_len=16384 \
        -dict="$dict" -artifact_prefix="$artifacts/" -print_final_stats=1 \
        "$corpus" $seeds || status=$?

    if [ "$status" -ne 0 ] || [ -n "$(ls -A "$artifacts")" ]; then
        echo "fuzz: $target FAILED (exit $status); inputs kept in $artifacts" >&2
        failed=1
    else
        echo "fuzz: $target: no failure in ${seconds}s"
    fi
done
exit "$failed"
