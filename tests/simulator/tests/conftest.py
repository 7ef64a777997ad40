"""Fixtures: one simulator process per test module, reset before each test, and an API client for it;
``launch_simulator`` starts more with other options."""

import time

import pytest
import requests

from tests.simulator.fixtures import launch_simulator, simulator_fixture  # noqa: F401 pylint: disable=unused-import

CUSTOMER_ID = "democustomer"
CLIENT_ID = "0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b"
CLIENT_SECRET = "sim-client-secret-3f9a7c"
PCE_AUTH = ("api_1a2b3c4d5e", "pce-secret-8d7c6b")
SITE_ID = "70360961-e0f1-4ce9-9371-d590efb5c04f"
TIME_SCALE = 30.0


class Api:
    """A small DaaS client for tests: signs in and sends the headers the API wants."""

    customer_id = CUSTOMER_ID
    client_id = CLIENT_ID
    client_secret = CLIENT_SECRET
    site_id = SITE_ID
    pce_auth = PCE_AUTH
    time_scale = TIME_SCALE

    def __init__(self, url, verify=True):
        self.url = url
        self.http = requests.Session()
        self.http.verify = verify
        self.token = None

    def control(self, method, path, **kwargs):
        """Call a ``/_sim/`` endpoint and return the parsed JSON."""
        response = self.http.request(method, self.url + "/_sim/" + path, timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def sign_in(self):
        """Get a token with the scenario's credentials."""
        response = self.http.post(self.url + "/cctrustoauth2/root/tokens/clients", timeout=30, data={
            "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
        response.raise_for_status()
        self.token = response.json()["access_token"]
        return self.token

    def headers(self, site=True, **extra):
        """The headers of a DaaS call."""
        headers = {"Authorization": "CwsAuth Bearer=%s" % (self.token or self.sign_in()), "Accept": "application/json",
                   "Citrix-CustomerId": CUSTOMER_ID}
        if site:
            headers["Citrix-InstanceId"] = SITE_ID
        headers.update(extra)
        return headers

    def call(self, method, path, params=None, json=None, headers=None, site=True, **kwargs):
        """``/cvad/manage{path}``; returns the response."""
        return self.http.request(method, self.url + "/cvad/manage" + path, params=params, json=json,
                                 headers=headers or self.headers(site=site), timeout=30, **kwargs)

    def get(self, path, params=None, **kwargs):
        """GET that must succeed; returns the JSON body."""
        response = self.call("GET", path, params=params, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def job_id(self, response):
        """Job id from a 202 answer."""
        assert response.status_code == 202, response.text
        return response.headers["Location"].rsplit("/", 1)[1]

    def wait_job(self, job_id, timeout=20.0):
        """Poll a job until it ends; returns the last body."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get("/Jobs/%s" % job_id)
            if job["Status"] not in ("NotStarted", "InProgress", "Unknown") or time.monotonic() > deadline:
                return job
            time.sleep(0.1)

    @staticmethod
    def quote(name):
        """``DOMAIN\\NAME`` -> ``DOMAIN%7CNAME`` for paths."""
        return name.replace("\\", "%7C")

    def machine_state(self, name):
        """The ``/_sim/state`` entry of a machine."""
        return next(entry for entry in self.control("GET", "state")["machines"] if entry["Name"] == name)


simulator = simulator_fixture(scope="module", scenario="paging", time_scale=TIME_SCALE)


@pytest.fixture()
def api(simulator):  # pylint: disable=redefined-outer-name
    """A client of a freshly reset simulator (the paging scenario: the integration site and a catalog of 2,500)."""
    client = Api(simulator.url)
    client.control("POST", "reset", json={"scenario": "paging"})
    return client
