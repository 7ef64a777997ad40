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
  - Reads every machine (in C($batch) requests of up to 100 machines) and changes (C(PATCH)) only those that are not
    already as requested. Each write step (maintenance mode, the tag) travels as C($batch) requests for every machine
    at that step; on a site that answers C($batch) with 404, 405 or 501, every call is sent as a request of its own
    instead, with a warning.
  - A write that meets a fault (429, 5xx, a dropped connection) is sent again (these writes are safe to repeat), up to
    five times, before its machine fails.
  - With a O(tag), the machines this task puts in maintenance mode are marked with that machine tag, and
    O(enabled=false) lifts only the machines that carry it (and removes the tag). Used as a fence around a reboot, it
    therefore never lifts maintenance mode that an administrator set, and a fence that an interrupted run left behind
    can be found again by its tag.
  - The task fails after every machine has been handled when any of them failed.
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
  tag:
    description:
      - A machine tag that marks the maintenance mode this module sets (the API keeps no free-text maintenance reason).
      - With O(enabled=true), a machine not yet in maintenance mode is first put in maintenance mode, then given the tag
        (created in the site when it does not exist). A machine already in maintenance mode is left as it is, without
        the tag. So the tag is only ever on a machine whose maintenance mode this collection set.
      - With O(enabled=false), only machines that carry the tag are touched; the tag is removed, then maintenance mode
        is turned off. A machine that carries the tag but is no longer in maintenance mode just loses the tag. Machines
        without the tag stay as they are and are reported unchanged with a note.
      - "The order is the drain fence's (see the reboot workflow's documentation): an interruption between the two
        writes leaves a machine in maintenance mode without the tag, which no later run touches; the failure says so."
    type: str
  concurrency:
    description:
      - On a site without C($batch), how many of the separate requests that replace a C($batch) are sent at the same time.
      - With C($batch), every machine is handled at once, up to 100 machines per request.
    type: int
    default: 10
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.ACTIONS
attributes:
  diff_mode:
    details: The diff shows, for each machine changed, C(InMaintenanceMode) before and after, and whether it carries O(tag).
'''

EXAMPLES = r'''
- name: Fence two machines before rebooting them
  citrix_cloud.daas.machine_maintenance:
    machines:
      - DEMOLAB\KESTREL
      - DEMOLAB\OSPREY
    enabled: true
    tag: reboot-fence

- name: Lift the fence again; machines an administrator put in maintenance stay there
  citrix_cloud.daas.machine_maintenance:
    machines:
      - DEMOLAB\KESTREL
      - DEMOLAB\OSPREY
    enabled: false
    tag: reboot-fence

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
    tagged_before:
      description: Whether the machine carried O(tag) as read; V(null) without O(tag) or when it could not be read.
      type: bool
      sample: false
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

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import (
    DaaSModule,
    count_by_status,
    fail_if_any_machine_failed,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._bulk import MaintenanceRun

STATUSES = ('changed', 'unchanged', 'failed')


def diff(results, enabled, tag):
    """Before and after of the machines changed: InMaintenanceMode, and whether they carry the tag when one is used."""
    before, after = {}, {}
    for result in results:
        if result['status'] != 'changed':
            continue
        before[result['name']] = dict(InMaintenanceMode=result['in_maintenance_mode_before'])
        after[result['name']] = dict(InMaintenanceMode=result['in_maintenance_mode_after'])
        if tag is not None:
            before[result['name']]['Tagged'] = result['tagged_before']
            after[result['name']]['Tagged'] = enabled
    return dict(before=before, after=after)


def execute(daas):
    """Handle every machine, then report (and fail when any machine failed)."""
    params = daas.params
    daas.client.fallback_concurrency = params['concurrency']
    run = MaintenanceRun(daas.client, params['machines'], params['enabled'], params['tag'], daas.check_mode)
    results = run.run()
    summary = count_by_status(results, STATUSES)
    output = dict(changed=summary['changed'] > 0 or run.wrote, results=results, summary=summary)
    if daas.module._diff:
        output['diff'] = diff(results, daas.params['enabled'], daas.params['tag'])
    fail_if_any_machine_failed(daas, results, 'maintenance mode could not be set', output)
    return output


def main():
    daas = DaaSModule(
        argument_spec=dict(
            machines=dict(type='list', elements='str', required=True),
            enabled=dict(type='bool', required=True),
            tag=dict(type='str'),
            concurrency=dict(type='int', default=10),
        ),
        supports_check_mode=True,
    )
    if daas.params['tag'] is not None and not daas.params['tag'].strip():
        daas.fail('tag must not be empty')
    daas.run(execute)


if __name__ == '__main__':
    main()
