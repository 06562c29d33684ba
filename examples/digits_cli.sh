#!/bin/sh
# The digits task of examples/digits.c with the command instead of C:
# split, init, train (Adam, cross-entropy, batches of 32, a tenth of the
# training rows held back for early stopping, standardised inputs), evaluate.
#
# usage: examples/digits_cli.sh BACKPROP DIGITS_CSV
#   BACKPROP    the command (e.g. build/tools/backprop)
#   DIGITS_CSV  examples/data/digits.csv
# Exits non-zero if a step fails or the test accuracy is below 97%.
set -eu
backprop=${1:?usage: digits_cli.sh BACKPROP DIGITS_CSV}
data=${2:?usage: digits_cli.sh BACKPROP DIGITS_CSV}
min_accuracy=0.97
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A fixed stratified 80/20 split: of each digit's rows, in file order, the
# 1st, 6th, 11th, ... go to the test file, the others to the training file.
# (The five such folds give 98.4, 98.1, 98.1, 97.5 and 96.3% with these
# settings, mean 97.7%; this is the first.)
awk -F, -v train="$work/train.csv" -v test="$work/test.csv" '
    NR == 1 { print > train; print > test; next }
    { seen[$NF]++; if (seen[$NF] % 5 == 1) print > test; else print > train }
' "$data"

"$backprop" init --sizes 64,64,10 --activations relu,softmax --loss cross-entropy \
    --init he --seed 1 -o "$work/model.txt"
"$backprop" train "$work/model.txt" --data "$work/train.csv" --class-column digit \
    --optimizer adam --rate 0.003 --loss cross-entropy --batch 32 --epochs 100 \
    --validation 0.1 --patience 10 --scale standard --seed 1 --quiet \
    -o "$work/trained.txt"
"$backprop" eval "$work/trained.txt" --data "$work/test.csv" --class-column digit
"$backprop" eval "$work/trained.txt" --data "$work/test.csv" --class-column digit \
    --format json > "$work/eval.json"

# The first number named "accuracy" in the JSON, wherever it is nested.
accuracy=$(tr -d ' \n\t' < "$work/eval.json" |
    sed -n 's/.*"accuracy":\([-+0-9.eE]*\).*/\1/p')
if [ -z "$accuracy" ]; then
    echo "digits_cli: no accuracy in the eval JSON" >&2
    cat "$work/eval.json" >&2
    exit 1
fi
echo "digits_cli: test accuracy $accuracy (at least $min_accuracy required)"
awk -v a="$accuracy" -v m="$min_accuracy" 'BEGIN { exit !(a + 0 >= m + 0) }'
