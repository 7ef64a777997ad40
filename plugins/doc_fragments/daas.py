# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the connection options every citrix_cloud.daas module and plugin shares (see _connection.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  deployment:
    description:
      - The kind of site, V(cloud) for Citrix DaaS in Citrix Cloud, V(on_premises) for Citrix Virtual Apps and Desktops
        on your own Delivery Controllers (2402 LTSR and later; the REST API comes with Web Studio).
      - A Citrix Cloud site takes O(customer_id), O(client_id), O(client_secret), O(region), O(api_url) and
        O(auth_url); an on-premises site takes O(controllers), O(username) and O(password). Giving an option of the
        other kind fails the task, naming it.
      - If not set, the value of the E(CITRIX_DEPLOYMENT) environment variable is used, else V(cloud).
    type: str
    choices: [cloud, on_premises]
    default: cloud
  customer_id:
    description:
      - The Citrix Cloud customer ID (shown under Identity and Access Management > API Access).
      - Required for a Citrix Cloud site. If not set, the value of the E(CITRIX_CUSTOMER_ID) environment variable is used.
      - An on-premises site's customer is always C(CitrixOnPremises).
    type: str
  client_id:
    description:
      - The ID of a Citrix Cloud API client, used to sign in with client credentials (Citrix Cloud only).
      - If not set, the value of the E(CITRIX_CLIENT_ID) environment variable is used.
      - Required with O(client_secret) unless O(token) is given.
    type: str
  client_secret:
    description:
      - The secret of the API client named by O(client_id). It is never logged or returned.
      - Prefer the environment variable, or an C(!vault) encrypted value, to a secret in clear text.
      - If not set, the value of the E(CITRIX_CLIENT_SECRET) environment variable is used.
    type: str
  token:
    description:
      - A bearer token from the M(citrix_cloud.daas.token) module, used instead of signing in.
      - In a play, pass it to every later task with C(module_defaults) so that the whole play signs in once.
      - When O(client_id) and O(client_secret) are also given, an expired or rejected token is replaced by signing in again.
      - If not set, the value of the E(CITRIX_ACCESS_TOKEN) environment variable is used.
    type: str
  controllers:
    description:
      - The Delivery Controllers of an on-premises site, each a host name (C(ddc1.example.com), HTTPS) or a base URL
        (C(https://ddc1.example.com:8443)). They are tried in this order; the first that answers serves the whole run.
      - Required with O(deployment=on_premises). If not set, the value of the E(CITRIX_CONTROLLERS) environment
        variable is used (comma-separated).
    type: list
    elements: str
  username:
    description:
      - The domain user that signs in to an on-premises site, as C(DOMAIN\user) (a Citrix administrator of the
        site).
      - The sign-in is Basic authentication at the controller's documented C(/cvad/manage/Tokens); a controller that
        does not serve it is asked at C(/citrix/orchestration/api/tokens), as Citrix's own clients do.
      - If not set, the value of the E(CITRIX_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - The password of O(username). It is never logged or returned, in any form (the Basic header included).
      - If not set, the value of the E(CITRIX_PASSWORD) environment variable is used.
    type: str
  site_id:
    description:
      - The DaaS site ID (C(Citrix-InstanceId)).
      - When omitted it is discovered through C(GET /cvad/manage/me); the run fails if the customer has no site or several.
      - If not set, the value of the E(CITRIX_SITE_ID) environment variable is used.
    type: str
  region:
    description:
      - The Citrix Cloud region, which picks the sign-in and API hosts (Citrix Cloud only).
      - If not set, the value of the E(CITRIX_REGION) environment variable is used, else V(us).
    type: str
    choices: [us, eu, ap-s, jp]
  api_url:
    description:
      - Base URL of the Citrix Cloud API host, overriding the one O(region) picks, for example C(https://api.cloud.com).
      - If not set, the value of the E(CITRIX_API_URL) environment variable is used.
    type: str
  auth_url:
    description:
      - Base URL of the Citrix Cloud sign-in host, overriding the one O(region) picks, for example
        C(https://api-us.cloud.com).
      - If not set, the value of the E(CITRIX_AUTH_URL) environment variable is used.
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificates of the sign-in and API hosts.
      - V(false) is allowed only with O(deployment=on_premises), with a warning; prefer O(ca_path). A Citrix Cloud site
        refuses it, as its hosts always have a trusted certificate.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of certificate authorities to trust instead of the system ones, for example the enterprise CA that
        issued a Delivery Controller's certificate, or a self-signed controller's own certificate.
      - If not set, the value of the E(CITRIX_CA_PATH) environment variable is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP response.
    type: float
    default: 30
  retries:
    description:
      - How many times a request is retried after a rate limit (429), a gateway or availability error (502, 503, 504)
        or a connection error, waiting as the API asks (C(Retry-After)) or with exponential backoff.
    type: int
    default: 5
notes:
  - Every request carries a new C(Citrix-TransactionId).
  - "A failure of the API or of the connection fails the task with a one-line C(msg) and a dictionary C(error)
    holding what is known of the failed request: C(status) (the HTTP status), C(method), C(url), C(transaction_id)
    (the C(Citrix-TransactionId) to quote to Citrix support) and C(api_message) (the API's own message).
    A module's per-machine C(results) keep each machine's failure in its C(reason)."
requirements:
  - requests
'''

    # The inventory plugins' variant: the same options, also read from their environment variables (an inventory
    # source has no argument spec whose fallback would read them).
    INVENTORY = r'''
options:
  customer_id:
    env:
      - name: CITRIX_CUSTOMER_ID
  client_id:
    env:
      - name: CITRIX_CLIENT_ID
  client_secret:
    env:
      - name: CITRIX_CLIENT_SECRET
  token:
    env:
      - name: CITRIX_ACCESS_TOKEN
  site_id:
    env:
      - name: CITRIX_SITE_ID
  region:
    env:
      - name: CITRIX_REGION
  api_url:
    env:
      - name: CITRIX_API_URL
  auth_url:
    env:
      - name: CITRIX_AUTH_URL
  deployment:
    env:
      - name: CITRIX_DEPLOYMENT
  controllers:
    env:
      - name: CITRIX_CONTROLLERS
  username:
    env:
      - name: CITRIX_USERNAME
  password:
    env:
      - name: CITRIX_PASSWORD
  ca_path:
    env:
      - name: CITRIX_CA_PATH
'''
