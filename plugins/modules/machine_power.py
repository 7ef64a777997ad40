#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start, stop, restart or suspend Citrix DaaS machines."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: machine_power
version_added: 0.1.0
short_description: Start, stop, restart or suspend Citrix DaaS machines
description:
  - Brings a list of machines to a power state in one task, handling the machines concurrently.
  - Reads each machine first and decides what to do from its C(PowerState).
    V(started) starts a machine that is V(Off) and resumes one that is V(Suspended);
    V(stopped) shuts down a machine that is V(On); V(suspended) suspends a machine that is V(On);
    V(restarted) reboots a machine that is V(On).
  - Idempotent where the state allows it. A machine already in the requested state, or moving to it
    (V(TurningOn) or V(Resuming) for V(started), V(TurningOff) for V(stopped), V(Suspending) for V(suspended)),
    is left alone and reported as skipped with the reason. V(restarted) always reboots a machine that is V(On),
    and leaves a machine that is V(Off) off (skipped, with the reason).
  - Skips, with a reason per machine, a machine whose C(SupportedPowerActions) lack the action
    (start needs V(PowerOn), shutdown V(Shutdown) or V(PowerOff), reboot V(Restart) or V(Reset),
    suspend and resume V(SuspendResume)), a machine that already has C(PowerActionPending), and a machine
    in any other power state.
  - Each action is started as a job (C(async=true)). With O(wait=true) the module waits for the job, then re-reads the
    machine until it reached the power state (and, after a restart, registered again).
  - When the API answers 429, every request of the task pauses as the API asks, not just the one that was refused.
  - The task fails when any machine failed, after every other machine has been handled; the failure still returns
    RV(results) and RV(summary).
author:
  - citrix_cloud.daas contributors (@citrix-cloud-daas)
options:
  machines:
    description:
      - The machines, by name (V(DOMAIN\\NAME)) or ID. Duplicates are handled once, also when one machine is named
        twice in different ways (by name and by ID, or in another case); one entry acts, the others are skipped.
    type: list
    elements: str
    required: true
  state:
    description:
      - The power state to bring the machines to.
      - V(restarted) reboots every machine that is V(On), each time the task runs.
    type: str
    choices: [started, stopped, restarted, suspended]
    required: true
  only_if_idle:
    description:
      - Re-read each machine immediately before acting on it and skip it if its C(SessionCount) is above 0,
        so that a user who logged on since the first read keeps the session.
    type: bool
    default: false
  force:
    description:
      - For V(stopped) and V(restarted), whether to shut down or reboot without waiting for user activity to stop,
        which may lose user data. Passed to the API only when set; the API's default is not to force.
      - Ignored, with a warning, for V(started) and V(suspended).
    type: bool
  concurrency:
    description:
      - How many machines are handled at the same time, each from its first read until its action has completed
        (or has been started, with O(wait=false)).
    type: int
    default: 10
  wait:
    description:
      - Wait until each action has completed, its machine has reached the power state and, after a restart,
        registered again.
      - With V(false), return once each action has been started, with its RV(results[].job_id) and status V(pending).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for each machine, counted from its action; a machine that takes longer is reported as failed.
      - Must be 0 or more. V(0) means not to wait, as O(wait=false) does; each action is started and reported
        V(pending) with its RV(results[].job_id).
    type: int
    default: 1200
extends_documentation_fragment:
  - citrix_cloud.daas.daas
  - citrix_cloud.daas.attributes
  - citrix_cloud.daas.attributes.ACTIONS
attributes:
  check_mode:
    details: Check mode sends the same reads (including the re-read of O(only_if_idle)) and no power action; the results are
      marked RV(results[].predicted).
  diff_mode:
    details: The diff shows each machine acted on (or that would be, in check mode) with its C(PowerState) before and after and the C(PowerAction) sent.
seealso:
  - module: citrix_cloud.daas.machine_maintenance
  - module: citrix_cloud.daas.wait_for_job
  - module: citrix_cloud.daas.machine_info
'''

EXAMPLES = r'''
- name: Reboot the idle machines of a list, twenty at a time, keeping every session
  citrix_cloud.daas.machine_power:
    machines: "{{ idle_machines }}"
    state: restarted
    only_if_idle: true
    concurrency: 20
  register: reboot

- name: Show why machines were skipped
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.reason }}"
  loop: "{{ reboot.results | selectattr('status', 'equalto', 'skipped') | list }}"
  loop_control:
    label: "{{ item.name }}"

- name: Start two machines (a suspended one is resumed)
  citrix_cloud.daas.machine_power:
    machines:
      - DEMOLAB\KESTREL
      - DEMOLAB\OSPREY
    state: started

- name: Shut a machine down hard, without waiting
  citrix_cloud.daas.machine_power:
    machines: [DEMOLAB\EAGLE]
    state: stopped
    force: true
    wait: false
  register: shutdown

- name: Wait for that shutdown later
  citrix_cloud.daas.wait_for_job:
    job: "{{ shutdown.results[0].job_id }}"
'''

RETURN = r'''
results:
  description: One entry per machine, in the order of O(machines).
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
    action:
      description:
        - The power action (V(start), V(shutdown), V(reboot), V(suspend) or V(resume)) sent, or that would have been
          sent; V(null) when the machine is already in the requested state.
      type: str
      sample: reboot
    status:
      description:
        - V(done) (the action completed; in check mode, it would be sent), V(pending) (started with O(wait=false)),
          V(skipped) (nothing sent, see RV(results[].reason)) or V(failed) (see RV(results[].reason)).
      type: str
      sample: done
    reason:
      description: Why the machine was skipped or failed, or the warning of a job that completed with one.
      type: str
      sample: 2 sessions on the machine
    job_id:
      description: The ID of the action's job.
      type: str
      sample: 81c05d9f-3d8a-4b1c-9a52-6e0f7c3b2a10
    power_state_before:
      description: C(PowerState) at the first read.
      type: str
      sample: "On"
    power_state_after:
      description:
        - C(PowerState) at the last read (predicted in check mode); V(null) when unknown because the action failed.
      type: str
      sample: "On"
    predicted:
      description: Whether the entry is a prediction (check mode).
      type: bool
      sample: false
summary:
  description: Counts of the results by status.
  returned: always
  type: dict
  sample: {total: 3, done: 1, skipped: 1, failed: 0, pending: 1}
'''

from ansible_collections.citrix_cloud.daas.plugins.module_utils._base import (
    DaaSModule,
    MachineRunner,
    count_by_status,
    fail_if_any_machine_failed,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.module_utils._jobs import (
    Waiter,
    wait_for_citrix_job,
    wait_for_machine,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import (
    FORCEABLE,
    POWER_DECISIONS,
    TARGET_STATES,
    decide_power,
)

STATUSES = ('done', 'skipped', 'failed', 'pending')
# Polling of jobs and machines: quick at first (short jobs end quickly), backing off for long ones.
POLL_INTERVAL = 1.0
MAX_POLL_INTERVAL = 30.0


def new_result(daas):
    """The result of a machine before it was read (a machine that cannot be read keeps it, as failed)."""
    def blank(name):
        return dict(name=name, id=None, action=None, status='failed', reason=None, job_id=None,
                    power_state_before=None, power_state_after=None, predicted=daas.check_mode)
    return blank


def power_one(daas, machine, result):
    """Decide, act and wait for one machine, filling in its result."""
    params = daas.params
    client = daas.client
    result.update(power_state_before=machine.get('PowerState'), power_state_after=machine.get('PowerState'))
    action, reason = decide_power(machine, params['state'], params['only_if_idle'])
    if reason is None and params['only_if_idle']:
        machine = client.get_machine(machine['Id'])
        result['power_state_after'] = machine.get('PowerState')
        action, reason = decide_power(machine, params['state'], True)
    result['action'] = action
    if reason is not None:
        result.update(status='skipped', reason=reason)
        return
    if daas.check_mode:
        result.update(status='done', power_state_after=TARGET_STATES[action])
        return
    job = client.power_action(machine['Id'], action, force=params['force'] if action in FORCEABLE else None)
    result.update(job_id=job.id, status='pending')
    if not params['wait'] or params['wait_timeout'] == 0:
        return
    result['power_state_after'] = None
    # One deadline for the job and the machine's state after it.
    waiter = Waiter(params['wait_timeout'], POLL_INTERVAL, MAX_POLL_INTERVAL)
    try:
        outcome = wait_for_citrix_job(client, job, waiter)
        last = wait_for_machine(client, machine, action, Waiter(waiter.time_left(), POLL_INTERVAL, MAX_POLL_INTERVAL))
    except DaaSError as err:  # the job failed or timed out, or the machine did not get there
        result.update(status='failed', reason=str(err))
        return
    result.update(status='done', power_state_after=last.get('PowerState'),
                  reason='; '.join(outcome.get('warnings') or []) or None)


def after_state(result):
    """The power state a diff shows after the action: as read, else the target (pending, predicted), else unknown."""
    if result['status'] == 'failed':
        return result['power_state_after']
    return result['power_state_after'] or TARGET_STATES[result['action']]


def execute(daas):
    """Handle every machine concurrently, then report (and fail, naming them, when any machine failed)."""
    params = daas.params
    if params['wait_timeout'] < 0:
        daas.fail('wait_timeout must be 0 or more, got %s' % params['wait_timeout'])
    if params['force'] is not None and params['state'] in ('started', 'suspended'):
        daas.module.warn('force applies only to state stopped and restarted; it is ignored for state %s' % params['state'])
    results = MachineRunner(daas, new_result(daas), 'skipped').run(lambda machine, result: power_one(daas, machine, result))
    summary = count_by_status(results, STATUSES)
    # A machine whose action was sent is changed even when its job then failed or outlived the wait.
    acted = [r for r in results if r['status'] in ('done', 'pending') or r['job_id']]
    output = dict(changed=bool(acted), results=results, summary=summary)
    if daas.module._diff:
        # Only the machines acted on (or that would be); a restart shows as its power action, since On stays On.
        # A machine that failed after its action was sent shows the power state as unknown (null).
        output['diff'] = dict(
            before=dict((r['name'], dict(PowerState=r['power_state_before'])) for r in acted),
            after=dict((r['name'], dict(PowerState=after_state(r), PowerAction=r['action'])) for r in acted),
        )
    fail_if_any_machine_failed(daas, results, 'power action failed', output)
    return output


def main():
    daas = DaaSModule(
        argument_spec=dict(
            machines=dict(type='list', elements='str', required=True),
            state=dict(type='str', choices=sorted(POWER_DECISIONS), required=True),
            only_if_idle=dict(type='bool', default=False),
            force=dict(type='bool'),
            concurrency=dict(type='int', default=10),
            wait=dict(type='bool', default=True),
            wait_timeout=dict(type='int', default=1200),
        ),
        supports_check_mode=True,
    )
    daas.run(execute)


if __name__ == '__main__':
    main()
