#!/usr/bin/env bash
# Runs every command that the documentation shows, as printed:
#   - the ```sh blocks of README.md's section "The `backprop` command";
#   - the .nf/.fi blocks of the EXAMPLES section of tools/backprop.1.
# Each document's commands run in order in a fresh temporary folder holding a
# copy of examples/models and examples/data (the paths the commands name), with
# the given backprop first on PATH, under bash -e -o pipefail. A command fails
# the check when it exits non-zero, leaves an empty file (say, an empty net.svg
# behind `| dot -Tsvg >`), or produces nothing at all. Lines that install or
# build (meson, ninja, apt-get, sudo, pip, tools/install-deps.sh) are skipped.
# usage: tools/check-commands.sh BACKPROP_EXE
set -euo pipefail
exe=${1:?usage: tools/check-commands.sh BACKPROP_EXE}
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$exe" ] || { echo "$exe: not an executable" >&2; exit 2; }
# The examples draw with Graphviz: without it they cannot run as printed.
command -v dot >/dev/null || { echo "dot (Graphviz) is not installed" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
ln -s "$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")" "$work/bin/backprop"
export PATH="$work/bin:$PATH"

# The ```sh blocks of README.md's command section, one line each.
readme_lines() {
    awk '/^## / { in_section = ($0 == "## The `backprop` command") ; next }
         in_section && /^```sh$/ { in_block = 1; next }
         in_block && /^```$/ { in_block = 0; next }
         in_section && in_block { print }' "$root/README.md"
}

# The no-fill blocks of the man page's EXAMPLES section, with the roff escapes
# they use turned back into the characters they print (\e last, so that the
# backslash it yields is not read again).
man_lines() {
    awk '/^\.SH / { in_section = ($0 == ".SH EXAMPLES"); next }
         in_section && /^\.nf/ { in_block = 1; next }
         in_block && /^\.fi/ { in_block = 0; next }
         in_section && in_block { print }' "$root/tools/backprop.1" |
        sed -e 's/\\-/-/g' -e 's/\\&//g' -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g'
}

# Joins continued lines (ending in a backslash) into one command a line and
# drops blank lines, comments and the install and build lines.
commands_of() {
    awk '{ if (sub(/\\$/, "")) { held = held $0; next } print held $0; held = "" }' |
        grep -v -E '^[[:space:]]*(#|$)' |
        grep -v -E '^[[:space:]]*(meson|ninja|apt-get|apt|sudo) |install-deps\.sh|pip install' || true
}

# The state of the folder: every file with its size and modification time.
snapshot() {
    find . -type f -printf '%P %s %T@\n' | sort
}

# run_document NAME: runs the commands on standard input in a fresh folder.
run_document() {
    local name=$1 dir="$work/$1" n=0 cmd rc before after
    mkdir -p "$dir/examples"
    cp -R "$root/examples/models" "$root/examples/data" "$dir/examples/"
    mapfile -t cmds
    if [ "${#cmds[@]}" -eq 0 ]; then
        echo "FAIL $name: no commands found (section renamed?)"
        return 1
    fi
    for cmd in "${cmds[@]}"; do
        n=$((n + 1))
        echo "$name $n: \$ $cmd"
        before=$(cd "$dir" && snapshot)
        rc=0
        (cd "$dir" && bash -e -o pipefail -c "$cmd" </dev/null >"$work/stdout" 2>"$work/stderr") || rc=$?
        if [ "$rc" -ne 0 ]; then
            sed 's/^/    /' "$work/stderr"
            echo "FAIL $name $n: exit status $rc"
            return 1
        fi
        local empty
        empty=$(cd "$dir" && find . -type f -empty -printf '%P ')
        if [ -n "$empty" ]; then
            sed 's/^/    /' "$work/stderr"
            echo "FAIL $name $n: left empty file(s): ${empty% }"
            return 1
        fi
        after=$(cd "$dir" && snapshot)
        if [ ! -s "$work/stdout" ] && [ "$before" = "$after" ]; then
            echo "FAIL $name $n: printed nothing and wrote no file"
            return 1
        fi
        echo "    ok: $(wc -l <"$work/stdout") lines on standard output$(
            comm -13 <(echo "$before" | cut -d' ' -f1) <(echo "$after" | cut -d' ' -f1) |
                tr '\n' ' ' | sed -e 's/ $//' -e 's/^\(..*\)$/, new files: \1/')"
    done
    echo "$name: all $n commands ran"
}

readme_lines | commands_of | run_document README.md
man_lines | commands_of | run_document backprop.1
