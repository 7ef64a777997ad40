# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTP clients for the Citrix DaaS REST API, Citrix Cloud and Illumio PCE async jobs.

Only this file speaks HTTP: sign-in, headers, retries, paging, async calls and error texts.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import email.utils
import random
import re
import threading
import time
import traceback
import uuid
from collections import namedtuple
from urllib.parse import quote, quote_plus, unquote, urlencode, urljoin, urlsplit

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import NewConnectionError
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

COLLECTION_VERSION = "0.1.0"
USER_AGENT = "citrix_cloud.daas/" + COLLECTION_VERSION

# region -> (token host, API host)
REGION_HOSTS = {
    "us": ("https://api-us.cloud.com", "https://api.cloud.com"),
    "eu": ("https://api-eu.cloud.com", "https://api.cloud.com"),
    "ap-s": ("https://api-ap-s.cloud.com", "https://api.cloud.com"),
    "jp": ("https://api.citrixcloud.jp", "https://api.citrixcloud.jp"),
}

RETRY_STATUSES = frozenset((429, 502, 503, 504))
# Answers after which the server has certainly not acted, so even a POST may be sent again.
NOT_ACTED_STATUSES = frozenset((429, 503))
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
TOKEN_RENEWAL_MARGIN = 60.0
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
DEFAULT_PAGE_SIZE = 1000
MAX_PAGES = 10000
POWER_ACTIONS = ("start", "shutdown", "reboot", "suspend", "resume")
MASK = "********"
RAW_BODY_LIMIT = 300

STATUS_MESSAGES = {
    400: "The API rejected the request",
    403: "Access denied: the API client lacks the permission for this call",
    404: "Not found",
    406: "The API refused the Accept header",
    409: "Conflict",
    415: "The API refused the Content-Type",
    429: "Rate limit still exceeded after retrying",
    502: "Bad gateway, still failing after retrying",
    503: "Service unavailable, still failing after retrying",
    504: "Gateway timeout, still failing after retrying",
}

AsyncJob = namedtuple("AsyncJob", ["id", "url"])


def _origin_key(url):
    """(scheme, host, port) of a URL, with the scheme's default port, for comparing origins."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


class DaaSError(Exception):
    """An API or connection failure, with the HTTP facts that explain it and never a secret."""

    FIELDS = ("status", "method", "url", "transaction_id", "api_message", "job_id")

    def __init__(self, message, status=None, method=None, url=None, transaction_id=None,
                 api_message=None, job_id=None, transient=False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.url = url
        self.transaction_id = transaction_id
        self.api_message = api_message
        self.job_id = job_id
        # True when trying again later may succeed (429, 5xx, connection failures).
        self.transient = transient

    def to_dict(self):
        """The known HTTP facts, for a module result."""
        return dict((name, getattr(self, name)) for name in self.FIELDS if getattr(self, name) is not None)

    def __str__(self):
        text = self.message
        if self.status is not None:
            text += ": HTTP %s" % self.status
            if self.method and self.url:
                text += " on %s %s" % (self.method, self.url)
        elif self.method and self.url:
            text += " (%s %s)" % (self.method, self.url)
        if self.api_message:
            text += ": %s" % self.api_message
        if self.transaction_id:
            text += " (transaction %s)" % self.transaction_id
        return text


def _copy_error(err, message):
    """The same failure under a clearer message."""
    return DaaSError(message, status=err.status, method=err.method, url=err.url, transaction_id=err.transaction_id,
                     api_message=err.api_message, job_id=err.job_id, transient=err.transient)


def _epoch_from_date(text):
    """Epoch seconds from an HTTP-date or an RFC 3339 timestamp (naive means UTC), or None."""
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        moment = None
    if moment is None:
        try:
            moment = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def parse_retry_after(value, response_date=None, now=None):
    """Seconds to wait from a Retry-After value, or None when absent or unusable.

    Accepts delay-seconds, an HTTP-date and an RFC 3339 timestamp. A date is measured against the
    response's Date header when it parses, else against ``now`` (epoch seconds, default the wall
    clock). Never negative.
    """
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    if re.match(r"[0-9]+\Z", text):
        return float(text)
    target = _epoch_from_date(text)
    if target is None:
        return None
    reference = _epoch_from_date(response_date) if response_date else None
    if reference is None:
        reference = time.time() if now is None else now
    return max(0.0, target - reference)


def _json_or_none(response):
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def response_json(response):
    """The JSON body of a response, None when empty; DaaSError when the body is not JSON."""
    if not response.content or not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        raise DaaSError("The API answered with a body that is not valid JSON", status=response.status_code,
                        method=response.request.method if response.request is not None else None, url=response.url,
                        transaction_id=_transaction_id(response),
                        api_message=one_line(response.text)) from None


def one_line(text, limit=RAW_BODY_LIMIT):
    """The text on one line (white space folded), cut at `limit` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "..."


def _format_parameters(parameters):
    """`[{"name": n, "value": v}]` or `{n: v}` -> "n=v, ..."."""
    if isinstance(parameters, dict):
        pairs = parameters.items()
    elif isinstance(parameters, list):
        pairs = [(p.get("name", p.get("Name")), p.get("value", p.get("Value"))) for p in parameters if isinstance(p, dict)]
    else:
        return ""
    return ", ".join("%s=%s" % (name, value) for name, value in pairs)


def _message_from_body(body):
    """The API's own message, from whichever error shape the body has."""
    if body.get("ErrorMessage"):
        return str(body["ErrorMessage"])
    if body.get("detail"):
        parameters = _format_parameters(body.get("parameters"))
        return "%s (%s)" % (body["detail"], parameters) if parameters else str(body["detail"])
    error = body.get("Error")
    if isinstance(error, dict) and error.get("Message"):
        return str(error["Message"])
    if body.get("error_description"):
        return str(body["error_description"])
    if body.get("message"):
        return str(body["message"])
    return None


def extract_api_message(response):
    """The message of an error response: ErrorMessage, detail(+parameters), Error.Message,
    error_description, message, else the raw body truncated, else the reason phrase."""
    body = _json_or_none(response)
    if isinstance(body, dict):
        message = _message_from_body(body)
        if message:
            return one_line(message, 1000)
    if response.text and response.text.strip():
        return one_line(response.text)
    return response.reason or None


def _retry_delay_from_body(response):
    """The gateway's `retryDelay` parameter of a 429/503 body, in seconds, or None."""
    body = _json_or_none(response)
    if not isinstance(body, dict):
        return None
    parameters = body.get("parameters")
    value = None
    if isinstance(parameters, dict):
        value = parameters.get("retryDelay")
    elif isinstance(parameters, list):
        for parameter in parameters:
            if isinstance(parameter, dict) and parameter.get("name") == "retryDelay":
                value = parameter.get("value")
    try:
        delay = float(value)
    except (TypeError, ValueError):
        return None
    return delay if delay >= 0 else None


def _transaction_id(response):
    """The transaction id the server echoed, else the one that was sent."""
    echoed = response.headers.get("citrix-transactionid") or response.headers.get("x-cws-transactionid")
    if echoed:
        return echoed
    request = getattr(response, "request", None)
    return request.headers.get("Citrix-TransactionId") if request is not None else None


def _origin(url):
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return "%s://%s" % (parts.scheme, parts.netloc)


def _root_cause(exc):
    """The innermost exception that requests and urllib3 wrapped around a connection failure."""
    for _depth in range(10):
        nested = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else getattr(exc, "reason", None)
        if not isinstance(nested, BaseException):
            break
        exc = nested
    text = str(exc)
    marker = "Failed to establish a new connection: "
    if marker in text:
        text = text.split(marker, 1)[1]
    # urllib3 prefixes the connection object: "HTTPSConnection(host='h', port=443): " or "<... object at 0x...>: "
    text = re.sub(r"^(?:<[^>]*>|\w+\([^)]*\)): ", "", text)
    return text or type(exc).__name__


def _connection_never_opened(exc):
    """True when the request cannot have reached the server: the TCP connection never opened.

    That is a connect timeout, or a ConnectionError whose urllib3 cause is a NewConnectionError
    (refused, unreachable, name not resolved). A read error (connection reset or closed while
    waiting for the answer) arrives as a ConnectionError around a ProtocolError instead, and a
    read timeout as ReadTimeout: the server may have acted on those.
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError) or isinstance(exc, requests.exceptions.SSLError):
        return False
    cause = exc.args[0] if exc.args else None
    return isinstance(getattr(cause, "reason", cause), NewConnectionError)


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


class _HTTPClient:
    """Session, retries with backoff, the shared 429 pause and error texts, for both APIs."""

    def __init__(self, validate_certs=True, ca_path=None, timeout=30.0, retries=5, deadline=600.0, pool_size=32,
                 sleep=None, clock=None):
        if not HAS_REQUESTS:
            raise DaaSError("The Python library 'requests' is required on the host that runs this module")
        if float(timeout) <= 0:
            raise DaaSError("timeout must be more than 0 seconds, got %s" % timeout)
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.deadline = float(deadline)
        self._verify = (ca_path or True) if validate_certs else False
        self._sleep = sleep or time.sleep
        self._clock = clock or time.monotonic
        self._pause_lock = threading.Lock()
        self._pause_until = 0.0
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=int(pool_size), max_retries=0)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def close(self):
        """Close the pooled connections."""
        self._session.close()

    def _secrets(self):
        return ()

    def _scrub(self, text):
        """Mask every secret in text, also as repr() escapes it and as a form body encodes it."""
        if not text:
            return text
        text = str(text)
        for secret in self._secrets():
            if secret:
                for form in (secret, repr(secret)[1:-1], quote_plus(secret)):
                    text = text.replace(form, MASK)
        return text

    def _error(self, message, **fields):
        for name in ("url", "api_message"):
            fields[name] = self._scrub(fields.get(name))
        return DaaSError(self._scrub(message), **fields)

    def _failure_message(self, status):
        return STATUS_MESSAGES.get(status, "Request failed")

    def _json(self, response):
        """response_json(), with any secret that a non-JSON body echoes masked in the error."""
        try:
            return response_json(response)
        except DaaSError as err:
            raise self._error(err.message, status=err.status, method=err.method, url=err.url,
                              transaction_id=err.transaction_id, api_message=err.api_message) from None

    def _http_error(self, response, message=None):
        status = response.status_code
        return self._error(message or self._failure_message(status), status=status,
                           method=response.request.method if response.request is not None else None,
                           url=response.url, transaction_id=_transaction_id(response),
                           api_message=extract_api_message(response),
                           transient=status == 429 or status >= 500)

    def _connection_error(self, method, url, exc, transaction_id):
        origin = _origin(url)
        errors = requests.exceptions
        transient = True
        if isinstance(exc, errors.SSLError):
            transient = False
            cause = _root_cause(exc)
            if "CERTIFICATE_VERIFY_FAILED" in cause or "certificate verify failed" in cause:
                message = ("TLS certificate verification failed for %s: set ca_path to the CA certificate that signed "
                           "the server's certificate, or validate_certs to false (insecure) (%s)" % (origin, cause))
            else:
                message = "TLS handshake with %s failed: %s" % (origin, cause)
        elif isinstance(exc, errors.ConnectTimeout):
            message = "Timed out connecting to %s after %g s" % (origin, self.timeout)
        elif isinstance(exc, errors.Timeout):
            message = "No response from %s within the timeout of %g s" % (origin, self.timeout)
        elif isinstance(exc, errors.ConnectionError):
            message = "Cannot connect to %s: %s" % (origin, _root_cause(exc))
        elif isinstance(exc, (errors.InvalidURL, errors.MissingSchema, errors.InvalidSchema)):
            transient = False
            message = "Invalid URL %s: check api_url, auth_url or url" % url
        else:
            message = "Request to %s failed: %s" % (origin, _root_cause(exc))
        return self._error(message, method=method, url=url, transaction_id=transaction_id, transient=transient)

    def _unsendable_error(self, method, url, exc, transaction_id):
        if isinstance(exc, UnicodeError):
            message = ("A header value (customer_id, site_id, client_id or token) has a character that HTTP headers "
                       "cannot carry: %s" % exc)
        else:
            message = "The request to %s could not be sent: %s" % (_origin(url), exc)
        return self._error(message, method=method, url=url, transaction_id=transaction_id)

    def _per_attempt_headers(self):
        return {}

    def _time_left(self, deadline_at):
        return deadline_at - self._clock()

    def _pause_everyone(self, seconds):
        """After a 429: every thread of this client waits until the pause is over before sending."""
        with self._pause_lock:
            self._pause_until = max(self._pause_until, self._clock() + seconds)

    def _honour_pause(self, deadline_at):
        with self._pause_lock:
            wait = self._pause_until - self._clock()
        wait = min(wait, self._time_left(deadline_at))
        if wait > 0:
            self._sleep(wait)

    @staticmethod
    def _may_retry_status(method, status):
        if method in SAFE_METHODS:
            return status in RETRY_STATUSES
        return status in NOT_ACTED_STATUSES

    @staticmethod
    def _may_retry_exception(method, exc):
        """GET-like calls retry any connection failure; others only when the connection never opened."""
        errors = requests.exceptions
        if isinstance(exc, errors.SSLError):
            return False
        if _connection_never_opened(exc):
            return True
        return method in SAFE_METHODS and isinstance(exc, (errors.ConnectionError, errors.Timeout, errors.ChunkedEncodingError))

    @staticmethod
    def _backoff(retry_number):
        """Exponential backoff with full jitter."""
        return random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * (2 ** retry_number)))

    def _retry_delay(self, response, retry_number):
        """(seconds, whether the server asked for them): Retry-After, else the body's retryDelay, else backoff."""
        delay = parse_retry_after(response.headers.get("Retry-After"), response.headers.get("Date"))
        if delay is None:
            delay = _retry_delay_from_body(response)
        if delay is None:
            return self._backoff(retry_number), False
        return delay, True

    def _send(self, method, url, headers, params=None, json=None, data=None, deadline=None):
        """Send with retries; return the last response whatever its status, or raise DaaSError on a connection failure.

        Retries 429/502/503/504 and connection failures (POST, PATCH, DELETE only where the server cannot have
        acted), at most ``retries`` times and within ``deadline`` seconds (the client's unless given). A backoff is
        clamped to the time left; a wait the server asked for that outlasts the deadline ends the retries at once.
        """
        deadline_at = self._clock() + (self.deadline if deadline is None else max(float(deadline), 0.0))
        retries_done = 0
        while True:
            self._honour_pause(deadline_at)
            attempt_headers = dict(headers)
            attempt_headers.update(self._per_attempt_headers())
            try:
                response = self._session.request(method, url, headers=attempt_headers, params=params, json=json,
                                                 data=data, timeout=self.timeout, verify=self._verify)
            except requests.exceptions.RequestException as exc:
                time_left = self._time_left(deadline_at)
                if retries_done < self.retries and time_left > 0 and self._may_retry_exception(method, exc):
                    self._sleep(min(self._backoff(retries_done), time_left))
                    retries_done += 1
                    continue
                raise self._connection_error(method, url, exc, attempt_headers.get("Citrix-TransactionId")) from None
            except ValueError as exc:
                # Raised by http.client, urllib and requests outside their own exception types: a header value that
                # is not latin-1 (UnicodeEncodeError), a malformed URL, an unusable timeout.
                raise self._unsendable_error(method, url, exc, attempt_headers.get("Citrix-TransactionId")) from None
            time_left = self._time_left(deadline_at)
            if retries_done < self.retries and time_left > 0 and self._may_retry_status(method, response.status_code):
                delay, asked_by_server = self._retry_delay(response, retries_done)
                if asked_by_server and delay > time_left:
                    # Retrying before the server's time would only be refused again.
                    if response.status_code == 429:
                        self._pause_everyone(delay)
                    return response
                delay = min(delay, time_left)
                response.close()
                if response.status_code == 429:
                    self._pause_everyone(delay)
                else:
                    self._sleep(delay)
                retries_done += 1
                continue
            return response

    def _poll_result(self, response):
        """(JSON body, Retry-After seconds or None) of a job poll."""
        return self._json(response), parse_retry_after(response.headers.get("Retry-After"), response.headers.get("Date"))


class DaaSClient(_HTTPClient):
    """Citrix DaaS REST API client; one instance is shared by all worker threads of a module.

    ``sleep`` and ``clock`` (default time.sleep, time.monotonic) drive every wait, so tests need not sleep.
    """

    def __init__(self, customer_id, client_id=None, client_secret=None, token=None, site_id=None, region="us",
                 api_url=None, auth_url=None, validate_certs=True, ca_path=None, timeout=30.0, retries=5,
                 deadline=600.0, pool_size=32, sleep=None, clock=None):
        if not customer_id:
            raise DaaSError("customer_id is required")
        region = (region or "us").lower()
        if region not in REGION_HOSTS:
            raise DaaSError("Unknown region '%s': use one of %s" % (region, ", ".join(sorted(REGION_HOSTS))))
        super().__init__(validate_certs=validate_certs, ca_path=ca_path, timeout=timeout, retries=retries,
                         deadline=deadline, pool_size=pool_size, sleep=sleep, clock=clock)
        self.customer_id = customer_id
        self.client_id = client_id
        self._client_secret = client_secret
        self.region = region
        self.auth_url = (auth_url or REGION_HOSTS[region][0]).rstrip("/")
        self.api_url = (api_url or REGION_HOSTS[region][1]).rstrip("/")
        self._can_sign_in = bool(client_id and client_secret)
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
        self._me = None

    def __repr__(self):
        return "DaaSClient(customer_id=%r, client_id=%r, client_secret=%s, token=%s, site_id=%r, api_url=%r, auth_url=%r)" % (
            self.customer_id, self.client_id, MASK if self._client_secret else None, MASK if self._token else None,
            self._site_id, self.api_url, self.auth_url)

    def _secrets(self):
        return (self._client_secret,) + self._known_tokens

    def _per_attempt_headers(self):
        return {"Citrix-TransactionId": str(uuid.uuid4())}

    def _failure_message(self, status):
        if status == 401:
            if self._can_sign_in:
                return "Authentication failed even after signing in again"
            return "Authentication failed: the token is invalid or expired; give a new token, or client_id and client_secret"
        return super()._failure_message(status)

    # Authentication

    def sign_in(self):
        """Sign in with the client credentials (once; renewed near expiry) and describe the token."""
        if not self._can_sign_in:
            raise DaaSError("Signing in needs client_id and client_secret")
        with self._auth_lock:
            if self._token_info is None or self._token_needs_renewal():
                self._sign_in_locked()
            return dict(self._token_info)

    def _token_needs_renewal(self):
        if self._token is None:
            return True
        return self._token_expiry is not None and self._token_expiry - self._clock() < TOKEN_RENEWAL_MARGIN

    def _sign_in_locked(self):
        url = "%s/cctrustoauth2/%s/tokens/clients" % (self.auth_url, quote(self.customer_id, safe=""))
        body = urlencode([("grant_type", "client_credentials"), ("client_id", self.client_id),
                          ("client_secret", self._client_secret)])
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        response = self._send("POST", url, headers, data=body)
        if response.status_code >= 400:
            raise self._http_error(response, "Sign-in failed: check customer_id, client_id and client_secret")
        payload = _json_or_none(response)
        if not isinstance(payload, dict) or payload.get("error") or not isinstance(payload.get("access_token"), str) \
                or not payload["access_token"].strip():
            raise self._error("Sign-in answered without an access token", status=response.status_code, method="POST",
                              url=url, transaction_id=_transaction_id(response),
                              api_message=_message_from_body(payload) if isinstance(payload, dict) else None)
        try:
            expires_in = int(float(payload.get("expires_in")))
        except (TypeError, ValueError, OverflowError):
            expires_in = None
        self._token = payload["access_token"].strip()
        self._known_tokens += (self._token,)
        self._token_expiry = None if expires_in is None else self._clock() + expires_in
        expires_at = None
        if expires_in is not None:
            expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=expires_in)
            expires_at = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
        self._token_info = {"access_token": self._token, "token_type": payload.get("token_type", "bearer"),
                            "expires_in": expires_in, "expires_at": expires_at}

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

    def request(self, method, path, params=None, json=None, site_scoped=True, api="manage", deadline=None):
        """Send one API call and return the response; DaaSError for any status >= 400.

        api="manage": {api_url}/cvad/manage{path}; api="cloud": {api_url}{path}, never with Citrix-InstanceId.
        A 401 signs in again once and repeats the call, when client credentials are known.
        ``deadline`` bounds the retries of this call in seconds (default: the client's).
        """
        method = method.upper()
        url = self._endpoint(path, api)
        headers = {"Citrix-CustomerId": self.customer_id, "Accept": "application/json"}
        if site_scoped and api == "manage":
            headers["Citrix-InstanceId"] = self.site_id
        signed_in_again = False
        while True:
            token = self._valid_token()
            headers["Authorization"] = "CwsAuth Bearer=" + token
            response = self._send(method, url, headers, params=params, json=json, deadline=deadline)
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

    def iter_items(self, path, params=None, page_size=DEFAULT_PAGE_SIZE, max_pages=MAX_PAGES):
        """Every item of a collection, following ContinuationToken page by page."""
        query = dict(params or {})
        query["limit"] = page_size
        seen_tokens = set()
        for _page_number in range(max_pages):
            page = self.get(path, params=query)
            if not isinstance(page, dict) or not isinstance(page.get("Items") or [], list):
                raise DaaSError("GET %s answered without an 'Items' list" % path)
            yield from page.get("Items") or []
            token = page.get("ContinuationToken")
            if token is None or token == "":
                return
            if not isinstance(token, str):
                raise DaaSError("Paging GET %s: the continuation token is a JSON %s, not a string" % (path, type(token).__name__))
            if token in seen_tokens:
                raise DaaSError("Paging GET %s did not advance: the API returned the same continuation token twice" % path)
            seen_tokens.add(token)
            query["continuationToken"] = token
        raise DaaSError("Paging GET %s stopped after %d pages" % (path, max_pages))

    def start_async(self, method, path, params=None, json=None):
        """Start a call with async=true and return its AsyncJob (from 202 + Location)."""
        query = dict(params or {})
        query["async"] = "true"
        response = self.request(method, path, params=query, json=json)
        location = response.headers.get("Location")
        if response.status_code != 202 or not location:
            raise self._error("Expected 202 Accepted with a job Location", status=response.status_code,
                              method=method.upper(), url=response.url, transaction_id=_transaction_id(response))
        url = urljoin(response.url, location)
        return AsyncJob(job_id_of(url), url)

    # Domain helpers

    @staticmethod
    def quote_name(name):
        """A name or id for a URL path: `DOMAIN\\NAME` -> `DOMAIN%7CNAME`, everything else percent-encoded."""
        return quote(str(name).replace("\\", "|"), safe="")

    @staticmethod
    def _named(kind, name, call):
        """Run call(); a 404 becomes "<kind> '<name>' was not found"."""
        try:
            return call()
        except DaaSError as err:
            if err.status == 404:
                raise _copy_error(err, "%s '%s' was not found" % (kind, name)) from None
            raise

    def get_machine(self, name_or_id):
        """One machine (detail model)."""
        return self._named("machine", name_or_id, lambda: self._get_object("/Machines/" + self.quote_name(name_or_id)))

    def machine_sessions(self, name_or_id):
        """The sessions running on a machine."""
        path = "/Machines/%s/Sessions" % self.quote_name(name_or_id)
        return self._named("machine", name_or_id, lambda: self._get_object(path).get("Items") or [])

    def list_machines(self):
        """Every machine of the site."""
        return list(self.iter_items("/Machines"))

    def list_catalogs(self):
        """Every machine catalog of the site."""
        return list(self.iter_items("/MachineCatalogs"))

    def get_catalog(self, name_or_id):
        """One machine catalog."""
        return self._named("catalog", name_or_id, lambda: self._get_object("/MachineCatalogs/" + self.quote_name(name_or_id)))

    def catalog_machines(self, name_or_id):
        """Every machine of a catalog."""
        path = "/MachineCatalogs/%s/Machines" % self.quote_name(name_or_id)
        return self._named("catalog", name_or_id, lambda: list(self.iter_items(path)))

    def delivery_group_machines(self, name_or_id):
        """Every machine of a delivery group."""
        path = "/DeliveryGroups/%s/Machines" % self.quote_name(name_or_id)
        return self._named("delivery group", name_or_id, lambda: list(self.iter_items(path)))

    def power_action(self, machine_id, action, force=None, delay=None):
        """Start a power action (start, shutdown, reboot, suspend, resume) as a job."""
        if action not in POWER_ACTIONS:
            raise DaaSError("Unknown power action '%s': use one of %s" % (action, ", ".join(POWER_ACTIONS)))
        params = {}
        if force is not None:
            params["force"] = "true" if force else "false"
        if delay is not None:
            params["delay"] = int(delay)
        path = "/Machines/%s/$%s" % (self.quote_name(machine_id), action)
        return self._named("machine", machine_id, lambda: self.start_async("POST", path, params=params))

    def set_maintenance(self, machine_id, enabled):
        """Turn maintenance mode on or off."""
        body = {"InMaintenanceMode": bool(enabled)}
        self._named("machine", machine_id, lambda: self.patch("/Machines/" + self.quote_name(machine_id), json=body))

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
            return self.post("/Tags", json=body)
        except DaaSError as err:
            if err.status != 409:
                raise
        # Created meanwhile by another run.
        return self._get_object("/Tags/" + self.quote_name(name))

    def add_machine_tag(self, machine_id, tag):
        """Put a tag (by name or id) on a machine."""
        path = "/Machines/%s/Tags/%s" % (self.quote_name(machine_id), self.quote_name(tag))
        self._named("machine or tag", "%s, %s" % (machine_id, tag), lambda: self.post(path))

    def remove_machine_tag(self, machine_id, tag):
        """Take a tag (by name or id) off a machine."""
        path = "/Machines/%s/Tags/%s" % (self.quote_name(machine_id), self.quote_name(tag))
        self._named("machine or tag", "%s, %s" % (machine_id, tag), lambda: self.delete(path))

    def _job_path(self, job, suffix=""):
        return "/Jobs/%s%s" % (self.quote_name(job_id_of(job)), suffix)

    def _named_job(self, job, call):
        return self._named("job", job_id_of(job), call)

    def get_job(self, job_id_or_url):
        """A job by id, AsyncJob or Location URL (always fetched from api_url)."""
        return self._named_job(job_id_or_url, lambda: self._get_object(self._job_path(job_id_or_url)))

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
        """POST a Citrix Cloud administrator notification."""
        return self.post("/notifications/items", json=body, site_scoped=False, api="cloud")


class PCEClient(_HTTPClient):
    """Illumio PCE REST API client (basic auth with an API key), for async jobs."""

    def __init__(self, url, org_id, api_key_username, api_key_secret, validate_certs=True, ca_path=None,
                 timeout=30.0, retries=5, deadline=600.0, pool_size=4, sleep=None, clock=None):
        parts = urlsplit(str(url or "").rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise DaaSError("The PCE url must look like https://pce.example.com:8443, not %r" % (url,))
        super().__init__(validate_certs=validate_certs, ca_path=ca_path, timeout=timeout, retries=retries,
                         deadline=deadline, pool_size=pool_size, sleep=sleep, clock=clock)
        self.origin = "%s://%s" % (parts.scheme, parts.netloc)
        self.base_url = self.origin + "/api/v2"
        self.org_id = org_id
        self.api_key_username = api_key_username
        self._api_key_secret = api_key_secret
        self._session.auth = (api_key_username, api_key_secret)

    def __repr__(self):
        return "PCEClient(url=%r, org_id=%r, api_key_username=%r, api_key_secret=%s)" % (
            self.origin, self.org_id, self.api_key_username, MASK if self._api_key_secret else None)

    def _secrets(self):
        return (self._api_key_secret,)

    def _failure_message(self, status):
        if status == 401:
            return "The PCE rejected the API key: check api_key_username and api_key_secret"
        return super()._failure_message(status)

    def resolve(self, location):
        """An absolute URL for a Location or href: absolute as is, /api/... on the PCE, else under /api/v2.

        An absolute URL whose path starts with /orgs/ is a relative Location that a client (such as
        ansible.builtin.uri) resolved against the request URL, losing /api/v2: its path is taken as relative.
        """
        location = str(location).strip()
        parts = urlsplit(location)
        if parts.scheme and parts.path.startswith("/orgs/"):
            location = parts.path
        elif parts.scheme:
            if _origin_key(location) != _origin_key(self.origin):
                raise DaaSError("Refusing to send the PCE credentials to %s: the job URL is not on the PCE %s"
                                % (_origin_key(location)[1], self.origin))
            return location
        if not location.startswith("/"):
            location = "/" + location
        if location.startswith("/api/"):
            return self.origin + location
        return self.base_url + location

    def request(self, method, location, params=None, json=None, headers=None, deadline=None):
        """Send one call to a path, href or URL; DaaSError for any status >= 400."""
        method = method.upper()
        response = self._send(method, self.resolve(location), dict(headers or {}), params=params, json=json, deadline=deadline)
        if response.status_code >= 400:
            raise self._http_error(response)
        return response

    def get(self, location, params=None):
        """GET -> parsed JSON body (None when empty)."""
        return self._json(self.request("GET", location, params=params))

    def poll_job(self, location, deadline=None):
        """(job body, Retry-After seconds or None) for the job waiter; ``deadline`` bounds this poll's retries."""
        return self._poll_result(self.request("GET", location, deadline=deadline))
