#!/bin/sh
# The digits on 1 and 2 processes (examples/mpi_digits.c): each run must reach
# the program's accuracy threshold (it exits non-zero below it), and the
# reproducible mode must end with the same checksum line, bit for bit, on 1
# and on 2 processes; the fast mode must reach the threshold too.
# usage: mpi_digits.sh MPIRUN MPI_DIGITS DIGITS_CSV
set -eu
mpirun=$1
exe=$2
csv=$3
# run N [ARGS]: the program on N processes, stopped after 120 s (a hang)
run() {
    n=$1
    shift
    timeout 120 "$mpirun" --allow-run-as-root --oversubscribe \
        --mca btl_vader_single_copy_mechanism none -np "$n" "$exe" "$@" "$csv"
}
one=$(run 1) || { echo "FAIL: 1 process: exit status $?"; printf '%s\n' "$one"; exit 1; }
two=$(run 2) || { echo "FAIL: 2 processes: exit status $?"; printf '%s\n' "$two"; exit 1; }
fast=$(run 2 --fast) || { echo "FAIL: 2 processes, --fast: exit status $?"; printf '%s\n' "$fast"; exit 1; }
printf '%s\n\n%s\n\n%s\n' "$one" "$two" "$fast"
last_one=$(printf '%s\n' "$one" | tail -n 1)
last_two=$(printf '%s\n' "$two" | tail -n 1)
case $last_one in
checksum:\ ?*) ;;
*) echo "FAIL: the last line is not the checksum: $last_one"; exit 1 ;;
esac
[ "$last_one" = "$last_two" ] || { echo "FAIL: 1 and 2 processes: the checksums differ"; exit 1; }
echo "ok: 1 and 2 processes give the same $last_one"
