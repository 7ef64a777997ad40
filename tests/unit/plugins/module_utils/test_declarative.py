# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the desired-state logic: differences, plans, $batch waves, results."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import BatchOutcome, BatchRequest
from ansible_collections.citrix_cloud.daas.plugins.module_utils._declarative import (
    Change,
    apply_changes,
    converged_result,
    differences,
    members_after,
    one_per_key,
    plan_change,
    set_fields,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError

OK = BatchOutcome(200, {}, None, None)


def write(name):
    return BatchRequest('POST', '/' + name, None)


def plan(current, wanted, state='present'):
    return plan_change('G/n', current, current, wanted, state, create=lambda: [[write('create')]],
                       update=lambda after: [[write('update')]], delete=lambda: [[write('delete')]])


def test_only_the_set_options_that_differ_are_compared_and_shown():
    wanted = set_fields(dict(start_time='03:00:00', enabled=None, frequency='Daily'),
                        dict(start_time='StartTime', enabled='Enabled', frequency='Frequency'))
    assert wanted == {'StartTime': '03:00:00', 'Frequency': 'Daily'}
    current = {'StartTime': '02:00:00', 'Frequency': 'Daily', 'Enabled': False}
    assert differences(current, wanted) == ({'StartTime': '02:00:00'}, {'StartTime': '03:00:00'})


@pytest.mark.parametrize('current,wanted,state,action,before,after', [
    (None, {'A': 1}, 'present', 'create', {}, {'A': 1}),
    ({'A': 1, 'B': 2}, {'A': 1}, 'present', 'none', {}, {}),
    ({'A': 1, 'B': 2}, {'B': 3}, 'present', 'update', {'B': 2}, {'B': 3}),
    ({'A': 1}, {'A': 5}, 'absent', 'delete', {'A': 1}, {}),
    (None, {}, 'absent', 'none', {}, {}),
])
def test_plan_of_an_entry(current, wanted, state, action, before, after):
    change = plan(current, wanted, state)
    assert (change.action, change.before, change.after) == (action, before, after)
    assert [request.path for wave in change.waves for request in wave] == ([] if action == 'none' else ['/' + action])


def test_waves_travel_in_order_and_a_failure_stops_its_later_waves():
    client = mock.Mock()
    refused = DaaSError('HTTP 409: exists', status=409)
    client.batch.side_effect = [[OK, BatchOutcome(409, None, None, refused)], [OK]]
    first = Change('a', 'create', waves=[[write('a1')], [write('a2')]])
    second = Change('b', 'create', waves=[[write('b1')], [write('b2')]])
    apply_changes(client, [first, second], check_mode=False)
    assert [[r.path for r in call.args[0]] for call in client.batch.call_args_list] == [['/a1', '/b1'], ['/a2']]
    assert (first.error, first.applied) == (None, 2)
    assert (second.error, second.applied) == (refused, 0)


def test_check_mode_sends_nothing_and_reports_what_would_be_done():
    client = mock.Mock()
    changes = apply_changes(client, [plan(None, {'A': 1}), plan({'A': 1}, {'A': 1})], check_mode=True)
    client.batch.assert_not_called()
    daas = mock.Mock(check_mode=True)
    result = converged_result(daas, changes, 'Things')
    assert result['changed'] is True
    assert [r['status'] for r in result['results']] == ['would create', 'unchanged']
    assert result['diff'] == {'before': {'G/n': {}}, 'after': {'G/n': {'A': 1}}}
    assert result['summary'] == {'create': 1, 'update': 0, 'delete': 0, 'none': 1}


def test_a_failure_is_one_line_naming_the_object_and_a_half_done_change_is_changed():
    daas = mock.Mock(check_mode=False)
    change = Change('G/n', 'create', waves=[[write('x')], [write('y')]])
    change.error, change.applied = DaaSError('HTTP 400: A Weekly reboot schedule needs DaysInWeek.'), 1
    converged_result(daas, [change, Change('G/m', 'none')], 'Reboot schedules')
    message = daas.fail.call_args.args[0]
    assert message == 'Reboot schedules failed for 1 of 2: G/n: HTTP 400: A Weekly reboot schedule needs DaysInWeek.'
    assert daas.fail.call_args.kwargs['changed'] is True
    assert daas.fail.call_args.kwargs['results'][0]['status'] == 'failed'


def test_members_exclusive_or_added_by_name_or_id_in_any_case():
    current = [{'Name': 'Finance', 'Id': 'g1'}, {'Name': 'Apps', 'Id': 'g2'}]
    assert members_after(current, ['finance', 'New'], False) == (['Apps', 'Finance', 'New'], ['New'], [])
    after, missing, extra = members_after(current, ['G1'], True)
    assert (after, missing, extra) == (['Finance'], [], [{'Name': 'Apps', 'Id': 'g2'}])


def test_an_object_given_twice_is_refused():
    daas = mock.Mock()
    one_per_key(daas, [{'name': 'A'}, {'name': 'b'}, {'name': 'a'}], lambda entry: entry['name'], 'tags')
    daas.fail.assert_called_once_with('tags[0] and tags[2] both describe a: give each object once')
