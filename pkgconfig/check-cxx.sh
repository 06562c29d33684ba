#!/usr/bin/env bash
# Compiles pkgconfig/consumer.cpp with g++ -Wall -Wextra -Werror -pedantic
# against the staged install (flags from pkg-config) in each C++ standard the
# compiler knows from C++11 on, and runs the C++11 build.
. "$(dirname "$0")/common.sh"
stage_install
cxx=${CXX:-g++}

cflags=$(staged_pkg_config --cflags backprop)
libs=$(staged_pkg_config --libs backprop)
built=
for std in c++11 c++14 c++17 c++20; do
    if ! echo 'int main(){}' | "$cxx" -std=$std -x c++ - -o /dev/null 2>/dev/null; then
        echo "($cxx has no -std=$std; skipped)"
        continue
    fi
    step "$cxx -std=$std -Wall -Wextra -Werror -pedantic consumer.cpp \$(pkg-config --cflags --libs backprop)"
    # shellcheck disable=SC2086
    "$cxx" -std=$std -Wall -Wextra -Werror -pedantic $cflags "$SRC/pkgconfig/consumer.cpp" \
        -o "$WORK/consumer-$std" $libs
    built=${built:-$std}
done
if [ -z "$built" ]; then
    echo "FAIL: $cxx compiled the consumer in no standard"
    exit 1
fi
LD_LIBRARY_PATH=$LIBDIR "$WORK/consumer-$built"
echo "C++ consumer: passed"
