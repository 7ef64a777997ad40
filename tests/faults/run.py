"""The fault suite: the role and the bulk modules against the simulator under faults, races and interruptions.

Usage (from the repository root, with the collection under ANSIBLE_COLLECTIONS_PATH, as `make faults` does):

    python tests/faults/run.py [--bounded] [--site-kind cloud|on_premises] [--seed N] [--schedules N]
                               [--schedules-only] [--case NAME] [--jobs N] [--work-dir DIR]

Every run is a real ``ansible-playbook -vvv`` against a simulator started here. Each case sets its faults, triggers
and job behaviours through ``/_sim/``, runs, clears them and reads the simulator's state. The suite prints one line
per case and then the figures table; it exits 1 when a figure misses its target (every run ends correctly, no
traceback, no session lost, no fence left, no administrator's maintenance lifted, no secret in the output).
``--bounded`` runs one case of each kind (what `make test` runs); without it, more seeds and every kill point.
``--schedules N`` adds N random schedules (seeded by ``--seed``): faults, a kill, an administrator and a user acting
at random moments; ``--schedules-only`` runs just those (``--schedules 200 --schedules-only`` on demand).
``--case NAME`` runs only that case; ``--jobs N`` runs N cases at a time, each on a simulator of its own.
``--site-kind on_premises`` runs the same cases against an on-premises Delivery Controller (the simulator's
on-premises deployment, a domain user's sign-in), but the Illumio PCE case, which no kind of DaaS site changes: it
runs in the Cloud run only.
"""

import argparse
import base64
import json
import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import requests
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SCENARIO = os.path.join(HERE, "scenario.yml")
sys.path.insert(0, REPO)
from tests.simulator.launcher import SimulatorNotStarted, start  # noqa: E402 pylint: disable=wrong-import-position
from tests.simulator.scenario import DOMAIN_PASSWORD, DOMAIN_USER  # noqa: E402 pylint: disable=wrong-import-position

ROLE_PLAYBOOK = os.path.join(REPO, "playbooks", "reboot_idle_machines.yml")
MODULES_PLAYBOOK = os.path.join(HERE, "playbooks", "modules.yml")
PCE_PLAYBOOK = os.path.join(HERE, "playbooks", "pce.yml")
BAD_INPUT_PLAYBOOK = os.path.join(HERE, "playbooks", "bad_input.yml")

CUSTOMER_ID = "democustomer"
CLIENT_ID = "0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b"
CLIENT_SECRET = "sim-client-secret-3f9a7c"
PCE_KEY = "api_1a2b3c4d5e"
PCE_SECRET = "pce-secret-8d7c6b"
FENCE_TAG = "citrix_cloud.daas-reboot-fence"
IDLE = ["DEMOLAB\\FLT-00%d" % number for number in range(1, 7)]
# Administrators' maintenance in the scenario (one of them on a machine with a stale fence tag).
ADMIN_MAINTENANCE = ["DEMOLAB\\FLT-ADMIN", "DEMOLAB\\FLT-STALE"]
TRANSIENT = {"errors": {"share": 0.15, "statuses": [502, 503, 504]}, "drop_share": 0.05, "path_regex": "^/cvad/manage/"}
# Drain mode at the suite's time scale: a 3-second warning period, two warnings, sessions disconnected for more than
# an hour logged off at the deadline (FLT-GONE's), active ones (FLT-BUSY's) never.
DRAIN = dict(reboot_idle_machines_drain_sessions=True, reboot_idle_machines_warning_minutes=0.05,
             reboot_idle_machines_warning_interval_minutes=0.025, reboot_idle_machines_warning_count=2,
             reboot_idle_machines_logoff="disconnected", reboot_idle_machines_logoff_disconnected_minutes=60)
TRACEBACK = "Traceback (most recent call last)"
# How long a kill point may take to come; a case that never reaches it fails the suite (not a figure).
KILL_POINT_TIMEOUT = 120.0
SITE_KINDS = ("cloud", "on_premises")


def connection(site_kind, url):
    """The connection options of the modules (and, prefixed, of the role) for a simulator of this kind of site."""
    if site_kind == "on_premises":
        return dict(deployment="on_premises", controllers=[url], username=DOMAIN_USER, password=DOMAIN_PASSWORD)
    return dict(customer_id=CUSTOMER_ID, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, api_url=url, auth_url=url)


def kill_tree(pid):
    """SIGKILL a process and all its descendants. Ansible's workers start sessions of their own (setsid), so a kill of
    the playbook's process group alone would leave the module that is running to carry on."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as stat:
                    children.setdefault(int(stat.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    todo, tree = [pid], []
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    for member in tree:
        try:
            os.kill(member, signal.SIGKILL)
        except OSError:
            pass


class Simulator:
    """A simulator of a kind of site started by the launcher (its files in WORK/NAME), with its control endpoints."""

    def __init__(self, work, site_kind, name="simulator"):
        try:
            self.running = start(state_dir=os.path.join(work, name), scenario=SCENARIO, time_scale=30,
                                 deployment=site_kind)
        except SimulatorNotStarted as error:
            raise SystemExit("faults: %s" % error) from None
        self.url = self.running.url
        self.connection = connection(site_kind, self.url)
        self.http = requests.Session()

    def control(self, method, path, body=None):
        response = self.http.request(method, "%s/_sim/%s" % (self.url, path), json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def stop(self):
        self.running.stop()


class Case:
    """One case: its set-up, its runs and what the simulator says afterwards."""

    def __init__(self, name, kind, playbook=ROLE_PLAYBOOK, faults=None, triggers=(), jobs=None, extra=None,
                 kill_after=None, stale_fence=False, overlap_after=None):
        self.name = name
        self.kind = kind
        self.playbook = playbook
        self.faults = faults
        self.triggers = list(triggers)
        self.jobs = jobs
        self.extra = dict(extra or {})
        # A predicate on request-log entries: when one matches, ansible-playbook is killed, then the role runs again.
        self.kill_after = kill_after
        # Whether FLT-STALE, in an administrator's maintenance, still carries a fence tag from an old run.
        self.stale_fence = stale_fence
        # A predicate on request-log entries: when one matches, a second run of the role starts beside the first.
        self.overlap_after = overlap_after


def is_request(method, pattern):
    """A request-log predicate: this method, a path matching the pattern, an answer below 400."""
    regex = re.compile(pattern)
    return lambda entry: entry["method"] == method and regex.search(entry["path"]) and (entry["status"] or 999) < 400


def nth(predicate, count):
    """A request-log predicate that holds from the count-th entry that matches `predicate` on."""
    seen = []

    def matches(entry):
        if predicate(entry):
            seen.append(entry["seq"])
        return len(set(seen)) >= count
    return matches


def failures(output):
    """The results of the failed tasks (not ignored) in an ansible-playbook -vvv output."""
    found = []
    decoder = json.JSONDecoder()
    for match in re.finditer(r"^(?:fatal|failed): \[[^\]]+\](?: \(item=.*?\))?: FAILED! => ", output, re.MULTILINE):
        try:
            result, end = decoder.raw_decode(output, match.end())
        except ValueError:
            result, end = {"msg": "(unparsable result)", "unparsable": True}, match.end()
        if not output[end:end + 40].lstrip().startswith("...ignoring"):
            found.append(result)
    return found


def ignored_failures(output):
    """The messages of the failures that a task ignored (bad-input cases)."""
    found = []
    decoder = json.JSONDecoder()
    for match in re.finditer(r"^(?:fatal|failed): \[[^\]]+\]: FAILED! => ", output, re.MULTILINE):
        result, end = decoder.raw_decode(output, match.end())
        if output[end:end + 40].lstrip().startswith("...ignoring"):
            found.append(result)
    return found


def is_clear(result):
    """One line, without a traceback or a module crash."""
    message = str(result.get("msg", ""))
    return bool(message) and "\n" not in message and TRACEBACK not in message and "MODULE FAILURE" not in message \
        and "exception" not in result and "module_stderr" not in result and not result.get("unparsable")


class Suite:
    """Runs cases one after the other against one simulator, and adds up their figures."""

    def __init__(self, sim, work, ansible_playbook):
        self.sim = sim
        self.work = work
        self.ansible_playbook = ansible_playbook
        self.figures = dict(cases=0, runs=0, runs_correct=0, faults=0, tracebacks=0, sessions_lost=0, fences_left=0,
                            admin_lifted=0, secrets=0, bad_input=0, bad_input_clear=0,
                            transient_rebooted=0, transient_candidates=0, rebooted_twice=0, over_cap=0,
                            lifted_pending=0, overlapping_runs=0, role_runs_stopped=0, left_by_kill=0,
                            active_logged_off=0, stale_logged_off=0, drain_busy_rebooted=0,
                            left_by_kill_reported=0)
        self.problems = []
        self.outputs = []
        self.started = 0
        self.killed = False
        # Every bearer token the simulator issued, read before each reset clears them.
        self.tokens = set()

    def variables_report(self, case):
        return os.path.join(self.work, "%s.json" % case.name)

    def variables(self, case):
        path = os.path.join(self.work, "%s.vars.json" % case.name)
        with open(path, "w") as handle:
            json.dump(self.variables_values(case), handle)
        return path

    def variables_values(self, case):
        report = self.variables_report(case)
        values = {"reboot_idle_machines_" + option: value for option, value in self.sim.connection.items()}
        values.update(
            reboot_idle_machines_catalogs=["Fault-Pool"], reboot_idle_machines_min_hours_since_reboot=0,
            reboot_idle_machines_max_unavailable=3, reboot_idle_machines_concurrency=5,
            reboot_idle_machines_wait_timeout=20,
            # A killed run's lock is taken over by the run after it once this lease has ended.
            reboot_idle_machines_lock_lease=60,
            reboot_idle_machines_report_path=report,
            fault_api_url=self.sim.url, fault_connection=self.sim.connection, fault_machines=IDLE,
            fault_fence_tag=FENCE_TAG, fault_timeout=30, fault_wait_timeout=20, fault_pce_key=PCE_KEY,
            fault_pce_secret=PCE_SECRET)
        values.update(case.extra)
        return values

    def _start(self, case, playbook):
        """Start ansible-playbook -vvv in a session of its own; returns (process, its log file)."""
        command = [self.ansible_playbook, "-vvv", "-e", "@" + self.variables(case), playbook]
        self.started += 1
        log = open(os.path.join(self.work, "%s.%d.log" % (case.name, self.started)), "w+")  # pylint: disable=consider-using-with
        process = subprocess.Popen(command, cwd=self.work, stdout=log, stderr=subprocess.STDOUT,  # pylint: disable=consider-using-with
                                   start_new_session=True)
        return process, log

    def _finish(self, process, log):
        status = process.wait()
        log.seek(0)
        output = log.read()
        log.close()
        self.outputs.append(output)
        return status, output

    def playbook(self, case, playbook, kill_after=None):
        """Run ansible-playbook -vvv; returns (exit status or None when killed, output)."""
        process, log = self._start(case, playbook)
        killed = kill_after is not None and self._when_logged(process, kill_after, "the kill point")
        if killed:
            kill_tree(process.pid)
        status, output = self._finish(process, log)
        return (None if killed else status), output

    def two_runs(self, case):
        """Two runs of the role: the second starts once the first has sent a request that matches overlap_after.
        Returns [(exit status, output)] of both."""
        first = self._start(case, case.playbook)
        second = self._start(case, case.playbook) if self._when_logged(first[0], case.overlap_after, "the overlap point") \
            else None
        return [self._finish(*first)] + ([self._finish(*second)] if second else [])

    def _when_logged(self, process, predicate, what):
        """Wait on the request log until an entry matches (True), or the process ends first (False)."""
        deadline = time.monotonic() + KILL_POINT_TIMEOUT
        seen = 0
        while time.monotonic() < deadline and process.poll() is None:
            entries = self.sim.control("GET", "requests?since=%d" % seen)["requests"]
            if entries:
                seen = entries[-1]["seq"]
            if any(predicate(entry) for entry in entries):
                return True
            time.sleep(0.05)
        if process.poll() is None:
            self.problems.append("%s never came" % what)
        # A run that ended before it sent the request (a random schedule's kill point) is no problem.
        return False

    def judge(self, case, status, output):
        """Count one finished run: correct when it succeeded, or failed with one clear line."""
        self.figures["runs"] += 1
        self.figures["tracebacks"] += output.count(TRACEBACK)
        failed = failures(output)
        if status == 0 and not failed:
            correct, note = True, "ok"
        elif status == 0:
            correct, note = False, "exit 0 with failed tasks"
        else:
            correct = len(failed) == 1 and is_clear(failed[0])
            note = ("failed: %s" % failed[0].get("msg", "")[:160]) if failed else "exit %s without a failed task" % status
        if correct:
            self.figures["runs_correct"] += 1
        else:
            self.problems.append("%s: %s" % (case.name, note))
        return note

    def run(self, case):
        sim = self.sim
        scenario = yaml.safe_load(open(SCENARIO))
        stale = scenario["sites"][0]["catalogs"][0]["machines"][-1]
        triggers = list(case.triggers)
        if case.stale_fence:
            # The trace of an interrupted lift: the fence tag without maintenance mode. The run must heal it (remove
            # the tag) before anything else; an administrator then puts the machine in maintenance mode, which the
            # rest of the run, and any later run, must leave alone.
            stale.update(maintenance=False, maintenance_reason=None)
            triggers.append({"method": "DELETE", "path_regex": "^/cvad/manage/Machines/[^/]+/Tags/", "count": 1,
                             "action": "maintenance_on", "machine": stale["name"]})
        else:
            stale["tags"] = []
        sim.control("POST", "reset", {"scenario": scenario})
        if case.jobs:
            sim.control("POST", "jobs/behaviour", case.jobs)
        for trigger in triggers:
            sim.control("POST", "triggers", trigger)
        if case.faults:
            sim.control("POST", "faults", case.faults)
        if case.overlap_after is not None:
            (status, output), *others = self.two_runs(case)
            for other_status, other_output in others:
                self.figures["overlapping_runs"] += 1
                self.judge(case, other_status, other_output)
        else:
            status, output = self.playbook(case, case.playbook, case.kill_after)
        injected = sum(sim.control("GET", "faults")["injected"].values())
        fired = [trigger for trigger in sim.control("GET", "triggers")["triggers"] if trigger["fired"]]
        injected += len(fired)
        # Machines an administrator put in maintenance mode during the case.
        admin = ADMIN_MAINTENANCE + [trigger["machine"] for trigger in fired if trigger.get("action") == "maintenance_on"
                                     and trigger["machine"] not in ADMIN_MAINTENANCE]
        # Each machine whose power jobs fail or never end.
        injected += sum(len(rule.get("machines") or []) for rule in (case.jobs or {}).values())
        sim.control("DELETE", "faults")
        sim.control("DELETE", "triggers")
        sim.control("DELETE", "jobs/behaviour")
        self.killed = case.kill_after is not None and status is None
        if case.kill_after is not None:
            injected += 1 if status is None else 0
            self.figures["tracebacks"] += output.count(TRACEBACK)
            # The operator runs the role again, as after any interrupted run.
            status, output = self.playbook(case, ROLE_PLAYBOOK)
        note = self.judge(case, status, output)
        if case.playbook == BAD_INPUT_PLAYBOOK:
            cases = ignored_failures(output)
            self.figures["bad_input"] += len(cases)
            self.figures["bad_input_clear"] += sum(1 for result in cases if is_clear(result))
            note += "; %d bad-input cases: %s" % (len(cases), " | ".join(str(r.get("msg"))[:90] for r in cases))
        state = sim.control("GET", "state")
        self.tokens.update(sim.control("GET", "tokens")["tokens"])
        machines = dict((machine["Name"], machine) for machine in state["machines"])
        # A fence: the tag or maintenance mode on a machine that no administrator put in maintenance.
        tagged = [name for name, machine in machines.items()
                  if any(tag.lower() == FENCE_TAG for tag in machine.get("Tags") or [])]
        untagged = [name for name, machine in machines.items()
                    if name not in admin and name not in tagged and machine["InMaintenanceMode"]]
        # A kill between the two writes of a fence (or of a lift) leaves maintenance mode without the tag, which no
        # read can tell from an administrator's: the run after it reports it from the killed run's mark
        # (docs/reboot-workflow.md), and leaves it alone. Counted on its own, not as a fence.
        left_by_kill = untagged if self.killed else []
        unreported = [name for name in left_by_kill if not reported_left_in_maintenance(output, name)]
        fences = tagged + [name for name in untagged if name not in left_by_kill]
        self.figures["left_by_kill"] += len(left_by_kill)
        self.figures["left_by_kill_reported"] += len(left_by_kill) - len(unreported)
        lifted = [name for name in admin if not machines[name]["InMaintenanceMode"]]
        twice = [name for name, machine in machines.items() if machine["Counters"]["PowerActions"].get("reboot", 0) > 1]
        # The cap: the most machines in maintenance mode at once, less the administrators' and those a kill left in
        # maintenance mode without the tag (which the run after it takes for an administrator's).
        cap = int(self.variables_values(case)["reboot_idle_machines_max_unavailable"])
        out_of_service = state["totals"]["most_in_maintenance"] - len(admin) - len(left_by_kill)
        over_cap = case.playbook == ROLE_PLAYBOOK and max(out_of_service, 0) > cap
        self.figures["rebooted_twice"] += len(twice)
        self.figures["over_cap"] += int(over_cap)
        self.figures["lifted_pending"] += state["totals"]["lifted_with_action_pending"]
        self.figures["cases"] += 1
        self.figures["faults"] += injected
        self.figures["sessions_lost"] += state["totals"]["sessions_lost"]
        self.figures["fences_left"] += len(fences)
        self.figures["admin_lifted"] += len(lifted)
        # Drain mode: an active session is never logged off (no case asks for logoff all); a machine that still has
        # a session is never rebooted.
        ended = [session for session in sim.control("GET", "sessions")["ended"] if session["EndedBy"] == "api"]
        active_logged_off = [s["User"] for s in ended if s["State"] != "Disconnected"]
        self.figures["active_logged_off"] += len(active_logged_off)
        self.figures["stale_logged_off"] += len(ended) - len(active_logged_off)
        busy_rebooted = [name for name, machine in machines.items() if machine["SessionCount"]
                         and machine["Counters"]["PowerActions"].get("reboot")]
        self.figures["drain_busy_rebooted"] += len(busy_rebooted)
        report = None
        if case.playbook == ROLE_PLAYBOOK and os.path.exists(self.variables_report(case)):
            with open(self.variables_report(case)) as handle:
                report = json.load(handle)
            # Faults, kills and other runs stop no run: its summary names no error.
            self.figures["role_runs_stopped"] += 1 if report["errors"] else 0
        if case.kind.startswith("5xx") and report is not None:
            # The counts: the summary's lists name at most reboot_idle_machines_list_limit machines.
            self.figures["transient_rebooted"] += report["counts"]["rebooted"]
            self.figures["transient_candidates"] += report["counts"]["rebooted"] + report["counts"]["failed"]
        print("%-28s %-22s faults %3d  %s%s%s" % (
            case.name, case.kind, injected, note,
            "; fences left: %s" % ", ".join(fences) if fences else "",
            "; admin maintenance lifted: %s" % ", ".join(lifted) if lifted else "") +
            ("; rebooted twice: %s" % ", ".join(twice) if twice else "") + ("; over the cap" if over_cap else "") +
            ("; left in maintenance mode by the kill: %s" % ", ".join(left_by_kill) if left_by_kill else "") +
            ("; active sessions logged off: %s" % ", ".join(active_logged_off) if active_logged_off else "") +
            ("; rebooted with a session: %s" % ", ".join(busy_rebooted) if busy_rebooted else "") +
            ("; NOT REPORTED by the next run: %s" % ", ".join(unreported) if unreported else ""),
            flush=True)


def count_secrets(suites):
    """Occurrences of every secret in every output of the suites: the client secret, the domain user's password,
    each bearer token, the PCE secret, and the passwords and Basic credentials in base64; returns how many secrets
    were looked for."""
    encoded = [base64.b64encode(text.encode()).decode() for text in (
        PCE_SECRET, "%s:%s" % (PCE_KEY, PCE_SECRET), DOMAIN_PASSWORD, "%s:%s" % (DOMAIN_USER, DOMAIN_PASSWORD))]
    tokens = set().union(*(suite.tokens for suite in suites))
    secrets = [CLIENT_SECRET, PCE_SECRET, DOMAIN_PASSWORD] + encoded + sorted(tokens)
    found = sum(output.count(secret) for suite in suites for output in suite.outputs for secret in secrets)
    return found, len(secrets)


def run_all(selected, jobs, work, site_kind, ansible_playbook):
    """Run the cases on `jobs` simulators at a time (each case on one of them, its runs one after the other); returns
    the suites, one per simulator. The cases mostly wait on the simulator's clock, so they share the CPU well."""
    pending = queue.Queue()
    for case in selected:
        pending.put(case)
    sims = [Simulator(work, site_kind, "simulator-%d" % (number + 1)) for number in range(max(min(jobs, len(selected)), 1))]
    suites = [Suite(sim, work, ansible_playbook) for sim in sims]
    errors = []

    def worker(suite):
        while True:
            try:
                case = pending.get_nowait()
            except queue.Empty:
                return
            try:
                suite.run(case)
            except Exception as error:  # pylint: disable=broad-except
                errors.append("%s: %s: %s" % (case.name, type(error).__name__, error))

    threads = [threading.Thread(target=worker, args=(suite,)) for suite in suites]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for sim in sims:
            sim.stop()
    if errors:
        raise SystemExit("faults: a case could not run: %s" % "; ".join(errors))
    return suites


def cases(bounded, seed):
    """The cases: every kind of fault once when bounded (make test), more seeds and every kill point otherwise."""
    expiry = [{"path_regex": "^/cvad/manage/", "count": 6, "action": "expire_tokens"},
              {"path_regex": "^/cvad/manage/Jobs/", "count": 2, "action": "expire_tokens"}]
    storm = {"rate_limit": {"per_second": 4, "retry_after": 1}, "path_regex": "^/cvad/manage/"}
    result = [
        Case("role-5xx-resets-%d" % seed, "5xx+resets (role)", faults=dict(TRANSIENT, seed=seed)),
        Case("role-429-storm-token-expiry", "429 storm+token expiry", faults=storm, triggers=expiry),
        Case("modules-slow-past-timeout", "slow past timeout", playbook=MODULES_PLAYBOOK,
             faults={"slow": {"share": 0.2, "delay_ms": 3000, "when": "after"}, "path_regex": "^/cvad/manage/",
                     "seed": seed}, extra={"fault_timeout": 2}),
        Case("role-failed-and-hung-jobs", "failed+never-ending jobs", extra={"reboot_idle_machines_wait_timeout": 10},
             jobs={"fail": {"types": ["RebootMachines"], "machines": [IDLE[0]]},
                   "hang": {"types": ["RebootMachines"], "machines": [IDLE[1]]}}),
        Case("role-log-on-races", "log-on races", extra={"reboot_idle_machines_wait_timeout": 10}, triggers=[
            # Right after the read that admits the machine, before its fence: the check behind the fence sees it.
            {"machine": IDLE[0], "count": 1, "action": "add_session"},
            # Right after the check behind the fence (the 2nd search: the 1st looks for fences in the scope), and
            # after the first wait read: the fence refuses the log-on.
            {"method": "POST", "path_regex": r"/Machines/\$search$", "count": 2, "action": "add_session",
             "machine": IDLE[1]},
            {"method": "POST", "path_regex": r"/Machines/\$search$", "count": 3, "action": "add_session",
             "machine": IDLE[2]},
            {"method": "POST", "path_regex": r"FLT-004/\$reboot$", "count": 1, "action": "add_session",
             "machine": IDLE[3]}]),
        # Killed once its first fences are up (after the check behind them), then run again.
        Case("role-kill-after-fence-stale", "SIGKILL, stale fence",
             kill_after=nth(is_request("POST", r"/Machines/\$search$"), 2), stale_fence=True),
        # Killed right after the maintenance mode writes of its first fences, before their tags (the simulator holds
        # every later request until the kill): the next run reports them, and touches none.
        Case("role-kill-between-fence-writes", "SIGKILL between writes", kill_after=is_request("PATCH", "/Machines/"),
             triggers=[{"method": "PATCH", "path_regex": "/Machines/[^/]+$", "count": 1, "action": "freeze"}]),
        Case("role-two-runs-overlapping", "two runs at once", overlap_after=is_request("PATCH", "/Machines/"),
             extra={"reboot_idle_machines_lock_timeout": 600}),
        # Drain mode under faults, and killed while warning (then run again: the next run drains and lifts).
        Case("role-drain-5xx-resets-%d" % seed, "drain, 5xx+resets", faults=dict(TRANSIENT, seed=seed), extra=DRAIN),
        Case("role-drain-kill-warning", "drain, SIGKILL warning", extra=DRAIN,
             kill_after=is_request("POST", r"/\$sendMessage$")),
        Case("pce-echoing-gateway", "PCE echo of Basic", playbook=PCE_PLAYBOOK,
             faults={"errors": {"share": 1.0, "statuses": [500]}, "echo_headers": True,
                     "path_regex": "^/api/v2/orgs/1/jobs/"}),
    ]
    if not bounded:
        for number in (seed + 1, seed + 2):
            result.append(Case("role-5xx-resets-%d" % number, "5xx+resets (role)", faults=dict(TRANSIENT, seed=number)))
        for number in (seed, seed + 1):
            result.append(Case("modules-5xx-resets-%d" % number, "5xx+resets (modules)", playbook=MODULES_PLAYBOOK,
                               faults=dict(TRANSIENT, seed=number)))
        result += [
            Case("role-429-storm", "429 storm, retryDelay", faults=storm),
            Case("role-token-expiry", "token expiry mid-run", triggers=expiry),
            Case("role-stale-fence", "stale fence, admin", stale_fence=True),
            Case("role-kill-after-reboot", "SIGKILL after reboot", kill_after=is_request("POST", r"/\$reboot$")),
            Case("role-kill-during-lift", "SIGKILL during lift", kill_after=is_request("DELETE", "/Tags/")),
            Case("role-5xx-and-kill", "5xx+resets, SIGKILL", faults=dict(TRANSIENT, seed=seed),
                 kill_after=is_request("POST", r"/\$reboot$")),
            Case("bad-input", "bad input", playbook=BAD_INPUT_PLAYBOOK),
        ]
    return result


def reported_left_in_maintenance(output, name):
    """Whether a run's output names the machine among those a stopped run left in maintenance mode (the warning of
    rolling_reboot, as printed and, at -vvv, in its JSON result)."""
    return any("marked by the stopped" in line and (name in line or name.replace("\\", "\\\\") in line)
               for line in output.splitlines())


def schedules(count, seed):
    """`count` random schedules (seeded): faults on the DaaS API, maybe a SIGKILL at a random write, an administrator
    putting the busy machine in maintenance mode and a user logging on to an idle one, each after a random number of
    requests."""
    rng = random.Random(seed)
    kill_points = [None, is_request("PATCH", "/Machines/"), is_request("POST", "/Machines/[^/]+/Tags/"),
                   is_request("POST", r"/\$reboot$"), is_request("DELETE", "/Machines/[^/]+/Tags/")]
    result = []
    for number in range(count):
        faults = {"errors": {"share": rng.choice([0.0, 0.03, 0.08]), "statuses": [500, 502, 503, 504]},
                  "drop_share": rng.choice([0.0, 0.02, 0.05]), "path_regex": "^/cvad/manage/", "seed": rng.randrange(1000)}
        triggers = [{"path_regex": "^/cvad/manage/", "count": rng.randrange(3, 40), "action": "maintenance_on",
                     "machine": "DEMOLAB\\FLT-BUSY"},
                    {"machine": rng.choice(IDLE), "count": rng.randrange(1, 4), "action": "add_session"}]
        kill = rng.choice(kill_points)
        # Half the schedules drain (drawn apart, so the draws above stay those of earlier versions): FLT-BUSY's user
        # stays or logs off at a random warning, and the kill may come at a warning.
        drain = random.Random(seed * 7919 + number)
        extra = None
        if drain.random() < 0.5:
            extra = DRAIN
            triggers.append({"machine": "DEMOLAB\\FLT-BUSY", "path_regex": "^/cvad/manage/", "count": drain.randrange(1, 30),
                             "action": "logoff_after_messages", "logoff_after_messages": drain.choice([1, 2, None])})
            if kill is not None and drain.random() < 0.5:
                kill = is_request("POST", r"/\$sendMessage$")
        result.append(Case("schedule-%d-%d" % (seed, number), "random schedule%s" % (", drain" if extra else ""),
                           faults=faults, triggers=triggers, kill_after=kill, extra=extra))
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bounded", action="store_true", help="one case of each kind (make test)")
    parser.add_argument("--site-kind", choices=SITE_KINDS, default="cloud",
                        help="the kind of site the simulator serves: Citrix Cloud (default) or an on-premises "
                        "Delivery Controller")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--schedules", type=int, default=None,
                        help="random schedules of faults, kills and administrator actions (default: 3; 1 with --bounded)")
    parser.add_argument("--schedules-only", action="store_true", help="run only the random schedules")
    parser.add_argument("--case", action="append", metavar="NAME", help="run only this case (again for more)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="cases at a time, each on a simulator of its own (default 1)")
    parser.add_argument("--work-dir", metavar="DIR",
                        help="the folder for the simulator's state and every run's log, emptied first and kept "
                        "(default: a temporary folder, removed when every case passed)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be 1 or more, got %d" % args.jobs)
    if args.schedules is None:
        args.schedules = 1 if args.bounded else 3
    every = ([] if args.schedules_only else cases(args.bounded, args.seed)) + schedules(args.schedules, args.seed)
    if args.site_kind != "cloud":
        # The PCE case talks to an Illumio PCE, the same for every kind of DaaS site: the Cloud run has it.
        every = [case for case in every if case.playbook != PCE_PLAYBOOK]
        print("faults (%s): the PCE case runs in the Cloud run only (no kind of DaaS site changes it)" % args.site_kind)
    selected = [case for case in every if not args.case or case.name in args.case]
    unknown = sorted(set(args.case or ()) - {case.name for case in selected})
    if unknown:
        raise SystemExit("faults: --case: no case named %s; the cases: %s" % (
            ", ".join(unknown), ", ".join(case.name for case in every)))
    ansible_playbook = shutil.which("ansible-playbook")
    if ansible_playbook is None:
        raise SystemExit("faults: ansible-playbook is not on PATH (run through make faults)")
    if args.work_dir:
        work = os.path.abspath(args.work_dir)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
    else:
        work = tempfile.mkdtemp(prefix="citrix-daas-faults-")
    os.environ.setdefault("ANSIBLE_NOCOLOR", "1")
    os.environ["ANSIBLE_FORCE_COLOR"] = "0"
    started = time.monotonic()
    suites = run_all(selected, args.jobs, work, args.site_kind, ansible_playbook)
    figures = dict((key, sum(suite.figures[key] for suite in suites)) for key in suites[0].figures)
    figures["secrets"], checked = count_secrets(suites)
    rows = [
        ("cases", figures["cases"], ""),
        ("faults injected", figures["faults"], ""),
        ("runs ended correctly", "%d / %d" % (figures["runs_correct"], figures["runs"]), "all"),
        ("tracebacks", figures["tracebacks"], 0),
        ("sessions lost", figures["sessions_lost"], 0),
        ("fences left behind", figures["fences_left"], 0),
        ("administrator maintenance lifted", figures["admin_lifted"], 0),
        ("secrets in -vvv output (%d checked)" % checked, figures["secrets"], 0),
        ("machines rebooted by the role under 5xx+resets", "%d / %d" % (
            figures["transient_rebooted"], figures["transient_candidates"]), "all"),
        ("machines rebooted twice", figures["rebooted_twice"], 0),
        ("cases with more machines out of service than max_unavailable", figures["over_cap"], 0),
        ("fences lifted with a power action pending", figures["lifted_pending"], 0),
        ("role runs stopped early by an error", figures["role_runs_stopped"], 0),
        ("runs overlapping another", figures["overlapping_runs"], ""),
        ("machines a kill between two writes left in maintenance mode without the tag, reported by the next run",
         "%d / %d" % (figures["left_by_kill_reported"], figures["left_by_kill"]), "all"),
        ("drain: active sessions logged off", figures["active_logged_off"], 0),
        ("drain: sessions disconnected for more than the age logged off", figures["stale_logged_off"], ""),
        ("machines rebooted that still have a session", figures["drain_busy_rebooted"], 0),
    ]
    if figures["bad_input"]:
        rows.append(("bad-input cases ending in one line", "%d / %d" % (figures["bad_input_clear"], figures["bad_input"]),
                     "all"))
    print("\n| figure | value | target |\n| --- | --- | --- |")
    for label, value, target in rows:
        print("| %s | %s | %s |" % (label, value, target))
    missed = figures["runs_correct"] != figures["runs"] or any(
        figures[key] for key in ("tracebacks", "sessions_lost", "fences_left", "admin_lifted", "secrets", "rebooted_twice",
                                 "over_cap", "lifted_pending", "role_runs_stopped", "active_logged_off",
                                 "drain_busy_rebooted")) or \
        figures["bad_input_clear"] != figures["bad_input"] or figures["transient_rebooted"] != figures["transient_candidates"] \
        or figures["left_by_kill_reported"] != figures["left_by_kill"]
    for problem in (problem for suite in suites for problem in suite.problems):
        print("problem: " + problem)
    kept = missed or args.work_dir
    if not kept:
        shutil.rmtree(work)
    print("\n%s against %d simulator(s) of kind %s in %.0f s; %s" % (
        "bounded run" if args.bounded else "full run", len(suites), args.site_kind, time.monotonic() - started,
        "its logs: %s" % work if kept else "every case passed, its logs removed"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
