"""The freeze trigger: once it fires, requests wait unserved; deleting the triggers drops them, as if never sent."""

import time

import pytest
import requests

FIN1 = "/Machines/DEMOLAB%7CFIN-001"
FIN2 = "/Machines/DEMOLAB%7CFIN-002"


def held(api):
    return api.control("GET", "triggers")["held"]


def test_requests_after_a_freeze_are_never_served_and_later_ones_are(api):
    api.sign_in()
    api.control("POST", "triggers", json={"method": "PATCH", "path_regex": "/Machines/", "count": 1, "action": "freeze"})
    assert api.call("PATCH", FIN1, json={"InMaintenanceMode": True}).status_code in (200, 204)  # fires it, served
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.http.patch(api.url + "/cvad/manage" + FIN2, json={"InMaintenanceMode": True}, headers=api.headers(),
                       timeout=0.5)
    deadline = time.monotonic() + 20
    while held(api) != 1:
        assert time.monotonic() < deadline, "the second write never reached the simulator"
        time.sleep(0.05)
    api.control("DELETE", "triggers")
    assert held(api) == 0
    assert api.get(FIN1)["InMaintenanceMode"] is True
    assert api.get(FIN2)["InMaintenanceMode"] is False
    dropped = [entry for entry in api.control("GET", "requests")["requests"] if entry["path"].endswith("FIN-002")
               and entry["method"] == "PATCH"]
    assert [entry["status"] for entry in dropped] == [None]
