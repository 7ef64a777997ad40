#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Return the sessions running on one Citrix DaaS machine."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: session_info
short_description: Return the sessions running on a Citrix DaaS machine
version_added: 0.1.0
description:
  - Returns the sessions running on one machine (C(GET /cvad/manage/Machines/{nameOrId}/Sessions)).
  - Fails when the machine is not found.
  - To read the sessions of many machines in one task, use M(citrix_cloud.daas.machine_info)
    with O(citrix_cloud.daas.machine_info#module:include_sessions=true).
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.READ_ONLY
options:
  machine:
    description:
      - The name or ID of the machine. A name may be written C(DOMAIN\NAME).
    type: str
    required: true
seealso:
  - module: citrix_cloud.daas.machine_info
'''

EXAMPLES = r'''
- name: Read sessions with the connection options set once
  module_defaults:
    group/citrix_cloud.daas.daas:
      customer_id: "{{ citrix_customer_id }}"
      client_id: "{{ citrix_client_id }}"
      client_secret: "{{ citrix_client_secret }}"
  block:
    - name: Read the sessions of a machine
      citrix_cloud.daas.session_info:
        machine: DEMOLAB\EAGLE
      register: eagle

    - name: Show who is working on it
      ansible.builtin.debug:
        msg: "{{ eagle.sessions | map(attribute='User') | list }}"

    - name: Read the sessions of a machine by its ID
      citrix_cloud.daas.session_info:
        machine: 9f6c2a1e-3b7d-4e8a-a1c4-5d2e8f9b0c17
      register: by_id
'''

RETURN = r'''
sessions:
  description:
    - The sessions on the machine, as the API returns them (C(SessionResponseModel)); empty when the machine is idle.
  type: list
  elements: dict
  returned: success
  contains:
    Id:
      description: The ID of the session.
      type: str
      sample: c12a6ce8-a3cf-4db5-83d4-d7b23374b575
    State:
      description: The state of the session, one of C(Unknown), C(Connected), C(Active), C(Disconnected).
      type: str
      sample: Active
    SessionType:
      description: C(Desktop), C(Application) or C(Unknown).
      type: str
      sample: Desktop
    AppState:
      description: The application state, for example C(Active), C(Desktop), C(Lingering), C(NoApps).
      type: str
      sample: Active
    Machine:
      description: The machine the session runs on (C(MachineResponseModel)).
      type: dict
      sample: {"Id": "9f6c2a1e-3b7d-4e8a-a1c4-5d2e8f9b0c17", "Name": "DEMOLAB\\EAGLE"}
  sample:
    - Id: c12a6ce8-a3cf-4db5-83d4-d7b23374b575
      Uid: 34230
      AppState: Active
      AppStateLastChangeTime: "12/7/2020 7:25:34 AM"
      State: Active
      SessionType: Desktop
      Brokering:
        AutonomouslyBrokered: false
      Connection:
        ConnectedViaIP: 10.0.16.11
        ConnectionMode: Brokered
        LaunchedViaIP: 52.151.217.206
        Protocol: Hdx
        SecureIcaActive: false
        SmartAccessTags: []
'''

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import DaaSModule


def execute(daas):
    """Read the sessions of the machine."""
    return dict(changed=False, sessions=daas.client.machine_sessions(daas.params['machine']))


def main():
    DaaSModule(
        argument_spec=dict(machine=dict(type='str', required=True)),
        supports_check_mode=True,
    ).run(execute)


if __name__ == '__main__':
    main()
