"""``POST /cvad/manage/$batch`` (BatchTP_DoBatchRequest): many requests in one.

The whole request is checked first (400 for a bad model, nothing carried out); then every item runs through the
same handlers as a direct request, with its own ``Authorization: Bearer <token>`` header, and is logged as a batch
item.  Item answers come back in the reverse order of the request (the spec allows any order; pair them by
``Reference``).  With ``async=true`` the items are carried out at once and the answers wait in a ``Batch`` job.
"""

import json
import re
import uuid
from urllib.parse import unquote

from multidict import CIMultiDict
from yarl import URL

from . import models, onprem
from .cloud import authenticate, check_customer
from .responses import ApiError, json_response

# The spec sets no bound; this one is the simulator's (the same as the largest page).
MAX_BATCH_ITEMS = 1000
REFERENCE = re.compile(r"^[-_0-9a-zA-Z]*$")
METHODS = ("GET", "HEAD", "PUT", "PATCH", "POST", "DELETE")
NO_BODY_METHODS = ("GET", "HEAD", "DELETE")
BEARER = re.compile(r"^\s*bearer\s+(\S+)\s*$", re.IGNORECASE)
UNAVAILABLE = {404: ("The requested resource was not found.", "ObjectNotFound"),
               405: ("Method not allowed.", "MethodNotAllowed"),
               501: ("Batch requests are not supported.", "NotImplemented")}


def bad_request(message):
    """ApiError 400 with an ErrorData body."""
    return ApiError(400, models.error_data(message, "InvalidArgument"))


class ItemRequest:
    """The part of an aiohttp request the handlers read, built from one batch item."""

    def __init__(self, outer, method, url, headers, body):
        self.method = method
        self.rel_url = url
        self.headers = headers
        self.scheme = outer.scheme
        self.host = outer.host
        self._body = body

    @property
    def content_type(self):
        """The item's Content-Type without parameters; ``application/json`` when it has a body and names none."""
        value = self.headers.get("Content-Type")
        if value is None:
            return "application/json" if self._body is not None else "application/octet-stream"
        return value.split(";", 1)[0].strip().lower()

    @property
    def can_read_body(self):
        """True when the item has a body."""
        return self._body is not None

    async def json(self):
        """The item's body parsed as JSON (ValueError when it is not)."""
        return json.loads(self._body or "")

    async def read(self):
        """The item's body as bytes."""
        return (self._body or "").encode("utf-8")


def _check_items(body):
    """The items of a BatchRequestModel, or a 400 naming what is wrong (nothing has run yet)."""
    if not isinstance(body, dict) or not isinstance(body.get("Items"), list):
        raise bad_request("The batch request needs an Items list.")
    items = body["Items"]
    if len(items) > MAX_BATCH_ITEMS:
        raise bad_request("A batch request may hold at most %d items; it has %d." % (MAX_BATCH_ITEMS, len(items)))
    seen = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise bad_request("Batch item %d must be an object." % index)
        reference = item.get("Reference")
        if not isinstance(reference, str) or not 1 <= len(reference) <= 64 or not REFERENCE.match(reference):
            raise bad_request("Batch item %d: Reference is required, 1 to 64 characters of -, _, 0-9, a-z, A-Z." % index)
        if reference in seen:
            raise bad_request("Batch item %d: Reference '%s' is not unique." % (index, reference))
        seen.add(reference)
        url = item.get("RelativeUrl")
        if not isinstance(url, str) or not url.strip():
            raise bad_request("Batch item '%s': RelativeUrl is required." % reference)
        method = item.get("Method") or "GET"
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise bad_request("Batch item '%s': Method must be one of %s." % (reference, ", ".join(METHODS)))
        if item.get("Body") is not None and (not isinstance(item["Body"], str) or method.upper() in NO_BODY_METHODS):
            raise bad_request("Batch item '%s': Body must be a string, and only for PUT, PATCH and POST." % reference)
        headers = item.get("Headers") or []
        if not isinstance(headers, list) or not all(isinstance(pair, dict) and isinstance(pair.get("Name"), str)
                                                    for pair in headers):
            raise bad_request("Batch item '%s': Headers must be a list of {Name, Value}." % reference)
    return items


class Batch:
    """One ``$batch`` request: checks it, runs its items, shapes the answers."""

    def __init__(self, ctx, dispatch):
        self.ctx = ctx
        self.sim = ctx.sim
        self.dispatch = dispatch
        self.transaction = ctx.request.headers.get("Citrix-TransactionId")

    def _target(self, relative_url):
        """``(URL under /cvad/manage, (customerId, siteId) or None)`` of a RelativeUrl, plain or site-prefixed."""
        path, _sep, query = relative_url.strip().partition("?")
        parts = path.strip("/").split("/")
        prefix = None
        versioned = parts[0].lower() == "v1"
        if versioned:
            parts = parts[1:]
        if versioned or (len(parts) > 2 and unquote(parts[0]).lower() == self.sim.estate.customer_id.lower()):
            prefix, parts = (unquote(parts[0]), unquote(parts[1])) if len(parts) > 1 else ("", ""), parts[2:]
        return URL("/cvad/manage/" + "/".join(parts) + ("?" + query if query else ""), encoded=False), prefix

    def _site(self, prefix):
        """The site of a prefixed RelativeUrl (its customer must be the caller's), else the batch's own."""
        if prefix is None:
            return self.ctx.site
        check_customer(self.sim, prefix[0])
        site = self.sim.estate.find_site(prefix[1]) if prefix[1] else None
        if site is None:
            raise ApiError(404, models.error_data("Site '%s' was not found." % prefix[1], "ObjectNotFound"))
        return site

    def _client(self, headers):
        """The API client of the item's own ``Authorization: Bearer <token>`` header, or the gateway's 401."""
        value = headers.get("Authorization", "")
        match = BEARER.match(value)
        token = match.group(1) if match else None
        if token is None and value.lower().replace(" ", "").startswith("cwsauthbearer="):
            token = value.split("=", 1)[1].strip()
        probe = CIMultiDict({"Authorization": "CwsAuth Bearer=%s" % token}) if token else CIMultiDict()
        return authenticate(self.sim, _Headers(probe))

    async def _run_item(self, item):
        """Run one item; returns ``(BatchResponseItemModel, method, URL, transaction id)``."""
        method = (item.get("Method") or "GET").upper()
        headers = CIMultiDict((pair["Name"], str(pair.get("Value", ""))) for pair in item.get("Headers") or [])
        transaction = headers.get("Citrix-TransactionId") or self.transaction or str(uuid.uuid4())
        url, prefix = self._target(item["RelativeUrl"])
        segments = [unquote(part) for part in url.raw_path.split("/")[3:]]
        lowered = [segment.lower() for segment in segments]
        try:
            if lowered == ["$batch"]:
                raise bad_request("A batch item cannot be a batch request.")
            if self.sim.estate.on_premises:
                onprem.require_site_prefix(prefix, item["Reference"])
            site = self._site(prefix)
            client = self._client(headers)
            request = ItemRequest(self.ctx.request, method, url, headers, item.get("Body"))
            response = await self.dispatch(self.sim, request, site, client, segments, lowered)
        except ApiError as error:
            response = json_response(error.status, error.body, error.headers)
        answer_headers = [{"Name": name, "Value": value} for name, value in response.headers.items()
                          if name.lower() != "content-length"]
        if "Citrix-TransactionId" not in response.headers:
            answer_headers.append({"Name": "Citrix-TransactionId", "Value": transaction})
        body = response.body.decode("utf-8") if response.body else None
        answer = {"Reference": item["Reference"], "Code": response.status, "Headers": answer_headers, "Body": body}
        return answer, method, url, transaction

    async def run(self, items):
        """Run every item in order; returns their answers (reverse order) and logs each as a batch item."""
        answers = []
        for item in items:
            answer, method, url, transaction = await self._run_item(item)
            self.sim.batch_items += 1
            self.sim.log_entry(method, url.path, url.query, answer["Code"], transaction, batch_reference=item["Reference"])
            if self.sim.triggers:
                self.sim.fire_triggers(method, url.path)
            answers.append(answer)
        answers.reverse()
        return answers


class _Headers:
    """Just enough of a request for ``cloud.authenticate``."""

    def __init__(self, headers):
        self.headers = headers


def _sub_job(ctx, parent, answer):
    """The SubJob of one item: complete for a 1xx-3xx answer, failed (with its message) otherwise."""
    failed = answer["Code"] >= 400
    message = None
    if failed and answer["Body"]:
        try:
            parsed = json.loads(answer["Body"])
            message = parsed.get("ErrorMessage") or parsed.get("detail") if isinstance(parsed, dict) else None
        except ValueError:
            message = None
    return ctx.site.new_job(
        ctx.client["client_id"], "Batch", ctx.now, [{"Name": "Reference", "Value": answer["Reference"]}], scripted=True,
        duration=parent.duration, outcome="Failed" if failed else "Complete",
        error=("UnknownError", message or "HTTP %d" % answer["Code"]) if failed else None, register=False)


async def handle(ctx, dispatch, read_body):
    """``POST /$batch[?async=true]``: 200 ``{"Items": [...]}``, or 202 + Location of a ``Batch`` job."""
    status = ctx.sim.options.get("batch_status")
    if status:
        message, error_type = UNAVAILABLE[status]
        raise ApiError(status, models.error_data(message, error_type))
    items = _check_items(await read_body(ctx))
    answers = await Batch(ctx, dispatch).run(items)
    if not ctx.flag("async"):
        return json_response(200, {"Items": answers})
    job = ctx.site.new_job(ctx.client["client_id"], "Batch", ctx.now, [],
                           duration=float(ctx.sim.estate.timings["job"]), results={"Items": answers})
    job.result_location = "/Jobs/%s/Results" % job.id
    job.sub_jobs = [_sub_job(ctx, job, answer) for answer in reversed(answers)]
    return ctx.accepted(job)
