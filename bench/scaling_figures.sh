#!/usr/bin/env bash
# Measures the figures of the scaling model of data-parallel training
# (bench/scaling_model.py, docs/distributed.md) and prints them as the
# figures file: the date, the machine, the CPU and the load average before
# and after each program, then bench_steps' and bench_allreduce's lines.
#
# Usage: bash bench/scaling_figures.sh BUILD_DIR [REPS] > bench/scaling_figures.txt
#   BUILD_DIR  a build with -Dbench=true (bench_allreduce needs MPI found)
#   REPS       timed runs per figure (default 9 for the steps, 21 blocks
#              for the all-reduce)
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [REPS]" >&2
    exit 2
fi
build=$1
reps=${2:-}
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
before=$(load)
"$build/bench/bench_steps" ${reps:+--reps "$reps"} > "$build/steps.txt"
echo "# load average (1, 5, 15 min) around bench_steps: $before before, $(load) after"
before=$(load)
mpirun --allow-run-as-root --oversubscribe -np 2 "$build/bench/bench_allreduce" \
    ${reps:+--reps "$reps"} > "$build/allreduce.txt"
echo "# load average (1, 5, 15 min) around bench_allreduce: $before before, $(load) after"
cat "$build/steps.txt" "$build/allreduce.txt"
