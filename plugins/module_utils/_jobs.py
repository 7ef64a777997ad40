# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting on async jobs: Citrix DaaS Jobs and Illumio PCE async jobs share one polling loop."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import DaaSError, job_id_of, one_line

CITRIX_SUCCESS = {"Complete", "CompleteWithWarning"}
CITRIX_FAILURE = {"Failed", "Canceled", "NonTerminatingError"}
CITRIX_RUNNING = {"NotStarted", "InProgress"}
PCE_RUNNING = {"pending", "running"}
# Never poll faster than this, even when Retry-After says 0.
MIN_POLL_DELAY = 0.5
DETAIL_LIMIT = 1000


class JobError(DaaSError):
    """A wait that ended without success; `.job` is the last job body (None if never read), `.history` its progress."""

    def __init__(self, message, job=None, history=None, **fields):
        super().__init__(message, **fields)
        self.job = job
        self.history = history or []


class JobFailed(JobError):
    """The job ended unsuccessfully."""


class JobTimeout(JobError):
    """The job did not end before the timeout."""


def _citrix_job_details(job):
    """"ErrorString (ErrorCode: X; ErrorParameters: a=b, ...)" of a Citrix job body."""
    parts = []
    if job.get("ErrorCode"):
        parts.append("ErrorCode: %s" % job["ErrorCode"])
    parameters = [p for p in job.get("ErrorParameters") or [] if isinstance(p, dict)]
    if parameters:
        parts.append("ErrorParameters: " + ", ".join("%s=%s" % (p.get("Name"), p.get("Value")) for p in parameters))
    text = str(job.get("ErrorString") or "")
    if parts:
        text = "%s (%s)" % (text, "; ".join(parts)) if text else "; ".join(parts)
    return one_line(text, DETAIL_LIMIT)


class Watch:
    """State of one wait: the last job body, its progress history and the warnings so far."""

    def __init__(self, label, started):
        self.label = label
        self.started = started
        self.job = None
        self.history = []
        self.warnings = []

    def record(self, job, status, progress, now):
        self.job = job
        if not self.history or (self.history[-1]["status"], self.history[-1]["progress"]) != (status, progress):
            self.history.append({"status": status, "progress": progress, "time": round(now - self.started, 1)})

    def time_left(self, timeout, now):
        """Seconds left of a wait of `timeout` seconds (never negative), so that one poll's retries cannot outlast it."""
        return max(self.started + timeout - now, 0.0)

    def warn_once(self, text):
        if text not in self.warnings:
            self.warnings.append(text)

    def last_status(self):
        if not self.history:
            return "never read"
        last = self.history[-1]
        if last["progress"] is None:
            return "last status %s" % last["status"]
        return "last status %s, %s%%" % (last["status"], last["progress"])


def poll_until_done(poll, progress_of, outcome_of, watch, timeout, poll_interval, max_interval, sleep, clock, on_timeout):
    """Poll until outcome_of() says the job ended; raise what on_timeout() returns when the deadline passes.

    poll() -> (body, Retry-After seconds or None); progress_of(body) -> (status, progress);
    outcome_of(body, status) -> (finished, value), or raises JobFailed.
    A transient poll error (429, 5xx, connection failure) is retried.
    The deadline is checked after reading a non-terminal status, so a job that ended is always accepted.
    """
    deadline = watch.started + timeout
    interval = max(float(poll_interval), MIN_POLL_DELAY)
    max_interval = max(float(max_interval), interval)
    last_error = None
    while True:
        retry_after = None
        try:
            body, retry_after = poll()
        except DaaSError as err:
            if not err.transient:
                raise
            last_error = err
        else:
            last_error = None
            if not isinstance(body, dict):
                raise DaaSError("%s: the poll answered without a JSON object" % watch.label)
            status, progress = progress_of(body)
            watch.record(body, status, progress, clock())
            finished, value = outcome_of(body, status)
            if finished:
                return value
        time_left = deadline - clock()
        if time_left <= 0:
            raise on_timeout(last_error)
        delay = interval if retry_after is None else min(max(retry_after, MIN_POLL_DELAY), max_interval)
        sleep(min(delay, time_left))
        interval = min(interval * 1.5, max_interval)


def _timeout_message(watch, timeout, last_error):
    message = "%s did not end within %g s (%s)" % (watch.label, timeout, watch.last_status())
    if last_error is not None:
        message += "; the last poll failed: %s" % last_error
    return message


def wait_for_citrix_job(client, job, timeout=600, poll_interval=2.0, max_interval=30.0, cancel_on_timeout=False,
                        warnings_as_errors=False, sleep=time.sleep, clock=time.monotonic):
    """Wait for a Citrix job (id, AsyncJob or Location URL) to end.

    Returns {"job": last body, "history": [{"status", "progress", "time"}], "warnings": [...]}, where history
    holds each change of status or progress and time is seconds since the wait began.
    Raises JobFailed (Failed, Canceled, NonTerminatingError; CompleteWithWarning when warnings_as_errors)
    or JobTimeout (after POST $cancel when cancel_on_timeout).
    """
    job_id = job_id_of(job)
    watch = Watch("Job %s" % job_id, clock())

    def progress_of(body):
        return str(body.get("Status")), body.get("OverallProgressPercent")

    def outcome_of(body, status):
        if status == "CompleteWithWarning":
            details = _citrix_job_details(body)
            warning = "%s completed with a warning%s" % (watch.label, ": " + details if details else "")
            if warnings_as_errors:
                raise JobFailed(warning + " (warnings_as_errors is true)", job=body, history=watch.history, job_id=job_id)
            watch.warn_once(warning)
        if status in CITRIX_SUCCESS:
            return True, None
        if status in CITRIX_FAILURE:
            details = _citrix_job_details(body)
            raise JobFailed("%s ended with status %s%s" % (watch.label, status, ": " + details if details else ""),
                            job=body, history=watch.history, job_id=job_id)
        if status not in CITRIX_RUNNING:
            watch.warn_once("%s reported the unexpected status '%s'; kept waiting" % (watch.label, status))
        return False, None

    def on_timeout(last_error):
        message = _timeout_message(watch, timeout, last_error)
        if cancel_on_timeout:
            try:
                client.cancel_job(job_id)
                message += "; the job was cancelled"
            except DaaSError as err:
                message += "; cancelling it failed: %s" % err
        else:
            message += "; it may still be running: wait again or allow a longer wait"
        return JobTimeout(message, job=watch.job, history=watch.history, job_id=job_id)

    def poll():
        return client.poll_job(job_id, deadline=watch.time_left(timeout, clock()))

    poll_until_done(poll, progress_of, outcome_of, watch, timeout, poll_interval, max_interval, sleep, clock, on_timeout)
    return {"job": watch.job, "history": watch.history, "warnings": watch.warnings}


def wait_for_pce_job(pce_client, location, timeout=600, poll_interval=2.0, max_interval=30.0, fetch_results=False,
                     sleep=time.sleep, clock=time.monotonic):
    """Wait for an Illumio PCE async job (its Location, relative or absolute) to end.

    Statuses are compared without regard to case: pending/running poll; done needs result.href;
    completed takes result (a string) or result.href; failed raises JobFailed with result.message.
    Returns {"job", "history", "warnings", "result_href", "result"}; result is the data file's JSON
    when fetch_results, else None.
    """
    url = pce_client.resolve(location)
    job_id = job_id_of(url)
    watch = Watch("PCE job %s" % url, clock())

    def progress_of(body):
        return str(body.get("status", "")), None

    def outcome_of(body, status):
        status = status.lower()
        result = body.get("result")
        if status in PCE_RUNNING:
            return False, None
        if status in ("done", "completed"):
            href = result if status == "completed" and isinstance(result, str) else None
            if href is None and isinstance(result, dict):
                href = result.get("href")
            if not href:
                raise JobFailed("%s is %s but has no result href: it did not produce a result" % (watch.label, status),
                                job=body, history=watch.history, job_id=job_id)
            return True, href
        if status == "failed":
            reason = result.get("message") if isinstance(result, dict) else None
            raise JobFailed("%s failed: %s" % (watch.label, one_line(reason or "the PCE gave no message", DETAIL_LIMIT)),
                            job=body, history=watch.history, job_id=job_id)
        watch.warn_once("%s reported the unexpected status '%s'; kept waiting" % (watch.label, body.get("status")))
        return False, None

    def on_timeout(last_error):
        message = _timeout_message(watch, timeout, last_error) + "; it may still be running: wait again or allow a longer wait"
        return JobTimeout(message, job=watch.job, history=watch.history, job_id=job_id)

    def poll():
        return pce_client.poll_job(url, deadline=watch.time_left(timeout, clock()))

    result_href = poll_until_done(poll, progress_of, outcome_of, watch, timeout, poll_interval, max_interval, sleep, clock,
                                  on_timeout)
    result = pce_client.get(result_href) if fetch_results else None
    return {"job": watch.job, "history": watch.history, "warnings": watch.warnings, "result_href": result_href,
            "result": result}
