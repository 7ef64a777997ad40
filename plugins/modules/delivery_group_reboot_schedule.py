#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep the reboot schedules of Citrix DaaS delivery groups in a desired state."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: delivery_group_reboot_schedule
version_added: 0.1.0
short_description: Keep the reboot schedules of Citrix DaaS delivery groups as declared
description:
  - Creates, changes or deletes reboot schedules of one or many delivery groups so that they match O(schedules).
  - Only the options an entry sets are compared and written; the others keep the value they have in the site (on
    create, the API's default).
  - The schedules of all the delivery groups named are read with C($batch) GET requests (100 groups per request), and
    the writes travel in C($batch) requests too, whatever the number of groups.
  - A second run with the same entries reports no change and sends only reads.
  - The API's validation errors (for example a schedule type the site's edition does not offer) are passed through
    in one line, naming the schedule.
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
options:
  schedules:
    description:
      - The reboot schedules, one entry each. A schedule is found by its O(schedules[].name) (or Id), without regard
        to case, within its O(schedules[].delivery_group).
    type: list
    elements: dict
    required: true
    suboptions:
      delivery_group:
        description: The delivery group, by name or Id.
        type: str
        required: true
      name:
        description: The schedule's C(Name), unique within its delivery group.
        type: str
        required: true
      state:
        description: V(present) creates or changes the schedule, V(absent) deletes it.
        type: str
        choices: [present, absent]
        default: present
      description:
        description: C(Description).
        type: str
      enabled:
        description: C(Enabled); the API creates schedules enabled.
        type: bool
      frequency:
        description:
          - C(Frequency). Required to create a schedule.
          - V(Weekly) needs O(schedules[].days_in_week), V(Monthly) needs O(schedules[].week_in_month) and
            O(schedules[].day_in_month), V(Once) needs O(schedules[].start_date).
        type: str
        choices: [Daily, Weekly, Monthly, Once]
      frequency_factor:
        description: C(FrequencyFactor), for example 2 with V(Weekly) for every other week.
        type: int
      days_in_week:
        description: C(DaysInWeek), for weekly schedules. Compared without regard to order.
        type: list
        elements: str
        choices: [Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday]
      week_in_month:
        description: C(WeekInMonth), for monthly schedules.
        type: str
        choices: [First, Second, Third, Fourth, Last]
      day_in_month:
        description: C(DayInMonth), the day of the week for monthly schedules.
        type: str
        choices: [Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday]
      start_date:
        description: C(StartDate), V(YYYY-MM-DD).
        type: str
      start_time:
        description:
          - C(StartTime), the time of day, V(HH:MM) or V(HH:MM:SS). Required to create a schedule.
          - V(02:00) and V(02:00:00) are the same time.
        type: str
      reboot_duration_minutes:
        description:
          - C(RebootDurationMinutes), over how many minutes the machines are rebooted; V(0) reboots them all at once.
          - Has no effect with O(schedules[].use_natural_reboot=true).
        type: int
      ignore_maintenance_mode:
        description: C(IgnoreMaintenanceMode), whether machines in maintenance mode are rebooted too.
        type: bool
      restrict_to_tag:
        description:
          - C(RestrictToTag), a machine tag by name or Id; the schedule then reboots only the group's machines that
            carry it. An empty string lifts the restriction.
        type: str
      use_natural_reboot:
        description: C(UseNaturalReboot), machines are rebooted when they have no sessions.
        type: bool
      warning_duration_minutes:
        description: C(WarningDurationMinutes), how long before the reboot the users are warned; V(0) for no warning.
        type: int
      warning_message:
        description: C(WarningMessage), the text users see; required by the API with a warning duration.
        type: str
      warning_title:
        description: C(WarningTitle), the title of the warning window.
        type: str
      warning_repeat_interval_minutes:
        description: C(WarningRepeatIntervalMinutes), how often the warning is repeated; V(0) shows it once.
        type: int
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.ACTIONS
attributes:
  diff_mode:
    details:
      - Keyed by V(group/name). A changed schedule shows only the properties that differ, before and after; a created
        one the properties set, a deleted one its properties as read.
notes:
  - Availability of reboot schedule options differs by site and edition; the API's answer is reported as it is.
seealso:
  - module: citrix_cloud.daas.delivery_group_info
  - module: citrix_cloud.daas.delivery_group_power_scheme
'''

EXAMPLES = r'''
- name: A nightly reboot over two hours, with a warning, and a weekly natural reboot of the tagged machines
  citrix_cloud.daas.delivery_group_reboot_schedule:
    schedules:
      - delivery_group: Finance-Desktops
        name: Nightly
        frequency: Daily
        start_time: "02:00"
        reboot_duration_minutes: 120
        warning_duration_minutes: 15
        warning_message: This desktop restarts in %m% minutes. Save your work.
        warning_title: Restart
      - delivery_group: Finance-Desktops
        name: Sunday natural reboot
        frequency: Weekly
        days_in_week: [Sunday]
        start_time: "06:00"
        use_natural_reboot: true
        restrict_to_tag: reboot-ok

- name: Delete a schedule
  citrix_cloud.daas.delivery_group_reboot_schedule:
    schedules:
      - delivery_group: Finance-Desktops
        name: Nightly
        state: absent
'''

RETURN = r'''
results:
  description: One entry per schedule, in the order of O(schedules).
  returned: always
  type: list
  elements: dict
  contains:
    key:
      description: V(group/name) as given.
      type: str
      sample: Finance-Desktops/Nightly
    action:
      description: V(create), V(update), V(delete) or V(none).
      type: str
      sample: update
    status:
      description: V(created), V(updated), V(deleted), V(would create) (and so on, in check mode), V(unchanged) or V(failed).
      type: str
      sample: updated
    id:
      description: The schedule's C(Id) as read; V(null) for a schedule that did not exist.
      type: str
      sample: 3f2c1a7e-8b9d-4c5e-a6f7-0b1c2d3e4f5a
    before:
      description: The properties that differ, as read (when the action is not V(none)).
      type: dict
      returned: when changed
      sample: {StartTime: "02:00:00"}
    after:
      description: The properties that differ, as written.
      type: dict
      returned: when changed
      sample: {StartTime: "03:00:00"}
    reason:
      description: Why the schedule failed, in one line.
      type: str
      returned: when failed
      sample: "HTTP 400 ...: A Weekly reboot schedule needs DaysInWeek."
summary:
  description: How many schedules each action concerned.
  returned: always
  type: dict
  sample: {create: 1, update: 1, delete: 0, none: 2}
'''

import re

from ansible_collections.citrix_cloud.daas.plugins.module_utils._declarative import Reference, run_group_items_module

DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']
# option -> RebootScheduleRequestModel property
PROPERTIES = dict(
    description='Description', enabled='Enabled', frequency='Frequency', frequency_factor='FrequencyFactor',
    days_in_week='DaysInWeek', week_in_month='WeekInMonth', day_in_month='DayInMonth', start_date='StartDate',
    start_time='StartTime', reboot_duration_minutes='RebootDurationMinutes',
    ignore_maintenance_mode='IgnoreMaintenanceMode', restrict_to_tag='RestrictToTag',
    use_natural_reboot='UseNaturalReboot', warning_duration_minutes='WarningDurationMinutes',
    warning_message='WarningMessage', warning_title='WarningTitle',
    warning_repeat_interval_minutes='WarningRepeatIntervalMinutes',
)
TIME_OF_DAY = re.compile(r'^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$')
MINUTES = ('frequency_factor', 'reboot_duration_minutes', 'warning_duration_minutes', 'warning_repeat_interval_minutes')


def schedule_spec():
    entry = dict(
        delivery_group=dict(type='str', required=True),
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        frequency=dict(type='str', choices=['Daily', 'Weekly', 'Monthly', 'Once']),
        days_in_week=dict(type='list', elements='str', choices=DAYS),
        week_in_month=dict(type='str', choices=['First', 'Second', 'Third', 'Fourth', 'Last']),
        day_in_month=dict(type='str', choices=DAYS),
    )
    for option in ('description', 'start_date', 'start_time', 'restrict_to_tag', 'warning_message', 'warning_title'):
        entry[option] = dict(type='str')
    for option in ('enabled', 'ignore_maintenance_mode', 'use_natural_reboot'):
        entry[option] = dict(type='bool')
    for option in MINUTES:
        entry[option] = dict(type='int')
    return dict(schedules=dict(type='list', elements='dict', required=True, options=entry))


def time_of_day(text):
    """V(HH:MM[:SS]) as the API answers it, HH:MM:SS; None when it is not a time of day."""
    match = TIME_OF_DAY.match(text.strip())
    return '%02d:%s:%s' % (int(match.group(1)), match.group(2), match.group(3) or '00') if match else None


def checked_entries(daas):
    """The entries with start_time and days_in_week in the API's form; a one-line failure for a bad value."""
    entries = daas.params['schedules']
    for position, entry in enumerate(entries):
        where = 'schedules[%d] (%s/%s)' % (position, entry['delivery_group'], entry['name'])
        if entry['start_time'] is not None:
            entry['start_time'] = time_of_day(entry['start_time'])
            if entry['start_time'] is None:
                daas.fail('%s: start_time must be a time of day, HH:MM or HH:MM:SS' % where)
        if entry['days_in_week'] is not None:
            entry['days_in_week'] = [day for day in DAYS if day in entry['days_in_week']]
        for option in MINUTES:
            if entry[option] is not None and entry[option] < 0:
                daas.fail('%s: %s must be 0 or more, got %d' % (where, option, entry[option]))
    return entries


def view(schedule):
    """A RebootScheduleResponseModel in the form of an entry's properties."""
    shown = dict((prop, schedule.get(prop)) for prop in PROPERTIES.values())
    shown['RestrictToTag'] = Reference(schedule.get('RestrictToTag'))
    if shown['StartTime']:
        shown['StartTime'] = time_of_day(shown['StartTime']) or shown['StartTime']
    shown['DaysInWeek'] = [day for day in DAYS if day in (schedule.get('DaysInWeek') or [])]
    return shown


def main():
    run_group_items_module(schedule_spec(), 'schedules', 'RebootSchedules', PROPERTIES, view, checked_entries,
                           'Reboot schedules')


if __name__ == '__main__':
    main()
