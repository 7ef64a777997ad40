"""Illumio PCE async jobs: relative and absolute Location, done and failed, list and delete."""

import time

import requests

BASE = "/api/v2"


def _poll(api, location, timeout=10.0):
    """Follow a Location (relative to /api/v2 or absolute) until the job ends; returns the bodies seen."""
    url = location if location.startswith("http") else api.url + BASE + location
    bodies = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = api.http.get(url, auth=api.pce_auth, headers={"Accept": "application/json"}).json()
        bodies.append(body)
        if body["status"] in ("done", "failed"):
            break
        time.sleep(0.02)
    return bodies


def test_sync_collection_and_auth(api):
    response = api.http.get(api.url + BASE + "/orgs/1/labels", auth=api.pce_auth)
    assert response.status_code == 200 and response.json()[0]["href"].startswith("/orgs/1/labels/")
    assert api.http.get(api.url + BASE + "/orgs/1/labels", auth=("api_1a2b3c4d5e", "wrong")).status_code == 401
    assert requests.get(api.url + BASE + "/orgs/1/labels", timeout=10).status_code == 401


def test_async_job_relative_location(api):
    api.control("POST", "pce/options", json={"location": "relative", "job_seconds": 30, "retry_after": 1})
    response = api.http.get(api.url + BASE + "/orgs/1/labels", auth=api.pce_auth,
                            headers={"Prefer": "respond-async", "Accept": "application/json"}, params={"key": "env"})
    assert response.status_code == 202 and response.content == b""
    assert response.headers["Retry-After"] == "1"
    location = response.headers["Location"]
    assert location.startswith("/orgs/1/jobs/")
    bodies = _poll(api, location)
    statuses = [body["status"] for body in bodies]
    assert statuses[0] in ("pending", "running") and "running" in statuses and statuses[-1] == "done"
    done = bodies[-1]
    assert done["job_type"] == ":illumio/async_requests" and done["description"] == "/orgs/1/labels?key=env"
    assert done["terminated_at"] and done["requested_by"] == {"href": "/users/1"}
    data = api.http.get(api.url + BASE + done["result"]["href"], auth=api.pce_auth)
    assert data.status_code == 200 and isinstance(data.json(), list)
    jobs = api.http.get(api.url + BASE + "/orgs/1/jobs", auth=api.pce_auth, params={"max_results": 5}).json()
    assert [job["href"] for job in jobs] == [location]
    assert api.http.delete(api.url + BASE + location, auth=api.pce_auth).status_code == 204
    assert api.http.get(api.url + BASE + location, auth=api.pce_auth).status_code == 404


def test_async_job_absolute_location_failed(api):
    api.control("POST", "pce/options", json={"location": "absolute", "outcome": "failed", "job_seconds": 15})
    response = api.http.get(api.url + BASE + "/orgs/1/workloads", auth=api.pce_auth, headers={"Prefer": "respond-async"})
    location = response.headers["Location"]
    assert location.startswith(api.url + BASE + "/orgs/1/jobs/")
    failed = _poll(api, location)[-1]
    assert failed["status"] == "failed" and failed["result"]["message"]
