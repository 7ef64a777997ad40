# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Many machines in few requests (modules machine_power and machine_maintenance).

The machines are read in `$batch` GETs, each step's writes travel as one `$batch` (groups of the client's size), and
a wait reads every machine in flight with one `Machines/$search` per poll (the machines it misses, and all of them on
a site without the search, in one `$batch` of GETs): requests grow with `$batch` groups and polls, not with machines.
A fault (429, 5xx, a dropped connection) fails no machine at once: a write that is safe to repeat is sent again, and
a power action whose answer was lost is read back (PowerActionPending, power state, last reboot) before it is sent
again or reported.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.module_utils._jobs import CITRIX_JOB_STATES, citrix_job_details, job_id_of
from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import (
    FENCE_DESCRIPTION,
    FENCE_STEPS,
    LIFT_STEPS,
    MAINTENANCE_OFF,
    MAINTENANCE_ON,
    TAG_OFF,
    TAG_ON,
    TARGET_STATES,
    action_reached,
    decide_maintenance,
    decide_power,
    has_tag,
    is_down,
    last_reboot_time,
    same_machine_reason,
)

POWER_FIELDS = ('Id', 'Name', 'PowerState', 'RegistrationState', 'SessionCount', 'PowerActionPending',
                'SupportedPowerActions', 'FormattedLastDeregistrationTime')
MAINTENANCE_FIELDS = ('Id', 'Name', 'InMaintenanceMode', 'Tags')
# How often a read, a maintenance step or a power action that failed with a fault is tried before the machine fails.
FAULT_TRIES = 5
# Polls of the machines in flight: quick at first (a short action ends quickly), backing off for long ones.
POLL_INTERVAL = 0.25
POLL_GROWTH = 1.1
MAX_POLL_INTERVAL = 15.0
# How often the job of an action that shows no sign of progress is read, in seconds.
JOB_CHECK_INTERVAL = 10.0
# Answers of a site without Machines/$search (or that refuses our search): the machines are read in $batch.
SEARCH_UNAVAILABLE = (400, 404, 405, 501)


def is_fault(outcome):
    """Whether a $batch call failed with a fault (429, 5xx, the whole batch lost), after which it may be sent again."""
    return outcome.error is not None and outcome.error.transient


def read_machines(client, keys, fields, tries=FAULT_TRIES, sleep=None):
    """Name or Id -> machine (or the DaaSError of its read): GETs in $batch; a read that met a fault is sent again,
    up to `tries` rounds."""
    answers = {}
    keys = list(dict.fromkeys(keys))
    for attempt in range(tries):
        again = []
        for key, outcome in zip(keys, client.batch([client.machine_read_request(key, fields) for key in keys])):
            if outcome.error is None and isinstance(outcome.body, dict):
                answers[key] = outcome.body
            elif outcome.status == 404:
                answers[key] = outcome.error.with_message("machine '%s' was not found" % key)
            else:
                answers[key] = outcome.error or DaaSError("the read of machine '%s' answered without a machine" % key)
                if is_fault(outcome):
                    again.append(key)
        keys = again
        if not keys or attempt + 1 == tries:
            return answers
        (sleep or time.sleep)(POLL_INTERVAL)
    return answers


def read_given(client, names, fields, new_result, duplicate_status, sleep=None):
    """The first read of a module's `machines`: (results in the order given, [(machine, result)] to handle).

    A machine is handled once however often it is named (by name and by Id, in another case): the first entry that
    names it handles it, the others get `duplicate_status`. A machine that cannot be read is `failed`.
    """
    names = list(dict.fromkeys(names))
    answers = read_machines(client, names, fields, sleep=sleep)
    results, to_handle, first_name_of = [], [], {}
    for name in names:
        result = new_result(name)
        results.append(result)
        machine = answers[name]
        if isinstance(machine, DaaSError):
            result.update(status='failed', reason=str(machine))
            continue
        result.update(name=machine.get('Name') or name, id=machine.get('Id'))
        first = first_name_of.setdefault(machine.get('Id'), name)
        if first != name:
            result.update(status=duplicate_status, reason=same_machine_reason(first))
        else:
            to_handle.append((machine, result))
    return results, to_handle


class MachineWatch(object):
    """Reads the machines in flight: one search on their names, the ones it misses in one $batch of GETs."""

    def __init__(self, client, fields):
        self.client = client
        self.fields = fields
        self._search_works = True

    def read(self, machines):
        """Id -> machine for the (Id, Name) pairs given; a machine that could not be read is left out."""
        found = {}
        if self._search_works:
            wanted = set(machine_id for machine_id, _name in machines)
            try:
                found = dict((m.get('Id'), m) for m in self.client.machines_named([n for _i, n in machines], self.fields)
                             if m.get('Id') in wanted)
            except DaaSError as err:
                if err.status in SEARCH_UNAVAILABLE:
                    self._search_works = False
                    self.client.warnings.append('Machines/$search answered HTTP %s: machines in flight are read in '
                                                '$batch instead' % err.status)
                elif not err.transient:
                    raise
        missing = [machine_id for machine_id, _name in machines if machine_id not in found]
        if missing:
            answers = read_machines(self.client, missing, self.fields, tries=1)
            found.update((key, machine) for key, machine in answers.items() if isinstance(machine, dict))
        return found


# Power

SENDING, UNKNOWN, IN_FLIGHT, FINISHED = 'sending', 'unknown', 'in flight', 'finished'


class PowerEntry(object):
    """One machine whose power action is sent and followed."""

    def __init__(self, machine, result, action):
        self.before = machine
        self.result = result
        self.action = action
        self.phase = SENDING
        self.job = None
        self.sent_at = None
        self.went_down = False
        self.job_checked_at = None
        self.faults = 0
        self.read_faults = 0
        self.error = None
        self.last_seen = machine

    @property
    def id(self):
        return self.result['id']

    def finish(self, status, reason=None, **fields):
        self.result.update(status=status, reason=reason, **fields)
        self.phase = FINISHED


class PowerRun(object):
    """Brings machines to a power state: reads, decides (_machine.decide_power), sends each round's actions in
    $batch and, when asked, waits for all of them with one read of every machine in flight per poll.

    `options` holds the module's machines, state, only_if_idle, force, wait and wait_timeout.
    """

    def __init__(self, client, options, check_mode, sleep=None, clock=None):
        self.client = client
        self.options = options
        self.check_mode = check_mode
        self._sleep = sleep or time.sleep
        self._clock = clock or time.monotonic
        self.watch = MachineWatch(client, POWER_FIELDS)
        self.waiting = options['wait'] and options['wait_timeout'] > 0

    def new_result(self, name):
        """The result of a machine before it was read (a machine that cannot be read keeps it, as failed)."""
        return dict(name=name, id=None, action=None, status='failed', reason=None, job_id=None,
                    power_state_before=None, power_state_after=None, predicted=self.check_mode)

    def run(self):
        """Every machine handled; returns the results in the order given."""
        results, to_handle = read_given(self.client, self.options['machines'], POWER_FIELDS, self.new_result,
                                        'skipped', self._sleep)
        entries = [entry for entry in (self._decide(machine, result) for machine, result in to_handle) if entry]
        if entries and self.options['only_if_idle']:
            entries = self._check_idle(entries)
        if self.check_mode:
            for entry in entries:
                if self.waiting:
                    entry.finish('done', power_state_after=TARGET_STATES[entry.action])
                else:
                    # No job is started in check mode: the action is predicted as started, without a job.
                    entry.finish('pending', power_state_after=TARGET_STATES[entry.action])
            return results
        self._work(entries)
        return results

    def _decide(self, machine, result):
        """The entry of a machine to act on, or None when it is skipped (its result says why)."""
        result.update(power_state_before=machine.get('PowerState'), power_state_after=machine.get('PowerState'))
        action, reason = decide_power(machine, self.options['state'], self.options['only_if_idle'])
        result['action'] = action
        if reason is not None:
            result.update(status='skipped', reason=reason)
            return None
        return PowerEntry(machine, result, action)

    def _check_idle(self, entries):
        """only_if_idle: read the machines again right before acting, and keep those still to act on."""
        answers = read_machines(self.client, [entry.id for entry in entries], POWER_FIELDS, sleep=self._sleep)
        kept = []
        for entry in entries:
            machine = answers[entry.id]
            if isinstance(machine, DaaSError):
                entry.finish('failed', str(machine))
                continue
            entry.result['power_state_after'] = machine.get('PowerState')
            action, reason = decide_power(machine, self.options['state'], True)
            entry.result['action'] = action
            if reason is not None:
                entry.finish('skipped', reason)
                continue
            entry.before = entry.last_seen = machine
            kept.append(entry)
        return kept

    def _work(self, entries):
        """Send, then follow until every machine is finished (started, when not waiting)."""
        interval = POLL_INTERVAL
        while True:
            sending = [entry for entry in entries if entry.phase == SENDING]
            if sending:
                self._send(sending)
            open_entries = [entry for entry in entries if entry.phase in (UNKNOWN, IN_FLIGHT)]
            if not self.waiting:
                for entry in open_entries:
                    if entry.phase == IN_FLIGHT:
                        entry.finish('pending')
                open_entries = [entry for entry in open_entries if entry.phase == UNKNOWN]
            if not open_entries:
                return
            self._sleep(interval)
            interval = min(interval * POLL_GROWTH, MAX_POLL_INTERVAL)
            self._poll(open_entries)

    def _send(self, entries):
        """The power actions in $batch; one whose answer was lost to a fault is read back before anything else."""
        force = self.options['force']
        requests = [self.client.power_request(entry.id, entry.action,
                                              force=force if entry.action in ('shutdown', 'reboot') else None)
                    for entry in entries]
        for entry, outcome in zip(entries, self.client.batch(requests)):
            if entry.sent_at is None:
                entry.sent_at = self._clock()
            if is_fault(outcome):
                entry.faults += 1
                entry.error = outcome.error
                entry.phase = UNKNOWN
            elif outcome.error is not None or not outcome.location:
                entry.finish('failed', str(outcome.error or 'the power action was accepted without a job Location'))
            else:
                entry.job = job_id_of(outcome.location)
                entry.result.update(job_id=entry.job, status='pending')
                if self.waiting:
                    entry.result['power_state_after'] = None
                entry.phase = IN_FLIGHT

    def _poll(self, entries):
        """Read every machine in flight once; follow each one; read the jobs of those that need it in one $batch."""
        try:
            states = self.watch.read([(entry.id, entry.result['name']) for entry in entries])
        except DaaSError as err:
            if not err.transient:
                raise
            states = {}
        to_check = []
        for entry in entries:
            machine = states.get(entry.id)
            if machine is None:
                self._unread(entry)
                continue
            entry.read_faults = 0
            entry.last_seen = machine
            if entry.action == 'reboot':
                entry.went_down = entry.went_down or is_down(machine)
            if entry.phase == UNKNOWN:
                self._resolve(entry, machine)
            if entry.phase == IN_FLIGHT and self.waiting and self._follow(entry, machine):
                to_check.append(entry)
        if to_check:
            self._check_jobs(to_check)

    def _unread(self, entry):
        """A machine the poll could not read: read again next poll, within its bounds."""
        entry.read_faults += 1
        if entry.phase == UNKNOWN and entry.read_faults >= FAULT_TRIES:
            entry.finish('failed', 'the answer to its %s was lost (%s) and the machine could not be read again: check '
                                   'it before sending the action again' % (entry.action, entry.error))
        elif entry.phase == IN_FLIGHT:
            self._deadline(entry, entry.last_seen)

    @staticmethod
    def _moved(entry, machine):
        """Whether the machine shows its action under way or done: a reboot went down or rebooted, another action
        changed the power state."""
        if entry.action == 'reboot':
            return entry.went_down or last_reboot_time(machine) != last_reboot_time(entry.before)
        return machine.get('PowerState') != entry.before.get('PowerState')

    def _resolve(self, entry, machine):
        """An action whose answer was lost: carried out when the machine shows it, else sent again (still wanted)."""
        if machine.get('PowerActionPending') or self._moved(entry, machine):
            entry.phase = IN_FLIGHT
            return
        _action, reason = decide_power(machine, self.options['state'], self.options['only_if_idle'])
        if reason is not None:
            entry.finish('skipped', reason, power_state_after=machine.get('PowerState'))
        elif entry.faults >= FAULT_TRIES:
            entry.finish('failed', 'the %s could not be sent: %s' % (entry.action, entry.error))
        else:
            entry.phase = SENDING

    @staticmethod
    def _reached(entry, machine):
        """Whether a read shows the entry's action done and over (no power action pending any more)."""
        return action_reached(entry.action, entry.before, machine, entry.went_down) and not machine.get('PowerActionPending')

    def _follow(self, entry, machine):
        """A machine's progress; True when its job is to be read now (the action looks done, or stalled)."""
        pending = machine.get('PowerActionPending')
        if self._reached(entry, machine):
            if entry.job is None:
                entry.finish('done', power_state_after=machine.get('PowerState'))
                return False
            return True
        quiet = not pending and not self._moved(entry, machine)
        if quiet and entry.job is not None and (
                entry.job_checked_at is None or self._clock() - entry.job_checked_at >= JOB_CHECK_INTERVAL):
            return True
        self._deadline(entry, machine)
        return False

    def _deadline(self, entry, machine):
        if self._clock() - entry.sent_at <= self.options['wait_timeout']:
            return
        target = TARGET_STATES[entry.action]
        seen = 'last seen %s/%s' % (machine.get('PowerState'), machine.get('RegistrationState'))
        entry.finish('failed', 'machine %s did not reach %s%s within %g s (%s) (wait_timeout)%s' % (
            entry.result['name'], target, ' and register again' if entry.action == 'reboot' else '',
            self.options['wait_timeout'], seen,
            '; its job %s may still be running' % entry.job if entry.job else ''))

    def _check_jobs(self, entries):
        """The jobs of the machines given, in one $batch: a job that ended decides the machine's outcome."""
        outcomes = self.client.batch([self.client.job_read_request(entry.job) for entry in entries])
        for entry, outcome in zip(entries, outcomes):
            entry.job_checked_at = self._clock()
            job = outcome.body if outcome.error is None and isinstance(outcome.body, dict) else {}
            status = str(job.get('Status'))
            meaning = CITRIX_JOB_STATES.get(status)
            after = entry.last_seen.get('PowerState')
            if meaning in ('success', 'warning') and not self._reached(entry, entry.last_seen):
                # The job ended well, the machine is not there yet: followed on, within wait_timeout.
                self._deadline(entry, entry.last_seen)
            elif meaning == 'success':
                entry.finish('done', power_state_after=after)
            elif meaning == 'warning':
                details = citrix_job_details(job)
                entry.finish('done', 'Job %s completed with a warning%s' % (entry.job, ': ' + details if details else ''),
                             power_state_after=after)
            elif meaning == 'failure':
                details = citrix_job_details(job)
                entry.finish('failed', 'Job %s ended with status %s%s' % (entry.job, status, ': ' + details if details else ''),
                             power_state_after=after)
            else:
                self._deadline(entry, entry.last_seen)


# Maintenance mode

class MaintenanceRun(object):
    """Puts machines in or out of maintenance mode: reads, decides (_machine.decide_maintenance), and sends each
    step of the drain fence's order (_machine.FENCE_STEPS, LIFT_STEPS) as one $batch for every machine at it."""

    def __init__(self, client, machines, enabled, tag, check_mode, sleep=None):
        self.client = client
        self.machines = machines
        self.enabled = enabled
        self.tag = tag
        self.check_mode = check_mode
        self._sleep = sleep or time.sleep
        self._tag_ready = False
        # True once any write succeeded, also on a machine whose next write then failed.
        self.wrote = False

    @staticmethod
    def new_result(name):
        """The result of a machine before it was read (a machine that cannot be read keeps it, as failed)."""
        return dict(name=name, id=None, status='failed', in_maintenance_mode_before=None, in_maintenance_mode_after=None,
                    tagged_before=None, reason=None)

    def run(self):
        """Every machine handled; returns the results in the order given."""
        results, to_handle = read_given(self.client, self.machines, MAINTENANCE_FIELDS, self.new_result, 'unchanged',
                                        self._sleep)
        work = []
        for machine, result in to_handle:
            steps = self._decide(machine, result)
            if steps and not self.check_mode:
                work.append(dict(result=result, steps=steps, done=[], faults=0))
        # Each round sends again only machines that met a fault, each at most FAULT_TRIES times: the loop ends.
        while work:
            work = self._send(work)
            if work:
                self._sleep(POLL_INTERVAL)
        return results

    def _decide(self, machine, result):
        """The steps a machine needs, in the protocol's order; its result as it will be once they are sent."""
        before = bool(machine.get('InMaintenanceMode'))
        result.update(in_maintenance_mode_before=before, in_maintenance_mode_after=before,
                      tagged_before=has_tag(machine, self.tag) if self.tag else None)
        switch_maintenance, add_tag, remove_tag, note = decide_maintenance(machine, self.enabled, self.tag)
        if note is not None:
            result.update(status='unchanged', reason=note)
            return []
        result.update(status='changed', in_maintenance_mode_after=self.enabled if switch_maintenance else before)
        wanted = {MAINTENANCE_ON: switch_maintenance and self.enabled, TAG_ON: add_tag, TAG_OFF: remove_tag,
                  MAINTENANCE_OFF: switch_maintenance and not self.enabled}
        return [step for step in (FENCE_STEPS if self.enabled else LIFT_STEPS) if wanted[step]]

    def _request(self, machine_id, step):
        if step in (TAG_ON, TAG_OFF):
            return self.client.machine_tag_request(machine_id, self.tag, step == TAG_ON)
        return self.client.maintenance_request(machine_id, step == MAINTENANCE_ON)

    def _send(self, work):
        """One round: each step as one $batch, in order; a machine whose step fails goes no further this round.
        Returns the machines to send again (a fault); those that failed for good are reported."""
        again = []
        for step in FENCE_STEPS + LIFT_STEPS:
            going = [item for item in work if item['steps'] and item['steps'][0] == step and item not in again]
            if not going:
                continue
            if step == TAG_ON and not self._tag_ready:
                try:
                    self.client.ensure_tag(self.tag, description=FENCE_DESCRIPTION)
                    self._tag_ready = True
                except DaaSError as err:
                    for item in going:
                        self._failed_step(item, step, err, again)
                    continue
            requests = [self._request(item['result']['id'], step) for item in going]
            for item, outcome in zip(going, self.client.batch(requests)):
                if outcome.error is None or (step == TAG_ON and outcome.status == 409) or \
                        (step == TAG_OFF and outcome.status == 404):
                    item['steps'].pop(0)
                    item['done'].append(step)
                    self.wrote = True
                else:
                    self._failed_step(item, step, outcome.error, again)
        return again

    def _failed_step(self, item, step, error, again):
        """A step that failed: sent again next round after a fault (these writes are safe to repeat), else reported."""
        item['faults'] += 1
        if error.transient and item['faults'] < FAULT_TRIES:
            again.append(item)
        else:
            self._fail(item, step, error)

    def _fail(self, item, step, error):
        """Report a machine whose step failed: after an earlier step, the failure says what state it is left in."""
        result, done = item['result'], item['done']
        if done:
            reason = ('%s done, then %s failed (the machine is in maintenance mode without the tag %s: switch '
                      'maintenance mode off by hand if it should be): %s' % (done[-1], step, self.tag, error.message))
        else:
            reason = str(error)
        after = result['in_maintenance_mode_before']
        if MAINTENANCE_ON in done or MAINTENANCE_OFF in done:
            after = MAINTENANCE_ON in done
        result.update(status='failed', reason=reason, in_maintenance_mode_after=after)
