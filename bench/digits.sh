#!/bin/sh
# The digits benchmark (docs/performance.md): libbackprop's C loop, the
# command, PyTorch float64, scikit-learn and FANN on the same split of
# examples/data/digits.csv, each for the same number of epochs; then test
# accuracy and seconds per epoch side by side. Run by hand, never by the tests.
#
# usage: bench/digits.sh BUILD_DIR [EPOCHS] [RATE] [REPS]
#   BUILD_DIR  a build made with -Dbench=true --buildtype=release
#   EPOCHS     default 40; RATE (Adam) default 0.003; REPS rounds, default 3
#              (the table shows each run's fastest round)
set -eu
build=${1:?usage: bench/digits.sh BUILD_DIR [EPOCHS] [RATE] [REPS]}
epochs=${2:-40}
rate=${3:-0.003}
reps=${4:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/examples/data/digits.csv"
python=${PYTHON:-/usr/bin/python3}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ninja -C "$build" bench/bench_digits tools/backprop >/dev/null

now() { date +%s.%N; }

for rep in $(seq "$reps"); do
    "$build/bench/bench_digits" "$data" "$work" "$epochs" "$rate" >> "$work/runs.txt"
    "$python" "$root/bench/digits_peers.py" "$data" "$work" "$epochs" "$rate" >> "$work/runs.txt"

    # The command: the same split (train.csv, test.csv), network, initial
    # weights, scaling and settings, from the model file onwards.
    "$build/tools/backprop" init --sizes 64,64,10 --activations relu,softmax \
        --loss cross-entropy --init he --seed 1 -o "$work/model.txt"
    t0=$(now)
    "$build/tools/backprop" train "$work/model.txt" --data "$work/train.csv" \
        --class-column class --optimizer adam --rate "$rate" --loss cross-entropy \
        --batch 32 --epochs "$epochs" --scale standard --seed 1 --quiet -o "$work/trained.txt"
    t1=$(now)
    "$build/tools/backprop" eval "$work/trained.txt" --data "$work/test_onehot.csv" \
        --format json > "$work/eval.json" || true
    accuracy=$(tr -d ' \n\t' < "$work/eval.json" |
        sed -n 's/.*"accuracy":\([-+0-9.eE]*\).*/\1/p')
    accuracy=${accuracy:-nan} # an eval that failed shows as nan, the time still counts
    echo "command $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') $epochs $accuracy" >> "$work/runs.txt"
done

grep '^same-work' "$work/runs.txt" | sort -k2 -g | tail -n 1 |
    awk '{ printf "PyTorch vs libbackprop after one epoch: largest relative difference %s\n\n", $2 }'
# The fastest round of each run; the per-epoch ratios to libbackprop's C loop.
grep -v '^same-work' "$work/runs.txt" | sort -k1,1 -k2,2g | awk '!seen[$1]++' |
    awk '{ name[NR] = $1; s[NR] = $2; e[NR] = $3; a[NR] = $4; if ($1 == "libbackprop") lib = $2 / $3 }
         END {
             printf "%-18s %9s %14s %10s %14s\n", "run", "epochs", "ms per epoch", "accuracy", "x libbackprop"
             for (i = 1; i <= NR; i++)
                 printf "%-18s %9d %14.3f %9.2f%% %14.2f\n", name[i], e[i], 1000 * s[i] / e[i],
                     100 * a[i], (s[i] / e[i]) / lib
         }'
