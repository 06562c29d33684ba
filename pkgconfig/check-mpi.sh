#!/usr/bin/env bash
# Checks libbackprop-mpi as installed (the stage of common.sh): the shared
# library with its soname and links, the static one, backprop_mpi.h and
# backprop-mpi.pc; then builds pkgconfig/consumer_mpi.c with nothing but
# `pkg-config --cflags --libs backprop-mpi` (which must bring backprop's and
# MPI's flags through Requires) and runs it with 2 processes under mpirun.
# Where MPI is not installed the library is not built and there is nothing
# to check; where MPI is installed and the library is missing, the check
# fails.
. "$(dirname "$0")/common.sh"
stage_install

if [ ! -f "$PCDIR/backprop-mpi.pc" ]; then
    if pkg-config --exists ompi-c 2>/dev/null || command -v mpicc >/dev/null 2>&1; then
        echo "FAIL MPI is installed here but the install has no backprop-mpi.pc"
        exit 1
    fi
    echo "no MPI on this machine: libbackprop-mpi is not built, nothing to check"
    exit 0
fi

version=$(staged_pkg_config --modversion backprop)
major=${version%%.*}
fail=0
expect_file() {
    if [ -e "$1" ]; then echo "ok   ${1#"$STAGE"}"; else echo "FAIL missing ${1#"$STAGE"}"; fail=1; fi
}
expect_file "$LIBDIR/libbackprop-mpi.a"
expect_file "$LIBDIR/libbackprop-mpi.so.$version"
expect_file "$LIBDIR/libbackprop-mpi.so.$major"
expect_file "$LIBDIR/libbackprop-mpi.so"
expect_file "$STAGE$PREFIX/include/backprop_mpi.h"
soname=$(readelf -d "$LIBDIR/libbackprop-mpi.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" = "libbackprop-mpi.so.$major" ]; then
    echo "ok   soname $soname"
else
    echo "FAIL soname '$soname', expected libbackprop-mpi.so.$major"
    fail=1
fi
pc=$PCDIR/backprop-mpi.pc
if grep -qxF 'Libs: -L${libdir} -lbackprop-mpi' "$pc" && grep -qE '^Requires:.*\bbackprop\b' "$pc" &&
    grep -qxF "Version: $version" "$pc"; then
    echo "ok   backprop-mpi.pc: $(grep '^Requires:' "$pc")"
else
    echo "FAIL backprop-mpi.pc lacks its Libs, Version or Requires: backprop"
    cat "$pc"
    fail=1
fi

# pkg-config sees the staged .pc files at their install prefix inside the
# stage (no sysroot: MPI's own .pc file lives in the system's directories).
mkdir -p "$WORK/pc"
for f in "$PCDIR"/backprop.pc "$PCDIR"/backprop-mpi.pc; do
    sed "s#^prefix=.*#prefix=$STAGE$PREFIX#" "$f" >"$WORK/pc/$(basename "$f")"
done
flags=$(PKG_CONFIG_PATH=$WORK/pc pkg-config --cflags --libs backprop-mpi)
echo "  pkg-config --cflags --libs backprop-mpi: $flags"
cc=${CC:-cc}
step "shared: $cc consumer_mpi.c \$(pkg-config --cflags --libs backprop-mpi)"
# shellcheck disable=SC2086
"$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror "$SRC/pkgconfig/consumer_mpi.c" \
    -o "$WORK/consumer-mpi" $flags
for lib in libbackprop-mpi libbackprop; do
    if readelf -d "$WORK/consumer-mpi" | grep -q "NEEDED.*\[$lib\.so\.$major\]"; then
        echo "ok   consumer-mpi needs $lib.so.$major"
    else
        echo "FAIL consumer-mpi does not load $lib.so.$major"
        fail=1
    fi
done
step "mpirun -np 2 consumer-mpi"
if LD_LIBRARY_PATH=$LIBDIR mpirun --allow-run-as-root --oversubscribe --timeout 60 \
    --mca btl_vader_single_copy_mechanism none -np 2 "$WORK/consumer-mpi"; then
    echo "ok   the consumer trained on 2 processes"
else
    echo "FAIL the consumer failed under mpirun"
    fail=1
fi
exit $fail
