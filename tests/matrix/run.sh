#!/usr/bin/env bash
# The ansible-core matrix of `make test`, beside the development venv's version (which runs every check):
#   oldest: ansible-core 2.16 on Python 3.11: integration subset
#   newest: ansible-core 2.21 on the newest Python 3.12+ found (PATH or pyenv): sanity and integration subset
# Each version gets a venv of its own under $VENV/matrix, rebuilt only when its requirements file changes, and a copy
# of the collection of its own: both run at the same time (most of an integration run waits on the simulator's clock).
# A missing interpreter is reported loudly; it fails the run when CI is set (CI has every interpreter).
#
# Usage: VENV=... COLLECTION=... tests/matrix/run.sh
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
: "${VENV:?set VENV to the development virtual environment}"
: "${COLLECTION:?set COLLECTION to the collection copy under ansible_collections/citrix_cloud/daas}"
# What differs between ansible-core versions: the role (argument specs, templating of its facts and filters, its
# rescue), a module's async job and its waiter, the module options' type handling, and the inventory plugin's API.
# The other targets run on the development venv's version only.
targets=(role_reboot_idle_machines role_reboot_idle_machines_failure wait_for_job machine_info inventory_machines)
rows=()
failed=0

say() { printf '\n== matrix: %s\n' "$*"; }

# python_version PYTHON: prints MAJOR.MINOR.PATCH.
python_version() { "$1" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null; }

# find_python MINOR [newest]: the path of a Python 3.MINOR (or, with "newest", of the newest Python 3.MINOR or later)
# from PATH and pyenv's versions.
find_python() {
    local minor=$1 mode=${2:-exact} candidate version best="" best_key=0 key
    local -a candidates=()
    for candidate in $(compgen -c python3. | grep -E '^python3\.[0-9]+$' | sort -u); do
        candidate=$(command -v "$candidate")
        case "$candidate" in "$VENV"/* | */shims/*) ;; *) candidates+=("$candidate") ;; esac  # not venvs nor pyenv's shims
    done
    if command -v pyenv >/dev/null 2>&1; then
        candidates+=("$(pyenv root)"/versions/*/bin/python3)
    fi
    for candidate in "${candidates[@]}"; do
        [ -x "$candidate" ] || continue
        version=$(python_version "$candidate") || continue
        IFS=. read -r major this_minor patch <<<"$version"
        [ "$major" = 3 ] || continue
        if [ "$mode" = newest ]; then [ "$this_minor" -ge "$minor" ] || continue; else [ "$this_minor" = "$minor" ] || continue; fi
        key=$((this_minor * 1000 + patch))
        if [ "$key" -gt "$best_key" ]; then best=$candidate; best_key=$key; fi
    done
    [ -n "$best" ] && echo "$best"
}

# ensure_venv DIR PYTHON REQUIREMENTS: (re)creates DIR when the requirements or the interpreter changed.
ensure_venv() {
    local dir=$1 python=$2 requirements=$3 stamp want
    stamp="$dir/.matrix-requirements"
    want=$(cat "$requirements" "$repo/requirements.txt" "$repo/tests/simulator/requirements.txt" \
        <("$python" -c 'import sys; print(sys.version)') | sha256sum | cut -d' ' -f1)
    if [ -x "$dir/bin/ansible-test" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
    rm -rf "$dir"
    "$python" -m venv "$dir" &&
        "$dir/bin/python" -m pip install -q --upgrade pip &&
        "$dir/bin/python" -m pip install -q -r "$requirements" &&
        echo "$want" >"$stamp"
}

# run_entry NAME PYTHON REQUIREMENTS SANITY: one line of the matrix, in its own collection copy so that entries can run
# at the same time; prints that line last, fails when a step failed.
run_entry() {
    local name=$1 python=$2 requirements=$3 sanity=$4 venv="$VENV/matrix/$1" core version result="" status=0
    local copy="$VENV/matrix/$1-collections/ansible_collections/citrix_cloud/daas" started=$SECONDS
    say "ansible-core $name: venv $venv (Python $(python_version "$python") from $python)"
    if ! ensure_venv "$venv" "$python" "$requirements"; then
        echo "ROW ansible-core $name: FAILED to install $requirements"
        return 1
    fi
    core=$("$venv/bin/python" -c 'from ansible.release import __version__; print(__version__)')
    version=$(python_version "$venv/bin/python")
    rm -rf "${copy%/ansible_collections/*}" && mkdir -p "$copy" &&
        tar -C "$COLLECTION" --exclude=./tests/output -cf - . | tar -C "$copy" -xf - || return 1
    local sanity_log="$VENV/matrix/$name-sanity.log" sanity_pid="" integration
    if [ "$sanity" = sanity ]; then  # beside the integration targets: they work in copies of this copy of their own
        say "ansible-core $core on Python $version: sanity, its output in $sanity_log"
        (cd "$copy" && export PATH="$venv/bin:$PATH" HOME="${ANSIBLE_TEST_HOME:-$HOME}" &&
            "$venv/bin/python" "$repo/tools/get_pip.py" --install &&
            "$venv/bin/ansible-test" sanity --venv --python "${version%.*}" --color no) >"$sanity_log" 2>&1 &
        sanity_pid=$!
    fi
    say "ansible-core $core on Python $version: integration targets ${targets[*]}"
    # Not verbose: the development venv's run checks the -vvv output for secrets; here -vvv would only cost time.
    if PATH="$venv/bin:$PATH" VENV="$venv" COLLECTION="$copy" VERBOSITY= JOBS="${MATRIX_INTEGRATION_JOBS:-2}" \
        bash "$repo/tests/integration/run.sh" "${targets[@]}"; then
        integration="integration (${#targets[@]} targets) passed"
    else
        integration="integration (${#targets[@]} targets) FAILED"
        status=1
    fi
    if [ -n "$sanity_pid" ]; then
        if wait "$sanity_pid"; then
            result="sanity passed; "
        else
            result="sanity FAILED; "
            status=1
            say "ansible-core $core: sanity FAILED; the end of $sanity_log:"
            tail -n 60 "$sanity_log"
        fi
    fi
    result+=$integration
    printf 'ROW ansible-core %-8s Python %-8s %s (%d s)\n' "$core" "$version" "$result" $((SECONDS - started))
    return "$status"
}

# missing NAME WHAT: the loud report of a missing interpreter.
missing() {
    local name=$1 what=$2
    printf '\n%s\n!! matrix: NO %s FOUND (PATH or pyenv): ansible-core %s was NOT tested.\n%s\n' \
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' "$what" "$name" \
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' >&2
    rows+=("ansible-core $name: NOT TESTED, no $what found")
    if [ -n "${CI:-}" ]; then failed=1; fi
}

# start NAME ...: run_entry in the background, its output in $VENV/matrix/NAME.log (kept for reading after a failure).
declare -A jobs=()
start() {
    mkdir -p "$VENV/matrix"
    echo "matrix: ansible-core $1 runs in the background; its output: $VENV/matrix/$1.log"
    run_entry "$@" >"$VENV/matrix/$1.log" 2>&1 &
    jobs[$1]=$!
}

if python=$(find_python 11); then
    start 2.16 "$python" "$repo/tests/matrix/ansible-core-2.16.txt" no-sanity
else
    missing 2.16 "Python 3.11"
fi
if python=$(find_python 12 newest); then
    start 2.21 "$python" "$repo/tests/matrix/ansible-core-2.21.txt" sanity
else
    missing 2.21 "Python 3.12 or later"
fi

for name in $(printf '%s\n' "${!jobs[@]}" | sort); do
    log="$VENV/matrix/$name.log"
    if wait "${jobs[$name]}"; then
        say "ansible-core $name passed"
        grep -E '^(== matrix|Running .* integration test role|testhost +:|integration:)' "$log"
    else
        failed=1
        say "ansible-core $name FAILED; the last lines of $log:"
        grep -vE '^(ROW |WARNING: Location)' "$log" | tail -n 60
    fi
    rows+=("$(sed -n 's/^ROW //p' "$log")")
done

say "the ansible-core versions make test ran"
printf '  ansible-core %-8s Python %-8s every check (the development venv, %s)\n' \
    "$("$VENV/bin/python" -c 'from ansible.release import __version__; print(__version__)')" \
    "$(python_version "$VENV/bin/python")" "$VENV"
printf '  %s\n' "${rows[@]}"
if [ "$failed" -ne 0 ]; then
    echo "matrix: FAILED${CI:+ (CI is set: a missing interpreter fails the run)}" >&2
    exit 1
fi
