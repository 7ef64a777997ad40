# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The example rulebooks, run by the real ansible-rulebook against the simulator (tests/eda/run.sh sets this up).

Each test starts a simulator and ansible-rulebook, waits on the simulator's request log for the source's baseline
poll, changes a machine through the simulator's control endpoints, and waits (bounded) for the rule's effect. Each
runs against both kinds of site: a Citrix Cloud simulator and an on-premises one (a Delivery Controller), the
connection in the CITRIX_* environment only.
"""

import json
import os
import queue
import subprocess
import threading
import time
from urllib.request import Request, urlopen

import pytest
import yaml

from tests.simulator.launcher import running

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIO = os.path.join(REPO, "tests", "eda", "scenario.yml")
SECRET = "sim-client-secret-3f9a7c"
PASSWORD = "sim-domain-password-5e2b"
RULEBOOK_BIN = os.environ.get("EDA_BIN", "")
DEADLINE = int(os.environ.get("EDA_TEST_DEADLINE", "120"))  # seconds for one expected effect; a healthy run takes a few


def call(base, path, body=None, method=None):
    data = None if body is None else json.dumps(body).encode()
    request = Request(base + path, data=data, method=method or ("POST" if data else "GET"),
                      headers={"Content-Type": "application/json"})
    with urlopen(request, timeout=30) as response:
        return json.loads(response.read().decode() or "null")


def wait_for(what, check, output):
    """check() until it returns something true, within DEADLINE seconds; else fail with the rulebook's output."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("not within %d s: %s; ansible-rulebook's last output:\n%s"
                         % (DEADLINE, what, output.text()[-4000:].replace(SECRET, "<secret>").replace(PASSWORD, "<secret>")))


class Output:
    """The lines of a process's output, read on a thread."""

    def __init__(self, stream):
        self.lines = []
        self._queue = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            self._queue.put(line)

    def text(self):
        while not self._queue.empty():
            self.lines.append(self._queue.get())
        return "".join(self.lines)


# The CITRIX_* connection of each kind of site, to a simulator at {url}.
CONNECTIONS = {
    "cloud": dict(CITRIX_CUSTOMER_ID="democustomer", CITRIX_CLIENT_ID="0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b",
                  CITRIX_CLIENT_SECRET=SECRET, CITRIX_API_URL="{url}", CITRIX_AUTH_URL="{url}"),
    "on_premises": dict(CITRIX_DEPLOYMENT="on_premises", CITRIX_CONTROLLERS="{url}", CITRIX_USERNAME="DEMOLAB\\ctxadmin",
                        CITRIX_PASSWORD=PASSWORD),
}


@pytest.fixture(params=sorted(CONNECTIONS))
def simulator(request):
    """(URL, CITRIX_* environment) of a simulator of each kind of site."""
    with running(scenario=SCENARIO, time_scale=30, deployment=request.param) as sim:
        yield sim.url, dict((name, value.format(url=sim.url)) for name, value in CONNECTIONS[request.param].items())


@pytest.fixture
def rulebook(simulator, tmp_path):
    """start(name, variables) runs a rulebook of the collection; yields (simulator URL, start)."""
    if not RULEBOOK_BIN:
        pytest.fail("EDA_BIN is not set: run this test through tests/eda/run.sh (make eda-integration)")
    processes = []
    simulator, connection = simulator

    def start(name, variables):
        vars_file = tmp_path / "vars.yml"
        vars_file.write_text(yaml.safe_dump(variables))
        env = dict(((key, value) for key, value in os.environ.items() if not key.startswith("CITRIX_")), **connection)
        env.update(PATH=os.path.join(RULEBOOK_BIN) + os.pathsep + os.environ["PATH"],
                   ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), HOME=str(tmp_path))
        process = subprocess.Popen([os.path.join(RULEBOOK_BIN, "ansible-rulebook"), "-r", "citrix_cloud.daas." + name,
                                    "--vars", str(vars_file), "-i", os.path.join(REPO, "tests", "eda", "inventory.yml"),
                                    "-v"],
                                   cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   universal_newlines=True)
        processes.append(process)
        return process, Output(process.stdout)

    try:
        yield simulator, start
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def machines_reads(base, catalog):
    """The source's reads of a catalog's machines in the request log."""
    path = "/cvad/manage/MachineCatalogs/%s/Machines" % catalog
    return [entry for entry in call(base, "/_sim/requests")["requests"] if entry["path"] == path and entry["status"] == 200]


def machine_state(base, name):
    return next(m for m in call(base, "/_sim/state")["machines"] if m["Name"] == name)


def scenario_with(changes):
    """The test scenario with machine fields changed: {machine name: {field: value}}."""
    with open(SCENARIO) as handle:
        scenario = yaml.safe_load(handle)
    for catalog in scenario["sites"][0]["catalogs"]:
        for machine in catalog["machines"]:
            machine.update(changes.get(machine["name"], {}))
    return scenario


def assert_clean(output):
    assert SECRET not in output and PASSWORD not in output, "a secret appears in ansible-rulebook's output"
    assert "Traceback" not in output, output[-3000:]


def test_restart_rulebook_restarts_a_machine_that_went_unregistered(rulebook):
    base, start = rulebook
    process, output = start("restart_unregistered", {"citrix_catalogs": ["Watched-Pool"], "citrix_interval": 1,
                                                     "restart_check_mode": False})
    # Two reads of the catalog: the baseline has been taken and compared once.
    wait_for("the source's first two polls", lambda: len(machines_reads(base, "Watched-Pool")) >= 2
             or process.poll() is not None, output)
    assert process.poll() is None, output.text()
    assert machine_state(base, "DEMOLAB\\WAT-003")["Counters"]["PowerActions"] == {}
    # WAT-003 went unregistered 20 hours ago (the simulator's time for a machine loaded unregistered).
    call(base, "/_sim/reset", {"scenario": scenario_with({"DEMOLAB\\WAT-003": {"registration_state": "Unregistered"}})})
    wait_for("the playbook's restart of WAT-003",
             lambda: machine_state(base, "DEMOLAB\\WAT-003")["Counters"]["PowerActions"].get("reboot") == 1, output)
    wait_for("the playbook's report", lambda: "DEMOLAB\\\\WAT-003: done" in output.text()
             or "DEMOLAB\\WAT-003: done" in output.text(), output)
    text = output.text()
    assert "DEMOLAB\\WAT-003 unregistered since" in text
    # No other machine was touched; the reset's new token was obtained by signing in again.
    for name in ("DEMOLAB\\WAT-001", "DEMOLAB\\WAT-002", "DEMOLAB\\OTH-001"):
        assert machine_state(base, name)["Counters"]["PowerActions"] == {}
    assert process.poll() is None, text
    assert_clean(text)


def test_print_rulebook_reports_sessions_and_maintenance(rulebook):
    base, start = rulebook
    process, output = start("print_events", {"citrix_catalogs": ["Watched-Pool"], "citrix_interval": 1})
    wait_for("the source's first two polls", lambda: len(machines_reads(base, "Watched-Pool")) >= 2
             or process.poll() is not None, output)
    assert process.poll() is None, output.text()
    call(base, "/_sim/machines/DEMOLAB%7CWAT-001/sessions", {"user": "DEMOLAB\\zoe"})
    call(base, "/_sim/machines/DEMOLAB%7CWAT-002/sessions", method="DELETE")
    wait_for("both session events", lambda: "session_count DEMOLAB\\WAT-001: 0 -> 1" in output.text()
             and "session_count DEMOLAB\\WAT-002: 1 -> 0" in output.text(), output)
    # A change outside the watched catalog is not reported.
    call(base, "/_sim/machines/DEMOLAB%7COTH-001/sessions", {"user": "DEMOLAB\\zoe"})
    call(base, "/_sim/machines/DEMOLAB%7CWAT-003/sessions", {"user": "DEMOLAB\\zoe"})
    wait_for("the WAT-003 event", lambda: "session_count DEMOLAB\\WAT-003: 0 -> 1" in output.text(), output)
    text = output.text()
    assert "OTH-001" not in text
    assert process.poll() is None, text
    assert_clean(text)


@pytest.mark.parametrize("variables, line", [
    ({"citrix_catalogs": ["No-Such-Pool"], "citrix_interval": 1},
     "citrix_cloud.daas.machine_events: catalog 'No-Such-Pool' was not found; the catalogs are: "),
    ({"citrix_catalogs": ["Watched-Pool"], "citrix_interval": 0},
     "citrix_cloud.daas.machine_events: interval must be 0.1 or more, got 0"),
], ids=["unknown-catalog", "bad-interval"])
def test_a_source_that_cannot_start_stops_the_rulebook_with_one_line_and_no_frames(rulebook, variables, line):
    _base, start = rulebook
    process, output = start("print_events", variables)
    wait_for("the rulebook to stop", lambda: process.poll() is not None, output)
    text = output.text()
    assert process.returncode != 0 and line in text, text[-3000:]
    # ansible-rulebook logs "file:line function" for each frame of a source's exception, unless it has none.
    assert not [row for row in text.splitlines() if "machine_events.py:" in row], text[-3000:]
    assert_clean(text)
