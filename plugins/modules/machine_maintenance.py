#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Put Citrix DaaS machines in or out of maintenance mode."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: machine_maintenance
version_added: 0.1.0
short_description: Put Citrix DaaS machines in or out of maintenance mode
description:
  - Turns maintenance mode on or off for a list of machines in one task. A machine in maintenance mode accepts no new
    sessions, and automatic power management leaves it alone.
  - Reads each machine and changes (C(PATCH)) only those that are not already as requested.
  - With O(enabled=false) and a O(reason), only machines whose current C(MaintenanceModeReason) equals O(reason) are
    taken out of maintenance mode. Used as a fence around a reboot (in with a reason, out with the same reason), it
    never lifts maintenance mode that an administrator set for another reason.
  - Machines are handled concurrently; the task fails after every machine has been handled when any of them failed.
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
options:
  machines:
    description:
      - The machines, by name (V(DOMAIN\\NAME)) or ID. Duplicates are handled once.
    type: list
    elements: str
    required: true
  enabled:
    description:
      - V(true) puts the machines in maintenance mode, V(false) takes them out.
    type: bool
    required: true
  reason:
    description:
      - With O(enabled=true), the C(MaintenanceModeReason) to record on the machines put in maintenance mode.
        A machine already in maintenance mode keeps its own reason.
      - With O(enabled=false), take a machine out of maintenance mode only when its C(MaintenanceModeReason) equals
        this value; the others stay in maintenance mode and are reported unchanged with a note.
    type: str
  concurrency:
    description:
      - How many machines are read and changed at the same time.
    type: int
    default: 10
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.ACTIONS
attributes:
  diff_mode:
    details: The diff shows C(InMaintenanceMode) before and after for each machine.
'''

EXAMPLES = r'''
- name: Fence two machines before rebooting them
  citrix_cloud.daas.machine_maintenance:
    machines:
      - DEMOLAB\KESTREL
      - DEMOLAB\OSPREY
    enabled: true
    reason: reboot-idle

- name: Lift the fence again; machines an administrator put in maintenance stay there
  citrix_cloud.daas.machine_maintenance:
    machines:
      - DEMOLAB\KESTREL
      - DEMOLAB\OSPREY
    enabled: false
    reason: reboot-idle

- name: Take every machine of a list out of maintenance mode, whatever the reason
  citrix_cloud.daas.machine_maintenance:
    machines: "{{ catalog_machines }}"
    enabled: false
    concurrency: 20
'''

RETURN = r'''
results:
  description: One entry per machine, in the order of O(machines).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The machine's C(Name) (as given when it could not be read).
      type: str
      sample: DEMOLAB\KESTREL
    id:
      description: The machine's C(Id); V(null) when it could not be read.
      type: str
      sample: 9f6c2a1e-3b7d-4e8a-a1c4-5d2e8f9b0c17
    status:
      description: V(changed) (or would be, in check mode), V(unchanged) or V(failed).
      type: str
      sample: changed
    in_maintenance_mode_before:
      description: C(InMaintenanceMode) as read.
      type: bool
      sample: false
    in_maintenance_mode_after:
      description: C(InMaintenanceMode) after the change (as predicted in check mode).
      type: bool
      sample: true
    maintenance_mode_reason_before:
      description: C(MaintenanceModeReason) as read, when the API reports one.
      type: str
      sample: None
    reason:
      description: Why the machine was left alone or failed; V(null) when it was changed.
      type: str
      sample: already in maintenance mode
summary:
  description: Counts of the results by status.
  returned: always
  type: dict
  sample: {total: 2, changed: 1, unchanged: 1, failed: 0}
'''

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import DaaSModule, run_concurrently
from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import DaaSError

STATUSES = ('changed', 'unchanged', 'failed')


def decide(machine, enabled, reason):
    """Return (change, note): whether the machine needs a PATCH, and why not when it does not."""
    current = bool(machine.get('InMaintenanceMode'))
    if current == enabled:
        return False, 'already in maintenance mode' if enabled else 'not in maintenance mode'
    if not enabled and reason is not None and machine.get('MaintenanceModeReason') != reason:
        return False, 'left in maintenance mode: its reason %r is not %r' % (machine.get('MaintenanceModeReason'), reason)
    return True, None


def blank_result(name):
    """The result of a machine that could not be read."""
    return dict(name=name, id=None, status='failed', in_maintenance_mode_before=None, in_maintenance_mode_after=None,
                maintenance_mode_reason_before=None, reason=None)


def handle(daas, name):
    """Read one machine and change it when needed (called from several threads)."""
    enabled, reason = daas.params['enabled'], daas.params['reason']
    result = blank_result(name)
    try:
        machine = daas.client.get_machine(name)
        before = bool(machine.get('InMaintenanceMode'))
        result.update(name=machine.get('Name') or name, id=machine.get('Id'), in_maintenance_mode_before=before,
                      in_maintenance_mode_after=before, maintenance_mode_reason_before=machine.get('MaintenanceModeReason'))
        change, note = decide(machine, enabled, reason)
        if not change:
            result.update(status='unchanged', reason=note)
            return result
        if not daas.check_mode:
            daas.client.set_maintenance(machine['Id'], enabled, reason=reason if enabled else None)
        result.update(status='changed', in_maintenance_mode_after=enabled)
    except DaaSError as err:
        result.update(reason=str(err))
    return result


def execute(daas):
    """Handle every machine concurrently, then report (and fail when any machine failed)."""
    names = list(dict.fromkeys(daas.params['machines']))
    results = []
    for name, (result, error) in zip(names, run_concurrently(lambda n: handle(daas, n), names, daas.params['concurrency'])):
        if error is not None:
            result = blank_result(name)
            result['reason'] = str(error)
        results.append(result)
    summary = dict(total=len(results))
    summary.update((status, sum(1 for r in results if r['status'] == status)) for status in STATUSES)
    output = dict(changed=summary['changed'] > 0, results=results, summary=summary)
    if daas.module._diff:
        output['diff'] = dict(
            before=dict((r['name'], r['in_maintenance_mode_before']) for r in results if r['id']),
            after=dict((r['name'], r['in_maintenance_mode_after']) for r in results if r['id']),
        )
    failed = [r for r in results if r['status'] == 'failed']
    if failed:
        daas.fail('maintenance mode could not be set for %d of %d machines: %s' % (
            len(failed), len(results), '; '.join('%s: %s' % (r['name'], r['reason']) for r in failed)), **output)
    return output


def main():
    daas = DaaSModule(
        argument_spec=dict(
            machines=dict(type='list', elements='str', required=True),
            enabled=dict(type='bool', required=True),
            reason=dict(type='str'),
            concurrency=dict(type='int', default=10),
        ),
        supports_check_mode=True,
    )
    daas.run(execute)


if __name__ == '__main__':
    main()
