# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the machine_power module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

import pytest
from ansible.module_utils import basic

from ansible_collections.citrix_cloud.daas.plugins.module_utils import _base, _jobs
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.module_utils._jobs import AsyncJob
from ansible_collections.citrix_cloud.daas.plugins.module_utils._jobs import JobFailed, JobTimeout
from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import TARGET_STATES
from ansible_collections.citrix_cloud.daas.plugins.modules import machine_power
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

ARGS = dict(customer_id='democustomer', client_id='0b5f8a1c', client_secret='unit-secret')
ALL_ACTIONS = ['PowerOn', 'PowerOff', 'Shutdown', 'Restart', 'Reset', 'SuspendResume']
JOB_DONE = {'job': {'Id': 'job-1', 'Status': 'Complete'}, 'history': [], 'warnings': []}


def machine(name, power_state='On', **fields):
    """A machine body as the API returns it."""
    body = {'Id': 'id-' + name.split('\\')[-1], 'Name': name, 'PowerState': power_state, 'RegistrationState': 'Registered',
            'PowerActionPending': False, 'SupportedPowerActions': list(ALL_ACTIONS), 'SessionCount': 0,
            'FormattedLastDeregistrationTime': '2026-11-20T06:14:09Z'}
    body.update(fields)
    return body


class Estate(object):
    """get_machine answering from a list of reads per machine (the last read repeats), by name or Id."""

    def __init__(self, *reads):
        self.reads = {}
        for body in reads:
            self.reads.setdefault(body['Name'], []).append(body)

    def get_machine(self, name_or_id, deadline=None):
        for name, bodies in self.reads.items():
            if name_or_id in (name, bodies[0]['Id']):
                return bodies.pop(0) if len(bodies) > 1 else bodies[0]
        raise DaaSError("machine '%s' was not found" % name_or_id, status=404)


@pytest.fixture(name='client')
def fixture_client():
    with mock.patch('ansible_collections.citrix_cloud.daas.plugins.module_utils._connection.DaaSClient') as client_class:
        client = client_class.return_value
        client.power_action.side_effect = lambda machine_id, action, force=None: AsyncJob('job-' + machine_id, 'url')
        yield client


@pytest.fixture(name='waiter')
def fixture_waiter():
    with mock.patch.object(machine_power, 'wait_for_citrix_job', return_value=JOB_DONE) as waiter:
        yield waiter


def run(client, estate, check_mode=False, **args):
    client.get_machine.side_effect = estate.get_machine
    return run_module(machine_power.main, dict(ARGS, **args), check_mode=check_mode)


@pytest.mark.parametrize('state, power_state, action', [
    ('started', 'Off', 'start'),
    ('started', 'Suspended', 'resume'),
    ('stopped', 'On', 'shutdown'),
    ('suspended', 'On', 'suspend'),
    ('restarted', 'On', 'reboot'),
])
def test_acts_as_the_decision_table_says(client, waiter, state, power_state, action):
    target = TARGET_STATES[action]
    estate = Estate(machine('D\\A', power_state), machine('D\\A', target, FormattedLastDeregistrationTime='2026-11-23T17:00:00Z'))
    result = run(client, estate, machines=['D\\A'], state=state)
    assert result['failed'] is False and result['changed'] is True
    client.power_action.assert_called_once_with('id-A', action, force=None)
    entry = result['results'][0]
    assert entry == dict(name='D\\A', id='id-A', action=action, status='done', reason=None, job_id='job-id-A',
                         power_state_before=power_state, power_state_after=target, predicted=False)
    assert result['summary'] == dict(total=1, done=1, skipped=0, failed=0, pending=0)


@pytest.mark.parametrize('state, power_state', [
    ('started', 'On'), ('started', 'TurningOn'), ('started', 'Resuming'),
    ('stopped', 'Off'), ('stopped', 'TurningOff'),
    ('suspended', 'Suspended'), ('suspended', 'Suspending'),
])
def test_leaves_a_machine_already_there_alone(client, state, power_state):
    result = run(client, Estate(machine('D\\A', power_state)), machines=['D\\A'], state=state)
    assert result['changed'] is False
    assert result['results'][0]['status'] == 'skipped'
    assert result['results'][0]['action'] is None
    assert result['results'][0]['reason'] == 'already %s' % power_state
    client.power_action.assert_not_called()


def test_restarted_leaves_an_off_machine_off(client):
    result = run(client, Estate(machine('D\\A', 'Off')), machines=['D\\A'], state='restarted')
    assert result['changed'] is False
    assert result['results'][0]['status'] == 'skipped'
    assert 'restarted leaves a machine that is off alone' in result['results'][0]['reason']
    client.power_action.assert_not_called()


@pytest.mark.parametrize('state, supported, reason', [
    ('restarted', ['PowerOn', 'PowerOff', 'Shutdown'], 'SupportedPowerActions lacks Restart and Reset'),
    ('stopped', ['PowerOn', 'Restart'], 'SupportedPowerActions lacks Shutdown and PowerOff'),
    ('suspended', ['PowerOn', 'Shutdown', 'Restart'], 'SupportedPowerActions lacks SuspendResume'),
])
def test_skips_an_unsupported_action(client, state, supported, reason):
    result = run(client, Estate(machine('D\\A', SupportedPowerActions=supported)), machines=['D\\A'], state=state)
    assert result['results'][0]['status'] == 'skipped'
    assert reason in result['results'][0]['reason']
    client.power_action.assert_not_called()


def test_any_of_the_supported_actions_is_enough(client, waiter):
    estate = Estate(machine('D\\A', SupportedPowerActions=['Reset']),
                    machine('D\\A', FormattedLastDeregistrationTime='2026-11-23T17:00:00Z', SupportedPowerActions=['Reset']))
    assert run(client, estate, machines=['D\\A'], state='restarted')['results'][0]['status'] == 'done'


def test_skips_a_machine_with_a_pending_power_action(client):
    result = run(client, Estate(machine('D\\A', PowerActionPending=True)), machines=['D\\A'], state='restarted')
    assert result['results'][0]['status'] == 'skipped'
    assert result['results'][0]['reason'] == 'a power action is already pending'


def test_skips_another_power_state(client):
    result = run(client, Estate(machine('D\\A', 'Unknown')), machines=['D\\A'], state='stopped')
    assert result['results'][0]['status'] == 'skipped'
    assert result['results'][0]['reason'] == 'power state Unknown does not allow shutdown'


def test_only_if_idle_skips_a_machine_with_sessions_without_a_second_read(client):
    estate = Estate(machine('D\\A', SessionCount=2))
    result = run(client, estate, machines=['D\\A'], state='restarted', only_if_idle=True)
    assert result['results'][0]['status'] == 'skipped'
    assert result['results'][0]['reason'] == '2 sessions on the machine (only_if_idle)'
    assert client.get_machine.call_count == 1


def test_only_if_idle_rereads_and_skips_a_machine_a_user_logged_on_to(client):
    estate = Estate(machine('D\\A'), machine('D\\A', SessionCount=1))
    result = run(client, estate, machines=['D\\A'], state='restarted', only_if_idle=True)
    assert result['results'][0]['status'] == 'skipped'
    assert result['results'][0]['reason'] == '1 session on the machine (only_if_idle)'
    assert client.get_machine.call_args_list == [mock.call('D\\A'), mock.call('id-A')]
    client.power_action.assert_not_called()


def test_only_if_idle_acts_on_a_machine_still_idle(client, waiter):
    estate = Estate(machine('D\\A'), machine('D\\A'), machine('D\\A', FormattedLastDeregistrationTime='2026-11-23T17:00:00Z'))
    result = run(client, estate, machines=['D\\A'], state='restarted', only_if_idle=True)
    assert result['results'][0]['status'] == 'done'
    client.power_action.assert_called_once()


def test_sessions_do_not_matter_without_only_if_idle(client, waiter):
    estate = Estate(machine('D\\A', SessionCount=3), machine('D\\A', FormattedLastDeregistrationTime='2026-11-23T17:00:00Z'))
    assert run(client, estate, machines=['D\\A'], state='restarted')['results'][0]['status'] == 'done'


@pytest.mark.parametrize('force', [True, False])
def test_force_is_passed_when_set(client, waiter, force):
    estate = Estate(machine('D\\A'), machine('D\\A', 'Off'))
    run(client, estate, machines=['D\\A'], state='stopped', force=force)
    client.power_action.assert_called_once_with('id-A', 'shutdown', force=force)


def test_force_is_not_passed_to_start_and_warns(client, waiter):
    with mock.patch.object(basic.AnsibleModule, 'warn') as warn:
        run(client, Estate(machine('D\\A', 'Off'), machine('D\\A', 'On')), machines=['D\\A'], state='started', force=True)
    client.power_action.assert_called_once_with('id-A', 'start', force=None)
    warn.assert_called_once_with('force applies only to state stopped and restarted; it is ignored for state started')


def test_check_mode_reads_and_predicts_without_acting(client):
    estate = Estate(machine('D\\A'), machine('D\\B', 'Off'))
    result = run(client, estate, check_mode=True, machines=['D\\A', 'D\\B'], state='restarted', _ansible_diff=True)
    assert result['failed'] is False and result['changed'] is True
    client.power_action.assert_not_called()
    assert [r['predicted'] for r in result['results']] == [True, True]
    assert [r['status'] for r in result['results']] == ['done', 'skipped']
    assert result['diff'] == dict(before={'D\\A': {'PowerState': 'On'}}, after={'D\\A': {'PowerState': 'On', 'PowerAction': 'reboot'}})


def test_check_mode_makes_the_only_if_idle_reread_too(client):
    estate = Estate(machine('D\\A', 'Off'), machine('D\\A', 'Off', SessionCount=1))
    result = run(client, estate, check_mode=True, machines=['D\\A'], state='started', only_if_idle=True)
    assert result['results'][0]['status'] == 'skipped'
    assert client.get_machine.call_count == 2
    client.power_action.assert_not_called()


def test_diff_shows_power_states_before_and_after(client, waiter):
    estate = Estate(machine('D\\A'), machine('D\\A', 'Off'))
    result = run(client, estate, machines=['D\\A'], state='stopped', _ansible_diff=True)
    assert result['diff'] == dict(before={'D\\A': {'PowerState': 'On'}}, after={'D\\A': {'PowerState': 'Off', 'PowerAction': 'shutdown'}})


def test_wait_false_returns_the_job_ids(client, waiter):
    result = run(client, Estate(machine('D\\A')), machines=['D\\A'], state='restarted', wait=False)
    assert result['changed'] is True
    assert result['results'][0]['status'] == 'pending'
    assert result['results'][0]['job_id'] == 'job-id-A'
    assert result['summary']['pending'] == 1
    waiter.assert_not_called()


def test_restart_waits_until_the_machine_registered_again(client, waiter):
    estate = Estate(machine('D\\A'), machine('D\\A', RegistrationState='Unregistered'),
                    machine('D\\A', FormattedLastDeregistrationTime='2026-11-23T17:00:00Z'))
    with mock.patch.object(_jobs.time, 'sleep') as sleep:
        result = run(client, estate, machines=['D\\A'], state='restarted')
    assert result['results'][0]['status'] == 'done'
    assert client.get_machine.call_count == 3
    sleep.assert_called_once()


def test_restart_not_judged_done_before_the_machine_deregistered(client, waiter):
    clock = [100.0]
    with mock.patch.object(_jobs.time, 'monotonic', lambda: clock[0]), \
            mock.patch.object(_jobs.time, 'sleep', lambda seconds: clock.__setitem__(0, clock[0] + seconds)):
        result = run(client, Estate(machine('D\\A'), machine('D\\A')), machines=['D\\A'], state='restarted',
                     wait_timeout=5)
    assert result['failed'] is True
    assert result['results'][0]['status'] == 'failed'
    assert 'did not reach On and register again within 5 s' in result['results'][0]['reason']


def test_wait_timeout_0_starts_the_action_without_waiting(client, waiter):
    result = run(client, Estate(machine('D\\A')), machines=['D\\A'], state='restarted', wait_timeout=0)
    assert result['failed'] is False and result['changed'] is True
    assert result['results'][0]['status'] == 'pending' and result['results'][0]['job_id'] == 'job-id-A'
    client.power_action.assert_called_once_with('id-A', 'reboot', force=None)
    waiter.assert_not_called()


def test_failure_after_finishing_the_others(client, waiter):
    def wait(client_, job, job_waiter):
        if job.id == 'job-id-B':
            raise JobFailed('Job job-id-B ended with status Failed: reboot failed', job_id='job-id-B')
        return JOB_DONE

    waiter.side_effect = wait
    estate = Estate(machine('D\\A'), machine('D\\A', FormattedLastDeregistrationTime='2026-11-23T17:00:00Z'),
                    machine('D\\B'), machine('D\\C', 'Off'))
    result = run(client, estate, machines=['D\\A', 'D\\B', 'D\\C', 'D\\MISSING'], state='restarted')
    assert result['failed'] is True
    assert result['msg'].startswith('power action failed for 2 of 4 machines: D\\B: Job job-id-B ended with status Failed')
    assert "D\\MISSING: machine 'D\\MISSING' was not found" in result['msg']
    assert [r['status'] for r in result['results']] == ['done', 'failed', 'skipped', 'failed']
    assert result['summary'] == dict(total=4, done=1, skipped=1, failed=2, pending=0)
    assert result['changed'] is True


def test_job_timeout_fails_the_machine(client, waiter):
    waiter.side_effect = JobTimeout('Job job-id-A did not end within 5 s', job_id='job-id-A')
    result = run(client, Estate(machine('D\\A')), machines=['D\\A'], state='restarted', wait_timeout=5)
    assert result['failed'] is True
    assert result['results'][0]['reason'].startswith('Job job-id-A did not end within 5 s')
    assert result['results'][0]['power_state_after'] is None


def test_an_api_error_on_the_action_fails_that_machine(client):
    client.power_action.side_effect = DaaSError('Conflict', status=409, api_message='Machine does not support specified power action.')
    result = run(client, Estate(machine('D\\A')), machines=['D\\A'], state='restarted')
    assert result['failed'] is True
    assert 'Machine does not support specified power action.' in result['results'][0]['reason']


def test_job_warning_is_reported_as_the_reason(client, waiter):
    waiter.return_value = dict(JOB_DONE, warnings=['Job job-1 completed with a warning: slow hypervisor'])
    estate = Estate(machine('D\\A', 'Off'), machine('D\\A', 'On'))
    result = run(client, estate, machines=['D\\A'], state='started')
    assert result['results'][0]['status'] == 'done'
    assert result['results'][0]['reason'] == 'Job job-1 completed with a warning: slow hypervisor'


def test_duplicates_are_handled_once_and_concurrency_is_passed(client, waiter):
    estate = Estate(machine('D\\A', 'Off'), machine('D\\A', 'On'))
    with mock.patch.object(_base, 'run_concurrently', wraps=_base.run_concurrently) as runner:
        result = run(client, estate, machines=['D\\A', 'D\\A'], state='started', concurrency=3)
    assert len(result['results']) == 1
    reads, handling = runner.call_args_list
    assert reads[0][1:] == (['D\\A'], 3) and handling[0][2] == 3


def test_the_job_waiter_gets_the_job_and_the_timeout(client, waiter):
    run(client, Estate(machine('D\\A', 'Off'), machine('D\\A', 'On')), machines=['D\\A'], state='started', wait_timeout=77)
    client_given, job, job_waiter = waiter.call_args[0]
    assert (client_given, job) == (client, AsyncJob('job-id-A', 'url'))
    assert job_waiter.timeout == 77


def test_a_concurrency_below_one_is_refused_before_any_request(client):
    result = run(client, Estate(machine('CORP\\VDI-1')), machines=['CORP\\VDI-1'], state='restarted', concurrency=0)
    assert result['failed']
    assert result['msg'] == 'concurrency must be 1 or more, got 0'
    client.get_machine.assert_not_called()


def test_a_machine_whose_job_failed_is_still_changed_and_in_the_diff(client, waiter):
    waiter.side_effect = JobFailed('Job job-id-A ended with status Failed: reboot failed', job_id='job-id-A')
    result = run(client, Estate(machine('D\\A')), machines=['D\\A'], state='restarted', _ansible_diff=True)
    assert result['failed'] is True
    assert result['changed'] is True
    assert result['results'][0]['job_id'] == 'job-id-A'
    assert result['diff'] == dict(before={'D\\A': {'PowerState': 'On'}}, after={'D\\A': {'PowerState': None, 'PowerAction': 'reboot'}})


def test_a_machine_that_failed_before_acting_is_not_changed(client):
    result = run(client, Estate(), machines=['D\\MISSING'], state='restarted')
    assert result['failed'] is True
    assert result['changed'] is False


def test_one_machine_named_by_name_and_by_id_acts_once(client, waiter):
    estate = Estate(machine('D\\A'), machine('D\\A', FormattedLastDeregistrationTime='2026-11-23T17:00:00Z'))
    result = run(client, estate, machines=['D\\A', 'id-A'], state='restarted', concurrency=1)
    client.power_action.assert_called_once_with('id-A', 'reboot', force=None)
    assert [r['status'] for r in result['results']] == ['done', 'skipped']
    assert result['results'][1]['reason'] == 'the same machine as D\\A, handled once'
    assert result['summary'] == dict(total=2, done=1, skipped=1, failed=0, pending=0)


def test_a_negative_wait_timeout_is_refused_before_any_request(client):
    result = run(client, Estate(machine('D\\A')), machines=['D\\A'], state='restarted', wait_timeout=-1)
    assert result['failed'] is True
    assert result['msg'] == 'wait_timeout must be 0 or more, got -1'
    client.get_machine.assert_not_called()
