#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read Citrix DaaS delivery groups with their reboot schedules, power time schemes and tags."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: delivery_group_info
version_added: 0.1.0
short_description: Read Citrix DaaS delivery groups with their reboot schedules, power time schemes and tags
description:
  - Lists the site's delivery groups, or the ones named, each with its reboot schedules, power time schemes and tags,
    and how many of each it has.
  - The groups are one paged read; their schedules, schemes and tags are read with C($batch) GET requests (100 reads
    per request), not one request per group.
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
options:
  names:
    description:
      - The delivery groups, by name or Id (without regard to case). Not set, every delivery group of the site.
      - A name that matches no group fails the task.
    type: list
    elements: str
  include:
    description: Which objects of each group to read.
    type: list
    elements: str
    choices: [reboot_schedules, power_time_schemes, tags]
    default: [reboot_schedules, power_time_schemes, tags]
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.READ_ONLY
seealso:
  - module: citrix_cloud.daas.delivery_group_reboot_schedule
  - module: citrix_cloud.daas.delivery_group_power_scheme
  - module: citrix_cloud.daas.tag
'''

EXAMPLES = r'''
- name: Every delivery group with its schedules, schemes and tags
  citrix_cloud.daas.delivery_group_info:
  register: groups

- name: Only the tags of two groups
  citrix_cloud.daas.delivery_group_info:
    names: [Finance-Desktops, Shared-Apps]
    include: [tags]
'''

RETURN = r'''
delivery_groups:
  description: One entry per delivery group, in the order of O(names) (else as the API lists them).
  returned: always
  type: list
  elements: dict
  contains:
    delivery_group:
      description: The group as the API describes it (C(DeliveryGroupResponseModel)).
      type: dict
      sample: {Id: 5b1d0e8c-1f2a-4b3c-8d4e-5f6a7b8c9d0e, Name: Finance-Desktops, SessionCount: 3, TotalDesktops: 1}
    reboot_schedules:
      description: Its C(RebootScheduleResponseModel)s; V(null) when not in O(include).
      type: list
      elements: dict
      sample: [{Name: Nightly, Frequency: Daily, StartTime: "02:00:00", Enabled: true}]
    power_time_schemes:
      description: Its C(PowerTimeSchemeResponseModel)s; V(null) when not in O(include).
      type: list
      elements: dict
      sample: [{Name: Weekdays, DaysOfWeek: [Weekdays], PeakTimeRanges: ["08:00-18:00"]}]
    tags:
      description: Its C(TagResponseModel)s; V(null) when not in O(include).
      type: list
      elements: dict
      sample: [{Name: finance, Id: 5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716}]
    counts:
      description: How many of each object in O(include) the group has.
      type: dict
      sample: {reboot_schedules: 2, power_time_schemes: 1, tags: 3}
'''

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import DaaSModule
from ansible_collections.citrix_cloud.daas.plugins.module_utils._declarative import find_named, read_groups

# include choice -> the group's collection as the API spells it
PARTS = dict(reboot_schedules='RebootSchedules', power_time_schemes='PowerTimeSchemes', tags='Tags')


def chosen_groups(daas, groups):
    names = daas.params['names']
    if names is None:
        return groups
    chosen = [find_named(groups, name) for name in dict.fromkeys(names)]
    missing = [name for name, group in zip(dict.fromkeys(names), chosen) if group is None]
    if missing:
        daas.fail('delivery group %s was not found (names)' % ', '.join("'%s'" % name for name in missing))
    return chosen


def main():
    daas = DaaSModule(argument_spec=dict(
        names=dict(type='list', elements='str'),
        include=dict(type='list', elements='str', choices=list(PARTS), default=list(PARTS)),
    ), supports_check_mode=True)

    def execute(daas):
        client = daas.client
        groups = chosen_groups(daas, client.list_delivery_groups())
        read = dict((option, read_groups(client, [group['Id'] for group in groups], PARTS[option]))
                    for option in PARTS if option in daas.params['include'])
        entries = []
        for group in groups:
            entry = dict(delivery_group=group, counts={})
            for option in PARTS:
                items = read[option][group['Id']] if option in read else None
                if isinstance(items, Exception):
                    raise items
                entry[option] = items
                if items is not None:
                    entry['counts'][option] = len(items)
            entries.append(entry)
        return dict(changed=False, delivery_groups=entries)

    daas.run(execute)


if __name__ == '__main__':
    main()
