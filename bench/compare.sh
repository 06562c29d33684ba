#!/usr/bin/env bash
# Compares the speed of two revisions of the library on the benchmark's
# libbackprop rows (W1 to W5): builds each revision's bench in a release build
# with threads, then runs the two benches alternately, one round each at a
# time, and prints per row the median time of each and the ratio new/old.
#
# Usage: bench/compare.sh OLD_REV NEW_REV [ROUNDS [RUNS]]
#   ROUNDS  rounds per run (default 9): each round runs both benches once,
#           the first of the pair alternating from round to round
#   RUNS    runs (default 3), each printed on its own, then all rounds together
# The revisions are checked out in a temporary directory (git worktree) and
# removed afterwards; the peers (FANN, PyTorch) are not compared. A row that
# only one revision's bench has shows nan for the other.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 OLD_REV NEW_REV [ROUNDS [RUNS]]" >&2
    exit 2
fi
old_rev=$1
new_rev=$2
rounds=${3:-9}
runs=${4:-3}
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=$(mktemp -d "${TMPDIR:-/tmp}/nn-compare.XXXXXX")
cleanup() {
    for side in old new; do
        [ -d "$work/$side" ] && git -C "$repo" worktree remove --force "$work/$side" >/dev/null 2>&1
    done
    rm -rf "$work"
}
trap cleanup EXIT

for side in old new; do
    rev=$old_rev
    [ "$side" = new ] && rev=$new_rev
    git -C "$repo" worktree add --detach "$work/$side" "$rev" >/dev/null 2>&1
    meson setup "$work/build-$side" "$work/$side" --buildtype=release -Dbench=true \
        -Dthreads=true -Dtests=false >/dev/null
    ninja -C "$work/build-$side" bench/bench >/dev/null
    echo "$side: $(git -C "$repo" rev-parse --short "$rev") ($rev)"
done

# The rows compared, as the bench names them.
rows=("W1 libbackprop train_sample" "W1 libbackprop forward+backward+step"
      "W2 libbackprop train_sample"
      "W2 libbackprop forward+backward+step" "W3 libbackprop 1 thread"
      "W3 libbackprop 2 threads" "W4 libbackprop batch 1" "W4 libbackprop batch 64"
      "W5 libbackprop Adam, 1 thread")

# One round of one side: appends "<run> <row index> <seconds>" to $work/<side>.txt.
# The bench runs in an empty directory, where it finds no PyTorch peer script.
mkdir -p "$work/cwd"
one() {
    local side=$1 run=$2
    local out
    out=$(cd "$work/cwd" && "$work/build-$side/bench/bench" --reps 1 2>/dev/null)
    for i in "${!rows[@]}"; do
        local t
        t=$(printf '%s\n' "$out" | awk -v name="${rows[$i]}" \
            'index($0, name) == 1 && substr($0, length(name) + 1) ~ /^ +[0-9.]+ / { print $(NF - 1) }')
        if [ -n "$t" ]; then echo "$run $i $t" >> "$work/$side.txt"; fi
    done
}

for run in $(seq 1 "$runs"); do
    for round in $(seq 1 "$rounds"); do
        if [ $((round % 2)) -eq 1 ]; then
            one old "$run"; one new "$run"
        else
            one new "$run"; one old "$run"
        fi
        echo "run $run, round $round of $rounds done" >&2
    done
done

# Median of the seconds of row $2 in run $3 (0: every run) of file $1.
median() {
    awk -v row="$2" -v run="$3" '$2 == row && (run == 0 || $1 == run) { print $3 }' "$1" |
        sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan";
            else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

worst=0
for run in $(seq 0 "$runs"); do
    if [ "$run" -eq 0 ]; then
        echo; echo "all $runs runs together ($((runs * rounds)) rounds), median seconds:"
    else
        echo; echo "run $run of $runs ($rounds rounds), median seconds:"
    fi
    printf '%-40s %10s %10s %8s\n' row old new new/old
    for i in "${!rows[@]}"; do
        o=$(median "$work/old.txt" "$i" "$run")
        n=$(median "$work/new.txt" "$i" "$run")
        r=$(awk -v o="$o" -v n="$n" 'BEGIN { if (o > 0) printf "%.3f", n / o; else print "nan" }')
        printf '%-40s %10s %10s %8s\n' "${rows[$i]}" "$o" "$n" "$r"
        # a row that one revision's bench lacks has no ratio (nan)
        if [ "$run" -ne 0 ] && [ "$r" != nan ]; then
            worst=$(awk -v w="$worst" -v r="$r" 'BEGIN { print (r > w ? r : w) }')
        fi
    done
done
echo
echo "largest new/old of a row in a run: $worst"
