#!/usr/bin/env bash
# Usage: tools/check-no-mpi.sh LIBRARY
#
# The core library never links MPI: LIBRARY (libbackprop.so or .a) must not
# call any MPI function (an undefined MPI_, PMPI_ or ompi_ symbol). MPI code
# belongs to libbackprop-mpi (lib/mpi/).
# Exits 0 when it calls none, 1 when it calls some, 2 on misuse. Needs nm
# (binutils, or $NM).
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 LIBRARY" >&2
    exit 2
fi
lib=$1
nm=${NM:-nm}
if [ ! -f "$lib" ]; then
    echo "$0: no such file: $lib" >&2
    exit 2
fi
case $lib in
*.a) list=$("$nm" --undefined-only "$lib") ;;
*) list=$("$nm" -D --undefined-only "$lib") ;;
esac
calls=$(printf '%s\n' "$list" | awk 'NF >= 2 { print $NF }' | sed 's/@.*//' \
    | grep -E '^(P?MPI_|ompi_)' | LC_ALL=C sort -u || true)
if [ -n "$calls" ]; then
    echo "$(basename "$lib") calls MPI:"
    printf '  %s\n' $calls
    exit 1
fi
echo "OK: $(basename "$lib") calls no MPI function."
