"""What the docs promise an administrator in the first hour, run for real against the simulator (scenario ``docs``).

The inventory settings that make a cron or CLI run fail are ansible-core's and the docs name them; with them, a wrong
secret fails ``ansible-inventory`` and ``ansible-playbook`` with the plugin's own line; the role refuses a bad region in
one line, without a dump of its argument spec.

Run from the repository root: ``python -m pytest tests/docs`` (``make docs-examples``).
"""

import os
import re
import subprocess
import sys

import pytest
import requests
import yaml
from ansible import constants as C

from tests.simulator.launcher import running

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(sys.executable)
CLIENT_ID = "0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b"
SECRET = "sim-client-secret-3f9a7c"
WRONG_SECRET = "wrong-secret-4b1e"
# ansible-core's settings that the docs name, as (environment variable, [inventory] key).
FAIL_SETTINGS = (("ANSIBLE_INVENTORY_UNPARSED_FAILED", "unparsed_is_failed"),
                 ("ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED", "any_unparsed_is_failed"))
PLAYBOOK = """- name: Every machine
  hosts: all
  gather_facts: false
  tasks:
    - name: Nothing to do
      ansible.builtin.meta: noop
"""


@pytest.fixture(scope="module", name="simulator_url")
def fixture_simulator_url():
    with running(scenario="docs", time_scale=60) as sim:
        yield sim.url


def run(command, tmp_path, url, **env):
    """(return code, stdout + stderr) of an ansible command with the docs scenario's API client in CITRIX_*."""
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith(("CITRIX_", "ANSIBLE_INVENTORY_"))}
    environment.update(CITRIX_CUSTOMER_ID="democustomer", CITRIX_CLIENT_ID=CLIENT_ID, CITRIX_CLIENT_SECRET=SECRET,
                       CITRIX_API_URL=url, CITRIX_AUTH_URL=url, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="false",
                       HOME=str(tmp_path), ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"))
    environment.update(env)
    result = subprocess.run([os.path.join(BIN, command[0])] + command[1:], cwd=tmp_path, env=environment,
                            capture_output=True, text=True, timeout=300, check=False)
    return result.returncode, result.stdout + result.stderr


def source(tmp_path):
    path = tmp_path / "prod.citrix.yml"
    path.write_text("plugin: citrix_cloud.daas.machines\n")
    return str(path)


@pytest.mark.parametrize("document", ["docs/inventory.md", "plugins/inventory/machines.py"])
def test_the_documented_settings_that_fail_a_run_are_ansible_cores(document):
    with open(os.path.join(REPO_ROOT, document), encoding="utf-8") as handle:
        text = handle.read()
    definitions = C.config.get_configuration_definitions()
    for variable, key in FAIL_SETTINGS:
        assert variable in text and key in text, "%s does not name %s / %s" % (document, variable, key)
        names = [name for name, definition in definitions.items()
                 if any(entry.get("name") == variable for entry in definition.get("env") or [])
                 and any(entry.get("key") == key and entry.get("section") == "inventory" for entry in definition.get("ini") or [])]
        assert names, "%s / [inventory] %s is not a setting of ansible-core" % (variable, key)


def test_a_wrong_secret_passes_silently_by_default_and_fails_with_the_documented_setting(tmp_path, simulator_url):
    inventory = source(tmp_path)
    code, output = run(["ansible-inventory", "-i", inventory, "--graph"], tmp_path, simulator_url,
                       CITRIX_CLIENT_SECRET=WRONG_SECRET)
    assert code == 0 and "@all:" in output  # what the docs warn of
    for variable, _key in FAIL_SETTINGS:
        code, output = run(["ansible-inventory", "-i", inventory, "--list"], tmp_path, simulator_url,
                           CITRIX_CLIENT_SECRET=WRONG_SECRET, **{variable: "true"})
        assert code != 0, output
        lines = [line for line in output.splitlines() if "citrix_cloud.daas.machines: Sign-in failed" in line]
        assert lines, output
        assert WRONG_SECRET not in output and SECRET not in output
    playbook = tmp_path / "site.yml"
    playbook.write_text(PLAYBOOK)
    code, output = run(["ansible-playbook", "-i", inventory, str(playbook)], tmp_path, simulator_url,
                       CITRIX_CLIENT_SECRET=WRONG_SECRET, ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true")
    assert code != 0 and "citrix_cloud.daas.machines: Sign-in failed" in output, output


def test_an_unquoted_on_in_the_inventory_is_explained_in_one_line(tmp_path, simulator_url):
    path = tmp_path / "on.citrix.yml"
    path.write_text("plugin: citrix_cloud.daas.machines\npower_state: [On]\n")
    code, output = run(["ansible-inventory", "-i", str(path), "--list"], tmp_path, simulator_url,
                       ANSIBLE_INVENTORY_ENABLED="citrix_cloud.daas.machines", ANSIBLE_INVENTORY_UNPARSED_FAILED="true")
    assert code != 0
    assert re.search(r"citrix_cloud\.daas\.machines: power_state: True is not a state: YAML reads an unquoted On, Off, "
                     r"Yes or No as a boolean; quote it, for example power_state: \[\"On\"\]$", output, re.M), output
    assert "'bool' object has no attribute" not in output


def test_the_role_refuses_a_bad_region_in_one_line_without_its_argument_spec(tmp_path, simulator_url):
    requests.delete(simulator_url + "/_sim/requests", timeout=30).raise_for_status()
    playbook = tmp_path / "reboot.yml"
    playbook.write_text("- name: Reboot\n  hosts: localhost\n  gather_facts: false\n  roles:\n"
                        "    - role: citrix_cloud.daas.reboot_idle_machines\n"
                        "      vars: {reboot_idle_machines_catalogs: [W11-Pooled], reboot_idle_machines_region: mars}\n")
    code, output = run(["ansible-playbook", str(playbook)], tmp_path, simulator_url)
    assert code == 2
    assert re.search(r"^fatal: .*region must be one of: us, eu, ap-s, jp, got: mars", output, re.M), output
    assert "argument_spec" not in output and "validate_args_context" not in output
    log = requests.get(simulator_url + "/_sim/requests", timeout=30).json()["requests"]
    assert not [entry for entry in log if entry["path"].startswith("/cvad/manage/")]


def test_the_readme_renders_outside_the_repository_and_says_where_to_get_support():
    """Automation Hub shows README.md without the repository: every link is a full URL, and it has a Support section."""
    with open(os.path.join(REPO_ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        repository = yaml.safe_load(handle)["repository"]
    with open(os.path.join(REPO_ROOT, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    assert targets and [target for target in targets if not target.startswith("https://")] == []
    for target in targets:
        if target.startswith(repository + "/"):
            path = re.sub(r"^(blob|tree)/main/", "", target[len(repository) + 1:]).partition("#")[0]
            assert path in ("issues",) or os.path.exists(os.path.join(REPO_ROOT, path)), target
    assert re.search(r"^## Support$", text, re.M)
    assert repository + "/issues" in text


@pytest.mark.parametrize("requirements", ["requirements.txt", "meta/requirements.txt"])
def test_the_python_requirements_are_neither_pinned_nor_capped(requirements):
    with open(os.path.join(REPO_ROOT, requirements), encoding="utf-8") as handle:
        entries = [line.split("#")[0].strip() for line in handle if line.split("#")[0].strip()]
    assert entries
    for entry in entries:
        assert not re.search(r"==|<|~=|===", entry), "%s: %s is pinned or capped" % (requirements, entry)
        assert not re.match(r"ansible(-core)?\b", entry), "%s lists %s" % (requirements, entry)


@pytest.mark.parametrize("document, needles", [
    ("docs/guide.md", ["~/.ansible/tmp", "ANSIBLE_REMOTE_TMP", "remote_tmp", "ANSIBLE_KEEP_REMOTE_FILES",
                       "ansible-rulebook -vvv"]),
    ("docs/event-driven.md", ["ansible-rulebook -vvv", "CITRIX_*", "--vault-password-file"]),
])
def test_the_docs_say_where_secrets_can_still_go(document, needles):
    with open(os.path.join(REPO_ROOT, document), encoding="utf-8") as handle:
        text = handle.read()
    assert [needle for needle in needles if needle not in text] == []


def test_the_documented_remote_tmp_and_keep_remote_files_settings_are_ansible_cores():
    from ansible.plugins.doc_fragments.shell_common import ModuleDocFragment
    shell_options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert {"name": "ANSIBLE_REMOTE_TMP"} in shell_options["remote_tmp"]["env"]
    assert {"section": "defaults", "key": "remote_tmp"} in shell_options["remote_tmp"]["ini"]
    definitions = C.config.get_configuration_definitions()
    assert {"name": "ANSIBLE_KEEP_REMOTE_FILES"} in definitions["DEFAULT_KEEP_REMOTE_FILES"]["env"]


def test_make_test_keeps_what_it_writes_in_the_clone_and_the_readme_says_what_it_needs(tmp_path):
    """ansible-core's home, ansible-test's (its venvs, caches and SSH key) and the fault suite's logs are under BUILD."""
    build = str(tmp_path / "build")
    shown = subprocess.run(["make", "-s", "--no-print-directory", "--eval", "show-home: ; @echo $$ANSIBLE_HOME",
                            "show-home", "BUILD=" + build], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == build + "/ansible-home"
    planned = subprocess.run(["make", "-n", "--no-print-directory", "-o", "collection", "-o", "venv", "sanity", "faults",
                              "faults-on-premises", "BUILD=" + build], cwd=REPO_ROOT, capture_output=True, text=True,
                             check=True).stdout
    assert planned.count("HOME=%s/ansible-test-home " % build) == 2  # the pip bootstrap, then ansible-test
    assert "--work-dir %s/faults-cloud" % build in planned and "--work-dir %s/faults-on-premises" % build in planned
    with open(os.path.join(REPO_ROOT, "tests", "integration", "run.sh")) as runner:
        assert 'HOME="$root/home" "$VENV/bin/ansible-test" integration' in runner.read()
    with open(os.path.join(REPO_ROOT, "README.md")) as readme:
        needs = readme.read().split("## Two commands", 1)[1].split("\n## ", 1)[0]
    assert "Java 17" in needs and "Python 3.12" in needs and "PyPI" in needs
