# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the machine_maintenance module, against a scripted site (tests of the work itself: test_bulk.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from unittest import mock

from ansible_collections.citrix_cloud.daas.plugins.module_utils._bulk import FAULT_TRIES
from ansible_collections.citrix_cloud.daas.plugins.modules import machine_maintenance
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.module_utils.bulk_site import Site, machine
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.modules.module_runner import run_module

ARGS = dict(customer_id='democustomer', client_id='0b5f8a1c', client_secret='unit-secret')


def run(site, check_mode=False, **args):
    args.setdefault('machines', [body['Name'] for body in site.machines.values()])
    with mock.patch('ansible_collections.citrix_cloud.daas.plugins.module_utils._base.new_client', return_value=site), \
            mock.patch('time.sleep', site.sleep):
        return run_module(machine_maintenance.main, dict(ARGS, **args), check_mode=check_mode)


def writes(site):
    return [request for request in site.requests if request[0] in ('PATCH', 'POST', 'DELETE', 'ensure_tag')]


def test_fences_with_maintenance_mode_first_and_leaves_an_admins_maintenance_alone():
    site = Site(machine('D\\A'), machine('D\\B', InMaintenanceMode=True))
    result = run(site, enabled=True, tag='fence', _ansible_diff=True)
    assert result['changed'] is True
    assert writes(site) == [('PATCH', '/Machines/id-A'), ('ensure_tag', 'fence'), ('POST', '/Machines/id-A/Tags/fence')]
    assert result['results'][0] == dict(name='D\\A', id='id-A', status='changed', in_maintenance_mode_before=False,
                                        in_maintenance_mode_after=True, tagged_before=False, reason=None)
    assert result['results'][1]['reason'] == 'already in maintenance mode'
    assert result['summary'] == dict(total=2, changed=1, unchanged=1, failed=0)
    assert result['diff'] == dict(before={'D\\A': {'InMaintenanceMode': False, 'Tagged': False}},
                                  after={'D\\A': {'InMaintenanceMode': True, 'Tagged': True}})


def test_many_machines_take_one_batch_per_step_and_the_tag_is_ensured_once():
    site = Site(*[machine('D\\M%02d' % number) for number in range(40)])
    result = run(site, enabled=True, tag='fence')
    assert result['summary']['changed'] == 40
    assert site.count('batch') == 3 and site.count('ensure_tag') == 1


def test_the_fence_lifts_only_tagged_machines_removing_the_tag_first():
    site = Site(machine('D\\A', InMaintenanceMode=True, Tags=['FENCE']), machine('D\\B', InMaintenanceMode=True))
    result = run(site, enabled=False, tag='fence')
    assert writes(site) == [('DELETE', '/Machines/id-A/Tags/fence'), ('PATCH', '/Machines/id-A')]
    assert [r['status'] for r in result['results']] == ['changed', 'unchanged']
    assert result['results'][1]['reason'] == 'left in maintenance mode: it does not carry the tag fence'


def test_takes_machines_out_without_a_tag_and_is_idempotent():
    site = Site(machine('D\\A', InMaintenanceMode=True))
    first = run(site, enabled=False)
    again = run(site, enabled=False)
    assert first['changed'] is True and again['changed'] is False
    assert again['results'][0]['reason'] == 'not in maintenance mode'


def test_check_mode_sends_nothing():
    site = Site(machine('D\\A'))
    result = run(site, check_mode=True, enabled=True, tag='fence')
    assert result['changed'] is True and writes(site) == []


def test_an_empty_tag_is_refused():
    site = Site(machine('D\\A'))
    result = run(site, enabled=True, tag=' ')
    assert result['failed'] is True and result['msg'] == 'tag must not be empty' and site.requests == []


def test_maintenance_mode_set_before_a_failed_tag_is_a_change_that_says_what_to_do():
    site = Site(machine('D\\A'), machine('D\\B'))
    site.faults[('id-A', 'POST', '/Tags/fence')] = FAULT_TRIES
    result = run(site, enabled=True, tag='fence')
    assert result['failed'] is True and result['changed'] is True
    assert 'maintenance on done, then tag on failed' in result['msg']
    assert [r['status'] for r in result['results']] == ['failed', 'changed']


def test_duplicates_are_handled_once():
    site = Site(machine('D\\A'))
    result = run(site, machines=['D\\A', 'id-A'], enabled=True)
    assert [r['status'] for r in result['results']] == ['changed', 'unchanged']
    assert site.count('PATCH /Machines/') == 1
