# Sourced by the consumer checks in this folder. Provides:
#   SRC       the libbackprop source tree
#   WORK      a scratch directory, removed on exit unless KEEP_WORK=1
#   stage_install   sets STAGE (the DESTDIR), PREFIX, LIBDIR (absolute path
#                   inside the stage) and PCDIR; builds and installs the
#                   library into the stage unless STAGE and PREFIX are given
#                   in the environment (check-all.sh installs once for all).
# Each check is also runnable alone: pkgconfig/check-<name>.sh

set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d)
if [ "${KEEP_WORK:-0}" = 1 ]; then
    echo "scratch directory kept: $WORK"
else
    trap 'rm -rf "$WORK"' EXIT
fi

step() {
    echo "-- $*"
}

# A prefix outside the system directories, so that pkg-config keeps its -I and
# -L flags and the sysroot is prepended to them.
DEFAULT_PREFIX=/opt/libbackprop

stage_install() {
    if [ -n "${STAGE:-}" ] && [ -n "${PREFIX:-}" ]; then
        step "using the staged install in $STAGE (prefix $PREFIX)"
    else
        STAGE=$WORK/stage
        PREFIX=$DEFAULT_PREFIX
        step "building and staging libbackprop (prefix $PREFIX, DESTDIR $STAGE)"
        meson setup "$WORK/build" "$SRC" --prefix="$PREFIX" -Dtests=false >"$WORK/setup.log" 2>&1 \
            || { cat "$WORK/setup.log"; return 1; }
        meson compile -C "$WORK/build" >"$WORK/compile.log" 2>&1 \
            || { cat "$WORK/compile.log"; return 1; }
        DESTDIR=$STAGE meson install -C "$WORK/build" --no-rebuild >"$WORK/install.log" 2>&1 \
            || { cat "$WORK/install.log"; return 1; }
    fi
    local pc
    pc=$(find "$STAGE$PREFIX" -name backprop.pc -path '*/pkgconfig/*' | head -n 1)
    if [ -z "$pc" ]; then
        echo "no backprop.pc under $STAGE$PREFIX" >&2
        return 1
    fi
    PCDIR=$(dirname "$pc")
    LIBDIR=$(dirname "$PCDIR")
    export STAGE PREFIX
}

# pkg-config that sees only the staged install, with paths inside the stage.
staged_pkg_config() {
    PKG_CONFIG_PATH=$PCDIR PKG_CONFIG_LIBDIR=$PCDIR PKG_CONFIG_SYSROOT_DIR=$STAGE pkg-config "$@"
}
