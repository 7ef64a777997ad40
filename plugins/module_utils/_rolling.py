# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The drained reboot of many machines as one rolling pipeline (module rolling_reboot).

Each machine is read, fenced (the fence tag and maintenance mode, sent together), re-checked behind the fence,
rebooted while still idle, waited for until it is On and Registered again, and lifted (maintenance mode off and the
tag removed, sent together). At most `max_unavailable` machines are between fence and lift; one that is lifted frees
its slot at once. Each step sends one `$batch` for all the machines at that step, and the wait reads every machine in
flight with one search on the fence tag: requests grow with batches and pages, not with machines.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import time

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import BatchRequest, fields_query
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.module_utils._jobs import CITRIX_JOB_STATES, citrix_job_details, job_id_of
from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import (
    DECISION_FIELDS,
    action_reached,
    decide_maintenance,
    reboot_skip_reason,
)

FENCE_DESCRIPTION = 'Machines in maintenance mode set by citrix_cloud.daas'
LATE = 'changed after it was chosen: '
POLL_INTERVAL = 0.5
MAX_POLL_INTERVAL = 15.0
# A machine that the read behind the fence misses this often has lost its fence; a lift is tried this often.
MISSES_ALLOWED = 3
LIFT_TRIES = 3
# How often the job of a reboot that shows no sign of progress is asked for its status, in seconds.
JOB_CHECK_INTERVAL = 10.0
# Answers of a site without Machines/$search (or that refuses our search): read machines one by one in $batch.
SEARCH_UNAVAILABLE = (400, 404, 405, 501)

QUEUED, FENCED, REBOOTING, LIFTING, FINISHED = 'queued', 'fenced', 'rebooting', 'lifting', 'finished'


class Entry(object):
    """One machine on its way through the pipeline, with its result."""

    def __init__(self, given, predicted):
        self.given = given
        self.phase = QUEUED
        self.before = None
        self.job = None
        self.rebooted_at = None
        self.job_checked_at = None
        self.went_down = False
        self.misses = 0
        self.lift_tries = 0
        self.lift_maintenance = False
        self.lift_tag = False
        self.result = dict(name=given, id=None, status='failed', reason=None, job_id=None, power_state_before=None,
                           power_state_after=None, fenced=False, lifted=None, predicted=predicted)

    @property
    def id(self):
        return self.result['id']

    def finish(self, status, reason=None, **fields):
        """End the machine's work: lifted next when it carries a fence of this run, else finished."""
        self.result.update(status=status, reason=reason, **fields)
        self.phase = LIFTING if self.lift_maintenance or self.lift_tag else FINISHED


def _path(machine_id, suffix=''):
    return '/Machines/%s%s' % (machine_id, suffix)


class RollingReboot(object):
    """Reboots the machines of `names` (names or Ids) through the pipeline; run() returns their results, in order."""

    def __init__(self, client, names, fence_tag, max_unavailable, wait_timeout, check_mode, sleep=None, clock=None):
        self.client = client
        self.fence_tag = fence_tag
        self.max_unavailable = max_unavailable
        self.wait_timeout = wait_timeout
        self.check_mode = check_mode
        self._sleep = sleep or time.sleep
        self._clock = clock or time.monotonic
        self.entries = [Entry(name, check_mode) for name in dict.fromkeys(names)]
        self._first_entry_of = {}
        self._search_works = bool(fence_tag)
        self._tag_ready = False
        # How long the reboots that are done took, to read again when the next ones are due.
        self._reboot_seconds = []

    # Reads

    def _read_each(self, entries):
        """Id or given name -> machine (or the DaaSError of its read), one $batch of GETs for all."""
        query = '?fields=' + ','.join(DECISION_FIELDS)
        requests = [BatchRequest('GET', _path(self.client.quote_name(e.id or e.given), query), None) for e in entries]
        answers = {}
        for entry, outcome in zip(entries, self.client.batch(requests)):
            if outcome.error is None and isinstance(outcome.body, dict):
                answers[entry.id or entry.given] = outcome.body
            elif outcome.status == 404:
                answers[entry.id or entry.given] = outcome.error.with_message("machine '%s' was not found" % entry.given)
            else:
                answers[entry.id or entry.given] = outcome.error or DaaSError('the read answered without a machine')
        return answers

    def _read_in_flight(self, entries):
        """Id -> machine for the machines in flight: one search on the fence tag, else one $batch of GETs."""
        if self._search_works:
            try:
                found = self.client.search_machines(
                    [{'Property': 'Tags', 'Operator': 'Contains', 'Value': self.fence_tag}], DECISION_FIELDS)
                return dict((machine.get('Id'), machine) for machine in found)
            except DaaSError as err:
                if err.status not in SEARCH_UNAVAILABLE:
                    raise
                self._search_works = False
                self.client.warnings.append('Machines/$search answered HTTP %s: machines in flight are read in $batch '
                                            'instead' % err.status)
        return dict((key, machine) for key, machine in self._read_each(entries).items() if isinstance(machine, dict))

    # Steps

    def _claim(self, entry, machine):
        """Fill in the entry from its first read; False when another entry already handles the same machine."""
        entry.result.update(name=machine.get('Name') or entry.given, id=machine.get('Id'),
                            power_state_before=machine.get('PowerState'), power_state_after=machine.get('PowerState'))
        first = self._first_entry_of.setdefault(entry.id, entry)
        if first is not entry:
            entry.finish('skipped', 'the same machine as %s, handled once' % first.given)
            return False
        return True

    def _admit(self, entries):
        """Read the next machines right before their fence, and fence those still to reboot."""
        now = datetime.datetime.now(datetime.timezone.utc)
        to_fence = []
        answers = self._read_each(entries)
        for entry in entries:
            machine = answers[entry.given]
            if isinstance(machine, DaaSError):
                entry.finish('failed', str(machine))
                continue
            if not self._claim(entry, machine):
                continue
            reason = reboot_skip_reason(machine, now, fence_tag=self.fence_tag)
            if reason is not None:
                entry.finish('skipped', LATE + reason)
                continue
            entry.before = machine
            to_fence.append(entry)
        if self.fence_tag:
            self._fence(to_fence)
        else:
            for entry in to_fence:
                entry.phase = FENCED

    def _fence(self, entries):
        """Tag and maintenance mode on, together in one $batch; a machine whose fence is half set is lifted."""
        if entries and not self._tag_ready:
            self.client.ensure_tag(self.fence_tag, description=FENCE_DESCRIPTION)
            self._tag_ready = True
        requests, sent = [], []
        tag_path = '/Tags/' + self.client.quote_name(self.fence_tag)
        for entry in entries:
            switch, add_tag = decide_maintenance(entry.before, True, self.fence_tag)[:2]
            # A machine already fenced (an earlier run's fence) carries it on; this run lifts it.
            entry.lift_maintenance = entry.lift_tag = True
            if add_tag:
                requests.append(BatchRequest('POST', _path(entry.id, tag_path), None))
                sent.append((entry, 'tag'))
            if switch:
                requests.append(BatchRequest('PATCH', _path(entry.id), {'InMaintenanceMode': True}))
                sent.append((entry, 'maintenance'))
        failures = {}
        for (entry, what), outcome in zip(sent, self.client.batch(requests)):
            if outcome.error is not None and not (what == 'tag' and outcome.status == 409):
                failures.setdefault(entry, []).append(outcome.error)
                setattr(entry, 'lift_' + what, False)
        for entry in entries:
            entry.result['fenced'] = entry not in failures
            if entry in failures:
                entry.finish('failed', 'not rebooted: the drain fence (fence tag, maintenance mode) could not be set: %s'
                             % '; '.join(str(error) for error in failures[entry]))
            else:
                entry.phase = FENCED

    def _recheck(self, entry, machine, now, to_reboot):
        """Behind the fence: reboot a machine that is still idle, else lift it."""
        reason = reboot_skip_reason(machine, now, fence_tag=self.fence_tag, fenced=frozenset([entry.id]))
        if reason is not None:
            entry.finish('skipped', LATE + reason, power_state_after=machine.get('PowerState'))
        else:
            entry.before = machine
            to_reboot.append(entry)

    def _reboot(self, entries):
        """The reboots, in one $batch; each one's job is kept for its failure's details."""
        requests = [BatchRequest('POST', _path(entry.id, '/$reboot?async=true'), None) for entry in entries]
        for entry, outcome in zip(entries, self.client.batch(requests)):
            if outcome.error is not None or not outcome.location:
                entry.finish('failed', str(outcome.error or 'the reboot was accepted without a job Location'))
                continue
            entry.job = job_id_of(outcome.location)
            entry.rebooted_at = self._clock()
            entry.result.update(job_id=entry.job, power_state_after=None)
            entry.phase = REBOOTING

    def _follow(self, entry, machine):
        """A rebooting machine's progress: done once back On and Registered; a failed job or the timeout ends it."""
        entry.went_down = entry.went_down or machine.get('PowerState') != 'On' \
            or machine.get('RegistrationState') != 'Registered'
        if action_reached('reboot', entry.before, machine, entry.went_down):
            entry.finish('done', power_state_after=machine.get('PowerState'))
            self._reboot_seconds.append(self._clock() - entry.rebooted_at)
            return
        waited = self._clock() - entry.rebooted_at
        if not entry.went_down and not machine.get('PowerActionPending') and \
                (entry.job_checked_at is None or self._clock() - entry.job_checked_at >= JOB_CHECK_INTERVAL):
            entry.job_checked_at = self._clock()
            job = self.client.poll_job(entry.job)[0] or {}
            meaning = CITRIX_JOB_STATES.get(str(job.get('Status')))
            if meaning == 'failure':
                entry.finish('failed', 'the reboot job %s ended with status %s: %s'
                             % (entry.job, job.get('Status'), citrix_job_details(job)))
                return
            if meaning in ('success', 'warning'):
                entry.finish('done', power_state_after=machine.get('PowerState'))
                return
        if waited > self.wait_timeout:
            entry.finish('failed', 'did not come back On and Registered within %g s of its reboot (last seen %s/%s)'
                         % (self.wait_timeout, machine.get('PowerState'), machine.get('RegistrationState')),
                         power_state_after=machine.get('PowerState'))

    def _lift(self, entries):
        """Maintenance mode off and the tag removed, together in one $batch; what fails is tried again next time."""
        requests, sent = [], []
        tag_path = '/Tags/' + self.client.quote_name(self.fence_tag)
        for entry in entries:
            if entry.lift_maintenance:
                requests.append(BatchRequest('PATCH', _path(entry.id), {'InMaintenanceMode': False}))
                sent.append((entry, 'maintenance'))
            if entry.lift_tag:
                requests.append(BatchRequest('DELETE', _path(entry.id, tag_path), None))
                sent.append((entry, 'tag'))
        errors = {}
        for (entry, what), outcome in zip(sent, self.client.batch(requests)):
            if outcome.error is None or (what == 'tag' and outcome.status == 404):
                setattr(entry, 'lift_' + what, False)
            else:
                errors.setdefault(entry, []).append(outcome.error)
        for entry in entries:
            entry.lift_tries += 1
            if not (entry.lift_maintenance or entry.lift_tag):
                entry.result['lifted'] = True
                entry.phase = FINISHED
            elif entry.lift_tries >= LIFT_TRIES:
                entry.result.update(lifted=False, status='failed', reason=self._lift_failure(entry, errors[entry]))
                entry.phase = FINISHED

    @staticmethod
    def _lift_failure(entry, errors):
        done = entry.result['reason'] + '; ' if entry.result['reason'] else ''
        if entry.lift_maintenance and not entry.lift_tag:
            what = 'it is left in maintenance mode without the fence tag: take it out of maintenance mode by hand'
        else:
            what = 'the next run lifts it'
        return '%sthe drain fence could not be lifted (%s): %s' % (done, what, '; '.join(str(e) for e in errors))

    # The loop

    def _tick(self):
        """One round: admit into free places, read the machines in flight, reboot, lift.

        Returns True when the next round may start at once (a place is free for a queued machine), False when it
        has to wait for reboots.
        """
        busy = [e for e in self.entries if e.phase in (FENCED, REBOOTING, LIFTING)]
        queued = [e for e in self.entries if e.phase == QUEUED][:max(self.max_unavailable - len(busy), 0)]
        if queued:
            self._admit(queued)
        in_flight = [e for e in self.entries if e.phase in (FENCED, REBOOTING)]
        if in_flight:
            self._follow_all(in_flight)
        lifting = [e for e in self.entries if e.phase == LIFTING]
        if lifting:
            self._lift(lifting)
        busy = [e for e in self.entries if e.phase in (FENCED, REBOOTING, LIFTING)]
        return len(busy) < self.max_unavailable and any(e.phase == QUEUED for e in self.entries)

    def _follow_all(self, in_flight):
        """Read the machines in flight: re-check the fenced ones (and reboot those still idle), follow the others."""
        now = datetime.datetime.now(datetime.timezone.utc)
        try:
            states = self._read_in_flight(in_flight)
        except DaaSError as err:
            if not err.transient:
                raise
            # Read again next round; each reboot's wait_timeout bounds how long.
            for entry in in_flight:
                self._timed_out(entry, err)
            return
        to_reboot = []
        for entry in in_flight:
            machine = states.get(entry.id)
            if machine is None:
                entry.misses += 1
                if entry.misses >= MISSES_ALLOWED:
                    entry.finish('failed', 'not found behind the fence %d times in a row: it no longer carries the '
                                           'fence tag' % entry.misses)
            elif entry.phase == FENCED:
                self._recheck(entry, machine, now, to_reboot)
            else:
                self._follow(entry, machine)
        if to_reboot:
            self._reboot(to_reboot)

    def _timed_out(self, entry, err):
        """A rebooting machine whose wait ended while it could not be read is failed (and lifted)."""
        if entry.phase == REBOOTING and self._clock() - entry.rebooted_at > self.wait_timeout:
            entry.finish('failed', 'not seen On and Registered within %g s of its reboot; the last read failed: %s'
                         % (self.wait_timeout, err))

    def run(self):
        """Work until every machine is finished; returns the results in the order given.

        An error that stops the run (the API cannot be reached, ...) fails the machines not finished, and the fences
        this run set are still lifted where the API lets it; then `stopped_by` holds the error.
        """
        self.stopped_by = None
        if self.check_mode:
            self._predict()
        interval = POLL_INTERVAL
        try:
            while any(entry.phase != FINISHED for entry in self.entries):
                if self._tick():
                    interval = POLL_INTERVAL
                else:
                    self._sleep(self._pause(interval))
                    interval = min(interval * 1.5, MAX_POLL_INTERVAL)
        except DaaSError as err:
            self.stopped_by = err
            self._stop(err)
        return [entry.result for entry in self.entries]

    def _pause(self, interval):
        """How long to wait before the next round: until the first reboot in flight is due back (its reboot plus the
        shortest time a reboot took so far, and a twentieth more), else the growing `interval`. So once a reboot is
        done, each machine is read about when it is back, not many times before. (The shortest, not a mean: a time
        measured when a machine was read late would otherwise push every later read later.)"""
        if not self._reboot_seconds:
            return interval
        typical = min(self._reboot_seconds) * 1.05
        due = [entry.rebooted_at + typical - self._clock() for entry in self.entries if entry.phase == REBOOTING]
        due = [seconds for seconds in due if seconds > 0]
        return min(max(min(due), 0.05), MAX_POLL_INTERVAL) if due else interval

    def _stop(self, err):
        """After an error that ends the run: fail what is not finished and lift what this run fenced."""
        for entry in self.entries:
            if entry.phase == QUEUED:
                entry.result.update(status='failed', reason='not rebooted: the run stopped early (%s)' % err)
                entry.phase = FINISHED
            elif entry.phase in (FENCED, REBOOTING):
                entry.finish('failed', 'the run stopped early (%s)' % err)
        for _attempt in range(LIFT_TRIES):
            lifting = [e for e in self.entries if e.phase == LIFTING]
            if not lifting:
                return
            try:
                self._lift(lifting)
            except DaaSError as lift_error:
                for entry in lifting:
                    entry.lift_tries += 1
                    if entry.lift_tries >= LIFT_TRIES:
                        entry.result.update(lifted=False, reason=self._lift_failure(entry, [lift_error]))
                        entry.phase = FINISHED

    def _predict(self):
        """Check mode: read the machines with plain GETs (pages of the site) and predict each one's outcome."""
        now = datetime.datetime.now(datetime.timezone.utc)
        wanted = set(entry.given.lower() for entry in self.entries)
        by_key = {}
        for machine in self.client.iter_items('/Machines', params=fields_query(DECISION_FIELDS)):
            keys = [str(key).lower() for key in (machine.get('Id'), machine.get('Name'))]
            for key in wanted.intersection(keys):
                by_key[key] = machine
        for entry in self.entries:
            machine = by_key.get(entry.given.lower())
            if machine is None:
                entry.finish('failed', "machine '%s' was not found" % entry.given)
            elif self._claim(entry, machine):
                reason = reboot_skip_reason(machine, now, fence_tag=self.fence_tag)
                if reason is not None:
                    entry.finish('skipped', LATE + reason)
                else:
                    entry.finish('done', power_state_after='On', fenced=bool(self.fence_tag))
