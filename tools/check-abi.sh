#!/usr/bin/env bash
# Usage: tools/check-abi.sh [--build-dir DIR] [--update]
#
# Builds the shared library from this tree (in a scratch directory, with debug
# information, or uses DIR when given) and compares its ABI with the newest
# committed baseline abi/libbackprop-X.Y.Z.abi using abidiff (libabigail,
# Debian package abigail-tools). Only the types of include/backprop.h count;
# the private structs behind the opaque handles may change freely.
#
#   - functions added since the baseline: fine (a minor release);
#   - a removed function, or a changed signature, enumerator or public type:
#     fails, unless the major version in meson.build is higher than the
#     baseline's (then the report is shown and the check passes).
#
# --update writes abi/libbackprop-<version>.abi for the version in meson.build
# from the build; it is part of the release procedure (docs/versioning.md) and
# is never run by CI.
# Exit status: 0 compatible, 1 incompatible, 2 usage or tool error.
#
# --exported-interfaces-only matters: without it libabigail 2.2 loses the
# signature of a function that another source file calls before the file that
# defines it is read, and would not notice changes to it.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=
update=0
while [ $# -gt 0 ]; do
    case $1 in
    --build-dir) build=${2:?--build-dir needs a directory}; shift 2 ;;
    --update) update=1; shift ;;
    *) echo "usage: $0 [--build-dir DIR] [--update]" >&2; exit 2 ;;
    esac
done

for tool in abidw abidiff meson; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool not found (abidw and abidiff come with Debian's abigail-tools)" >&2
        exit 2
    fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -z "$build" ]; then
    build=$tmp/build
    echo "-- building libbackprop (shared, with debug information)"
    CC=${CC:-gcc} meson setup "$build" "$src" -Dtests=false -Ddefault_library=shared \
        --buildtype=debugoptimized >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; exit 2; }
    meson compile -C "$build" >"$tmp/compile.log" 2>&1 || { cat "$tmp/compile.log"; exit 2; }
fi

version=$(meson introspect --projectinfo "$build" | grep -o '"version": *"[^"]*"' | head -n 1 \
    | sed 's/.*"\([^"]*\)"$/\1/')
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "$0: cannot read the project version from $build ('$version')" >&2
    exit 2
fi
lib=$build/libbackprop.so.$version
if [ ! -f "$lib" ]; then
    echo "$0: $lib not found (was the shared library built?)" >&2
    exit 2
fi
headers=$src/include

if [ "$update" -eq 1 ]; then
    out=$src/abi/libbackprop-$version.abi
    # No paths of the machine that built it: locations, the corpus path and the
    # compilation directory are left out, and each translation unit's path is
    # cut down to its place in the source tree (lib/x.c).
    abidw --exported-interfaces-only --headers-dir "$headers" --drop-private-types \
        --no-corpus-path --no-comp-dir-path --no-show-locs "$lib" \
        | sed "s#\(<abi-instr [^>]*path='\)[^']*/\(lib/[^']*'\)#\1\2#" >"$tmp/new.abi"
    if grep -n "path='[./]" "$tmp/new.abi"; then
        echo "$0: the ABI description still holds a path outside the source tree" >&2
        exit 2
    fi
    mv "$tmp/new.abi" "$out"
    echo "wrote ${out#"$src"/} ($(grep -c '<elf-symbol ' "$out") exported symbols)"
    exit 0
fi

baseline=$(find "$src/abi" -maxdepth 1 -name 'libbackprop-*.abi' | sort -V | tail -n 1)
if [ -z "$baseline" ]; then
    echo "FAIL: no baseline abi/libbackprop-*.abi; see docs/versioning.md" >&2
    exit 1
fi
base_version=$(basename "$baseline" .abi)
base_version=${base_version#libbackprop-}
base_major=${base_version%%.*}
major=${version%%.*}
echo "-- comparing libbackprop $version with the baseline of $base_version"

if [ "$(printf '%s\n%s\n' "$base_version" "$version" | sort -V | tail -n 1)" != "$version" ]; then
    echo "FAIL: the baseline $base_version is newer than the tree's version $version"
    exit 1
fi

rc=0
abidiff --exported-interfaces-only --no-added-syms --fail-no-debug-info --drop-private-types \
    --headers-dir2 "$headers" "$baseline" "$lib" >"$tmp/report.txt" 2>&1 || rc=$?
if [ $((rc & 3)) -ne 0 ]; then
    cat "$tmp/report.txt"
    echo "$0: abidiff failed (exit $rc)" >&2
    exit 2
fi

# For information: what was added since the baseline.
abidiff --exported-interfaces-only --drop-private-types --headers-dir2 "$headers" \
    "$baseline" "$lib" 2>/dev/null \
    | sed -n "s/^  \[A\] 'function \(.*\)'.*/  added: \1/p" || true

if [ "$rc" -eq 0 ]; then
    echo "OK: the ABI of $version is compatible with $base_version."
    exit 0
fi
cat "$tmp/report.txt"
if [ "$major" -gt "$base_major" ]; then
    echo "Incompatible with $base_version, allowed: the major version went from $base_major to $major."
    echo "Commit a new baseline with the release: tools/check-abi.sh --update"
    exit 0
fi
echo "FAIL: incompatible ABI change against $base_version with the same major version $major."
echo "Keep the old interface, or raise the major version (docs/versioning.md)."
exit 1
