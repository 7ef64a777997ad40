"""Every YAML example of README.md and docs/ parses, and every playbook among them runs against the simulator.

A fenced ``yaml`` block is a playbook when it is a list of plays (mappings with ``hosts`` and tasks or roles). Each playbook runs with
``ansible-playbook`` (the collection from ``ANSIBLE_COLLECTIONS_PATH``) against a freshly reset simulator (scenario
``docs``), with the credentials in the ``CITRIX_*`` environment variables only; a playbook that names the variables
``citrix_customer_id``, ``citrix_client_id`` and ``citrix_client_secret`` runs a second time with the credentials in
those variables only: it must work with either. The pages generated from the plugins' own examples (``docs/modules/``)
show each form in a play of its own, so their playbooks run once with the credentials in both places. A block right
after a ``<!-- parse-only: reason -->`` line is only parsed. Every playbook of README.md and docs/ that uses no Citrix
Cloud service nor a Cloud option (notifications, ``region``) also runs against an on-premises simulator (a Delivery
Controller), with that kind's ``CITRIX_*`` variables only: the same playbook works on either kind of site.

Run from the repository root: ``python -m pytest tests/docs`` (``make docs-examples``).
"""

import glob
import json
import os
import re
import subprocess
import sys

import pytest
import requests
import yaml

from tests.simulator.launcher import running

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCUMENTS = ["README.md"] + sorted(glob.glob("docs/**/*.md", root_dir=REPO_ROOT, recursive=True))
FENCE = re.compile(r"^(?P<indent> *)```(?P<info>\S*)\s*$")
PARSE_ONLY = re.compile(r"^\s*<!-- parse-only: .+ -->\s*$")
GENERATED = "docs/modules/"
CREDENTIAL_VARIABLES = ("citrix_customer_id", "citrix_client_id", "citrix_client_secret")
# What only a Citrix Cloud site has: an example that names one runs against Citrix Cloud only.
CLOUD_ONLY = re.compile(r"\bregion:|citrix_cloud\.daas\.notification|_notify\b")
# The domain user of the shipped scenarios on an on-premises simulator (tests/simulator/README.md).
ON_PREMISES = {"CITRIX_DEPLOYMENT": "on_premises", "CITRIX_USERNAME": "DEMOLAB\\ctxadmin",
               "CITRIX_PASSWORD": "sim-domain-password-5e2b"}
# The API client of the shipped scenarios (tests/simulator/README.md).
CREDENTIALS = {"customer_id": "democustomer", "client_id": "0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b",
               "client_secret": "sim-client-secret-3f9a7c"}


class ExampleLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """A safe loader that also reads Ansible's ``!unsafe`` and ``!vault`` strings."""


for _tag in ("!unsafe", "!vault"):
    ExampleLoader.add_constructor(_tag, lambda loader, node: loader.construct_scalar(node))


def yaml_blocks():
    """``(where, text, parse_only)`` for each fenced yaml block of the documents, its fence's indent removed."""
    blocks = []
    for document in DOCUMENTS:
        with open(os.path.join(REPO_ROOT, document), encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        number = 0
        while number < len(lines):
            opening = FENCE.match(lines[number])
            if not opening or opening.group("info") == "":
                number += 1
                continue
            indent, start = len(opening.group("indent")), number
            number += 1
            while number < len(lines) and not re.match(r"^ *```\s*$", lines[number]):
                number += 1
            if opening.group("info") in ("yaml", "yml"):
                parse_only = start > 0 and bool(PARSE_ONLY.match(lines[start - 1]))
                text = "\n".join(line[indent:] for line in lines[start + 1:number]) + "\n"
                blocks.append(("%s:%d" % (document, start + 1), text, parse_only))
            number += 1
    return blocks


BLOCKS = yaml_blocks()


PLAY_BODIES = {"tasks", "roles", "pre_tasks", "post_tasks"}


def is_playbook(data):
    """A list of plays (not a rulebook, whose rulesets also have ``hosts``)."""
    return isinstance(data, list) and bool(data) and all(
        isinstance(play, dict) and "hosts" in play and PLAY_BODIES & set(play) and "rules" not in play for play in data)


def runs():
    """``(where, mode)`` of each playbook run; the modes are ``environment``, ``variables``, ``both`` and
    ``on_premises``."""
    cases = []
    for where, text, parse_only in BLOCKS:
        try:
            if parse_only or not is_playbook(yaml.load(text, Loader=ExampleLoader)):  # nosec B506: a safe loader
                continue
        except yaml.YAMLError:
            continue  # test_every_block_parses_and_quotes_power_states reports it
        if where.startswith(GENERATED):
            cases.append((where, "both"))
        else:
            cases.append((where, "environment"))
            if all(name in text for name in CREDENTIAL_VARIABLES):
                cases.append((where, "variables"))
            if not CLOUD_ONLY.search(text):
                cases.append((where, "on_premises"))
    return cases


def walk(node, key=None):
    """``(key, value)`` of every mapping entry and list item, depth first."""
    if isinstance(node, dict):
        for name, value in node.items():
            yield name, value
            yield from walk(value, name)
    elif isinstance(node, list):
        for item in node:
            yield key, item
            yield from walk(item, key)


def test_every_block_parses_and_quotes_power_states():
    assert len(BLOCKS) >= 10, "the fenced yaml blocks of %s were not found" % DOCUMENTS
    for where, text, _parse_only in BLOCKS:
        try:
            # An inventory plugin's examples may be several files, one YAML document each.
            data = list(yaml.load_all(text, Loader=ExampleLoader))  # nosec B506: a safe loader
        except yaml.YAMLError as exc:
            pytest.fail("%s: the yaml example does not parse: %s" % (where, exc))
        for key, value in walk(data):
            assert not (key == "power_state" and isinstance(value, bool)), \
                "%s: power_state %r is a YAML boolean: quote 'On' and 'Off'" % (where, value)


def test_inline_credential_type_matches_its_files():
    """The self-contained awx.awx example carries the same credential type as the files pasted into AWX."""
    tasks = [task for _where, text, _parse_only in BLOCKS if "awx.awx.credential_type" in text
             for play in yaml.load(text, Loader=ExampleLoader) for task in play["tasks"]]  # nosec B506
    assert len(tasks) == 1
    with open(os.path.join(REPO_ROOT, "docs/awx/credential_type_inputs.yml"), encoding="utf-8") as handle:
        assert tasks[0]["awx.awx.credential_type"]["inputs"] == yaml.safe_load(handle)
    with open(os.path.join(REPO_ROOT, "docs/awx/credential_type_injectors.yml"), encoding="utf-8") as handle:
        assert tasks[0]["awx.awx.credential_type"]["injectors"] == yaml.safe_load(handle)


@pytest.fixture(scope="module")
def simulator_urls():
    """Simulators with the estate the examples name: {kind of site: URL}, Citrix Cloud and on-premises."""
    with running(scenario="docs", time_scale=60) as cloud, \
            running(scenario="docs", time_scale=60, deployment="on_premises") as on_premises:
        yield {"cloud": cloud.url, "on_premises": on_premises.url}


@pytest.mark.parametrize("where,mode", runs(), ids=lambda value: value)
def test_playbook_runs(where, mode, simulator_urls, tmp_path):  # pylint: disable=redefined-outer-name
    text = next(text for block_where, text, _parse_only in BLOCKS if block_where == where)
    simulator_url = simulator_urls["on_premises" if mode == "on_premises" else "cloud"]
    requests.post(simulator_url + "/_sim/reset", json={"scenario": "docs"}, timeout=30).raise_for_status()
    playbook = tmp_path / "example.yml"
    playbook.write_text(text, encoding="utf-8")
    env = {name: value for name, value in os.environ.items() if not name.startswith("CITRIX_")}
    env.update(ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1")
    if mode == "on_premises":
        env.update(ON_PREMISES, CITRIX_CONTROLLERS=simulator_url)
    else:
        env.update(CITRIX_API_URL=simulator_url, CITRIX_AUTH_URL=simulator_url)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(playbook)]
    if mode in ("environment", "both"):
        env.update({"CITRIX_" + name.upper(): value for name, value in CREDENTIALS.items()})
    if mode in ("variables", "both"):
        variables = tmp_path / "credentials.json"
        variables.write_text(json.dumps({"citrix_" + name: value for name, value in CREDENTIALS.items()}))
        command += ["-e", "@%s" % variables]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, "%s (%s) failed:\n%s" % (where, mode, output[-4000:])
    assert CREDENTIALS["client_secret"] not in output and ON_PREMISES["CITRIX_PASSWORD"] not in output
    log = requests.get(simulator_url + "/_sim/requests", timeout=30).json()["requests"]
    assert any(entry["path"].startswith("/cvad/manage/") and entry["status"] == 200 for entry in log), \
        "%s (%s) never read the API" % (where, mode)


def test_credential_types_inject_only_variables_the_connection_reads():
    """Each AWX credential type (Citrix Cloud, on-premises) injects CITRIX_* variables that the options read."""
    with open(os.path.join(REPO_ROOT, "plugins/doc_fragments/daas.py"), encoding="utf-8") as handle:
        inventory_variant = re.search(r"INVENTORY = r'''(.*?)'''", handle.read(), re.S).group(1)
    read = {entry["name"] for option in yaml.safe_load(inventory_variant)["options"].values() for entry in option["env"]}
    for kind in ("", "_on_premises"):
        with open(os.path.join(REPO_ROOT, "docs/awx/credential_type%s_injectors.yml" % kind), encoding="utf-8") as handle:
            injected = set(yaml.safe_load(handle)["env"])
        assert injected <= read, "%s injects %s, which no option reads" % (kind or "cloud", injected - read)
