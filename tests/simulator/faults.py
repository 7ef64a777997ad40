"""Faults set at run time through ``/_sim/faults``: rate limit, error share, dropped connections, latency, slow answers."""

import asyncio
import collections
import random
import re
import time
import uuid

from aiohttp import web

from .responses import json_response

# ``Faults.apply`` result: serve the request, then hold the answer back (the request takes effect, the answer is late).
SLOW = "slow"


def echo_page(status, headers):
    """The HTML error page of a broken gateway that echoes the request headers, credentials included."""
    lines = "\n".join("%s: %s" % (name, value) for name, value in headers.items())
    return web.Response(status=status, content_type="text/html",
                        text="<html><body><h1>%d Gateway error</h1><pre>%s</pre></body></html>" % (status, lines))


def error_response(status, retry_after=1):
    """The body Citrix Cloud gives for an injected 5xx status."""
    if status == 500:
        return json_response(500, {"activityId": str(uuid.uuid4()), "message": "Internal server error", "statusCode": 500})
    if status == 503:
        return json_response(503, {"type": "https://errors-api.cloud.com/common/serviceUnavailable",
                                   "detail": "Service is unavailable; try again in %d seconds" % retry_after,
                                   "parameters": [{"name": "retryDelay", "value": str(retry_after)}]})
    return json_response(status, {"type": "https://errors-api.cloud.com/common/badGateway", "detail": "Bad gateway",
                                  "parameters": []})


class Faults:
    """The active fault settings (all off by default)."""

    def __init__(self, settings=None):
        settings = settings or {}
        rate = settings.get("rate_limit") or {}
        errors = settings.get("errors") or {}
        self.per_second = rate.get("per_second")
        self.retry_after = int(rate.get("retry_after", 1))
        # Citrix gives the wait only as the body's retryDelay; other gateways also send the header.
        self.retry_after_header = bool(rate.get("header", False))
        slow = settings.get("slow") or {}
        self.slow_share = float(slow.get("share", 0.0))
        self.slow_delay = float(slow.get("delay_ms", 0)) / 1000.0
        self.slow_after = slow.get("when", "after") == "after"
        if slow.get("when", "after") not in ("before", "after") or not 0 <= self.slow_share <= 1 or self.slow_delay < 0:
            raise ValueError("slow needs share 0..1, delay_ms >= 0 and when 'before' or 'after'")
        self.error_share = float(errors.get("share", 0.0))
        self.error_statuses = list(errors.get("statuses") or [500, 502, 503])
        self.drop_share = float(settings.get("drop_share", 0.0))
        # Injected errors answer a gateway's HTML page that echoes the request headers.
        self.echo_headers = bool(settings.get("echo_headers", False))
        self.latency_ms = float(settings.get("latency_ms", 0))
        self.path_regex = re.compile(settings["path_regex"]) if settings.get("path_regex") else None
        self.random = random.Random(settings.get("seed"))
        self.window = collections.deque()
        self.settings = settings
        # How many faults of each kind were injected since these settings were made.
        self.injected = collections.Counter()

    def matches(self, raw_path):
        """True when the faults apply to this path."""
        return self.path_regex is None or self.path_regex.search(raw_path) is not None

    async def apply(self, raw_path, base_latency_ms, headers=None):
        """Return None to serve the request, ``"drop"`` to drop the connection, ``SLOW`` to serve it and answer late,
        or a response to send."""
        latency = base_latency_ms
        active = self.settings and self.matches(raw_path)
        if active:
            latency += self.latency_ms
        if latency:
            await asyncio.sleep(latency / 1000.0)
        if not active:
            return None
        if self.per_second is not None:
            now = time.monotonic()
            while self.window and self.window[0] <= now - 1.0:
                self.window.popleft()
            if len(self.window) >= self.per_second:
                body = {"type": "https://errors-api.cloud.com/common/rateLimitExceeded",
                        "detail": "Rate limit exceeded; try again in %d seconds" % self.retry_after,
                        "parameters": [{"name": "retryDelay", "value": str(self.retry_after)}]}
                self.injected["429"] += 1
                return json_response(429, body, {"Retry-After": str(self.retry_after)} if self.retry_after_header else None)
            self.window.append(now)
        if self.drop_share and self.random.random() < self.drop_share:
            self.injected["drop"] += 1
            return "drop"
        if self.error_share and self.random.random() < self.error_share:
            status = self.random.choice(self.error_statuses)
            self.injected[str(status)] += 1
            if self.echo_headers:
                return echo_page(status, headers or {})
            return error_response(status, self.retry_after)
        if self.slow_share and self.random.random() < self.slow_share:
            self.injected["slow"] += 1
            if not self.slow_after:
                await asyncio.sleep(self.slow_delay)
                return None
            return SLOW
        return None

    async def delay_answer(self):
        """Hold back an answer that was chosen to be slow after it was carried out."""
        await asyncio.sleep(self.slow_delay)
