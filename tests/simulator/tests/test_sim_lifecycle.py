"""Machine life cycle on the simulated clock, power jobs, sessions lost, triggers and scripted jobs."""

import os
import re
import time

import yaml

SCENARIOS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scenarios")

RAW_TIME = re.compile(r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M$")


def _observe(api, path, job_id):
    """Poll a machine until its job ends; returns the distinct (power, registration, pending) states seen."""
    seen = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        machine = api.get(path)
        state = (machine["PowerState"], machine["RegistrationState"], machine["PowerActionPending"])
        if not seen or seen[-1] != state:
            seen.append(state)
        if api.get("/Jobs/%s" % job_id)["Status"] not in ("NotStarted", "InProgress"):
            break
        time.sleep(0.03)
    return seen


def test_reboot_life_cycle(api):
    path = "/Machines/DEMOLAB%7CFIN-001"
    job_id = api.job_id(api.call("POST", path + "/$reboot", params={"async": "true"}))
    seen = _observe(api, path, job_id)
    job = api.get("/Jobs/%s" % job_id)
    assert (job["Status"], job["Type"], job["OverallProgressPercent"]) == ("Complete", "RebootMachines", 100)
    assert {"Name": "Name", "Value": "DEMOLAB\\FIN-001"} in job["Parameters"]
    powers = [state[0] for state in seen]
    assert powers[0] == "On" and seen[0][2] is True
    for expected in ("TurningOff", "Off", "TurningOn"):
        assert expected in powers
    assert powers.index("TurningOff") < powers.index("Off") < powers.index("TurningOn")
    assert ("On", "Unregistered", False) in seen
    machine = api.get(path)
    assert (machine["PowerState"], machine["RegistrationState"], machine["PowerActionPending"]) == ("On", "Registered", False)
    assert RAW_TIME.match(machine["LastDeregistrationTime"])
    assert machine["FormattedLastDeregistrationTime"] >= job["FormattedCreationTime"]
    assert api.machine_state("DEMOLAB\\FIN-001")["Counters"] == {"SessionsLost": 0, "PowerActions": {"reboot": 1}}
    results = api.call("GET", "/Jobs/%s/Results" % job_id, allow_redirects=False)
    assert results.status_code == 303
    assert results.headers["Location"] == api.url + "/cvad/manage/Machines/%s" % machine["Id"]


def test_sync_power_action_returns_machine(api):
    # Reboots that stay pending for an hour of simulated time: the reboot is still pending when the start comes,
    # however slow the machine running the test.
    with open(os.path.join(SCENARIOS, "integration.yml"), encoding="utf-8") as handle:
        scenario = yaml.safe_load(handle)
    scenario["power_timings"]["pending"] = 3600
    api.control("POST", "reset", json={"scenario": scenario})
    response = api.call("POST", "/Machines/DEMOLAB%7CFIN-002/$reboot")
    assert response.status_code == 200
    body = response.json()
    assert body["PowerActionPending"] is True and "SessionsPending" in body
    basic = api.call("POST", "/Machines/DEMOLAB%7CFIN-003/$shutdown", params={"detailResponseRequired": "false"}).json()
    assert "SessionsPending" not in basic
    busy = api.call("POST", "/Machines/DEMOLAB%7CFIN-002/$reboot")
    assert busy.status_code == 409
    # The rejected second reboot is not an accepted power action.
    assert api.machine_state("DEMOLAB\\FIN-002")["Counters"]["PowerActions"] == {"reboot": 1}
    job = api.wait_job(api.job_id(api.call("POST", "/Machines/DEMOLAB%7CFIN-002/$start", params={"async": "true"})))
    assert (job["Status"], job["ErrorCode"]) == ("Failed", "PowerActionInProgress")


def test_forced_reboot_loses_sessions(api):
    path = "/Machines/DEMOLAB%7CFIN-004"
    job_id = api.job_id(api.call("POST", path + "/$reboot", params={"async": "true", "force": "true"}))
    assert api.wait_job(job_id)["Status"] == "Complete"
    assert api.get(path)["SessionCount"] == 0
    assert api.machine_state("DEMOLAB\\FIN-004")["Counters"]["SessionsLost"] == 1
    totals = api.control("GET", "state")["totals"]
    assert totals["sessions_lost"] == 1 and totals["power_actions"] == 1


def test_non_forced_reboot_waits_for_users(api):
    path = "/Machines/DEMOLAB%7COSPREY"
    job_id = api.job_id(api.call("POST", path + "/$reboot", params={"async": "true"}))
    time.sleep(60 / api.time_scale)
    job = api.get("/Jobs/%s" % job_id)
    assert (job["Status"], job["IsCancellable"]) == ("InProgress", True)
    machine = api.get(path)
    assert (machine["PowerState"], machine["PowerActionPending"], machine["SessionCount"]) == ("On", True, 2)
    api.control("DELETE", "machines/DEMOLAB%7COSPREY/sessions")
    assert api.wait_job(job_id)["Status"] == "Complete"
    assert api.machine_state("DEMOLAB\\OSPREY")["Counters"]["SessionsLost"] == 0


def test_cancel_and_delete_jobs(api):
    path = "/Machines/DEMOLAB%7COSPREY"
    job_id = api.job_id(api.call("POST", path + "/$reboot", params={"async": "true"}))
    assert api.call("DELETE", "/Jobs/%s" % job_id).status_code == 409
    canceled = api.call("POST", "/Jobs/%s/$cancel" % job_id).json()
    assert canceled["Status"] == "Canceled"
    assert api.get(path)["PowerActionPending"] is False
    assert api.call("DELETE", "/Jobs/%s" % job_id).status_code == 204
    assert api.call("GET", "/Jobs/%s" % job_id).status_code == 404
    scripted = api.control("POST", "jobs", json={"duration_seconds": 600, "cancellable": False})
    assert api.call("POST", "/Jobs/%s/$cancel" % scripted["Id"]).status_code == 409


def test_failing_reboot(api):
    path = "/Machines/DEMOLAB%7CFIN-009"
    job = api.wait_job(api.job_id(api.call("POST", path + "/$reboot", params={"async": "true"})))
    assert job["Status"] == "Failed"
    assert job["ErrorCode"] == "PowerActionsNotSupported"
    assert "DEMOLAB\\FIN-009" in job["ErrorString"]
    assert job["ErrorParameters"][0]["Name"] == "ErrorDetails"
    machine = api.get(path)
    assert (machine["PowerState"], machine["RegistrationState"]) == ("On", "Registered")
    assert machine["FailureReason"]
    assert api.call("GET", "/Jobs/%s/Results" % job["Id"]).status_code == 400


def test_start_shutdown_suspend_resume(api):
    off = "/Machines/DEMOLAB%7CFIN-007"
    assert api.wait_job(api.job_id(api.call("POST", off + "/$reboot", params={"async": "true"})))["ErrorCode"] == \
        "PowerActionIgnored"
    assert api.wait_job(api.job_id(api.call("POST", off + "/$start", params={"async": "true"})))["Status"] == "Complete"
    assert api.get(off)["SummaryState"] == "Available"
    job = api.job_id(api.call("POST", off + "/$shutdown", params={"async": "true", "delay": "30"}))
    time.sleep(20 / api.time_scale)
    assert api.get(off)["PowerState"] == "On"
    assert api.wait_job(job)["Status"] == "Complete"
    assert api.get(off)["PowerState"] == "Off"
    path = "/Machines/DEMOLAB%7CFIN-002"
    assert api.wait_job(api.job_id(api.call("POST", path + "/$suspend", params={"async": "true"})))["Status"] == "Complete"
    suspended = api.get(path)
    assert (suspended["PowerState"], suspended["LastDeregistrationReason"]) == ("Suspended", "AgentSuspended")
    assert api.wait_job(api.job_id(api.call("POST", path + "/$resume", params={"async": "true"})))["Status"] == "Complete"
    assert api.get(path)["RegistrationState"] == "Registered"
    on_start = api.wait_job(api.job_id(api.call("POST", path + "/$start", params={"async": "true"})))
    assert on_start["Status"] == "Complete"


def test_trigger_adds_session_after_nth_get(api):
    api.control("POST", "triggers", json={"machine": "DEMOLAB\\FIN-002", "method": "GET", "count": 2,
                                          "action": "add_session"})
    assert api.get("/Machines/DEMOLAB%7CFIN-002")["SessionCount"] == 0
    machine_id = api.get("/Machines/DEMOLAB%7CFIN-003")["Id"]
    assert machine_id
    fin2 = api.control("GET", "state")["machines"]
    fin2_id = next(entry["Id"] for entry in fin2 if entry["Name"] == "DEMOLAB\\FIN-002")
    assert api.get("/Machines/%s" % fin2_id)["SessionCount"] == 0
    assert api.get("/Machines/DEMOLAB%7CFIN-002")["SessionCount"] == 1
    assert api.control("GET", "triggers")["triggers"][0]["fired"] is True
    api.control("DELETE", "triggers")
    assert api.control("GET", "triggers")["triggers"] == []


def test_control_sessions(api):
    added = api.control("POST", "machines/DEMOLAB%7CFIN-001/sessions", json={"user": "DEMOLAB\\zoe"})
    assert added["SessionCount"] == 1
    sessions = api.get("/Machines/DEMOLAB%7CFIN-001/Sessions")["Items"]
    assert sessions[0]["User"]["SamName"] == "DEMOLAB\\zoe"
    response = api.http.post(api.url + "/_sim/machines/DEMOLAB%7CFIN-007/sessions", json={})
    assert response.status_code == 409
    assert api.control("DELETE", "machines/DEMOLAB%7CFIN-001/sessions")["ended"] == 1


def test_scripted_jobs(api):
    outcomes = {}
    for outcome in ("Complete", "CompleteWithWarning", "Failed", "Canceled"):
        job = api.control("POST", "jobs", json={"type": "RebootMachines", "duration_seconds": 6, "outcome": outcome,
                                                "results": {"done": True}})
        outcomes[outcome] = job["Id"]
    first = api.get("/Jobs/%s" % outcomes["Complete"])
    assert first["Status"] in ("NotStarted", "InProgress")
    for outcome, job_id in outcomes.items():
        assert api.wait_job(job_id)["Status"] == outcome
    assert api.get("/Jobs/%s/Results" % outcomes["Complete"]) == {"done": True}
    assert api.get("/Jobs/%s" % outcomes["Failed"])["ErrorCode"] == "UnknownError"
