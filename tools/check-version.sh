#!/usr/bin/env bash
# Usage: tools/check-version.sh --version X.Y.Z --probe EXE --pc backprop.pc
#                               --changelog CHANGELOG.md --versioning docs/versioning.md
#                               [--release]
#
# Fails unless every place that states libbackprop's version agrees with
# X.Y.Z, the version in meson.build (meson passes meson.project_version()):
#   - the header macros BACKPROP_VERSION_MAJOR/MINOR/PATCH, _STRING and _NUMBER,
#     and nn_version_string() / nn_version_number() at run time, all printed by
#     EXE (abi/version-probe.c); the number must be MAJOR*10000+MINOR*100+PATCH;
#   - the Version: field of the generated backprop.pc;
#   - the "Current version:" line of docs/versioning.md;
#   - the CHANGELOG: its newest released heading "## [A.B.C] - date" must be
#     X.Y.Z, or, while an "## [Unreleased]" section is on top, older than X.Y.Z
#     (X.Y.Z being the release in preparation; no release yet counts as older).
# With --release (the release procedure in docs/versioning.md) the newest
# released heading must be X.Y.Z itself, with a date.
set -euo pipefail

die_usage() {
    echo "usage: $0 --version X.Y.Z --probe EXE --pc FILE --changelog FILE --versioning FILE [--release]" >&2
    exit 2
}

version= probe= pc= changelog= versioning= release=0
while [ $# -gt 0 ]; do
    case $1 in
    --version) version=${2-}; shift 2 || die_usage ;;
    --probe) probe=${2-}; shift 2 || die_usage ;;
    --pc) pc=${2-}; shift 2 || die_usage ;;
    --changelog) changelog=${2-}; shift 2 || die_usage ;;
    --versioning) versioning=${2-}; shift 2 || die_usage ;;
    --release) release=1; shift ;;
    *) die_usage ;;
    esac
done
[ -n "$version" ] && [ -n "$probe" ] && [ -n "$pc" ] && [ -n "$changelog" ] && [ -n "$versioning" ] || die_usage

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
same() { # same WHAT VALUE
    if [ "$2" = "$version" ]; then
        echo "ok:   $1 = $2"
    else
        fail "$1 is '$2', meson.build says '$version'"
    fi
}

if ! [[ $version =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]]; then
    echo "FAIL: meson.build's version '$version' is not MAJOR.MINOR.PATCH"
    exit 1
fi
major=$((10#${BASH_REMATCH[1]}))
minor=$((10#${BASH_REMATCH[2]}))
patch=$((10#${BASH_REMATCH[3]}))
number=$((major * 10000 + minor * 100 + patch))

# Header and run time.
mapfile -t lines < <("$probe")
if [ "${#lines[@]}" -ne 5 ]; then
    fail "$probe printed ${#lines[@]} lines, expected 5"
else
    same "header BACKPROP_VERSION_MAJOR.MINOR.PATCH" "${lines[0]}"
    same "header BACKPROP_VERSION_STRING" "${lines[1]}"
    same "nn_version_string()" "${lines[3]}"
    for i in 2 4; do
        what=$([ "$i" -eq 2 ] && echo "header BACKPROP_VERSION_NUMBER" || echo "nn_version_number()")
        if [ "${lines[$i]}" = "$number" ]; then
            echo "ok:   $what = $number"
        else
            fail "$what is '${lines[$i]}', expected $number for $version"
        fi
    done
fi

# pkg-config file.
if [ -f "$pc" ]; then
    same "$(basename "$pc") Version" "$(sed -n 's/^Version:[[:space:]]*//p' "$pc")"
else
    fail "no pkg-config file at $pc"
fi

# docs/versioning.md.
if [ -f "$versioning" ]; then
    same "$(basename "$versioning") 'Current version:'" \
        "$(sed -n 's/^Current version:[[:space:]]*\**\([^*[:space:]]*\).*/\1/p' "$versioning" | head -n 1)"
else
    fail "no $versioning"
fi

# CHANGELOG: the first "## [...]" heading that is not [Unreleased].
version_lt() { # version_lt A B: A < B, both MAJOR.MINOR.PATCH
    [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -t. -k1,1n -k2,2n -k3,3n | head -n 1)" = "$1" ]
}
if [ -f "$changelog" ]; then
    first=$(sed -n 's/^## \[\([^]]*\)\].*/\1/p' "$changelog" | head -n 1)
    latest_line=$(grep -m 1 -E '^## \[[0-9]+\.[0-9]+\.[0-9]+\]' "$changelog" || true)
    latest=$(printf '%s' "$latest_line" | sed -n 's/^## \[\([^]]*\)\].*/\1/p')
    if [ "$release" -eq 1 ]; then
        same "CHANGELOG newest released heading" "${latest:-none}"
        if [ -n "$latest_line" ] && ! [[ $latest_line =~ \ -\ [0-9]{4}-[0-9]{2}-[0-9]{2}$ ]]; then
            fail "CHANGELOG heading '$latest_line' has no date (## [X.Y.Z] - YYYY-MM-DD)"
        fi
    elif [ "$latest" = "$version" ]; then
        echo "ok:   CHANGELOG newest released heading = $latest"
    elif [ "$first" = "Unreleased" ] && { [ -z "$latest" ] || version_lt "$latest" "$version"; }; then
        echo "ok:   CHANGELOG [Unreleased] prepares $version (newest release: ${latest:-none})"
    elif [ "$first" = "Unreleased" ]; then
        fail "CHANGELOG's newest release $latest is not older than meson.build's $version"
    else
        fail "CHANGELOG's newest heading is '${first:-none}': expected [$version] or [Unreleased]"
    fi
else
    fail "no $changelog"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures version mismatch(es); see the release procedure in docs/versioning.md"
    exit 1
fi
echo "OK: version $version everywhere."
