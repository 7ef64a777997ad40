#!/usr/bin/env bash
# Runs the integration targets with ansible-test against two simulators (plain HTTP and TLS) started here.
# Usage: VENV=... COLLECTION=... [VERBOSITY=-vvv] tests/integration/run.sh [target ...]
# The secret check reads the output at VERBOSITY: -vvv by default, where the most is printed.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
: "${VENV:?set VENV to the virtual environment with ansible-core}"
: "${COLLECTION:?set COLLECTION to the collection copy under ansible_collections/citrix_cloud/daas}"
work=$(mktemp -d)
pids=()

stop_simulators() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work" "$COLLECTION/tests/integration/integration_config.yml"
}
trap stop_simulators EXIT

# start_simulator NAME ARGS...: starts one simulator and sets url to its base URL. Not in a $(...) subshell, which
# would lose its pid and leave it running after the tests.
start_simulator() {
    local name=$1; shift
    (cd "$repo" && exec "$VENV/bin/python" -m tests.simulator --port 0 "$@" >"$work/$name.out" 2>"$work/$name.err") &
    pids+=($!)
    for _ in $(seq 1 100); do
        if [ -s "$work/$name.out" ]; then url=$(head -n 1 "$work/$name.out"); return 0; fi
        sleep 0.1
    done
    echo "integration: the $name simulator did not start:" >&2
    cat "$work/$name.err" >&2
    return 1
}

scenario=tests/simulator/scenarios/integration.yml
start_simulator plain --scenario "$scenario" --time-scale 30
sim_url=$url
start_simulator tls --scenario "$scenario" --time-scale 30 --tls --ca-file "$work/ca.pem"
sim_tls_url=$url
# The secrets of every shipped scenario: the API client secret and the PCE API key secret.
secret=sim-client-secret-3f9a7c
pce_secret=pce-secret-8d7c6b

cat >"$COLLECTION/tests/integration/integration_config.yml" <<CONFIG
sim_url: $sim_url
sim_tls_url: $sim_tls_url
sim_ca_file: $work/ca.pem
daas_customer_id: democustomer
daas_client_id: 0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b
daas_client_secret: $secret
pce_api_key: api_1a2b3c4d5e
pce_api_secret: $pce_secret
CONFIG

verbosity=${VERBOSITY--vvv}
python_version=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
mkdir -p "$COLLECTION/tests/output"
log="$COLLECTION/tests/output/integration.log"  # kept for reading after a failure
cd "$COLLECTION"
set +e
"$VENV/bin/ansible-test" integration --local --python "$python_version" --color no $verbosity "$@" 2>&1 | tee "$log" | grep --line-buffered -E '^(Running .* integration test (role|script)|testhost +:|ERROR|FATAL)'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
    echo "integration: ansible-test failed (exit $status); the last lines of its output:" >&2
    tail -n 80 "$log" >&2
    exit "$status"
fi
if grep -qF -e "$secret" -e "$pce_secret" "$log"; then
    echo "integration: a secret appears in the output ($log):" >&2
    grep -nF -e "$secret" -e "$pce_secret" "$log" | cut -c1-300 | head -n 5 >&2
    exit 1
fi
echo "integration: all targets passed; no secret appears in the output (${verbosity:-no -v}, $(wc -l <"$log") lines checked)"
