# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import requests

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import DaaSClient
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.module_utils._jobs import (
    AsyncJob,
    JobFailed,
    JobTimeout,
    Waiter,
    WaitTimedOut,
    job_id_of,
    wait_for_citrix_job,
    wait_for_pce_job,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._pce import PCEClient

API = "http://sim.test"
MANAGE = API + "/cvad/manage"
JOB_URL = MANAGE + "/Jobs/j1"
PCE = "https://pce.test:8443"
PCE_JOB = PCE + "/api/v2/orgs/1/jobs/p1"


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self):
        self.now = 500.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def waiter_time():
    return FakeTime()


@pytest.fixture
def client(requests_mock):
    requests_mock.post(API + "/cctrustoauth2/democustomer/tokens/clients",
                       json={"token_type": "bearer", "access_token": "tok", "expires_in": "3600"})
    requests_mock.get(API + "/cvad/manage/me", json={"Customers": [{"Id": "democustomer", "Sites": [{"Id": "s"}]}]})
    # The client's own retries are off, so poll errors reach the waiter.
    return DaaSClient("democustomer", client_id="id", client_secret="secret", site_id="s", api_url=API, auth_url=API,
                      retries=0, sleep=lambda seconds: None)


@pytest.fixture
def pce():
    return PCEClient(PCE, "api_1a2b3c4d5e", "pce-secret-8d7c6b", retries=0, sleep=lambda seconds: None)


def job(status, progress=None, **extra):
    body = {"Id": "j1", "Type": "RebootMachines", "Status": status, "OverallProgressPercent": progress, "Parameters": []}
    body.update(extra)
    return {"json": body}


def new_waiter(waiter_time, timeout=600, poll_interval=2.0, max_interval=30.0):
    return Waiter(timeout, poll_interval, max_interval, sleep=waiter_time.sleep, clock=waiter_time.clock)


def wait(client, waiter_time, job_ref=JOB_URL, timeout=600, poll_interval=2.0, max_interval=30.0, **kwargs):
    return wait_for_citrix_job(client, job_ref, new_waiter(waiter_time, timeout, poll_interval, max_interval), **kwargs)


def test_complete_job(requests_mock, client, waiter_time):
    route = requests_mock.get(JOB_URL, [job("NotStarted", 0), job("InProgress", 50), job("InProgress", 50), job("Complete", 100)])
    outcome = wait(client, waiter_time, job_ref=AsyncJob("j1", JOB_URL))
    assert outcome["job"]["Status"] == "Complete"
    assert outcome["warnings"] == []
    assert [(h["status"], h["progress"]) for h in outcome["history"]] == [("NotStarted", 0), ("InProgress", 50), ("Complete", 100)]
    assert outcome["history"][-1]["time"] == 9.5
    assert route.call_count == 4
    assert waiter_time.sleeps == [2.0, 3.0, 4.5]


def test_poll_interval_backs_off_to_the_cap(requests_mock, client, waiter_time):
    requests_mock.get(JOB_URL, [job("InProgress")] * 6 + [job("Complete")])
    wait(client, waiter_time, job_ref="j1", poll_interval=2, max_interval=8)
    assert waiter_time.sleeps == [2.0, 3.0, 4.5, 6.75, 8.0, 8.0]


def test_failed_job_reports_error_string_code_and_parameters(requests_mock, client, waiter_time):
    requests_mock.get(JOB_URL, [job("InProgress"), job(
        "Failed", 100, ErrorString="Machine is not registered", ErrorCode="MachineNotRegistered",
        ErrorParameters=[{"Name": "Machine", "Value": "DEMOLAB\\EAGLE"}])])
    with pytest.raises(JobFailed) as caught:
        wait(client, waiter_time)
    err = caught.value
    assert str(err) == ("Job j1 ended with status Failed: Machine is not registered "
                        "(ErrorCode: MachineNotRegistered; ErrorParameters: Machine=DEMOLAB\\EAGLE)")
    assert err.job["Status"] == "Failed"
    assert err.job_id == "j1"
    assert err.history[-1]["status"] == "Failed"


@pytest.mark.parametrize("status", ["Canceled", "NonTerminatingError"])
def test_other_failure_statuses(requests_mock, client, waiter_time, status):
    requests_mock.get(JOB_URL, [job(status)])
    with pytest.raises(JobFailed, match="ended with status %s" % status):
        wait(client, waiter_time)


def test_complete_with_warning_succeeds_with_the_warning(requests_mock, client, waiter_time):
    requests_mock.get(JOB_URL, [job("CompleteWithWarning", 100, ErrorString="One machine skipped")])
    outcome = wait(client, waiter_time)
    assert outcome["warnings"] == ["Job j1 completed with a warning: One machine skipped"]


def test_warnings_as_errors(requests_mock, client, waiter_time):
    requests_mock.get(JOB_URL, [job("CompleteWithWarning", 100, ErrorString="One machine skipped")])
    with pytest.raises(JobFailed, match="warnings_as_errors") as caught:
        wait(client, waiter_time, warnings_as_errors=True)
    assert caught.value.job["Status"] == "CompleteWithWarning"


def test_timeout_without_cancel(requests_mock, client, waiter_time):
    requests_mock.get(JOB_URL, json=job("InProgress", 40)["json"])
    cancel = requests_mock.post(JOB_URL + "/$cancel", json={})
    with pytest.raises(JobTimeout) as caught:
        wait(client, waiter_time, timeout=10)
    assert "Job j1 did not end within 10 s (last status InProgress, 40%)" in str(caught.value)
    assert "may still be running" in str(caught.value)
    assert not cancel.called
    assert sum(waiter_time.sleeps) == 10.0
    assert waiter_time.sleeps[-1] == 0.5


def test_timeout_with_cancel(requests_mock, client, waiter_time):
    requests_mock.get(JOB_URL, json=job("InProgress", 40)["json"])
    cancel = requests_mock.post(JOB_URL + "/$cancel", json=job("Canceled")["json"])
    with pytest.raises(JobTimeout, match="the job was cancelled") as caught:
        wait(client, waiter_time, timeout=5, cancel_on_timeout=True)
    assert cancel.call_count == 1
    assert caught.value.job["Status"] == "InProgress"


def test_failed_cancel_is_reported(requests_mock, client, waiter_time):
    requests_mock.get(JOB_URL, json=job("InProgress")["json"])
    requests_mock.post(JOB_URL + "/$cancel", status_code=409, json={"ErrorMessage": "Job is not cancellable"})
    with pytest.raises(JobTimeout, match="cancelling it failed: .*Job is not cancellable"):
        wait(client, waiter_time, timeout=3, cancel_on_timeout=True)


def test_terminal_status_is_accepted_after_the_deadline(requests_mock, client, waiter_time):
    def slow_poll(request, context):
        waiter_time.now += 100
        return job("Complete")["json"]
    requests_mock.get(JOB_URL, json=slow_poll)
    assert wait(client, waiter_time, timeout=10)["job"]["Status"] == "Complete"


def test_transient_poll_errors_are_retried(requests_mock, client, waiter_time):
    requests_mock.get(JOB_URL, [
        {"status_code": 503, "json": {"detail": "Service is unavailable"}},
        {"exc": requests.exceptions.ConnectTimeout},
        {"status_code": 429},
        {"status_code": 500, "json": {"message": "Internal server error"}},
        job("Complete"),
    ])
    assert wait(client, waiter_time)["job"]["Status"] == "Complete"
    assert len(waiter_time.sleeps) == 4


def test_transient_errors_until_the_deadline_time_out(requests_mock, client, waiter_time):
    requests_mock.get(JOB_URL, status_code=502, text="bad gateway")
    with pytest.raises(JobTimeout, match="the last poll failed: .*HTTP 502"):
        wait(client, waiter_time, timeout=6)


@pytest.mark.parametrize("timeout", [3, 6, 20])
def test_the_retries_of_one_poll_stay_within_the_wait(requests_mock, waiter_time, timeout):
    requests_mock.post(API + "/cctrustoauth2/democustomer/tokens/clients",
                       json={"token_type": "bearer", "access_token": "tok", "expires_in": "3600"})
    # The client retries (and backs off) on the same clock as the waiter.
    retrying_client = DaaSClient("democustomer", client_id="id", client_secret="secret", site_id="s", api_url=API,
                                 auth_url=API, retries=50, sleep=waiter_time.sleep, clock=waiter_time.clock)
    requests_mock.get(JOB_URL, status_code=503, json={"detail": "Service is unavailable"})
    started = waiter_time.now
    with pytest.raises(JobTimeout):
        wait(retrying_client, waiter_time, timeout=timeout)
    assert waiter_time.now - started <= timeout + 1e-6


def test_other_poll_errors_are_fatal(requests_mock, client, waiter_time):
    requests_mock.get(JOB_URL, status_code=404, json={"ErrorMessage": "Job not found"})
    with pytest.raises(DaaSError, match="job 'j1' was not found") as caught:
        wait(client, waiter_time)
    assert not isinstance(caught.value, JobTimeout)
    assert waiter_time.sleeps == []


def test_expired_token_during_the_wait_signs_in_again(requests_mock, client, waiter_time):
    route = requests_mock.get(JOB_URL, [job("InProgress"), {"status_code": 401, "json": {"detail": "invalid"}}, job("Complete")])
    assert wait(client, waiter_time)["job"]["Status"] == "Complete"
    assert route.call_count == 3


def test_retry_after_is_honoured(requests_mock, client, waiter_time):
    requests_mock.get(JOB_URL, [
        {"json": job("InProgress")["json"], "headers": {"Retry-After": "7"}},
        {"json": job("InProgress")["json"], "headers": {"Retry-After": "120"}},
        job("Complete"),
    ])
    wait(client, waiter_time, max_interval=30)
    assert waiter_time.sleeps == [7.0, 30.0]


def test_unknown_status_keeps_polling_with_a_warning(requests_mock, client, waiter_time):
    requests_mock.get(JOB_URL, [job("Unknown"), job("Paused"), job("Paused"), job("Complete")])
    outcome = wait(client, waiter_time)
    assert outcome["warnings"] == ["Job j1 reported the unexpected status 'Unknown'; kept waiting",
                                   "Job j1 reported the unexpected status 'Paused'; kept waiting"]


# Illumio PCE

def pce_wait(pce, waiter_time, location, timeout=600, **kwargs):
    return wait_for_pce_job(pce, location, new_waiter(waiter_time, timeout), **kwargs)


def pce_job(status, result=None):
    return {"json": {"href": "/orgs/1/jobs/p1", "job_type": ":illumio/async_requests", "status": status,
                     "result": {} if result is None else result, "requested_at": "2016-01-14 23:16:52.303166"}}


@pytest.mark.parametrize("location", ["/orgs/1/jobs/p1", PCE_JOB, "/api/v2/orgs/1/jobs/p1"])
def test_pce_job_from_relative_or_absolute_location(requests_mock, pce, waiter_time, location):
    route = requests_mock.get(PCE_JOB, [pce_job("pending"), pce_job("running"),
                                        pce_job("done", {"href": "/orgs/1/datafiles/d1"})])
    datafile = requests_mock.get(PCE + "/api/v2/orgs/1/datafiles/d1", json=[{"href": "/orgs/1/labels/1", "key": "env"}])
    outcome = pce_wait(pce, waiter_time, location, fetch_results=True)
    assert route.call_count == 3
    assert datafile.called
    assert outcome["result_href"] == "/orgs/1/datafiles/d1"
    assert outcome["result"] == [{"href": "/orgs/1/labels/1", "key": "env"}]
    assert [h["status"] for h in outcome["history"]] == ["pending", "running", "done"]


def test_pce_statuses_ignore_case_and_results_are_optional(requests_mock, pce, waiter_time):
    requests_mock.get(PCE_JOB, [pce_job("Running"), pce_job("DONE", {"href": "/orgs/1/datafiles/d1"})])
    datafile = requests_mock.get(PCE + "/api/v2/orgs/1/datafiles/d1", json=[])
    outcome = pce_wait(pce, waiter_time, "/orgs/1/jobs/p1")
    assert outcome["result"] is None
    assert not datafile.called


def test_pce_retry_after_is_honoured(requests_mock, pce, waiter_time):
    requests_mock.get(PCE_JOB, [{"json": pce_job("running")["json"], "headers": {"Retry-After": "5"}},
                                pce_job("done", {"href": "/orgs/1/datafiles/d1"})])
    pce_wait(pce, waiter_time, PCE_JOB)
    assert waiter_time.sleeps == [5.0]


def test_pce_completed_with_a_string_result(requests_mock, pce, waiter_time):
    requests_mock.get(PCE_JOB, [pce_job("completed", "/orgs/1/traffic_flows/async_queries/q1/download")])
    assert pce_wait(pce, waiter_time, PCE_JOB)["result_href"] == "/orgs/1/traffic_flows/async_queries/q1/download"


def test_pce_completed_with_an_href_result(requests_mock, pce, waiter_time):
    requests_mock.get(PCE_JOB, [pce_job("completed", {"href": "/orgs/1/datafiles/d2"})])
    assert pce_wait(pce, waiter_time, PCE_JOB)["result_href"] == "/orgs/1/datafiles/d2"


def test_pce_failed_job(requests_mock, pce, waiter_time):
    requests_mock.get(PCE_JOB, [pce_job("running"), pce_job("failed", {"message": "exceeded time limit"})])
    with pytest.raises(JobFailed) as caught:
        pce_wait(pce, waiter_time, PCE_JOB)
    assert str(caught.value) == "PCE job %s failed: exceeded time limit" % PCE_JOB
    assert caught.value.job["status"] == "failed"
    assert caught.value.job_id == "p1"


def test_pce_done_without_href_is_an_error(requests_mock, pce, waiter_time):
    requests_mock.get(PCE_JOB, [pce_job("done", {})])
    with pytest.raises(JobFailed, match="has no result href"):
        pce_wait(pce, waiter_time, PCE_JOB)


def test_pce_timeout(requests_mock, pce, waiter_time):
    requests_mock.get(PCE_JOB, json=pce_job("running")["json"])
    with pytest.raises(JobTimeout, match="did not end within 4 s"):
        pce_wait(pce, waiter_time, PCE_JOB, timeout=4)


def test_pce_unknown_status_warns(requests_mock, pce, waiter_time):
    requests_mock.get(PCE_JOB, [pce_job("queued"), pce_job("done", {"href": "/orgs/1/datafiles/d1"})])
    assert pce_wait(pce, waiter_time, PCE_JOB)["warnings"] == [
        "PCE job %s reported the unexpected status 'queued'; kept waiting" % PCE_JOB]


# The waiter itself, and machine states

def test_the_waiter_returns_the_answer_that_is_done(waiter_time):
    answers = iter([(1, None), (2, 4.0), (3, None)])
    waiter = new_waiter(waiter_time, timeout=60)
    assert waiter.wait(lambda: next(answers), lambda answer: answer == 3) == 3
    assert waiter_time.sleeps == [2.0, 4.0]


def test_the_waiter_times_out_with_the_last_error(waiter_time):
    def poll():
        raise DaaSError("Service unavailable", status=503, transient=True)
    with pytest.raises(WaitTimedOut) as caught:
        new_waiter(waiter_time, timeout=5).wait(poll, lambda answer: True)
    assert caught.value.last_error.status == 503
    assert sum(waiter_time.sleeps) == 5.0


def test_a_wait_of_zero_polls_once(waiter_time):
    polls = []
    with pytest.raises(WaitTimedOut):
        new_waiter(waiter_time, timeout=0).wait(lambda: (polls.append(1), None), lambda answer: False)
    assert polls == [1]
    assert waiter_time.sleeps == []


@pytest.mark.parametrize("job, expected", [
    (AsyncJob("j9", "u"), "j9"), ("j9", "j9"), (" https://api.cloud.com/cvad/manage/Jobs/j9 ", "j9"),
])
def test_job_id_of(job, expected):
    assert job_id_of(job) == expected
