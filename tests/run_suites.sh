#!/usr/bin/env bash
# The body of `make test`: runs the suites named as arguments (Makefile targets), TEST_JOBS of them at a time, in the
# order given (the longest first). Each runs as `make SUITE` without remaking what `make test` prepared once before
# (the venv, the collection copy, the installed collection); no two suites share a folder they write to.
#
#   TEST_JOBS=3 TEST_LOGS=build/test-logs bash tests/run_suites.sh SUITE...
#
# A suite's output goes to TEST_LOGS/SUITE.log; one line says when it ended and how. At the end: a table of the
# suites with their wall and CPU times (user + system, of the suite and everything it started), then the log of
# each failed suite. Exit status 1 when a suite failed.
set -uo pipefail

: "${TEST_LOGS:?set TEST_LOGS to the folder for the logs of the suites}"
jobs_at_once=${TEST_JOBS:-3}
rm -rf "$TEST_LOGS" && mkdir -p "$TEST_LOGS"

# cpu_seconds FILE: the user and system CPU seconds of the finished children that bash's `times` wrote to FILE.
cpu_seconds() {
    awk 'function sec(t, p) { sub(/s$/, "", t); split(t, p, "m"); return p[1] * 60 + p[2] }
        END { printf "%d", sec($1) + sec($2) }' "$1"
}

# run_suite SUITE: one suite, its log, its result line (exit status, wall and CPU seconds) in TEST_LOGS/SUITE.result.
run_suite() {
    local suite=$1 started=$SECONDS status=0
    "${MAKE:-make}" --no-print-directory -o venv -o collection -o install "$suite" >"$TEST_LOGS/$suite.log" 2>&1 ||
        status=$?
    times >"$TEST_LOGS/$suite.times"  # this shell runs in the background: its children are the suite's processes
    echo "$status $((SECONDS - started)) $(cpu_seconds "$TEST_LOGS/$suite.times")" >"$TEST_LOGS/$suite.result"
    if [ "$status" -eq 0 ]; then
        echo "make test: $suite passed in $((SECONDS - started)) s"
    else
        echo "make test: $suite FAILED (exit $status) in $((SECONDS - started)) s"
    fi
}

started=$SECONDS
echo "make test: $# suites, $jobs_at_once at a time; their logs: $TEST_LOGS/SUITE.log"
for suite in "$@"; do
    while [ "$(jobs -pr | wc -l)" -ge "$jobs_at_once" ]; do wait -n; done
    run_suite "$suite" &
done
wait

failed=()
cpu_total=0
printf '\n| suite | result | seconds | CPU seconds |\n| --- | --- | --- | --- |\n'
for suite in "$@"; do
    read -r status seconds cpu <"$TEST_LOGS/$suite.result" || { status=missing; seconds=?; cpu=0; }
    if [ "$status" = 0 ]; then result=passed; else result=FAILED; failed+=("$suite"); fi
    printf '| %s | %s | %s | %s |\n' "$suite" "$result" "$seconds" "$cpu"
    cpu_total=$((cpu_total + cpu))
done
echo "make test: $(( $# - ${#failed[@]} )) of $# suites passed in $((SECONDS - started)) s, $cpu_total CPU seconds (load: $(cut -d' ' -f1-3 /proc/loadavg))"
for suite in "${failed[@]}"; do
    printf '\n==== make test: %s FAILED; its log (%s), the last 300 lines:\n' "$suite" "$TEST_LOGS/$suite.log"
    tail -n 300 "$TEST_LOGS/$suite.log"
done
[ "${#failed[@]}" -eq 0 ]
