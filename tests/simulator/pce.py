"""Illumio PCE async jobs under ``/api/v2/orgs/{org}/...`` (source document 004).

A collection GET (``labels``, ``workloads``) with ``Prefer: respond-async``
answers 202 with ``Location`` (relative ``/orgs/1/jobs/{uuid}`` or absolute,
as the options say), ``Retry-After`` and an empty body.  Without the
preference it answers 200 with the collection.  The job moves pending ->
running -> done (or failed) on the simulated clock; when done,
``result.href`` names ``/orgs/{org}/datafiles/{uuid}``, whose GET returns the
collection.  ``GET /orgs/{org}/jobs`` lists jobs (``max_results``,
``job_type``); ``DELETE /orgs/{org}/jobs/{uuid}`` removes one (204).
"""

import base64
import binascii
import uuid
from datetime import datetime, timezone

from .responses import ApiError, json_response

COLLECTIONS = ("labels", "workloads")
JOB_TYPE = ":illumio/async_requests"


def pce_time(timestamp):
    """The PCE's job time form, e.g. ``2016-01-14 23:16:52.303166``."""
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _default_labels(org):
    return [{"href": "/orgs/%s/labels/%d" % (org, index + 1), "key": key, "value": value}
            for index, (key, value) in enumerate([("role", "web"), ("role", "db"), ("app", "vdi"), ("env", "prod"),
                                                  ("env", "test"), ("loc", "dc1")])]


def _default_workloads(org):
    return [{"href": "/orgs/%s/workloads/%s" % (org, uuid.uuid5(uuid.NAMESPACE_DNS, "wl%d" % index)),
             "name": "vdi-%03d" % index, "hostname": "vdi-%03d.demolab.example" % index, "online": True}
            for index in range(1, 21)]


class PceService:
    """The PCE's configuration, collections and jobs."""

    def __init__(self, spec, clock):
        self.clock = clock
        self.api_key = spec.get("api_key", "api_1a2b3c4d5e")
        self.api_secret = spec.get("api_secret", "pce-secret-8d7c6b")
        self.org = str(spec.get("org", 1))
        self.collections = {"labels": spec.get("labels") or _default_labels(self.org),
                            "workloads": spec.get("workloads") or _default_workloads(self.org)}
        self.options = {"location": "relative", "job_seconds": 3, "outcome": "done", "retry_after": 1}
        self.set_options(spec)
        self.jobs = {}
        self.datafiles = {}

    def set_options(self, options):
        """Change ``location``, ``job_seconds``, ``outcome`` and ``retry_after``."""
        for key in self.options:
            if key in options:
                self.options[key] = options[key]
        if self.options["location"] not in ("relative", "absolute"):
            raise ValueError("location must be relative or absolute")
        if self.options["outcome"] not in ("done", "failed"):
            raise ValueError("outcome must be done or failed")

    def job_body(self, job):
        """The job as the PCE shows it at the current simulated time."""
        now = self.clock.now()
        elapsed = now - job["requested"]
        body = {"href": job["href"], "job_type": JOB_TYPE, "description": job["description"], "result": {},
                "requested_at": pce_time(job["requested"]), "requested_by": {"href": "/users/1"},
                "created_by": {"href": "/users/1"}}
        if elapsed < job["seconds"] * 0.2:
            body["status"] = "pending"
        elif elapsed < job["seconds"]:
            body["status"] = "running"
        else:
            body["terminated_at"] = pce_time(job["requested"] + job["seconds"])
            if job["outcome"] == "done":
                body["status"] = "done"
                body["result"] = {"href": "/orgs/%s/datafiles/%s" % (self.org, job["datafile"])}
            else:
                body["status"] = "failed"
                body["result"] = {"message": "The job exceeded its time limit."}
        return body

    def create_job(self, collection, query):
        """Start an async collection job; returns the job record."""
        job_id = str(uuid.uuid4())
        datafile = str(uuid.uuid4())
        description = "/orgs/%s/%s" % (self.org, collection) + ("?" + query if query else "")
        job = {"id": job_id, "href": "/orgs/%s/jobs/%s" % (self.org, job_id), "description": description,
               "requested": self.clock.now(), "seconds": float(self.options["job_seconds"]),
               "outcome": self.options["outcome"], "datafile": datafile}
        self.jobs[job_id] = job
        self.datafiles[datafile] = (job, list(self.collections[collection]))
        return job


def _check_auth(service, request):
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    try:
        user, _sep, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user = password = None
    if scheme.lower() != "basic" or user != service.api_key or password != service.api_secret:
        raise ApiError(401, [{"token": "authentication_required", "message": "Authentication required"}],
                       {"WWW-Authenticate": 'Basic realm="PCE"'})


def _collection(service, request, name):
    """A collection GET: 200 with the items, or 202 + Location with ``Prefer: respond-async``."""
    if "respond-async" not in request.headers.get("Prefer", "").lower():
        return json_response(200, service.collections[name])
    job = service.create_job(name, request.rel_url.raw_query_string)
    location = job["href"]
    if service.options["location"] == "absolute":
        location = "%s://%s/api/v2%s" % (request.scheme, request.host, job["href"])
    return json_response(202, None, {"Location": location, "Retry-After": str(service.options["retry_after"])})


def _job_list(service, request):
    """``GET /orgs/{org}/jobs`` with ``max_results`` and ``job_type``."""
    job_type = request.rel_url.query.get("job_type")
    bodies = [service.job_body(job) for job in service.jobs.values() if job_type in (None, JOB_TYPE)]
    max_results = request.rel_url.query.get("max_results", "")
    return json_response(200, bodies[:int(max_results)] if max_results.isdigit() else bodies)


def _job(service, method, job_id):
    """GET or DELETE one job."""
    job = service.jobs.get(job_id)
    if job is None:
        raise ApiError(404, [{"token": "not_found", "message": "Job not found"}])
    if method == "DELETE":
        del service.jobs[job_id]
        return json_response(204)
    body = service.job_body(job)
    headers = {"Retry-After": str(service.options["retry_after"])} if body["status"] in ("pending", "running") else None
    return json_response(200, body, headers)


def _datafile(service, datafile_id):
    """The results of a done job."""
    job, content = service.datafiles.get(datafile_id, (None, None))
    if job is None or service.job_body(job)["status"] != "done":
        raise ApiError(404, [{"token": "not_found", "message": "Datafile not found"}])
    return json_response(200, content)


async def handle(sim, request, segments, lowered):
    """Serve ``/api/v2/...``."""
    service = sim.pce
    _check_auth(service, request)
    if len(lowered) < 3 or lowered[0] != "orgs" or segments[1] != service.org:
        raise ApiError(404, [{"token": "not_found", "message": "Not found"}])
    rest, args, method = lowered[2:], segments[2:], request.method
    if method == "GET" and len(rest) == 1 and rest[0] in COLLECTIONS:
        return _collection(service, request, rest[0])
    if method == "GET" and rest == ["jobs"]:
        return _job_list(service, request)
    if method in ("GET", "DELETE") and len(rest) == 2 and rest[0] == "jobs":
        return _job(service, method, args[1])
    if method == "GET" and len(rest) == 2 and rest[0] == "datafiles":
        return _datafile(service, args[1])
    raise ApiError(404, [{"token": "not_found", "message": "Not found"}])
