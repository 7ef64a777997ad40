"""The Citrix DaaS REST API under ``/cvad/manage``.

Header checks run in this order (the API reference's design choice):
``Authorization`` -> 401 (gateway bodies), ``Accept`` other than exactly
``application/json`` -> 406, missing ``Citrix-CustomerId`` -> 500 (the
documented "Internal server error" body), an unknown path -> 404 (a known path
with another method -> 405), then on site-scoped calls a missing
``Citrix-InstanceId`` -> 400 (invented: the real status is undocumented) and an
unknown one -> 404. The calls on the customer (``/me``, ``/Sites``) need no
``Citrix-InstanceId``.
"""

import base64
import binascii
import hashlib
import json
import uuid

from . import batch, models
from .cloud import authenticate, check_customer
from .search import Search, SessionSearch
from .responses import ApiError, json_response, read_json
from .state import ACTION_REQUIREMENTS, MESSAGE_STYLES, TERMINAL_JOB_STATES, PowerActionBusy

DEFAULT_LIMIT = 250
MAX_LIMIT = 1000
# Query parameters that may change from page to page without changing the query a token belongs to.
NON_FILTER_PARAMS = ("limit", "continuationtoken", "fields", "async")
POWER_ACTIONS = {"$start": "start", "$shutdown": "shutdown", "$reboot": "reboot", "$suspend": "suspend",
                 "$resume": "resume"}


def bad_request(message, error_type="InvalidArgument"):
    """ApiError 400 with an ErrorData body."""
    return ApiError(400, models.error_data(message, error_type))


def not_found(kind, name):
    """ApiError 404 with an ErrorData body."""
    return ApiError(404, models.error_data("%s '%s' was not found." % (kind, name), "ObjectNotFound"))


class Context:
    """One DaaS request: the simulator, the site, the caller and the parsed query."""

    def __init__(self, sim, request, site, client, args):
        self.sim = sim
        self.request = request
        self.site = site
        self.client = client
        self.args = args
        self.now = sim.now()
        self.params = {key.lower(): value for key, value in request.rel_url.query.items()}
        fields = self.params.get("fields")
        self.wanted = {name.strip().lower() for name in fields.split(",") if name.strip()} if fields else None

    def flag(self, name, default=False):
        """A boolean query parameter (``true``/``false``, any case)."""
        value = self.params.get(name.lower())
        if value is None or value == "":
            return default
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise bad_request("The value '%s' is not valid for %s." % (value, name))

    def integer(self, name, default=None):
        """An integer query parameter."""
        value = self.params.get(name.lower())
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise bad_request("The value '%s' is not valid for %s." % (value, name)) from exc

    def base_url(self):
        """``scheme://host:port`` as the caller sees it."""
        return "%s://%s" % (self.request.scheme, self.request.host)

    def job_location(self, job):
        """The absolute ``Location`` of a job."""
        return "%s/cvad/manage/Jobs/%s" % (self.base_url(), job.id)

    def accepted(self, job):
        """202 with the job's absolute Location and an empty body."""
        return json_response(202, None, {"Location": self.job_location(job)})

    def machine(self, name_or_id):
        """The machine named in the path (``DOMAIN|NAME``, not ``DOMAIN\\NAME``), or 404."""
        machine = None if "\\" in name_or_id else self.site.find_machine(name_or_id)
        if machine is None:
            raise not_found("Machine", name_or_id)
        return machine

    def fields(self, body):
        """Apply the ``fields`` query parameter to one object."""
        return body if self.wanted is None else models.select_fields(body, self.wanted)


def page(ctx, items, render, query_body=None, total=False):
    """Return a collection body for one page of ``items`` (``limit``, ``continuationToken``).

    ``query_body`` (a search's body) is part of the query a token belongs to; ``total`` adds ``TotalItems``.
    """
    limit = ctx.integer("limit", DEFAULT_LIMIT)
    if limit < 1 or limit > MAX_LIMIT:
        raise bad_request("The limit must be between 1 and %d." % MAX_LIMIT, "OutOfRange")
    # The token is bound to the query: its path and filters (not the paging, projection or async parameters).
    filters = sorted((key, value.lower()) for key, value in ctx.params.items() if key not in NON_FILTER_PARAMS)
    scope = ctx.request.rel_url.path.lower() + "?" + "&".join("%s=%s" % pair for pair in filters)
    if query_body is not None:
        scope += "#" + hashlib.sha256(json.dumps(query_body, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    offset = 0
    token = ctx.params.get("continuationtoken")
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            offset = int(decoded["o"])
            valid = decoded["s"] == scope and 0 <= offset <= len(items)
        except (ValueError, KeyError, TypeError, binascii.Error):
            valid = False
        if not valid:
            raise bad_request("The continuation token is not valid for this query.", "InvalidContinuationToken")
    chunk = items[offset:offset + limit]
    next_token = None
    if token and (filters or query_body is not None) and ctx.sim.options["repeat_filtered_token"]:
        # The quirk of API.md 4.2: a filtered query answers the token it was given, again.
        next_token = token
    elif offset + limit < len(items):
        raw = json.dumps({"s": scope, "o": offset + limit, "n": uuid.uuid4().hex[:8]}).encode("utf-8")
        next_token = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    body = {"Items": [ctx.fields(render(item)) for item in chunk], "ContinuationToken": next_token}
    if total:
        body["TotalItems"] = len(items)
    return body


def maybe_async(ctx, job_type, build):
    """Answer ``build()`` now, or with ``async=true`` as a job whose results are that body."""
    if ctx.flag("async"):
        timings = ctx.sim.estate.timings
        job = ctx.site.new_job(ctx.client["client_id"], job_type, ctx.now,
                               [{"Name": key, "Value": value} for key, value in ctx.request.rel_url.query.items()],
                               duration=float(timings["job"]), results=build())
        job.result_location = "/Jobs/%s/Results" % job.id
        return ctx.accepted(job)
    return json_response(200, build())


# ----- handlers -------------------------------------------------------------------------------


async def get_me(ctx):
    """GET /me."""
    return json_response(200, models.me_model(ctx.sim.estate, ctx.client, ctx.client["token_expires"]))


async def list_sites(ctx):
    """GET /Sites."""
    return json_response(200, {"Items": [models.site_model(site) for site in ctx.sim.estate.sites]})


async def get_site(ctx):
    """GET /Sites/{nameOrId}."""
    key = ctx.args[0].lower()
    site = next((site for site in ctx.sim.estate.sites if key in (site.id.lower(), site.name.lower())), None)
    if site is None:
        raise not_found("Site", ctx.args[0])
    return json_response(200, models.site_detail_model(site))


async def list_catalogs(ctx):
    """GET /MachineCatalogs."""
    folder = ctx.params.get("adminfolder")
    catalogs = [catalog for catalog in ctx.site.catalogs
                if folder is None or (catalog.folder or "").replace("|", "\\").lower() == folder.strip("\\").lower()]
    return maybe_async(ctx, "GetMachineCatalogs", lambda: page(ctx, catalogs, models.catalog_model))


def _catalog(ctx):
    catalog = ctx.site.find_catalog(ctx.args[0])
    if catalog is None:
        raise not_found("Machine catalog", ctx.args[0])
    return catalog


async def get_catalog(ctx):
    """GET /MachineCatalogs/{nameOrId}."""
    catalog = _catalog(ctx)
    return maybe_async(ctx, "GetMachineCatalogDetails", lambda: ctx.fields(models.catalog_model(catalog, detail=True)))


async def catalog_machines(ctx):
    """GET /MachineCatalogs/{nameOrId}/Machines."""
    catalog = _catalog(ctx)
    return maybe_async(ctx, "GetMachineCatalogMachines", lambda: page(
        ctx, catalog.machines, lambda machine: models.machine_model(machine, ctx.now, detail=False)))


async def list_machines(ctx):
    """GET /Machines."""
    support = ctx.params.get("sessionsupport")
    machines = [machine for machine in ctx.site.machines
                if support is None or machine.catalog.session_support.lower() == support.lower()]
    return maybe_async(ctx, "GetMachines", lambda: page(
        ctx, machines, lambda machine: models.machine_model(machine, ctx.now, detail=False)))


async def search_machines(ctx):
    """POST /Machines/$search: MachineAndSessionSearchRequestModel; ``skip`` drops the first matches."""
    body = await _json_object(ctx)
    search = Search(body)
    skip = ctx.integer("skip", 0)
    if skip < 0:
        raise bad_request("The value '%d' is not valid for skip." % skip, "OutOfRange")
    found = search.run(ctx.site.machines, ctx.now)[skip:]
    return maybe_async(ctx, "DoMachineSearch", lambda: page(ctx, found, lambda model: model, query_body=body, total=True))


async def batch_request(ctx):
    """POST /$batch (see batch.py)."""
    return await batch.handle(ctx, dispatch, _json_object)


async def get_machine(ctx):
    """GET /Machines/{nameOrId}."""
    return json_response(200, ctx.fields(models.machine_model(ctx.machine(ctx.args[0]), ctx.now)))


async def head_machine(ctx):
    """HEAD /Machines/{name}."""
    ctx.machine(ctx.args[0])
    return json_response(204)


async def _json_object(ctx):
    """The request's JSON object body: 415 unless ``application/json``, 400 unless an object."""
    if ctx.request.content_type != "application/json":
        raise ApiError(415, models.error_data("Content-Type must be application/json.", "UnsupportedMediaType"))
    body = await read_json(ctx.request)
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


async def patch_machine(ctx):
    """PATCH /Machines/{nameOrId}: maintenance mode.

    ``MaintenanceModeReason`` is not a field of UpdateMachineRequestModel and is ignored; the machine then
    reports the reason ``Administrator`` while in maintenance and ``None`` when not.
    """
    machine = ctx.machine(ctx.args[0])
    body = await _json_object(ctx)
    enabled = body.get("InMaintenanceMode")
    if enabled is not None and not isinstance(enabled, bool):
        raise bad_request("InMaintenanceMode must be true, false or null.")
    if enabled is not None:
        if not enabled and machine.in_maintenance and machine.current(ctx.now)[2]:
            ctx.sim.estate.lifted_with_action_pending += 1
        was = machine.in_maintenance
        machine.set_maintenance(enabled)
        ctx.sim.estate.note_maintenance(ctx.site, int(machine.in_maintenance) - int(was))
    if ctx.flag("async"):
        job = ctx.site.new_job(ctx.client["client_id"], "UpdateMachineCatalogMachine", ctx.now,
                               [{"Name": "Id", "Value": machine.id}, {"Name": "Name", "Value": machine.name}],
                               duration=float(ctx.sim.estate.timings["job"]), result_location="/Machines/%s" % machine.id)
        return ctx.accepted(job)
    return json_response(204)


async def machine_sessions(ctx):
    """GET /Machines/{nameOrId}/Sessions."""
    machine = ctx.machine(ctx.args[0])
    machine.refresh(ctx.now)
    return json_response(200, {"Items": [ctx.fields(models.session_model(machine, session, ctx.now))
                                         for session in machine.sessions], "ContinuationToken": None})


async def power_action(ctx):
    """POST /Machines/{nameOrId}/$start|$shutdown|$reboot|$suspend|$resume."""
    machine = ctx.machine(ctx.args[0])
    kind = POWER_ACTIONS[ctx.args[1].lower()]
    force = ctx.flag("force")
    delay = ctx.integer("delay", 0) if kind in ("shutdown", "suspend") else 0
    detail = ctx.flag("detailResponseRequired", True)
    make_job = ctx.flag("async")
    if delay < 0:
        raise bad_request("The delay must not be negative.", "OutOfRange")
    if not set(ACTION_REQUIREMENTS[kind]) & set(machine.supported_power_actions):
        raise ApiError(400, models.error_data("Machine does not support specified power action.",
                                              "PowerActionsNotSupported"))
    try:
        job = ctx.site.start_power_action(machine, kind, ctx.client["client_id"], ctx.now, force=force, delay=delay,
                                          make_job=make_job)
    except PowerActionBusy as exc:
        raise ApiError(409, models.error_data("A power action is already in progress on the machine.",
                                              "PowerActionInProgress")) from exc
    if job is not None:
        return ctx.accepted(job)
    return json_response(200, models.machine_model(machine, ctx.now, detail=detail))


async def logoff_machine(ctx):
    """POST /Machines/{nameOrId}/$logoff: log off every session of the machine."""
    machine = ctx.machine(ctx.args[0])
    machine.end_sessions(ctx.now, "api")
    if ctx.flag("async"):
        job = ctx.site.new_job(ctx.client["client_id"], "LogoffMachineSessions", ctx.now,
                               [{"Name": "Id", "Value": machine.id}, {"Name": "Name", "Value": machine.name}],
                               duration=float(ctx.sim.estate.timings["job"]), result_location="/Machines/%s" % machine.id)
        return ctx.accepted(job)
    return json_response(200, models.machine_model(machine, ctx.now, detail=ctx.flag("detailResponseRequired", True)))


def _tag(ctx, name_or_id):
    tag = ctx.site.find_tag(name_or_id)
    if tag is None:
        raise not_found("Tag", name_or_id)
    return tag


def _machine_tags(ctx, machine):
    """TagResponseModelCollection of a machine's tags; NumMachines counts within the machine (1: directly applied)."""
    return {"Items": [ctx.fields(models.tag_model(tag, 1)) for tag in machine.tags], "ContinuationToken": None}


async def list_tags(ctx):
    """GET /Tags."""
    counts = ctx.site.tag_machine_counts()
    return json_response(200, page(ctx, list(ctx.site.tags), lambda tag: models.tag_model(tag, counts.get(tag.id, 0))))


async def get_tag(ctx):
    """GET /Tags/{nameOrId}: TagDetailResponseModel."""
    tag = _tag(ctx, ctx.args[0])
    return json_response(200, models.tag_model(tag, ctx.site.tag_machine_counts().get(tag.id, 0), detail=True))


async def create_tag(ctx):
    """POST /Tags (TagRequestModel): 200 TagResponseModel; 409 when the name (or the Uuid) exists."""
    body = await _json_object(ctx)
    name = body.get("Name")
    description = body.get("Description")
    tag_id = body.get("Uuid")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("The tag Name is required.")
    if description is not None and not isinstance(description, str):
        raise bad_request("The tag Description must be a string.")
    if tag_id is not None:
        try:
            tag_id = str(uuid.UUID(str(tag_id)))
        except ValueError as exc:
            raise bad_request("The tag Uuid must be a GUID.") from exc
    name = name.strip()
    if ctx.site.find_tag(name) is not None or (tag_id and ctx.site.find_tag(tag_id) is not None):
        raise ApiError(409, models.error_data("A tag named '%s' already exists." % name, "TagAlreadyExists"))
    tag = ctx.site.add_tag(name, description, tag_id or str(uuid.uuid4()))
    if ctx.flag("async"):
        return ctx.accepted(ctx.site.new_job(ctx.client["client_id"], "CreateTag", ctx.now, [{"Name": "Name", "Value": name}],
                                             duration=float(ctx.sim.estate.timings["job"]), result_location="/Tags/%s" % tag.id))
    return json_response(200, models.tag_model(tag, 0))


async def edit_tag(ctx):
    """PATCH /Tags/{nameOrId} (TagRequestModel): 204; the Name and the Description given replace the tag's."""
    tag = _tag(ctx, ctx.args[0])
    body = await _json_object(ctx)
    name, description = body.get("Name"), body.get("Description")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise bad_request("The tag Name must not be empty.")
    if description is not None and not isinstance(description, str):
        raise bad_request("The tag Description must be a string.")
    if name is not None:
        other = ctx.site.find_tag(name.strip())
        if other is not None and other is not tag:
            raise ApiError(409, models.error_data("A tag named '%s' already exists." % name.strip(), "TagAlreadyExists"))
        tag.name = name.strip()
    if description is not None:
        tag.description = description
    return json_response(204)


async def delete_tag(ctx):
    """DELETE /Tags/{nameOrId}: 204; the tag is taken off every machine."""
    tag = _tag(ctx, ctx.args[0])
    ctx.site.delete_tag(tag)
    if ctx.flag("async"):
        return ctx.accepted(ctx.site.new_job(ctx.client["client_id"], "DeleteTag", ctx.now,
                                             [{"Name": "Id", "Value": tag.id}, {"Name": "Name", "Value": tag.name}],
                                             duration=float(ctx.sim.estate.timings["job"]), result_location="/Tags"))
    return json_response(204)


async def get_machine_tags(ctx):
    """GET /Machines/{nameOrId}/Tags."""
    return json_response(200, _machine_tags(ctx, ctx.machine(ctx.args[0])))


def _tag_job(ctx, machine, tag):
    return ctx.accepted(ctx.site.new_job(
        ctx.client["client_id"], "SetTagMachines", ctx.now,
        [{"Name": "Id", "Value": machine.id}, {"Name": "Name", "Value": machine.name}, {"Name": "TagId", "Value": tag.id}],
        duration=float(ctx.sim.estate.timings["job"]), result_location="/Machines/%s/Tags" % machine.id))


async def add_machine_tag(ctx):
    """POST /Machines/{nameOrId}/Tags/{tagNameOrId}: 200 with the machine's tags (already tagged: 200, no duplicate)."""
    machine = ctx.machine(ctx.args[0])
    tag = _tag(ctx, ctx.args[1])
    if not machine.has_tag(tag):
        machine.tags.append(tag)
    if ctx.flag("async"):
        return _tag_job(ctx, machine, tag)
    return json_response(200, _machine_tags(ctx, machine))


async def remove_machine_tag(ctx):
    """DELETE /Machines/{nameOrId}/Tags/{tagNameOrId}: 204; 404 for an unknown tag or one the machine lacks."""
    machine = ctx.machine(ctx.args[0])
    tag = _tag(ctx, ctx.args[1])
    if not machine.has_tag(tag):
        raise ApiError(404, models.error_data("Machine '%s' does not have the tag '%s'." % (machine.name, tag.name),
                                              "ObjectNotFound"))
    machine.tags = [own for own in machine.tags if own is not tag]
    if ctx.flag("async"):
        return _tag_job(ctx, machine, tag)
    return json_response(204)


def _all_sessions(ctx):
    pairs = []
    for machine in ctx.site.machines:
        if machine.sessions:
            machine.refresh(ctx.now)
            pairs.extend((machine, session) for session in machine.sessions)
    return pairs


async def list_sessions(ctx):
    """GET /Sessions."""
    pairs = _all_sessions(ctx)
    return maybe_async(ctx, "GetSessions", lambda: page(
        ctx, pairs, lambda pair: models.session_model(pair[0], pair[1], ctx.now)))


async def search_sessions(ctx):
    """POST /Sessions/$search: MachineAndSessionSearchRequestModel over the sessions (machine properties match the
    sessions of the machines that match); ``skip`` drops the first matches. The option ``session_search_status``
    makes it answer that status instead, as a site that does not serve it."""
    status = ctx.sim.options.get("session_search_status")
    if status:
        raise ApiError(status, models.error_data(*batch.UNAVAILABLE.get(status, (
            "The search property is not valid.", "InvalidArgument"))))
    body = await _json_object(ctx)
    search = SessionSearch(body)
    skip = ctx.integer("skip", 0)
    if skip < 0:
        raise bad_request("The value '%d' is not valid for skip." % skip, "OutOfRange")
    found = search.run(ctx.site, ctx.now)[skip:]
    return maybe_async(ctx, "DoSessionSearch", lambda: page(
        ctx, found, lambda pair: models.session_model(pair[0], pair[1], ctx.now), query_body=body, total=True))


def _session(ctx):
    machine, session = ctx.site.find_session(ctx.args[0])
    if session is None:
        raise not_found("Session", ctx.args[0])
    return machine, session


async def get_session(ctx):
    """GET /Sessions/{id}."""
    machine, session = _session(ctx)
    return json_response(200, ctx.fields(models.session_model(machine, session, ctx.now)))


def _session_done(ctx, job_type, session, body=None):
    """The answer of a session action: ``body`` (200) or 204, or with ``async=true`` 202 and a job that names the
    session (whose results are ``body``, when the action answers one)."""
    if ctx.flag("async"):
        job = ctx.site.new_job(ctx.client["client_id"], job_type, ctx.now, [{"Name": "Id", "Value": session.id}],
                               duration=float(ctx.sim.estate.timings["job"]), results=body)
        if body is not None:
            job.result_location = "/Jobs/%s/Results" % job.id
        return ctx.accepted(job)
    return json_response(200, body) if body is not None else json_response(204)


async def logoff_session(ctx):
    """POST /Sessions/{id}/$logoff (204, or 202 with async=true)."""
    machine, session = _session(ctx)
    machine.end_session(session, ctx.now, "api")
    return _session_done(ctx, "LogoffSessions", session)


async def disconnect_session(ctx):
    """POST /Sessions/{id}/$disconnect: 200 SessionResponseModel (a disconnected session stays so), or 202."""
    machine, session = _session(ctx)
    machine.disconnect_session(session, ctx.now)
    return _session_done(ctx, "DisconnectSessions", session, models.session_model(machine, session, ctx.now))


async def send_session_message(ctx):
    """POST /Sessions/{id}/$sendMessage (SendMessageRequestModel): 200 SessionResponseModel, or 202.

    ``Text`` is required (a message box needs one), ``Style`` must be a MessageStyle (default Information). The
    session may end because of it (a user told to log off after the N-th message): the answer then shows it as it
    was last, with ``LogoffInProgress``.
    """
    machine, session = _session(ctx)
    body = await _json_object(ctx)
    unknown = sorted(set(body) - {"Style", "Title", "Text"})
    if unknown:
        raise bad_request("The property '%s' is not part of SendMessageRequestModel." % unknown[0])
    style = body.get("Style") if body.get("Style") is not None else "Information"
    if style not in MESSAGE_STYLES:
        raise bad_request("The value '%s' is not valid for Style: use one of %s." % (style, ", ".join(MESSAGE_STYLES)))
    for name in ("Title", "Text"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise bad_request("%s must be a string." % name)
    if not body.get("Text"):
        raise bad_request("Text is required: the message to display.")
    machine.send_message(session, ctx.now, body.get("Title") or "", body["Text"], style)
    answer = models.session_model(machine, session, ctx.now)
    answer["LogoffInProgress"] = session not in machine.sessions
    return _session_done(ctx, "SendSessionMessage", session, answer)


async def hide_session(ctx):
    """POST /Sessions/{id}/$hide: 204, or 202."""
    session = _session(ctx)[1]
    session.hidden = True
    return _session_done(ctx, "HideSession", session)


async def unhide_session(ctx):
    """POST /Sessions/{id}/$unhide: 204, or 202."""
    session = _session(ctx)[1]
    session.hidden = False
    return _session_done(ctx, "UnhideSession", session)


async def list_delivery_groups(ctx):
    """GET /DeliveryGroups."""
    return maybe_async(ctx, "GetDeliveryGroups", lambda: page(
        ctx, ctx.site.delivery_groups, lambda group: models.delivery_group_model(group, ctx.now)))


def _delivery_group(ctx):
    group = ctx.site.find_delivery_group(ctx.args[0])
    if group is None:
        raise not_found("Delivery group", ctx.args[0])
    return group


async def get_delivery_group(ctx):
    """GET /DeliveryGroups/{nameOrId}."""
    return json_response(200, ctx.fields(models.delivery_group_model(_delivery_group(ctx), ctx.now, detail=True)))


async def delivery_group_machines(ctx):
    """GET /DeliveryGroups/{nameOrId}/Machines."""
    group = _delivery_group(ctx)
    return json_response(200, page(ctx, group.machines, lambda machine: models.machine_model(machine, ctx.now, detail=False)))


def _job(ctx):
    job = ctx.site.jobs.get(ctx.args[0].lower())
    if job is None or job.owner != ctx.client["client_id"]:
        raise not_found("Job", ctx.args[0])
    return job


async def list_jobs(ctx):
    """GET /Jobs (the caller's own jobs)."""
    jobs = sorted((job for job in ctx.site.jobs.values() if job.owner == ctx.client["client_id"]),
                  key=lambda job: job.created)
    return json_response(200, {"Items": [models.job_model(job, ctx.now) for job in jobs], "ContinuationToken": None})


async def get_job(ctx):
    """GET /Jobs/{id}."""
    return json_response(200, models.job_model(_job(ctx), ctx.now))


async def delete_job(ctx):
    """DELETE /Jobs/{id}: only once the job has ended."""
    job = _job(ctx)
    if job.evaluate(ctx.now)[0] not in TERMINAL_JOB_STATES:
        raise ApiError(409, models.error_data("The job is still in progress and cannot be deleted.", "JobInProgress"))
    del ctx.site.jobs[job.id]
    return json_response(204)


async def cancel_job(ctx):
    """POST /Jobs/{id}/$cancel: allowed while cancellable, or once the job has ended."""
    job = _job(ctx)
    status = job.evaluate(ctx.now)[0]
    if status not in TERMINAL_JOB_STATES:
        if not job.is_cancellable(ctx.now):
            raise ApiError(409, models.error_data("The job cannot be cancelled.", "JobNotCancellable"))
        job.cancel(ctx.now)
    return json_response(200, models.job_model(job, ctx.now))


async def job_results(ctx):
    """GET /Jobs/{id}/Results: stored results, or 303 to the object the job worked on."""
    job = _job(ctx)
    status = job.evaluate(ctx.now)[0]
    if status not in ("Complete", "CompleteWithWarning"):
        raise bad_request("The job has not completed; its results are not available.", "JobNotComplete")
    if job.results is not None:
        return json_response(200, job.results)
    if job.result_location:
        return json_response(303, None, {"Location": "%s/cvad/manage%s" % (ctx.base_url(), job.result_location)})
    return json_response(200, {})


# The calls on the customer rather than on one of its sites (spec paths without {siteid}).
CUSTOMER_ROUTES = [
    ("GET", ("me",), get_me),
    ("GET", ("sites",), list_sites),
    ("GET", ("sites", None), get_site),
]
CUSTOMER_HANDLERS = {handler for _method, _pattern, handler in CUSTOMER_ROUTES}
ROUTES = CUSTOMER_ROUTES + [
    ("GET", ("machinecatalogs",), list_catalogs),
    ("GET", ("machinecatalogs", None), get_catalog),
    ("GET", ("machinecatalogs", None, "machines"), catalog_machines),
    ("GET", ("machines",), list_machines),
    ("POST", ("machines", "$search"), search_machines),
    ("POST", ("$batch",), batch_request),
    ("GET", ("machines", None), get_machine),
    ("HEAD", ("machines", None), head_machine),
    ("PATCH", ("machines", None), patch_machine),
    ("GET", ("machines", None, "sessions"), machine_sessions),
    ("POST", ("machines", None, "$logoff"), logoff_machine),
    ("GET", ("machines", None, "tags"), get_machine_tags),
    ("POST", ("machines", None, "tags", None), add_machine_tag),
    ("DELETE", ("machines", None, "tags", None), remove_machine_tag),
    ("GET", ("tags",), list_tags),
    ("POST", ("tags",), create_tag),
    ("GET", ("tags", None), get_tag),
    ("PATCH", ("tags", None), edit_tag),
    ("DELETE", ("tags", None), delete_tag),
    ("GET", ("sessions",), list_sessions),
    ("POST", ("sessions", "$search"), search_sessions),
    ("GET", ("sessions", None), get_session),
    ("POST", ("sessions", None, "$logoff"), logoff_session),
    ("POST", ("sessions", None, "$disconnect"), disconnect_session),
    ("POST", ("sessions", None, "$sendmessage"), send_session_message),
    ("POST", ("sessions", None, "$hide"), hide_session),
    ("POST", ("sessions", None, "$unhide"), unhide_session),
    ("GET", ("deliverygroups",), list_delivery_groups),
    ("GET", ("deliverygroups", None), get_delivery_group),
    ("GET", ("deliverygroups", None, "machines"), delivery_group_machines),
    ("GET", ("jobs",), list_jobs),
    ("GET", ("jobs", None), get_job),
    ("DELETE", ("jobs", None), delete_job),
    ("POST", ("jobs", None, "$cancel"), cancel_job),
    ("GET", ("jobs", None, "results"), job_results),
]


# A delivery group's day-2 objects live in their own module, which reads this one's helpers.
from . import delivery_groups  # noqa: E402  pylint: disable=wrong-import-position


def find_route(method, segments, lowered):
    """Return ``(handler, args)``; raises 404/405 ApiError."""
    if len(lowered) == 3 and lowered[0] == "machines" and lowered[2] in POWER_ACTIONS:
        if method != "POST":
            raise ApiError(405, models.error_data("Method not allowed.", "MethodNotAllowed"))
        return power_action, [segments[1], segments[2]]
    path_matched = False
    for route_method, pattern, handler in ROUTES + delivery_groups.ROUTES:
        if len(pattern) != len(lowered):
            continue
        if all(part is None or part == actual for part, actual in zip(pattern, lowered)):
            path_matched = True
            if route_method == method:
                return handler, [segment for part, segment in zip(pattern, segments) if part is None]
    if path_matched:
        raise ApiError(405, models.error_data("Method not allowed.", "MethodNotAllowed"))
    raise ApiError(404, models.error_data("The requested resource was not found.", "ObjectNotFound"))


def _check_headers(sim, request, segments, lowered):
    """Return ``(client, site)`` after the header checks, in the documented order."""
    client = authenticate(sim, request)
    if request.headers.get("Accept", "").strip() != "application/json":
        raise ApiError(406, {"detail": "Must accept application/json media type",
                             "parameters": {"contentType": "application/json"},
                             "type": "https://errors-api.cloud.com/common/notAcceptable"})
    customer = request.headers.get("Citrix-CustomerId")
    if not customer:
        raise ApiError(500, {"activityId": str(uuid.uuid4()), "message": "Internal server error", "statusCode": 500})
    check_customer(sim, customer)
    if find_route(request.method, segments, lowered)[0] in CUSTOMER_HANDLERS:
        return client, None
    instance = request.headers.get("Citrix-InstanceId")
    if not instance:
        raise ApiError(400, models.error_data("The Citrix-InstanceId header is required.", "MissingInstanceId"))
    site = sim.estate.find_site(instance)
    if site is None:
        raise not_found("Site", instance)
    return client, site


async def dispatch(sim, request, site, client, segments, lowered):
    """Route a request (or a batch item) whose headers have been checked to its handler."""
    handler, args = find_route(request.method, segments, lowered)
    return await handler(Context(sim, request, site, client, args))


async def handle(sim, request, segments, lowered):
    """Serve one ``/cvad/manage/...`` request."""
    transaction = request.headers.get("Citrix-TransactionId") or str(uuid.uuid4())
    try:
        client, site = _check_headers(sim, request, segments, lowered)
        response = await dispatch(sim, request, site, client, segments, lowered)
    except ApiError as error:
        error.headers["Citrix-TransactionId"] = transaction
        raise
    response.headers["Citrix-TransactionId"] = transaction
    return response
