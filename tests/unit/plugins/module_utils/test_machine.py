# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the machine rules."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import (
    action_reached,
    decide_maintenance,
    decide_power,
    has_any_tag,
    has_tag,
    last_reboot_time,
    parse_rfc3339,
    supports,
)

UTC = datetime.timezone.utc


@pytest.mark.parametrize('tags, tag, expected', [
    (['Reboot-OK'], 'reboot-ok', True),
    ('reboot-ok', 'REBOOT-OK', True),
    (['a', None], 'b', False),
    (None, 'a', False),
])
def test_tags_compare_without_regard_to_case(tags, tag, expected):
    assert has_tag({'Tags': tags}, tag) is expected
    assert has_any_tag({'Tags': tags}, ['zzz', tag]) is expected


@pytest.mark.parametrize('supported, action, expected', [
    (['Reset'], 'reboot', True),
    (['Restart'], 'reboot', True),
    (['PowerOn', 'Shutdown'], 'reboot', False),
    (None, 'reboot', False),
    (['PowerOff'], 'shutdown', True),
    (['SuspendResume'], 'resume', True),
])
def test_supported_power_actions(supported, action, expected):
    assert supports({'SupportedPowerActions': supported}, action) is expected


@pytest.mark.parametrize('text, expected', [
    ('2026-11-23T17:09:00Z', datetime.datetime(2026, 11, 23, 17, 9, tzinfo=UTC)),
    ('2026-11-23 17:09:00.5+01:00', datetime.datetime(2026, 11, 23, 16, 9, 0, 500000, tzinfo=UTC)),
    ('2026-11-23T17:09:00', datetime.datetime(2026, 11, 23, 17, 9, tzinfo=UTC)),
    ('5/2/2024 6:14:09 AM', None),
    ('2026-13-01T00:00:00Z', None),
    ('', None),
    (None, None),
])
def test_one_rfc3339_parser(text, expected):
    assert parse_rfc3339(text) == expected


def test_the_last_reboot_time_is_the_formatted_deregistration_time():
    machine = {'LastDeregistrationTime': '5/2/2024 6:14:09 AM', 'FormattedLastDeregistrationTime': '2024-05-02T06:14:09Z'}
    assert last_reboot_time(machine) == datetime.datetime(2024, 5, 2, 6, 14, 9, tzinfo=UTC)
    assert last_reboot_time({'LastDeregistrationTime': '5/2/2024 6:14:09 AM'}) is None


@pytest.mark.parametrize('machine, state, only_if_idle, expected', [
    ({'PowerState': 'On', 'SupportedPowerActions': ['Reset']}, 'restarted', False, ('reboot', None)),
    ({'PowerState': 'Off'}, 'started', False, ('start', 'the machine does not support start (SupportedPowerActions lacks PowerOn)')),
    ({'PowerState': 'Off'}, 'stopped', False, (None, 'already Off')),
    ({'PowerState': 'Off'}, 'restarted', False, ('reboot', 'the machine is Off: restarted leaves a machine that is off alone')),
    ({'PowerState': 'On', 'SupportedPowerActions': ['Reset'], 'SessionCount': 2}, 'restarted', True,
     ('reboot', '2 sessions on the machine (only_if_idle)')),
    ({'PowerState': 'On', 'SupportedPowerActions': ['Reset'], 'PowerActionPending': True}, 'restarted', False,
     ('reboot', 'a power action is already pending')),
    ({'PowerState': 'Unknown'}, 'suspended', False, ('suspend', 'power state Unknown does not allow suspend')),
])
def test_the_power_decision_table(machine, state, only_if_idle, expected):
    assert decide_power(machine, state, only_if_idle) == expected


@pytest.mark.parametrize('machine, enabled, tag, expected', [
    ({'InMaintenanceMode': False}, True, 'fence', (True, True, False, None)),
    ({'InMaintenanceMode': False, 'Tags': ['Fence']}, True, 'fence', (True, False, False, None)),
    ({'InMaintenanceMode': True}, True, 'fence', (False, False, False, 'already in maintenance mode')),
    ({'InMaintenanceMode': True}, False, 'fence',
     (False, False, False, 'left in maintenance mode: it does not carry the tag fence')),
    ({'InMaintenanceMode': True, 'Tags': ['FENCE']}, False, 'fence', (True, False, True, None)),
    ({'InMaintenanceMode': False, 'Tags': ['fence']}, False, 'fence', (False, False, True, None)),
    ({'InMaintenanceMode': True}, False, None, (True, False, False, None)),
])
def test_the_maintenance_decision_table(machine, enabled, tag, expected):
    assert decide_maintenance(machine, enabled, tag) == expected


BEFORE = {'PowerState': 'On', 'RegistrationState': 'Registered', 'FormattedLastDeregistrationTime': '2026-11-20T10:00:00Z'}


@pytest.mark.parametrize('now, went_down, expected', [
    (BEFORE, False, False),
    (BEFORE, True, True),
    (dict(BEFORE, FormattedLastDeregistrationTime='2026-11-28T08:00:00Z'), False, True),
    (dict(BEFORE, RegistrationState='Unregistered'), True, False),
    # A machine that never deregistered and was not seen down has not rebooted (its reboot may have failed).
    (dict(BEFORE, FormattedLastDeregistrationTime=None), False, False),
])
def test_a_reboot_is_reached_when_back_and_registered_after_going_down(now, went_down, expected):
    assert action_reached('reboot', BEFORE, now, went_down) is expected


def test_other_actions_are_reached_in_their_power_state():
    assert action_reached('shutdown', BEFORE, {'PowerState': 'Off'}, False) is True
    assert action_reached('suspend', BEFORE, {'PowerState': 'On'}, True) is False
