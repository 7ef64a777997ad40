#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Return the customers and sites the API client can reach, and the site the modules use."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: site_info
short_description: Return the Citrix DaaS customers and sites of an API client
version_added: 0.1.0
description:
  - Reads C(GET /cvad/manage/me) and returns the customers the API client belongs to, with their DaaS sites.
  - Returns the site ID the other modules of this collection use, so that it can be pinned with O(site_id)
    or the E(CITRIX_SITE_ID) environment variable.
  - Without O(site_id), fails with a message that lists the sites when the customer has several, and when it has none.
  - With O(site_id), fails when that site is not one of the customer's sites.
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.READ_ONLY
seealso:
  - module: citrix_cloud.daas.token
'''

EXAMPLES = r'''
- name: Find the site of the customer
  citrix_cloud.daas.site_info:
    customer_id: "{{ citrix_customer_id }}"
    client_id: "{{ citrix_client_id }}"
    client_secret: "{{ citrix_client_secret }}"
  register: site

- name: Show the site ID the modules use
  ansible.builtin.debug:
    msg: "Site {{ site.site_id }}, signed in as {{ site.user.DisplayName }}"

- name: Pin the site for the following tasks
  module_defaults:
    group/citrix_cloud.daas.daas:
      customer_id: "{{ citrix_customer_id }}"
      client_id: "{{ citrix_client_id }}"
      client_secret: "{{ citrix_client_secret }}"
      site_id: "{{ site.site_id }}"
  block:
    - name: Check that the pinned site belongs to the customer
      citrix_cloud.daas.site_info:

    - name: List the machine catalogs of the site
      citrix_cloud.daas.catalog_info:
      register: catalogs
'''

RETURN = r'''
site_id:
  description:
    - The ID of the site the modules use (C(Citrix-InstanceId)), which is O(site_id) when given, else the only site of the customer.
  type: str
  returned: success
  sample: 3061173e-6a8e-4b9a-9d4e-2f4a5b6c7d8e
customers:
  description: The customers of the API client, as C(GET /cvad/manage/me) returns them in C(Customers).
  type: list
  elements: dict
  returned: success
  contains:
    Id:
      description: The customer ID.
      type: str
      sample: democustomer
    Name:
      description: The customer name; may be null.
      type: str
      sample: Demo Customer
    Sites:
      description: The DaaS sites of the customer, each with C(Id) and C(Name).
      type: list
      elements: dict
      sample: [{"Id": "3061173e-6a8e-4b9a-9d4e-2f4a5b6c7d8e", "Name": "samplecloudsite"}]
  sample:
    - Id: democustomer
      Name: Demo Customer
      Sites:
        - Id: 3061173e-6a8e-4b9a-9d4e-2f4a5b6c7d8e
          Name: samplecloudsite
user:
  description: The identity the API client signs in as.
  type: dict
  returned: success
  contains:
    UserId:
      description: The ID of the API client's identity.
      type: str
      sample: 9690c023-5f6d-4c1e-8b7a-1d2e3f4a5b6c
    DisplayName:
      description: The display name of that identity.
      type: str
      sample: John Smith
  sample:
    UserId: 9690c023-5f6d-4c1e-8b7a-1d2e3f4a5b6c
    DisplayName: John Smith
'''

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import DaaSModule


def describe_sites(sites):
    """'id (name), ...' for a failure message."""
    return ', '.join('%s (%s)' % (site.get('Id'), site.get('Name')) for site in sites) or 'none'


def execute(daas):
    """Read /me and work out the site the modules use."""
    client = daas.client
    me = client.me()
    customers = me.get('Customers') or []
    wanted = daas.params['site_id']
    if wanted:
        customer_id = client.customer_id.lower()
        sites = [site for customer in customers if (customer.get('Id') or '').lower() == customer_id
                 for site in customer.get('Sites') or []]
        if not any((site.get('Id') or '').lower() == wanted.lower() for site in sites):
            daas.fail("site '%s' is not a site of customer '%s'; its sites: %s"
                      % (wanted, client.customer_id, describe_sites(sites)))
    return dict(
        changed=False,
        customers=customers,
        site_id=client.site_id,
        user=dict(UserId=me.get('UserId'), DisplayName=me.get('DisplayName')),
    )


def main():
    DaaSModule(argument_spec={}, supports_check_mode=True).run(execute)


if __name__ == '__main__':
    main()
