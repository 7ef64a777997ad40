"""Citrix Cloud platform endpoints: the token endpoint, bearer-token checks, notifications, resource locations."""

import re
import time
import uuid
from urllib.parse import parse_qsl

from .responses import ApiError, json_response, read_json

AUTH_HEADER = re.compile(r"^\s*cwsauth\s+bearer\s*=\s*([^\s,;]+)\s*$", re.IGNORECASE)
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
NOTIFICATION_REQUIRED = ("destinationAdmin", "component", "createdDate", "eventId", "severity", "priority", "content")


def _token_error(error, description):
    return ApiError(400, {"error": error, "error_description": description},
                    {"Cache-Control": "no-store", "Pragma": "no-cache"})


async def token(sim, request, customer):
    """``POST /cctrustoauth2/{root|customerId}/tokens/clients`` (client credentials, form-encoded only)."""
    sim.token_requests += 1
    if request.method != "POST":
        raise ApiError(405, {"error": "invalid_request", "error_description": "Only POST is supported."})
    if request.headers.get("Content-Type", "").strip().lower() != FORM_CONTENT_TYPE:
        raise _token_error("invalid_request", "Content-Type must be exactly application/x-www-form-urlencoded.")
    form = dict(parse_qsl((await request.read()).decode("utf-8", "replace"), keep_blank_values=True))
    if form.get("grant_type") != "client_credentials":
        raise _token_error("unsupported_grant_type", "The grant_type must be client_credentials.")
    client = sim.estate.clients.get(form.get("client_id", ""))
    customer_ok = customer.lower() in ("root", sim.estate.customer_id.lower())
    if client is None or not customer_ok or client.get("client_secret") != form.get("client_secret"):
        raise _token_error("invalid_client", "Invalid client id or client secret.")
    access_token, lifetime = sim.issue_token(client["client_id"])
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache", "X-Cws-TransactionId": str(uuid.uuid4()),
               "Access-Control-Expose-Headers": "X-Cws-TransactionId", "X-CC-LocalGeo": "US"}
    return json_response(200, {"token_type": "bearer", "access_token": access_token, "expires_in": str(lifetime)},
                         headers)


def authenticate(sim, request):
    """Return the API client of the request's bearer token, or raise the gateway's 401."""
    match = AUTH_HEADER.match(request.headers.get("Authorization", ""))
    if match is None:
        raise ApiError(401, {"Error": {"Message": "Missing or invalid CWSAuth header.", "Type": "CWSAuthException"}})
    entry = sim.tokens.get(match.group(1))
    if entry is None or entry["expires"] <= time.time():
        raise ApiError(401, {"detail": "Missing or invalid authentication details", "parameters": {"reason": "invalid"},
                             "type": "https://errors-api.cloud.com/common/authentication"})
    client = dict(sim.estate.clients[entry["client_id"]])
    client["token_expires"] = entry["expires"]
    return client


def check_customer(sim, customer_id):
    """403 unless ``customer_id`` is the scenario's customer (tokens belong to one customer)."""
    if customer_id.lower() != sim.estate.customer_id.lower():
        raise ApiError(403, {"type": "https://errors-api.cloud.com/common/authorization", "detail": "Access denied",
                             "parameters": [{"name": "customerId", "value": customer_id}]})


def _platform_customer(sim, request, path_customer):
    authenticate(sim, request)
    customer = path_customer or request.headers.get("Citrix-CustomerId")
    if not customer:
        raise ApiError(400, {"type": "https://errors-api.cloud.com/common/missing",
                             "detail": "Missing Citrix-CustomerId header",
                             "parameters": [{"name": "header", "value": "Citrix-CustomerId"}]})
    check_customer(sim, customer)


async def notification(sim, request, path_customer):
    """``POST /notifications/items`` (and the legacy ``/{customerId}/notifications/items``)."""
    _platform_customer(sim, request, path_customer)
    if request.method != "POST":
        raise ApiError(405, {"type": "https://errors-api.cloud.com/common/methodNotAllowed",
                             "detail": "Method not allowed", "parameters": []})
    if request.content_type != "application/json":
        raise ApiError(415, {"type": "https://errors-api.cloud.com/common/unsupportedMediaType",
                             "detail": "Content-Type must be application/json", "parameters": []})
    body = await read_json(request)
    missing = [key for key in NOTIFICATION_REQUIRED if not isinstance(body, dict) or key not in body]
    if missing or not isinstance(body.get("content"), list) or not body["content"]:
        raise ApiError(400, {"type": "https://errors-api.cloud.com/common/missing",
                             "detail": "Missing or invalid notification fields",
                             "parameters": [{"name": key, "value": "missing"} for key in missing or ["content"]]})
    echoed = dict(body)
    echoed.setdefault("categories", None)
    echoed["content"] = [dict({"detailUri": None}, **item) for item in body["content"] if isinstance(item, dict)]
    for key, default in (("data", None), ("externalId", None), ("suppressEmail", False)):
        echoed.setdefault(key, default)
    sim.estate.notifications.append(echoed)
    return json_response(200, echoed)


async def resource_locations(sim, request, path_customer):
    """``GET /resourcelocations`` (and the legacy ``/{customerId}/resourcelocations``)."""
    _platform_customer(sim, request, path_customer)
    if request.method != "GET":
        raise ApiError(405, {"type": "https://errors-api.cloud.com/common/methodNotAllowed",
                             "detail": "Method not allowed", "parameters": []})
    return json_response(200, {"items": sim.estate.resource_locations})
