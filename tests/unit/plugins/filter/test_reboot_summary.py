# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the role's filters: name_list, reboot_summary and reboot_report."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.citrix_cloud.daas.plugins.filter.name_list import names
from ansible_collections.citrix_cloud.daas.plugins.filter.reboot_summary import reboot_report, reboot_summary


@pytest.mark.parametrize('value, expected', [
    ('W11-Pooled, W10-Dedicated,,', ['W11-Pooled', 'W10-Dedicated']),
    ([' a ', '', None, 'b'], ['a', 'b']),
    (None, []),
    ('', []),
])
def test_name_list(value, expected):
    assert names(value) == expected


def test_name_list_refuses_a_mapping():
    with pytest.raises(AnsibleFilterError, match='name_list: the input must be a list of strings or comma-separated text, got dict'):
        names({'a': 1})


def machine(name):
    return {'Id': 'id-' + name, 'Name': 'D\\' + name}


def result(name, status, **fields):
    entry = {'name': 'D\\' + name, 'id': 'id-' + name, 'status': status, 'reason': fields.pop('reason', None)}
    entry.update(fields)
    return entry


SELECTION = {
    'candidates': [machine(n) for n in ('A', 'B', 'C', 'D', 'E')],
    'skipped': [{'name': 'D\\BUSY', 'id': 'id-BUSY', 'reason': 'has 1 session(s)'}],
}


def test_every_machine_is_accounted_for_once():
    selection = dict(SELECTION, fences=[{'name': 'D\\OLD', 'id': 'id-OLD'}, {'name': 'D\\OLD2', 'id': 'id-OLD2'}])
    summary = reboot_summary(
        selection,
        reboots=[result('OLD', 'skipped', reason='changed after it was chosen: has 1 session(s)', lifted=True),
                 result('OLD2', 'failed', reason='the drain fence could not be lifted: HTTP 503', lifted=False),
                 result('A', 'done', job_id='j1', power_state_after='On'),
                 result('B', 'skipped', reason='changed after it was chosen: has 1 session(s)'),
                 result('C', 'failed', reason='the reboot job j3 ended with status Failed'),
                 # Never read: the result names it as it was given, by Id.
                 {'name': 'id-D', 'id': None, 'status': 'failed', 'reason': 'not rebooted: the run stopped early (X)'}],
        errors=['Read: one catalog failed'], stopped_by='the API cannot be reached', catalogs=['Pool'], machine_count=9)
    assert [m['name'] for m in summary['rebooted']] == ['D\\A']
    assert summary['rebooted'][0]['job_id'] == 'j1'
    assert [(m['name'], m['reason']) for m in summary['skipped']] == [
        ('D\\BUSY', 'has 1 session(s)'), ('D\\OLD', 'changed after it was chosen: has 1 session(s)'),
        ('D\\B', 'changed after it was chosen: has 1 session(s)')]
    assert [(m['name'], m['error']) for m in summary['failed']] == [
        ('D\\OLD2', 'the drain fence could not be lifted: HTTP 503'),
        ('D\\C', 'the reboot job j3 ended with status Failed'),
        ('id-D', 'not rebooted: the run stopped early (X)'),
        ('D\\E', 'not rebooted: the run stopped early (the API cannot be reached)')]
    assert summary['errors'] == ['Read: one catalog failed', 'the API cannot be reached']
    assert summary['stale_fences_lifted'] == ['D\\OLD']
    assert summary['counts'] == dict(machines=9, candidates=5, rebooted=1, would_reboot=0, skipped=3, failed=4,
                                     stale_fences_lifted=1)
    assert summary['check_mode'] is False


def test_predicted_results_mean_check_mode():
    summary = reboot_summary(SELECTION, reboots=[result(n, 'done', predicted=True) for n in 'ABCDE'])
    assert summary['check_mode'] is True
    assert summary['failed'] == []


def test_the_report_names_at_most_list_limit_machines():
    summary = reboot_summary({'candidates': [machine(n) for n in 'ABC'], 'skipped': []},
                             reboots=[result(n, 'done') for n in 'AB'], catalogs=['Pool', 'Dedicated'], machine_count=3)
    texts = reboot_report(summary, list_limit=1)
    assert texts['lines'] == [
        'Catalogs Pool, Dedicated: 3 machines, 3 idle candidates.',
        'Rebooted (2): D\\A ... and 1 more',
        'Skipped (0)',
        'Failed (1):',
        '  D\\C: not rebooted: the run stopped early (unknown error)',
    ]
    assert texts['title'] == 'Reboot of idle machines: 2 rebooted, 0 skipped, 1 failed'
    assert texts['description'] == 'Catalogs: Pool, Dedicated. Rebooted: D\\A ... and 1 more. Failed: D\\C.'
    assert texts['severity'] == 'Warning'
    assert texts['failure'] == 'reboot_idle_machines: 1 machine(s) failed; see reboot_idle_machines_summary: D\\C'


def test_a_clean_check_mode_report():
    summary = reboot_summary({'candidates': [machine('A')], 'skipped': []}, reboots=[result('A', 'done', predicted=True)],
                             catalogs=['Pool'], machine_count=1)
    texts = reboot_report(summary)
    assert texts['lines'][:2] == ['CHECK MODE, nothing was changed. Catalogs Pool: 1 machines, 1 idle candidates.',
                                  'Would reboot (1): D\\A']
    assert texts['title'] == 'Reboot of idle machines (check mode): 1 to reboot, 0 skipped, 0 failed'
    assert texts['severity'] == 'Information'
    assert texts['failure'] is None


def test_the_filters_refuse_other_input():
    with pytest.raises(AnsibleFilterError, match='reboot_summary: the input must be the selection'):
        reboot_summary([])
    with pytest.raises(AnsibleFilterError, match='reboot_report: the input must be a summary'):
        reboot_report('text')
