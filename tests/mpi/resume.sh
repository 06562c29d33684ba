#!/usr/bin/env bash
# Usage: resume.sh PROGRAM MPIRUN [MPIRUN OPTIONS...]
# Trains 3 of 6 epochs on 2 processes and saves the trainer, then finishes
# that file on 4 processes and on 1; each finish must give the bits of one
# uninterrupted process (tests/mpi/mpi_resume.c checks them).
set -euo pipefail
program=$1
shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "== 2 processes: 3 epochs, then rank 0 saves"
"$@" -np 2 "$program" save 3 "$dir/trainer.txt"
echo "== 4 processes finish"
"$@" -np 4 "$program" finish "$dir/trainer.txt"
echo "== 1 process finishes"
"$@" -np 1 "$program" finish "$dir/trainer.txt"
