# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the wait_for_job module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

import pytest
from ansible.module_utils import basic

from ansible_collections.citrix_cloud.daas.plugins.modules import wait_for_job
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

ARGS = dict(customer_id='democustomer', client_id='0b5f8a1c', client_secret='unit-secret')
PCE_ARGS = dict(api='illumio_pce', pce_hostname='pce.example.com', pce_port=8443, api_key_username='api_1a2b',
                api_key_secret='pce-unit-secret')
JOB_URL = 'https://api.cloud.com/cvad/manage/Jobs/81c05d9f'


def citrix_job(status, progress=100, **fields):
    body = {'Id': '81c05d9f', 'Type': 'RebootMachines', 'Status': status, 'OverallProgressPercent': progress,
            'ErrorString': None, 'ErrorCode': None, 'ErrorParameters': []}
    body.update(fields)
    return body


@pytest.fixture(name='client_class')
def fixture_client_class():
    with mock.patch('ansible_collections.citrix_cloud.daas.plugins.module_utils._connection.DaaSClient') as client_class:
        yield client_class


@pytest.fixture(name='client')
def fixture_client(client_class):
    return client_class.return_value


@pytest.fixture(name='pce')
def fixture_pce():
    with mock.patch.object(wait_for_job, 'PCEClient') as pce_class:
        pce = pce_class.return_value
        pce.resolve.side_effect = lambda location: location if '://' in location else 'https://pce.example.com:8443/api/v2' + location
        yield pce_class


@pytest.fixture(autouse=True, name='sleep')
def fixture_sleep():
    # Every wait of the module gets a fake sleep.
    sleep = mock.Mock()
    waiter_class = wait_for_job.Waiter
    with mock.patch.object(wait_for_job, 'Waiter', lambda *args: waiter_class(*args, sleep=sleep)):
        yield sleep


def polls(client, *bodies):
    client.poll_job.side_effect = [(body, None) for body in bodies]


def test_complete_job_by_location(client):
    polls(client, citrix_job('InProgress', 40), citrix_job('Complete'))
    result = run_module(wait_for_job.main, dict(ARGS, job=JOB_URL, poll_interval=0.5))
    assert result['failed'] is False and result['changed'] is False
    assert result['status'] == 'Complete'
    assert result['job']['Id'] == '81c05d9f'
    assert [(h['status'], h['progress']) for h in result['history']] == [('InProgress', 40), ('Complete', 100)]
    assert [call.args for call in client.poll_job.call_args_list] == [('81c05d9f',), ('81c05d9f',)]
    # Each poll's own retries are bounded by the time left of the wait (600 s by default).
    assert all(0 < call.kwargs['deadline'] <= 600 for call in client.poll_job.call_args_list)
    assert 'job_results' not in result


def test_fetch_results(client):
    polls(client, citrix_job('Complete'))
    client.job_results.return_value = {'Items': [{'Name': 'DEMOLAB\\EAGLE'}]}
    result = run_module(wait_for_job.main, dict(ARGS, job='81c05d9f', fetch_results=True))
    assert result['job_results'] == {'Items': [{'Name': 'DEMOLAB\\EAGLE'}]}
    client.job_results.assert_called_once_with('81c05d9f')


def test_failed_job_fails_with_its_error(client):
    polls(client, citrix_job('Failed', ErrorString='Reboot failed', ErrorCode='PowerActionIgnored',
                             ErrorParameters=[{'Name': 'Machine', 'Value': 'DEMOLAB\\EAGLE'}]))
    result = run_module(wait_for_job.main, dict(ARGS, job='81c05d9f'))
    assert result['failed'] is True
    assert result['msg'] == ('Job 81c05d9f ended with status Failed: Reboot failed (ErrorCode: PowerActionIgnored; '
                             'ErrorParameters: Machine=DEMOLAB\\EAGLE)')
    assert result['status'] == 'Failed'
    assert result['job']['ErrorCode'] == 'PowerActionIgnored'
    assert result['job_id'] == '81c05d9f'
    assert result['history'][-1]['status'] == 'Failed'


def test_warning_succeeds_and_is_shown(client):
    polls(client, citrix_job('CompleteWithWarning', ErrorString='One machine was skipped'))
    with mock.patch.object(basic.AnsibleModule, 'warn') as warn:
        result = run_module(wait_for_job.main, dict(ARGS, job='81c05d9f'))
    assert result['failed'] is False
    assert result['status'] == 'CompleteWithWarning'
    warn.assert_called_once_with('Job 81c05d9f completed with a warning: One machine was skipped')


def test_warning_fails_with_warnings_as_errors(client):
    polls(client, citrix_job('CompleteWithWarning', ErrorString='One machine was skipped'))
    result = run_module(wait_for_job.main, dict(ARGS, job='81c05d9f', warnings_as_errors=True))
    assert result['failed'] is True
    assert 'warnings_as_errors' in result['msg']


@pytest.mark.parametrize('cancel, check_mode, cancelled', [(False, False, False), (True, False, True), (True, True, False)])
def test_timeout(client, cancel, check_mode, cancelled):
    polls(client, citrix_job('InProgress', 10))
    result = run_module(wait_for_job.main, dict(ARGS, job='81c05d9f', wait_timeout=0, cancel_on_timeout=cancel),
                        check_mode=check_mode)
    assert result['failed'] is True
    assert result['msg'].startswith('Job 81c05d9f did not end within 0 s (last status InProgress, 10%)')
    assert result['status'] == 'InProgress'
    assert client.cancel_job.called is cancelled
    assert ('the job was cancelled' in result['msg']) is cancelled


def test_check_mode_waits_the_same_way(client):
    polls(client, citrix_job('Complete'))
    result = run_module(wait_for_job.main, dict(ARGS, job='81c05d9f'), check_mode=True)
    assert result['failed'] is False and result['status'] == 'Complete'


def test_pce_job_needs_no_citrix_options(client_class, pce, sleep):
    pce.return_value.poll_job.side_effect = [({'href': '/orgs/1/jobs/d177', 'status': 'running', 'result': {}}, 1),
                                             ({'href': '/orgs/1/jobs/d177', 'status': 'DONE',
                                               'result': {'href': '/orgs/1/datafiles/f00d'}}, None)]
    pce.return_value.get.return_value = [{'href': '/orgs/1/labels/1', 'key': 'env', 'value': 'prod'}]
    result = run_module(wait_for_job.main, dict(PCE_ARGS, job='/orgs/1/jobs/d177', fetch_results=True))
    assert result['failed'] is False and result['changed'] is False
    assert result['status'] == 'DONE'
    assert result['job_results'] == [{'href': '/orgs/1/labels/1', 'key': 'env', 'value': 'prod'}]
    client_class.assert_not_called()
    sleep.assert_called_once_with(1)
    args, kwargs = pce.call_args
    assert args == ('https://pce.example.com:8443', 'api_1a2b', 'pce-unit-secret')
    assert kwargs['validate_certs'] is True
    pce.return_value.get.assert_called_once_with('/orgs/1/datafiles/f00d')


def test_failed_pce_job(pce):
    pce.return_value.poll_job.side_effect = [({'href': '/orgs/1/jobs/d177', 'status': 'failed',
                                               'result': {'message': 'exceeded time limit'}}, None)]
    result = run_module(wait_for_job.main, dict(PCE_ARGS, job='https://pce.example.com:8443/api/v2/orgs/1/jobs/d177'))
    assert result['failed'] is True
    assert result['msg'] == 'PCE job https://pce.example.com:8443/api/v2/orgs/1/jobs/d177 failed: exceeded time limit'
    assert result['status'] == 'failed'


def test_pce_options_come_from_the_environment(pce, monkeypatch):
    monkeypatch.setenv('ILLUMIO_PCE_HOST', 'http://127.0.0.1:8080')
    monkeypatch.setenv('ILLUMIO_API_KEY_USERNAME', 'api_env')
    monkeypatch.setenv('ILLUMIO_API_KEY_SECRET', 'env-secret')
    pce.return_value.poll_job.side_effect = [({'status': 'done', 'result': {'href': '/orgs/3/datafiles/1'}}, None)]
    result = run_module(wait_for_job.main, dict(api='illumio_pce', job='/orgs/3/jobs/1'))
    assert result['failed'] is False
    assert pce.call_args[0] == ('http://127.0.0.1:8080', 'api_env', 'env-secret')


def test_pce_needs_host_and_key():
    result = run_module(wait_for_job.main, dict(api='illumio_pce', job='/orgs/1/jobs/1'))
    assert result['failed'] is True
    assert 'pce_hostname' in result['msg'] and 'api_key_secret' in result['msg']


@pytest.mark.parametrize('hostname, url', [
    ('pce.example.com', 'https://pce.example.com:8443'),
    ('https://pce.example.com', 'https://pce.example.com:8443'),
    ('https://pce.example.com:9443/', 'https://pce.example.com:9443'),
    ('http://127.0.0.1:41234', 'http://127.0.0.1:41234'),
    ('pce.example.com:9443', 'https://pce.example.com:9443'),
    (' pce.example.com/ ', 'https://pce.example.com:8443'),
])
def test_pce_base_url(hostname, url):
    assert wait_for_job.pce_base_url(hostname, 8443) == url


def test_fetch_results_does_not_need_the_id_in_the_job_body(client):
    body = citrix_job('Complete')
    del body['Id']
    polls(client, body)
    client.job_results.return_value = {'Items': []}
    result = run_module(wait_for_job.main, dict(ARGS, job=JOB_URL, fetch_results=True))
    assert result['failed'] is False
    client.job_results.assert_called_once_with(JOB_URL)


def test_history_times_are_seconds_since_the_wait_began(client):
    polls(client, citrix_job('InProgress', 40), citrix_job('Complete'))
    result = run_module(wait_for_job.main, dict(ARGS, job='81c05d9f'))
    assert all(isinstance(h['time'], float) for h in result['history'])
    assert result['history'][0]['time'] == 0.0


def test_unexpected_pce_status_is_shown_as_a_warning(pce):
    pce.return_value.poll_job.side_effect = [({'status': 'queued'}, None),
                                             ({'status': 'done', 'result': {'href': '/orgs/1/datafiles/1'}}, None)]
    with mock.patch.object(basic.AnsibleModule, 'warn') as warn:
        result = run_module(wait_for_job.main, dict(PCE_ARGS, job='/orgs/1/jobs/1'))
    assert result['failed'] is False
    warn.assert_called_once()
    assert "unexpected status 'queued'" in warn.call_args[0][0]


@pytest.mark.parametrize('args, msg', [
    (dict(wait_timeout=-1), 'wait_timeout must be 0 or more, got -1'),
    (dict(poll_interval=0), 'poll_interval must be above 0, got 0.0'),
    (dict(max_poll_interval=-5), 'max_poll_interval must be above 0, got -5.0'),
])
def test_impossible_durations_are_refused_before_any_request(client, args, msg):
    result = run_module(wait_for_job.main, dict(ARGS, job='81c05d9f', **args))
    assert result['failed'] is True
    assert result['msg'] == msg
    client.poll_job.assert_not_called()


def test_pce_hostname_with_a_bad_port_fails_in_one_line(pce):
    result = run_module(wait_for_job.main, dict(PCE_ARGS, pce_hostname='pce.example.com:84x3', job='/orgs/1/jobs/1'))
    assert result['failed'] is True
    assert result['msg'].startswith("pce_hostname 'pce.example.com:84x3' has an invalid port")
    pce.assert_not_called()


@pytest.mark.parametrize('job', [None, '', '  '])
def test_check_mode_skips_a_job_that_was_never_started(client, job):
    result = run_module(wait_for_job.main, dict(ARGS, job=job), check_mode=True)
    assert result['failed'] is False and result['changed'] is False and result['skipped'] is True
    assert result['skipped_reason'] == 'No job to wait for: none was started (check mode)'
    assert result['job'] is None and result['status'] is None and result['history'] == []
    client.poll_job.assert_not_called()


def test_an_empty_job_outside_check_mode_fails_in_one_line(client):
    result = run_module(wait_for_job.main, dict(ARGS, job=''))
    assert result['failed'] is True
    assert result['msg'] == ('job is empty: give the job ID (results[].job_id of machine_power, for example) or the job '
                             'URL from the Location header')
    client.poll_job.assert_not_called()
