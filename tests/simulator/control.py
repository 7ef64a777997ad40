"""Control endpoints under ``/_sim/`` for tests and demos.  They are not part of any real API."""

import math

from . import delivery_groups, models
from .faults import Faults
from .responses import ApiError, json_response, read_json
from .scenario import ScenarioError
from .state import JobBehaviour, rfc3339
from .triggers import Trigger, TriggerError


def _error(status, message):
    return ApiError(status, {"error": message})


async def _body(request):
    if not request.can_read_body:
        return {}
    body = await read_json(request)
    if not isinstance(body, dict):
        raise _error(400, "the body must be a JSON object")
    return body


def _machine(sim, name_or_id):
    _site, machine = sim.estate.find_machine(name_or_id)
    if machine is None:
        raise _error(404, "machine %r not found" % name_or_id)
    return machine


async def requests_log(sim, request):
    """GET (``?since=N``) or DELETE the request log."""
    if request.method == "DELETE":
        sim.requests = []
        return json_response(200, {"requests": []})
    since = request.rel_url.query.get("since", "0")
    if not since.isdigit():
        raise _error(400, "since must be a number")
    return json_response(200, {"requests": [entry for entry in sim.requests if entry["seq"] > int(since)]})


async def reset(sim, request):
    """POST ``{"scenario": name | path | mapping}``."""
    body = await _body(request)
    try:
        sim.reset(body.get("scenario", "integration"))
    except (ScenarioError, OSError, KeyError, TypeError, ValueError) as exc:
        raise _error(400, "cannot load scenario: %s" % exc) from exc
    return json_response(200, {"reset": True, "machines": sum(len(site.machines) for site in sim.estate.sites)})


async def state(sim, _request):
    """GET every machine (API model plus counters), the totals and the simulated time now."""
    now = sim.now()
    machines = []
    for site in sim.estate.sites:
        for machine in site.machines:
            body = models.machine_model(machine, now)
            body["SiteId"] = site.id
            body["Counters"] = {"SessionsLost": machine.sessions_lost, "PowerActions": dict(machine.power_action_counts)}
            machines.append(body)
    totals = {"sessions_lost": sim.estate.sessions_lost, "power_actions": sim.estate.power_actions,
              "token_requests": sim.token_requests, "mutating_requests": sim.mutating_requests,
              "batch_items": sim.batch_items, "most_in_maintenance": sim.estate.most_in_maintenance,
              "lifted_with_action_pending": sim.estate.lifted_with_action_pending}
    groups = [delivery_groups.group_state(site, group) for site in sim.estate.sites for group in site.delivery_groups]
    return json_response(200, {"machines": machines, "totals": totals, "notifications": sim.estate.notifications,
                               "delivery_groups": groups, "now": rfc3339(now)})


SESSION_KEYS = ("user", "state", "minutes_in_state", "logoff_after_messages")


async def machine_sessions(sim, request, name_or_id):
    """POST adds one session (``{"user", "state", "minutes_in_state", "logoff_after_messages"}``, all optional);
    DELETE ends every session of the machine (its users log off)."""
    machine = _machine(sim, name_or_id)
    now = sim.now()
    if request.method == "DELETE":
        return json_response(200, {"ended": machine.end_sessions(now), "SessionCount": 0})
    body = await _body(request)
    unknown = sorted(set(body) - set(SESSION_KEYS))
    if unknown:
        raise _error(400, "unknown session keys: %s" % ", ".join(unknown))
    if not machine.can_accept_session(now):
        raise _error(409, "machine %s cannot accept a session (off, unregistered or in maintenance)" % machine.name)
    spec = dict((key, value) for key, value in body.items() if key != "user" and value is not None)
    try:
        session = machine.add_session(now, body.get("user"), **spec)
    except (TypeError, ValueError) as exc:
        raise _error(400, "invalid session: %s" % exc) from exc
    return json_response(200, {"Id": session.id, "User": session.user, "SessionCount": len(machine.sessions)})


async def sessions(sim, request):
    """GET the sessions (``?machine=`` one machine's), each with the messages it received, and the sessions that
    ended since the last reset (with when and why); the count of messages delivered."""
    now = sim.now()
    wanted = request.rel_url.query.get("machine")
    machines = [_machine(sim, wanted)] if wanted else [machine for site in sim.estate.sites for machine in site.machines]
    current = []
    for machine in machines:
        if machine.sessions:
            machine.refresh(now)
            current.extend(session.describe(machine) for session in machine.sessions)
    ended = [entry for entry in sim.estate.ended_sessions if not wanted or entry["Machine"] == machines[0].name]
    return json_response(200, {"sessions": current, "ended": ended, "messages_sent": sim.estate.messages_sent})


async def session_behaviour(sim, request, session_id):
    """PATCH one session: ``{"logoff_after_messages": N | null}`` (the user logs off on their own at the N-th
    message, or stays)."""
    body = await _body(request)
    unknown = sorted(set(body) - {"logoff_after_messages"})
    if unknown:
        raise _error(400, "unknown session keys: %s" % ", ".join(unknown))
    after = body.get("logoff_after_messages")
    if after is not None and (isinstance(after, bool) or not isinstance(after, int) or after < 1):
        raise _error(400, "logoff_after_messages must be a positive integer or null")
    for site in sim.estate.sites:
        machine, session = site.find_session(session_id)
        if session is not None:
            session.logoff_after_messages = after
            return json_response(200, session.describe(machine))
    raise _error(404, "session %r not found" % session_id)


async def triggers(sim, request):
    """POST a trigger, DELETE all, GET the list."""
    if request.method == "DELETE":
        sim.triggers = []
        sim.thaw()
        return json_response(200, {"triggers": []})
    if request.method == "POST":
        try:
            sim.triggers.append(Trigger(await _body(request), lambda name: sim.estate.find_machine(name)[1]))
        except TriggerError as exc:
            raise _error(400, "invalid trigger: %s" % exc) from exc
    return json_response(200, {"triggers": [trigger.describe() for trigger in sim.triggers], "held": sim.held})


async def faults(sim, request):
    """POST sets the faults (replacing earlier ones), DELETE clears them, GET shows them."""
    if request.method == "DELETE":
        sim.faults = Faults()
    elif request.method == "POST":
        try:
            sim.faults = Faults(await _body(request))
        except (TypeError, ValueError) as exc:
            raise _error(400, "invalid faults: %s" % exc) from exc
    return json_response(200, {"faults": sim.faults.settings, "injected": dict(sim.faults.injected)})


async def tokens(sim, _request):
    """GET every bearer token issued since the last reset (for tests that look for leaked secrets)."""
    return json_response(200, {"tokens": list(sim.tokens)})


async def expire_tokens(sim, _request):
    """POST: every issued token expires now."""
    sim.expire_tokens()
    return json_response(200, {"expired": len(sim.tokens)})


async def create_job(sim, request):
    """POST a scripted job owned by the scenario's first API client."""
    body = await _body(request)
    estate = sim.estate
    if not estate.sites or not estate.clients:
        raise _error(409, "the scenario has no site or no API client")
    outcome = body.get("outcome", "Complete")
    if outcome not in ("Complete", "CompleteWithWarning", "Failed", "Canceled"):
        raise _error(400, "outcome must be Complete, CompleteWithWarning, Failed or Canceled")
    site = estate.sites[0]
    error = None
    if outcome == "Failed":
        error = (body.get("error_code", "UnknownError"), body.get("error_string", "The job failed."))
    duration = math.inf if body.get("never_ends") else float(body.get("duration_seconds", 10))
    job = site.new_job(next(iter(estate.clients)), body.get("type", "RebootMachines"), sim.now(),
                       body.get("parameters", []), scripted=True, duration=duration, outcome=outcome,
                       cancellable=bool(body.get("cancellable", True)), results=body.get("results"), error=error)
    if job.results is not None:
        job.result_location = "/Jobs/%s/Results" % job.id
    location = "%s://%s/cvad/manage/Jobs/%s" % (request.scheme, request.host, job.id)
    return json_response(200, {"Id": job.id, "Location": location})


async def job_behaviour(sim, request):
    """POST sets which job types fail or never end (replacing earlier settings), DELETE clears, GET shows."""
    if request.method == "DELETE":
        sim.estate.job_behaviour = JobBehaviour()
    elif request.method == "POST":
        try:
            sim.estate.job_behaviour = JobBehaviour(await _body(request))
        except ValueError as exc:
            raise _error(400, "invalid job behaviour: %s" % exc) from exc
    return json_response(200, sim.estate.job_behaviour.settings)


async def options(sim, request):
    """POST changes site behaviours (``batch_status``, ``session_search_status``, ``repeat_filtered_token``), GET shows
    them."""
    if request.method == "POST":
        body = await _body(request)
        unknown = set(body) - set(sim.options)
        if unknown:
            raise _error(400, "unknown options: %s" % ", ".join(sorted(unknown)))
        if body.get("batch_status") not in (None, 404, 405, 501):
            raise _error(400, "batch_status must be null, 404, 405 or 501")
        if body.get("session_search_status") not in (None, 400, 404, 405, 501):
            raise _error(400, "session_search_status must be null, 400, 404, 405 or 501")
        if not isinstance(body.get("repeat_filtered_token", False), bool):
            raise _error(400, "repeat_filtered_token must be true or false")
        sim.options.update(body)
    return json_response(200, dict(sim.options))


async def pce_options(sim, request):
    """POST the PCE options (``location``, ``job_seconds``, ``outcome``, ``retry_after``)."""
    if request.method == "POST":
        try:
            sim.pce.set_options(await _body(request))
        except ValueError as exc:
            raise _error(400, str(exc)) from exc
    return json_response(200, dict(sim.pce.options))


async def handle(sim, request, segments):
    """Route ``/_sim/...``."""
    lowered = [segment.lower() for segment in segments]
    method = request.method
    simple = {
        ("requests",): (("GET", "DELETE"), requests_log),
        ("reset",): (("POST",), reset),
        ("state",): (("GET",), state),
        ("triggers",): (("GET", "POST", "DELETE"), triggers),
        ("faults",): (("GET", "POST", "DELETE"), faults),
        ("tokens",): (("GET",), tokens),
        ("tokens", "expire"): (("POST",), expire_tokens),
        ("jobs",): (("POST",), create_job),
        ("jobs", "behaviour"): (("GET", "POST", "DELETE"), job_behaviour),
        ("options",): (("GET", "POST"), options),
        ("sessions",): (("GET",), sessions),
        ("pce", "options"): (("GET", "POST"), pce_options),
    }
    entry = simple.get(tuple(lowered))
    if entry is not None:
        if method not in entry[0]:
            raise _error(405, "method not allowed")
        return await entry[1](sim, request)
    if len(lowered) == 3 and lowered[0] == "machines" and lowered[2] == "sessions" and method in ("POST", "DELETE"):
        return await machine_sessions(sim, request, segments[1])
    if len(lowered) == 2 and lowered[0] == "sessions" and method == "PATCH":
        return await session_behaviour(sim, request, segments[1])
    raise _error(404, "unknown control endpoint")
