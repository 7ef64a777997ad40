# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The drained reboot of many machines as one rolling pipeline (module rolling_reboot).

Under the run lock (_lock.RunLock), each machine is read, fenced (marked with the lock's tag, maintenance mode on,
then the fence tag: the order of _machine.MARKED_FENCE_STEPS), re-checked behind the fence, rebooted while still
idle, waited for until it is On and Registered again, and lifted (the tag removed, then maintenance mode off:
_machine.MARKED_LIFT_STEPS; the mark goes with the lock's tag at the end). At most
`max_unavailable` machines are out of service under a fence, counting the fences an earlier run left in the scope;
one that is lifted frees its slot at once. Each step sends one `$batch` for all the machines at that step, and the
wait reads every machine in flight with one search on the fence tag: requests grow with batches and pages, not with
machines. A fault (429, 5xx, a dropped connection) fails no machine at once: a write that is safe to repeat is sent
again in the next round, and a reboot whose outcome is unknown is read back before anything else is done with it.

In drain mode (a _drain.DrainPolicy), a machine that still has sessions behind its fence is drained instead of
lifted: its users are warned (one `$batch` of `$sendMessage` for every session due a warning in a round), it is
rebooted as soon as its last session ends, and at the deadline the policy logs off what it allows (one `$batch`);
a machine with a session left then is lifted and reported still busy. No machine is fenced after `finish_by`.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import time

# The bulk modules' limits hold for the pipeline too: fault tries, the longest poll, job checks, sites without $search.
from ansible_collections.citrix_cloud.daas.plugins.module_utils._bulk import (
    FAULT_TRIES,
    JOB_CHECK_INTERVAL,
    MAX_POLL_INTERVAL,
    SEARCH_UNAVAILABLE,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import SESSION_FIELDS, BatchOutcome
from ansible_collections.citrix_cloud.daas.plugins.module_utils._drain import (
    DEADLINE,
    MESSAGE_STYLE,
    WARN,
    session_machine_id,
    session_user,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.module_utils._jobs import CITRIX_JOB_STATES, citrix_job_details, job_id_of
from ansible_collections.citrix_cloud.daas.plugins.module_utils._sessions import selector_filters
from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import (
    BROKEN,
    DECISION_FIELDS,
    FENCE_DESCRIPTION,
    FENCED,
    LIFT_STEPS,
    MAINTENANCE_ON,
    MARK_ON,
    MARKED_FENCE_STEPS,
    MARKED_LIFT_STEPS,
    TAG_OFF,
    TAG_ON,
    action_reached,
    fence_state,
    fence_steps_to_send,
    has_tag,
    is_down,
    last_reboot_time,
    parse_rfc3339,
    reboot_skip_reason,
    same_machine_reason,
    session_count,
)

LATE = 'changed after it was chosen: '
BROKEN_FENCE = 'it carries the fence tag without maintenance mode (switched off behind a fence)'
POLL_INTERVAL = 0.5
# A machine that the read behind the fence misses this often has lost its fence.
MISSES_ALLOWED = 3

QUEUED, FENCING, CHECKING, DRAINING, REBOOTING, LIFTING, FINISHED = (
    'queued', 'fencing', 'checking', 'draining', 'rebooting', 'lifting', 'finished')
OUT_OF_SERVICE = (FENCING, CHECKING, DRAINING, REBOOTING, LIFTING)
IN_FLIGHT = (CHECKING, DRAINING, REBOOTING)


class Entry(object):
    """One machine on its way through the pipeline, with its result (slots: a run may hold tens of thousands)."""

    __slots__ = ('given', 'phase', 'before', 'last_seen', 'steps', 'faults', 'fence_up', 'fence_kept', 'adopted',
                 'marked', 'job', 'rebooted_at', 'job_checked_at', 'went_down', 'misses', 'cancelled',
                 'reads_since_cancel', 'drain_started', 'warnings_sent', 'logoff_sent_at', 'result')

    def __init__(self, given, predicted):
        self.given = given
        self.phase = QUEUED
        self.before = None
        self.last_seen = None
        # The fence or lift steps still to send, in order; faults met at the current phase.
        self.steps = []
        self.faults = 0
        self.fence_up = False
        # Still fenced at its end (a lift that failed, a power action still pending): it stays out of service.
        self.fence_kept = False
        self.adopted = False
        # It carries this run's mark (the lock's tag): a fence or lift step of it needs no mark first.
        self.marked = False
        self.job = None
        self.rebooted_at = None
        self.job_checked_at = None
        self.went_down = False
        self.misses = 0
        # After the deadline: why the reboot failed, and how often the machine was read since its job was cancelled.
        self.cancelled = None
        self.reads_since_cancel = 0
        # Drain mode: when the drain began (the pipeline's clock), the warnings sent, when its logoffs were sent.
        self.drain_started = None
        self.warnings_sent = 0
        self.logoff_sent_at = None
        self.result = dict(name=given, id=None, status='failed', reason=None, job_id=None, power_state_before=None,
                           power_state_after=None, fenced=False, lifted=None, predicted=predicted)

    def drained(self):
        """Start the result's drain fields (drain mode only): the users warned, the warnings sent, those logged off."""
        self.result.setdefault('warned', [])
        self.result.setdefault('warnings', 0)
        self.result.setdefault('logged_off', [])

    @property
    def id(self):
        return self.result['id']

    def finish(self, status, reason=None, lift_steps=None, **fields):
        """End the machine's work: lifted next when it carries a fence (never over a pending power action)."""
        self.result.update(status=status, reason=reason, **fields)
        self.steps = list(MARKED_LIFT_STEPS if self.fence_up and lift_steps is None else lift_steps or [])
        self.faults = 0
        if self.fence_up and self.last_seen is not None and self.last_seen.get('PowerActionPending'):
            self.steps = []
            self.fence_kept = True
            self.result.update(lifted=False, reason='%s; left fenced: a power action is still pending on it (lift it '
                                                    'once it has ended: the next run does)' % reason)
        self.phase = LIFTING if self.steps else FINISHED
        # Its reads are no longer needed: a large run holds the machines in flight, not every machine it read.
        self.before = self.last_seen = None


def _fault(outcome):
    """Whether a $batch call failed with a fault (429, 5xx, the whole batch lost), which a later round may repeat."""
    return outcome.error is not None and outcome.error.transient


class RollingReboot(object):
    """Reboots the machines of `names` (names or Ids) through the pipeline; run() returns their results, in order.

    `lock` is the RunLock held while working (None: no lock); `chosen_at` (RFC 3339) is when the machines were
    chosen: one that rebooted since (another run rebooted it) is skipped. `drain` (a DrainPolicy) drains machines
    that have sessions; `finish_by` (an aware datetime) is when no more machines are fenced; `now` gives the time of
    day (aware) that finish_by is compared with (session ages are measured against the API's clock).
    """

    def __init__(self, client, names, fence_tag, max_unavailable, wait_timeout, check_mode, lock=None, chosen_at=None,
                 sleep=None, clock=None, drain=None, finish_by=None, now=None):
        self.client = client
        self.fence_tag = fence_tag
        self.max_unavailable = max_unavailable
        self.wait_timeout = wait_timeout
        self.check_mode = check_mode
        self.lock = lock
        self.chosen_at = parse_rfc3339(chosen_at)
        self._sleep = sleep or time.sleep
        self._clock = clock or time.monotonic
        self._now = now or (lambda: datetime.datetime.now(datetime.timezone.utc))
        self.drain = drain
        self.finish_by = finish_by
        self.entries = [Entry(name, check_mode) for name in dict.fromkeys(names)]
        if drain is not None:
            for entry in self.entries:
                entry.drained()
        self._first_entry_of = {}
        self._search_works = bool(fence_tag)
        self._tag_ready = False
        # How long the reboots that are done took, to read again when the next ones are due.
        self._reboot_seconds = []
        # Logoffs were sent: the machines are read again soon (the growing pause starts over).
        self._logoffs_sent = False
        self.stopped_by = None

    @property
    def mark(self):
        """The tag that marks the machines this run writes to: its run lock's (None without a lock)."""
        return self.lock.name if self.lock is not None else None

    # Reads

    def _read_each(self, entries):
        """Id or given name -> machine (or the DaaSError of its read), one $batch of GETs for all."""
        requests = [self.client.machine_read_request(e.id or e.given, DECISION_FIELDS) for e in entries]
        answers = {}
        for entry, outcome in zip(entries, self.client.batch(requests)):
            if outcome.error is None and isinstance(outcome.body, dict):
                answers[entry.id or entry.given] = outcome.body
            elif outcome.status == 404:
                answers[entry.id or entry.given] = outcome.error.with_message("machine '%s' was not found" % entry.given)
            else:
                answers[entry.id or entry.given] = outcome.error or DaaSError('the read answered without a machine')
        return answers

    def _search_fence(self, fields):
        """The machines that carry the fence tag (one search); None when the site cannot search."""
        if not self._search_works:
            return None
        try:
            return self.client.machines_with_tag(self.fence_tag, fields)
        except DaaSError as err:
            if err.status not in SEARCH_UNAVAILABLE:
                raise
            self._search_works = False
            self.client.warnings.append('Machines/$search answered HTTP %s: machines in flight are read in $batch '
                                        'instead' % err.status)
            return None

    def _read_in_flight(self, entries):
        """Id -> machine for the machines in flight: one search on the fence tag, else one $batch of GETs."""
        found = self._search_fence(DECISION_FIELDS)
        if found is not None:
            return dict((machine.get('Id'), machine) for machine in found)
        return dict((key, machine) for key, machine in self._read_each(entries).items() if isinstance(machine, dict))

    # Steps

    def _claim(self, entry, machine):
        """Fill in the entry from its first read; False when another entry already handles the same machine."""
        entry.result.update(name=machine.get('Name') or entry.given, id=machine.get('Id'),
                            power_state_before=machine.get('PowerState'), power_state_after=machine.get('PowerState'))
        first = self._first_entry_of.setdefault(entry.id, entry)
        if first is not entry:
            entry.finish('skipped', same_machine_reason(first.given))
            return False
        return True

    def _skip_reason(self, machine, now, fenced, drain=False):
        """Why the machine is not to be rebooted now (with `drain`: nor drained), or None; behind its fence, its
        maintenance mode is the fence's."""
        reason = reboot_skip_reason(machine, now, fenced=frozenset([machine.get('Id')]) if fenced else frozenset(),
                                    drain=drain and self.drain is not None)
        last = last_reboot_time(machine)
        if reason is None and self.chosen_at is not None and last is not None and last >= self.chosen_at:
            reason = 'rebooted at %s, after it was chosen (by another run)' % machine.get('FormattedLastDeregistrationTime')
        return reason

    def _admit(self, entries):
        """Read the next machines right before their fence, and fence those still to reboot."""
        now = self._now()
        answers = self._read_each(entries)
        for entry in entries:
            machine = answers[entry.id or entry.given]
            if isinstance(machine, DaaSError):
                entry.faults += 1
                if not machine.transient or entry.faults >= FAULT_TRIES:
                    entry.finish('failed', str(machine))
                continue
            entry.faults = 0
            if not self._claim(entry, machine):
                continue
            entry.last_seen = machine
            state = fence_state(machine, self.fence_tag)
            if state == BROKEN:
                entry.finish('skipped', LATE + BROKEN_FENCE + ': the tag is removed, maintenance mode left as it is',
                             lift_steps=[TAG_OFF])
                continue
            # A fence found up (an earlier run's, in this run's scope) is carried on, and lifted by this run.
            entry.fence_up = state == FENCED
            entry.result['fenced'] = entry.fence_up
            reason = self._skip_reason(machine, now, entry.fence_up, drain=True)
            if reason is not None:
                entry.finish('skipped', LATE + reason)
                continue
            outside = None if entry.fence_up else self._outside_window(machine, now)
            if outside is not None:
                entry.finish('skipped', outside)
                continue
            entry.before = machine
            entry.marked = not self.mark or has_tag(machine, self.mark)
            entry.steps = fence_steps_to_send(machine, MARKED_FENCE_STEPS, self.fence_tag, self.mark) \
                if self.fence_tag else []
            entry.phase = FENCING if entry.steps else CHECKING
        self._fence([entry for entry in entries if entry.phase == FENCING])

    def _outside_window(self, machine, now):
        """Why a machine is not fenced at `now` (finish_by has passed, or its drain would end after it), or None."""
        if self.finish_by is None:
            return None
        if now >= self.finish_by:
            return 'not fenced: finish_by %s has passed' % self.finish_by.isoformat()
        if self.drain is not None and session_count(machine) and \
                now + datetime.timedelta(seconds=self.drain.warning) > self.finish_by:
            return 'not fenced: its drain (warning_minutes %g) would end after finish_by %s' % (
                self.drain.warning / 60.0, self.finish_by.isoformat())
        return None

    def _send_steps(self, entries):
        """Send the entries' next fence or lift steps, one $batch per step in the protocol's order; an entry whose
        step fails goes no further this round. Returns {entry: (step, outcome)} of those that failed."""
        failed = {}
        for entry in entries:
            if entry.steps and entry.steps[0] == MARK_ON and entry.marked:
                entry.steps.pop(0)
        for step in MARKED_FENCE_STEPS + LIFT_STEPS:
            going = [entry for entry in entries if entry not in failed and entry.steps and entry.steps[0] == step]
            if not going:
                continue
            if step == TAG_ON and not self._tag_ready:
                try:
                    self.client.ensure_tag(self.fence_tag, description=FENCE_DESCRIPTION)
                except DaaSError as err:
                    if not err.transient:
                        raise
                    # The tag's step of these machines meets the same fault: sent again next round.
                    failed.update((entry, (step, BatchOutcome(None, None, None, err))) for entry in going)
                    continue
                self._tag_ready = True
            requests = [self._step_request(entry.id, step) for entry in going]
            for entry, outcome in zip(going, self.client.batch(requests)):
                if outcome.error is None or (step in (MARK_ON, TAG_ON) and outcome.status == 409) or \
                        (step == TAG_OFF and outcome.status == 404):
                    entry.steps.pop(0)
                    entry.faults = 0
                    entry.marked = entry.marked or step == MARK_ON
                else:
                    failed[entry] = (step, outcome)
        return failed

    def _step_request(self, machine_id, step):
        if step == MARK_ON:
            return self.client.machine_tag_request(machine_id, self.mark, True)
        if step in (TAG_ON, TAG_OFF):
            return self.client.machine_tag_request(machine_id, self.fence_tag, step == TAG_ON)
        return self.client.maintenance_request(machine_id, step == MAINTENANCE_ON)

    def _fence(self, entries):
        """The fence steps; a step that failed with a fault is sent again next round. One that failed for good ends
        the machine: after the first, the machine is left as it is (reported); after a later one, it is lifted."""
        failed = self._send_steps(entries)
        for entry in entries:
            if entry in failed:
                step, outcome = failed[entry]
                entry.faults += 1
                if _fault(outcome) and entry.faults < FAULT_TRIES:
                    continue
                if step == MARK_ON:
                    entry.finish('failed', 'not rebooted: it could not be marked with the run lock\'s tag before its '
                                           'fence: %s' % outcome.error)
                elif step != MAINTENANCE_ON:
                    # Maintenance mode is the run's: lifted again (a tag added after all is removed first).
                    entry.finish('failed', 'not rebooted: the fence could not be completed (%s failed): %s'
                                 % (step, outcome.error), lift_steps=MARKED_LIFT_STEPS)
                elif _fault(outcome):
                    entry.finish('failed', 'not rebooted: maintenance mode could not be switched on: %s; if it is on '
                                           'all the same (its answer was lost), switch it off by hand' % outcome.error)
                else:
                    entry.finish('failed', 'not rebooted: maintenance mode could not be switched on: %s' % outcome.error)
            elif not entry.steps:
                entry.fence_up = True
                entry.result['fenced'] = True
                entry.phase = CHECKING

    def _recheck(self, entry, machine, now, to_reboot):
        """Behind the fence: reboot a machine that is still idle; in drain mode, drain one that has sessions; else
        lift it."""
        reason = self._skip_reason(machine, now, entry.fence_up)
        if reason is not None and self._skip_reason(machine, now, entry.fence_up, drain=True) is None:
            entry.phase = DRAINING
            if entry.drain_started is None:
                entry.drain_started = self._clock()
        elif reason is not None:
            entry.finish('skipped', LATE + reason, power_state_after=machine.get('PowerState'))
        else:
            entry.before = machine
            to_reboot.append(entry)

    def _drain_step(self, entry, machine, now, to_reboot, due):
        """A draining machine: rebooted once empty; a warning or the deadline due is noted in `due`; a machine
        whose logoffs have not emptied it within wait_timeout is lifted, still busy."""
        if session_count(machine) == 0:
            entry.phase = CHECKING
            self._recheck(entry, machine, now, to_reboot)
            return
        reason = self._skip_reason(machine, now, entry.fence_up, drain=True)
        if reason is not None:
            entry.finish('skipped', LATE + reason, power_state_after=machine.get('PowerState'))
        elif entry.logoff_sent_at is not None:
            if self._clock() - entry.logoff_sent_at > self.wait_timeout:
                entry.finish('skipped', 'still busy: %d session(s) left %g s after their logoff'
                             % (session_count(machine), self.wait_timeout))
        else:
            step = self.drain.next_step(entry.drain_started, self._clock(), entry.warnings_sent)
            if step in (WARN, DEADLINE):
                due[entry] = step

    def _drain_actions(self, due):
        """The warnings and logoffs due this round: one search of the sessions of those machines, then one $batch.
        Session ages are measured against the API's own clock."""
        try:
            sessions = self.client.search_sessions(selector_filters(machines=[e.result['name'] for e in due]),
                                                   SESSION_FIELDS)
            now = self.client.server_time() if DEADLINE in due.values() else None
        except DaaSError as err:
            if not err.transient:
                raise
            # Read again next round: a warning comes late, the deadline waits for the read.
            return
        by_machine = {}
        for session in sessions:
            by_machine.setdefault(session_machine_id(session), []).append(session)
        clock = self._clock()
        requests, sent = [], []
        for entry, step in due.items():
            on_machine = by_machine.get(entry.id, [])
            if step == WARN:
                title, text = self.drain.message(entry.drain_started, clock)
                body = self.client.message_body(title, text, MESSAGE_STYLE)
                entry.warnings_sent = self.drain.warnings_due(entry.drain_started, clock)
                entry.result['warnings'] = entry.warnings_sent
                for session in self.drain.to_warn(on_machine):
                    requests.append(self.client.session_action_request(session['Id'], 'sendMessage', body))
                    sent.append((entry, 'warned', session))
                continue
            logoff = self.drain.to_log_off(on_machine, now)
            # Sessions that the machine's read counts but the search did not show stay, too.
            staying = max(len(on_machine), session_count(entry.last_seen) or 0) - len(logoff)
            for session in logoff:
                requests.append(self.client.session_action_request(session['Id'], 'logoff'))
                sent.append((entry, 'logged_off', session))
            if staying:
                entry.finish('skipped', 'still busy at the deadline: %d session(s) that logoff %s leaves'
                             % (staying, self.drain.logoff))
            elif logoff:
                entry.logoff_sent_at = clock
                self._logoffs_sent = True
        for (entry, field, session), outcome in zip(sent, self.client.session_actions(requests) if requests else []):
            # A session already gone counts as logged off; a warning that did not reach its user is not counted.
            if outcome.error is None or (field == 'logged_off' and outcome.status == 404):
                user = session_user(session)
                if user not in entry.result[field]:
                    entry.result[field].append(user)
            elif field == 'logged_off' and entry.phase == DRAINING:
                entry.faults += 1
                if entry.faults < FAULT_TRIES:
                    # Logging off is safe to repeat: the deadline's step comes again next round.
                    entry.logoff_sent_at = None
                else:
                    entry.finish('failed', 'not rebooted: the logoff of a session failed: %s' % outcome.error)

    def _reboot(self, entries):
        """The reboots, in one $batch; each one's job is kept for its failure's details.

        A reboot that failed with a fault may have been carried out: the machine is read back (rebooting, or still
        idle and checked again before one more reboot is sent).
        """
        requests = [self.client.power_request(entry.id, 'reboot') for entry in entries]
        for entry, outcome in zip(entries, self.client.batch(requests)):
            if _fault(outcome):
                entry.faults += 1
                if entry.faults < FAULT_TRIES:
                    entry.job, entry.rebooted_at, entry.phase = None, self._clock(), REBOOTING
                    continue
            if outcome.error is not None or not outcome.location:
                entry.finish('failed', str(outcome.error or 'the reboot was accepted without a job Location'))
                continue
            entry.faults = 0
            entry.job = job_id_of(outcome.location)
            entry.rebooted_at = self._clock()
            entry.result.update(job_id=entry.job, power_state_after=None)
            entry.phase = REBOOTING

    def _follow(self, entry, machine):
        """A rebooting machine's progress: done once back On and Registered; a failed job or the deadline ends it."""
        entry.went_down = entry.went_down or is_down(machine)
        if action_reached('reboot', entry.before, machine, entry.went_down):
            entry.finish('done', power_state_after=machine.get('PowerState'))
            self._reboot_seconds.append(self._clock() - entry.rebooted_at)
            return
        if entry.cancelled is not None:
            # Lifted once the cancel has taken its action away; left fenced if it still has one after a few reads.
            entry.reads_since_cancel += 1
            if not machine.get('PowerActionPending') or entry.reads_since_cancel >= FAULT_TRIES:
                entry.finish('failed', entry.cancelled, power_state_after=machine.get('PowerState'))
            return
        quiet = not entry.went_down and not machine.get('PowerActionPending')
        if entry.job is None:
            if quiet and last_reboot_time(machine) == last_reboot_time(entry.before):
                # The reboot whose answer was lost was not carried out: check it again, then reboot it.
                entry.phase = CHECKING
                return
        elif quiet and (entry.job_checked_at is None or self._clock() - entry.job_checked_at >= JOB_CHECK_INTERVAL):
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
        if self._clock() - entry.rebooted_at > self.wait_timeout:
            self._deadline_passed(entry, machine)

    def _deadline_passed(self, entry, machine):
        """The reboot did not end within wait_timeout: a reboot still pending is cancelled (its job) and the machine
        read again until its action is gone; one whose action stays pending stays fenced (finish never lifts over a
        pending action)."""
        if entry.went_down:
            what = 'did not come back On and Registered within %g s of its reboot (last seen %s/%s)' % (
                self.wait_timeout, machine.get('PowerState'), machine.get('RegistrationState'))
        else:
            what = 'did not go down within %g s of its reboot' % self.wait_timeout
        if machine.get('PowerActionPending') and entry.job is not None:
            try:
                self.client.cancel_job(entry.job)
            except DaaSError as err:
                what += '; its reboot job %s could not be cancelled: %s' % (entry.job, err)
            else:
                entry.cancelled = what + '; its reboot job %s was cancelled' % entry.job
                return
        entry.finish('failed', what, power_state_after=machine.get('PowerState'))

    def _lift(self, entries):
        """The lift steps; what fails is tried again next round, up to FAULT_TRIES rounds, then reported."""
        failed = self._send_steps(entries)
        for entry in entries:
            if not entry.steps:
                entry.result['lifted'] = True
                entry.phase = FINISHED
                continue
            entry.faults += 1
            if entry.faults >= FAULT_TRIES:
                step, outcome = failed[entry]
                entry.result.update(lifted=False, status='failed', reason=self._lift_failure(entry, step, outcome.error))
                entry.fence_kept = step in (MARK_ON, TAG_OFF)
                entry.phase = FINISHED

    @staticmethod
    def _lift_failure(entry, step, error):
        done = entry.result['reason'] + '; ' if entry.result['reason'] else ''
        if step in (MARK_ON, TAG_OFF):
            what = 'it stays fenced, maintenance mode and tag: the next run lifts it'
        else:
            what = 'the tag was removed, then maintenance mode could not be switched off: it is left in maintenance ' \
                   'mode without the fence tag, which no run touches: switch maintenance mode off by hand'
        return '%sthe drain fence could not be lifted (%s): %s' % (done, what, error)

    # The loop

    def _tick(self):
        """One round: admit into free places, fence, read the machines in flight, reboot, lift.

        Returns True when the next round may start at once (a place is free for a queued machine), False when it
        has to wait for reboots.
        """
        if self.lock is not None:
            self.lock.renew()
        queued = [e for e in self.entries if e.phase == QUEUED]
        # Fences found in the scope are out of service already: admitted first, and they count against the cap, as
        # do the fences this run could not lift.
        adopted = [e for e in queued if e.adopted]
        working = sum(1 for e in self.entries if e.phase in OUT_OF_SERVICE)
        kept = sum(1 for e in self.entries if e.fence_kept)
        free = self.max_unavailable - working - len(adopted) - kept
        admitted = adopted + [e for e in queued if not e.adopted][:max(free, 0)]
        if not admitted and queued and not working and free <= 0:
            for entry in queued:
                entry.finish('failed', 'not rebooted: %d machine(s) of this run stay fenced (their lift failed, see '
                                       'them), which fills max_unavailable' % kept)
            return False
        if admitted:
            self._admit(admitted)
        fencing = [e for e in self.entries if e.phase == FENCING and e not in admitted]
        if fencing:
            self._fence(fencing)
        in_flight = [e for e in self.entries if e.phase in IN_FLIGHT]
        if in_flight:
            self._follow_all(in_flight)
        lifting = [e for e in self.entries if e.phase == LIFTING]
        if lifting:
            self._lift(lifting)
        busy = sum(1 for e in self.entries if e.phase in OUT_OF_SERVICE)
        return busy < self.max_unavailable and any(e.phase == QUEUED for e in self.entries)

    def _follow_all(self, in_flight):
        """Read the machines in flight: re-check the fenced ones (and reboot those still idle), follow the others."""
        now = self._now()
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
        due = {}
        for entry in in_flight:
            machine = states.get(entry.id)
            if machine is None or (self.fence_tag and not has_tag(machine, self.fence_tag)):
                entry.misses += 1
                if entry.misses >= MISSES_ALLOWED:
                    entry.fence_up = False
                    entry.finish('failed', 'not found behind the fence %d times in a row: it no longer carries the '
                                           'fence tag' % entry.misses)
                continue
            entry.misses = 0
            entry.last_seen = machine
            if entry.phase == CHECKING:
                self._recheck(entry, machine, now, to_reboot)
            elif entry.phase == DRAINING:
                self._drain_step(entry, machine, now, to_reboot, due)
            else:
                self._follow(entry, machine)
        # The reboots first: a machine whose users have all left is rebooted before more warnings go out.
        if to_reboot:
            self._reboot(to_reboot)
        if due:
            self._drain_actions(due)

    def _timed_out(self, entry, err):
        """A rebooting machine whose wait ended while it could not be read stays fenced and is reported."""
        if entry.phase == REBOOTING and self._clock() - entry.rebooted_at > self.wait_timeout:
            entry.steps, entry.phase, entry.fence_kept = [], FINISHED, entry.fence_up
            entry.result.update(status='failed', lifted=False if entry.fence_up else None,
                                reason='not seen On and Registered within %g s of its reboot, and the last read failed '
                                       '(%s): left fenced, the next run lifts it' % (self.wait_timeout, err))

    def run(self):
        """Work until every machine is finished; returns the results in the order given.

        An error that stops the run (the API refuses us, another run holds the lock, ...) fails the machines not
        finished, and the fences this run set are still lifted where the API lets it; then `stopped_by` holds it.
        """
        if self.check_mode:
            self._predict()
            return [entry.result for entry in self.entries]
        interval = POLL_INTERVAL
        locked = False
        try:
            if self.lock is not None:
                self.lock.acquire()
                locked = True
            self._adopt_fences()
            while any(entry.phase != FINISHED for entry in self.entries):
                if self._tick():
                    interval = POLL_INTERVAL
                else:
                    if self._logoffs_sent:
                        interval, self._logoffs_sent = POLL_INTERVAL, False
                    self._sleep(self._pause(interval))
                    interval = min(interval * 1.5, MAX_POLL_INTERVAL)
        except DaaSError as err:
            self.stopped_by = err
            self._stop(err)
        finally:
            if locked:
                try:
                    self.lock.release()
                except DaaSError as err:
                    self.client.warnings.append('the run lock %s could not be deleted (its lease ends it): %s'
                                                % (self.lock.name, err))
        return [entry.result for entry in self.entries]

    def bounded_results(self, limit):
        """The results in the order given, at most `limit` per status (all of them when None), and besides those every
        machine whose fence an earlier run left (found fenced, or with the tag alone), so that its lift is told."""
        if limit is None:
            return [entry.result for entry in self.entries]
        shown = {}
        kept = []
        for entry in self.entries:
            result = entry.result
            found_fenced = entry.adopted or (result['lifted'] is not None and not result['fenced'])
            shown[result['status']] = shown.get(result['status'], 0) + 1
            if found_fenced or shown[result['status']] <= limit:
                kept.append(result)
        return kept

    def _adopt_fences(self):
        """Find the machines of the scope that are fenced already (one search on the fence tag, again after a fault)."""
        found = None
        for attempt in range(FAULT_TRIES):
            try:
                found = self._search_fence(('Id', 'Name', 'InMaintenanceMode', 'Tags')) if self.fence_tag else None
                break
            except DaaSError as err:
                if not err.transient or attempt + 1 == FAULT_TRIES:
                    raise
                self._sleep(POLL_INTERVAL)
        keys = set(str(key).lower() for machine in found or [] if machine.get('InMaintenanceMode')
                   for key in (machine.get('Id'), machine.get('Name')))
        for entry in self.entries:
            entry.adopted = entry.given.lower() in keys

    def _pause(self, interval):
        """How long to wait before the next round: until the first reboot in flight is due back (its reboot plus the
        shortest time a reboot took so far, and a twentieth more), else the growing `interval`. So once a reboot is
        done, each machine is read about when it is back, not many times before. (The shortest, not a mean: a time
        measured when a machine was read late would otherwise push every later read later.)"""
        due = []
        if self._reboot_seconds:
            typical = min(self._reboot_seconds) * 1.05
            due = [entry.rebooted_at + typical - self._clock() for entry in self.entries if entry.phase == REBOOTING]
        due = [seconds for seconds in due if seconds > 0]
        pause = min(max(min(due), 0.05), MAX_POLL_INTERVAL) if due else interval
        # A drain's next warning or deadline is not missed.
        events = [self.drain.next_event(entry.drain_started, entry.warnings_sent) - self._clock()
                  for entry in self.entries if entry.phase == DRAINING and entry.logoff_sent_at is None]
        return min([pause] + [max(seconds, 0.05) for seconds in events])

    def _stop(self, err):
        """After an error that ends the run: fail what is not finished and lift what this run fenced."""
        for entry in self.entries:
            if entry.phase == QUEUED:
                entry.result.update(status='failed', reason='not rebooted: the run stopped early (%s)' % err)
                entry.phase = FINISHED
            elif entry.phase in (FENCING,) + IN_FLIGHT:
                # A fence half set (maintenance mode on, the tag not yet) is this run's: lifted like a whole one.
                half_set = entry.phase == FENCING and MAINTENANCE_ON not in entry.steps
                entry.finish('failed', 'the run stopped early (%s)' % err,
                             lift_steps=MARKED_LIFT_STEPS if half_set else None)
        for _attempt in range(FAULT_TRIES):
            lifting = [e for e in self.entries if e.phase == LIFTING]
            if not lifting:
                return
            try:
                self._lift(lifting)
            except DaaSError as lift_error:
                for entry in lifting:
                    entry.faults += 1
                    if entry.faults >= FAULT_TRIES:
                        entry.result.update(lifted=False, reason=self._lift_failure(entry, entry.steps[0], lift_error))
                        entry.phase = FINISHED

    def _predict(self):
        """Check mode: read the machines with plain GETs (pages of the site) and predict each one's outcome."""
        now = datetime.datetime.now(datetime.timezone.utc)
        wanted = set(entry.given.lower() for entry in self.entries)
        by_key = {}
        for machine in self.client.scope_machines(fields=DECISION_FIELDS):
            keys = [str(key).lower() for key in (machine.get('Id'), machine.get('Name'))]
            for key in wanted.intersection(keys):
                by_key[key] = machine
        sessions, api_now = self._predicted_sessions(list(by_key.values()))
        for entry in self.entries:
            machine = by_key.get(entry.given.lower())
            if machine is None:
                entry.finish('failed', "machine '%s' was not found" % entry.given)
            elif self._claim(entry, machine):
                state = fence_state(machine, self.fence_tag)
                reason = self._skip_reason(machine, now, state == FENCED, drain=True)
                outside = None if state == FENCED else self._outside_window(machine, now)
                if state == BROKEN:
                    entry.finish('skipped', LATE + BROKEN_FENCE + ': the tag would be removed')
                elif reason is not None:
                    entry.finish('skipped', LATE + reason)
                elif outside is not None:
                    entry.finish('skipped', outside)
                elif session_count(machine):
                    self._predict_drain(entry, machine, sessions.get(machine.get('Id'), []), api_now)
                else:
                    entry.finish('done', power_state_after='On', fenced=bool(self.fence_tag))

    def _predicted_sessions(self, machines):
        """Check mode, drain mode: machine Id -> its sessions, for the machines that have some (one search, which
        changes nothing), and the API's time their ages are measured by."""
        busy = [machine.get('Name') for machine in machines if session_count(machine)]
        if self.drain is None or not busy:
            return {}, None
        by_machine = {}
        for session in self.client.search_sessions(selector_filters(machines=busy), SESSION_FIELDS):
            by_machine.setdefault(session_machine_id(session), []).append(session)
        return by_machine, self.client.server_time()

    def _predict_drain(self, entry, machine, sessions, now):
        """Check mode: who would be warned, what the policy would log off at the deadline (the sessions' ages
        then), and whether the machine would be rebooted, if nobody logged off on their own meanwhile."""
        deadline = now + datetime.timedelta(seconds=self.drain.warning)
        logoff = self.drain.to_log_off(sessions, deadline)
        entry.result.update(warned=[session_user(s) for s in self.drain.to_warn(sessions)],
                            warnings=self.drain.count, logged_off=[session_user(s) for s in logoff])
        staying = max(len(sessions), session_count(machine)) - len(logoff)
        if staying:
            entry.finish('skipped', 'would still be busy at the deadline unless its users log off: %d session(s) '
                                    'that logoff %s leaves' % (staying, self.drain.logoff), fenced=bool(self.fence_tag))
        else:
            entry.finish('done', power_state_after='On', fenced=bool(self.fence_tag))
