#!/usr/bin/env bash
# Renders the diagrams of `backprop dot` with Graphviz and checks what a reader
# sees: no edge runs through a label or a unit at the worked examples' sizes
# (tests/dot_layout_check.py reads the layout), and wide networks, whose big
# layers are drawn as one node each, give a picture of at most 2000 x 2000
# pixels. Registered only when Graphviz's dot is installed.
# usage: test_dot_render.sh PATH/TO/backprop PATH/TO/dot PATH/TO/python3 SOURCE_DIR
set -u
bp=$1
dot=$2
python=$3
src=$4
check="$src/tests/dot_layout_check.py"
models="$src/examples/models"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
checks=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# layout NAME DOT_FILE: no edge through a node, no two nodes overlapping
layout() {
    checks=$((checks + 1))
    local out
    if ! out=$(timeout 60 "$dot" -Tplain "$2" | "$python" "$check"); then
        fail "$1: $out"
    fi
}

# png_size FILE: "width height" from the PNG header (big-endian at bytes 16..23)
png_size() {
    od -An -tu1 -j16 -N8 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}'
}

# page NAME DOT_FILE: the PNG is at most 2000 x 2000 pixels
page() {
    checks=$((checks + 1))
    if ! timeout 60 "$dot" -Tpng "$2" -o "$work/$1.png"; then
        fail "$1: dot -Tpng failed or took over a minute"
        return
    fi
    local w h
    read -r w h < <(png_size "$work/$1.png")
    if [ -z "$w" ] || [ "$w" -le 0 ] || [ "$w" -gt 2000 ] || [ "$h" -le 0 ] || [ "$h" -gt 2000 ]; then
        fail "$1: picture of ${w:-?} x ${h:-?} pixels (at most 2000 x 2000 expected)"
    fi
}

# diagram NAME ARGS...: writes $work/NAME.dot with `backprop dot ARGS`
diagram() {
    local name=$1
    shift
    checks=$((checks + 1))
    "$bp" dot "$@" -o "$work/$name.dot" || fail "$name: backprop dot $* failed"
}

# vector N X: N copies of X separated by commas
vector() {
    local out=$2 i
    for ((i = 1; i < $1; i++)); do out="$out,$2"; done
    echo "$out"
}

# The checker itself catches an edge drawn through a node.
checks=$((checks + 1))
printf 'digraph { splines=line; node [shape=box]; a [pos="0,0!"]; b [pos="100,0!"]; c [pos="200,0!"]; a -> c; }' \
    > "$work/planted.dot"
if "$dot" -Kneato -n2 -Tplain "$work/planted.dot" | "$python" "$check" > /dev/null; then
    fail "dot_layout_check.py missed an edge drawn through a node"
fi

# The worked examples, plain and with the values of a pass.
diagram a "$models/example_a.txt"
diagram a_pass "$models/example_a.txt" --input 1,2,3 --target 0,1
diagram b "$models/example_b.txt"
diagram b_pass "$models/example_b.txt" --input 0.05,0.1 --target 0.5
diagram c "$models/example_c.txt"
diagram c_pass "$models/example_c.txt" --input 0.05,0.10 --target 0.01,0.99
diagram d "$models/example_d_seed0.txt"
diagram d_pass "$models/example_d_seed0.txt" --input 0,1 --target 1
for name in a a_pass b b_pass c c_pass d d_pass; do
    layout "$name" "$work/$name.dot"
    page "$name" "$work/$name.dot"
done

# Wide networks: big layers as one node each.
for sizes in 64,64,10 784,128,10 12,12,12; do
    name=net_${sizes//,/_}
    IFS=, read -r n_in _ n_out <<< "$sizes"
    "$bp" init --sizes "$sizes" --activations sigmoid,sigmoid --seed 3 -o "$work/$name.txt" ||
        fail "init $sizes failed"
    diagram "$name" "$work/$name.txt"
    diagram "${name}_pass" "$work/$name.txt" --input "$(vector "$n_in" 0.5)" \
        --target "$(vector "$n_out" 0.1)"
    for n in "$name" "${name}_pass"; do
        layout "$n" "$work/$n.dot"
        page "$n" "$work/$n.dot"
    done
done

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
