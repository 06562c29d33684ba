#!/usr/bin/env bash
# Tests of the backprop command: published walk-throughs, exit codes and messages.
# usage: test_cli.sh PATH/TO/backprop SOURCE_DIR
set -u
bp=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
checks=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect STATUS PATTERN CMD...: exit status and a pattern in stdout+stderr
expect() {
    local want=$1 pattern=$2
    shift 2
    checks=$((checks + 1))
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    [ "$rc" -eq "$want" ] || { fail "'$*' exited $rc, expected $want: $out"; return; }
    grep -qE -- "$pattern" <<<"$out" || fail "'$*' output lacks /$pattern/: $(head -c 400 <<<"$out")"
}

# a one-line message on stderr for errors
one_line() {
    checks=$((checks + 1))
    local lines
    lines=$("$@" 2>&1 >/dev/null | wc -l)
    [ "$lines" -eq 1 ] || fail "'$*' wrote $lines lines to stderr, expected 1"
}

models=$src/examples/models

# ---- usage errors: status 2 ----
expect 2 "missing command" "$bp"
expect 2 "unknown command 'frobnicate'" "$bp" frobnicate
expect 0 "usage: backprop" "$bp" --help
expect 0 "^backprop [0-9]+\.[0-9]+\.[0-9]+$" "$bp" --version
expect 2 "init needs --sizes" "$bp" init --sizes 2,2
expect 2 "unknown activation 'sigmod'" "$bp" init --sizes 2,2 --activations sigmod -o "$work/x.txt"
expect 2 "needs 2 names" "$bp" init --sizes 2,2,1 --activations sigmoid -o "$work/x.txt"
expect 2 "0 units" "$bp" init --sizes 2,0,1 --activations sigmoid,sigmoid -o "$work/x.txt"
expect 2 "not a layer size" "$bp" init --sizes 2,-1 --activations sigmoid -o "$work/x.txt"
expect 2 "unknown option '--bogus'" "$bp" init --bogus 1
expect 2 "does not apply to 'run'" "$bp" run "$models/example_c.txt" --input 1,2 --rate 0.5
expect 2 "needs a value" "$bp" explain "$models/example_c.txt" --input
expect 2 "not a finite number" "$bp" explain "$models/example_c.txt" --input 0.05,0.1 --target 0.01,0.99 --rate nan
expect 2 "sample 1 has 3 values, the network needs 2" "$bp" explain "$models/example_c.txt" --input 1,2,3 --target 0.01,0.99 --rate 0.5
expect 2 "'abc' is not a finite number" "$bp" run "$models/example_c.txt" --input abc,1
expect 2 "exactly one of --input and --data" "$bp" run "$models/example_c.txt"
expect 2 "sequential rule takes exactly one sample" "$bp" explain "$models/example_c.txt" --input "0,0;1,1" --target "0,1;1,0" --rate 0.5 --rule sequential
one_line "$bp" init --sizes 2,0 --activations sigmoid -o "$work/x.txt"
[ ! -e "$work/x.txt" ] || fail "a refused init created its output file"

# ---- bad files: status 1, the reason named ----
expect 1 "no-such-file.txt: " "$bp" run "$work/no-such-file.txt" --input 1,2
printf 'backprop-model 1\nlayers 2\nsizes 2 oops\n' > "$work/bad.txt"
expect 1 "bad.txt: line 3" "$bp" run "$work/bad.txt" --input 1,2
one_line "$bp" run "$work/bad.txt" --input 1,2
printf 'not a model\n' > "$work/magic.txt"
expect 1 "line 1" "$bp" dot "$work/magic.txt"
printf 'x1,x2,y\n0,0,0\n0,1\n' > "$work/short.csv"
expect 1 "short.csv:3: 2 values" "$bp" train "$models/example_d_seed0.txt" --data "$work/short.csv" --rate 0.1 --epochs 1 -o "$work/t.txt"

# ---- the published walk-through of Example C (Matt Mazur), standard rule ----
names_c=(--names i1,i2:h1,h2:o1,o2 --param-names w1,w2,w3,w4,b1,w5,w6,w7,w8,b2)
expect 0 "0\.3775" "$bp" explain "$models/example_c.txt" --input 0.05,0.10 --target 0.01,0.99 --rate 0.5 "${names_c[@]}" --digits 9
out=$("$bp" explain "$models/example_c.txt" --input 0.05,0.10 --target 0.01,0.99 --rate 0.5 "${names_c[@]}" --digits 9)
for figure in 0.593269992 0.596884378 1.10590597 0.75136507 0.772928465 0.274811083 0.0235600256 \
              0.298371109 0.74136507 0.186815602 0.138498562 0.0553994247 0.0363503064 0.241300709 \
              0.000438567734 0.0821670406 0.35891648 0.408666186 0.511301270 0.561370121 \
              0.149780716 0.19956143 0.24975114 0.299502287 0.291027774; do
    checks=$((checks + 1))
    grep -qF -- "$figure" <<<"$out" || fail "Example C walk-through lacks $figure"
done
checks=$((checks + 1))
grep -qE "w5" <<<"$out" && grep -qE "out_h1|h1" <<<"$out" || fail "Example C walk-through does not use the tutorial's names"
# the sequential rule gives the post's printed error after one step and outputs after 10,000
out=$("$bp" explain "$models/example_c.txt" --input 0.05,0.10 --target 0.01,0.99 --rate 0.5 --rule sequential --steps 10000 --digits 9 "${names_c[@]}")
for figure in 0.291027924 0.0159121963 0.984065734; do
    checks=$((checks + 1))
    grep -qF -- "$figure" <<<"$out" || fail "Example C sequential run lacks $figure"
done

# ---- Example A and B walk-throughs ----
out=$("$bp" explain "$models/example_a.txt" --input 1,4,5 --target 0.1,0.05 --rate 0.01 --digits 6 \
      --names x1,x2,x3:h1,h2:o1,o2 --param-names w1,w3,w5,w2,w4,w6,b1,w7,w9,w8,w10,b2)
for figure in 4.3 5.3 0.986613 0.995033 0.889551 0.8004 0.593245 0.0775736 0.119884 \
              0.00198391 0.0765351 0.118279 0.00238820 0.197457 0.499976 0.592452; do
    checks=$((checks + 1))
    grep -qF -- "$figure" <<<"$out" || fail "Example A walk-through lacks $figure"
done
out=$("$bp" explain "$models/example_b.txt" --input -0.32,-0.66 --target -0.54 --rate 0.2 --digits 6 \
      --names x1,x2:h11,h12:h21 --param-names w111,w112,w121,w122,b11,b12,w211,w212,b21)
for figure in 0.484255 0.424091 0.630095 0.684561 1.17009 0.0876701 0.0571563 \
              0.205611 0.161572 0.503658 0.607545 0.186675 0.100755 0.165981 0.350636; do
    checks=$((checks + 1))
    grep -qF -- "$figure" <<<"$out" || fail "Example B walk-through lacks $figure"
done

# ---- JSON and markdown formats ----
checks=$((checks + 1))
"$bp" explain "$models/example_c.txt" --input 0.05,0.10 --target 0.01,0.99 --rate 0.5 --format json \
    | python3 -c 'import json,sys; d=json.load(sys.stdin)' || fail "explain --format json is not valid JSON"
expect 0 '\$\$' "$bp" explain "$models/example_c.txt" --input 0.05,0.10 --target 0.01,0.99 --rate 0.5 --format markdown

# ---- init, run, train, dot ----
expect 0 "" "$bp" init --sizes 2,3,1 --activations tanh,sigmoid --seed 7 --bias shared --loss mse -o "$work/m.txt"
checks=$((checks + 1))
grep -q "^backprop-model" "$work/m.txt" || fail "init did not write a model"
"$bp" init --sizes 2,3,1 --activations tanh,sigmoid --seed 7 --bias shared --loss mse -o "$work/m2.txt"
checks=$((checks + 1))
cmp -s "$work/m.txt" "$work/m2.txt" || fail "init with the same seed gave different files"
out=$("$bp" run "$models/example_c.txt" --input "0.05,0.10;0.05,0.10")
checks=$((checks + 1))
python3 - "$out" <<'PY' || fail "run on Example C: wrong outputs: $out"
import sys
rows = [list(map(float, r.split(','))) for r in sys.argv[1].split()]
assert len(rows) == 2 and all(len(r) == 2 for r in rows)
for r in rows:
    assert abs(r[0] - 0.751365069552) < 1e-11 and abs(r[1] - 0.772928465321) < 1e-11
PY
printf 'x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n' > "$work/xor.csv"
expect 0 "" "$bp" train "$models/example_d_seed0.txt" --data "$work/xor.csv" --rate 0.5 --epochs 2000 --batch 4 --loss-csv "$work/loss.csv" -o "$work/trained.txt"
checks=$((checks + 1))
python3 - "$work/loss.csv" <<'PY' || fail "train: the loss CSV is wrong or the loss did not fall"
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert rows[0] == ['epoch', 'loss'] and len(rows) == 2002, len(rows)
first, last = float(rows[1][1]), float(rows[-1][1])
assert abs(first - 0.78137130617) < 1e-9, first   # E(0) of true XOR, seed 0
assert last < first / 10, (first, last)
PY
expect 0 "rankdir=LR" "$bp" dot "$models/example_c.txt"
expect 0 "rankdir=LR" "$bp" dot "$models/example_c.txt" --input 0.05,0.10 --target 0.01,0.99

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
