#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Return Citrix DaaS sessions: of a machine, or those a selector picks."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: session_info
short_description: Return Citrix DaaS sessions, of a machine or picked by machine, catalog, delivery group or user
version_added: 0.1.0
description:
  - With O(machine), returns the sessions running on that machine (C(GET /cvad/manage/Machines/{nameOrId}/Sessions));
    fails when the machine is not found.
  - "Otherwise returns the sessions a selector picks: by ID (O(session_ids)), by machine, catalog or delivery group,
    or by user; each kind given narrows the choice, the values of one kind add up; without any, every session of
    the site. O(states) and O(min_minutes_in_state) filter them further."
  - The sessions are found with C(POST /Sessions/$search) (page by page) where the site serves it; elsewhere they are
    listed (C(GET /Sessions)) and filtered by the module. An unknown machine, catalog or delivery group fails the task;
    a session of O(session_ids) that has ended is left out.
  - To read the sessions of many machines with the machines, use M(citrix_cloud.daas.machine_info)
    with O(citrix_cloud.daas.machine_info#module:include_sessions=true).
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.sessions
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.READ_ONLY
options:
  machine:
    description:
      - The name or ID of one machine whose sessions to return. A name may be written C(DOMAIN\NAME).
      - Cannot be combined with O(session_ids), O(machines), O(catalogs) or O(delivery_groups); O(users),
        O(states) and O(min_minutes_in_state) filter its sessions.
    type: str
seealso:
  - module: citrix_cloud.daas.machine_info
  - module: citrix_cloud.daas.session
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

    - name: Read the sessions of a delivery group disconnected for more than 8 hours
      citrix_cloud.daas.session_info:
        delivery_groups: Finance-Desktops
        states: [Disconnected]
        min_minutes_in_state: 480
      register: stale

    - name: Read the sessions of two users in two catalogs
      citrix_cloud.daas.session_info:
        catalogs: [Finance-Pooled, Apps-Shared]
        users: [DEMOLAB\alice, DEMOLAB\carol]
      register: two_users
'''

RETURN = r'''
sessions:
  description:
    - The sessions, as the API returns them (C(SessionResponseModel)); empty when there are none (an idle machine).
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

import datetime

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import DaaSModule
from ansible_collections.citrix_cloud.daas.plugins.module_utils._sessions import SELECTOR_OPTIONS, matches, selector_filters

SELECTORS = ('session_ids', 'machines', 'catalogs', 'delivery_groups')


def execute(daas):
    """Read the sessions of the machine, or those the selector picks."""
    params, client = daas.params, daas.client
    changed_before = None
    if params['min_minutes_in_state']:
        changed_before = client.server_time() - datetime.timedelta(minutes=params['min_minutes_in_state'])
    if params['machine'] is not None:
        filters = selector_filters(users=params['users'] or (), states=params['states'] or (),
                                   changed_before=changed_before)
        sessions = [session for session in client.machine_sessions(params['machine']) if matches(session, filters)]
        return dict(changed=False, sessions=sessions)
    machines, catalogs, groups = client.session_scope_names(params['machines'] or (), params['catalogs'] or (),
                                                            params['delivery_groups'] or ())
    filters = selector_filters(machines, catalogs, groups, params['users'] or (), params['states'] or (), changed_before)
    return dict(changed=False, sessions=client.select_sessions(params['session_ids'] or (), filters, fields=None)[0])


def main():
    daas = DaaSModule(
        argument_spec=dict(
            SELECTOR_OPTIONS,
            machine=dict(type='str'),
        ),
        mutually_exclusive=[['machine', name] for name in SELECTORS],
        supports_check_mode=True,
    )
    params = daas.params
    for name in SELECTORS + ('users',):
        if any(not str(value).strip() for value in params[name] or ()):
            daas.fail('%s must not contain an empty entry' % name)
    if params['machine'] is not None and not params['machine'].strip():
        daas.fail('machine must not be empty')
    if params['min_minutes_in_state'] is not None and params['min_minutes_in_state'] < 0:
        daas.fail('min_minutes_in_state must be 0 or more, got %d' % params['min_minutes_in_state'])
    daas.run(execute)


if __name__ == '__main__':
    main()
