"""Faults, token expiry and the request log."""

import json
import time

import pytest
import requests


def test_rate_limit(api):
    api.control("POST", "faults", json={"rate_limit": {"per_second": 2, "retry_after": 2}})
    started = time.monotonic()
    statuses = [api.call("GET", "/me", site=False) for _attempt in range(15)]
    elapsed = time.monotonic() - started
    limited = [response for response in statuses if response.status_code == 429]
    # At most 2 answers in any second, however long the 15 calls took.
    assert limited and len(statuses) - len(limited) <= 2 * (int(elapsed) + 1)
    # Citrix sends the wait only in the body (API.md 2.3): no Retry-After header unless asked for.
    assert "Retry-After" not in limited[0].headers
    assert limited[0].json()["parameters"] == [{"name": "retryDelay", "value": "2"}]
    api.control("DELETE", "faults")
    assert api.call("GET", "/me", site=False).status_code == 200


def test_rate_limit_with_retry_after_header(api):
    api.control("POST", "faults", json={"rate_limit": {"per_second": 1, "retry_after": 3, "header": True}})
    limited = [response for response in (api.call("GET", "/me", site=False) for _attempt in range(10))
               if response.status_code == 429]
    assert limited and all(response.headers["Retry-After"] == "3" for response in limited)


def test_error_share_and_path_regex(api):
    api.control("POST", "faults", json={"errors": {"share": 1.0, "statuses": [503]}, "path_regex": "/Machines"})
    response = api.call("GET", "/Machines", headers=api.headers(**{"Citrix-TransactionId": "tx-fault-1"}))
    assert response.status_code == 503
    assert response.headers["Citrix-TransactionId"] == "tx-fault-1"
    assert response.json()["type"] == "https://errors-api.cloud.com/common/serviceUnavailable"
    assert api.call("GET", "/me", site=False).status_code == 200
    api.control("POST", "faults", json={"errors": {"share": 0.5, "statuses": [500, 502]}, "seed": 7})
    statuses = {api.call("GET", "/me", site=False).status_code for _attempt in range(30)}
    assert statuses == {200, 500, 502}


def test_dropped_connections(api):
    api.control("POST", "faults", json={"drop_share": 1.0, "path_regex": "/Machines"})
    with pytest.raises(requests.exceptions.ConnectionError):
        api.call("GET", "/Machines")
    log = api.control("GET", "requests")["requests"]
    assert log[-1]["path"] == "/cvad/manage/Machines" and log[-1]["status"] is None
    api.control("DELETE", "faults")
    assert api.call("GET", "/Machines").status_code == 200


def test_latency(api):
    api.sign_in()
    api.control("POST", "faults", json={"latency_ms": 300})
    api.control("DELETE", "requests")
    started = time.monotonic()
    assert api.call("GET", "/me", site=False).status_code == 200
    elapsed = time.monotonic() - started
    assert elapsed >= 0.3
    # The log tells the simulator's own work on the request apart from the latency it added.
    [entry] = api.control("GET", "requests")["requests"]
    assert 0 <= entry["work_s"] <= elapsed - 0.3


def test_token_expiry(api):
    assert api.call("GET", "/me", site=False).status_code == 200
    api.control("POST", "tokens/expire")
    response = api.call("GET", "/me", site=False)
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing or invalid authentication details", "parameters": {"reason": "invalid"},
                               "type": "https://errors-api.cloud.com/common/authentication"}
    api.sign_in()
    assert api.call("GET", "/me", site=False).status_code == 200


def test_request_log_masks_secrets(api):
    api.control("DELETE", "requests")
    api.sign_in()
    api.http.post(api.url + "/cctrustoauth2/root/tokens/clients", params={"client_secret": api.client_secret},
                  data={"grant_type": "client_credentials", "client_id": api.client_id, "client_secret": api.client_secret})
    api.call("GET", "/Machines", params={"limit": 2})
    api.call("PATCH", "/Machines/DEMOLAB%7CFIN-001", json={"InMaintenanceMode": True})
    api.http.get(api.url + "/api/v2/orgs/1/labels", auth=api.pce_auth)
    log = api.control("GET", "requests")["requests"]
    dumped = json.dumps(log)
    assert api.client_secret not in dumped and api.token not in dumped and api.pce_auth[1] not in dumped
    assert [entry["method"] for entry in log] == ["POST", "POST", "GET", "PATCH", "GET"]
    assert log[1]["query"] == {"client_secret": "***"}
    assert log[2]["query"] == {"limit": "2"} and log[2]["status"] == 200
    assert set(log[0]) >= {"seq", "method", "path", "query", "status", "time"}
    assert [entry["seq"] for entry in api.control("GET", "requests", params={"since": log[2]["seq"]})["requests"]] == \
        [log[3]["seq"], log[4]["seq"]]
    totals = api.control("GET", "state")["totals"]
    assert totals["token_requests"] == 2 and totals["mutating_requests"] == 1
    api.control("DELETE", "requests")
    assert api.control("GET", "requests")["requests"] == []
