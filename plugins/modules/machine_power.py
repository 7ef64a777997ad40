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
  - Brings a list of machines to a power state in one task.
  - Reads every machine first (in C($batch) requests of up to 100 machines) and decides what to do from each one's
    C(PowerState).
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
  - Each action is started as a job (C(async=true)); the actions travel in C($batch) requests of up to 100 machines.
    With O(wait=true) the module reads every machine in flight with one C(Machines/$search) per poll (the machines it
    does not find, and all of them on a site without that search, in C($batch) reads) until each has reached the power
    state (and, after a restart, registered again), then reads the jobs of those machines in one C($batch). A job that
    failed fails its machine, and a job's warning is its machine's RV(results[].reason).
  - On a site that answers C($batch) with 404, 405 or 501, every call is sent as a request of its own instead, with a
    warning.
  - A power action whose answer was lost (a dropped connection, a 5xx or 429 for its C($batch)) is not taken as sent
    nor as failed. The machine is read again, and the action is sent again only when the machine shows no sign of it
    (no C(PowerActionPending), the same power state and last reboot time).
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
      - Re-read the machines (in C($batch)) immediately before acting on them and skip each one whose C(SessionCount) is above 0,
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
      - On a site without C($batch), how many of the separate requests that replace a C($batch) are sent at the same time.
      - With C($batch), every machine is handled at once, up to 100 machines per request.
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
      - Seconds to wait for each machine, counted from when its action was sent; a machine that takes longer is reported
        as failed.
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
      marked RV(results[].predicted). No job is started, so RV(results[].job_id) is V(null); with O(wait=false) (or
      O(wait_timeout=0)) an action that would be started is V(pending), as it would be for real, and
      M(citrix_cloud.daas.wait_for_job) in check mode skips such a job instead of failing.
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

- name: Wait for that shutdown later (in check mode no job was started, and this task is skipped)
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
        - V(done) (the action completed; in check mode, it would be sent and waited for), V(pending) (started with
          O(wait=false); in check mode, it would be started), V(skipped) (nothing sent, see RV(results[].reason)) or
          V(failed) (see RV(results[].reason)).
      type: str
      sample: done
    reason:
      description: Why the machine was skipped or failed, or the warning of a job that completed with one.
      type: str
      sample: 2 sessions on the machine
    job_id:
      description:
        - The ID of the action's job; V(null) when no job was started (nothing sent, check mode), and for an action whose
          answer was lost but which the machine shows was carried out.
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
    count_by_status,
    fail_if_any_machine_failed,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._bulk import PowerRun
from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import POWER_DECISIONS, TARGET_STATES

STATUSES = ('done', 'skipped', 'failed', 'pending')


def after_state(result):
    """The power state a diff shows after the action: as read, else the target (pending, predicted), else unknown."""
    if result['status'] == 'failed':
        return result['power_state_after']
    return result['power_state_after'] or TARGET_STATES[result['action']]


def execute(daas):
    """Handle every machine, then report (and fail, naming them, when any machine failed)."""
    params = daas.params
    if params['wait_timeout'] < 0:
        daas.fail('wait_timeout must be 0 or more, got %s' % params['wait_timeout'])
    if params['force'] is not None and params['state'] in ('started', 'suspended'):
        daas.module.warn('force applies only to state stopped and restarted; it is ignored for state %s' % params['state'])
    daas.client.fallback_concurrency = params['concurrency']
    results = PowerRun(daas.client, params, daas.check_mode).run()
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
