"""The one way to start and stop the simulator, for every suite, benchmark and script.

Python::

    from tests.simulator.launcher import running
    with running(scenario="integration", time_scale=30, tls=True) as sim:
        sim.url, sim.ca_file, sim.pid, sim.state_dir

Shell (the process outlives the command; stop it by the PID it wrote)::

    url=$(python3 -m tests.simulator.launcher start --state-dir DIR -- --scenario integration --time-scale 30)
    python3 -m tests.simulator.launcher stop --state-dir DIR

``DIR`` then holds ``pid``, ``url``, ``stderr`` and, with ``--tls``, ``ca.pem``. Any option of
``python3 -m tests.simulator`` can follow ``--``.
"""

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
START_TIMEOUT = 60.0


class SimulatorNotStarted(RuntimeError):
    """The simulator exited, or printed no URL within the start timeout."""


class RunningSimulator:
    """A simulator process started by ``start``: its URL, PID, state folder and CA file (``--tls``)."""

    def __init__(self, process, state_dir, url, owns_state_dir):
        self.process = process
        self.pid = process.pid
        self.state_dir = state_dir
        self.url = url
        self.ca_file = os.path.join(state_dir, "ca.pem")
        self._owns_state_dir = owns_state_dir

    def stop(self):
        """Stop the process by its PID (SIGTERM, then SIGKILL after 10 s) and remove a state folder made for it."""
        stop_pid(self.pid, self.process)
        if self._owns_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)


def simulator_args(scenario=None, time_scale=None, latency_ms=None, tls=False, deployment=None, extra_args=()):
    """The command line options of ``python3 -m tests.simulator`` for these settings."""
    args = ["--port", "0"]
    if scenario is not None:
        args += ["--scenario", str(scenario)]
    if time_scale is not None:
        args += ["--time-scale", str(time_scale)]
    if latency_ms is not None:
        args += ["--latency-ms", str(latency_ms)]
    if tls:
        args.append("--tls")
    if deployment is not None:
        args += ["--deployment", deployment]
    return args + list(extra_args)


def start(args=(), state_dir=None, python=None, env=None, timeout=START_TIMEOUT, **settings):
    """Start a simulator and wait until it prints its URL.

    ``args`` are raw simulator options; ``settings`` are the keywords of ``simulator_args``. Without ``state_dir`` a
    temporary folder is made and removed on ``stop``. ``python`` defaults to this interpreter.
    """
    owns_state_dir = state_dir is None
    state_dir = state_dir or tempfile.mkdtemp(prefix="daas-sim-")
    os.makedirs(state_dir, exist_ok=True)
    command = [python or sys.executable, "-m", "tests.simulator"] + simulator_args(**settings) + list(args)
    if "--tls" in command and "--ca-file" not in command:
        command += ["--ca-file", os.path.join(state_dir, "ca.pem")]
    url_path = os.path.join(state_dir, "url")
    with open(url_path, "w") as out, open(os.path.join(state_dir, "stderr"), "w") as err:
        # In the caller's process group: a signal to the whole run (Ctrl-C, kill -- -PGID) stops the simulator too.
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=err, env=env,  # pylint: disable=consider-using-with
                                   stdin=subprocess.DEVNULL)
    with open(os.path.join(state_dir, "pid"), "w") as pid_file:
        pid_file.write("%d\n" % process.pid)
    try:
        url = _wait_for_url(process, url_path, state_dir, timeout)
    except SimulatorNotStarted:
        stop_pid(process.pid, process)
        raise
    return RunningSimulator(process, state_dir, url, owns_state_dir)


def _wait_for_url(process, url_path, state_dir, timeout):
    """The first line the simulator prints, once it is complete; raise if it exits or the timeout passes."""
    deadline = time.monotonic() + timeout
    while True:
        with open(url_path) as out:
            text = out.read()
        if text.endswith("\n"):
            return text.splitlines()[0].strip()
        if process.poll() is not None or time.monotonic() > deadline:
            with open(os.path.join(state_dir, "stderr")) as err:
                detail = err.read().strip()[-2000:]
            raise SimulatorNotStarted("the simulator did not start (%s): %s" % (
                "exit code %s" % process.returncode if process.returncode is not None else "no URL in %ds" % timeout,
                detail or "no output"))
        time.sleep(0.02)  # waiting for the server to bind its port, not for a result


def stop_pid(pid, process=None):
    """SIGTERM the simulator with this PID, SIGKILL it if it is still there after 10 s; no error if it is gone."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    if process is not None:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def running(args=(), **kwargs):
    """``start`` as a context manager: the simulator is stopped when the block ends, also on an error."""
    simulator = start(args, **kwargs)
    try:
        yield simulator
    finally:
        simulator.stop()


def main(argv=None):
    """``start --state-dir DIR [--python PY] -- SIMULATOR OPTIONS`` prints the URL; ``stop --state-dir DIR`` stops it."""
    parser = argparse.ArgumentParser(prog="python3 -m tests.simulator.launcher", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "stop"))
    parser.add_argument("--state-dir", required=True, help="where the pid, url, stderr and ca.pem files go")
    parser.add_argument("--python", help="the interpreter that runs the simulator (default: this one)")
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    options = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    if options.command == "stop":
        with open(os.path.join(options.state_dir, "pid")) as pid_file:
            stop_pid(int(pid_file.read()))
        return 0
    try:
        simulator = start(extra, state_dir=options.state_dir, python=options.python)
    except SimulatorNotStarted as error:
        print("launcher: %s" % error, file=sys.stderr)
        return 1
    print(simulator.url, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
