#!/usr/bin/env bash
# Builds pkgconfig/cmake-consumer with CMake against the staged install, found
# only through CMAKE_PREFIX_PATH and the installed backprop-config.cmake; runs
# the program linked with backprop::backprop (shared) and the one linked with
# backprop::backprop_static; and checks that find_package refuses a different
# major version (backprop-config-version.cmake, SameMajorVersion).
. "$(dirname "$0")/common.sh"
stage_install

version=$(staged_pkg_config --modversion backprop)
major=${version%%.*}
build=$WORK/cmake-build
# The prefix, plus the folder that holds the package: CMake looks under
# <prefix>/lib/<arch> and <prefix>/lib, but on Debian not under lib64, which is
# Meson's libdir when dpkg-architecture is not installed.
search="$STAGE$PREFIX;$LIBDIR/cmake"

step "cmake -G Ninja -S pkgconfig/cmake-consumer -DCMAKE_PREFIX_PATH=<stage>$PREFIX"
cmake -G Ninja -S "$SRC/pkgconfig/cmake-consumer" -B "$build" -DCMAKE_PREFIX_PATH="$search" \
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DBACKPROP_WANTED_VERSION="${version%.*}"
cmake --build "$build"

if ! readelf -d "$build/consumer_shared" | grep -q 'NEEDED.*\[libbackprop\.so\.[0-9]*\]'; then
    echo "FAIL consumer_shared does not load libbackprop.so.<major>"
    exit 1
fi
step "run consumer_shared"
LD_LIBRARY_PATH=$LIBDIR "$build/consumer_shared"

if [ ! -x "$build/consumer_static" ]; then
    echo "FAIL backprop::backprop_static was not defined"
    exit 1
fi
if readelf -d "$build/consumer_static" | grep -q 'NEEDED.*libbackprop'; then
    echo "FAIL consumer_static loads libbackprop dynamically"
    exit 1
fi
step "run consumer_static"
"$build/consumer_static"

step "find_package(backprop $((major + 1)).0) must fail"
if cmake -G Ninja -S "$SRC/pkgconfig/cmake-consumer" -B "$WORK/cmake-wrong" -DCMAKE_PREFIX_PATH="$search" \
    -DBACKPROP_WANTED_VERSION="$((major + 1)).0" >"$WORK/cmake-wrong.log" 2>&1; then
    echo "FAIL CMake accepted version $version for a request of $((major + 1)).0"
    exit 1
fi
if ! grep -q "backprop-config.cmake, version: $version" "$WORK/cmake-wrong.log"; then
    cat "$WORK/cmake-wrong.log"
    echo "FAIL CMake failed for another reason than the version"
    exit 1
fi
echo "   refused, as it should be"
echo "CMake consumer: passed"
