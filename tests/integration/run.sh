#!/usr/bin/env bash
# Runs the integration targets with ansible-test against each kind of site: a Citrix Cloud simulator and an
# on-premises one (a Delivery Controller), each kind with two simulators (plain HTTP and TLS) and its own copy of the
# collection, the two kinds side by side. The targets read their connection from the integration config written here.
# Usage: VENV=... COLLECTION=... [SITE_KIND=cloud|on_premises] [VERBOSITY=-vvv] tests/integration/run.sh [target ...]
# SITE_KIND unset runs both kinds. The secret check reads the output at VERBOSITY: -vvv by default, where the most is
# printed.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
: "${VENV:?set VENV to the virtual environment with ansible-core}"
: "${COLLECTION:?set COLLECTION to the collection copy under ansible_collections/citrix_cloud/daas}"
kinds=(${SITE_KIND:-cloud on_premises})
work=$(mktemp -d)

stop_simulators() {
    for state in "$work"/*/sim-*; do
        [ -f "$state/pid" ] && "$VENV/bin/python" -m tests.simulator.launcher stop --state-dir "$state" 2>/dev/null
    done
    rm -rf "$work" "$COLLECTION/tests/integration/integration_config.yml"
}
trap stop_simulators EXIT

# start_simulator KIND NAME OPTIONS...: prints the URL of a simulator started with the launcher (its pid in the state
# folder, where stop_simulators finds it).
start_simulator() {
    local kind=$1 name=$2; shift 2
    (cd "$repo" && "$VENV/bin/python" -m tests.simulator.launcher start --state-dir "$work/$kind/sim-$name" \
        --python "$VENV/bin/python" -- --scenario tests/simulator/scenarios/integration.yml --time-scale 30 \
        --deployment "$kind" "$@")
}

# The secrets of every shipped scenario: the API client secret, a domain user's password, the PCE API key secret.
secret=sim-client-secret-3f9a7c
password=sim-domain-password-5e2b
pce_secret=pce-secret-8d7c6b

# write_config KIND COPY: starts KIND's simulators and writes the integration config of the collection copy COPY.
write_config() {
    local kind=$1 copy=$2 sim_url sim_tls_url
    sim_url=$(start_simulator "$kind" plain)
    if [ "$kind" = cloud ]; then
        sim_tls_url=$(start_simulator "$kind" tls --tls)
    else
        # A Delivery Controller's certificate signs itself, as Web Studio's installer makes it.
        sim_tls_url=$(start_simulator "$kind" tls --tls --self-signed)
    fi
    {
        cat <<CONFIG
daas_site_kind: $kind
sim_url: $sim_url
sim_tls_url: $sim_tls_url
sim_ca_file: $work/$kind/sim-tls/ca.pem
daas_client_id: 0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b
daas_client_secret: $secret
pce_api_key: api_1a2b3c4d5e
pce_api_secret: $pce_secret
CONFIG
        if [ "$kind" = cloud ]; then
            cat <<CONFIG
daas_customer_id: democustomer
daas_connection: {api_url: "$sim_url", auth_url: "$sim_url", customer_id: democustomer,
                  client_id: 0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b, client_secret: $secret}
daas_tls_endpoint: {api_url: "$sim_tls_url", auth_url: "$sim_tls_url"}
daas_environment: {CITRIX_CUSTOMER_ID: democustomer, CITRIX_CLIENT_ID: 0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b,
                   CITRIX_CLIENT_SECRET: $secret, CITRIX_API_URL: "$sim_url", CITRIX_AUTH_URL: "$sim_url"}
daas_secret_variable: CITRIX_CLIENT_SECRET
daas_sign_in_path: /cctrustoauth2/democustomer/tokens/clients
CONFIG
        else
            cat <<CONFIG
daas_customer_id: CitrixOnPremises
daas_connection: {deployment: on_premises, controllers: ["$sim_url"], username: 'DEMOLAB\\ctxadmin', password: $password}
daas_tls_endpoint: {controllers: ["$sim_tls_url"]}
daas_environment: {CITRIX_DEPLOYMENT: on_premises, CITRIX_CONTROLLERS: "$sim_url", CITRIX_USERNAME: 'DEMOLAB\\ctxadmin',
                   CITRIX_PASSWORD: $password}
daas_secret_variable: CITRIX_PASSWORD
daas_sign_in_path: /cvad/manage/Tokens
CONFIG
        fi
    } >"$copy/tests/integration/integration_config.yml"
}

verbosity=${VERBOSITY--vvv}
python_version=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# run_kind KIND TARGET...: the targets against KIND's simulators, in the collection itself (the first kind) or a copy.
run_kind() {
    local kind=$1 copy=$COLLECTION status log; shift
    mkdir -p "$work/$kind"
    if [ "$kind" != "${kinds[0]}" ]; then
        copy="$work/$kind/collections/ansible_collections/citrix_cloud/daas"
        mkdir -p "$copy" && tar -C "$COLLECTION" --exclude=./tests/output -cf - . | tar -C "$copy" -xf -
    fi
    write_config "$kind" "$copy"
    mkdir -p "$copy/tests/output"
    log="$copy/tests/output/integration.log"  # kept for reading after a failure
    set +e
    (cd "$copy" && "$VENV/bin/ansible-test" integration --local --python "$python_version" --color no $verbosity "$@") \
        >"$log" 2>&1
    status=$?
    set -e
    grep -E '^(Running .* integration test (role|script)|testhost +:|ERROR|FATAL)' "$log" | sed "s/^/[$kind] /"
    if [ "$status" -ne 0 ]; then
        echo "integration ($kind): ansible-test failed (exit $status); the last lines of its output ($log):" >&2
        tail -n 80 "$log" | sed "s/^/[$kind] /" >&2
        return "$status"
    fi
    if grep -qF -e "$secret" -e "$password" -e "$pce_secret" "$log"; then
        echo "integration ($kind): a secret appears in the output ($log):" >&2
        grep -nF -e "$secret" -e "$password" -e "$pce_secret" "$log" | cut -c1-300 | head -n 5 >&2
        return 1
    fi
    echo "integration ($kind): all targets passed; no secret appears in the output (${verbosity:-no -v}, $(wc -l <"$log") lines checked)"
}

declare -A runs=()
for kind in "${kinds[@]}"; do
    run_kind "$kind" "$@" >"$work/$kind.out" 2>&1 &
    runs[$kind]=$!
done
failed=0
for kind in "${kinds[@]}"; do
    wait "${runs[$kind]}" || failed=1
    cat "$work/$kind.out"
done
exit "$failed"
