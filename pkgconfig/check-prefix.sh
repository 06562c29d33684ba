#!/usr/bin/env bash
# Installs libbackprop under a prefix of its own (not staged: a real
# `meson install --prefix=... --libdir=lib`) and uses it the ways README.md and
# docs/getting-started.md document:
#   - the installed backprop starts with no LD_LIBRARY_PATH (its run path,
#     $ORIGIN/../lib) and loads the prefix's library;
#   - a program linked with pkg-config runs with LD_LIBRARY_PATH set to
#     `pkg-config --variable=libdir backprop`, or with no variable when linked
#     with -Wl,-rpath to that folder;
#   - the Python binding installs offline into a venv
#     (python3 -m venv --system-site-packages, pip --no-build-isolation --no-index)
#     and computes with the prefix's library, found through BACKPROP_LIBRARY and
#     through LD_LIBRARY_PATH.
. "$(dirname "$0")/common.sh"
cc=${CC:-cc}
python=${PYTHON:-/usr/bin/python3}
[ -x "$python" ] || python=python3

prefix=$(cd "$WORK" && pwd -P)/prefix
libdir=$prefix/lib
step "meson setup --prefix=$prefix --libdir=lib && meson install"
meson setup "$WORK/build" "$SRC" --prefix="$prefix" --libdir=lib -Dtests=false >"$WORK/setup.log" 2>&1 \
    || { cat "$WORK/setup.log"; exit 1; }
meson install -C "$WORK/build" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; exit 1; }
unset LD_LIBRARY_PATH BACKPROP_LIBRARY PYTHONPATH
version=$(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --modversion backprop)
fail=0

# Prints where the dynamic loader finds libbackprop for the program $1 (under
# the current environment), or nothing.
loaded_from() {
    ldd "$1" | sed -n 's/^[[:space:]]*libbackprop\.so\.[0-9]* => \(.*\) (0x.*$/\1/p'
}
expect_prefix_library() {
    local what=$1 found
    found=$(readlink -f "$2" || true)
    case $found in
    "$libdir"/libbackprop.so.*) echo "ok   $what loads $found" ;;
    *) echo "FAIL $what loads '$found', not the library in $libdir"; fail=1 ;;
    esac
}

step "the installed backprop, no LD_LIBRARY_PATH"
runpath=$(readelf -d "$prefix/bin/backprop" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
# shellcheck disable=SC2016  # the literal $ORIGIN, expanded by the loader
if [ "$runpath" = '$ORIGIN/../lib' ]; then
    echo "ok   run path $runpath"
else
    echo "FAIL run path '$runpath', expected \$ORIGIN/../lib"
    fail=1
fi
expect_prefix_library "backprop" "$(loaded_from "$prefix/bin/backprop")"
if out=$("$prefix/bin/backprop" --version) && [ "$out" = "backprop $version" ]; then
    echo "ok   $out"
else
    echo "FAIL backprop --version printed '${out:-}'"
    fail=1
fi

step "a program: cc app.c \$(pkg-config --cflags --libs backprop), run with LD_LIBRARY_PATH"
export PKG_CONFIG_PATH=$libdir/pkgconfig
# shellcheck disable=SC2046
"$cc" -std=c11 -DEXPECTED_VERSION="\"$version\"" "$SRC/pkgconfig/consumer.c" \
    $(pkg-config --cflags --libs backprop) -o "$WORK/app"
pc_libdir=$(pkg-config --variable=libdir backprop)
expect_prefix_library "app with LD_LIBRARY_PATH" "$(LD_LIBRARY_PATH=$pc_libdir loaded_from "$WORK/app")"
if LD_LIBRARY_PATH=$pc_libdir "$WORK/app" >"$WORK/app.log"; then
    echo "ok   app runs with LD_LIBRARY_PATH=$pc_libdir"
else
    cat "$WORK/app.log"
    echo "FAIL app with LD_LIBRARY_PATH"
    fail=1
fi

step "a program linked with -Wl,-rpath,\$(pkg-config --variable=libdir backprop), no LD_LIBRARY_PATH"
# shellcheck disable=SC2046
"$cc" -std=c11 -DEXPECTED_VERSION="\"$version\"" "$SRC/pkgconfig/consumer.c" \
    $(pkg-config --cflags --libs backprop) -Wl,-rpath,"$pc_libdir" -o "$WORK/app-rpath"
expect_prefix_library "app-rpath" "$(loaded_from "$WORK/app-rpath")"
if "$WORK/app-rpath" >"$WORK/app-rpath.log"; then
    echo "ok   app-rpath runs"
else
    cat "$WORK/app-rpath.log"
    echo "FAIL app-rpath"
    fail=1
fi
unset PKG_CONFIG_PATH

step "the Python binding: venv --system-site-packages, pip install --no-build-isolation --no-index"
# pip builds in the folder it installs from: install from a copy, not the source tree.
cp -R "$SRC/bindings/python" "$WORK/binding"
rm -rf "$WORK/binding/build" "$WORK/binding"/*.egg-info
if ! "$python" -m venv --system-site-packages "$WORK/venv" >"$WORK/venv.log" 2>&1 ||
    ! "$WORK/venv/bin/pip" install --no-build-isolation --no-index "$WORK/binding" >>"$WORK/venv.log" 2>&1; then
    cat "$WORK/venv.log"
    echo "FAIL the binding does not install offline into a venv ($("$python" --version 2>&1))"
    exit 1
fi
echo "ok   installed into a venv ($("$WORK/venv/bin/python" --version 2>&1))"

# Example C's first forward pass (docs/example-c.md), then proof that the
# library mapped into the process is the prefix's.
cat >"$WORK/use_binding.py" <<'EOF'
import sys
import backprop

expected_package_dir, expected_library_dir = sys.argv[1], sys.argv[2]
if not backprop.__file__.startswith(expected_package_dir):
    sys.exit("FAIL backprop imported from %s" % backprop.__file__)
with backprop.Network([2, 2, 2], ["sigmoid", "sigmoid"], use_numpy=False) as net:
    net.set_weights(1, [0.15, 0.20, 0.25, 0.30])
    net.set_weights(2, [0.40, 0.45, 0.50, 0.55])
    net.set_biases(1, [0.35, 0.35])
    net.set_biases(2, [0.60, 0.60])
    out = list(net.forward([0.05, 0.10]))
for got, want in zip(out, [0.7513650695523157, 0.7729284653214625]):
    if abs(got - want) > 1e-12:
        sys.exit("FAIL forward gave %r" % out)
with open("/proc/self/maps") as maps:
    mapped = sorted({line.split()[-1] for line in maps if "libbackprop.so" in line})
if not mapped or not all(p.startswith(expected_library_dir + "/") for p in mapped):
    sys.exit("FAIL libbackprop mapped from %s, not %s" % (mapped, expected_library_dir))
print("ok   backprop %s from %s: outputs %.10f %.10f" % (backprop.version(), mapped[0], out[0], out[1]))
EOF
site=$("$WORK/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
for how in "BACKPROP_LIBRARY=$libdir/libbackprop.so.0" "LD_LIBRARY_PATH=$libdir"; do
    step "python with $how"
    if ! (cd "$WORK" && env "$how" "$WORK/venv/bin/python" use_binding.py "$site" "$libdir"); then
        fail=1
    fi
done
exit $fail
