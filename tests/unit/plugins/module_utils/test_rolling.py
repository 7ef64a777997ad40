# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the rolling reboot pipeline, against a scripted site on a fake clock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import BatchOutcome
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.module_utils._rolling import RollingReboot

FENCE = 'reboot-fence'
REBOOT_SECONDS = 6.0


class Site(object):
    """Machines whose reboots take REBOOT_SECONDS on a clock that moves only when the pipeline sleeps."""

    def __init__(self, count=6, **overrides):
        self.now = 0.0
        self.machines = {}
        for number in range(count):
            machine_id = 'id-%d' % number
            machine = {'Id': machine_id, 'Name': 'D\\M%d' % number, 'PowerState': 'On', 'RegistrationState': 'Registered',
                       'SessionCount': 0, 'InMaintenanceMode': False, 'MaintenanceModeReason': 'None', 'Tags': [],
                       'PowerActionPending': False, 'SupportedPowerActions': ['Reset', 'Restart'],
                       'FormattedLastDeregistrationTime': '2026-11-01T00:00:00Z'}
            machine.update(overrides.get(machine_id, {}))
            self.machines[machine_id] = machine
        self.reboots = {}
        self.failing_jobs = set()
        self.warnings = []
        self.requests = []
        self.most_out_of_service = 0
        self.on_fence = None
        self.failing_writes = {}

    # The clock

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        for machine_id, started in list(self.reboots.items()):
            machine = self.machines[machine_id]
            if machine_id in self.failing_jobs:
                machine['PowerActionPending'] = False
            elif self.now - started >= REBOOT_SECONDS:
                machine.update(PowerState='On', RegistrationState='Registered', PowerActionPending=False,
                               FormattedLastDeregistrationTime='2026-11-28T08:00:00Z')
                del self.reboots[machine_id]
            elif self.now - started >= 1:
                machine.update(PowerState='Off', RegistrationState='Unregistered')

    # The client's surface

    @staticmethod
    def quote_name(name):
        return str(name).replace('\\', '|')

    def ensure_tag(self, name, description=None):
        self.requests.append('ensure_tag')

    def _machine(self, key):
        key = key.lower()
        for machine in self.machines.values():
            if key in (machine['Id'].lower(), machine['Name'].replace('\\', '|').lower()):
                return machine
        return None

    def batch(self, requests):
        if requests:
            self.requests.append('batch')
        outcomes = [self._one(request) for request in requests]
        self.most_out_of_service = max(self.most_out_of_service,
                                       sum(1 for m in self.machines.values() if m['InMaintenanceMode']))
        return outcomes

    def _one(self, request):
        match = re.match(r'^/Machines/([^/?]+)(/Tags/[^/?]+|/\$reboot)?', request.path)
        machine = self._machine(match.group(1))
        if machine is None:
            return BatchOutcome(404, None, None, DaaSError('Not found', status=404))
        what = (request.method, match.group(2) or '')
        failing = self.failing_writes.get((machine['Id'],) + what, 0)
        if failing:
            self.failing_writes[(machine['Id'],) + what] = failing - 1
            return BatchOutcome(503, None, None, DaaSError('Service unavailable', status=503, transient=True))
        if what == ('GET', ''):
            return BatchOutcome(200, dict(machine), None, None)
        if what[0] == 'POST' and what[1].startswith('/Tags/'):
            machine['Tags'] = machine['Tags'] + [FENCE]
            if self.on_fence:
                self.on_fence(machine)
            return BatchOutcome(204, None, None, None)
        if what == ('PATCH', ''):
            machine['InMaintenanceMode'] = request.body['InMaintenanceMode']
            return BatchOutcome(200, None, None, None)
        if what[0] == 'DELETE':
            machine['Tags'] = [tag for tag in machine['Tags'] if tag != FENCE]
            return BatchOutcome(204, None, None, None)
        if what == ('POST', '/$reboot'):
            assert machine['SessionCount'] == 0 and (FENCE not in machine['Tags'] or machine['InMaintenanceMode'])
            self.reboots[machine['Id']] = self.now
            machine['PowerActionPending'] = True
            return BatchOutcome(202, None, 'https://api.test/cvad/manage/Jobs/job-' + machine['Id'], None)
        raise AssertionError('unexpected request %r' % (request,))

    def search_machines(self, filters, fields=None):
        self.requests.append('search')
        assert filters == [{'Property': 'Tags', 'Operator': 'Contains', 'Value': FENCE}]
        return [dict(m) for m in self.machines.values() if FENCE in m['Tags']]

    def poll_job(self, job):
        self.requests.append('job')
        machine_id = job[len('job-'):]
        if machine_id in self.failing_jobs:
            return {'Id': job, 'Status': 'Failed', 'ErrorString': 'The hypervisor did not reboot it'}, None
        return {'Id': job, 'Status': 'InProgress'}, None

    def iter_items(self, path, params=None):
        self.requests.append('GET ' + path)
        return iter([dict(m) for m in self.machines.values()])


def run(site, names=None, max_unavailable=2, check_mode=False, wait_timeout=60, fence_tag=FENCE):
    pipeline = RollingReboot(site, names or sorted(site.machines), fence_tag, max_unavailable, wait_timeout,
                             check_mode, sleep=site.sleep, clock=site.clock)
    results = pipeline.run()
    return pipeline, dict((r['id'] or r['name'], r) for r in results)


def test_every_idle_machine_is_rebooted_and_released_a_few_at_a_time():
    site = Site(6)
    pipeline, results = run(site, max_unavailable=2)
    assert pipeline.stopped_by is None
    assert set(r['status'] for r in results.values()) == {'done'}
    assert all(r['fenced'] and r['lifted'] and r['job_id'] == 'job-' + r['id'] for r in results.values())
    assert site.most_out_of_service == 2
    assert not any(m['InMaintenanceMode'] or m['Tags'] for m in site.machines.values())
    # Requests grow with the waves (3 of 2 machines), not with the machines.
    assert site.requests.count('batch') == 3 * 4
    assert site.requests.count('ensure_tag') == 1
    # Once the first wave told how long a reboot takes, a later wave is read about when it is due back:
    # the re-check behind the fence, one read right after the reboots, one when they are due.
    assert site.requests.count('search') < 3 * 6
    assert site.requests[-3:] == ['batch', 'search', 'batch']


def test_requests_do_not_grow_with_the_number_of_machines():
    small, large = Site(10), Site(100)
    run(small, max_unavailable=10)
    run(large, max_unavailable=100)
    assert len(large.requests) == len(small.requests)


def test_a_user_who_logs_on_before_the_fence_closes_keeps_the_session():
    site = Site(3)

    def log_on(machine):
        if machine['Id'] == 'id-1':
            machine['SessionCount'] = 1
    site.on_fence = log_on
    _pipeline, results = run(site, max_unavailable=3)
    assert results['id-1']['status'] == 'skipped'
    assert results['id-1']['reason'] == 'changed after it was chosen: has 1 session(s)'
    assert results['id-1']['job_id'] is None and results['id-1']['lifted'] is True
    assert 'id-1' not in site.reboots and site.machines['id-1']['InMaintenanceMode'] is False
    assert [results['id-0']['status'], results['id-2']['status']] == ['done', 'done']


def test_an_administrators_maintenance_is_left_alone():
    site = Site(2, **{'id-0': {'InMaintenanceMode': True, 'MaintenanceModeReason': 'Administrator'}})
    _pipeline, results = run(site)
    assert results['id-0']['status'] == 'skipped'
    assert results['id-0']['reason'] == 'changed after it was chosen: in maintenance mode (reason: Administrator)'
    assert results['id-0']['fenced'] is False and results['id-0']['lifted'] is None
    assert site.machines['id-0']['InMaintenanceMode'] is True and site.machines['id-0']['Tags'] == []


def test_an_earlier_runs_fence_is_carried_on_and_lifted():
    site = Site(1, **{'id-0': {'InMaintenanceMode': True, 'Tags': [FENCE]}})
    _pipeline, results = run(site)
    assert results['id-0']['status'] == 'done'
    assert site.machines['id-0']['InMaintenanceMode'] is False and site.machines['id-0']['Tags'] == []


def test_a_failed_reboot_job_fails_the_machine_and_lifts_its_fence():
    site = Site(2)
    site.failing_jobs.add('id-1')
    _pipeline, results = run(site)
    assert results['id-1']['status'] == 'failed'
    assert results['id-1']['reason'] == ('the reboot job job-id-1 ended with status Failed: '
                                         'The hypervisor did not reboot it')
    assert results['id-1']['lifted'] is True and site.machines['id-1']['InMaintenanceMode'] is False
    assert results['id-0']['status'] == 'done'


def test_a_machine_that_does_not_come_back_times_out_and_is_lifted():
    site = Site(1)
    site.failing_jobs.add('id-0')
    site.poll_job = lambda job: ({'Id': job, 'Status': 'InProgress'}, None)
    _pipeline, results = run(site, wait_timeout=30)
    assert results['id-0']['status'] == 'failed'
    assert results['id-0']['reason'].startswith('did not come back On and Registered within 30 s of its reboot')
    assert site.machines['id-0']['InMaintenanceMode'] is False


def test_a_failed_tag_removal_is_tried_again_in_the_same_run():
    site = Site(1)
    site.failing_writes[('id-0', 'DELETE', '/Tags/reboot-fence')] = 1
    _pipeline, results = run(site)
    assert results['id-0']['status'] == 'done' and results['id-0']['lifted'] is True
    assert site.machines['id-0']['Tags'] == []


def test_a_fence_that_cannot_be_lifted_is_reported_for_the_next_run():
    site = Site(1)
    site.failing_writes[('id-0', 'DELETE', '/Tags/reboot-fence')] = 10
    _pipeline, results = run(site)
    assert results['id-0']['status'] == 'failed' and results['id-0']['lifted'] is False
    assert 'the drain fence could not be lifted (the next run lifts it)' in results['id-0']['reason']
    assert site.machines['id-0']['Tags'] == [FENCE] and site.machines['id-0']['InMaintenanceMode'] is False


def test_a_half_set_fence_is_lifted_and_the_machine_not_rebooted():
    site = Site(1)
    site.failing_writes[('id-0', 'PATCH', '')] = 1
    _pipeline, results = run(site)
    assert results['id-0']['status'] == 'failed'
    assert results['id-0']['reason'].startswith('not rebooted: the drain fence (fence tag, maintenance mode) could not be set')
    assert site.machines['id-0']['Tags'] == [] and not site.reboots


def test_an_unknown_machine_fails_and_a_machine_named_twice_is_handled_once():
    site = Site(1)
    pipeline = RollingReboot(site, ['D\\M0', 'ID-0', 'D\\NOPE'], FENCE, 2, 60, False, sleep=site.sleep, clock=site.clock)
    results = pipeline.run()
    assert [r['status'] for r in results] == ['done', 'skipped', 'failed']
    assert results[1]['reason'] == 'the same machine as D\\M0, handled once'
    assert results[2]['reason'].startswith("machine 'D\\NOPE' was not found: HTTP 404")
    # Two reads (the third entry waits for a free place), one fence, one reboot, one lift.
    assert site.requests.count('batch') == 5


def test_an_error_that_stops_the_run_still_lifts_the_fences():
    site = Site(4)

    def broken(filters, fields=None):
        raise DaaSError('Access denied', status=403)
    site.search_machines = broken
    pipeline, results = run(site, max_unavailable=2)
    assert pipeline.stopped_by.status == 403
    assert [r['status'] for r in results.values()] == ['failed'] * 4
    assert results['id-3']['reason'] == 'not rebooted: the run stopped early (Access denied: HTTP 403)'
    assert not any(m['InMaintenanceMode'] or m['Tags'] for m in site.machines.values())


def test_check_mode_reads_with_get_and_sends_nothing():
    site = Site(3, **{'id-2': {'SessionCount': 2}})
    _pipeline, results = run(site, check_mode=True)
    assert site.requests == ['GET /Machines']
    assert [results['id-0']['status'], results['id-2']['status']] == ['done', 'skipped']
    assert all(r['predicted'] for r in results.values())


@pytest.mark.parametrize('fence_tag', [None])
def test_without_a_fence_machines_are_read_in_batch_and_rebooted(fence_tag):
    site = Site(2)
    _pipeline, results = run(site, fence_tag=fence_tag)
    assert [r['status'] for r in results.values()] == ['done', 'done']
    assert 'search' not in site.requests and 'ensure_tag' not in site.requests
    assert all(r['fenced'] is False and r['lifted'] is None for r in results.values())
