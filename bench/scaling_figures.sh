#!/usr/bin/env bash
# Measures the figures of the scaling model of data-parallel training
# (bench/scaling_model.py, docs/distributed.md) and prints them as the
# figures file: the date, the machine and the CPU, then per run the load
# average before and after each program and bench_steps' and
# bench_allreduce's lines. The model takes each figure's least value over
# the runs: on a shared machine, the run least disturbed by other work.
#
# Usage: bash bench/scaling_figures.sh BUILD_DIR [REPS [RUNS]] > bench/scaling_figures.txt
#   BUILD_DIR  a build with -Dbench=true (bench_allreduce needs MPI found)
#   REPS       rounds of bench_steps and blocks of bench_allreduce per run
#              (default: theirs, 9 and 21)
#   RUNS       runs of both programs (default 1)
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [REPS [RUNS]]" >&2
    exit 2
fi
build=$1
reps=${2:-}
runs=${3:-1}
load() { cut -d ' ' -f 1-3 /proc/loadavg; }
cpu=$(lscpu | sed -n 's/^Model name: *//p')
family=$(lscpu | sed -n 's/^CPU family: *//p')
model=$(lscpu | sed -n 's/^Model: *//p')
l2=$(lscpu | sed -n 's/^L2 cache: *//p')

echo "# Figures of the scaling model of data-parallel training (bench/scaling_model.py,"
echo "# docs/distributed.md), written by bench/scaling_figures.sh."
echo "# date $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# machine $(nproc) CPUs, $(uname -s) $(uname -r), $(mpirun --version 2>/dev/null | head -n 1)"
echo "# cpu $cpu, family $family model $model, L2 $l2"
for run in $(seq 1 "$runs"); do
    before=$(load)
    "$build/bench/bench_steps" ${reps:+--reps "$reps"} > "$build/steps.txt"
    echo "# run $run, bench_steps${reps:+ --reps $reps}: load average (1, 5, 15 min) $before before, $(load) after"
    cat "$build/steps.txt"
    before=$(load)
    mpirun --allow-run-as-root --oversubscribe -np 2 "$build/bench/bench_allreduce" \
        ${reps:+--reps "$reps"} > "$build/allreduce.txt"
    echo "# run $run, bench_allreduce${reps:+ --reps $reps}: load average (1, 5, 15 min) $before before, $(load) after"
    cat "$build/allreduce.txt"
done
