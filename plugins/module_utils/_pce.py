# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""PCEClient: the Illumio PCE REST API, for its async jobs (basic auth with an API key)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from urllib.parse import urlsplit

from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import MASK, DaaSError, HTTPClient, origin_key


class PCEClient(HTTPClient):
    """Illumio PCE REST API client (basic auth with an API key), for async jobs."""

    def __init__(self, url, api_key_username, api_key_secret, validate_certs=True, ca_path=None,
                 timeout=30.0, retries=5, deadline=600.0, pool_size=4, sleep=None, clock=None):
        parts = urlsplit(str(url or "").rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise DaaSError("The PCE url must look like https://pce.example.com:8443, not %r" % (url,))
        super().__init__(validate_certs=validate_certs, ca_path=ca_path, timeout=timeout, retries=retries,
                         deadline=deadline, pool_size=pool_size, sleep=sleep, clock=clock)
        self.origin = "%s://%s" % (parts.scheme, parts.netloc)
        self.base_url = self.origin + "/api/v2"
        self.api_key_username = api_key_username
        self._api_key_secret = api_key_secret
        self._session.auth = (api_key_username, api_key_secret)

    def __repr__(self):
        return "PCEClient(url=%r, api_key_username=%r, api_key_secret=%s)" % (
            self.origin, self.api_key_username, MASK if self._api_key_secret else None)

    def _secrets(self):
        # The Basic header carries base64("key:secret"): the pair is a secret of its own (its base64 form is masked).
        if not self._api_key_secret:
            return ()
        return (self._api_key_secret, "%s:%s" % (self.api_key_username, self._api_key_secret))

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
            if origin_key(location) != origin_key(self.origin):
                raise DaaSError("Refusing to send the PCE credentials to %s: the job URL is not on the PCE %s"
                                % (origin_key(location)[1], self.origin))
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
