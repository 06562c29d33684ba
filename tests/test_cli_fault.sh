#!/usr/bin/env bash
# Allocation-failure injection for the backprop command: for each command line
# below, a first run counts the allocations; then the k-th allocation fails,
# for every k. Each such run must exit 1 with one line on standard error
# (never crash, never the usage status 2), create no model file and, in a
# build with sanitizers, give no sanitizer or leak report.
# usage: test_cli_fault.sh PATH/TO/backprop_fault SOURCE_DIR
set -u
bp=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
runs=0
models=$src/examples/models

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:exitcode=86:log_path=$work/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=87:print_stacktrace=1:log_path=$work/sanitizer"

printf 'x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n' > "$work/xor.csv"
printf '0.05,0.10\n0.5,1\n' > "$work/inputs.csv"
out=$work/out.txt   # the file each command line writes, if any

# check NAME ARGS...: the injection runs of one command line
check() {
    local name=$1
    shift
    rm -f "$out" "$work/count"
    BACKPROP_ALLOC_LOG=$work/count "$bp" "$@" >"$work/stdout" 2>"$work/stderr"
    local rc=$? total
    total=$(cat "$work/count" 2>/dev/null || echo 0)
    if [ "$rc" -ne 0 ] || [ "$total" -lt 1 ]; then
        fail "$name: the run without failures exited $rc after $total allocations: $(head -c 300 "$work/stderr")"
        return
    fi
    local k lines report
    for k in $(seq "$total"); do
        runs=$((runs + 1))
        rm -f "$out"
        BACKPROP_FAIL_ALLOC=$k "$bp" "$@" >"$work/stdout" 2>"$work/stderr"
        rc=$?
        lines=$(wc -l <"$work/stderr")
        for report in "$work"/sanitizer.*; do
            [ -e "$report" ] || continue
            fail "$name, allocation $k of $total: sanitizer report: $(head -c 1500 "$report")"
            rm -f "$report"
        done
        if [ "$rc" -ne 1 ] || [ "$lines" -ne 1 ] || ! grep -q '^backprop: ' "$work/stderr"; then
            fail "$name, allocation $k of $total: exit $rc, $lines lines: $(head -c 300 "$work/stderr")"
        elif [ -e "$out" ]; then
            fail "$name, allocation $k of $total: exit 1 but $out was written"
        fi
    done
    echo "$name: $total allocations, each failed once"
}

check init init --sizes 2,3,1 --activations tanh,sigmoid --seed 7 --bias shared --loss mse -o "$out"
check init-stdout init --sizes 2,2 --activations relu --init he -o -
check train train "$models/example_d_seed0.txt" --data "$work/xor.csv" --rate 0.5 --epochs 3 --batch 2 --loss-csv "$work/loss.csv" -o "$out"
check train-loop train "$models/example_d_seed0.txt" --data "$work/xor.csv" --epochs 2 --batch 2 --validation 0.5 \
    --scale standard --optimizer adam --history "$work/history.csv" --plot "$work/curve.svg" --quiet -o "$out"
check train-checkpoint train "$models/example_d_seed0.txt" --data "$work/xor.csv" --epochs 2 --batch 2 --chunks 2 \
    --optimizer adam --checkpoint "$work/ck.txt" --quiet -o "$out"
"$bp" train "$models/example_d_seed0.txt" --data "$work/xor.csv" --epochs 2 --batch 2 --chunks 2 --optimizer adam \
    --checkpoint "$work/ck.txt" --quiet -o "$work/ck_model.txt"
check train-resume train "$models/example_d_seed0.txt" --data "$work/xor.csv" --epochs 2 --batch 2 --chunks 2 \
    --optimizer adam --resume "$work/ck.txt" --quiet -o "$out"
check train-sequential train "$models/example_d_seed0.txt" --data "$work/xor.csv" --rate 0.5 --epochs 2 --rule sequential -o "$out"
check run-input run "$models/example_c.txt" --input '0.05,0.10;1,2'
check run-data run "$models/example_c.txt" --data "$work/inputs.csv"
check explain explain "$models/example_c.txt" --input 0.05,0.10 --target 0.01,0.99 --rate 0.5 --steps 2 \
    --names i1,i2:h1,h2:o1,o2 --param-names w1,w2,w3,w4,b1,w5,w6,w7,w8,b2 -o "$out"
check explain-json explain "$models/example_c.txt" --input '0.05,0.10;0.1,0.2' --target '0.01,0.99;0.5,0.5' --rate 0.5 --format json
check dot dot "$models/example_c.txt" --input 0.05,0.10 --target 0.01,0.99 --names i1,i2:h1,h2:o1,o2 -o "$work/net.dot"

echo "$runs runs with one allocation failing, $failures failed"
[ "$failures" -eq 0 ]
