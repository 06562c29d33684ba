#!/usr/bin/env bash
# Tests of the backprop command: published walk-throughs, exit codes and messages.
# usage: test_cli.sh PATH/TO/backprop SOURCE_DIR
# Environment: BACKPROP_THREADS is "true" when the build has thread support.
# In a build with AddressSanitizer/UndefinedBehaviorSanitizer every run of the
# command, error paths included, is checked: any report (leaks included) is a
# failure, and the sanitizers exit with 86/87, never with the command's 1 or 2.
set -u
bp=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=cli_harness.sh
source "$src/tests/cli_harness.sh"

# a one-line message on stderr for errors
one_line() {
    checks=$((checks + 1))
    local lines
    lines=$("$@" 2>&1 >/dev/null | wc -l)
    sanitizer_reports "$@"
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
# --batch steps with the mean of the batch's gradients: rate 2 is the old sum's 0.5
expect 0 "" "$bp" train "$models/example_d_seed0.txt" --data "$work/xor.csv" --rate 2 --epochs 2000 --batch 4 --loss-csv "$work/loss.csv" -o "$work/trained.txt"
checks=$((checks + 1))
python3 - "$work/loss.csv" <<'PY' || fail "train: the loss CSV is wrong or the loss did not fall"
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert rows[0] == ['epoch', 'loss'] and len(rows) == 2002, len(rows)
first, last = float(rows[1][1]), float(rows[-1][1])
assert abs(first - 0.78137130617) < 1e-9, first   # E(0) of true XOR, seed 0
assert last < first / 10, (first, last)
PY
# the mean at rate 2 and the sum at rate 0.5 are the same steps on 4 rows (up to
# rounding); the mean at 0.5 steps a quarter as far and ends elsewhere. The
# saved model keeps its reduction (the sum: a version-1 file).
expect 0 "" "$bp" train "$models/example_d_seed0.txt" --data "$work/xor.csv" --rate 0.5 --epochs 50 --batch 4 --reduction sum --loss-csv "$work/sum.csv" -o "$work/sum.txt"
expect 0 "" "$bp" train "$models/example_d_seed0.txt" --data "$work/xor.csv" --rate 2 --epochs 50 --batch 4 --reduction mean --loss-csv "$work/mean.csv" -o "$work/mean.txt"
expect 0 "" "$bp" train "$models/example_d_seed0.txt" --data "$work/xor.csv" --rate 0.5 --epochs 50 --batch 4 --loss-csv "$work/mean_slow.csv" -o "$work/mean_slow.txt"
checks=$((checks + 1))
python3 - "$work/sum.csv" "$work/mean.csv" "$work/mean_slow.csv" "$work/mean.txt" <<'PY' || fail "train: --reduction sum/mean disagree with the arithmetic"
import csv, sys
last = [float(list(csv.reader(open(f)))[-1][1]) for f in sys.argv[1:4]]
assert abs(last[0] - last[1]) <= 1e-12 * abs(last[0]), last
assert abs(last[2] - last[0]) > 1e-6 * abs(last[0]), last
assert open(sys.argv[4]).readline() == "backprop-model 1\n"
PY
expect 2 "unknown reduction 'average'; valid names: mean, sum" "$bp" train "$models/example_d_seed0.txt" --data "$work/xor.csv" --rate 2 --epochs 1 --batch 4 --reduction average -o "$work/x.txt"
expect 0 "rankdir=LR" "$bp" dot "$models/example_c.txt"
expect 0 "rankdir=LR" "$bp" dot "$models/example_c.txt" --input 0.05,0.10 --target 0.01,0.99

# ---- CSV data: every defect of the reader found in 0.1.0 ----
c_out='0.75136506955231575,0.77292846532146253'   # Example C on 0.05,0.10
# more than 64 rows of inputs only (the reader reallocated the missing targets to 0 bytes)
for i in $(seq 65); do echo 0.05,0.10; done > "$work/inputs65.csv"
expect 0 "" "$bp" run "$models/example_c.txt" --data "$work/inputs65.csv"
checks=$((checks + 1))
out=$("$bp" run "$models/example_c.txt" --data "$work/inputs65.csv" 2>&1)
[ "$(grep -c -x -- "$c_out" <<<"$out")" -eq 65 ] || fail "run of 65 input rows: $(head -c 300 <<<"$out")"
# a missing data file
expect 1 "missing.csv: No such file" "$bp" train "$models/example_c.txt" --data "$work/missing.csv" --rate 0.5 --epochs 1 -o "$work/t.txt"
# a UTF-8 byte order mark before the first sample, CRLF line ends
printf '\xef\xbb\xbf0.05,0.10,0.01,0.99\r\n0.05,0.10,0.01,0.99\r\n' > "$work/bom.csv"
checks=$((checks + 1))
out=$("$bp" run "$models/example_c.txt" --data "$work/bom.csv" 2>&1)
[ "$out" = "$c_out"$'\n'"$c_out" ] || fail "run with a byte order mark: $(head -c 300 <<<"$out")"
printf '\xef\xbb\xbf0.05,0.10,0.01,0.99\n' > "$work/bom1.csv"
expect 0 "" "$bp" train "$models/example_c.txt" --data "$work/bom1.csv" --rate 0.5 --epochs 1 -o "$work/bom1.txt"
"$bp" explain "$models/example_c.txt" --input 0.05,0.10 --target 0.01,0.99 --rate 0.5 -o "$work/step1.txt" >/dev/null
checks=$((checks + 1))
cmp -s "$work/bom1.txt" "$work/step1.txt" || fail "train skipped the sample after a byte order mark"
# target columns found after a CRLF or blank first line
for first in '\r\n' '\n' '# comment\r\n' 'x1,x2,t1,t2\r\n'; do
    printf "${first}0.05,0.10,0.01,0.99\r\n" > "$work/first.csv"
    checks=$((checks + 1))
    out=$("$bp" run "$models/example_c.txt" --data "$work/first.csv" 2>&1)
    [ "$out" = "$c_out" ] || fail "run after the first line '$first': $(head -c 300 <<<"$out")"
done
# a first line over 4 KiB: 784 inputs, in train and in run
"$bp" init --sizes 784,1 --activations sigmoid --seed 3 -o "$work/wide.txt"
python3 - "$work/wide.csv" <<'PY'
import sys
with open(sys.argv[1], 'w') as f:
    for r in range(3):
        f.write(','.join('%.15f' % ((i * 7 + r) % 100 / 100.0) for i in range(784)) + ',%d\n' % (r % 2))
PY
expect 0 "" "$bp" train "$work/wide.txt" --data "$work/wide.csv" --rate 0.1 --epochs 2 -o "$work/wide2.txt"
checks=$((checks + 1))
out=$("$bp" run "$work/wide2.txt" --data "$work/wide.csv" 2>&1)
[ "$(wc -l <<<"$out")" -eq 3 ] && ! grep -q backprop <<<"$out" || fail "run of 784 inputs with targets: $(head -c 300 <<<"$out")"
# subnormals are finite numbers
printf '1e-320,4.9e-324,0.01,0.99\n' > "$work/subnormal.csv"
expect 0 "" "$bp" train "$models/example_c.txt" --data "$work/subnormal.csv" --rate 0.5 --epochs 1 -o "$work/t.txt"
expect 0 "^0\.75000237250717" "$bp" run "$models/example_c.txt" --input 1e-320,0
expect 0 "" "$bp" explain "$models/example_c.txt" --input 1e-320,0.1 --target 0.01,0.99 --rate 0.5
# a read error is a read error, not "no samples"
mkdir "$work/dir.csv"
expect 1 "dir.csv: read error: Is a directory" "$bp" train "$models/example_c.txt" --data "$work/dir.csv" --rate 0.5 --epochs 1 -o "$work/t.txt"
expect 1 "dir.csv: read error" "$bp" run "$models/example_c.txt" --data "$work/dir.csv"
# data from a pipe
for source in - /dev/stdin; do
    checks=$((checks + 1))
    out=$(printf 'x1,x2,t1,t2\n0.05,0.10,0.01,0.99\n' | "$bp" run "$models/example_c.txt" --data "$source" 2>&1)
    [ "$out" = "$c_out" ] || fail "run --data $source from a pipe: $(head -c 300 <<<"$out")"
    checks=$((checks + 1))
    printf '0.05,0.10,0.01,0.99\n' | "$bp" train "$models/example_c.txt" --data "$source" --rate 0.5 --epochs 1 -o "$work/pipe.txt" \
        && cmp -s "$work/pipe.txt" "$work/step1.txt" || fail "train --data $source from a pipe"
done
expect 1 "standard input: no samples" "$bp" run "$models/example_c.txt" --data - </dev/null
printf '0,0,0\n0,1,1\n' > "$work/three.csv"
expect 1 "three.csv: 3 values a row; the network takes 2 inputs \(and 2 targets\)" "$bp" run "$models/example_c.txt" --data "$work/three.csv"
sanitizer_reports "CSV data"

# ---- untrusted data in messages: quoted and shortened ----
printf '0.05,\033]0;owned\007\033[31mred,0,0\n' > "$work/escape.csv"
for cmd in run train; do
    checks=$((checks + 1))
    if [ "$cmd" = run ]; then
        "$bp" run "$models/example_c.txt" --data "$work/escape.csv" 2>"$work/err.txt" >/dev/null
    else
        "$bp" train "$models/example_c.txt" --data "$work/escape.csv" --rate 0.5 --epochs 1 -o "$work/t.txt" 2>"$work/err.txt"
    fi
    if LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$work/err.txt" || ! grep -qF "'?]0;owned??[31mred'" "$work/err.txt"; then
        fail "$cmd: a control character of the data reached the terminal: $(od -c "$work/err.txt" | head -5)"
    fi
done
python3 -c 'import sys; sys.stdout.write("0.05," + "7" * 2000000 + "x\n")' > "$work/huge.csv"
checks=$((checks + 1))
"$bp" run "$models/example_c.txt" --data "$work/huge.csv" 2>"$work/err.txt" >/dev/null
[ "$(wc -c <"$work/err.txt")" -lt 200 ] && grep -q "value 2, '77777777777777777777777777777777\.\.\.', is not a finite number" "$work/err.txt" \
    || fail "a 2 MB field gave the message: $(head -c 300 "$work/err.txt")"
expect 2 "'a\?\[2Jb' is not a finite number" "$bp" run "$models/example_c.txt" --input $'a\033[2Jb,1'
expect 2 "unknown activation 'x\?\[2J'" "$bp" init --sizes 2,1 --activations $'x\033[2J' -o "$work/x.txt"
sanitizer_reports "quoting"

# ---- training that diverges stops at once, saves nothing ----
"$bp" init --sizes 1,1 --activations linear --seed 1 -o "$work/linear.txt"
printf 'x,y\n1,0\n2,1\n' > "$work/line.csv"
rm -f "$work/diverged.txt"
# (the library refuses the diverging step: the message names the sample)
expect 1 "epoch 1: sample [0-9]+: a value would become NaN or infinite; training stopped, nothing saved \(try a lower --rate than 1e\+200\)" "$bp" train "$work/linear.txt" --data "$work/line.csv" --rate 1e200 --epochs 50 --loss-csv "$work/diverged.csv" -o "$work/diverged.txt"
checks=$((checks + 1))
[ ! -e "$work/diverged.txt" ] && [ "$(wc -l <"$work/diverged.csv")" -le 3 ] || fail "a diverged training saved a model or went on: $(cat "$work/diverged.csv")"
expect 1 "epoch 1: .*; training stopped, nothing saved \(try a lower --rate" "$bp" train "$work/linear.txt" --data "$work/line.csv" --rate 1e300 --epochs 5 --batch 2 -o "$work/diverged.txt"
expect 1 "epoch 1: .*; training stopped, nothing saved \(try a lower --rate" "$bp" train "$work/linear.txt" --data "$work/line.csv" --rate 1e300 --epochs 5 --rule sequential -o "$work/diverged.txt"
checks=$((checks + 1))
[ ! -e "$work/diverged.txt" ] || fail "a diverged training saved a model"

# ---- names, rates and threads ----
help=$("$bp" --help)
man=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$src/tools/backprop.1")   # the man page without roff escapes
for names in 'linear|sigmoid|tanh|relu|leaky_relu|softplus' 'per_neuron|shared' 'uniform|xavier|he' \
             'half_sse|mse' 'standard|sequential' 'text|markdown|json'; do
    checks=$((checks + 1))
    grep -qF -- "$names" <<<"$help" || fail "--help does not list $names"
    checks=$((checks + 1))
    grep -qF -- "$names" <<<"$man" || fail "the man page does not list $names"
done
expect 2 "unknown activation 'sigmod'; valid names: linear, sigmoid, tanh, relu, leaky_relu, softplus" "$bp" init --sizes 2,2 --activations sigmod -o "$work/x.txt"
expect 2 "unknown loss 'l1'; valid names: half_sse, mse" "$bp" init --sizes 2,2 --activations sigmoid --loss l1 -o "$work/x.txt"
# a cross-entropy needs a sigmoid or softmax output layer; with one, the file has the words
expect 2 "--loss cross_entropy: the loss takes the log of the outputs" "$bp" init --sizes 2,3,2 --activations tanh,linear --loss cross-entropy -o "$work/x.txt"
[ ! -e "$work/x.txt" ] || fail "init: a refused --loss still wrote a model"
expect 0 "" "$bp" init --sizes 2,3,2 --activations tanh,softmax --loss cross-entropy --seed 1 -o "$work/softmax.txt"
grep -q '^loss cross_entropy$' "$work/softmax.txt" && grep -q '^activation softmax$' "$work/softmax.txt" \
    || fail "init: the softmax model lacks its words"
# explain writes out the softmax terms and the o*sum(t) - t delta with its reason
expect 0 "delta_o2 = dE/dnet_o2 = out_o2\*sum\(t\) - t_o2 = " "$bp" explain "$work/softmax.txt" --input 0.5,-0.2 --target 0,1 --rate 0.5
"$bp" explain "$work/softmax.txt" --input 0.5,-0.2 --target 0,1 --rate 0.5 > "$work/softmax_explain.txt"
grep -q '^S = exp(' "$work/softmax_explain.txt" && grep -q '^out_o1 = exp(net_o1 - m)/S = ' "$work/softmax_explain.txt" \
    && grep -q '^Why: with a softmax output' "$work/softmax_explain.txt" \
    && grep -q '^E_o2 = -t_o2\*ln(out_o2) = ' "$work/softmax_explain.txt" \
    || fail "explain: the softmax terms or the cross-entropy delta are missing"
"$bp" explain "$work/softmax.txt" --input 0.5,-0.2 --target 0,1 --rate 0.5 --format json > "$work/softmax.json"
python3 - "$work/softmax.json" <<'PY' || fail "explain: the JSON lacks the softmax terms"
import json, math, sys
top = json.load(open(sys.argv[1]))["samples"][0]["layers"][-1]
sm = top["softmax"]
assert top["delta_form"] == "softmax_cross_entropy", top["delta_form"]
assert abs(sum(sm["exp"]) - sm["sum"]) < 1e-12 * sm["sum"]
assert all(abs(e / sm["sum"] - a) < 1e-12 for e, a in zip(sm["exp"], top["a"]))
assert all(abs(d - (a - t)) < 1e-12 for d, a, t in zip(top["delta"], top["a"], [0, 1]))
PY
expect 2 "unknown initialisation 'zeros'; valid names: uniform, xavier, he" "$bp" init --sizes 2,2 --activations sigmoid --init zeros -o "$work/x.txt"
expect 2 "unknown bias convention 'none'; valid names: per_neuron, shared" "$bp" init --sizes 2,2 --activations sigmoid --bias none -o "$work/x.txt"
expect 2 "unknown rule 'fast'; valid names: standard, sequential" "$bp" train "$models/example_c.txt" --data "$work/bom.csv" --rate 0.5 --epochs 1 --rule fast -o "$work/x.txt"
expect 2 "unknown format 'html'; valid names: text, markdown, json" "$bp" explain "$models/example_c.txt" --input 0.05,0.10 --target 0.01,0.99 --rate 0.5 --format html
# the model file's words, the '-' spellings and the old bias name give the same file
"$bp" init --sizes 2,2,1 --activations leaky_relu,sigmoid --seed 3 --bias per_neuron --loss half_sse -o "$work/names1.txt"
"$bp" init --sizes 2,2,1 --activations leaky-relu,sigmoid --seed 3 --bias neuron --loss half-sse -o "$work/names2.txt"
"$bp" init --sizes 2,2,1 --activations leaky_relu,sigmoid --seed 3 --bias per-neuron -o "$work/names3.txt"
checks=$((checks + 1))
cmp -s "$work/names1.txt" "$work/names2.txt" && cmp -s "$work/names1.txt" "$work/names3.txt" \
    && grep -q '^loss half_sse$' "$work/names1.txt" && grep -q '^activation leaky_relu$' "$work/names1.txt" \
    || fail "the old and new spellings of names gave different models"
for rate in 0 -0.5 -0; do
    expect 2 "--rate: .* is not above 0" "$bp" train "$models/example_c.txt" --data "$work/bom.csv" --rate "$rate" --epochs 1 -o "$work/x.txt"
    expect 2 "--rate: .* is not above 0" "$bp" explain "$models/example_c.txt" --input 0.05,0.10 --target 0.01,0.99 --rate "$rate"
done
expect 2 "--threads: expected a whole number from 1 to 64" "$bp" run "$models/example_c.txt" --input 1,2 --threads 0
expect 2 "--threads: expected a whole number from 1 to 64" "$bp" run "$models/example_c.txt" --input 1,2 --threads 65
expect 0 "^$c_out\$" "$bp" run "$models/example_c.txt" --input 0.05,0.10 --threads 1
if [ "${BACKPROP_THREADS:-}" = true ]; then
    checks=$((checks + 1))
    for i in $(seq 600); do echo 0.05,0.10; done > "$work/inputs600.csv"
    [ "$("$bp" run "$models/example_c.txt" --data "$work/inputs600.csv" --threads 4)" = \
      "$("$bp" run "$models/example_c.txt" --data "$work/inputs600.csv" --threads 1)" ] || fail "run --threads 4 differs from 1 thread"
else
    expect 2 "--threads: this build has no thread support" "$bp" run "$models/example_c.txt" --input 1,2 --threads 2
fi

# ---- optimisers, clipping and schedules ----
blobs=$src/examples/data/three_blobs.csv
# the classifier of the README: softmax output, cross-entropy, Adam; the loss falls
expect 0 "" "$bp" init --sizes 2,8,3 --activations relu,softmax --loss cross-entropy --init he --seed 1 -o "$work/blobs.txt"
expect 0 "" "$bp" train "$work/blobs.txt" --data "$blobs" --optimizer adam --rate 0.01 --epochs 100 --loss-csv "$work/blobs.csv" -o "$work/blobs_trained.txt"
checks=$((checks + 1))
python3 - "$work/blobs.csv" <<'PY' || fail "train --optimizer adam: the loss did not fall"
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert len(rows) == 102, len(rows)
first, last = float(rows[2][1]), float(rows[-1][1])
assert last < first / 10, (first, last)
PY
checks=$((checks + 1))
out=$("$bp" run "$work/blobs_trained.txt" --data "$blobs" 2>&1)
python3 - "$blobs" "$out" <<'PY' || fail "the trained classifier misses the classes: $(head -c 300 <<<"$out")"
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))[1:]
outs = [list(map(float, line.split(','))) for line in sys.argv[2].split()]
assert len(outs) == len(rows) == 30
for o, r in zip(outs, rows):
    assert abs(sum(o) - 1) < 1e-12, o          # softmax outputs
    assert o.index(max(o)) == r[2:].index('1'), (o, r)
PY
# two Adam steps on a 1-1 linear network (w = 0.5, b = 0, x = 2, t = 0) by hand
printf 'backprop-model 1\nlayers 2\nsizes 1 1\nloss half_sse\n\nlayer 1\nactivation linear\nbias per_neuron\nfrozen none\nweights 1 1\n0x1p-1\nbiases 1\n0x0p+0\nend\n' > "$work/lin.txt"
printf '2,0\n' > "$work/one.csv"
expect 0 "" "$bp" train "$work/lin.txt" --data "$work/one.csv" --rate 0.1 --epochs 2 --optimizer adam --beta1 0.5 --beta2 0.75 --epsilon 0.5 -o "$work/adam2.txt"
checks=$((checks + 1))
python3 - "$work/adam2.txt" <<'PY' || fail "train --optimizer adam: not the hand-computed Adam steps"
import sys
lines = open(sys.argv[1]).read().split('\n')
got = [float.fromhex(lines[lines.index(k) + 1]) for k in ('weights 1 1', 'biases 1')]
p, m, v = [0.5, 0.0], [0.0, 0.0], [0.0, 0.0]
b1, b2, eps, lr = 0.5, 0.75, 0.5, 0.1
for t in (1, 2):
    o = 2 * p[0] + p[1]
    g = [o * 2, o]            # dE/dw = (o - t) x, dE/db = o - t
    for i in range(2):
        m[i] = b1 * m[i] + (1 - b1) * g[i]
        v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
        p[i] -= lr / (1 - b1 ** t) * m[i] / (v[i] ** 0.5 / (1 - b2 ** t) ** 0.5 + eps)
assert all(abs(a - b) <= 1e-15 for a, b in zip(got, p)), (got, p)
assert abs(p[0] - 0.5) > 0.1    # far from plain gradient descent's 0.5 - 0.1*2
PY
# the options a kind does not take, values out of range, unknown kinds: status 2
expect 2 "adam does not take --momentum; it takes --weight-decay --beta1 --beta2 --epsilon$" "$bp" train "$work/lin.txt" --data "$work/one.csv" --rate 0.1 --epochs 1 --optimizer adam --momentum 0.9 -o "$work/x.txt"
expect 2 "rprop does not take --weight-decay; it takes --eta-minus --eta-plus --step-min --step-max$" "$bp" train "$work/lin.txt" --data "$work/one.csv" --rate 0.1 --epochs 1 --optimizer rprop --weight-decay 0.1 -o "$work/x.txt"
expect 2 "--beta1: 1 is out of range for adam" "$bp" train "$work/lin.txt" --data "$work/one.csv" --rate 0.1 --epochs 1 --optimizer adam --beta1 1 -o "$work/x.txt"
expect 2 "--epsilon: 'x' is not a finite number" "$bp" train "$work/lin.txt" --data "$work/one.csv" --rate 0.1 --epochs 1 --optimizer adam --epsilon x -o "$work/x.txt"
expect 2 "--beta1 needs --optimizer" "$bp" train "$work/lin.txt" --data "$work/one.csv" --rate 0.1 --epochs 1 --beta1 0.5 -o "$work/x.txt"
expect 2 "unknown optimizer 'adm'; valid names: sgd, adam, adamw, rmsprop, rprop$" "$bp" train "$work/lin.txt" --data "$work/one.csv" --rate 0.1 --epochs 1 --optimizer adm -o "$work/x.txt"
expect 2 "option '--beta1' does not apply to 'run'" "$bp" run "$work/lin.txt" --input 1 --beta1 0.5
# explain takes its steps with the optimiser: the same two hand-computed Adam steps
expect 0 "m = beta1\*m \+ \(1 - beta1\)\*g" "$bp" explain "$work/lin.txt" --input 2 --target 0 --rate 0.1 --steps 2 --optimizer adam --beta1 0.5 --beta2 0.75 --epsilon 0.5 -o "$work/adam2_explained.txt"
checks=$((checks + 1))
python3 - "$work/adam2.txt" "$work/adam2_explained.txt" <<'PY' || fail "explain --optimizer adam: not the steps of train --optimizer adam"
import sys
vals = []
for path in sys.argv[1:]:
    lines = open(path).read().split('\n')
    vals.append([lines[lines.index(k) + 1] for k in ('weights 1 1', 'biases 1')])
assert vals[0] == vals[1], vals
PY
expect 0 '"kind": "adam"' "$bp" explain "$work/lin.txt" --input 2 --target 0 --rate 0.1 --optimizer adam --format json
expect 2 "adam does not take --momentum" "$bp" explain "$work/lin.txt" --input 2 --target 0 --rate 0.1 --optimizer adam --momentum 0.5
expect 2 "--optimizer works with the standard rule only" "$bp" explain "$work/lin.txt" --input 2 --target 0 --rate 0.1 --optimizer adam --rule sequential
expect 2 "option '--clip' does not apply to 'init'" "$bp" init --sizes 1,1 --activations linear --clip 1 -o "$work/x.txt"
expect 2 "nesterov 1 needs --momentum above 0" "$bp" train "$work/lin.txt" --data "$work/one.csv" --rate 0.1 --epochs 1 --optimizer sgd --nesterov 1 -o "$work/x.txt"
expect 2 "takes no --optimizer or --clip" "$bp" train "$work/lin.txt" --data "$work/one.csv" --rate 0.1 --epochs 1 --rule sequential --optimizer adam -o "$work/x.txt"
expect 2 "--clip: expected a number >= 0, got '-1'" "$bp" train "$work/lin.txt" --data "$work/one.csv" --rate 0.1 --epochs 1 --clip -1 -o "$work/x.txt"
expect 2 "--schedule: expected step:N:GAMMA" "$bp" train "$work/lin.txt" --data "$work/one.csv" --rate 0.1 --epochs 1 --schedule cosine:0 -o "$work/x.txt"
expect 2 "--schedule: expected step:N:GAMMA" "$bp" train "$work/lin.txt" --data "$work/one.csv" --rate 0.1 --epochs 1 --schedule step:2:-0.5 -o "$work/x.txt"
[ ! -e "$work/x.txt" ] || fail "a refused optimiser option still wrote a model"
# STEP_MIN above the default STEP_MAX is fine when --step-max is raised too
expect 0 "" "$bp" train "$work/lin.txt" --data "$work/one.csv" --rate 0.1 --epochs 1 --optimizer rprop --step-min 60 --step-max 100 -o "$work/rprop.txt"
expect 0 "" "$bp" train "$work/lin.txt" --data "$work/one.csv" --rate 0.1 --epochs 1 --optimizer rprop --step-max 100 --step-min 60 -o "$work/rprop2.txt"
checks=$((checks + 1))
cmp -s "$work/rprop.txt" "$work/rprop2.txt" && ! cmp -s "$work/rprop.txt" "$work/lin.txt" \
    || fail "rprop: the order of --step-min and --step-max changed the result"
# divergence under an optimiser: status 1, epoch and sample named, nothing saved
expect 1 "epoch 1: sample 1: a value would become NaN or infinite; training stopped, nothing saved" "$bp" train "$work/lin.txt" --data "$work/one.csv" --rate 1e308 --epochs 1 --optimizer sgd --momentum 0.5 -o "$work/x.txt"
[ ! -e "$work/x.txt" ] || fail "a diverged optimiser run still wrote a model"
# --clip with a norm never reached changes no bit: online, batched, with Adam
for extra in "" "--batch 4" "--optimizer adam" "--batch 3 --optimizer rmsprop --momentum 0.5"; do
    # shellcheck disable=SC2086
    "$bp" train "$models/example_d_seed0.txt" --data "$work/xor.csv" --rate 0.5 --epochs 20 $extra -o "$work/noclip.txt"
    # shellcheck disable=SC2086
    "$bp" train "$models/example_d_seed0.txt" --data "$work/xor.csv" --rate 0.5 --epochs 20 $extra --clip 1e300 -o "$work/clip.txt"
    # shellcheck disable=SC2086
    "$bp" train "$models/example_d_seed0.txt" --data "$work/xor.csv" --rate 0.5 --epochs 20 $extra --clip 0.001 -o "$work/clipped.txt"
    checks=$((checks + 1))
    cmp -s "$work/noclip.txt" "$work/clip.txt" || fail "--clip 1e300 $extra changed the result"
    checks=$((checks + 1))
    ! cmp -s "$work/noclip.txt" "$work/clipped.txt" || fail "--clip 0.001 $extra changed nothing"
done
sanitizer_reports "the clip runs"
# --schedule exponential:0.5 trains epoch 2 at half the rate of epoch 1
"$bp" train "$models/example_d_seed0.txt" --data "$work/xor.csv" --rate 0.8 --epochs 2 --schedule exponential:0.5 -o "$work/sched.txt"
"$bp" train "$models/example_d_seed0.txt" --data "$work/xor.csv" --rate 0.8 --epochs 1 -o "$work/sched1.txt"
"$bp" train "$work/sched1.txt" --data "$work/xor.csv" --rate 0.4 --epochs 1 -o "$work/sched2.txt"
"$bp" train "$models/example_d_seed0.txt" --data "$work/xor.csv" --rate 0.8 --epochs 2 -o "$work/nosched.txt"
checks=$((checks + 1))
cmp -s "$work/sched.txt" "$work/sched2.txt" && ! cmp -s "$work/sched.txt" "$work/nosched.txt" \
    || fail "--schedule exponential:0.5 is not epoch 1 at the rate, epoch 2 at half of it"
sanitizer_reports "the schedule runs"
# --help lists the library's kinds and hyperparameter options
expect 0 "--optimizer sgd\|adam\|adamw\|rmsprop\|rprop\]" "$bp" --help
expect 0 "--momentum --dampening --nesterov --weight-decay --beta1 --beta2 --epsilon --alpha --eta-minus --eta-plus --step-min --step-max" "$bp" --help

# ---- eval: the numbers scikit-learn gives (tests/ref/metrics_ref.py --cli) ----
ref=$src/tests/ref
"$bp" eval "$ref/metrics_model.txt" --data "$ref/metrics_data.csv" --format json > "$work/eval.json"
sanitizer_reports "eval --format json"
checks=$((checks + 1))
python3 - "$work/eval.json" "$ref/metrics_expected.txt" <<'PY' || fail "eval --format json disagrees with scikit-learn: $(head -c 600 "$work/eval.json")"
import json, sys
report = json.load(open(sys.argv[1]))
expected = dict(line.rstrip("\n").split(" ", 1) for line in open(sys.argv[2]))
def close(a, b):
    return abs(a - b) <= 1e-12 * max(abs(b), 1e-300)
for name in ("loss", "accuracy", "mse", "mae", "r2", "bit_fail", "macro_f1", "macro_precision", "macro_recall"):
    want = float(expected[name])
    assert close(report[name], want), (name, report[name], want)
    assert close(report["metrics"][name], want), name
f1 = [float(v) for v in expected["class_f1"].split()]
assert [c["name"] for c in report["classes"]] == ["0", "1", "2", "3"]
assert all(close(c["f1"], w) for c, w in zip(report["classes"], f1)), report["classes"]
assert [c["support"] for c in report["classes"]] == [1, 4, 4, 3]
flat = [v for row in report["confusion"] for v in row]
assert flat == [int(v) for v in expected["confusion"].split()], flat
assert report["rows"] == 12
PY
# text: the same numbers to 6 digits, the table and the matrix
out=$("$bp" eval "$ref/metrics_model.txt" --data "$ref/metrics_data.csv")
for line in "accuracy +0.666667" "loss +0.937688" "macro_recall +0.520833" "bit_fail +12" \
            "^2 +0.5 +0.75 +0.6 +4" "^3 +0 +0 +2 +1$"; do
    checks=$((checks + 1))
    grep -qE -- "$line" <<<"$out" || fail "eval's text report lacks /$line/: $out"
done
# the classes: the network's names in the matrix, run --classes per row
sed 's/^backprop-model 1$/backprop-model 2/; s/^end$/end\n\nsection classes\ncount 4\nclass cat\nclass dog\nclass eel%20fish\nclass fox/' \
    "$ref/metrics_model.txt" > "$work/named.txt"
expect 0 "eel fish +0 +0 +3 +1$" "$bp" eval "$work/named.txt" --data "$ref/metrics_data.csv"
want=$(sed -n 's/^classes //p' "$ref/metrics_expected.txt" | tr ' ' '\n' | sed 's/0/cat/;s/1/dog/;s/2/eel fish/;s/3/fox/')
checks=$((checks + 1))
[ "$("$bp" run "$work/named.txt" --data "$ref/metrics_data.csv" --classes)" = "$want" ] \
    || fail "run --classes does not print the predicted class names"
# --data - reads standard input (inputs only); without names, the class numbers
checks=$((checks + 1))
[ "$(cut -d, -f1-3 "$ref/metrics_data.csv" | "$bp" run "$ref/metrics_model.txt" --data - --classes)" \
    = "$(sed -n 's/^classes //p' "$ref/metrics_expected.txt" | tr ' ' '\n')" ] \
    || fail "run --data - --classes does not print the class numbers"
sanitizer_reports "run --classes"
# a regression set: no accuracy, and a one-output binary classifier: two classes
printf '0,1\n1,3\n2,4\n' > "$work/reg.csv"
printf 'backprop-model 1\nlayers 2\nsizes 1 1\nloss half_sse\n\nlayer 1\nactivation linear\nbias per_neuron\nfrozen none\nweights 1 1\n0x1p+1\nbiases 1\n0x1p+0\nend\n' > "$work/line.txt"
"$bp" eval "$work/line.txt" --data "$work/reg.csv" --format json > "$work/reg.json"
checks=$((checks + 1))
python3 - "$work/reg.json" <<'PY' || fail "eval of a regression: $(cat "$work/reg.json")"
import json, sys
r = json.load(open(sys.argv[1]))
# outputs 1, 3, 5 against 1, 3, 4: one error of 1; mean target 8/3
assert "accuracy" not in r and "classes" not in r, r
assert abs(r["mse"] - 1 / 3) < 1e-15 and abs(r["mae"] - 1 / 3) < 1e-15, r
assert abs(r["loss"] - 0.5 / 3) < 1e-15, r
assert abs(r["r2"] - (1 - 1 / (14 / 3))) < 1e-14, r
assert r["bit_fail"] == 1, r
PY
printf '0,1\n-1,0\n0.2,0\n' > "$work/bin.csv"
printf 'backprop-model 1\nlayers 2\nsizes 1 1\nloss binary_cross_entropy\n\nlayer 1\nactivation sigmoid\nbias per_neuron\nfrozen none\nweights 1 1\n0x1p+1\nbiases 1\n0x0p+0\nend\n' > "$work/logit.txt"
expect 0 "accuracy +0.666667" "$bp" eval "$work/logit.txt" --data "$work/bin.csv"
expect 0 '"confusion": \[\[1, 1\], \[0, 1\]\]' "$bp" eval "$work/logit.txt" --data "$work/bin.csv" --format json
expect 0 "^1$" "$bp" run "$work/logit.txt" --input 0.1 --classes
# a column of class labels (named by the header or by number), or target columns by number:
# the same numbers, the classes named by the data
awk -F, 'NR == 1 { print "x0,label,x1,x2"; next }
         { split("ant bee cow dog", n, " "); for (j = 4; j <= 7; j++) if ($j == 1.0) k = j - 3
           print $1 "," n[k] "," $2 "," $3 }' "$ref/metrics_data.csv" > "$work/labels.csv"
awk -F, '{ print $4 "," $5 "," $1 "," $6 "," $2 "," $7 "," $3 }' "$ref/metrics_data.csv" > "$work/columns.csv"
for how in "labels.csv --class-column label" "labels.csv --class-column 2" "columns.csv --target-columns 1,2,4,6"; do
    set -- $how
    "$bp" eval "$ref/metrics_model.txt" --data "$work/$1" "$2" "$3" --format json > "$work/how.json" 2>&1
    checks=$((checks + 1))
    python3 - "$work/how.json" "$work/eval.json" "$1" <<'PY' || fail "eval --data $how: $(head -c 400 "$work/how.json")"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
names = [c["name"] for c in a["classes"]]
assert names == (["ant", "bee", "cow", "dog"] if sys.argv[3] == "labels.csv" else ["0", "1", "2", "3"]), names
for key in ("loss", "accuracy", "mse", "r2", "macro_f1", "bit_fail"):
    assert a[key] == b[key], key
assert a["confusion"] == b["confusion"]
PY
done
sanitizer_reports "eval with columns"
# errors
expect 2 "eval needs --data" "$bp" eval "$ref/metrics_model.txt"
expect 2 "unknown report format 'xml'; valid names: text, json" "$bp" eval "$ref/metrics_model.txt" --data "$ref/metrics_data.csv" --format xml
expect 1 "metrics_data.csv: 6 inputs and 1 targets a row; the network takes 1 and 1" "$bp" eval "$work/line.txt" --data "$ref/metrics_data.csv"
printf 'a,b\n0,1\n1,x\n' > "$work/bad.csv"
expect 1 "bad.csv: line 3, column 2" "$bp" eval "$work/line.txt" --data "$work/bad.csv"
expect 2 "not both" "$bp" eval "$ref/metrics_model.txt" --data "$ref/metrics_data.csv" --class-column 5 --target-columns 4
expect 2 "--target-columns: 'x' is not a column number" "$bp" eval "$ref/metrics_model.txt" --data "$ref/metrics_data.csv" --target-columns 4,x
expect 2 "does not apply to 'eval'" "$bp" eval "$ref/metrics_model.txt" --data "$ref/metrics_data.csv" --rate 1
expect 2 "does not apply to 'dot'" "$bp" dot "$ref/metrics_model.txt" --classes
one_line "$bp" eval "$ref/metrics_model.txt" --data "$work/no-such.csv"

# ---- init: everything a network can be ----
"$bp" init --sizes 3,5,4,2 --activations relu,tanh,softmax --init he --seed 3 --loss cross-entropy \
    --bias shared,per_neuron,shared --reduction mean --class-names yes,no -o "$work/full.txt"
sanitizer_reports "init with every setting"
checks=$((checks + 1))
python3 - "$work/full.txt" <<'PY' || fail "init did not make the network asked for: $(cat "$work/full.txt")"
import sys
text = open(sys.argv[1]).read()
words = [line.split() for line in text.splitlines()]
assert ["sizes", "3", "5", "4", "2"] in words and ["loss", "cross_entropy"] in words, text
assert [w[1] for w in words if w and w[0] == "activation"] == ["relu", "tanh", "softmax"], text
assert [w[1] for w in words if w and w[0] == "bias"] == ["shared", "per_neuron", "shared"], text
assert ["class", "yes"] in words and ["class", "no"] in words, text
assert ["reduction", "mean"] in words, text
# he: the biases are 0, the weights within sqrt(6 / fan_in)
import re
layers = text.split("\nlayer ")[1:]
for layer, fan_in in zip(layers, (3, 5, 4)):
    body = layer.split("biases")[0].split("\n")
    rows = [l for l in body if l.startswith("0x") or l.startswith("-0x")]
    values = [float.fromhex(v) for l in rows for v in l.split()]
    assert values and max(abs(v) for v in values) <= (6 / fan_in) ** 0.5, (fan_in, values)
    biases = layer.split("biases")[1].split("\n")[1].split()
    assert all(float.fromhex(b) == 0 for b in biases), layer
PY
expect 2 "--bias needs 1 name or 3 \(one per layer after the inputs\), got 2" "$bp" init --sizes 3,5,4,2 --activations relu,tanh,softmax --bias shared,shared -o "$work/x.txt"
expect 2 "unknown bias convention 'both'" "$bp" init --sizes 3,2 --activations sigmoid --bias both -o "$work/x.txt"
expect 2 "--class-names: 3 names given; the network needs 2" "$bp" init --sizes 3,2 --activations softmax --class-names a,b,c -o "$work/x.txt"
expect 2 "--class-names: 1 names given; the network needs 2" "$bp" init --sizes 3,1 --activations sigmoid --class-names a -o "$work/x.txt"
expect 2 "unknown reduction 'max'" "$bp" init --sizes 3,2 --activations sigmoid --reduction max -o "$work/x.txt"
expect 2 "--loss cross_entropy: " "$bp" init --sizes 3,2 --activations relu --loss cross-entropy -o "$work/x.txt"
[ ! -e "$work/x.txt" ] || fail "a refused init created its output file"
expect 0 "relu,softmax" "$bp" --help
expect 0 "--init uniform\|xavier\|he\]" "$bp" --help
expect 0 "--loss half_sse\|mse\|cross_entropy\|binary_cross_entropy\]" "$bp" --help
expect 0 "--bias per_neuron\|shared\[,...\]\]" "$bp" --help
expect 0 "eval +MODEL --data FILE.csv \[--target-columns N,... \| --class-column NAME\]" "$bp" --help
expect 0 "\[--format text\|json\] \[--threads N\]" "$bp" --help

# ---- -o - writes the model to standard output ----
"$bp" init --sizes 2,3,1 --activations tanh,sigmoid --seed 7 -o - > "$work/stdout.txt"
"$bp" init --sizes 2,3,1 --activations tanh,sigmoid --seed 7 -o "$work/file.txt"
checks=$((checks + 1))
cmp -s "$work/stdout.txt" "$work/file.txt" && [ ! -e ./- ] || fail "init -o - differs from init -o FILE"
"$bp" train "$models/example_c.txt" --data "$work/bom1.csv" --rate 0.5 --epochs 1 -o - > "$work/stdout.txt"
checks=$((checks + 1))
cmp -s "$work/stdout.txt" "$work/step1.txt" || fail "train -o - differs from the file"
expect 2 "give -o a file name" "$bp" explain "$models/example_c.txt" --input 0.05,0.10 --target 0.01,0.99 --rate 0.5 -o -
expect 0 "rankdir=LR" "$bp" dot "$models/example_c.txt" -o -
# ---- run un-scales: a model with input and target scaling takes raw inputs ----
# and prints raw outputs: (3, 6) scales to (1, 1), the network gives
# 0.5 - 1.5 + 0.25 = -0.75, un-scaled -0.75 * 3 + 10 = 7.75
cat > "$work/scaled.txt" <<'MODEL'
backprop-model 2
layers 2
sizes 2 1
loss half_sse
layer 1
activation linear
bias per_neuron
frozen none
weights 1 2
0x1p-1 -0x1.8p+0
biases 1
0x1p-2
end
section scaling
inputs 2
0x1p+0 0x1p+1
0x1p+1 0x1p+2
targets 1
0x1.4p+3
0x1.8p+1
MODEL
expect 0 "^7\.75$" "$bp" run "$work/scaled.txt" --input 3,6
sanitizer_reports "the end"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
