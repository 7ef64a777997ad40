# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from unittest import mock
from urllib.parse import parse_qs

import pytest
import requests
from urllib3.connection import HTTPConnection
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError, ProtocolError

from ansible_collections.citrix_cloud.daas.plugins.module_utils import _http
from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import BatchRequest, DaaSClient
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    DaaSError,
    parse_retry_after,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._jobs import AsyncJob
from ansible_collections.citrix_cloud.daas.plugins.module_utils._pce import PCEClient
from ansible_collections.citrix_cloud.daas.plugins.module_utils._version import COLLECTION_VERSION

API = "http://sim.test"
TOKEN_URL = API + "/cctrustoauth2/democustomer/tokens/clients"
MANAGE = API + "/cvad/manage"
SECRET = "sim-client-secret-3f9a7c"
TOKEN = "tok-AAAA1111"
TOKEN2 = "tok-BBBB2222"
SITE = "site-1"
CLIENT_ID = "0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b"


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []
        self._lock = threading.Lock()

    def clock(self):
        return self.now

    def sleep(self, seconds):
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def make_client(fake_time):
    def make(**kwargs):
        options = dict(customer_id="democustomer", client_id=CLIENT_ID, client_secret=SECRET, site_id=SITE,
                       api_url=API + "/", auth_url=API, sleep=fake_time.sleep, clock=fake_time.clock)
        options.update(kwargs)
        return DaaSClient(**options)
    return make


def token_json(token=TOKEN, expires_in="3600"):
    return {"token_type": "bearer", "access_token": token, "expires_in": expires_in}


@pytest.fixture
def signed_in(requests_mock):
    # /me lists the site the clients are given (read when a 404 might be the site's).
    requests_mock.get(MANAGE + "/me", json={"Customers": [{"Id": "democustomer", "Sites": [{"Id": SITE, "Name": "Main"}]}]})
    return requests_mock.post(TOKEN_URL, json=token_json())


def query_of(request):
    return parse_qs(request.query, keep_blank_values=True)


# Import guard and constants

def test_requests_import_is_guarded():
    assert HAS_REQUESTS is True
    assert REQUESTS_IMPORT_ERROR is None


# Sign-in

def test_token_request_is_exact(requests_mock, make_client):
    route = requests_mock.post(TOKEN_URL, json=token_json(expires_in="3600"))
    info = make_client().sign_in()
    request = route.last_request
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Accept"] == "application/json"
    assert request.body == "grant_type=client_credentials&client_id=%s&client_secret=%s" % (CLIENT_ID, SECRET)
    assert info["access_token"] == TOKEN
    assert info["token_type"] == "bearer"
    assert info["expires_in"] == 3600
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", info["expires_at"])


def test_expires_in_may_be_a_number(requests_mock, make_client):
    requests_mock.post(TOKEN_URL, json=token_json(expires_in=1800))
    assert make_client().sign_in()["expires_in"] == 1800


def test_sign_in_happens_once_for_many_calls(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/Machines/m1", json={"Id": "m1"})
    client = make_client()
    for _attempt in range(3):
        client.get("/Machines/m1")
    client.sign_in()
    assert signed_in.call_count == 1


def test_sign_in_error_names_the_cause_without_the_secret(requests_mock, make_client):
    requests_mock.post(TOKEN_URL, status_code=400, headers={"X-Cws-TransactionId": "tx-9"},
                       json={"error": "invalid_client", "error_description": "Invalid client id or client secret."})
    with pytest.raises(DaaSError) as caught:
        make_client().sign_in()
    err = caught.value
    assert err.status == 400
    assert err.method == "POST"
    assert err.url == TOKEN_URL
    assert err.api_message == "Invalid client id or client secret."
    assert err.transaction_id == "tx-9"
    assert SECRET not in str(err)


@pytest.mark.parametrize("region, auth_host, api_host", [
    ("us", "https://api-us.cloud.com", "https://api.cloud.com"),
    ("eu", "https://api-eu.cloud.com", "https://api.cloud.com"),
    ("ap-s", "https://api-ap-s.cloud.com", "https://api.cloud.com"),
    ("jp", "https://api.citrixcloud.jp", "https://api.citrixcloud.jp"),
])
def test_region_hosts(requests_mock, region, auth_host, api_host):
    token_route = requests_mock.post(auth_host + "/cctrustoauth2/cust/tokens/clients", json=token_json())
    api_route = requests_mock.get(api_host + "/cvad/manage/Machines/x", json={})
    DaaSClient("cust", client_id="id", client_secret="s", site_id=SITE, region=region).get("/Machines/x")
    assert token_route.called and api_route.called


def test_unknown_region_is_refused():
    with pytest.raises(DaaSError, match="Unknown region 'mars'"):
        DaaSClient("cust", token="t", region="mars")


# Headers

def test_api_call_headers_are_exact(requests_mock, make_client, signed_in):
    route = requests_mock.get(MANAGE + "/Machines/m1", json={"Id": "m1"}, headers={"citrix-transactionid": "echo"})
    client = make_client()
    client.get("/Machines/m1")
    client.get("/Machines/m1")
    first, second = route.request_history
    headers = first.headers
    assert headers["Authorization"] == "CwsAuth Bearer=" + TOKEN
    assert headers["Citrix-CustomerId"] == "democustomer"
    assert headers["Citrix-InstanceId"] == SITE
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"] == "citrix_cloud.daas/" + COLLECTION_VERSION
    assert uuid.UUID(headers["Citrix-TransactionId"]).version == 4
    assert headers["Citrix-TransactionId"] != second.headers["Citrix-TransactionId"]


def test_given_token_is_used_without_sign_in(requests_mock, make_client):
    token_route = requests_mock.post(TOKEN_URL, json=token_json())
    route = requests_mock.get(MANAGE + "/Machines/m1", json={})
    make_client(client_id=None, client_secret=None, token="given-token").get("/Machines/m1")
    assert not token_route.called
    assert route.last_request.headers["Authorization"] == "CwsAuth Bearer=given-token"


def test_no_credentials_at_all_is_a_clear_error(make_client):
    with pytest.raises(DaaSError, match="set client_id and client_secret, or token"):
        make_client(client_id=None, client_secret=None).get("/Machines")


# 401 and token expiry

def test_401_signs_in_once_more_and_repeats(requests_mock, make_client):
    token_route = requests_mock.post(TOKEN_URL, [{"json": token_json(TOKEN)}, {"json": token_json(TOKEN2)}])
    route = requests_mock.get(MANAGE + "/Machines/m1", [
        {"status_code": 401, "json": {"detail": "Missing or invalid authentication details",
                                      "parameters": {"reason": "invalid"}}},
        {"json": {"Id": "m1"}},
    ])
    assert make_client().get("/Machines/m1") == {"Id": "m1"}
    assert token_route.call_count == 2
    assert [r.headers["Authorization"] for r in route.request_history] == ["CwsAuth Bearer=" + TOKEN, "CwsAuth Bearer=" + TOKEN2]


def test_second_401_is_an_error_not_a_loop(requests_mock, make_client):
    token_route = requests_mock.post(TOKEN_URL, [{"json": token_json(TOKEN)}, {"json": token_json(TOKEN2)}])
    requests_mock.get(MANAGE + "/Machines/m1", status_code=401,
                      json={"Error": {"Message": "Missing or invalid CWSAuth header.", "Type": "CWSAuthException"}})
    with pytest.raises(DaaSError) as caught:
        make_client().get("/Machines/m1")
    assert caught.value.status == 401
    assert token_route.call_count == 2
    assert "Missing or invalid CWSAuth header." in str(caught.value)


def test_401_with_a_given_token_only_does_not_sign_in(requests_mock, make_client):
    token_route = requests_mock.post(TOKEN_URL, json=token_json())
    requests_mock.get(MANAGE + "/Machines/m1", status_code=401, json={"detail": "Missing or invalid authentication details"})
    with pytest.raises(DaaSError, match="give a new token, or client_id and client_secret") as caught:
        make_client(client_id=None, client_secret=None, token="old-token").get("/Machines/m1")
    assert not token_route.called
    assert "old-token" not in str(caught.value)


def test_token_near_expiry_is_renewed_before_use(requests_mock, make_client, fake_time):
    token_route = requests_mock.post(TOKEN_URL, [{"json": token_json(TOKEN, "3600")}, {"json": token_json(TOKEN2, "3600")}])
    route = requests_mock.get(MANAGE + "/Machines/m1", json={})
    client = make_client()
    client.get("/Machines/m1")
    fake_time.now += 3000
    client.get("/Machines/m1")
    assert token_route.call_count == 1
    fake_time.now += 550
    client.get("/Machines/m1")
    assert token_route.call_count == 2
    assert route.last_request.headers["Authorization"] == "CwsAuth Bearer=" + TOKEN2


def test_concurrent_threads_sign_in_once(requests_mock, make_client):
    token_route = requests_mock.post(TOKEN_URL, json=token_json())
    requests_mock.get(MANAGE + "/Machines/m1", json={"Id": "m1"})
    client = make_client()
    barrier = threading.Barrier(12)
    results = []

    def work():
        barrier.wait()
        results.append(client.get("/Machines/m1"))

    threads = [threading.Thread(target=work) for _thread_number in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 12
    assert token_route.call_count == 1


# Site discovery

def me_body(*customers):
    return {"UserId": "u", "DisplayName": "Admin", "ExpiryTime": "", "RefreshExpirationTime": "", "Customers": list(customers)}


def test_site_is_discovered_once_through_me(requests_mock, make_client, signed_in):
    me = requests_mock.get(MANAGE + "/me", json=me_body({"Id": "democustomer", "Sites": [{"Id": "s-42", "Name": "Main"}]}))
    route = requests_mock.get(MANAGE + "/Machines", json={"Items": []})
    client = make_client(site_id=None)
    client.get("/Machines")
    client.get("/Machines")
    assert client.site_id == "s-42"
    assert me.call_count == 1
    assert "Citrix-InstanceId" not in me.last_request.headers
    assert me.last_request.headers["Citrix-CustomerId"] == "democustomer"
    assert route.last_request.headers["Citrix-InstanceId"] == "s-42"


def test_no_site_is_a_clear_error(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/me", json=me_body({"Id": "democustomer", "Sites": []}))
    with pytest.raises(DaaSError, match="has no DaaS site"):
        make_client(site_id=None).get("/Machines")


def test_several_sites_are_listed_with_advice(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/me", json=me_body({"Id": "democustomer", "Sites": [
        {"Id": "s-1", "Name": "East"}, {"Id": "s-2", "Name": "West"}]}))
    with pytest.raises(DaaSError) as caught:
        make_client(site_id=None).get("/Machines")
    text = str(caught.value)
    assert "s-1 (East)" in text and "s-2 (West)" in text and "set site_id" in text


# Retries

def test_parse_retry_after_forms():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(" 7 ") == 7.0
    assert parse_retry_after("Sun, 06 Nov 1994 08:49:42 GMT", "Sun, 06 Nov 1994 08:49:37 GMT") == 5.0
    assert parse_retry_after("Sun, 06 Nov 1994 08:49:30 GMT", "Sun, 06 Nov 1994 08:49:37 GMT") == 0.0
    assert parse_retry_after("1994-11-06T08:49:40Z", "Sun, 06 Nov 1994 08:49:37 GMT") == 3.0
    assert parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now=784111777.0) == 10.0
    for unusable in (None, "", "soon", "-3"):
        assert parse_retry_after(unusable) is None


def test_429_with_retry_after_seconds(requests_mock, make_client, signed_in, fake_time):
    route = requests_mock.get(MANAGE + "/Machines", [
        {"status_code": 429, "headers": {"Retry-After": "2"}, "json": {"detail": "Rate limit exceeded"}},
        {"json": {"Items": []}},
    ])
    assert make_client().get("/Machines") == {"Items": []}
    assert route.call_count == 2
    assert fake_time.sleeps == [2.0]


def test_429_with_retry_after_http_date(requests_mock, make_client, signed_in, fake_time):
    requests_mock.get(MANAGE + "/Machines", [
        {"status_code": 429, "headers": {"Retry-After": "Wed, 21 Oct 2026 07:28:05 GMT",
                                         "Date": "Wed, 21 Oct 2026 07:28:00 GMT"}},
        {"json": {"Items": []}},
    ])
    make_client().get("/Machines")
    assert fake_time.sleeps == [5.0]


def test_429_without_header_uses_the_body_retry_delay(requests_mock, make_client, signed_in, fake_time):
    requests_mock.get(MANAGE + "/Machines", [
        {"status_code": 429, "json": {"type": "https://errors-api.cloud.com/common/rateLimitExceeded",
                                      "detail": "Rate limit exceeded; try again in 4 seconds",
                                      "parameters": [{"name": "retryDelay", "value": "4"}]}},
        {"json": {"Items": []}},
    ])
    make_client().get("/Machines")
    assert fake_time.sleeps == [4.0]


def test_429_pauses_every_thread_of_the_client(requests_mock, make_client, signed_in, fake_time):
    requests_mock.get(MANAGE + "/a", [{"status_code": 429, "headers": {"Retry-After": "3"}}, {"json": {}}])
    route_b = requests_mock.get(MANAGE + "/b", json={})
    client = make_client()
    client.sign_in()
    sleeps_by_thread = []

    def sleep(seconds):
        sleeps_by_thread.append((threading.current_thread().name, seconds))
        if len(sleeps_by_thread) == 1:
            other = threading.Thread(target=client.get, args=("/b",), name="other")
            other.start()
            other.join()
        fake_time.now += seconds

    client._sleep = sleep
    client.get("/a")
    assert sleeps_by_thread == [("MainThread", 3.0), ("other", 3.0)]
    assert route_b.call_count == 1


def test_503_backs_off_exponentially_with_jitter(requests_mock, make_client, signed_in, fake_time, monkeypatch):
    monkeypatch.setattr(_http.random, "uniform", lambda low, high: high)
    route = requests_mock.get(MANAGE + "/Machines", [{"status_code": 503}] * 3 + [{"json": {"Items": []}}])
    make_client().get("/Machines")
    assert route.call_count == 4
    assert fake_time.sleeps == [1.0, 2.0, 4.0]


def test_backoff_is_capped_at_30_seconds(monkeypatch):
    monkeypatch.setattr(_http.random, "uniform", lambda low, high: high)
    assert _http.HTTPClient._backoff(10) == 30.0


def test_retries_are_bounded(requests_mock, make_client, signed_in, fake_time):
    route = requests_mock.get(MANAGE + "/Machines", status_code=502, text="bad gateway")
    with pytest.raises(DaaSError) as caught:
        make_client(retries=3).get("/Machines")
    assert route.call_count == 4
    assert caught.value.status == 502
    assert caught.value.transient is True
    assert len(fake_time.sleeps) == 3


def test_retries_stop_at_the_deadline(requests_mock, make_client, signed_in, fake_time):
    route = requests_mock.get(MANAGE + "/Machines", status_code=503, headers={"Retry-After": "10"})
    with pytest.raises(DaaSError) as caught:
        make_client(retries=100, deadline=25).get("/Machines")
    assert caught.value.status == 503
    # After 20 s only 5 are left, fewer than the server asked for: no wait and retry that would be refused anyway.
    assert fake_time.sleeps == [10.0, 10.0]
    assert route.call_count == 3


def test_backoff_is_clamped_to_the_deadline(requests_mock, make_client, signed_in, fake_time, monkeypatch):
    monkeypatch.setattr(_http.random, "uniform", lambda low, high: high)
    route = requests_mock.get(MANAGE + "/Machines", status_code=502)
    with pytest.raises(DaaSError):
        make_client(retries=100, deadline=10).get("/Machines")
    assert fake_time.sleeps == [1.0, 2.0, 4.0, 3.0]
    assert route.call_count == 5


def test_429_beyond_the_deadline_still_pauses_the_other_threads(requests_mock, make_client, signed_in, fake_time):
    requests_mock.get(MANAGE + "/a", status_code=429, headers={"Retry-After": "100"})
    requests_mock.get(MANAGE + "/b", json={})
    client = make_client(deadline=50)
    with pytest.raises(DaaSError, match="HTTP 429"):
        client.get("/a")
    assert fake_time.sleeps == []
    client.get("/b")
    assert fake_time.sleeps == [50.0]


def test_post_is_not_retried_after_a_read_timeout(requests_mock, make_client, signed_in):
    route = requests_mock.post(MANAGE + "/Machines/m1/$reboot", exc=requests.exceptions.ReadTimeout)
    with pytest.raises(DaaSError, match="No response from http://sim.test") as caught:
        make_client().post("/Machines/m1/$reboot")
    assert route.call_count == 1
    assert caught.value.method == "POST"
    assert caught.value.transient is True


def test_get_is_retried_after_a_read_timeout(requests_mock, make_client, signed_in):
    route = requests_mock.get(MANAGE + "/Machines", [{"exc": requests.exceptions.ReadTimeout}, {"json": {"Items": []}}])
    make_client().get("/Machines")
    assert route.call_count == 2


def refused():
    return requests.exceptions.ConnectionError(
        MaxRetryError(None, "/x", NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")))


def reset_while_reading():
    return requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")))


@pytest.mark.parametrize("failure", [requests.exceptions.ConnectTimeout, refused()])
def test_post_is_retried_when_the_connection_never_opened(requests_mock, make_client, signed_in, failure):
    route = requests_mock.post(MANAGE + "/Machines/m1/$reboot", [{"exc": failure}, {"status_code": 202, "headers": {"Location": "/cvad/manage/Jobs/j1"}}])
    make_client().post("/Machines/m1/$reboot")
    assert route.call_count == 2


def test_post_is_not_retried_after_a_read_error(requests_mock, make_client, signed_in):
    route = requests_mock.post(MANAGE + "/Machines/m1/$reboot", exc=reset_while_reading())
    with pytest.raises(DaaSError, match="Cannot connect"):
        make_client().post("/Machines/m1/$reboot")
    assert route.call_count == 1


@pytest.mark.parametrize("status, expected_calls", [(429, 2), (503, 2), (502, 1), (504, 1), (500, 1)])
def test_post_status_retries(requests_mock, make_client, signed_in, status, expected_calls):
    route = requests_mock.post(MANAGE + "/Machines/m1/$start", [{"status_code": status, "headers": {"Retry-After": "1"}}, {"json": {}}])
    try:
        make_client().post("/Machines/m1/$start")
    except DaaSError as err:
        assert err.status == status
    assert route.call_count == expected_calls


def test_connection_refused_message(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/Machines", exc=refused())
    with pytest.raises(DaaSError) as caught:
        make_client(retries=1).get("/Machines")
    assert str(caught.value).startswith("Cannot connect to http://sim.test: [Errno 111] Connection refused")
    assert caught.value.transaction_id


def test_tls_failure_message(requests_mock, make_client, signed_in):
    failure = requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate")
    route = requests_mock.get(MANAGE + "/Machines", exc=failure)
    with pytest.raises(DaaSError) as caught:
        make_client().get("/Machines")
    assert str(caught.value).startswith("TLS certificate verification failed for http://sim.test (self-signed "
                                        "certificate): set ca_path to the CA certificate")
    assert "validate_certs" not in str(caught.value)
    assert route.call_count == 1


# Paging

def test_three_pages(requests_mock, make_client, signed_in):
    route = requests_mock.get(MANAGE + "/Machines", [
        {"json": {"Items": [{"Id": 1}, {"Id": 2}], "ContinuationToken": "p2"}},
        {"json": {"Items": [{"Id": 3}], "ContinuationToken": "p3"}},
        {"json": {"Items": [{"Id": 4}], "ContinuationToken": None}},
    ])
    assert [m["Id"] for m in make_client().iter_items("/Machines")] == [1, 2, 3, 4]
    queries = [query_of(r) for r in route.request_history]
    assert queries[0] == {"limit": ["1000"]}
    assert queries[1] == {"limit": ["1000"], "continuationtoken": ["p2"]}
    assert queries[2] == {"limit": ["1000"], "continuationtoken": ["p3"]}


@pytest.mark.parametrize("last_page", [{"Items": [{"Id": 2}]}, {"Items": [{"Id": 2}], "ContinuationToken": ""}])
def test_paging_stops_on_absent_or_empty_token(requests_mock, make_client, signed_in, last_page):
    route = requests_mock.get(MANAGE + "/Machines", [{"json": {"Items": [{"Id": 1}], "ContinuationToken": "t"}}, {"json": last_page}])
    assert len(list(make_client().iter_items("/Machines", page_size=1))) == 2
    assert route.call_count == 2


def test_paging_stops_with_one_warning_when_the_token_does_not_advance(requests_mock, make_client, signed_in):
    route = requests_mock.get(MANAGE + "/Machines", [
        {"json": {"Items": [{"Id": 1}], "ContinuationToken": "t1"}},
        {"json": {"Items": [{"Id": 2}], "ContinuationToken": "t1"}},
        {"json": {"Items": [{"Id": 3}], "ContinuationToken": "t2"}},
        {"json": {"Items": [{"Id": 4}], "ContinuationToken": "t2"}},
    ])
    client = make_client()
    assert list(client.iter_items("/Machines", params={"name": "x"})) == [{"Id": 1}, {"Id": 2}]
    assert route.call_count == 2
    assert list(client.iter_items("/Machines", params={"name": "x"})) == [{"Id": 3}, {"Id": 4}]
    assert len(client.warnings) == 1
    assert "continuation token" in client.warnings[0] and "GET /Machines" in client.warnings[0]


def test_paging_has_a_page_cap(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/Machines", [{"json": {"Items": [], "ContinuationToken": "t%d" % i}} for i in range(5)])
    with pytest.raises(DaaSError, match="stopped after 3 pages"):
        list(make_client().iter_items("/Machines", max_pages=3))


# Async calls

def test_202_gives_the_job_id_and_absolute_url(requests_mock, make_client, signed_in):
    route = requests_mock.post(MANAGE + "/Machines/m1/$reboot", status_code=202,
                               headers={"Location": "/cvad/manage/Jobs/81c05d9f-aaaa"})
    job = make_client().start_async("POST", "/Machines/m1/$reboot", params={"force": "false"})
    assert job == AsyncJob("81c05d9f-aaaa", MANAGE + "/Jobs/81c05d9f-aaaa")
    assert query_of(route.last_request) == {"force": ["false"], "async": ["true"]}


def test_202_with_absolute_location(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/MachineCatalogs", status_code=202, headers={"Location": "https://api.cloud.com/cvad/manage/Jobs/j9"})
    assert make_client().start_async("GET", "/MachineCatalogs") == AsyncJob("j9", "https://api.cloud.com/cvad/manage/Jobs/j9")


def test_async_without_202_is_an_error(requests_mock, make_client, signed_in):
    requests_mock.post(MANAGE + "/Machines/m1/$reboot", status_code=200, json={"Id": "m1"})
    with pytest.raises(DaaSError, match="Expected 202 Accepted"):
        make_client().start_async("POST", "/Machines/m1/$reboot")


# Error shapes

@pytest.mark.parametrize("status, body, expected", [
    (400, {"ErrorMessage": "Machine does not support specified power action.", "SdkErrorId": "x"},
     "Machine does not support specified power action."),
    (403, {"type": "https://errors-api.cloud.com/common/authorization", "detail": "Access denied",
           "parameters": [{"name": "id", "value": "guid1"}]}, "Access denied (id=guid1)"),
    (406, {"detail": "Must accept application/json media type", "parameters": {"contentType": "application/json"}},
     "Must accept application/json media type (contentType=application/json)"),
    (403, {"Error": {"Message": "Missing or invalid CWSAuth header.", "Type": "CWSAuthException"}}, "Missing or invalid CWSAuth header."),
    (400, {"error": "invalid_request", "error_description": "Bad grant."}, "Bad grant."),
    (500, {"activityId": "a", "message": "Internal server error", "statusCode": 500}, "Internal server error"),
    (409, {"unexpected": True}, '{"unexpected": true}'),
])
def test_error_shapes_give_the_api_message(requests_mock, make_client, signed_in, status, body, expected):
    requests_mock.get(MANAGE + "/Machines/m1", status_code=status, json=body, headers={"citrix-transactionid": "tx-1"})
    with pytest.raises(DaaSError) as caught:
        make_client(retries=0).get("/Machines/m1")
    err = caught.value
    assert err.api_message == expected
    assert err.to_dict() == {"status": status, "method": "GET", "url": MANAGE + "/Machines/m1", "transaction_id": "tx-1",
                             "api_message": expected}
    assert str(err).endswith(": HTTP %d on GET %s/Machines/m1: %s (transaction tx-1)" % (status, MANAGE, expected))


def test_raw_body_is_truncated(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/Machines/m1", status_code=400, text="x" * 1000)
    with pytest.raises(DaaSError) as caught:
        make_client().get("/Machines/m1")
    assert caught.value.api_message == "x" * 300 + "..."


def test_empty_error_body_gives_the_reason_phrase(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/Machines/m1", status_code=409, reason="Conflict")
    with pytest.raises(DaaSError) as caught:
        make_client().get("/Machines/m1")
    assert caught.value.api_message == "Conflict"


def test_transaction_id_falls_back_to_the_one_sent(requests_mock, make_client, signed_in):
    route = requests_mock.get(MANAGE + "/Machines/m1", status_code=400, json={"ErrorMessage": "no"})
    with pytest.raises(DaaSError) as caught:
        make_client().get("/Machines/m1")
    assert caught.value.transaction_id == route.last_request.headers["Citrix-TransactionId"]


def test_invalid_json_is_an_error(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/Machines/m1", text="<html>oops</html>")
    with pytest.raises(DaaSError, match="not valid JSON"):
        make_client().get("/Machines/m1")


def test_error_to_dict_and_str():
    err = DaaSError("Not found", status=404, method="GET", url="http://x/y", transaction_id="t", api_message="gone")
    assert err.to_dict() == {"status": 404, "method": "GET", "url": "http://x/y", "transaction_id": "t", "api_message": "gone"}
    assert str(err) == "Not found: HTTP 404 on GET http://x/y: gone (transaction t)"
    assert str(DaaSError("plain")) == "plain"
    assert DaaSError("plain").to_dict() == {}


# Secrets

def test_no_secret_in_errors_or_repr(requests_mock, make_client):
    requests_mock.post(TOKEN_URL, json=token_json(TOKEN))
    requests_mock.get(MANAGE + "/Machines/m1", status_code=400,
                      json={"ErrorMessage": "bad header CwsAuth Bearer=%s with secret %s" % (TOKEN, SECRET)})
    client = make_client()
    with pytest.raises(DaaSError) as caught:
        client.get("/Machines/m1")
    texts = [str(caught.value), repr(caught.value), str(caught.value.to_dict()), repr(client)]
    for text in texts:
        assert TOKEN not in text and SECRET not in text
    assert "********" in str(caught.value)
    assert "client_secret=********" in repr(client)


def test_repr_with_given_token_masks_it(make_client):
    assert "given-token" not in repr(make_client(token="given-token"))


def test_sign_in_error_echoing_the_secret_is_masked(requests_mock, make_client):
    requests_mock.post(TOKEN_URL, status_code=400, text="bad client_secret=%s" % SECRET)
    with pytest.raises(DaaSError) as caught:
        make_client().sign_in()
    assert SECRET not in str(caught.value)


# Domain helpers

def test_quote_name():
    assert DaaSClient.quote_name("DOMAIN\\NAME") == "DOMAIN%7CNAME"
    assert DaaSClient.quote_name("Folder/Cat alog") == "Folder%2FCat%20alog"
    assert DaaSClient.quote_name("9f6c2a1e-3b7d") == "9f6c2a1e-3b7d"


def test_missing_machine_says_so(requests_mock, make_client, signed_in):
    route = requests_mock.get(MANAGE + "/Machines/DEMOLAB%7CEAGLE", status_code=404, json={"ErrorMessage": "Object not found"})
    with pytest.raises(DaaSError) as caught:
        make_client().get_machine("DEMOLAB\\EAGLE")
    assert caught.value.message == "machine 'DEMOLAB\\EAGLE' was not found"
    assert caught.value.status == 404
    assert route.called


def test_missing_catalog_says_so(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/MachineCatalogs/Nope/Machines", status_code=404, json={"ErrorMessage": "Object not found"})
    requests_mock.get(MANAGE + "/MachineCatalogs", json={"Items": [{"Id": "c-1", "Name": "Pooled", "FullName": "Pooled"}]})
    with pytest.raises(DaaSError, match="catalog 'Nope' was not found; the catalogs are: Pooled: HTTP 404"):
        make_client().catalog_machines("Nope")


@pytest.mark.parametrize("kind, listing, items, ending", [
    ("catalog", "/MachineCatalogs", [{"Id": "c-1", "Name": "Pooled", "FullName": "Pooled"},
                                     {"Id": "c-2", "Name": "Finance", "FullName": "Europe\\Finance"}],
     "; the catalogs are: Europe\\Finance, Pooled"),
    ("catalog", "/MachineCatalogs", [{"Id": "c-%d" % n, "Name": "C%d" % n} for n in range(21)],
     " among the 21 catalogs of the site"),
    ("catalog", "/MachineCatalogs", [], ": the site has no machine catalogs"),
    ("delivery group", "/DeliveryGroups", [{"Id": "g-1", "Name": "Finance-Desktops", "FullName": "Finance-Desktops"}],
     "; the delivery groups are: Finance-Desktops"),
    ("delivery group", "/DeliveryGroups", [], ": the site has no delivery groups"),
])
def test_an_unknown_scope_says_which_exist(requests_mock, make_client, signed_in, kind, listing, items, ending):
    requests_mock.get(MANAGE + listing + "/Nope/Machines", status_code=404, json={"ErrorMessage": "Object not found"})
    names = requests_mock.get(MANAGE + listing, json={"Items": items})
    with pytest.raises(DaaSError) as caught:
        list(make_client().scope_machines(kind, "Nope", ["Id"]))
    assert caught.value.message == "%s 'Nope' was not found%s" % (kind, ending)
    assert caught.value.status == 404
    assert query_of(names.last_request)["fields"] == ["id,name,fullname"]


def test_an_unknown_scope_whose_neighbours_cannot_be_read_still_says_not_found(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/DeliveryGroups/Nope/Machines", status_code=404, json={"ErrorMessage": "Object not found"})
    requests_mock.get(MANAGE + "/DeliveryGroups", status_code=403, json={"ErrorMessage": "Denied"})
    with pytest.raises(DaaSError) as caught:
        make_client().delivery_group_machines("Nope")
    assert caught.value.message == "delivery group 'Nope' was not found"


def test_ensure_tag_reads_an_existing_tag(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/Tags/daas-fence", json={"Id": "t1", "Name": "daas-fence"})
    create = requests_mock.post(MANAGE + "/Tags", json={})
    assert make_client().ensure_tag("daas-fence")["Id"] == "t1"
    assert not create.called


def test_ensure_tag_creates_a_missing_tag(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/Tags/daas%20fence", status_code=404, json={"ErrorMessage": "Tag not found"})
    create = requests_mock.post(MANAGE + "/Tags", json={"Id": "t1", "Name": "daas fence"})
    assert make_client().ensure_tag("daas fence", description="fence")["Id"] == "t1"
    assert create.last_request.json() == {"Name": "daas fence", "Description": "fence"}


def test_ensure_tag_reads_a_tag_created_meanwhile(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/Tags/fence", [{"status_code": 404, "json": {"ErrorMessage": "Tag not found"}},
                                               {"json": {"Id": "t1", "Name": "fence"}}])
    requests_mock.post(MANAGE + "/Tags", status_code=409, json={"ErrorMessage": "Tag already exists"})
    assert make_client().ensure_tag("fence")["Id"] == "t1"


def test_jobs_by_id_or_url(requests_mock, make_client, signed_in):
    route = requests_mock.get(MANAGE + "/Jobs/j1", json={"Id": "j1", "Status": "InProgress"})
    client = make_client()
    assert client.poll_job("https://elsewhere.example/cvad/manage/Jobs/j1")[0]["Id"] == "j1"
    assert client.poll_job(AsyncJob("j1", "u"))[0]["Id"] == "j1"
    assert route.call_count == 2
    cancel = requests_mock.post(MANAGE + "/Jobs/j1/$cancel", json={"Id": "j1", "Status": "Canceled"})
    client.cancel_job("j1")
    assert cancel.called


def test_send_notification_goes_to_the_cloud_api(requests_mock, make_client, signed_in):
    route = requests_mock.post(API + "/notifications/", json={"eventId": "e"})
    assert make_client().send_notification({"eventId": "e"}) == {"eventId": "e"}
    assert "Citrix-InstanceId" not in route.last_request.headers
    assert route.last_request.headers["Citrix-CustomerId"] == "democustomer"


def test_list_helpers_page_through(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/MachineCatalogs", json={"Items": [{"Name": "A"}], "ContinuationToken": None})
    requests_mock.get(MANAGE + "/DeliveryGroups/DG%201/Machines", json={"Items": [{"Name": "m"}]})
    client = make_client()
    assert client.list_catalogs() == [{"Name": "A"}]
    assert client.delivery_group_machines("DG 1") == [{"Name": "m"}]


# PCE

PCE = "https://pce.test:8443"


@pytest.fixture
def pce(fake_time):
    return PCEClient(PCE + "/", "api_1a2b3c4d5e", "pce-secret-8d7c6b", sleep=fake_time.sleep, clock=fake_time.clock)


def test_pce_resolves_every_location_form(pce):
    assert pce.resolve("/orgs/1/jobs/j1") == PCE + "/api/v2/orgs/1/jobs/j1"
    assert pce.resolve("/api/v2/orgs/1/jobs/j1") == PCE + "/api/v2/orgs/1/jobs/j1"
    assert pce.resolve(PCE + "/api/v2/orgs/1/jobs/j1") == PCE + "/api/v2/orgs/1/jobs/j1"
    # the API key never goes to another host
    with pytest.raises(DaaSError, match="Refusing to send the PCE credentials to other"):
        pce.resolve("https://other:9443/api/v2/orgs/1/jobs/j1")
    # a relative Location resolved against the request URL by ansible.builtin.uri, which lost /api/v2
    assert pce.resolve(PCE + "/orgs/1/jobs/j1") == PCE + "/api/v2/orgs/1/jobs/j1"


def test_pce_uses_basic_auth_and_json(requests_mock, pce):
    route = requests_mock.get(PCE + "/api/v2/orgs/1/labels", json=[])
    pce.get("/orgs/1/labels")
    headers = route.last_request.headers
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"api_1a2b3c4d5e:pce-secret-8d7c6b").decode()
    assert headers["Accept"] == "application/json"


def test_pce_secret_never_shows(requests_mock, pce):
    requests_mock.get(PCE + "/api/v2/orgs/1/jobs/j1", status_code=401, text="bad secret pce-secret-8d7c6b")
    with pytest.raises(DaaSError, match="check api_key_username and api_key_secret") as caught:
        pce.get("/orgs/1/jobs/j1")
    assert "pce-secret-8d7c6b" not in str(caught.value)
    assert "pce-secret-8d7c6b" not in repr(pce)


def test_pce_url_must_be_absolute():
    with pytest.raises(DaaSError, match="must look like"):
        PCEClient("pce.test", "u", "s")


# Inputs and answers that must fail in one line, not with a traceback

def test_retry_after_with_non_ascii_digits_is_unusable():
    # str.isdigit() accepts "²", which float() refuses.
    assert parse_retry_after("\u00b2") is None


def test_zero_timeout_is_refused_up_front():
    with pytest.raises(DaaSError, match="timeout must be more than 0 seconds"):
        DaaSClient("cust", token="t", timeout=0)


def test_header_value_that_http_cannot_carry_is_one_line():
    # No requests_mock: http.client itself refuses to encode the header, before any connection.
    client = DaaSClient("cust\u2019", token="given-token", site_id=SITE, api_url="http://127.0.0.1:9", retries=0)
    with pytest.raises(DaaSError, match="has a character that HTTP headers cannot carry") as caught:
        client.get("/Machines")
    assert caught.value.method == "GET"
    assert "given-token" not in str(caught.value)


def test_dns_failure_names_the_host_without_the_connection_object(requests_mock, make_client, signed_in):
    connection = HTTPConnection("sim.test", 80)
    failure = requests.exceptions.ConnectionError(MaxRetryError(None, "/x", NameResolutionError(
        "sim.test", connection, OSError(-2, "Name or service not known"))))
    requests_mock.get(MANAGE + "/Machines", exc=failure)
    with pytest.raises(DaaSError) as caught:
        make_client(retries=0).get("/Machines")
    assert str(caught.value).startswith("Cannot connect to http://sim.test: Failed to resolve 'sim.test'")
    assert "HTTPConnection" not in str(caught.value)


def test_given_token_with_a_trailing_newline_is_trimmed(requests_mock, make_client):
    route = requests_mock.get(MANAGE + "/Machines/m1", json={})
    make_client(client_id=None, client_secret=None, token="given-token\n").get("/Machines/m1")
    assert route.last_request.headers["Authorization"] == "CwsAuth Bearer=given-token"


def test_form_encoded_secret_echoed_by_the_token_endpoint_is_masked(requests_mock, make_client):
    secret = "s3cr+t/=x"
    requests_mock.post(TOKEN_URL, status_code=400, text="bad body grant_type=client_credentials&client_secret=s3cr%2Bt%2F%3Dx")
    with pytest.raises(DaaSError) as caught:
        make_client(client_secret=secret).sign_in()
    assert "s3cr%2Bt%2F%3Dx" not in str(caught.value)
    assert "********" in str(caught.value)


def test_non_json_body_echoing_the_token_is_masked(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/Machines/m1", text="<html>Authorization: CwsAuth Bearer=%s</html>" % TOKEN)
    with pytest.raises(DaaSError, match="not valid JSON") as caught:
        make_client().get("/Machines/m1")
    assert TOKEN not in str(caught.value)
    assert TOKEN not in caught.value.api_message


@pytest.mark.parametrize("call, path, body", [
    (lambda client: client.site_id, "/me", [{"Id": "democustomer"}]),
    (lambda client: client.get_machine("m1"), "/Machines/m1", ["m1"]),
    (lambda client: client.get_catalog("c1"), "/MachineCatalogs/c1", None),
    (lambda client: client.machine_sessions("m1"), "/Machines/m1/Sessions", "sessions"),
])
def test_an_answer_that_is_not_an_object_is_one_line(requests_mock, make_client, signed_in, call, path, body):
    if body is None:
        requests_mock.get(MANAGE + path, status_code=200, text="")
    else:
        requests_mock.get(MANAGE + path, json=body)
    with pytest.raises(DaaSError, match="GET %s answered with .* instead of a JSON object" % re.escape(path)):
        call(make_client(site_id=None if path == "/me" else SITE))


@pytest.mark.parametrize("page, expected", [
    ({"Items": {"Id": 1}}, "without an 'Items' list"),
    ({"Items": [], "ContinuationToken": {"next": 2}}, "continuation token is a JSON dict, not a string"),
])
def test_paging_refuses_unexpected_shapes(requests_mock, make_client, signed_in, page, expected):
    requests_mock.get(MANAGE + "/Machines", json=page)
    with pytest.raises(DaaSError, match=expected):
        list(make_client().iter_items("/Machines"))


def test_sign_in_with_an_impossible_lifetime_or_token(requests_mock, make_client):
    requests_mock.post(TOKEN_URL, [{"text": '{"access_token": "tok-X", "expires_in": 1e999}'},
                                   {"json": {"access_token": 12345, "expires_in": "3600"}}])
    assert make_client().sign_in()["expires_in"] is None
    with pytest.raises(DaaSError, match="Sign-in answered without an access token"):
        make_client().sign_in()


# Issue 12: reliability under faults and bad input

@pytest.mark.parametrize("failure", [{"status_code": 502}, {"status_code": 503}, {"status_code": 504},
                                     {"exc": reset_while_reading()}, {"exc": requests.exceptions.ReadTimeout}])
def test_writes_safe_to_repeat_are_retried_on_every_transient_failure(requests_mock, make_client, signed_in, failure):
    create = requests_mock.post(MANAGE + "/Tags", [failure, {"json": {"Id": "t1", "Name": "fence"}}])
    requests_mock.get(MANAGE + "/Tags/fence", status_code=404, json={"ErrorMessage": "Tag not found"})
    writes = requests_mock.post(MANAGE + "/$batch", [failure, {"json": batch_answer([204, 200, 204])}])
    client = make_client()
    assert client.ensure_tag("fence")["Id"] == "t1"
    outcomes = client.batch([client.maintenance_request("m1", True), client.machine_tag_request("m1", "fence", True),
                             client.machine_tag_request("m1", "fence", False)])
    assert [o.status for o in outcomes] == [204, 200, 204]
    assert [route.call_count for route in (create, writes)] == [2, 2]


@pytest.mark.parametrize("status", [502, 504])
def test_a_power_action_is_not_retried_and_does_not_claim_it_was(requests_mock, make_client, signed_in, status):
    route = requests_mock.post(MANAGE + "/$batch", status_code=status, json={"detail": "Bad gateway"})
    client = make_client()
    [outcome] = client.batch([client.power_request("m1", "reboot")])
    assert route.call_count == 1 and outcome.status is None
    message = str(outcome.error)
    assert "retr" not in message and "attempts" not in message
    assert message.startswith("Bad gateway: HTTP %d on POST " % status) or \
        message.startswith("Gateway timeout: HTTP %d on POST " % status)


def test_a_get_that_keeps_failing_says_how_often_it_was_sent(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/Machines/m1", status_code=502, json={"detail": "Bad gateway"})
    with pytest.raises(DaaSError, match="^Bad gateway, still failing after 3 attempts: HTTP 502 on GET "):
        make_client(retries=2).get_machine("m1")


def test_a_404_of_me_is_not_blamed_on_the_machine(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/me", status_code=404, json={"ErrorMessage": "Not found"})
    with pytest.raises(DaaSError) as caught:
        make_client(site_id=None).get_machine("DEMOLAB\\EAGLE")
    assert "EAGLE" not in str(caught.value) and "/cvad/manage/me" in str(caught.value)


def test_a_404_of_the_sign_in_is_not_blamed_on_the_machine(requests_mock, make_client):
    requests_mock.post(API + "/cctrustoauth2/demo%0Acustomer/tokens/clients", status_code=404, text="Not Found")
    with pytest.raises(DaaSError, match="^Sign-in failed: check customer_id") as caught:
        make_client(customer_id="demo\ncustomer").get_machine("DEMOLAB\\EAGLE")
    assert "EAGLE" not in str(caught.value)


def test_an_unknown_site_id_is_named_instead_of_the_machine(requests_mock, make_client, signed_in):
    requests_mock.get(MANAGE + "/Machines/DEMOLAB%7CEAGLE", status_code=404, json={"ErrorMessage": "Site 'nope' was not found."})
    with pytest.raises(DaaSError, match="^site_id 'nope' is not a site of customer 'democustomer'.*site-1") as caught:
        make_client(site_id="nope").get_machine("DEMOLAB\\EAGLE")
    assert "machine" not in str(caught.value)


def test_a_missing_ca_path_is_one_line_naming_it():
    with pytest.raises(DaaSError, match="^ca_path /nonexistent/ca.pem does not exist"):
        DaaSClient("democustomer", token="t", ca_path="/nonexistent/ca.pem")


def test_negative_retries_are_refused_up_front():
    with pytest.raises(DaaSError, match="^retries must be 0 or more, got -1"):
        DaaSClient("democustomer", token="t", retries=-1)


def test_pce_error_page_echoing_the_basic_header_is_masked(requests_mock, pce):
    basic = base64.b64encode(b"api_1a2b3c4d5e:pce-secret-8d7c6b").decode()
    requests_mock.get(PCE + "/api/v2/orgs/1/jobs/j1", status_code=500,
                      text="<h1>Gateway</h1> Authorization: Basic %s Host: pce.test" % basic)
    with pytest.raises(DaaSError) as caught:
        pce.get("/orgs/1/jobs/j1")
    text = str(caught.value) + repr(caught.value.to_dict())
    assert basic not in text and "pce-secret-8d7c6b" not in text and "Authorization: Basic ********" in text


def test_every_credential_form_the_client_sends_is_masked(requests_mock, make_client, signed_in):
    echo = "form client_secret=%s; json \"%s\"; url %s; bearer CwsAuth Bearer=%s; b64 %s" % (
        SECRET.replace("-", "%2D"), SECRET, SECRET, TOKEN, base64.b64encode(TOKEN.encode()).decode())
    requests_mock.get(MANAGE + "/Machines/m1", status_code=500, text=echo)
    with pytest.raises(DaaSError) as caught:
        make_client(retries=0).get("/Machines/m1")
    text = str(caught.value)
    for secret in (SECRET, TOKEN, base64.b64encode(TOKEN.encode()).decode()):
        assert secret not in text
    assert "CwsAuth Bearer=********" in text


# $batch and $search

def batch_answer(codes, location=None):
    """A $batch answer callback: each item gets the next code (in reverse order, as a server may answer)."""
    def answer(request, context):
        items = request.json()["Items"]
        out = []
        for item, code in zip(items, codes):
            headers = [{"Name": "Location", "Value": location}] if location and code == 202 else []
            body = '{"ErrorMessage": "nope"}' if code >= 400 else '{"Id": "%s"}' % item["RelativeUrl"]
            out.append({"Reference": item["Reference"], "Code": code, "Headers": headers, "Body": body})
        return {"Items": list(reversed(out))}
    return answer


def test_batch_pairs_answers_by_reference_and_chunks(requests_mock, make_client, signed_in):
    route = requests_mock.post(MANAGE + "/$batch", json=batch_answer([200, 404, 202], API + "/cvad/manage/Jobs/j9"))
    calls = [BatchRequest("GET", "/Machines/m1", None), BatchRequest("PATCH", "/Machines/m2", {"InMaintenanceMode": True}),
             BatchRequest("POST", "/Machines/m3/$reboot?async=true", None)]
    outcomes = make_client().batch(calls, chunk=3)
    assert [o.status for o in outcomes] == [200, 404, 202]
    assert outcomes[0].body == {"Id": "/Machines/m1"} and outcomes[0].error is None
    assert outcomes[1].error.status == 404 and outcomes[1].error.api_message == "nope"
    assert outcomes[2].location == API + "/cvad/manage/Jobs/j9"
    item = route.last_request.json()["Items"][1]
    assert item["Headers"] == [{"Name": "Authorization", "Value": "Bearer " + TOKEN},
                               {"Name": "Content-Type", "Value": "application/json"}]
    assert item["Body"] == '{"InMaintenanceMode": true}'
    make_client().batch(calls * 3, chunk=4)
    assert [len(r.json()["Items"]) for r in route.request_history[1:]] == [4, 4, 1]


def test_batch_items_refused_with_401_are_sent_once_more_after_a_new_sign_in(requests_mock, make_client, signed_in):
    route = requests_mock.post(MANAGE + "/$batch", [{"json": batch_answer([200, 401])},
                                                    {"json": batch_answer([401])}])
    outcomes = make_client().batch([BatchRequest("GET", "/Machines/m1", None), BatchRequest("GET", "/Machines/m2", None)])
    assert route.call_count == 2 and signed_in.call_count == 2
    assert [o.status for o in outcomes] == [200, 401]
    assert len(route.last_request.json()["Items"]) == 1


def test_a_site_without_batch_gets_one_request_per_call_and_one_warning(requests_mock, make_client, signed_in):
    requests_mock.post(MANAGE + "/$batch", status_code=501, json={"ErrorMessage": "Batch requests are not supported."})
    patch = requests_mock.patch(MANAGE + "/Machines/m1", status_code=204)
    get = requests_mock.get(MANAGE + "/Machines/m2", status_code=404, json={"ErrorMessage": "Not found"})
    client = make_client()
    first = client.batch([BatchRequest("PATCH", "/Machines/m1", {"InMaintenanceMode": False}),
                          BatchRequest("GET", "/Machines/m2", None)])
    client.batch([BatchRequest("PATCH", "/Machines/m1", {"InMaintenanceMode": True})])
    assert [o.status for o in first] == [204, 404] and first[1].error is not None
    assert patch.call_count == 2 and get.call_count == 1
    assert client.warnings == ["This site answers $batch with HTTP 501: its writes are sent one request per machine"]


def test_search_pages_with_a_session_support_group_and_fields(requests_mock, make_client, signed_in):
    route = requests_mock.post(MANAGE + "/Machines/$search", [
        {"json": {"Items": [{"Id": "m1"}], "ContinuationToken": "t2"}}, {"json": {"Items": [{"Id": "m2"}]}}])
    found = make_client().search_machines([{"Property": "Tags", "Operator": "Contains", "Value": "fence"}], ["Id", "Tags"])
    assert [m["Id"] for m in found] == ["m1", "m2"]
    body = route.last_request.json()
    assert body["SearchFilters"] == [{"Property": "Tags", "Operator": "Contains", "Value": "fence"}]
    assert [f["Value"] for f in body["SearchFilterGroups"][0]["SearchFilters"]] == ["SingleSession", "MultiSession"]
    assert query_of(route.last_request) == {"fields": ["id,tags"], "limit": ["1000"], "continuationtoken": ["t2"]}  # lower-cased by the mock


def test_a_batch_of_safe_calls_is_sent_again_after_a_502_but_one_with_a_power_action_is_not(
        requests_mock, make_client, signed_in):
    route = requests_mock.post(MANAGE + "/$batch", [{"status_code": 502, "json": {"detail": "Bad gateway"}},
                                                    {"json": batch_answer([200])}])
    outcomes = make_client().batch([BatchRequest("PATCH", "/Machines/m1", {"InMaintenanceMode": False})])
    assert route.call_count == 2 and outcomes[0].status == 200
    route = requests_mock.post(MANAGE + "/$batch", [{"status_code": 502, "json": {"detail": "Bad gateway"}},
                                                    {"json": batch_answer([202])}])
    outcomes = make_client().batch([BatchRequest("POST", "/Machines/m1/$reboot?async=true", None),
                                    BatchRequest("GET", "/Machines/m2", None)])
    assert route.call_count == 1
    # The batch failed as a whole: each call fails with its fault, status unknown, for the caller to decide.
    assert [(o.status, o.error.status, o.error.transient) for o in outcomes] == [(None, 502, True), (None, 502, True)]


def test_a_batch_refused_as_a_whole_for_a_reason_that_is_no_fault_raises(requests_mock, make_client, signed_in):
    requests_mock.post(MANAGE + "/$batch", status_code=403, json={"ErrorMessage": "Access denied"})
    with pytest.raises(DaaSError, match="HTTP 403"):
        make_client().batch([BatchRequest("GET", "/Machines/m1", None)])


def test_request_builders_spell_the_paths_and_bodies(make_client):
    client = make_client()
    assert client.machine_read_request("D\\M1", ["Id", "Tags"]) == BatchRequest("GET", "/Machines/D%7CM1?fields=Id,Tags", None)
    assert client.maintenance_request("m1", True) == BatchRequest("PATCH", "/Machines/m1", {"InMaintenanceMode": True})
    assert client.machine_tag_request("m1", "a fence", False) == BatchRequest("DELETE", "/Machines/m1/Tags/a%20fence", None)
    assert client.machine_tag_request("m1", "a fence", True) == BatchRequest("POST", "/Machines/m1/Tags/a%20fence", None)
    assert client.power_request("m1", "reboot") == BatchRequest("POST", "/Machines/m1/$reboot?async=true", None)
    with pytest.raises(DaaSError, match="Unknown power action 'boot'"):
        client.power_request("m1", "boot")


def test_power_and_job_builders_for_the_bulk_modules(make_client):
    client = make_client()
    assert client.power_request("m1", "shutdown", force=True) == BatchRequest(
        "POST", "/Machines/m1/$shutdown?async=true&force=true", None)
    assert client.power_request("m1", "reboot", force=False).path == "/Machines/m1/$reboot?async=true&force=false"
    assert client.job_read_request("https://api.cloud.com/cvad/manage/Jobs/j%201") == BatchRequest("GET", "/Jobs/j%201", None)


def test_machines_named_is_one_search_on_the_names(requests_mock, make_client, signed_in):
    route = requests_mock.post(MANAGE + "/Machines/$search", json={"Items": [{"Id": "m1"}]})
    assert make_client().machines_named(["D\\M1", "D\\M2"], ["Id"]) == [{"Id": "m1"}]
    assert route.last_request.json()["SearchFilters"] == [
        {"Property": "MachineName", "Operator": "In", "Value": '["D\\\\M1", "D\\\\M2"]'}]


def test_a_site_without_batch_sends_the_calls_as_many_at_a_time_as_asked(requests_mock, make_client, signed_in):
    requests_mock.post(MANAGE + "/$batch", status_code=501, json={"ErrorMessage": "Batch requests are not supported."})
    requests_mock.get(MANAGE + "/Machines/m1", json={"Id": "m1"})
    client = make_client()
    client.fallback_concurrency = 1
    with mock.patch("ansible_collections.citrix_cloud.daas.plugins.module_utils._client.ThreadPoolExecutor",
                    wraps=ThreadPoolExecutor) as pool:
        client.batch([BatchRequest("GET", "/Machines/m1", None)] * 3)
    assert pool.call_args.kwargs == {"max_workers": 1}
