#!/usr/bin/env bash
# Checks what `DESTDIR=... meson install` puts in the stage: both libraries with
# the soname libbackprop.so.<major> and the file name libbackprop.so.<version>,
# the header, backprop.pc, the CMake package files, and the backprop command
# with its man page (and backprop-mpi with its own where MPI was found).
. "$(dirname "$0")/common.sh"
stage_install

version=$(staged_pkg_config --modversion backprop)
major=${version%%.*}
fail=0
expect_file() {
    if [ -e "$1" ]; then echo "ok   ${1#"$STAGE"}"; else echo "FAIL missing ${1#"$STAGE"}"; fail=1; fi
}
expect_file "$LIBDIR/libbackprop.a"
expect_file "$LIBDIR/libbackprop.so.$version"
expect_file "$LIBDIR/libbackprop.so.$major"
expect_file "$LIBDIR/libbackprop.so"
expect_file "$STAGE$PREFIX/include/backprop.h"
expect_file "$PCDIR/backprop.pc"
expect_file "$LIBDIR/cmake/backprop/backprop-config.cmake"
expect_file "$LIBDIR/cmake/backprop/backprop-config-version.cmake"
expect_file "$STAGE$PREFIX/bin/backprop"
expect_file "$STAGE$PREFIX/share/man/man1/backprop.1"
# No LD_LIBRARY_PATH: the command finds the library through its run path.
if out=$(env -u LD_LIBRARY_PATH "$STAGE$PREFIX/bin/backprop" --version) && [ "$out" = "backprop $version" ]; then
    echo "ok   the installed backprop runs without LD_LIBRARY_PATH: $out"
else
    echo "FAIL the installed backprop --version printed '${out:-}'"
    fail=1
fi
# backprop-mpi, where the build found MPI: its man page, and it starts
# through its run path too (--version needs no MPI run).
if [ -e "$STAGE$PREFIX/bin/backprop-mpi" ]; then
    expect_file "$STAGE$PREFIX/share/man/man1/backprop-mpi.1"
    if out=$(env -u LD_LIBRARY_PATH "$STAGE$PREFIX/bin/backprop-mpi" --version) &&
        [ "$out" = "backprop-mpi $version" ]; then
        echo "ok   the installed backprop-mpi runs without LD_LIBRARY_PATH: $out"
    else
        echo "FAIL the installed backprop-mpi --version printed '${out:-}'"
        fail=1
    fi
fi

soname=$(readelf -d "$LIBDIR/libbackprop.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" = "libbackprop.so.$major" ]; then
    echo "ok   soname $soname"
else
    echo "FAIL soname '$soname', expected libbackprop.so.$major"
    fail=1
fi
for link in libbackprop.so libbackprop.so.$major; do
    target=$(readlink "$LIBDIR/$link" || true)
    case $target in
    libbackprop.so.*) echo "ok   $link -> $target" ;;
    *) echo "FAIL $link is not a relative link to the library ('$target')"; fail=1 ;;
    esac
done

# The .pc file's fields, as consumers see them.
pc=$PCDIR/backprop.pc
for field in 'Libs: -L${libdir} -lbackprop' 'Cflags: -I${includedir}' "Version: $version"; do
    if grep -qxF "$field" "$pc"; then echo "ok   backprop.pc: $field"; else echo "FAIL backprop.pc lacks '$field'"; fail=1; fi
done
# Libs.private lists what the static library needs: the maths library, and
# whatever else the library comes to depend on.
if grep -qE '^Libs\.private:(.* )?-lm( |$)' "$pc"; then
    echo "ok   backprop.pc: $(grep '^Libs.private:' "$pc")"
else
    echo "FAIL backprop.pc: Libs.private lacks -lm"
    fail=1
fi
if grep -q "$STAGE" "$pc" "$LIBDIR"/cmake/backprop/*.cmake; then
    echo "FAIL the staging directory leaked into the installed metadata"
    fail=1
fi
exit $fail
