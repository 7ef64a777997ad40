# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the reboot selection: one pass, fed one machine at a time, whose memory does not grow with skips."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import random

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import reboot_order_key
from ansible_collections.citrix_cloud.daas.plugins.module_utils._rolling import RollingReboot
from ansible_collections.citrix_cloud.daas.plugins.module_utils._selection import RULES, RebootSelection, reason_key
from ansible_collections.citrix_cloud.daas.plugins.plugin_utils._reboot import build_summary, report

NOW = '2026-11-23T12:00:00Z'


def machine(number, **overrides):
    base = {'Id': 'id-%05d' % number, 'Name': 'D\\M%05d' % number, 'SessionCount': 0, 'PowerState': 'On',
            'RegistrationState': 'Registered', 'SupportedPowerActions': ['Restart'], 'PowerActionPending': False,
            'InMaintenanceMode': False, 'MaintenanceModeReason': 'None', 'Tags': [],
            'FormattedLastDeregistrationTime': '2026-11-21T12:00:00Z', 'DnsName': 'm%05d.example' % number}
    base.update(overrides)
    return base


def select(machines, **rules):
    selection = RebootSelection(dict(rules, now=NOW))
    for entry in machines:
        selection.add(entry)
    return selection.result()


def test_skipped_machines_are_counted_per_reason_and_listed_at_most_list_limit_per_reason():
    machines = [machine(n, SessionCount=1 + n % 3) for n in range(1000)]
    machines += [machine(n, PowerState='Off') for n in range(1000, 1010)]
    result = select(machines, list_limit=2)
    assert result['machines'] == 1010
    assert result['skipped_count'] == 1010
    assert result['reasons'] == {'has N session(s)': 1000, 'power state is Off, not On': 10}
    assert [entry['reason'] for entry in result['skipped']] == [
        'has 1 session(s)', 'has 2 session(s)', 'power state is Off, not On', 'power state is Off, not On']


def test_candidates_keep_only_id_and_name():
    result = select([machine(1)])
    assert result['candidates'] == [{'Id': 'id-00001', 'Name': 'D\\M00001'}]


@pytest.mark.parametrize('reason, key', [
    ('has 12 session(s)', 'has N session(s)'),
    ('rebooted 1.5 h ago (less than 12 h)', 'rebooted N h ago (less than N h)'),
    ("excluded by 'FIN-009'", "excluded by 'FIN-009'"),
    ('last rebooted at 2026-11-23T13:00:00Z, which is after now (2026-11-23T12:00:00Z)',
     'last rebooted at T, which is after now (T)'),
    ('in maintenance mode (reason: Patching)', 'in maintenance mode (reason: Patching)'),
])
def test_reasons_are_counted_without_the_machines_own_numbers_and_times(reason, key):
    assert reason_key(reason) == key


def test_max_machines_keeps_the_same_candidates_as_a_sort_of_all_of_them():
    rng = random.Random(7)
    machines = [machine(n, FormattedLastDeregistrationTime='2026-11-%02dT%02d:00:00Z' % (rng.randint(1, 20), rng.randint(0, 23)))
                for n in range(200)]
    result = select(machines, max_machines=15, list_limit=1000)
    expected = sorted(machines, key=reboot_order_key)
    assert [entry['Id'] for entry in result['candidates']] == [m['Id'] for m in expected[:15]]
    over = [entry for entry in result['skipped'] if entry['reason'] == 'over the limit of 15 machine(s) per run']
    assert sorted(entry['Id'] for entry in over) == sorted(m['Id'] for m in expected[15:])


def test_a_machine_given_twice_counts_once_and_fences_are_found():
    fenced = machine(2, InMaintenanceMode=True, Tags=['Fence'])
    result = select([machine(1), machine(1), fenced], fence_tag='fence')
    assert result['machines'] == 2
    assert [entry['Id'] for entry in result['candidates']] == ['id-00001', 'id-00002']
    assert result['fences'] == [{'Id': 'id-00002', 'Name': 'D\\M00002'}]


@pytest.mark.parametrize('rules, message', [
    ({'bogus': True}, 'unknown rule bogus: the rules are drain, exclude, fence_tag, fenced, list_limit, max_machines, '
                      'min_hours_since_reboot, now, required_tags'),
    ({'drain': 'maybe'}, "drain must be a boolean, got 'maybe'"),
    ({'list_limit': -1}, 'list_limit must not be negative, got -1'),
    ({'exclude': {'a': 1}}, 'exclude must be a list of strings or comma-separated text, got dict'),
    ({'min_hours_since_reboot': True}, 'min_hours_since_reboot must be a number, got a boolean'),
    ('all', 'the rules must be a dictionary, got str'),
])
def test_a_bad_rule_is_one_line_naming_it(rules, message):
    with pytest.raises(ValueError) as raised:
        RebootSelection(rules)
    assert str(raised.value) == message


def test_each_rule_has_a_parser():
    assert sorted(RULES) == ['drain', 'exclude', 'fence_tag', 'fenced', 'list_limit', 'max_machines',
                             'min_hours_since_reboot', 'now', 'required_tags']


def test_in_drain_mode_machines_with_sessions_are_candidates():
    busy = machine(1, SessionCount=2)
    assert select([busy])['candidates'] == []
    assert [entry['Id'] for entry in select([busy], drain='true')['candidates']] == ['id-00001']


def test_the_summary_of_a_large_run_is_bounded_and_counts_every_machine():
    selection = select([machine(n) for n in range(300)] + [machine(n, SessionCount=1) for n in range(300, 1000)],
                       list_limit=5, fence_tag='fence')
    results = [{'name': 'D\\M%05d' % n, 'id': 'id-%05d' % n, 'status': 'done', 'reason': None, 'job_id': 'j',
                'power_state_after': 'On', 'fenced': True, 'lifted': True} for n in range(5)]
    summary = build_summary(selection, reboots=results, reboot_counts={'total': 300, 'done': 298, 'skipped': 1,
                                                                       'failed': 1},
                            catalogs=['Pool'], list_limit=5)
    assert summary['counts'] == dict(machines=1000, candidates=300, rebooted=298, would_reboot=0, skipped=701,
                                     failed=1, stale_fences_lifted=0)
    assert len(summary['rebooted']) == 5 and len(summary['skipped']) == 5
    assert summary['skipped_reasons'] == {'has N session(s)': 700}
    lines = report(summary, 5)['lines']
    assert lines[1] == 'Rebooted (298): D\\M00000, D\\M00001, D\\M00002, D\\M00003, D\\M00004 ... and 293 more'
    assert lines[2] == 'Skipped (701):' and lines[8] == '  ... and 696 more'


def test_check_mode_predicts_from_the_choice_and_says_would_reboot():
    selection = select([machine(n) for n in range(3)], fence_tag='fence')
    summary = build_summary(selection, check_mode=True, catalogs=['Pool'], list_limit=2)
    assert summary['rebooted'] == [] and summary['counts']['rebooted'] == 0
    assert [entry['name'] for entry in summary['would_reboot']] == ['D\\M00000', 'D\\M00001']
    assert summary['counts']['would_reboot'] == 3 and summary['failed'] == []
    texts = report(summary, 2)
    assert texts['lines'][1] == 'Would reboot (3): D\\M00000, D\\M00001 ... and 1 more'
    assert texts['title'] == 'Reboot of idle machines (check mode): 3 to reboot, 0 skipped, 0 failed'


def test_rolling_results_are_bounded_per_status_and_keep_every_fence_found():
    pipeline = RollingReboot(None, ['m%d' % n for n in range(10)], 'fence', 5, 60, False)
    for number, entry in enumerate(pipeline.entries):
        entry.result.update(id='id-%d' % number, status='done' if number < 6 else 'failed', fenced=True, lifted=True)
    pipeline.entries[5].adopted = True
    assert [result['id'] for result in pipeline.bounded_results(2)] == ['id-0', 'id-1', 'id-5', 'id-6', 'id-7']
    assert len(pipeline.bounded_results(None)) == 10
