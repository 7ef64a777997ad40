# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the machine_maintenance module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.modules import machine_maintenance
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

ARGS = dict(customer_id='democustomer', client_id='0b5f8a1c', client_secret='unit-secret')


def machine(name, in_maintenance=False, tags=()):
    return {'Id': 'id-' + name.split('\\')[-1], 'Name': name, 'InMaintenanceMode': in_maintenance,
            'MaintenanceModeReason': 'Administrator' if in_maintenance else 'None', 'Tags': list(tags)}


@pytest.fixture(name='client')
def fixture_client():
    with mock.patch('ansible_collections.citrix_cloud.daas.plugins.module_utils._connection.DaaSClient') as client_class:
        yield client_class.return_value


def run(client, estate, check_mode=False, **args):
    by_name = dict((m['Name'], m) for m in estate)
    by_name.update((m['Id'], m) for m in estate)

    def get_machine(name):
        if name not in by_name:
            raise DaaSError("machine '%s' was not found" % name, status=404)
        return by_name[name]

    client.get_machine.side_effect = get_machine
    args.setdefault('machines', [m['Name'] for m in estate])
    return run_module(machine_maintenance.main, dict(ARGS, **args), check_mode=check_mode)


def test_fences_with_maintenance_mode_first_and_leaves_an_admins_maintenance_alone(client):
    calls = mock.Mock()
    client.ensure_tag.side_effect = lambda *a, **k: calls.ensure_tag(*a)
    client.add_machine_tag.side_effect = calls.add_machine_tag
    client.set_maintenance.side_effect = calls.set_maintenance
    result = run(client, [machine('D\\A'), machine('D\\B', True)], enabled=True, tag='fence', _ansible_diff=True)
    assert result['changed'] is True
    # Maintenance mode before the tag (created once), so the tag only ever marks a maintenance mode the module set.
    assert calls.mock_calls == [mock.call.set_maintenance('id-A', True), mock.call.ensure_tag('fence'),
                                mock.call.add_machine_tag('id-A', 'fence')]
    assert result['results'][0] == dict(name='D\\A', id='id-A', status='changed', in_maintenance_mode_before=False,
                                        in_maintenance_mode_after=True, tagged_before=False, reason=None)
    assert result['results'][1]['status'] == 'unchanged'
    assert result['results'][1]['reason'] == 'already in maintenance mode'
    assert result['summary'] == dict(total=2, changed=1, unchanged=1, failed=0)
    assert result['diff'] == dict(before={'D\\A': {'InMaintenanceMode': False, 'Tagged': False}},
                                  after={'D\\A': {'InMaintenanceMode': True, 'Tagged': True}})


def test_the_tag_is_created_once_for_many_machines(client):
    estate = [machine('D\\M%d' % number) for number in range(8)]
    result = run(client, estate, enabled=True, tag='fence', concurrency=4)
    assert result['summary']['changed'] == 8
    client.ensure_tag.assert_called_once()
    assert client.add_machine_tag.call_count == 8


def test_is_idempotent(client):
    result = run(client, [machine('D\\A', True), machine('D\\B', True)], enabled=True)
    assert result['changed'] is False
    client.set_maintenance.assert_not_called()


def test_takes_machines_out_without_a_tag(client):
    result = run(client, [machine('D\\A', True), machine('D\\B')], enabled=False)
    assert result['changed'] is True
    client.set_maintenance.assert_called_once_with('id-A', False)
    client.remove_machine_tag.assert_not_called()
    assert result['results'][1]['reason'] == 'not in maintenance mode'


def test_the_fence_lifts_only_tagged_machines_removing_the_tag_first(client):
    calls = mock.Mock()
    client.set_maintenance.side_effect = calls.set_maintenance
    client.remove_machine_tag.side_effect = calls.remove_machine_tag
    result = run(client, [machine('D\\A', True, ['reboot-ok', 'FENCE']), machine('D\\B', True)], enabled=False, tag='fence')
    assert calls.mock_calls == [mock.call.remove_machine_tag('id-A', 'fence'), mock.call.set_maintenance('id-A', False)]
    fenced, admin = result['results']
    assert fenced['status'] == 'changed' and fenced['in_maintenance_mode_after'] is False and fenced['tagged_before'] is True
    assert admin['status'] == 'unchanged' and admin['in_maintenance_mode_after'] is True
    assert admin['reason'] == 'left in maintenance mode: it does not carry the tag fence'


def test_an_interrupted_lift_only_loses_its_tag(client):
    result = run(client, [machine('D\\A', False, ['fence'])], enabled=False, tag='fence')
    assert result['results'][0]['status'] == 'changed'
    client.set_maintenance.assert_not_called()
    client.remove_machine_tag.assert_called_once_with('id-A', 'fence')


def test_check_mode_sends_nothing(client):
    result = run(client, [machine('D\\A'), machine('D\\B', True, ['fence'])], check_mode=True, enabled=True, tag='fence')
    assert result['changed'] is True
    assert [r['status'] for r in result['results']] == ['changed', 'unchanged']
    result = run(client, [machine('D\\A'), machine('D\\B', True, ['fence'])], check_mode=True, enabled=False, tag='fence')
    assert [r['status'] for r in result['results']] == ['unchanged', 'changed']
    assert result['results'][1]['in_maintenance_mode_after'] is False
    for method in (client.ensure_tag, client.add_machine_tag, client.set_maintenance, client.remove_machine_tag):
        method.assert_not_called()


def test_an_empty_tag_is_refused(client):
    result = run(client, [machine('D\\A')], enabled=True, tag=' ')
    assert result['failed'] is True and result['msg'] == 'tag must not be empty'
    client.get_machine.assert_not_called()


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


def test_one_machine_named_by_name_and_by_id_is_fenced_once(client):
    result = run(client, [machine('D\\A')], machines=['D\\A', 'id-A'], enabled=True, tag='fence', concurrency=1)
    client.set_maintenance.assert_called_once_with('id-A', True)
    client.add_machine_tag.assert_called_once_with('id-A', 'fence')
    assert [r['status'] for r in result['results']] == ['changed', 'unchanged']
    assert result['results'][1]['reason'] == 'the same machine as D\\A, handled once'


def test_the_fence_tag_is_recognised_in_any_case(client):
    result = run(client, [machine('D\\A', True, tags=['FENCE'])], enabled=False, tag='fence')
    client.set_maintenance.assert_called_once_with('id-A', False)
    client.remove_machine_tag.assert_called_once_with('id-A', 'fence')
    assert result['results'][0]['tagged_before'] is True


def test_maintenance_mode_set_before_a_failed_tag_is_a_change_that_says_what_to_do(client):
    client.add_machine_tag.side_effect = DaaSError('Bad gateway', status=502, method='POST', url='u')
    result = run(client, [machine('D\\A')], enabled=True, tag='fence')
    assert result['failed'] is True and result['changed'] is True
    client.set_maintenance.assert_called_once_with('id-A', True)
    assert result['results'][0]['status'] == 'failed'
    assert result['results'][0]['reason'] == (
        'maintenance on done, then tag on failed (the machine is in maintenance mode without the tag fence: switch '
        'maintenance mode off by hand if it should be): Bad gateway: HTTP 502 on POST u')


def test_a_failure_before_any_write_is_no_change(client):
    client.set_maintenance.side_effect = DaaSError('Bad gateway', status=502, method='PATCH', url='u')
    result = run(client, [machine('D\\A')], enabled=True)
    assert result['failed'] is True and result['changed'] is False
