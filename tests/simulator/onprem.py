"""An on-premises Delivery Controller (API.md 13): its sign-in, its second API base path and its ``$batch`` rule.

With ``deployment: on_premises`` (the scenario's key, or ``--deployment``) the simulator answers as a controller:

* ``POST /cvad/manage/Tokens`` (the documented form) and ``POST /citrix/orchestration/api/tokens`` (with
  ``/techpreview/tokens``, the form Citrix's own clients use): Basic authentication of ``DOMAIN\\user`` and its
  password, answered with an ``AuthTokenResponseModel`` (``Token``, ``ExpiresAt`` RFC 3339, ``Principal``,
  ``UserId``, ``CustomerId``); a wrong user or password gives 401, a user without a domain 400;
* the customer is ``CitrixOnPremises``; the API is served under ``/cvad/manage/...`` (site in ``Citrix-InstanceId``)
  and under ``/citrix/orchestration/api/CitrixOnPremises/{siteId}/...`` (site in the path);
* a ``$batch`` item's ``RelativeUrl`` must start with ``/{customerId}/{siteId}/`` (or ``v1/...``);
* Citrix Cloud's own endpoints (``/cctrustoauth2``, notifications, resource locations) answer 404.
"""

import base64
import binascii

from . import models
from .responses import ApiError, json_response
from .state import ON_PREMISES_CUSTOMER as CUSTOMER, rfc3339

# Path segments (lower case) of the token endpoints of a controller.
TOKEN_PATHS = (("cvad", "manage", "tokens"), ("citrix", "orchestration", "api", "tokens"),
               ("citrix", "orchestration", "api", "techpreview", "tokens"))
ORCHESTRATION = ("citrix", "orchestration", "api")


def _unauthorized(message):
    return ApiError(401, models.error_data(message, "AuthenticationFailed"))


def _credentials(request):
    """(user, password) of the request's Basic header, or a 401."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        raise _unauthorized("Basic authentication with DOMAIN\\user and password is required.")
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise _unauthorized("The Basic credentials are not valid base64.") from None
    if not sep:
        raise _unauthorized("The Basic credentials must be user:password.")
    return user, password


async def token(sim, request):
    """``POST`` to a controller's token endpoint: a bearer token for a domain user."""
    sim.token_requests += 1
    if request.method != "POST":
        raise ApiError(405, models.error_data("Method not allowed.", "MethodNotAllowed"))
    user, password = _credentials(request)
    domain, sep, name = user.partition("\\")
    if not sep or not domain or not name:
        raise ApiError(400, models.error_data("The user name must be DOMAIN\\user.", "InvalidArgument"))
    entry = sim.estate.clients.get(user.lower())
    if entry is None or entry.get("client_secret") != password:
        raise _unauthorized("The user name or password is incorrect.")
    access_token, lifetime = sim.issue_token(entry["client_id"])
    return json_response(200, {"Token": access_token, "ExpiresAt": rfc3339(sim.tokens[access_token]["expires"]),
                               "Principal": entry.get("display_name", user), "UserId": entry.get("sid", user),
                               "CustomerId": CUSTOMER})


def orchestration_target(lowered):
    """The segments after ``/citrix/orchestration/api/{customerId}/{siteId}`` of an orchestration path, else None."""
    if tuple(lowered[:3]) == ORCHESTRATION and len(lowered) > 5:
        return 5
    return None


def as_manage_request(request, segments):
    """The request of ``/citrix/orchestration/api/{customerId}/{siteId}/...`` as the same ``/cvad/manage/...`` call
    with ``Citrix-CustomerId`` and ``Citrix-InstanceId`` from the path."""
    headers = dict(request.headers)
    headers["Citrix-CustomerId"] = segments[3]
    headers["Citrix-InstanceId"] = segments[4]
    path = "/cvad/manage/" + "/".join(request.rel_url.raw_path.strip("/").split("/")[5:])
    url = request.rel_url.with_path(path, encoded=True)
    return request.clone(rel_url=url.with_query(request.rel_url.query), headers=headers)


def require_site_prefix(prefix, reference):
    """On a controller a batch item names its customer and site: a 400 for a plain RelativeUrl."""
    if prefix is None:
        raise ApiError(400, models.error_data(
            "Batch item '%s': on an on-premises site the RelativeUrl starts with /{customerId}/{siteId}/." % reference,
            "InvalidArgument"))
