# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the run lock, against a site's tags kept in a dict, on a fake clock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.module_utils._lock import RunLock

START = datetime.datetime(2026, 12, 1, 20, 0, tzinfo=datetime.timezone.utc)


class Tags(object):
    """The site's tags (name -> description) and a clock that moves when a lock sleeps."""

    def __init__(self):
        self.tags = {}
        self.now = START
        self.warnings = []
        # The machines (Name -> machine) and their tags; deleting a tag takes it off every machine.
        self.machines = {}
        self.unreadable = None

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += datetime.timedelta(seconds=seconds)

    def tag_descriptions(self, prefix):
        return dict((name, text) for name, text in self.tags.items() if name.startswith(prefix))

    def create_tag(self, name, description):
        if name in self.tags:
            return False
        self.tags[name] = description
        return True

    def describe_tag(self, name, description):
        self.tags[name] = description

    def delete_tag(self, name):
        self.tags.pop(name, None)
        for machine in self.machines.values():
            machine['Tags'] = [tag for tag in machine['Tags'] if tag != name]

    def machines_with_tag(self, tag, fields=None):
        if self.unreadable:
            raise self.unreadable
        return [dict(machine) for machine in self.machines.values() if tag in machine['Tags']]

    def machine(self, name, maintenance, tags):
        self.machines[name] = dict(Id=name.lower(), Name=name, InMaintenanceMode=maintenance, Tags=list(tags))


def lock(site, wait=0):
    return RunLock(site, 'fence', wait, lease=900, sleep=site.sleep, now=site.clock)


def test_a_free_lock_is_taken_and_released():
    site = Tags()
    first = lock(site)
    first.acquire()
    assert list(site.tags) == ['fence-lock-1'] and first.holder in site.tags['fence-lock-1']
    first.release()
    assert site.tags == {}


def test_a_second_run_stops_with_one_line_naming_the_first():
    site = Tags()
    first = lock(site)
    first.acquire()
    with pytest.raises(DaaSError) as caught:
        lock(site, wait=60).acquire()
    assert str(caught.value) == (
        'another rolling reboot holds the run lock fence-lock-1: %s, until 2026-12-01T20:15:00Z; it works on the same '
        'machines: wait for it to end (or allow a longer lock_timeout)' % first.holder)
    # It waited for its lock_timeout, no longer.
    assert site.now == START + datetime.timedelta(seconds=60)


def test_a_lease_that_ended_is_taken_over_with_a_warning():
    site = Tags()
    killed = lock(site)
    killed.acquire()
    site.sleep(901)
    second = lock(site)
    second.acquire()
    assert list(site.tags) == ['fence-lock-2']
    assert site.warnings == ['took over the run lock fence-lock-1 of %s, whose lease ended at 2026-12-01T20:15:00Z '
                             '(a run that was stopped)' % killed.holder]


def test_a_run_renews_its_lease_and_stops_when_another_took_the_lock():
    site = Tags()
    first = lock(site)
    first.acquire()
    site.sleep(400)
    first.renew()
    assert site.tags['fence-lock-1'].endswith('until 2026-12-01T20:21:40Z')
    site.sleep(1000)
    taker = lock(site)
    taker.acquire()
    with pytest.raises(DaaSError, match='this run lost its run lock fence-lock-1 .*taken over by %s' % re.escape(taker.holder)):
        first.renew()


def test_faults_on_the_lock_s_calls_are_waited_out():
    site = Tags()
    real = site.tag_descriptions
    faults = [DaaSError('Internal server error', status=500, transient=True)] * 2

    def flaky(prefix):
        if faults:
            raise faults.pop()
        return real(prefix)
    site.tag_descriptions = flaky
    held = lock(site)
    held.acquire()
    assert list(site.tags) == ['fence-lock-1']
    site.sleep(400)
    faults.append(DaaSError('Bad gateway', status=502, transient=True))
    held.renew()  # the fault: renewed at the next round
    assert site.tags['fence-lock-1'].endswith('until 2026-12-01T20:15:02Z')
    held.renew()
    assert site.tags['fence-lock-1'].endswith('until 2026-12-01T20:21:42Z')


def test_maintenance_mode_a_stopped_run_may_have_left_is_reported_once_and_never_touched():
    site = Tags()
    killed = lock(site)
    killed.acquire()
    # Marked by the stopped run: maintenance mode without the fence tag (a kill between two writes), a whole fence
    # (carried on by the next run), a machine only marked, and an administrator's maintenance mode, not marked.
    site.machine('D\\HALF', True, ['fence-lock-1'])
    site.machine('D\\FENCED', True, ['fence-lock-1', 'fence'])
    site.machine('D\\MARKED', False, ['fence-lock-1'])
    site.machine('D\\ADMIN', True, [])
    site.sleep(901)
    second = lock(site)
    second.acquire()
    assert second.left_in_maintenance == [dict(id='d\\half', name='D\\HALF', run=killed.holder)]
    assert site.warnings[-1] == (
        '1 machine(s) are in maintenance mode without the fence tag, marked by the stopped %s, which may have '
        'switched it on or failed to switch it off before it was stopped: D\\HALF. Switch maintenance mode off on each '
        'one no administrator put in maintenance mode; no run touches them' % killed.holder)
    # The stopped run's tag is gone, and its marks with it: the next takeover reports nothing again.
    assert list(site.tags) == ['fence-lock-2']
    assert all('fence-lock-1' not in machine['Tags'] for machine in site.machines.values())
    assert site.machines['D\\HALF']['InMaintenanceMode'] is True
    site.sleep(901)
    third = lock(site)
    third.acquire()
    assert third.left_in_maintenance == []


def test_a_stopped_run_s_tag_is_kept_when_its_marked_machines_cannot_be_read():
    site = Tags()
    killed = lock(site)
    killed.acquire()
    site.machine('D\\HALF', True, ['fence-lock-1'])
    site.sleep(901)
    site.unreadable = DaaSError('Machines/$search answered HTTP 501', status=501)
    second = lock(site)
    second.acquire()
    assert sorted(site.tags) == ['fence-lock-1', 'fence-lock-2'] and second.left_in_maintenance == []
    assert 'could not be read' in site.warnings[-1] and 'a later run looks again' in site.warnings[-1]
    second.release()
    # A later run takes the stale lock over again, and reports what it marked once it can read it.
    site.unreadable = None
    third = lock(site)
    third.acquire()
    assert [machine['name'] for machine in third.left_in_maintenance] == ['D\\HALF']
    assert list(site.tags) == ['fence-lock-2']
