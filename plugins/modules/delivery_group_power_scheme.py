#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep the power time schemes of Citrix DaaS delivery groups in a desired state."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: delivery_group_power_scheme
version_added: 0.1.0
short_description: Keep the power time schemes of Citrix DaaS delivery groups as declared
description:
  - Creates, changes or deletes power time schemes (which days, how many machines stay powered on in each part of the
    day, which hours are peak) of one or many delivery groups so that they match O(schemes).
  - Only the options an entry sets are compared and written; the others keep the value they have in the site.
  - The schemes of all the delivery groups named are read with C($batch) GET requests, and the writes travel in
    C($batch) requests too, whatever the number of groups. A second run with the same entries sends only reads.
  - The API's validation errors (for example two schemes of a group covering the same day) are passed through in one
    line, naming the scheme.
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
options:
  schemes:
    description:
      - The power time schemes, one entry each, found by O(schemes[].name) (or Id) without regard to case within
        their O(schemes[].delivery_group).
    type: list
    elements: dict
    required: true
    suboptions:
      delivery_group:
        description: The delivery group, by name or Id.
        type: str
        required: true
      name:
        description: The scheme's C(Name), unique within its delivery group.
        type: str
        required: true
      state:
        description: V(present) creates or changes the scheme, V(absent) deletes it.
        type: str
        choices: [present, absent]
        default: present
      display_name:
        description: C(DisplayName), the name Studio shows; the API uses O(schemes[].name) when it is not set.
        type: str
      days_of_week:
        description:
          - C(DaysOfWeek), the days the scheme covers. Required to create a scheme. No two schemes of a group may
            cover the same day.
        type: list
        elements: str
        choices: [Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday, Weekdays, Weekend]
      peak_time_ranges:
        description:
          - C(PeakTimeRanges), the peak hours as V(HH:MM-HH:MM) ranges, for example V(08:00-18:00).
          - This replaces the spec's deprecated C(PeakHours) (24 flags, one per hour).
        type: list
        elements: str
      pool_size_schedule:
        description:
          - C(PoolSizeSchedule), how many machines stay powered on in each time range of the day.
          - This replaces the spec's deprecated C(PoolSize) (24 values, one per hour).
        type: list
        elements: dict
        suboptions:
          time_range:
            description: C(TimeRange), V(HH:MM-HH:MM).
            type: str
            required: true
          pool_size:
            description: C(PoolSize), a number of machines, or a percentage with O(schemes[].pool_using_percentage).
            type: int
            required: true
      pool_using_percentage:
        description: C(PoolUsingPercentage), whether the pool sizes are percentages of the group's machines.
        type: bool
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.ACTIONS
attributes:
  diff_mode:
    details:
      - Keyed by V(group/name). A changed scheme shows only the properties that differ, before and after.
seealso:
  - module: citrix_cloud.daas.delivery_group_info
  - module: citrix_cloud.daas.delivery_group_reboot_schedule
'''

EXAMPLES = r'''
- name: Weekdays with ten machines ready during office hours, two at night; a quiet weekend
  citrix_cloud.daas.delivery_group_power_scheme:
    schemes:
      - delivery_group: Finance-Desktops
        name: Weekdays
        days_of_week: [Weekdays]
        peak_time_ranges: ["08:00-18:00"]
        pool_size_schedule:
          - {time_range: "00:00-08:00", pool_size: 2}
          - {time_range: "08:00-18:00", pool_size: 10}
          - {time_range: "18:00-24:00", pool_size: 2}
      - delivery_group: Finance-Desktops
        name: Weekend
        days_of_week: [Weekend]
        pool_size_schedule:
          - {time_range: "00:00-24:00", pool_size: 1}
'''

RETURN = r'''
results:
  description: One entry per scheme, in the order of O(schemes).
  returned: always
  type: list
  elements: dict
  contains:
    key:
      description: V(group/name) as given.
      type: str
      sample: Finance-Desktops/Weekdays
    action:
      description: V(create), V(update), V(delete) or V(none).
      type: str
      sample: update
    status:
      description: V(created), V(updated), V(deleted), V(would create) (and so on, in check mode), V(unchanged) or V(failed).
      type: str
      sample: updated
    id:
      description: The scheme's C(Id) as read; V(null) for a scheme that did not exist.
      type: str
      sample: 7d1e2f3a-4b5c-4d6e-8f70-1a2b3c4d5e6f
    before:
      description: The properties that differ, as read.
      type: dict
      returned: when changed
      sample: {PeakTimeRanges: ["08:00-17:00"]}
    after:
      description: The properties that differ, as written.
      type: dict
      returned: when changed
      sample: {PeakTimeRanges: ["08:00-18:00"]}
    reason:
      description: Why the scheme failed, in one line.
      type: str
      returned: when failed
      sample: "HTTP 409 ...: DaysOfWeek: Saturday already covered by power time scheme 'Weekend'."
summary:
  description: How many schemes each action concerned.
  returned: always
  type: dict
  sample: {create: 0, update: 1, delete: 0, none: 1}
'''

import re

from ansible_collections.citrix_cloud.daas.plugins.module_utils._declarative import run_group_items_module

# option -> PowerTimeSchemeRequestModel property
PROPERTIES = dict(display_name='DisplayName', days_of_week='DaysOfWeek', peak_time_ranges='PeakTimeRanges',
                  pool_size_schedule='PoolSizeSchedule', pool_using_percentage='PoolUsingPercentage')
DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday', 'Weekdays', 'Weekend']
TIME_RANGE = re.compile(r'^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$')


def scheme_spec():
    pool_size = dict(time_range=dict(type='str', required=True), pool_size=dict(type='int', required=True))
    entry = dict(
        delivery_group=dict(type='str', required=True),
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        display_name=dict(type='str'),
        days_of_week=dict(type='list', elements='str', choices=DAYS),
        peak_time_ranges=dict(type='list', elements='str'),
        pool_size_schedule=dict(type='list', elements='dict', options=pool_size),
        pool_using_percentage=dict(type='bool'),
    )
    return dict(schemes=dict(type='list', elements='dict', required=True, options=entry))


def checked_entries(daas):
    """The entries with their pool sizes in the API's form; a one-line failure for a bad time range or size."""
    entries = daas.params['schemes']
    for position, entry in enumerate(entries):
        where = 'schemes[%d] (%s/%s)' % (position, entry['delivery_group'], entry['name'])
        ranges = list(entry['peak_time_ranges'] or []) + [p['time_range'] for p in entry['pool_size_schedule'] or []]
        for time_range in ranges:
            if not TIME_RANGE.match(time_range):
                daas.fail('%s: the time range %r is not HH:MM-HH:MM' % (where, time_range))
        if entry['pool_size_schedule'] is not None:
            for pool in entry['pool_size_schedule']:
                if pool['pool_size'] < 0:
                    daas.fail('%s: pool_size must be 0 or more, got %d' % (where, pool['pool_size']))
            entry['pool_size_schedule'] = [dict(TimeRange=p['time_range'], PoolSize=p['pool_size'])
                                           for p in entry['pool_size_schedule']]
        if entry['days_of_week'] is not None:
            entry['days_of_week'] = [day for day in DAYS if day in entry['days_of_week']]
    return entries


def view(scheme):
    """A PowerTimeSchemeResponseModel in the form of an entry's properties."""
    shown = dict((prop, scheme.get(prop)) for prop in PROPERTIES.values())
    shown['DaysOfWeek'] = [day for day in DAYS if day in (scheme.get('DaysOfWeek') or [])]
    shown['PoolSizeSchedule'] = [dict(TimeRange=p.get('TimeRange'), PoolSize=p.get('PoolSize'))
                                 for p in scheme.get('PoolSizeSchedule') or []]
    return shown


def main():
    run_group_items_module(scheme_spec(), 'schemes', 'PowerTimeSchemes', PROPERTIES, view, checked_entries,
                           'Power time schemes')


if __name__ == '__main__':
    main()
