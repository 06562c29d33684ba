#!/usr/bin/env bash
# Tests of `backprop train` with the library's training loop: the classifier
# of the man page reaches its accuracy, the progress lines and --history hold
# the loop's numbers, --plot writes a valid SVG chart, --quiet is silent, the
# terminal gets a bar, the data options pick the same rows however they are
# laid out, scaling makes a regression model take and give raw units,
# --chunks gives the same bits run after run, a run killed and resumed from
# its --checkpoint ends with the bits of the run never interrupted, --resume
# refuses files of other trainings, and bad options exit 2 with a clear message.
# usage: test_cli_train.sh PATH/TO/backprop SOURCE_DIR
set -u
bp=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=cli_harness.sh
source "$src/tests/cli_harness.sh"

# check NAME: runs the python script on stdin with the remaining arguments
check() {
    local name=$1
    shift
    checks=$((checks + 1))
    python3 - "$@" || fail "$name"
}

blobs=$src/examples/data/three_blobs.csv
"$bp" init --sizes 2,8,3 --activations relu,softmax --loss cross-entropy --init he --seed 1 -o "$work/blobs.txt"

# ---- the classifier: one line per epoch off a terminal, the history, the chart ----
train=("$bp" train "$work/blobs.txt" --data "$blobs" --optimizer adam --rate 0.02 --loss cross-entropy
       --batch 8 --epochs 60 --validation 0.2 --scale standard --seed 1)
checks=$((checks + 1))
"${train[@]}" --history "$work/history.csv" --plot "$work/curve.svg" -o "$work/trained.txt" \
    >"$work/stdout" 2>"$work/stderr" || fail "train with the loop exited $?: $(head -c 400 "$work/stderr")"
sanitizer_reports train
[ ! -s "$work/stdout" ] || fail "train wrote to standard output: $(head -c 200 "$work/stdout")"
check "the progress lines and --history disagree, or are not one per epoch" \
    "$work/stderr" "$work/history.csv" <<'PY'
import csv, math, sys
lines = open(sys.argv[1]).read().splitlines()
rows = list(csv.reader(open(sys.argv[2])))
assert rows[0] == ['epoch', 'train_loss', 'validation_loss', 'validation_metric',
                   'learning_rate', 'seconds'], rows[0]
rows = [[float(v) for v in r] for r in rows[1:]]
assert len(rows) == 60 and len(lines) == 60, (len(rows), len(lines))
for i, (line, row) in enumerate(zip(lines, rows)):
    words = line.split()
    assert words[0] == 'epoch' and words[1] == '%d/60' % (i + 1), line
    shown = dict(zip(words[2::2], words[3::2]))
    assert set(shown) == {'loss', 'validation_loss', 'validation_accuracy', 'left'}, line
    assert row[0] == i + 1
    for name, column in (('loss', 1), ('validation_loss', 2), ('validation_accuracy', 3)):
        assert math.isclose(float(shown[name]), row[column], rel_tol=1e-5), (line, row)
    assert math.isfinite(row[1]) and math.isfinite(row[2]) and 0 <= row[3] <= 1, row
    assert row[4] == 0.02, row            # the rate of every epoch (no schedule)
    assert row[5] >= 0, row
# 6 of 30 rows held out: the accuracy is a multiple of 1/6; the loss falls
assert all(abs(r[3] * 6 - round(r[3] * 6)) < 1e-12 for r in rows)
assert rows[-1][1] < rows[0][1] / 4, (rows[0], rows[-1])
assert rows[-1][3] == 1.0, rows[-1]
PY
checks=$((checks + 1))
out=$("$bp" run "$work/trained.txt" --data "$blobs" 2>&1) || fail "run of the trained model: $out"
check "the trained classifier does not reach 29 of 30 (raw inputs through the saved scaling)" \
    "$blobs" "$out" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))[1:]
outs = [list(map(float, line.split(','))) for line in sys.argv[2].split()]
assert len(outs) == len(rows) == 30
right = sum(o.index(max(o)) == r[2:].index('1') for o, r in zip(outs, rows))
assert right >= 29, right
PY
grep -q '^section scaling' "$work/trained.txt" || fail "the saved model has no scaling section"

# the chart: well-formed XML with its axes, curves, labels and legend
if command -v xmllint >/dev/null; then
    checks=$((checks + 1))
    xmllint --noout "$work/curve.svg" || fail "--plot: not well-formed XML"
fi
check "--plot: the chart lacks an element" "$work/curve.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == ns + 'svg', root.tag
texts = [t.text for t in root.iter(ns + 'text')]
for want in ('Training curves', 'epoch', 'loss (cross_entropy)', 'validation accuracy',
             'training loss', 'validation loss', '60'):
    assert want in texts, (want, texts)
classes = {g.get('class') for g in root.iter(ns + 'g')}
assert {'x-axis', 'left-axis', 'right-axis', 'legend'} <= classes, classes
lines = root.findall('.//' + ns + 'polyline')
assert len(lines) == 3, len(lines)                # training, validation, accuracy
assert all(len(l.get('points').split()) == 60 for l in lines)
PY

# ---- --quiet prints nothing; the same run trains the same model ----
checks=$((checks + 1))
"${train[@]}" --quiet -o "$work/quiet.txt" >"$work/stdout" 2>"$work/stderr" || fail "train --quiet exited $?"
[ ! -s "$work/stdout" ] && [ ! -s "$work/stderr" ] || fail "train --quiet printed: $(head -c 200 "$work/stderr")"
cmp -s "$work/quiet.txt" "$work/trained.txt" || fail "the same seed trained another model"

# ---- a terminal gets the bar, redrawn in place, and the time left ----
if command -v script >/dev/null; then
    checks=$((checks + 1))
    script -qec "$(printf '%q ' "${train[@]}") -o $work/tty.txt" /dev/null >"$work/tty" 2>&1
    grep -q $'\r\[########################\] epoch 60/60 loss' "$work/tty" && grep -q 'left 0:00' "$work/tty" \
        || fail "no progress bar on a terminal: $(head -c 300 "$work/tty" | od -c | head -5)"
    [ "$(grep -c 'epoch' "$work/tty")" -le 2 ] || fail "the bar took a line per epoch on a terminal"
fi

# ---- the data options: the same rows, however laid out ----
python3 - "$blobs" "$work" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
with open(sys.argv[2] + '/targets_first.csv', 'w') as f:
    for r in rows:
        f.write(','.join(r[2:] + r[:2]) + '\n')
names = {'c1': 'left', 'c2': 'right', 'c3': 'top'}
with open(sys.argv[2] + '/labels.csv', 'w') as f:
    f.write('x1,x2,class\n')
    for r in rows[1:]:
        f.write('%s,%s,%s\n' % (r[0], r[1], ['left', 'right', 'top'][r[2:].index('1')]))
PY
expect 0 "" "$bp" train "$work/blobs.txt" --data "$work/targets_first.csv" --target-columns 1,2,3 \
    --optimizer adam --rate 0.02 --loss cross-entropy --batch 8 --epochs 60 --validation 0.2 \
    --scale standard --seed 1 --quiet -o "$work/reordered.txt"
checks=$((checks + 1))
cmp -s "$work/reordered.txt" "$work/trained.txt" || fail "--target-columns 1,2,3 trained another model"
expect 0 "" "$bp" train "$work/blobs.txt" --data "$work/labels.csv" --class-column class \
    --optimizer adam --rate 0.02 --batch 8 --epochs 60 --validation 0.2 --seed 1 --quiet \
    -o "$work/labelled.txt"
checks=$((checks + 1))
grep -q '^section classes' "$work/labelled.txt" && grep -q 'left' "$work/labelled.txt" \
    || fail "--class-column: the class names are not in the model"
checks=$((checks + 1))
"$bp" train "$work/blobs.txt" --data - --epochs 3 --quiet -o "$work/stdin.txt" <"$blobs" \
    && [ -s "$work/stdin.txt" ] || fail "train --data - (standard input) with the loop"
sanitizer_reports stdin

# ---- regression: scaled targets, raw outputs ----
python3 - "$work/line.csv" <<'PY'
import sys
with open(sys.argv[1], 'w') as f:
    f.write('x,y\n')
    for i in range(40):
        x = 100 + 5 * i
        f.write('%d,%d\n' % (x, 3 * x + 1000))
PY
"$bp" init --sizes 1,1 --activations linear --seed 3 -o "$work/linear.txt"
expect 0 "" "$bp" train "$work/linear.txt" --data "$work/line.csv" --optimizer adam --rate 0.05 \
    --batch 8 --epochs 300 --scale standard --quiet --history "$work/line_history.csv" \
    -o "$work/line_trained.txt"
checks=$((checks + 1))
out=$("$bp" run "$work/line_trained.txt" --input "150;250" 2>&1)
check "regression with --scale: not the raw targets 1450 and 1750: $out" "$out" <<'PY'
import sys
a, b = map(float, sys.argv[1].split())
assert abs(a - 1450) < 5 and abs(b - 1750) < 5, (a, b)
PY
check "--history without a validation set: nan in the validation columns" "$work/line_history.csv" <<'PY'
import csv, math, sys
rows = list(csv.reader(open(sys.argv[1])))[1:]
assert len(rows) == 300
assert all(r[2] == 'nan' and r[3] == 'nan' for r in rows), rows[0]
assert all(math.isfinite(float(r[1])) for r in rows)
PY

# ---- early stopping ends where the rule says ----
expect 0 "" "$bp" train "$work/blobs.txt" --data "$blobs" --optimizer adam --rate 0.05 --loss cross-entropy \
    --batch 8 --epochs 2000 --validation 0.2 --patience 5 --min-delta 0.001 --seed 1 --quiet \
    --history "$work/early.csv" -o "$work/early.txt"
check "--patience 5 --min-delta 0.001 did not stop after 5 epochs without an improvement of 0.001" \
    "$work/early.csv" <<'PY'
import csv, sys
rows = [[float(v) for v in r] for r in list(csv.reader(open(sys.argv[1])))[1:]]
best, waited, stop = float('inf'), 0, None
for i, r in enumerate(rows):
    if r[2] < best - 0.001:
        best, waited = r[2], 0
    else:
        waited += 1
    if waited == 5:
        stop = i
        break
assert stop is not None and stop == len(rows) - 1 and len(rows) < 2000, (stop, len(rows))
PY

# ---- divergence: status 1, no model, the history written ----
expect 1 "training stopped: .*NaN or infinite; nothing saved" "$bp" train "$work/linear.txt" \
    --data "$work/line.csv" --rate 1e300 --epochs 5 --history "$work/diverged.csv" -o "$work/diverged.txt"
checks=$((checks + 1))
[ ! -e "$work/diverged.txt" ] || fail "a diverged training saved a model"

# ---- bad options: status 2, one clear line ----
m=$work/blobs.txt
expect 2 "--validation: expected a number > 0 and below 1, got '1.5'" "$bp" train "$m" --data "$blobs" --validation 1.5 -o "$work/x.txt"
expect 2 "--validation: expected a number > 0 and below 1, got '0'" "$bp" train "$m" --data "$blobs" --validation 0 -o "$work/x.txt"
expect 2 "--patience needs a validation set" "$bp" train "$m" --data "$blobs" --patience 3 -o "$work/x.txt"
expect 2 "--min-delta goes with --patience" "$bp" train "$m" --data "$blobs" --validation 0.2 --min-delta 0.1 -o "$work/x.txt"
expect 2 "unknown scaling 'zscore'; valid names: none, standard, minmax" "$bp" train "$m" --data "$blobs" --scale zscore -o "$work/x.txt"
expect 2 "unknown loss 'hinge'" "$bp" train "$m" --data "$blobs" --loss hinge -o "$work/x.txt"
expect 2 "--batch: expected a whole number of at least 1, got '0'" "$bp" train "$m" --data "$blobs" --batch 0 -o "$work/x.txt"
expect 2 "--epochs: expected a whole number of at least 1, got 'ten'" "$bp" train "$m" --data "$blobs" --epochs ten -o "$work/x.txt"
expect 2 "--target-columns: 'x' is not a column number \\(from 1\\)" "$bp" train "$m" --data "$blobs" --target-columns 1,x -o "$work/x.txt"
expect 2 "not both" "$bp" train "$m" --data "$blobs" --target-columns 3 --class-column c1 -o "$work/x.txt"
expect 2 "--loss-csv belongs to the classic training .*; the loop writes --history" "$bp" train "$m" --data "$blobs" --rate 0.1 --validation 0.2 --loss-csv "$work/l.csv" -o "$work/x.txt"
expect 2 "--rule belongs to the classic training" "$bp" train "$m" --data "$blobs" --rule sequential --quiet -o "$work/x.txt"
expect 2 "option '--quiet' given twice" "$bp" train "$m" --data "$blobs" --quiet --quiet -o "$work/x.txt"
expect 2 "option '--quiet' does not apply to 'run'" "$bp" run "$m" --input 1,2 --quiet
expect 2 "train needs --data and -o" "$bp" train "$m" --validation 0.2 -o "$work/x.txt"
expect 2 "adam does not take --momentum" "$bp" train "$m" --data "$blobs" --optimizer adam --momentum 0.9 -o "$work/x.txt"
expect 2 "--loss cross_entropy: " "$bp" train "$work/linear.txt" --data "$work/line.csv" --loss cross-entropy -o "$work/x.txt"
expect 1 "2 inputs and 3 targets a row; the network takes 1 and 1" "$bp" train "$work/linear.txt" --data "$blobs" --target-columns 3,4,5 -o "$work/x.txt"
checks=$((checks + 1))
[ ! -e "$work/x.txt" ] || fail "a refused training wrote its model"

# ---- --chunks: the same bits run after run, other bits than whole batches ----
chunked=("$bp" train "$work/blobs.txt" --data "$blobs" --optimizer adam --rate 0.02 --loss cross-entropy
         --batch 8 --epochs 60 --validation 0.2 --scale standard --seed 1 --quiet)
expect 0 "" "${chunked[@]}" --chunks 3 -o "$work/chunks3a.txt"
expect 0 "" "${chunked[@]}" --chunks 3 -o "$work/chunks3b.txt"
checks=$((checks + 1))
cmp -s "$work/chunks3a.txt" "$work/chunks3b.txt" || fail "--chunks 3 trained another model the second time"
checks=$((checks + 1))
cmp -s "$work/chunks3a.txt" "$work/trained.txt" && fail "--chunks 3 trained the bits of whole batches"
check "--chunks 3 trained another classifier than whole batches (parameters apart by more than 1e-6)" \
    "$work/chunks3a.txt" "$work/trained.txt" <<'PY'
import sys
def params(path):  # the weights and biases of every layer, up to the model's `end`
    words, values, i = open(path).read().split(), [], 0
    while words[i] != 'end':
        if words[i] in ('weights', 'biases'):
            n = int(words[i + 1]) * (int(words[i + 2]) if words[i] == 'weights' else 1)
            first = i + (3 if words[i] == 'weights' else 2)
            values += [float.fromhex(w) for w in words[first:first + n]]
            i = first + n
        else:
            i += 1
    return values
a, b = params(sys.argv[1]), params(sys.argv[2])
assert len(a) == len(b) == 2 * 8 + 8 + 8 * 3 + 3, (len(a), len(b))
assert a != b and max(abs(x - y) for x, y in zip(a, b)) < 1e-6, max(abs(x - y) for x, y in zip(a, b))
PY
expect 2 "--chunks: expected a whole number from 1 to 4096, got '0'" "${chunked[@]}" --chunks 0 -o "$work/x.txt"
expect 2 "--chunks: expected a whole number from 1 to 4096, got '4097'" "${chunked[@]}" --chunks 4097 -o "$work/x.txt"

# ---- --checkpoint and --resume: a run killed after a few epochs, resumed from
# its last checkpoint, ends with the bits of the run never interrupted ----
long=("$bp" train "$work/blobs.txt" --data "$blobs" --optimizer adam --rate 0.02 --loss cross-entropy
      --batch 8 --epochs 2000 --validation 0.2 --patience 3000 --scale standard --seed 1 --chunks 2)
expect 0 "" "${long[@]}" --quiet --history "$work/whole.csv" -o "$work/whole.txt"
# killed once its checkpoint holds 5 epochs (polled: the kill lands mid-run however loaded the machine)
checks=$((checks + 1))
python3 - "$work/ck.txt" "${long[@]}" --quiet --checkpoint "$work/ck.txt" -o "$work/killed.txt" <<'PY' \
    || fail "the run to interrupt did not reach epoch 5 or was not killed"
import re, signal, subprocess, sys, time
checkpoint, command = sys.argv[1], sys.argv[2:]
p = subprocess.Popen(command)
while p.poll() is None:
    try:
        m = re.search(r'^section trainer\nepoch (\d+)$', open(checkpoint).read(), re.M)
    except OSError:
        m = None
    if m and int(m.group(1)) >= 5:
        p.send_signal(signal.SIGKILL)
        break
    time.sleep(0.002)
p.wait()
assert p.returncode == -signal.SIGKILL, p.returncode
PY
checks=$((checks + 1))
[ -s "$work/ck.txt" ] && [ ! -e "$work/killed.txt" ] || fail "the killed run left no checkpoint, or ran to its end"
checks=$((checks + 1))
grep -q '^section trainer' "$work/ck.txt" || fail "the checkpoint has no trainer section"
expect 0 "" "${long[@]}" --quiet --resume "$work/ck.txt" --history "$work/resumed.csv" -o "$work/resumed.txt"
checks=$((checks + 1))
cmp -s "$work/resumed.txt" "$work/whole.txt" || fail "--resume did not give the bits of the uninterrupted run"
check "--resume: the history is not the uninterrupted run's (2000 epochs, the same losses)" \
    "$work/whole.csv" "$work/resumed.csv" <<'PY'
import csv, sys
a, b = [list(csv.reader(open(p)))[1:] for p in sys.argv[1:3]]
assert len(a) == len(b) == 2000, (len(a), len(b))
assert [r[:5] for r in a] == [r[:5] for r in b]
PY
# a checkpoint of a finished run: resuming it trains nothing more; writing
# checkpoints changes nothing
short=("$bp" train "$work/blobs.txt" --data "$blobs" --optimizer adam --rate 0.02 --loss cross-entropy
       --batch 8 --epochs 20 --validation 0.2 --patience 30 --scale standard --seed 1 --chunks 2 --quiet)
expect 0 "" "${short[@]}" -o "$work/short.txt"
expect 0 "" "${short[@]}" --checkpoint "$work/ck_done.txt" -o "$work/short_ck.txt"
expect 0 "" "${short[@]}" --resume "$work/ck_done.txt" -o "$work/again.txt"
checks=$((checks + 1))
cmp -s "$work/short_ck.txt" "$work/short.txt" && cmp -s "$work/again.txt" "$work/short.txt" \
    || fail "--checkpoint changed the model, or --resume of a finished run did"

# ---- --resume refuses a file that is not a checkpoint of this training ----
"$bp" train "$work/linear.txt" --data "$work/line.csv" --optimizer adam --epochs 2 --quiet \
    --checkpoint "$work/ck_linear.txt" -o "$work/x_linear.txt"
"$bp" train "$work/blobs.txt" --data "$blobs" --optimizer sgd --epochs 2 --quiet \
    --checkpoint "$work/ck_sgd.txt" -o "$work/x_sgd.txt"
expect 1 "--resume .*blobs.txt: not a checkpoint of train --checkpoint" "${long[@]}" --resume "$work/blobs.txt" -o "$work/x.txt"
expect 1 "--resume .*ck_linear.txt: the checkpoint is of a network with other layer sizes" "${long[@]}" --resume "$work/ck_linear.txt" -o "$work/x.txt"
expect 1 "--resume .*ck_sgd.txt: the checkpoint was made with another --optimizer, or has run more than the 2000 epochs" "${long[@]}" --resume "$work/ck_sgd.txt" -o "$work/x.txt"
expect 1 "--resume .*ck_done.txt: the checkpoint was made with another --optimizer, or has run more than the 2 epochs" "$bp" train "$work/blobs.txt" --data "$blobs" --optimizer adam --epochs 2 --resume "$work/ck_done.txt" -o "$work/x.txt"
expect 1 "--resume .*missing.txt: " "${long[@]}" --resume "$work/missing.txt" -o "$work/x.txt"
expect 1 "--checkpoint .*no_such_folder/ck.txt: " "${long[@]}" --checkpoint "$work/no_such_folder/ck.txt" -o "$work/x.txt"
checks=$((checks + 1))
[ ! -e "$work/x.txt" ] || fail "a refused --resume wrote its model"

# a checkpoint of a run that ended at its --epochs goes on to a larger
# --epochs: the bits of the longer run from the start
expect 0 "" "$bp" train "$work/blobs.txt" --data "$blobs" --optimizer sgd --epochs 5 --quiet \
    --resume "$work/ck_sgd.txt" -o "$work/more.txt"
expect 0 "" "$bp" train "$work/blobs.txt" --data "$blobs" --optimizer sgd --epochs 5 --quiet \
    -o "$work/five.txt"
checks=$((checks + 1))
cmp -s "$work/more.txt" "$work/five.txt" || fail "--resume to more epochs did not give the longer run's bits"

# ---- the classic training is untouched: no line per epoch off a terminal ----
checks=$((checks + 1))
"$bp" train "$m" --data "$blobs" --optimizer adam --rate 0.01 --epochs 5 -o "$work/classic.txt" 2>"$work/stderr" \
    && [ ! -s "$work/stderr" ] || fail "the classic training printed: $(head -c 200 "$work/stderr")"

echo "$checks checks, $failures failures"
[ "$failures" -eq 0 ]
