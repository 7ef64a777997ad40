# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the machine_power module, against a scripted site (tests of the work itself: test_bulk.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

import pytest
from ansible.module_utils import basic

from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import TARGET_STATES
from ansible_collections.citrix_cloud.daas.plugins.modules import machine_power
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.module_utils.bulk_site import Site, machine
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

ARGS = dict(customer_id='democustomer', client_id='0b5f8a1c', client_secret='unit-secret')


def run(site, check_mode=False, **args):
    """Run the module on the site, its clock moved by the module's sleeps."""
    with mock.patch('ansible_collections.citrix_cloud.daas.plugins.module_utils._base.new_client', return_value=site), \
            mock.patch('time.sleep', site.sleep), mock.patch('time.monotonic', site.clock):
        return run_module(machine_power.main, dict(ARGS, **args), check_mode=check_mode)


@pytest.mark.parametrize('state, power_state, action', [
    ('started', 'Off', 'start'),
    ('started', 'Suspended', 'resume'),
    ('stopped', 'On', 'shutdown'),
    ('suspended', 'On', 'suspend'),
    ('restarted', 'On', 'reboot'),
])
def test_acts_as_the_decision_table_says(state, power_state, action):
    site = Site(machine('D\\A', power_state))
    result = run(site, machines=['D\\A'], state=state)
    assert result['failed'] is False and result['changed'] is True
    assert site.count('POST /Machines/id-A/$%s' % action) == 1
    assert result['results'][0] == dict(name='D\\A', id='id-A', action=action, status='done', reason=None,
                                        job_id='job-id-A', power_state_before=power_state,
                                        power_state_after=TARGET_STATES[action], predicted=False)
    assert result['summary'] == dict(total=1, done=1, skipped=0, failed=0, pending=0)


@pytest.mark.parametrize('state, power_state', [
    ('started', 'On'), ('started', 'TurningOn'), ('stopped', 'Off'), ('suspended', 'Suspending'),
])
def test_leaves_a_machine_already_there_alone(state, power_state):
    site = Site(machine('D\\A', power_state))
    result = run(site, machines=['D\\A'], state=state)
    assert result['changed'] is False
    assert result['results'][0]['status'] == 'skipped' and result['results'][0]['reason'] == 'already %s' % power_state
    assert site.count('POST $') == 0


@pytest.mark.parametrize('force, query', [(True, '&force=true'), (False, '&force=false'), (None, '')])
def test_force_is_sent_only_when_set(force, query):
    site = Site(machine('D\\A'))
    run(site, machines=['D\\A'], state='restarted', force=force)
    assert site.count('POST /Machines/id-A/$reboot?async=true' + query) == 1
    assert all(request[1].endswith('async=true' + query) for request in site.requests if '$reboot' in str(request[1]))


def test_force_is_not_sent_to_start_and_warns():
    site = Site(machine('D\\A', 'Off'))
    with mock.patch.object(basic.AnsibleModule, 'warn') as warn:
        run(site, machines=['D\\A'], state='started', force=True)
    assert site.count('POST /Machines/id-A/$start?async=true') == 1 and site.count('POST force=') == 0
    assert 'force applies only to state stopped and restarted' in warn.call_args[0][0]


def test_check_mode_predicts_and_sends_no_action():
    site = Site(machine('D\\A'), machine('D\\B', 'Off'))
    result = run(site, check_mode=True, machines=['D\\A', 'D\\B'], state='restarted', _ansible_diff=True)
    assert result['changed'] is True
    statuses = [(r['status'], r['predicted'], r['job_id']) for r in result['results']]
    assert statuses == [('done', True, None), ('skipped', True, None)]
    assert result['diff'] == dict(before={'D\\A': {'PowerState': 'On'}},
                                  after={'D\\A': {'PowerState': 'On', 'PowerAction': 'reboot'}})
    assert site.count('POST $') == 0


def test_check_mode_without_wait_predicts_a_pending_action_without_a_job():
    site = Site(machine('D\\A'))
    result = run(site, check_mode=True, machines=['D\\A'], state='stopped', wait=False)
    assert result['results'][0]['status'] == 'pending' and result['results'][0]['job_id'] is None
    assert result['summary']['pending'] == 1 and site.count('POST $') == 0


def test_wait_false_returns_the_job_ids_at_once():
    site = Site(machine('D\\A'), machine('D\\B'))
    result = run(site, machines=['D\\A', 'D\\B'], state='stopped', wait=False)
    assert [(r['status'], r['job_id']) for r in result['results']] == [('pending', 'job-id-A'), ('pending', 'job-id-B')]
    assert site.now == 0


def test_a_failure_fails_the_task_after_the_others_are_done_and_is_still_a_change():
    site = Site(machine('D\\A'), machine('D\\B'))
    site.failing_jobs.add('id-A')
    result = run(site, machines=['D\\A', 'D\\B'], state='restarted', _ansible_diff=True)
    assert result['failed'] is True and result['changed'] is True
    assert result['msg'] == 'power action failed for 1 of 2 machines: D\\A: Job job-id-A ended with status Failed: ' \
                            'it went wrong'
    assert [r['status'] for r in result['results']] == ['failed', 'done']
    assert result['diff']['after']['D\\A'] == {'PowerState': 'On', 'PowerAction': 'reboot'}


def test_a_machine_that_failed_before_acting_is_not_changed():
    site = Site(machine('D\\A'))
    result = run(site, machines=['D\\NOPE'], state='restarted')
    assert result['failed'] is True and result['changed'] is False
    assert "machine 'D\\NOPE' was not found" in result['msg']


def test_concurrency_sets_the_requests_that_replace_a_batch():
    site = Site(machine('D\\A'))
    run(site, machines=['D\\A'], state='restarted', concurrency=3)
    assert site.fallback_concurrency == 3


@pytest.mark.parametrize('args, msg', [
    (dict(wait_timeout=-1), 'wait_timeout must be 0 or more, got -1'),
    (dict(concurrency=0), 'concurrency must be 1 or more, got 0'),
])
def test_bad_numbers_are_refused_before_any_request(args, msg):
    site = Site(machine('D\\A'))
    result = run(site, machines=['D\\A'], state='restarted', **args)
    assert result['failed'] is True and result['msg'] == msg
    assert site.requests == []
