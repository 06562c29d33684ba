#!/bin/sh
# The regression of examples/friedman.c with the command instead of C: the
# same Friedman #1 rows (written by the friedman program), a 10-32-1 network
# (tanh, then linear) trained with Adam on the mean squared error, inputs and
# target standardised, a tenth of the training rows held back for early
# stopping; then R^2 on the held-out rows.
#
# usage: examples/friedman_cli.sh BACKPROP FRIEDMAN
#   BACKPROP  the command (e.g. build/tools/backprop)
#   FRIEDMAN  the example program (e.g. build/examples/friedman)
# Exits non-zero if a step fails or the held-out R^2 is below 0.85 (least
# squares reaches 0.71 on these rows; see examples/friedman.c).
set -eu
backprop=${1:?usage: friedman_cli.sh BACKPROP FRIEDMAN}
friedman=${2:?usage: friedman_cli.sh BACKPROP FRIEDMAN}
min_r2=0.85
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$friedman" --csv "$work"
"$backprop" init --sizes 10,32,1 --activations tanh,linear --loss mse \
    --init xavier --seed 1 -o "$work/model.txt"
"$backprop" train "$work/model.txt" --data "$work/friedman_train.csv" --target-columns 11 \
    --optimizer adam --rate 0.003 --loss mse --batch 32 --epochs 100 \
    --validation 0.1 --patience 10 --scale standard --seed 1 --quiet \
    -o "$work/trained.txt"
"$backprop" eval "$work/trained.txt" --data "$work/friedman_test.csv"
"$backprop" eval "$work/trained.txt" --data "$work/friedman_test.csv" \
    --format json > "$work/eval.json"

r2=$(tr -d ' \n\t' < "$work/eval.json" | sed -n 's/.*"r2":\([-+0-9.eE]*\).*/\1/p')
if [ -z "$r2" ]; then
    echo "friedman_cli: no r2 in the eval JSON" >&2
    cat "$work/eval.json" >&2
    exit 1
fi
echo "friedman_cli: held-out R^2 $r2 (at least $min_r2 required)"
awk -v r="$r2" -v m="$min_r2" 'BEGIN { exit !(r + 0 >= m + 0) }'
