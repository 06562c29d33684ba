#!/usr/bin/env bash
# Usage: tools/check-cycles.sh OBJECT_OR_ARCHIVE...
#
# Checks that the source files of a library call each other without a cycle:
# the graph has an edge from file A to file B when A's object file leaves a
# symbol undefined that B's defines (both read with nm). A cycle of two or
# more files means that neither can be understood, tested or replaced
# without the other; the check prints one such cycle, each file followed
# by a symbol that leads to the next.
# Exits 0 when there is no cycle, 1 when there is one, 2 on misuse.
# Needs nm (binutils, or $NM) and awk.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 OBJECT_OR_ARCHIVE..." >&2
    exit 2
fi
nm=${NM:-nm}
for f in "$@"; do
    if [ ! -f "$f" ]; then
        echo "$0: no such file: $f" >&2
        exit 2
    fi
done

# nm's portable format, one symbol a line: "FILE: NAME TYPE ..." for an
# object file, "ARCHIVE[MEMBER]: NAME TYPE ..." for a member of an archive.
# A file is named by its object's base name (or the member's name).
symbols=$("$nm" -P -A "$@") || exit 2
if [ -z "$symbols" ]; then
    echo "$0: no symbols in: $*" >&2
    exit 2
fi

printf '%s\n' "$symbols" | awk '
function file_of(field,    f) {
    f = field
    sub(/:$/, "", f)
    if (f ~ /\]$/) {            # ARCHIVE[MEMBER]
        sub(/^.*\[/, "", f)
        sub(/\]$/, "", f)
    }
    sub(/^.*\//, "", f)
    return f
}
{
    file = file_of($1); name = $2; type = $3
    files[file] = 1
    if (type == "U")
        wanted[file, name] = 1
    else if (type ~ /^[A-TV-Z]$/)  # global and defined (upper case but U)
        owner[name] = file
}
# Depth-first search; colour 1 while a file is on the path, 2 when done.
function visit(f,    key, parts, g) {
    colour[f] = 1
    path[++depth] = f
    for (key in edge) {
        split(key, parts, SUBSEP)
        if (parts[1] != f)
            continue
        g = parts[2]
        if (colour[g] == 1) {
            report(g)
            return 1
        }
        if (colour[g] == 0 && visit(g))
            return 1
    }
    depth--
    colour[f] = 2
    return 0
}
function report(g,    i, start, line) {
    for (i = 1; i <= depth; i++)
        if (path[i] == g)
            start = i
    line = ""
    for (i = start; i <= depth; i++)
        line = line path[i] " -(" via[path[i], (i < depth ? path[i + 1] : g)] ")-> "
    print "a cycle of calls between files: " line g
}
END {
    for (key in wanted) {
        split(key, parts, SUBSEP)
        if ((parts[2] in owner) && owner[parts[2]] != parts[1]) {
            edge[parts[1], owner[parts[2]]] = 1
            if (!((parts[1], owner[parts[2]]) in via) || parts[2] < via[parts[1], owner[parts[2]]])
                via[parts[1], owner[parts[2]]] = parts[2]
        }
    }
    n = 0
    for (f in files)
        order[++n] = f
    # a fixed order of the starting points, so that the report is stable
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && order[j - 1] > order[j]; j--) {
            t = order[j]; order[j] = order[j - 1]; order[j - 1] = t
        }
    for (i = 1; i <= n; i++) {
        depth = 0
        if (colour[order[i]] == 0 && visit(order[i]))
            exit 1
    }
    print "no cycle between the " n " files"
}'
