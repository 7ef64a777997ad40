# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting: one small Waiter for Citrix jobs, Illumio PCE async jobs and machine states, and the job texts."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time
from collections import namedtuple
from urllib.parse import unquote, urlsplit

from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError, one_line

# A job started with async=true: its id and the Location URL to poll.
AsyncJob = namedtuple("AsyncJob", ["id", "url"])

# Citrix JobStatus -> what it means for a wait.
CITRIX_JOB_STATES = {
    "NotStarted": "running",
    "InProgress": "running",
    "Complete": "success",
    "CompleteWithWarning": "warning",
    "Failed": "failure",
    "Canceled": "failure",
    "NonTerminatingError": "failure",
}
PCE_RUNNING = {"pending", "running"}
# Never poll faster than this, even when Retry-After says 0.
MIN_POLL_DELAY = 0.5
DETAIL_LIMIT = 1000


def job_id_of(job):
    """The job id of an AsyncJob, a job id, or a job URL (its last path segment)."""
    if isinstance(job, AsyncJob):
        return job.id
    text = str(job or "").strip()
    if "/" in text:
        segments = [segment for segment in urlsplit(text).path.split("/") if segment]
        text = unquote(segments[-1]) if segments else ""
    if not text:
        raise DaaSError("No job id in %r" % (job,))
    return text


class JobError(DaaSError):
    """A wait that ended without success; `.job` is the last job body (None if never read), `.history` its progress."""

    def __init__(self, message, job=None, history=None, job_id=None, **fields):
        super().__init__(message, **fields)
        self.job = job
        self.history = history or []
        self.job_id = job_id


class JobFailed(JobError):
    """The job ended unsuccessfully."""


class JobTimeout(JobError):
    """The job did not end before the timeout."""


class WaitTimedOut(Exception):
    """Raised by Waiter.wait when the deadline passed; `.last_error` is the failure of the last poll, if it failed."""

    def __init__(self, last_error):
        super().__init__("the wait timed out")
        self.last_error = last_error


class Waiter:
    """Polls until done or until `timeout` seconds have passed since it was made.

    The interval starts at `interval` and grows by half each poll up to `max_interval`; a wait the server asks for
    (Retry-After) takes its place, clamped to [MIN_POLL_DELAY, max_interval]. `sleep` and `clock` default to
    time.sleep and time.monotonic (tests pass their own).
    """

    def __init__(self, timeout, interval=2.0, max_interval=30.0, sleep=None, clock=None):
        self._sleep = sleep or time.sleep
        self._clock = clock or time.monotonic
        self.timeout = max(float(timeout), 0.0)
        self.interval = max(float(interval), MIN_POLL_DELAY)
        self.max_interval = max(float(max_interval), self.interval)
        self.started = self._clock()

    def elapsed(self):
        """Seconds since the wait began."""
        return self._clock() - self.started

    def time_left(self):
        """Seconds left before the deadline (never negative), to bound one poll's own retries."""
        return max(self.timeout - self.elapsed(), 0.0)

    def wait(self, poll, done):
        """Call poll() until done(answer) is true and return that answer.

        poll() -> (answer, seconds the server asked to wait or None). A transient DaaSError (429, 5xx, connection
        failure) counts as a poll that is not done; any other error, and any error done() raises, ends the wait.
        The deadline is checked after an answer that is not done, so one that is done is always accepted.
        Raises WaitTimedOut when the deadline passes.
        """
        interval = self.interval
        while True:
            retry_after = None
            last_error = None
            try:
                answer, retry_after = poll()
            except DaaSError as err:
                if not err.transient:
                    raise
                last_error = err
            else:
                if done(answer):
                    return answer
            time_left = self.time_left()
            if time_left <= 0:
                raise WaitTimedOut(last_error)
            delay = interval if retry_after is None else min(max(retry_after, MIN_POLL_DELAY), self.max_interval)
            self._sleep(min(delay, time_left))
            interval = min(interval * 1.5, self.max_interval)


class Progress:
    """What a wait has seen: each change of status and progress, its time, and the warnings."""

    def __init__(self, label, waiter):
        self.label = label
        self.waiter = waiter
        self.last = None
        self.history = []
        self.warnings = []

    def record(self, body, status, progress=None):
        self.last = body
        if not self.history or (self.history[-1]["status"], self.history[-1]["progress"]) != (status, progress):
            self.history.append({"status": status, "progress": progress, "time": round(self.waiter.elapsed(), 1)})

    def warn_once(self, text):
        if text not in self.warnings:
            self.warnings.append(text)

    def timeout_message(self, timed_out, what="did not end"):
        """"<label> did not end within N s (last status X, P%)[; the last poll failed: ...]"."""
        if not self.history:
            seen = "never read"
        elif self.history[-1]["progress"] is None:
            seen = "last status %s" % self.history[-1]["status"]
        else:
            seen = "last status %s, %s%%" % (self.history[-1]["status"], self.history[-1]["progress"])
        message = "%s %s within %g s (%s)" % (self.label, what, self.waiter.timeout, seen)
        if timed_out.last_error is not None:
            message += "; the last poll failed: %s" % timed_out.last_error
        return message

    def outcome(self, **more):
        """The result of a wait that ended well: {"job", "history", "warnings", ...}."""
        outcome = {"job": self.last, "history": self.history, "warnings": self.warnings}
        outcome.update(more)
        return outcome


def citrix_job_details(job):
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


def _json_object(label, body):
    if not isinstance(body, dict):
        raise DaaSError("%s: the poll answered without a JSON object" % label)
    return body


def wait_for_citrix_job(client, job, waiter, cancel_on_timeout=False, warnings_as_errors=False):
    """Wait for a Citrix job (id, AsyncJob or Location URL) to end.

    Returns {"job": last body, "history": [{"status", "progress", "time"}], "warnings": [...]}, where history
    holds each change of status or progress and time is seconds since the wait began.
    Raises JobFailed (Failed, Canceled, NonTerminatingError; CompleteWithWarning when warnings_as_errors)
    or JobTimeout (after POST $cancel when cancel_on_timeout).
    """
    job_id = job_id_of(job)
    seen = Progress("Job %s" % job_id, waiter)

    def done(body):
        body = _json_object(seen.label, body)
        status = str(body.get("Status"))
        seen.record(body, status, body.get("OverallProgressPercent"))
        meaning = CITRIX_JOB_STATES.get(status)
        details = citrix_job_details(body) if meaning in ("warning", "failure") else ""
        if meaning == "warning":
            warning = "%s completed with a warning%s" % (seen.label, ": " + details if details else "")
            if warnings_as_errors:
                raise JobFailed(warning + " (warnings_as_errors is true)", job=body, history=seen.history, job_id=job_id)
            seen.warn_once(warning)
        elif meaning == "failure":
            raise JobFailed("%s ended with status %s%s" % (seen.label, status, ": " + details if details else ""),
                            job=body, history=seen.history, job_id=job_id)
        elif meaning is None:
            seen.warn_once("%s reported the unexpected status '%s'; kept waiting" % (seen.label, status))
        return meaning in ("success", "warning")

    try:
        waiter.wait(lambda: client.poll_job(job_id, deadline=waiter.time_left()), done)
    except WaitTimedOut as timed_out:
        message = seen.timeout_message(timed_out)
        if cancel_on_timeout:
            try:
                client.cancel_job(job_id)
                message += "; the job was cancelled"
            except DaaSError as err:
                message += "; cancelling it failed: %s" % err
        else:
            message += "; it may still be running: wait again or allow a longer wait"
        raise JobTimeout(message, job=seen.last, history=seen.history, job_id=job_id) from None
    return seen.outcome()


def wait_for_pce_job(pce_client, location, waiter, fetch_results=False):
    """Wait for an Illumio PCE async job (its Location, relative or absolute) to end.

    Statuses are compared without regard to case: pending/running poll; done needs result.href;
    completed takes result (a string) or result.href; failed raises JobFailed with result.message.
    Returns {"job", "history", "warnings", "result_href", "result"}; result is the data file's JSON
    when fetch_results, else None.
    """
    url = pce_client.resolve(location)
    job_id = job_id_of(url)
    seen = Progress("PCE job %s" % url, waiter)

    def done(body):
        body = _json_object(seen.label, body)
        status = str(body.get("status", ""))
        seen.record(body, status)
        status = status.lower()
        result = body.get("result")
        if status in ("done", "completed"):
            if not result_href_of(body):
                raise JobFailed("%s is %s but has no result href: it did not produce a result" % (seen.label, status),
                                job=body, history=seen.history, job_id=job_id)
            return True
        if status == "failed":
            reason = result.get("message") if isinstance(result, dict) else None
            raise JobFailed("%s failed: %s" % (seen.label, one_line(reason or "the PCE gave no message", DETAIL_LIMIT)),
                            job=body, history=seen.history, job_id=job_id)
        if status not in PCE_RUNNING:
            seen.warn_once("%s reported the unexpected status '%s'; kept waiting" % (seen.label, body.get("status")))
        return False

    try:
        body = waiter.wait(lambda: pce_client.poll_job(url, deadline=waiter.time_left()), done)
    except WaitTimedOut as timed_out:
        message = seen.timeout_message(timed_out) + "; it may still be running: wait again or allow a longer wait"
        raise JobTimeout(message, job=seen.last, history=seen.history, job_id=job_id) from None
    href = result_href_of(body)
    return seen.outcome(result_href=href, result=pce_client.get(href) if fetch_results else None)


def result_href_of(body):
    """The data file of a finished PCE job: `result` when it is a text (status completed), else `result.href`."""
    result = body.get("result")
    if isinstance(result, str) and str(body.get("status", "")).lower() == "completed":
        return result
    return result.get("href") if isinstance(result, dict) else None
