# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""DaaSClient: the Citrix DaaS REST API (and the Citrix Cloud platform calls the collection makes)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import datetime
import threading
import uuid
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from json import dumps as json_text, loads as json_loads
from urllib.parse import quote, urlencode, urljoin, urlsplit

from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import (
    MASK,
    DaaSError,
    HTTPClient,
    json_or_none,
    message_from_body,
    transaction_id_of,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._jobs import AsyncJob, job_id_of
from ansible_collections.citrix_cloud.daas.plugins.module_utils import _sessions
from ansible_collections.citrix_cloud.daas.plugins.module_utils._texts import one_line, parse_rfc3339

# region -> (token host, API host)
REGION_HOSTS = {
    "us": ("https://api-us.cloud.com", "https://api.cloud.com"),
    "eu": ("https://api-eu.cloud.com", "https://api.cloud.com"),
    "ap-s": ("https://api-ap-s.cloud.com", "https://api.cloud.com"),
    "jp": ("https://api.citrixcloud.jp", "https://api.citrixcloud.jp"),
}
DEPLOYMENTS = ("cloud", "on_premises")
# An on-premises site's customer, in Citrix-CustomerId and in /me.
ON_PREMISES_CUSTOMER = "CitrixOnPremises"
# A Delivery Controller's sign-in: the documented endpoint first, then the one Citrix's own clients use.
CONTROLLER_TOKEN_PATHS = ("/cvad/manage/Tokens", "/citrix/orchestration/api/tokens")
TOKEN_RENEWAL_MARGIN = 60.0
DEFAULT_PAGE_SIZE = 1000
MAX_PAGES = 10000
POWER_ACTIONS = ("start", "shutdown", "reboot", "suspend", "resume")
# Calls per $batch request, and how many separate requests replace a batch on a site without $batch.
BATCH_ITEMS = 100
FALLBACK_CONCURRENCY = 10
BATCH_UNAVAILABLE = (404, 405, 501)
# How a site that does not serve Sessions/$search answers it.
SEARCH_UNAVAILABLE = (400, 404, 405, 501)
# What a session action's decisions and results read of a session.
SESSION_FIELDS = ("Id", "State", "StateChangeTime", "FormattedStateChangeTime", "StartTime", "FormattedStartTime", "User",
                  "Machine", "IsHidden", "SessionType", "LogoffInProgress")
# The scopes a session selector names, by kind, and the path that reads one (by name or id).
SESSION_SCOPES = (("machine", "/Machines/%s"), ("catalog", "/MachineCatalogs/%s"),
                  ("delivery group", "/DeliveryGroups/%s"))
# Up to this many catalogs or delivery groups, a "not found" failure names them all.
LIST_NAMES_UP_TO = 20
# The listing of each scope's machines, by the scope's kind (with no kind: the whole site's /Machines).
SCOPE_PATHS = {"catalog": "/MachineCatalogs/%s/Machines", "delivery group": "/DeliveryGroups/%s/Machines"}
# The collections of a delivery group's day-2 objects, and the members of a tag, as the API spells them.
DELIVERY_GROUP_PARTS = ("RebootSchedules", "PowerTimeSchemes", "Tags", "Machines")
TAG_MEMBERS = ("DeliveryGroups", "Machines")

# One call of a $batch: method, path under /cvad/manage (with its query), JSON-able body or None.
BatchRequest = namedtuple("BatchRequest", ["method", "path", "body"])
# Its answer: HTTP status, parsed body, Location (of its own job), and a DaaSError when it failed.
BatchOutcome = namedtuple("BatchOutcome", ["status", "body", "location", "error"])


def fields_query(fields):
    """The ``fields`` query of a read that needs only some properties (None: all of them)."""
    return {"fields": ",".join(fields)} if fields else None


def controller_url(address):
    """The base URL of a Delivery Controller given by host name or URL (https:// unless it names a scheme)."""
    address = str(address).strip().rstrip("/")
    return address if "://" in address else "https://" + address


class DaaSClient(HTTPClient):
    """Citrix DaaS REST API client, of a Citrix Cloud site or an on-premises one (``deployment``); one instance is
    shared by all worker threads of a module.

    Sign-in (renewed near expiry and after a 401), site discovery, paging and the domain helpers; the transport and
    its retries are HTTPClient's. On-premises, the Delivery Controllers (``controllers``) are tried in order until
    one answers, and the sign-in is Basic authentication of ``username`` (DOMAIN\\user) and ``password``.
    """

    def __init__(self, customer_id=None, client_id=None, client_secret=None, token=None, site_id=None, region="us",
                 api_url=None, auth_url=None, deployment="cloud", controllers=None, username=None, password=None,
                 validate_certs=True, ca_path=None, timeout=30.0, retries=5, deadline=600.0, pool_size=32, sleep=None,
                 clock=None):
        if deployment not in DEPLOYMENTS:
            raise DaaSError("Unknown deployment '%s': use %s" % (deployment, " or ".join(DEPLOYMENTS)))
        self.on_premises = deployment == "on_premises"
        if self.on_premises:
            if not controllers:
                raise DaaSError("controllers is required for an on-premises site")
            customer_id = ON_PREMISES_CUSTOMER
            self._controllers = [controller_url(address) for address in controllers]
            self.auth_url = None
        else:
            if not customer_id:
                raise DaaSError("customer_id is required")
            region = (region or "us").lower()
            if region not in REGION_HOSTS:
                raise DaaSError("Unknown region '%s': use one of %s" % (region, ", ".join(sorted(REGION_HOSTS))))
            self._controllers = [(api_url or REGION_HOSTS[region][1]).rstrip("/")]
            self.auth_url = (auth_url or REGION_HOSTS[region][0]).rstrip("/")
        super().__init__(validate_certs=validate_certs, ca_path=ca_path, timeout=timeout, retries=retries,
                         deadline=deadline, pool_size=pool_size, sleep=sleep, clock=clock)
        self.customer_id = customer_id
        self.client_id = client_id
        self._client_secret = client_secret
        self.region = None if self.on_premises else region
        self.username = username
        self._password = password
        # The user:password pair a Basic header carries (masked whole and in base64).
        self._basic_pair = "%s:%s" % (username, password) if self.on_premises and username and password else None
        self._controller = 0
        self._controller_lock = threading.Lock()
        self._token_path = None
        self._can_sign_in = bool(self._basic_pair) if self.on_premises else bool(client_id and client_secret)
        self._auth_lock = threading.Lock()
        self._site_lock = threading.Lock()
        # A token read from a file or a shell variable may end in a newline, which no header can carry.
        token = token.strip() if token else None
        self._token = token or None
        self._token_expiry = None
        self._token_info = None
        # Every token this client has held, for masking; a tuple so that error paths read it without a lock.
        self._known_tokens = (token,) if token else ()
        self._site_id = site_id or None
        self._site_given = bool(site_id)
        self._me = None
        self._batch_supported = True
        # How many separate requests replace a $batch at the same time on a site without $batch.
        self.fallback_concurrency = FALLBACK_CONCURRENCY
        # Things a module should tell its user once (a site without $batch).
        self.warnings = []
        if self.on_premises and not validate_certs:
            self.warnings.append("validate_certs is false: the Delivery Controller's certificate is not verified; "
                                 "set ca_path to the certificate of the CA that issued it instead")

    @property
    def api_url(self):
        """The API host: the Citrix Cloud API host, or the Delivery Controller in use."""
        return self._controllers[self._controller]

    @property
    def can_sign_in(self):
        """True when the client has credentials to sign in with (not only a token)."""
        return self._can_sign_in

    def __repr__(self):
        return ("DaaSClient(customer_id=%r, client_id=%r, client_secret=%s, username=%r, password=%s, token=%s, "
                "site_id=%r, api_url=%r, auth_url=%r)" % (
                    self.customer_id, self.client_id, MASK if self._client_secret else None, self.username,
                    MASK if self._password else None, MASK if self._token else None, self._site_id, self.api_url,
                    self.auth_url))

    def _secrets(self):
        return (self._client_secret, self._password, self._basic_pair) + self._known_tokens

    def _untrusted_certificate_message(self, origin, reason):
        if not self.on_premises:
            return ("TLS certificate verification failed for %s (%s): set ca_path to the CA certificate that signed "
                    "the server's certificate" % (origin, reason))
        return ("The Delivery Controller %s has a TLS certificate that is not trusted (%s): set ca_path to the "
                "certificate of the CA that issued it (for a self-signed certificate, the certificate itself), or "
                "validate_certs to false (insecure, on-premises only)" % (origin, reason))

    def require_cloud(self, what):
        """DaaSError when this is an on-premises site, which has no Citrix Cloud services (``what`` names one)."""
        if self.on_premises:
            raise DaaSError("%s: a Citrix Cloud service, which an on-premises site (deployment: on_premises) does not have"
                            % what)

    def _send_api(self, method, url_of, headers, **kwargs):
        """_send to the API host (``url_of()`` builds the URL on it). On-premises, a Delivery Controller that does not
        answer at all hands over to the next one, in the order given, for the rest of the run."""
        while True:
            current = self._controller
            last = current == len(self._controllers) - 1
            try:
                return self._send(method, url_of(), headers, retry_unreachable=last, **kwargs)
            except DaaSError as err:
                if last or not err.unreachable:
                    raise
                with self._controller_lock:
                    if self._controller == current:
                        self._controller = current + 1
                self._note("Delivery Controller %s does not answer (%s): using %s"
                           % (self._controllers[current], err.message, self._controllers[current + 1]))

    def _per_attempt_headers(self):
        return {"Citrix-TransactionId": str(uuid.uuid4())}

    def _failure_message(self, status):
        if status == 401:
            if self._can_sign_in:
                return "Authentication failed even after signing in again"
            return "Authentication failed: the token is invalid or expired; give a new token, or %s" % (
                "username and password" if self.on_premises else "client_id and client_secret")
        return super()._failure_message(status)

    # Authentication

    def sign_in(self):
        """Sign in with the client credentials (once; renewed near expiry) and describe the token."""
        if not self._can_sign_in:
            needed = "username and password" if self.on_premises else "client_id and client_secret"
            raise DaaSError("Signing in needs %s" % needed)
        with self._auth_lock:
            if self._token_info is None or self._token_needs_renewal():
                self._sign_in_locked()
            return dict(self._token_info)

    def _token_needs_renewal(self):
        if self._token is None:
            return True
        return self._token_expiry is not None and self._token_expiry - self._clock() < TOKEN_RENEWAL_MARGIN

    def _sign_in_locked(self):
        token, token_type, expires_in = self._controller_token() if self.on_premises else self._cloud_token()
        self._token = token
        self._known_tokens += (token,)
        self._token_expiry = None if expires_in is None else self._clock() + expires_in
        expires_at = None
        if expires_in is not None:
            expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=expires_in)
            expires_at = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
        self._token_info = {"access_token": token, "token_type": token_type, "expires_in": expires_in,
                            "expires_at": expires_at}

    def _token_from(self, response, url, payload, key):
        """The token of a sign-in answer (stripped), or DaaSError when it has none."""
        if not isinstance(payload, dict) or payload.get("error") or not isinstance(payload.get(key), str) \
                or not payload[key].strip():
            raise self._error("Sign-in answered without an access token", status=response.status_code, method="POST",
                              url=url, transaction_id=transaction_id_of(response),
                              api_message=message_from_body(payload) if isinstance(payload, dict) else None)
        return payload[key].strip()

    def _cloud_token(self):
        """(token, type, seconds it lasts or None) from Citrix Cloud's client-credentials sign-in."""
        url = "%s/cctrustoauth2/%s/tokens/clients" % (self.auth_url, quote(self.customer_id, safe=""))
        body = urlencode([("grant_type", "client_credentials"), ("client_id", self.client_id),
                          ("client_secret", self._client_secret)])
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        response = self._send("POST", url, headers, data=body)
        if response.status_code >= 400:
            raise self._http_error(response, "Sign-in failed: check customer_id, client_id and client_secret")
        payload = json_or_none(response)
        token = self._token_from(response, url, payload, "access_token")
        try:
            expires_in = int(float(payload.get("expires_in")))
        except (TypeError, ValueError, OverflowError):
            expires_in = None
        return token, payload.get("token_type", "bearer"), expires_in

    def _controller_token(self):
        """(token, type, seconds it lasts or None) from a Delivery Controller: Basic authentication of DOMAIN\\user.

        The documented /cvad/manage/Tokens first; a controller that does not serve it (404, 405) is asked at
        /citrix/orchestration/api/tokens, and the endpoint that answered is used for the rest of the run.
        """
        headers = {"Authorization": "Basic " + base64.b64encode(self._basic_pair.encode("utf-8")).decode("ascii"),
                   "Accept": "application/json", "Citrix-CustomerId": self.customer_id}
        paths = (self._token_path,) if self._token_path else CONTROLLER_TOKEN_PATHS
        for number, path in enumerate(paths):
            # Signing in changes nothing on the controller: it is retried like a read.
            response = self._send_api("POST", lambda: self.api_url + path, headers, idempotent=True)
            if response.status_code not in (404, 405) or number == len(paths) - 1:
                break
            response.close()
        if response.status_code in (401, 403):
            raise self._http_error(response, "Sign-in to the Delivery Controller failed: check username "
                                             "(DOMAIN\\user) and password")
        if response.status_code >= 400:
            raise self._http_error(response, "Sign-in to the Delivery Controller failed")
        self._token_path = path
        payload = json_or_none(response)
        token = self._token_from(response, response.url, payload, "Token")
        expires = parse_rfc3339(payload.get("ExpiresAt"))
        expires_in = None
        if expires is not None:
            expires_in = max(0, int((expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds()))
        return token, "bearer", expires_in

    def _valid_token(self):
        with self._auth_lock:
            if self._token is None and not self._can_sign_in:
                raise DaaSError("No credentials: set client_id and client_secret, or token")
            if self._can_sign_in and self._token_needs_renewal():
                self._sign_in_locked()
            return self._token

    def _sign_in_again(self, rejected_token):
        """After a 401: sign in again unless another thread already replaced the rejected token."""
        with self._auth_lock:
            if self._token == rejected_token:
                self._sign_in_locked()

    # Requests

    @property
    def site_id(self):
        """The site id given, else the customer's only site from /me (discovered once)."""
        with self._site_lock:
            if self._site_id is None:
                self._site_id = self._discover_site()
            return self._site_id

    def me(self):
        """GET /cvad/manage/me (read once per client): the caller, its customers and their sites."""
        if self._me is None:
            self._me = self._get_object("/me", site_scoped=False)
        return self._me

    def _discover_site(self):
        customers = [c for c in self.me().get("Customers") or [] if isinstance(c, dict)]
        mine = [c for c in customers if str(c.get("Id", "")).lower() == self.customer_id.lower()] or customers
        sites = [s for c in mine for s in c.get("Sites") or [] if isinstance(s, dict)]
        if not sites:
            raise DaaSError("Customer '%s' has no DaaS site (GET /cvad/manage/me lists none): check customer_id "
                            "and that the DaaS service is enabled" % self.customer_id)
        if len(sites) > 1:
            listed = ", ".join("%s (%s)" % (s.get("Id"), s.get("Name")) for s in sites)
            raise DaaSError("Customer '%s' has %d sites: %s; set site_id to choose one" % (self.customer_id, len(sites), listed))
        return sites[0].get("Id")

    def _endpoint(self, path, api):
        if not path.startswith("/"):
            path = "/" + path
        if api == "manage":
            return self.api_url + "/cvad/manage" + path
        if api == "cloud":
            return self.api_url + path
        raise DaaSError("Unknown api '%s': use manage or cloud" % api)

    def request(self, method, path, params=None, json=None, site_scoped=True, api="manage", deadline=None,
                idempotent=None):
        """Send one API call and return the response; DaaSError for any status >= 400.

        api="manage": {api_url}/cvad/manage{path}; api="cloud": {api_url}{path}, never with Citrix-InstanceId.
        A 401 signs in again once and repeats the call, when client credentials are known.
        ``deadline`` bounds the retries of this call in seconds (default: the client's); ``idempotent=True`` marks
        a POST or PATCH that is safe to repeat, so that it is retried like a GET.
        """
        method = method.upper()
        if api == "cloud":
            self.require_cloud(path)
        headers = {"Citrix-CustomerId": self.customer_id, "Accept": "application/json"}
        if site_scoped and api == "manage":
            headers["Citrix-InstanceId"] = self.site_id
        signed_in_again = False
        while True:
            token = self._valid_token()
            headers["Authorization"] = "CwsAuth Bearer=" + token
            response = self._send_api(method, lambda: self._endpoint(path, api), headers, params=params, json=json,
                                      deadline=deadline, idempotent=idempotent)
            if response.status_code == 401 and self._can_sign_in and not signed_in_again:
                signed_in_again = True
                response.close()
                self._sign_in_again(token)
                continue
            if response.status_code >= 400:
                raise self._http_error(response)
            return response

    def get(self, path, params=None, **kwargs):
        """GET -> parsed JSON body (None when empty)."""
        return self._json(self.request("GET", path, params=params, **kwargs))

    def post(self, path, params=None, json=None, **kwargs):
        """POST -> parsed JSON body (None when empty)."""
        return self._json(self.request("POST", path, params=params, json=json, **kwargs))

    def patch(self, path, params=None, json=None, **kwargs):
        """PATCH -> parsed JSON body (None when empty)."""
        return self._json(self.request("PATCH", path, params=params, json=json, **kwargs))

    def delete(self, path, params=None, **kwargs):
        """DELETE -> parsed JSON body (None when empty)."""
        return self._json(self.request("DELETE", path, params=params, **kwargs))

    def _get_object(self, path, **kwargs):
        """GET -> the JSON object of the body; DaaSError when the API answers with anything else."""
        body = self.get(path, **kwargs)
        if not isinstance(body, dict):
            raise DaaSError("GET %s answered with %s instead of a JSON object"
                            % (path, "an empty body" if body is None else "a JSON " + type(body).__name__))
        return body

    def iter_items(self, path, params=None, page_size=DEFAULT_PAGE_SIZE, max_pages=MAX_PAGES, method="GET", json=None):
        """Every item of a collection, following ContinuationToken page by page (``POST`` for a ``$search``).

        A page is a read, safe to repeat: it is retried after a fault also when it is a ``POST``.
        """
        query = dict(params or {})
        query["limit"] = page_size
        seen_tokens = set()
        for _page_number in range(max_pages):
            page = self._json(self.request(method, path, params=query, json=json, idempotent=True))
            if not isinstance(page, dict) or not isinstance(page.get("Items") or [], list):
                raise DaaSError("%s %s answered without an 'Items' list" % (method, path))
            yield from page.get("Items") or []
            token = page.get("ContinuationToken")
            if token is None or token == "":
                return
            if not isinstance(token, str):
                raise DaaSError("Paging %s %s: the continuation token is a JSON %s, not a string"
                                % (method, path, type(token).__name__))
            if token in seen_tokens:
                # As Citrix's own client does: a filtered query can repeat its token; the listing ends there.
                self._note("Paging %s %s ended where the API answered a continuation token it had given before; "
                           "the items read until then are used" % (method, path))
                return
            seen_tokens.add(token)
            query["continuationToken"] = token
        raise DaaSError("Paging %s %s stopped after %d pages" % (method, path, max_pages))

    def batch(self, requests, chunk=BATCH_ITEMS):
        """Send many calls as ``$batch`` requests of at most ``chunk`` items; one BatchOutcome per call, in order.

        ``requests`` are BatchRequest(method, path, body): path under /cvad/manage (with its query), body JSON-able
        or None. An item refused with 401 (a token that expired meanwhile) is sent again once with a new token.
        A site that answers ``$batch`` with 404, 405 or 501 gets one request per call instead, with a warning. A
        ``$batch`` that fails as a whole with a fault (429, 5xx, a dropped connection) fails each of its calls with
        that error (status None): a call after which the connection dropped may or may not have been carried out.
        """
        requests = list(requests)
        outcomes = [None] * len(requests)
        for start in range(0, len(requests), chunk):
            positions = list(range(start, min(start + chunk, len(requests))))
            for position, outcome in self._batch_chunk([requests[i] for i in positions], positions):
                outcomes[position] = outcome
        return outcomes

    def _batch_chunk(self, requests, positions, sign_in_again=True):
        if not self._batch_supported:
            return list(zip(positions, self._one_by_one(requests)))
        token = self._valid_token()
        items = [self._batch_item("r%d" % number, request, token) for number, request in enumerate(requests)]
        try:
            # Reads, maintenance mode and tags are safe to send again; a batch with a power action ($reboot, ...) is not.
            safe = not any("/$" in request.path for request in requests)
            answer = self._json(self.request("POST", "/$batch", json={"Items": items}, idempotent=safe))
        except DaaSError as err:
            if err.transient and err.status not in BATCH_UNAVAILABLE:
                # The whole request failed (after the retries a safe batch gets): every call of it fails with that
                # error; whether a call may have been carried out, and what to repeat, is the caller's to decide.
                return [(position, BatchOutcome(None, None, None, err)) for position in positions]
            if err.status not in BATCH_UNAVAILABLE:
                raise
            self._batch_supported = False
            self.warnings.append("This site answers $batch with HTTP %s: its writes are sent one request per machine"
                                 % err.status)
            return list(zip(positions, self._one_by_one(requests)))
        by_reference = dict((str(item.get("Reference")), item) for item in (answer or {}).get("Items") or []
                            if isinstance(item, dict))
        outcomes = [self._batch_outcome(request, by_reference.get("r%d" % number))
                    for number, request in enumerate(requests)]
        again = [number for number, outcome in enumerate(outcomes) if outcome.status == 401 and self._can_sign_in]
        if again and sign_in_again:
            self._sign_in_again(token)
            for number, outcome in self._batch_chunk([requests[n] for n in again], again, sign_in_again=False):
                outcomes[number] = outcome
        return list(zip(positions, outcomes))

    def _batch_item(self, reference, request, token):
        """One item of a $batch: on-premises its RelativeUrl starts with /{customerId}/{siteId} (the Cloud: the path)."""
        headers = [{"Name": "Authorization", "Value": "Bearer " + token}]
        path = request.path
        if self.on_premises:
            path = "/%s/%s%s" % (quote(self.customer_id, safe=""), quote(self.site_id, safe=""), path)
        item = {"Reference": reference, "Method": request.method, "RelativeUrl": path, "Headers": headers}
        if request.body is not None:
            headers.append({"Name": "Content-Type", "Value": "application/json"})
            item["Body"] = json_text(request.body)
        return item

    def _batch_outcome(self, request, item):
        """The BatchOutcome of one call from its answer item (None: the answer left it out)."""
        url = self._endpoint(request.path, "manage")
        if item is None:
            return BatchOutcome(None, None, None, self._error("The $batch answer has no item for this call",
                                                              method=request.method, url=url))
        headers = dict((str(h.get("Name", "")).lower(), h.get("Value")) for h in item.get("Headers") or []
                       if isinstance(h, dict))
        try:
            body = json_loads(item["Body"]) if item.get("Body") else None
        except ValueError:
            body = None
        status = item.get("Code")
        error = None
        if not isinstance(status, int) or status >= 400:
            message = message_from_body(body) if isinstance(body, dict) else None
            error = self._error(self._failure_message(status), status=status, method=request.method, url=url,
                                transaction_id=headers.get("citrix-transactionid"),
                                api_message=message or one_line(item.get("Body") or "", mask=self._scrub) or None,
                                transient=isinstance(status, int) and (status == 429 or status >= 500))
        return BatchOutcome(status, body, headers.get("location"), error)

    def _one_by_one(self, requests):
        """The calls of a batch as separate requests (a site without $batch), a few at a time."""
        def send(request):
            try:
                response = self.request(request.method, request.path, json=request.body)
            except DaaSError as err:
                return BatchOutcome(err.status, None, None, err)
            return BatchOutcome(response.status_code, json_or_none(response), response.headers.get("Location"), None)

        with ThreadPoolExecutor(max_workers=max(1, min(self.fallback_concurrency, len(requests)))) as pool:
            return list(pool.map(send, requests))

    def search_machines(self, filters, fields=None):
        """Every machine that ``POST /Machines/$search`` finds for the And-ed filters (`{Property, Operator, Value}`).

        The search covers single- and multi-session machines (the API wants a SessionSupport filter).
        """
        body = {"SearchFilters": list(filters),
                "SearchFilterGroups": [{"SearchFilterGroupType": "Or", "SearchFilters": [
                    {"Property": "SessionSupport", "Operator": "Equals", "Value": kind}
                    for kind in ("SingleSession", "MultiSession")]}]}
        return list(self.iter_items("/Machines/$search", params=fields_query(fields), method="POST", json=body))

    def machines_named(self, names, fields=None):
        """Every machine whose name is one of ``names`` (one ``$search``, ``MachineName In`` a JSON list, paged)."""
        return self.search_machines([{"Property": "MachineName", "Operator": "In", "Value": json_text(list(names))}],
                                    fields)

    def machines_with_tag(self, tag, fields=None):
        """Every machine that carries the tag (one ``$search``, paged)."""
        return self.search_machines([{"Property": "Tags", "Operator": "Contains", "Value": tag}], fields)

    def start_async(self, method, path, params=None, json=None):
        """Start a call with async=true and return its AsyncJob (from 202 + Location)."""
        query = dict(params or {})
        query["async"] = "true"
        response = self.request(method, path, params=query, json=json)
        location = response.headers.get("Location")
        if response.status_code != 202 or not location:
            raise self._error("Expected 202 Accepted with a job Location", status=response.status_code,
                              method=method.upper(), url=response.url, transaction_id=transaction_id_of(response))
        url = urljoin(response.url, location)
        return AsyncJob(job_id_of(url), url)

    # Domain helpers

    @staticmethod
    def quote_name(name):
        """A name or id for a URL path: `DOMAIN\\NAME` -> `DOMAIN%7CNAME`, everything else percent-encoded."""
        return quote(str(name).replace("\\", "|"), safe="")

    def _note(self, message):
        """Tell the user once (through ``warnings``), however often it happens."""
        if message not in self.warnings:
            self.warnings.append(message)

    def _is_object_url(self, url):
        """True for a URL of the DaaS API's objects, not the sign-in nor /me."""
        path = urlsplit(url or "").path.rstrip("/").lower()
        prefix = urlsplit(self.api_url).path.rstrip("/").lower() + "/cvad/manage/"
        return path.startswith(prefix) and path != prefix + "me"

    def _check_given_site(self):
        """DaaSError when the site_id given is not a site of the customer, as GET /me lists them."""
        if not self._site_given:
            return
        try:
            customers = [c for c in self.me().get("Customers") or [] if isinstance(c, dict)]
        except DaaSError:
            return
        sites = [s for c in customers for s in c.get("Sites") or [] if isinstance(s, dict)]
        if sites and not any(str(s.get("Id", "")).lower() == str(self._site_id).lower() for s in sites):
            raise DaaSError("site_id '%s' is not a site of customer '%s' (GET /cvad/manage/me lists %s): check site_id"
                            % (self._site_id, self.customer_id, ", ".join(str(s.get("Id")) for s in sites)))

    def _not_found(self, err, kind, name):
        """The one rule for a 404: of the object's own URL it becomes "<kind> '<name>' was not found", and for a
        catalog or a delivery group it says which exist (their names when there are few, else how many).

        A 404 of the sign-in or of /me keeps its own message, and so does an unknown site_id.
        """
        if err.status == 404 and self._is_object_url(err.url):
            self._check_given_site()
            return err.with_message("%s '%s' was not found%s" % (kind, name, self._existing(kind)))
        return err

    def _existing(self, kind):
        """What follows "<kind> '<name>' was not found" for a kind of SCOPE_PATHS: the names of those that exist, or
        how many there are; nothing for another kind, or when they cannot be read."""
        if kind not in SCOPE_PATHS:
            return ""
        plural = kind + "s"
        path = SCOPE_PATHS[kind].split("/%s", 1)[0]
        try:
            names = sorted((item.get("FullName") or item.get("Name") or item.get("Id"))
                           for item in self.iter_items(path, params=fields_query(["Id", "Name", "FullName"]))
                           if isinstance(item, dict))
        except DaaSError:
            return ""
        if not names:
            return ": the site has no %s" % ("machine catalogs" if kind == "catalog" else plural)
        if len(names) <= LIST_NAMES_UP_TO:
            return "; the %s are: %s" % (plural, ", ".join(str(name) for name in names))
        return " among the %d %s of the site" % (len(names), plural)

    def _named(self, kind, name, call):
        """Run call(); a 404 of the object's own URL becomes "<kind> '<name>' was not found" (see _not_found)."""
        try:
            return call()
        except DaaSError as err:
            raise self._not_found(err, kind, name) from None

    def _named_items(self, kind, name, items):
        """The items of a listing as they arrive; a 404 of the object's own URL as in _not_found."""
        try:
            yield from items
        except DaaSError as err:
            raise self._not_found(err, kind, name) from None

    def get_machine(self, name_or_id, deadline=None):
        """One machine (detail model); ``deadline`` bounds this read's retries (default: the client's)."""
        path = "/Machines/" + self.quote_name(name_or_id)
        return self._named("machine", name_or_id, lambda: self._get_object(path, deadline=deadline))

    def machine_sessions(self, name_or_id):
        """The sessions running on a machine."""
        path = "/Machines/%s/Sessions" % self.quote_name(name_or_id)
        return self._named("machine", name_or_id, lambda: self._get_object(path).get("Items") or [])

    def scope_machines(self, kind=None, name=None, fields=None, page_size=DEFAULT_PAGE_SIZE):
        """The machines of a scope, a page at a time as the pages arrive: a catalog or a delivery group (``kind``,
        ``name``: its name or id) or, with no kind, the whole site; only the properties in ``fields``, when given.

        An unknown catalog or delivery group is "<kind> '<name>' was not found".
        """
        if kind is None:
            return self.iter_items("/Machines", params=fields_query(fields), page_size=page_size)
        if kind not in SCOPE_PATHS:
            raise DaaSError("Unknown scope '%s': use %s" % (kind, " or ".join(SCOPE_PATHS)))
        path = SCOPE_PATHS[kind] % self.quote_name(name)
        return self._named_items(kind, name, self.iter_items(path, params=fields_query(fields), page_size=page_size))

    def list_machines(self, fields=None):
        """Every machine of the site (only the properties in ``fields``, when given)."""
        return list(self.scope_machines(fields=fields))

    def list_catalogs(self):
        """Every machine catalog of the site."""
        return list(self.iter_items("/MachineCatalogs"))

    def get_catalog(self, name_or_id):
        """One machine catalog."""
        return self._named("catalog", name_or_id, lambda: self._get_object("/MachineCatalogs/" + self.quote_name(name_or_id)))

    def catalog_machines(self, name_or_id, fields=None):
        """Every machine of a catalog (only the properties in ``fields``, when given)."""
        return list(self.scope_machines("catalog", name_or_id, fields))

    def delivery_group_machines(self, name_or_id, fields=None):
        """Every machine of a delivery group (only the properties in ``fields``, when given)."""
        return list(self.scope_machines("delivery group", name_or_id, fields))

    def ensure_tag(self, name, description=None):
        """The site's tag of that name, created when it does not exist yet."""
        try:
            return self._get_object("/Tags/" + self.quote_name(name))
        except DaaSError as err:
            if err.status != 404:
                raise
        body = {"Name": name}
        if description:
            body["Description"] = description
        try:
            return self.post("/Tags", json=body, idempotent=True)
        except DaaSError as err:
            if err.status != 409:
                raise
        # Created meanwhile by another run.
        return self._get_object("/Tags/" + self.quote_name(name))

    # Calls for $batch: each machine write and trimmed read as a BatchRequest, spelled here only

    def machine_read_request(self, name_or_id, fields=None):
        """GET of one machine, with only the properties in ``fields`` when given."""
        query = "?" + urlencode(fields_query(fields), safe=",") if fields else ""
        return BatchRequest("GET", "/Machines/%s%s" % (self.quote_name(name_or_id), query), None)

    def maintenance_request(self, machine_id, enabled):
        """PATCH that turns a machine's maintenance mode on or off."""
        return BatchRequest("PATCH", "/Machines/" + self.quote_name(machine_id), {"InMaintenanceMode": bool(enabled)})

    def machine_tag_request(self, machine_id, tag, present):
        """POST (present) or DELETE (not present) of a tag on a machine."""
        path = "/Machines/%s/Tags/%s" % (self.quote_name(machine_id), self.quote_name(tag))
        return BatchRequest("POST" if present else "DELETE", path, None)

    def power_request(self, machine_id, action, force=None):
        """POST of a power action as a job (async=true): its answer carries the job's Location. ``force`` is sent
        only when given (shutdown and reboot)."""
        if action not in POWER_ACTIONS:
            raise DaaSError("Unknown power action '%s': use one of %s" % (action, ", ".join(POWER_ACTIONS)))
        query = "async=true" + ("" if force is None else "&force=" + ("true" if force else "false"))
        return BatchRequest("POST", "/Machines/%s/$%s?%s" % (self.quote_name(machine_id), action, query), None)

    def job_read_request(self, job):
        """GET of a job (id, AsyncJob or Location URL)."""
        return BatchRequest("GET", self._job_path(job), None)

    # Tags as a lease (the run lock)

    def tag_descriptions(self, prefix):
        """Name -> Description of the site's tags whose names start with ``prefix`` (without regard to case)."""
        return dict((tag.get("Name"), tag.get("Description") or "") for tag in self.iter_items("/Tags")
                    if str(tag.get("Name") or "").lower().startswith(prefix.lower()))

    def create_tag(self, name, description):
        """Create a tag; False when a tag of that name exists already (the API creates a name once: a lock)."""
        try:
            self.post("/Tags", json={"Name": name, "Description": description})
        except DaaSError as err:
            if err.status == 409:
                return False
            raise
        return True

    def describe_tag(self, name, description):
        """Replace a tag's description (PATCH /Tags/{nameOrId})."""
        path = "/Tags/" + self.quote_name(name)
        self._named("tag", name, lambda: self.patch(path, json={"Description": description}, idempotent=True))

    def delete_tag(self, name):
        """Delete a tag (it is taken off every machine); a tag already gone is no error."""
        try:
            self.delete("/Tags/" + self.quote_name(name))
        except DaaSError as err:
            if err.status != 404:
                raise

    def _job_path(self, job, suffix=""):
        return "/Jobs/%s%s" % (self.quote_name(job_id_of(job)), suffix)

    def _named_job(self, job, call):
        return self._named("job", job_id_of(job), call)

    def poll_job(self, job_id_or_url, deadline=None):
        """(job body, Retry-After seconds or None) for the job waiter; ``deadline`` bounds this poll's retries."""
        path = self._job_path(job_id_or_url)
        return self._named_job(job_id_or_url, lambda: self._poll_result(self.request("GET", path, deadline=deadline)))

    def cancel_job(self, job_id):
        """POST /Jobs/{id}/$cancel."""
        return self._named_job(job_id, lambda: self.post(self._job_path(job_id, "/$cancel")))

    def job_results(self, job_id):
        """GET /Jobs/{id}/Results."""
        return self._named_job(job_id, lambda: self.get(self._job_path(job_id, "/Results")))

    def send_notification(self, body):
        """POST a Citrix Cloud administrator notification (a Citrix Cloud site only)."""
        self.require_cloud("Notifications")
        return self.post("/notifications/", json=body, site_scoped=False, api="cloud")

    # Delivery groups: their reboot schedules, power time schemes, tags and machines (config as code)

    def list_delivery_groups(self, fields=None):
        """Every delivery group of the site (only the properties in ``fields``, when given)."""
        return list(self.iter_items("/DeliveryGroups", params=fields_query(fields)))

    def read_many(self, paths):
        """GET many collections (paths of delivery_group_path, tag_path) in $batch requests.

        Returns {path: [items] or DaaSError}; a collection longer than one answer is read on, page by page.
        """
        read = {}
        # A page as long as a listing's; a delivery group's Tags take no paging parameters (the spec's only is fields).
        reads = [BatchRequest("GET", path if path.lower().endswith("/tags") else "%s?limit=%d" % (path, DEFAULT_PAGE_SIZE),
                              None) for path in paths]
        for path, outcome in zip(paths, self.batch(reads)):
            if outcome.error is not None:
                read[path] = outcome.error
            elif not isinstance(outcome.body, dict) or not isinstance(outcome.body.get("Items") or [], list):
                read[path] = self._error("The answer has no 'Items' list", method="GET", url=self._endpoint(path, "manage"))
            elif outcome.body.get("ContinuationToken"):
                # Read on from the first page, which the batch answered.
                read[path] = (outcome.body.get("Items") or []) + list(self.iter_items(
                    path, params={"continuationToken": outcome.body["ContinuationToken"]}))
            else:
                read[path] = outcome.body.get("Items") or []
        return read

    def delivery_group_path(self, group, part=None, item=None):
        """The path of a delivery group, of one of its collections (DELIVERY_GROUP_PARTS) or of an item of it."""
        if part is not None and part not in DELIVERY_GROUP_PARTS:
            raise DaaSError("Unknown part of a delivery group '%s': use one of %s" % (part, ", ".join(DELIVERY_GROUP_PARTS)))
        path = "/DeliveryGroups/" + self.quote_name(group)
        if part is not None:
            path += "/" + part
        if item is not None:
            path += "/" + self.quote_name(item)
        return path

    def group_item_create(self, group, part, body):
        """The BatchRequest that creates an object of a delivery group's collection (POST)."""
        return BatchRequest("POST", self.delivery_group_path(group, part), body)

    def group_item_update(self, group, part, item, body):
        """The BatchRequest that changes some properties of an object of a delivery group (PATCH)."""
        return BatchRequest("PATCH", self.delivery_group_path(group, part, item), body)

    def group_item_delete(self, group, part, item):
        """The BatchRequest that deletes an object of a delivery group, or takes a tag or machine off it (DELETE)."""
        return BatchRequest("DELETE", self.delivery_group_path(group, part, item), None)

    def tag_path(self, tag, members=None):
        """The path of a tag, or of the delivery groups or machines that carry it (members: TAG_MEMBERS)."""
        if members is not None and members not in TAG_MEMBERS:
            raise DaaSError("Unknown members of a tag '%s': use one of %s" % (members, ", ".join(TAG_MEMBERS)))
        return "/Tags/" + self.quote_name(tag) + ("/" + members if members else "")

    def list_tags(self):
        """Every tag of the site."""
        return list(self.iter_items("/Tags"))

    def tag_create(self, body):
        """The BatchRequest that creates a tag (POST /Tags, TagRequestModel)."""
        return BatchRequest("POST", "/Tags", body)

    def tag_update(self, tag, body):
        """The BatchRequest that changes a tag's properties (PATCH)."""
        return BatchRequest("PATCH", self.tag_path(tag), body)

    def tag_delete(self, tag):
        """The BatchRequest that deletes a tag from the site and from every object that carries it."""
        return BatchRequest("DELETE", self.tag_path(tag), None)

    def tag_delivery_groups_write(self, tag, groups):
        """The BatchRequest after which exactly ``groups`` carry the tag (PUT /Tags/{tag}/DeliveryGroups)."""
        return BatchRequest("PUT", self.tag_path(tag, "DeliveryGroups"), {"Items": list(groups)})

    def machine_tag_write(self, machine, tag, present):
        """The BatchRequest that puts a tag on a machine (``present``) or takes it off."""
        path = "/Machines/%s/Tags/%s" % (self.quote_name(machine), self.quote_name(tag))
        return BatchRequest("POST" if present else "DELETE", path, None)

    def group_tag_add(self, group, tag):
        """The BatchRequest that puts a tag on a delivery group."""
        return BatchRequest("POST", self.delivery_group_path(group, "Tags", tag), None)

    def add_delivery_group_machines(self, group, catalog, count=None, assignments=None):
        """Start adding machines of a catalog to a delivery group (a Count of free ones, or named ones with their
        users: ``assignments`` [{Machine, Users}]); returns the AsyncJob."""
        body = {"MachineCatalog": catalog}
        if count:
            body["Count"] = int(count)
        if assignments:
            body["AssignMachinesToUsers"] = list(assignments)
        path = self.delivery_group_path(group, "Machines")
        return self._named("delivery group or catalog", "%s, %s" % (group, catalog),
                           lambda: self.start_async("POST", path, json=body))

    # Sessions: their search, their actions ($logoff, $disconnect, $sendMessage, $hide, $unhide) and their reads

    def message_body(self, title, text, style="Information"):
        """The SendMessageRequestModel of a message: ``text`` is required, ``style`` a MessageStyle."""
        if not text or not str(text).strip():
            raise DaaSError("A message needs a text")
        if style not in _sessions.MESSAGE_STYLES:
            raise DaaSError("Unknown message style '%s': use one of %s" % (style, ", ".join(_sessions.MESSAGE_STYLES)))
        return {"Title": str(title or ""), "Text": str(text), "Style": style}

    def session_action_request(self, session_id, action, body=None):
        """The BatchRequest of a session action (logoff, disconnect, sendMessage with message_body's body, hide,
        unhide), carried out at once: 204 or 200, and 404 for a session that has ended."""
        if action not in _sessions.SESSION_ACTIONS:
            raise DaaSError("Unknown session action '%s': use one of %s" % (action, ", ".join(_sessions.SESSION_ACTIONS)))
        if (action == "sendMessage") != (body is not None):
            raise DaaSError("A session message needs message_body's body, and only a message has one")
        return BatchRequest("POST", "/Sessions/%s/$%s" % (self.quote_name(session_id), action), body)

    def session_read_request(self, session_id, fields=None):
        """GET of one session (404 when it has ended), with only the properties in ``fields`` when given."""
        query = "?" + urlencode(fields_query(fields), safe=",") if fields else ""
        return BatchRequest("GET", "/Sessions/%s%s" % (self.quote_name(session_id), query), None)

    def session_actions(self, requests):
        """Send session actions (session_action_request) in $batch requests; one BatchOutcome each, in order.

        A call that failed with a fault (429, 5xx, a dropped connection) is sent once more when repeating it is
        safe (every action but a message, which would reach the user twice).
        """
        requests = list(requests)
        outcomes = self.batch(requests)
        again = [number for number, (request, outcome) in enumerate(zip(requests, outcomes))
                 if outcome.error is not None and outcome.error.transient
                 and request.path.rsplit("/$", 1)[-1] in _sessions.REPEATABLE_ACTIONS]
        for number, outcome in zip(again, self.batch([requests[number] for number in again])):
            outcomes[number] = outcome
        return outcomes

    def search_sessions(self, filters, fields=None):
        """Every session that ``POST /Sessions/$search`` finds for selector_filters' entries (_sessions).

        A site that does not serve it (400, 404, 405, 501 on the first page) has its sessions listed instead
        (``GET /Sessions``, every page) and filtered here, with a warning; ``fields`` then trims the answers.
        """
        filters = list(filters)
        found = []
        try:
            for session in self.iter_items("/Sessions/$search", params=fields_query(fields), method="POST",
                                           json=_sessions.search_body(filters)):
                found.append(session)
            return found
        except DaaSError as err:
            if found or err.status not in SEARCH_UNAVAILABLE:
                raise
            self._note("This site answers Sessions/$search with HTTP %s: its sessions are listed and filtered here"
                       % err.status)
        try:
            listed = [session for session in self.iter_items("/Sessions")
                      if isinstance(session, dict) and _sessions.matches(session, filters)]
        except ValueError as err:
            raise DaaSError("Cannot filter the listed sessions: %s" % err) from None
        if not fields:
            return listed
        wanted = set(name.lower() for name in fields)
        return [dict((key, value) for key, value in session.items() if key.lower() in wanted) for session in listed]

    def server_time(self):
        """The API's clock (the Date header of a read), for ages measured in the API's own times; the local
        clock when the answer has none."""
        response = self.request("GET", "/me", site_scoped=False)
        response.close()
        try:
            moment = parsedate_to_datetime(response.headers.get("Date"))
        except (TypeError, ValueError, IndexError):
            return datetime.datetime.now(_sessions.UTC)
        return moment.replace(tzinfo=moment.tzinfo or _sessions.UTC).astimezone(_sessions.UTC)

    def session_scope_names(self, machines=(), catalogs=(), delivery_groups=()):
        """The API's names of the machines, catalogs and delivery groups a session selector gives (by name or id),
        read in $batch: ``(machines, catalogs, delivery groups)``; an unknown one is "<kind> '<name>' was not found"."""
        wanted = [(kind, name, BatchRequest("GET", path % self.quote_name(name) + "?fields=Id,Name", None))
                  for (kind, path), names in zip(SESSION_SCOPES, (machines, catalogs, delivery_groups)) for name in names]
        named = dict((kind, []) for kind, _path in SESSION_SCOPES)
        for (kind, name, _request), outcome in zip(wanted, self.batch([entry[2] for entry in wanted])):
            if outcome.error is not None:
                raise self._not_found(outcome.error, kind, name)
            named[kind].append((outcome.body or {}).get("Name") or name)
        return tuple(named[kind] for kind, _path in SESSION_SCOPES)

    def select_sessions(self, session_ids=(), filters=(), fields=SESSION_FIELDS):
        """The sessions a selector picks: ``(sessions, ids of sessions that have ended, sessions not picked)``.

        Without ``session_ids``: search_sessions(filters). With them: those sessions, read in $batch (404: ended),
        that the filters (_sessions.selector_filters) also pick; ``fields`` must then hold what the filters read.
        """
        filters = list(filters)
        if not session_ids:
            return self.search_sessions(filters, fields), [], []
        found, ended, not_picked = [], [], []
        ids = list(dict.fromkeys(session_ids))
        for session_id, outcome in zip(ids, self.batch([self.session_read_request(sid, fields) for sid in ids])):
            if outcome.status == 404:
                ended.append(session_id)
            elif outcome.error is not None:
                raise outcome.error
            elif _sessions.matches(outcome.body or {}, filters):
                found.append(outcome.body)
            else:
                not_picked.append(outcome.body)
        return found, ended, not_picked
