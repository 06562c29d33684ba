# The shared part of the command's test scripts (test_cli.sh,
# test_cli_train.sh, test_cli_mpi.sh), sourced once $work is set: the counts,
# fail, the sanitizers' reports and expect. In a build with AddressSanitizer
# or UndefinedBehaviorSanitizer every run of the command, error paths
# included, is checked: any report (leaks included) is a failure, and the
# sanitizers exit with 86/87, never with the command's 1 or 2.
failures=0
checks=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Options given by the caller come first, so that these win.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:exitcode=86:log_path=$work/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=87:print_stacktrace=1:log_path=$work/sanitizer"

# Fails once for every sanitizer report written since the last call.
sanitizer_reports() {
    local report
    for report in "$work"/sanitizer.*; do
        [ -e "$report" ] || continue
        fail "sanitizer report after '$*': $(head -c 2000 "$report")"
        rm -f "$report"
    done
}

# expect STATUS PATTERN CMD...: exit status and a pattern in stdout+stderr
expect() {
    local want=$1 pattern=$2
    shift 2
    checks=$((checks + 1))
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    sanitizer_reports "$@"
    [ "$rc" -eq "$want" ] || { fail "'$*' exited $rc, expected $want: $(head -c 600 <<<"$out")"; return; }
    grep -qE -- "$pattern" <<<"$out" || fail "'$*' output lacks /$pattern/: $(head -c 600 <<<"$out")"
}
