#!/usr/bin/env bash
# The role under `ansible-playbook --check` (check mode for the whole play, as an administrator runs it first): it
# predicts, writes no report file, sends no notification, no task reports a change, and the simulator's log shows no
# mutating request. The arguments are ansible-test's (-vvv); the simulator's URL and the connection come from the
# integration_config.yml that ansible-test copies two levels up. No set -x: the config holds the client secret.
set -eu
out="$OUTPUT_DIR"
config=(-i "$INVENTORY_PATH" -e @../../integration_config.yml -e "out=$out")

ansible-playbook reset.yml "${config[@]}" "$@"
ansible-playbook check_mode.yml --check "${config[@]}" "$@" | tee "$out/check_mode.log"
# The play's recap: nothing changed, nothing failed.
if ! grep -Eq '^testhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0 ' "$out/check_mode.log"; then
    echo "a task of the role reported a change (or failed) in check mode:" >&2
    grep -E '^testhost +:' "$out/check_mode.log" >&2
    exit 1
fi
ansible-playbook verify.yml "${config[@]}" "$@"
