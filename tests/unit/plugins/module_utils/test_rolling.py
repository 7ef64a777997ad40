# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the rolling reboot pipeline, against a scripted site on a fake clock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import BatchOutcome, DaaSClient
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
        # (machine Id, method, the tag path or the maintenance mode written) of every write, in order.
        self.writes = []
        self.most_out_of_service = 0
        self.on_fence = None
        self.failing_writes = {}
        self.lost_answers = {}
        self.lost_calls_happen = True

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

    # The client's surface: its request builders, and the calls the pipeline makes

    machine_read_request = DaaSClient.machine_read_request
    maintenance_request = DaaSClient.maintenance_request
    machine_tag_request = DaaSClient.machine_tag_request
    power_request = DaaSClient.power_request

    @staticmethod
    def quote_name(name):
        return str(name).replace('\\', '|')

    def cancel_job(self, job):
        self.requests.append('cancel ' + job)

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
        lost = self.lost_answers.get((machine['Id'],) + what, 0)
        if lost:
            # The call is carried out (or not), and its answer lost with the whole $batch.
            self.lost_answers[(machine['Id'],) + what] = lost - 1
            if self.lost_calls_happen:
                self._one(request)
            return BatchOutcome(None, None, None, DaaSError('Connection aborted', transient=True))
        if what == ('GET', ''):
            return BatchOutcome(200, dict(machine), None, None)
        if what[0] != 'GET':
            self.writes.append((machine['Id'], what[0], request.body['InMaintenanceMode'] if request.body else what[1]))
        if what[0] == 'POST' and what[1].startswith('/Tags/'):
            tag = what[1][len('/Tags/'):]
            machine['Tags'] = machine['Tags'] + [tag]
            if self.on_fence and tag == FENCE:
                self.on_fence(machine)
            return BatchOutcome(204, None, None, None)
        if what == ('PATCH', ''):
            machine['InMaintenanceMode'] = request.body['InMaintenanceMode']
            return BatchOutcome(200, None, None, None)
        if what[0] == 'DELETE':
            machine['Tags'] = [tag for tag in machine['Tags'] if tag != what[1][len('/Tags/'):]]
            return BatchOutcome(204, None, None, None)
        if what == ('POST', '/$reboot'):
            assert machine['SessionCount'] == 0 and (FENCE not in machine['Tags'] or machine['InMaintenanceMode'])
            self.reboots[machine['Id']] = self.now
            machine['PowerActionPending'] = True
            return BatchOutcome(202, None, 'https://api.test/cvad/manage/Jobs/job-' + machine['Id'], None)
        raise AssertionError('unexpected request %r' % (request,))

    def machines_with_tag(self, tag, fields=None):
        self.requests.append('search')
        assert tag == FENCE
        return [dict(m) for m in self.machines.values() if FENCE in m['Tags']]

    def poll_job(self, job):
        self.requests.append('job')
        machine_id = job[len('job-'):]
        if machine_id in self.failing_jobs:
            return {'Id': job, 'Status': 'Failed', 'ErrorString': 'The hypervisor did not reboot it'}, None
        return {'Id': job, 'Status': 'InProgress'}, None

    def scope_machines(self, kind=None, name=None, fields=None):
        self.requests.append('GET /Machines')
        return iter([dict(m) for m in self.machines.values()])


def run(site, names=None, max_unavailable=2, check_mode=False, wait_timeout=60, fence_tag=FENCE, **options):
    pipeline = RollingReboot(site, names or sorted(site.machines), fence_tag, max_unavailable, wait_timeout,
                             check_mode, sleep=site.sleep, clock=site.clock, **options)
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
    # Requests grow with the waves (3 of 2 machines), not with the machines: read, maintenance on, tag on, reboot,
    # tag off, maintenance off.
    assert site.requests.count('batch') == 3 * 6
    assert site.requests.count('ensure_tag') == 1
    # Once the first wave told how long a reboot takes, a later wave is read about when it is due back:
    # the re-check behind the fence, one read right after the reboots, one when they are due.
    assert site.requests.count('search') < 3 * 6
    assert site.requests[-3:] == ['search', 'batch', 'batch']


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


def test_a_reboot_that_never_starts_is_reported_as_such_and_lifted_once_nothing_is_pending():
    site = Site(1)
    site.failing_jobs.add('id-0')
    site.poll_job = lambda job: ({'Id': job, 'Status': 'InProgress'}, None)
    _pipeline, results = run(site, wait_timeout=30)
    assert results['id-0']['status'] == 'failed'
    assert results['id-0']['reason'] == 'did not go down within 30 s of its reboot'
    assert site.machines['id-0']['InMaintenanceMode'] is False and results['id-0']['lifted'] is True


def test_a_reboot_still_pending_at_the_deadline_is_cancelled_then_lifted_once_its_action_is_gone():
    site = Site(1)
    site.poll_job = lambda job: ({'Id': job, 'Status': 'InProgress'}, None)
    site.sleep = lambda seconds: setattr(site, 'now', site.now + seconds)  # the reboot hangs: pending, never down

    def cancel(job):
        site.requests.append('cancel ' + job)
        site.machines['id-0']['PowerActionPending'] = False
    site.cancel_job = cancel
    _pipeline, results = run(site, wait_timeout=30)
    assert results['id-0']['status'] == 'failed' and results['id-0']['lifted'] is True
    assert results['id-0']['reason'] == 'did not go down within 30 s of its reboot; its reboot job job-id-0 was cancelled'
    assert site.machines['id-0']['InMaintenanceMode'] is False


def test_a_reboot_still_pending_after_its_cancel_keeps_its_fence():
    site = Site(1)
    site.poll_job = lambda job: ({'Id': job, 'Status': 'InProgress'}, None)
    site.sleep = lambda seconds: setattr(site, 'now', site.now + seconds)
    _pipeline, results = run(site, wait_timeout=30)
    assert results['id-0']['status'] == 'failed' and results['id-0']['lifted'] is False
    assert results['id-0']['reason'] == (
        'did not go down within 30 s of its reboot; its reboot job job-id-0 was cancelled; left fenced: a power action '
        'is still pending on it (lift it once it has ended: the next run does)')
    assert 'cancel job-id-0' in site.requests
    assert site.machines['id-0']['InMaintenanceMode'] is True and site.machines['id-0']['Tags'] == [FENCE]


def test_a_reboot_whose_answer_was_lost_is_read_back_not_sent_twice():
    site = Site(2)
    site.lost_answers[('id-0', 'POST', '/$reboot')] = 1
    _pipeline, results = run(site)
    assert [results['id-0']['status'], results['id-1']['status']] == ['done', 'done']
    assert results['id-0']['job_id'] is None and results['id-0']['lifted'] is True


def test_a_reboot_lost_before_it_was_carried_out_is_checked_again_and_sent_again():
    site = Site(1)
    site.lost_answers[('id-0', 'POST', '/$reboot')] = 1
    site.lost_calls_happen = False
    _pipeline, results = run(site)
    assert results['id-0']['status'] == 'done' and results['id-0']['job_id'] == 'job-id-0'


def test_faults_on_every_kind_of_call_fail_no_machine():
    site = Site(3)
    for what in (('GET', ''), ('PATCH', ''), ('POST', '/Tags/reboot-fence'), ('DELETE', '/Tags/reboot-fence')):
        site.failing_writes[('id-1',) + what] = 2
    _pipeline, results = run(site, max_unavailable=3)
    assert set(r['status'] for r in results.values()) == {'done'}
    assert not any(m['InMaintenanceMode'] or m['Tags'] for m in site.machines.values())


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
    assert 'the drain fence could not be lifted (it stays fenced, maintenance mode and tag: the next run lifts it)' \
        in results['id-0']['reason']
    # The tag is removed first: a fence that cannot be lifted stays whole, never a tag without maintenance mode.
    assert site.machines['id-0']['Tags'] == [FENCE] and site.machines['id-0']['InMaintenanceMode'] is True


def test_maintenance_mode_left_on_after_the_tag_was_removed_is_reported_with_what_to_do():
    site = Site(1)
    site.failing_writes[('id-0', 'PATCH', '')] = 0
    original = site._one

    def refuse_maintenance_off(request):
        if request.method == 'PATCH' and request.body == {'InMaintenanceMode': False}:
            return BatchOutcome(403, None, None, DaaSError('Access denied', status=403))
        return original(request)
    site._one = refuse_maintenance_off
    _pipeline, results = run(site)
    assert results['id-0']['status'] == 'failed' and results['id-0']['lifted'] is False
    assert 'it is left in maintenance mode without the fence tag, which no run touches: switch maintenance mode off ' \
        'by hand' in results['id-0']['reason']


def test_maintenance_mode_that_cannot_be_switched_on_fails_the_machine_without_a_tag():
    site = Site(1)
    site.failing_writes[('id-0', 'PATCH', '')] = 10
    _pipeline, results = run(site)
    assert results['id-0']['status'] == 'failed'
    assert results['id-0']['reason'].startswith('not rebooted: maintenance mode could not be switched on')
    assert site.machines['id-0']['Tags'] == [] and not site.reboots


def test_a_fence_whose_tag_cannot_be_added_is_lifted_again():
    site = Site(1)
    site.failing_writes[('id-0', 'POST', '/Tags/reboot-fence')] = 10
    _pipeline, results = run(site)
    assert results['id-0']['status'] == 'failed' and results['id-0']['lifted'] is True
    assert results['id-0']['reason'].startswith('not rebooted: the fence could not be completed (tag on failed)')
    assert site.machines['id-0']['InMaintenanceMode'] is False and site.machines['id-0']['Tags'] == []
    assert not site.reboots


def test_fences_that_cannot_be_lifted_keep_their_places_under_the_cap():
    site = Site(3)
    site.failing_writes[('id-0', 'DELETE', '/Tags/reboot-fence')] = 10
    _pipeline, results = run(site, names=['id-0', 'id-1', 'id-2'], max_unavailable=1)
    assert results['id-0']['lifted'] is False and site.most_out_of_service == 1
    assert [results['id-1']['status'], results['id-2']['status']] == ['failed', 'failed']
    assert results['id-1']['reason'] == ('not rebooted: 1 machine(s) of this run stay fenced (their lift failed, see '
                                         'them), which fills max_unavailable')


def test_a_tag_without_maintenance_mode_is_removed_and_maintenance_mode_never_touched():
    site = Site(1, **{'id-0': {'Tags': [FENCE]}})
    _pipeline, results = run(site)
    assert results['id-0']['status'] == 'skipped' and results['id-0']['lifted'] is True
    assert site.machines['id-0']['Tags'] == [] and site.machines['id-0']['InMaintenanceMode'] is False
    assert not site.reboots and 'PATCH' not in str(site.requests)


def test_fences_found_in_the_scope_count_against_the_cap():
    fenced = {'InMaintenanceMode': True, 'Tags': [FENCE]}
    site = Site(6, **{'id-4': fenced, 'id-5': dict(fenced)})
    _pipeline, results = run(site, max_unavailable=2)
    assert set(r['status'] for r in results.values()) == {'done'}
    assert site.most_out_of_service == 2
    assert not any(m['InMaintenanceMode'] or m['Tags'] for m in site.machines.values())


def test_a_machine_rebooted_after_it_was_chosen_is_skipped():
    site = Site(2, **{'id-1': {'FormattedLastDeregistrationTime': '2026-12-01T20:00:05Z'}})
    _pipeline, results = run(site, chosen_at='2026-12-01T20:00:00Z')
    assert results['id-1']['status'] == 'skipped'
    assert results['id-1']['reason'] == ('changed after it was chosen: rebooted at 2026-12-01T20:00:05Z, after it was '
                                         'chosen (by another run)')
    assert results['id-0']['status'] == 'done'


def test_an_unknown_machine_fails_and_a_machine_named_twice_is_handled_once():
    site = Site(1)
    pipeline = RollingReboot(site, ['D\\M0', 'ID-0', 'D\\NOPE'], FENCE, 2, 60, False, sleep=site.sleep, clock=site.clock)
    results = pipeline.run()
    assert [r['status'] for r in results] == ['done', 'skipped', 'failed']
    assert results[1]['reason'] == 'the same machine as D\\M0, handled once'
    assert results[2]['reason'].startswith("machine 'D\\NOPE' was not found: HTTP 404")
    # Two reads (the third entry waits for a free place), a fence and a lift of two steps each, one reboot.
    assert site.requests.count('batch') == 7


def test_an_error_that_stops_the_run_still_lifts_the_fences():
    site = Site(4)

    searches = []

    def broken_after_the_first(tag, fields=None):
        searches.append(fields)
        if len(searches) > 1:
            raise DaaSError('Access denied', status=403)
        return []
    site.machines_with_tag = broken_after_the_first
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


class Lock(object):
    """A run lock already held; its release deletes its tag, which takes the mark off every machine."""

    name = FENCE + '-lock-1'

    def __init__(self, site):
        self.site = site

    def acquire(self):
        pass

    def renew(self):
        pass

    def release(self):
        for machine in self.site.machines.values():
            machine['Tags'] = [tag for tag in machine['Tags'] if tag != self.name]


def test_under_the_run_lock_a_machine_is_marked_before_its_maintenance_mode_goes_on():
    site = Site(count=4)
    pipeline, results = run(site, lock=Lock(site), max_unavailable=2)
    assert all(result['status'] == 'done' for result in results.values()) and pipeline.stopped_by is None
    mark = '/Tags/' + Lock.name
    for machine_id in site.machines:
        writes = [(method, what) for written, method, what in site.writes if written == machine_id]
        # Marked once, then the fence's two writes, the reboot, the lift's two (the mark needs no second write).
        assert writes == [('POST', mark), ('PATCH', True), ('POST', '/Tags/' + FENCE), ('POST', '/$reboot'),
                          ('DELETE', '/Tags/' + FENCE), ('PATCH', False)]
        # The lock's tag, deleted at the end, takes the mark with it.
        assert site.machines[machine_id]['Tags'] == []


def test_an_earlier_runs_fence_is_marked_before_it_is_lifted():
    site = Site(count=1, **{'id-0': {'InMaintenanceMode': True, 'Tags': [FENCE], 'SessionCount': 1}})
    _pipeline, results = run(site, lock=Lock(site))
    assert results['id-0']['status'] == 'skipped' and results['id-0']['lifted'] is True
    assert [(method, what) for _id, method, what in site.writes] == [
        ('POST', '/Tags/' + Lock.name), ('DELETE', '/Tags/' + FENCE), ('PATCH', False)]
