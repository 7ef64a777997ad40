# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the bulk machine work (machine_power, machine_maintenance) against a scripted site."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.citrix_cloud.daas.plugins.module_utils._bulk import (
    FAULT_TRIES,
    POLL_GROWTH,
    POLL_INTERVAL,
    MaintenanceRun,
    PowerRun,
)
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.module_utils.bulk_site import ACTION_SECONDS, Site, machine

TAG = 'reboot-fence'


def power(site, names, state='restarted', check_mode=False, **options):
    values = dict(machines=names, state=state, only_if_idle=False, force=None, wait=True, wait_timeout=600)
    values.update(options)
    return PowerRun(site, values, check_mode, sleep=site.sleep, clock=site.clock).run()


def fleet(count, power_state='On'):
    return Site(*[machine('D\\M%03d' % number, power_state) for number in range(count)])


def test_a_restart_of_many_machines_takes_one_read_one_write_a_search_per_poll_and_one_job_read():
    site = fleet(250)
    results = power(site, ['D\\M%03d' % number for number in range(250)])
    assert set(r['status'] for r in results) == {'done'}
    assert set(r['power_state_after'] for r in results) == {'On'}
    assert all(r['job_id'] == 'job-' + r['id'] for r in results)
    assert site.count('POST $reboot') == 250
    # Reads, the reboots and the job reads: one call of the client's batch() each; every poll one search.
    assert site.count('batch') == 3
    assert site.count('search') >= 1 and site.count('GET /Jobs/') == 250
    assert all(request[1] == 250 for request in site.requests if request[0] == 'search')


def test_polls_back_off_yet_see_a_short_action_soon():
    site = fleet(3)
    power(site, ['D\\M000', 'D\\M001', 'D\\M002'])
    # The action lasts ACTION_SECONDS; the poll that sees it done comes at most one growing interval later.
    assert ACTION_SECONDS <= site.now < ACTION_SECONDS * POLL_GROWTH + POLL_INTERVAL
    assert site.count('search') < 15


def test_a_lost_answer_whose_reboot_was_carried_out_is_read_back_and_never_sent_again():
    site = fleet(2)
    site.lost[('id-M000', 'POST', '/$reboot')] = 1
    results = power(site, ['D\\M000', 'D\\M001'])
    assert [r['status'] for r in results] == ['done', 'done']
    assert site.count('POST /Machines/id-M000/$reboot') == 1
    # Its job is not known: nothing is guessed, the machine's own state showed the reboot.
    assert results[0]['job_id'] is None and results[1]['job_id'] == 'job-id-M001'


def test_a_lost_answer_whose_action_was_not_carried_out_is_sent_again():
    site = fleet(1, 'Off')
    site.lost[('id-M000', 'POST', '/$start')] = 1
    site.lost_calls_happen = False
    results = power(site, ['D\\M000'], state='started')
    assert results[0]['status'] == 'done' and results[0]['job_id'] == 'job-id-M000'
    assert site.count('POST /Machines/id-M000/$start') == 2


def test_a_lost_answer_on_a_machine_that_cannot_be_read_again_fails_it_without_sending_again():
    site = fleet(1)
    site.search_status = 501
    site.lost[('id-M000', 'POST', '/$reboot')] = 1
    # Every read after the first one fails.
    site.on_read['id-M000'] = lambda body: site.faults.update({('id-M000', 'GET', ''): 100})
    results = power(site, ['D\\M000'])
    assert results[0]['status'] == 'failed'
    assert results[0]['reason'].startswith('the answer to its reboot was lost (Connection aborted) and the machine '
                                           'could not be read again: check it before sending the action again')
    assert site.count('POST $reboot') == 1 and site.count('GET /Machines/') == 1 + FAULT_TRIES


def test_a_fault_on_every_try_fails_the_machine_with_the_fault():
    site = fleet(1, 'Off')
    site.faults[('id-M000', 'POST', '/$start')] = FAULT_TRIES
    results = power(site, ['D\\M000'], state='started')
    assert results[0]['status'] == 'failed'
    assert 'could not be sent' in results[0]['reason'] and 'Service unavailable' in results[0]['reason']
    assert site.count('POST /Machines/id-M000/$start') == FAULT_TRIES


def test_without_wait_the_actions_are_pending_with_their_jobs():
    site = fleet(2)
    results = power(site, ['D\\M000', 'D\\M001'], wait=False)
    assert [(r['status'], r['job_id']) for r in results] == [('pending', 'job-id-M000'), ('pending', 'job-id-M001')]
    assert site.count('search') == 0 and site.now == 0


def test_without_wait_a_lost_answer_is_read_back_before_it_is_reported():
    site = fleet(1)
    site.lost[('id-M000', 'POST', '/$reboot')] = 1
    results = power(site, ['D\\M000'], wait_timeout=0)
    assert results[0]['status'] == 'pending' and results[0]['job_id'] is None
    assert site.count('POST $reboot') == 1 and site.count('search') == 1


def test_check_mode_sends_no_action_and_starts_no_job():
    site = fleet(2)
    waited = power(site, ['D\\M000', 'D\\M001'], check_mode=True)
    started = power(site, ['D\\M000', 'D\\M001'], check_mode=True, wait=False)
    assert [(r['status'], r['job_id'], r['predicted']) for r in waited] == [('done', None, True)] * 2
    assert [(r['status'], r['job_id'], r['predicted']) for r in started] == [('pending', None, True)] * 2
    assert site.count('POST $') == 0


def test_only_if_idle_reads_again_right_before_acting():
    site = fleet(2)
    site.on_read['id-M001'] = lambda body: body.update(SessionCount=1)
    results = power(site, ['D\\M000', 'D\\M001'], only_if_idle=True)
    assert [r['status'] for r in results] == ['done', 'skipped']
    assert results[1]['reason'] == '1 session on the machine (only_if_idle)'
    assert site.count('POST /Machines/id-M001/$reboot') == 0


def test_a_site_without_search_reads_the_machines_in_flight_in_batch():
    site = fleet(3)
    site.search_status = 501
    results = power(site, ['D\\M000', 'D\\M001', 'D\\M002'])
    assert set(r['status'] for r in results) == {'done'}
    assert site.count('search') == 1
    assert any('Machines/$search answered HTTP 501' in warning for warning in site.warnings)


def test_a_failed_job_fails_its_machine_and_a_warning_is_its_reason():
    site = fleet(3)
    site.failing_jobs.add('id-M000')
    site.warning_jobs.add('id-M001')
    results = power(site, ['D\\M000', 'D\\M001', 'D\\M002'])
    assert [r['status'] for r in results] == ['failed', 'done', 'done']
    assert results[0]['reason'] == 'Job job-id-M000 ended with status Failed: it went wrong'
    assert results[1]['reason'] == 'Job job-id-M001 completed with a warning'


def test_a_machine_that_never_gets_there_fails_at_its_wait_timeout():
    site = fleet(2)
    site.stuck.add('id-M000')
    results = power(site, ['D\\M000', 'D\\M001'], wait_timeout=30)
    assert [r['status'] for r in results] == ['failed', 'done']
    assert 'did not reach On and register again within 30 s' in results[0]['reason']
    assert '(wait_timeout)' in results[0]['reason']


def test_duplicates_and_unknown_machines():
    site = fleet(1)
    results = power(site, ['D\\M000', 'id-M000', 'D\\NOPE'])
    assert [r['status'] for r in results] == ['done', 'skipped', 'failed']
    assert results[1]['reason'] == 'the same machine as D\\M000, handled once'
    assert results[2]['reason'].startswith("machine 'D\\NOPE' was not found")


def test_a_read_that_meets_a_fault_is_sent_again():
    site = fleet(1)
    site.faults[('id-M000', 'GET', '')] = 2
    results = power(site, ['D\\M000'])
    assert results[0]['status'] == 'done'


# Maintenance mode

def maintenance(site, names, enabled, tag=TAG, check_mode=False):
    run = MaintenanceRun(site, names, enabled, tag, check_mode, sleep=site.sleep)
    return run, run.run()


def writes(site):
    return [request for request in site.requests if request[0] in ('PATCH', 'POST', 'DELETE', 'ensure_tag')]


def test_a_fence_is_maintenance_mode_then_the_tag_each_one_batch():
    site = Site(machine('D\\A'), machine('D\\B'), machine('D\\C', InMaintenanceMode=True))
    run, results = maintenance(site, ['D\\A', 'D\\B', 'D\\C'], True)
    assert [r['status'] for r in results] == ['changed', 'changed', 'unchanged']
    assert run.wrote
    assert [w[0] for w in writes(site)] == ['PATCH', 'PATCH', 'ensure_tag', 'POST', 'POST']
    assert site.count('batch') == 3
    assert site.machines['id-A']['Tags'] == [TAG] and site.machines['id-C']['Tags'] == []


def test_a_lift_removes_the_tag_then_maintenance_mode_only_where_the_tag_is():
    site = Site(machine('D\\A', InMaintenanceMode=True, Tags=[TAG]), machine('D\\B', InMaintenanceMode=True))
    _run, results = maintenance(site, ['D\\A', 'D\\B'], False)
    assert [r['status'] for r in results] == ['changed', 'unchanged']
    assert [w[0] for w in writes(site)] == ['DELETE', 'PATCH']
    assert site.machines['id-A']['InMaintenanceMode'] is False and site.machines['id-B']['InMaintenanceMode'] is True


def test_a_write_that_meets_a_fault_is_sent_again():
    site = Site(machine('D\\A'))
    site.faults[('id-A', 'PATCH', '')] = 2
    _run, results = maintenance(site, ['D\\A'], True)
    assert results[0]['status'] == 'changed'
    assert site.count('PATCH /Machines/') == 3 and site.machines['id-A']['Tags'] == [TAG]


def test_a_tag_step_that_fails_for_good_says_what_state_the_machine_is_in():
    site = Site(machine('D\\A'))
    site.faults[('id-A', 'POST', '/Tags/' + TAG)] = FAULT_TRIES
    run, results = maintenance(site, ['D\\A'], True)
    assert results[0]['status'] == 'failed' and run.wrote
    assert results[0]['reason'].startswith('maintenance on done, then tag on failed (the machine is in maintenance mode '
                                           'without the tag reboot-fence')
    assert results[0]['in_maintenance_mode_after'] is True


def test_check_mode_writes_nothing():
    site = Site(machine('D\\A'))
    run, results = maintenance(site, ['D\\A'], True, check_mode=True)
    assert results[0]['status'] == 'changed' and not run.wrote and writes(site) == []
