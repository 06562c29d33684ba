#!/usr/bin/env bash
# Usage: tools/check-symbols.sh [--macro NAME] [--only PREFIX] [--forbid PREFIX]
#                               LIBRARY.so [HEADER]
#
# Compares the functions a shared library exports with the functions its
# public header declares with the export macro (BACKPROP_API unless --macro
# names another, e.g. BACKPROP_MPI_API for libbackprop-mpi and
# include/backprop_mpi.h), in both directions:
#   - exported but not declared: an internal function leaked into the ABI;
#   - declared but not exported: a promised function is missing (not built,
#     misspelt, or its definition lacks the export macro).
# With --only PREFIX every exported name must begin with PREFIX (nn_mpi_ for
# libbackprop-mpi); with --forbid PREFIX none may (nn_mpi_ for libbackprop,
# whose header must never declare the MPI functions).
# Exits 0 when the two lists are identical and the prefixes hold, 1 when not,
# 2 on misuse. Needs nm (binutils, or $NM) and awk.
set -euo pipefail

usage() {
    echo "usage: $0 [--macro NAME] [--only PREFIX] [--forbid PREFIX] LIBRARY.so [HEADER]" >&2
    exit 2
}
macro=BACKPROP_API
only=
forbid=
while [ $# -gt 0 ]; do
    case $1 in
    --macro) [ $# -ge 2 ] || usage; macro=$2; shift 2 ;;
    --only) [ $# -ge 2 ] || usage; only=$2; shift 2 ;;
    --forbid) [ $# -ge 2 ] || usage; forbid=$2; shift 2 ;;
    -*) usage ;;
    *) break ;;
    esac
done
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    usage
fi
lib=$1
header=${2:-$(dirname "$0")/../include/backprop.h}
nm=${NM:-nm}

for f in "$lib" "$header"; do
    if [ ! -f "$f" ]; then
        echo "$0: no such file: $f" >&2
        exit 2
    fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Exported: every defined symbol in the dynamic symbol table, version suffixes
# (name@VERSION, name@@VERSION) removed. Anything but nn_ functions counts too.
"$nm" -D --defined-only "$lib" | awk 'NF >= 3 { print $3 }' | sed 's/@.*//' | LC_ALL=C sort -u >"$tmp/exported"

# Declared: the header without comments and preprocessor lines, joined into
# one line; each "<macro> ... name(" yields name. (The comment stripper
# does not look inside string literals; the header has none holding comment
# delimiters.)
strip_comments() {
    awk '{
        line = $0; out = ""
        while (line != "") {
            if (in_comment) {
                i = index(line, "*/")
                if (i == 0) { line = ""; break }
                line = substr(line, i + 2); in_comment = 0
            } else {
                i = index(line, "/*"); j = index(line, "//")
                if (i == 0 && j == 0) { out = out line; break }
                if (j > 0 && (i == 0 || j < i)) { out = out substr(line, 1, j - 1); break }
                out = out substr(line, 1, i - 1) " "; line = substr(line, i + 2); in_comment = 1
            }
        }
        print out
    }' "$1"
}
strip_comments "$header" \
    | grep -v '^[[:space:]]*#' \
    | tr '\n' ' ' \
    | grep -o "$macro"'[^;{}()]*(' \
    | sed 's/[[:space:]]*($//; s/.*[^A-Za-z0-9_]//' \
    | LC_ALL=C sort -u >"$tmp/declared" || true

n_exported=$(wc -l <"$tmp/exported")
n_declared=$(wc -l <"$tmp/declared")
if [ "$n_declared" -eq 0 ]; then
    echo "$0: found no $macro declarations in $header" >&2
    exit 2
fi

status=0
extra=$(LC_ALL=C comm -23 "$tmp/exported" "$tmp/declared")
missing=$(LC_ALL=C comm -13 "$tmp/exported" "$tmp/declared")
if [ -n "$extra" ]; then
    echo "Exported by $(basename "$lib") but not declared with $macro in $(basename "$header"):"
    printf '  %s\n' $extra
    status=1
fi
if [ -n "$missing" ]; then
    echo "Declared with $macro in $(basename "$header") but not exported by $(basename "$lib"):"
    printf '  %s\n' $missing
    status=1
fi
if [ -n "$only" ]; then
    outside=$(grep -v "^$only" "$tmp/exported" || true)
    if [ -n "$outside" ]; then
        echo "Exported by $(basename "$lib") but not named $only*:"
        printf '  %s\n' $outside
        status=1
    fi
fi
if [ -n "$forbid" ]; then
    inside=$(grep "^$forbid" "$tmp/exported" || true)
    if [ -n "$inside" ]; then
        echo "Exported by $(basename "$lib") although named $forbid*:"
        printf '  %s\n' $inside
        status=1
    fi
fi
if [ "$status" -eq 0 ]; then
    echo "OK: $n_exported exported functions, exactly those declared in $(basename "$header")."
fi
exit "$status"
