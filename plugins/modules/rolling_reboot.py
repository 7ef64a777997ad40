#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: rolling_reboot
version_added: 0.1.0
short_description: Reboot idle Citrix DaaS machines behind a drain fence, a few at a time
description:
  - Reboots a list of machines in one task, as a rolling pipeline. Each machine is read, fenced (maintenance mode on,
    so that no user can log on, then the O(fence_tag)), read again behind the fence, rebooted if it is still idle,
    waited for until it is C(On) and C(Registered) again, and lifted (the tag removed, then maintenance mode off). In
    that order the tag is only ever on a machine whose maintenance mode a run set; the states and what a run does in
    each are in the reboot workflow's documentation.
  - "One run at a time: the task holds a run lock, a site tag named C(<fence_tag>-lock-<n>) whose description names
    the run and when its lease ends (renewed while the run works). A second run waits up to O(lock_timeout) seconds,
    then fails with one line that names the run holding the lock. The lock of a run that was killed ends with its
    lease (O(lock_lease)); the next run then takes it over, with a warning."
  - At most O(max_unavailable) machines are out of service under a fence at any time, counting the machines of
    O(machines) that are fenced already (an earlier run's fence, carried on and lifted by this one); a machine that
    is lifted frees its place at once for the next one.
  - "Each step sends one C($batch) request for all the machines at that step (fences, reboots, lifts; at most 100
    calls per request), and the wait reads every machine in flight with one C(Machines/$search) on the fence tag: the
    requests grow with the number of steps, not with the number of machines. A site that answers C($batch) or
    C($search) with 404, 405 or 501 is served one request per machine instead, with a warning."
  - "A machine is rebooted only when, behind the fence, it has no session (C(SessionCount) is 0), is C(On) and
    C(Registered), has no power action pending and supports C(Restart) or C(Reset). Otherwise it is skipped, with the
    reason, and its fence lifted. The reboot is never forced, so no session can be lost."
  - The fence is lifted only from machines that this task fenced or that carry O(fence_tag) (an earlier, interrupted
    run's fence). A machine that an administrator put in maintenance mode (without the tag) is skipped and left in
    maintenance mode.
  - "Faults (429, 5xx, dropped connections) stop no run: a read, a fence or a lift step is sent again in the next
    round; a reboot whose outcome is unknown is read back (pending action, power state) and sent again only when it
    did not happen. A reboot that has not ended within O(wait_timeout) has its job cancelled; a machine whose power
    action is still pending is never lifted: it stays fenced and is reported, and the next run lifts it."
  - When the run must stop (the API refuses the calls, another run holds the lock), the machines not finished are
    failed and the fences already set are still lifted where the API allows; a fence that stays carries the tag, so
    the next run lifts it. RV(stopped_by) names the error.
  - "Drain mode (O(drain_sessions=true), opt-in): a machine that has sessions is fenced too (it counts against
    O(max_unavailable) like any other), and its users are warned with a message (O(warning_title), O(warning_text)):
    at once, then every O(warning_interval_minutes), at most O(warning_count) times, in one C($batch) of
    C($sendMessage) for every session due a warning in a round (a disconnected session, with nobody to read it, is
    sent none). The machine is rebooted as soon as its last session ends (seen by the same search per round).
    O(warning_minutes) after the first warning, O(logoff) decides: log off nothing, only the sessions disconnected
    for more than O(logoff_disconnected_minutes), or every session; a machine that still has a session then is
    lifted and reported still busy, never rebooted with a user on it."
  - No machine is fenced after O(finish_by), and in drain mode a machine with sessions only when its drain ends
    before it, so the work ends inside a maintenance window; the machines not reached are skipped with the reason.
  - The task fails when any machine failed, after every other machine has been handled; the failure still returns
    RV(results) and RV(summary).
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
options:
  machines:
    description:
      - The machines, by name (V(DOMAIN\\NAME)) or ID, in the order to reboot them. A machine named twice (by name and
        by ID) is handled once.
    type: list
    elements: str
    required: true
  max_unavailable:
    description:
      - How many machines may be out of service (fenced, rebooting, or waited for) at the same time. Must be 1 or more.
    type: int
    default: 50
  drain_fence:
    description:
      - Fence each machine (O(fence_tag) and maintenance mode) before its last check and reboot, so that no user can
        log on between the check and the reboot.
      - With V(false), each machine is checked and rebooted without a fence. A user who logs on between the check
        and the reboot keeps the session (the reboot is not forced, so it waits), but the machine is not rebooted
        until the session ends.
    type: bool
    default: true
  fence_tag:
    description:
      - The machine tag that marks the fence this module sets (created on the site when needed). Tag names compare
        without regard to case.
      - It also names the run lock (C(<fence_tag>-lock-<n>)), also with O(drain_fence=false).
    type: str
    default: citrix_cloud.daas-reboot-fence
  wait_timeout:
    description:
      - Seconds to wait for each machine to be C(On) and C(Registered) again, counted from its reboot; a machine that
        takes longer is failed (and lifted, unless its power action is still pending). Must be 1 or more.
    type: int
    default: 1200
  lock_timeout:
    description:
      - Seconds to wait for the run lock when another run holds it; then the task fails naming that run. V(0) fails at
        once.
    type: int
    default: 0
  lock_lease:
    description:
      - Seconds that the run lock lasts without a renewal; the run renews it every third of it while it works. The lock
        of a run that was killed is taken over this long after its last renewal. Must be 60 or more.
    type: int
    default: 900
  chosen_at:
    description:
      - When the machines were chosen (RFC 3339, for example V(2026-12-01T20:00:00Z)). A machine whose last reboot
        (C(FormattedLastDeregistrationTime)) is at or after it was rebooted since by another run, and is skipped.
    type: str
  drain_sessions:
    description:
      - Drain the machines that have sessions (warn their users, wait until they are empty, log off what O(logoff)
        allows at the deadline) instead of skipping them. With V(false), only idle machines are rebooted.
    type: bool
    default: false
  warning_title:
    description: The title of the warning sent to the users of a machine being drained.
    type: str
    default: Restart for maintenance
  warning_text:
    description:
      - The text of the warning; V(%m%) is replaced by the minutes left until the deadline (rounded up), as in
        Citrix's own reboot schedules.
    type: str
    default: This machine restarts for maintenance in %m% minutes. Save your work and log off.
  warning_minutes:
    description:
      - Minutes from the first warning to the deadline, when O(logoff) applies. More than 0; fractions of a minute
        are allowed.
    type: float
    default: 15.0
  warning_interval_minutes:
    description: Minutes between two warnings. More than 0.
    type: float
    default: 5.0
  warning_count:
    description:
      - How many warnings at most; all of them must fit before the deadline
        ((O(warning_count) - 1) x O(warning_interval_minutes) less than O(warning_minutes)).
    type: int
    default: 3
  logoff:
    description:
      - What is logged off at the deadline of a drain, after the last warning.
      - V(none) logs off nothing; V(disconnected) only the sessions disconnected for more than
        O(logoff_disconnected_minutes); V(all) every session, also active ones (an explicit choice).
      - A machine that still has a session then is lifted and reported still busy.
    type: str
    choices: [none, disconnected, all]
    default: none
  logoff_disconnected_minutes:
    description:
      - With O(logoff=disconnected), how long a session must have been disconnected (its C(StateChangeTime)) at the
        deadline to be logged off. 0 or more.
    type: int
    default: 60
  finish_by:
    description:
      - No machine is fenced after this time (RFC 3339, for example V(2026-12-02T05:00:00Z), or V(HH:MM), the next
        such time of day on the host that runs the module); in drain mode, a machine with sessions is fenced only
        when its deadline is before it.
    type: str
  result_limit:
    description:
      - At most this many entries of each status (V(done), V(skipped), V(failed)) in RV(results), which keeps the
        result of a run over many machines small; RV(summary) counts every machine, and a failure names the first
        machines that failed with their number. A machine whose fence an earlier run left is always listed.
      - When not set, one entry per machine.
    type: int
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.ACTIONS
attributes:
  check_mode:
    details: Check mode reads the machines with plain C(GET) requests (the site's machines, page by page), predicts
      each machine's outcome from its state, and sends nothing else; the results are marked RV(results[].predicted).
      In drain mode it also reads the sessions (one C(Sessions/$search), which changes nothing) and shows, per
      machine, who would be warned, what the policy would log off at the deadline, and whether it would be rebooted.
  diff_mode:
    details: The diff shows each machine rebooted (or that would be), with its C(PowerState) and C(InMaintenanceMode)
      before and after and the C(PowerAction) sent; in drain mode also each machine drained, with the users warned
      and those logged off.
seealso:
  - module: citrix_cloud.daas.machine_power
  - module: citrix_cloud.daas.machine_maintenance
  - name: The role citrix_cloud.daas.reboot_idle_machines
    description: The workflow that chooses the idle machines of catalogs and reboots them with this module.
    link: https://github.com/citrix-cloud-daas/citrix_cloud.daas/blob/main/roles/reboot_idle_machines/README.md
'''

EXAMPLES = r'''
- name: Reboot idle machines, twenty at a time, behind a drain fence
  citrix_cloud.daas.rolling_reboot:
    machines: "{{ selection.candidates | map(attribute='Id') | list }}"
    max_unavailable: 20
  register: reboot

- name: Nightly, drain and reboot with a 15-minute warning, logging off only sessions disconnected for over an hour
  citrix_cloud.daas.rolling_reboot:
    machines: "{{ selection.candidates | map(attribute='Id') | list }}"
    max_unavailable: 20
    drain_sessions: true
    warning_minutes: 15
    warning_interval_minutes: 5
    warning_count: 3
    logoff: disconnected
    logoff_disconnected_minutes: 60
    finish_by: "05:00"

- name: Show what was skipped and why
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.reason }}"
  loop: "{{ reboot.results | selectattr('status', 'equalto', 'skipped') | list }}"
  loop_control:
    label: "{{ item.name }}"
'''

RETURN = r'''
results:
  description:
    - One entry per machine, in the order of O(machines); with O(result_limit), at most that many of each status.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The machine's C(Name) (as given when it could not be read).
      type: str
      sample: DEMOLAB\KESTREL
    id:
      description: The machine's C(Id); V(null) when it could not be read.
      type: str
      sample: 9f6c2a1e-3b7d-4e8a-a1c4-5d2e8f9b0c17
    status:
      description:
        - V(done) (rebooted, back and registered, fence lifted; in check mode, it would be), V(skipped) (not rebooted,
          see RV(results[].reason)) or V(failed) (see RV(results[].reason)).
      type: str
      sample: done
    reason:
      description: Why the machine was skipped or failed.
      type: str
      sample: 'changed after it was chosen: has 1 session(s)'
    job_id:
      description: The ID of the reboot's job.
      type: str
      sample: 81c05d9f-3d8a-4b1c-9a52-6e0f7c3b2a10
    power_state_before:
      description: C(PowerState) at the first read.
      type: str
      sample: "On"
    power_state_after:
      description: C(PowerState) at the last read (predicted in check mode); V(null) when unknown.
      type: str
      sample: "On"
    fenced:
      description: Whether the machine was fenced (in check mode, would be).
      type: bool
      sample: true
    lifted:
      description: Whether the fence was lifted again; V(null) when the machine was never fenced.
      type: bool
      sample: true
    predicted:
      description: Whether the entry is a prediction (check mode).
      type: bool
      sample: false
    warned:
      description: Drain mode, the users a warning reached (in check mode, would reach).
      type: list
      elements: str
      returned: with O(drain_sessions=true)
      sample: ['DEMOLAB\alice']
    warnings:
      description: Drain mode, how many warnings were sent to the machine's users (in check mode, would be).
      type: int
      returned: with O(drain_sessions=true)
      sample: 3
    logged_off:
      description: Drain mode, the users whose sessions were logged off at the deadline (in check mode, would be).
      type: list
      elements: str
      returned: with O(drain_sessions=true)
      sample: ['DEMOLAB\bob']
left_in_maintenance:
  description:
    - Machines in maintenance mode without the fence tag that carry the mark of a run that was stopped (killed)
      while it worked, found when this run took over that run's lock. The stopped run may have switched maintenance
      mode on (or failed to switch it off) between two of its writes, which no read can tell from an
      administrator's maintenance mode, so no run touches them. Switch maintenance mode off on each one that no
      administrator put in maintenance mode. A warning names them too.
    - Reported once, by the run that takes over the stopped run's lock.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The machine's C(Id).
      type: str
    name:
      description: The machine's C(Name).
      type: str
    run:
      description: The stopped run, as its lock named it (run ID, host and process).
      type: str
  sample: [{id: 9f6c2a1e-3b7d-4e8a-a1c4-5d2e8f9b0c17, name: DEMOLAB\KESTREL, run: "run 4f0c2b9a11d3 (host awx-1, pid 812)"}]
stopped_by:
  description: The error that stopped the run before every machine was handled; V(null) when none did.
  returned: always
  type: str
  sample: "another rolling reboot holds the run lock citrix_cloud.daas-reboot-fence-lock-3: ..."
summary:
  description: Counts of the results by status.
  returned: always
  type: dict
  sample: {total: 3, done: 1, skipped: 1, failed: 1}
'''

import datetime

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import (
    DaaSModule,
    count_by_status,
    fail_if_any_machine_failed,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._drain import DEFAULTS, LOGOFF_POLICIES, DrainPolicy
from ansible_collections.citrix_cloud.daas.plugins.module_utils._lock import RunLock
from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import parse_rfc3339
from ansible_collections.citrix_cloud.daas.plugins.module_utils._rolling import RollingReboot

STATUSES = ('done', 'skipped', 'failed')


def diff(results):
    """Before and after of each machine rebooted (or that would be), and of each one drained."""
    rebooted = [r for r in results if r['job_id'] or (r['predicted'] and r['status'] == 'done')]
    drained = [r for r in results if r.get('warned') or r.get('logged_off')]
    before = dict((r['name'], dict(PowerState=r['power_state_before'], InMaintenanceMode=False))
                  for r in rebooted + drained)
    after = dict((r['name'], dict(PowerState=r['power_state_after'], PowerAction='reboot', InMaintenanceMode=False))
                 for r in rebooted)
    for r in drained:
        after.setdefault(r['name'], dict(PowerState=r['power_state_after'], InMaintenanceMode=False))
        after[r['name']].update(Warned=r['warned'], LoggedOff=r['logged_off'])
    return dict(before=before, after=after)


def execute(daas):
    """Run the pipeline, then report (and fail, naming them, when any machine failed)."""
    params = daas.params
    for name, least in (('max_unavailable', 1), ('wait_timeout', 1), ('lock_timeout', 0), ('lock_lease', 60)):
        if params[name] < least:
            daas.fail('%s must be %d or more, got %s' % (name, least, params[name]))
    if not params['fence_tag'].strip():
        daas.fail('fence_tag must not be empty')
    if params['result_limit'] is not None and params['result_limit'] < 0:
        daas.fail('result_limit must be 0 or more, got %s' % params['result_limit'])
    if params['chosen_at'] is not None and parse_rfc3339(params['chosen_at']) is None:
        daas.fail("chosen_at must be an RFC 3339 time such as 2026-12-01T20:00:00Z, got '%s'" % params['chosen_at'])
    try:
        policy = DrainPolicy.from_params(params, datetime.datetime.now(datetime.timezone.utc))
    except ValueError as err:
        daas.fail(str(err))
    if params['drain_sessions'] and not params['drain_fence']:
        daas.fail('drain_sessions needs drain_fence: a machine is drained only behind its fence')
    lock = RunLock(daas.client, params['fence_tag'], params['lock_timeout'], lease=params['lock_lease'])
    pipeline = RollingReboot(daas.client, params['machines'], params['fence_tag'] if params['drain_fence'] else None,
                             params['max_unavailable'], params['wait_timeout'], daas.check_mode, lock=lock,
                             chosen_at=params['chosen_at'], drain=policy if params['drain_sessions'] else None,
                             finish_by=policy.finish_by)
    results = pipeline.run()
    output = dict(changed=any(r['fenced'] or r['job_id'] or r['lifted'] for r in results),
                  results=pipeline.bounded_results(params['result_limit']),
                  summary=count_by_status(results, STATUSES),
                  stopped_by=str(pipeline.stopped_by) if pipeline.stopped_by is not None else None,
                  left_in_maintenance=lock.left_in_maintenance)
    if daas.module._diff:
        output['diff'] = diff(output['results'])
    if pipeline.stopped_by is not None:
        daas.fail_from_error(pipeline.stopped_by, **output)
    fail_if_any_machine_failed(daas, results, 'rolling reboot failed', output)
    return output


def main():
    DaaSModule(
        argument_spec=dict(
            machines=dict(type='list', elements='str', required=True),
            max_unavailable=dict(type='int', default=50),
            drain_fence=dict(type='bool', default=True),
            fence_tag=dict(type='str', default='citrix_cloud.daas-reboot-fence'),
            wait_timeout=dict(type='int', default=1200),
            lock_timeout=dict(type='int', default=0),
            lock_lease=dict(type='int', default=900),
            chosen_at=dict(type='str'),
            drain_sessions=dict(type='bool', default=False),
            warning_title=dict(type='str', default=DEFAULTS['warning_title']),
            warning_text=dict(type='str', default=DEFAULTS['warning_text']),
            warning_minutes=dict(type='float', default=DEFAULTS['warning_minutes']),
            warning_interval_minutes=dict(type='float', default=DEFAULTS['warning_interval_minutes']),
            warning_count=dict(type='int', default=DEFAULTS['warning_count']),
            logoff=dict(type='str', choices=list(LOGOFF_POLICIES), default=DEFAULTS['logoff']),
            logoff_disconnected_minutes=dict(type='int', default=DEFAULTS['logoff_disconnected_minutes']),
            finish_by=dict(type='str'),
            result_limit=dict(type='int'),
        ),
        supports_check_mode=True,
    ).run(execute)


if __name__ == '__main__':
    main()
