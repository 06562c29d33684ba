#!/usr/bin/env bash
# Tests of the command backprop-mpi (suite 'mpi'): the reproducible mode
# trains the same bits on 1 and 2 processes as `backprop train --chunks 16`,
# only rank 0 shows the progress, the fast mode lands within 1e-10 of the
# single-process loop, a checkpoint written by 2 processes resumes on 1 (and
# one of a single process on 2) to the bits of the run never interrupted,
# and a failure on every rank or on one rank alone (a missing file, another
# network, a bad checkpoint) ends every rank with a non-zero status and the
# failing rank named, within a timeout, never a hang.
# usage: test_cli_mpi.sh BACKPROP_MPI BACKPROP MPIRUN SOURCE_DIR
set -u
bpm=$1
bp=$2
mpirun=$3
src=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=cli_harness.sh
source "$src/tests/cli_harness.sh"

# Runs as root in containers; the shared-memory transport's single copy
# needs ptrace rights that containers often lack.
mpi=("$mpirun" --allow-run-as-root --oversubscribe --mca btl_vader_single_copy_mechanism none)

# np N CMD...: CMD on N processes, stopped after 60 s (status 124: a hang).
np() {
    local n=$1
    shift
    timeout 60 "${mpi[@]}" -np "$n" "$@"
}

# same A B WHAT: the two files hold the same bytes
same() {
    checks=$((checks + 1))
    cmp -s "$1" "$2" || fail "$3"
}

# close A B WHAT: every parameter of model A within 1e-10 max(1, |b|) of B's, and not all equal
close() {
    checks=$((checks + 1))
    python3 - "$1" "$2" <<'PY' || fail "$3"
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
worst = max(abs(x - y) / max(1.0, abs(y)) for x, y in zip(a, b))
print('largest relative difference %.3g' % worst)
assert worst <= 1e-10, worst
PY
}

# ranks_exited N STATUS WHAT: every rank of the last wrapped run exited STATUS
ranks_exited() {
    local n=$1 want=$2 what=$3 r
    checks=$((checks + 1))
    for ((r = 0; r < n; r++)); do
        if [ ! -s "$work/status.$r" ]; then
            fail "$what: rank $r did not finish (no status)"
        elif [ "$(cat "$work/status.$r")" -ne "$want" ]; then
            fail "$what: rank $r exited $(cat "$work/status.$r"), expected $want"
        fi
    done
    rm -f "$work"/status.*
}

# Each rank through a shell that writes the rank's own exit status and exits
# 0, so that mpirun never ends the other ranks itself: each must end on its own.
wrapped=(sh -c '"$0" "$@"; echo $? >"$STATUS_DIR/status.$OMPI_COMM_WORLD_RANK"' "$bpm")
export STATUS_DIR=$work

blobs=$src/examples/data/three_blobs.csv
"$bp" init --sizes 2,8,3 --activations relu,softmax --loss cross-entropy --init he --seed 1 -o "$work/blobs.txt"
"$bp" init --sizes 2,5,3 --activations relu,softmax --loss cross-entropy --init he --seed 1 -o "$work/other.txt"
opts=(--data "$blobs" --optimizer adam --rate 0.02 --loss cross-entropy --batch 8 --epochs 30
      --validation 0.2 --scale standard --seed 1)

# ---- the command itself ----
expect 0 "usage: mpirun -np N backprop-mpi train MODEL" "$bpm" --help
expect 0 "^backprop-mpi [0-9]+\.[0-9]+\.[0-9]+" "$bpm" --version

# ---- reproducible: 1 and 2 processes and backprop train --chunks 16, the same bits ----
expect 0 "" "$bp" train "$work/blobs.txt" "${opts[@]}" --chunks 16 --quiet --history "$work/single.csv" -o "$work/single16.txt"
expect 0 "" np 1 "$bpm" train "$work/blobs.txt" "${opts[@]}" --quiet -o "$work/r1.txt"
checks=$((checks + 1))
np 2 "$bpm" train "$work/blobs.txt" "${opts[@]}" --history "$work/r2.csv" -o "$work/r2.txt" \
    >"$work/stdout" 2>"$work/stderr" || fail "2 processes exited $?: $(head -c 600 "$work/stderr")"
same "$work/r1.txt" "$work/single16.txt" "1 process: not the bits of backprop train --chunks 16"
same "$work/r2.txt" "$work/single16.txt" "2 processes: not the bits of backprop train --chunks 16"
checks=$((checks + 1))
[ "$(grep -c '^epoch ' "$work/stderr")" -eq 30 ] && [ "$(grep -c '^epoch 30/30 ' "$work/stderr")" -eq 1 ] \
    || fail "2 processes: not one progress line per epoch from rank 0 alone: $(head -c 400 "$work/stderr")"
checks=$((checks + 1))
python3 - "$work/single.csv" "$work/r2.csv" <<'PY' || fail "2 processes: the history is not the single process's"
import csv, sys
a, b = [list(csv.reader(open(p)))[1:] for p in sys.argv[1:3]]
assert len(a) == len(b) == 30, (len(a), len(b))
assert [r[:5] for r in a] == [r[:5] for r in b]  # all but the seconds
PY

# ---- fast: MPI's all-reduce, within 1e-10 of one process without chunks ----
expect 0 "" "$bp" train "$work/blobs.txt" "${opts[@]}" --quiet -o "$work/single.txt"
expect 0 "" np 2 "$bpm" train "$work/blobs.txt" "${opts[@]}" --mode fast --quiet -o "$work/f2.txt"
close "$work/f2.txt" "$work/single.txt" "--mode fast on 2 processes: not within 1e-10 of one process"
expect 2 "--chunks goes with --mode reproducible" np 2 "$bpm" train "$work/blobs.txt" "${opts[@]}" --mode fast --chunks 4 -o "$work/x.txt"
expect 2 "--chunks 1: reproducible mode needs at least as many chunks as processes \(2\)" np 2 "$bpm" train "$work/blobs.txt" "${opts[@]}" --chunks 1 -o "$work/x.txt"
expect 2 "unknown mode 'exact'" np 1 "$bpm" train "$work/blobs.txt" "${opts[@]}" --mode exact -o "$work/x.txt"

# ---- --checkpoint on 2 processes, killed, resumed on 1; and the other way ----
long=(train "$work/blobs.txt" --data "$blobs" --optimizer adam --rate 0.02 --loss cross-entropy
      --batch 8 --epochs 2000 --validation 0.2 --patience 3000 --scale standard --seed 1 --quiet)
expect 0 "" "$bp" "${long[@]}" --chunks 16 -o "$work/whole.txt"
# kill_at_epoch CHECKPOINT CMD...: runs CMD, ends it (SIGTERM) once CHECKPOINT
# holds 5 epochs (polled: the kill lands mid-run however loaded the machine)
kill_at_epoch() {
    checks=$((checks + 1))
    timeout 120 python3 - "$@" <<'PY' || fail "the run to interrupt did not reach epoch 5 or was not ended: $*"
import re, signal, subprocess, sys, time
checkpoint, command = sys.argv[1], sys.argv[2:]
p = subprocess.Popen(command)
while p.poll() is None:
    try:
        m = re.search(r'^section trainer\nepoch (\d+)$', open(checkpoint).read(), re.M)
    except OSError:
        m = None
    if m and int(m.group(1)) >= 5:
        p.send_signal(signal.SIGTERM)
        break
    time.sleep(0.002)
p.wait()
assert p.returncode != 0, p.returncode
PY
}
kill_at_epoch "$work/ck2.txt" "${mpi[@]}" -np 2 "$bpm" "${long[@]}" --checkpoint "$work/ck2.txt" -o "$work/killed2.txt" 2>/dev/null
checks=$((checks + 1))
[ -s "$work/ck2.txt" ] && [ ! -e "$work/killed2.txt" ] || fail "the killed 2-process run left no checkpoint, or ran to its end"
expect 0 "" np 1 "$bpm" "${long[@]}" --resume "$work/ck2.txt" -o "$work/resumed1.txt"
same "$work/resumed1.txt" "$work/whole.txt" "a 2-process checkpoint resumed on 1 process: not the uninterrupted bits"
expect 0 "" "$bp" "${long[@]}" --chunks 16 --resume "$work/ck2.txt" -o "$work/resumed_bp.txt"
same "$work/resumed_bp.txt" "$work/whole.txt" "a 2-process checkpoint resumed by backprop train --chunks 16: not the uninterrupted bits"
kill_at_epoch "$work/ck1.txt" "$bp" "${long[@]}" --chunks 16 --checkpoint "$work/ck1.txt" -o "$work/killed1.txt"
checks=$((checks + 1))
[ -s "$work/ck1.txt" ] && [ ! -e "$work/killed1.txt" ] || fail "the killed single run left no checkpoint, or ran to its end"
expect 0 "" np 2 "$bpm" "${long[@]}" --resume "$work/ck1.txt" -o "$work/resumed2.txt"
same "$work/resumed2.txt" "$work/whole.txt" "a single-process checkpoint resumed on 2 processes: not the uninterrupted bits"

# ---- failures: every rank ends non-zero, on its own, the failing rank named ----
# (mpirun itself exits 0: the wrapper of each rank does)
missing=(--data "$work/missing.csv" "${opts[@]:2}")
expect 0 "rank 0: .*missing.csv.*" np 2 "${wrapped[@]}" train "$work/blobs.txt" "${missing[@]}" -o "$work/x.txt"
ranks_exited 2 1 "a data file missing on every rank"
expect 0 "backprop-mpi: rank 1 failed: .*missing.csv" timeout 60 "${mpi[@]}" \
    -np 1 "${wrapped[@]}" train "$work/blobs.txt" "${opts[@]}" -o "$work/x.txt" : \
    -np 1 "${wrapped[@]}" train "$work/blobs.txt" "${missing[@]}" -o "$work/x.txt"
ranks_exited 2 1 "a data file missing on rank 1"
expect 0 "backprop-mpi: rank 1 failed: the model differs from rank 0's" timeout 60 "${mpi[@]}" \
    -np 1 "${wrapped[@]}" train "$work/blobs.txt" "${opts[@]}" -o "$work/x.txt" : \
    -np 1 "${wrapped[@]}" train "$work/other.txt" "${opts[@]}" -o "$work/x.txt"
ranks_exited 2 1 "another network on rank 1"
expect 0 "backprop-mpi: rank 1 failed: --resume .*blobs.txt.*: not a checkpoint" timeout 60 "${mpi[@]}" \
    -np 1 "${wrapped[@]}" "${long[@]}" --resume "$work/ck1.txt" -o "$work/x.txt" : \
    -np 1 "${wrapped[@]}" "${long[@]}" --resume "$work/blobs.txt" -o "$work/x.txt"
ranks_exited 2 1 "a bad checkpoint on rank 1"
expect 0 "backprop-mpi: rank 1 failed: option '--epochs' given twice" timeout 60 "${mpi[@]}" \
    -np 1 "${wrapped[@]}" train "$work/blobs.txt" "${opts[@]}" -o "$work/x.txt" : \
    -np 1 "${wrapped[@]}" train "$work/blobs.txt" "${opts[@]}" --epochs 0 -o "$work/x.txt"
ranks_exited 2 2 "bad options on rank 1"
expect 0 "backprop-mpi: rank 0: --checkpoint .*no_such_folder/ck.txt" np 2 "${wrapped[@]}" train "$work/blobs.txt" \
    "${opts[@]}" --checkpoint "$work/no_such_folder/ck.txt" -o "$work/x.txt"
ranks_exited 2 1 "a checkpoint that rank 0 cannot write, after the first epoch"
expect 0 "rank [01]: training stopped: .*NaN or infinite" np 2 "${wrapped[@]}" train "$work/blobs.txt" \
    --data "$blobs" --rate 1e300 --epochs 5 -o "$work/x.txt"
ranks_exited 2 1 "a training that diverges"
checks=$((checks + 1))
[ ! -e "$work/x.txt" ] || fail "a failed run wrote its model"

echo "$checks checks, $failures failures"
[ "$failures" -eq 0 ]
