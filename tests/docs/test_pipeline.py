"""The config-as-code example (docs/config-as-code/) against the simulator: plan, converge, then nothing to do.

``--check --diff`` shows the plan and sends no mutating request (the request log, $batch items included); the real
run reaches the state of desired_state.yml, as the simulator's state shows; the second run changes nothing and sends
only reads.
"""

import os
import subprocess
import sys

import pytest
import requests
import yaml

from tests.simulator.launcher import running

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(REPO_ROOT, "docs", "config-as-code")
CREDENTIALS = {"CITRIX_CUSTOMER_ID": "democustomer", "CITRIX_CLIENT_ID": "0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b",
               "CITRIX_CLIENT_SECRET": "sim-client-secret-3f9a7c"}
MUTATING = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture(scope="module")
def simulator():
    with running(scenario="docs", time_scale=60) as sim:
        yield sim


def converge(url, *options):
    """Run converge.yml; returns (output, the /cvad/manage requests it sent)."""
    requests.delete(url + "/_sim/requests", timeout=30).raise_for_status()
    env = {name: value for name, value in os.environ.items() if not name.startswith("CITRIX_")}
    env.update(CREDENTIALS, CITRIX_API_URL=url, CITRIX_AUTH_URL=url, ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "converge.yml"] + list(options)
    result = subprocess.run(command, cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert CREDENTIALS["CITRIX_CLIENT_SECRET"] not in output
    log = requests.get(url + "/_sim/requests", timeout=30).json()["requests"]
    return output, [entry for entry in log if entry["path"].startswith("/cvad/manage/")]


def writes(log):
    """The requests and $batch items that change something (a $batch of reads is a POST that changes nothing)."""
    return [entry for entry in log if entry["method"] in MUTATING and not entry["path"].endswith("/$batch")]


def test_plan_converge_and_nothing_left(simulator):  # pylint: disable=redefined-outer-name
    with open(os.path.join(EXAMPLE, "desired_state.yml"), encoding="utf-8") as handle:
        desired = yaml.safe_load(handle)
    requests.post(simulator.url + "/_sim/reset", json={"scenario": "docs"}, timeout=30).raise_for_status()

    plan, log = converge(simulator.url, "--check", "--diff")
    assert writes(log) == []
    assert '"W11-Desktops/Nightly"' in plan and "+        \"StartTime\": \"02:00:00\"" in plan
    assert "changed=3" in plan

    output, log = converge(simulator.url)
    assert "changed=3" in output and writes(log)
    state = requests.get(simulator.url + "/_sim/state", timeout=30).json()
    groups = {group["Name"]: group for group in state["delivery_groups"]}
    for schedule in desired["reboot_schedules"]:
        stored = {s["Name"]: s for s in groups[schedule["delivery_group"]]["RebootSchedules"]}[schedule["name"]]
        assert stored["StartTime"] == schedule["start_time"] + ":00"
        assert stored["Frequency"] == schedule["frequency"]
    assert groups["W11-Desktops"]["RebootSchedules"][1]["RestrictToTag"]["Name"] == "reboot-ok"
    for scheme in desired["power_schemes"]:
        stored = {s["Name"]: s for s in groups[scheme["delivery_group"]]["PowerTimeSchemes"]}[scheme["name"]]
        assert stored["DaysOfWeek"] == scheme["days_of_week"]
    assert sorted(groups["W11-Desktops"]["Tags"]) == ["pilot", "windows-11"]
    assert groups["Call-Center"]["Tags"] == ["pilot"] and groups["W10-Desktops"]["Tags"] == []
    tagged = [m["Name"] for m in state["machines"] if "reboot-ok" in m["Tags"]]
    assert sorted(tagged) == sorted(desired["tags"][0]["machines"])

    again, log = converge(simulator.url, "--diff")
    assert "changed=0" in again
    assert writes(log) == []
    # Sign-in aside: the site, its tags, then one $batch of reads for each module.
    sent = [(entry["method"], entry["path"]) for entry in log if not entry["batch_item"]]
    assert len(sent) == 5, sent
