#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Return Citrix DaaS machines by name, catalog or delivery group, filtered, optionally with their sessions."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: machine_info
short_description: Return Citrix DaaS machines, filtered, optionally with their sessions
version_added: 0.1.0
description:
  - Returns the machines named by O(names), or those of one or more catalogs (O(catalog)) and delivery groups
    (O(delivery_group)), or every machine of the site, read in pages of 1000 and handled as each page arrives.
  - With O(select_for_reboot), returns instead the choice of reboot candidates among those machines, made while the
    pages arrive, by the rules of the filter P(citrix_cloud.daas.reboot_candidates#filter). The machines themselves
    never travel to the controller, which keeps a large site's run small.
  - The filters O(power_state), O(registration_state), O(in_maintenance_mode), O(max_session_count) and O(tags)
    narrow the result; a machine is returned when it passes every filter that is set.
  - With O(include_sessions=true), adds the sessions of each returned machine, read concurrently.
  - Machines are looked up by name concurrently, bounded by O(concurrency).
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.READ_ONLY
options:
  names:
    description:
      - The names or IDs of the machines to return. A name may be written C(DOMAIN\NAME).
      - The module fails, naming them, when any of the machines is not found.
      - Mutually exclusive with O(catalog) and O(delivery_group).
    type: list
    elements: str
  catalog:
    description:
      - Return the machines of these machine catalogs, each given by name or ID (C(Folder|Name) or C(Folder\Name) for
        a catalog in an admin folder). One name may be given as a plain string; give a list when a name has a comma.
      - The catalogs (and delivery groups) are read concurrently, at most 4 at a time; a machine is returned once.
      - May be given with O(delivery_group), for the machines of both. Mutually exclusive with O(names).
      - An unknown catalog fails the module, naming the site's catalogs when there are 20 or fewer.
    type: list
    elements: str
    aliases: [catalogs]
  delivery_group:
    description:
      - Return the machines of these delivery groups, each given by name or ID. One name may be given as a plain
        string; give a list when a name has a comma.
      - May be given with O(catalog), for the machines of both (a machine in both returned once). Mutually exclusive
        with O(names).
      - An unknown delivery group fails the module, naming the site's delivery groups when there are 20 or fewer.
    type: list
    elements: str
    aliases: [delivery_groups]
  power_state:
    description:
      - Only return machines in one of these power states, the API's C(PowerState) values V(Unknown), V(Unmanaged),
        V(Unavailable), V(Off), V(On), V(Suspended), V(TurningOn), V(TurningOff), V(Suspending), V(Resuming),
        V(NotSupported) and V(VirtualMachineNotFound), compared without regard to case; any other value is refused.
      - Quote V("On") and V("Off") in YAML, which reads them unquoted as booleans.
    type: list
    elements: str
  registration_state:
    description:
      - Only return machines in one of these registration states, the API's C(RegistrationState) values
        V(Unknown), V(Unregistered), V(Initializing), V(Registered) and V(AgentError), compared without regard to
        case; any other value is refused.
    type: list
    elements: str
  in_maintenance_mode:
    description:
      - Only return machines that are (V(true)) or are not (V(false)) in maintenance mode.
    type: bool
  max_session_count:
    description:
      - Only return machines with at most this many sessions (C(SessionCount), pending and established).
      - V(0) returns the idle machines. Must be 0 or more.
    type: int
  tags:
    description:
      - Only return machines that carry at least one of these tags. Tag names compare without regard to case, as
        Citrix does.
    type: list
    elements: str
  fields:
    description:
      - Return only these properties of each machine (the API's C(fields)), for a smaller and faster read of a large
        site. Besides them, each machine has only C(Id) and the properties of the filters that are set (for example
        C(PowerState) with O(power_state)).
      - When not set, every property. Not used with O(names).
    type: list
    elements: str
  include_sessions:
    description:
      - Add the sessions of each returned machine as C(Sessions). Not with O(select_for_reboot).
    type: bool
    default: false
  select_for_reboot:
    description:
      - Choose the reboot candidates among the machines read (after the filters), in the same pass as the read, and
        return RV(selection) instead of RV(machines).
      - The rules, each optional, are those of the filter P(citrix_cloud.daas.reboot_candidates#filter),
        C(now) (RFC 3339; default the controller's clock), C(min_hours_since_reboot), C(exclude),
        C(required_tags), C(max_machines), C(fence_tag), C(fenced), C(drain) (machines with sessions are candidates
        too), and C(list_limit), at most this many skipped machines listed per reason (all of them when not set). An
        unknown rule is refused.
      - Only the properties the choice reads are read (O(fields) is not needed).
    type: dict
  concurrency:
    description:
      - How many machines are looked up, or have their sessions read, at the same time.
    type: int
    default: 10
seealso:
  - module: citrix_cloud.daas.session_info
  - module: citrix_cloud.daas.catalog_info
  - module: citrix_cloud.daas.machine_power
'''

EXAMPLES = r'''
- name: Read machines with the connection options set once
  module_defaults:
    group/citrix_cloud.daas.daas:
      customer_id: "{{ citrix_customer_id }}"
      client_id: "{{ citrix_client_id }}"
      client_secret: "{{ citrix_client_secret }}"
  block:
    - name: Read two machines by name
      citrix_cloud.daas.machine_info:
        names:
          - DEMOLAB\EAGLE
          - DEMOLAB\FALCON
      register: named

    - name: Find the idle, registered machines of a catalog that are not in maintenance mode
      citrix_cloud.daas.machine_info:
        catalog: W11-Pooled
        power_state: ["On"]
        registration_state: [Registered]
        in_maintenance_mode: false
        max_session_count: 0
      register: idle

    - name: Show the machines to reboot
      ansible.builtin.debug:
        msg: "{{ idle.machines | map(attribute='Name') | list }}"

    - name: Read the machines of a delivery group tagged for reboots, with their sessions
      citrix_cloud.daas.machine_info:
        delivery_group: W11-Desktops
        tags: [reboot-ok]
        include_sessions: true
        concurrency: 20
      register: tagged

    - name: Read every machine of the site
      citrix_cloud.daas.machine_info:
      register: everything

    - name: Choose the machines to reboot in two catalogs and a delivery group, while they are read
      citrix_cloud.daas.machine_info:
        catalog: [W11-Pooled, Finance|Finance-Shared]
        delivery_group: [W11-Desktops]
        select_for_reboot:
          min_hours_since_reboot: 12
          exclude: ['vdi-gold-*']
          fence_tag: citrix_cloud.daas-reboot-fence
          list_limit: 25
      register: chosen

    - name: Show how many machines would be rebooted, and why the others are not
      ansible.builtin.debug:
        msg: "{{ chosen.selection.candidates | length }} to reboot; skipped: {{ chosen.selection.reasons }}"
'''

RETURN = r'''
machines:
  description:
    - The machines, as the API returns them (C(MachineResponseModel), or C(MachineDetailResponseModel) for O(names)).
    - In the order of O(names) when given, else in the order of the API.
  type: list
  elements: dict
  returned: success, without O(select_for_reboot)
  contains:
    Id:
      description: The ID of the machine.
      type: str
      sample: 9f6c2a1e-3b7d-4e8a-a1c4-5d2e8f9b0c17
    Name:
      description: The name of the machine, C(DOMAIN\NAME).
      type: str
      sample: CORP\VDI-W11-001
    PowerState:
      description: The power state, for example C(On), C(Off), C(Suspended).
      type: str
      sample: "On"
    RegistrationState:
      description: The registration state, for example C(Registered), C(Unregistered).
      type: str
      sample: Registered
    SessionCount:
      description: The number of sessions on the machine, pending and established.
      type: int
      sample: 0
    InMaintenanceMode:
      description: Whether the machine is in maintenance mode.
      type: bool
      sample: false
    Tags:
      description: The tags of the machine.
      type: list
      elements: str
      sample: [reboot-ok]
    SupportedPowerActions:
      description: The power actions the machine supports.
      type: list
      elements: str
      sample: [PowerOn, PowerOff, Shutdown, Restart, Reset]
    Sessions:
      description: The sessions on the machine (C(SessionResponseModel)).
      type: list
      elements: dict
      returned: when O(include_sessions=true)
      sample:
        - Id: c12a6ce8-a3cf-4db5-83d4-d7b23374b575
          State: Active
          SessionType: Desktop
          AppState: Desktop
          StartTime: "12/7/2020 7:25:34 AM"
  sample:
    - Id: 9f6c2a1e-3b7d-4e8a-a1c4-5d2e8f9b0c17
      Name: CORP\VDI-W11-001
      DnsName: vdi-w11-001.corp.example.com
      MachineCatalog:
        Id: 4b1e7c2d-8a9f-4d3e-b6a5-0c1d2e3f4a5b
        Name: W11-Pooled
      DeliveryGroup:
        Id: 7d3f9a1b-2c4e-4f6a-8b0d-1e2f3a4b5c6d
        Name: W11-Desktops
      PowerState: "On"
      RegistrationState: Registered
      SummaryState: Available
      InMaintenanceMode: false
      MaintenanceModeReason: None
      PowerActionPending: false
      SupportedPowerActions: [PowerOn, PowerOff, Shutdown, Restart, Reset]
      SessionCount: 0
      Tags: [reboot-ok]
selection:
  description:
    - The choice of reboot candidates (with O(select_for_reboot)), as the filter
      P(citrix_cloud.daas.reboot_candidates#filter) returns it, but with each candidate as its C(Id) only, named in
      C(candidate_names), so that what the controller holds stays small for tens of thousands of candidates.
  type: dict
  returned: with O(select_for_reboot)
  contains:
    machines:
      description: How many machines were read (each once), after the filters.
      type: int
      sample: 18
    candidates:
      description: The C(Id) of each machine to reboot, in reboot order (the longest since its last reboot first).
      type: list
      elements: str
      sample: [9f6c2a1e-3b7d-4e8a-a1c4-5d2e8f9b0c17]
    candidate_names:
      description: The names of the first C(list_limit) candidates (all of them without C(list_limit)), in the same order.
      type: list
      elements: str
      sample: [CORP\VDI-W11-001]
    skipped:
      description: The machines that are not candidates, with C(Id), C(Name) and C(reason), at most C(list_limit) per reason.
      type: list
      elements: dict
      sample: [{Id: 0c1d2e3f-8a9f-4d3e-b6a5-4b1e7c2d4a5b, Name: CORP\VDI-W11-002, reason: has 2 session(s)}]
    skipped_count:
      description: How many machines are not candidates.
      type: int
      sample: 12
    reasons:
      description: How many machines were skipped for each reason (its numbers written V(N), its times V(T)).
      type: dict
      sample: {"has N session(s)": 11, "in maintenance mode": 1}
    fences:
      description: The machines that carry the C(fence_tag), with C(Id) and C(Name).
      type: list
      elements: dict
      sample: []
'''

import threading

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import DaaSModule, capped_list, run_concurrently
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import (
    DECISION_FIELDS,
    POWER_STATES,
    REGISTRATION_STATES,
    machine_filter,
    state_problem,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._selection import RebootSelection, machine_id

# The enums of the API's machine model (PowerState, RegistrationState).
# The property each filter reads: a trimmed read asks for it only when that filter is set.
FILTER_PROPERTIES = {'power_state': 'PowerState', 'registration_state': 'RegistrationState',
                     'in_maintenance_mode': 'InMaintenanceMode', 'max_session_count': 'SessionCount', 'tags': 'Tags'}
# How many catalogs or delivery groups are read at the same time: each holds one page (1000 machines) in memory.
SCOPE_READS = 4
SCOPE_OPTIONS = (('catalog', 'catalog'), ('delivery_group', 'delivery group'))


def check_states(daas, option, allowed):
    """Fail on a value of `option` that is not one of the API's `allowed` values (any case)."""
    for value in daas.params[option] or []:
        problem = state_problem(option, value, allowed)
        if problem:
            daas.fail(problem)


def collect(daas, items, results, what):
    """The values of run_concurrently results; fails naming the first items (`what` 'item') whose call raised an API
    error."""
    failed = [(item, error) for item, (_value, error) in zip(items, results) if error is not None]
    for _item, error in failed:
        if not isinstance(error, DaaSError):
            raise error
    if failed:
        # An HTTP error of the item's own call is named after the item; one that is not about it (the site, the
        # sign-in) is said once.
        texts = dict.fromkeys(str(error) if error.status is None or str(item) in str(error)
                              else "%s '%s': %s" % (what, item, error) for item, error in failed)
        daas.fail(capped_list(texts), error=failed[0][1].to_dict())
    return [value for value, _error in results]


def read_fields(params):
    """The properties to read: those asked for, Id, and those of the filters that are set (None: all); with
    select_for_reboot, also those the choice reads."""
    if not params['fields'] and params['select_for_reboot'] is None:
        return None
    fields = set(params['fields'] or ()) | set(['Id'])
    fields.update(prop for option, prop in FILTER_PROPERTIES.items() if params[option] is not None)
    if params['select_for_reboot'] is not None:
        fields.update(DECISION_FIELDS)
    return sorted(fields)


def read_scopes(daas, fields, take):
    """Hand every machine of the catalogs and delivery groups (or of the site, with neither) to take(), page by page
    as the pages arrive, a few scopes at a time; an unknown scope fails with the client's message, which names the
    site's ones."""
    client = daas.client
    scopes = [(kind, name) for option, kind in SCOPE_OPTIONS for name in dict.fromkeys(daas.params[option] or [])]
    if not scopes:
        for machine in client.scope_machines(fields=fields):
            take(machine)
        return
    lock = threading.Lock()

    def read(scope):
        for machine in client.scope_machines(scope[0], scope[1], fields):
            with lock:
                take(machine)

    results = run_concurrently(read, scopes, min(daas.params['concurrency'], SCOPE_READS))
    for _option, kind in SCOPE_OPTIONS:
        mine = [(name, result) for (of_kind, name), result in zip(scopes, results) if of_kind == kind]
        collect(daas, [name for name, _result in mine], [result for _name, result in mine],
                'reading the machines of %s' % kind)


def execute(daas):
    """Read the machines, filter them and, when asked, add their sessions or choose the reboot candidates."""
    params = daas.params
    if params['max_session_count'] is not None and params['max_session_count'] < 0:
        daas.fail('max_session_count must be 0 or more, got %s' % params['max_session_count'])
    check_states(daas, 'power_state', POWER_STATES)
    check_states(daas, 'registration_state', REGISTRATION_STATES)
    selection = None
    if params['select_for_reboot'] is not None:
        if params['include_sessions']:
            daas.fail('include_sessions cannot be used with select_for_reboot, which returns no machine objects')
        try:
            selection = RebootSelection(params['select_for_reboot'], keep=machine_id)
        except ValueError as err:
            daas.fail('select_for_reboot: %s' % err)
    client = daas.client
    matches = machine_filter(params['power_state'], params['registration_state'], params['in_maintenance_mode'],
                             params['max_session_count'], params['tags'])
    machines, seen = [], set()

    def take(machine):
        if not matches(machine):
            return
        if selection is not None:
            selection.add(machine)
        elif machine.get('Id') not in seen:
            seen.add(machine.get('Id'))
            machines.append(machine)

    if params['names'] is not None:
        names = list(dict.fromkeys(params['names']))
        for machine in collect(daas, names, run_concurrently(client.get_machine, names, params['concurrency']),
                               'reading machine'):
            take(machine)
    else:
        read_scopes(daas, read_fields(params), take)
    if selection is not None:
        return dict(changed=False, selection=selection.result())
    if params['include_sessions']:
        sessions = collect(daas, [machine.get('Name') or machine['Id'] for machine in machines],
                           run_concurrently(lambda machine: client.machine_sessions(machine['Id']), machines,
                                            params['concurrency']),
                           'reading the sessions of machine')
        for machine, machine_sessions in zip(machines, sessions):
            machine['Sessions'] = machine_sessions
    return dict(changed=False, machines=machines)


def main():
    DaaSModule(
        argument_spec=dict(
            names=dict(type='list', elements='str'),
            catalog=dict(type='list', elements='str', aliases=['catalogs']),
            delivery_group=dict(type='list', elements='str', aliases=['delivery_groups']),
            power_state=dict(type='list', elements='str'),
            registration_state=dict(type='list', elements='str'),
            in_maintenance_mode=dict(type='bool'),
            max_session_count=dict(type='int'),
            tags=dict(type='list', elements='str'),
            fields=dict(type='list', elements='str'),
            include_sessions=dict(type='bool', default=False),
            select_for_reboot=dict(type='dict'),
            concurrency=dict(type='int', default=10),
        ),
        mutually_exclusive=[['names', 'catalog'], ['names', 'delivery_group']],
        supports_check_mode=True,
    ).run(execute)


if __name__ == '__main__':
    main()
