#!/usr/bin/env bash
# Builds pkgconfig/consumer.c out of tree against the staged install with
# nothing but `pkg-config --cflags --libs backprop`, runs it against the shared
# library, then links it fully static with `pkg-config --static` (which must
# bring -lm from Libs.private) and runs that too.
. "$(dirname "$0")/common.sh"
stage_install
cc=${CC:-cc}

version=$(staged_pkg_config --modversion backprop)
cflags=$(staged_pkg_config --cflags backprop)
libs=$(staged_pkg_config --libs backprop)
static_libs=$(staged_pkg_config --static --libs backprop)
echo "pkg-config: version $version"
echo "  --cflags:        $cflags"
echo "  --libs:          $libs"
echo "  --static --libs: $static_libs"

step "shared: $cc consumer.c \$(pkg-config --cflags --libs backprop)"
# shellcheck disable=SC2086
"$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror $cflags -DEXPECTED_VERSION="\"$version\"" \
    "$SRC/pkgconfig/consumer.c" -o "$WORK/consumer-shared" $libs
if ! readelf -d "$WORK/consumer-shared" | grep -q 'NEEDED.*\[libbackprop\.so\.[0-9]*\]'; then
    echo "FAIL consumer-shared does not load libbackprop.so.<major>"
    exit 1
fi
LD_LIBRARY_PATH=$LIBDIR "$WORK/consumer-shared"

step "static: $cc -static consumer.c \$(pkg-config --static --cflags --libs backprop)"
# shellcheck disable=SC2086
"$cc" -static -std=c11 -Wall -Wextra -Wpedantic -Werror $cflags -DEXPECTED_VERSION="\"$version\"" \
    "$SRC/pkgconfig/consumer.c" -o "$WORK/consumer-static" $static_libs
if readelf -d "$WORK/consumer-static" 2>/dev/null | grep -q NEEDED; then
    echo "FAIL consumer-static still needs shared libraries"
    exit 1
fi
"$WORK/consumer-static"
echo "pkg-config consumer: passed"
