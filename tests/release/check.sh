#!/usr/bin/env bash
# Release checks of the collection: changelog, docs, Galaxy build and import, execution environment.
#
#   VENV=/path/to/venv bash tests/release/check.sh
#
# Run from the collection root (make test runs it in its copy under
# build/collections/ansible_collections/citrix_cloud/daas). VENV is a venv with the development
# tools (requirements-dev.txt); the release tools of tests/release/requirements.txt go into a venv
# of their own, RELEASE_VENV (default: "$VENV/release", inside the development venv so that it is
# ignored and cleaned with it), because galaxy-importer pins packages (attrs, flake8) older than the
# development venv's. It is reused while the requirements are unchanged.
#
# Every step runs even when an earlier one failed; the script ends with the list of failed steps
# and exits non-zero if there is one.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
HERE="$ROOT/tests/release"

if [[ -z "${VENV:-}" ]]; then
    VENV="$ROOT/.venv"
fi
RELEASE_VENV="${RELEASE_VENV:-${VENV%/}/release}"
BASE_PYTHON="$VENV/bin/python"
[[ -x "$BASE_PYTHON" ]] || BASE_PYTHON="$(command -v python3)"

FAILED=()
TMP="$(mktemp -d "${TMPDIR:-/tmp}/release-check.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

say() { printf '\n== release-check: %s\n' "$*"; }
fail() { FAILED+=("$1"); printf 'release-check: FAILED step: %s\n' "$1" >&2; }
# step NAME COMMAND...: run one check, record it when it fails.
step() {
    local name="$1"; shift
    say "$name"
    if "$@"; then
        printf 'release-check: ok: %s\n' "$name"
    else
        fail "$name"
    fi
}

# ---- release venv ------------------------------------------------------------------------------
setup_venv() {
    local stamp="$RELEASE_VENV/.release-requirements" want
    want="$(cat "$HERE/requirements.txt" <("$BASE_PYTHON" -c 'import sys; print(sys.version)') | sha256sum | cut -d' ' -f1)"
    if [[ -x "$RELEASE_VENV/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        echo "release venv $RELEASE_VENV is up to date"
        return 0
    fi
    rm -rf "$RELEASE_VENV"
    "$BASE_PYTHON" -m venv "$RELEASE_VENV" || return 1
    "$RELEASE_VENV/bin/python" -m pip install -q --upgrade pip || return 1
    "$RELEASE_VENV/bin/python" -m pip install -q -r "$HERE/requirements.txt" || return 1
    "$RELEASE_VENV/bin/python" -m pip check || return 1
    echo "$want" > "$stamp"
}
say "release tools in $RELEASE_VENV"
if ! setup_venv; then
    fail "install tests/release/requirements.txt into $RELEASE_VENV"
    printf '\nrelease-check: FAILED: %s\n' "${FAILED[*]}" >&2
    exit 1
fi
export PATH="$RELEASE_VENV/bin:$PATH"
PY="$RELEASE_VENV/bin/python"

NAMESPACE="$("$PY" -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["namespace"])')"
NAME="$("$PY" -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["name"])')"
VERSION="$("$PY" -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')"

# antsibull-docs and galaxy-importer need the collection on a collections path. The copy that
# make test uses already sits in one; any other checkout gets a temporary link.
case "$ROOT" in
    */ansible_collections/"$NAMESPACE"/"$NAME")
        COLLECTIONS_PATH="${ROOT%/ansible_collections/"$NAMESPACE"/"$NAME"}"
        DOCS_ROOT="$ROOT" ;;
    *)
        COLLECTIONS_PATH="$TMP/collections"
        mkdir -p "$COLLECTIONS_PATH/ansible_collections/$NAMESPACE"
        ln -s "$ROOT" "$COLLECTIONS_PATH/ansible_collections/$NAMESPACE/$NAME"
        DOCS_ROOT="$COLLECTIONS_PATH/ansible_collections/$NAMESPACE/$NAME" ;;
esac
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS_PATH"
export ANSIBLE_LOCAL_TEMP="$TMP/ansible-tmp"

# ---- changelog ---------------------------------------------------------------------------------
changelog_lint() {
    antsibull-changelog lint && antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
}
step "antsibull-changelog lint" changelog_lint
step "CHANGELOG.md matches changelogs/ (python tools/changelog.py --check)" "$PY" "$ROOT/tools/changelog.py" --check

# ---- docs --------------------------------------------------------------------------------------
docs_lint() { (cd "$DOCS_ROOT" && antsibull-docs lint-collection-docs --plugin-docs .); }
step "antsibull-docs lint-collection-docs --plugin-docs" docs_lint
step "docs/modules/ matches the plugins' docs (python tools/gen_docs.py --check)" "$PY" "$ROOT/tools/gen_docs.py" --check
# ansible-doc's own text rendering, as users see it, for every documented plugin type of the collection.
ansible_doc_text() {
    local type names name
    for type in module filter inventory; do
        names="$(ansible-doc -t "$type" --list --json "$NAMESPACE.$NAME" | "$PY" -c 'import json, sys; print(" ".join(sorted(json.load(sys.stdin))))')" || return 1
        for name in $names; do
            ansible-doc -t "$type" "$name" >/dev/null 2>"$TMP/ansible-doc.err" && [[ ! -s "$TMP/ansible-doc.err" ]] \
                || { echo "ansible-doc -t $type $name:"; cat "$TMP/ansible-doc.err"; return 1; }
        done
        echo "ansible-doc -t $type: $(wc -w <<<"$names") plugin(s) render"
    done
}
step "ansible-doc renders every module, filter and inventory plugin" ansible_doc_text

# ---- build -------------------------------------------------------------------------------------
TARBALL="$TMP/dist/$NAMESPACE-$NAME-$VERSION.tar.gz"
build() { ansible-galaxy collection build --force --output-path "$TMP/dist" . && [[ -f "$TARBALL" ]]; }
step "ansible-galaxy collection build" build

# Files that must never ship: build output, virtual environments, caches, VCS data, local
# configuration and anything that may hold a secret.
tarball_clean() {
    [[ -f "$TARBALL" ]] || { echo "no tarball to inspect"; return 1; }
    local listing bad
    listing="$(tar -tzf "$TARBALL")" || return 1
    bad="$(grep -E \
        -e '(^|/)(build|dist|\.venv[^/]*|venv|env|\.git|\.ci|\.github|__pycache__|\.pytest_cache|\.mypy_cache|\.ruff_cache|\.tox|\.nox|\.cache|\.idea|\.vscode|output)(/|$)' \
        -e '\.(pyc|pyo|tar\.gz|whl|log|swp|orig|rej|pem|key|crt|p12|pfx|retry)$' \
        -e '(^|/)(\.env|\.envrc|\.netrc|\.vault[^/]*|vault[^/]*\.ya?ml|integration_config\.yml|importer_result\.json|\.plugin-cache\.yaml|Makefile|id_rsa[^/]*|\.gitignore)$' \
        -e '(^|/)(credentials|secrets?)\.(ya?ml|json|ini|cfg|txt)$' \
        <<<"$listing")"
    if [[ -n "$bad" ]]; then
        echo "the tarball holds files that must not ship (add them to build_ignore in galaxy.yml):"
        echo "$bad" | sed 's/^/  /'
        return 1
    fi
    # The simulator ships with its requirements; its own tests and Citrix's spec (Apache-2.0) stay in the repository.
    bad="$(grep -E '^tests/simulator/(spec|tests)/' <<<"$listing")"
    if [[ -n "$bad" ]]; then
        echo "the tarball holds the simulator's tests or Citrix's spec (build_ignore in galaxy.yml):"
        echo "$bad" | sed 's/^/  /'
        return 1
    fi
    for required in MANIFEST.json FILES.json README.md LICENSE meta/runtime.yml meta/execution-environment.yml \
                    requirements.txt changelogs/changelog.yaml CHANGELOG.md docs/README.md \
                    extensions/eda/plugins/event_source/machine_events.py extensions/eda/rulebooks/print_events.yml \
                    extensions/eda/rulebooks/restart_unregistered.yml playbooks/restart_machine.yml \
                    tests/simulator/__main__.py tests/simulator/requirements.txt tests/simulator/README.md; do
        grep -qxF "$required" <<<"$listing" || { echo "the tarball lacks $required"; return 1; }
    done
    echo "$(wc -l <<<"$listing") entries, none unwanted"
}
step "tarball holds no build, venv, cache or secret files" tarball_clean

# ---- galaxy-importer ---------------------------------------------------------------------------
galaxy_import() {
    [[ -f "$TARBALL" ]] || { echo "no tarball to import"; return 1; }
    local out="$TMP/importer.log" rc
    mkdir -p "$TMP/importer"
    (cd "$TMP/importer" && GALAXY_IMPORTER_CONFIG="$HERE/galaxy-importer.cfg" \
        python -m galaxy_importer.main "$TARBALL") >"$out" 2>&1
    rc=$?
    cat "$out"
    if [[ $rc -ne 0 ]]; then
        echo "galaxy-importer exited with $rc"
        return 1
    fi
    if grep -qE '^(ERROR|CRITICAL):|Traceback \(most recent call last\)' "$out"; then
        echo "galaxy-importer reported errors:"
        grep -E '^(ERROR|CRITICAL):' "$out" | sed 's/^/  /'
        return 1
    fi
    if ! grep -q 'Importer processing completed successfully' "$out"; then
        echo "galaxy-importer did not complete"
        return 1
    fi
    local warnings
    warnings="$(grep -c '^WARNING:' "$out")"
    if [[ "$warnings" != 0 ]]; then
        echo "galaxy-importer: $warnings warning(s), listed above"
        [[ "${RELEASE_STRICT:-0}" == 1 ]] && return 1
    fi
    return 0
}
step "galaxy-importer on the tarball" galaxy_import

# ---- execution environment ---------------------------------------------------------------------
ee_create() {
    local ctx="$TMP/ee-context"
    ansible-builder create -f meta/execution-environment.yml --context "$ctx" --output-filename Containerfile -v 1 || return 1
    [[ -s "$ctx/Containerfile" ]] || { echo "no Containerfile in $ctx"; return 1; }
    # The Python requirements of the collection must reach the image.
    grep -rqs '^requests' "$ctx/_build" || { echo "the build context lacks the collection's Python requirements"; return 1; }
    # The same file is read relative to meta/ by ansible-builder create and relative to the collection
    # root when the collection is installed into any other execution environment: keep both copies equal.
    cmp -s meta/requirements.txt requirements.txt || { echo "meta/requirements.txt differs from requirements.txt"; return 1; }
    echo "build context in $ctx: $(cd "$ctx" && find . -type f | sort | tr '\n' ' ')"
}
step "ansible-builder create -f meta/execution-environment.yml" ee_create

# ---- summary -----------------------------------------------------------------------------------
echo
if [[ ${#FAILED[@]} -gt 0 ]]; then
    echo "release-check: ${#FAILED[@]} step(s) FAILED:" >&2
    for name in "${FAILED[@]}"; do echo "  - $name" >&2; done
    exit 1
fi
echo "release-check: every release check passed"
