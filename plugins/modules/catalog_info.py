#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Return Citrix DaaS machine catalogs, optionally with their machines."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: catalog_info
short_description: Return Citrix DaaS machine catalogs, optionally with their machines
version_added: 0.1.0
description:
  - Returns every machine catalog of the site, or the one named by O(name).
  - With O(include_machines=true), adds the machines of each catalog, reading every page.
  - This module was called C(catalog_facts) in the original design; that name still works and points here.
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.READ_ONLY
options:
  name:
    description:
      - The name or ID of one catalog.
      - A catalog in an admin folder is named with its folder path, for example C(Folder1|Folder2|Catalog),
        or as its C(FullName) shows it, C(Folder1\Folder2\Catalog).
      - When the catalog is not found the module fails, listing the catalog names when there are 20 or fewer.
      - When omitted, every catalog is returned.
    type: str
  include_machines:
    description:
      - Add the machines of each catalog to it as C(Machines), every page of them.
    type: bool
    default: false
seealso:
  - module: citrix_cloud.daas.machine_info
'''

EXAMPLES = r'''
- name: Read the catalogs with the connection options set once
  module_defaults:
    group/citrix_cloud.daas.daas:
      customer_id: "{{ citrix_customer_id }}"
      client_id: "{{ citrix_client_id }}"
      client_secret: "{{ citrix_client_secret }}"
  block:
    - name: List every machine catalog
      citrix_cloud.daas.catalog_info:
      register: all_catalogs

    - name: Show the catalog names and sizes
      ansible.builtin.debug:
        msg: "{{ item.Name }}: {{ item.TotalCount }} machines"
      loop: "{{ all_catalogs.catalogs }}"
      loop_control:
        label: "{{ item.Name }}"

    - name: Read one catalog with all of its machines
      citrix_cloud.daas.catalog_info:
        name: W11-Pooled
        include_machines: true
      register: pooled

    - name: Show the idle machines of the catalog
      ansible.builtin.debug:
        msg: "{{ pooled.catalogs[0].Machines | selectattr('SessionCount', 'equalto', 0) | map(attribute='Name') | list }}"

    - name: Read a catalog in an admin folder
      citrix_cloud.daas.catalog_info:
        name: Europe|Finance|W11-Finance
      register: finance
'''

RETURN = r'''
catalogs:
  description:
    - The machine catalogs, as the API returns them (C(MachineCatalogResponseModel)); one when O(name) is given.
  type: list
  elements: dict
  returned: success
  contains:
    Id:
      description: The ID of the catalog.
      type: str
      sample: 4b1e7c2d-8a9f-4d3e-b6a5-0c1d2e3f4a5b
    Name:
      description: The name of the catalog within its admin folder.
      type: str
      sample: W11-Pooled
    FullName:
      description: The name of the catalog with its admin folder path; unique.
      type: str
      sample: W11-Pooled
    TotalCount:
      description: The number of machines in the catalog.
      type: int
      sample: 2
    Machines:
      description:
        - The machines of the catalog (C(MachineResponseModel)), every page of them.
      type: list
      elements: dict
      returned: when O(include_machines=true)
      sample:
        - Id: 9f6c2a1e-3b7d-4e8a-a1c4-5d2e8f9b0c17
          Name: CORP\VDI-W11-001
          PowerState: "On"
          RegistrationState: Registered
          SessionCount: 0
          InMaintenanceMode: false
  sample:
    - Id: 4b1e7c2d-8a9f-4d3e-b6a5-0c1d2e3f4a5b
      Name: W11-Pooled
      FullName: W11-Pooled
      AllocationType: Random
      SessionSupport: SingleSession
      MachineType: Virtual
      ProvisioningType: MCS
      PersistChanges: Discard
      IsPowerManaged: true
      TotalCount: 2
      AvailableCount: 0
      UsedCount: 2
      Zone:
        Id: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
        Name: Primary
'''

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import DaaSModule, run_concurrently
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError

# Catalogs whose machines are read at the same time with include_machines.
CONCURRENCY = 4


def execute(daas):
    """Read the catalogs and, when asked, their machines."""
    client = daas.client
    name = daas.params['name']
    if name:
        try:
            catalogs = [client.get_catalog(name)]
        except DaaSError as err:
            if err.status != 404:
                raise
            daas.fail(err.message, error=err.to_dict())
    else:
        catalogs = client.list_catalogs()
    if daas.params['include_machines']:
        results = run_concurrently(lambda catalog: client.catalog_machines(catalog['Id']), catalogs, CONCURRENCY)
        for catalog, (machines, error) in zip(catalogs, results):
            if error is not None:
                raise error
            catalog['Machines'] = machines
    return dict(changed=False, catalogs=catalogs)


def main():
    DaaSModule(
        argument_spec=dict(
            name=dict(type='str'),
            include_machines=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    ).run(execute)


if __name__ == '__main__':
    main()
