#!/usr/bin/env bash
# The inventory plugin against the simulator: ansible-inventory --list and --graph over plain HTTP and TLS, the cache,
# and a playbook that targets a keyed group. The arguments are ansible-test's (-vvv); the simulators' URLs and the
# credentials come from the integration_config.yml that ansible-test copies two levels up.
# No set -x: the environment file holds the client secret.
set -eu
export ANSIBLE_INVENTORY_UNPARSED_FAILED=true
out="$OUTPUT_DIR"
config=(-e @../../integration_config.yml -e "out=$out")

# requests NAME: save the simulator's request log as $out/NAME.requests.json, then clear it.
requests() {
    python - "$SIM_URL" "$out/$1.requests.json" <<'PY'
import sys
from urllib.request import Request, urlopen
with urlopen(sys.argv[1] + "/_sim/requests", timeout=30) as answer, open(sys.argv[2], "wb") as saved:
    saved.write(answer.read())
urlopen(Request(sys.argv[1] + "/_sim/requests", method="DELETE"), timeout=30).close()
PY
}

ansible-playbook -i "$INVENTORY_PATH" setup.yml "${config[@]}" "$@"
# shellcheck disable=SC1091
source "$out/citrix.env"   # the CITRIX_* connection as AWX injects it, SECRET_VARIABLE (its secret's name), SIM_URL

ansible-inventory -i "$out/plain.citrix.yml" --list >"$out/list.json"
requests list
ansible-inventory -i "$out/plain.citrix.yml" --graph >"$out/graph.txt"
requests graph
ansible-inventory -i "$out/tls.citrix.yml" --list >"$out/tls.json"
requests tls
if [[ -f "$out/insecure.citrix.yml" ]]; then
    # validate_certs: false warns once, in the collection's words; urllib3's warning of every request is not shown.
    ansible-inventory -i "$out/insecure.citrix.yml" --list >"$out/insecure.json" 2>"$out/insecure.err"
    [[ $(grep -c "validate_certs is false: the Delivery Controller's certificate is not verified" "$out/insecure.err") == 1 ]] \
        || { echo "expected one validate_certs warning:" >&2; cat "$out/insecure.err" >&2; exit 1; }
    if grep -q InsecureRequestWarning "$out/insecure.err"; then
        echo "urllib3's InsecureRequestWarning was shown:" >&2; cat "$out/insecure.err" >&2; exit 1
    fi
fi
ansible-inventory -i "$out/cached.citrix.yml" --list >"$out/cached_first.json"
requests cached_first
ansible-inventory -i "$out/cached.citrix.yml" --list >"$out/cached_second.json"
requests cached_second
if env ANSIBLE_INVENTORY_UNPARSED_FAILED=true "$SECRET_VARIABLE=wrong-secret-0d9e" \
        ansible-inventory -i "$out/plain.citrix.yml" --list >"$out/failed.json" 2>"$out/failed.err"; then
    echo "ansible-inventory succeeded with a wrong $SECRET_VARIABLE" >&2
    exit 1
fi
requests failed

# ansible-inventory writes text marked unsafe as {"__ansible_unsafe": "..."}: check that, then unwrap it for check.yml.
python - "$out" <<'PY'
import json, os, sys
def plain(value):
    if isinstance(value, dict):
        if list(value) == ["__ansible_unsafe"]:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    return [plain(item) for item in value] if isinstance(value, list) else value
for name in ("list", "tls", "cached_first", "cached_second"):
    with open(os.path.join(sys.argv[1], name + ".json")) as listed:
        data = json.load(listed)
    if name == "list":
        fin = data["_meta"]["hostvars"]["fin-001.demolab.example"]
        assert fin["citrix_name"] == {"__ansible_unsafe": "DEMOLAB\\FIN-001"}, fin["citrix_name"]
        assert fin["citrix_tags"] == [{"__ansible_unsafe": "reboot-ok"}], fin["citrix_tags"]
    with open(os.path.join(sys.argv[1], name + ".plain.json"), "w") as unwrapped:
        json.dump(plain(data), unwrapped)
PY
ansible-playbook -i "$INVENTORY_PATH" check.yml "${config[@]}" "$@"
ansible-playbook -i "$out/plain.citrix.yml" target_group.yml "$@" | tee "$out/target_group.out"
grep -q 'DEMOLAB\\\\KESTREL' "$out/target_group.out"

if grep -rlF -e "${!SECRET_VARIABLE}" -e wrong-secret-0d9e "$out"/*.json "$out"/*.txt "$out"/*.err "$out"/*.out; then
    echo "a secret appears in the inventory output above" >&2
    exit 1
fi
