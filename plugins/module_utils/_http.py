# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HTTP transport shared by the API clients: session, TLS, retries, the 429 pause, errors and secret masking.

Nothing here knows a particular API; `_client.py` (Citrix DaaS) and `_pce.py` (Illumio PCE) build on it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import datetime
import email.utils
import json
import os
import random
import re
import threading
import time
import traceback
import warnings
from urllib.parse import quote, quote_plus, urlsplit

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import InsecureRequestWarning, NewConnectionError
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

from ansible_collections.citrix_cloud.daas.plugins.module_utils._texts import one_line, parse_rfc3339
from ansible_collections.citrix_cloud.daas.plugins.module_utils._version import COLLECTION_VERSION

USER_AGENT = "citrix_cloud.daas/" + COLLECTION_VERSION

RETRY_STATUSES = frozenset((429, 502, 503, 504))
# Answers after which the server has certainly not acted, so even a POST may be sent again.
NOT_ACTED_STATUSES = frozenset((429, 503))
# Methods that HTTP defines as safe to repeat (RFC 9110 9.2.2); a caller marks any other call that is (idempotent=True).
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
MASK = "********"

STATUS_MESSAGES = {
    400: "The API rejected the request",
    403: "Access denied: the API client lacks the permission for this call",
    404: "Not found",
    406: "The API refused the Accept header",
    409: "Conflict",
    415: "The API refused the Content-Type",
    429: "Rate limit exceeded",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


def origin_key(url):
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

    FIELDS = ("status", "method", "url", "transaction_id", "api_message")

    def __init__(self, message, status=None, method=None, url=None, transaction_id=None,
                 api_message=None, transient=False, attempts=1, unreachable=False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.url = url
        self.transaction_id = transaction_id
        self.api_message = api_message
        # True when trying again later may succeed (429, 5xx, connection failures).
        self.transient = transient
        # How many times the request was sent: more than 1 means an earlier attempt may have taken effect.
        self.attempts = attempts
        # True when the connection never opened: the host did not answer at all (refused, unreachable, no name).
        self.unreachable = unreachable

    def to_dict(self):
        """The known HTTP facts, for the `error` of a module result."""
        return dict((name, getattr(self, name)) for name in self.FIELDS if getattr(self, name) is not None)

    def with_message(self, message):
        """The same failure under another message."""
        return DaaSError(message, transient=self.transient, attempts=self.attempts, **self.to_dict())

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


def _epoch_from_date(text):
    """Epoch seconds from an HTTP-date or an RFC 3339 timestamp (naive means UTC), or None."""
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        moment = None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    moment = moment or parse_rfc3339(text)
    return None if moment is None else moment.timestamp()


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


def json_or_none(response):
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def response_json(response, mask=None):
    """The JSON body of a response, None when empty; DaaSError when the body is not JSON (its text masked by
    ``mask`` before it is cut)."""
    if not response.content or not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        raise DaaSError("The API answered with a body that is not valid JSON", status=response.status_code,
                        method=response.request.method if response.request is not None else None, url=response.url,
                        transaction_id=transaction_id_of(response),
                        api_message=one_line(response.text, mask=mask)) from None


def _format_parameters(parameters):
    """`[{"name": n, "value": v}]` or `{n: v}` -> "n=v, ..."."""
    if isinstance(parameters, dict):
        pairs = parameters.items()
    elif isinstance(parameters, list):
        pairs = [(p.get("name", p.get("Name")), p.get("value", p.get("Value"))) for p in parameters if isinstance(p, dict)]
    else:
        return ""
    return ", ".join("%s=%s" % (name, value) for name, value in pairs)


def message_from_body(body):
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


def extract_api_message(response, mask=None):
    """The message of an error response: ErrorMessage, detail(+parameters), Error.Message,
    error_description, message, else the raw body truncated, else the reason phrase; secrets masked by ``mask``
    before any cut."""
    body = json_or_none(response)
    if isinstance(body, dict):
        message = message_from_body(body)
        if message:
            return one_line(message, 1000, mask)
    if response.text and response.text.strip():
        return one_line(response.text, mask=mask)
    return response.reason or None


def _retry_delay_from_body(response):
    """The gateway's `retryDelay` parameter of a 429/503 body, in seconds, or None."""
    body = json_or_none(response)
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


def transaction_id_of(response):
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


def _without_user_info(url):
    """scheme://host[:port] of a URL, without the user and password it may carry (a proxy's)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "the proxy"
    return "%s://%s%s" % (parts.scheme, parts.hostname or "", ":%d" % port if port else "")


def _root_cause(exc):
    """The innermost exception that requests and urllib3 wrapped around a connection failure."""
    for _depth in range(10):
        nested = next((arg for arg in exc.args if isinstance(arg, BaseException)), None)
        nested = nested or getattr(exc, "reason", None) or getattr(exc, "original_error", None)
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


class HTTPClient:
    """A requests session with TLS settings, retries with backoff, the shared 429 pause and masked error texts.

    ``sleep`` and ``clock`` (default time.sleep, time.monotonic) drive every wait, so tests need not sleep.
    """

    def __init__(self, validate_certs=True, ca_path=None, timeout=30.0, retries=5, deadline=600.0, pool_size=32,
                 sleep=None, clock=None):
        if not HAS_REQUESTS:
            raise DaaSError("The Python library 'requests' is required on the host that runs this module")
        if float(timeout) <= 0:
            raise DaaSError("timeout must be more than 0 seconds, got %s" % timeout)
        if int(retries) < 0:
            raise DaaSError("retries must be 0 or more, got %s" % retries)
        if validate_certs and ca_path and not os.path.exists(ca_path):
            raise DaaSError("ca_path %s does not exist: give the path of a CA certificate file (PEM) or directory"
                            % ca_path)
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.deadline = float(deadline)
        self._verify = (ca_path or True) if validate_certs else False
        if not validate_certs:
            # The caller warns once (the client's own warning); urllib3 would warn again on every request.
            warnings.filterwarnings("ignore", category=InsecureRequestWarning)
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
        """Close the pooled connections (a long-running user, such as the event source, on its way out)."""
        self._session.close()

    def _secrets(self):
        """Every credential this client sends, in the form it sends it (a token, a secret, a Basic value)."""
        return ()

    def _scrub(self, text):
        """Mask every secret in text, also as repr() and JSON escape it, as a form body or a URL encodes it, and
        in base64 (an echoed Basic header)."""
        if not text:
            return text
        text = str(text)
        forms = set()
        for secret in self._secrets():
            if secret:
                forms.update((secret, repr(secret)[1:-1], json.dumps(secret)[1:-1], quote_plus(secret),
                              quote(secret, safe=""), base64.b64encode(secret.encode("utf-8")).decode("ascii")))
        # Longest first, so that a form that contains another (a Basic pair, its secret) is masked whole.
        for form in sorted(forms, key=len, reverse=True):
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
            return response_json(response, self._scrub)
        except DaaSError as err:
            raise self._error(err.message, status=err.status, method=err.method, url=err.url,
                              transaction_id=err.transaction_id, api_message=err.api_message) from None

    def _http_error(self, response, message=None):
        status = response.status_code
        attempts = getattr(response, "attempts", 1)
        if message is None:
            message = self._failure_message(status)
            if attempts > 1:
                message += ", still failing after %d attempts" % attempts
        return self._error(message, status=status,
                           method=response.request.method if response.request is not None else None,
                           url=response.url, transaction_id=transaction_id_of(response),
                           api_message=extract_api_message(response, self._scrub),
                           transient=status == 429 or status >= 500, attempts=attempts)

    def _connection_error(self, method, url, exc, transaction_id, attempts=1):
        origin = _origin(url)
        errors = requests.exceptions
        transient = True
        if isinstance(exc, errors.SSLError):
            transient = False
            cause = _root_cause(exc)
            if "CERTIFICATE_VERIFY_FAILED" in cause or "certificate verify failed" in cause:
                message = self._untrusted_certificate_message(origin, cause.rsplit("certificate verify failed: ", 1)[-1])
            else:
                message = "TLS handshake with %s failed: %s" % (origin, cause)
        elif isinstance(exc, errors.ProxyError):
            message = "Cannot connect to the proxy %s on the way to %s: %s: check HTTPS_PROXY, HTTP_PROXY and NO_PROXY" % (
                self._proxy_for(url), origin, _root_cause(exc))
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
        if attempts > 1:
            message += " (%d attempts)" % attempts
        return self._error(message, method=method, url=url, transaction_id=transaction_id, transient=transient,
                           attempts=attempts, unreachable=_connection_never_opened(exc))

    def _proxy_for(self, url):
        """The proxy that requests chose for a URL (from the environment), without its user and password."""
        proxies = self._session.merge_environment_settings(url, {}, None, None, None).get("proxies") or {}
        proxy = requests.utils.select_proxy(url, proxies)
        return _without_user_info(proxy) if proxy else "of the environment"

    def _untrusted_certificate_message(self, origin, reason):
        """The line for a server whose TLS certificate is not trusted: what to do about it."""
        return ("TLS certificate verification failed for %s: set ca_path to the CA certificate that signed the "
                "server's certificate, or validate_certs to false (insecure) (%s)" % (origin, reason))

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
    def _may_retry_status(idempotent, status):
        if idempotent:
            return status in RETRY_STATUSES
        return status in NOT_ACTED_STATUSES

    @staticmethod
    def _may_retry_exception(idempotent, exc, retry_unreachable=True):
        """Calls safe to repeat retry any connection failure; others only when the connection never opened.

        Without ``retry_unreachable`` a connection that never opened is not retried (another host is tried instead).
        """
        errors = requests.exceptions
        if isinstance(exc, errors.SSLError):
            return False
        if _connection_never_opened(exc):
            return retry_unreachable
        return idempotent and isinstance(exc, (errors.ConnectionError, errors.Timeout, errors.ChunkedEncodingError))

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

    def _send(self, method, url, headers, params=None, json=None, data=None, deadline=None, idempotent=None,
              retry_unreachable=True):
        """Send with retries; return the last response whatever its status, or raise DaaSError on a connection failure.

        A call safe to repeat (``idempotent``; default: GET, HEAD, OPTIONS, PUT, DELETE) retries 429/502/503/504 and
        any connection failure; any other only 429/503 and a connection that never opened, where the server cannot
        have acted. At most ``retries`` times and within ``deadline`` seconds (the client's unless given). A backoff
        is clamped to the time left; a wait the server asked for that outlasts the deadline ends the retries at once.
        The response's ``attempts`` counts the times it was sent. Without ``retry_unreachable``, a host that does
        not answer at all fails at once (DaaSError.unreachable), for the caller to try another one.
        """
        deadline_at = self._clock() + (self.deadline if deadline is None else max(float(deadline), 0.0))
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
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
                if retries_done < self.retries and time_left > 0 and self._may_retry_exception(idempotent, exc, retry_unreachable):
                    self._sleep(min(self._backoff(retries_done), time_left))
                    retries_done += 1
                    continue
                raise self._connection_error(method, url, exc, attempt_headers.get("Citrix-TransactionId"),
                                             attempts=retries_done + 1) from None
            except ValueError as exc:
                # Raised by http.client, urllib and requests outside their own exception types: a header value that
                # is not latin-1 (UnicodeEncodeError), a malformed URL, an unusable timeout.
                raise self._unsendable_error(method, url, exc, attempt_headers.get("Citrix-TransactionId")) from None
            response.attempts = retries_done + 1
            time_left = self._time_left(deadline_at)
            if retries_done < self.retries and time_left > 0 and self._may_retry_status(idempotent, response.status_code):
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
