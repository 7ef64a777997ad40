"""Fault primitives for the fault suite: slow answers, jobs that fail or never end, request-counted triggers."""

import time

import pytest
import requests

FIN1 = "/Machines/DEMOLAB%7CFIN-001"


def wait_for_log(api, predicate, timeout=20.0):
    """Poll the simulator's request log until an entry satisfies ``predicate``; returns it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [entry for entry in api.control("GET", "requests")["requests"] if predicate(entry)]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError("no such request in the log")


def test_slow_answer_takes_effect_but_answers_late(api):
    api.sign_in()
    api.control("POST", "faults", json={"slow": {"share": 1.0, "delay_ms": 1500}, "path_regex": "/Machines/"})
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.http.patch(api.url + "/cvad/manage" + FIN1, json={"InMaintenanceMode": True}, headers=api.headers(),
                       timeout=0.2)
    wait_for_log(api, lambda entry: entry["method"] == "PATCH" and entry["status"] == 204)
    api.control("DELETE", "faults")
    assert api.get(FIN1)["InMaintenanceMode"] is True


def test_slow_fault_settings_are_checked(api):
    response = api.http.post(api.url + "/_sim/faults", json={"slow": {"share": 2, "delay_ms": 10}})
    assert response.status_code == 400
    response = api.http.post(api.url + "/_sim/faults", json={"slow": {"share": 0.5, "delay_ms": 10, "when": "later"}})
    assert response.status_code == 400


def test_power_job_that_fails_then_one_that_never_ends(api):
    api.control("POST", "jobs/behaviour", json={"fail": {"types": ["RebootMachines"], "machines": ["DEMOLAB\\FIN-001"],
                                                         "error_code": "MachineNotRegistered"}})
    failed = api.wait_job(api.job_id(api.call("POST", FIN1 + "/$reboot", params={"async": "true"})))
    assert (failed["Status"], failed["ErrorCode"]) == ("Failed", "MachineNotRegistered")
    other = api.wait_job(api.job_id(api.call("POST", "/Machines/DEMOLAB%7CFIN-002/$reboot", params={"async": "true"})))
    assert other["Status"] == "Complete"
    api.control("POST", "jobs/behaviour", json={"hang": {"types": ["RebootMachines"]}})
    job_id = api.job_id(api.call("POST", FIN1 + "/$reboot", params={"async": "true"}))
    # Long past any power timing on the 30x clock: still running, the machine still pending.
    assert api.wait_job(job_id, timeout=3)["Status"] == "InProgress"
    assert api.get(FIN1)["PowerActionPending"] is True
    assert api.call("POST", "/Jobs/%s/$cancel" % job_id).json()["Status"] == "Canceled"
    assert api.get(FIN1)["PowerActionPending"] is False
    api.control("DELETE", "jobs/behaviour")
    assert api.wait_job(api.job_id(api.call("POST", FIN1 + "/$reboot", params={"async": "true"})))["Status"] == "Complete"


def test_batch_and_update_jobs_that_never_end_or_fail(api):
    api.control("POST", "jobs/behaviour", json={"hang": {"types": ["Batch"]},
                                                "fail": {"types": ["UpdateMachineCatalogMachine"]}})
    batch = api.job_id(api.call("POST", "/$batch", params={"async": "true"}, json={"Items": []}))
    update = api.job_id(api.call("PATCH", FIN1, params={"async": "true"}, json={"InMaintenanceMode": True}))
    assert api.wait_job(update)["Status"] == "Failed"
    assert api.wait_job(batch, timeout=3)["Status"] == "InProgress"
    never = api.control("POST", "jobs", json={"type": "RebootMachines", "never_ends": True})
    assert api.wait_job(never["Id"], timeout=2)["Status"] == "InProgress"
    response = api.http.post(api.url + "/_sim/jobs/behaviour", json={"hang": {"types": []}})
    assert response.status_code == 400


def test_trigger_expires_tokens_after_nth_matching_request(api):
    api.control("POST", "triggers", json={"method": "GET", "path_regex": r"/Machines$", "count": 2,
                                          "action": "expire_tokens"})
    assert api.call("GET", "/Machines").status_code == 200
    assert api.call("GET", FIN1).status_code == 200
    assert api.call("GET", "/Machines").status_code == 200
    assert api.call("GET", "/Machines").status_code == 401
    api.sign_in()
    assert api.call("GET", "/Machines").status_code == 200
    assert api.control("GET", "triggers")["triggers"][0]["fired"] is True


def test_trigger_logs_a_user_on_when_a_batch_item_fences_the_machine(api):
    api.control("POST", "triggers", json={"method": "PATCH", "path_regex": r"/Machines/DEMOLAB\|FIN-002$",
                                          "action": "add_session", "machine": "DEMOLAB\\FIN-003"})
    token = api.sign_in()
    items = [{"Reference": name, "Method": "PATCH", "RelativeUrl": "/Machines/DEMOLAB%%7C%s" % name,
              "Headers": [{"Name": "Authorization", "Value": "Bearer " + token}], "Body": '{"InMaintenanceMode":true}'}
             for name in ("FIN-002", "FIN-003")]
    codes = {item["Reference"]: item["Code"] for item in api.call("POST", "/$batch", json={"Items": items}).json()["Items"]}
    assert codes == {"FIN-002": 204, "FIN-003": 204}
    # The session arrived after the 1st item, before the 2nd fenced FIN-003.
    assert api.get("/Machines/DEMOLAB%7CFIN-003")["SessionCount"] == 1


def test_trigger_puts_a_machine_in_maintenance_as_an_administrator(api):
    api.control("POST", "triggers", json={"method": "POST", "path_regex": r"/\$reboot$", "count": 1,
                                          "action": "maintenance_on", "machine": "DEMOLAB\\KESTREL"})
    assert api.call("POST", "/Machines/DEMOLAB%7CFIN-002/$reboot", params={"async": "true"}).status_code == 202
    kestrel = api.get("/Machines/DEMOLAB%7CKESTREL")
    assert (kestrel["InMaintenanceMode"], kestrel["MaintenanceModeReason"], kestrel["Tags"]) == \
        (True, "Administrator", ["reboot-ok"])


@pytest.mark.parametrize("trigger, message", [
    ({"path_regex": "(", "action": "expire_tokens"}, "regular expression"),
    ({"path_regex": "/Machines", "action": "add_session"}, "needs a machine"),
    ({"action": "expire_tokens"}, "path_regex or a machine"),
    ({"path_regex": "/Machines", "action": "reboot"}, "action must be"),
    ({"machine": "DEMOLAB\\NOPE"}, "not found"),
    ({"machine": "DEMOLAB\\FIN-001", "count": 0}, "count"),
])
def test_bad_trigger_is_400(api, trigger, message):
    response = api.http.post(api.url + "/_sim/triggers", json=trigger)
    assert response.status_code == 400 and message in response.json()["error"]


def test_options_are_checked(api):
    for body in ({"batch_status": 500}, {"repeat_filtered_token": "yes"}, {"nope": 1}):
        assert api.http.post(api.url + "/_sim/options", json=body).status_code == 400
    assert api.control("GET", "options") == {"batch_status": None, "session_search_status": None,
                                             "repeat_filtered_token": False}


def test_issued_tokens_are_listed(api):
    api.sign_in()
    tokens = api.control("GET", "tokens")["tokens"]
    assert len(tokens) == 1 and api.headers()["Authorization"].endswith(tokens[0])


def test_an_echoing_gateway_error_carries_the_request_headers(api):
    api.sign_in()
    api.control("POST", "faults", json={"errors": {"share": 1.0, "statuses": [502]}, "echo_headers": True,
                                        "path_regex": "/Machines/"})
    response = api.http.get(api.url + "/cvad/manage" + FIN1, headers=api.headers())
    assert response.status_code == 502 and response.headers["Content-Type"].startswith("text/html")
    assert "Authorization: " + api.headers()["Authorization"] in response.text
    assert api.control("GET", "faults")["injected"] == {"502": 1}
