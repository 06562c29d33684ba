#!/usr/bin/env bash
# Builds pkgconfig/meson-consumer with this tree linked in as
# subprojects/backprop, forcing Meson's fallback to the subproject (so an
# installed libbackprop cannot stand in), and runs the consumer.
. "$(dirname "$0")/common.sh"

proj=$WORK/meson-consumer
mkdir -p "$proj/subprojects"
cp "$SRC/pkgconfig/meson-consumer/meson.build" "$SRC/pkgconfig/meson-consumer/main.c" "$proj/"
ln -s "$SRC" "$proj/subprojects/backprop"

step "meson setup --force-fallback-for=backprop (subprojects/backprop -> the source tree)"
meson setup "$proj/build" "$proj" --force-fallback-for=backprop --wrap-mode=nodownload \
    >"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log"; exit 1; }
if ! grep -q 'Executing subproject backprop' "$WORK/setup.log"; then
    cat "$WORK/setup.log"
    echo "FAIL the consumer did not use the subproject"
    exit 1
fi
meson compile -C "$proj/build" consumer >"$WORK/compile.log" 2>&1 || { cat "$WORK/compile.log"; exit 1; }
step "run the consumer"
"$proj/build/consumer"
echo "Meson subproject consumer: passed"
