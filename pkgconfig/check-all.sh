#!/usr/bin/env bash
# Runs every consumer check against one staged install of this tree:
#   install          what `DESTDIR=... meson install` installs (check-install.sh)
#   pkg-config       C program built with pkg-config, shared and static (check-pkgconfig.sh)
#   meson-subproject dependency('backprop') through the subproject fallback (check-meson-subproject.sh)
#   cmake            find_package(backprop) and backprop::backprop (check-cmake.sh)
#   c++              the header from C++ with g++ -Wall -Wextra -Werror (check-cxx.sh)
#   prefix           a real install under a prefix of its own: backprop starts through
#                    its run path, programs through LD_LIBRARY_PATH or -rpath, the
#                    Python binding installs offline into a venv (check-prefix.sh)
#   mpi              libbackprop-mpi installed, and a program built with
#                    `pkg-config backprop-mpi` run under mpirun (check-mpi.sh)
# Exits non-zero when any of them fails. Needs meson, ninja, a C compiler,
# pkg-config, cmake, g++, and python3 with venv and pip (Debian: python3-venv,
# python3-pip). Set KEEP_WORK=1 to keep the scratch directories.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

stage_install

passed=0
failed=0
failed_names=
for check in install pkgconfig meson-subproject cmake cxx prefix mpi; do
    echo
    echo "=== consumer check: $check ==="
    if bash "$here/check-$check.sh"; then
        passed=$((passed + 1))
    else
        echo "=== consumer check $check FAILED ==="
        failed=$((failed + 1))
        failed_names="$failed_names $check"
    fi
done

echo
if [ "$failed" -ne 0 ]; then
    echo "consumer checks failed:$failed_names"
fi
echo "consumer checks: $passed of $((passed + failed)) passed"
[ "$failed" -eq 0 ]
