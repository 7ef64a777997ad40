"""The aiohttp application: one catch-all handler that applies faults, routes, logs and fires triggers.

Paths are matched case-insensitively (``/cvad/manage/Me`` and ``/me`` both work)
and each path segment is percent-decoded on its own, so ``DOMAIN%7CNAME`` and
``Folder%7CName`` arrive as one segment.
"""

import asyncio
import re
import time
import uuid
from email.utils import formatdate
from urllib.parse import unquote

from aiohttp import web

from . import cloud, control, daas, onprem, pce
from .faults import SLOW, Faults
from .responses import ApiError, json_response
from .scenario import load_scenario
from .state import Estate, SimClock

SECRET_QUERY_KEYS = re.compile(r"secret|token|password|key|auth", re.IGNORECASE)
MUTATING_METHODS = ("POST", "PUT", "PATCH", "DELETE")
LOG_LIMIT = 200000
# Site behaviours set through /_sim/options: the status $batch and Sessions/$search answer (None: served) and the
# paging quirk.
DEFAULT_OPTIONS = {"batch_status": None, "session_search_status": None, "repeat_filtered_token": False}


def not_found():
    """The gateway's 404 for a path no service serves."""
    return ApiError(404, {"type": "https://errors-api.cloud.com/common/notFound", "detail": "Not found", "parameters": []})


class Simulator:
    """The whole simulated service: estate, tokens, request log, faults, triggers and the PCE."""

    def __init__(self, scenario, time_scale=1.0, latency_ms=0, deployment=None):
        self.clock = SimClock(time_scale)
        # cloud or on_premises for every scenario loaded, else each scenario's own `deployment` (default cloud).
        self.deployment = deployment
        self.base_latency_ms = latency_ms
        self.faults = Faults()
        self.requests = []
        self.sequence = 0
        self.triggers = []
        # Cleared by a freeze trigger: requests wait for it, then are dropped unserved; how many wait.
        self.thawed = asyncio.Event()
        self.thawed.set()
        self.held = 0
        self.tokens = {}
        self.token_requests = 0
        self.mutating_requests = 0
        self.batch_items = 0
        self.options = dict(DEFAULT_OPTIONS)
        self.estate = None
        self.pce = None
        self.reset(scenario)

    def reset(self, scenario):
        """Load ``scenario`` (name, path or mapping); clear log, faults, triggers, tokens and options."""
        data = load_scenario(scenario)
        self.estate = Estate(data, self.clock, self.deployment)
        self.pce = pce.PceService(data.get("pce") or {}, self.clock)
        self.requests = []
        self.faults = Faults()
        self.triggers = []
        self.thaw()
        self.tokens = {}
        self.token_requests = 0
        self.mutating_requests = 0
        self.batch_items = 0
        self.options = dict(DEFAULT_OPTIONS)

    def freeze(self):
        """Hold every later request until thaw(), which drops them unserved (as if the service had been down)."""
        self.thawed.clear()

    def thaw(self):
        """End a freeze: the held requests' connections are dropped, later requests served."""
        self.thawed.set()

    def now(self):
        """Simulated epoch seconds."""
        return self.clock.now()

    # ----- tokens -----------------------------------------------------------------------------

    def issue_token(self, client_id):
        """Create a bearer token for ``client_id``; returns ``(token, lifetime_seconds)``."""
        token = uuid.uuid4().hex + uuid.uuid4().hex + uuid.uuid4().hex + uuid.uuid4().hex
        lifetime = self.estate.token_lifetime
        self.tokens[token] = {"client_id": client_id, "expires": time.time() + lifetime}
        return token, lifetime

    def expire_tokens(self):
        """Expire every issued token now."""
        for entry in self.tokens.values():
            entry["expires"] = time.time() - 1

    # ----- request log ------------------------------------------------------------------------

    def log_request(self, request, status, sign_in=False, work_s=None):
        """Append one HTTP request to the request log (secrets in the query masked); ``work_s`` is how long the
        simulator took to answer it once its latency had passed."""
        self.log_entry(request.method, request.rel_url.path, request.rel_url.query, status,
                       request.headers.get("Citrix-TransactionId"), sign_in=sign_in, work_s=work_s)

    def is_sign_in(self, lowered):
        """True for the path of this site's token endpoint (Citrix Cloud's, or a controller's)."""
        if self.estate.on_premises:
            return tuple(lowered) in onprem.TOKEN_PATHS
        return lowered[:1] == ["cctrustoauth2"] and len(lowered) == 4 and lowered[2:] == ["tokens", "clients"]

    def log_entry(self, method, path, query, status, transaction_id, batch_reference=None, sign_in=False, work_s=None):
        """Append one entry; ``batch_reference`` marks an item of a ``$batch`` request (not an HTTP request), and
        ``sign_in`` a request to the token endpoint, whichever kind of site this is."""
        self.sequence += 1
        masked = {key: "***" if SECRET_QUERY_KEYS.search(key) else value for key, value in query.items()}
        entry = {"seq": self.sequence, "method": method, "path": path, "query": masked, "status": status,
                 "time": time.time(), "transaction_id": transaction_id, "batch_item": batch_reference is not None,
                 "sign_in": sign_in}
        if batch_reference is not None:
            entry["batch_reference"] = batch_reference
        if work_s is not None:
            entry["work_s"] = round(work_s, 6)
        self.requests.append(entry)
        if len(self.requests) > LOG_LIMIT:
            del self.requests[:LOG_LIMIT // 10]

    # ----- triggers ---------------------------------------------------------------------------

    def fire_triggers(self, method, path):
        """Count the request (or batch item) against every trigger and fire the triggers that are due."""
        for trigger in self.triggers:
            if not trigger.fired and trigger.matches(method, path):
                trigger.seen += 1
                if trigger.seen >= trigger.count:
                    trigger.fire(self)

    # ----- dispatch ---------------------------------------------------------------------------

    async def handle(self, request):
        """Entry point for every request."""
        raw_path = request.rel_url.raw_path
        segments = [unquote(part) for part in raw_path.strip("/").split("/")] if raw_path.strip("/") else []
        lowered = [segment.lower() for segment in segments]
        if lowered[:1] == ["_sim"]:
            try:
                return await control.handle(self, request, segments[1:])
            except ApiError as error:
                return json_response(error.status, error.body, error.headers)
        if not self.thawed.is_set():
            self.held += 1
            try:
                await self.thawed.wait()
            finally:
                self.held -= 1
            self.log_request(request, None)
            if request.transport is not None:
                request.transport.close()
            raise asyncio.CancelledError()
        fault = await self.faults.apply(raw_path, self.base_latency_ms, request.headers)
        latency_passed = time.monotonic()
        if fault == "drop":
            self.log_request(request, None)
            request.transport.close()
            raise asyncio.CancelledError()
        if fault is not None and fault != SLOW:
            response = fault
            if lowered[:2] == ["cvad", "manage"]:
                # Every DaaS answer, injected errors included, carries the (echoed or new) transaction id.
                response.headers["Citrix-TransactionId"] = request.headers.get("Citrix-TransactionId") or str(uuid.uuid4())
        else:
            try:
                response = await self.route(request, segments, lowered)
            except ApiError as error:
                response = json_response(error.status, error.body, error.headers)
        work_s = time.monotonic() - latency_passed
        if fault == SLOW:
            await self.faults.delay_answer()
        # The server's own clock: the simulated time (a client measures ages in the API's times against it).
        response.headers["Date"] = formatdate(self.now(), usegmt=True)
        sign_in = self.is_sign_in(lowered)
        if request.method in MUTATING_METHODS and not sign_in:
            self.mutating_requests += 1
        self.log_request(request, response.status, sign_in, work_s)
        if self.triggers:
            self.fire_triggers(request.method, request.rel_url.path)
        return response

    async def route(self, request, segments, lowered):
        """Send the request to the service that owns its path."""
        if self.estate.on_premises:
            return await self.route_on_premises(request, segments, lowered)
        if lowered[:1] == ["cctrustoauth2"] and len(lowered) == 4 and lowered[2:] == ["tokens", "clients"]:
            return await cloud.token(self, request, segments[1])
        if lowered[:2] == ["cvad", "manage"]:
            return await daas.handle(self, request, segments[2:], lowered[2:])
        if lowered[:2] == ["api", "v2"]:
            return await pce.handle(self, request, segments[2:], lowered[2:])
        if lowered == ["notifications"]:
            return await cloud.notification(self, request, None)
        if len(lowered) == 3 and lowered[1:] == ["notifications", "items"]:
            return await cloud.notification(self, request, segments[0])
        if lowered == ["resourcelocations"]:
            return await cloud.resource_locations(self, request, None)
        if len(lowered) == 2 and lowered[1] == "resourcelocations":
            return await cloud.resource_locations(self, request, segments[0])
        raise not_found()

    async def route_on_premises(self, request, segments, lowered):
        """A Delivery Controller's paths: its token endpoints, both API base paths and the PCE (no Citrix Cloud)."""
        if self.is_sign_in(lowered):
            return await onprem.token(self, request)
        start = onprem.orchestration_target(lowered)
        if start is not None:
            return await daas.handle(self, onprem.as_manage_request(request, segments), segments[start:],
                                     lowered[start:])
        if lowered[:2] == ["cvad", "manage"]:
            return await daas.handle(self, request, segments[2:], lowered[2:])
        if lowered[:2] == ["api", "v2"]:
            return await pce.handle(self, request, segments[2:], lowered[2:])
        raise not_found()


def make_app(simulator):
    """Build the aiohttp application around ``simulator``."""
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app["simulator"] = simulator
    app.router.add_route("*", "/{tail:.*}", simulator.handle)
    return app
