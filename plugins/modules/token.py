#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sign in to Citrix Cloud with an API client, or to a Delivery Controller with a domain user, and return the token."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: token
short_description: Sign in to Citrix Cloud or a Delivery Controller and return a bearer token
version_added: 0.1.0
description:
  - Signs in to Citrix Cloud with the client credentials of an API client (OAuth 2.0 client credentials grant)
    and returns the bearer token, its type and its lifetime.
  - For an on-premises site (O(deployment=on_premises)) it signs in to the Delivery Controller with O(username)
    (C(DOMAIN\user)) and O(password) instead, and the lifetime is the one the controller gives (C(ExpiresAt)).
  - Pass the token to the later tasks of a play through the O(token) option, best with C(module_defaults),
    so that the whole play signs in once instead of once per task.
  - A token lasts about one hour; a task that also has O(client_id) and O(client_secret) (or O(username) and
    O(password)) signs in again by itself when the token it was given has expired or is rejected.
  - Register the result with C(no_log) set on the task, so that the token is not shown.
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.READ_ONLY
options:
  discover_site:
    description:
      - Also return RV(site_id), the site the other modules use (O(site_id) when given, else the customer's only site,
        read from C(/cvad/manage/me) with the new token), so that a play can pin it without a task of its own.
    type: bool
    default: false
notes:
  - This module requires O(client_id) and O(client_secret), or on-premises O(username) and O(password); O(token) is
    not used, nor O(site_id) without O(discover_site).
  - The result is the same in check mode, because signing in changes nothing.
seealso:
  - module: citrix_cloud.daas.site_info
'''

EXAMPLES = r'''
- name: Sign in once and reuse the token for the rest of the play
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Sign in to Citrix Cloud
      citrix_cloud.daas.token:
        customer_id: "{{ citrix_customer_id }}"
        client_id: "{{ citrix_client_id }}"
        client_secret: "{{ citrix_client_secret }}"
      register: citrix_token
      no_log: true

    - name: Read the estate with the token, without signing in again
      module_defaults:
        group/citrix_cloud.daas.daas:
          customer_id: "{{ citrix_customer_id }}"
          token: "{{ citrix_token.access_token }}"
      block:
        - name: Find the site
          citrix_cloud.daas.site_info:
          register: site

        - name: List the machine catalogs
          citrix_cloud.daas.catalog_info:
          register: catalogs

        - name: Show when the token expires
          ansible.builtin.debug:
            msg: "The token expires at {{ citrix_token.expires_at }}"

- name: Sign in with the credentials of the environment
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Sign in to the EU region with CITRIX_CUSTOMER_ID, CITRIX_CLIENT_ID and CITRIX_CLIENT_SECRET
      citrix_cloud.daas.token:
        region: eu
      register: citrix_token
      no_log: true
'''

RETURN = r'''
access_token:
  description:
    - The bearer token. Pass it to later tasks as O(token).
    - Treat it as a secret; it grants the rights of the API client until it expires.
  type: str
  returned: success
  sample: eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwYjVmOGExYyJ9.c2lnbmF0dXJl
token_type:
  description: The type of the token, as Citrix Cloud names it.
  type: str
  returned: success
  sample: bearer
expires_in:
  description: The lifetime of the token in seconds, counted from the sign-in.
  type: int
  returned: success
  sample: 3600
expires_at:
  description: When the token expires, in ISO 8601 format and UTC.
  type: str
  returned: success
  sample: "2026-11-23T17:09:00Z"
site_id:
  description: The ID of the site the modules use (C(Citrix-InstanceId)).
  type: str
  returned: with O(discover_site=true)
  sample: 3061173e-6a8e-4b9a-9d4e-2f4a5b6c7d8e
'''

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import DaaSModule


def execute(daas):
    """Sign in and return the token fields."""
    if not daas.client.can_sign_in:
        daas.fail('the token module signs in: set client_id and client_secret (or CITRIX_CLIENT_ID and '
                  'CITRIX_CLIENT_SECRET), or for an on-premises site username and password (or CITRIX_USERNAME and '
                  'CITRIX_PASSWORD)')
    token = daas.client.sign_in()
    result = dict(
        changed=False,
        access_token=token['access_token'],
        token_type=token['token_type'],
        expires_in=token['expires_in'],
        expires_at=token['expires_at'],
    )
    if daas.params['discover_site']:
        result['site_id'] = daas.client.site_id
    return result


def main():
    DaaSModule(argument_spec=dict(discover_site=dict(type='bool', default=False)), supports_check_mode=True).run(execute)


if __name__ == '__main__':
    main()
