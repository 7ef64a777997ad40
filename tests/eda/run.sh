#!/usr/bin/env bash
# Runs the example rulebooks with the real ansible-rulebook against the simulator (tests/eda/test_rulebooks.py).
#
#   VENV=... INSTALLED=... bash tests/eda/run.sh [PYTEST ARGUMENTS]
#
# VENV is the development venv (pytest, the simulator's aiohttp); INSTALLED the collections folder where the built
# collection is installed. ansible-rulebook goes into a venv of its own, EDA_VENV (default "$VENV/eda"), reused while
# tests/eda/requirements.txt is unchanged. ansible-rulebook needs Java 17 or later.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
: "${VENV:?set VENV to the development virtual environment}"
: "${INSTALLED:?set INSTALLED to the collections folder holding the installed citrix_cloud.daas}"
EDA_VENV=${EDA_VENV:-$VENV/eda}

java_major() {
    local java=java
    [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]] && java="$JAVA_HOME/bin/java"
    "$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'
}
major=$(java_major 2>/dev/null || true)
if [[ -z "$major" || "$major" -lt 17 ]]; then
    echo "eda-integration: ansible-rulebook needs Java 17 or later, found ${major:-none}: install a JDK 17+" \
         "(Debian: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME to one" >&2
    exit 1
fi

stamp="$EDA_VENV/.eda-requirements"
want=$(cat "$repo/tests/eda/requirements.txt" <("$VENV/bin/python" -c 'import sys; print(sys.version)') | sha256sum | cut -d' ' -f1)
if [[ ! -x "$EDA_VENV/bin/ansible-rulebook" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    rm -rf "$EDA_VENV"
    "$VENV/bin/python" -m venv "$EDA_VENV"
    "$EDA_VENV/bin/python" -m pip install -q --upgrade pip
    "$EDA_VENV/bin/python" -m pip install -q -r "$repo/tests/eda/requirements.txt"
    echo "$want" >"$stamp"
fi

cd "$repo"
EDA_BIN="$EDA_VENV/bin" ANSIBLE_COLLECTIONS_PATH="$INSTALLED" \
    "$VENV/bin/python" -m pytest tests/eda -q -p no:cacheprovider "$@"
