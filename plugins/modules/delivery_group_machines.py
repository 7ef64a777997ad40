#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep the machines of a Citrix DaaS delivery group as declared."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: delivery_group_machines
version_added: 0.1.0
short_description: Keep the machines of a Citrix DaaS delivery group as declared
description:
  - Adds machines of a catalog to a delivery group, by name or by count, with their users for static (assigned)
    desktops, and removes machines from it.
  - Machines join with one request that the API answers as a job; the module waits for it with the collection's job
    waiter. Machines leave with C($batch) requests.
  - A second run with the same options sends only reads.
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
options:
  delivery_group:
    description: The delivery group, by name or Id.
    type: str
    required: true
  state:
    description:
      - V(present) adds the machines of O(machines) and O(assignments), or enough machines of O(catalog) to reach
        O(count), to the group.
      - V(absent) removes the machines of O(machines) from the group (they stay in their catalog).
    type: str
    choices: [present, absent]
    default: present
  catalog:
    description: The machine catalog, by name or Id, the machines are added from. Required to add machines.
    type: str
  machines:
    description: Machines, by name (V(DOMAIN\\NAME)) or Id, that should (or, with O(state=absent), should not) be members.
    type: list
    elements: str
  count:
    description:
      - With O(state=present), how many machines of O(catalog) the group should have at least; free machines of the
        catalog (in no delivery group) are added until it does.
    type: int
  assignments:
    description:
      - Machines of O(catalog) to add with the users they are assigned to (a static desktop each). A machine already
        in the group is left as it is; its users are not changed.
    type: list
    elements: dict
    suboptions:
      machine:
        description: The machine, by name or Id.
        type: str
        required: true
      users:
        description: The users (V(DOMAIN\\user), UPN or SID).
        type: list
        elements: str
        required: true
  exclusive:
    description: With O(state=present) and O(machines), also remove the group's machines that are not listed.
    type: bool
    default: false
  wait_timeout:
    description: How many seconds to wait for the job that adds machines.
    type: int
    default: 600
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.ACTIONS
attributes:
  diff_mode:
    details: The diff shows the group's machine names (sorted) before and after, only when they change.
seealso:
  - module: citrix_cloud.daas.machine_info
'''

EXAMPLES = r'''
- name: Two spare machines join the group as static desktops of their users
  citrix_cloud.daas.delivery_group_machines:
    delivery_group: Finance-Desktops
    catalog: Finance-Pooled
    assignments:
      - machine: DEMOLAB\SPARE-01
        users: [DEMOLAB\alice]

- name: The group has at least 20 machines of the pooled catalog
  citrix_cloud.daas.delivery_group_machines:
    delivery_group: Finance-Desktops
    catalog: Finance-Pooled
    count: 20

- name: A machine leaves the group
  citrix_cloud.daas.delivery_group_machines:
    delivery_group: Finance-Desktops
    machines: [DEMOLAB\FIN-010]
    state: absent
'''

RETURN = r'''
results:
  description: One entry, for the delivery group.
  returned: always
  type: list
  elements: dict
  contains:
    key:
      description: O(delivery_group) as given.
      type: str
      sample: Finance-Desktops
    action:
      description: V(update) when machines join or leave, else V(none).
      type: str
      sample: update
    status:
      description: V(updated), V(would update) in check mode, V(unchanged) or V(failed).
      type: str
      sample: updated
    reason:
      description: Why a removal failed, in one line.
      type: str
      returned: when failed
      sample: "HTTP 409 ...: Machine 'DEMOLAB\\FIN-004' has 1 sessions; it cannot leave the delivery group."
summary:
  description: V(update) or V(none) counted (one group).
  returned: always
  type: dict
  sample: {create: 0, update: 1, delete: 0, none: 0}
added:
  description: The machines added (or that would be); by name, or V(N free machines of CATALOG) for a count.
  returned: always
  type: list
  elements: str
  sample: [DEMOLAB\SPARE-01]
removed:
  description: The machines removed (or that would be).
  returned: always
  type: list
  elements: str
  sample: [DEMOLAB\FIN-010]
machines:
  description: The group's machine names as read before any change.
  returned: always
  type: list
  elements: str
  sample: [DEMOLAB\FIN-001, DEMOLAB\FIN-002]
job:
  description: The last body of the job that added machines; V(null) when none was started.
  returned: always
  type: dict
  sample: {Id: 1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a0b, Status: Complete}
'''

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import DaaSModule
from ansible_collections.citrix_cloud.daas.plugins.module_utils._declarative import (
    Change,
    apply_changes,
    converged_result,
    is_named,
    members_after,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._jobs import Waiter, wait_for_citrix_job

FIELDS = ['Id', 'Name', 'MachineCatalog']


def catalog_count(machines, catalog):
    """How many of the machines (as read, with MachineCatalog) belong to the catalog named (by name or Id)."""
    return sum(1 for machine in machines
               if catalog.lower() in (str((machine.get('MachineCatalog') or {}).get(key, '')).lower()
                                      for key in ('Name', 'Id')))


def main():
    daas = DaaSModule(argument_spec=dict(
        delivery_group=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        catalog=dict(type='str'),
        machines=dict(type='list', elements='str'),
        count=dict(type='int'),
        assignments=dict(type='list', elements='dict', options=dict(
            machine=dict(type='str', required=True), users=dict(type='list', elements='str', required=True))),
        exclusive=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=600),
    ), supports_check_mode=True, required_one_of=[['machines', 'count', 'assignments']])
    params = daas.params
    if params['count'] is not None and params['count'] < 0:
        daas.fail('count must be 0 or more, got %d' % params['count'])
    if params['state'] == 'absent' and (params['count'] is not None or params['assignments']):
        daas.fail('state=absent removes the machines of machines; count and assignments only add')

    def execute(daas):
        client, group = daas.client, params['delivery_group']
        current = client.delivery_group_machines(group, fields=FIELDS)
        names = sorted((machine['Name'] for machine in current), key=str.lower)
        assigned = dict((entry['machine'], entry['users']) for entry in params['assignments'] or [])
        wanted = list(params['machines'] or []) + list(assigned)
        if params['state'] == 'absent':
            missing, extra = [], [member for member in current if any(is_named(member, name) for name in wanted)]
        else:
            _after, missing, extra = members_after(current, wanted, params['exclusive'] and bool(params['machines']))
        shortfall = max((params['count'] or 0) - catalog_count(current, params['catalog'] or '') - len(missing), 0)
        if (missing or shortfall) and not params['catalog']:
            daas.fail('catalog is required to add machines: %s' % ', '.join(missing or ['count %d' % params['count']]))
        added = list(missing) + (['%d free machines of %s' % (shortfall, params['catalog'])] if shortfall else [])
        removed = [member['Name'] for member in extra]
        after = sorted([n for n in names if n not in removed] + added, key=str.lower)
        change = Change(group, 'update' if added or removed else 'none', before=dict(Machines=names),
                        after=dict(Machines=after), waves=[[client.group_item_delete(group, 'Machines', m['Id'])
                                                            for m in extra]])
        job = None
        if (missing or shortfall) and not daas.check_mode:
            job = client.add_delivery_group_machines(
                group, params['catalog'], count=shortfall,
                assignments=[dict(Machine=name, Users=assigned.get(name, [])) for name in missing])
            job = wait_for_citrix_job(client, job, Waiter(params['wait_timeout']))['job']
        apply_changes(client, [change], daas.check_mode)
        return converged_result(daas, [change], 'Delivery group membership', added=added, removed=removed,
                                machines=names, job=job)

    daas.run(execute)


if __name__ == '__main__':
    main()
