# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the machine_maintenance module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.modules import machine_maintenance
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

ARGS = dict(customer_id='democustomer', client_id='0b5f8a1c', client_secret='unit-secret')


def machine(name, in_maintenance=False, reason='None'):
    return {'Id': 'id-' + name.split('\\')[-1], 'Name': name, 'InMaintenanceMode': in_maintenance, 'MaintenanceModeReason': reason}


@pytest.fixture(name='client')
def fixture_client():
    with mock.patch('ansible_collections.citrix_cloud.daas.plugins.module_utils._base.DaaSClient') as client_class:
        yield client_class.return_value


def run(client, estate, check_mode=False, **args):
    by_name = dict((m['Name'], m) for m in estate)

    def get_machine(name):
        if name not in by_name:
            raise DaaSError("machine '%s' was not found" % name, status=404)
        return by_name[name]

    client.get_machine.side_effect = get_machine
    args.setdefault('machines', [m['Name'] for m in estate])
    return run_module(machine_maintenance.main, dict(ARGS, **args), check_mode=check_mode)


def test_puts_machines_in_maintenance_with_a_reason(client):
    result = run(client, [machine('D\\A'), machine('D\\B', True, 'Administrator')], enabled=True, reason='reboot-idle',
                 _ansible_diff=True)
    assert result['changed'] is True
    client.set_maintenance.assert_called_once_with('id-A', True, reason='reboot-idle')
    assert result['results'][0] == dict(name='D\\A', id='id-A', status='changed', in_maintenance_mode_before=False,
                                        in_maintenance_mode_after=True, maintenance_mode_reason_before='None', reason=None)
    assert result['results'][1]['status'] == 'unchanged'
    assert result['results'][1]['reason'] == 'already in maintenance mode'
    assert result['summary'] == dict(total=2, changed=1, unchanged=1, failed=0)
    assert result['diff'] == dict(before={'D\\A': False, 'D\\B': True}, after={'D\\A': True, 'D\\B': True})


def test_is_idempotent(client):
    result = run(client, [machine('D\\A', True), machine('D\\B', True)], enabled=True)
    assert result['changed'] is False
    client.set_maintenance.assert_not_called()


def test_takes_machines_out_without_a_reason(client):
    result = run(client, [machine('D\\A', True, 'Administrator'), machine('D\\B')], enabled=False)
    assert result['changed'] is True
    client.set_maintenance.assert_called_once_with('id-A', False, reason=None)
    assert result['results'][1]['reason'] == 'not in maintenance mode'


def test_fence_only_lifts_its_own_reason(client):
    result = run(client, [machine('D\\A', True, 'reboot-idle'), machine('D\\B', True, 'Administrator')],
                 enabled=False, reason='reboot-idle')
    client.set_maintenance.assert_called_once_with('id-A', False, reason=None)
    fenced, admin = result['results']
    assert fenced['status'] == 'changed' and fenced['in_maintenance_mode_after'] is False
    assert admin['status'] == 'unchanged' and admin['in_maintenance_mode_after'] is True
    assert admin['reason'] == "left in maintenance mode: its reason 'Administrator' is not 'reboot-idle'"


def test_check_mode_sends_no_patch(client):
    result = run(client, [machine('D\\A'), machine('D\\B')], check_mode=True, enabled=True, reason='reboot-idle')
    assert result['changed'] is True
    assert [r['status'] for r in result['results']] == ['changed', 'changed']
    assert [r['in_maintenance_mode_after'] for r in result['results']] == [True, True]
    client.set_maintenance.assert_not_called()


def test_failure_after_finishing_the_others(client):
    client.set_maintenance.side_effect = [DaaSError('Access denied', status=403), None]
    result = run(client, [machine('D\\A'), machine('D\\B')], machines=['D\\A', 'D\\MISSING', 'D\\B'], enabled=True,
                 concurrency=1)
    assert result['failed'] is True
    assert result['msg'] == ("maintenance mode could not be set for 2 of 3 machines: D\\A: Access denied: HTTP 403; "
                             "D\\MISSING: machine 'D\\MISSING' was not found: HTTP 404")
    assert [r['status'] for r in result['results']] == ['failed', 'failed', 'changed']
    assert result['results'][0]['id'] == 'id-A'
    assert result['summary'] == dict(total=3, changed=1, unchanged=0, failed=2)


def test_duplicates_are_handled_once(client):
    result = run(client, [machine('D\\A')], machines=['D\\A', 'D\\A'], enabled=True)
    assert len(result['results']) == 1
    client.set_maintenance.assert_called_once()
