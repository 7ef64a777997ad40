#!/usr/bin/env bash
# The body of `make demo`: reboot the idle machines of the DEMOLAB estate (tests/simulator/scenarios/demo.yml)
# against the Citrix DaaS simulator, first in check mode with --diff, then for real, and show the summary.
#
# Environment: VENV (the virtual environment with ansible-core and the simulator's dependencies) and
# ANSIBLE_COLLECTIONS_PATH (where citrix_cloud.daas is installed), both set by the Makefile.
set -Eeuo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
: "${VENV:?set VENV to the virtual environment (make demo does)}"
: "${ANSIBLE_COLLECTIONS_PATH:?set ANSIBLE_COLLECTIONS_PATH to where citrix_cloud.daas is installed (make demo does)}"
export ANSIBLE_COLLECTIONS_PATH

TIME_SCALE=${DEMO_TIME_SCALE:-20}    # simulated seconds per real second: a 40 s reboot takes 2 s
CATALOGS=${DEMO_CATALOGS:-'Kiosk-Pool,Finance\Finance-Shared'}    # a catalog in an admin folder as Studio shows it

work=$(mktemp -d)
sim_state="$work/simulator"    # the launcher's pid, url and stderr files
step="starting"

fail() {
    trap - ERR
    echo >&2
    echo "make demo: FAILED while ${step}." >&2
    if [ -s "$sim_state/stderr" ]; then
        echo "make demo: the simulator said:" >&2
        tail -n 20 "$sim_state/stderr" >&2
    fi
    exit 1
}

cleanup() {
    local status=$?
    if [ -f "$sim_state/pid" ]; then
        (cd "$repo" && "$VENV/bin/python" -m tests.simulator.launcher stop --state-dir "$sim_state") || true
        echo "==> Simulator stopped."
    fi
    rm -rf "$work"
    exit "$status"
}
trap fail ERR
trap cleanup EXIT
trap 'exit 130' INT TERM

banner() {
    echo
    echo "==> $*"
}

step="checking the tools"
for tool in python ansible-playbook; do
    [ -x "$VENV/bin/$tool" ] || { echo "make demo: $VENV/bin/$tool is missing; run make venv" >&2; exit 1; }
done
[ -d "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/citrix_cloud/daas" ] || {
    echo "make demo: citrix_cloud.daas is not installed under $ANSIBLE_COLLECTIONS_PATH; run make install" >&2
    exit 1
}

step="starting the simulator"
banner "Starting the Citrix DaaS simulator with the DEMOLAB estate (time runs ${TIME_SCALE}x faster)"
sim_url=$(cd "$repo" && "$VENV/bin/python" -m tests.simulator.launcher start --state-dir "$sim_state" -- \
    --scenario tests/simulator/scenarios/demo.yml --time-scale "$TIME_SCALE")
echo "    listening on $sim_url"

# The API client of the demo scenario; in real life these come from a vault or an AWX credential.
export CITRIX_CUSTOMER_ID=democustomer
export CITRIX_CLIENT_ID=0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b
export CITRIX_CLIENT_SECRET=sim-client-secret-3f9a7c
export CITRIX_API_URL="$sim_url"
export CITRIX_AUTH_URL="$sim_url"
export ANSIBLE_LOCALHOST_WARNING=false
export ANSIBLE_INVENTORY_UNPARSED_WARNING=false
export ANSIBLE_FORCE_COLOR=${ANSIBLE_FORCE_COLOR:-1}

playbook() {
    "$VENV/bin/ansible-playbook" citrix_cloud.daas.reboot_idle_machines \
        -e "reboot_idle_machines_catalogs=$CATALOGS" \
        -e "reboot_idle_machines_report_path=$work/report.json" \
        -e reboot_idle_machines_notify=true \
        "$@"
}

step="running the playbook in check mode"
banner "1/2  Check mode with --diff: what would be rebooted? (nothing is changed)"
playbook --check --diff

step="running the playbook for real"
banner "2/2  The real run: fence, re-check, reboot, lift the fence, report"
playbook

step="reading the report"
banner "Summary (written by the role to its report file as JSON)"
"$VENV/bin/python" - "$work/report.json" <<'PYTHON'
import json
import sys

with open(sys.argv[1]) as handle:
    summary = json.load(handle)
counts = summary["counts"]
print("    catalogs : %s" % ", ".join(summary["catalogs"]))
print("    machines : %(machines)d, idle candidates: %(candidates)d" % counts)
print("    rebooted : %d  %s" % (counts["rebooted"], ", ".join(m["name"] for m in summary["rebooted"])))
print("    skipped  : %d" % counts["skipped"])
for machine in summary["skipped"]:
    print("               %-20s %s" % (machine["name"], machine["reason"]))
print("    failed   : %d" % counts["failed"])
for machine in summary["failed"]:
    print("               %-20s %s" % (machine["name"], machine["error"]))
if summary["failed"] or summary["errors"]:
    sys.exit("make demo: the real run reported failures")
PYTHON

step="checking the simulator"
"$VENV/bin/python" - "$sim_url" <<'PYTHON'
import json
import sys
import urllib.request

with urllib.request.urlopen(sys.argv[1] + "/_sim/state", timeout=10) as response:
    state = json.load(response)
# The role's fence: its machine tag (reboot_idle_machines_fence_tag), with or without maintenance mode.
fenced = [m["Name"] for m in state["machines"] if "citrix_cloud.daas-reboot-fence" in (m.get("Tags") or [])]
totals = state["totals"]
print("    sessions lost: %d, sign-ins: %d, reboots: %d, machines left fenced: %d"
      % (totals["sessions_lost"], totals["token_requests"], totals["power_actions"], len(fenced)))
if totals["sessions_lost"] or fenced:
    sys.exit("make demo: the simulator reports lost sessions or fenced machines")
PYTHON

step="finishing"
banner "make demo: done. Every idle machine was rebooted; every user kept their session."
