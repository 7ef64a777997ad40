"""The launcher: the command for shell scripts starts a simulator that outlives it and stops it by its PID."""

import os
import subprocess
import sys

import pytest
import requests

from tests.simulator.launcher import REPO, start


def launcher(*args):
    return subprocess.run([sys.executable, "-m", "tests.simulator.launcher"] + list(args), cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)


def test_command_starts_and_stops_by_pid(tmp_path):
    started = launcher("start", "--state-dir", str(tmp_path), "--", "--scenario", "integration", "--tls")
    assert started.returncode == 0, started.stderr
    url = started.stdout.strip()
    assert url.startswith("https://127.0.0.1:")
    assert (tmp_path / "url").read_text().splitlines()[0] == url
    pid = int((tmp_path / "pid").read_text())
    try:
        assert requests.get(url + "/_sim/state", verify=str(tmp_path / "ca.pem"), timeout=10).status_code == 200
    finally:
        stopped = launcher("stop", "--state-dir", str(tmp_path))
    assert stopped.returncode == 0, stopped.stderr
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_simulator_that_exits_is_reported_with_its_error(tmp_path):
    failed = launcher("start", "--state-dir", str(tmp_path), "--", "--scenario", "no-such-scenario")
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert failed.stderr.startswith("launcher: the simulator did not start (exit code ")
    assert "no-such-scenario" in failed.stderr


def test_a_state_folder_made_by_start_is_removed_on_stop():
    simulator = start(scenario="integration")
    assert os.path.isfile(os.path.join(simulator.state_dir, "pid"))
    simulator.stop()
    assert not os.path.exists(simulator.state_dir)
    assert simulator.process.returncode is not None
