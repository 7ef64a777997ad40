#!/usr/bin/env bash
# Runs the integration targets with ansible-test, spread over JOBS workers that run at the same time.
# Usage: VENV=... COLLECTION=... [SITE_KIND=cloud|on_premises] [JOBS=2] [VERBOSITY=-vvv] tests/integration/run.sh [target ...]
#
# Without arguments every folder of tests/integration/targets runs (against an on-premises site: those with the alias
# `on_premises`). Each worker has a copy of the collection of its own
# (ansible-test writes tests/output and reads tests/integration/integration_config.yml there) and two simulators of its
# own (plain HTTP and TLS), started by the launcher; it takes the next target nobody has taken yet, heaviest first.
# SITE_KIND is the kind of site the simulators serve (Citrix Cloud, or an on-premises Delivery Controller);
# integration_config.yml gives it to the targets as `site_kind`, with that site's variables. The copies and their logs stay in WORKERS_DIR until the next run, for reading after a
# failure. The secret check reads the output at VERBOSITY: -vvv by default, where the most is printed.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
: "${VENV:?set VENV to the virtual environment with ansible-core}"
: "${COLLECTION:?set COLLECTION to the collection copy under ansible_collections/citrix_cloud/daas}"
SITE_KIND=${SITE_KIND:-cloud}
JOBS=${JOBS:-2}
WORKERS_DIR=${WORKERS_DIR:-${COLLECTION%/ansible_collections/*}-integration-$SITE_KIND}
verbosity=${VERBOSITY--vvv}

# The simulators' scenario and options, the secrets of the output check and the variables of the site the targets
# sign in to (the connection through module_defaults, the TLS endpoint, the CITRIX_* environment), for each kind of
# site. {sim_url} and {sim_tls_url} are the worker's simulators.
scenario=tests/simulator/scenarios/integration.yml
# The API client secret, a domain user's password and the PCE API key secret of every shipped scenario.
secrets=(sim-client-secret-3f9a7c sim-domain-password-5e2b pce-secret-8d7c6b)
common_variables="daas_client_id: 0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b
daas_client_secret: ${secrets[0]}
pce_api_key: api_1a2b3c4d5e
pce_api_secret: ${secrets[2]}"
case "$SITE_KIND" in
    cloud)
        tls_options=(--tls)
        site_variables="$common_variables
daas_customer_id: democustomer
daas_connection: {api_url: '{sim_url}', auth_url: '{sim_url}', customer_id: democustomer,
                  client_id: 0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b, client_secret: ${secrets[0]}}
daas_tls_endpoint: {api_url: '{sim_tls_url}', auth_url: '{sim_tls_url}'}
daas_environment: {CITRIX_CUSTOMER_ID: democustomer, CITRIX_CLIENT_ID: 0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b,
                   CITRIX_CLIENT_SECRET: ${secrets[0]}, CITRIX_API_URL: '{sim_url}', CITRIX_AUTH_URL: '{sim_url}'}
daas_secret_variable: CITRIX_CLIENT_SECRET
daas_sign_in_path: /cctrustoauth2/democustomer/tokens/clients" ;;
    on_premises)
        # A Delivery Controller's certificate signs itself, as Web Studio's installer makes it.
        tls_options=(--tls --self-signed)
        site_variables="$common_variables
daas_customer_id: CitrixOnPremises
daas_connection: {deployment: on_premises, controllers: ['{sim_url}'], username: 'DEMOLAB\\ctxadmin',
                  password: ${secrets[1]}}
daas_tls_endpoint: {controllers: ['{sim_tls_url}']}
daas_environment: {CITRIX_DEPLOYMENT: on_premises, CITRIX_CONTROLLERS: '{sim_url}', CITRIX_USERNAME: 'DEMOLAB\\ctxadmin',
                   CITRIX_PASSWORD: ${secrets[1]}}
daas_secret_variable: CITRIX_PASSWORD
daas_sign_in_path: /cvad/manage/Tokens" ;;
    *)
        echo "integration: SITE_KIND must be one of: cloud, on_premises (got '$SITE_KIND')" >&2
        exit 2 ;;
esac

# weight TARGET: the bytes of the target and of the targets it needs (needs/target/NAME in its aliases), a measure
# of how long it runs.
weight() {
    local folders=("$1") needed
    for needed in $(sed -n 's|^needs/target/||p' "$1/aliases" 2>/dev/null); do folders+=("$needed"); done
    du -scb -- "${folders[@]}" | tail -n 1 | cut -f1
}
# for_site_kind TARGET: whether the target runs against this kind of site by default. Every target runs against a
# Cloud site; against an on-premises site, those whose aliases say `on_premises`: the ones whose requests differ by
# kind of site (sign-in, site discovery, async jobs, $batch and $search, the inventory), as the modules share one
# connection layer.
# setup_simulator (the sim_request action of the others) runs no test of its own.
for_site_kind() {
    [ "${1#setup_}" = "$1" ] || return 1
    [ "$SITE_KIND" = cloud ] || grep -qx "$SITE_KIND" "$1/aliases" 2>/dev/null
}
if [ "$#" -gt 0 ]; then
    targets=("$@")
else  # the heaviest first, so that the last targets to start are short ones
    mapfile -t targets < <(cd "$COLLECTION/tests/integration/targets" && for target in */; do
        for_site_kind "${target%/}" && echo "$(weight "${target%/}") ${target%/}"; done | sort -rn | cut -d' ' -f2)
fi
for target in "${targets[@]}"; do
    [ -d "$COLLECTION/tests/integration/targets/$target" ] || {
        echo "integration: no target '$target' in tests/integration/targets" >&2
        exit 2
    }
done
[ "$JOBS" -gt "${#targets[@]}" ] && JOBS=${#targets[@]}

simulator() { (cd "$repo" && "$VENV/bin/python" -m tests.simulator.launcher "$@"); }

# cpu_seconds FILE: the user and system CPU seconds of the finished children that bash's `times` wrote to FILE.
cpu_seconds() {
    awk 'function sec(t, p) { sub(/s$/, "", t); split(t, p, "m"); return p[1] * 60 + p[2] }
        END { printf "%d", sec($1) + sec($2) }' "$1"
}

stop_simulators() {
    local state
    for state in "$WORKERS_DIR"/*/simulator-*; do
        [ -f "$state/pid" ] && simulator stop --state-dir "$state"
    done
    return 0
}
trap stop_simulators EXIT
rm -rf "$WORKERS_DIR" && mkdir -p "$WORKERS_DIR/claimed"

python_version=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# worker N: its collection copy and simulators, then the targets it claims (mkdir is atomic), one ansible-test run
# each, with a HOME of its own (ansible-test keeps its state, an SSH key among it, under ~/.ansible/test). Prints one line per target; a failed target's log ends up in N/TARGET.log.
worker() {
    local n=$1 root="$WORKERS_DIR/$1" copy sim_url sim_tls_url target started status
    copy="$root/ansible_collections/citrix_cloud/daas"
    mkdir -p "$copy"
    tar -C "$COLLECTION" --exclude=./tests/output -cf - . | tar -C "$copy" -xf -
    sim_url=$(simulator start --state-dir "$root/simulator-plain" -- --scenario "$scenario" --time-scale 30 \
        --deployment "$SITE_KIND")
    sim_tls_url=$(simulator start --state-dir "$root/simulator-tls" -- --scenario "$scenario" --time-scale 30 \
        --deployment "$SITE_KIND" "${tls_options[@]}")
    variables=${site_variables//\{sim_url\}/$sim_url}
    cat >"$copy/tests/integration/integration_config.yml" <<CONFIG
site_kind: $SITE_KIND
sim_url: $sim_url
sim_tls_url: $sim_tls_url
sim_ca_file: $root/simulator-tls/ca.pem
${variables//\{sim_tls_url\}/$sim_tls_url}
CONFIG
    for target in "${targets[@]}"; do
        mkdir "$WORKERS_DIR/claimed/$target" 2>/dev/null || continue
        started=$SECONDS
        status=0
        (cd "$copy" && HOME="$root/home" "$VENV/bin/ansible-test" integration --local --python "$python_version" --color no $verbosity \
            "$target"; status=$?; times >"$root/$target.times"; exit $status) >"$root/$target.log" 2>&1 || status=$?
        if [ "$status" -eq 0 ]; then
            echo "integration: $target passed ($((SECONDS - started)) s, $(cpu_seconds "$root/$target.times") CPU s, worker $n)"
        else
            echo "integration: $target FAILED (exit $status, $((SECONDS - started)) s, worker $n); the end of $root/$target.log:"
            tail -n 80 "$root/$target.log"
            touch "$WORKERS_DIR/failed"
        fi
    done
}

started=$SECONDS
pids=()
for n in $(seq 1 "$JOBS"); do
    worker "$n" &
    pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || touch "$WORKERS_DIR/failed"; done
if [ -e "$WORKERS_DIR/failed" ]; then
    echo "integration ($SITE_KIND): FAILED; every target's output: $WORKERS_DIR/*/TARGET.log" >&2
    exit 1
fi
logs=("$WORKERS_DIR"/*/*.log)
if grep -qF "${secrets[@]/#/-e}" "${logs[@]}"; then
    echo "integration: a secret appears in the output ($WORKERS_DIR):" >&2
    grep -nF "${secrets[@]/#/-e}" "${logs[@]}" | cut -c1-300 | head -n 5 >&2
    exit 1
fi
echo "integration ($SITE_KIND): ${#targets[@]} targets passed on $JOBS workers in $((SECONDS - started)) s; no secret" \
     "appears in the output (${verbosity:-no -v}, $(cat "${logs[@]}" | wc -l) lines checked)"
