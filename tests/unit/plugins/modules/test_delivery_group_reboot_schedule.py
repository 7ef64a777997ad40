# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of delivery_group_reboot_schedule: entries and API answers compared in one form."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.citrix_cloud.daas.plugins.module_utils._declarative import differences
from ansible_collections.citrix_cloud.daas.plugins.modules import delivery_group_reboot_schedule as module
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

ARGS = dict(customer_id='democustomer', client_id='0b5f8a1c', client_secret='unit-secret')
ANSWER = {'Id': 's1', 'Name': 'Nightly', 'StartTime': '02:00:00', 'DaysInWeek': ['Sunday', 'Monday'],
          'RestrictToTag': {'Id': 'T-1', 'Uid': 3, 'Name': 'reboot-ok'}, 'Frequency': 'Weekly', 'Enabled': True}


def test_times_days_and_the_tag_compare_as_the_api_means_them():
    assert [module.time_of_day(text) for text in ('2:00', '02:00', '02:00:30', '24:00', 'noon')] == \
        ['02:00:00', '02:00:00', '02:00:30', None, None]
    shown = module.view(ANSWER)
    assert shown['DaysInWeek'] == ['Monday', 'Sunday']
    for tag in ('reboot-ok', 'REBOOT-OK', 't-1'):
        assert differences(shown, {'RestrictToTag': tag, 'StartTime': '02:00:00'}) == ({}, {})
    before, after = differences(shown, {'RestrictToTag': 'other'})
    assert json.dumps(before) == '{"RestrictToTag": "reboot-ok"}' and after == {'RestrictToTag': 'other'}
    assert module.view(dict(ANSWER, RestrictToTag=None))['RestrictToTag'] == ''


def test_a_bad_value_is_one_line_naming_the_entry_and_the_option():
    for entry, message in (
            (dict(start_time='25:00'), 'schedules[0] (G/N): start_time must be a time of day, HH:MM or HH:MM:SS'),
            (dict(warning_duration_minutes=-1), 'schedules[0] (G/N): warning_duration_minutes must be 0 or more, got -1')):
        result = run_module(module.main, dict(ARGS, schedules=[dict(delivery_group='G', name='N', **entry)]))
        assert result['failed'] and result['msg'] == message


def test_an_unknown_frequency_is_refused_by_the_argument_spec():
    result = run_module(module.main, dict(ARGS, schedules=[dict(delivery_group='G', name='N', frequency='Hourly')]))
    assert result['failed'] and 'frequency' in result['msg'] and 'Hourly' in result['msg']
