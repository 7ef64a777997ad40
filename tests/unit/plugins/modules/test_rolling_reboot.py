# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the module rolling_reboot: its drain options fail in one line before any request."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import requests_mock

from ansible_collections.citrix_cloud.daas.plugins.modules import rolling_reboot
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

ARGS = dict(customer_id='democustomer', client_id='0b5f8a1c', client_secret='unit-secret', machines=['D\\M1'])


@pytest.mark.parametrize('options, message', [
    (dict(drain_sessions=True, warning_count=4, warning_interval_minutes=5, warning_minutes=15),
     'warning_count 4 warnings every 5 minutes do not fit before the deadline, warning_minutes 15 after the first: '
     'give fewer warnings or a shorter interval'),
    (dict(warning_interval_minutes=0), 'warning_interval_minutes must be more than 0, got 0.0'),
    (dict(logoff_disconnected_minutes=-1), 'logoff_disconnected_minutes must be 0 or more, got -1'),
    (dict(finish_by='25:00'), "finish_by must be an RFC 3339 time such as 2026-12-02T05:00:00Z or a time of day HH:MM, "
                              "got '25:00'"),
    (dict(drain_sessions=True, drain_fence=False), 'drain_sessions needs drain_fence: a machine is drained only behind '
                                                   'its fence'),
])
def test_bad_drain_options_fail_in_one_line_before_any_request(options, message):
    with requests_mock.Mocker() as mocked:
        result = run_module(rolling_reboot.main, dict(ARGS, **options))
        assert mocked.request_history == []
    assert result['failed'] and result['msg'] == message


def test_the_diff_shows_who_was_warned_and_logged_off_on_each_drained_machine():
    results = [dict(name='D\\M1', job_id='j1', predicted=False, status='done', power_state_before='On',
                    power_state_after='On', warned=['D\\ann'], logged_off=['D\\bob']),
               dict(name='D\\M2', job_id=None, predicted=False, status='skipped', power_state_before='On',
                    power_state_after='On', warned=['D\\cid'], logged_off=[])]
    diff = rolling_reboot.diff(results)
    assert diff['after']['D\\M1'] == dict(PowerState='On', PowerAction='reboot', InMaintenanceMode=False,
                                          Warned=['D\\ann'], LoggedOff=['D\\bob'])
    assert diff['after']['D\\M2'] == dict(PowerState='On', InMaintenanceMode=False, Warned=['D\\cid'], LoggedOff=[])
